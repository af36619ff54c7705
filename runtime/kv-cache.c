/*
 * kv-cache.c - storage and the two attention products over the cache (see
 * kv-cache.h for the layout). The conversions and dot products are the
 * kernels' own (kernels/ggml-type.h traits), so the cache computes exactly
 * what a matmul of the same types would.
 */
#include "kv-cache.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../kernels/ggml-type.h"
#include "../kernels/matmul.h"

/*
 * llama.cpp attends over the cache padded to a multiple of 32 cells (the
 * padding masked out), and multiplies with tinyBLAS when there are several
 * query rows and the inner length is a multiple of 16, else with ggml's
 * single-row dot (kern_vec_dot_single). The two sum in different orders, so
 * the products here take the same shapes and the same path.
 */
#define KV_PAD 32

static const struct {
    const char *name;
    uint32_t elt;
} kv_types[] = {
    [KV_F16] = { "f16", GGML_TYPE_F16 },
    [KV_F32] = { "f32", GGML_TYPE_F32 },
    [KV_Q8_0] = { "q8_0", GGML_TYPE_Q8_0 },
};

int kv_type_parse(const char *name, enum kv_type *out)
{
    for (size_t i = 0; i < sizeof kv_types / sizeof kv_types[0]; i++)
        if (!strcmp(name, kv_types[i].name)) {
            *out = (enum kv_type)i;
            return 0;
        }
    return err_set("unknown KV cache type '%s' (use f16, f32 or q8_0)", name);
}

const char *kv_type_name(enum kv_type t)
{
    return kv_types[t].name;
}

uint64_t kv_cache_bytes(int n_layer, int n_ctx, int n_head_kv, int head_dim, enum kv_type t)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(kv_types[t].elt);
    uint64_t elems = 2ull * (uint64_t)n_layer * (uint64_t)n_ctx * (uint64_t)n_head_kv * (uint64_t)head_dim;
    return elems / (uint64_t)tr->blck_size * tr->type_size;
}

struct kv_cache *kv_cache_new(int n_layer, int n_ctx, int n_head_kv, int head_dim, enum kv_type t)
{
    uint32_t elt = kv_types[t].elt;
    const struct ggml_type_traits *tr = ggml_get_type_traits(elt);

    if (!tr || !tr->from_float || !tr->vec_dot || !tr->to_float) {
        err_set("KV cache type %s is not supported by the kernels yet", kv_types[t].name);
        return NULL;
    }
    if (head_dim % tr->blck_size) {
        err_set("KV cache type %s needs a head size that is a multiple of %lld (this model's is %d)",
                kv_types[t].name, (long long)tr->blck_size, head_dim);
        return NULL;
    }
    struct kv_cache *kv = calloc(1, sizeof *kv);
    if (!kv)
        goto oom;
    kv->type = t;
    kv->elt = elt;
    kv->n_layer = n_layer;
    kv->n_ctx = n_ctx;
    kv->n_head_kv = n_head_kv;
    kv->head_dim = head_dim;
    kv->k_row = ggml_row_size(elt, head_dim);
    kv->v_row = t == KV_Q8_0 ? kv->k_row : ggml_row_size(elt, n_ctx);
    size_t per_layer = kv->k_row * (size_t)n_ctx * (size_t)n_head_kv;
    kv->k = calloc((size_t)n_layer, sizeof *kv->k);
    kv->v = calloc((size_t)n_layer, sizeof *kv->v);
    if (!kv->k || !kv->v)
        goto oom;
    for (int l = 0; l < n_layer; l++) {
        /* calloc: positions never written read as zeros, never as garbage. */
        if (!(kv->k[l] = calloc(1, per_layer)) || !(kv->v[l] = calloc(1, per_layer)))
            goto oom;
    }
    /* scratch holds a query (head_dim) or probabilities (n_ctx) in the dot type, F32 at most 4 bytes each */
    size_t n = (size_t)(n_ctx > head_dim ? n_ctx : head_dim);
    kv->scratch = malloc(n * 4 + 64);
    kv->vtmp = malloc((size_t)head_dim * sizeof(float));
    kv->ptmp = malloc((size_t)n_ctx * sizeof(float));
    if (!kv->scratch || !kv->vtmp || !kv->ptmp)
        goto oom;
    return kv;
oom:
    kv_cache_free(kv);
    err_set("out of memory for the KV cache (%d layers x %d positions); try a smaller --ctx-size", n_layer, n_ctx);
    return NULL;
}

void kv_cache_free(struct kv_cache *kv)
{
    if (!kv)
        return;
    for (int l = 0; l < kv->n_layer; l++) {
        if (kv->k)
            free(kv->k[l]);
        if (kv->v)
            free(kv->v[l]);
    }
    free(kv->k);
    free(kv->v);
    free(kv->scratch);
    free(kv->vtmp);
    free(kv->ptmp);
    free(kv);
}

static uint8_t *k_row(struct kv_cache *kv, int layer, int h, int pos)
{
    return kv->k[layer] + ((size_t)h * kv->n_ctx + pos) * kv->k_row;
}

void kv_cache_store(struct kv_cache *kv, int layer, int pos, const float *k, const float *v)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(kv->elt);
    int hd = kv->head_dim;
    size_t esz = tr->type_size; /* F16/F32: bytes per element */

    for (int h = 0; h < kv->n_head_kv; h++) {
        tr->from_float(k + (size_t)h * hd, k_row(kv, layer, h, pos), hd);
        if (kv->type == KV_Q8_0) {
            tr->from_float(v + (size_t)h * hd, kv->v[layer] + ((size_t)h * kv->n_ctx + pos) * kv->v_row, hd);
        } else {
            uint8_t *vt = kv->v[layer] + (size_t)h * hd * kv->v_row;
            for (int d = 0; d < hd; d++)
                tr->from_float(v + (size_t)h * hd + d, vt + (size_t)d * kv->v_row + (size_t)pos * esz, 1);
        }
    }
}

void kv_cache_scores(struct kv_cache *kv, int layer, int h, const float *q, int n_kv, int one_row, float *scores)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(kv->elt);
    const struct ggml_type_traits *dt = ggml_get_type_traits(tr->vec_dot_type);
    ggml_vec_dot_fn dot = one_row || kv->head_dim % 16 ? kern_vec_dot_single(kv->elt) : tr->vec_dot;

    dt->from_float(q, kv->scratch, kv->head_dim);
    for (int j = 0; j < n_kv; j++)
        dot(kv->head_dim, &scores[j], k_row(kv, layer, h, j), kv->scratch);
}

void kv_cache_mix(struct kv_cache *kv, int layer, int h, const float *p, int n_kv, int one_row, float *out)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(kv->elt);
    int hd = kv->head_dim;

    if (kv->type == KV_Q8_0) {
        memset(out, 0, (size_t)hd * sizeof *out);
        for (int j = 0; j < n_kv; j++) {
            tr->to_float(kv->v[layer] + ((size_t)h * kv->n_ctx + j) * kv->v_row, kv->vtmp, hd);
            for (int d = 0; d < hd; d++)
                out[d] += p[j] * kv->vtmp[d];
        }
        return;
    }
    /* the padded length: p is 0 there (p has room for n_ctx values) */
    const struct ggml_type_traits *dt = ggml_get_type_traits(tr->vec_dot_type);
    const uint8_t *vt = kv->v[layer] + (size_t)h * hd * kv->v_row;
    int n = (n_kv + KV_PAD - 1) / KV_PAD * KV_PAD;
    if (n > kv->n_ctx)
        n = kv->n_ctx;
    for (int j = n_kv; j < n; j++)
        kv->ptmp[j] = 0.0f;
    memcpy(kv->ptmp, p, (size_t)n_kv * sizeof *p);
    dt->from_float(kv->ptmp, kv->scratch, n);
    ggml_vec_dot_fn dot = one_row || n % 16 ? kern_vec_dot_single(kv->elt) : tr->vec_dot;
    for (int d = 0; d < hd; d++)
        dot(n, &out[d], vt + (size_t)d * kv->v_row, kv->scratch);
}
