/*
 * client.c - base URL choice, mirrors, authentication state and the
 * request loop shared by manifest, blob and upload requests.
 */
#include "client.h"
#include "../common/err.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static int is_docker_hub(const char *host)
{
    return !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
           !strcmp(host, "registry-1.docker.io");
}

long registry_backoff_ms(int attempt, long retry_after_s)
{
    const char *s = getenv("MODEL_RETRY_BASE_MS");
    long base = s ? strtol(s, NULL, 10) : 1000;
    if (base < 0)
        base = 0;
    if (retry_after_s >= 0) {
        long ms = retry_after_s * 1000;
        if (base < 1000) /* tests shrink every wait */
            ms = ms * base / 1000;
        return ms > 300000 ? 300000 : ms;
    }
    long ms = base;
    for (int i = 1; i < attempt && ms < 30000; i++)
        ms *= 2;
    return ms > 30000 ? 30000 : ms;
}

int registry_max_attempts(void)
{
    const char *s = getenv("MODEL_RETRIES");
    int n = s ? atoi(s) : 5;
    return n < 1 ? 1 : n > 50 ? 50 : n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

char *registry_url(const struct registry *r, const char *fmt, ...)
{
    char tail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    size_t n = strlen(r->base) + strlen(r->repo) + strlen(tail) + 8;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%s/v2/%s/%s", r->base, r->repo, tail);
    return u;
}

const char *registry_error_text(const struct http_response *resp, char *buf, size_t n)
{
    buf[0] = 0;
    if (!resp->body || !resp->body_len)
        return buf;
    cJSON *j = cJSON_ParseWithLength(resp->body, resp->body_len);
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
    const cJSON *e = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (cJSON_IsString(code))
        snprintf(buf, n, "%s%s%s", code->valuestring, cJSON_IsString(msg) ? ": " : "",
                 cJSON_IsString(msg) ? msg->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

/* ---- opening: scheme, mirrors, first challenge ------------------------------ */

/* GET base/v2/ without credentials. 0 with *status set, or the curl code. */
static CURLcode ping(const char *base, long *status, struct http_headers *hdrs)
{
    size_t n = strlen(base) + 8;
    char *url = malloc(n);
    if (!url)
        return CURLE_OUT_OF_MEMORY;
    snprintf(url, n, "%s/v2/", base);
    CURL *h = http_easy_new(url);
    free(url);
    if (!h)
        return CURLE_UNSUPPORTED_PROTOCOL;
    struct http_response r = { .max_body = 64 << 10 };
    http_capture(h, &r);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
    CURLcode c = curl_easy_perform(h);
    if (c == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        /* keep the headers: a 401 carries the challenge */
        http_headers_clear(hdrs);
        for (size_t i = 0; i < r.headers.n; i++) {
            if (hdrs->n == hdrs->cap) {
                size_t nc = hdrs->cap ? hdrs->cap * 2 : 16;
                char **nl = realloc(hdrs->lines, nc * sizeof *nl);
                if (!nl)
                    break;
                hdrs->lines = nl;
                hdrs->cap = nc;
            }
            hdrs->lines[hdrs->n++] = r.headers.lines[i];
            r.headers.lines[i] = NULL;
        }
        r.headers.n = 0;
    }
    curl_easy_cleanup(h);
    http_response_free(&r);
    return c;
}

static int ssl_handshake_failure(CURLcode c)
{
    return c == CURLE_SSL_CONNECT_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR ||
           c == CURLE_SEND_ERROR || c == CURLE_WEIRD_SERVER_REPLY;
}

static void learn_challenge(struct registry *r, const struct http_headers *h)
{
    struct challenge all[4];
    int n = auth_parse_challenges(http_header(h, "WWW-Authenticate"), all, 4);
    const struct challenge *c = n > 0 ? auth_pick(all, n) : NULL;
    if (c) {
        r->chal = *c;
        r->have_chal = 1;
    }
}

/* Try one base URL: scheme given (mirror) or chosen here. */
static int try_base(struct registry *r, const char *hostport, const char *given_base, int quiet)
{
    long status = 0;
    struct http_headers h = { 0 };
    char base[600];
    CURLcode c;
    if (given_base) {
        str_copy(base, sizeof base, given_base);
        c = ping(base, &status, &h);
    } else {
        snprintf(base, sizeof base, "https://%s", hostport);
        c = ping(base, &status, &h);
        if (c != CURLE_OK && ssl_handshake_failure(c) && http_host_allows_plain(hostport)) {
            snprintf(base, sizeof base, "http://%s", hostport);
            c = ping(base, &status, &h);
        }
    }
    int rc = 0;
    if (c != CURLE_OK) {
        if (!quiet) {
            if (c == CURLE_PEER_FAILED_VERIFICATION)
                err_set("TLS certificate of %s not trusted (%s): give its CA with SSL_CERT_FILE=ca.pem",
                        hostport, curl_easy_strerror(c));
            else if (c == CURLE_UNSUPPORTED_PROTOCOL)
                err_prefix("registry %s", hostport);
            else
                err_set("cannot reach registry %s (%s): is it running, and is the name right? "
                        "(proxies: HTTPS_PROXY/NO_PROXY)", base, curl_easy_strerror(c));
        }
        rc = -1;
    } else {
        str_copy(r->base, sizeof r->base, base);
        if (status == 401)
            learn_challenge(r, &h);
    }
    http_headers_clear(&h);
    free(h.lines);
    return rc;
}

int registry_open_from(struct registry *r, const char *host, const char *repo, int push, int first_mirror)
{
    memset(r, 0, sizeof *r);
    r->mirror_index = -1;
    if (http_global_init() < 0)
        return -1;
    str_copy(r->host, sizeof r->host, host);
    str_copy(r->api_host, sizeof r->api_host, is_docker_hub(host) ? "registry-1.docker.io" : host);
    str_copy(r->repo, sizeof r->repo, repo);
    str_copy(r->cred_host, sizeof r->cred_host, host);
    r->push = push;
    /* one thread per registry handle, so the share needs no lock callbacks */
    r->share = curl_share_init();
    if (r->share) {
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    const char *mirrors = getenv("MODEL_REGISTRY_MIRRORS");
    if (!push && is_docker_hub(host) && mirrors && *mirrors) {
        char *list = strdup(mirrors), *save = NULL;
        int idx = 0;
        for (char *m = strtok_r(list, ", ", &save); m; m = strtok_r(NULL, ", ", &save), idx++) {
            if (idx < first_mirror)
                continue;
            char base[600];
            if (strstr(m, "://"))
                str_copy(base, sizeof base, m);
            else
                snprintf(base, sizeof base, "%s://%s", http_host_allows_plain(m) ? "http" : "https", m);
            size_t l = strlen(base);
            while (l && base[l - 1] == '/')
                base[--l] = 0;
            if (l >= 3 && !strcmp(base + l - 3, "/v2"))
                base[l - 3] = 0;
            if (try_base(r, NULL, base, 1) == 0) {
                str_copy(r->api_host, sizeof r->api_host, base);
                r->mirror_index = idx;
                /* a mirror gets its own credentials, never Docker Hub's */
                char sc[16], h[256];
                long port;
                if (http_url_origin(base, sc, sizeof sc, h, sizeof h, &port) == 0) {
                    int dflt = (!strcmp(sc, "https") && port == 443) || (!strcmp(sc, "http") && port == 80);
                    if (dflt)
                        str_copy(r->cred_host, sizeof r->cred_host, h);
                    else
                        snprintf(r->cred_host, sizeof r->cred_host, strchr(h, ':') ? "[%s]:%ld" : "%s:%ld", h, port);
                }
                free(list);
                return 0;
            }
        }
        free(list);
    }
    if (try_base(r, r->api_host, NULL, 0) < 0) {
        registry_close(r); /* the caller only closes what opened */
        return -1;
    }
    return 0;
}

int registry_open(struct registry *r, const char *host, const char *repo, int push)
{
    return registry_open_from(r, host, repo, push, 0);
}

void registry_close(struct registry *r)
{
    for (int i = 0; i < r->n_mount_from; i++)
        free(r->mount_from[i]);
    free(r->user);
    free(r->pass);
    token_clear(&r->token);
    if (r->share)
        curl_share_cleanup(r->share);
    memset(r, 0, sizeof *r);
}

void registry_add_mount_scope(struct registry *r, const char *repo)
{
    if (r->n_mount_from < 8 && strcmp(repo, r->repo)) {
        for (int i = 0; i < r->n_mount_from; i++)
            if (!strcmp(r->mount_from[i], repo))
                return;
        r->mount_from[r->n_mount_from++] = strdup(repo);
        token_clear(&r->token); /* the next request asks for the wider scope */
    }
}

/* ---- authentication ------------------------------------------------------------ */

static void load_creds(struct registry *r)
{
    if (r->creds_loaded)
        return;
    r->creds_loaded = 1;
    creds_lookup(r->cred_host, &r->user, &r->pass);
}

static int fetch_token(struct registry *r)
{
    char own[400], chal_scope[512];
    const char *scopes[12];
    int n = 0;
    snprintf(own, sizeof own, "repository:%s:%s", r->repo, r->push ? "pull,push" : "pull");
    if (r->repo[0]) /* no repository: a login check, any token will do */
        scopes[n++] = own;
    char extra[8][400];
    for (int i = 0; i < r->n_mount_from; i++) {
        snprintf(extra[i], sizeof extra[i], "repository:%s:pull", r->mount_from[i]);
        scopes[n++] = extra[i];
    }
    /* the registry may want a scope we did not think of (a catalog, another repo) */
    if (r->chal.scope[0] && strcmp(r->chal.scope, own)) {
        str_copy(chal_scope, sizeof chal_scope, r->chal.scope);
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= !strcmp(scopes[i], chal_scope);
        if (!dup)
            scopes[n++] = chal_scope;
    }
    scopes[n] = NULL;
    load_creds(r);
    return auth_fetch_token(&r->chal, scopes, r->user, r->pass, &r->token);
}

char *registry_auth_header(struct registry *r, const char *url, int *err)
{
    *err = 0;
    if (!r->have_chal || !http_same_origin(url, r->base))
        return NULL;
    char *line = NULL;
    if (!strcasecmp(r->chal.scheme, "Bearer")) {
        if (!token_valid(&r->token) && fetch_token(r) < 0) {
            *err = -1;
            return NULL;
        }
        size_t n = strlen(r->token.value) + 32;
        line = malloc(n);
        if (line)
            snprintf(line, n, "Authorization: Bearer %s", r->token.value);
    } else if (!strcasecmp(r->chal.scheme, "Basic")) {
        load_creds(r);
        if (!r->user)
            return NULL;
        size_t n = strlen(r->user) + strlen(r->pass) + 2;
        char *up = malloc(n);
        if (!up)
            return NULL;
        snprintf(up, n, "%s:%s", r->user, r->pass);
        char *b = b64_encode(up, n - 1);
        free(up);
        if (!b)
            return NULL;
        n = strlen(b) + 32;
        line = malloc(n);
        if (line)
            snprintf(line, n, "Authorization: Basic %s", b);
        free(b);
        r->basic_sent = 1;
    }
    return line;
}

int registry_reauth(struct registry *r, const struct http_headers *h)
{
    struct challenge all[4];
    int n = auth_parse_challenges(http_header(h, "WWW-Authenticate"), all, 4);
    const struct challenge *c = n > 0 ? auth_pick(all, n) : NULL;
    if (!c)
        return err_set("%s answered 401 without a usable WWW-Authenticate challenge", r->host);
    int had_token = r->token.value != NULL;
    r->chal = *c;
    r->have_chal = 1;
    load_creds(r);
    if (!strcasecmp(c->scheme, "Bearer")) {
        if (had_token && !strcmp(c->error, "insufficient_scope"))
            return err_set("access to %s/%s denied (insufficient scope%s): %s", r->host, r->repo,
                           c->scope[0] ? c->scope : "",
                           r->user ? "these credentials may not do this" : "run 'model login' first");
        token_clear(&r->token);
        return fetch_token(r);
    }
    if (!r->user)
        return err_set("%s requires authentication: run 'model login %s'", r->host, r->host);
    if (r->basic_sent)
        return err_set("authentication to %s failed for user '%s': wrong username or password? "
                       "(run 'model login %s')", r->host, r->user, r->host);
    return 0;
}

/* ---- the request loop ------------------------------------------------------------- */

struct body_state {
    const struct reg_body *b;
    uint64_t pos;
};

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
    struct body_state *s = ud;
    uint64_t left = s->b->len - s->pos;
    size_t want = size * n < left ? size * n : (size_t)left;
    if (!want)
        return 0;
    if (s->b->mem) {
        memcpy(buf, (const char *)s->b->mem + s->pos, want);
    } else {
        ssize_t got = pread(s->b->fd, buf, want, (off_t)(s->b->off + s->pos));
        if (got <= 0)
            return CURL_READFUNC_ABORT;
        want = (size_t)got;
    }
    s->pos += want;
    return want;
}

static int idempotent(const char *method)
{
    return !strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "PUT") ||
           !strcmp(method, "DELETE");
}

int registry_do(struct registry *r, const char *method, const char *url, const char *const *headers,
                const struct reg_body *body, struct http_response *resp)
{
    char *cur = strdup(url);
    int hops = 0, attempt = 0, reauths = 0, rc = -1;
    int may_redirect = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!cur)
        return err_set("out of memory");
    for (;;) {
        http_response_free(resp);
        int aerr = 0;
        char *auth = registry_auth_header(r, cur, &aerr);
        if (aerr)
            break;
        CURL *h = http_easy_new(cur);
        if (!h) {
            free(auth);
            break;
        }
        if (r->share)
            curl_easy_setopt(h, CURLOPT_SHARE, r->share);
        struct curl_slist *hl = NULL;
        for (int i = 0; headers && headers[i]; i++)
            hl = curl_slist_append(hl, headers[i]);
        if (auth)
            hl = curl_slist_append(hl, auth);
        hl = curl_slist_append(hl, "Expect:");
        struct body_state bs = { body, 0 };
        char ctype[200];
        if (body) {
            snprintf(ctype, sizeof ctype, "Content-Type: %s",
                     body->content_type ? body->content_type : "application/octet-stream");
            hl = curl_slist_append(hl, ctype);
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        http_capture(h, resp);
        if (!strcmp(method, "HEAD")) {
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (strcmp(method, "GET")) {
            if (body) {
                curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
                curl_easy_setopt(h, CURLOPT_READDATA, &bs);
                curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len);
            } else if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) {
                curl_easy_setopt(h, CURLOPT_POST, 1L);
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
            }
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
        CURLcode c = curl_easy_perform(h);
        if (c == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_easy_cleanup(h);
        curl_slist_free_all(hl);
        free(auth);
        attempt++;
        if (c != CURLE_OK) {
            if (c == CURLE_WRITE_ERROR && resp->body_too_large) {
                err_set("%s %s: answer larger than %zu bytes, refused", method, cur, resp->max_body);
                break;
            }
            if (idempotent(method) && attempt < registry_max_attempts() &&
                c != CURLE_PEER_FAILED_VERIFICATION) {
                sleep_ms(registry_backoff_ms(attempt, -1));
                continue;
            }
            err_set("%s %s failed: %s", method, cur, curl_easy_strerror(c));
            break;
        }
        long st = resp->status;
        if (st == 401 && reauths < 2) {
            reauths++;
            if (registry_reauth(r, &resp->headers) < 0)
                break;
            continue;
        }
        if (st >= 300 && st < 400 && st != 304 && may_redirect && http_header(&resp->headers, "Location")) {
            if (++hops > 10) {
                err_set("%s: more than 10 redirects", url);
                break;
            }
            char *next = http_resolve_location(cur, http_header(&resp->headers, "Location"));
            if (!next)
                break;
            free(cur);
            cur = next;
            continue;
        }
        if ((st >= 500 || st == 429) && idempotent(method) && attempt < registry_max_attempts()) {
            sleep_ms(registry_backoff_ms(attempt, http_retry_after(&resp->headers)));
            continue;
        }
        rc = 0;
        break;
    }
    free(cur);
    return rc;
}
