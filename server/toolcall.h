/*
 * toolcall.h - finds tool calls in what a model generates and turns them
 * into OpenAI's tool_calls (id, function.name, function.arguments as JSON
 * text).
 *
 * Forms recognised:
 *   DeepSeek-R1:  <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME
 *                 ```json
 *                 {ARGS}
 *                 ```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>
 *   Hermes/Qwen:  <tool_call>{"name": NAME, "arguments": {ARGS}}</tool_call>
 *   Llama 3.x:    [<|python_tag|>]{"name": NAME, "parameters": {ARGS}} as the whole answer
 *                 (also an array of such objects)
 *
 * The parser is fed the answer as it streams: text that cannot be part of a
 * tool call is handed back at once (to stream as content); text that may
 * start one (a marker's first bytes, or an answer opening with '{' or '[')
 * is held until it is clear. At the end, toolcall_finish() says what was
 * found and returns the held text that turned out to be plain content.
 */
#ifndef SERVER_TOOLCALL_H
#define SERVER_TOOLCALL_H

#include <stddef.h>

struct tool_call {
    char id[32];          /* "call_" + 24 random characters */
    char *name;
    char *arguments;      /* JSON text (compact when it parses) */
};

struct toolcall_parser;
struct toolcall_parser *toolcall_new(void);
void toolcall_free(struct toolcall_parser *p);

/* Feed text; *out (valid until the next call) receives the bytes that are
 * plain content, *out_len of them (possibly 0). -1 on out of memory. */
int toolcall_feed(struct toolcall_parser *p, const char *text, size_t len, const char **out, size_t *out_len);

/* End of the answer. *calls (malloc'd, *n of them; free with
 * toolcall_calls_free) and *rest: held text that is content after all
 * (malloc'd, may be ""). Returns *n, or -1 on out of memory. */
int toolcall_finish(struct toolcall_parser *p, struct tool_call **calls, int *n, char **rest);
void toolcall_calls_free(struct tool_call *calls, int n);

/* Whole text in one go (non-streamed answers, tests): the calls, and the
 * content that is left (malloc'd). */
int toolcall_parse(const char *text, struct tool_call **calls, int *n, char **content);

#endif
