/*
 * gemv_avx512.c - products with one activation row (token generation) at
 * the AVX-512 level: up to 4 weight rows per call share each activation
 * load, and the float sums stay in 16-lane zmm accumulators to the end.
 *
 * Unlike vec_dot the K-quant ones do not reproduce llama.cpp's 8-lane
 * float order (its one-token decode): the float steps are grouped
 * differently, so results agree with the scalar reference to float
 * rounding, not bit for bit (tests/test_kernels_simd.c checks them within
 * 1e-5 of sum |w*y|); F16 keeps the single-row dot's steps exactly. A
 * row's result does not depend on which rows share its call, so thread
 * counts do not change the bits.
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

#include "prefetch.h"
#include "quant.h"

/*
 * Software prefetch ahead of the order a call reads the weights in: the R
 * rows advance together one block at a time, so the lines wanted next are
 * block i+d of the same rows, d = distance / (R * block bytes), or, once
 * i+d passes the end of the rows, the blocks of the next R rows (the next
 * call's, usually). Two distances: PF_L1 bytes ahead into L1 and PF_L2
 * into L2, whose larger queue of outstanding misses keeps more of the
 * memory bandwidth busy while the kernel computes. On the development
 * machine (2 threads, 1B Q4_K_M, tg128) the pair gave 25-26 t/s, L1 alone
 * at 8 KiB 22 t/s, and no prefetch at all 14. Addresses past the weights
 * are harmless: a prefetch never faults.
 */
#define PF_L1 4096
#define PF_L2 12288

static const size_t pf_dist[2] = { PF_L1, PF_L2 };

/* the read order's geometry and, per distance, where the ahead point is */
struct pf_ahead {
    uintptr_t at[2]; /* block i+d of row 0 of this call, advanced per block */
    int left[2];     /* blocks before at[k] passes the end of the row */
    size_t xs, bs;
    int nb, R;
};

static inline struct pf_ahead pf_start(const void *vx, size_t xs, size_t bs, int nb, int R)
{
    struct pf_ahead p = { .xs = xs, .bs = bs, .nb = nb, .R = R };
    for (int k = 0; k < 2; k++) {
        int d = (int)((pf_dist[k] + (size_t)R * bs - 1) / ((size_t)R * bs));
        uintptr_t base = (uintptr_t)vx;
        while (d >= nb) { /* short rows: the ahead point lies in a later group */
            base += (size_t)R * xs;
            d -= nb;
        }
        p.at[k] = base + (size_t)d * bs;
        p.left[k] = nb - d;
    }
    return p;
}

static inline void pf_next(struct pf_ahead *p)
{
    for (int k = 0; k < 2; k++) {
        p->at[k] += p->bs;
        if (--p->left[k] == 0) {
            p->at[k] += (size_t)p->R * p->xs - (size_t)p->nb * p->bs;
            p->left[k] = p->nb;
        }
    }
}

/* the lines of row r's block at both ahead points */
static inline void pf_row(const struct pf_ahead *p, int r, int lines)
{
    for (int l = 0; l < lines; l++) {
        kern_prefetch((const void *)(p->at[0] + (size_t)r * p->xs + 64 * (size_t)l));
        kern_prefetch_l2((const void *)(p->at[1] + (size_t)r * p->xs + 64 * (size_t)l));
    }
}
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* A one-row entry point: ROWS_FN specialised for each count of rows, 1 to 4. */
#define GEMV_ENTRY(name, ROWS_FN)                                                                  \
    static void name(int n, float *s, const void *vx, size_t xs, int nrows, const void *vy)        \
    {                                                                                              \
        switch (nrows) {                                                                           \
        case 4: ROWS_FN(n, s, vx, xs, vy, 4); break;                                               \
        case 3: ROWS_FN(n, s, vx, xs, vy, 3); break;                                               \
        case 2: ROWS_FN(n, s, vx, xs, vy, 2); break;                                               \
        default: ROWS_FN(n, s, vx, xs, vy, 1); break;                                              \
        }                                                                                          \
    }

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

/*
 * The 8 scales (bytes 0-7) and 8 mins (bytes 8-15) of a Q4_K block from
 * its first 16 bytes (d, dmin, the 12 packed 6-bit values) in each 128-bit
 * lane, as k4_scales_mins unpacks them, in 6 vector operations instead of
 * a round trip through general registers and the stack.
 */
static inline __m512i k4_unpack_scales(__m512i v)
{
    /* 32-bit lanes of each 128-bit lane of v: 0 = d|dmin, 1 = u0, 2 = u1, 3 = u2 */
    const __m512i t1 = _mm512_srlv_epi32(_mm512_shuffle_epi32(v, _MM_SHUFFLE(3, 2, 3, 1)),
                                         _mm512_broadcast_i32x4(_mm_set_epi32(4, 0, 0, 0)));
    const __m512i t2 = _mm512_srli_epi32(_mm512_shuffle_epi32(v, _MM_SHUFFLE(2, 2, 1, 1)), 2);
    const __m512i m1 = _mm512_broadcast_i32x4(_mm_set_epi32(0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f));
    const __m512i m2 = _mm512_broadcast_i32x4(_mm_set_epi32(0x30303030, 0, 0x30303030, 0));
    return _mm512_or_si512(_mm512_and_si512(t1, m1), _mm512_and_si512(t2, m2));
}

/*
 * vpshufb control giving each int32 lane the scale byte a (128-bit lanes
 * 0-1) or b (lanes 2-3) zero-extended: as int16 pairs (scale, 0).
 */
static inline __m512i spread32(int a, int b)
{
    const __m128i lo = _mm_set1_epi32((int)(0x80808000u | (unsigned)a));
    const __m128i hi = _mm_set1_epi32((int)(0x80808000u | (unsigned)b));
    const __m256i l2 = _mm256_set_m128i(lo, lo), h2 = _mm256_set_m128i(hi, hi);
    return _mm512_inserti64x4(_mm512_castsi256_si512(l2), h2, 1);
}

/*
 * vpdpbusd sums 4 nibble x int8 products per int32 lane (at most 4*15*128,
 * within int16), and vpdpwssd, reading each lane as the int16 pair (sum,
 * sign), multiplies it by its sub-block scale: each lane of the block's sum
 * holds the same integer as in vec_dot's maddubs/madd order, so the float
 * steps after it round alike (a different split of the integers between
 * lanes, tried first, rounded differently enough to move the logits of a
 * random-weight model whose Q4_K mins nearly cancel its scales). The scale
 * bytes are unpacked in vector registers, d and dmin converted together.
 */
ALWAYS_INLINE void q4k_rows(int n, float *s, const char *vx, size_t xs, const block_q8_K *y, int R)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    /* dpbusd results 0-3 hold sub-blocks (0,2), (1,3), (4,6), (5,7) */
    const __m512i ctl[4] = { spread32(0, 2), spread32(1, 3), spread32(4, 6), spread32(5, 7) };
    __m512 acc[4];
    __m128 accm[4];
    for (int r = 0; r < R; r++) {
        acc[r] = _mm512_setzero_ps();
        accm[r] = _mm_setzero_ps();
    }
    const int nb = n / QK_K;
    struct pf_ahead pf = pf_start(vx, xs, sizeof(block_q4_K), nb, R);
    for (int i = 0; i < nb; i++, pf_next(&pf)) {
        const __m512i q8[4] = { _mm512_loadu_si512(y[i].qs), _mm512_loadu_si512(y[i].qs + 64),
                                _mm512_loadu_si512(y[i].qs + 128), _mm512_loadu_si512(y[i].qs + 192) };
        const __m256i b = load256(y[i].bsums);
        const __m128i bj = _mm_hadd_epi16(_mm256_castsi256_si128(b), _mm256_extracti128_si256(b, 1));
        const __m128 ydv = _mm_set1_ps(y[i].d);
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
            const block_q4_K *x = (const block_q4_K *)(const void *)(vx + (size_t)r * xs) + i;
            pf_row(&pf, r, 3); /* 144 bytes */
            /* the block's first 16 bytes (d, dmin, packed scales) in every 128-bit lane */
            const __m512i head = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)x));
            const __m512i sb = k4_unpack_scales(head);
            /* [d, dmin] * y.d */
            const __m128 dm = _mm_mul_ps(_mm_cvtph_ps(_mm512_castsi512_si128(head)), ydv);
            const __m128i pm = _mm_madd_epi16(_mm_unpackhi_epi8(_mm512_castsi512_si128(sb), _mm_setzero_si128()), bj);
            const __m512i q0 = _mm512_loadu_si512(x->qs), q1 = _mm512_loadu_si512(x->qs + 64);
            const __m512i z = _mm512_setzero_si512();
            const __m512i d0 = _mm512_dpbusd_epi32(z, _mm512_and_si512(q0, m4), q8[0]);
            const __m512i d1 = _mm512_dpbusd_epi32(z, _mm512_and_si512(_mm512_srli_epi16(q0, 4), m4), q8[1]);
            const __m512i d2 = _mm512_dpbusd_epi32(z, _mm512_and_si512(q1, m4), q8[2]);
            const __m512i d3 = _mm512_dpbusd_epi32(z, _mm512_and_si512(_mm512_srli_epi16(q1, 4), m4), q8[3]);
            __m512i sumi = _mm512_dpwssd_epi32(z, d0, _mm512_shuffle_epi8(sb, ctl[0]));
            sumi = _mm512_dpwssd_epi32(sumi, d1, _mm512_shuffle_epi8(sb, ctl[1]));
            sumi = _mm512_dpwssd_epi32(sumi, d2, _mm512_shuffle_epi8(sb, ctl[2]));
            sumi = _mm512_dpwssd_epi32(sumi, d3, _mm512_shuffle_epi8(sb, ctl[3]));
            acc[r] = _mm512_fmadd_ps(_mm512_broadcastss_ps(dm), _mm512_cvtepi32_ps(sumi), acc[r]);
            accm[r] = _mm_fnmadd_ps(_mm_permute_ps(dm, 0x55), _mm_cvtepi32_ps(pm), accm[r]);
        }
    }
    for (int r = 0; r < R; r++)
        s[r] = _mm512_reduce_add_ps(acc[r]) + hsum_ps4(accm[r]);
}

GEMV_ENTRY(gemv_q4_K_avx512, q4k_rows)

static inline __m512i q6_spread(int base)
{
    char c[64];
    for (int k = 0; k < 4; k++)
        for (int b = 0; b < 16; b++)
            c[16 * k + b] = (char)(base + k + (b < 8 ? 0 : 4));
    return _mm512_loadu_si512(c);
}

/*
 * Q6_K: q (0..63) in natural order, two 64-weight zmm per half, so
 * 128-bit lane k of a zmm is one 16-weight sub-block. As for Q4_K, vpdpbusd
 * sums 4 products per int32 lane (at most 4*63*128, within int16), a pack
 * puts the two zmm of a half side by side and one vpdpwssd applies the 16
 * signed scales. The -32 offset is applied once per block through the
 * bsums (sum over each 16 activations, the span of one Q6_K scale):
 * 32 * sum_j scale_j * bsum_j.
 */
ALWAYS_INLINE void q6k_rows(int n, float *s, const char *vx, size_t xs, const block_q8_K *y, int R)
{
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    /* 128-bit lane k of half h: scale 8h+k for its first 4 int16 (sub-block k of w0), 8h+4+k for the rest (w1) */
    const __m512i ctl[2] = { q6_spread(0), q6_spread(8) };
    __m512 acc[4];
    for (int r = 0; r < R; r++)
        acc[r] = _mm512_setzero_ps();
    const int nb = n / QK_K;
    struct pf_ahead pf = pf_start(vx, xs, sizeof(block_q6_K), nb, R);
    for (int i = 0; i < nb; i++, pf_next(&pf)) {
        const __m512i q8[4] = { _mm512_loadu_si512(y[i].qs), _mm512_loadu_si512(y[i].qs + 64),
                                _mm512_loadu_si512(y[i].qs + 128), _mm512_loadu_si512(y[i].qs + 192) };
        const __m256i bs = load256(y[i].bsums);
        const float yd = y[i].d;
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
            const block_q6_K *x = (const block_q6_K *)(const void *)(vx + (size_t)r * xs) + i;
            pf_row(&pf, r, 4); /* 210 bytes */
            const __m128i sc8 = _mm_loadu_si128((const __m128i *)x->scales);
            const __m512i scb = _mm512_broadcast_i32x4(sc8);
            /* -32 * sum_j sc_j * bsum_j in 8 lanes */
            const __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(sc8), bs), 5);
            __m512i sumi = _mm512_castsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), off));
            sumi = _mm512_inserti64x4(sumi, _mm256_setzero_si256(), 1);
            _Pragma("GCC unroll 2") for (int h = 0; h < 2; h++) {
                const __m512i l = _mm512_loadu_si512(x->ql + 64 * h);
                const __m256i qh = load256(x->qh + 32 * h);
                const __m512i qh2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
                const __m512i w0 = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4));
                const __m512i w1 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                                   _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 4), m3), 4));
                const __m512i z = _mm512_setzero_si512();
                const __m512i d0 = _mm512_dpbusd_epi32(z, w0, q8[2 * h]), d1 = _mm512_dpbusd_epi32(z, w1, q8[2 * h + 1]);
                /* (s << 8 | s) >> 8: the int8 scale sign-extended in each int16 lane */
                const __m512i sc = _mm512_srai_epi16(_mm512_shuffle_epi8(scb, ctl[h]), 8);
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_packs_epi32(d0, d1), sc);
            }
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(yd * fp16_to_fp32(x->d)), _mm512_cvtepi32_ps(sumi), acc[r]);
        }
    }
    for (int r = 0; r < R; r++)
        s[r] = _mm512_reduce_add_ps(acc[r]);
}

GEMV_ENTRY(gemv_q6_K_avx512, q6k_rows)

/*
 * F16: per row the exact steps of vec_dot1_f16_avx512 (4 accumulators over
 * each 64 elements, folded 0+2, 1+3, then together, the tail in double), so
 * the results are bit for bit those of the vec_dot path; the gain is the
 * activation converted once for the 4 rows and the stream-order prefetch.
 */
ALWAYS_INLINE void f16_rows(int n, float *s, const char *vx, size_t xs, const ggml_half *y, int R)
{
    __m512 a[4][4];
    for (int r = 0; r < R; r++)
        for (int j = 0; j < 4; j++)
            a[r][j] = _mm512_setzero_ps();
    const int nb = n / 64;
    struct pf_ahead pf = pf_start(vx, xs, 64 * sizeof(ggml_half), nb, R);
    for (int i = 0; i < nb; i++, pf_next(&pf)) {
        __m512 yv[4];
        for (int j = 0; j < 4; j++)
            yv[j] = _mm512_cvtph_ps(load256(y + 64 * i + 16 * j));
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {
            const ggml_half *x = (const ggml_half *)(const void *)(vx + (size_t)r * xs) + 64 * i;
            pf_row(&pf, r, 2); /* 128 bytes */
            for (int j = 0; j < 4; j++)
                a[r][j] = _mm512_fmadd_ps(_mm512_cvtph_ps(load256(x + 16 * j)), yv[j], a[r][j]);
        }
    }
    for (int r = 0; r < R; r++)
        s[r] = f16_dot1_finish(a[r], (const ggml_half *)(const void *)(vx + (size_t)r * xs), y, 64 * nb, n);
}

GEMV_ENTRY(gemv_f16_avx512, f16_rows)

const struct kern_gemv kern_gemv_avx512[] = {
    { GGML_TYPE_Q4_K, prep_q8_K_q4, gemv_q4_K_avx512 },
    { GGML_TYPE_Q6_K, NULL, gemv_q6_K_avx512 },
    { GGML_TYPE_F16, NULL, gemv_f16_avx512 },
    { GGML_TYPE_COUNT, NULL, NULL },
};
