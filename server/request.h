/*
 * request.h - what the API dialects (openai.c, ollama.c) share: reading the
 * sampling parameters out of a request, and running a generation to its end
 * (plain answers) or to its first text (streamed answers, so that a request
 * that fails before generating - unknown model, memory, context overflow -
 * still gets its HTTP error status instead of a 200 with an error event).
 *
 * A run is owned by the handler and by the worker that generates; whoever
 * lets go last frees it (with the dialect's destroy()).
 */
#ifndef SERVER_REQUEST_H
#define SERVER_REQUEST_H

#include <pthread.h>
#include <signal.h>

#include "http.h"
#include "scheduler.h"
#include "sse.h"

struct run {
    struct job job;
    struct stream *stream;          /* streamed answers, else NULL */
    /* dialect hooks: text as it is generated (worker thread); the last events of a
     * stream (worker thread, after generation); freeing the dialect's state. */
    int (*text)(struct run *r, enum gen_channel ch, const char *s, size_t n);
    void (*tail)(struct run *r);
    void (*destroy)(struct run *r);
    void *api;                      /* the dialect's state */

    volatile sig_atomic_t cancel;   /* plain answers: the client left */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int started, finished, refs;
    int err_status;                 /* when run_request() fails: the status and message */
    char err_msg[512];
};

/* Set up r (zeroes it); the caller then fills job.in, job.params and the hooks. */
void run_init(struct run *r);

/*
 * Queue r on `model` and wait. Plain: returns 0 once generation is over
 * (r->job.res / failed hold the outcome). Streamed (stream != 0): returns 0
 * once the first text exists or generation ended without failing, with
 * *resp the response that streams the rest. On -1, *err is the reply to
 * send (unknown model, cannot load, failed before any text).
 * Either way the caller calls run_release(r) when done with it.
 */
int run_request(const struct http_request *hr, const char *model, struct run *r, int stream,
                const char *content_type, struct MHD_Response **resp, struct http_reply *err);
void run_release(struct run *r);

/* The error reply for a failed job (status and message from the engine). */
struct http_reply run_error_reply(const struct run *r);

/* Sampling parameters from an OpenAI body or an Ollama "options" object.
 * -1 with a message in err (a 400) when a value has the wrong type or range. */
int params_openai(const cJSON *body, struct req_params *p, char *err, size_t n);
int params_ollama(const cJSON *options, struct req_params *p, char *err, size_t n);

/* "chatcmpl-" + 24 random characters. */
void random_id(const char *prefix, char *out, size_t n);

#endif
