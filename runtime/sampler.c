/*
 * sampler.c - repetition penalty, top-k, top-p, min-p, temperature and a
 * seeded draw (see sampler.h). The generator is splitmix64 -> xoshiro-style
 * 64-bit state of our own, so a seed gives the same tokens on every build.
 */
#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"

struct cand {
    int id;
    float logit;
    float p;
};

struct sampler {
    struct sampler_params p;
    int n_vocab;
    struct cand *cands;   /* n_vocab */
    int *recent;          /* ring of the last repeat_last_n tokens */
    int n_recent, next_recent;
    uint64_t rng;
};

void sampler_defaults(struct sampler_params *p)
{
    p->temp = 0.8f;
    p->top_k = 40;
    p->top_p = 0.95f;
    p->min_p = 0.05f;
    p->repeat_penalty = 1.0f;
    p->repeat_last_n = 64;
    p->seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
}

struct sampler *sampler_new(const struct sampler_params *p, int n_vocab)
{
    if (n_vocab < 1) {
        err_set("empty vocabulary");
        return NULL;
    }
    if (!(p->repeat_penalty > 0.0f)) {
        err_set("--repeat-penalty must be positive (1 turns it off), not %g", (double)p->repeat_penalty);
        return NULL;
    }
    if (p->top_p < 0.0f || p->min_p > 1.0f || p->repeat_last_n < 0) {
        err_set("sampling parameters out of range (top-p %g, min-p %g, repeat-last-n %d)", (double)p->top_p,
                (double)p->min_p, p->repeat_last_n);
        return NULL;
    }
    struct sampler *s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->p = *p;
    s->n_vocab = n_vocab;
    s->cands = malloc((size_t)n_vocab * sizeof *s->cands);
    s->recent = malloc((size_t)(p->repeat_last_n > 0 ? p->repeat_last_n : 1) * sizeof *s->recent);
    if (!s->cands || !s->recent)
        goto oom;
    s->rng = p->seed;
    return s;
oom:
    sampler_free(s);
    err_errno("out of memory");
    return NULL;
}

void sampler_free(struct sampler *s)
{
    if (!s)
        return;
    free(s->cands);
    free(s->recent);
    free(s);
}

void sampler_accept(struct sampler *s, int token)
{
    if (s->p.repeat_last_n <= 0)
        return;
    s->recent[s->next_recent] = token;
    s->next_recent = (s->next_recent + 1) % s->p.repeat_last_n;
    if (s->n_recent < s->p.repeat_last_n)
        s->n_recent++;
}

int sampler_argmax(const float *logits, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best])
            best = i;
    return best;
}

/* splitmix64: a full-period 64-bit generator, good enough for sampling. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double next_unit(uint64_t *state)
{
    return (double)(next_u64(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Descending by logit, lower id first on ties. */
static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit < y->logit ? 1 : -1;
    return x->id - y->id;
}

/* a ranks below b in cand_cmp's order */
static int cand_worse(const struct cand *a, const struct cand *b)
{
    return a->logit < b->logit || (a->logit == b->logit && a->id > b->id);
}

static void sift_down(struct cand *h, int k, int i)
{
    for (;;) {
        int w = i, l = 2 * i + 1, r = l + 1;
        if (l < k && cand_worse(&h[l], &h[w]))
            w = l;
        if (r < k && cand_worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        struct cand t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/*
 * The k best of c[0..n-1] in cand_cmp's order, into c[0..k-1]: what sorting
 * all n and keeping the first k gives (the order is total: ids differ), in
 * O(n log k) instead of sorting the whole vocabulary for every token.
 */
static void top_k(struct cand *c, int n, int k)
{
    for (int i = k / 2 - 1; i >= 0; i--) /* c[0..k-1]: a heap with the worst on top */
        sift_down(c, k, i);
    for (int i = k; i < n; i++)
        if (cand_worse(&c[0], &c[i])) {
            c[0] = c[i];
            sift_down(c, k, 0);
        }
    qsort(c, (size_t)k, sizeof *c, cand_cmp);
}

/* p = softmax(logit) over the first n candidates (sorted, so [0] is the max). */
static void normalise(struct cand *c, int n)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        c[i].p = expf(c[i].logit - c[0].logit);
        sum += c[i].p;
    }
    for (int i = 0; i < n; i++)
        c[i].p = (float)(c[i].p / sum);
}

int sampler_sample(struct sampler *s, const float *logits)
{
    struct cand *c = s->cands;
    int n = s->n_vocab;

    for (int i = 0; i < n; i++) {
        c[i].id = i;
        c[i].logit = logits[i];
    }
    /* repetition penalty: each distinct recent token once, as llama.cpp's penalties sampler */
    if (s->p.repeat_penalty != 1.0f) {
        for (int r = 0; r < s->n_recent; r++) {
            int t = s->recent[r], seen = 0;
            for (int q = 0; q < r; q++)
                seen |= s->recent[q] == t;
            if (seen || t < 0 || t >= n)
                continue;
            if (c[t].logit > 0)
                c[t].logit /= s->p.repeat_penalty;
            else
                c[t].logit *= s->p.repeat_penalty;
        }
    }
    if (s->p.temp <= 0.0f) {
        int best = 0;
        for (int i = 1; i < n; i++)
            if (c[i].logit > c[best].logit)
                best = i;
        return best;
    }

    if (s->p.top_k > 0 && s->p.top_k < n) {
        top_k(c, n, s->p.top_k);
        n = s->p.top_k;
    } else {
        qsort(c, (size_t)n, sizeof *c, cand_cmp);
    }
    if (s->p.top_p < 1.0f) {
        normalise(c, n);
        double cum = 0.0;
        for (int i = 0; i < n; i++) {
            cum += c[i].p;
            if (cum >= s->p.top_p) {
                n = i + 1;
                break;
            }
        }
    }
    if (s->p.min_p > 0.0f) {
        /* keep tokens whose probability is at least min_p times the best one's */
        const float cut = c[0].logit + logf(s->p.min_p);
        int keep = 1;
        while (keep < n && c[keep].logit >= cut)
            keep++;
        n = keep;
    }
    for (int i = 0; i < n; i++)
        c[i].logit /= s->p.temp;
    normalise(c, n);

    double u = next_unit(&s->rng), cum = 0.0;
    for (int i = 0; i < n; i++) {
        cum += c[i].p;
        if (u < cum)
            return c[i].id;
    }
    return c[n - 1].id;
}
