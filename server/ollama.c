/*
 * ollama.c - Ollama's endpoints (see ollama.h), in the shapes of Ollama's
 * docs/api.md: message.content / response, message.thinking for reasoning,
 * tool_calls with arguments as an object, done / done_reason and the
 * token counts (prompt_eval_count, eval_count) with durations in ns.
 */
#include "ollama.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "../common/version.h"
#include "../runtime/chat-template.h"
#include "../runtime/gguf.h"
#include "catalog.h"
#include "openai.h"
#include "request.h"
#include "scheduler.h"
#include "server.h"
#include "toolcall.h"

struct ol {
    int chat;
    int stream;
    char *model;
    struct timespec t0;
    struct toolcall_parser *tp;
    struct strbuf content, thinking; /* the whole answer, when not streaming */
    cJSON *body, *messages;
};

static int64_t elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)(t.tv_sec - t0->tv_sec) * 1000000000 + (t.tv_nsec - t0->tv_nsec);
}

static void rfc3339(int64_t ms, char *buf, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03dZ", (int)(ms % 1000));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ol_destroy(struct run *r)
{
    struct ol *o = r->api;
    if (!o)
        return;
    toolcall_free(o->tp);
    free(o->content.p);
    free(o->thinking.p);
    free(o->model);
    cJSON_Delete(o->body);
    cJSON_Delete(o->messages);
    free(o);
}

static cJSON *head(const struct ol *o)
{
    char ts[64];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "model", o->model);
    rfc3339(now_ms(), ts, sizeof ts);
    cJSON_AddStringToObject(j, "created_at", ts);
    return j;
}

/* A chunk (or the whole answer): content / thinking / tool calls. */
static cJSON *piece(const struct ol *o, const char *content, size_t n, const char *thinking, size_t tn,
                    const struct tool_call *calls, int n_calls, int done)
{
    cJSON *j = head(o);
    char *c = strndup(content ? content : "", content ? n : 0);
    if (o->chat) {
        cJSON *m = cJSON_AddObjectToObject(j, "message");
        cJSON_AddStringToObject(m, "role", "assistant");
        cJSON_AddStringToObject(m, "content", c ? c : "");
        if (thinking && tn) {
            char *t = strndup(thinking, tn);
            cJSON_AddStringToObject(m, "thinking", t ? t : "");
            free(t);
        }
        if (n_calls) {
            cJSON *arr = cJSON_AddArrayToObject(m, "tool_calls");
            for (int i = 0; i < n_calls; i++) {
                cJSON *tc = cJSON_CreateObject(), *f = cJSON_AddObjectToObject(tc, "function");
                cJSON_AddStringToObject(f, "name", calls[i].name);
                cJSON *args = cJSON_Parse(calls[i].arguments);
                cJSON_AddItemToObject(f, "arguments", args ? args : cJSON_CreateObject());
                cJSON_AddItemToArray(arr, tc);
            }
        }
    } else {
        cJSON_AddStringToObject(j, "response", c ? c : "");
        if (thinking && tn) {
            char *t = strndup(thinking, tn);
            cJSON_AddStringToObject(j, "thinking", t ? t : "");
            free(t);
        }
    }
    free(c);
    cJSON_AddBoolToObject(j, "done", done);
    return j;
}

static void add_totals(const struct run *r, cJSON *j, int n_calls)
{
    const struct ol *o = r->api;
    int64_t total = elapsed_ns(&o->t0);
    (void)n_calls;
    cJSON_AddStringToObject(j, "done_reason", r->job.res.finish == GEN_LENGTH ? "length" : "stop");
    cJSON_AddNumberToObject(j, "total_duration", (double)total);
    cJSON_AddNumberToObject(j, "load_duration", 0);
    cJSON_AddNumberToObject(j, "prompt_eval_count", r->job.res.prompt_tokens);
    cJSON_AddNumberToObject(j, "eval_count", r->job.res.completion_tokens);
    cJSON_AddNumberToObject(j, "eval_duration", (double)total);
}

static int ol_text(struct run *r, enum gen_channel ch, const char *s, size_t n)
{
    struct ol *o = r->api;
    if (ch == GEN_REASONING) {
        if (!o->stream)
            return strbuf_add(&o->thinking, s, n);
        cJSON *j = piece(o, "", 0, s, n, NULL, 0, 0);
        int rc = ndjson_line(r->stream, j);
        cJSON_Delete(j);
        return rc;
    }
    if (o->tp) {
        if (toolcall_feed(o->tp, s, n, &s, &n) < 0)
            return -1;
        if (!n)
            return 0;
    }
    if (!o->stream)
        return strbuf_add(&o->content, s, n);
    cJSON *j = piece(o, s, n, NULL, 0, NULL, 0, 0);
    int rc = ndjson_line(r->stream, j);
    cJSON_Delete(j);
    return rc;
}

static void ol_tail(struct run *r)
{
    struct ol *o = r->api;
    if (r->job.failed) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "error", r->job.err);
        ndjson_line(r->stream, j);
        cJSON_Delete(j);
        return;
    }
    struct tool_call *calls = NULL;
    int n_calls = 0;
    char *rest = NULL;
    if (o->tp && toolcall_finish(o->tp, &calls, &n_calls, &rest) < 0)
        n_calls = 0;
    if ((rest && *rest) || n_calls) {
        cJSON *j = piece(o, rest, rest ? strlen(rest) : 0, NULL, 0, calls, n_calls, 0);
        ndjson_line(r->stream, j);
        cJSON_Delete(j);
    }
    cJSON *j = piece(o, "", 0, NULL, 0, NULL, 0, 1);
    add_totals(r, j, n_calls);
    ndjson_line(r->stream, j);
    cJSON_Delete(j);
    toolcall_calls_free(calls, n_calls);
    free(rest);
}

static struct http_reply whole_reply(struct run *r)
{
    struct ol *o = r->api;
    struct tool_call *calls = NULL;
    int n_calls = 0;
    char *rest = NULL;
    if (o->tp && toolcall_finish(o->tp, &calls, &n_calls, &rest) < 0)
        return http_error(500, "server_error", "out of memory");
    if (rest)
        strbuf_add(&o->content, rest, strlen(rest));
    free(rest);
    cJSON *j = piece(o, o->content.p, o->content.n, o->thinking.p, o->thinking.n, calls, n_calls, 1);
    add_totals(r, j, n_calls);
    toolcall_calls_free(calls, n_calls);
    return http_json(200, j);
}

/* Ollama answers errors as {"error": "..."}. */
static struct http_reply ol_error(unsigned status, const char *fmt, const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    char buf[1024];
    snprintf(buf, sizeof buf, fmt, msg);
    cJSON_AddStringToObject(j, "error", buf);
    return http_json(status, j);
}

/* Ollama's keep_alive: a duration ("5m"), or a number of seconds; negative
 * keeps the model loaded. -2 when absent, -3 (err set) when malformed. */
static int64_t keep_alive_ms(const cJSON *k)
{
    if (!k || cJSON_IsNull(k))
        return -2;
    if (cJSON_IsNumber(k))
        return k->valuedouble < 0 ? -1 : (int64_t)(k->valuedouble * 1000);
    if (cJSON_IsString(k)) {
        if (k->valuestring[0] == '-')
            return -1;
        int64_t ms = parse_duration_ms(k->valuestring);
        return ms < -1 ? -3 : ms;
    }
    err_set("'keep_alive' must be a duration such as \"5m\" or a number of seconds");
    return -3;
}

static struct http_reply load_or_unload(const struct http_request *hr, const struct ol *o, const cJSON *keep_alive)
{
    int64_t keep = keep_alive_ms(keep_alive);
    int unload = keep == 0;
    int status = 500;
    if (keep == -3)
        return ol_error(400, "%s", err_msg());
    if (unload) {
        if (sched_unload(hr->srv->sched, o->model, NULL, NULL) < 0)
            return ol_error(404, "%s", err_msg());
    } else if (sched_submit(hr->srv->sched, o->model, NULL, &status) < 0) {
        return ol_error((unsigned)status, "%s", err_msg());
    } else if (keep != -2) {
        sched_keep_alive(hr->srv->sched, o->model, keep);
    }
    cJSON *j = piece(o, "", 0, NULL, 0, NULL, 0, 1);
    cJSON_AddStringToObject(j, "done_reason", unload ? "unload" : "load");
    return http_json(200, j);
}

static struct http_reply handle(const struct http_request *hr, int chat)
{
    char err[512];
    struct http_reply rep;
    cJSON *body = cJSON_ParseWithLength(hr->body, hr->body_len);
    if (!body || !cJSON_IsObject(body)) {
        cJSON_Delete(body);
        return ol_error(400, "%s", "the request body is not a JSON object");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model) || !*model->valuestring) {
        cJSON_Delete(body);
        return ol_error(400, "%s", "'model' is required (GET /api/tags lists them)");
    }
    struct run *r = malloc(sizeof *r);
    struct ol *o = calloc(1, sizeof *o);
    if (!r || !o) {
        free(r);
        free(o);
        cJSON_Delete(body);
        return ol_error(500, "%s", "out of memory");
    }
    run_init(r);
    r->api = o;
    r->text = ol_text;
    r->tail = ol_tail;
    r->destroy = ol_destroy;
    o->body = body;
    o->chat = chat;
    o->model = strdup(model->valuestring);
    clock_gettime(CLOCK_MONOTONIC, &o->t0);
    /* No prompt or no messages: Ollama's way to load a model ahead, or with
     * "keep_alive": 0 to unload it. */
    const cJSON *what = cJSON_GetObjectItemCaseSensitive(body, chat ? "messages" : "prompt");
    if (!what || cJSON_IsNull(what) || (cJSON_IsString(what) && !*what->valuestring) ||
        (cJSON_IsArray(what) && cJSON_GetArraySize(what) == 0)) {
        rep = load_or_unload(hr, o, cJSON_GetObjectItemCaseSensitive(body, "keep_alive"));
        goto out;
    }
    int64_t keep = keep_alive_ms(cJSON_GetObjectItemCaseSensitive(body, "keep_alive"));
    if (keep == -3) {
        rep = ol_error(400, "%s", err_msg());
        goto out;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(body, "stream");
    o->stream = !cJSON_IsFalse(st); /* Ollama streams unless told not to */

    if (params_ollama(cJSON_GetObjectItemCaseSensitive(body, "options"), &r->job.params, err, sizeof err) < 0) {
        rep = ol_error(400, "%s", err);
        goto out;
    }
    if (chat) {
        if (!(o->messages = openai_messages(cJSON_GetObjectItemCaseSensitive(body, "messages"), err, sizeof err))) {
            rep = ol_error(400, "%s", err);
            goto out;
        }
        r->job.in.messages = o->messages;
        const cJSON *tools = cJSON_GetObjectItemCaseSensitive(body, "tools");
        if (tools && !cJSON_IsNull(tools) && cJSON_GetArraySize(tools) > 0) {
            if (openai_check_tools(tools, err, sizeof err) < 0) {
                rep = ol_error(400, "%s", err);
                goto out;
            }
            r->job.in.tools = tools;
            o->tp = toolcall_new();
        }
    } else {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "prompt");
        const cJSON *sys = cJSON_GetObjectItemCaseSensitive(body, "system");
        if (!cJSON_IsString(p) || !*p->valuestring) {
            rep = ol_error(400, "%s", "'prompt' is required");
            goto out;
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "raw"))) {
            r->job.in.prompt = p->valuestring;
        } else {
            o->messages = cJSON_CreateArray();
            if (cJSON_IsString(sys) && *sys->valuestring) {
                cJSON *m = cJSON_CreateObject();
                cJSON_AddStringToObject(m, "role", "system");
                cJSON_AddStringToObject(m, "content", sys->valuestring);
                cJSON_AddItemToArray(o->messages, m);
            }
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "role", "user");
            cJSON_AddStringToObject(m, "content", p->valuestring);
            cJSON_AddItemToArray(o->messages, m);
            r->job.in.messages = o->messages;
        }
    }
    struct MHD_Response *resp;
    if (run_request(hr, model->valuestring, r, o->stream, "application/x-ndjson", &resp, &rep) < 0) {
        /* run_request() answers in OpenAI's shape; Ollama's is {"error": "..."} */
        MHD_destroy_response(rep.resp);
        rep = ol_error((unsigned)r->err_status, "%s", r->err_msg);
        goto out;
    }
    if (keep != -2)
        sched_keep_alive(hr->srv->sched, model->valuestring, keep);
    rep = o->stream ? (struct http_reply){ 200, resp } : whole_reply(r);
out:
    run_release(r);
    return rep;
}

struct http_reply ollama_chat(const struct http_request *r)
{
    return handle(r, 1);
}

struct http_reply ollama_generate(const struct http_request *r)
{
    return handle(r, 0);
}

static void short_digest(const char *key, char *out, size_t n)
{
    const char *hex = !strncmp(key, "sha256:", 7) ? key + 7 : key;
    snprintf(out, n, "%s", hex);
}

struct http_reply ollama_tags(const struct http_request *r)
{
    struct catalog_entry *e;
    size_t n;
    if (catalog_list(r->srv->catalog, &e, &n) < 0)
        return ol_error(500, "%s", err_msg());
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "models");
    for (size_t i = 0; i < n; i++) {
        char ts[64], dg[128];
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", e[i].name);
        cJSON_AddStringToObject(m, "model", e[i].name);
        rfc3339(e[i].created * 1000, ts, sizeof ts);
        cJSON_AddStringToObject(m, "modified_at", ts);
        cJSON_AddNumberToObject(m, "size", (double)e[i].size);
        short_digest(e[i].key, dg, sizeof dg);
        cJSON_AddStringToObject(m, "digest", dg);
        cJSON *d = cJSON_AddObjectToObject(m, "details");
        cJSON_AddStringToObject(d, "format", "gguf");
        cJSON_AddItemToArray(arr, m);
    }
    catalog_entries_free(e, n);
    return http_json(200, o);
}

struct http_reply ollama_ps(const struct http_request *r)
{
    struct sched_loaded *v;
    int n;
    if (sched_list(r->srv->sched, &v, &n) < 0)
        return ol_error(500, "%s", err_msg());
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "models");
    for (int i = 0; i < n; i++) {
        char ts[64], dg[600];
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "name", v[i].name);
        cJSON_AddStringToObject(m, "model", v[i].name);
        cJSON_AddNumberToObject(m, "size", (double)v[i].mem_bytes);
        short_digest(v[i].key, dg, sizeof dg);
        cJSON_AddStringToObject(m, "digest", dg);
        cJSON *d = cJSON_AddObjectToObject(m, "details");
        cJSON_AddStringToObject(d, "format", "gguf");
        if (v[i].expires_at > 0) {
            rfc3339(v[i].expires_at, ts, sizeof ts);
            cJSON_AddStringToObject(m, "expires_at", ts);
        } else {
            cJSON_AddNullToObject(m, "expires_at");
        }
        cJSON_AddNumberToObject(m, "size_vram", 0);
        cJSON_AddNumberToObject(m, "context_length", v[i].n_ctx);
        /* beyond Ollama's fields: what `model ps` shows */
        cJSON_AddStringToObject(m, "state", v[i].expires_at == 0 ? "busy" : "idle");
        cJSON_AddNumberToObject(m, "slots", v[i].n_slots);
        cJSON_AddNumberToObject(m, "active", v[i].n_active);
        cJSON_AddNumberToObject(m, "queued", v[i].n_queued);
        cJSON_AddNumberToObject(m, "requests", (double)v[i].n_requests);
        cJSON_AddNumberToObject(m, "tokens_generated", (double)v[i].n_generated);
        cJSON_AddNumberToObject(m, "batch_passes", (double)v[i].batch_passes);
        cJSON_AddNumberToObject(m, "batch_steps", (double)v[i].batch_steps);
        cJSON_AddItemToArray(arr, m);
    }
    free(v);
    return http_json(200, o);
}

struct http_reply ollama_version(const struct http_request *r)
{
    (void)r;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", MODEL_VERSION);
    return http_json(200, o);
}

/* POST /api/show {"model": NAME}: what a client needs to know before using
 * a model: its template, details, metadata and capabilities. Reads the
 * GGUF header only (the file is mapped, no weight page is touched). */
struct http_reply ollama_show(const struct http_request *r)
{
    cJSON *body = cJSON_ParseWithLength(r->body, r->body_len);
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(body, "model");
    if (!cJSON_IsString(model))
        model = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!cJSON_IsString(model)) {
        cJSON_Delete(body);
        return ol_error(400, "%s", "'model' is required");
    }
    struct catalog_entry e;
    if (catalog_resolve(r->srv->catalog, model->valuestring, &e) < 0) {
        struct http_reply rep = ol_error(404, "%s", err_msg());
        cJSON_Delete(body);
        return rep;
    }
    cJSON_Delete(body);
    struct gguf *g = gguf_open(e.paths[0]);
    if (!g) {
        catalog_entry_free(&e);
        return ol_error(500, "%s", err_msg());
    }
    cJSON *o = cJSON_CreateObject(), *info = cJSON_CreateObject();
    struct gguf_str s;
    char *tmpl = gguf_get_str(g, "tokenizer.chat_template", &s) == 0 ? gguf_strdup(s) : NULL;
    cJSON_AddStringToObject(o, "template", tmpl ? tmpl : "");
    cJSON *d = cJSON_AddObjectToObject(o, "details");
    cJSON_AddStringToObject(d, "format", "gguf");
    char *arch = gguf_get_str(g, "general.architecture", &s) == 0 ? gguf_strdup(s) : NULL;
    cJSON_AddStringToObject(d, "family", arch ? arch : "");
    uint32_t ft;
    const char *ftn = gguf_get_u32(g, "general.file_type", &ft) == 0 ? gguf_file_type_name(ft) : NULL;
    cJSON_AddStringToObject(d, "quantization_level", ftn ? ftn : "");
    /* scalar metadata as model_info (token lists and merges are too big to be useful) */
    for (uint64_t i = 0; i < g->n_kv; i++) {
        const struct gguf_kv *kv = &g->kv[i];
        if (kv->val.type == GGUF_ARRAY || gguf_str_eq(kv->key, "tokenizer.chat_template"))
            continue;
        char *key = gguf_strdup(kv->key), *val = gguf_value_to_string(&kv->val, 16);
        if (key && val) {
            if (kv->val.type == GGUF_STRING || kv->val.type == GGUF_BOOL)
                cJSON_AddStringToObject(info, key, val);
            else
                cJSON_AddNumberToObject(info, key, strtod(val, NULL));
        }
        free(key);
        free(val);
    }
    cJSON_AddItemToObject(o, "model_info", info);
    cJSON *caps = cJSON_AddArrayToObject(o, "capabilities");
    cJSON_AddItemToArray(caps, cJSON_CreateString("completion"));
    if (tmpl && strstr(tmpl, "tool"))
        cJSON_AddItemToArray(caps, cJSON_CreateString("tools"));
    if (tmpl && chat_template_family(tmpl) == CHAT_FAMILY_DEEPSEEK_R1)
        cJSON_AddItemToArray(caps, cJSON_CreateString("thinking"));
    free(tmpl);
    free(arch);
    gguf_close(g);
    catalog_entry_free(&e);
    return http_json(200, o);
}
