/*
 * http.h - the libcurl plumbing every registry request shares.
 *
 * One place decides how a transfer is configured (CA bundle, proxies,
 * User-Agent, timeouts, which schemes are allowed) and how a response is
 * captured (status, headers compared case-insensitively, a bounded body),
 * so the manifest, blob, token and upload code never set curl options of
 * their own that could disagree.
 */
#ifndef REGISTRY_HTTP_H
#define REGISTRY_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <string.h>

/* Copy src into dst[n], truncating; always NUL-terminated. */
static inline void str_copy(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = 0;
}

/* Headers of the last response of a transfer (after any 1xx/redirect hops). */
struct http_headers {
    char **lines; /* "Name: value", trailing CR/LF stripped */
    size_t n, cap;
};

struct http_response {
    long status;
    struct http_headers headers;
    char *body; /* NUL-terminated, at most max_body bytes */
    size_t body_len;
    size_t max_body; /* 0 = 1 MiB default */
    int body_too_large;
};

/* Call once per process before any transfer (curl_global_init). */
int http_global_init(void);

/* A new easy handle configured for `url`: User-Agent model/<version>,
 * SSL_CERT_FILE as CA bundle when set, proxies from the environment as curl
 * reads them, connect timeout, stall detection, no automatic redirects (the
 * caller follows them so it decides what credentials travel). NULL + err_set
 * when the URL's scheme is not allowed (see http_url_allowed). */
CURL *http_easy_new(const char *url);

/* Attach `resp` to capture status, headers and a bounded body. */
void http_capture(CURL *h, struct http_response *resp);
/* Only capture headers; the body goes to `write_cb(ptr, size, n, userdata)`. */
void http_capture_headers(CURL *h, struct http_headers *hdrs);

/* Reset a header list between redirect hops/retries. */
void http_headers_clear(struct http_headers *h);
void http_response_free(struct http_response *r);

/* Value of header `name` (case-insensitive, HTTP/2 sends lower case), or NULL. */
const char *http_header(const struct http_headers *h, const char *name);

/* 1 when plain http may be used for this host ("host", "host:port",
 * "[::1]:port"): localhost, 127.0.0.0/8, ::1, *.local, and the entries of
 * MODEL_INSECURE_REGISTRIES (comma or space separated, host or host:port). */
int http_host_allows_plain(const char *hostport);

/* 1 when `url` may be fetched: https always, http only for hosts above. */
int http_url_allowed(const char *url);

/* Split a URL: scheme ("http"/"https"), host (lower case, no brackets) and
 * port (default for the scheme filled in). Returns -1 on a malformed URL. */
int http_url_origin(const char *url, char *scheme, size_t ns, char *host, size_t nh, long *port);

/* 1 when the two URLs share scheme, host and port. */
int http_same_origin(const char *a, const char *b);

/* Resolve a Location header against the URL it came from (absolute result, malloc'd). */
char *http_resolve_location(const char *base, const char *location);

/* "Retry-After" in seconds (delta form; HTTP-dates are turned into a delta), -1 when absent. */
long http_retry_after(const struct http_headers *h);

/* Human text for curl errors and statuses, naming the host. */
const char *http_curl_strerror(CURLcode c);

/* Cap on received bytes per second for every later transfer (0 = none);
 * `model pull --limit-rate`. Downloads then run one transfer at a time so
 * the cap is the total. */
void http_set_limit_rate(long long bytes_per_second);
long long http_limit_rate(void);

/* Stall timeout in seconds: 30, or MODEL_STALL_TIMEOUT for tests. */
long http_stall_seconds(void);

#endif
