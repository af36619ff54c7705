/*
 * run.c - `model run MODEL [PROMPT]`: one-shot generation. The prompt (the
 * argument, or stdin when it is not a terminal) is tokenized as given, with
 * BOS, evaluated as one batch, and the continuation is sampled token by token
 * and printed as it comes (whole UTF-8 characters only) until an
 * end-of-generation token, --max-tokens, or a full context.
 *
 * Chat templates and the interactive session come later; until then every
 * run is raw, and a run without --raw says so once.
 */
#include "builtin.h"
#include "model-open.h"
#include "parse-options.h"
#include "run-chat.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/sampler.h"
#include "../runtime/tokenizer.h"
#include "../common/readfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Sample and print up to max_tokens tokens after the prompt. */
static int generate(struct opened *mo, const struct tokenizer *tok, const int32_t *prompt, int n_prompt,
                    const struct sampler_params *sp, int max_tokens)
{
    const int n_vocab = (int)mo->model->hp.n_vocab;
    float *logits = malloc((size_t)n_vocab * sizeof *logits);
    struct sampler *smp = sampler_new(sp, n_vocab);
    struct tokenizer_stream ts;
    int rc = -1, pos = n_prompt, last_nl = 1;
    size_t len;
    const char *out;

    tokenizer_stream_init(&ts, tok, 0);
    if (!logits || !smp) {
        error_err();
        goto done;
    }
    for (int i = 0; i < n_prompt; i++)
        sampler_accept(smp, prompt[i]);
    if (forward(mo->state, prompt, n_prompt, 0, n_prompt - 1, logits)) {
        error_err();
        goto done;
    }
    for (int n = 0; max_tokens < 0 || n < max_tokens; n++) {
        int32_t id = sampler_sample(smp, logits);
        if (tokenizer_is_eog(tok, id))
            break;
        sampler_accept(smp, id);
        if (!(out = tokenizer_stream_push(&ts, id, &len))) {
            error_err();
            goto done;
        }
        if (len) {
            fwrite(out, 1, len, stdout);
            fflush(stdout);
            last_nl = out[len - 1] == '\n';
        }
        if (pos >= mo->n_ctx)
            break; /* the context is full: nothing more can be evaluated */
        if (forward(mo->state, &id, 1, pos++, 0, logits)) {
            error_err();
            goto done;
        }
    }
    out = tokenizer_stream_flush(&ts, &len);
    if (out && len) {
        fwrite(out, 1, len, stdout);
        last_nl = out[len - 1] == '\n';
    }
    if (!last_nl)
        putchar('\n');
    rc = 0;
done:
    tokenizer_stream_free(&ts);
    sampler_free(smp);
    free(logits);
    return rc;
}

/* Dispatch (chat helper's hook): without --raw, the chat front end in
 * run-chat.c is the whole command; --raw stays here. */
static int wants_raw(int argc, const char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--raw"))
            return 1;
    return 0;
}

int cmd_run(int argc, const char **argv)
{
    if (!wants_raw(argc, argv))
        return cmd_run_chat(argc, argv);
    static const char *const usage[] = { "model run [options] MODEL [PROMPT]", "echo PROMPT | model run [options] MODEL",
                                         NULL };
    struct sampler_params sp;
    int max_tokens = -1, n_ctx = 0, threads = 0, raw = 0, ignore_mem = 0;
    int64_t seed = -1;
    const char *kv_type = NULL;

    sampler_defaults(&sp);
    struct option opts[] = {
        OPT_INT('n', "max-tokens", &max_tokens, "N", "stop after N tokens (default: at end of generation or a full context)"),
        OPT_FLOAT(0, "temp", &sp.temp, "T", "temperature; 0 picks the most likely token (default 0.8)"),
        OPT_INT(0, "top-k", &sp.top_k, "K", "sample among the K most likely tokens; 0 for all (default 40)"),
        OPT_FLOAT(0, "top-p", &sp.top_p, "P", "sample among the most likely tokens that make up P; 1 for all (default 0.95)"),
        OPT_FLOAT(0, "min-p", &sp.min_p, "P", "drop tokens less likely than P times the best one (default 0.05)"),
        OPT_FLOAT(0, "repeat-penalty", &sp.repeat_penalty, "X", "penalise tokens seen recently; 1 is off (default 1)"),
        OPT_INT(0, "repeat-last-n", &sp.repeat_last_n, "N", "how many recent tokens the penalty looks at (default 64)"),
        OPT_INT64(0, "seed", &seed, "N", "random seed: the same seed gives the same output (default: random)"),
        OPT_INT('c', "ctx-size", &n_ctx, "N", "context size in tokens (default: 4096 or the model's, if smaller)"),
        OPT_INT('t', "threads", &threads, "N", "threads for the matrix products (default: one per physical core)"),
        OPT_BOOL(0, "raw", &raw, "no chat template: tokenize the prompt as given, with BOS (the only mode for now)"),
        OPT_STRING(0, "kv-type", &kv_type, "TYPE", "KV cache type: f16 (default), f32 or q8_0"),
        OPT_BOOL(0, "ignore-memory-check", &ignore_mem, "load even when the estimate exceeds available memory"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc < 1 || argc > 2)
        usage_with_options(usage, opts);
    if (seed >= 0)
        sp.seed = (uint64_t)seed;

    /* the prompt: the argument, else stdin unless it is a terminal */
    char *prompt = NULL;
    size_t plen = 0;
    if (argc == 2) {
        prompt = strdup(argv[1]);
        plen = prompt ? strlen(prompt) : 0;
    } else if (!isatty(STDIN_FILENO)) {
        prompt = read_stream(stdin, &plen);
    } else {
        return error("no prompt: give one after MODEL or on standard input "
                     "(the interactive session comes in a later version)"),
               EXIT_USAGE;
    }
    if (!prompt)
        return error("out of memory"), EXIT_FAIL;
    if (!raw)
        note("chat templates are not supported yet: the prompt is used as given (as with --raw)");

    struct open_opts oo = { .n_ctx = n_ctx, .kv_type = kv_type, .ignore_memory_check = ignore_mem,
                            .n_threads = threads };
    struct opened mo;
    if (open_model(argv[0], &oo, &mo)) {
        free(prompt);
        return EXIT_FAIL;
    }
    int rc = EXIT_FAIL;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    struct tokenizer *tok = tokenizer_load(mo.model->meta);
    if (!tok) {
        error("%s: %s", argv[0], err_msg());
        goto out;
    }
    if (tokenizer_encode(tok, prompt, plen, 1, 1, &ids, &n_ids)) {
        error("the prompt: %s", err_msg());
        goto out;
    }
    if (n_ids == 0) {
        error("the prompt is empty and the model adds no BOS: nothing to continue");
        goto out;
    }
    if (n_ids >= (size_t)mo.n_ctx) {
        error("the prompt is %zu tokens, which does not fit a context of %d; use a larger --ctx-size (or a shorter "
              "prompt)",
              n_ids, mo.n_ctx);
        goto out;
    }
    if (generate(&mo, tok, ids, (int)n_ids, &sp, max_tokens) == 0)
        rc = EXIT_OK;
out:
    free(ids);
    tokenizer_free(tok);
    close_model(&mo);
    free(prompt);
    return rc;
}
