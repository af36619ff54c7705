/*
 * kern_bench.c - throughput of kern_matmul per weight type and kernel level:
 * weight GB/s for one activation row (generation) and tokens/s-equivalent
 * for a batch (prompt processing). A measuring tool, not a test.
 *
 *   build/rel/tools/kern_bench [N K M reps]    default 4096 4096 1 20
 *   env: THREADS=n (default 1), TYPES=Q4_K,Q6_K (default all), LEVEL=avx512 (default every level)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../kernels/cpu.h"
#include "../../kernels/ggml-type.h"
#include "../../kernels/matmul.h"
#include "../../kernels/threadpool.h"
#include "../kernels-testlib.h"

static int single_thread;

/* one thread: its CPU time (the machine is shared, wall time counts others' work); else wall time */
static double now(void)
{
    struct timespec ts;
    clock_gettime(single_thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int64_t N = argc > 1 ? atoll(argv[1]) : 4096, K = argc > 2 ? atoll(argv[2]) : 4096;
    int64_t M = argc > 3 ? atoll(argv[3]) : 1;
    int reps = argc > 4 ? atoi(argv[4]) : 20;
    const char *only = getenv("TYPES"), *lvl = getenv("LEVEL");
    struct kern_pool *pool = kern_pool_new(getenv("THREADS") ? atoi(getenv("THREADS")) : 1);
    single_thread = kern_pool_size(pool) == 1;
    static const uint32_t types[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_Q5_K, GGML_TYPE_Q3_K, GGML_TYPE_Q2_K,
                                      GGML_TYPE_IQ2_XXS, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_F16, GGML_TYPE_BF16,
                                      GGML_TYPE_F32 };
    float *x = malloc(sizeof(float) * K * M), *out = malloc(sizeof(float) * N * M);
    for (int64_t i = 0; i < K * M; i++)
        x[i] = tl_gauss();
    printf("N=%lld K=%lld M=%lld\n%-8s %-7s %10s %10s %10s\n", (long long)N, (long long)K, (long long)M, "type", "level",
           "ms/call", "GB/s", "rows/s");
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        if (only && !strstr(only, ggml_type_name(types[t])))
            continue;
        size_t bytes = ggml_row_size(types[t], K) * (size_t)N;
        char *W = malloc(bytes);
        for (int64_t r = 0; r < N; r++)
            tl_random_blocks(types[t], W + r * ggml_row_size(types[t], K), K);
        for (int level = 0; level <= kern_cpu_best(); level++) {
            if (lvl && strcmp(lvl, kern_cpu_level_name(level)))
                continue;
            kern_cpu_use(level);
            kern_matmul_ex(types[t], W, N, K, x, M, out, pool);
            int r = level == 0 ? (reps + 9) / 10 : reps;
            double dt = 1e30; /* the fastest call: the machine is shared, the minimum is the kernel */
            for (int i = 0; i < r; i++) {
                double t0 = now();
                kern_matmul_ex(types[t], W, N, K, x, M, out, pool);
                double e = now() - t0;
                dt = e < dt ? e : dt;
            }
            printf("%-8s %-7s %10.3f %10.2f %10.1f\n", ggml_type_name(types[t]), kern_cpu_level_name(level), dt * 1e3,
                   bytes / dt / 1e9, M / dt);
        }
        free(W);
    }
    kern_pool_free(pool);
    free(x);
    free(out);
    return 0;
}
