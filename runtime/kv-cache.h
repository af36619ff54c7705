/*
 * kv-cache.h - the attention keys and values of every past position.
 *
 * Stored per layer and per KV head so that one head's keys are contiguous:
 *   K: [n_head_kv][n_ctx][head_dim]      one row per position
 *   V: [n_head_kv][head_dim][n_ctx]      transposed (F16, F32), as llama.cpp's
 *                                        non-flash-attention path stores it
 *      [n_head_kv][n_ctx][head_dim]      row per position (Q8_0: its blocks
 *                                        of 32 cannot be filled one position
 *                                        at a time along the context)
 * The element type is F16 by default (what llama.cpp uses), F32 or Q8_0 on
 * request. Like llama.cpp, the attention operands are converted to the
 * cache's type before the dot products: the query to F16 (Q8_0) for Q.K,
 * the softmax probabilities to F16 for P.V.
 */
#ifndef RUNTIME_KV_CACHE_H
#define RUNTIME_KV_CACHE_H

#include <stddef.h>
#include <stdint.h>

enum kv_type { KV_F16, KV_F32, KV_Q8_0 };

struct kv_cache {
    enum kv_type type;
    uint32_t elt;              /* ggml type of the stored elements */
    int n_layer, n_ctx, n_head_kv, head_dim;
    size_t k_row;              /* bytes of one key row (head_dim elements) */
    size_t v_row;              /* bytes of one V row: n_ctx elements (transposed) or head_dim (Q8_0) */
    uint8_t **k, **v;          /* n_layer buffers each */
    void *scratch;             /* a query or probability row in the cache's dot type */
    float *vtmp;               /* one dequantized V row (Q8_0) */
    float *ptmp;               /* probabilities padded with zeros (n_ctx) */
};

/* "f16", "f32", "q8_0" -> type; -1 with err set otherwise. */
int kv_type_parse(const char *name, enum kv_type *out);
const char *kv_type_name(enum kv_type t);

/* Bytes the cache takes: 2 x layers x ctx x kv_heads x head_dim x bytes per element. */
uint64_t kv_cache_bytes(int n_layer, int n_ctx, int n_head_kv, int head_dim, enum kv_type t);

/* NULL with err set (out of memory, or Q8_0 with head_dim not a multiple of 32). */
struct kv_cache *kv_cache_new(int n_layer, int n_ctx, int n_head_kv, int head_dim, enum kv_type t);
void kv_cache_free(struct kv_cache *kv);

/* Store position pos's keys and values (kv_dim = n_head_kv*head_dim floats each). */
void kv_cache_store(struct kv_cache *kv, int layer, int pos, const float *k, const float *v);

/*
 * scores[j] = q . K[j] for j < n_kv, for KV head h (q: head_dim floats).
 * one_row: the query is the only row of its batch (one-token generation),
 * for which llama.cpp sums in a different order than for several rows.
 */
void kv_cache_scores(struct kv_cache *kv, int layer, int h, const float *q, int n_kv, int one_row, float *scores);

/* out[d] = sum_j p[j] V[j][d] for j < n_kv, for KV head h (out: head_dim floats). */
void kv_cache_mix(struct kv_cache *kv, int layer, int h, const float *p, int n_kv, int one_row, float *out);

#endif
