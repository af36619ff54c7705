/*
 * batch.h - continuous batching of the evaluations of one loaded model.
 *
 * Every slot of the model hands what it must evaluate - a batch of its
 * prompt, or its next generated token - to the batcher (batch_eval, from
 * its session's eval function) and waits; the batcher's own thread
 * evaluates every waiting sequence together in ONE forward_multi pass over
 * the weights, so N concurrent generations stream the weights once per
 * token instead of N times, and a prompt is evaluated in the same pass as
 * the others' next tokens. A pass starts as soon as every sequence in the
 * generation phase has handed in its token: a sequence joins (batch_join)
 * once its prompt is evaluated and leaves (batch_leave) when its generation
 * ends - finished, stopped or cancelled - so sequences come and go between
 * passes.
 *
 * Each sequence keeps its own KV cache; forward_multi gives each the logits
 * forward() would give it alone, so batched greedy output equals solo output.
 */
#ifndef SERVER_BATCH_H
#define SERVER_BATCH_H

#include <stdint.h>

struct forward_state;
struct model;

struct batcher;

/* For up to max_seqs sequences of model m, n_ctx positions each, prompt
 * batches of up to n_batch tokens, computing on n_threads threads (0: the
 * physical cores). NULL with err set. */
struct batcher *batch_new(const struct model *m, int n_ctx, int n_batch, int max_seqs, int n_threads);
void batch_free(struct batcher *b);

/* A sequence enters / leaves the generation phase. */
void batch_join(struct batcher *b);
void batch_leave(struct batcher *b);

/* tokens[0..n-1] at pos.. into state's cache, the last one's logits into
 * logits (NULL: none), as a session's eval function does (session.h);
 * joined: a generation step of a sequence that joined. Blocks until the pass
 * that evaluates them is done. 0, or -1 with err set. */
int batch_eval(struct batcher *b, int joined, struct forward_state *state, const int32_t *tokens, int n, int pos,
               float *logits);

/* Passes over the weights so far, and the sequence entries they evaluated
 * (a generation step or a prompt batch each). */
void batch_stats(struct batcher *b, uint64_t *passes, uint64_t *steps);

#endif
