/*
 * perplexity.c - llama-perplexity's method (see perplexity.h): the same
 * chunking, the same scored half, the same log-softmax (max-shifted, exp
 * sums in double) and the same standard-error formula.
 */
#include "perplexity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* -log softmax(logits)[tok] */
static double nll(const float *logits, int n, int tok)
{
    float max = logits[0];
    for (int i = 1; i < n; i++)
        if (logits[i] > max)
            max = logits[i];
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += expf(logits[i] - max);
    return -((double)(logits[tok] - max) - log(sum));
}

int perplexity_compute(struct forward_state *s, const int32_t *tokens, int n_tokens, int n_ctx, int bos,
                       struct ppl_result *r, ppl_progress_fn progress, void *ctx)
{
    const int n_vocab = (int)s->m->hp.n_vocab;
    const int first = n_ctx / 2;

    memset(r, 0, sizeof *r);
    if (n_ctx < 4 || n_ctx > s->n_ctx)
        return err_set("perplexity context %d must be at least 4 and at most %d", n_ctx, s->n_ctx);
    if (n_tokens < 2 * n_ctx)
        return err_set("the text has %d tokens; at least %d (2 x context %d) are needed", n_tokens, 2 * n_ctx,
                       n_ctx);
    int n_chunks = n_tokens / n_ctx;
    int32_t *chunk = malloc((size_t)n_ctx * sizeof *chunk);
    /* logits of positions first .. n_ctx-1 (the last is computed but predicts nothing in the chunk) */
    float *logits = malloc((size_t)(n_ctx - first) * (size_t)n_vocab * sizeof *logits);
    if (!chunk || !logits) {
        free(chunk);
        free(logits);
        return err_errno("out of memory");
    }
    double sum = 0.0, sum2 = 0.0;
    int count = 0, rc = 0;
    for (int c = 0; c < n_chunks; c++) {
        memcpy(chunk, tokens + (size_t)c * n_ctx, (size_t)n_ctx * sizeof *chunk);
        if (bos >= 0)
            chunk[0] = bos;
        if (forward(s, chunk, n_ctx, 0, first, logits)) {
            rc = err_prefix("chunk %d", c + 1);
            break;
        }
        for (int j = first; j < n_ctx - 1; j++) {
            double v = nll(logits + (size_t)(j - first) * n_vocab, n_vocab, chunk[j + 1]);
            /* chunk[j+1] for j+1 >= 1 is the text's own token (only [0] was replaced) */
            sum += v;
            sum2 += v * v;
            count++;
        }
        if (progress)
            progress(c, n_chunks, exp(sum / count), ctx);
    }
    free(chunk);
    free(logits);
    if (rc)
        return rc;
    double mean = sum / count, var = sum2 / count - mean * mean;
    r->n_chunks = n_chunks;
    r->n_scored = count;
    r->ln_ppl = mean;
    r->ppl = exp(mean);
    r->ppl_stderr = var > 0 && count > 1 ? sqrt(var / (count - 1)) * r->ppl : 0.0;
    return 0;
}
