/*
 * toolcall.c - tool calls out of generated text (see toolcall.h).
 */
#include "toolcall.h"
#include "../common/strbuf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cjson/cJSON.h>

#define R1_CALLS_BEGIN "<｜tool▁calls▁begin｜>"
#define R1_CALLS_END "<｜tool▁calls▁end｜>"
#define R1_CALL_BEGIN "<｜tool▁call▁begin｜>"
#define R1_CALL_END "<｜tool▁call▁end｜>"
#define R1_SEP "<｜tool▁sep｜>"
#define HERMES_BEGIN "<tool_call>"
#define HERMES_END "</tool_call>"
#define PYTHON_TAG "<|python_tag|>"

static const char *const markers[] = { R1_CALLS_BEGIN, R1_CALL_BEGIN, HERMES_BEGIN, PYTHON_TAG };
#define N_MARKERS (sizeof markers / sizeof *markers)

enum mode { M_START, M_TEXT, M_JSON, M_CAPTURE };

struct toolcall_parser {
    enum mode mode;
    struct strbuf pend;      /* held back: whitespace at the start, or a possible marker prefix */
    struct strbuf cap;       /* from the marker (or the opening brace) on */
    struct strbuf out;
};

struct toolcall_parser *toolcall_new(void)
{
    return calloc(1, sizeof(struct toolcall_parser));
}

void toolcall_free(struct toolcall_parser *p)
{
    if (!p)
        return;
    free(p->pend.p);
    free(p->cap.p);
    free(p->out.p);
    free(p);
}

/* Earliest marker in s[0..n): its offset, or n. */
static size_t find_marker(const char *s, size_t n)
{
    size_t best = n;
    for (size_t m = 0; m < N_MARKERS; m++) {
        size_t k = strlen(markers[m]);
        for (size_t i = 0; i + k <= n && i < best; i++)
            if (!memcmp(s + i, markers[m], k)) {
                best = i;
                break;
            }
    }
    return best;
}

/* Length of the longest suffix of s[0..n) that begins some marker. */
static size_t marker_prefix_tail(const char *s, size_t n)
{
    size_t best = 0;
    for (size_t m = 0; m < N_MARKERS; m++) {
        size_t k = strlen(markers[m]);
        for (size_t t = k - 1 < n ? k - 1 : n; t > best; t--)
            if (!memcmp(s + n - t, markers[m], t)) {
                best = t;
                break;
            }
    }
    return best;
}

int toolcall_feed(struct toolcall_parser *p, const char *text, size_t len, const char **out, size_t *out_len)
{
    p->out.n = 0;
    *out = "";
    *out_len = 0;
    if (p->mode == M_JSON || p->mode == M_CAPTURE)
        return strbuf_add(&p->cap, text, len);
    if (strbuf_add(&p->pend, text, len))
        return -1;
    if (p->mode == M_START) {
        size_t i = 0;
        while (i < p->pend.n && isspace((unsigned char)p->pend.p[i]))
            i++;
        if (i == p->pend.n)
            return 0;
        if (p->pend.p[i] == '{' || p->pend.p[i] == '[') {
            p->mode = M_JSON;
            int rc = strbuf_add(&p->cap, p->pend.p, p->pend.n);
            p->pend.n = 0;
            return rc;
        }
        p->mode = M_TEXT;
    }
    size_t at = find_marker(p->pend.p, p->pend.n);
    size_t emit;
    if (at < p->pend.n) {
        emit = at;
        if (strbuf_add(&p->cap, p->pend.p + at, p->pend.n - at))
            return -1;
        p->mode = M_CAPTURE;
        p->pend.n = at;
    } else {
        emit = p->pend.n - marker_prefix_tail(p->pend.p, p->pend.n);
    }
    if (emit && strbuf_add(&p->out, p->pend.p, emit))
        return -1;
    memmove(p->pend.p, p->pend.p + emit, p->pend.n - emit);
    p->pend.n -= emit;
    *out = p->out.p ? p->out.p : "";
    *out_len = p->out.n;
    return 0;
}

/* ---- parsing the captured text ---------------------------------------------- */

struct calls {
    struct tool_call *v;
    int n, cap;
};

static void make_id(char *id)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[24];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)id;
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    memcpy(id, "call_", 5);
    for (size_t i = 0; i < sizeof r; i++)
        id[5 + i] = abc[r[i] % (sizeof abc - 1)];
    id[5 + sizeof r] = 0;
}

/* Arguments as compact JSON when they parse, else the text as it is. */
static char *args_text(const char *s, size_t n)
{
    char *raw = strndup(s, n);
    if (!raw)
        return NULL;
    cJSON *j = cJSON_Parse(raw);
    if (!j)
        return raw;
    char *c = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!c)
        return raw;
    free(raw);
    return c;
}

static int add_call(struct calls *c, const char *name, size_t name_len, char *args)
{
    if (!args)
        return -1;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4;
        struct tool_call *v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v) {
            free(args);
            return -1;
        }
        c->v = v;
        c->cap = cap;
    }
    struct tool_call *t = &c->v[c->n];
    while (name_len && isspace((unsigned char)*name))
        name++, name_len--;
    while (name_len && isspace((unsigned char)name[name_len - 1]))
        name_len--;
    if (!(t->name = strndup(name, name_len))) {
        free(args);
        return -1;
    }
    t->arguments = args;
    make_id(t->id);
    c->n++;
    return 0;
}

/* {"name": N, "arguments"|"parameters": A} (A an object or a JSON string). */
static int add_json_call(struct calls *c, const cJSON *o)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(o, "arguments");
    if (!args)
        args = cJSON_GetObjectItemCaseSensitive(o, "parameters");
    if (!cJSON_IsObject(o) || !cJSON_IsString(name) || !*name->valuestring)
        return 1;
    char *a;
    if (!args)
        a = strdup("{}");
    else if (cJSON_IsString(args))
        a = args_text(args->valuestring, strlen(args->valuestring));
    else
        a = cJSON_PrintUnformatted(args);
    return add_call(c, name->valuestring, strlen(name->valuestring), a);
}

/* A JSON object or array of objects, all of which must be calls. */
static int parse_json_form(struct calls *c, const char *s, size_t n)
{
    char *t = strndup(s, n);
    if (!t)
        return -1;
    cJSON *j = cJSON_Parse(t);
    free(t);
    if (!j)
        return 1;
    int rc = 0;
    if (cJSON_IsArray(j)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, j)
            if ((rc = add_json_call(c, e)))
                break;
        if (cJSON_GetArraySize(j) == 0)
            rc = 1;
    } else {
        rc = add_json_call(c, j);
    }
    cJSON_Delete(j);
    return rc;
}

static const char *find(const char *s, const char *end, const char *needle)
{
    size_t k = strlen(needle);
    for (; s + k <= end; s++)
        if (!memcmp(s, needle, k))
            return s;
    return NULL;
}

/* R1 calls in s[0..n); *after: where the text after the last call starts. */
static int parse_r1(struct calls *c, const char *s, size_t n, const char **after)
{
    const char *end = s + n, *p = s;
    *after = end;
    while ((p = find(p, end, R1_CALL_BEGIN))) {
        p += strlen(R1_CALL_BEGIN);
        const char *sep = find(p, end, R1_SEP);
        const char *stop = find(p, end, R1_CALL_END);
        if (!sep || (stop && stop < sep))
            return 1;
        const char *name = sep + strlen(R1_SEP);
        const char *nl = memchr(name, '\n', (size_t)(end - name));
        const char *body_end = stop ? stop : end;
        if (!nl || nl > body_end)
            nl = body_end;
        const char *a = nl, *b = body_end;
        const char *fence = find(a, body_end, "```");
        if (fence) {
            a = fence + 3;
            while (a < body_end && isalpha((unsigned char)*a))
                a++;
            const char *close = find(a, body_end, "```");
            b = close ? close : body_end;
        }
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (add_call(c, name, (size_t)(nl - name), a == b ? strdup("{}") : args_text(a, (size_t)(b - a))))
            return -1;
        p = stop ? stop + strlen(R1_CALL_END) : end;
        *after = p;
    }
    const char *close = find(*after, end, R1_CALLS_END);
    if (close)
        *after = close + strlen(R1_CALLS_END);
    return c->n ? 0 : 1;
}

static int parse_hermes(struct calls *c, const char *s, size_t n, const char **after)
{
    const char *end = s + n, *p = s;
    *after = end;
    while ((p = find(p, end, HERMES_BEGIN))) {
        p += strlen(HERMES_BEGIN);
        const char *q = find(p, end, HERMES_END);
        int rc = parse_json_form(c, p, (size_t)((q ? q : end) - p));
        if (rc)
            return rc;
        p = q ? q + strlen(HERMES_END) : end;
        *after = p;
    }
    return c->n ? 0 : 1;
}

static int only_space(const char *s, const char *end)
{
    for (; s < end; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

int toolcall_finish(struct toolcall_parser *p, struct tool_call **calls, int *n, char **rest)
{
    struct calls c = { 0 };
    const char *s = p->cap.p ? p->cap.p : "", *after = s + p->cap.n;
    int rc = 1;

    *calls = NULL;
    *n = 0;
    *rest = NULL;
    if (p->mode == M_JSON) {
        rc = parse_json_form(&c, s, p->cap.n);
    } else if (p->mode == M_CAPTURE) {
        if (!strncmp(s, PYTHON_TAG, strlen(PYTHON_TAG)))
            rc = parse_json_form(&c, s + strlen(PYTHON_TAG), p->cap.n - strlen(PYTHON_TAG));
        else if (!strncmp(s, HERMES_BEGIN, strlen(HERMES_BEGIN)))
            rc = parse_hermes(&c, s, p->cap.n, &after);
        else
            rc = parse_r1(&c, s, p->cap.n, &after);
    }
    if (rc < 0) {
        toolcall_calls_free(c.v, c.n);
        return -1;
    }
    struct strbuf r = { 0 };
    if (strbuf_add(&r, p->pend.p ? p->pend.p : "", p->pend.n))
        goto oom;
    if (rc > 0) {
        toolcall_calls_free(c.v, c.n);
        c.v = NULL;
        c.n = 0;
        if (strbuf_add(&r, s, p->cap.n))
            goto oom;
    } else if (!only_space(after, s + p->cap.n) && strbuf_add(&r, after, (size_t)(s + p->cap.n - after))) {
        goto oom;
    }
    if (!r.p && strbuf_add(&r, "", 0))
        goto oom;
    *calls = c.v;
    *n = c.n;
    *rest = r.p;
    return c.n;
oom:
    free(r.p);
    toolcall_calls_free(c.v, c.n);
    return -1;
}

void toolcall_calls_free(struct tool_call *calls, int n)
{
    for (int i = 0; i < n; i++) {
        free(calls[i].name);
        free(calls[i].arguments);
    }
    free(calls);
}

int toolcall_parse(const char *text, struct tool_call **calls, int *n, char **content)
{
    struct toolcall_parser *p = toolcall_new();
    const char *out;
    size_t out_len;
    char *rest = NULL;
    *content = NULL;
    if (!p || toolcall_feed(p, text, strlen(text), &out, &out_len) < 0) {
        toolcall_free(p);
        return -1;
    }
    char *head = strndup(out, out_len);
    int rc = head ? toolcall_finish(p, calls, n, &rest) : -1;
    toolcall_free(p);
    if (rc < 0) {
        free(head);
        return -1;
    }
    size_t a = strlen(head), b = strlen(rest);
    *content = malloc(a + b + 1);
    if (*content) {
        memcpy(*content, head, a);
        memcpy(*content + a, rest, b + 1);
    }
    free(head);
    free(rest);
    if (!*content) {
        toolcall_calls_free(*calls, *n);
        return -1;
    }
    return rc;
}
