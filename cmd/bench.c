/*
 * bench.c - `model bench MODEL`: prompt-processing and generation speed, like
 * llama-bench, plus what generation costs in memory traffic.
 *
 * pp: one batch of -p random tokens from an empty cache, timed -r times.
 * tg: -n tokens decoded one at a time from an empty cache, timed -r times.
 * Both are preceded by an untimed warm-up that faults the weights in, so the
 * numbers measure compute and memory bandwidth, not the disk.
 *
 * Generation reads every weight once per token (except the embedding table,
 * of which one row is read), so bytes/token x tokens/s is the bandwidth the
 * decoder streams at; it is printed beside the machine's own read bandwidth,
 * measured in the same run with the same number of threads.
 */
#include "builtin.h"
#include "model-open.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../common/err.h"
#include "../kernels/cpu.h"
#include "../kernels/threadpool.h"

#include <cjson/cJSON.h>
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- memory read bandwidth ------------------------------------------------------ */

struct bw_job {
    const char *p;
    size_t n; /* bytes, a multiple of 256 */
    long long acc;
    int wide; /* 2: AVX-512 loads, 1: AVX2, 0: SSE2 */
};

/* The widest loads the CPU has: narrower ones cannot saturate the memory bus
 * with two cores (SSE2 reaches about 70% of what AVX-512 does here). */
__attribute__((target("avx512f"))) static long long read512(const char *p, size_t n)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 256) {
        a0 = _mm512_xor_si512(a0, _mm512_load_si512(p + i));
        a1 = _mm512_xor_si512(a1, _mm512_load_si512(p + i + 64));
        a2 = _mm512_xor_si512(a2, _mm512_load_si512(p + i + 128));
        a3 = _mm512_xor_si512(a3, _mm512_load_si512(p + i + 192));
    }
    a0 = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
    return _mm_cvtsi128_si64(_mm512_castsi512_si128(a0));
}

__attribute__((target("avx2"))) static long long read256(const char *p, size_t n)
{
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 128) {
        a0 = _mm256_xor_si256(a0, _mm256_load_si256((const __m256i *)(p + i)));
        a1 = _mm256_xor_si256(a1, _mm256_load_si256((const __m256i *)(p + i + 32)));
        a2 = _mm256_xor_si256(a2, _mm256_load_si256((const __m256i *)(p + i + 64)));
        a3 = _mm256_xor_si256(a3, _mm256_load_si256((const __m256i *)(p + i + 96)));
    }
    a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    return _mm_cvtsi128_si64(_mm256_castsi256_si128(a0));
}

static long long read128(const char *p, size_t n)
{
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < n; i += 64) {
        a0 = _mm_xor_si128(a0, _mm_load_si128((const __m128i *)(p + i)));
        a1 = _mm_xor_si128(a1, _mm_load_si128((const __m128i *)(p + i + 16)));
        a2 = _mm_xor_si128(a2, _mm_load_si128((const __m128i *)(p + i + 32)));
        a3 = _mm_xor_si128(a3, _mm_load_si128((const __m128i *)(p + i + 48)));
    }
    return _mm_cvtsi128_si64(_mm_xor_si128(_mm_xor_si128(a0, a1), _mm_xor_si128(a2, a3)));
}

static void *bw_read(void *arg)
{
    struct bw_job *j = arg;
    j->acc = j->wide == 2 ? read512(j->p, j->n) : j->wide == 1 ? read256(j->p, j->n) : read128(j->p, j->n);
    return NULL;
}

/* GB/s reading a buffer much larger than the caches, split over `threads`;
 * best of a few passes. 0 when the buffer cannot be had. */
static double read_bandwidth(int threads)
{
    size_t bytes = (size_t)1 << 30;
    char *buf = aligned_alloc(64, bytes);
    if (!buf)
        return 0;
    memset(buf, 1, bytes); /* fault every page in before timing */
    double best = 0;
    pthread_t tid[64];
    struct bw_job jobs[64];
    if (threads > 64)
        threads = 64;
    size_t per = bytes / (size_t)threads / 256 * 256;
    int wide = kern_cpu_level() >= KERN_CPU_AVX512 ? 2 : kern_cpu_level() >= KERN_CPU_AVX2 ? 1 : 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = now();
        for (int i = 0; i < threads; i++) {
            jobs[i] = (struct bw_job){ buf + (size_t)i * per, per, 0, wide };
            if (i && pthread_create(&tid[i], NULL, bw_read, &jobs[i]))
                jobs[i].n = 0, tid[i] = 0;
        }
        bw_read(&jobs[0]);
        for (int i = 1; i < threads; i++)
            if (tid[i])
                pthread_join(tid[i], NULL);
        double dt = now() - t0, gbs = (double)(per * (size_t)threads) / dt / 1e9;
        if (gbs > best)
            best = gbs;
    }
    volatile long long sink = jobs[0].acc;
    (void)sink;
    free(buf);
    return best;
}

/* ---- timing runs ------------------------------------------------------------------- */

struct stats {
    double mean, sd;
};

static struct stats summarize(const double *tps, int n)
{
    struct stats s = { 0, 0 };
    for (int i = 0; i < n; i++)
        s.mean += tps[i];
    s.mean /= n;
    for (int i = 0; i < n; i++)
        s.sd += (tps[i] - s.mean) * (tps[i] - s.mean);
    s.sd = n > 1 ? sqrt(s.sd / (n - 1)) : 0;
    return s;
}

static int time_prompt(struct opened *o, const int32_t *toks, int p, double *tps)
{
    double t0 = now();
    /* out_from = p: no logits, as llama-bench's pp measures the batch alone */
    if (forward(o->state, toks, p, 0, p, NULL) < 0)
        return error_err();
    *tps = p / (now() - t0);
    return 0;
}

static int time_generation(struct opened *o, const int32_t *toks, int n, float *logits, double *tps)
{
    double t0 = now();
    for (int i = 0; i < n; i++)
        if (forward(o->state, &toks[i], 1, i, 0, logits) < 0)
            return error_err();
    *tps = n / (now() - t0);
    return 0;
}

int cmd_bench(int argc, const char **argv)
{
    static const char *const usage[] = { "model bench [options] MODEL", NULL };
    int n_prompt = 512, n_gen = 128, threads = 0, reps = 3, json = 0, no_bw = 0;
    const char *kv_type = NULL;
    struct option opts[] = {
        OPT_INT('p', "n-prompt", &n_prompt, "N", "prompt tokens processed as one batch (default 512; 0 skips)"),
        OPT_INT('n', "n-gen", &n_gen, "N", "tokens generated one at a time (default 128; 0 skips)"),
        OPT_INT('t', "threads", &threads, "N", "threads (default: the physical cores)"),
        OPT_INT('r', "repetitions", &reps, "N", "timed runs of each test (default 3)"),
        OPT_STRING(0, "kv-type", &kv_type, "TYPE", "KV cache type: f16 (default), f32, q8_0"),
        OPT_BOOL(0, "no-bandwidth", &no_bw, "skip measuring the memory read bandwidth"),
        OPT_BOOL(0, "json", &json, "print one JSON object"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc != 1)
        usage_with_options(usage, opts);
    if (n_prompt < 0 || n_gen < 0 || reps < 1 || threads < 0)
        return error("-p and -n must be >= 0, -r >= 1, -t >= 0"), EXIT_USAGE;
    if (!n_prompt && !n_gen)
        return error("nothing to measure: -p and -n are both 0"), EXIT_USAGE;
    if (!threads)
        threads = kern_physical_cores();

    struct open_opts oo = { .n_ctx = n_prompt > n_gen ? n_prompt : n_gen, .n_batch = n_prompt ? n_prompt : 1,
                            .kv_type = kv_type, .n_threads = threads, .hugepages = 1 };
    if (oo.n_ctx < 1)
        oo.n_ctx = 1;
    struct opened o;
    double t_load = now();
    if (open_model(argv[0], &oo, &o) < 0)
        return EXIT_FAIL;
    t_load = now() - t_load;
    const struct model *m = o.model;
    int n_vocab = (int)m->hp.n_vocab, rc = EXIT_FAIL;
    int n_tok = n_prompt > n_gen ? n_prompt : n_gen;
    int32_t *toks = malloc(sizeof *toks * (size_t)(n_tok ? n_tok : 1));
    float *logits = malloc(sizeof *logits * (size_t)n_vocab);
    double *pp = calloc((size_t)reps, sizeof *pp), *tg = calloc((size_t)reps, sizeof *tg);
    if (!toks || !logits || !pp || !tg) {
        error("out of memory");
        goto out;
    }
    srand(1234);
    for (int i = 0; i < n_tok; i++)
        toks[i] = rand() % n_vocab;

    /* warm-up: faults every weight page in, sizes the scratch buffers */
    double dummy;
    if (n_prompt && time_prompt(&o, toks, n_prompt, &dummy) < 0)
        goto out;
    if (n_gen && time_generation(&o, toks, n_gen < 4 ? n_gen : 4, logits, &dummy) < 0)
        goto out;
    for (int r = 0; r < reps; r++) {
        if (n_prompt && time_prompt(&o, toks, n_prompt, &pp[r]) < 0)
            goto out;
        if (n_gen && time_generation(&o, toks, n_gen, logits, &tg[r]) < 0)
            goto out;
    }
    struct stats spp = summarize(pp, reps), stg = summarize(tg, reps);
    uint64_t per_token = m->weight_bytes;
    if (m->output != m->tok_embd) /* only one embedding row is read per token */
        per_token -= m->tok_embd->size - m->tok_embd->size / (uint64_t)m->tok_embd->ne[1];
    double tg_gbps = n_gen ? (double)per_token * stg.mean / 1e9 : 0;
    struct rusage ru; /* before the bandwidth test's own buffer */
    getrusage(RUSAGE_SELF, &ru);
    double peak_rss = (double)ru.ru_maxrss * 1024;
    double mem_gbps = no_bw ? 0 : read_bandwidth(threads);

    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model", argv[0]);
        cJSON_AddNumberToObject(j, "weights_bytes", (double)m->weight_bytes);
        cJSON_AddNumberToObject(j, "threads", threads);
        cJSON_AddStringToObject(j, "cpu", kern_cpu_level_name(kern_cpu_level()));
        cJSON_AddNumberToObject(j, "n_prompt", n_prompt);
        cJSON_AddNumberToObject(j, "n_gen", n_gen);
        cJSON_AddNumberToObject(j, "repetitions", reps);
        cJSON_AddNumberToObject(j, "load_s", t_load);
        cJSON_AddNumberToObject(j, "pp_tps", spp.mean);
        cJSON_AddNumberToObject(j, "pp_tps_sd", spp.sd);
        cJSON_AddNumberToObject(j, "tg_tps", stg.mean);
        cJSON_AddNumberToObject(j, "tg_tps_sd", stg.sd);
        cJSON_AddNumberToObject(j, "bytes_per_token", (double)per_token);
        cJSON_AddNumberToObject(j, "tg_gbps", tg_gbps);
        cJSON_AddNumberToObject(j, "mem_gbps", mem_gbps);
        cJSON_AddNumberToObject(j, "peak_rss", peak_rss);
        json_print_line(j);
    } else {
        printf("| %-40s | %9s | %7s | %6s | %8s | %16s |\n", "model", "size", "threads", "cpu", "test", "t/s");
        printf("| %.40s | %9s | %7s | %6s | %8s | %16s |\n",
               "----------------------------------------", "---------", "-------", "------", "--------",
               "----------------");
        char size[32], test[32];
        snprintf(size, sizeof size, "%.2f GiB", (double)m->weight_bytes / (1u << 30));
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        if (n_prompt) {
            snprintf(test, sizeof test, "pp%d", n_prompt);
            printf("| %-40.40s | %9s | %7d | %6s | %8s | %9.2f ± %4.2f |\n", name, size, threads,
                   kern_cpu_level_name(kern_cpu_level()), test, spp.mean, spp.sd);
        }
        if (n_gen) {
            snprintf(test, sizeof test, "tg%d", n_gen);
            printf("| %-40.40s | %9s | %7d | %6s | %8s | %9.2f ± %4.2f |\n", name, size, threads,
                   kern_cpu_level_name(kern_cpu_level()), test, stg.mean, stg.sd);
            printf("\ngeneration streams %.2f GB of weights per token: %.1f GB/s", (double)per_token / 1e9, tg_gbps);
            if (mem_gbps > 0)
                printf(" of %.1f GB/s measured read bandwidth (%.0f%%)", mem_gbps, 100 * tg_gbps / mem_gbps);
            printf("\n");
        }
        printf("peak resident memory %.2f GiB; load %.2f s\n", peak_rss / (1u << 30), t_load);
    }
    rc = EXIT_OK;
out:
    free(toks);
    free(logits);
    free(pp);
    free(tg);
    close_model(&o);
    return rc;
}
