/*
 * sampler.h - picks the next token from the logits.
 *
 * The chain is llama.cpp's default order: repetition penalty over the last
 * repeat_last_n tokens, top-k, top-p, min-p, temperature, then a draw from
 * the resulting distribution with a seeded generator (same seed, same
 * tokens). temp <= 0 is greedy: the argmax (lowest id on ties), after the
 * penalty.
 */
#ifndef RUNTIME_SAMPLER_H
#define RUNTIME_SAMPLER_H

#include <stdint.h>

struct sampler_params {
    float temp;            /* <= 0: greedy */
    int top_k;             /* <= 0: off */
    float top_p;           /* >= 1: off */
    float min_p;           /* <= 0: off */
    float repeat_penalty;  /* 1: off; > 1 discourages repeats */
    int repeat_last_n;     /* how many recent tokens the penalty looks at */
    uint64_t seed;
};

/* llama.cpp's defaults: temp 0.8, top-k 40, top-p 0.95, min-p 0.05, penalty 1 over 64, seed from the clock. */
void sampler_defaults(struct sampler_params *p);

struct sampler;
/* NULL with err set on a bad parameter (negative temperature is allowed: greedy). */
struct sampler *sampler_new(const struct sampler_params *p, int n_vocab);
void sampler_free(struct sampler *s);

/* Choose a token from n_vocab logits (not modified). */
int sampler_sample(struct sampler *s, const float *logits);
/* Record a token of the context (prompt or generated) for the repetition penalty. */
void sampler_accept(struct sampler *s, int token);

/* The argmax of n logits, lowest id on ties. */
int sampler_argmax(const float *logits, int n);

#endif
