/*
 * chat-template.c - the chat layer over the Jinja interpreter: builds the
 * variables transformers passes to a chat template, supplies the ChatML
 * default for models without one, and names a template's format family.
 */
#include "chat-template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "gguf.h"
#include "jinja.h"

struct chat_template {
    struct jinja_template *t;
};

/* Kept byte for byte equal to tests/data/templates/chatml.jinja (a test checks). */
static const char default_template[] =
    "{%- for message in messages -%}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' -}}\n"
    "{%- if message['content'] is string -%}\n"
    "{{- message['content'] -}}\n"
    "{%- elif message['content'] is iterable -%}\n"
    "{%- for part in message['content'] -%}\n"
    "{%- if part['type'] == 'text' -%}{{- part['text'] -}}{%- endif -%}\n"
    "{%- endfor -%}\n"
    "{%- endif -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}\n"
    "{{- '<|im_start|>assistant\\n' -}}\n"
    "{%- endif -%}\n";

const char *chat_template_default(void) { return default_template; }

const char *chat_template_or_default(const char *source, const char **notice)
{
    int empty = 1;
    for (const char *p = source; p && *p && empty; p++)
        empty = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    if (!empty) {
        if (notice)
            *notice = NULL;
        return source;
    }
    if (notice)
        *notice = "the model has no chat template (tokenizer.chat_template); using the default ChatML format";
    return default_template;
}

struct chat_template *chat_template_new(const char *source)
{
    if (!source) {
        err_set("chat template: no template source");
        return NULL;
    }
    struct chat_template *ct = calloc(1, sizeof(*ct));
    if (!ct) {
        err_set("chat template: out of memory");
        return NULL;
    }
    ct->t = jinja_compile(source, strlen(source), NULL);
    if (!ct->t) {
        err_prefix("chat template");
        free(ct);
        return NULL;
    }
    return ct;
}

void chat_template_free(struct chat_template *ct)
{
    if (!ct)
        return;
    jinja_free(ct->t);
    free(ct);
}

static int is_reserved(const char *k)
{
    static const char *const names[] = { "messages", "tools", "documents", "add_generation_prompt",
                                         "bos_token", "eos_token", NULL };
    for (int i = 0; names[i]; i++)
        if (!strcmp(k, names[i]))
            return 1;
    return 0;
}

char *chat_template_apply(const struct chat_template *ct, const cJSON *messages, const struct chat_render_opts *o,
                          size_t *len)
{
    static const struct chat_render_opts none = { 0 };
    if (!o)
        o = &none;
    if (!ct) {
        err_set("chat template: not compiled");
        return NULL;
    }
    if (!cJSON_IsArray(messages)) {
        err_set("chat template: messages must be a JSON array");
        return NULL;
    }
    if (o->tools && !cJSON_IsArray(o->tools) && !cJSON_IsNull(o->tools)) {
        err_set("chat template: tools must be a JSON array");
        return NULL;
    }
    if (o->extra && !cJSON_IsObject(o->extra)) {
        err_set("chat template: extra variables must be a JSON object");
        return NULL;
    }
    /* The variables object borrows the caller's JSON (cJSON references),
     * so nothing large is copied. */
    cJSON *vars = cJSON_CreateObject();
    int ok = vars != NULL;
    ok = ok && cJSON_AddItemToObject(vars, "messages", cJSON_CreateArrayReference(messages->child));
    if (ok && o->tools && cJSON_IsArray(o->tools))
        ok = cJSON_AddItemToObject(vars, "tools", cJSON_CreateArrayReference(o->tools->child));
    else if (ok)
        ok = cJSON_AddNullToObject(vars, "tools") != NULL;
    ok = ok && cJSON_AddNullToObject(vars, "documents") != NULL;
    ok = ok && cJSON_AddBoolToObject(vars, "add_generation_prompt", o->add_generation_prompt != 0) != NULL;
    ok = ok && cJSON_AddStringToObject(vars, "bos_token", o->bos_token ? o->bos_token : "") != NULL;
    ok = ok && cJSON_AddStringToObject(vars, "eos_token", o->eos_token ? o->eos_token : "") != NULL;
    for (const cJSON *e = o->extra ? o->extra->child : NULL; ok && e; e = e->next) {
        if (!e->string || is_reserved(e->string))
            continue;
        cJSON *ref = cJSON_IsArray(e) ? cJSON_CreateArrayReference(e->child)
                   : cJSON_IsObject(e) ? cJSON_CreateObjectReference(e->child)
                   : cJSON_Duplicate(e, 0);
        ok = ref && cJSON_AddItemToObject(vars, e->string, ref);
    }
    if (!ok) {
        cJSON_Delete(vars);
        err_set("chat template: out of memory");
        return NULL;
    }
    struct jinja_render_opts ro = { .now = o->now, .max_output = o->max_output };
    char *out = jinja_render(ct->t, vars, &ro, len);
    cJSON_Delete(vars);
    if (!out)
        err_prefix("chat template");
    return out;
}

char *chat_template_render(const char *source, const cJSON *messages, const struct chat_render_opts *o)
{
    struct chat_template *ct = chat_template_new(source);
    if (!ct)
        return NULL;
    char *out = chat_template_apply(ct, messages, o, NULL);
    chat_template_free(ct);
    return out;
}

enum chat_family chat_template_family(const char *s)
{
    if (!s)
        return CHAT_FAMILY_UNKNOWN;
    if (strstr(s, "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>") && strstr(s, "<think>"))
        return CHAT_FAMILY_DEEPSEEK_R1;
    if (strstr(s, "<|start_header_id|>"))
        return CHAT_FAMILY_LLAMA3;
    if (strstr(s, "<|im_sep|>") || (strstr(s, "<|end|>") && (strstr(s, "<|user|>") || strstr(s, "'<|' + message['role']"))))
        return CHAT_FAMILY_PHI;
    if (strstr(s, "<|im_start|>"))
        return CHAT_FAMILY_CHATML;
    if (strstr(s, "<start_of_turn>"))
        return CHAT_FAMILY_GEMMA;
    if (strstr(s, "[INST]"))
        return CHAT_FAMILY_MISTRAL;
    return CHAT_FAMILY_UNKNOWN;
}

const char *chat_family_name(enum chat_family f)
{
    switch (f) {
    case CHAT_FAMILY_DEEPSEEK_R1: return "deepseek-r1";
    case CHAT_FAMILY_LLAMA3: return "llama3";
    case CHAT_FAMILY_CHATML: return "chatml";
    case CHAT_FAMILY_MISTRAL: return "mistral";
    case CHAT_FAMILY_GEMMA: return "gemma";
    case CHAT_FAMILY_PHI: return "phi";
    default: return "unknown";
    }
}

char *chat_template_from_gguf(const struct gguf *g, const char *name)
{
    char key[256];
    if (name && *name)
        snprintf(key, sizeof key, "tokenizer.chat_template.%s", name);
    else
        snprintf(key, sizeof key, "tokenizer.chat_template");
    struct gguf_str s;
    int r = gguf_get_str(g, key, &s);
    if (r != 0) {
        if (r > 0)
            err_set("the model has no %s", key);
        return NULL;
    }
    char *out = gguf_strdup(s);
    if (!out)
        err_set("out of memory reading %s", key);
    return out;
}

static int token_text(const struct gguf *g, const struct gguf_array *toks, const char *key, char **out)
{
    uint32_t id;
    *out = NULL;
    int r = gguf_get_u32(g, key, &id);
    if (r < 0)
        return -1;
    if (r > 0 || !toks) {
        *out = strdup("");
    } else {
        if (id >= toks->n)
            return err_set("%s = %u is past the end of tokenizer.ggml.tokens (%llu tokens)", key, id,
                           (unsigned long long)toks->n);
        *out = gguf_strdup(toks->strs[id]);
    }
    if (!*out)
        return err_set("out of memory reading %s", key);
    return 0;
}

int chat_special_tokens_from_gguf(const struct gguf *g, char **bos, char **eos)
{
    const struct gguf_array *toks = NULL;
    *bos = *eos = NULL;
    if (gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_STRING, &toks) < 0)
        return -1;
    if (token_text(g, toks, "tokenizer.ggml.bos_token_id", bos) < 0 ||
        token_text(g, toks, "tokenizer.ggml.eos_token_id", eos) < 0) {
        free(*bos);
        free(*eos);
        *bos = *eos = NULL;
        return -1;
    }
    return 0;
}
