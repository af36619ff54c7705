/*
 * pull.c - `model pull REF`: download a model from an OCI registry.
 *
 * The registry layer does the work in two steps so that the memory check
 * is printed after the small manifest and config arrive and before the
 * first byte of weights: a model too big for this host is still pulled
 * (it may be meant for another machine), but the user knows at once.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/memory.h"
#include "../registry/progress.h"
#include "../registry/registry.h"
#include "../store/store.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Ctrl-C: every byte received is already in a .partial file (plain write()s),
 * so there is nothing to flush; say how to continue and leave. */
static void on_interrupt(int sig)
{
    static const char msg[] = "\nmodel: interrupted: run the same pull again to resume where it stopped\n";
    (void)sig;
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(130);
}

#define DEFAULT_CTX 4096 /* as model-open.c: the context `model run` uses by default */
#define DEFAULT_BATCH 512

static uint32_t meta_u32(const cJSON *gguf, const char *arch, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(gguf, k);
    long long n = cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
    return n > 0 && n < (1LL << 31) ? (uint32_t)n : 0;
}

/* The runtime's estimate (weights + KV cache + compute at the default
 * context) from the hyper-parameters the config copies from the GGUF
 * header. 0 when the config lacks them (ModelPack configs do). */
static uint64_t runtime_estimate(struct store *s, const struct pull *p, struct memory_estimate *est, int *n_ctx)
{
    char *cfg = NULL;
    size_t len = 0;
    if (store_read_blob(s, p->man.config.digest, CONFIG_MAX_BYTES, &cfg, &len) < 0)
        return 0;
    cJSON *j = cJSON_ParseWithLength(cfg, len);
    free(cfg);
    const cJSON *gguf = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "config"), "gguf");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(gguf, "general.architecture");
    uint64_t total = 0;
    if (cJSON_IsString(a) && strlen(a->valuestring) < 32) {
        struct llama_hparams hp;
        memset(&hp, 0, sizeof hp);
        snprintf(hp.arch, sizeof hp.arch, "%s", a->valuestring);
        hp.n_ctx_train = meta_u32(gguf, hp.arch, "context_length");
        hp.n_embd = meta_u32(gguf, hp.arch, "embedding_length");
        hp.n_layer = meta_u32(gguf, hp.arch, "block_count");
        hp.n_head = meta_u32(gguf, hp.arch, "attention.head_count");
        hp.n_head_kv = meta_u32(gguf, hp.arch, "attention.head_count_kv");
        hp.n_ff = meta_u32(gguf, hp.arch, "feed_forward_length");
        hp.head_dim = meta_u32(gguf, hp.arch, "attention.key_length");
        hp.n_vocab = meta_u32(gguf, hp.arch, "vocab_size");
        if (!hp.n_head_kv)
            hp.n_head_kv = hp.n_head;
        if (!hp.head_dim && hp.n_head)
            hp.head_dim = hp.n_embd / hp.n_head;
        if (!hp.n_vocab)
            hp.n_vocab = 128256; /* the array itself is not copied into configs; assume a large vocabulary */
        if (hp.n_ctx_train && hp.n_embd && hp.n_layer && hp.n_head && hp.head_dim && hp.n_head_kv <= hp.n_head &&
            hp.n_layer < 10000 && hp.n_embd < 1000000 && hp.n_ff < 10000000) {
            int ctx = hp.n_ctx_train < DEFAULT_CTX ? (int)hp.n_ctx_train : DEFAULT_CTX;
            memory_estimate(&hp, p->weights_bytes, ctx, ctx < DEFAULT_BATCH ? ctx : DEFAULT_BATCH, KV_F16, est);
            *n_ctx = ctx;
            total = est->total;
        }
    }
    cJSON_Delete(j);
    return total;
}

/* Say so, before any weights arrive, when this host cannot run the model. */
static void memory_check(struct store *s, const struct pull *p)
{
    char a[32], b[32], c[32], d[32], e[32];
    uint64_t avail = memory_available();
    if (!avail)
        avail = p->host_mem;
    if (!avail)
        return;
    struct memory_estimate est;
    int ctx = 0;
    uint64_t need = runtime_estimate(s, p, &est, &ctx);
    if (need && need > avail)
        warn("this model needs about %s to run (weights %s + KV cache %s for %d tokens + compute %s) but this "
             "machine has %s available: it may not run here; pulling anyway",
             memory_format(need, a, sizeof a), memory_format(est.weights, b, sizeof b),
             memory_format(est.kv, c, sizeof c), ctx, memory_format(est.compute, d, sizeof d),
             memory_format(avail, e, sizeof e));
    else if (!need && p->mem_needed > avail)
        warn("this model needs about %s of memory (its weights), but this machine has %s available: it may not "
             "run here; pulling anyway",
             memory_format(p->mem_needed, a, sizeof a), memory_format(avail, e, sizeof e));
}

static const char *const pull_usage[] = {
    "model pull [--quiet] [--limit-rate RATE] NAME[:TAG|@sha256:DIGEST]",
    NULL,
};

int cmd_pull(int argc, const char **argv)
{
    int quiet = 0;
    int64_t rate = 0;
    struct option opts[] = {
        OPT_BOOL('q', "quiet", &quiet, "no progress; print only the model ID"),
        OPT_INT64(0, "limit-rate", &rate, "RATE", "download at most RATE bytes per second (K, M, G suffixes)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, pull_usage);
    if (argc != 1)
        usage_with_options(pull_usage, opts);
    if (rate < 0)
        return error("--limit-rate must be a positive number of bytes per second, e.g. 10M"), EXIT_USAGE;
    http_set_limit_rate(rate);
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct pull p;
    int rc = EXIT_FAIL;
    if (registry_pull_begin(s, argv[0], &p) < 0) {
        error_err();
        goto out;
    }
    char a[32], b[32];
    if (!quiet)
        note("pulling %s (%s in %d layers)", argv[0], progress_fmt_bytes(p.total_bytes, a, sizeof a),
             p.man.n_layers);
    memory_check(s, &p);
    signal(SIGINT, on_interrupt);
    struct progress *prog = progress_new(stderr, quiet, "Pulling");
    uint64_t fetched = 0;
    int r = registry_pull_finish(s, &p, prog, &fetched);
    progress_end(prog);
    if (r < 0) {
        error_err();
        goto out;
    }
    if (quiet) {
        printf("%s\n", p.man.digest);
    } else {
        char shown[512];
        if (p.tag[0])
            ref_display(p.tag, shown, sizeof shown);
        else
            snprintf(shown, sizeof shown, "%s", argv[0]);
        printf("Pulled %s: ID %.12s, %s (%s downloaded)\n", shown, p.man.digest + 7,
               progress_fmt_bytes(p.total_bytes, a, sizeof a), progress_fmt_bytes(fetched, b, sizeof b));
    }
    rc = EXIT_OK;
out:
    registry_pull_free(&p);
    store_close(s);
    return rc;
}
