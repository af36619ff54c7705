/*
 * template.c - the model's chat template for the server (see template.h):
 * compiled once per loaded model with runtime/chat-template.h (the Jinja
 * interpreter) and applied per request with the request's tools, so a
 * template that shows tools to the model (Llama 3.1, Qwen, Hermes) gets
 * them, and role:tool messages and assistant tool_calls go through it as
 * the model was trained to read them. A model without a template gets the
 * runtime's default (ChatML), as `model run` does.
 */
#include "template.h"

#include <stdlib.h>

#include "../common/err.h"
#include "../runtime/chat-template.h"
#include "../runtime/tokenizer.h"

struct chat_tmpl {
    struct chat_template *t;
    char *bos, *eos;
    int reasoning;
};

struct chat_tmpl *chat_tmpl_new(const char *source, const struct tokenizer *tok)
{
    struct chat_tmpl *t = calloc(1, sizeof *t);
    if (!t)
        return err_set("out of memory"), NULL;
    const char *src = chat_template_or_default(source, NULL);
    t->reasoning = chat_template_family(src) == CHAT_FAMILY_DEEPSEEK_R1;
    if (!(t->t = chat_template_new(src)))
        goto fail;
    t->bos = tokenizer_token_strdup(tok, tokenizer_bos(tok));
    t->eos = tokenizer_token_strdup(tok, tokenizer_eos(tok));
    if (!t->bos || !t->eos) {
        err_set("out of memory");
        goto fail;
    }
    return t;
fail:
    chat_tmpl_free(t);
    return NULL;
}

void chat_tmpl_free(struct chat_tmpl *t)
{
    if (!t)
        return;
    chat_template_free(t->t);
    free(t->bos);
    free(t->eos);
    free(t);
}

int chat_tmpl_reasoning(const struct chat_tmpl *t)
{
    return t->reasoning;
}

int chat_tmpl_render(const struct chat_tmpl *t, const cJSON *messages, const cJSON *tools, int add_generation_prompt,
                     char **out)
{
    struct chat_render_opts o = { .bos_token = t->bos, .eos_token = t->eos,
                                  .add_generation_prompt = add_generation_prompt, .tools = tools };
    return (*out = chat_template_apply(t->t, messages, &o, NULL)) ? 0 : -1;
}
