/* manifest.c - reading OCI manifests and the bits of model configs the index needs. */
#include "store-internal.h"

#include "../common/err.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_desc(const cJSON *j, struct desc *d, const char *what)
{
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");
    const cJSON *dg = cJSON_GetObjectItemCaseSensitive(j, "digest");
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(j, "size");
    if (!cJSON_IsObject(j) || !cJSON_IsString(dg) || !cJSON_IsNumber(sz))
        return err_set("manifest: %s lacks a digest or size", what);
    if (!digest_is_valid(dg->valuestring))
        return err_set("manifest: %s has an unsupported digest \"%.80s\"", what, dg->valuestring);
    if (sz->valuedouble < 0 || sz->valuedouble > 9.007199254740992e15 ||
        sz->valuedouble != (double)(uint64_t)sz->valuedouble)
        return err_set("manifest: %s has an invalid size", what);
    snprintf(d->digest, sizeof d->digest, "%s", dg->valuestring);
    d->size = (uint64_t)sz->valuedouble;
    d->media_type = strdup(cJSON_IsString(mt) ? mt->valuestring : "");
    return d->media_type ? 0 : err_set("out of memory");
}

int manifest_parse(const char *json, size_t len, struct manifest *m)
{
    memset(m, 0, sizeof *m);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return err_set("manifest is not valid JSON");
    int rc = -1;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "mediaType");
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
    if (cJSON_IsString(mt) && strcmp(mt->valuestring, MT_OCI_MANIFEST) && strcmp(mt->valuestring, MT_DOCKER_MANIFEST)) {
        err_set("manifest has media type %.100s; expected %s", mt->valuestring, MT_OCI_MANIFEST);
        goto out;
    }
    m->media_type = strdup(cJSON_IsString(mt) ? mt->valuestring : MT_OCI_MANIFEST);
    if (parse_desc(cJSON_GetObjectItemCaseSensitive(root, "config"), &m->config, "config") < 0)
        goto out;
    if (!cJSON_IsArray(layers)) {
        err_set("manifest has no layers array");
        goto out;
    }
    int n = cJSON_GetArraySize(layers);
    m->layers = calloc((size_t)n + 1, sizeof *m->layers);
    if (!m->layers) {
        err_set("out of memory");
        goto out;
    }
    const cJSON *l;
    cJSON_ArrayForEach(l, layers)
    {
        char what[32];
        snprintf(what, sizeof what, "layer %d", m->n_layers);
        if (parse_desc(l, &m->layers[m->n_layers], what) < 0)
            goto out;
        m->n_layers++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc < 0)
        manifest_free(m);
    return rc;
}

void manifest_free(struct manifest *m)
{
    free(m->media_type);
    free(m->config.media_type);
    for (int i = 0; i < m->n_layers; i++)
        free(m->layers[i].media_type);
    free(m->layers);
    memset(m, 0, sizeof *m);
}

int64_t parse_rfc3339(const char *s)
{
    struct tm tm = { 0 };
    int consumed = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec, &consumed) != 6)
        return -1;
    const char *p = s + consumed;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        offset = (hh * 60L + mm) * 60L * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    return (int64_t)t - offset;
}

int64_t config_created(const char *json, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return -1;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "descriptor");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "created");
    if (!cJSON_IsString(c))
        c = cJSON_GetObjectItemCaseSensitive(d, "createdAt");
    int64_t t = cJSON_IsString(c) ? parse_rfc3339(c->valuestring) : -1;
    cJSON_Delete(root);
    return t;
}
