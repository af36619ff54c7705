/*
 * login.c - check credentials against a registry before `model login`
 * stores them, and the host spelling both sides agree on.
 */
#include "registry.h"
#include "../common/err.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int registry_normalize_host(const char *in, char *out, size_t n)
{
    const char *p = strstr(in, "://");
    p = p ? p + 3 : in;
    size_t l = 0;
    while (p[l] && p[l] != '/')
        l++;
    if (!l || l >= n)
        return err_set("invalid registry name \"%s\": expected HOST[:PORT]", in);
    for (size_t i = 0; i < l; i++) {
        char c = (char)tolower((unsigned char)p[i]);
        if (!isalnum((unsigned char)c) && !strchr(".-:[]_", c))
            return err_set("invalid registry name \"%s\": expected HOST[:PORT]", in);
        out[i] = c;
    }
    out[l] = 0;
    if (!strcmp(out, "index.docker.io") || !strcmp(out, "registry-1.docker.io"))
        str_copy(out, n, "docker.io");
    return 0;
}

int registry_check_login(const char *host, const char *user, const char *pass)
{
    struct registry r;
    if (registry_open(&r, host, "", 0) < 0)
        return -1;
    r.user = strdup(user);
    r.pass = strdup(pass);
    r.creds_loaded = 1;
    int rc = -1;
    if (!r.have_chal) {
        rc = 0; /* the registry needs no authentication at all: nothing to check */
        goto out;
    }
    char url[700];
    snprintf(url, sizeof url, "%s/v2/", r.base);
    struct http_response resp = { 0 };
    if (registry_do(&r, "GET", url, NULL, NULL, &resp) == 0) {
        if (resp.status == 200)
            rc = 0;
        else
            err_set("login to %s failed: HTTP %ld", host, resp.status);
    }
    http_response_free(&resp);
out:
    registry_close(&r);
    return rc;
}
