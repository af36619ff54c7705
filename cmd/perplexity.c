/*
 * perplexity.c - `model perplexity MODEL -f FILE`: llama-perplexity's
 * measure (runtime/perplexity.h), so the two tools' numbers compare
 * directly: the text tokenized once with BOS, chunks of -c tokens, the second
 * half of each chunk scored.
 */
#include "builtin.h"
#include "model-open.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/perplexity.h"
#include "../runtime/tokenizer.h"
#include "../common/readfile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct progress {
    int quiet;
    double *running;
};

static void on_chunk(int chunk, int n_chunks, double ppl, void *ctx)
{
    struct progress *p = ctx;
    p->running[chunk] = ppl;
    if (!p->quiet) {
        fprintf(stderr, "[%d/%d] %.4f\n", chunk + 1, n_chunks, ppl);
        fflush(stderr);
    }
}

int cmd_perplexity(int argc, const char **argv)
{
    static const char *const usage[] = { "model perplexity [options] MODEL -f FILE", NULL };
    const char *file = NULL, *kv_type = NULL;
    int n_ctx = 512, n_batch = 0, threads = 0, json = 0, ignore_mem = 0;
    struct option opts[] = {
        OPT_STRING('f', "file", &file, "FILE", "the text to measure"),
        OPT_INT('c', "ctx-size", &n_ctx, "N", "tokens per chunk (default 512)"),
        OPT_INT('b', "batch-size", &n_batch, "N", "tokens computed together (default: the chunk)"),
        OPT_INT('t', "threads", &threads, "N", "threads (default: one per physical core)"),
        OPT_STRING(0, "kv-type", &kv_type, "TYPE", "KV cache type: f16 (default), f32 or q8_0"),
        OPT_BOOL(0, "json", &json, "print the result as JSON"),
        OPT_BOOL(0, "ignore-memory-check", &ignore_mem, "load even when the estimate exceeds available memory"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc != 1 || !file)
        usage_with_options(usage, opts);
    if (n_ctx < 4)
        return error("--ctx-size must be at least 4"), EXIT_USAGE;

    size_t len;
    char *text = read_file(file, &len);
    if (!text)
        return error_err(), EXIT_FAIL;
    struct open_opts oo = { .n_ctx = n_ctx, .n_batch = n_batch ? n_batch : n_ctx, .kv_type = kv_type,
                            .ignore_memory_check = ignore_mem,
                            .n_threads = threads };
    struct opened mo;
    if (open_model(argv[0], &oo, &mo)) {
        free(text);
        return EXIT_FAIL;
    }
    int rc = EXIT_FAIL;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    double *running = NULL;
    struct tokenizer *tok = tokenizer_load(mo.model->meta);
    if (!tok || tokenizer_encode(tok, text, len, 1, 0, &ids, &n_ids)) {
        error("%s: %s", file, err_msg());
        goto out;
    }
    running = calloc(n_ids / (size_t)n_ctx + 1, sizeof *running);
    if (!running) {
        error("out of memory");
        goto out;
    }
    struct progress pr = { json, running };
    struct ppl_result r;
    int bos = tokenizer_add_bos(tok) ? tokenizer_bos(tok) : -1;
    if (n_ids > (size_t)INT32_MAX ||
        perplexity_compute(mo.state, ids, (int)n_ids, n_ctx, bos, &r, on_chunk, &pr)) {
        error("%s: %s", file, err_msg());
        goto out;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddNumberToObject(o, "n_ctx", n_ctx);
        cJSON_AddNumberToObject(o, "n_tokens", (double)n_ids);
        cJSON_AddNumberToObject(o, "n_chunks", r.n_chunks);
        cJSON_AddNumberToObject(o, "n_scored", r.n_scored);
        cJSON_AddNumberToObject(o, "ppl", r.ppl);
        cJSON_AddNumberToObject(o, "ln_ppl", r.ln_ppl);
        cJSON_AddNumberToObject(o, "ppl_stderr", r.ppl_stderr);
        cJSON_AddItemToObject(o, "running_ppl_per_chunk", cJSON_CreateDoubleArray(running, r.n_chunks));
        json_print_line(o);
    } else {
        printf("%zu tokens, %d chunks of %d, %d scored\n", n_ids, r.n_chunks, n_ctx, r.n_scored);
        printf("PPL = %.4f +/- %.5f\n", r.ppl, r.ppl_stderr);
    }
    rc = EXIT_OK;
out:
    free(running);
    free(ids);
    tokenizer_free(tok);
    close_model(&mo);
    free(text);
    return rc;
}
