/*
 * gemv_avx512.c - products with one activation row (token generation) at
 * the AVX-512 level: up to 4 weight rows per call share each activation
 * load, and the float sums stay in 16-lane zmm accumulators to the end.
 *
 * Unlike vec_dot these do not reproduce llama.cpp's 8-lane float order
 * (its one-token decode): the integer lanes are the same sums, but the
 * float steps are grouped differently, so results agree with the scalar
 * reference to float rounding, not bit for bit (tests/test_kernels_simd.c
 * checks them within 1e-5 of sum |w*y|). A row's result does not depend on
 * which rows share its call, so thread counts do not change the bits.
 *
 * Q4_K reads its activation row in a permuted layout (kern_gemv.prep):
 * one 64-byte load of quants holds chunks c and c+1, whose low nibbles are
 * sub-blocks 2c and 2c+2 and whose high nibbles are 2c+1 and 2c+3, so the
 * activations' 32-byte sub-block groups are stored in the order
 * 0 2 1 3 4 6 5 7 and each weight zmm meets one contiguous activation zmm
 * without a lane insert.
 */
#define SIMD_VNNI 1
#include "simd-dots.h"
#include "simd512.h"

#include "quant.h"

/*
 * Software prefetch PF_DIST bytes past each row's current block. With the
 * hardware prefetcher alone one thread streamed weights from memory at
 * about 6 GB/s on the development machine; of the distances tried (1 to 8
 * KiB) this one gave the most, 8-10 GB/s, for rows of 2048 and of 8192
 * weights. With short rows it reaches into the next group of rows.
 */
#define PF_DIST 6144

static inline void prefetch_block(const void *p, int lines)
{
    for (int l = 0; l < lines; l++)
        _mm_prefetch((const char *)p + PF_DIST + 64 * l, _MM_HINT_T0);
}
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Q8_K, then sub-block groups 1<->2 and 5<->6 of every block swapped */
static void prep_q8_K_q4(const float *x, void *vy, int64_t k)
{
    quantize_row_q8_K(x, vy, k);
    block_q8_K *y = vy;
    for (int64_t i = 0; i < k / QK_K; i++)
        for (int h = 0; h < 2; h++) {
            int8_t *q = y[i].qs + 128 * h;
            const __m256i a = load256(q + 32), b = load256(q + 64);
            _mm256_storeu_si256((__m256i *)(q + 32), b);
            _mm256_storeu_si256((__m256i *)(q + 64), a);
        }
}

ALWAYS_INLINE void q4k_rows(int n, float *s, const char *vx, size_t xs, const block_q8_K *y, int R)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    /* zmm g holds sub-blocks (0,2), (1,3), (4,6), (5,7) */
    const __m512i idx[4] = { perm_idx2(0, 2), perm_idx2(1, 3), perm_idx2(4, 6), perm_idx2(5, 7) };
    __m512 acc[4];
    __m128 accm[4];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
        accm[r] = _mm_setzero_ps();
    }
    const int nb = n / QK_K;
    for (int i = 0; i < nb; i++) {
        const __m512i q8[4] = { _mm512_loadu_si512(y[i].qs), _mm512_loadu_si512(y[i].qs + 64),
                                _mm512_loadu_si512(y[i].qs + 128), _mm512_loadu_si512(y[i].qs + 192) };
        const __m256i b = load256(y[i].bsums);
        const __m128i bj = _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
        const float yd = y[i].d;
        for (int r = 0; r < R; r++) {
            const block_q4_K *x = (const block_q4_K *)(const void *)(vx + (size_t)r * xs) + i;
            prefetch_block(x, 3); /* 144 bytes */
            const __m128i sm = k4_scales_mins(x->scales);
            const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
            const __m128i pm = _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)), bj);
            const __m512i q0 = _mm512_loadu_si512(x->qs), q1 = _mm512_loadu_si512(x->qs + 64);
            __m512i sumi = _mm512_dpwssd_epi32(_mm512_setzero_si512(),
                                               _mm512_maddubs_epi16(_mm512_and_si512(q0, m4), q8[0]),
                                               _mm512_permutexvar_epi16(idx[0], sc));
            sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(_mm512_and_si512(_mm512_srli_epi16(q0, 4), m4), q8[1]),
                                       _mm512_permutexvar_epi16(idx[1], sc));
            sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(_mm512_and_si512(q1, m4), q8[2]),
                                       _mm512_permutexvar_epi16(idx[2], sc));
            sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(_mm512_and_si512(_mm512_srli_epi16(q1, 4), m4), q8[3]),
                                       _mm512_permutexvar_epi16(idx[3], sc));
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(yd * fp16_to_fp32(x->d)), _mm512_cvtepi32_ps(sumi), acc[r]);
            accm[r] = _mm_fmadd_ps(_mm_set1_ps(-yd * fp16_to_fp32(x->dmin)), _mm_cvtepi32_ps(pm), accm[r]);
        }
    }
    for (int r = 0; r < R; r++)
        s[r] = _mm512_reduce_add_ps(acc[r]) + hsum_ps4(accm[r]);
}

static void gemv_q4_K_avx512(int n, float *s, const void *vx, size_t xs, int nrows, const void *vy)
{
    switch (nrows) {
    case 4: q4k_rows(n, s, vx, xs, vy, 4); break;
    case 3: q4k_rows(n, s, vx, xs, vy, 3); break;
    case 2: q4k_rows(n, s, vx, xs, vy, 2); break;
    default: q4k_rows(n, s, vx, xs, vy, 1); break;
    }
}

/*
 * Q6_K: q (0..63) in natural order, two 64-weight zmm per half; the -32
 * offset is applied once per block through the bsums (sum over each 16
 * activations, the span of one Q6_K scale): 32 * sum_j scale_j * bsum_j.
 */
ALWAYS_INLINE void q6k_rows(int n, float *s, const char *vx, size_t xs, const block_q8_K *y, int R)
{
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    const __m512i idx[4] = { perm_idx4(0), perm_idx4(4), perm_idx4(8), perm_idx4(12) };
    __m512 acc[4];
    for (int r = 0; r < R; r++)
        acc[r] = _mm512_setzero_ps();
    const int nb = n / QK_K;
    for (int i = 0; i < nb; i++) {
        const __m512i q8[4] = { _mm512_loadu_si512(y[i].qs), _mm512_loadu_si512(y[i].qs + 64),
                                _mm512_loadu_si512(y[i].qs + 128), _mm512_loadu_si512(y[i].qs + 192) };
        const __m256i bs = load256(y[i].bsums);
        const float yd = y[i].d;
        for (int r = 0; r < R; r++) {
            const block_q6_K *x = (const block_q6_K *)(const void *)(vx + (size_t)r * xs) + i;
            prefetch_block(x, 4); /* 210 bytes */
            const __m128i sc8 = _mm_loadu_si128((const __m128i *)x->scales);
            const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
            const __m512i sc = _mm512_castsi256_si512(sc16);
            /* -32 * sum_j sc_j * bsum_j in 8 lanes */
            const __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs), 5);
            __m512i sumi = _mm512_castsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), off));
            sumi = _mm512_inserti64x4(sumi, _mm256_setzero_si256(), 1);
            for (int h = 0; h < 2; h++) {
                const __m512i l = _mm512_loadu_si512(x->ql + 64 * h);
                const __m256i qh = load256(x->qh + 32 * h);
                const __m512i qh2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
                const __m512i w0 = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4));
                const __m512i w1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                                   _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 4), m3), 4));
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(w0, q8[2 * h]),
                                           _mm512_permutexvar_epi16(idx[2 * h], sc));
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(w1, q8[2 * h + 1]),
                                           _mm512_permutexvar_epi16(idx[2 * h + 1], sc));
            }
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(yd * fp16_to_fp32(x->d)), _mm512_cvtepi32_ps(sumi), acc[r]);
        }
    }
    for (int r = 0; r < R; r++)
        s[r] = _mm512_reduce_add_ps(acc[r]);
}

static void gemv_q6_K_avx512(int n, float *s, const void *vx, size_t xs, int nrows, const void *vy)
{
    switch (nrows) {
    case 4: q6k_rows(n, s, vx, xs, vy, 4); break;
    case 3: q6k_rows(n, s, vx, xs, vy, 3); break;
    case 2: q6k_rows(n, s, vx, xs, vy, 2); break;
    default: q6k_rows(n, s, vx, xs, vy, 1); break;
    }
}

const struct kern_gemv kern_gemv_avx512[] = {
    { GGML_TYPE_Q4_K, prep_q8_K_q4, gemv_q4_K_avx512 },
    { GGML_TYPE_Q6_K, NULL, gemv_q6_K_avx512 },
    { GGML_TYPE_COUNT, NULL, NULL },
};
