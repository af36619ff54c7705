/*
 * dots_avx512.c - the AVX-512 level (F/BW/VL/DQ/VNNI/BF16) of the dot
 * products. The 256-bit bodies of simd-dots.h are reused with vpdpbusd for
 * the un-scaled byte dots; the hottest formats get 512-bit kernels here.
 * Compiled with the Makefile's AVX-512 flags; runs only when cpu.c chose
 * this level.
 */
#define SIMD_VNNI 1
#include "simd-dots.h"
#include "simd512.h"

/*
 * 512-bit kernels. One zmm holds 64 weights: for Q4_K the low and high
 * nibbles of a 32-byte chunk (sub-blocks 2c and 2c+1, which meet the 64
 * contiguous activations 64c..64c+63); for Q6_K two quarters of a half.
 * vpmaddubsw forms byte-pair sums, vpdpwssd multiplies them by the int16
 * sub-block scale and accumulates in one instruction; the scales are spread
 * over the lanes with vpermw from one register per super-block. The two
 * 256-bit halves hold the same byte positions of two 32-byte groups, so
 * adding them gives exactly the 8 integer lanes of the reference, and the
 * float work is then the reference's (bit-identical results).
 */

/*
 * A format's two entry points around its body BODY(R):
 * vec_dot_<fmt>_q8_K_avx512 (R = 1) and vec_dot4_<fmt>_q8_K_avx512 (R = 4
 * activation rows ys bytes apart, outputs ss apart). The body reads n, x
 * and y[r] and writes s[r * ss].
 */
#define DOTS_1_AND_4(fmt, T, BODY)                                                                                 \
    static void vec_dot_##fmt##_q8_K_avx512(int n, float *s, const void *vx, const void *vy)                       \
    {                                                                                                              \
        const T *x = vx;                                                                                           \
        const block_q8_K *y[1] = { vy };                                                                           \
        const size_t ss = 0;                                                                                       \
        BODY(1);                                                                                                   \
    }                                                                                                              \
    static void vec_dot4_##fmt##_q8_K_avx512(int n, float *s, size_t ss, const void *vx, const void *vy, size_t ys) \
    {                                                                                                              \
        const T *x = vx;                                                                                           \
        ROWS4(block_q8_K, y, vy, ys);                                                                              \
        BODY(4);                                                                                                   \
    }

/*
 * Q4_K/Q5_K against R activation rows (R = 1 or 4): the chunks are decoded
 * once; per row the byte products are scaled with vpdpwssd.
 */
#define K4_BODY(R, IS_Q5)                                                                                          \
    const __m512i idx[4] = { perm_idx2(0, 1), perm_idx2(2, 3), perm_idx2(4, 5), perm_idx2(6, 7) };               \
    __m256 acc[R];                                                                                                 \
    __m128 accm[R];                                                                                                \
    float summs[R];                                                                                                \
    for (int r = 0; r < R; r++) {                                                                                  \
        acc[r] = _mm256_setzero_ps();                                                                              \
        accm[r] = _mm_setzero_ps();                                                                                \
        summs[r] = 0;                                                                                              \
    }                                                                                                              \
    for (int i = 0; i < n / QK_K; i++) {                                                                           \
        const __m128i sm = k4_scales_mins(x[i].scales);                                                            \
        const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));                                          \
        const __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));                                             \
        const float xd = fp16_to_fp32(x[i].d), xm = fp16_to_fp32(x[i].dmin);                                       \
        __m512i w[4];                                                                                              \
        if (IS_Q5) {                                                                                               \
            const __m512i qh2 = k5_qh(((const block_q5_K *)(const void *)&x[i])->qh);                              \
            for (int c = 0; c < 4; c++)                                                                            \
                w[c] = k5_chunk(x[i].qs, qh2, c);                                                                  \
        } else {                                                                                                   \
            for (int c = 0; c < 4; c++)                                                                            \
                w[c] = k4_chunk(x[i].qs, c);                                                                       \
        }                                                                                                          \
        for (int r = 0; r < R; r++) {                                                                              \
            const block_q8_K *yr = &y[r][i];                                                                       \
            __m512i sumi = _mm512_setzero_si512();                                                                 \
            for (int c = 0; c < 4; c++)                                                                            \
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(w[c], _mm512_loadu_si512(yr->qs + 64 * c)), \
                                           _mm512_permutexvar_epi16(idx[c], sc));                                  \
            const __m256i b = load256(yr->bsums);                                                                  \
            const __m128i pm = _mm_madd_epi16(                                                                     \
                mins, _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1)));                  \
            const float d = yr->d * xd, dmin = -yr->d * xm;                                                        \
            if (IS_Q5)                                                                                             \
                summs[r] = fmaf(dmin, (float)hsum_epi32_4(pm), summs[r]);                                          \
            else                                                                                                   \
                accm[r] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(pm), accm[r]);                           \
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(d), fold16(sumi), acc[r]);                                     \
        }                                                                                                          \
    }                                                                                                              \
    for (int r = 0; r < R; r++)                                                                                    \
        s[r * ss] = IS_Q5 ? hsum_ps8(acc[r]) + summs[r] : hsum_ps8(acc[r]) + hsum_ps4(accm[r])

#define Q4_K_BODY(R) K4_BODY(R, 0)
#define Q5_K_BODY(R) K4_BODY(R, 1)

DOTS_1_AND_4(q4_K, block_q4_K, Q4_K_BODY)
DOTS_1_AND_4(q5_K, block_q5_K, Q5_K_BODY)

/* Q6_K against R rows: a half's 4 quarters as two zmm of q (0..63), values q - 32 */
#define Q6_BODY(R)                                                                                                 \
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3), m32 = _mm512_set1_epi8(32);              \
    const __m512i idx[4] = { perm_idx4(0), perm_idx4(4), perm_idx4(8), perm_idx4(12) };                          \
    __m256 acc[R];                                                                                                 \
    for (int r = 0; r < R; r++)                                                                                    \
        acc[r] = _mm256_setzero_ps();                                                                              \
    for (int i = 0; i < n / QK_K; i++) {                                                                           \
        const __m512i sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales))); \
        __m512i w[4], scv[4];                                                                                      \
        for (int h = 0; h < 2; h++) {                                                                              \
            const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * h);                                                \
            const __m256i qh = load256(x[i].qh + 32 * h);                                                          \
            const __m512i qh2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);       \
            w[2 * h] = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4)); \
            w[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),                          \
                                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 4), m3), 4)); \
            scv[2 * h] = _mm512_permutexvar_epi16(idx[2 * h], sc);                                                 \
            scv[2 * h + 1] = _mm512_permutexvar_epi16(idx[2 * h + 1], sc);                                         \
        }                                                                                                          \
        const float xd = fp16_to_fp32(x[i].d);                                                                     \
        for (int r = 0; r < R; r++) {                                                                              \
            const block_q8_K *yr = &y[r][i];                                                                       \
            __m512i sumi = _mm512_setzero_si512();                                                                 \
            for (int g = 0; g < 4; g++) {                                                                          \
                const __m512i q8 = _mm512_loadu_si512(yr->qs + 64 * g);                                            \
                const __m512i p = _mm512_sub_epi16(_mm512_maddubs_epi16(w[g], q8), _mm512_maddubs_epi16(m32, q8)); \
                sumi = _mm512_dpwssd_epi32(sumi, p, scv[g]);                                                       \
            }                                                                                                      \
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(yr->d * xd), fold16(sumi), acc[r]);                            \
        }                                                                                                          \
    }                                                                                                              \
    for (int r = 0; r < R; r++)                                                                                    \
        s[r * ss] = hsum_ps8(acc[r])

DOTS_1_AND_4(q6_K, block_q6_K, Q6_BODY)

/*
 * Q3_K and Q2_K, two passes (2-bit fields p and p+1 of the same 32 bytes)
 * per zmm: vpsrlvw shifts the two halves by different amounts.
 */
#define Q23_BODY(R, IS_Q3)                                                                                         \
    const __m512i m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);                                             \
    __m256 acc[R];                                                                                                 \
    for (int r = 0; r < R; r++)                                                                                    \
        acc[r] = _mm256_setzero_ps();                                                                              \
    for (int i = 0; i < n / QK_K; i++) {                                                                           \
        __m512i sc;                                                                                                \
        __m256i mins16 = _mm256_setzero_si256();                                                                   \
        if (IS_Q3) {                                                                                               \
            uint32_t rw[4];                                                                                        \
            q3k_scale_words(((const block_q3_K *)(const void *)&x[i])->scales, rw);                                \
            const __m128i s8 = _mm_sub_epi8(_mm_set_epi32((int)rw[3], (int)rw[2], (int)rw[1], (int)rw[0]),         \
                                            _mm_set1_epi8(32));                                                    \
            sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(s8));                                                 \
        } else {                                                                                                   \
            const __m128i scb = _mm_loadu_si128((const __m128i *)((const block_q2_K *)(const void *)&x[i])->scales); \
            sc = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(scb, _mm_set1_epi8(0xF))));             \
            mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(scb, 4), _mm_set1_epi8(0xF)));              \
        }                                                                                                          \
        __m512i w[4], off[4], scv[4];                                                                              \
        for (int h = 0; h < 2; h++) {                                                                              \
            const __m256i q = load256(x[i].qs + 32 * h);                                                           \
            const __m512i q2 = _mm512_inserti64x4(_mm512_castsi256_si512(q), q, 1);                                \
            for (int pp = 0; pp < 2; pp++) {                                                                       \
                const int p = 2 * pp;                                                                              \
                const __m512i sh = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)(2 * p))),   \
                                                      _mm256_set1_epi16((short)(2 * p + 2)), 1);                   \
                w[2 * h + pp] = _mm512_and_si512(_mm512_srlv_epi16(q2, sh), m3);                                   \
                scv[2 * h + pp] = _mm512_permutexvar_epi16(perm_idx4(8 * h + 2 * p), sc);                          \
                if (IS_Q3) {                                                                                       \
                    const __m256i hm = load256(((const block_q3_K *)(const void *)&x[i])->hmask);                  \
                    const __m512i hsh = _mm512_inserti64x4(                                                        \
                        _mm512_castsi256_si512(_mm256_set1_epi16((short)(4 * h + p))),                             \
                        _mm256_set1_epi16((short)(4 * h + p + 1)), 1);                                             \
                    const __m512i hb = _mm512_and_si512(                                                           \
                        _mm512_srlv_epi16(_mm512_inserti64x4(_mm512_castsi256_si512(hm), hm, 1), hsh), one);       \
                    off[2 * h + pp] = _mm512_slli_epi16(_mm512_xor_si512(hb, one), 2);                             \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        const float xd = fp16_to_fp32(x[i].d);                                                                     \
        for (int r = 0; r < R; r++) {                                                                              \
            const block_q8_K *yr = &y[r][i];                                                                       \
            if (!IS_Q3) {                                                                                          \
                const float dmin = -yr->d * fp16_to_fp32(((const block_q2_K *)(const void *)&x[i])->dmin);         \
                acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(dmin),                                                     \
                                         _mm256_cvtepi32_ps(_mm256_madd_epi16(mins16, load256(yr->bsums))), acc[r]); \
            }                                                                                                      \
            __m512i sumi = _mm512_setzero_si512();                                                                 \
            for (int v = 0; v < 4; v++) {                                                                          \
                const __m512i q8 = _mm512_loadu_si512(yr->qs + 64 * v);                                            \
                __m512i pr = _mm512_maddubs_epi16(w[v], q8);                                                       \
                if (IS_Q3)                                                                                         \
                    pr = _mm512_sub_epi16(pr, _mm512_maddubs_epi16(off[v], q8));                                   \
                sumi = _mm512_dpwssd_epi32(sumi, pr, scv[v]);                                                      \
            }                                                                                                      \
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(yr->d * xd), fold16(sumi), acc[r]);                            \
        }                                                                                                          \
    }                                                                                                              \
    for (int r = 0; r < R; r++)                                                                                    \
        s[r * ss] = hsum_ps8(acc[r])

#define Q3_K_BODY(R) Q23_BODY(R, 1)
#define Q2_K_BODY(R) Q23_BODY(R, 0)

DOTS_1_AND_4(q3_K, block_q3_K, Q3_K_BODY)
DOTS_1_AND_4(q2_K, block_q2_K, Q2_K_BODY)

/*
 * IQ2_XXS, two 32-weight groups per zmm: the 8 grid rows come with one
 * gather, the 8 sign bytes (7 stored bits + parity) are built in a vector
 * and used as a mask that negates the activations, and the group scales
 * 2s+1 multiply the byte-pair sums through vpdpwssd. Lanes fold to the
 * reference's 8 (groups 2i and 2i+1 hold the same byte positions).
 */
#define IQ2_BODY(R)                                                                                                \
    __m256 acc[R];                                                                                                 \
    for (int r = 0; r < R; r++)                                                                                    \
        acc[r] = _mm256_setzero_ps();                                                                              \
    for (int i = 0; i < n / QK_K; i++) {                                                                           \
        __m512i sumi[R];                                                                                           \
        for (int r = 0; r < R; r++)                                                                                \
            sumi[r] = _mm512_setzero_si512();                                                                      \
        for (int g = 0; g < QK_K / 64; g++) {                                                                      \
            __m512i grid, ls;                                                                                      \
            __mmask64 neg;                                                                                         \
            iq2_pair(x[i].qs + 8 * g, &grid, &neg, &ls);                                                           \
            for (int r = 0; r < R; r++) {                                                                          \
                const __m512i q8 = _mm512_loadu_si512(y[r][i].qs + 64 * g);                                        \
                const __m512i q8s = _mm512_mask_sub_epi8(q8, neg, _mm512_setzero_si512(), q8);                    \
                sumi[r] = _mm512_dpwssd_epi32(sumi[r], _mm512_maddubs_epi16(grid, q8s), ls);                       \
            }                                                                                                      \
        }                                                                                                          \
        const float xd = fp16_to_fp32(x[i].d);                                                                     \
        for (int r = 0; r < R; r++)                                                                                \
            acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(xd * y[r][i].d), fold16(sumi[r]), acc[r]);                     \
    }                                                                                                              \
    for (int r = 0; r < R; r++)                                                                                    \
        s[r * ss] = 0.125f * hsum_ps8(acc[r])

DOTS_1_AND_4(iq2_xxs, block_iq2_xxs, IQ2_BODY)

/* ---- float formats: tinyBLAS's order, one 16-lane accumulator ---------------------------- */

/*
 * The bodies for one activation row and for 4: the same per-output order
 * (one accumulator per output), but 4 independent fma chains, so the
 * weights are loaded once and the fma latency is hidden. (No 4-row F16:
 * converting 4 activation rows per step costs more than it saves.)
 * LOAD gives STEP elements as __m512, MADD(acc, w, v) accumulates w.v,
 * CONV is one element as float (the tail).
 */
#define FLOAT_DOT_512(T, LOAD, STEP, MADD, CONV)                                                                  \
    const T *x = vx, *y = vy;                                                                                     \
    __m512 acc = _mm512_setzero_ps();                                                                             \
    int i = 0;                                                                                                    \
    for (; i + STEP <= n; i += STEP)                                                                              \
        acc = MADD(acc, LOAD(x + i), LOAD(y + i));                                                                \
    float sum = _mm512_reduce_add_ps(acc);                                                                        \
    for (; i < n; i++)                                                                                            \
        sum += CONV(x[i]) * CONV(y[i]);                                                                           \
    *s = sum;

#define FLOAT_DOT4_512(T, LOAD, STEP, MADD, CONV)                                                                \
    const T *x = vx;                                                                                              \
    ROWS4(T, y, vy, ys);                                                                                          \
    __m512 acc[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };     \
    int i = 0;                                                                                                    \
    for (; i + STEP <= n; i += STEP) {                                                                            \
        const __m512 w = LOAD(x + i);                                                                             \
        for (int r = 0; r < 4; r++)                                                                               \
            acc[r] = MADD(acc[r], w, LOAD(y[r] + i));                                                             \
    }                                                                                                             \
    for (int r = 0; r < 4; r++) {                                                                                 \
        float sum = _mm512_reduce_add_ps(acc[r]);                                                                 \
        for (int j = i; j < n; j++)                                                                               \
            sum += CONV(x[j]) * CONV(y[r][j]);                                                                    \
        s[r * ss] = sum;                                                                                          \
    }

#define LD_F16(p) _mm512_cvtph_ps(load256(p))
#define LD_F32(p) _mm512_loadu_ps(p)
#define FMA_PS(a, w, v) _mm512_fmadd_ps(w, v, a)
#define NOCONV(v) (v)
/* BF16 pairs travel as __m512 bits (the macros' vector type) and go to vdpbf16ps as they are */
#define LD_BF16(p) _mm512_castsi512_ps(_mm512_loadu_si512(p))
#define DP_BF16(a, w, v) _mm512_dpbf16_ps(a, (__m512bh)(w), (__m512bh)(v))

static void vec_dot_f16_avx512(int n, float *s, const void *vx, const void *vy)
{
    FLOAT_DOT_512(ggml_half, LD_F16, 16, FMA_PS, fp16_to_fp32)
}

static void vec_dot_f32_avx512(int n, float *s, const void *vx, const void *vy)
{
    FLOAT_DOT_512(float, LD_F32, 16, FMA_PS, NOCONV)
}

static void vec_dot_bf16_avx512(int n, float *s, const void *vx, const void *vy)
{
    FLOAT_DOT_512(ggml_bf16, LD_BF16, 32, DP_BF16, bf16_to_fp32)
}

static void vec_dot4_f32_avx512(int n, float *s, size_t ss, const void *vx, const void *vy, size_t ys)
{
    FLOAT_DOT4_512(float, LD_F32, 16, FMA_PS, NOCONV)
}

static void vec_dot4_bf16_avx512(int n, float *s, size_t ss, const void *vx, const void *vy, size_t ys)
{
    FLOAT_DOT4_512(ggml_bf16, LD_BF16, 32, DP_BF16, bf16_to_fp32)
}

/* single-row order (ggml_vec_dot_*): 4 accumulators over 64 elements, folded 0+2, 1+3, then together */
static void vec_dot1_f16_avx512(int n, float *s, const void *vx, const void *vy)
{
    const ggml_half *x = vx, *y = vy;
    __m512 a[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 4; j++)
            a[j] = _mm512_fmadd_ps(_mm512_cvtph_ps(load256(x + i + 16 * j)), _mm512_cvtph_ps(load256(y + i + 16 * j)), a[j]);
    *s = f16_dot1_finish(a, x, y, i, n);
}

static void vec_dot1_f32_avx512(int n, float *s, const void *vx, const void *vy)
{
    const float *x = vx, *y = vy;
    __m512 a[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps() };
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 4; j++)
            a[j] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16 * j), _mm512_loadu_ps(y + i + 16 * j), a[j]);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[0], a[2]), _mm512_add_ps(a[1], a[3])));
    for (; i < n; i++)
        sum += x[i] * y[i];
    *s = sum;
}

static void vec_dot1_bf16_avx512(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    __m512 c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 64 <= n; i += 64) {
        c1 = _mm512_dpbf16_ps(c1, (__m512bh)_mm512_loadu_si512(x + i), (__m512bh)_mm512_loadu_si512(y + i));
        c2 = _mm512_dpbf16_ps(c2, (__m512bh)_mm512_loadu_si512(x + i + 32), (__m512bh)_mm512_loadu_si512(y + i + 32));
    }
    double sum = 0;
    sum += _mm512_reduce_add_ps(c1);
    sum += _mm512_reduce_add_ps(c2);
    for (; i < n; i++)
        sum += (double)(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
    *s = (float)sum;
}

const struct kern_dot_impl kern_dots_avx512[] = {
    { GGML_TYPE_F32, vec_dot_f32_avx512, vec_dot4_f32_avx512, vec_dot1_f32_avx512, NULL },
    { GGML_TYPE_F16, vec_dot_f16_avx512, NULL, vec_dot1_f16_avx512, &kern_tiled_f16_avx512 },
    { GGML_TYPE_BF16, vec_dot_bf16_avx512, vec_dot4_bf16_avx512, vec_dot1_bf16_avx512, NULL },
    { GGML_TYPE_Q8_0, vec_dot_q8_0_q8_0_simd, vec_dot4_q8_0_q8_0_simd, NULL, NULL },
    { GGML_TYPE_Q4_0, vec_dot_q4_0_q8_0_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q2_K, vec_dot_q2_K_q8_K_avx512, vec_dot4_q2_K_q8_K_avx512, NULL, &kern_tiled_q2_K_avx512 },
    { GGML_TYPE_Q3_K, vec_dot_q3_K_q8_K_avx512, vec_dot4_q3_K_q8_K_avx512, NULL, &kern_tiled_q3_K_avx512 },
    { GGML_TYPE_Q4_K, vec_dot_q4_K_q8_K_avx512, vec_dot4_q4_K_q8_K_avx512, NULL, &kern_tiled_q4_K_avx512 },
    { GGML_TYPE_Q5_K, vec_dot_q5_K_q8_K_avx512, vec_dot4_q5_K_q8_K_avx512, NULL, &kern_tiled_q5_K_avx512 },
    { GGML_TYPE_Q6_K, vec_dot_q6_K_q8_K_avx512, vec_dot4_q6_K_q8_K_avx512, NULL, &kern_tiled_q6_K_avx512 },
    { GGML_TYPE_IQ2_XXS, vec_dot_iq2_xxs_q8_K_avx512, vec_dot4_iq2_xxs_q8_K_avx512, NULL, &kern_tiled_iq2_xxs_avx512 },
    { GGML_TYPE_COUNT, NULL, NULL, NULL, NULL },
};
