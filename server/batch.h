/*
 * batch.h - continuous batching of generation steps for one loaded model.
 *
 * Every slot generating for the model hands its next token to the batcher
 * (batch_step, as its session's step function) and waits; the batcher's own
 * thread evaluates every waiting sequence together in ONE forward_multi pass
 * over the weights, so N concurrent generations stream the weights once per
 * token instead of N times. A pass starts as soon as every sequence in the
 * generation phase has handed in its token: a sequence joins (batch_join)
 * once its prompt is evaluated and leaves (batch_leave) when its generation
 * ends - finished, stopped or cancelled - so sequences come and go between
 * passes. The prompts are evaluated by each slot on its own state.
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

/* For up to max_seqs sequences of model m, n_ctx positions each, computing on
 * n_threads threads (0: the physical cores). NULL with err set. */
struct batcher *batch_new(const struct model *m, int n_ctx, int max_seqs, int n_threads);
void batch_free(struct batcher *b);

/* A sequence enters / leaves the generation phase. */
void batch_join(struct batcher *b);
void batch_leave(struct batcher *b);

/* A session's step function (session_config.step with step_ctx = b): blocks
 * until the pass that evaluates token is done. 0, or -1 with err set. */
int batch_step(void *b, struct forward_state *state, int32_t token, int pos, float *logits);

/* Passes over the weights so far, and the sequence-steps they evaluated. */
void batch_stats(struct batcher *b, uint64_t *passes, uint64_t *steps);

#endif
