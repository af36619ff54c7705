/*
 * session.c - conversation turns on a loaded model (see session.h).
 *
 * The session mirrors the KV cache with the token ids it holds (cache[0..
 * n_cache-1] at positions 0..n_cache-1). A turn keeps the longest common
 * prefix of that and the new prompt and evaluates the rest, so a chat costs
 * per turn only the new user message and the template's glue - plus the
 * previous answer when the template rewrites it (DeepSeek-R1 drops the
 * reasoning from earlier answers, so the cache diverges where it began).
 *
 * Output goes through three stages, each holding back only what it must:
 * the tokenizer's streaming decoder (whole UTF-8 characters), the stop
 * strings (a possible start of one), the reasoning splitter (a possible
 * tag, blank space at the edges of a part).
 */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "model.h"
#include "tokenizer.h"
#include "../common/strbuf.h"

struct session {
    const struct model *model;
    struct forward_state *state;
    const struct tokenizer *tok;
    session_render_fn render;
    void *render_ctx;
    int (*eval)(void *ctx, struct forward_state *state, const int32_t *tokens, int n, int pos, float *logits);
    void *eval_ctx;
    int32_t *cache;          /* n_ctx ids: what the KV cache holds */
    int n_cache;
    float *logits;           /* n_vocab */
    uint64_t evaluated;      /* tokens evaluated over the session's life */
};

/* ---- one generation's output pipeline -------------------------------------- */

struct gen {
    const struct session_request *rq;
    struct reasoning split;
    int do_split;            /* 0: raw completion, everything is content */
    struct strbuf held;         /* text that may be the start of a stop string */
    struct strbuf content, reasoning;
    int stopped;             /* a stop string matched */
    int cancelled;           /* on_text asked to stop */
    int failed;              /* out of memory */
};

static int on_part(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    struct gen *g = ud;
    if (strbuf_add(part == PART_REASONING ? &g->reasoning : &g->content, text, len)) {
        g->failed = 1;
        return 1;
    }
    if (g->rq->on_text && g->rq->on_text(g->rq->ud, part, text, len))
        g->cancelled = 1;
    return g->cancelled;
}

static void to_split(struct gen *g, const char *text, size_t len)
{
    if (!len)
        return;
    if (g->do_split)
        reasoning_push(&g->split, text, len);
    else
        on_part(g, PART_CONTENT, text, len);
}

/* Length of the longest suffix of s[0..n-1] that begins some stop string. */
static size_t stop_prefix_tail(const struct session_request *rq, const char *s, size_t n)
{
    size_t best = 0;
    for (int k = 0; k < rq->n_stop; k++) {
        size_t sl = strlen(rq->stop[k]);
        for (size_t t = sl - 1 < n ? sl - 1 : n; t > best; t--)
            if (!memcmp(s + n - t, rq->stop[k], t)) {
                best = t;
                break;
            }
    }
    return best;
}

/* Decoded text in: pass on what cannot belong to a stop string. */
static void gen_text(struct gen *g, const char *text, size_t len)
{
    if (!g->rq->n_stop) {
        to_split(g, text, len);
        return;
    }
    if (strbuf_add(&g->held, text, len)) {
        g->failed = 1;
        return;
    }
    size_t cut = g->held.n;
    for (int k = 0; k < g->rq->n_stop; k++) {
        const char *hit = *g->rq->stop[k] ? strstr(g->held.p, g->rq->stop[k]) : NULL;
        if (hit && (size_t)(hit - g->held.p) < cut)
            cut = (size_t)(hit - g->held.p);
    }
    if (cut < g->held.n) {
        g->stopped = 1;
        to_split(g, g->held.p, cut);
        g->held.n = 0;
        return;
    }
    size_t keep = stop_prefix_tail(g->rq, g->held.p, g->held.n);
    to_split(g, g->held.p, g->held.n - keep);
    memmove(g->held.p, g->held.p + g->held.n - keep, keep);
    g->held.n = keep;
    g->held.p[keep] = 0;
}

static void gen_finish(struct gen *g)
{
    if (!g->stopped && g->held.n)
        to_split(g, g->held.p, g->held.n);
    g->held.n = 0;
    if (g->do_split)
        reasoning_finish(&g->split);
}

/* ---- the session ------------------------------------------------------------ */

struct session *session_new(const struct session_config *c)
{
    if (!c->model || !c->state || !c->tok) {
        err_set("session: model, forward state and tokenizer are required");
        return NULL;
    }
    if (tokenizer_n_vocab(c->tok) > (int)c->model->hp.n_vocab) {
        err_set("the tokenizer has %d tokens but the model only %u outputs", tokenizer_n_vocab(c->tok),
                c->model->hp.n_vocab);
        return NULL;
    }
    struct session *s = calloc(1, sizeof *s);
    if (!s) {
        err_errno("out of memory");
        return NULL;
    }
    s->model = c->model;
    s->tok = c->tok;
    s->render = c->render;
    s->render_ctx = c->render_ctx;
    s->eval = c->eval;
    s->eval_ctx = c->eval_ctx;
    s->logits = malloc((size_t)c->model->hp.n_vocab * sizeof *s->logits);
    if (!s->logits) {
        err_errno("out of memory");
        session_free(s);
        return NULL;
    }
    s->state = NULL;
    session_set_state(s, c->state);
    if (!s->cache) {
        session_free(s);
        return NULL;
    }
    return s;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    free(s->cache);
    free(s->logits);
    free(s);
}

void session_reset(struct session *s)
{
    s->n_cache = 0;
}

void session_set_state(struct session *s, struct forward_state *state)
{
    free(s->cache);
    s->state = state;
    s->n_cache = 0;
    s->cache = malloc((size_t)(state->n_ctx > 0 ? state->n_ctx : 1) * sizeof *s->cache);
    if (!s->cache)
        err_errno("out of memory");
}

struct forward_state *session_state(const struct session *s)
{
    return s->state;
}

int session_n_ctx(const struct session *s)
{
    return s->state->n_ctx;
}

uint64_t session_evaluated_total(const struct session *s)
{
    return s->evaluated;
}

int session_cached(const struct session *s, const int32_t **ids)
{
    if (ids)
        *ids = s->cache;
    return s->n_cache;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void notice(const struct session_request *rq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notice(const struct session_request *rq, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (!rq->on_notice)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rq->on_notice(rq->ud, msg);
}

static int cancelled(const struct session_request *rq)
{
    return rq->cancel && *rq->cancel;
}

/* Text to ids: specials parsed, BOS added once (when the template wrote none). */
static int tokenize(struct session *s, const char *text, int32_t **ids, int *n)
{
    size_t len = strlen(text), count;
    if (tokenizer_encode(s->tok, text, len, 0, 1, ids, &count) < 0)
        return -1;
    int32_t bos = tokenizer_bos(s->tok);
    if (tokenizer_add_bos(s->tok) && bos >= 0 && (count == 0 || (*ids)[0] != bos)) {
        int32_t *p = realloc(*ids, (count + 1) * sizeof *p);
        if (!p) {
            free(*ids);
            return err_errno("out of memory");
        }
        memmove(p + 1, p, count * sizeof *p);
        p[0] = bos;
        *ids = p;
        count++;
    }
    if (count > (size_t)s->state->n_ctx) {
        free(*ids);
        *ids = NULL;
        return err_set("the prompt is %zu tokens but the context holds %d: use a larger context size "
                       "(num_ctx) or a shorter prompt",
                       count, s->state->n_ctx);
    }
    *n = (int)count;
    return 0;
}

/* tokens[0..n-1] at pos.. into the cache; logits (NULL: none) of the last one. */
static int eval(struct session *s, const int32_t *tokens, int n, int pos, float *logits)
{
    if (s->eval)
        return s->eval(s->eval_ctx, s->state, tokens, n, pos, logits);
    return forward(s->state, tokens, n, pos, logits ? n - 1 : n, logits);
}

/* Evaluate ids[from..n-1] at their positions; logits of the last one. */
static int eval_prompt(struct session *s, const int32_t *ids, int from, int n, const struct session_request *rq,
                       int *interrupted)
{
    int batch = s->state->n_batch > 0 ? s->state->n_batch : 512;
    *interrupted = 0;
    for (int i = from; i < n; i += batch) {
        if (cancelled(rq)) {
            *interrupted = 1;
            return 0;
        }
        int m = n - i < batch ? n - i : batch;
        int last = i + m == n;
        if (eval(s, ids + i, m, i, last ? s->logits : NULL) < 0) {
            s->n_cache = i < s->n_cache ? i : s->n_cache;
            return -1;
        }
        memcpy(s->cache + i, ids + i, (size_t)m * sizeof *ids);
        s->n_cache = i + m;
        s->evaluated += (uint64_t)m;
    }
    return 0;
}

static int run_turn(struct session *s, const char *prompt, int32_t *ids, int n, int do_split,
                    const struct session_request *rq, struct session_result *r)
{
    struct gen g = { .rq = rq, .do_split = do_split };
    struct tokenizer_stream ts;
    struct sampler *smp = NULL;
    int rc = -1, interrupted = 0;

    if (n < 1)
        return err_set("the prompt is empty (no tokens) and the model has no BOS token to start from");
    if (rq->on_prompt)
        rq->on_prompt(rq->ud, prompt, ids, n);

    /* keep the common prefix; at least one token must be evaluated for logits */
    int keep = 0;
    while (keep < s->n_cache && keep < n && s->cache[keep] == ids[keep])
        keep++;
    if (keep == n)
        keep = n - 1;
    s->n_cache = keep;
    r->n_prompt = n;
    r->n_reused = keep;

    if (!(smp = sampler_new(&rq->sampling, (int)s->model->hp.n_vocab)))
        return -1;
    double t0 = now_s();
    if (eval_prompt(s, ids, keep, n, rq, &interrupted) < 0) {
        sampler_free(smp);
        return -1;
    }
    r->n_evaluated = s->n_cache - keep;
    r->t_prompt = now_s() - t0;
    if (interrupted) {
        sampler_free(smp);
        r->stop = STOP_CANCELLED;
        r->content = strdup("");
        r->reasoning = strdup("");
        return r->content && r->reasoning ? 0 : err_errno("out of memory");
    }

    int repeat_from = n - rq->sampling.repeat_last_n > 0 ? n - rq->sampling.repeat_last_n : 0;
    for (int i = repeat_from; i < n; i++)
        sampler_accept(smp, ids[i]);

    int starts_inside = do_split && reasoning_prompt_opens(prompt, strlen(prompt));
    reasoning_init(&g.split, starts_inside, on_part, &g);
    tokenizer_stream_init(&ts, s->tok, 0);
    if (rq->on_prompt_done)
        rq->on_prompt_done(rq->ud, starts_inside);

    t0 = now_s();
    int n_ctx = s->state->n_ctx;
    for (;;) {
        if (cancelled(rq) || g.cancelled) {
            r->stop = STOP_CANCELLED;
            break;
        }
        int tok = sampler_sample(smp, s->logits);
        sampler_accept(smp, tok);
        if (tokenizer_is_eog(s->tok, tok)) {
            r->stop = STOP_EOG;
            break;
        }
        r->n_generated++;
        size_t len;
        const char *text = tokenizer_stream_push(&ts, tok, &len);
        if (!text)
            goto out;
        gen_text(&g, text, len);
        if (g.failed)
            goto out;
        if (g.stopped) {
            r->stop = STOP_STRING;
            break;
        }
        if (g.cancelled) {
            r->stop = STOP_CANCELLED;
            break;
        }
        if (rq->n_predict > 0 && r->n_generated >= rq->n_predict) {
            r->stop = STOP_LENGTH;
            break;
        }
        if (s->n_cache >= n_ctx) {
            r->stop = STOP_CONTEXT;
            notice(rq, "the context is full (%d tokens): the answer was cut; /clear starts afresh, a larger "
                       "num_ctx gives more room",
                   n_ctx);
            break;
        }
        int32_t t32 = tok;
        if (eval(s, &t32, 1, s->n_cache, s->logits) < 0)
            goto out;
        s->cache[s->n_cache++] = t32;
        s->evaluated++;
    }
    if (r->stop != STOP_STRING) {
        size_t len;
        const char *text = tokenizer_stream_flush(&ts, &len);
        if (text)
            gen_text(&g, text, len);
    }
    gen_finish(&g);
    if (g.failed)
        goto out;
    r->t_generate = now_s() - t0;
    r->content = strbuf_take(&g.content);
    r->reasoning = strbuf_take(&g.reasoning);
    rc = r->content && r->reasoning ? 0 : err_errno("out of memory");
out:
    tokenizer_stream_free(&ts);
    sampler_free(smp);
    free(g.held.p);
    free(g.content.p);
    free(g.reasoning.p);
    return rc;
}

/* Index of the first message with role `role` at or after i, or -1. */
static int find_role(const cJSON *msgs, int i, const char *role)
{
    int n = cJSON_GetArraySize(msgs);
    for (; i < n; i++) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(msgs, i), "role");
        if (cJSON_IsString(r) && !strcmp(r->valuestring, role))
            return i;
    }
    return -1;
}

/*
 * Remove the oldest exchange that may go: the first user message and its
 * answer stay, so the oldest exchange after them (a user message up to the
 * next user message) goes, unless that would take the last message. The
 * number of messages removed, 0 when nothing may go.
 */
static int drop_oldest_turn(cJSON *msgs)
{
    int n = cJSON_GetArraySize(msgs);
    int first = find_role(msgs, 0, "user");
    if (first < 0)
        return 0;
    int from = find_role(msgs, first + 1, "user");
    if (from < 0)
        return 0;
    int to = find_role(msgs, from + 1, "user");
    if (to < 0)
        to = n;
    if (to >= n) /* the exchange still being answered */
        return 0;
    for (int i = to - 1; i >= from; i--)
        cJSON_DeleteItemFromArray(msgs, i);
    return to - from;
}

int session_chat(struct session *s, cJSON *messages, const struct session_request *rq, struct session_result *r)
{
    memset(r, 0, sizeof *r);
    if (!s->render)
        return err_set("this model has no chat template; use a raw prompt");
    if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0)
        return err_set("no messages to answer");
    if (!s->cache)
        return err_set("out of memory");

    int n_ctx = s->state->n_ctx;
    int reserve = rq->reserve;
    if (reserve <= 0) {
        reserve = rq->n_predict > 0 && rq->n_predict < 512 ? rq->n_predict : 512;
        if (reserve > n_ctx / 4)
            reserve = n_ctx / 4;
    }
    char *prompt = NULL;
    int32_t *ids = NULL;
    int n = 0;
    for (;;) {
        if (s->render(s->render_ctx, messages, 1, &prompt) < 0)
            return -1;
        size_t len = strlen(prompt), count;
        /* count first without the context check: an over-long prompt may still shrink */
        if (tokenizer_encode(s->tok, prompt, len, 0, 1, &ids, &count) < 0) {
            free(prompt);
            return -1;
        }
        free(ids);
        ids = NULL;
        if (count + 1 + (size_t)reserve <= (size_t)n_ctx)
            break;
        if (rq->no_drop) {
            free(prompt);
            return err_set("the prompt is %zu tokens but the context holds %d (with room for at least %d "
                           "token%s of answer): shorten the conversation",
                           count, n_ctx, reserve + 1, reserve ? "s" : "");
        }
        int dropped = drop_oldest_turn(messages);
        if (!dropped)
            break;
        r->n_dropped += dropped;
        free(prompt);
        prompt = NULL;
    }
    if (r->n_dropped)
        notice(rq, "dropped the %d oldest message%s to fit the context of %d tokens", r->n_dropped,
               r->n_dropped == 1 ? "" : "s", n_ctx);
    if (tokenize(s, prompt, &ids, &n) < 0) {
        free(prompt);
        return -1;
    }
    int rc = run_turn(s, prompt, ids, n, 1, rq, r);
    free(ids);
    free(prompt);
    if (rc < 0)
        session_result_free(r);
    return rc;
}

int session_complete(struct session *s, const char *text, const struct session_request *rq, struct session_result *r)
{
    int32_t *ids = NULL;
    int n = 0;
    memset(r, 0, sizeof *r);
    if (!s->cache)
        return err_set("out of memory");
    if (tokenize(s, text, &ids, &n) < 0)
        return -1;
    if (n == 0) {
        free(ids);
        return err_set("the prompt is empty and the model has no BOS token to start from");
    }
    int rc = run_turn(s, text, ids, n, 0, rq, r);
    free(ids);
    if (rc < 0)
        session_result_free(r);
    return rc;
}

void session_result_free(struct session_result *r)
{
    free(r->content);
    free(r->reasoning);
    r->content = r->reasoning = NULL;
}

int session_append_answer(cJSON *messages, const struct session_result *r)
{
    cJSON *m = cJSON_CreateObject();
    if (!m || !cJSON_AddStringToObject(m, "role", "assistant") ||
        !cJSON_AddStringToObject(m, "content", r->content ? r->content : "")) {
        cJSON_Delete(m);
        return err_errno("out of memory");
    }
    cJSON_AddItemToArray(messages, m);
    return 0;
}

int session_fold_system(cJSON *messages)
{
    int sys = find_role(messages, 0, "system");
    if (sys < 0 || find_role(messages, 0, "user") < 0)
        return 0;
    struct strbuf b = { 0 };
    for (int i = sys; i >= 0; i = find_role(messages, i, "system")) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(messages, i), "content");
        if (cJSON_IsString(c) && *c->valuestring) {
            if ((b.n && strbuf_add(&b, "\n\n", 2)) || strbuf_add(&b, c->valuestring, strlen(c->valuestring))) {
                free(b.p);
                return -1;
            }
        }
        cJSON_DeleteItemFromArray(messages, i);
    }
    int user = find_role(messages, 0, "user");
    if (b.n && user >= 0) {
        cJSON *m = cJSON_GetArrayItem(messages, user);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "content");
        const char *u = cJSON_IsString(c) ? c->valuestring : "";
        if (strbuf_add(&b, "\n\n", 2) || strbuf_add(&b, u, strlen(u))) {
            free(b.p);
            return -1;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(m, "content", cJSON_CreateString(b.p));
    }
    free(b.p);
    return 1;
}
