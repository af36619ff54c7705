/*
 * session-template.c - the chat template a session renders with (see
 * session-template.h): compiled once, applied per turn with the model's own
 * BOS and EOS texts so that templates writing {{ bos_token }} produce the
 * token the tokenizer then recognises.
 */
#include "session-template.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "chat-template.h"
#include "gguf.h"
#include "tokenizer.h"

struct session_template {
    struct chat_template *t;
    char *source;
    char *bos, *eos;
    int think;               /* -1: enable_thinking left undefined */
};

struct session_template *session_template_new(const char *source, const struct gguf *g,
                                              const struct tokenizer *tok, const char **notice)
{
    char *from_gguf = NULL;
    struct gguf_str s;
    if (notice)
        *notice = NULL;
    if ((!source || !*source) && g && gguf_get_str(g, "tokenizer.chat_template", &s) == 0)
        source = from_gguf = gguf_strdup(s);
    err_clear();
    const char *src = chat_template_or_default(source, notice);

    struct session_template *t = calloc(1, sizeof *t);
    if (!t || !(t->source = strdup(src))) {
        free(t);
        free(from_gguf);
        err_errno("out of memory");
        return NULL;
    }
    free(from_gguf);
    t->think = -1;
    t->bos = tokenizer_token_strdup(tok, tokenizer_bos(tok));
    t->eos = tokenizer_token_strdup(tok, tokenizer_eos(tok));
    if (!t->bos || !t->eos || !(t->t = chat_template_new(t->source))) {
        if (!t->bos || !t->eos)
            err_errno("out of memory");
        session_template_free(t);
        return NULL;
    }
    return t;
}

void session_template_free(struct session_template *t)
{
    if (!t)
        return;
    chat_template_free(t->t);
    free(t->source);
    free(t->bos);
    free(t->eos);
    free(t);
}

int session_template_render(void *ctx, const cJSON *messages, int add_generation_prompt, char **out)
{
    struct session_template *t = ctx;
    cJSON *extra = NULL;
    struct chat_render_opts o = { .bos_token = t->bos, .eos_token = t->eos,
                                  .add_generation_prompt = add_generation_prompt };
    if (t->think >= 0) {
        if (!(extra = cJSON_CreateObject()) || !cJSON_AddBoolToObject(extra, "enable_thinking", t->think)) {
            cJSON_Delete(extra);
            return err_errno("out of memory");
        }
        o.extra = extra;
    }
    *out = chat_template_apply(t->t, messages, &o, NULL);
    cJSON_Delete(extra);
    return *out ? 0 : -1;
}

void session_template_set_thinking(struct session_template *t, int think)
{
    t->think = think < 0 ? -1 : !!think;
}

const char *session_template_source(const struct session_template *t)
{
    return t->source;
}
