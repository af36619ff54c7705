/*
 * threadpool.h - a persistent pool of worker threads for the kernels and
 * the forward pass: start them once, then hand every parallel phase
 * (matmuls, attention, norms) to all threads at once.
 *
 * The caller is thread 0 and works too; a pool of n threads starts n-1
 * workers. Workers spin briefly waiting for the next phase (a phase starts
 * in well under a microsecond) and then sleep, so an idle pool costs no CPU.
 * One thread at a time may call kern_pool_run on a pool.
 */
#ifndef KERNELS_THREADPOOL_H
#define KERNELS_THREADPOOL_H

struct kern_pool;

typedef void (*kern_task_fn)(void *arg, int ith, int nth);

/* A pool of n_threads in all (n_threads <= 1: no workers). NULL + err_set on failure. */
struct kern_pool *kern_pool_new(int n_threads);

/* Stop and join the workers. NULL is fine. */
void kern_pool_free(struct kern_pool *pool);

/* Threads in the pool, the caller included (1 for NULL). */
int kern_pool_size(const struct kern_pool *pool);

/* fn(arg, ith, nth) on every thread, ith 0 on the caller; returns when all have returned. NULL pool: one thread. */
void kern_pool_run(struct kern_pool *pool, kern_task_fn fn, void *arg);

/* Inside fn: wait until every thread of the pool has reached this point. */
void kern_pool_barrier(struct kern_pool *pool);

/* The number of physical cores (the default for -t), at least 1. */
int kern_physical_cores(void);

#endif
