/*
 * parity.h - what the parity tests (test_parity.c, test_parity_levels.c)
 * share: reading llama.cpp's reference JSON, the near-tie rule and the
 * logit tolerance of the issue (0.1% of the spread for F32/F16/BF16
 * weights, 1% for quantized ones).
 */
#ifndef TESTS_PARITY_H
#define TESTS_PARITY_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "../runtime/model.h"
#include "../runtime/sampler.h"

static inline const cJSON *item(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static inline double num(const cJSON *o, const char *key)
{
    return item(o, key)->valuedouble;
}

/* A JSON array of ids as a malloc'd array; *n its length. */
static inline int32_t *int_array(const cJSON *a, int *n)
{
    *n = cJSON_GetArraySize(a);
    int32_t *v = malloc((size_t)(*n > 0 ? *n : 1) * sizeof *v);
    for (int i = 0; i < *n; i++)
        v[i] = (int32_t)cJSON_GetArrayItem(a, i)->valuedouble;
    return v;
}

/* Our best and second-best logit differ by less than tie. */
static inline int near_tie(const float *l, int n, double tie)
{
    int a = sampler_argmax(l, n);
    float second = -INFINITY;
    for (int i = 0; i < n; i++)
        if (i != a && l[i] > second)
            second = l[i];
    return l[a] - second < tie;
}

/* The tolerance, as a fraction of the logits' spread, from the big matrices' type. */
static inline double parity_rel_tol(const struct model *m)
{
    uint32_t t = m->layers[0].wq->type;
    return t == GGML_TYPE_F32 || t == GGML_TYPE_F16 || t == GGML_TYPE_BF16 ? 0.001 : 0.01;
}

#endif
