/*
 * http.c - libmicrohttpd daemon, request bodies, routing (see http.h).
 *
 * One thread per connection: handlers block while their request waits for
 * a slot or generates, and streamed bodies come from a reader callback that
 * blocks until the generation thread has written more (sse.c). Docker Model
 * Runner's paths are the OpenAI ones behind a prefix, so the prefix is
 * stripped once here and every route is written once.
 */
#include "http.h"

#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/err.h"
#include "../common/strbuf.h"
#include "ollama.h"
#include "openai.h"
#include "server.h"

struct http_server {
    struct MHD_Daemon *d;
    struct server *srv;
    size_t max_body;
};

/* Per-request state while the body arrives. */
struct req_ctx {
    struct strbuf body;
    int too_large;
};

struct http_reply http_json(unsigned status, cJSON *j)
{
    struct http_reply r = { status, NULL };
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!text) {
        static const char oom[] = "{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\",\"code\":null}}";
        r.status = 500;
        r.resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
    } else {
        r.resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    }
    if (r.resp)
        MHD_add_response_header(r.resp, "Content-Type", "application/json");
    return r;
}

static const char *error_type(unsigned status)
{
    switch (status) {
    case 400: case 413: case 422: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 405: return "invalid_request_error";
    case 503: return "unavailable_error";
    default: return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

struct http_reply http_error(unsigned status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddStringToObject(e, "message", msg);
    cJSON_AddStringToObject(e, "type", error_type(status));
    if (code)
        cJSON_AddStringToObject(e, "code", code);
    else
        cJSON_AddNullToObject(e, "code");
    return http_json(status, root);
}

int http_peer_gone(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = { .fd = fd, .events = POLLRDHUP };
    if (poll(&p, 1, 0) < 0)
        return 0;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* "/engines/llama.cpp/v1/x" and "/engines/v1/x" are "/v1/x". */
static const char *strip_prefix(const char *url)
{
    static const char *const prefixes[] = { "/engines/llama.cpp", "/engines" };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(url, prefixes[i], n) && !strncmp(url + n, "/v1/", 4))
            return url + n;
    }
    return url;
}

typedef struct http_reply (*handler_fn)(const struct http_request *r);

static const struct route {
    const char *method;
    const char *path;         /* exact, or a prefix when it ends in '/' */
    handler_fn fn;
} routes[] = {
    { "GET", "/v1/models", openai_models },
    { "GET", "/v1/models/", openai_model },
    { "POST", "/v1/chat/completions", openai_chat },
    { "POST", "/v1/completions", openai_completions },
    { "POST", "/api/chat", ollama_chat },
    { "POST", "/api/generate", ollama_generate },
    { "GET", "/api/tags", ollama_tags },
    { "GET", "/api/ps", ollama_ps },
    { "GET", "/api/version", ollama_version },
    { "POST", "/api/show", ollama_show },
    { "POST", "/api/unload", server_unload_handler },
    { "GET", "/", server_root_handler },
};

static struct http_reply route(const struct http_request *r)
{
    int path_known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const struct route *rt = &routes[i];
        size_t n = strlen(rt->path);
        int match = rt->path[n - 1] == '/' && n > 1 ? !strncmp(r->path, rt->path, n) && r->path[n]
                                                     : !strcmp(r->path, rt->path);
        if (!match)
            continue;
        path_known = 1;
        if (!strcmp(r->method, rt->method))
            return rt->fn(r);
    }
    if (path_known)
        return http_error(405, "method_not_allowed", "%s is not allowed on %s", r->method, r->path);
    return http_error(404, "not_found", "no route for %s %s", r->method, r->path);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_reply rep)
{
    if (!rep.resp)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(conn, rep.status, rep.resp);
    MHD_destroy_response(rep.resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct http_server *h = cls;
    struct req_ctx *c = *con_cls;
    (void)version;

    if (!c) {
        if (!(c = calloc(1, sizeof *c)))
            return MHD_NO;
        *con_cls = c;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > h->max_body) {
            /* refuse before reading the body; MHD closes the connection after the reply */
            c->too_large = 1;
            return send_reply(conn, http_error(413, "request_too_large", "request body is larger than %zu bytes",
                                               h->max_body));
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!c->too_large && c->body.n + *upload_size > h->max_body)
            c->too_large = 1;
        if (!c->too_large && strbuf_add(&c->body, upload, *upload_size) < 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->too_large)
        return send_reply(conn, http_error(413, "request_too_large", "request body is larger than %zu bytes",
                                           h->max_body));

    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct http_request r = {
        .method = method,
        .path = strip_prefix(url),
        .body = c->body.p ? c->body.p : "",
        .body_len = c->body.n,
        .fd = ci ? ci->connect_fd : -1,
        .conn = conn,
        .srv = h->srv,
    };
    return send_reply(conn, route(&r));
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode t)
{
    struct req_ctx *c = *con_cls;
    (void)cls;
    (void)conn;
    (void)t;
    if (c) {
        free(c->body.p);
        free(c);
        *con_cls = NULL;
    }
}

struct http_server *http_start(const struct http_opts *o, struct server *srv, int *port_out)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *ai = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", o->port);
    int gai = getaddrinfo(o->host, port, &hints, &ai);
    if (gai)
        return err_set("cannot resolve --host %s: %s", o->host, gai_strerror(gai)), NULL;

    struct http_server *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        return err_set("out of memory"), NULL;
    }
    h->srv = srv;
    h->max_body = o->max_body;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
                            MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->d) {
        free(h);
        return err_set("cannot listen on %s:%d (address in use, or not an address of this host?)", o->host,
                       o->port), NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    *port_out = di ? di->port : o->port;
    return h;
}

void http_stop(struct http_server *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h);
}
