/*
 * http.c - libcurl setup and response capture shared by all registry traffic.
 *
 * Redirects are never followed by curl itself: registry/client.c follows
 * them by hand so that it alone decides whether Authorization may travel to
 * the next host (it may not cross origins or downgrade https to http).
 */
#include "http.h"
#include "../common/err.h"
#include "../common/version.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int http_global_init(void)
{
    static int done;
    if (done)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return err_set("could not initialise libcurl");
    done = 1;
    return 0;
}

static long long limit_rate;

void http_set_limit_rate(long long bps)
{
    limit_rate = bps > 0 ? bps : 0;
}

long long http_limit_rate(void)
{
    return limit_rate;
}

long http_stall_seconds(void)
{
    const char *s = getenv("MODEL_STALL_TIMEOUT");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 ? v : 30;
}

CURL *http_easy_new(const char *url)
{
    if (!http_url_allowed(url)) {
        err_set("refusing plain http for %s: use https, or add the host to MODEL_INSECURE_REGISTRIES", url);
        return NULL;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        err_set("could not create a libcurl handle");
        return NULL;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "model/" MODEL_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
    /* A connection that delivers nothing for the stall time is dropped; the
     * caller reconnects and resumes from the bytes it already has. */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, http_stall_seconds());
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    const char *ca = getenv("SSL_CERT_FILE");
    if (ca && *ca) {
        curl_easy_setopt(h, CURLOPT_CAINFO, ca);
        curl_easy_setopt(h, CURLOPT_PROXY_CAINFO, ca); /* an https:// proxy of the same company */
    }
    const char *cadir = getenv("SSL_CERT_DIR");
    if (cadir && *cadir)
        curl_easy_setopt(h, CURLOPT_CAPATH, cadir);
    const char *rate = getenv("MODEL_TEST_MAX_RECV_SPEED"); /* per transfer, for tests */
    if (rate && *rate)
        curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)strtoll(rate, NULL, 10));
    else if (limit_rate)
        curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)limit_rate);
    /* Proxies: left to libcurl, which reads http_proxy/HTTPS_PROXY/ALL_PROXY/NO_PROXY. */
    return h;
}

void http_headers_clear(struct http_headers *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->lines[i]);
    h->n = 0;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *ud)
{
    struct http_headers *h = ud;
    size_t len = size * n, l = len;
    while (l && (buf[l - 1] == '\r' || buf[l - 1] == '\n'))
        l--;
    if (l >= 5 && !strncmp(buf, "HTTP/", 5)) {
        http_headers_clear(h); /* a new response (after 100-continue or a hop) */
        return len;
    }
    if (!l || h->n > 512)
        return len;
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 16;
        char **nl = realloc(h->lines, nc * sizeof *nl);
        if (!nl)
            return 0;
        h->lines = nl;
        h->cap = nc;
    }
    char *s = malloc(l + 1);
    if (!s)
        return 0;
    memcpy(s, buf, l);
    s[l] = 0;
    h->lines[h->n++] = s;
    return len;
}

static size_t body_cb(char *buf, size_t size, size_t n, void *ud)
{
    struct http_response *r = ud;
    size_t len = size * n;
    size_t max = r->max_body ? r->max_body : (1u << 20);
    if (r->body_len + len > max) {
        r->body_too_large = 1;
        return 0;
    }
    char *nb = realloc(r->body, r->body_len + len + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->body_len, buf, len);
    r->body = nb;
    r->body_len += len;
    nb[r->body_len] = 0;
    return len;
}

void http_capture_headers(CURL *h, struct http_headers *hdrs)
{
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, hdrs);
}

void http_capture(CURL *h, struct http_response *resp)
{
    http_capture_headers(h, &resp->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
}

void http_response_free(struct http_response *r)
{
    http_headers_clear(&r->headers);
    free(r->headers.lines);
    free(r->body);
    size_t keep = r->max_body;
    memset(r, 0, sizeof *r);
    r->max_body = keep;
}

const char *http_header(const struct http_headers *h, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = h->n; i-- > 0;) {
        const char *l = h->lines[i];
        if (!strncasecmp(l, name, nl) && l[nl] == ':') {
            l += nl + 1;
            while (*l == ' ' || *l == '\t')
                l++;
            return l;
        }
    }
    return NULL;
}

/* Strip a port and brackets: "[::1]:5000" -> "::1", "a.b:80" -> "a.b". */
static void bare_host(const char *hostport, char *out, size_t n)
{
    const char *s = hostport, *e;
    if (*s == '[') {
        s++;
        e = strchr(s, ']');
        if (!e)
            e = s + strlen(s);
    } else {
        e = strchr(s, ':');
        /* more than one colon without brackets: a bare IPv6 address */
        if (e && strchr(e + 1, ':'))
            e = s + strlen(s);
        if (!e)
            e = s + strlen(s);
    }
    size_t l = (size_t)(e - s) < n - 1 ? (size_t)(e - s) : n - 1;
    for (size_t i = 0; i < l; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[l] = 0;
}

int http_host_allows_plain(const char *hostport)
{
    char host[256];
    bare_host(hostport, host, sizeof host);
    if (!strcmp(host, "localhost") || !strcmp(host, "::1"))
        return 1;
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127)
        return 1;
    size_t hl = strlen(host);
    if (hl > 6 && !strcmp(host + hl - 6, ".local"))
        return 1;
    const char *list = getenv("MODEL_INSECURE_REGISTRIES");
    if (!list)
        return 0;
    char full[300];
    str_copy(full, sizeof full, hostport);
    for (char *p = full; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ' ' && *q != '\t')
            q++;
        size_t l = (size_t)(q - p);
        if (l) {
            /* an entry without a port matches every port of that host */
            if ((strlen(full) == l && !strncasecmp(p, full, l)) ||
                (strlen(host) == l && !strncasecmp(p, host, l)))
                return 1;
        }
        p = q;
    }
    return 0;
}

int http_url_origin(const char *url, char *scheme, size_t ns, char *host, size_t nh, long *port)
{
    CURLU *u = curl_url();
    if (!u)
        return -1;
    int rc = -1;
    char *sc = NULL, *ho = NULL, *po = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_SCHEME, &sc, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &ho, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(u, CURLUPART_PORT, &po, CURLU_DEFAULT_PORT) != CURLUE_OK)
        goto out;
    snprintf(scheme, ns, "%s", sc);
    for (char *p = scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    bare_host(ho, host, nh);
    *port = strtol(po, NULL, 10);
    rc = 0;
out:
    curl_free(sc);
    curl_free(ho);
    curl_free(po);
    curl_url_cleanup(u);
    return rc;
}

int http_url_allowed(const char *url)
{
    char scheme[16], host[256];
    long port;
    if (http_url_origin(url, scheme, sizeof scheme, host, sizeof host, &port) < 0)
        return 0;
    if (!strcmp(scheme, "https"))
        return 1;
    if (strcmp(scheme, "http"))
        return 0;
    char hp[300];
    if (strchr(host, ':'))
        snprintf(hp, sizeof hp, "[%s]:%ld", host, port);
    else
        snprintf(hp, sizeof hp, "%s:%ld", host, port);
    return http_host_allows_plain(hp);
}

int http_same_origin(const char *a, const char *b)
{
    char s1[16], s2[16], h1[256], h2[256];
    long p1, p2;
    if (http_url_origin(a, s1, sizeof s1, h1, sizeof h1, &p1) < 0 ||
        http_url_origin(b, s2, sizeof s2, h2, sizeof h2, &p2) < 0)
        return 0;
    return !strcmp(s1, s2) && !strcmp(h1, h2) && p1 == p2;
}

char *http_resolve_location(const char *base, const char *location)
{
    CURLU *u = curl_url();
    char *out = NULL, *res = NULL;
    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
        res = strdup(out);
    curl_free(out);
    curl_url_cleanup(u);
    if (!res)
        err_set("bad redirect or upload location '%s' from %s", location, base);
    return res;
}

long http_retry_after(const struct http_headers *h)
{
    const char *v = http_header(h, "Retry-After");
    if (!v)
        return -1;
    if (isdigit((unsigned char)*v)) {
        long s = strtol(v, NULL, 10);
        return s < 0 ? 0 : s;
    }
    time_t t = curl_getdate(v, NULL);
    if (t < 0)
        return -1;
    long d = (long)(t - time(NULL));
    return d < 0 ? 0 : d;
}

const char *http_curl_strerror(CURLcode c)
{
    return curl_easy_strerror(c);
}
