/*
 * perplexity.h - llama-perplexity's measure of a model on a text.
 *
 * The tokens (the whole text, tokenized once with BOS) are cut into
 * floor(n / n_ctx) chunks of n_ctx tokens; the tail is dropped. Each chunk
 * starts with BOS in place of its first token, is evaluated from position 0,
 * and only its second half is scored: the logits at positions
 * n_ctx/2 .. n_ctx-2 predict the tokens after them. PPL = exp(mean NLL).
 */
#ifndef RUNTIME_PERPLEXITY_H
#define RUNTIME_PERPLEXITY_H

#include <stdint.h>

#include "forward.h"

struct ppl_result {
    int n_chunks;
    int n_scored;          /* tokens scored in all */
    double ppl;
    double ln_ppl;         /* mean NLL */
    double ppl_stderr;     /* llama.cpp's estimate of the PPL's standard error */
};

/* Called after each chunk with the running PPL (may be NULL). */
typedef void (*ppl_progress_fn)(int chunk, int n_chunks, double running_ppl, void *ctx);

/*
 * s must hold n_ctx positions. bos: the id put at the start of every chunk,
 * or -1 to keep the text's token. -1 with err set (fewer than 2 * n_ctx
 * tokens, as llama-perplexity requires, or a forward error).
 */
int perplexity_compute(struct forward_state *s, const int32_t *tokens, int n_tokens, int n_ctx, int bos,
                       struct ppl_result *r, ppl_progress_fn progress, void *ctx);

#endif
