/*
 * http.h - the HTTP front of `model serve`: a libmicrohttpd daemon with one
 * thread per connection (a handler may block while its request waits for a
 * slot), a request body size limit, the route table, and the helpers every
 * handler answers with (JSON bodies, errors in OpenAI's shape).
 */
#ifndef SERVER_HTTP_H
#define SERVER_HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

struct server;

struct http_request {
    const char *method;
    const char *path;        /* with Docker Model Runner's /engines[/llama.cpp] prefix removed */
    const char *body;        /* NUL-terminated */
    size_t body_len;
    int fd;                  /* the client's socket, to notice it leaving */
    struct MHD_Connection *conn;
    struct server *srv;
};

/* What a handler answers: a status and a response (owned by the caller). */
struct http_reply {
    unsigned status;
    struct MHD_Response *resp;
};

/* A JSON body (takes ownership of j). */
struct http_reply http_json(unsigned status, cJSON *j);
/* {"error":{"message","type","code"}}: type from the status
 * (invalid_request_error, not_found_error, server_error, ...). code may be NULL. */
struct http_reply http_error(unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 1 when the client at fd has closed its end (or the socket failed). */
int http_peer_gone(int fd);

struct http_opts {
    const char *host;        /* "127.0.0.1" unless --host */
    int port;                /* 0: any free port */
    size_t max_body;         /* bytes; larger bodies get 413 */
};

struct http_server;
/* Listen and serve in background threads; the bound port in *port_out. */
struct http_server *http_start(const struct http_opts *o, struct server *srv, int *port_out);
void http_stop(struct http_server *h);

#endif
