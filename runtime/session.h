/*
 * session.h - a conversation with a loaded model: what `model run` and
 * `model serve` share.
 *
 * A session holds the model's forward state (and so its KV cache), the
 * tokenizer and the chat template, and remembers which tokens the cache
 * holds. Each request hands it the whole message list; it renders the list
 * through the template, tokenizes the result (special tokens parsed, BOS
 * added only when the tokenizer wants one and the template did not write
 * it), keeps the cached tokens up to the longest common prefix with the new
 * prompt, evaluates only the tokens after it, and generates:
 *
 *     struct session_config c = { .model = m, .state = fs, .tok = tok,
 *                                 .render = my_render, .render_ctx = tmpl };
 *     struct session *s = session_new(&c);
 *     cJSON *msgs = cJSON_Parse("[{\"role\":\"user\",\"content\":\"Hi\"}]");
 *     struct session_request rq = { .n_predict = 256, .on_text = print, .ud = f };
 *     gen_params_sampler(&params, &rq.sampling);
 *     struct session_result r;
 *     if (session_chat(s, msgs, &rq, &r) < 0) ... err_msg()
 *     // r.content: the answer; r.reasoning: the <think> text; r.stop: why it ended
 *     session_append_answer(msgs, &r);    // for the next turn (reasoning left out)
 *     session_result_free(&r);
 *
 * Generation stops at an end-of-generation token (never shown, never kept in
 * the cache), after n_predict tokens, at a stop string (cut from the text),
 * when the context is full, or when cancelled: *rq.cancel set (a signal
 * handler may set it: it is checked before every token and between prompt
 * batches) or on_text returning non-zero (a client gone).
 *
 * Text streams through on_text in whole UTF-8 characters, already split into
 * reasoning and answer (reasoning.h): when the rendered prompt leaves a
 * <think> block open (DeepSeek-R1), generation starts inside the reasoning.
 *
 * When the prompt would not leave room to answer (see session_chat), the
 * oldest turns are removed from msgs - whole user/assistant exchanges after
 * the first user message, which always stays, as do system messages and the
 * last message - and on_notice says so. Nothing is cut silently: a prompt
 * that does not fit even then is an error.
 *
 * One session serves one conversation at a time (not thread-safe); serve
 * keeps one per slot, and the longest-common-prefix reuse makes switching
 * between clients' conversations cost only the tokens that differ. Its
 * slots' sessions share one evaluation function (session_config.eval) that
 * evaluates their tokens together in one forward_multi pass.
 */
#ifndef RUNTIME_SESSION_H
#define RUNTIME_SESSION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "forward.h"
#include "reasoning.h"
#include "sampler.h"

struct tokenizer;

/*
 * Render messages (a cJSON array of {"role","content",...}) with
 * add_generation_prompt into a malloc'd NUL-terminated *out. -1 with err set
 * (a template error, e.g. raise_exception). Bound to the chat template layer
 * by session-template.c; tests may give their own.
 */
typedef int (*session_render_fn)(void *ctx, const cJSON *messages, int add_generation_prompt, char **out);

struct session_config {
    const struct model *model;           /* borrowed: outlives the session */
    struct forward_state *state;         /* borrowed; its n_ctx is the context size */
    const struct tokenizer *tok;         /* borrowed */
    session_render_fn render;            /* NULL: session_chat is refused (session_complete works) */
    void *render_ctx;
    /*
     * Evaluates tokens[0..n-1] at positions pos.. into state's cache, the
     * logits of the last one into logits (n_vocab; NULL: none wanted): prompt
     * batches and each generated token. A server batching several sessions
     * into one forward_multi pass sets it; NULL: forward() on state. 0, or
     * -1 with err set.
     */
    int (*eval)(void *ctx, struct forward_state *state, const int32_t *tokens, int n, int pos, float *logits);
    void *eval_ctx;
};

enum session_stop {
    STOP_EOG,         /* the model ended its turn */
    STOP_LENGTH,      /* n_predict tokens */
    STOP_STRING,      /* a stop string */
    STOP_CONTEXT,     /* the context is full */
    STOP_CANCELLED,   /* *cancel or on_text said stop */
};

struct session_request {
    struct sampler_params sampling;
    int n_predict;                       /* <= 0: until EOG or the context is full */
    const char *const *stop;             /* stop strings (n_stop), cut from the output */
    int n_stop;
    int reserve;                         /* tokens to keep free for the answer when dropping turns;
                                            0: min(n_predict or 512, n_ctx / 4) */
    int no_drop;                         /* never drop turns (a server's client decides what to cut):
                                            a prompt that leaves no room to answer is an error */
    volatile sig_atomic_t *cancel;       /* may be NULL */
    /* Streamed text; non-zero return cancels. May be NULL. */
    int (*on_text)(void *ud, enum reasoning_part part, const char *text, size_t len);
    /* One-line notices for the user (turns dropped, context full). May be NULL. */
    void (*on_notice)(void *ud, const char *msg);
    /* The exact prompt and its tokens, before evaluation (--verbose-prompt). May be NULL. */
    void (*on_prompt)(void *ud, const char *text, const int32_t *ids, int n);
    /* Called once the prompt is evaluated, before the first token (the thinking marker). May be NULL. */
    void (*on_prompt_done)(void *ud, int starts_in_reasoning);
    void *ud;
};

struct session_result {
    enum session_stop stop;
    char *content;                       /* the answer (malloc'd, NUL-terminated) */
    char *reasoning;                     /* the reasoning, "" when none */
    int n_prompt;                        /* tokens of the rendered prompt */
    int n_reused;                        /* of which taken from the KV cache */
    int n_evaluated;                     /* prompt tokens evaluated now (n_prompt - n_reused) */
    int n_generated;                     /* tokens generated (the final EOG not counted) */
    int n_dropped;                       /* messages removed from the list to fit the context */
    double t_prompt;                     /* seconds evaluating the prompt */
    double t_generate;                   /* seconds generating (sampling and evaluation) */
};

struct session *session_new(const struct session_config *c);
void session_free(struct session *s);

/*
 * One assistant turn for the conversation messages (modified only to drop
 * old turns, see above). 0 on success (whatever the stop reason; r filled
 * and to be freed with session_result_free), -1 with err set on failure
 * (template, tokenizer or runtime error; prompt too long).
 */
int session_chat(struct session *s, cJSON *messages, const struct session_request *rq, struct session_result *r);

/*
 * Raw completion: text as the prompt, no template (`run --raw`). BOS is
 * added when the tokenizer asks for it; special tokens are parsed. Output is
 * not split into reasoning (everything is content).
 */
int session_complete(struct session *s, const char *text, const struct session_request *rq, struct session_result *r);

void session_result_free(struct session_result *r);

/* Append {"role":"assistant","content": r->content} to messages (reasoning left out). */
int session_append_answer(cJSON *messages, const struct session_result *r);

/* Forget what the cache holds (the next turn evaluates everything). */
void session_reset(struct session *s);
/* Use a new forward state (another context size): the cache starts empty. */
void session_set_state(struct session *s, struct forward_state *state);
struct forward_state *session_state(const struct session *s);
int session_n_ctx(const struct session *s);

/* Tokens evaluated by this session since it was created: prompt and generated. */
uint64_t session_evaluated_total(const struct session *s);
/* Tokens the KV cache holds now (positions 0..n-1). */
int session_cached(const struct session *s, const int32_t **ids);

/*
 * Fold a system message into the first user turn (for models trained
 * without one, DeepSeek-R1): its text goes before the user's, separated by
 * a blank line, and the system message is removed. 1 when something was
 * folded, 0 when there was no system message.
 */
int session_fold_system(cJSON *messages);

#endif
