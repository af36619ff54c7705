/*
 * test_serve_template.c - what the server hands the chat template: OpenAI
 * messages normalised (content parts joined, developer read as system,
 * tool-call arguments as JSON text) and a tool round trip (assistant
 * tool_calls, role:tool results) rendered by the fixture's DeepSeek-R1
 * template into R1's tool markup, as distribution-and-peers.md 6.4 shows.
 */
#include "test.h"

#include <cjson/cJSON.h>

#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/tokenizer.h"
#include "../server/openai.h"
#include "../server/template.h"

static struct chat_tmpl *load(struct tokenizer **tok)
{
    struct gguf *g = gguf_open(fixture_path("models/tiny-q8_0.gguf"));
    if (!g)
        return NULL;
    struct gguf_str s;
    char *src = gguf_get_str(g, "tokenizer.chat_template", &s) == 0 ? gguf_strdup(s) : NULL;
    *tok = tokenizer_load(g);
    struct chat_tmpl *t = src && *tok ? chat_tmpl_new(src, *tok) : NULL;
    free(src);
    gguf_close(g);
    return t;
}

static char *render(struct chat_tmpl *t, const char *json, const char *tools)
{
    char err[256] = "";
    cJSON *in = cJSON_Parse(json), *tl = tools ? cJSON_Parse(tools) : NULL;
    cJSON *msgs = openai_messages(in, err, sizeof err);
    char *out = NULL;
    if (!msgs)
        fprintf(stderr, "    openai_messages: %s\n", err);
    else if (chat_tmpl_render(t, msgs, tl, 1, &out) < 0)
        fprintf(stderr, "    render: %s\n", err_msg());
    cJSON_Delete(in);
    cJSON_Delete(tl);
    cJSON_Delete(msgs);
    return out;
}

TEST(plain_chat_with_parts_and_developer)
{
    struct tokenizer *tok = NULL;
    struct chat_tmpl *t = load(&tok);
    if (!t)
        SKIP("fixture models/tiny-q8_0.gguf or its template cannot be loaded");
    CHECK(chat_tmpl_reasoning(t));
    char *p = render(t,
                     "[{\"role\":\"developer\",\"content\":\"SYS\"},"
                     "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi \"},{\"type\":\"text\",\"text\":\"there\"}]}]",
                     NULL);
    CHECK_STR(p, "<｜begin▁of▁sentence｜>SYS<｜User｜>Hi there<｜Assistant｜><think>\n");
    free(p);
    chat_tmpl_free(t);
    tokenizer_free(tok);
}

TEST(tool_round_trip_renders_r1_markup)
{
    struct tokenizer *tok = NULL;
    struct chat_tmpl *t = load(&tok);
    if (!t)
        SKIP("fixture models/tiny-q8_0.gguf or its template cannot be loaded");
    const char *tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]";
    /* arguments given as an object (Ollama clients) become JSON text */
    char *p = render(t,
                     "[{\"role\":\"user\",\"content\":\"Weather?\"},"
                     "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                     "\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]},"
                     "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"t\\\":21}\"}]",
                     tools);
    CHECK_STR(p, "<｜begin▁of▁sentence｜><｜User｜>Weather?<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function"
                 "<｜tool▁sep｜>get_weather\n```json\n{\"city\":\"Paris\"}\n```<｜tool▁call▁end｜>"
                 "<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>{\"t\":21}<｜tool▁output▁end｜><｜tool▁outputs▁end｜>");
    free(p);
    chat_tmpl_free(t);
    tokenizer_free(tok);
}

TEST(bad_messages_are_refused)
{
    static const char *const bad[] = {
        "[]", "{}", "[{\"content\":\"x\"}]", "[{\"role\":\"robot\",\"content\":\"x\"}]",
        "[{\"role\":\"user\",\"content\":null}]", "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]",
        "[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"function\":{}}]}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        cJSON *in = cJSON_Parse(bad[i]);
        cJSON *m = openai_messages(in, err, sizeof err);
        CHECK(m == NULL && *err);
        cJSON_Delete(m);
        cJSON_Delete(in);
    }
}
