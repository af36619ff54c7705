/*
 * forward.h - the llama forward pass: tokens in, logits out.
 *
 * One code path serves both prompt processing (many tokens in one call,
 * computed as batched matmuls) and generation (one token per call): a call
 * evaluates tokens[0..n-1] at positions pos..pos+n-1, appending their keys
 * and values to the cache, and attends over positions 0..pos+i. A new
 * sequence simply starts again at pos 0.
 */
#ifndef RUNTIME_FORWARD_H
#define RUNTIME_FORWARD_H

#include <stdint.h>

#include "kv-cache.h"
#include "model.h"

/* Scratch activations for up to n_batch positions, and the cache. */
struct forward_state {
    const struct model *m;
    struct kv_cache *kv;
    int n_ctx;                /* positions the cache holds */
    int n_batch;              /* positions computed together (longer calls are cut) */
    float *x;                 /* [n_batch][n_embd] the residual stream */
    float *xb;                /* [n_batch][n_embd] normalised input of a sub-block */
    float *q;                 /* [n_batch][n_head*head_dim] */
    float *k, *v;             /* [n_batch][n_head_kv*head_dim] */
    float *att;               /* [n_batch][n_head*head_dim] attention output, before wo */
    float *xo;                /* [n_batch][n_embd] output of wo or ffn_down */
    float *gate, *up;         /* [n_batch][n_ff] */
    float *scores;            /* [n_ctx] one head's attention weights */
    float *rope;              /* [n_rot] cos, sin pairs for one position */
    struct kern_pool *pool;   /* threads for the matmuls; NULL: the calling thread only */
};

/* NULL with err set. n_ctx: positions (at most what the KV cache can hold). */
struct forward_state *forward_state_new(const struct model *m, int n_ctx, int n_batch, enum kv_type kv);
void forward_state_free(struct forward_state *s);

/*
 * Compute the matmuls on n_threads threads (0: one per physical core; 1:
 * the calling thread only). The logits are the same for any count: each
 * output is one dot product whichever thread computes it. -1 with err set.
 */
int forward_state_set_threads(struct forward_state *s, int n_threads);

/*
 * Evaluate tokens[0..n-1] at positions pos.. and write the logits of the
 * tokens i >= out_from into logits[(i - out_from) * n_vocab ...]: out_from =
 * n - 1 for the last token only, 0 for all, n for none (logits may then be
 * NULL). -1 with err set (token id out of range, context full, kernel error).
 */
int forward(struct forward_state *s, const int32_t *tokens, int n, int pos, int out_from, float *logits);

#endif
