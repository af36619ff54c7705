/*
 * creds.c - registry credentials: our own file (written by `model login`)
 * and Docker's config.json, which users already have after `docker login`.
 *
 * Both files use Docker's shape: {"auths": {"HOST": {"auth": base64("user:pass")}}}.
 * Ours is written with mode 0600 through a temporary file and rename, so a
 * crash never leaves it half-written or briefly world-readable.
 * Docker credential helpers (credsStore/credHelpers) are not consulted.
 */
#include "auth.h"
#include "../common/err.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *b64_encode(const void *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *b64_decode(const char *text, size_t *len)
{
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
        n--;
    if (n % 4)
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    int l = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (l < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the '=' padding as zero bytes */
    for (size_t i = n; i > 0 && text[i - 1] == '='; i--)
        l--;
    out[l] = 0;
    if (len)
        *len = (size_t)l;
    return (char *)out;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *creds_path(void)
{
    const char *d = getenv("MODEL_CONFIG_DIR");
    if (d && *d)
        return path_join(d, "credentials.json");
    d = getenv("XDG_CONFIG_HOME");
    if (d && *d)
        return path_join(d, "model/credentials.json");
    d = getenv("HOME");
    if (d && *d)
        return path_join(d, ".config/model/credentials.json");
    return NULL;
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 > cap) {
            if (cap > (4u << 20))
                break; /* a credentials file this large is not one */
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (!r)
            break;
        n += r;
    }
    fclose(f);
    cJSON *j = buf ? cJSON_ParseWithLength(buf, n) : NULL;
    free(buf);
    return j;
}

/* Entry of `auths` for host, trying the spellings Docker writes. */
static const cJSON *find_auth(const cJSON *auths, const char *host)
{
    if (!cJSON_IsObject(auths))
        return NULL;
    const char *forms[] = { "%s", "https://%s", "http://%s", "https://%s/v1/", "https://%s/v2/", NULL };
    char key[600];
    for (int i = 0; forms[i]; i++) {
        snprintf(key, sizeof key, forms[i], host);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(auths, key);
        if (cJSON_IsObject(e))
            return e;
    }
    if (!strcmp(host, "registry-1.docker.io") || !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io")) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(auths, "https://index.docker.io/v1/");
        if (cJSON_IsObject(e))
            return e;
    }
    return NULL;
}

static int entry_creds(const cJSON *e, char **user, char **pass)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "auth");
    if (cJSON_IsString(a) && a->valuestring[0]) {
        char *dec = b64_decode(a->valuestring, NULL);
        char *colon = dec ? strchr(dec, ':') : NULL;
        if (colon) {
            *colon = 0;
            *user = strdup(dec);
            *pass = strdup(colon + 1);
            free(dec);
            return *user && *pass;
        }
        free(dec);
    }
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "username");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "password");
    if (cJSON_IsString(u) && cJSON_IsString(p)) {
        *user = strdup(u->valuestring);
        *pass = strdup(p->valuestring);
        return *user && *pass;
    }
    return 0;
}

static int lookup_in(const char *path, const char *host, char **user, char **pass)
{
    if (!path)
        return 0;
    cJSON *j = read_json(path);
    int found = 0;
    const cJSON *e = find_auth(cJSON_GetObjectItemCaseSensitive(j, "auths"), host);
    if (e)
        found = entry_creds(e, user, pass);
    cJSON_Delete(j);
    return found;
}

int creds_lookup(const char *host, char **user, char **pass)
{
    *user = *pass = NULL;
    char *ours = creds_path();
    int found = lookup_in(ours, host, user, pass);
    free(ours);
    if (found)
        return 1;
    const char *dc = getenv("DOCKER_CONFIG");
    char *docker = NULL;
    if (dc && *dc)
        docker = path_join(dc, "config.json");
    else if (getenv("HOME"))
        docker = path_join(getenv("HOME"), ".docker/config.json");
    found = lookup_in(docker, host, user, pass);
    free(docker);
    if (!found) {
        free(*user);
        free(*pass);
        *user = *pass = NULL;
    }
    return found;
}

static int mkdir_parents(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return -1;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(d, 0700) < 0 && errno != EEXIST) {
            free(d);
            return -1;
        }
        *p = '/';
    }
    free(d);
    return 0;
}

static int write_file_0600(const char *path, const char *text)
{
    if (mkdir_parents(path) < 0)
        return err_errno("cannot create the directory of %s", path);
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return err_set("out of memory");
    snprintf(tmp, n, "%s.tmp%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_errno("cannot write %s", tmp);
        free(tmp);
        return -1;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    if (!ok || rename(tmp, path) < 0) {
        err_errno("cannot write %s", path);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

static int update(const char *host, const char *user, const char *pass, int *removed)
{
    char *path = creds_path();
    if (!path)
        return err_set("no place for the credentials file: set HOME or MODEL_CONFIG_DIR");
    cJSON *j = read_json(path);
    if (!j)
        j = cJSON_CreateObject();
    cJSON *auths = cJSON_GetObjectItemCaseSensitive(j, "auths");
    if (!cJSON_IsObject(auths)) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "auths");
        auths = cJSON_AddObjectToObject(j, "auths");
    }
    int rc = 0;
    if (removed)
        *removed = cJSON_HasObjectItem(auths, host);
    cJSON_DeleteItemFromObjectCaseSensitive(auths, host);
    if (user) {
        size_t n = strlen(user) + strlen(pass) + 2;
        char *up = malloc(n);
        snprintf(up, n, "%s:%s", user, pass);
        char *b = b64_encode(up, n - 1);
        cJSON *e = cJSON_AddObjectToObject(auths, host);
        cJSON_AddStringToObject(e, "auth", b);
        free(b);
        free(up);
    }
    char *text = cJSON_Print(j);
    rc = write_file_0600(path, text);
    free(text);
    cJSON_Delete(j);
    free(path);
    return rc;
}

int creds_store(const char *host, const char *user, const char *pass)
{
    return update(host, user, pass, NULL);
}

int creds_erase(const char *host)
{
    int removed = 0;
    char *path = creds_path();
    int exists = path && access(path, F_OK) == 0;
    free(path);
    if (!exists)
        return 0;
    if (update(host, NULL, NULL, &removed) < 0)
        return -1;
    return removed;
}
