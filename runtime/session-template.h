/*
 * session-template.h - binds a session to the chat template layer: picks the
 * template (the artifact's template layer, else the GGUF's
 * tokenizer.chat_template, else the ChatML default with a notice) and
 * renders messages with the model's BOS/EOS texts.
 */
#ifndef RUNTIME_SESSION_TEMPLATE_H
#define RUNTIME_SESSION_TEMPLATE_H

#include <cjson/cJSON.h>

struct gguf;
struct tokenizer;
struct session_template;

/*
 * source: the template text to use (the artifact's), or NULL for the GGUF's
 * own. *notice (may be NULL) receives a static one-line message when the
 * default was used. NULL with err set on a template that does not compile.
 */
struct session_template *session_template_new(const char *source, const struct gguf *g,
                                              const struct tokenizer *tok, const char **notice);
void session_template_free(struct session_template *t);

/* A session_render_fn: ctx is the struct session_template. */
int session_template_render(void *ctx, const cJSON *messages, int add_generation_prompt, char **out);

/* Ask templates that honour it (Qwen3's `enable_thinking`) not to think:
 * think 0 renders with enable_thinking=false, 1 with true, -1 (the default)
 * leaves the variable undefined. Templates that ignore it (DeepSeek-R1's)
 * think anyway; the caller then hides the reasoning. */
void session_template_set_thinking(struct session_template *t, int think);

/* The template text in use (for family detection and /show). */
const char *session_template_source(const struct session_template *t);

#endif
