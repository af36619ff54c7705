/*
 * openai.h - the OpenAI API: models, chat completions (with streaming,
 * reasoning_content and tool calls) and legacy completions. Also served
 * under Docker Model Runner's /engines/v1 and /engines/llama.cpp/v1.
 */
#ifndef SERVER_OPENAI_H
#define SERVER_OPENAI_H

#include "http.h"

struct http_reply openai_models(const struct http_request *r);
struct http_reply openai_model(const struct http_request *r);
struct http_reply openai_chat(const struct http_request *r);
struct http_reply openai_completions(const struct http_request *r);

/* Checks an OpenAI messages array and returns the copy the template gets:
 * content parts joined into one string, "developer" read as "system",
 * tool-call arguments as JSON text. NULL with a message in err (a 400). */
cJSON *openai_messages(const cJSON *messages, char *err, size_t n);
/* Checks a tools array ({"type":"function","function":{"name",...}}). */
int openai_check_tools(const cJSON *tools, char *err, size_t n);

#endif
