/*
 * mm_tiled_avx512.c - prompt processing as a tiled matrix product at the
 * AVX-512 level, for the K-quants (Q2_K..Q6_K) and IQ2_XXS against Q8_K tokens.
 *
 * The 4-row kernels decode each weight block once per 4 tokens and spend
 * most of their time on decoding, folding and float steps around 8 integer
 * instructions. Here a few weight rows at a time are decoded once into
 * scratch for every token (signed bytes in natural element order plus an
 * int16 scale per byte pair, see struct wdec), and the tokens, packed 8 to
 * a group (struct ytile), stream through them: per block and token only
 * vpmaddubsw + vpdpwssd per 64 weights, and the float steps of two tokens
 * share one zmm instruction. Activations are quantized to Q8_K here, with
 * AVX-512 and quantize_row_q8_K's exact float steps, straight into the
 * packed groups.
 *
 * Bit-exactness: each output's 8 integer lanes per super-block are the
 * same integers as vec_dot's (integer sums are exact whatever their
 * grouping), and each output then gets the same float operations in the
 * same order (fma into 8 lanes per block, the reference's final sums).
 * The weights are stored as signed values (Q6_K q - 32, Q3_K with its
 * high-bit offset, IQ2_XXS with its signs) and the tokens' quants as
 * unsigned q + 128, so vpmaddubsw takes the token bytes as its unsigned
 * operand; the 128 * w * scale this adds depends on the weight row only and
 * is subtracted once per row and block (wdec.negc). No pair of byte
 * products can saturate int16: 255 * 2 * 43 < 32767.
 */
#define SIMD_VNNI 1
#include "simd-dots.h"
#include "simd512.h"

#include <stdint.h>

/* one token group's share of a super-block */
struct ytile {
    uint8_t qs[KERN_TILE_M][QK_K]; /* the Q8_K quants + 128, unsigned for vpmaddubsw */
    float dpair[KERN_TILE_M / 2][16]; /* d of tokens 2p (lanes 0..7) and 2p+1 (8..15) */
    float dquad[KERN_TILE_M / 4][16]; /* d of tokens 4q+k in lanes 4k..4k+3 */
    int16_t bj[KERN_TILE_M / 4][32];  /* tokens 4q+k: bsums[2j] + bsums[2j+1] in int16 8k+j */
    int16_t bsp[KERN_TILE_M / 2][32]; /* Q2_K: the 16 bsums of tokens 2p and 2p+1 */
};

/* one weight super-block, decoded */
struct wdec {
    __m512i w[4];  /* weights 64z..64z+63 as signed bytes, natural element order */
    __m512i sc[4]; /* int16 scale of each byte pair of w[z] */
    /*
     * The tokens' bytes carry +128, so every product carries 128 * w * scale:
     * minus their sum, in the 16 lanes before the fold, starts each token's sums.
     */
    __m512i negc;
    __m512i mins; /* Q4_K/Q5_K: the 8 int16 mins in every 128-bit lane; Q2_K: the 16 in both halves */
    float xd, nxm; /* d and -dmin */
    float pad[14];
};

_Static_assert(sizeof(struct ytile) % 64 == 0, "ytile keeps zmm alignment");
_Static_assert(sizeof(struct wdec) % 64 == 0, "wdec keeps zmm alignment");

/* rows decoded per tile, and blocks per pass of the token groups (measured: 8 and 2; -D to experiment) */
#ifndef ROW_TILE
#define ROW_TILE 8
#endif
#ifndef KC
#define KC 2
#endif

/* one (row, token group)'s float accumulators: tokens 2p, 2p+1 in acc[p]; min lanes of 4q..4q+3 in accm[q] */
struct accs {
    __m512 acc[KERN_TILE_M / 2], accm[KERN_TILE_M / 4];
};

static size_t act_bytes(int64_t K, int64_t M)
{
    return (size_t)((M + KERN_TILE_M - 1) / KERN_TILE_M) * (size_t)(K / QK_K) * sizeof(struct ytile);
}

static size_t scratch_bytes(int64_t K, int64_t M)
{
    return (size_t)ROW_TILE * ((size_t)(K / QK_K) * sizeof(struct wdec) +
                               (size_t)((M + KERN_TILE_M - 1) / KERN_TILE_M) * sizeof(struct accs));
}

/*
 * quantize_row_q8_K for one block, with the same float operations: the
 * element of largest magnitude (the first of equals), iscale = -127/max,
 * nearest_int's magic-number rounding, the clamp at 127, d = 1/iscale.
 */
static void quantize_q8_K_block(const float *x, int8_t *qs, int16_t *bsums, float *d)
{
    const __m512 sign = _mm512_set1_ps(-0.0f);
    __m512 am = _mm512_setzero_ps();
    for (int z = 0; z < 16; z++)
        am = _mm512_max_ps(_mm512_andnot_ps(sign, _mm512_loadu_ps(x + 16 * z)), am); /* NaN skipped, as fabsf(x) > amax */
    const float amax = _mm512_reduce_max_ps(am);
    if (amax == 0.0f) {
        memset(qs, 0, QK_K);
        memset(bsums, 0, QK_K / 16 * sizeof *bsums);
        *d = 0;
        return;
    }
    int first = 0;
    for (int z = 0; z < 16; z++) {
        const __mmask16 hit = _mm512_cmp_ps_mask(_mm512_andnot_ps(sign, _mm512_loadu_ps(x + 16 * z)),
                                                 _mm512_set1_ps(amax), _CMP_EQ_OQ);
        if (hit) {
            first = 16 * z + __builtin_ctz(hit);
            break;
        }
    }
    const float iscale = -127.f / x[first];
    const __m512 is = _mm512_set1_ps(iscale), magic = _mm512_set1_ps(12582912.f);
    for (int z = 0; z < 16; z++) {
        const __m512 t = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(x + 16 * z), is), magic);
        __m512i v = _mm512_sub_epi32(_mm512_and_si512(_mm512_castps_si512(t), _mm512_set1_epi32(0x007fffff)),
                                     _mm512_set1_epi32(0x00400000));
        v = _mm512_min_epi32(v, _mm512_set1_epi32(127));
        _mm_storeu_si128((__m128i *)(qs + 16 * z), _mm512_cvtepi32_epi8(v));
        bsums[z] = (int16_t)_mm512_reduce_add_epi32(v);
    }
    *d = 1 / iscale;
}

static void pack(const float *x, int64_t K, int64_t M, int64_t g, void *packed)
{
    const int64_t nb = K / QK_K;
    struct ytile *yt = (struct ytile *)packed + g * nb;
    for (int64_t i = 0; i < nb; i++, yt++) {
        memset(yt, 0, sizeof *yt);
        for (int k = 0; k < KERN_TILE_M; k++) {
            const int64_t m = g * KERN_TILE_M + k;
            if (m >= M)
                break;
            int16_t bsums[QK_K / 16];
            float d;
            quantize_q8_K_block(x + m * K + i * QK_K, (int8_t *)yt->qs[k], bsums, &d);
            for (int z = 0; z < 4; z++)
                _mm512_store_si512(yt->qs[k] + 64 * z,
                                   _mm512_xor_si512(_mm512_load_si512(yt->qs[k] + 64 * z), _mm512_set1_epi8((char)0x80)));
            for (int l = 0; l < 8; l++)
                yt->dpair[k / 2][8 * (k % 2) + l] = d;
            for (int l = 0; l < 4; l++)
                yt->dquad[k / 4][4 * (k % 4) + l] = d;
            for (int j = 0; j < 8; j++)
                yt->bj[k / 4][8 * (k % 4) + j] = (int16_t)(bsums[2 * j] + bsums[2 * j + 1]);
            for (int j = 0; j < 16; j++)
                yt->bsp[k / 2][16 * (k % 2) + j] = bsums[j];
        }
    }
}

/*
 * The decoders leave unsigned bytes u = value + off in w[]: make them signed
 * values and sum what the tokens' +128 adds (negc).
 */
static inline void finish(struct wdec *w, int off)
{
    __m512i c = _mm512_setzero_si512();
    for (int z = 0; z < 4; z++) {
        w->w[z] = _mm512_sub_epi8(w->w[z], _mm512_set1_epi8((char)off));
        c = _mm512_dpwssd_epi32(c, _mm512_maddubs_epi16(_mm512_set1_epi8((char)0x80), w->w[z]), w->sc[z]);
    }
    w->negc = _mm512_sub_epi32(_mm512_setzero_si512(), c);
}

static void dec_q4_K(const void *vx, struct wdec *w)
{
    const block_q4_K *x = vx;
    const __m128i sm = k4_scales_mins(x->scales);
    const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
    for (int c = 0; c < 4; c++) {
        w->w[c] = k4_chunk(x->qs, c);
        w->sc[c] = _mm512_permutexvar_epi16(perm_idx2(2 * c, 2 * c + 1), sc);
    }
    w->mins = _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)));
    w->xd = fp16_to_fp32(x->d);
    w->nxm = -fp16_to_fp32(x->dmin);
    finish(w, 0);
}

static void dec_q5_K(const void *vx, struct wdec *w)
{
    const block_q5_K *x = vx;
    const __m128i sm = k4_scales_mins(x->scales);
    const __m512i sc = _mm512_castsi128_si512(_mm_cvtepu8_epi16(sm));
    const __m512i qh2 = k5_qh(x->qh);
    for (int c = 0; c < 4; c++) {
        w->w[c] = k5_chunk(x->qs, qh2, c);
        w->sc[c] = _mm512_permutexvar_epi16(perm_idx2(2 * c, 2 * c + 1), sc);
    }
    w->mins = _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(_mm_srli_si128(sm, 8)));
    w->xd = fp16_to_fp32(x->d);
    w->nxm = -fp16_to_fp32(x->dmin);
    finish(w, 0);
}

/*
 * Q3_K and Q2_K: the 2-bit fields of pass p of half h are elements
 * 128h + 32p..+31, two passes per zmm (vpsrlvw shifts the halves apart).
 * Q3_K adds its high bit as 4 (value = u - 4); scales per 16 weights.
 */
static inline void dec_q23(const uint8_t *qs, const uint8_t *hmask, __m512i sc, struct wdec *w)
{
    const __m512i m3 = _mm512_set1_epi8(3), one = _mm512_set1_epi8(1);
    for (int h = 0; h < 2; h++) {
        const __m256i q = load256(qs + 32 * h);
        const __m512i q2 = _mm512_inserti64x4(_mm512_castsi256_si512(q), q, 1);
        for (int pp = 0; pp < 2; pp++) {
            const int p = 2 * pp;
            const __m512i sh = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)(2 * p))),
                                                  _mm256_set1_epi16((short)(2 * p + 2)), 1);
            __m512i u = _mm512_and_si512(_mm512_srlv_epi16(q2, sh), m3);
            if (hmask) {
                const __m256i hm = load256(hmask);
                const __m512i hsh = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)(4 * h + p))),
                                                       _mm256_set1_epi16((short)(4 * h + p + 1)), 1);
                const __m512i hb =
                    _mm512_and_si512(_mm512_srlv_epi16(_mm512_inserti64x4(_mm512_castsi256_si512(hm), hm, 1), hsh), one);
                u = _mm512_or_si512(u, _mm512_slli_epi16(hb, 2));
            }
            w->w[2 * h + pp] = u;
            w->sc[2 * h + pp] = _mm512_permutexvar_epi16(perm_idx4(8 * h + 2 * p), sc);
        }
    }
}

static void dec_q3_K(const void *vx, struct wdec *w)
{
    const block_q3_K *x = vx;
    uint32_t rw[4];
    q3k_scale_words(x->scales, rw);
    int8_t s8[16];
    _mm_storeu_si128((__m128i *)s8,
                     _mm_sub_epi8(_mm_set_epi32((int)rw[3], (int)rw[2], (int)rw[1], (int)rw[0]), _mm_set1_epi8(32)));
    dec_q23(x->qs, x->hmask, _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)s8))), w);
    finish(w, 4);
    w->xd = fp16_to_fp32(x->d);
}

static void dec_q2_K(const void *vx, struct wdec *w)
{
    const block_q2_K *x = vx;
    const __m128i scb = _mm_loadu_si128((const __m128i *)x->scales), m4 = _mm_set1_epi8(0xF);
    dec_q23(x->qs, NULL, _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(scb, m4))), w);
    w->mins = _mm512_broadcast_i64x4(_mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(scb, 4), m4)));
    w->xd = fp16_to_fp32(x->d);
    w->nxm = -fp16_to_fp32(x->dmin);
    finish(w, 0);
}

static void dec_q6_K(const void *vx, struct wdec *w)
{
    const block_q6_K *x = vx;
    const __m512i m4 = _mm512_set1_epi8(0xF), m3 = _mm512_set1_epi8(3);
    const __m512i sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x->scales)));
    for (int h = 0; h < 2; h++) {
        const __m512i l = _mm512_loadu_si512(x->ql + 64 * h);
        const __m256i qh = load256(x->qh + 32 * h);
        const __m512i qh2 = _mm512_inserti64x4(_mm512_castsi256_si512(qh), _mm256_srli_epi16(qh, 2), 1);
        w->w[2 * h] = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_slli_epi16(_mm512_and_si512(qh2, m3), 4));
        w->w[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                          _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(qh2, 4), m3), 4));
    }
    for (int g = 0; g < 4; g++)
        w->sc[g] = _mm512_permutexvar_epi16(perm_idx4(4 * g), sc);
    finish(w, 32);
    w->xd = fp16_to_fp32(x->d);
}

static void dec_iq2_xxs(const void *vx, struct wdec *w)
{
    const block_iq2_xxs *x = vx;
    const __m512i c43 = _mm512_set1_epi8(43);
    for (int g = 0; g < 4; g++) {
        __m512i grid, ls;
        __mmask64 neg;
        iq2_pair(x->qs + 8 * g, &grid, &neg, &ls);
        w->w[g] = _mm512_mask_sub_epi8(_mm512_add_epi8(grid, c43), neg, c43, grid);
        w->sc[g] = ls;
    }
    finish(w, 43);
    w->xd = fp16_to_fp32(x->d);
}

/* lanes 0..7: a's 16 folded to 8, lanes 8..15: b's */
static inline __m512i fold2(__m512i a, __m512i b)
{
    return _mm512_add_epi32(_mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                            _mm512_shuffle_i64x2(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
}

enum { FMT_Q4_K, FMT_Q5_K, FMT_Q6_K, FMT_Q3_K, FMT_Q2_K, FMT_IQ2_XXS };

/*
 * One weight row's block against a token group: acc[p] holds tokens 2p and
 * 2p+1 (8 lanes each), accm[q] the Q4_K min lanes of tokens 4q..4q+3.
 */
static inline __attribute__((always_inline)) void tile_block(const struct wdec *w, const struct ytile *yt, __m512 acc[4],
                                                             __m512 accm[2], int fmt)
{
    __m512i sumi[KERN_TILE_M];
    const __m512i negc = _mm512_load_si512(&w->negc);
    _Pragma("GCC unroll 8")
    for (int m = 0; m < KERN_TILE_M; m++)
        sumi[m] = negc;
    _Pragma("GCC unroll 8")
    for (int z = 0; z < 4; z++) {
        const __m512i wz = _mm512_load_si512(&w->w[z]), s = _mm512_load_si512(&w->sc[z]);
        _Pragma("GCC unroll 8")
        for (int m = 0; m < KERN_TILE_M; m++)
            sumi[m] = _mm512_dpwssd_epi32(sumi[m], _mm512_maddubs_epi16(_mm512_load_si512(yt->qs[m] + 64 * z), wz), s);
    }
    const __m512 xd = _mm512_set1_ps(w->xd);
    if (fmt == FMT_Q2_K) { /* the mins go first, into the same lanes */
        const __m512 nxm = _mm512_set1_ps(w->nxm);
        const __m512i mins = _mm512_load_si512(&w->mins);
        _Pragma("GCC unroll 8")
        for (int p = 0; p < KERN_TILE_M / 2; p++) {
            const __m512 dm = _mm512_mul_ps(_mm512_load_ps(yt->dpair[p]), nxm);
            const __m512i pm = _mm512_madd_epi16(mins, _mm512_load_si512(yt->bsp[p]));
            acc[p] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(pm), acc[p]);
        }
    }
    _Pragma("GCC unroll 8")
    for (int p = 0; p < KERN_TILE_M / 2; p++) {
        const __m512 d = _mm512_mul_ps(_mm512_load_ps(yt->dpair[p]), xd);
        acc[p] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(fold2(sumi[2 * p], sumi[2 * p + 1])), acc[p]);
    }
    if (fmt == FMT_Q4_K || fmt == FMT_Q5_K) {
        const __m512 nxm = _mm512_set1_ps(w->nxm);
        const __m512i mins = _mm512_load_si512(&w->mins);
        _Pragma("GCC unroll 8")
        for (int q = 0; q < KERN_TILE_M / 4; q++) {
            const __m512 dm = _mm512_mul_ps(_mm512_load_ps(yt->dquad[q]), nxm);
            __m512i pm = _mm512_madd_epi16(mins, _mm512_load_si512(yt->bj[q]));
            if (fmt == FMT_Q5_K) { /* one integer per token: the sum of its 4 lanes, in each of them */
                pm = _mm512_add_epi32(pm, _mm512_shuffle_epi32(pm, _MM_PERM_BADC));
                pm = _mm512_add_epi32(pm, _mm512_shuffle_epi32(pm, _MM_PERM_CDAB));
            }
            accm[q] = _mm512_fmadd_ps(dm, _mm512_cvtepi32_ps(pm), accm[q]);
        }
    }
}

/*
 * Loop order: a tile of ROW_TILE decoded rows; then KC blocks at a time
 * (the tile's decoded blocks, 8 x 2 x 768 bytes, stay in L1) every token
 * group passes through, its 2 blocks (5.5 KiB) read from L2 once for all
 * the tile's rows. The accumulators wait in scratch between block chunks.
 */
static inline __attribute__((always_inline)) void tiled_rows(const void *W, size_t wrow, int64_t n0, int64_t n1,
                                                             int64_t N, int64_t K, const void *packed, int64_t M,
                                                             float *out, void *scratch, int fmt, size_t bsize,
                                                             void (*dec)(const void *, struct wdec *))
{
    const int64_t nb = K / QK_K, G = (M + KERN_TILE_M - 1) / KERN_TILE_M;
    struct wdec *wd = scratch;
    struct accs *ac = (struct accs *)(wd + ROW_TILE * nb); /* [G][ROW_TILE] */
    const struct ytile *Y = packed;
    for (int64_t t0 = n0; t0 < n1; t0 += ROW_TILE) {
        const int nr = n1 - t0 < ROW_TILE ? (int)(n1 - t0) : ROW_TILE;
        for (int r = 0; r < nr; r++)
            for (int64_t i = 0; i < nb; i++)
                dec((const char *)W + (size_t)(t0 + r) * wrow + (size_t)i * bsize, &wd[r * nb + i]);
        memset(ac, 0, sizeof *ac * (size_t)(G * ROW_TILE));
        for (int64_t i0 = 0; i0 < nb; i0 += KC) {
            const int64_t i1 = i0 + KC < nb ? i0 + KC : nb;
            for (int64_t g = 0; g < G; g++) {
                const struct ytile *yg = Y + g * nb;
                for (int r = 0; r < nr; r++) {
                    struct accs *c = &ac[g * ROW_TILE + r];
                    __m512 a[4] = { c->acc[0], c->acc[1], c->acc[2], c->acc[3] }, am[2] = { c->accm[0], c->accm[1] };
                    for (int64_t i = i0; i < i1; i++)
                        tile_block(&wd[r * nb + i], &yg[i], a, am, fmt);
                    for (int p = 0; p < 4; p++)
                        c->acc[p] = a[p];
                    c->accm[0] = am[0];
                    c->accm[1] = am[1];
                }
            }
        }
        for (int64_t g = 0; g < G; g++)
            for (int r = 0; r < nr; r++)
                for (int k = 0; k < KERN_TILE_M; k++) {
                    const int64_t m = g * KERN_TILE_M + k;
                    if (m >= M)
                        break;
                    const struct accs *c = &ac[g * ROW_TILE + r];
                    const __m512 a = c->acc[k / 2];
                    const __m256 a8 = k % 2 ? _mm512_extractf32x8_ps(a, 1) : _mm512_castps512_ps256(a);
                    float v = hsum_ps8(a8);
                    if (fmt == FMT_Q4_K || fmt == FMT_Q5_K) {
                        float lanes[16];
                        _mm512_storeu_ps(lanes, c->accm[k / 4]);
                        v += fmt == FMT_Q4_K ? hsum_ps4(_mm_loadu_ps(lanes + 4 * (k % 4))) : lanes[4 * (k % 4)];
                    } else if (fmt == FMT_IQ2_XXS) {
                        v *= 0.125f;
                    }
                    out[m * N + t0 + r] = v;
                }
    }
}

/* a format's tiled product: rows_<fmt> (tiled_rows for that format) and kern_tiled_<fmt>_avx512 */
#define TILED(fmt, FMT)                                                                                            \
    static void rows_##fmt(const void *W, size_t wrow, int64_t n0, int64_t n1, int64_t N, int64_t K,              \
                           const void *packed, int64_t M, float *out, void *scratch)                               \
    {                                                                                                              \
        tiled_rows(W, wrow, n0, n1, N, K, packed, M, out, scratch, FMT, sizeof(block_##fmt), dec_##fmt);           \
    }                                                                                                              \
    const struct kern_tiled kern_tiled_##fmt##_avx512 = { act_bytes, pack, scratch_bytes, rows_##fmt };

TILED(q4_K, FMT_Q4_K)
TILED(q5_K, FMT_Q5_K)
TILED(q3_K, FMT_Q3_K)
TILED(q2_K, FMT_Q2_K)
TILED(q6_K, FMT_Q6_K)
TILED(iq2_xxs, FMT_IQ2_XXS)
