/*
 * simd512.h - 512-bit decoding helpers shared by the AVX-512 dot kernels
 * (dots_avx512.c) and the tiled products (mm_tiled_avx512.c): weights
 * unpacked to bytes in natural element order, sub-block scales spread over
 * int16 lanes, and the fold of 16 int32 lanes to the reference's 8.
 * Include after simd-dots.h, only from *_avx512.c files.
 */
#ifndef KERNELS_SIMD512_H
#define KERNELS_SIMD512_H

/* the 8 reference lanes from 16: lane k + lane k+8 (the same bytes of two 32-byte groups) */
static inline __m256 fold16(__m512i v)
{
    return _mm256_cvtepi32_ps(_mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1)));
}

/*
 * The end of the single-row F16 dot (ggml_vec_dot_f16's order): the 4
 * accumulators folded 0+2, 1+3, then together; elements i..n-1 past the
 * last 64 added in double. Shared by vec_dot1_f16_avx512 and the one-row
 * F16 product, whose results must be the same bits.
 */
static inline float f16_dot1_finish(const __m512 a[4], const ggml_half *x, const ggml_half *y, int i, int n)
{
    double sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[0], a[2]), _mm512_add_ps(a[1], a[3])));
    for (; i < n; i++)
        sum += (double)(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
    return (float)sum;
}

/* lanes 0..15 take int16 scale a, lanes 16..31 scale b */
static inline __m512i perm_idx2(int a, int b)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)a)), _mm256_set1_epi16((short)b), 1);
}

/* 128-bit lane j takes int16 scale base+j */
static inline __m512i perm_idx4(int base)
{
    return _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(base + 1)), _mm_set1_epi16((short)base))),
        _mm256_set_m128i(_mm_set1_epi16((short)(base + 3)), _mm_set1_epi16((short)(base + 2))), 1);
}

/* 64 4-bit weights of chunk c (low nibbles | high nibbles), plus the 5th bits for Q5_K */
static inline __m512i k4_chunk(const uint8_t *qs, int c)
{
    const __m256i q = load256(qs + 32 * c);
    return _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1),
                            _mm512_set1_epi8(0xF));
}

static inline __m512i k5_chunk(const uint8_t *qs, __m512i qh2, int c)
{
    return _mm512_or_si512(k4_chunk(qs, c),
                           _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 2 * c), _mm512_set1_epi8(1)), 4));
}

/* the 5th bits of chunk c's low half at bit 2c, of its high half at bit 2c+1: shift the high copy by one */
static inline __m512i k5_qh(const uint8_t *qh)
{
    const __m256i h = load256(qh);
    return _mm512_inserti64x4(_mm512_castsi256_si512(h), _mm256_srli_epi16(h, 1), 1);
}

/*
 * IQ2_XXS, two 32-weight groups per zmm: the 8 grid rows come with one
 * gather, the 8 sign bytes (7 stored bits + parity) are built in a vector
 * and used as a mask that negates the activations, and the group scales
 * 2s+1 multiply the byte-pair sums through vpdpwssd.
 */
static inline void iq2_pair(const uint16_t *qs, __m512i *grid, __mmask64 *neg, __m512i *ls)
{
    uint32_t a[4];
    memcpy(a, qs, sizeof a); /* group 2i: a[0] grid indices, a[1] signs+scale; group 2i+1: a[2], a[3] */
    const __m128i v = _mm_loadu_si128((const __m128i *)a);
    const __m512i gi = _mm512_cvtepu8_epi64(_mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1)));
    *grid = _mm512_i64gather_epi64(gi, (const long long *)iq2xxs_grid, 8);
    /* the 7-bit sign fields of both groups, then bit 7 = their parity (an even number of minus signs) */
    __m256i f = _mm256_srlv_epi32(_mm256_setr_epi32((int)a[1], (int)a[1], (int)a[1], (int)a[1], (int)a[3], (int)a[3],
                                                    (int)a[3], (int)a[3]),
                                  _mm256_setr_epi32(0, 7, 14, 21, 0, 7, 14, 21));
    f = _mm256_and_si256(f, _mm256_set1_epi32(127));
    __m256i p = _mm256_xor_si256(f, _mm256_srli_epi32(f, 4));
    p = _mm256_xor_si256(p, _mm256_srli_epi32(p, 2));
    p = _mm256_xor_si256(p, _mm256_srli_epi32(p, 1));
    f = _mm256_or_si256(f, _mm256_slli_epi32(_mm256_and_si256(p, _mm256_set1_epi32(1)), 7));
    *neg = (__mmask64)_mm_cvtsi128_si64(_mm256_cvtepi32_epi8(f));
    *ls = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)(2 * (a[1] >> 28) + 1))),
                             _mm256_set1_epi16((short)(2 * (a[3] >> 28) + 1)), 1);
}

#endif
