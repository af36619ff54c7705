/*
 * sse.c - the pipe behind a streamed response (see sse.h).
 */
#include "deadline.h"
#include "sse.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

struct pipe_ {
    struct stream pub;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    char *buf;
    size_t len, cap, off;  /* unread bytes are buf[off..len) */
    int finished;          /* producer done */
    int gone;              /* consumer gone */
    int refs;
    int fd;
};

static struct pipe_ *P(struct stream *s)
{
    return (struct pipe_ *)s;
}

static void unref(struct pipe_ *p)
{
    pthread_mutex_lock(&p->mu);
    int last = --p->refs == 0;
    pthread_mutex_unlock(&p->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cond);
    free(p->buf);
    free(p);
}

struct stream *stream_new(int fd)
{
    struct pipe_ *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    p->refs = 1;
    p->fd = fd;
    p->pub.cancel = 0;
    return &p->pub;
}

int stream_write(struct stream *s, const char *data, size_t len)
{
    struct pipe_ *p = P(s);
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    if (p->gone) {
        rc = -1;
    } else {
        if (p->off && p->off == p->len)
            p->off = p->len = 0;
        if (p->len + len > p->cap) {
            size_t cap = (p->len + len) * 2 + 256;
            char *b = realloc(p->buf, cap);
            if (!b) {
                pthread_mutex_unlock(&p->mu);
                return -1;
            }
            p->buf = b;
            p->cap = cap;
        }
        memcpy(p->buf + p->len, data, len);
        p->len += len;
        pthread_cond_signal(&p->cond);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void stream_finish(struct stream *s)
{
    struct pipe_ *p = P(s);
    pthread_mutex_lock(&p->mu);
    p->finished = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    unref(p);
}

/* MHD asks for more body: wait for data, the end, or the client leaving. */
static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    struct pipe_ *p = cls;
    (void)pos;
    pthread_mutex_lock(&p->mu);
    while (p->off == p->len && !p->finished && !p->gone) {
        struct timespec ts;
        deadline_after_ms(&ts, CLOCK_MONOTONIC, 100);
        pthread_cond_timedwait(&p->cond, &p->mu, &ts);
        if (p->off == p->len && !p->finished && http_peer_gone(p->fd)) {
            p->gone = 1;
            p->pub.cancel = 1;
        }
    }
    ssize_t n;
    if (p->off < p->len) {
        size_t k = p->len - p->off < max ? p->len - p->off : max;
        memcpy(out, p->buf + p->off, k);
        p->off += k;
        n = (ssize_t)k;
    } else {
        n = p->gone ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    }
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* The response is gone: finished, or the client disconnected mid-way. */
static void reader_free(void *cls)
{
    struct pipe_ *p = cls;
    pthread_mutex_lock(&p->mu);
    if (!p->finished) {
        p->gone = 1;
        p->pub.cancel = 1;
    }
    pthread_mutex_unlock(&p->mu);
    unref(p);
}

struct MHD_Response *stream_response(struct stream *s, const char *content_type)
{
    struct pipe_ *p = P(s);
    pthread_mutex_lock(&p->mu);
    p->refs++;
    pthread_mutex_unlock(&p->mu);
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, p, reader_free);
    if (!r) {
        unref(p);
        return NULL;
    }
    MHD_add_response_header(r, "Content-Type", content_type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    return r;
}

static int write_json(struct stream *s, const char *pre, const cJSON *j, const char *post)
{
    char *text = cJSON_PrintUnformatted(j);
    if (!text)
        return -1;
    int rc = 0;
    size_t a = strlen(pre), b = strlen(text), c = strlen(post);
    char *msg = malloc(a + b + c);
    if (!msg) {
        free(text);
        return -1;
    }
    memcpy(msg, pre, a);
    memcpy(msg + a, text, b);
    memcpy(msg + a + b, post, c);
    rc = stream_write(s, msg, a + b + c);
    free(msg);
    free(text);
    return rc;
}

int sse_event(struct stream *s, const cJSON *j)
{
    return write_json(s, "data: ", j, "\n\n");
}

int sse_done(struct stream *s)
{
    static const char done[] = "data: [DONE]\n\n";
    return stream_write(s, done, sizeof done - 1);
}

int ndjson_line(struct stream *s, const cJSON *j)
{
    return write_json(s, "", j, "\n");
}
