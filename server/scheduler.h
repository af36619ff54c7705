/*
 * scheduler.h - loaded models, their slots and their request queues.
 *
 * A model is loaded on its first request (the memory check runs first; a
 * model that cannot fit, even after unloading idle ones, is refused with
 * 503 and the reason). Each loaded model has --parallel slots: one KV cache
 * and one worker thread each, all sharing the mapped weights. Requests wait
 * in one FIFO queue per model and a slot takes the next one as soon as it is
 * free, so sequences start and end independently; the engine batches the
 * generating slots' tokens into one pass over the weights (server/batch.h),
 * so that is continuous batching. A model nobody used for --keep-alive is
 * unloaded.
 */
#ifndef SERVER_SCHEDULER_H
#define SERVER_SCHEDULER_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "catalog.h"
#include "engine.h"

/* One request's generation. The submitter fills the first block and owns
 * the job until `done` is called (from a worker thread, once). */
struct job {
    struct gen_input in;
    struct req_params params;
    gen_text_fn on_text;
    void *ctx;
    volatile sig_atomic_t *cancel;                /* set when the client leaves */
    void (*done)(struct job *j);       /* result is in res / failed */

    struct gen_result res;
    int failed;                        /* generation failed: status and err */
    int status;
    char err[512];
    char model_name[256];              /* the name the catalog gave */
    int n_ctx;

    uint64_t affinity;                 /* which conversation (scheduler's) */
    struct job *next;                  /* queue link (scheduler's) */
};

struct sched_opts {
    int parallel;                      /* slots per model, >= 1 */
    int64_t keep_alive_ms;             /* < 0: never unload */
    const struct engine_ops *ops;
    struct catalog *catalog;
};

struct scheduler;
struct scheduler *sched_new(const struct sched_opts *o);
/* Cancels what runs, fails what waits, unloads everything. */
void sched_free(struct scheduler *s);

/* Queue j on the model `name` names, loading it first when needed. -1 with
 * err set and *status (404 unknown model, 503 cannot load) when it cannot
 * be queued; j->done is then NOT called. j NULL: only load the model. */
int sched_submit(struct scheduler *s, const char *name, struct job *j, int *status);

/* A loaded model, for `ps`. */
struct sched_loaded {
    char name[256];
    char key[512];
    uint64_t mem_bytes;
    int n_ctx, n_slots, n_active, n_queued;
    uint64_t n_requests, n_generated;  /* requests served and tokens generated since loaded */
    uint64_t batch_passes, batch_steps; /* generation passes over the weights, sequence-steps in them */
    int64_t loaded_at, expires_at;     /* unix ms; expires_at -1: never, 0: busy */
};
/* Snapshot of the loaded models; *out malloc'd. */
int sched_list(struct scheduler *s, struct sched_loaded **out, int *n);

/* Unload the model `name` names (NULL: all), cancelling its requests.
 * Returns how many were unloaded; -1 with err set for an unknown name. */
int sched_unload(struct scheduler *s, const char *name, char ***names, int *n_names);

/* Give the loaded model `name` names its own keep-alive (ms, < 0 never),
 * counted from now, instead of --keep-alive (Ollama's keep_alive). */
int sched_keep_alive(struct scheduler *s, const char *name, int64_t ms);

#endif
