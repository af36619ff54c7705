/*
 * threadpool.c - see threadpool.h.
 *
 * A phase is published by bumping `gen`; workers notice it by spinning (a
 * few tens of microseconds) or, once asleep, through the condition
 * variable. The handshake between a worker going to sleep (sleepers++,
 * then re-read gen) and the caller publishing (gen++, then read sleepers)
 * uses sequentially consistent atomics, so one of them always sees the
 * other and no wake-up is lost. The barrier is a sense-reversing counter.
 */
#include "threadpool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/err.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define SPIN_ROUNDS 4000 /* then sleep */
#define YIELD_AFTER 1000 /* then sched_yield() */

/*
 * Busy-wait politely: pause for a while, then give the core away on every
 * round (more threads than free cores must not starve the one we wait for).
 */
static inline void backoff(int *rounds)
{
    if (++*rounds < YIELD_AFTER)
        cpu_relax();
    else
        sched_yield();
}

struct kern_pool {
    int n;
    pthread_t *threads;
    kern_task_fn fn;
    void *arg;
    atomic_uint gen;      /* phase number */
    atomic_int done;      /* workers finished with the current phase */
    atomic_int sleepers;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* barrier */
    atomic_int bar_count;
    atomic_uint bar_sense;
};

struct worker_arg {
    struct kern_pool *pool;
    int ith;
};

static void wait_for_phase(struct kern_pool *p, unsigned seen)
{
    for (int rounds = 0; rounds < SPIN_ROUNDS;) {
        if (atomic_load(&p->gen) != seen || atomic_load(&p->stop))
            return;
        backoff(&rounds);
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (atomic_load(&p->gen) == seen && !atomic_load(&p->stop))
        pthread_cond_wait(&p->cv, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *v)
{
    struct worker_arg wa = *(struct worker_arg *)v;
    free(v);
    struct kern_pool *p = wa.pool;
    unsigned seen = 0;
    for (;;) {
        wait_for_phase(p, seen);
        if (atomic_load(&p->stop))
            return NULL;
        seen = atomic_load(&p->gen);
        p->fn(p->arg, wa.ith, p->n);
        atomic_fetch_add(&p->done, 1);
    }
}

static void stop_workers(struct kern_pool *p, int started)
{
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < started; i++)
        pthread_join(p->threads[i], NULL);
}

struct kern_pool *kern_pool_new(int n_threads)
{
    if (n_threads < 1)
        n_threads = 1;
    if (n_threads > 512) {
        err_set("thread pool: %d threads is more than the 512 supported", n_threads);
        return NULL;
    }
    struct kern_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)n_threads, sizeof *p->threads))) {
        free(p);
        err_set("thread pool: out of memory");
        return NULL;
    }
    p->n = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 1; i < n_threads; i++) {
        struct worker_arg *wa = malloc(sizeof *wa);
        if (wa) {
            wa->pool = p;
            wa->ith = i;
        }
        int rc = wa ? pthread_create(&p->threads[i - 1], NULL, worker_main, wa) : ENOMEM;
        if (rc != 0) {
            free(wa);
            stop_workers(p, i - 1);
            pthread_mutex_destroy(&p->mu);
            pthread_cond_destroy(&p->cv);
            free(p->threads);
            free(p);
            errno = rc;
            err_errno("thread pool: cannot start thread %d of %d", i + 1, n_threads);
            return NULL;
        }
    }
    return p;
}

void kern_pool_free(struct kern_pool *p)
{
    if (!p)
        return;
    stop_workers(p, p->n - 1);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}

int kern_pool_size(const struct kern_pool *p)
{
    return p ? p->n : 1;
}

void kern_pool_run(struct kern_pool *p, kern_task_fn fn, void *arg)
{
    if (!p || p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store(&p->done, 0);
    atomic_fetch_add(&p->gen, 1); /* publishes fn and arg */
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0, p->n);
    int rounds = 0;
    while (atomic_load(&p->done) < p->n - 1)
        backoff(&rounds);
}

void kern_pool_barrier(struct kern_pool *p)
{
    if (!p || p->n == 1)
        return;
    const unsigned sense = atomic_load(&p->bar_sense);
    if (atomic_fetch_add(&p->bar_count, 1) == p->n - 1) {
        atomic_store(&p->bar_count, 0);
        atomic_store(&p->bar_sense, sense + 1);
        return;
    }
    int rounds = 0;
    while (atomic_load(&p->bar_sense) == sense)
        backoff(&rounds);
}

/* Distinct (physical id, core id) pairs in /proc/cpuinfo; else the online CPUs. */
int kern_physical_cores(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    int pairs[1024][2], n = 0, phys = 0;
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        int v;
        if (sscanf(line, "physical id : %d", &v) == 1)
            phys = v;
        else if (sscanf(line, "core id : %d", &v) == 1) {
            int seen = 0;
            for (int i = 0; i < n && !seen; i++)
                seen = pairs[i][0] == phys && pairs[i][1] == v;
            if (!seen && n < 1024) {
                pairs[n][0] = phys;
                pairs[n][1] = v;
                n++;
            }
        }
    }
    if (f)
        fclose(f);
    if (n > 0)
        return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}
