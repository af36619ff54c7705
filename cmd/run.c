/*
 * run.c - `model run MODEL [PROMPT]`: loads the model (pulling it into
 * the store first when needed), settles the generation settings layer by
 * layer (gen-params.h), and answers one prompt - from the arguments or from
 * piped stdin - through the chat template, or hands over to the interactive
 * session when there is no prompt and stdin is a terminal.
 *
 * Streams: the answer on stdout; reasoning on stdout only when stdout is a
 * terminal (else stderr); notices, --verbose statistics and --verbose-prompt
 * on stderr. Ctrl-C stops the answer: one-shot mode exits 130 after
 * printing what was generated.
 */
#include "run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "model-store.h"
#include "parse-options.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/memory.h"
#include "../runtime/tokenizer.h"
#include "../store/settings.h"
#include "../common/readfile.h"

#define EXIT_INTERRUPTED 130

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- session callbacks ----------------------------------------------------- */

static int cb_text(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    struct run_chat *rc = ud;
    return display_text(&rc->disp, part, text, len);
}

static void cb_notice(void *ud, const char *msg)
{
    struct run_chat *rc = ud;
    fflush(stdout);
    fprintf(stderr, "%s%s%s\n", display_dim(&rc->disp), msg, display_reset(&rc->disp));
}

static void cb_prompt(void *ud, const char *text, const int32_t *ids, int n)
{
    struct run_chat *rc = ud;
    if (!rc->verbose_prompt)
        return;
    fprintf(stderr, "--- prompt (%zu bytes, %d tokens) ---\n%s\n--- token ids ---\n", strlen(text), n, text);
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%d%c", ids[i], i + 1 == n ? '\n' : ' ');
    fprintf(stderr, "--- end of prompt ---\n");
    fflush(stderr);
}

static void fill_request(struct run_chat *rc, struct session_request *rq)
{
    memset(rq, 0, sizeof *rq);
    gen_params_sampler(&rc->params, &rq->sampling);
    if (rc->repeat_last_n >= 0)
        rq->sampling.repeat_last_n = rc->repeat_last_n;
    rq->n_predict = (int)rc->params.v[GP_NUM_PREDICT];
    rq->stop = rc->stops;
    rq->n_stop = rc->n_stops;
    rq->cancel = rc->cancel;
    rq->on_text = cb_text;
    rq->on_notice = cb_notice;
    rq->on_prompt = cb_prompt;
    rq->ud = rc;
}

static void fmt_duration(double s, char *buf, size_t n)
{
    if (s < 1e-3)
        snprintf(buf, n, "%.3fµs", s * 1e6);
    else if (s < 1.0)
        snprintf(buf, n, "%.3fms", s * 1e3);
    else
        snprintf(buf, n, "%.3fs", s);
}

/* Ollama's --verbose block. */
static void print_stats(struct run_chat *rc, const struct session_result *r, double total)
{
    char a[32];
    fmt_duration(total, a, sizeof a);
    fprintf(stderr, "total duration:       %s\n", a);
    fmt_duration(rc->load_s, a, sizeof a);
    fprintf(stderr, "load duration:        %s\n", a);
    fprintf(stderr, "prompt eval count:    %d token(s)", r->n_evaluated);
    if (r->n_reused)
        fprintf(stderr, " (%d more reused from the cache)", r->n_reused);
    fputc('\n', stderr);
    fmt_duration(r->t_prompt, a, sizeof a);
    fprintf(stderr, "prompt eval duration: %s\n", a);
    if (r->t_prompt > 0)
        fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n", r->n_evaluated / r->t_prompt);
    fprintf(stderr, "eval count:           %d token(s)\n", r->n_generated);
    fmt_duration(r->t_generate, a, sizeof a);
    fprintf(stderr, "eval duration:        %s\n", a);
    if (r->t_generate > 0)
        fprintf(stderr, "eval rate:            %.2f tokens/s\n", r->n_generated / r->t_generate);
}

/* Drop from the conversation what the session dropped from its copy: the
 * same rule on the same roles removes the same messages. */
static void drop_same(cJSON *conv, int n_dropped)
{
    while (n_dropped > 0) {
        int n = cJSON_GetArraySize(conv), first = -1, from = -1, to = -1;
        for (int i = 0; i < n; i++) {
            const cJSON *role = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(conv, i), "role");
            if (!cJSON_IsString(role) || strcmp(role->valuestring, "user"))
                continue;
            if (first < 0)
                first = i;
            else if (from < 0)
                from = i;
            else {
                to = i;
                break;
            }
        }
        if (from < 0 || to < 0)
            return;
        for (int i = to - 1; i >= from; i--)
            cJSON_DeleteItemFromArray(conv, i);
        n_dropped -= to - from;
    }
}

int run_chat_turn(struct run_chat *rc, enum session_stop *stop)
{
    cJSON *turn = cJSON_CreateArray();
    if (rc->system) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "role", "system");
        cJSON_AddStringToObject(m, "content", rc->system);
        cJSON_AddItemToArray(turn, m);
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, rc->conv) cJSON_AddItemToArray(turn, cJSON_Duplicate(e, 1));
    if (rc->system && (rc->params.fold_system || rc->fold_forced) && session_fold_system(turn) > 0 &&
        !rc->folded_notice_shown) {
        note("%s models are trained without a system prompt: it was put at the start of the first message",
             rc->params.family ? rc->params.family : "these");
        rc->folded_notice_shown = 1;
    }

    struct session_request rq;
    struct session_result r;
    fill_request(rc, &rq);
    double t0 = now_s();
    display_begin(&rc->disp);
    int ok = session_chat(rc->sess, turn, &rq, &r);
    cJSON_Delete(turn);
    if (ok < 0 && rc->system && !rc->fold_forced && !rc->params.fold_system && strcasestr(err_msg(), "system") &&
        strstr(err_msg(), "chat template")) {
        /* the template refuses a system role (Gemma, some Mistral versions): fold it and try again */
        note("this model's chat template takes no system prompt (%s): it goes at the start of the first message",
             err_msg());
        rc->fold_forced = 1;
        rc->folded_notice_shown = 1;
        return run_chat_turn(rc, stop);
    }
    if (ok < 0) {
        display_end(&rc->disp);
        /* the turn never happened: take the user message back */
        cJSON_DeleteItemFromArray(rc->conv, cJSON_GetArraySize(rc->conv) - 1);
        return error_err();
    }
    display_end(&rc->disp);
    drop_same(rc->conv, r.n_dropped);
    if (r.stop == STOP_CANCELLED && !*r.content)
        cJSON_DeleteItemFromArray(rc->conv, cJSON_GetArraySize(rc->conv) - 1);
    else
        session_append_answer(rc->conv, &r);
    if (rc->verbose)
        print_stats(rc, &r, now_s() - t0 + (rc->load_s > 0 ? rc->load_s : 0));
    rc->load_s = 0; /* counted once, in the first answer's total */
    *stop = r.stop;
    session_result_free(&r);
    return 0;
}

int run_raw(struct run_chat *rc, const char *text, enum session_stop *stop)
{
    struct session_request rq;
    struct session_result r;
    fill_request(rc, &rq);
    double t0 = now_s();
    display_begin(&rc->disp);
    if (session_complete(rc->sess, text, &rq, &r) < 0) {
        display_end(&rc->disp);
        return error_err();
    }
    display_end(&rc->disp);
    if (rc->verbose)
        print_stats(rc, &r, now_s() - t0 + rc->load_s);
    *stop = r.stop;
    session_result_free(&r);
    return 0;
}

int run_chat_set_ctx(struct run_chat *rc, int n_ctx)
{
    enum kv_type kv = KV_F16;
    if (rc->kv_type && kv_type_parse(rc->kv_type, &kv))
        return error_err();
    if (n_ctx <= 0)
        n_ctx = rc->mo.n_ctx;
    struct memory_estimate est;
    uint64_t avail = memory_available();
    int n_batch = rc->n_batch < n_ctx ? rc->n_batch : n_ctx;
    memory_estimate(&rc->mo.model->hp, rc->mo.model->weight_bytes, n_ctx, n_batch, kv, &est);
    if (!rc->ignore_memory_check && avail && est.total > avail) {
        char need[32], have[32];
        return error("a context of %d tokens needs about %s, but only %s is available", n_ctx,
                     memory_format(est.total, need, sizeof need), memory_format(avail, have, sizeof have));
    }
    struct forward_state *fs = forward_state_new(rc->mo.model, n_ctx, n_batch, kv);
    if (!fs || forward_state_set_threads(fs, rc->mo.state->n_threads)) {
        forward_state_free(fs);
        return error_err();
    }
    session_set_state(rc->sess, fs);
    forward_state_free(rc->mo.state);
    rc->mo.state = fs;
    rc->mo.n_ctx = n_ctx;
    return 0;
}

/* ---- /show info ------------------------------------------------------------------ */

void run_chat_show_info(struct run_chat *rc, FILE *f)
{
    const struct model *m = rc->mo.model;
    const struct llama_hparams *hp = &m->hp;
    char a[32], b[32], c[32], d[32];
    struct gguf_str s;
    uint32_t ft;

    fprintf(f, "  Model\n");
    fprintf(f, "    %-20s %s\n", "name", rc->model_arg);
    if (gguf_get_str(m->meta, "general.name", &s) == 0)
        fprintf(f, "    %-20s %.*s\n", "general.name", (int)s.len, s.ptr);
    if (rc->in_store)
        fprintf(f, "    %-20s %.12s\n", "id", rc->sm.id + 7);
    fprintf(f, "    %-20s %s\n", "architecture", hp->arch);
    if (gguf_get_u32(m->meta, "general.file_type", &ft) == 0 && gguf_file_type_name(ft))
        fprintf(f, "    %-20s %s\n", "quantization", gguf_file_type_name(ft));
    fprintf(f, "    %-20s %u\n", "context length", hp->n_ctx_train);
    fprintf(f, "    %-20s %u\n", "embedding length", hp->n_embd);
    fprintf(f, "    %-20s %u\n", "layers", hp->n_layer);
    fprintf(f, "    %-20s %d\n", "vocabulary", tokenizer_n_vocab(rc->tok));
    if (rc->params.family)
        fprintf(f, "    %-20s %s\n", "family", rc->params.family);
    fprintf(f, "    %-20s %s\n", "template",
            rc->raw ? "none (--raw)" : rc->in_store && rc->sm.template_path ? "artifact layer" : "GGUF / default");
    err_clear();

    enum kv_type kv = KV_F16;
    if (rc->kv_type)
        kv_type_parse(rc->kv_type, &kv);
    struct memory_estimate est;
    int n_ctx = session_n_ctx(rc->sess);
    memory_estimate(hp, m->weight_bytes, n_ctx, rc->mo.state->n_batch, kv, &est);
    fprintf(f, "\n  Context\n");
    fprintf(f, "    %-20s %d tokens (%d in use)\n", "size", n_ctx, session_cached(rc->sess, NULL));
    fprintf(f, "    %-20s %llu\n", "tokens evaluated", (unsigned long long)session_evaluated_total(rc->sess));
    fprintf(f, "    %-20s %d\n", "messages", cJSON_GetArraySize(rc->conv));
    fprintf(f, "\n  Memory\n");
    fprintf(f, "    %-20s %s (weights %s, KV cache %s %s, compute %s)\n", "total",
            memory_format(est.total, a, sizeof a), memory_format(est.weights, b, sizeof b),
            memory_format(est.kv, c, sizeof c), kv_type_name(kv), memory_format(est.compute, d, sizeof d));

    fprintf(f, "\n  Parameters\n");
    for (int i = 0; i < GP_COUNT; i++) {
        char v[32];
        gen_params_format(&rc->params, (enum gen_param)i, v, sizeof v);
        if (i == GP_NUM_CTX && rc->params.v[i] == 0)
            snprintf(v, sizeof v, "%d", n_ctx);
        fprintf(f, "    %-20s %-12s (%s)\n", gen_param_name((enum gen_param)i), v,
                gen_source_name(&rc->params, (enum gen_param)i));
    }
    if (rc->system)
        fprintf(f, "\n  System\n    %s\n", rc->system);
    fprintf(f, "\n");
}

/* ---- the command ---------------------------------------------------------------- */

/* Prompt arguments joined by spaces, after piped stdin (when there is one). */
static char *build_prompt(int argc, const char **argv, int use_stdin)
{
    size_t len = 0;
    char *in = NULL;
    if (use_stdin) {
        if (!(in = read_stream(stdin, NULL)))
            return NULL;
        size_t l = strlen(in);
        while (l && (in[l - 1] == '\n' || in[l - 1] == '\r'))
            in[--l] = 0;
        len += l + 2;
    }
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *p = malloc(len + 1);
    if (!p) {
        free(in);
        return NULL;
    }
    p[0] = 0;
    if (in && *in) {
        strcat(p, in);
        if (argc)
            strcat(p, "\n\n");
    }
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(p, " ");
        strcat(p, argv[i]);
    }
    free(in);
    return p;
}

/*
 * The artifact's config.context_size, as the model layer's num_ctx - only
 * when it is below the model's training context: packagers write the full
 * training context there by default (131072 for R1 distills), which as a
 * KV cache would take far more memory than a chat needs.
 */
static void apply_artifact(struct run_chat *rc)
{
    if (!rc->in_store || !rc->sm.config)
        return;
    cJSON *root = cJSON_Parse(rc->sm.config);
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(cfg, "context_size");
    const cJSON *gguf = cJSON_GetObjectItemCaseSensitive(cfg, "gguf");
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(gguf, "general.architecture");
    if (cJSON_IsNumber(cs) && cs->valuedouble > 0 && cJSON_IsString(arch)) {
        char key[96];
        snprintf(key, sizeof key, "%s.context_length", arch->valuestring);
        const cJSON *train = cJSON_GetObjectItemCaseSensitive(gguf, key);
        double t = cJSON_IsString(train) ? atof(train->valuestring) : cJSON_IsNumber(train) ? train->valuedouble : 0;
        if (t > 0 && cs->valuedouble < t)
            gen_params_set_num(&rc->params, GP_NUM_CTX, floor(cs->valuedouble), SRC_MODEL);
    }
    err_clear();
    cJSON_Delete(root);
}

/* Settings stored by `model configure`, as the configure layer. */
static void apply_configure(struct run_chat *rc)
{
    if (!rc->in_store)
        return;
    struct store *s = store_open(NULL);
    struct store_setting *v = NULL;
    int n = 0;
    if (!s || store_settings_get(s, rc->sm.id, &v, &n) < 0) {
        warn("cannot read this model's configured settings: %s", err_msg());
        store_close(s);
        return;
    }
    for (int i = 0; i < n; i++)
        if (gen_params_set(&rc->params, v[i].name, v[i].value, SRC_CONFIGURE) < 0)
            warn("ignoring the configured setting %s=%s: %s", v[i].name, v[i].value, err_msg());
    store_settings_free(v, n);
    store_close(s);
}

static char *template_from_store(struct run_chat *rc)
{
    if (!rc->in_store || !rc->sm.template_path)
        return NULL;
    char *t = read_file(rc->sm.template_path, NULL);
    if (!t)
        warn("cannot read the model's chat template layer (%s); using the GGUF's", err_msg());
    return t;
}

struct run_flags {
    int max_tokens, top_k, ctx_size, threads, repeat_last_n;
    float temp, top_p, min_p, repeat_penalty;
    int64_t seed;
};

#define UNSET_INT INT32_MIN
#define UNSET_SEED INT64_MIN

static int apply_flags(struct run_chat *rc, const struct run_flags *f)
{
    struct { int set; enum gen_param p; double v; const char *flag; } list[] = {
        { f->max_tokens != UNSET_INT, GP_NUM_PREDICT, f->max_tokens, "--max-tokens" },
        { !isnan(f->temp), GP_TEMPERATURE, f->temp, "--temp" },
        { f->top_k != UNSET_INT, GP_TOP_K, f->top_k, "--top-k" },
        { !isnan(f->top_p), GP_TOP_P, f->top_p, "--top-p" },
        { !isnan(f->min_p), GP_MIN_P, f->min_p, "--min-p" },
        { !isnan(f->repeat_penalty), GP_REPEAT_PENALTY, f->repeat_penalty, "--repeat-penalty" },
        { f->seed != UNSET_SEED, GP_SEED, (double)f->seed, "--seed" },
        { f->ctx_size != UNSET_INT, GP_NUM_CTX, f->ctx_size, "--ctx-size" },
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        double v = list[i].v;
        if (list[i].p == GP_NUM_PREDICT && v == 0)
            v = -1; /* -n 0: no limit */
        if (list[i].set && gen_params_set_num(&rc->params, list[i].p, v, SRC_FLAG) < 0)
            return error("%s: %s", list[i].flag, err_msg());
    }
    return 0;
}

static void run_chat_free(struct run_chat *rc)
{
    session_free(rc->sess);
    session_template_free(rc->tmpl);
    tokenizer_free(rc->tok);
    close_model(&rc->mo);
    if (rc->in_store)
        store_model_free(&rc->sm);
    cJSON_Delete(rc->conv);
    free(rc->system);
}

int cmd_run(int argc, const char **argv)
{
    static const char *const usage[] = {
        "model run [options] MODEL [PROMPT...]",
        "model run [options] MODEL < prompt.txt",
        NULL,
    };
    struct run_flags fl = { UNSET_INT, UNSET_INT, UNSET_INT, 0, -1, NAN, NAN, NAN, NAN, UNSET_SEED };
    const char *system = NULL, *kv_type = NULL;
    int hide_thinking = 0, raw = 0, verbose = 0, verbose_prompt = 0, ignore_mem = 0, no_pull = 0;
    struct opt_list stops = { 0 };
    struct option opts[] = {
        OPT_GROUP("Generation"),
        OPT_INT('n', "max-tokens", &fl.max_tokens, "N", "stop after N tokens (num_predict; default: when the model stops)"),
        OPT_FLOAT(0, "temp", &fl.temp, "T", "temperature; 0 is greedy (default: the model's, else 0.8)"),
        OPT_INT(0, "top-k", &fl.top_k, "K", "sample from the K most likely tokens (default 40; 0: off)"),
        OPT_FLOAT(0, "top-p", &fl.top_p, "P", "nucleus sampling threshold (default: the model's, else 0.95)"),
        OPT_FLOAT(0, "min-p", &fl.min_p, "P", "drop tokens below P times the best one's probability (default 0.05)"),
        OPT_FLOAT(0, "repeat-penalty", &fl.repeat_penalty, "R", "penalise repeats of recent tokens (default 1: off)"),
        OPT_INT(0, "repeat-last-n", &fl.repeat_last_n, "N", "how many recent tokens the penalty looks at (default 64)"),
        OPT_INT64(0, "seed", &fl.seed, "S", "random seed, for repeatable answers (default: random)"),
        OPT_LIST(0, "stop", &stops, "TEXT", "stop when the model writes TEXT (may be repeated)"),
        OPT_GROUP("Chat"),
        OPT_STRING(0, "system", &system, "TEXT", "system prompt (DeepSeek-R1: folded into the first message)"),
        OPT_BOOL(0, "hide-thinking", &hide_thinking, "do not show the model's reasoning, only the answer"),
        OPT_BOOL(0, "raw", &raw, "no chat template: the prompt is the model's input text as it is"),
        OPT_BOOL(0, "no-pull", &no_pull, "fail instead of pulling a model that is not in the store"),
        OPT_GROUP("Runtime"),
        OPT_INT('c', "ctx-size", &fl.ctx_size, "N", "context size in tokens (num_ctx; default min(4096, the model's))"),
        OPT_INT('t', "threads", &fl.threads, "N", "threads (default: one per physical core)"),
        OPT_STRING(0, "kv-type", &kv_type, "TYPE", "KV cache type: f16 (default), f32 or q8_0"),
        OPT_BOOL(0, "ignore-memory-check", &ignore_mem, "load even when the estimate exceeds available memory"),
        OPT_GROUP("Output"),
        OPT_BOOL(0, "verbose", &verbose, "print load time and prompt/generation speed after each answer"),
        OPT_BOOL(0, "verbose-prompt", &verbose_prompt, "print the rendered prompt and its token ids (stderr)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc < 1)
        usage_with_options(usage, opts);

    struct run_chat rc;
    memset(&rc, 0, sizeof rc);
    rc.model_arg = argv[0];
    rc.kv_type = kv_type;
    rc.repeat_last_n = fl.repeat_last_n;
    rc.n_batch = 512;
    rc.ignore_memory_check = ignore_mem;
    rc.verbose = verbose;
    rc.verbose_prompt = verbose_prompt;
    rc.raw = raw;
    rc.cancel = &interrupted;
    rc.stops = stops.items;
    rc.n_stops = stops.n;
    int status = EXIT_FAIL;
    int interactive = argc == 1 && isatty(STDIN_FILENO);
    char *prompt = NULL;

    if (!interactive && !(prompt = build_prompt(argc - 1, argv + 1, !isatty(STDIN_FILENO)))) {
        error("cannot read the prompt from stdin: %s", strerror(errno));
        goto out;
    }
    if (!interactive && !raw && !prompt[strspn(prompt, " \t\r\n")]) {
        error("the prompt is empty: give one after MODEL or on standard input (or run at a terminal to chat)");
        status = EXIT_USAGE;
        goto out;
    }

    /* the model: a file, or a store reference (pulled when missing) */
    double t0 = now_s();
    if (!model_arg_is_file(rc.model_arg)) {
        if (model_store_find(rc.model_arg, !no_pull, &rc.sm) < 0)
            goto out;
        rc.in_store = 1;
    }
    gen_params_defaults(&rc.params, NULL, NULL);
    apply_artifact(&rc);
    apply_configure(&rc);
    if (apply_flags(&rc, &fl) < 0) {
        status = EXIT_USAGE;
        goto out;
    }
    struct open_opts oo = { .n_ctx = (int)rc.params.v[GP_NUM_CTX], .n_batch = rc.n_batch, .kv_type = kv_type,
                            .ignore_memory_check = ignore_mem, .n_threads = fl.threads, .hugepages = interactive };
    if (open_model(rc.model_arg, &oo, &rc.mo) < 0)
        goto out;
    if (!(rc.tok = tokenizer_load(rc.mo.model->meta))) {
        error("%s: %s", rc.model_arg, err_msg());
        goto out;
    }
    if (tokenizer_warning(rc.tok))
        warn("%s", tokenizer_warning(rc.tok));
    if (!raw) {
        const char *tmpl_notice = NULL;
        char *artifact_tmpl = template_from_store(&rc);
        rc.tmpl = session_template_new(artifact_tmpl, rc.mo.model->meta, rc.tok, &tmpl_notice);
        free(artifact_tmpl);
        if (!rc.tmpl) {
            error("%s: the chat template cannot be used: %s\n  --raw runs without it", rc.model_arg, err_msg());
            goto out;
        }
        if (tmpl_notice)
            note("%s", tmpl_notice);
        if (hide_thinking)
            session_template_set_thinking(rc.tmpl, 0);
    }

    /* now that the template is known: family and model-file layers, then configure and flags again on top */
    {
        struct gen_params top = rc.params;
        gen_params_defaults(&rc.params, rc.mo.model->meta, rc.tmpl ? session_template_source(rc.tmpl) : NULL);
        for (int i = 0; i < GP_COUNT; i++)
            if (top.src[i] >= SRC_CONFIGURE || (i == GP_NUM_CTX && top.src[i] == SRC_MODEL)) {
                rc.params.v[i] = top.v[i];
                rc.params.src[i] = top.src[i];
            }
    }
    if (rc.params.src[GP_NUM_CTX] == SRC_BUILTIN)
        rc.params.v[GP_NUM_CTX] = 0;

    struct session_config sc = { .model = rc.mo.model, .state = rc.mo.state, .tok = rc.tok,
                                 .render = rc.tmpl ? session_template_render : NULL, .render_ctx = rc.tmpl };
    if (!(rc.sess = session_new(&sc))) {
        error_err();
        goto out;
    }
    rc.load_s = now_s() - t0;
    rc.conv = cJSON_CreateArray();
    if (system && !(rc.system = strdup(system)))
        goto out;
    display_init(&rc.disp, hide_thinking);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    if (interactive) {
        status = run_interactive(&rc);
        goto out;
    }

    enum session_stop stop = STOP_EOG;
    if (raw) {
        if (run_raw(&rc, prompt, &stop) < 0)
            goto out;
    } else {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "role", "user");
        cJSON_AddStringToObject(m, "content", prompt);
        cJSON_AddItemToArray(rc.conv, m);
        if (run_chat_turn(&rc, &stop) < 0)
            goto out;
    }
    status = stop == STOP_CANCELLED && interrupted ? EXIT_INTERRUPTED : EXIT_OK;
out:
    free(prompt);
    opt_list_free(&stops);
    run_chat_free(&rc);
    return status;
}
