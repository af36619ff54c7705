/*
 * test_server.c - the server's HTTP layer, dialects and scheduler, driven
 * with a fake engine (exact timing, no model): routes and prefixes, errors
 * in OpenAI's shape with their statuses, the body limit, queueing with N
 * slots, a disconnect freeing its slot, keep-alive unloading, unload, the
 * 503 of a model that cannot be loaded, tool calls in both response shapes.
 * Loopback only, a free port, a few dozen requests.
 */
#include "test.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../common/err.h"
#include "../server/server.h"

/* ---- the fake engine --------------------------------------------------------- */

static atomic_int active, max_active, loads, unloads, generated_last;
static void *_Atomic last_slot;

struct fmodel {
    int dummy;
};

static void *f_load(const char *const *paths, int n, const char *tp, int slots, struct engine_info *info, int *status)
{
    (void)n;
    (void)tp;
    (void)slots;
    if (strstr(paths[0], "huge")) {
        *status = 503;
        err_set("huge.gguf needs about 1 TiB but only 1 GiB is available");
        return NULL;
    }
    atomic_fetch_add(&loads, 1);
    info->n_ctx = 64;
    info->mem_bytes = 12345;
    return calloc(1, sizeof(struct fmodel));
}

static void f_unload(void *m)
{
    atomic_fetch_add(&unloads, 1);
    free(m);
}

static void *f_slot_new(void *m, int *status)
{
    (void)m;
    (void)status;
    return calloc(1, 1);
}

static void f_slot_free(void *s)
{
    free(s);
}

static const char *last_user(const cJSON *msgs)
{
    const char *t = "";
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (cJSON_IsString(c))
            t = c->valuestring;
    }
    return t;
}

/* Emits "w0 w1 ..." one word per 2 ms; a prompt "overflow" is too long; "call a tool" answers with R1 markup. */
static int f_generate(void *slot, const struct gen_input *in, const struct req_params *p, gen_text_fn cb, void *ctx,
                      volatile sig_atomic_t *cancel, struct gen_result *res, int *status)
{
    (void)slot;
    const char *text = in->messages ? last_user(in->messages) : in->prompt;
    if (strstr(text, "overflow")) {
        *status = 400;
        return err_set("the prompt is 100 tokens but the context holds 64");
    }
    atomic_store(&last_slot, slot);
    int now = atomic_fetch_add(&active, 1) + 1;
    for (int m = atomic_load(&max_active); now > m && !atomic_compare_exchange_weak(&max_active, &m, now);)
        ;
    res->prompt_tokens = 7;
    int n = p->max_tokens ? p->max_tokens : 10, i = 0;
    res->finish = GEN_LENGTH;
    if (in->tools && strstr(text, "call a tool")) {
        cb(ctx, GEN_REASONING, "thinking", 8);
        const char *call = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n"
                           "{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
        size_t len = strlen(call);
        for (size_t k = 0; k < len; k += 7)
            cb(ctx, GEN_CONTENT, call + k, len - k < 7 ? len - k : 7);
        res->finish = GEN_STOP;
        i = 20;
    } else {
        for (; i < n; i++) {
            if (*cancel) {
                res->finish = GEN_CANCELLED;
                break;
            }
            char w[16];
            int k = snprintf(w, sizeof w, "w%d ", i);
            if (cb(ctx, GEN_CONTENT, w, (size_t)k)) {
                res->finish = GEN_CANCELLED;
                break;
            }
            usleep(2000);
        }
    }
    res->completion_tokens = i;
    atomic_store(&generated_last, i);
    atomic_fetch_sub(&active, 1);
    return 0;
}

static const struct engine_ops fake = {
    .load = f_load, .unload = f_unload, .slot_new = f_slot_new, .slot_free = f_slot_free, .generate = f_generate,
};

/* ---- a server for the whole file ------------------------------------------------ */

static struct server *srv;
static char base[64];

static void start(void)
{
    if (srv)
        return;
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/fake.gguf", test_tmpdir());
    snprintf(b, sizeof b, "%s/huge.gguf", test_tmpdir());
    fclose(fopen(a, "w"));
    fclose(fopen(b, "w"));
    static char store[512];
    snprintf(store, sizeof store, "%s/store", test_tmpdir());
    static const char *files[2];
    files[0] = strdup(a);
    files[1] = strdup(b);
    struct server_opts o = { .host = "127.0.0.1", .port = 0, .keep_alive_ms = 400, .parallel = 2,
                             .max_body = 4096, .store_root = store, .files = files, .n_files = 2, .ops = &fake };
    srv = server_start(&o);
    if (!srv) {
        fprintf(stderr, "server_start: %s\n", err_msg());
        exit(1);
    }
    snprintf(base, sizeof base, "http://127.0.0.1:%d", srv->port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct resp {
    long status;
    char body[65536];
    size_t n;
    int abort_after;       /* stop reading after this many bytes (a client leaving) */
};

static size_t on_body(char *d, size_t s, size_t nm, void *ud)
{
    struct resp *r = ud;
    size_t k = s * nm;
    if (r->n + k >= sizeof r->body)
        k = sizeof r->body - 1 - r->n;
    memcpy(r->body + r->n, d, k);
    r->n += k;
    r->body[r->n] = 0;
    if (r->abort_after && r->n >= (size_t)r->abort_after)
        return 0;
    return s * nm;
}

static void call(const char *method, const char *path, const char *body, struct resp *r)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    int abort_after = r->abort_after;
    memset(r, 0, sizeof *r);
    r->abort_after = abort_after;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(c);
}

static cJSON *json_of(const struct resp *r)
{
    return cJSON_Parse(r->body);
}

/* The error object has message, type and code, and the code is as expected. */
static int is_error(const struct resp *r, long status, const char *code)
{
    cJSON *j = json_of(r);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    int ok = r->status == status && cJSON_IsString(m) && *m->valuestring && cJSON_IsString(t) && cJSON_IsString(c) &&
             !strcmp(c->valuestring, code);
    if (!ok)
        fprintf(stderr, "    got %ld %s\n", r->status, r->body);
    cJSON_Delete(j);
    return ok;
}

#define CHAT(extra) "{\"model\":\"fake\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" extra "}"

TEST(models_under_every_prefix)
{
    start();
    static const char *const paths[] = { "/v1/models", "/engines/v1/models", "/engines/llama.cpp/v1/models" };
    for (int i = 0; i < 3; i++) {
        struct resp r = { 0 };
        call("GET", paths[i], NULL, &r);
        CHECK_INT(r.status, 200);
        CHECK(strstr(r.body, "\"id\":\"fake\"") && strstr(r.body, "\"object\":\"list\""));
    }
    struct resp r = { 0 };
    call("GET", "/v1/models/ai/fake:latest", NULL, &r);
    CHECK_INT(r.status, 200);
    call("GET", "/v1/models/nosuch", NULL, &r);
    CHECK(is_error(&r, 404, "model_not_found"));
    call("GET", "/v1/nothing", NULL, &r);
    CHECK_INT(r.status, 404);
    call("DELETE", "/v1/models", NULL, &r);
    CHECK_INT(r.status, 405);
}

TEST(errors_have_openai_shape_and_status)
{
    start();
    struct resp r = { 0 };
    call("POST", "/v1/chat/completions", "{\"model\":\"nosuch\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &r);
    CHECK(is_error(&r, 404, "model_not_found"));
    call("POST", "/v1/chat/completions", "{\"model\": ", &r);
    CHECK(is_error(&r, 400, "invalid_json"));
    call("POST", "/v1/chat/completions", CHAT(",\"temperature\":7"), &r);
    CHECK(is_error(&r, 400, "invalid_parameter"));
    call("POST", "/v1/chat/completions", CHAT(",\"max_tokens\":0"), &r);
    CHECK(is_error(&r, 400, "invalid_parameter"));
    call("POST", "/v1/chat/completions", "{\"model\":\"fake\",\"messages\":[]}", &r);
    CHECK(is_error(&r, 400, "invalid_parameter"));
    call("POST", "/v1/chat/completions", "{\"model\":\"fake\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", &r);
    CHECK(is_error(&r, 400, "invalid_parameter"));
    call("POST", "/v1/chat/completions",
         "{\"model\":\"fake\",\"messages\":[{\"role\":\"user\",\"content\":\"overflow\"}]}", &r);
    CHECK(is_error(&r, 400, "context_length_exceeded"));
    /* streamed requests get the status too: the failure comes before any text */
    call("POST", "/v1/chat/completions",
         "{\"model\":\"fake\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"overflow\"}]}", &r);
    CHECK(is_error(&r, 400, "context_length_exceeded"));
    call("POST", "/v1/chat/completions", "{\"model\":\"huge\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &r);
    CHECK(is_error(&r, 503, "model_unavailable"));
    CHECK(strstr(r.body, "only 1 GiB is available") != NULL);

    char big[6000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    memcpy(big, "{\"a\":\"", 6);
    call("POST", "/v1/chat/completions", big, &r);
    CHECK(is_error(&r, 413, "request_too_large"));
}

TEST(chat_completion_shape)
{
    start();
    struct resp r = { 0 };
    call("POST", "/engines/llama.cpp/v1/chat/completions", CHAT(",\"max_completion_tokens\":3,\"seed\":1"), &r);
    CHECK_INT(r.status, 200);
    cJSON *j = json_of(&r);
    const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "object")), "chat.completion");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "content")), "w0 w1 w2 ");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "finish_reason")), "length");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "usage");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens")->valueint, 7);
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(u, "completion_tokens")->valueint, 3);
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(u, "total_tokens")->valueint, 10);
    cJSON_Delete(j);

    call("POST", "/v1/completions", "{\"model\":\"fake\",\"prompt\":\"x\",\"max_tokens\":2}", &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "\"text\":\"w0 w1 \"") && strstr(r.body, "\"object\":\"text_completion\""));
}

TEST(stream_events_usage_and_done)
{
    start();
    struct resp r = { 0 };
    call("POST", "/v1/chat/completions", CHAT(",\"max_tokens\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}"), &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "\"role\":\"assistant\"") != NULL);
    CHECK(strstr(r.body, "\"content\":\"w2 \"") != NULL);
    CHECK(strstr(r.body, "\"finish_reason\":\"length\"") != NULL);
    CHECK(strstr(r.body, "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3") != NULL);
    size_t n = strlen(r.body);
    CHECK(n > 14 && !strcmp(r.body + n - 14, "data: [DONE]\n\n"));
    call("POST", "/v1/chat/completions", CHAT(",\"max_tokens\":3,\"stream\":true"), &r);
    CHECK(strstr(r.body, "usage") == NULL);
}

static const char *tools_body(int stream)
{
    static char b[1024];
    snprintf(b, sizeof b,
             "{\"model\":\"fake\",\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"call a tool\"}],"
             "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
             "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]}",
             stream ? "true" : "false");
    return b;
}

TEST(tool_calls_in_both_shapes)
{
    start();
    struct resp r = { 0 };
    call("POST", "/v1/chat/completions", tools_body(0), &r);
    CHECK_INT(r.status, 200);
    cJSON *j = json_of(&r);
    const cJSON *ch = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "choices"), 0);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(ch, "message");
    const cJSON *tc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(msg, "tool_calls"), 0);
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(tc, "function");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ch, "finish_reason")), "tool_calls");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(msg, "content")));
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "reasoning_content")), "thinking");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "name")), "get_weather");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "arguments")), "{\"city\":\"Paris\"}");
    CHECK(!strncmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tc, "id")), "call_", 5));
    cJSON_Delete(j);

    call("POST", "/v1/chat/completions", tools_body(1), &r);
    CHECK(strstr(r.body, "\"tool_calls\":[{\"index\":0,\"id\":\"call_") != NULL);
    CHECK(strstr(r.body, "\"finish_reason\":\"tool_calls\"") != NULL);
    CHECK(strstr(r.body, "tool▁") == NULL); /* no markup leaks into content */

    /* Ollama's shape: arguments as an object */
    call("POST", "/api/chat", strstr(tools_body(0), "\"stream\":false") ? tools_body(0) : "", &r);
    CHECK(strstr(r.body, "\"tool_calls\":[{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]") !=
          NULL);
}

TEST(ollama_endpoints)
{
    start();
    struct resp r = { 0 };
    call("POST", "/api/generate", "{\"model\":\"fake\",\"prompt\":\"x\",\"stream\":false,\"options\":{\"num_predict\":2}}", &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "\"response\":\"w0 w1 \"") && strstr(r.body, "\"done\":true") &&
          strstr(r.body, "\"eval_count\":2"));
    call("POST", "/api/chat", CHAT(",\"options\":{\"num_predict\":2}"), &r);
    CHECK_INT(r.status, 200);
    /* streamed by default: one JSON object per line, the last one done */
    int lines = 0;
    for (char *p = r.body; (p = strchr(p, '\n')); p++)
        lines++;
    CHECK_INT(lines, 3);
    CHECK(strstr(r.body, "\"done\":true,\"done_reason\":\"length\"") != NULL);
    /* no prompt: load ahead; keep_alive 0: unload */
    call("POST", "/api/unload", "{\"all\":true}", &r);
    call("POST", "/api/generate", "{\"model\":\"fake\"}", &r);
    CHECK(strstr(r.body, "\"done_reason\":\"load\"") != NULL);
    call("GET", "/api/ps", NULL, &r);
    CHECK(strstr(r.body, "\"name\":\"fake\"") != NULL);
    call("POST", "/api/chat", "{\"model\":\"fake\",\"messages\":[],\"keep_alive\":0}", &r);
    CHECK(strstr(r.body, "\"done_reason\":\"unload\"") != NULL);
    call("GET", "/api/ps", NULL, &r);
    CHECK_STR(r.body, "{\"models\":[]}");
    /* a request's own keep_alive: "-1" keeps the model past --keep-alive, 0 unloads after the answer */
    call("POST", "/api/generate", "{\"model\":\"fake\",\"prompt\":\"x\",\"stream\":false,\"keep_alive\":-1}", &r);
    usleep(900 * 1000);
    call("GET", "/api/ps", NULL, &r);
    CHECK(strstr(r.body, "\"name\":\"fake\"") && strstr(r.body, "\"expires_at\":null"));
    call("POST", "/api/generate", "{\"model\":\"fake\",\"prompt\":\"x\",\"stream\":false,\"keep_alive\":\"0s\"}", &r);
    usleep(600 * 1000);
    call("GET", "/api/ps", NULL, &r);
    CHECK_STR(r.body, "{\"models\":[]}");
    call("POST", "/api/generate", "{\"model\":\"fake\",\"prompt\":\"x\",\"keep_alive\":\"soon\"}", &r);
    CHECK_INT(r.status, 400);
    call("POST", "/api/generate", "{\"model\":\"huge\"}", &r);
    CHECK_INT(r.status, 503);
    call("GET", "/api/tags", NULL, &r);
    CHECK(strstr(r.body, "\"name\":\"fake\"") != NULL);
    call("POST", "/api/chat", "{\"model\":\"nosuch\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &r);
    CHECK_INT(r.status, 404);
    CHECK(strstr(r.body, "{\"error\":\"") != NULL);
}

struct par {
    struct resp r;
    const char *body;
};

static void *par_call(void *arg)
{
    struct par *p = arg;
    call("POST", "/v1/chat/completions", p->body, &p->r);
    return NULL;
}

TEST(queue_runs_at_most_parallel_at_once)
{
    start();
    pthread_t t[6];
    static struct par p[6];
    atomic_store(&max_active, 0);
    for (int i = 0; i < 6; i++) {
        p[i].body = CHAT(",\"max_tokens\":15,\"stream\":true");
        pthread_create(&t[i], NULL, par_call, &p[i]);
    }
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 6; i++)
        CHECK(p[i].r.status == 200 && strstr(p[i].r.body, "w14 ") && strstr(p[i].r.body, "[DONE]"));
    CHECK_INT(atomic_load(&max_active), 2);
}

static int wait_idle(int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (atomic_load(&active) == 0)
            return 1;
        usleep(10000);
    }
    return 0;
}

TEST(disconnect_stops_generation_and_frees_slot)
{
    start();
    struct resp r = { .abort_after = 400 };
    call("POST", "/v1/chat/completions", CHAT(",\"max_tokens\":5000,\"stream\":true"), &r);
    CHECK(wait_idle(3000));
    CHECK(atomic_load(&generated_last) < 1000); /* 5000 would take 10 s */
    /* both slots serve again */
    atomic_store(&max_active, 0);
    pthread_t t[2];
    static struct par p[2];
    for (int i = 0; i < 2; i++) {
        p[i].body = CHAT(",\"max_tokens\":30");
        pthread_create(&t[i], NULL, par_call, &p[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(p[0].r.status == 200 && p[1].r.status == 200);
    CHECK_INT(atomic_load(&max_active), 2);

    /* a plain (non-streamed) request whose client gives up is cancelled too */
    char url[256];
    snprintf(url, sizeof url, "%s/v1/chat/completions", base);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, CHAT(",\"max_tokens\":5000"));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CHECK(curl_easy_perform(c) == CURLE_OPERATION_TIMEDOUT);
    curl_easy_cleanup(c);
    CHECK(wait_idle(3000));
    CHECK(atomic_load(&generated_last) < 1000);
}

TEST(ps_keep_alive_and_unload)
{
    start();
    struct resp r = { 0 };
    call("POST", "/v1/completions", "{\"model\":\"fake\",\"prompt\":\"x\",\"max_tokens\":1}", &r);
    call("GET", "/api/ps", NULL, &r);
    CHECK(strstr(r.body, "\"name\":\"fake\"") && strstr(r.body, "\"slots\":2") && strstr(r.body, "\"size\":12345"));
    int before = atomic_load(&unloads);
    usleep(1200 * 1000); /* keep-alive is 400 ms */
    call("GET", "/api/ps", NULL, &r);
    CHECK_STR(r.body, "{\"models\":[]}");
    CHECK_INT(atomic_load(&unloads), before + 1);

    call("POST", "/v1/completions", "{\"model\":\"fake\",\"prompt\":\"x\",\"max_tokens\":1}", &r);
    call("POST", "/api/unload", "{\"model\":\"ai/fake\"}", &r);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "{\"unloaded\":[\"fake\"]}");
    call("POST", "/api/unload", "{\"all\":true}", &r);
    CHECK_STR(r.body, "{\"unloaded\":[]}");
    call("POST", "/api/unload", "{\"model\":\"nosuch\"}", &r);
    CHECK_INT(r.status, 404);
}

static void *slot_of(const char *body)
{
    struct resp r = { 0 };
    call("POST", "/v1/chat/completions", body, &r);
    return r.status == 200 ? atomic_load(&last_slot) : NULL;
}

/* A conversation's next turn goes to the idle slot that served its start
 * (its KV cache holds the prefix), not merely to the slot idle longest. */
TEST(turns_return_to_their_slot)
{
    start();
#define TURN(c, more) "{\"model\":\"fake\",\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"S\"}," \
                      "{\"role\":\"user\",\"content\":\"" c "\"}" more "]}"
#define MORE ",{\"role\":\"assistant\",\"content\":\"w0\"},{\"role\":\"user\",\"content\":\"more\"}"
    void *a1 = slot_of(TURN("conv A", ""));
    void *b1 = slot_of(TURN("conv B", ""));
    void *b2 = slot_of(TURN("conv B", MORE));
    void *a2 = slot_of(TURN("conv A", MORE));
    CHECK(a1 && b1 && a1 != b1);
    CHECK(b2 == b1);
    CHECK(a2 == a1);
}

TEST(durations)
{
    CHECK_INT(parse_duration_ms("5m"), 300000);
    CHECK_INT(parse_duration_ms("30s"), 30000);
    CHECK_INT(parse_duration_ms("1h30m"), 5400000);
    CHECK_INT(parse_duration_ms("250ms"), 250);
    CHECK_INT(parse_duration_ms("1.5s"), 1500);
    CHECK_INT(parse_duration_ms("90"), 90000);
    CHECK_INT(parse_duration_ms("0"), 0);
    CHECK_INT(parse_duration_ms("-1"), -1);
    CHECK_INT(parse_duration_ms(""), -2);
    CHECK_INT(parse_duration_ms("5x"), -2);
    CHECK_INT(parse_duration_ms("m"), -2);
    CHECK_INT(parse_duration_ms("-5m"), -2);
    CHECK_INT(parse_duration_ms("1s5"), -2);
}

TEST(zz_stop)
{
    start();
    server_stop(srv);
    srv = NULL;
    CHECK_INT(atomic_load(&active), 0);
    curl_global_cleanup();
}
