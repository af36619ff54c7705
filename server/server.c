/*
 * server.c - starts and stops the parts of `model serve` (see server.h),
 * and the server's own endpoints.
 */
#include "server.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../common/version.h"
#include "catalog.h"
#include "scheduler.h"

struct server *server_start(const struct server_opts *o)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s)
        return err_set("out of memory"), NULL;
    s->o = *o;
    s->started = (int64_t)time(NULL);
    if (!(s->catalog = catalog_new(o->store_root, o->files, o->n_files)))
        goto fail;
    struct sched_opts so = { .parallel = o->parallel, .keep_alive_ms = o->keep_alive_ms, .ops = o->ops,
                             .catalog = s->catalog };
    if (!(s->sched = sched_new(&so)))
        goto fail;
    struct http_opts ho = { .host = o->host, .port = o->port, .max_body = o->max_body };
    if (!(s->http = http_start(&ho, s, &s->port)))
        goto fail;
    return s;
fail:
    server_stop(s);
    return NULL;
}

void server_stop(struct server *s)
{
    if (!s)
        return;
    /* The daemon first: its connection threads may be waiting on the scheduler,
     * which the unload below wakes (their requests are cancelled). */
    struct http_server *h = s->http;
    s->http = NULL;
    if (s->sched)
        sched_unload(s->sched, NULL, NULL, NULL);
    http_stop(h);
    sched_free(s->sched);
    catalog_free(s->catalog);
    free(s);
}

struct http_reply server_unload_handler(const struct http_request *r)
{
    cJSON *req = cJSON_ParseWithLength(r->body, r->body_len);
    if (!req || !cJSON_IsObject(req)) {
        cJSON_Delete(req);
        return http_error(400, "invalid_json", "the request body is not a JSON object");
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(req, "model");
    int all = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "all"));
    if (!all && !cJSON_IsString(model)) {
        cJSON_Delete(req);
        return http_error(400, "invalid_parameter", "give \"model\": NAME or \"all\": true");
    }
    char **names;
    int n_names;
    int n = sched_unload(r->srv->sched, all ? NULL : model->valuestring, &names, &n_names);
    if (n < 0) {
        struct http_reply rep = http_error(404, "model_not_found", "%s", err_msg());
        cJSON_Delete(req);
        return rep;
    }
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(out, "unloaded");
    for (int i = 0; i < n_names; i++) {
        cJSON_AddItemToArray(arr, cJSON_CreateString(names[i] ? names[i] : ""));
        free(names[i]);
    }
    free(names);
    cJSON_Delete(req);
    return http_json(200, out);
}

struct http_reply server_root_handler(const struct http_request *r)
{
    (void)r;
    static const char text[] = "model serve is running (OpenAI API under /v1, Ollama API under /api)\n";
    struct http_reply rep = { 200, MHD_create_response_from_buffer(sizeof text - 1, (void *)text,
                                                                   MHD_RESPMEM_PERSISTENT) };
    if (rep.resp)
        MHD_add_response_header(rep.resp, "Content-Type", "text/plain; charset=utf-8");
    return rep;
}

int64_t parse_duration_ms(const char *text)
{
    const char *s = text;
    int64_t total = 0;
    if (!strcmp(s, "-1") || !strcmp(s, "never"))
        return -1;
    if (!*s)
        goto bad;
    while (*s) {
        if (!isdigit((unsigned char)*s))
            goto bad;
        errno = 0;
        char *end;
        double v = strtod(s, &end);
        if (errno || end == s)
            goto bad;
        int64_t unit;
        if (!strncmp(end, "ms", 2))
            unit = 1, end += 2;
        else if (*end == 's')
            unit = 1000, end++;
        else if (*end == 'm')
            unit = 60000, end++;
        else if (*end == 'h')
            unit = 3600000, end++;
        else if (!*end && s == text)
            unit = 1000; /* a bare number is seconds, as Ollama reads it */
        else
            goto bad;
        if (v * (double)unit > 9e15)
            goto bad;
        total += (int64_t)(v * (double)unit);
        s = end;
    }
    return total;
bad:
    err_set("'%s' is not a duration (examples: 5m, 30s, 1h, 0 to unload at once, -1 for never)", text);
    return -2;
}
