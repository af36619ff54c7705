/*
 * server.h - `model serve` as a whole: the catalog of models, the scheduler
 * and the HTTP daemon, started and stopped together; plus the handlers that
 * belong to the server itself rather than to an API dialect (the admin
 * unload endpoint, the root).
 *
 *     struct server_opts o = { .host = "127.0.0.1", .port = 12434, ... };
 *     struct server *s = server_start(&o);    // listening when it returns
 *     ... wait for a signal ...
 *     server_stop(s);
 */
#ifndef SERVER_SERVER_H
#define SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "http.h"

struct server_opts {
    const char *host;
    int port;                       /* 0: any free port */
    int64_t keep_alive_ms;          /* < 0: never unload */
    int parallel;                   /* slots per model */
    size_t max_body;                /* request body limit, bytes */
    const char *store_root;         /* NULL: the default store */
    const char *const *files;       /* GGUF files served by file name */
    int n_files;
    const struct engine_ops *ops;   /* &engine_runtime, or a test's */
};

struct server {
    struct server_opts o;
    struct catalog *catalog;
    struct scheduler *sched;
    struct http_server *http;
    int port;                       /* the bound port */
    int64_t started;                /* unix seconds */
};

/* NULL with err set. */
struct server *server_start(const struct server_opts *o);
void server_stop(struct server *s);

/* POST /api/unload {"model": NAME} or {"all": true}: unload now. */
struct http_reply server_unload_handler(const struct http_request *r);
/* GET /: a line saying what this is. */
struct http_reply server_root_handler(const struct http_request *r);

/* "5m", "30s", "1h30m", "250ms", "0" (unload at once), "-1" (never): milliseconds.
 * -2 with err set on bad text. */
int64_t parse_duration_ms(const char *text);

#endif
