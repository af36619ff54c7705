/*
 * dots_avx512.c - the AVX-512 level (F/BW/VL/DQ/VNNI/BF16) of the dot
 * products. The 256-bit bodies of simd-dots.h are reused with vpdpbusd for
 * the un-scaled byte dots; the hottest formats get 512-bit kernels here.
 * Compiled with the Makefile's AVX-512 flags; runs only when cpu.c chose
 * this level.
 */
#define SIMD_VNNI 1
#include "simd-dots.h"

/*
 * 512-bit kernels. One zmm holds 64 weights: for Q4_K the low and high
 * nibbles of a 32-byte chunk (sub-blocks 2c and 2c+1, which meet the 64
 * contiguous activations 64c..64c+63); for Q6_K two quarters of a half.
 * vpmaddubsw forms byte-pair sums, vpdpwssd multiplies them by the int16
 * sub-block scale and accumulates in one instruction; the scales are spread
 * over the lanes with vpermw from one register per super-block.
 */

static inline float hsum_ps16(__m512 v)
{
    return _mm512_reduce_add_ps(v);
}

static void vec_dot_q4_K_q8_K_avx512(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    const __m512i m4 = _mm512_set1_epi8(0xF);
    /* lanes 0..15 take scale 2c, lanes 16..31 scale 2c+1 (int16 lanes) */
    __m512i idx[4];
    for (int c = 0; c < 4; c++)
        idx[c] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)(2 * c))),
                                    _mm256_set1_epi16((short)(2 * c + 1)), 1);
    __m512 acc = _mm512_setzero_ps();
    __m256 accm = _mm256_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        const __m128i sm = k4_scales_mins(x[i].scales);
        accm = _mm256_fmadd_ps(_mm256_set1_ps(fp16_to_fp32(x[i].dmin) * y[i].d),
                               _mm256_cvtepi32_ps(mins_x_bsums(sm, y[i].bsums)), accm);
        const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
        __m512i sumi = _mm512_setzero_si512();
        for (int c = 0; c < 4; c++) {
            const __m256i q = load256(x[i].qs + 32 * c);
            const __m512i w = _mm512_and_si512(
                _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1), m4);
            const __m512i p = _mm512_maddubs_epi16(w, _mm512_loadu_si512(y[i].qs + 64 * c));
            sumi = _mm512_dpwssd_epi32(sumi, p, _mm512_permutexvar_epi16(idx[c], sc));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(fp16_to_fp32(x[i].d) * y[i].d), _mm512_cvtepi32_ps(sumi), acc);
    }
    *s = hsum_ps16(acc) - hsum_ps8(accm);
}

static void vec_dot_q6_K_q8_K_avx512(int n, float *s, const void *vx, const void *vy)
{
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    /* int16 lanes 8k..8k+7 (128-bit lane k) take scale base+k */
    __m512i idx[4];
    for (int h = 0; h < 2; h++)
        for (int half = 0; half < 2; half++) {
            const int b = 8 * h + 4 * half;
            idx[2 * h + half] = _mm512_inserti64x4(
                _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(b + 1)), _mm_set1_epi16((short)b))),
                _mm256_set_m128i(_mm_set1_epi16((short)(b + 3)), _mm_set1_epi16((short)(b + 2))), 1);
        }
    __m512 acc = _mm512_setzero_ps();
    for (int i = 0; i < n / QK_K; i++) {
        const __m512i sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales)));
        __m512i sumi = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++) {
            const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * h);
            const __m256i qh = load256(x[i].qh + 32 * h);
            const __m512i qh2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
            /* quarters 0|1: low nibbles of ql[0..63], high bits 0-1 | 2-3 */
            const __m512i a = _mm512_or_si512(_mm512_and_si512(l, m4),
                                              _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4));
            /* quarters 2|3: high nibbles, high bits 4-5 | 6-7 */
            const __m512i b = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                              _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 4), m3), 4));
            const __m512i pa = _mm512_maddubs_epi16(a, _mm512_loadu_si512(y[i].qs + 128 * h));
            const __m512i pb = _mm512_maddubs_epi16(b, _mm512_loadu_si512(y[i].qs + 128 * h + 64));
            sumi = _mm512_dpwssd_epi32(sumi, pa, _mm512_permutexvar_epi16(idx[2 * h], sc));
            sumi = _mm512_dpwssd_epi32(sumi, pb, _mm512_permutexvar_epi16(idx[2 * h + 1], sc));
        }
        /* the bytes held q + 32: take 32 * sum(scale * bsum) off */
        const __m256i corr = _mm256_slli_epi32(scales_x_bsums(x[i].scales, y[i].bsums), 5);
        const __m512i sumc = _mm512_sub_epi32(sumi, _mm512_castsi256_si512(corr));
        acc = _mm512_fmadd_ps(_mm512_set1_ps(fp16_to_fp32(x[i].d) * y[i].d), _mm512_cvtepi32_ps(sumc), acc);
    }
    *s = hsum_ps16(acc);
}

const struct kern_dot_impl kern_dots_avx512[] = {
    { GGML_TYPE_F32, vec_dot_f32_simd },
    { GGML_TYPE_F16, vec_dot_f16_simd },
    { GGML_TYPE_BF16, vec_dot_bf16_simd },
    { GGML_TYPE_Q8_0, vec_dot_q8_0_q8_0_simd },
    { GGML_TYPE_Q4_0, vec_dot_q4_0_q8_0_simd },
    { GGML_TYPE_Q2_K, vec_dot_q2_K_q8_K_simd },
    { GGML_TYPE_Q3_K, vec_dot_q3_K_q8_K_simd },
    { GGML_TYPE_Q4_K, vec_dot_q4_K_q8_K_avx512 },
    { GGML_TYPE_Q5_K, vec_dot_q5_K_q8_K_simd },
    { GGML_TYPE_Q6_K, vec_dot_q6_K_q8_K_avx512 },
    { GGML_TYPE_IQ2_XXS, vec_dot_iq2_xxs_q8_K_simd },
    { GGML_TYPE_COUNT, NULL },
};
