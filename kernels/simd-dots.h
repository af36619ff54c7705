/*
 * simd-dots.h - 256-bit SIMD twins of the scalar dot products, written once
 * and compiled per level: kernels/dots_avx2.c (AVX2 + FMA + F16C) and
 * kernels/dots_avx512.c (same code with AVX-512 VL/VNNI available, where
 * the un-scaled byte dots become vpdpbusd). Include only from those files.
 *
 * Every kernel returns exactly the bits of its reference in
 * kernels/quant-*.c (tests/test_kernels_simd.c): the same integer in each
 * of the 8 lanes, the same fused multiply-adds, the same final additions
 * (llama.cpp's x86 order, see quant-blocks.h). Integer work may be
 * regrouped freely; float work may not.
 *
 * The byte products use _mm256_maddubs_epi16 (unsigned x signed bytes,
 * pairs summed into int16 with saturation). Each use keeps the unsigned
 * operand small enough that a pair cannot saturate: Q4 0..15, Q5 0..31,
 * Q6 0..63, Q3/Q2 0..7, IQ2 grid 8..43, |Q8| <= 128 against activations in
 * -127..127 (Q8_0/Q8_K activations never hold -128): 2*128*127 < 32767.
 */
#ifndef KERNELS_SIMD_DOTS_H
#define KERNELS_SIMD_DOTS_H

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "dispatch.h"
#include "quant-blocks.h"

#if !defined(SIMD_VNNI)
#error "define SIMD_VNNI (0 or 1) before including simd-dots.h"
#endif

/* a level may replace some of these with wider kernels of its own */
#define SIMD_FN static __attribute__((unused))

static inline float hsum_ps8(__m256 v)
{
    __m128 r = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/* Per 4 bytes: sum of u*s as int32 (u unsigned, s signed). */
static inline __m256i dot_u8s8(__m256i u, __m256i s)
{
#if SIMD_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

/* Per 4 bytes: (sum of u*s) * scale, scale an int16 per lane (mk_scale*). */
static inline __m256i dot_scaled(__m256i u, __m256i s, __m256i sc16)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), sc16);
}

/* scale a for bytes 0..15, b for bytes 16..31 */
static inline __m256i mk_scale2(int a, int b)
{
    return _mm256_set_m128i(_mm_set1_epi16((short)b), _mm_set1_epi16((short)a));
}

static inline __m256i load256(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* ---- F32, F16, BF16: tinyBLAS order (16 lanes, one fma per 16 elements) --------------- */

/* _mm512_reduce_add_ps's tree over lanes lo (0..7) and hi (8..15) */
static inline float reduce16_256(__m256 lo, __m256 hi)
{
    const __m256 t3 = _mm256_add_ps(hi, lo);
    const __m128 t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
    const __m128 t8 = _mm_add_ps(t6, _mm_shuffle_ps(t6, t6, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtss_f32(t8) + _mm_cvtss_f32(_mm_shuffle_ps(t8, t8, 1));
}

#define F16X8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define F32X8(p) _mm256_loadu_ps(p)

/* the body of a dot over T elements: LOAD8(p) gives 8 of them as floats, CONV one (the tail) */
#define DOT_TINYBLAS(T, LOAD8, CONV)                                                                               \
    const T *x = vx, *y = vy;                                                                                      \
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();                                                     \
    int i = 0;                                                                                                     \
    for (; i + 16 <= n; i += 16) {                                                                                 \
        lo = _mm256_fmadd_ps(LOAD8(x + i), LOAD8(y + i), lo);                                                      \
        hi = _mm256_fmadd_ps(LOAD8(x + i + 8), LOAD8(y + i + 8), hi);                                              \
    }                                                                                                              \
    float sum = reduce16_256(lo, hi);                                                                              \
    for (; i < n; i++)                                                                                             \
        sum += CONV(x[i]) * CONV(y[i]);                                                                            \
    *s = sum;

SIMD_FN void vec_dot_f16_simd(int n, float *s, const void *vx, const void *vy)
{
    DOT_TINYBLAS(ggml_half, F16X8, fp16_to_fp32)
}

SIMD_FN void vec_dot_f32_simd(int n, float *s, const void *vx, const void *vy)
{
    DOT_TINYBLAS(float, F32X8, (float))
}

/* BF16 as vdpbf16ps: lane l adds the product of pair element 2l+1, then of 2l (products are exact) */
static inline void bf16_pairs(const ggml_bf16 *x, const ggml_bf16 *y, __m256 *acc)
{
    const __m256i xv = load256(x), yv = load256(y), hi = _mm256_set1_epi32((int)0xFFFF0000u);
    const __m256 xo = _mm256_castsi256_ps(_mm256_and_si256(xv, hi)), yo = _mm256_castsi256_ps(_mm256_and_si256(yv, hi));
    const __m256 xe = _mm256_castsi256_ps(_mm256_slli_epi32(xv, 16)), ye = _mm256_castsi256_ps(_mm256_slli_epi32(yv, 16));
    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(xo, yo));
    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(xe, ye));
}

SIMD_FN void vec_dot_bf16_simd(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        bf16_pairs(x + i, y + i, &lo);
        bf16_pairs(x + i + 16, y + i + 16, &hi);
    }
    float sum = reduce16_256(lo, hi);
    for (; i < n; i++)
        sum += bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]);
    *s = sum;
}

/* ---- the single-row (ggml_vec_dot_*) order: 4 x 16 lanes per 64 elements ------------------ */

/* as DOT_TINYBLAS, folded (a0+a2)+(a1+a3) like ggml's; the tail is summed in SUM (double for F16) */
#define DOT_SINGLE_ROW(T, LOAD8, CONV, SUM)                                                                        \
    const T *x = vx, *y = vy;                                                                                      \
    __m256 a[4][2];                                                                                                \
    for (int j = 0; j < 4; j++)                                                                                    \
        a[j][0] = a[j][1] = _mm256_setzero_ps();                                                                   \
    int i = 0;                                                                                                     \
    for (; i + 64 <= n; i += 64)                                                                                   \
        for (int j = 0; j < 4; j++) {                                                                              \
            a[j][0] = _mm256_fmadd_ps(LOAD8(x + i + 16 * j), LOAD8(y + i + 16 * j), a[j][0]);                      \
            a[j][1] = _mm256_fmadd_ps(LOAD8(x + i + 16 * j + 8), LOAD8(y + i + 16 * j + 8), a[j][1]);              \
        }                                                                                                          \
    const __m256 lo = _mm256_add_ps(_mm256_add_ps(a[0][0], a[2][0]), _mm256_add_ps(a[1][0], a[3][0]));            \
    const __m256 hi = _mm256_add_ps(_mm256_add_ps(a[0][1], a[2][1]), _mm256_add_ps(a[1][1], a[3][1]));            \
    SUM sum = reduce16_256(lo, hi);                                                                                \
    for (; i < n; i++)                                                                                             \
        sum += (SUM)(CONV(x[i]) * CONV(y[i]));                                                                     \
    *s = (float)sum;

SIMD_FN void vec_dot1_f16_simd(int n, float *s, const void *vx, const void *vy)
{
    DOT_SINGLE_ROW(ggml_half, F16X8, fp16_to_fp32, double)
}

SIMD_FN void vec_dot1_f32_simd(int n, float *s, const void *vx, const void *vy)
{
    DOT_SINGLE_ROW(float, F32X8, (float), float)
}

SIMD_FN void vec_dot1_bf16_simd(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    __m256 c[2][2];
    for (int h = 0; h < 2; h++)
        c[h][0] = c[h][1] = _mm256_setzero_ps();
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int h = 0; h < 2; h++) {
            bf16_pairs(x + i + 32 * h, y + i + 32 * h, &c[h][0]);
            bf16_pairs(x + i + 32 * h + 16, y + i + 32 * h + 16, &c[h][1]);
        }
    double sum = 0;
    sum += reduce16_256(c[0][0], c[0][1]);
    sum += reduce16_256(c[1][0], c[1][1]);
    for (; i < n; i++)
        sum += (double)(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
    *s = (float)sum;
}

/* the 4 activation rows of a 4-row kernel */
#define ROWS4(T, name, vy, ystride)                                                                                \
    const T *name[4] = { (const T *)(vy), (const T *)((const char *)(vy) + (ystride)),                             \
                         (const T *)((const char *)(vy) + 2 * (ystride)), (const T *)((const char *)(vy) + 3 * (ystride)) }

/* ---- Q8_0, Q4_0 (x Q8_0) --------------------------------------------------------------- */

/* signed x signed bytes: |x| against y carrying x's sign */
static inline __m256i dot_s8s8(__m256i x, __m256i y)
{
    return dot_u8s8(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

SIMD_FN void vec_dot_q8_0_q8_0_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q8_0 *x = vx, *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK8_0; i++) {
        const __m256i p = dot_s8s8(load256(x[i].qs), load256(y[i].qs));
        const __m256 d = _mm256_set1_ps(fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
    }
    *s = hsum_ps8(acc);
}

SIMD_FN void vec_dot4_q8_0_q8_0_simd(int n, float *s, size_t ss, const void *vx, const void *vy, size_t ys)
{
    const block_q8_0 *x = vx;
    ROWS4(block_q8_0, y, vy, ys);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int i = 0; i < n / QK8_0; i++) {
        const __m256i xv = load256(x[i].qs), ax = _mm256_sign_epi8(xv, xv);
        const float dx = fp16_to_fp32(x[i].d);
        for (int r = 0; r < 4; r++) {
            const __m256i p = dot_u8s8(ax, _mm256_sign_epi8(load256(y[r][i].qs), xv));
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dx * fp16_to_fp32(y[r][i].d)), _mm256_cvtepi32_ps(p), acc[r]);
        }
    }
    for (int r = 0; r < 4; r++)
        s[r * ss] = hsum_ps8(acc[r]);
}

SIMD_FN void vec_dot_q4_0_q8_0_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_0 *x = vx;
    const block_q8_0 *y = vy;
    const __m256i m4 = _mm256_set1_epi8(0xF), eight = _mm256_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK8_0; i++) {
        const __m128i q = _mm_loadu_si128((const __m128i *)x[i].qs);
        __m256i w = _mm256_set_m128i(_mm_srli_epi16(q, 4), q); /* low nibbles: 0..15, high: 16..31 */
        w = _mm256_sub_epi8(_mm256_and_si256(w, m4), eight);
        const __m256i p = dot_s8s8(w, load256(y[i].qs));
        const __m256 d = _mm256_set1_ps(fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
    }
    *s = hsum_ps8(acc);
}

/* ---- K-quants x Q8_K ------------------------------------------------------------------------ */

/*
 * The 8 scales (bytes 0..7) and 8 mins (bytes 8..15) of a Q4_K/Q5_K block,
 * unpacked from their 12 bytes with 32-bit masks, kept in a register (going
 * through memory would stall on store forwarding).
 */
static inline __m128i k4_scales_mins(const uint8_t *s12)
{
    uint32_t u[3];
    memcpy(u, s12, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    const uint32_t sc_lo = u[0] & k1, sc_hi = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    const uint32_t mn_lo = u[1] & k1, mn_hi = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    return _mm_set_epi32((int)mn_hi, (int)mn_lo, (int)sc_hi, (int)sc_lo);
}

/* 4 int32: m_2k*B_2k + m_2k+1*B_2k+1, B_j = bsums[2j] + bsums[2j+1], mins in bytes 8..15 of sm */
static inline __m128i k4_mins_x_bsums(__m128i sm, const int16_t *bsums)
{
    const __m256i b = load256(bsums);
    const __m128i bj = _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
    return _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bj);
}

static inline float hsum_ps4(__m128 v)
{
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_movehdup_ps(v));
    return _mm_cvtss_f32(v);
}

static inline int hsum_epi32_4(__m128i v)
{
    v = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
    v = _mm_add_epi32(v, _mm_shuffle_epi32(v, 1));
    return _mm_cvtsi128_si32(v);
}

SIMD_FN void vec_dot_q4_K_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        const __m128i sm = k4_scales_mins(x[i].scales);
        uint8_t sc[16];
        _mm_storeu_si128((__m128i *)sc, sm);
        const float d = y[i].d * fp16_to_fp32(x[i].d), dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        accm = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(k4_mins_x_bsums(sm, y[i].bsums)), accm);
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            const __m256i q = load256(x[i].qs + 32 * c);
            const __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            sumi = _mm256_add_epi32(sumi, dot_scaled(lo, load256(y[i].qs + 64 * c), _mm256_set1_epi16(sc[2 * c])));
            sumi = _mm256_add_epi32(sumi,
                                    dot_scaled(hi, load256(y[i].qs + 64 * c + 32), _mm256_set1_epi16(sc[2 * c + 1])));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps8(acc) + hsum_ps4(accm);
}

SIMD_FN void vec_dot_q5_K_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q5_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i m4 = _mm256_set1_epi8(0xF), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const __m128i sm = k4_scales_mins(x[i].scales);
        uint8_t sc[16];
        _mm_storeu_si128((__m128i *)sc, sm);
        const float d = y[i].d * fp16_to_fp32(x[i].d), dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        summs = fmaf(dmin, (float)hsum_epi32_4(k4_mins_x_bsums(sm, y[i].bsums)), summs);
        const __m256i qh = load256(x[i].qh);
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            const __m256i q = load256(x[i].qs + 32 * c);
            const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), one), 4);
            const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), one), 4);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, m4), h0);
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h1);
            sumi = _mm256_add_epi32(sumi, dot_scaled(lo, load256(y[i].qs + 64 * c), _mm256_set1_epi16(sc[2 * c])));
            sumi = _mm256_add_epi32(sumi,
                                    dot_scaled(hi, load256(y[i].qs + 64 * c + 32), _mm256_set1_epi16(sc[2 * c + 1])));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps8(acc) + summs;
}

/*
 * (u - off) . q8 per byte pair as int16, for a lane layout that carries a
 * per-byte offset: maddubs(u, q8) - maddubs(off, q8). Neither can saturate
 * (u, off <= 63).
 */
static inline __m256i maddubs_off(__m256i u, __m256i off, __m256i q8)
{
    return _mm256_sub_epi16(_mm256_maddubs_epi16(u, q8), _mm256_maddubs_epi16(off, q8));
}

/* Q6_K: bytes hold q (0..63), the value is q - 32. */
SIMD_FN void vec_dot_q6_K_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3), m32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = x[i].ql + 64 * h;
            const int8_t *sc = x[i].scales + 8 * h;
            const int8_t *q8 = y[i].qs + 128 * h;
            const __m256i qh = load256(x[i].qh + 32 * h), l0 = load256(ql), l1 = load256(ql + 32);
            const __m256i lo[4] = { _mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                                    _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                    _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4) };
            for (int k = 0; k < 4; k++) {
                const __m256i hb = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), m3), 4);
                const __m256i u = _mm256_or_si256(lo[k], hb);
                const __m256i p = maddubs_off(u, m32, load256(q8 + 32 * k));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, mk_scale2(sc[2 * k], sc[2 * k + 1])));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * fp16_to_fp32(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps8(acc);
}

/* Q3_K: bytes hold the low 2 bits, the value is that minus 4 where the high bit is clear. */
SIMD_FN void vec_dot_q3_K_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q3_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        uint32_t r[4];
        q3k_scale_words(x[i].scales, r);
        int8_t sc[16];
        _mm_storeu_si128((__m128i *)sc, _mm_sub_epi8(_mm_set_epi32((int)r[3], (int)r[2], (int)r[1], (int)r[0]),
                                                     _mm_set1_epi8(32)));
        const __m256i hm = load256(x[i].hmask);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i q = load256(x[i].qs + 32 * h);
            for (int p = 0; p < 4; p++) {
                const __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * p), m3);
                const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + p), one);
                const __m256i off = _mm256_slli_epi16(_mm256_xor_si256(hb, one), 2); /* 4 where the bit is clear */
                const __m256i pr = maddubs_off(u, off, load256(y[i].qs + 128 * h + 32 * p));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(pr, mk_scale2(sc[8 * h + 2 * p], sc[8 * h + 2 * p + 1])));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * fp16_to_fp32(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps8(acc);
}

/* Q2_K: per block the mins (8 lanes of 2 sub-blocks) and then the scaled sums into the same lanes. */
SIMD_FN void vec_dot_q2_K_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_q2_K *x = vx;
    const block_q8_K *y = vy;
    const __m256i m3 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        const __m128i scb = _mm_loadu_si128((const __m128i *)x[i].scales);
        const __m128i mins = _mm_and_si128(_mm_srli_epi16(scb, 4), _mm_set1_epi8(0xF));
        const __m256i pm = _mm256_madd_epi16(_mm256_cvtepu8_epi16(mins), load256(y[i].bsums));
        const float d = y[i].d * fp16_to_fp32(x[i].d), dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(pm), acc);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const __m256i q = load256(x[i].qs + 32 * h);
            for (int p = 0; p < 4; p++) {
                const __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * p), m3);
                const int g = 8 * h + 2 * p;
                sumi = _mm256_add_epi32(sumi, dot_scaled(u, load256(y[i].qs + 128 * h + 32 * p),
                                                         mk_scale2(x[i].scales[g] & 0xF, x[i].scales[g + 1] & 0xF)));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps8(acc);
}

/* ---- IQ2_XXS x Q8_K ----------------------------------------------------------------- */

/*
 * One 32-weight group of an IQ2_XXS block (4 grid indices, 4 x 7 sign
 * bits, a 4-bit scale in 8 bytes): the 4 grid rows, +1/-1 per weight for
 * _mm256_sign_epi8 on the activations, and the scale 2s+1 as int16 lanes.
 */
static inline void iq2_group(const uint16_t *qs, __m256i *grid, __m256i *sgn, __m256i *ls)
{
    /* byte k of the 4 sign bytes goes to bytes 8k..8k+7, then each is tested against its bit */
    const __m256i spread = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0);
    const __m256i bits = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    uint32_t aux[2];
    memcpy(aux, qs, sizeof aux);
    *grid = _mm256_set_epi64x((long long)iq2xxs_grid[aux[0] >> 24], (long long)iq2xxs_grid[(aux[0] >> 16) & 0xFF],
                              (long long)iq2xxs_grid[(aux[0] >> 8) & 0xFF], (long long)iq2xxs_grid[aux[0] & 0xFF]);
    const uint32_t sb = (uint32_t)ksigns_iq2xs[aux[1] & 127] | (uint32_t)ksigns_iq2xs[(aux[1] >> 7) & 127] << 8 |
                        (uint32_t)ksigns_iq2xs[(aux[1] >> 14) & 127] << 16 |
                        (uint32_t)ksigns_iq2xs[(aux[1] >> 21) & 127] << 24;
    const __m256i sv = _mm256_shuffle_epi8(_mm256_set1_epi32((int)sb), spread);
    *sgn = _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_and_si256(sv, bits), bits), _mm256_set1_epi8(1));
    *ls = _mm256_set1_epi16((short)(2 * (aux[1] >> 28) + 1));
}

SIMD_FN void vec_dot_iq2_xxs_q8_K_simd(int n, float *s, const void *vx, const void *vy)
{
    const block_iq2_xxs *x = vx;
    const block_q8_K *y = vy;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        __m256i sumi = _mm256_setzero_si256();
        for (int g = 0; g < QK_K / 32; g++) {
            __m256i grid, sgn, ls;
            iq2_group(x[i].qs + 4 * g, &grid, &sgn, &ls);
            const __m256i q8 = _mm256_sign_epi8(load256(y[i].qs + 32 * g), sgn);
            sumi = _mm256_add_epi32(sumi, dot_scaled(grid, q8, ls));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(fp16_to_fp32(x[i].d) * y[i].d), _mm256_cvtepi32_ps(sumi), acc);
    }
    *s = 0.125f * hsum_ps8(acc);
}

SIMD_FN void vec_dot4_iq2_xxs_q8_K_simd(int n, float *s, size_t ss, const void *vx, const void *vy, size_t ys)
{
    const block_iq2_xxs *x = vx;
    ROWS4(block_q8_K, y, vy, ys);
    __m256 acc[4] = { _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int i = 0; i < n / QK_K; i++) {
        __m256i sumi[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                            _mm256_setzero_si256() };
        for (int g = 0; g < QK_K / 32; g++) {
            __m256i grid, sgn, ls;
            iq2_group(x[i].qs + 4 * g, &grid, &sgn, &ls);
            for (int r = 0; r < 4; r++) {
                const __m256i q8 = _mm256_sign_epi8(load256(y[r][i].qs + 32 * g), sgn);
                sumi[r] = _mm256_add_epi32(sumi[r], dot_scaled(grid, q8, ls));
            }
        }
        const float d = fp16_to_fp32(x[i].d);
        for (int r = 0; r < 4; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d * y[r][i].d), _mm256_cvtepi32_ps(sumi[r]), acc[r]);
    }
    for (int r = 0; r < 4; r++)
        s[r * ss] = 0.125f * hsum_ps8(acc[r]);
}

#endif
