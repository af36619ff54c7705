/*
 * client.h - one conversation with one repository of one registry: base
 * URL (https, or plain http where allowed), authentication state, and the
 * request loop that answers 401 challenges, follows redirects and retries
 * transient failures. manifest.c, download.c and push.c build on it.
 */
#ifndef REGISTRY_CLIENT_H
#define REGISTRY_CLIENT_H

#include "auth.h"
#include "http.h"

#include <stdint.h>
#include <sys/types.h>

struct registry {
    char host[300];   /* the registry as users name it: "docker.io", "127.0.0.1:5000" */
    char api_host[300]; /* where requests go: "registry-1.docker.io" for docker.io */
    char base[600];   /* URL before "/v2/": "https://registry-1.docker.io", a mirror's URL */
    char repo[300];   /* "ai/smollm2" */
    int push;         /* ask for pull,push scope */
    char *mount_from[8]; /* other repositories whose pull scope a push needs (mounts) */
    int n_mount_from;
    char cred_host[300]; /* whose credentials to use: host, or the mirror in use */
    char *user, *pass; /* credentials for cred_host, or NULL */
    int creds_loaded;
    struct challenge chal;
    int have_chal;
    int basic_sent;   /* credentials already tried: a 401 now means they are wrong */
    struct token token;
    CURLSH *share;    /* connection cache, DNS and TLS sessions shared by this conversation */
    int mirror_index; /* which MODEL_REGISTRY_MIRRORS entry is in use, -1 for none */
};

/* Prepare for host ("docker.io", "localhost:5000") and repo. Contacts the
 * registry (GET /v2/) to choose the scheme and learn its challenge: https
 * first; plain http only when http_host_allows_plain() and the TLS
 * handshake itself failed (a certificate error is reported, never
 * downgraded). For docker.io, the mirrors in MODEL_REGISTRY_MIRRORS
 * (comma-separated URLs or host[:port]) are tried first, in order; a mirror
 * that does not answer is skipped. push: request pull,push scope. */
int registry_open(struct registry *r, const char *host, const char *repo, int push);
void registry_close(struct registry *r);
/* As registry_open, skipping the first `first_mirror` mirrors (a pull whose
 * manifest a mirror lacks tries the next one, then the real host). */
int registry_open_from(struct registry *r, const char *host, const char *repo, int push, int first_mirror);

/* Extra repositories whose pull scope the token must cover (blob mounts). */
void registry_add_mount_scope(struct registry *r, const char *repo);

/* URL for a path under the repository: registry_url(r, "blobs/sha256:..").
 * Returns a malloc'd string. */
char *registry_url(const struct registry *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The Authorization header line for a request to url, or NULL when none
 * may be sent there: only to the registry's own origin (same scheme, host,
 * port), so nothing leaks to a CDN after a redirect or over a downgrade.
 * Fetches a fresh bearer token when the current one has expired. The
 * result is malloc'd. *err set to -1 when a needed token could not be had. */
char *registry_auth_header(struct registry *r, const char *url, int *err);

/* Handle a 401 answer (its headers): parse the challenge and get a new
 * token, or decide the credentials are missing/wrong. 0 = retry, -1 = give up (err set). */
int registry_reauth(struct registry *r, const struct http_headers *h);

/* A request body taken from a file range (uploads), or from memory. */
struct reg_body {
    const void *mem;
    int fd;           /* used when mem is NULL and fd >= 0 */
    uint64_t off, len;
    const char *content_type;
};

/* One request with auth, redirects (GET/HEAD only, at most 10) and retries
 * of transient failures (connection errors, 5xx, 429 with Retry-After) for
 * idempotent methods. Extra headers: NULL-terminated "Name: value" lines.
 * Returns 0 when an HTTP answer came (any status: the caller judges it;
 * resp->final_url-like information is not kept), -1 on transport failure. */
int registry_do(struct registry *r, const char *method, const char *url, const char *const *headers,
                const struct reg_body *body, struct http_response *resp);

/* Text of the registry's JSON error body ("MANIFEST_UNKNOWN: manifest unknown"), or "". */
const char *registry_error_text(const struct http_response *resp, char *buf, size_t n);

/* Backoff before attempt n (1-based): 1, 2, 4, 8 s ... capped at 30 s;
 * MODEL_RETRY_BASE_MS scales it for tests. */
long registry_backoff_ms(int attempt, long retry_after_s);
/* How many attempts transient failures get (5; MODEL_RETRIES overrides). */
int registry_max_attempts(void);

#endif
