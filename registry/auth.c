/*
 * auth.c - WWW-Authenticate parsing and the bearer token exchange.
 *
 * Header grammar (RFC 9110 section 11): challenges separated by commas, each
 * a scheme followed by comma-separated name=value parameters whose values
 * may be quoted strings with backslash escapes. A comma therefore ends
 * either a parameter or a whole challenge; which one is decided by whether
 * the next word is followed by '='.
 */
#include "auth.h"
#include "http.h"
#include "../common/err.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Read a token or quoted string at p into out; returns the position after it. */
static const char *read_value(const char *p, char *out, size_t n)
{
    size_t l = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && p[1])
                p++;
            if (l + 1 < n)
                out[l++] = *p;
            p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ',' && *p != ' ' && *p != '\t') {
            if (l + 1 < n)
                out[l++] = *p;
            p++;
        }
    }
    out[l] = 0;
    return p;
}

/* Does a "name =" parameter start at p (as opposed to a new scheme)? */
static int param_follows(const char *p)
{
    p = skip_ws(p);
    if (!is_tchar((unsigned char)*p))
        return 0;
    while (is_tchar((unsigned char)*p))
        p++;
    p = skip_ws(p);
    return *p == '=';
}

int auth_parse_challenges(const char *value, struct challenge *out, int max)
{
    int n = 0;
    const char *p = value ? value : "";
    while (*p && n < max) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        if (!is_tchar((unsigned char)*p))
            return n ? n : -1;
        struct challenge *c = &out[n];
        memset(c, 0, sizeof *c);
        size_t l = 0;
        while (is_tchar((unsigned char)*p)) {
            if (l + 1 < sizeof c->scheme)
                c->scheme[l++] = *p;
            p++;
        }
        n++;
        /* parameters */
        for (;;) {
            p = skip_ws(p);
            if (!param_follows(p)) {
                /* token68 (e.g. "Basic abc==") or the end: skip to the next comma */
                if (*p && *p != ',')
                    while (*p && *p != ',')
                        p++;
                break;
            }
            char name[32], val[1024];
            l = 0;
            while (is_tchar((unsigned char)*p)) {
                if (l + 1 < sizeof name)
                    name[l++] = (char)tolower((unsigned char)*p);
                p++;
            }
            name[l] = 0;
            p = skip_ws(p);
            p = skip_ws(p + 1); /* '=' */
            p = read_value(p, val, sizeof val);
            if (!strcmp(name, "realm"))
                str_copy(c->realm, sizeof c->realm, val);
            else if (!strcmp(name, "service"))
                str_copy(c->service, sizeof c->service, val);
            else if (!strcmp(name, "scope"))
                str_copy(c->scope, sizeof c->scope, val);
            else if (!strcmp(name, "error"))
                str_copy(c->error, sizeof c->error, val);
            p = skip_ws(p);
            if (*p != ',')
                break;
            /* a comma: another parameter of this challenge, or the next challenge */
            if (!param_follows(p + 1))
                break;
            p++;
        }
    }
    return n ? n : -1;
}

const struct challenge *auth_pick(const struct challenge *c, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(c[i].scheme, "Bearer"))
            return &c[i];
    for (int i = 0; i < n; i++)
        if (!strcasecmp(c[i].scheme, "Basic"))
            return &c[i];
    return NULL;
}

void token_clear(struct token *t)
{
    free(t->value);
    t->value = NULL;
    t->expires = 0;
}

int token_valid(const struct token *t)
{
    return t->value && time(NULL) < t->expires;
}

int auth_fetch_token(const struct challenge *c, const char *const *scopes, const char *user,
                     const char *pass, struct token *out)
{
    if (!c->realm[0])
        return err_set("registry asked for a bearer token but gave no realm");
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, c->realm, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return err_set("bad token realm '%s'", c->realm);
    }
    char buf[1200];
    if (c->service[0]) {
        snprintf(buf, sizeof buf, "service=%s", c->service);
        curl_url_set(u, CURLUPART_QUERY, buf, CURLU_APPENDQUERY | CURLU_URLENCODE);
    }
    for (int i = 0; scopes && scopes[i]; i++) {
        snprintf(buf, sizeof buf, "scope=%s", scopes[i]);
        curl_url_set(u, CURLUPART_QUERY, buf, CURLU_APPENDQUERY | CURLU_URLENCODE);
    }
    char *url = NULL;
    curl_url_get(u, CURLUPART_URL, &url, 0);
    curl_url_cleanup(u);
    if (!url)
        return err_set("bad token realm '%s'", c->realm);

    int rc = -1;
    struct http_response r = { .max_body = 1 << 20 };
    CURL *h = http_easy_new(url);
    if (!h)
        goto out;
    http_capture(h, &r);
    if (user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        err_set("token request to %s failed: %s", c->realm, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    if (r.status == 401 || r.status == 403) {
        err_set("authentication failed at %s (HTTP %ld): %s", c->realm, r.status,
                user ? "check the credentials (model login)" : "this registry needs credentials: run 'model login'");
        goto out;
    }
    if (r.status != 200) {
        err_set("token request to %s answered HTTP %ld", c->realm, r.status);
        goto out;
    }
    cJSON *j = cJSON_ParseWithLength(r.body ? r.body : "", r.body_len);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
    if (!cJSON_IsString(t) || !t->valuestring[0])
        t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
    if (!cJSON_IsString(t) || !t->valuestring[0]) {
        cJSON_Delete(j);
        err_set("token server %s answered without a token", c->realm);
        goto out;
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
    long secs = cJSON_IsNumber(e) && e->valuedouble >= 1 && e->valuedouble < 1e9 ? (long)e->valuedouble : 60;
    token_clear(out);
    out->value = strdup(t->valuestring);
    /* a request must not start with a token about to lapse: keep a margin */
    out->expires = time(NULL) + secs - (secs >= 60 ? 10 : secs / 4);
    cJSON_Delete(j);
    rc = out->value ? 0 : err_set("out of memory");
out:
    if (h)
        curl_easy_cleanup(h);
    http_response_free(&r);
    curl_free(url);
    return rc;
}
