/*
 * eval.c - `model eval MODEL --tokens ID,ID,...`: evaluates the tokens as one
 * prompt and prints the last position's top-K logits, their logsumexp and the
 * argmax, to compare the runtime with llama.cpp token for token.
 */
#include "builtin.h"
#include "model-open.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/sampler.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_ids(const char *s, int32_t **out, int *n)
{
    int cap = 16, k = 0;
    int32_t *ids = malloc((size_t)cap * sizeof *ids);
    if (!ids)
        return error("out of memory");
    while (*s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < 0 || v > INT32_MAX || (*end && *end != ',')) {
            free(ids);
            return error("--tokens: '%s' is not a comma-separated list of token ids", s);
        }
        if (k == cap) {
            int32_t *t = realloc(ids, (size_t)(cap *= 2) * sizeof *ids);
            if (!t) {
                free(ids);
                return error("out of memory");
            }
            ids = t;
        }
        ids[k++] = (int32_t)v;
        s = *end ? end + 1 : end;
    }
    if (k == 0) {
        free(ids);
        return error("--tokens: no token ids given");
    }
    *out = ids;
    *n = k;
    return 0;
}

/* Indices of the k largest logits, descending, lower id first on ties. */
static void top_k(const float *logits, int n, int *idx, int k)
{
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            int taken = 0;
            for (int q = 0; q < j && !taken; q++)
                taken = idx[q] == i;
            if (!taken && (best < 0 || logits[i] > logits[best]))
                best = i;
        }
        idx[j] = best;
    }
}

static double logsumexp(const float *x, int n)
{
    float max = x[sampler_argmax(x, n)];
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += exp((double)x[i] - max);
    return max + log(sum);
}

int cmd_eval(int argc, const char **argv)
{
    static const char *const usage[] = { "model eval [options] MODEL --tokens ID,ID,...", NULL };
    const char *tokens_arg = NULL, *kv_type = NULL;
    int top = 10, json = 0, n_ctx = 0, threads = 0, ignore_mem = 0;
    struct option opts[] = {
        OPT_STRING(0, "tokens", &tokens_arg, "IDS", "comma-separated token ids to evaluate (include BOS yourself)"),
        OPT_INT(0, "top", &top, "K", "print the K largest logits (default 10)"),
        OPT_BOOL(0, "json", &json, "print the result as JSON"),
        OPT_INT('c', "ctx-size", &n_ctx, "N", "context size (default: the number of tokens)"),
        OPT_STRING(0, "kv-type", &kv_type, "TYPE", "KV cache type: f16 (default), f32 or q8_0"),
        OPT_INT('t', "threads", &threads, "N", "threads (default: one per physical core)"),
        OPT_BOOL(0, "ignore-memory-check", &ignore_mem, "load even when the estimate exceeds available memory"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc != 1 || !tokens_arg)
        usage_with_options(usage, opts);
    if (top < 1)
        return error("--top must be at least 1"), EXIT_USAGE;

    int32_t *ids = NULL;
    int n = 0;
    if (parse_ids(tokens_arg, &ids, &n))
        return EXIT_USAGE;
    struct open_opts oo = { .n_ctx = n_ctx ? n_ctx : n, .kv_type = kv_type, .ignore_memory_check = ignore_mem,
                            .n_threads = threads };
    struct opened mo;
    if (open_model(argv[0], &oo, &mo)) {
        free(ids);
        return EXIT_FAIL;
    }
    int n_vocab = (int)mo.model->hp.n_vocab;
    float *logits = malloc((size_t)n_vocab * sizeof *logits);
    if (top > n_vocab)
        top = n_vocab;
    int *idx = malloc((size_t)top * sizeof *idx);
    int rc = EXIT_OK;
    if (!logits || !idx) {
        rc = (error("out of memory"), EXIT_FAIL);
    } else if (forward(mo.state, ids, n, 0, n - 1, logits)) {
        rc = (error_err(), EXIT_FAIL);
    } else {
        top_k(logits, n_vocab, idx, top);
        double lse = logsumexp(logits, n_vocab);
        if (json) {
            cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
            cJSON_AddNumberToObject(o, "n_tokens", n);
            cJSON_AddNumberToObject(o, "argmax", idx[0]);
            cJSON_AddNumberToObject(o, "max_logit", logits[idx[0]]);
            cJSON_AddNumberToObject(o, "logsumexp", lse);
            for (int j = 0; j < top; j++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "id", idx[j]);
                cJSON_AddNumberToObject(e, "logit", logits[idx[j]]);
                cJSON_AddItemToArray(arr, e);
            }
            cJSON_AddItemToObject(o, "top", arr);
            json_print_line(o);
        } else {
            printf("argmax %d (logit %.6f)\nlogsumexp %.6f\n", idx[0], (double)logits[idx[0]], lse);
            for (int j = 0; j < top; j++)
                printf("%8d %12.6f\n", idx[j], (double)logits[idx[j]]);
        }
    }
    free(idx);
    free(logits);
    free(ids);
    close_model(&mo);
    return rc;
}
