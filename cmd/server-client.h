/*
 * server-client.h - how `model ps` and `model unload` reach a running
 * `model serve`: $MODEL_HOST (host:port or a URL), default 127.0.0.1:12434.
 */
#ifndef CMD_SERVER_CLIENT_H
#define CMD_SERVER_CLIENT_H

#include <cjson/cJSON.h>

/* GET (body NULL) or POST a JSON body to path; the parsed JSON answer in
 * *out. Prints the error and returns -1 when the server cannot be reached
 * or answers with an error (its message shown). */
int server_call(const char *path, const char *body, cJSON **out);

#endif
