/*
 * ollama.h - Ollama's API, for the tools that speak it: /api/chat and
 * /api/generate (streamed as newline-delimited JSON unless "stream": false),
 * /api/tags (the models), /api/ps (the loaded ones, also what `model ps`
 * reads) and /api/show (one model's template, metadata and capabilities).
 */
#ifndef SERVER_OLLAMA_H
#define SERVER_OLLAMA_H

#include "http.h"

struct http_reply ollama_chat(const struct http_request *r);
struct http_reply ollama_generate(const struct http_request *r);
struct http_reply ollama_tags(const struct http_request *r);
struct http_reply ollama_ps(const struct http_request *r);
struct http_reply ollama_version(const struct http_request *r);
struct http_reply ollama_show(const struct http_request *r);

#endif
