/*
 * template.c - chat templates for the server (see template.h).
 *
 * Until the Jinja interpreter is merged, this renders the one template
 * family the fixtures and the target model use, DeepSeek-R1-Distill's,
 * following its Jinja source statement by statement (distribution-and-
 * peers.md 6.4), quirks included: only the last system message counts,
 * earlier answers lose their reasoning, tool calls and tool outputs get
 * R1's markup, and no generation prompt follows tool outputs. Other
 * templates are refused with a message saying why.
 */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../runtime/tokenizer.h"

struct chat_tmpl {
    char *bos;
    int r1;
};

struct chat_tmpl *chat_tmpl_new(const char *source, const struct tokenizer *tok)
{
    struct chat_tmpl *t = calloc(1, sizeof *t);
    if (!t)
        return err_set("out of memory"), NULL;
    t->r1 = strstr(source, "<｜User｜>") && strstr(source, "<｜Assistant｜>");
    if (!t->r1) {
        free(t);
        return err_set("this model's chat template needs the Jinja interpreter, which this build lacks; "
                       "/v1/completions with a raw prompt works"), NULL;
    }
    int32_t bos = tokenizer_bos(tok);
    size_t n = 0;
    const char *text = bos >= 0 ? tokenizer_token_text(tok, bos, &n) : NULL;
    if (!(t->bos = text ? strndup(text, n) : strdup(""))) {
        free(t);
        return err_set("out of memory"), NULL;
    }
    return t;
}

void chat_tmpl_free(struct chat_tmpl *t)
{
    if (!t)
        return;
    free(t->bos);
    free(t);
}

int chat_tmpl_reasoning(const struct chat_tmpl *t)
{
    return t->r1;
}

struct sb {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct sb *b, const char *s)
{
    size_t k = strlen(s);
    if (b->oom)
        return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->n + k + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, k + 1);
    b->n += k;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put_call(struct sb *b, const cJSON *call)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(call, "function");
    const char *type = str(call, "type"), *name = str(f, "name"), *args = str(f, "arguments");
    put(b, "<｜tool▁call▁begin｜>");
    put(b, type ? type : "function");
    put(b, "<｜tool▁sep｜>");
    put(b, name ? name : "");
    put(b, "\n```json\n");
    put(b, args ? args : "{}");
    put(b, "\n```<｜tool▁call▁end｜>");
}

int chat_tmpl_render(const struct chat_tmpl *t, const cJSON *messages, const cJSON *tools, int add_generation_prompt,
                     char **out)
{
    struct sb b = { 0 };
    const cJSON *m;
    const char *system = "";
    int is_first = 0, is_tool = 0, is_output_first = 1;
    (void)tools; /* R1's template does not show the tools to the model */

    cJSON_ArrayForEach(m, messages)
    {
        const char *role = str(m, "role"), *c = str(m, "content");
        if (role && !strcmp(role, "system"))
            system = c ? c : "";
    }
    put(&b, t->bos);
    put(&b, system);
    cJSON_ArrayForEach(m, messages)
    {
        const char *role = str(m, "role");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        const char *c = cJSON_IsString(content) ? content->valuestring : NULL;
        if (!role)
            continue;
        if (!strcmp(role, "user")) {
            is_tool = 0;
            put(&b, "<｜User｜>");
            put(&b, c ? c : "");
        }
        if (!strcmp(role, "assistant") && !c) {
            const cJSON *call;
            is_tool = 0;
            cJSON_ArrayForEach(call, cJSON_GetObjectItemCaseSensitive(m, "tool_calls"))
            {
                if (!is_first) {
                    put(&b, "<｜Assistant｜><｜tool▁calls▁begin｜>");
                    put_call(&b, call);
                    is_first = 1;
                } else {
                    put(&b, "\n");
                    put_call(&b, call);
                    put(&b, "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>");
                }
            }
        }
        if (!strcmp(role, "assistant") && c) {
            if (is_tool) {
                put(&b, "<｜tool▁outputs▁end｜>");
                put(&b, c);
                put(&b, "<｜end▁of▁sentence｜>");
                is_tool = 0;
            } else {
                const char *after = c, *p;
                while ((p = strstr(after, "</think>")))
                    after = p + strlen("</think>");
                put(&b, "<｜Assistant｜>");
                put(&b, after);
                put(&b, "<｜end▁of▁sentence｜>");
            }
        }
        if (!strcmp(role, "tool")) {
            is_tool = 1;
            put(&b, is_output_first ? "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>" : "\n<｜tool▁output▁begin｜>");
            put(&b, c ? c : "");
            put(&b, "<｜tool▁output▁end｜>");
            is_output_first = 0;
        }
    }
    if (is_tool)
        put(&b, "<｜tool▁outputs▁end｜>");
    if (add_generation_prompt && !is_tool)
        put(&b, "<｜Assistant｜><think>\n");
    if (b.oom || !b.p) {
        free(b.p);
        return err_set("out of memory");
    }
    *out = b.p;
    return 0;
}
