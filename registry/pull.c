/*
 * pull.c - the order of a pull: manifest, config, memory estimate, layers,
 * then manifest and tag in one store transaction. Nothing becomes visible
 * in `model list` before every blob is verified and in place, and whatever
 * was downloaded before an interruption stays for the next pull.
 */
#include "registry.h"
#include "download.h"
#include "progress.h"
#include "../common/err.h"
#include "../store/store.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CTX 4096 /* the runtime's default context; the KV cache scales with it */

uint64_t registry_host_memory(void)
{
    const char *o = getenv("MODEL_HOST_MEMORY");
    if (o && *o)
        return strtoull(o, NULL, 10);
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
}

static long gguf_int(const cJSON *gguf, const char *arch, const char *key)
{
    char k[160];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(gguf, k);
    if (cJSON_IsString(v))
        return strtol(v->valuestring, NULL, 10);
    if (cJSON_IsNumber(v))
        return (long)v->valuedouble;
    return 0;
}

uint64_t registry_estimate_memory(const char *json, size_t len, uint64_t weights, int *ctx_out)
{
    *ctx_out = 0;
    cJSON *j = cJSON_ParseWithLength(json, len);
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(j, "config");
    const cJSON *gguf = cJSON_GetObjectItemCaseSensitive(cfg, "gguf");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(gguf, "general.architecture");
    if (!cJSON_IsString(a))
        a = cJSON_GetObjectItemCaseSensitive(cfg, "architecture");
    uint64_t kv = 0;
    if (cJSON_IsObject(gguf) && cJSON_IsString(a) && strlen(a->valuestring) < 64) {
        const char *arch = a->valuestring;
        long layers = gguf_int(gguf, arch, "block_count");
        long embd = gguf_int(gguf, arch, "embedding_length");
        long heads = gguf_int(gguf, arch, "attention.head_count");
        long kvh = gguf_int(gguf, arch, "attention.head_count_kv");
        long ctx = gguf_int(gguf, arch, "context_length");
        const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cfg, "context_size");
        if (ctx <= 0 && cJSON_IsNumber(cs))
            ctx = (long)cs->valuedouble;
        if (kvh <= 0)
            kvh = heads;
        if (ctx <= 0 || ctx > DEFAULT_CTX)
            ctx = DEFAULT_CTX;
        if (layers > 0 && layers < 100000 && embd > 0 && embd < 1000000 && heads > 0 && heads <= embd &&
            kvh > 0 && kvh <= heads) {
            /* K and V, f16, per layer: ctx x n_kv_heads x head_dim */
            kv = 2ull * 2ull * (uint64_t)layers * (uint64_t)ctx * (uint64_t)kvh * (uint64_t)(embd / heads);
            *ctx_out = (int)ctx;
        }
    }
    cJSON_Delete(j);
    return weights + kv;
}

static int fetch_config(struct store *s, struct pull *p)
{
    const struct descriptor *c = &p->man.config;
    if (store_has_blob(s, c->digest) == 1)
        return 0;
    char *url = registry_url(&p->reg, "blobs/%s", c->digest);
    if (!url)
        return err_set("out of memory");
    struct http_response resp = { .max_body = CONFIG_MAX_BYTES };
    int rc = registry_do(&p->reg, "GET", url, NULL, NULL, &resp);
    free(url);
    if (rc == 0) {
        char got[72], stored[DIGEST_LEN + 1], et[300];
        if (resp.status != 200) {
            rc = err_set("config blob %.19s of %s/%s: HTTP %ld %s", c->digest, p->reg.host, p->reg.repo,
                         resp.status, registry_error_text(&resp, et, sizeof et));
        } else {
            sha256_buf(resp.body ? resp.body : "", resp.body_len, got);
            if (strcmp(got, c->digest))
                rc = err_set("config blob %s: digest mismatch: expected %s, got %s", c->digest, c->digest, got);
            else if (resp.body_len != c->size)
                rc = err_set("config blob %s: %zu bytes, the manifest says %llu", c->digest, resp.body_len,
                             (unsigned long long)c->size);
            else if (store_put_blob(s, resp.body, resp.body_len, stored) < 0)
                rc = -1;
        }
    }
    http_response_free(&resp);
    return rc;
}

int registry_pull_begin(struct store *s, const char *text, struct pull *p)
{
    memset(p, 0, sizeof *p);
    if (ref_parse(text, &p->ref) < 0)
        return -1;
    if (!p->ref.digest[0]) {
        char buf[512];
        ref_format(&p->ref, REF_FAMILIAR, buf, sizeof buf);
        str_copy(p->tag, sizeof p->tag, buf);
    }
    const char *want = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
    for (int first = 0;;) {
        if (registry_open_from(&p->reg, p->ref.registry, p->ref.path, 0, first) < 0)
            return -1;
        p->opened = 1;
        if (oci_manifest_fetch(&p->reg, want, &p->man) == 0)
            break;
        if (p->reg.mirror_index < 0)
            return -1;
        /* this mirror lacks it (or serves something bad): next mirror, then the registry */
        first = p->reg.mirror_index + 1;
        registry_close(&p->reg);
        p->opened = 0;
    }
    for (int i = 0; i < p->man.n_layers; i++) {
        p->total_bytes += p->man.layers[i].size;
        if (manifest_layer_is_gguf(p->man.layers[i].media_type))
            p->weights_bytes += p->man.layers[i].size;
    }
    if (fetch_config(s, p) < 0)
        return -1;
    char *cfg = NULL;
    size_t cl = 0;
    if (store_read_blob(s, p->man.config.digest, CONFIG_MAX_BYTES, &cfg, &cl) < 0)
        return -1;
    p->mem_needed = registry_estimate_memory(cfg, cl, p->weights_bytes, &p->kv_ctx);
    free(cfg);
    p->host_mem = registry_host_memory();
    return 0;
}

int registry_pull_finish(struct store *s, struct pull *p, struct progress *prog, uint64_t *fetched)
{
    struct dl_item *items = calloc((size_t)p->man.n_layers, sizeof *items);
    if (!items)
        return err_set("out of memory");
    int n = 0;
    for (int i = 0; i < p->man.n_layers; i++) {
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= !strcmp(items[j].digest, p->man.layers[i].digest);
        if (dup)
            continue;
        str_copy(items[n].digest, sizeof items[n].digest, p->man.layers[i].digest);
        items[n].size = p->man.layers[i].size;
        n++;
    }
    int rc = download_blobs(&p->reg, s, items, n, prog, fetched);
    free(items);
    if (rc < 0)
        return -1;
    char stored[DIGEST_LEN + 1];
    if (store_put_blob(s, p->man.raw, p->man.raw_len, stored) < 0)
        return -1;
    if (strcmp(stored, p->man.digest))
        return err_set("manifest stored as %s, expected %s", stored, p->man.digest);
    const char *tags[1] = { p->tag };
    return store_commit_model(s, p->man.digest, tags, p->tag[0] ? 1 : 0);
}

void registry_pull_free(struct pull *p)
{
    oci_manifest_free(&p->man);
    if (p->opened)
        registry_close(&p->reg);
    p->opened = 0;
}
