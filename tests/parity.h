/*
 * parity.h - what the parity tests (test_parity.c, test_parity_levels.c)
 * share: opening a model with its llama.cpp reference JSON, reading that
 * JSON, the near-tie rule and the logit tolerance of the issue (0.1% of the
 * spread for F32/F16/BF16 weights, 1% for quantized ones).
 */
#ifndef TESTS_PARITY_H
#define TESTS_PARITY_H

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "test.h"

#include "../common/err.h"
#include "../runtime/model.h"
#include "../runtime/sampler.h"

/* Decisions (argmax, greedy step) whose two best logits are closer than this are not compared. */
#define NEAR_TIE 0.05

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

/* The reference ref_rel and the model model_rel: 0 when both are open. Otherwise -1, nothing left
 * open, and the test skipped (reference missing) or failed (the model does not open). */
static inline int parity_open(const char *ref_rel, const char *model_rel, cJSON **ref, struct model **m)
{
    *ref = test_read_json(fixture_path(ref_rel));
    if (!*ref) {
        test_skip("reference file missing (MODEL_FIXTURES?)");
        return -1;
    }
    const char *path = fixture_path(model_rel);
    *m = model_open(&path, 1);
    if (!*m) {
        test_fail_at(__FILE__, __LINE__, "%s: model_open: %s", model_rel, err_msg());
        cJSON_Delete(*ref);
        *ref = NULL;
        return -1;
    }
    return 0;
}

/* The spread (max - min) of llama.cpp's last-position logits for one sequence: of the full
 * logits where the reference has them, else of its top 50. */
static inline double parity_spread(const cJSON *seq)
{
    const cJSON *full = item(seq, "logits"), *range = full ? full : item(seq, "top50"), *e;
    double lo = INFINITY, hi = -INFINITY;
    cJSON_ArrayForEach(e, range)
    {
        double v = full ? e->valuedouble : cJSON_GetArrayItem(e, 1)->valuedouble;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    return hi - lo;
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
