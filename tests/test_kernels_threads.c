/*
 * test_kernels_threads.c - the thread pool (every thread runs each phase
 * once, the barrier holds, sleeping workers wake up) and the threaded
 * matmul (bit-identical results at 1, 2 and 3 threads).
 */
#include "test.h"

#include <stdatomic.h>
#include <time.h>

#include "kernels-testlib.h"
#include "../kernels/matmul.h"
#include "../kernels/threadpool.h"

struct count_arg {
    atomic_int hits[8];
    atomic_int total;
    int nth_seen;
};

static void count_task(void *v, int ith, int nth)
{
    struct count_arg *a = v;
    atomic_fetch_add(&a->hits[ith], 1);
    atomic_fetch_add(&a->total, 1);
    a->nth_seen = nth;
}

TEST(pool_runs_every_thread_once_per_phase)
{
    for (int n = 1; n <= 4; n++) {
        struct kern_pool *p = kern_pool_new(n);
        CHECK(p != NULL);
        CHECK_INT(kern_pool_size(p), n);
        struct count_arg a = { 0 };
        for (int r = 0; r < 500; r++)
            kern_pool_run(p, count_task, &a);
        CHECK_INT(atomic_load(&a.total), 500 * n);
        for (int i = 0; i < n; i++)
            CHECK_INT(atomic_load(&a.hits[i]), 500);
        CHECK_INT(a.nth_seen, n);
        kern_pool_free(p);
    }
    struct count_arg a = { 0 };
    kern_pool_run(NULL, count_task, &a);
    CHECK_INT(atomic_load(&a.total), 1);
    CHECK_INT(kern_pool_size(NULL), 1);
}

struct bar_arg {
    struct kern_pool *pool;
    atomic_int stage;
    atomic_int errors;
};

/* each thread adds to `stage` between barriers; after a barrier every add of the step must be visible */
static void barrier_task(void *v, int ith, int nth)
{
    struct bar_arg *a = v;
    (void)ith;
    for (int step = 1; step <= 50; step++) {
        atomic_fetch_add(&a->stage, 1);
        kern_pool_barrier(a->pool);
        if (atomic_load(&a->stage) != step * nth)
            atomic_fetch_add(&a->errors, 1);
        kern_pool_barrier(a->pool);
    }
}

TEST(pool_barrier_orders_phases)
{
    struct kern_pool *p = kern_pool_new(3);
    struct bar_arg a = { .pool = p };
    for (int r = 0; r < 20; r++) {
        atomic_store(&a.stage, 0);
        kern_pool_run(p, barrier_task, &a);
    }
    CHECK_INT(atomic_load(&a.errors), 0);
    kern_pool_free(p);
}

TEST(pool_wakes_sleeping_workers)
{
    struct kern_pool *p = kern_pool_new(2);
    struct count_arg a = { 0 };
    for (int r = 0; r < 3; r++) {
        struct timespec ts = { 0, 30 * 1000 * 1000 }; /* long enough for the workers to go to sleep */
        nanosleep(&ts, NULL);
        kern_pool_run(p, count_task, &a);
    }
    CHECK_INT(atomic_load(&a.total), 6);
    kern_pool_free(p);
    kern_pool_free(NULL);
    CHECK(kern_physical_cores() >= 1);
}

TEST(matmul_identical_at_1_2_3_threads)
{
    static const uint32_t types[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_Q8_0, GGML_TYPE_F16, GGML_TYPE_F32,
                                      GGML_TYPE_IQ2_XXS };
    const int64_t N = 300, K = 512, M = 19; /* 1 token, the 4-row kernels (5), the tiled path (19) */
    struct kern_pool *pools[3] = { NULL, kern_pool_new(2), kern_pool_new(3) };
    float *x = malloc(sizeof(float) * K * M), *o1 = malloc(sizeof(float) * N * M), *o2 = malloc(sizeof(float) * N * M);
    void *W = malloc(ggml_row_size(GGML_TYPE_F32, K) * N);
    tl_seed(9);
    for (int64_t i = 0; i < K * M; i++)
        x[i] = tl_gauss();
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        size_t wrow = ggml_row_size(types[t], K);
        for (int64_t r = 0; r < N; r++)
            tl_random_blocks(types[t], (char *)W + r * wrow, K);
        static const int64_t ms[] = { 1, 5, M };
        for (size_t mi = 0; mi < 3; mi++) {
            const int64_t m = ms[mi];
            CHECK_INT(kern_matmul_ex(types[t], W, N, K, x, m, o1, NULL), 0);
            for (int pi = 1; pi < 3; pi++) {
                memset(o2, 0xff, sizeof(float) * N * M);
                CHECK_INT(kern_matmul_ex(types[t], W, N, K, x, m, o2, pools[pi]), 0);
                if (memcmp(o1, o2, sizeof(float) * N * m))
                    test_fail_at(__FILE__, __LINE__, "%s M=%lld: %d threads differ from 1", ggml_type_name(types[t]),
                                 (long long)m, pi + 1);
            }
        }
    }
    kern_pool_free(pools[1]);
    kern_pool_free(pools[2]);
    free(x);
    free(o1);
    free(o2);
    free(W);
}
