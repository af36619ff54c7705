/*
 * test_toolcall.c - the tool-call parser on crafted model output: R1's
 * markup (as its template writes it), Hermes' <tool_call>, Llama's bare
 * JSON, streaming in pieces of every size, and text that only looks like
 * a call.
 */
#include "test.h"

#include <string.h>

#include "../server/toolcall.h"

/* text parses to exactly one call, of want_name with want_args (compacted). A macro so a failure names
 * the case's line. */
#define CHECK_ONE_CALL(text, want_name, want_args)                                                        \
    do {                                                                                                  \
        struct tool_call *c_;                                                                             \
        int n_;                                                                                           \
        char *content_;                                                                                   \
        CHECK_INT(toolcall_parse(text, &c_, &n_, &content_), 1);                                          \
        CHECK_STR(c_[0].name, want_name);                                                                 \
        CHECK_STR(c_[0].arguments, want_args);                                                            \
        toolcall_calls_free(c_, n_);                                                                      \
        free(content_);                                                                                   \
    } while (0)

#define R1_ONE                                                                                            \
    "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n" \
    "```<｜tool▁call▁end｜><｜tool▁calls▁end｜>"

TEST(r1_single_call)
{
    struct tool_call *c;
    int n;
    char *content;
    CHECK_INT(toolcall_parse(R1_ONE, &c, &n, &content), 1);
    CHECK_INT(n, 1);
    CHECK_STR(c[0].name, "get_weather");
    CHECK_STR(c[0].arguments, "{\"city\":\"Paris\"}");
    CHECK(!strncmp(c[0].id, "call_", 5) && strlen(c[0].id) == 29);
    CHECK_STR(content, "");
    toolcall_calls_free(c, n);
    free(content);
}

TEST(r1_two_calls_with_text_before)
{
    const char *text = "Let me look.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{\"x\":1}\n```"
                       "<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>b\n```json\n[1, 2]\n```<｜tool▁call▁end｜>"
                       "<｜tool▁calls▁end｜>";
    struct tool_call *c;
    int n;
    char *content;
    CHECK_INT(toolcall_parse(text, &c, &n, &content), 2);
    CHECK_STR(c[0].name, "a");
    CHECK_STR(c[0].arguments, "{\"x\":1}");
    CHECK_STR(c[1].name, "b");
    CHECK_STR(c[1].arguments, "[1,2]");
    CHECK(strcmp(c[0].id, c[1].id) != 0);
    CHECK_STR(content, "Let me look.");
    toolcall_calls_free(c, n);
    free(content);
}

TEST(r1_unterminated_call_still_parses)
{
    /* generation cut by max_tokens after the arguments */
    const char *text = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": true}\n```";
    CHECK_ONE_CALL(text, "f", "{\"a\":true}");
}

TEST(hermes_and_bare_json)
{
    CHECK_ONE_CALL("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"q\": \"a b\"}}\n</tool_call>", "f",
                   "{\"q\":\"a b\"}");
    CHECK_ONE_CALL(" {\"name\": \"g\", \"parameters\": {\"n\": 3}}", "g", "{\"n\":3}");
    /* arguments given as a JSON string */
    CHECK_ONE_CALL("<|python_tag|>{\"name\": \"h\", \"arguments\": \"{\\\"k\\\":1}\"}", "h", "{\"k\":1}");

    struct tool_call *c;
    int n;
    char *content;
    CHECK_INT(toolcall_parse("[{\"name\":\"a\",\"arguments\":{}},{\"name\":\"b\",\"arguments\":{}}]", &c, &n, &content), 2);
    CHECK_STR(c[1].name, "b");
    toolcall_calls_free(c, n);
    free(content);
}

TEST(plain_text_is_content)
{
    static const char *const texts[] = {
        "Hello there.", "{not json at all", "{\"answer\": 42}", "a < b and <tool but not a call", "",
        "<tool_call>broken</tool_call>", "ends with a marker prefix <｜tool▁ca",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        struct tool_call *c;
        int n;
        char *content;
        CHECK_INT(toolcall_parse(texts[i], &c, &n, &content), 0);
        CHECK_STR(content, texts[i]);
        toolcall_calls_free(c, n);
        free(content);
    }
}

/* Fed in pieces of k bytes, the content that streams out plus what finish
 * returns is the whole text before the call, and the call is the same. */
TEST(streaming_any_split)
{
    const char *text = "Sure." R1_ONE;
    size_t len = strlen(text);
    for (size_t k = 1; k <= len; k++) {
        struct toolcall_parser *p = toolcall_new();
        char streamed[512] = "";
        size_t sn = 0;
        for (size_t i = 0; i < len; i += k) {
            const char *out;
            size_t n;
            CHECK_INT(toolcall_feed(p, text + i, i + k <= len ? k : len - i, &out, &n), 0);
            CHECK(sn + n < sizeof streamed);
            memcpy(streamed + sn, out, n);
            sn += n;
            streamed[sn] = 0;
        }
        struct tool_call *c;
        int n;
        char *rest;
        CHECK_INT(toolcall_finish(p, &c, &n, &rest), 1);
        CHECK_STR(streamed, "Sure.");
        CHECK_STR(rest, "");
        CHECK(n == 1 && !strcmp(c[0].name, "get_weather"));
        toolcall_calls_free(c, n);
        free(rest);
        toolcall_free(p);
    }
}

TEST(streaming_plain_text_is_not_held)
{
    struct toolcall_parser *p = toolcall_new();
    const char *out;
    size_t n;
    CHECK_INT(toolcall_feed(p, "Hello", 5, &out, &n), 0);
    CHECK_INT(n, 5);
    /* "<" may start a marker: held back until the next piece says otherwise */
    CHECK_INT(toolcall_feed(p, " <", 2, &out, &n), 0);
    CHECK_INT(n, 1);
    CHECK_INT(toolcall_feed(p, "b>", 2, &out, &n), 0);
    CHECK_INT(n, 3);
    CHECK(!memcmp(out, "<b>", 3));
    struct tool_call *c;
    int k;
    char *rest;
    CHECK_INT(toolcall_finish(p, &c, &k, &rest), 0);
    CHECK_STR(rest, "");
    toolcall_calls_free(c, k);
    free(rest);
    toolcall_free(p);
}
