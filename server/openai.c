/*
 * openai.c - OpenAI's endpoints (see openai.h). Shapes follow the OpenAI API
 * reference: chat.completion / chat.completion.chunk, text_completion,
 * usage, finish_reason stop | length | tool_calls; DeepSeek's API puts R1's
 * thinking in message.reasoning_content, and so does this.
 */
#include "openai.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/version.h"
#include "catalog.h"
#include "request.h"
#include "server.h"
#include "toolcall.h"
#include "../common/strbuf.h"

struct oa {
    int chat;
    char id[48];
    int64_t created;
    char *model;
    int include_usage;
    int stream;
    int sent_role;
    struct toolcall_parser *tp;       /* when tools are offered */
    struct strbuf content, reasoning;
    cJSON *body;                      /* the request: stop strings point into it */
    cJSON *messages;                  /* what the template gets */
};

static void oa_destroy(struct run *r)
{
    struct oa *a = r->api;
    if (!a)
        return;
    toolcall_free(a->tp);
    free(a->content.p);
    free(a->reasoning.p);
    free(a->model);
    cJSON_Delete(a->body);
    cJSON_Delete(a->messages);
    free(a);
}

static const char *finish_name(const struct run *r, int n_calls)
{
    if (n_calls)
        return "tool_calls";
    return r->job.res.finish == GEN_LENGTH ? "length" : "stop";
}

static cJSON *usage_json(const struct run *r)
{
    cJSON *u = cJSON_CreateObject();
    cJSON_AddNumberToObject(u, "prompt_tokens", r->job.res.prompt_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", r->job.res.completion_tokens);
    cJSON_AddNumberToObject(u, "total_tokens", r->job.res.prompt_tokens + r->job.res.completion_tokens);
    cJSON *d = cJSON_AddObjectToObject(u, "prompt_tokens_details");
    cJSON_AddNumberToObject(d, "cached_tokens", r->job.res.cached_tokens);
    return u;
}

static cJSON *envelope(const struct oa *a, const char *object)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "object", object);
    cJSON_AddNumberToObject(o, "created", (double)a->created);
    cJSON_AddStringToObject(o, "model", a->model);
    cJSON_AddStringToObject(o, "system_fingerprint", "model-" MODEL_VERSION);
    return o;
}

static cJSON *tool_calls_json(const struct tool_call *calls, int n, int with_index)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        if (with_index)
            cJSON_AddNumberToObject(c, "index", i);
        cJSON_AddStringToObject(c, "id", calls[i].id);
        cJSON_AddStringToObject(c, "type", "function");
        cJSON *f = cJSON_AddObjectToObject(c, "function");
        cJSON_AddStringToObject(f, "name", calls[i].name);
        cJSON_AddStringToObject(f, "arguments", calls[i].arguments);
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

/* The envelope of type object around its only choice, c (taken), to which
 * logprobs null and finish_reason (NULL: null) are added. */
static cJSON *with_choice(const struct oa *a, const char *object, cJSON *c, const char *finish)
{
    cJSON *o = envelope(a, object);
    cJSON_AddNullToObject(c, "logprobs");
    if (finish)
        cJSON_AddStringToObject(c, "finish_reason", finish);
    else
        cJSON_AddNullToObject(c, "finish_reason");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "choices"), c);
    return o;
}

/* with_choice() as one streamed event. */
static int send_choice(struct run *r, const char *object, cJSON *c, const char *finish)
{
    cJSON *o = with_choice(r->api, object, c, finish);
    int rc = sse_event(r->stream, o);
    cJSON_Delete(o);
    return rc;
}

/* One chat.completion.chunk with delta (taken) and finish_reason (NULL: null). */
static int send_chunk(struct run *r, cJSON *delta, const char *finish)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "index", 0);
    cJSON_AddItemToObject(c, "delta", delta);
    return send_choice(r, "chat.completion.chunk", c, finish);
}

static int send_text_delta(struct run *r, const char *key, const char *s, size_t n)
{
    struct oa *a = r->api;
    cJSON *d = cJSON_CreateObject();
    if (!a->sent_role) {
        cJSON_AddStringToObject(d, "role", "assistant");
        a->sent_role = 1;
    }
    if (key) {
        char *t = strndup(s, n);
        cJSON_AddStringToObject(d, key, t ? t : "");
        free(t);
    }
    return send_chunk(r, d, NULL);
}

static int send_completion_text(struct run *r, const char *s, size_t n, const char *finish)
{
    cJSON *c = cJSON_CreateObject();
    char *t = strndup(s, n);
    cJSON_AddStringToObject(c, "text", t ? t : "");
    free(t);
    cJSON_AddNumberToObject(c, "index", 0);
    return send_choice(r, "text_completion", c, finish);
}

static int oa_text(struct run *r, enum gen_channel ch, const char *s, size_t n)
{
    struct oa *a = r->api;
    if (!a->chat) {
        if (a->stream)
            return send_completion_text(r, s, n, NULL);
        return strbuf_add(&a->content, s, n);
    }
    if (ch == GEN_REASONING) {
        if (a->stream)
            return send_text_delta(r, "reasoning_content", s, n);
        return strbuf_add(&a->reasoning, s, n);
    }
    if (a->tp) {
        if (toolcall_feed(a->tp, s, n, &s, &n) < 0)
            return -1;
        if (n == 0)
            return 0;
    }
    if (a->stream)
        return send_text_delta(r, "content", s, n);
    return strbuf_add(&a->content, s, n);
}

static void send_error_event(struct run *r)
{
    cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "message", r->job.err);
    cJSON_AddStringToObject(e, "type", "server_error");
    cJSON_AddNullToObject(e, "code");
    sse_event(r->stream, o);
    cJSON_Delete(o);
}

/* The end of a stream (worker thread). */
static void oa_tail(struct run *r)
{
    struct oa *a = r->api;
    if (r->job.failed) {
        send_error_event(r);
        sse_done(r->stream);
        return;
    }
    if (!a->chat) {
        send_completion_text(r, "", 0, finish_name(r, 0));
    } else {
        struct tool_call *calls = NULL;
        int n_calls = 0;
        char *rest = NULL;
        if (a->tp && toolcall_finish(a->tp, &calls, &n_calls, &rest) < 0)
            n_calls = 0;
        if (!a->sent_role)
            send_text_delta(r, "content", "", 0);
        if (rest && *rest)
            send_text_delta(r, "content", rest, strlen(rest));
        if (n_calls) {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddItemToObject(d, "tool_calls", tool_calls_json(calls, n_calls, 1));
            send_chunk(r, d, NULL);
        }
        send_chunk(r, cJSON_CreateObject(), finish_name(r, n_calls));
        toolcall_calls_free(calls, n_calls);
        free(rest);
    }
    if (a->include_usage) {
        cJSON *o = envelope(a, a->chat ? "chat.completion.chunk" : "text_completion");
        cJSON_AddArrayToObject(o, "choices");
        cJSON_AddItemToObject(o, "usage", usage_json(r));
        sse_event(r->stream, o);
        cJSON_Delete(o);
    }
    sse_done(r->stream);
}

static struct http_reply chat_reply(struct run *r)
{
    struct oa *a = r->api;
    struct tool_call *calls = NULL;
    int n_calls = 0;
    char *rest = NULL;
    if (a->tp && toolcall_finish(a->tp, &calls, &n_calls, &rest) < 0)
        return http_error(500, "server_error", "out of memory");
    if (rest)
        strbuf_add(&a->content, rest, strlen(rest));
    free(rest);

    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "index", 0);
    cJSON *m = cJSON_AddObjectToObject(c, "message");
    cJSON_AddStringToObject(m, "role", "assistant");
    if (n_calls && a->content.n == 0)
        cJSON_AddNullToObject(m, "content");
    else
        cJSON_AddStringToObject(m, "content", a->content.p ? a->content.p : "");
    if (a->reasoning.n)
        cJSON_AddStringToObject(m, "reasoning_content", a->reasoning.p);
    if (n_calls)
        cJSON_AddItemToObject(m, "tool_calls", tool_calls_json(calls, n_calls, 0));
    cJSON *o = with_choice(a, "chat.completion", c, finish_name(r, n_calls));
    cJSON_AddItemToObject(o, "usage", usage_json(r));
    toolcall_calls_free(calls, n_calls);
    return http_json(200, o);
}

static struct http_reply completion_reply(struct run *r)
{
    struct oa *a = r->api;
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "text", a->content.p ? a->content.p : "");
    cJSON_AddNumberToObject(c, "index", 0);
    cJSON *o = with_choice(a, "text_completion", c, finish_name(r, 0));
    cJSON_AddItemToObject(o, "usage", usage_json(r));
    return http_json(200, o);
}

/* ---- request checking -------------------------------------------------------- */

/* Content as one string: a string, null, or an array of {"type":"text","text":...}. */
static int flat_content(const cJSON *c, cJSON **out, char *err, size_t n)
{
    if (!c || cJSON_IsNull(c)) {
        *out = cJSON_CreateNull();
        return 0;
    }
    if (cJSON_IsString(c)) {
        *out = cJSON_CreateString(c->valuestring);
        return 0;
    }
    if (!cJSON_IsArray(c)) {
        snprintf(err, n, "message content must be a string or an array of text parts");
        return -1;
    }
    struct strbuf t = { 0 };
    const cJSON *part;
    cJSON_ArrayForEach(part, c)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(part, "type");
        const cJSON *tx = cJSON_GetObjectItemCaseSensitive(part, "text");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "text") || !cJSON_IsString(tx)) {
            free(t.p);
            snprintf(err, n, "only text content parts are supported (this model takes no images or audio)");
            return -1;
        }
        strbuf_add(&t, tx->valuestring, strlen(tx->valuestring));
    }
    *out = cJSON_CreateString(t.p ? t.p : "");
    free(t.p);
    return 0;
}

cJSON *openai_messages(const cJSON *messages, char *err, size_t n)
{
    if (!cJSON_IsArray(messages) || cJSON_GetArraySize(messages) == 0) {
        snprintf(err, n, "'messages' must be a non-empty array");
        return NULL;
    }
    cJSON *out = cJSON_CreateArray();
    const cJSON *m;
    int i = 0;
    cJSON_ArrayForEach(m, messages)
    {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        if (!cJSON_IsObject(m) || !cJSON_IsString(role)) {
            snprintf(err, n, "messages[%d] needs a 'role'", i);
            goto bad;
        }
        const char *rs = role->valuestring;
        if (!strcmp(rs, "developer"))
            rs = "system";
        if (strcmp(rs, "system") && strcmp(rs, "user") && strcmp(rs, "assistant") && strcmp(rs, "tool")) {
            snprintf(err, n, "messages[%d]: unknown role '%s' (system, developer, user, assistant, tool)", i,
                     role->valuestring);
            goto bad;
        }
        cJSON *c = NULL;
        if (flat_content(cJSON_GetObjectItemCaseSensitive(m, "content"), &c, err, n) < 0)
            goto bad;
        const cJSON *calls = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
        int has_calls = cJSON_IsArray(calls) && cJSON_GetArraySize(calls) > 0;
        if (cJSON_IsNull(c) && strcmp(rs, "assistant")) {
            cJSON_Delete(c);
            snprintf(err, n, "messages[%d] (%s) needs 'content'", i, rs);
            goto bad;
        }
        if (cJSON_IsNull(c) && !has_calls) {
            cJSON_Delete(c);
            c = cJSON_CreateString("");
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "role", rs);
        cJSON_AddItemToObject(o, "content", c);
        const cJSON *v;
        if ((v = cJSON_GetObjectItemCaseSensitive(m, "name")) && cJSON_IsString(v))
            cJSON_AddStringToObject(o, "name", v->valuestring);
        if ((v = cJSON_GetObjectItemCaseSensitive(m, "tool_call_id")) && cJSON_IsString(v))
            cJSON_AddStringToObject(o, "tool_call_id", v->valuestring);
        if (has_calls) {
            cJSON *arr = cJSON_AddArrayToObject(o, "tool_calls");
            const cJSON *tc;
            int k = 0;
            cJSON_ArrayForEach(tc, calls)
            {
                const cJSON *f = cJSON_GetObjectItemCaseSensitive(tc, "function");
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
                const cJSON *args = cJSON_GetObjectItemCaseSensitive(f, "arguments");
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(tc, "id");
                if (!cJSON_IsObject(f) || !cJSON_IsString(name)) {
                    cJSON_AddItemToArray(out, o);
                    snprintf(err, n, "messages[%d].tool_calls[%d] needs function.name", i, k);
                    goto bad;
                }
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "id", cJSON_IsString(id) ? id->valuestring : "");
                cJSON_AddStringToObject(t, "type", "function");
                cJSON *ff = cJSON_AddObjectToObject(t, "function");
                cJSON_AddStringToObject(ff, "name", name->valuestring);
                if (cJSON_IsString(args)) {
                    cJSON_AddStringToObject(ff, "arguments", args->valuestring);
                } else {
                    char *s = args ? cJSON_PrintUnformatted(args) : NULL;
                    cJSON_AddStringToObject(ff, "arguments", s ? s : "{}");
                    free(s);
                }
                cJSON_AddItemToArray(arr, t);
                k++;
            }
        }
        cJSON_AddItemToArray(out, o);
        i++;
    }
    return out;
bad:
    cJSON_Delete(out);
    return NULL;
}

int openai_check_tools(const cJSON *tools, char *err, size_t n)
{
    if (!cJSON_IsArray(tools)) {
        snprintf(err, n, "'tools' must be an array");
        return -1;
    }
    const cJSON *t;
    int i = 0;
    cJSON_ArrayForEach(t, tools)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(t, "function");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "function") || !cJSON_IsString(name) ||
            !*name->valuestring) {
            snprintf(err, n, "tools[%d] must be {\"type\":\"function\",\"function\":{\"name\":...}}", i);
            return -1;
        }
        i++;
    }
    return 0;
}

/* ---- handlers ---------------------------------------------------------------- */

static cJSON *parse_body(const struct http_request *r, struct http_reply *err)
{
    cJSON *b = cJSON_ParseWithLength(r->body, r->body_len);
    if (!b || !cJSON_IsObject(b)) {
        cJSON_Delete(b);
        *err = http_error(400, "invalid_json", "the request body is not a JSON object");
        return NULL;
    }
    return b;
}

static struct http_reply generate(const struct http_request *hr, cJSON *body, int chat)
{
    char err[512];
    struct http_reply rep;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !*model->valuestring) {
        cJSON_Delete(body);
        return http_error(400, "invalid_parameter", "'model' is required (GET /v1/models lists them)");
    }
    struct run *r = malloc(sizeof *r);
    struct oa *a = calloc(1, sizeof *a);
    if (!r || !a) {
        free(r);
        free(a);
        cJSON_Delete(body);
        return http_error(500, "server_error", "out of memory");
    }
    run_init(r);
    r->api = a;
    r->text = oa_text;
    r->tail = oa_tail;
    r->destroy = oa_destroy;
    a->body = body;
    a->chat = chat;
    a->created = (int64_t)time(NULL);
    a->model = strdup(model->valuestring);
    random_id(chat ? "chatcmpl-" : "cmpl-", a->id, sizeof a->id);
    a->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "stream"));
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(body, "stream_options");
    a->include_usage = a->stream && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(so, "include_usage"));

    if (params_openai(body, &r->job.params, err, sizeof err) < 0) {
        rep = http_error(400, "invalid_parameter", "%s", err);
        goto out;
    }
    if (chat) {
        if (!(a->messages = openai_messages(cJSON_GetObjectItemCaseSensitive(body, "messages"), err, sizeof err))) {
            rep = http_error(400, "invalid_parameter", "%s", err);
            goto out;
        }
        r->job.in.messages = a->messages;
        const cJSON *tools = cJSON_GetObjectItemCaseSensitive(body, "tools");
        const cJSON *choice = cJSON_GetObjectItemCaseSensitive(body, "tool_choice");
        int none = cJSON_IsString(choice) && !strcmp(choice->valuestring, "none");
        if (tools && !cJSON_IsNull(tools)) {
            if (openai_check_tools(tools, err, sizeof err) < 0) {
                rep = http_error(400, "invalid_parameter", "%s", err);
                goto out;
            }
            if (!none && cJSON_GetArraySize(tools) > 0) {
                r->job.in.tools = tools;
                if (!(a->tp = toolcall_new())) {
                    rep = http_error(500, "server_error", "out of memory");
                    goto out;
                }
            }
        }
    } else {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "prompt");
        if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1)
            p = cJSON_GetArrayItem(p, 0);
        if (!cJSON_IsString(p)) {
            rep = http_error(400, "invalid_parameter", "'prompt' must be a string");
            goto out;
        }
        r->job.in.prompt = p->valuestring;
    }

    struct MHD_Response *resp;
    if (run_request(hr, model->valuestring, r, a->stream, "text/event-stream", &resp, &rep) < 0)
        goto out;
    if (a->stream)
        rep = (struct http_reply){ 200, resp };
    else
        rep = chat ? chat_reply(r) : completion_reply(r);
out:
    run_release(r);
    return rep;
}

struct http_reply openai_chat(const struct http_request *r)
{
    struct http_reply err;
    cJSON *body = parse_body(r, &err);
    return body ? generate(r, body, 1) : err;
}

struct http_reply openai_completions(const struct http_request *r)
{
    struct http_reply err;
    cJSON *body = parse_body(r, &err);
    return body ? generate(r, body, 0) : err;
}

static cJSON *model_json(const struct catalog_entry *e)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", e->name);
    cJSON_AddStringToObject(m, "object", "model");
    cJSON_AddNumberToObject(m, "created", (double)e->created);
    cJSON_AddStringToObject(m, "owned_by", "library");
    return m;
}

struct http_reply openai_models(const struct http_request *r)
{
    struct catalog_entry *e;
    size_t n;
    if (catalog_list(r->srv->catalog, &e, &n) < 0)
        return http_error(500, "server_error", "%s", err_msg());
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(data, model_json(&e[i]));
    catalog_entries_free(e, n);
    return http_json(200, o);
}

struct http_reply openai_model(const struct http_request *r)
{
    const char *name = r->path + strlen("/v1/models/");
    struct catalog_entry e;
    if (catalog_resolve(r->srv->catalog, name, &e) < 0)
        return http_error(404, "model_not_found", "%s", err_msg());
    cJSON *m = model_json(&e);
    cJSON_ReplaceItemInObject(m, "id", cJSON_CreateString(name));
    catalog_entry_free(&e);
    return http_json(200, m);
}
