/*
 * run.h - `model run`: the one-shot answer (run.c, with or without the chat
 * template) and the interactive session (run-interactive.c) share this state.
 */
#ifndef CMD_RUN_H
#define CMD_RUN_H

#include <signal.h>

#include <cjson/cJSON.h>

#include "chat-display.h"
#include "model-open.h"
#include "../runtime/gen-params.h"
#include "../runtime/session.h"
#include "../runtime/session-template.h"
#include "../store/store.h"

struct run_chat {
    const char *model_arg;
    struct opened mo;
    struct tokenizer *tok;
    struct session *sess;
    struct session_template *tmpl;        /* NULL under --raw */
    struct gen_params params;
    struct chat_display disp;
    struct store_model sm;                /* when the model came from the store */
    int in_store;
    const char *kv_type;
    int n_batch;
    int ignore_memory_check;
    int verbose, verbose_prompt;
    int raw;
    int repeat_last_n;                    /* -1: the sampler's default */
    double load_s;
    char *system;                         /* system prompt (malloc'd) or NULL */
    int folded_notice_shown;
    int fold_forced;                      /* the template refused a system message: fold it */
    cJSON *conv;                          /* the conversation, without the system prompt */
    const char **stops;
    int n_stops;
    volatile sig_atomic_t *cancel;
};

/* `model run` unless --raw goes to the runtime's raw mode: the whole command. */

/* One assistant turn for the conversation (user message already appended).
 * Streams through the display; on a cancelled turn with no answer the
 * user message is taken back. Returns 0, or -1 after printing the error. */
int run_chat_turn(struct run_chat *rc, enum session_stop *stop);

/* Raw completion of text (no template). */
int run_raw(struct run_chat *rc, const char *text, enum session_stop *stop);

/* Rebuild the forward state for a new context size (/set parameter num_ctx). */
int run_chat_set_ctx(struct run_chat *rc, int n_ctx);

/* The interactive session (run-interactive.c). Returns the exit status. */
int run_interactive(struct run_chat *rc);

/* /show info's text (run-interactive.c uses it; `run --verbose` too). */
void run_chat_show_info(struct run_chat *rc, FILE *f);

#endif
