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

struct kern_pool;

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
    float *scores;            /* [n_threads][n_ctx] one head's attention weights per thread */
    float *rope;              /* [n_batch][n_rot] cos, sin pairs for each position of the batch */
    struct kern_pool *pool;   /* the threads every phase is split over (NULL: the caller alone) */
    int own_pool;             /* pool made by forward_state_set_threads, freed with the state */
    int n_threads;            /* kern_pool_size(pool) */
    uint8_t *kv_work;         /* [n_threads][kv_work_bytes] attention workspaces */
    size_t kv_work_bytes;
};

/* NULL with err set. n_ctx: positions (at most what the KV cache can hold). */
struct forward_state *forward_state_new(const struct model *m, int n_ctx, int n_batch, enum kv_type kv);
void forward_state_free(struct forward_state *s);

/*
 * Threads: a new state computes on the calling thread alone. Set n_threads
 * (0: one per physical core, kern_physical_cores()) to give it a pool of
 * its own, or hand it a pool another owner keeps (it must outlive the
 * state's use, and only one thread may run work on a pool at a time). Every output element is computed
 * by one thread in a fixed order, so the logits are the same bits for any
 * thread count. 0, or -1 with err set.
 */
int forward_state_set_threads(struct forward_state *s, int n_threads);
int forward_state_set_pool(struct forward_state *s, struct kern_pool *pool);

/*
 * Evaluate tokens[0..n-1] at positions pos.. and write the logits of the
 * tokens i >= out_from into logits[(i - out_from) * n_vocab ...]: out_from =
 * n - 1 for the last token only, 0 for all, n for none (logits may then be
 * NULL). -1 with err set (token id out of range, context full, kernel error).
 */
int forward(struct forward_state *s, const int32_t *tokens, int n, int pos, int out_from, float *logits);

/* One sequence of a forward_multi call. */
struct forward_seq {
    struct forward_state *state; /* the sequence's own: only its KV cache is used */
    const int32_t *tokens;
    int n, pos, out_from;        /* as forward()'s */
    float *logits;               /* (n - out_from) x n_vocab, or NULL when none are wanted */
};

/*
 * Several sequences in one pass over the weights (continuous batching):
 * each sequence's tokens at its own positions in its own state's cache,
 * computed as one batch of rows on work's activations and threads (work may
 * be one of the sequences' states). Every cache must be of work's type and
 * at most work's context size; the tokens of all sequences together at most
 * work->n_batch; no two sequences may share a state. A sequence's logits
 * equal what forward() on its own gives, up to the float order the kernels
 * use for a different number of rows (none for quantized weights). -1 with
 * err set.
 */
int forward_multi(struct forward_state *work, const struct forward_seq *seqs, int n_seqs);

#endif
