/*
 * test_kernels.c - the scalar reference kernels of every supported format:
 * fp16/bf16 rounding, dequantization of random blocks against independent
 * reimplementations (tests/kernels-testlib.h), activation quantizers
 * (bit-level behaviour of llama.cpp's x86 build and round-trip bounds),
 * vec_dot against float dots, and kern_matmul with odd shapes.
 *
 * Measured errors are printed ("max err ...") for the report.
 */
#include "test.h"

#include <stdlib.h>

#include "kernels-testlib.h"
#include "../common/err.h"
#include "../kernels/matmul.h"
#include "../kernels/quant.h"

/* ---- fp16 / bf16 ----------------------------------------------------------- */

/* The half nearest to v (ties to even), found by bisection over encodings. */
static uint16_t ref_to_half(float f)
{
    double v = fabs((double)f);
    uint16_t sign = signbit(f) ? 0x8000 : 0;
    double dec[2];
    int lo = 0, hi = 0x7c00; /* value(lo) <= v < value(hi), 0x7c00 = inf */
    if (v >= 65520.0)
        return sign | 0x7c00;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        tl_dequant(GGML_TYPE_F16, &(uint16_t){ (uint16_t)mid }, dec, 1);
        if (dec[0] <= v)
            lo = mid;
        else
            hi = mid;
    }
    uint16_t a = (uint16_t)lo, b = (uint16_t)hi;
    tl_dequant(GGML_TYPE_F16, &a, &dec[0], 1);
    tl_dequant(GGML_TYPE_F16, &b, &dec[1], 1);
    if (b == 0x7c00)
        dec[1] = 65536.0;
    double da = v - dec[0], db = dec[1] - v;
    uint16_t r = da < db ? a : db < da ? b : ((a & 1) ? b : a);
    return sign | r;
}

TEST(fp16_round_trip_every_half)
{
    int bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue; /* NaN */
        double want;
        tl_dequant(GGML_TYPE_F16, &(uint16_t){ (uint16_t)h }, &want, 1);
        float f = fp16_to_fp32((uint16_t)h);
        if ((h & 0x7fff) != 0x7c00 && (double)f != want)
            bad++;
        if (fp32_to_fp16(f) != h)
            bad++;
    }
    CHECK_INT(bad, 0);
}

TEST(fp16_rounds_to_nearest_even)
{
    static const float edge[] = { 65504.f, 65519.99f, 65520.f, 1e9f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1.0p-26f,
                                  0x1.8p-24f, 0x1.4p-24f, 0x1p-14f, 0x1.ffcp-15f, 0x1.ffep-15f, 1.0f + 0x1p-11f,
                                  1.0f + 0x1.8p-11f, 2049.f, 2051.f, -2049.f, 0.1f, -0.0f };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
        CHECK_INT(fp32_to_fp16(edge[i]), ref_to_half(edge[i]));
    CHECK_INT(fp32_to_fp16(2049.f), 0x6800); /* tie between 2048 and 2050 goes to even 2048 */
    CHECK_INT(fp32_to_fp16(2051.f), 0x6802); /* ... and 2052 here */
    tl_seed(1);
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint32_t u = (uint32_t)tl_next();
        /* exponents around the half range, including subnormals and overflow */
        u = (u & 0x807fffff) | ((uint32_t)(96 + tl_next() % 48) << 23);
        float f = fp32_from_bits(u);
        if (fp32_to_fp16(f) != ref_to_half(f))
            bad++;
    }
    CHECK_INT(bad, 0);
}

TEST(bf16_rounds_to_nearest_even)
{
    CHECK_INT(fp32_to_bf16(1.0f), 0x3f80);
    CHECK_INT(fp32_to_bf16(fp32_from_bits(0x3f808000)), 0x3f80); /* tie, even stays */
    CHECK_INT(fp32_to_bf16(fp32_from_bits(0x3f818000)), 0x3f82); /* tie, odd rounds up */
    CHECK_INT(fp32_to_bf16(fp32_from_bits(0x3f808001)), 0x3f81);
    CHECK(bf16_to_fp32(fp32_to_bf16(NAN)) != bf16_to_fp32(fp32_to_bf16(NAN)));
    tl_seed(2);
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        float f = fp32_from_bits((uint32_t)tl_next() & 0xbfffffff); /* finite */
        double v = f, lo = bf16_to_fp32((uint16_t)(fp32_bits(f) >> 16));
        double hi = bf16_to_fp32((uint16_t)((fp32_bits(f) >> 16) + 1));
        uint16_t want = (uint16_t)(fp32_bits(f) >> 16);
        double dl = fabs(v - lo), dh = fabs(hi - v);
        if (dh < dl || (dh == dl && (want & 1)))
            want++;
        if (fp32_to_bf16(f) != want)
            bad++;
    }
    CHECK_INT(bad, 0);
}

/* ---- dequantization against the independent reimplementation ---------------- */

static const uint32_t weight_types[] = {
    GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q4_0, GGML_TYPE_Q4_1, GGML_TYPE_Q5_0,
    GGML_TYPE_Q5_1, GGML_TYPE_Q8_0, GGML_TYPE_Q2_K, GGML_TYPE_Q3_K, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K,
    GGML_TYPE_Q6_K, GGML_TYPE_IQ2_XXS,
};
#define N_WEIGHT_TYPES (sizeof weight_types / sizeof weight_types[0])

TEST(dequantize_matches_independent_reimplementation)
{
    const int64_t n = 1024;
    void *buf = malloc(ggml_row_size(GGML_TYPE_F32, n));
    float *y = malloc(n * sizeof(float));
    double *want = malloc(n * sizeof(double));
    tl_seed(3);
    for (size_t t = 0; t < N_WEIGHT_TYPES; t++) {
        uint32_t type = weight_types[t];
        double maxerr = 0, maxabs = 0;
        for (int rep = 0; rep < 8; rep++) {
            tl_random_blocks(type, buf, n);
            CHECK_INT(kern_dequantize_row(type, buf, y, n), 0);
            tl_dequant(type, buf, want, n);
            for (int64_t i = 0; i < n; i++) {
                double e = fabs(y[i] - want[i]);
                maxerr = e > maxerr ? e : maxerr;
                maxabs = fabs(want[i]) > maxabs ? fabs(want[i]) : maxabs;
            }
        }
        printf("    dequant %-8s max |err| %.3g (max |w| %.3g)\n", ggml_type_name(type), maxerr, maxabs);
        if (!(maxerr <= maxabs * 2e-7))
            test_fail_at(__FILE__, __LINE__, "%s: dequantize differs from reference by %g", ggml_type_name(type),
                         maxerr);
        if (!(maxabs > 0))
            test_fail_at(__FILE__, __LINE__, "%s: all-zero random blocks", ggml_type_name(type));
    }
    free(buf);
    free(y);
    free(want);
}

/* ---- activation quantizers ---------------------------------------------------- */

TEST(q8_0_quantizer_is_llamacpp_x86)
{
    /* amax 127 makes the multiplier exactly 1, so the rounding shows: x86 llama.cpp rounds ties to even */
    float x[32] = { 127.f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, -126.6f };
    block_q8_0 b;
    quantize_row_q8_0(x, &b, 32);
    CHECK_INT(b.d, fp32_to_fp16(1.0f));
    static const int want[] = { 127, 0, 2, 2, 0, -2, -2, 3, -127 };
    for (int j = 0; j < 9; j++)
        CHECK_INT(b.qs[j], want[j]);
    for (int j = 9; j < 32; j++)
        CHECK_INT(b.qs[j], 0);
    float z[32] = { 0 };
    quantize_row_q8_0(z, &b, 32);
    CHECK_INT(b.d, 0);
    CHECK_INT(b.qs[5], 0);
}

TEST(q8_K_quantizer_is_llamacpp)
{
    float x[256];
    for (int j = 0; j < 256; j++)
        x[j] = (float)(j % 7) - 3.0f;
    x[100] = -6.35f; /* the largest magnitude, signed: iscale = -127/max, d = 1/iscale */
    block_q8_K b;
    quantize_row_q8_K(x, &b, 256);
    CHECK(b.d == 1 / (-127.f / -6.35f));
    CHECK_INT(b.qs[100], -127); /* the largest element always maps to -127 */
    x[100] = 6.35f;             /* positive max: d comes out negative */
    quantize_row_q8_K(x, &b, 256);
    CHECK(b.d < 0);
    CHECK_INT(b.qs[100], -127);
    CHECK_INT(b.qs[0], nearest_int(-3.0f * (-127.f / 6.35f)));
    x[100] = -6.35f;
    quantize_row_q8_K(x, &b, 256);
    int mn = 0, sum0 = 0;
    for (int j = 0; j < 256; j++)
        mn = b.qs[j] < mn ? b.qs[j] : mn;
    CHECK(mn >= -127);
    for (int j = 0; j < 16; j++)
        sum0 += b.qs[j];
    CHECK_INT(b.bsums[0], sum0);
    /* x[j] = 3 -> 3 * -127/-6.35 = 60.0 */
    CHECK_INT(b.qs[6], nearest_int(3.0f * (-127.f / -6.35f)));
    float z[256] = { 0 };
    quantize_row_q8_K(z, &b, 256);
    CHECK(b.d == 0.0f && b.qs[0] == 0 && b.bsums[3] == 0);
}

TEST(activation_quantizers_round_trip)
{
    static const uint32_t types[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16,
                                      GGML_TYPE_Q8_0, GGML_TYPE_Q8_1, GGML_TYPE_Q8_K };
    const int64_t n = 2048;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    void *q = malloc(ggml_row_size(GGML_TYPE_F32, n));
    tl_seed(4);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(types[t]);
        double worst = 0; /* error / allowed */
        double maxerr = 0;
        for (int rep = 0; rep < 4; rep++) {
            for (int64_t i = 0; i < n; i++)
                x[i] = tl_gauss() * (rep + 1) * (i % 97 == 0 ? 8.0f : 1.0f);
            tr->from_float(x, q, n);
            tr->to_float(q, y, n);
            for (int64_t b = 0; b < n / tr->blck_size; b++) {
                double amax = 0;
                for (int64_t j = b * tr->blck_size; j < (b + 1) * tr->blck_size; j++)
                    amax = fabs(x[j]) > amax ? fabs(x[j]) : amax;
                for (int64_t j = b * tr->blck_size; j < (b + 1) * tr->blck_size; j++) {
                    double allowed;
                    switch (types[t]) {
                    case GGML_TYPE_F32: allowed = 0; break;
                    case GGML_TYPE_F16: allowed = fabs(x[j]) * 0x1p-11 + 0x1p-25; break;
                    case GGML_TYPE_BF16: allowed = fabs(x[j]) * 0x1p-8; break;
                    case GGML_TYPE_Q8_K: allowed = amax / 127 * 0.5 * (1 + 1e-6); break;
                    default: allowed = amax / 127 * (0.5 + 127 * 0x1p-11); break; /* d stored as fp16 */
                    }
                    double e = fabs((double)x[j] - y[j]);
                    maxerr = e > maxerr ? e : maxerr;
                    if (e > allowed)
                        worst = worst > 1 ? worst : 2;
                }
            }
        }
        printf("    round trip %-5s max |err| %.3g\n", tr->name, maxerr);
        if (worst > 1)
            test_fail_at(__FILE__, __LINE__, "%s: round-trip error above its bound", tr->name);
    }
    free(x);
    free(y);
    free(q);
}

/*
 * Q4_1/Q5_1 x Q8_1 use s = fp16(d*sum(q)) for the min term, so they may
 * differ from the exact dot by the fp16 rounding of s times each block's min.
 */
static double q8_1_extra(uint32_t type, const void *w, const void *q, int n)
{
    if (type != GGML_TYPE_Q4_1 && type != GGML_TYPE_Q5_1)
        return 0;
    const struct ggml_type_traits *t = ggml_get_type_traits(type);
    double e = 0;
    for (int b = 0; b < n / 32; b++)
        e += fabs(tl_half((const uint8_t *)w + b * t->type_size + 2)) *
             fabs(tl_half((const uint8_t *)q + b * 36 + 2)) * 0x1p-11;
    return e;
}

/* ---- vec_dot --------------------------------------------------------------------------------- */

/*
 * For each weight type: vec_dot(w, quantize(y)) must equal the double dot of
 * the dequantized operands up to float rounding (it is integer arithmetic
 * plus a few float scalings), and the float dot with the original y within
 * the activation quantization error.
 */
TEST(vec_dot_matches_float_dot)
{
    const int n = 1024;
    void *w = malloc(ggml_row_size(GGML_TYPE_F32, n));
    void *q = malloc(ggml_row_size(GGML_TYPE_F32, n));
    float *y = malloc(n * sizeof(float)), *yq = malloc(n * sizeof(float));
    double *wd = malloc(n * sizeof(double));
    tl_seed(5);
    for (size_t t = 0; t < N_WEIGHT_TYPES; t++) {
        uint32_t type = weight_types[t];
        const struct ggml_type_traits *tr = ggml_get_type_traits(type);
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        double max_int = 0, max_q = 0;
        for (int rep = 0; rep < 16; rep++) {
            tl_random_blocks(type, w, n);
            for (int i = 0; i < n; i++)
                y[i] = tl_gauss();
            at->from_float(y, q, n);
            at->to_float(q, yq, n);
            tl_dequant(type, w, wd, n);
            float s = -1;
            tr->vec_dot_ref(n, &s, w, q);
            double exact = 0, orig = 0, mag = 0, qerr = 0;
            for (int i = 0; i < n; i++) {
                exact += wd[i] * yq[i];
                orig += wd[i] * y[i];
                mag += fabs(wd[i] * yq[i]);
                qerr += fabs(wd[i]) * fabs((double)y[i] - yq[i]);
            }
            double e1 = fabs(s - exact) / mag, e2 = fabs(s - orig);
            double extra = q8_1_extra(type, w, q, n);
            if (extra > 0 && fabs(s - exact) <= extra + mag * 2e-6)
                e1 = 0;
            max_int = e1 > max_int ? e1 : max_int;
            max_q = e2 / (mag / n) > max_q ? e2 / (mag / n) : max_q;
            if (!(e1 <= 2e-6))
                test_fail_at(__FILE__, __LINE__, "%s: vec_dot %g vs exact %g (rel %g)", tr->name, s, exact, e1);
            if (!(e2 <= qerr * 1.01 + mag * 2e-6))
                test_fail_at(__FILE__, __LINE__, "%s: vec_dot %g vs float dot %g beyond the quantization bound %g",
                             tr->name, s, orig, qerr);
        }
        printf("    vec_dot %-8s (x %-4s) rel err vs exact %.3g, vs float y %.3g (in units of mean |w*y|)\n",
               tr->name, at->name, max_int, max_q);
    }
    free(w);
    free(q);
    free(y);
    free(yq);
    free(wd);
}

/* ---- kern_matmul ------------------------------------------------------------------ */

static void check_matmul(uint32_t type, int64_t N, int64_t K, int64_t M)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(type);
    const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
    size_t wrow = ggml_row_size(type, K);
    char *W = malloc(wrow * N);
    float *x = malloc(sizeof(float) * K * M), *out = malloc(sizeof(float) * N * M);
    float *yq = malloc(sizeof(float) * K);
    void *q = malloc(ggml_row_size(GGML_TYPE_F32, K));
    double *wd = malloc(sizeof(double) * K);
    for (int64_t r = 0; r < N; r++)
        tl_random_blocks(type, W + r * wrow, K);
    for (int64_t i = 0; i < K * M; i++)
        x[i] = tl_gauss();
    for (int64_t i = 0; i < N * M; i++)
        out[i] = NAN;
    CHECK_INT(kern_matmul(type, W, N, K, x, M, out), 0);
    int bad = 0;
    for (int64_t m = 0; m < M; m++) {
        at->from_float(x + m * K, q, K);
        at->to_float(q, yq, K);
        for (int64_t r = 0; r < N; r++) {
            tl_dequant(type, W + r * wrow, wd, K);
            double want = 0, mag = 0;
            for (int64_t k = 0; k < K; k++) {
                want += wd[k] * yq[k];
                mag += fabs(wd[k] * yq[k]);
            }
            if (!(fabs(out[m * N + r] - want) <= mag * 2e-6 + q8_1_extra(type, W + r * wrow, q, (int)K)))
                bad++;
        }
    }
    if (bad)
        test_fail_at(__FILE__, __LINE__, "%s N=%lld K=%lld M=%lld: %d outputs wrong", tr->name, (long long)N,
                     (long long)K, (long long)M, bad);
    free(W);
    free(x);
    free(out);
    free(yq);
    free(q);
    free(wd);
}

TEST(matmul_odd_shapes_every_type)
{
    tl_seed(6);
    for (size_t t = 0; t < N_WEIGHT_TYPES; t++) {
        uint32_t type = weight_types[t];
        int64_t blk = ggml_get_type_traits(type)->blck_size;
        int64_t K = blk == 1 ? 96 : blk == 32 ? 160 : 512;
        check_matmul(type, 37, K, 3); /* N not a multiple of the row tile, several activation rows */
        check_matmul(type, 1, K, 1);
    }
    /* the smallest row: one block */
    check_matmul(GGML_TYPE_Q4_K, 5, 256, 2);
    check_matmul(GGML_TYPE_Q8_0, 5, 32, 2);
    check_matmul(GGML_TYPE_F16, 5, 1, 2);
}

TEST(matmul_rejects_bad_arguments)
{
    float x[512] = { 0 }, out[4];
    char w[1024] = { 0 };
    CHECK_INT(kern_matmul(GGML_TYPE_Q4_K, w, 1, 100, x, 1, out), -1);
    CHECK(strstr(err_msg(), "multiple") != NULL);
    CHECK_INT(kern_matmul(GGML_TYPE_IQ2_XS, w, 1, 256, x, 1, out), -1);
    CHECK(strstr(err_msg(), "IQ2_XS") != NULL);
    CHECK_INT(kern_matmul(99, w, 1, 256, x, 1, out), -1);
    CHECK_INT(kern_matmul(GGML_TYPE_Q8_K, w, 1, 256, x, 1, out), -1); /* activation-only format */
    CHECK_INT(kern_dequantize_row(GGML_TYPE_Q6_K, w, x, 100), -1);
    CHECK_INT(kern_dequantize_row(GGML_TYPE_TQ1_0, w, x, 256), -1);
    CHECK_INT(kern_matmul(GGML_TYPE_F32, w, 0, 4, x, 1, out), 0);
}

TEST(type_table_is_consistent)
{
    for (uint32_t t = 0; t < GGML_TYPE_COUNT; t++) {
        const struct ggml_type_traits *tr = ggml_get_type_traits(t);
        if (!tr || !tr->vec_dot)
            continue;
        const struct ggml_type_traits *at = ggml_get_type_traits(tr->vec_dot_type);
        CHECK(at && at->from_float && at->to_float && tr->to_float && tr->vec_dot_ref);
        CHECK(at->blck_size == 1 || at->blck_size % tr->blck_size == 0 || tr->blck_size % at->blck_size == 0);
    }
    /* the IQ2_XXS grid: every byte one of 8, 25, 43; entries distinct; as documented at the start */
    int bad = 0;
    for (int i = 0; i < 256; i++) {
        for (int j = 0; j < 8; j++) {
            int b = (int)((iq2xxs_grid[i] >> (8 * j)) & 255);
            bad += b != 8 && b != 25 && b != 43;
        }
        for (int k = 0; k < i; k++)
            bad += iq2xxs_grid[k] == iq2xxs_grid[i];
    }
    CHECK_INT(bad, 0);
    CHECK(iq2xxs_grid[0] == 0x0808080808080808ull && iq2xxs_grid[1] == 0x080808080808082bull &&
          iq2xxs_grid[255] == 0x2b2b2b1908081908ull);
    for (int i = 0; i < 128; i++)
        CHECK_INT(ksigns_iq2xs[i], i | ((__builtin_popcount((unsigned)i) & 1) << 7));
}
