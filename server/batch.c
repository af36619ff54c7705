/*
 * batch.c - one thread per loaded model running forward_multi over every
 * sequence that waits for an evaluation (see batch.h).
 *
 * The waiting evaluations are entries in an array under one mutex. The
 * thread starts a pass when the generation steps waiting number the
 * sequences that joined (a sequence that is sampling or streaming text is
 * not left behind: it is at most one sampling away), takes every step and
 * then prompt batches in arrival order as long as the pass's rows allow,
 * runs the pass without the lock, and wakes the waiters. A joined sequence
 * slow to hand in its step (a client's callback) only delays the others by
 * a bounded wait: after WAIT_MS the pass goes with those that are there.
 */
#include "deadline.h"
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../runtime/forward.h"

#define WAIT_MS 20

struct pending {
    struct forward_state *state;
    const int32_t *tokens;
    int n, pos;
    float *logits;
    int step;                       /* a generation step of a joined sequence */
    int done, rc;
    char err[256];
};

struct batcher {
    struct forward_state *work;     /* activations and threads of the passes (its own cache unused) */
    int max_seqs;
    pthread_mutex_t mu;
    pthread_cond_t submitted, finished;
    struct pending **wait;          /* [max_seqs] evaluations waiting for the next pass */
    struct pending **mine;          /* [max_seqs] the batcher thread's: those of the pass running */
    struct forward_seq *seqs;       /* [max_seqs] */
    int n_wait, n_wait_steps;
    int n_joined;                   /* sequences in the generation phase */
    int quit;
    uint64_t passes, steps;
    pthread_t thread;
};

static void *batch_main(void *arg)
{
    struct batcher *b = arg;
    struct pending **mine = b->mine;
    struct forward_seq *seqs = b->seqs;

    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->quit && b->n_wait == 0)
            pthread_cond_wait(&b->submitted, &b->mu);
        if (b->quit && b->n_wait == 0)
            break;
        /* the others of this step are sampling their token: give them the time */
        struct timespec ts;
        deadline_after_ms(&ts, CLOCK_REALTIME, WAIT_MS);
        while (!b->quit && b->n_wait_steps < b->n_joined)
            if (pthread_cond_timedwait(&b->submitted, &b->mu, &ts) == ETIMEDOUT)
                break;
        /* the steps first (one row each), then prompt batches while they fit */
        int n = 0, rows = 0, left = 0;
        for (int round = 0; round < 2; round++)
            for (int i = 0; i < b->n_wait; i++) {
                struct pending *p = b->wait[i];
                if (!p || p->step != !round || rows + p->n > b->work->n_batch)
                    continue;
                mine[n++] = p;
                rows += p->n;
                b->n_wait_steps -= p->step;
                b->wait[i] = NULL;
            }
        for (int i = 0; i < b->n_wait; i++)
            if (b->wait[i])
                b->wait[left++] = b->wait[i];
        b->n_wait = left;
        pthread_mutex_unlock(&b->mu);

        char err[256] = "";
        for (int i = 0; i < n; i++)
            seqs[i] = (struct forward_seq){ mine[i]->state, mine[i]->tokens, mine[i]->n, mine[i]->pos,
                                            mine[i]->logits ? mine[i]->n - 1 : mine[i]->n, mine[i]->logits };
        int rc = forward_multi(b->work, seqs, n);
        if (rc < 0)
            snprintf(err, sizeof err, "%s", err_msg());

        pthread_mutex_lock(&b->mu);
        b->passes++;
        b->steps += (uint64_t)n;
        for (int i = 0; i < n; i++) {
            mine[i]->rc = rc;
            if (rc < 0)
                snprintf(mine[i]->err, sizeof mine[i]->err, "%s", err);
            mine[i]->done = 1;
        }
        pthread_cond_broadcast(&b->finished);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* The memory of a batcher whose thread is not running. */
static void batch_release(struct batcher *b)
{
    if (!b)
        return;
    forward_state_free(b->work);
    free(b->wait);
    free(b->mine);
    free(b->seqs);
    free(b);
}

struct batcher *batch_new(const struct model *m, int n_ctx, int n_batch, int max_seqs, int n_threads)
{
    struct batcher *b = calloc(1, sizeof *b);
    size_t k = (size_t)(max_seqs > 0 ? max_seqs : 1);
    if (!b || !(b->wait = calloc(k, sizeof *b->wait)) || !(b->mine = calloc(k, sizeof *b->mine)) ||
        !(b->seqs = calloc(k, sizeof *b->seqs))) {
        batch_release(b);
        return err_set("out of memory"), NULL;
    }
    b->max_seqs = (int)k;
    if (!(b->work = forward_state_new(m, n_ctx, n_batch + b->max_seqs, KV_F16)) ||
        forward_state_set_threads(b->work, n_threads) < 0) {
        batch_release(b);
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->submitted, NULL);
    pthread_cond_init(&b->finished, NULL);
    if (pthread_create(&b->thread, NULL, batch_main, b)) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->submitted);
        pthread_cond_destroy(&b->finished);
        batch_release(b);
        return err_set("cannot start the batching thread"), NULL;
    }
    return b;
}

void batch_free(struct batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->quit = 1;
    pthread_cond_broadcast(&b->submitted);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->submitted);
    pthread_cond_destroy(&b->finished);
    batch_release(b);
}

void batch_join(struct batcher *b)
{
    pthread_mutex_lock(&b->mu);
    b->n_joined++;
    pthread_mutex_unlock(&b->mu);
}

void batch_leave(struct batcher *b)
{
    pthread_mutex_lock(&b->mu);
    b->n_joined--;
    /* the waiting ones may now be all there are */
    pthread_cond_broadcast(&b->submitted);
    pthread_mutex_unlock(&b->mu);
}

int batch_eval(struct batcher *b, int joined, struct forward_state *state, const int32_t *tokens, int n, int pos,
               float *logits)
{
    struct pending p = { .state = state, .tokens = tokens, .n = n, .pos = pos, .logits = logits, .step = joined };
    pthread_mutex_lock(&b->mu);
    if (b->n_wait >= b->max_seqs || b->quit || n < 1 || n > b->work->n_batch) {
        pthread_mutex_unlock(&b->mu);
        return err_set(b->quit                    ? "the model is being unloaded"
                       : b->n_wait >= b->max_seqs ? "more sequences than the batcher was made for"
                                                  : "%d tokens are more than a batch of the batcher", n);
    }
    b->wait[b->n_wait++] = &p;
    b->n_wait_steps += p.step;
    pthread_cond_signal(&b->submitted);
    while (!p.done)
        pthread_cond_wait(&b->finished, &b->mu);
    pthread_mutex_unlock(&b->mu);
    if (p.rc < 0)
        return err_set("%s", p.err);
    return 0;
}

void batch_stats(struct batcher *b, uint64_t *passes, uint64_t *steps)
{
    pthread_mutex_lock(&b->mu);
    if (passes)
        *passes = b->passes;
    if (steps)
        *steps = b->steps;
    pthread_mutex_unlock(&b->mu);
}
