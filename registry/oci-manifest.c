/*
 * oci-manifest.c - resolve a tag or digest to a checked model manifest.
 *
 * Everything in a manifest comes from the network, so every field is
 * checked before use: lengths of strings, digest syntax, sizes, layer
 * count. The registry used in tests accepts wrong sizes and unknown media
 * types (registry-testing.md), so these checks are ours to make.
 */
#include "oci-manifest.h"
#include "client.h"
#include "../common/err.h"
#include "../store/store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define SIZE_LIMIT (1ull << 46) /* 64 TiB: no real blob is larger; bounds arithmetic */

const char *const MANIFEST_ACCEPT =
    "Accept: " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST ", " MT_OCI_INDEX ", " MT_DOCKER_LIST;

void oci_manifest_free(struct oci_manifest *m)
{
    free(m->raw);
    free(m->layers);
    memset(m, 0, sizeof *m);
}

int manifest_config_supported(const char *mt)
{
    return !strcmp(mt, MT_MODEL_CONFIG) || !strcmp(mt, MT_MODEL_CONFIG_V02) || !strcmp(mt, MT_CNCF_CONFIG);
}

int manifest_layer_is_gguf(const char *mt)
{
    return !strcmp(mt, MT_GGUF) || !strcmp(mt, "application/vnd.cncf.model.weight.v1.gguf") ||
           !strcmp(mt, "application/vnd.cncf.model.weight.v1.raw");
}

static int is_index_type(const char *mt)
{
    return !strcmp(mt, MT_OCI_INDEX) || !strcmp(mt, MT_DOCKER_LIST);
}

/* Media type without parameters ("type; charset=x" -> "type"), lower-cased. */
static void bare_type(const char *in, char *out, size_t n)
{
    size_t l = 0;
    while (*in == ' ')
        in++;
    while (*in && *in != ';' && *in != ' ' && l + 1 < n)
        out[l++] = (char)((*in >= 'A' && *in <= 'Z') ? *in++ + 32 : *in++);
    out[l] = 0;
}

static int parse_descriptor(const cJSON *j, struct descriptor *d, const char *what)
{
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");
    const cJSON *dg = cJSON_GetObjectItemCaseSensitive(j, "digest");
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(j, "size");
    if (!cJSON_IsObject(j))
        return err_set("manifest: %s is not an object", what);
    if (!cJSON_IsString(mt) || strlen(mt->valuestring) >= sizeof d->media_type)
        return err_set("manifest: %s has no valid mediaType", what);
    if (!cJSON_IsString(dg) || !digest_is_valid(dg->valuestring))
        return err_set("manifest: %s digest is not sha256:<64 hex>", what);
    if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > (double)SIZE_LIMIT ||
        sz->valuedouble != (double)(uint64_t)sz->valuedouble)
        return err_set("manifest: %s size is not a plausible byte count", what);
    str_copy(d->media_type, sizeof d->media_type, mt->valuestring);
    str_copy(d->digest, sizeof d->digest, dg->valuestring);
    d->size = (uint64_t)sz->valuedouble;
    return 0;
}

int oci_manifest_parse(const char *raw, size_t len, const char *content_type, struct oci_manifest *m)
{
    memset(m, 0, sizeof *m);
    if (len > MANIFEST_MAX_BYTES)
        return err_set("manifest of %zu bytes is larger than the %u allowed", len, MANIFEST_MAX_BYTES);
    cJSON *j = cJSON_ParseWithLength(raw, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return err_set("manifest is not a JSON object");
    }
    int rc = -1;
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "schemaVersion");
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");
    char body_type[256] = "";
    if (cJSON_IsString(mt))
        bare_type(mt->valuestring, body_type, sizeof body_type);
    if (!cJSON_IsNumber(sv) || sv->valueint != 2) {
        err_set("manifest: schemaVersion is not 2");
        goto out;
    }
    if (content_type && *content_type) {
        char ct[256];
        bare_type(content_type, ct, sizeof ct);
        if (body_type[0] && strcmp(ct, body_type)) {
            err_set("manifest: Content-Type %s does not match its mediaType %s", ct, body_type);
            goto out;
        }
        if (!body_type[0])
            str_copy(body_type, sizeof body_type, ct);
    }
    if (!body_type[0])
        str_copy(body_type, sizeof body_type, MT_OCI_MANIFEST);
    if (strcmp(body_type, MT_OCI_MANIFEST) && strcmp(body_type, MT_DOCKER_MANIFEST)) {
        err_set("manifest type %s is not a model manifest", body_type);
        goto out;
    }
    str_copy(m->media_type, sizeof m->media_type, body_type);
    if (parse_descriptor(cJSON_GetObjectItemCaseSensitive(j, "config"), &m->config, "config") < 0)
        goto out;
    if (!manifest_config_supported(m->config.media_type)) {
        err_set("config type %s is not supported (supported: %s, %s, %s); this is not a model, or it "
                "needs a newer 'model'",
                m->config.media_type, MT_MODEL_CONFIG, MT_MODEL_CONFIG_V02, MT_CNCF_CONFIG);
        goto out;
    }
    if (m->config.size > CONFIG_MAX_BYTES) {
        err_set("manifest: config of %llu bytes is larger than the %u allowed",
                (unsigned long long)m->config.size, CONFIG_MAX_BYTES);
        goto out;
    }
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(j, "layers");
    int n = cJSON_GetArraySize(layers);
    if (!cJSON_IsArray(layers) || n < 1) {
        err_set("manifest has no layers");
        goto out;
    }
    if (n > MANIFEST_MAX_LAYERS) {
        err_set("manifest has %d layers, more than the %d allowed", n, MANIFEST_MAX_LAYERS);
        goto out;
    }
    m->layers = calloc((size_t)n, sizeof *m->layers);
    if (!m->layers) {
        err_set("out of memory");
        goto out;
    }
    int i = 0, gguf = 0;
    uint64_t total = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, layers) {
        char what[32];
        snprintf(what, sizeof what, "layer %d", i);
        if (parse_descriptor(l, &m->layers[i], what) < 0)
            goto out;
        total += m->layers[i].size;
        if (total > SIZE_LIMIT) {
            err_set("manifest: layers add up to an implausible size");
            goto out;
        }
        gguf += manifest_layer_is_gguf(m->layers[i].media_type);
        i++;
    }
    m->n_layers = i;
    if (!gguf) {
        err_set("manifest has no GGUF weights layer (layer types: %s...): this model's format is not "
                "supported",
                m->layers[0].media_type);
        goto out;
    }
    m->raw = malloc(len + 1);
    if (!m->raw) {
        err_set("out of memory");
        goto out;
    }
    memcpy(m->raw, raw, len);
    m->raw[len] = 0;
    m->raw_len = len;
    sha256_buf(raw, len, m->digest);
    rc = 0;
out:
    cJSON_Delete(j);
    if (rc < 0) {
        free(m->layers);
        m->layers = NULL;
        free(m->raw);
        m->raw = NULL;
    }
    return rc;
}

/* GET one manifest; returns the response (body = raw bytes) after checks of
 * status, size and digests. */
static int get_raw(struct registry *r, const char *ref, struct http_response *resp)
{
    char *url = registry_url(r, "manifests/%s", ref);
    if (!url)
        return err_set("out of memory");
    const char *hdrs[] = { MANIFEST_ACCEPT, NULL };
    resp->max_body = MANIFEST_MAX_BYTES;
    int rc = registry_do(r, "GET", url, hdrs, NULL, resp);
    free(url);
    if (rc < 0)
        return -1;
    char etext[300];
    registry_error_text(resp, etext, sizeof etext);
    if (resp->status == 404)
        return err_set("model %s/%s:%s not found%s%s", r->host, r->repo, ref, etext[0] ? ": " : "", etext);
    if (resp->status == 401 || resp->status == 403)
        return err_set("access to %s/%s denied (HTTP %ld%s%s): run 'model login %s' with an account "
                       "that may read it",
                       r->host, r->repo, resp->status, etext[0] ? ", " : "", etext, r->host);
    if (resp->status != 200)
        return err_set("manifest %s of %s/%s: HTTP %ld %s", ref, r->host, r->repo, resp->status, etext);
    if (!resp->body_len)
        return err_set("manifest %s of %s/%s: empty answer", ref, r->host, r->repo);
    char got[72];
    sha256_buf(resp->body, resp->body_len, got);
    const char *dcd = http_header(&resp->headers, "Docker-Content-Digest");
    if (dcd && !strncmp(dcd, "sha256:", 7) && strcmp(dcd, got))
        return err_set("manifest %s of %s/%s: bytes hash to %s but the registry says %s", ref, r->host,
                       r->repo, got, dcd);
    if (!strncmp(ref, "sha256:", 7) && strcmp(ref, got))
        return err_set("manifest %s of %s/%s: the bytes received hash to %s", ref, r->host, r->repo, got);
    return 0;
}

int oci_manifest_fetch(struct registry *r, const char *ref, struct oci_manifest *m)
{
    struct http_response resp = { 0 };
    if (get_raw(r, ref, &resp) < 0) {
        http_response_free(&resp);
        return -1;
    }
    /* An index: follow its first model manifest, one level only. */
    char ct[256] = "";
    const char *cth = http_header(&resp.headers, "Content-Type");
    if (cth)
        bare_type(cth, ct, sizeof ct);
    cJSON *j = cJSON_ParseWithLength(resp.body, resp.body_len);
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "mediaType");
    const char *type = cJSON_IsString(mt) ? mt->valuestring : ct;
    if (is_index_type(type)) {
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(j, "manifests");
        const cJSON *e, *pick = NULL;
        if (cJSON_IsString(mt) && ct[0] && strcmp(ct, mt->valuestring)) {
            cJSON_Delete(j);
            http_response_free(&resp);
            return err_set("index: Content-Type %s does not match its mediaType %s", ct, mt->valuestring);
        }
        int count = 0;
        cJSON_ArrayForEach(e, ms) {
            if (++count > MANIFEST_MAX_LAYERS)
                break;
            const cJSON *emt = cJSON_GetObjectItemCaseSensitive(e, "mediaType");
            const cJSON *dg = cJSON_GetObjectItemCaseSensitive(e, "digest");
            if (cJSON_IsString(dg) && digest_is_valid(dg->valuestring) &&
                (!cJSON_IsString(emt) || !is_index_type(emt->valuestring))) {
                pick = e;
                break;
            }
        }
        if (!pick) {
            cJSON_Delete(j);
            http_response_free(&resp);
            return err_set("index %s of %s/%s lists no manifest", ref, r->host, r->repo);
        }
        char dig[80];
        str_copy(dig, sizeof dig, cJSON_GetObjectItemCaseSensitive(pick, "digest")->valuestring);
        cJSON_Delete(j);
        http_response_free(&resp);
        if (get_raw(r, dig, &resp) < 0) {
            http_response_free(&resp);
            return -1;
        }
        cth = http_header(&resp.headers, "Content-Type");
        int rc = oci_manifest_parse(resp.body, resp.body_len, cth, m);
        if (rc < 0 && is_index_type(ct))
            err_prefix("manifest %s (from index %s)", dig, ref);
        http_response_free(&resp);
        return rc;
    }
    cJSON_Delete(j);
    int rc = oci_manifest_parse(resp.body, resp.body_len, cth, m);
    if (rc < 0)
        err_prefix("%s/%s:%s", r->host, r->repo, ref);
    http_response_free(&resp);
    return rc;
}
