/*
 * request.c - running a generation for a handler, and request parameters
 * (see request.h).
 */
#include "deadline.h"
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../common/err.h"
#include "server.h"

void run_init(struct run *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cond, &ca);
    pthread_condattr_destroy(&ca);
    r->cancel = 0;
    r->refs = 1;
}

void run_release(struct run *r)
{
    pthread_mutex_lock(&r->mu);
    int last = --r->refs == 0;
    pthread_mutex_unlock(&r->mu);
    if (!last)
        return;
    if (r->destroy)
        r->destroy(r);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    free(r);
}

static int on_text(void *ctx, enum gen_channel ch, const char *s, size_t n)
{
    struct run *r = ctx;
    if (!r->started) {
        pthread_mutex_lock(&r->mu);
        r->started = 1;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->mu);
    }
    return r->text ? r->text(r, ch, s, n) : 0;
}

static void on_done(struct job *j)
{
    struct run *r = (struct run *)j;
    if (r->stream) {
        if (r->tail)
            r->tail(r);
        stream_finish(r->stream);
    }
    pthread_mutex_lock(&r->mu);
    r->finished = 1;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
    run_release(r);
}

static const char *code_for(int status)
{
    switch (status) {
    case 400: return "context_length_exceeded";
    case 404: return "model_not_found";
    case 503: return "model_unavailable";
    default: return "server_error";
    }
}

struct http_reply run_error_reply(const struct run *r)
{
    int status = r->job.status ? r->job.status : 500;
    return http_error((unsigned)status, code_for(status), "%s", r->job.err);
}

int run_request(const struct http_request *hr, const char *model, struct run *r, int stream,
                const char *content_type, struct MHD_Response **resp, struct http_reply *err)
{
    *resp = NULL;
    if (stream) {
        if (!(r->stream = stream_new(hr->fd)) || !(*resp = stream_response(r->stream, content_type))) {
            r->err_status = 500;
            snprintf(r->err_msg, sizeof r->err_msg, "out of memory");
            *err = http_error(500, "server_error", "out of memory");
            return -1;
        }
        r->job.cancel = &r->stream->cancel;
    } else {
        r->job.cancel = &r->cancel;
    }
    r->job.on_text = on_text;
    r->job.ctx = r;
    r->job.done = on_done;
    r->refs = 2;

    int status = 500;
    if (sched_submit(hr->srv->sched, model, &r->job, &status) < 0) {
        r->refs = 1;
        r->err_status = status;
        snprintf(r->err_msg, sizeof r->err_msg, "%s", err_msg());
        *err = http_error((unsigned)status, code_for(status), "%s", r->err_msg);
        if (*resp)
            MHD_destroy_response(*resp);
        *resp = NULL;
        if (r->stream)
            stream_finish(r->stream);
        r->stream = NULL;
        return -1;
    }

    pthread_mutex_lock(&r->mu);
    while (!r->finished && !(stream && r->started)) {
        struct timespec ts;
        deadline_after_ms(&ts, CLOCK_MONOTONIC, 100);
        pthread_cond_timedwait(&r->cond, &r->mu, &ts);
        if (!r->finished && http_peer_gone(hr->fd))
            *r->job.cancel = 1;
    }
    int failed_early = r->finished && r->job.failed && !r->started;
    pthread_mutex_unlock(&r->mu);

    if (failed_early || (!stream && r->job.failed)) {
        r->err_status = r->job.status ? r->job.status : 500;
        snprintf(r->err_msg, sizeof r->err_msg, "%s", r->job.err);
        *err = run_error_reply(r);
        if (*resp)
            MHD_destroy_response(*resp);
        *resp = NULL;
        return -1;
    }
    return 0;
}

/* ---- parameters ------------------------------------------------------------- */

static int get_number(const cJSON *o, const char *key, double lo, double hi, double *out, int *has, char *err,
                      size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi) {
        snprintf(err, n, "'%s' must be a number from %g to %g", key, lo, hi);
        return -1;
    }
    *out = v->valuedouble;
    *has = 1;
    return 0;
}

static int get_stop(const cJSON *o, const char *key, struct req_params *p, char *err, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsString(v)) {
        if (*v->valuestring)
            p->stop[p->n_stop++] = v->valuestring;
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > GEN_MAX_STOP) {
        snprintf(err, n, "'%s' must be a string or an array of at most %d strings", key, GEN_MAX_STOP);
        return -1;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e)) {
            snprintf(err, n, "'%s' must hold strings only", key);
            return -1;
        }
        if (*e->valuestring)
            p->stop[p->n_stop++] = e->valuestring;
    }
    return 0;
}

static int common(const cJSON *o, struct req_params *p, const char *max_key, const char *max_key2, char *err,
                  size_t n)
{
    double d = 0;
    int has = 0;
    memset(p, 0, sizeof *p);
    if (!o)
        return 0;
    if (get_number(o, "temperature", 0, 2, &d, &p->has_temperature, err, n) < 0)
        return -1;
    p->temperature = (float)d;
    if (get_number(o, "top_p", 0, 1, &d, &p->has_top_p, err, n) < 0)
        return -1;
    p->top_p = (float)d;
    if (get_number(o, "seed", -9.2e18, 9.2e18, &d, &p->has_seed, err, n) < 0)
        return -1;
    p->seed = (uint64_t)(int64_t)d;
    const char *keys[2] = { max_key, max_key2 };
    for (int i = 0; i < 2; i++) {
        has = 0;
        if (keys[i] && get_number(o, keys[i], -1, 1e9, &d, &has, err, n) < 0)
            return -1;
        if (has && d >= 1)
            p->max_tokens = (int)d;
        else if (has && d < 1 && !(d == -1 && !strcmp(keys[i], "num_predict"))) {
            snprintf(err, n, "'%s' must be at least 1", keys[i]);
            return -1;
        }
    }
    return get_stop(o, "stop", p, err, n);
}

int params_openai(const cJSON *body, struct req_params *p, char *err, size_t n)
{
    if (common(body, p, "max_tokens", "max_completion_tokens", err, n) < 0)
        return -1;
    const cJSON *nn = cJSON_GetObjectItemCaseSensitive(body, "n");
    if (nn && !cJSON_IsNull(nn) && (!cJSON_IsNumber(nn) || nn->valuedouble != 1)) {
        snprintf(err, n, "'n' must be 1 (one choice per request)");
        return -1;
    }
    return 0;
}

int params_ollama(const cJSON *options, struct req_params *p, char *err, size_t n)
{
    if (options && !cJSON_IsObject(options)) {
        memset(p, 0, sizeof *p);
        snprintf(err, n, "'options' must be an object");
        return -1;
    }
    return common(options, p, "num_predict", NULL, err, n);
}

void random_id(const char *prefix, char *out, size_t n)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char b[24];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(rand() & 0xff);
    size_t k = (size_t)snprintf(out, n, "%s", prefix);
    for (size_t i = 0; i < sizeof b && k + 1 < n; i++)
        out[k++] = abc[b[i] % (sizeof abc - 1)];
    if (k < n)
        out[k] = 0;
}
