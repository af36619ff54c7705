/*
 * inspect.c - `model inspect REF...`: a model's details as Docker Model
 * Runner prints them: {"id","tags","created","config"} (an array for
 * several models), plus "memory": the runtime's estimate of what running it
 * takes at its default context, against this host's available memory.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/memory.h"
#include "../runtime/model.h"

#include <stdio.h>
#include <stdlib.h>

/* Context `model run` uses by default: 4096, or less when the model was
 * trained (or packaged, config.context_size) for less. */
static int default_context(const cJSON *config, const struct gguf *g)
{
    int n_ctx = 4096;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(config, "context_size");
    struct llama_hparams hp;
    if (cJSON_IsNumber(cs) && cs->valuedouble >= 1 && cs->valuedouble < n_ctx)
        n_ctx = (int)cs->valuedouble;
    if (model_hparams(g, &hp) == 0 && hp.n_ctx_train && hp.n_ctx_train < (uint32_t)n_ctx)
        n_ctx = (int)hp.n_ctx_train;
    return n_ctx;
}

/* The runtime's estimate of what running the model takes, from the GGUF
 * headers alone (no weight is read). NULL when it cannot be computed (a
 * model the runtime does not support: the reason goes in "error"). */
static cJSON *memory_json(const struct store_model *m)
{
    cJSON *o = cJSON_CreateObject();
    struct gguf **shards = calloc((size_t)m->n_gguf, sizeof *shards);
    cJSON *config = cJSON_Parse(m->config);
    int ok = shards && m->n_gguf > 0;
    for (int i = 0; ok && i < m->n_gguf; i++)
        ok = (shards[i] = gguf_open(m->gguf_paths[i])) != NULL;
    struct memory_estimate est;
    int n_ctx = ok ? default_context(cJSON_GetObjectItemCaseSensitive(config, "config"), shards[0]) : 0;
    if (ok && memory_estimate_gguf((const struct gguf *const *)shards, m->n_gguf, n_ctx, 512, KV_F16, &est) == 0) {
        uint64_t avail = memory_available();
        cJSON_AddNumberToObject(o, "context", n_ctx);
        cJSON_AddStringToObject(o, "kv_type", "f16");
        cJSON_AddNumberToObject(o, "weights", (double)est.weights);
        cJSON_AddNumberToObject(o, "kv_cache", (double)est.kv);
        cJSON_AddNumberToObject(o, "compute", (double)est.compute);
        cJSON_AddNumberToObject(o, "total", (double)est.total);
        cJSON_AddNumberToObject(o, "available", (double)avail);
        cJSON_AddBoolToObject(o, "fits", avail == 0 || est.total <= avail);
    } else {
        cJSON_AddStringToObject(o, "error", err_msg());
    }
    for (int i = 0; shards && i < m->n_gguf; i++)
        gguf_close(shards[i]);
    free(shards);
    cJSON_Delete(config);
    return o;
}

static const char *const inspect_usage[] = { "model inspect REF...", NULL };

int cmd_inspect(int argc, const char **argv)
{
    struct option opts[] = { OPT_END() };
    argc = parse_options(argc, argv, opts, inspect_usage);
    if (argc < 1) {
        error("a model reference is required, e.g. 'model inspect smollm2'");
        usage_with_options(inspect_usage, opts);
    }
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    int rc = EXIT_OK;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < argc; i++) {
        struct store_model m;
        if (store_resolve(s, argv[i], &m, NULL) < 0) {
            error_err();
            rc = EXIT_FAIL;
            continue;
        }
        cJSON *j = model_to_json(&m);
        cJSON_AddItemToObject(j, "memory", memory_json(&m));
        cJSON_AddItemToArray(arr, j);
        store_model_free(&m);
    }
    store_close(s);
    if (cJSON_GetArraySize(arr) > 0) {
        char *text = json_pretty(argc == 1 ? cJSON_GetArrayItem(arr, 0) : arr);
        printf("%s\n", text ? text : "");
        free(text);
    }
    cJSON_Delete(arr);
    return rc;
}
