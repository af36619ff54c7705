/*
 * engine.c - the server's engine on top of the runtime (see engine.h): one
 * mapped model and tokenizer per loaded model, one forward state (KV cache)
 * and one session per slot. Generation is runtime/session.h's, the same
 * loop as `model run`: KV reuse by longest common prefix, stop strings,
 * end-of-generation tokens, R1's reasoning split, cancellation. The slots'
 * sessions evaluate through the model's batcher (batch.h), which evaluates
 * the next token of every generating slot, and the prompt batches waiting,
 * in one forward_multi pass over the weights (continuous batching): a
 * slot's state holds its KV cache, the batcher's the activations and
 * threads.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../runtime/forward.h"
#include "../runtime/gen-params.h"
#include "../runtime/memory.h"
#include "../runtime/model.h"
#include "../runtime/session.h"
#include "../runtime/tokenizer.h"
#include "batch.h"
#include "template.h"
#include "../common/readfile.h"

#define DEFAULT_CTX 4096
#define DEFAULT_BATCH 512

int engine_n_ctx = 0; /* 0: min(DEFAULT_CTX, the training context); `serve --ctx-size` */
int engine_n_threads = 0; /* threads of each model's batcher; 0: the physical cores; `serve --threads` */

struct emodel {
    struct model *m;
    struct tokenizer *tok;
    struct chat_tmpl *tmpl;        /* the model's chat template, or the runtime's default */
    struct gen_params defaults;    /* the family's sampling defaults */
    int n_ctx, n_batch;
    struct batcher *batch;         /* evaluates every slot's tokens, batched */
};

struct eslot {
    struct emodel *em;
    struct forward_state *fs;
    struct session *sess;
    const cJSON *tools;            /* of the request being rendered */
    int joined;                    /* generating: its evaluations are the batcher's steps */
};

static void eng_unload(void *p)
{
    struct emodel *em = p;
    if (!em)
        return;
    batch_free(em->batch);
    chat_tmpl_free(em->tmpl);
    tokenizer_free(em->tok);
    model_free(em->m);
    free(em);
}

static void *eng_load(const char *const *paths, int n_paths, const char *template_path, int n_slots,
                      struct engine_info *info, int *status)
{
    struct emodel *em = calloc(1, sizeof *em);
    char *tmpl_text = NULL;
    *status = 500;
    if (!em)
        return err_set("out of memory"), NULL;
    if (!(em->m = model_open(paths, n_paths))) {
        free(em);
        return NULL;
    }
    const struct llama_hparams *hp = &em->m->hp;
    em->n_ctx = engine_n_ctx > 0 ? engine_n_ctx : DEFAULT_CTX;
    if ((uint32_t)em->n_ctx > hp->n_ctx_train && engine_n_ctx <= 0)
        em->n_ctx = (int)hp->n_ctx_train;
    em->n_batch = em->n_ctx < DEFAULT_BATCH ? em->n_ctx : DEFAULT_BATCH;

    /* The memory check, before a weight page is touched: weights once, KV and compute per slot,
     * and the batcher's buffers for a prompt batch and a step per slot (its own cache is never
     * written, so never paged in). */
    struct memory_estimate est, bat;
    int bat_rows = em->n_batch + n_slots < em->n_ctx ? em->n_batch + n_slots : em->n_ctx;
    memory_estimate(hp, em->m->weight_bytes, em->n_ctx, em->n_batch, KV_F16, &est);
    memory_estimate(hp, em->m->weight_bytes, em->n_ctx, bat_rows, KV_F16, &bat);
    uint64_t need = est.weights + (uint64_t)n_slots * (est.kv + est.compute) + bat.compute;
    uint64_t avail = memory_available();
    if (avail && need > avail) {
        char a[32], b[32], c[32];
        err_set("%s needs about %s (weights %s + %d slot%s of KV cache and buffers at %d tokens of context) but "
                "only %s is available: unload other models (model unload), use fewer --parallel slots or a "
                "smaller --ctx-size",
                paths[0], memory_format(need, a, sizeof a), memory_format(est.weights, b, sizeof b), n_slots,
                n_slots == 1 ? "" : "s", em->n_ctx, memory_format(avail, c, sizeof c));
        *status = 503;
        eng_unload(em);
        return NULL;
    }
    model_use_hugepages(em->m, 1);
    if (!(em->tok = tokenizer_load(em->m->meta)))
        goto fail;
    if (!(em->batch = batch_new(em->m, em->n_ctx, em->n_batch, n_slots, engine_n_threads)))
        goto fail;
    if (template_path) {
        if (!(tmpl_text = read_file(template_path, NULL)))
            goto fail;
    } else {
        struct gguf_str s;
        if (gguf_get_str(em->m->meta, "tokenizer.chat_template", &s) == 0 && !(tmpl_text = gguf_strdup(s)))
            goto fail;
    }
    gen_params_defaults(&em->defaults, em->m->meta, tmpl_text);
    if (!(em->tmpl = chat_tmpl_new(tmpl_text, em->tok)))
        goto fail;
    free(tmpl_text);
    info->n_ctx = em->n_ctx;
    info->mem_bytes = need;
    info->reasoning = em->tmpl && chat_tmpl_reasoning(em->tmpl);
    return em;
fail:
    free(tmpl_text);
    eng_unload(em);
    return NULL;
}

static int render(void *ctx, const cJSON *messages, int add_generation_prompt, char **out)
{
    struct eslot *s = ctx;
    return chat_tmpl_render(s->em->tmpl, messages, s->tools, add_generation_prompt, out);
}

static int eval(void *ctx, struct forward_state *state, const int32_t *tokens, int n, int pos, float *logits)
{
    struct eslot *s = ctx;
    return batch_eval(s->em->batch, s->joined, state, tokens, n, pos, logits);
}

static void eng_slot_free(void *p)
{
    struct eslot *s = p;
    if (!s)
        return;
    session_free(s->sess);
    forward_state_free(s->fs);
    free(s);
}

static void *eng_slot_new(void *model, int *status)
{
    struct emodel *em = model;
    struct eslot *s = calloc(1, sizeof *s);
    *status = 503;
    if (!s)
        return err_set("out of memory"), NULL;
    s->em = em;
    /* only its cache is used (the batcher computes): no threads of its own */
    if (!(s->fs = forward_state_new(em->m, em->n_ctx, em->n_batch, KV_F16))) {
        free(s);
        return NULL;
    }
    struct session_config c = { .model = em->m, .state = s->fs, .tok = em->tok,
                                .render = em->tmpl ? render : NULL, .render_ctx = s,
                                .eval = eval, .eval_ctx = s };
    if (!(s->sess = session_new(&c))) {
        eng_slot_free(s);
        return NULL;
    }
    return s;
}

/*
 * Text to the server in whole UTF-8 characters per channel: a character cut
 * between two pieces (the reasoning splitter may cut one) would otherwise
 * make each streamed event invalid UTF-8, which JSON clients refuse.
 */
struct relay {
    gen_text_fn cb;
    void *ctx;
    struct eslot *slot;
    char pend[2][4];
    size_t n_pend[2];
};

/* Bytes at the end of s[0..n) that start a character not yet complete. */
static size_t cut_tail(const unsigned char *s, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = s[n - back];
        if ((c & 0xC0) == 0x80)
            continue; /* continuation byte: look further back */
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > back ? back : 0;
    }
    return 0;
}

static int relay_text(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    struct relay *r = ud;
    int ch = part == PART_REASONING ? GEN_REASONING : GEN_CONTENT;
    char small[256], *buf = small;
    size_t n = r->n_pend[ch] + len;
    if (n > sizeof small && !(buf = malloc(n)))
        return -1;
    memcpy(buf, r->pend[ch], r->n_pend[ch]);
    memcpy(buf + r->n_pend[ch], text, len);
    size_t keep = cut_tail((const unsigned char *)buf, n);
    memcpy(r->pend[ch], buf + n - keep, keep);
    r->n_pend[ch] = keep;
    int rc = n - keep ? r->cb(r->ctx, (enum gen_channel)ch, buf, n - keep) : 0;
    if (buf != small)
        free(buf);
    return rc;
}

/* The prompt is evaluated: from now on this slot's steps are batched. */
static void relay_prompt_done(void *ud, int starts_in_reasoning)
{
    struct relay *r = ud;
    (void)starts_in_reasoning;
    batch_join(r->slot->em->batch);
    r->slot->joined = 1;
}

/* What is still held at the end can never be a character: U+FFFD for it. */
static void relay_flush(struct relay *r)
{
    for (int ch = 0; ch < 2; ch++)
        if (r->n_pend[ch]) {
            r->n_pend[ch] = 0;
            r->cb(r->ctx, (enum gen_channel)ch, "\xEF\xBF\xBD", 3);
        }
}

/* Prompt tokens of messages as rendered now, to refuse an over-long prompt
 * with 400 instead of letting the session drop old turns (a server's client
 * decides what to cut, as with OpenAI). */
static int prompt_tokens(struct eslot *s, const cJSON *messages, int *n)
{
    char *text;
    int32_t *ids;
    size_t count;
    if (render(s, messages, 1, &text) < 0)
        return -1;
    int rc = tokenizer_encode(s->em->tok, text, strlen(text), 1, 1, &ids, &count);
    free(text);
    if (rc < 0)
        return -1;
    free(ids);
    *n = (int)count;
    return 0;
}

static int eng_generate(void *slot, const struct gen_input *in, const struct req_params *p, gen_text_fn cb,
                        void *ctx, volatile sig_atomic_t *cancel, struct gen_result *res, int *status)
{
    struct eslot *s = slot;
    struct emodel *em = s->em;
    struct relay relay = { .cb = cb, .ctx = ctx, .slot = s };
    struct session_request rq = { 0 };
    struct session_result r;
    cJSON *msgs = NULL;
    int rc;

    *status = 500;
    memset(res, 0, sizeof *res);
    gen_params_sampler(&em->defaults, &rq.sampling);
    if (p->has_temperature)
        rq.sampling.temp = p->temperature;
    if (p->has_top_p)
        rq.sampling.top_p = p->top_p;
    if (p->has_seed)
        rq.sampling.seed = p->seed;
    rq.n_predict = p->max_tokens;
    rq.stop = p->stop;
    rq.n_stop = p->n_stop;
    rq.reserve = 1;
    rq.cancel = cancel;
    rq.on_text = relay_text;
    rq.on_prompt_done = relay_prompt_done;
    rq.ud = &relay;

    if (in->messages) {
        if (!em->tmpl) {
            *status = 400;
            return err_set("this model has no chat template: use /v1/completions with a raw prompt");
        }
        if (!(msgs = cJSON_Duplicate(in->messages, 1)))
            return err_set("out of memory");
        if (em->defaults.fold_system && session_fold_system(msgs) < 0) {
            cJSON_Delete(msgs);
            return err_set("out of memory");
        }
        s->tools = in->tools;
        int n;
        if (prompt_tokens(s, msgs, &n) < 0) {
            *status = 400;
            cJSON_Delete(msgs);
            return -1;
        }
        if (n + 1 >= em->n_ctx) {
            *status = 400;
            cJSON_Delete(msgs);
            return err_set("the prompt is %d tokens but the context holds %d (with room for at least one token "
                           "of answer): shorten the conversation",
                           n, em->n_ctx);
        }
        rc = session_chat(s->sess, msgs, &rq, &r);
        cJSON_Delete(msgs);
        s->tools = NULL;
    } else {
        rc = session_complete(s->sess, in->prompt, &rq, &r);
        if (rc < 0 && strstr(err_msg(), "context holds"))
            *status = 400;
    }
    if (s->joined) {
        s->joined = 0;
        batch_leave(em->batch);
    }
    if (rc < 0)
        return -1;
    relay_flush(&relay);
    res->prompt_tokens = r.n_prompt;
    res->cached_tokens = r.n_reused;
    res->completion_tokens = r.n_generated;
    res->finish = r.stop == STOP_LENGTH || r.stop == STOP_CONTEXT ? GEN_LENGTH
                  : r.stop == STOP_CANCELLED                      ? GEN_CANCELLED
                                                                  : GEN_STOP;
    session_result_free(&r);
    return 0;
}

void engine_runtime_stats(void *model, uint64_t *passes, uint64_t *steps)
{
    struct emodel *em = model;
    batch_stats(em->batch, passes, steps);
}

const struct engine_ops engine_runtime = {
    .load = eng_load,
    .unload = eng_unload,
    .slot_new = eng_slot_new,
    .slot_free = eng_slot_free,
    .generate = eng_generate,
    .stats = engine_runtime_stats,
};
