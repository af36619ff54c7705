/*
 * template.h - the chat template as the server uses it: messages and tools
 * in, prompt text out. A thin adapter so that engine.c does not change when
 * the template layer underneath does.
 */
#ifndef SERVER_TEMPLATE_H
#define SERVER_TEMPLATE_H

#include <cjson/cJSON.h>

struct tokenizer;
struct chat_tmpl;

/* NULL with err set when the template cannot be used. */
struct chat_tmpl *chat_tmpl_new(const char *source, const struct tokenizer *tok);
void chat_tmpl_free(struct chat_tmpl *t);
/* Render messages (and tools, may be NULL) into a malloc'd *out. -1 with err set. */
int chat_tmpl_render(const struct chat_tmpl *t, const cJSON *messages, const cJSON *tools, int add_generation_prompt,
                     char **out);
/* 1 when the template opens a reasoning block for the answer (DeepSeek-R1). */
int chat_tmpl_reasoning(const struct chat_tmpl *t);

#endif
