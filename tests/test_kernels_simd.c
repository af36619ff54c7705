/*
 * test_kernels_simd.c - every SIMD dot product against the scalar reference
 * on random data, at every level this CPU has, plus the level choice
 * (MODEL_CPU, capping at what the CPU supports).
 *
 * The SIMD kernels keep the reference's integer lanes and float operations
 * (llama.cpp's x86 order), so every level must return the same bits.
 */
#include "test.h"

#include <stdlib.h>

#include "kernels-testlib.h"
#include "../common/err.h"
#include "../kernels/cpu.h"
#include "../kernels/dispatch.h"
#include "../kernels/matmul.h"
#include "../kernels/quant.h"
#include "../kernels/threadpool.h"

static const uint32_t types[] = {
    GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q2_K,
    GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K, GGML_TYPE_IQ2_XXS,
};

static void check_level(int level)
{
    CHECK_INT(kern_cpu_use(level), 0);
    CHECK_INT(kern_cpu_level(), level);
    const int lens[] = { 256, 512, 4096, 14336 };
    const int flens[] = { 1, 7, 33, 100, 4096 };
    size_t cap = ggml_row_size(GGML_TYPE_F32, 14336);
    void *w = malloc(cap), *q = malloc(cap);
    float *y = malloc(sizeof(float) * 14336);
    double *wd = malloc(sizeof(double) * 14336), *yd = malloc(sizeof(double) * 14336);
    tl_seed(100 + (uint64_t)level);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(types[t]);
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        if (level > KERN_CPU_SCALAR && tr->vec_dot == tr->vec_dot_ref)
            test_fail_at(__FILE__, __LINE__, "%s: no SIMD kernel installed at level %s", tr->name,
                         kern_cpu_level_name(level));
        double worst = 0;
        int nl = tr->blck_size == 1 ? 5 : 4;
        for (int li = 0; li < nl; li++) {
            int n = tr->blck_size == 1 ? flens[li] : lens[li];
            for (int rep = 0; rep < 6; rep++) {
                tl_random_blocks(types[t], w, n);
                for (int i = 0; i < n; i++)
                    y[i] = tl_gauss() * (i % 61 == 0 ? 6.f : 1.f);
                at->from_float(y, q, n);
                tl_dequant(types[t], w, wd, n);
                tl_dequant(GGML_TYPE_F32, y, yd, n); /* magnitude only */
                double mag = 0;
                for (int i = 0; i < n; i++)
                    mag += fabs(wd[i] * yd[i]);
                float ref = 0, got = 0;
                tr->vec_dot_ref(n, &ref, w, q);
                tr->vec_dot(n, &got, w, q);
                double rel = fabs((double)got - ref) / (mag > 0 ? mag : 1);
                worst = rel > worst ? rel : worst;
                if (memcmp(&got, &ref, sizeof got))
                    test_fail_at(__FILE__, __LINE__, "%s n=%d at %s: %.9g vs reference %.9g (rel %g)", tr->name, n,
                                 kern_cpu_level_name(level), got, ref, rel);
            }
        }
        printf("    %-6s %-8s max |simd - ref| / sum|w*y| = %.2g\n", kern_cpu_level_name(level), tr->name, worst);
    }
    free(w);
    free(q);
    free(y);
    free(wd);
    free(yd);
}

/* The 4-row kernels against 4 reference dots, at every level that has them. */
static void check_dot4(int level)
{
    CHECK_INT(kern_cpu_use(level), 0);
    const int n = 1024;
    size_t cap = ggml_row_size(GGML_TYPE_F32, n);
    char *w = malloc(cap), *q = malloc(4 * cap);
    float *y = malloc(sizeof(float) * n);
    double *wd = malloc(sizeof(double) * n);
    tl_seed(200 + (uint64_t)level);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        kern_vec_dot4_fn dot4 = kern_get_dot4(types[t]);
        if (!dot4)
            continue;
        const struct ggml_type_traits *tr = ggml_get_type_traits(types[t]);
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        const size_t arow = ggml_row_size(tr->vec_dot_type, n);
        double worst = 0;
        for (int rep = 0; rep < 4; rep++) {
            tl_random_blocks(types[t], w, n);
            for (int r = 0; r < 4; r++) {
                for (int i = 0; i < n; i++)
                    y[i] = tl_gauss();
                at->from_float(y, q + r * arow, n);
            }
            float got[8], ref;
            dot4(n, got, 2, w, q, arow); /* stride 2: outputs 0, 2, 4, 6 */
            tl_dequant(types[t], w, wd, n);
            for (int r = 0; r < 4; r++) {
                tr->vec_dot_ref(n, &ref, w, q + r * arow);
                at->to_float(q + r * arow, y, n);
                double mag = 0;
                for (int i = 0; i < n; i++)
                    mag += fabs(wd[i] * y[i]);
                double rel = fabs((double)got[2 * r] - ref) / mag;
                worst = rel > worst ? rel : worst;
                if (memcmp(&got[2 * r], &ref, sizeof ref))
                    test_fail_at(__FILE__, __LINE__, "%s dot4 row %d at %s: %.9g vs %.9g", tr->name, r,
                                 kern_cpu_level_name(level), got[2 * r], ref);
            }
        }
        printf("    %-6s %-8s 4-row kernel max |diff| / sum|w*y| %.2g\n", kern_cpu_level_name(level), tr->name, worst);
    }
    free(wd);
    free(w);
    free(q);
    free(y);
}

/* The single-row orders of the float types, bit for bit at every level. */
TEST(single_row_dots_match_reference)
{
    static const uint32_t ft[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16 };
    static const ggml_vec_dot_fn refs[] = { vec_dot_f32_single_ref, vec_dot_f16_single_ref, vec_dot_bf16_single_ref };
    const int lens[] = { 1, 63, 64, 100, 256, 4096 };
    char *w = malloc(4 * 4096), *q = malloc(4 * 4096);
    tl_seed(300);
    for (int level = KERN_CPU_SCALAR; level <= kern_cpu_best(); level++) {
        CHECK_INT(kern_cpu_use(level), 0);
        for (int t = 0; t < 3; t++) {
            ggml_vec_dot_fn f = kern_vec_dot_single(ft[t]);
            CHECK(f != NULL);
            if (level > KERN_CPU_SCALAR && f == refs[t])
                test_fail_at(__FILE__, __LINE__, "%s: no SIMD single-row dot at %s", ggml_type_name(ft[t]),
                             kern_cpu_level_name(level));
            for (int li = 0; li < 6; li++) {
                tl_random_blocks(ft[t], w, lens[li]);
                tl_random_blocks(ft[t], q, lens[li]);
                float a = 0, b = 0;
                f(lens[li], &a, w, q);
                refs[t](lens[li], &b, w, q);
                if (memcmp(&a, &b, sizeof a))
                    test_fail_at(__FILE__, __LINE__, "%s n=%d at %s: %.9g vs %.9g", ggml_type_name(ft[t]), lens[li],
                                 kern_cpu_level_name(level), a, b);
            }
        }
    }
    CHECK(kern_vec_dot_single(GGML_TYPE_Q4_K) == ggml_get_type_traits(GGML_TYPE_Q4_K)->vec_dot);
    CHECK(kern_vec_dot_single(GGML_TYPE_IQ2_XS) == NULL);
    free(w);
    free(q);
}

/*
 * The one-row products (token generation at AVX-512) sum in their own
 * float order: against the reference dot within 1e-5 of sum |w*y|, for 1
 * to 4 rows per call, short and long rows; and kern_matmul with one
 * activation row (row counts that leave a partial group, 1 and 2 threads)
 * within the same bound of one reference dot per output.
 */
static double rel_diff(float got, float ref, uint32_t type, const void *w, const float *y, int n, double *wd)
{
    tl_dequant(type, w, wd, n);
    double mag = 0;
    for (int i = 0; i < n; i++)
        mag += fabs(wd[i] * y[i]);
    return fabs((double)got - ref) / (mag > 0 ? mag : 1);
}

TEST(one_row_products_close_to_reference)
{
    static const uint32_t gt[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_F16 };
    const int lens[] = { 256, 512, 2048, 14336 };
    const int nmax = 14336 + 64; /* F16 rows run 40 past the longest length */
    tl_seed(400);
    for (int level = KERN_CPU_SCALAR; level <= kern_cpu_best(); level++) {
        CHECK_INT(kern_cpu_use(level), 0);
        for (size_t t = 0; t < sizeof gt / sizeof gt[0]; t++) {
            const struct kern_gemv *g = kern_get_gemv(gt[t]);
            if (level < KERN_CPU_AVX512) {
                CHECK(g == NULL);
                continue;
            }
            if (!g) {
                test_fail_at(__FILE__, __LINE__, "%s: no one-row product at avx512", ggml_type_name(gt[t]));
                continue;
            }
            const struct ggml_type_traits *tr = ggml_get_type_traits(gt[t]);
            const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
            const int64_t nrow = gt[t] == GGML_TYPE_F16 ? nmax : 14336; /* block multiples for the K-quants */
            const size_t wrow = ggml_row_size(gt[t], nrow), arow = ggml_row_size(tr->vec_dot_type, nrow);
            char *w = malloc(4 * wrow), *q = malloc(arow), *qp = malloc(arow);
            float *y = malloc(sizeof(float) * nmax), *yq = malloc(sizeof(float) * nmax);
            double *wd = malloc(sizeof(double) * nmax), worst = 0;
            for (int li = 0; li < 4; li++) {
                const int n = lens[li] + (gt[t] == GGML_TYPE_F16 ? 40 : 0); /* F16: a tail past the 64s */
                const size_t rs = ggml_row_size(gt[t], n);
                for (int rows = 1; rows <= 4; rows++) {
                    for (int r = 0; r < rows; r++)
                        tl_random_blocks(gt[t], w + r * rs, n);
                    for (int i = 0; i < n; i++)
                        y[i] = tl_gauss() * (i % 61 == 0 ? 6.f : 1.f);
                    at->from_float(y, q, n);
                    at->to_float(q, yq, n);
                    if (g->prep)
                        g->prep(y, qp, n);
                    else
                        at->from_float(y, qp, n);
                    float got[4], ref;
                    g->gemv(n, got, w, rs, rows, qp);
                    for (int r = 0; r < rows; r++) {
                        tr->vec_dot_ref(n, &ref, w + r * rs, q);
                        double rel = rel_diff(got[r], ref, gt[t], w + r * rs, yq, n, wd);
                        worst = rel > worst ? rel : worst;
                        if (!(rel <= 1e-5))
                            test_fail_at(__FILE__, __LINE__, "%s n=%d row %d of %d: %.9g vs reference %.9g (rel %g)",
                                         tr->name, n, r, rows, got[r], ref, rel);
                        if (gt[t] == GGML_TYPE_F16) { /* it keeps the single-row dot's steps: the same bits */
                            float one;
                            kern_vec_dot_single(gt[t])(n, &one, w + r * rs, qp);
                            if (memcmp(&one, &got[r], sizeof one))
                                test_fail_at(__FILE__, __LINE__, "F16 n=%d row %d of %d: %.9g, single-row dot %.9g",
                                             n, r, rows, got[r], one);
                        }
                    }
                }
            }
            printf("    %-6s %-8s one-row product max |diff| / sum|w*y| = %.2g\n", kern_cpu_level_name(level), tr->name,
                   worst);
            free(w);
            free(q);
            free(qp);
            free(y);
            free(yq);
            free(wd);
        }
    }
    CHECK_INT(kern_cpu_use(kern_cpu_best()), 0);
}

TEST(one_row_matmul_close_to_reference)
{
    static const uint32_t gt[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_F16 };
    const int64_t N = 23, K = 1024;
    tl_seed(401);
    float *x = malloc(sizeof(float) * K), *xq = malloc(sizeof(float) * K), o1[23], o2[23];
    double *wd = malloc(sizeof(double) * K);
    struct kern_pool *pool = kern_pool_new(2);
    CHECK(pool != NULL);
    for (int64_t i = 0; i < K; i++)
        x[i] = tl_gauss();
    for (size_t t = 0; t < sizeof gt / sizeof gt[0]; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(gt[t]);
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        const size_t wrow = ggml_row_size(gt[t], K);
        char *W = malloc(wrow * N), *q = malloc(ggml_row_size(tr->vec_dot_type, K));
        for (int64_t r = 0; r < N; r++)
            tl_random_blocks(gt[t], W + r * wrow, K);
        at->from_float(x, q, K);
        at->to_float(q, xq, K);
        for (int level = KERN_CPU_SCALAR; level <= kern_cpu_best(); level++) {
            CHECK_INT(kern_cpu_use(level), 0);
            CHECK_INT(kern_matmul(gt[t], W, N, K, x, 1, o1), 0);
            CHECK_INT(kern_matmul_ex(gt[t], W, N, K, x, 1, o2, pool), 0);
            for (int64_t n = 0; n < N; n++) {
                float ref;
                tr->vec_dot_ref((int)K, &ref, W + n * wrow, q);
                double rel = rel_diff(o1[n], ref, gt[t], W + n * wrow, xq, (int)K, wd);
                if (!(rel <= 1e-5))
                    test_fail_at(__FILE__, __LINE__, "%s row %lld at %s: %.9g vs %.9g", tr->name, (long long)n,
                                 kern_cpu_level_name(level), o1[n], ref);
                if (memcmp(&o1[n], &o2[n], sizeof o1[n]))
                    test_fail_at(__FILE__, __LINE__, "%s row %lld at %s: 1 thread %.9g, 2 threads %.9g", tr->name,
                                 (long long)n, kern_cpu_level_name(level), o1[n], o2[n]);
            }
        }
        free(W);
        free(q);
    }
    CHECK_INT(kern_cpu_use(kern_cpu_best()), 0);
    kern_pool_free(pool);
    free(x);
    free(xq);
    free(wd);
}

TEST(four_row_kernels_match_reference)
{
    for (int level = KERN_CPU_AVX2; level <= kern_cpu_best(); level++)
        check_dot4(level);
    CHECK_INT(kern_cpu_use(KERN_CPU_SCALAR), 0);
    CHECK(kern_get_dot4(GGML_TYPE_Q4_K) == NULL);
}

TEST(scalar_level_is_the_reference)
{
    check_level(KERN_CPU_SCALAR);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(types[t]);
        CHECK(tr->vec_dot == tr->vec_dot_ref);
    }
}

TEST(avx2_matches_reference)
{
    if (kern_cpu_best() < KERN_CPU_AVX2)
        SKIP("this CPU has no AVX2");
    check_level(KERN_CPU_AVX2);
}

TEST(avx512_matches_reference)
{
    if (kern_cpu_best() < KERN_CPU_AVX512)
        SKIP("this CPU has no AVX-512 F/BW/VL/DQ/VNNI/BF16");
    check_level(KERN_CPU_AVX512);
}

TEST(matmul_same_at_every_level)
{
    const int64_t N = 19, K = 512, M = 7; /* one group of 4 rows and 3 single rows */
    tl_seed(7);
    size_t wrow = ggml_row_size(GGML_TYPE_F32, K);
    char *W = malloc(wrow * N);
    float *x = malloc(sizeof(float) * K * M), *o0 = malloc(sizeof(float) * N * M), *o1 = malloc(sizeof(float) * N * M);
    for (int64_t i = 0; i < K * M; i++)
        x[i] = tl_gauss();
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        wrow = ggml_row_size(types[t], K);
        for (int64_t r = 0; r < N; r++)
            tl_random_blocks(types[t], W + r * wrow, K);
        CHECK_INT(kern_cpu_use(KERN_CPU_SCALAR), 0);
        CHECK_INT(kern_matmul(types[t], W, N, K, x, M, o0), 0);
        for (int level = KERN_CPU_AVX2; level <= kern_cpu_best(); level++) {
            CHECK_INT(kern_cpu_use(level), 0);
            CHECK_INT(kern_matmul(types[t], W, N, K, x, M, o1), 0);
            int bad = 0;
            for (int64_t i = 0; i < N * M; i++)
                bad += memcmp(&o1[i], &o0[i], sizeof o0[i]) != 0;
            if (bad)
                test_fail_at(__FILE__, __LINE__, "%s at %s: %d outputs differ from scalar", ggml_type_name(types[t]),
                             kern_cpu_level_name(level), bad);
        }
    }
    free(W);
    free(x);
    free(o0);
    free(o1);
}

/*
 * The products with many tokens (the tiled path where a level has one)
 * against one reference vec_dot per output, bit for bit: token counts that
 * are not a multiple of the token group, row counts that are not a multiple
 * of the row tile, long rows, 1 and 2 threads, every level.
 */
TEST(many_token_matmul_matches_reference)
{
    static const uint32_t qt[] = { GGML_TYPE_Q4_K, GGML_TYPE_Q6_K, GGML_TYPE_IQ2_XXS, GGML_TYPE_Q5_K,
                                   GGML_TYPE_Q3_K, GGML_TYPE_Q2_K, GGML_TYPE_F16 };
    static const int64_t shapes[][3] = { /* N, K, M; the last only for F16 (a K that is no multiple of 16) */
        { 19, 512, 8 }, { 7, 256, 13 }, { 33, 2048, 21 }, { 5, 4352, 9 }, { 6, 768, 64 }, { 3, 14336, 17 },
        { 11, 1000, 10 },
    };
    struct kern_pool *pools[2] = { NULL, kern_pool_new(2) };
    CHECK(pools[1] != NULL);
    tl_seed(400);
    for (size_t t = 0; t < sizeof qt / sizeof qt[0]; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(qt[t]);
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
            const int64_t N = shapes[sh][0], K = shapes[sh][1], M = shapes[sh][2];
            if (K % tr->blck_size)
                continue;
            const size_t wrow = ggml_row_size(qt[t], K), arow = ggml_row_size(tr->vec_dot_type, K);
            char *W = malloc(wrow * N), *q = malloc(arow * M);
            float *x = malloc(sizeof(float) * K * M), *ref = malloc(sizeof(float) * N * M);
            float *got = malloc(sizeof(float) * N * M);
            for (int64_t r = 0; r < N; r++)
                tl_random_blocks(qt[t], W + r * wrow, K);
            for (int64_t i = 0; i < K * M; i++)
                x[i] = tl_gauss() * (i % 97 == 0 ? 5.f : 1.f);
            /* quantizer edge cases: a block of zeros (token 2), equal magnitudes of both signs (token 3) */
            for (int64_t i = 0; i < 256; i++)
                x[2 * K + i] = 0;
            x[3 * K + 5] = 30.f;
            x[3 * K + 9] = -30.f;
            x[3 * K + K - 1] = -30.f;
            for (int64_t m = 0; m < M; m++) {
                at->from_float(x + m * K, q + m * arow, K);
                for (int64_t n = 0; n < N; n++)
                    tr->vec_dot_ref((int)K, &ref[m * N + n], W + n * wrow, q + m * arow);
            }
            for (int level = KERN_CPU_SCALAR; level <= kern_cpu_best(); level++) {
                CHECK_INT(kern_cpu_use(level), 0);
                for (int p = 0; p < 2; p++) {
                    for (int64_t i = 0; i < N * M; i++)
                        got[i] = -12345.f;
                    CHECK_INT(kern_matmul_ex(qt[t], W, N, K, x, M, got, pools[p]), 0);
                    int bad = 0;
                    for (int64_t i = 0; i < N * M; i++)
                        bad += memcmp(&got[i], &ref[i], sizeof ref[i]) != 0;
                    if (bad)
                        test_fail_at(__FILE__, __LINE__, "%s N=%lld K=%lld M=%lld at %s, %d threads: %d of %lld outputs differ",
                                     tr->name, (long long)N, (long long)K, (long long)M, kern_cpu_level_name(level),
                                     p + 1, bad, (long long)(N * M));
                }
            }
            free(W);
            free(q);
            free(x);
            free(ref);
            free(got);
        }
    }
    kern_pool_free(pools[1]);
    CHECK_INT(kern_cpu_use(kern_cpu_best()), 0);
}

TEST(model_cpu_env_chooses_and_caps_the_level)
{
    const int best = kern_cpu_best();
    setenv("MODEL_CPU", "scalar", 1);
    kern_cpu_init();
    CHECK_INT(kern_cpu_level(), KERN_CPU_SCALAR);
    setenv("MODEL_CPU", "avx2", 1);
    kern_cpu_init();
    CHECK_INT(kern_cpu_level(), best < KERN_CPU_AVX2 ? best : KERN_CPU_AVX2);
    setenv("MODEL_CPU", "avx512", 1);
    kern_cpu_init();
    CHECK_INT(kern_cpu_level(), best); /* never above what the CPU has */
    setenv("MODEL_CPU", "bogus", 1);
    kern_cpu_init();
    CHECK_INT(kern_cpu_level(), best);
    unsetenv("MODEL_CPU");
    kern_cpu_init();
    CHECK_INT(kern_cpu_level(), best);
    if (best < KERN_CPU_AVX512) {
        CHECK_INT(kern_cpu_use(KERN_CPU_AVX512), -1);
        CHECK(strstr(err_msg(), "not supported") != NULL);
    }
    CHECK_INT(kern_cpu_use(7), -1);
    printf("    best level on this CPU: %s\n", kern_cpu_level_name(best));
}
