/*
 * model-open.c - MODEL argument to a ready forward state, with the memory
 * check in between (see model-open.h). resolve_model() is the one place a
 * MODEL argument becomes files, for every runtime command.
 */
#include "model-open.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-store.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/memory.h"

#define DEFAULT_CTX 4096
#define DEFAULT_BATCH 512

int resolve_model(const char *arg, char ***paths, int *n)
{
    if (!model_arg_is_file(arg))
        return model_store_paths(arg, paths, n);
    if (model_check_file(arg))
        return -1;
    return model_shard_paths(arg, paths, n);
}

static int check_memory(const char *arg, const struct model *m, int n_ctx, int n_batch, enum kv_type kv)
{
    struct memory_estimate est;
    char need[32], have[32], w[32], k[32], c[32];
    uint64_t avail = memory_available();

    memory_estimate(&m->hp, m->weight_bytes, n_ctx, n_batch, kv, &est);
    if (avail == 0 || est.total <= avail)
        return 0;
    error("%s needs about %s (weights %s + KV cache %s at --ctx-size %d + compute %s) but only %s is available\n"
          "  ways out: a smaller --ctx-size (the KV cache grows with it), a smaller quantization of the model,\n"
          "  or --ignore-memory-check to try anyway",
          arg, memory_format(est.total, need, sizeof need), memory_format(est.weights, w, sizeof w),
          memory_format(est.kv, k, sizeof k), n_ctx, memory_format(est.compute, c, sizeof c),
          memory_format(avail, have, sizeof have));
    return -1;
}

int open_model(const char *arg, const struct open_opts *o, struct opened *out)
{
    char **paths = NULL;
    int n_paths = 0;
    enum kv_type kv = KV_F16;

    memset(out, 0, sizeof *out);
    if (o->kv_type && kv_type_parse(o->kv_type, &kv))
        return error_err();
    if (o->n_ctx < 0 || o->n_batch < 0 || o->n_threads < 0)
        return error("--ctx-size, --batch-size and --threads must be positive");
    if (resolve_model(arg, &paths, &n_paths))
        return error_err();
    out->model = model_open((const char *const *)paths, n_paths);
    for (int i = 0; i < n_paths; i++)
        free(paths[i]);
    free(paths);
    if (!out->model)
        return error_err();

    const struct llama_hparams *hp = &out->model->hp;
    int n_ctx = o->n_ctx;
    if (n_ctx == 0)
        n_ctx = hp->n_ctx_train < DEFAULT_CTX ? (int)hp->n_ctx_train : DEFAULT_CTX;
    else if ((uint32_t)n_ctx > hp->n_ctx_train)
        warn("--ctx-size %d is larger than the %u positions the model was trained on", n_ctx, hp->n_ctx_train);
    int n_batch = o->n_batch ? o->n_batch : DEFAULT_BATCH;
    if (n_batch > n_ctx)
        n_batch = n_ctx;

    if (!o->ignore_memory_check && check_memory(arg, out->model, n_ctx, n_batch, kv)) {
        close_model(out);
        return -1;
    }
    model_use_hugepages(out->model, o->hugepages);
    if (!(out->state = forward_state_new(out->model, n_ctx, n_batch, kv)) ||
        forward_state_set_threads(out->state, o->n_threads)) {
        error_err();
        close_model(out);
        return -1;
    }
    out->n_ctx = n_ctx;
    return 0;
}

void close_model(struct opened *o)
{
    forward_state_free(o->state);
    model_free(o->model);
    memset(o, 0, sizeof *o);
}
