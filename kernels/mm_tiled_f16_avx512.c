/*
 * mm_tiled_f16_avx512.c - prompt processing with F16 weights at the
 * AVX-512 level, as a tiled product with vec_dot_f16's exact float order.
 *
 * vec_dot_f16 converts both operands from f16 in every call (two
 * conversions per fma). Here the activations are converted once per call
 * (f32 -> f16 as the type's from_float, then back to f32, which is exact),
 * a tile of 8 weight rows once per tile, and a register tile of 8 rows x 2
 * tokens does 16 fmas per 10 loads. Each output keeps its own 16-lane
 * accumulator with the same fma sequence, the same _mm512_reduce_add_ps and
 * the same scalar tail as vec_dot_f16_avx512, so the bits are the same.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "dispatch.h"
#include "fp16.h"

#define F16_ROWS 8   /* weight rows per tile */
#define F16_KC 512   /* elements per pass of the tokens: the tile's 16 KiB stay in L1 */

static int64_t padded(int64_t M)
{
    return (M + KERN_TILE_M - 1) / KERN_TILE_M * KERN_TILE_M;
}

static size_t act_bytes(int64_t K, int64_t M)
{
    return (size_t)padded(M) * (size_t)K * sizeof(float);
}

/* the tile's rows as f32, then one accumulator per (row, token) */
static size_t scratch_bytes(int64_t K, int64_t M)
{
    return (size_t)F16_ROWS * (size_t)K * sizeof(float) + 64 + (size_t)padded(M) * F16_ROWS * sizeof(__m512);
}

static void pack(const float *x, int64_t K, int64_t M, int64_t g, void *packed)
{
    const struct ggml_type_traits *f16 = ggml_get_type_traits(GGML_TYPE_F16);
    ggml_half h[256];
    for (int k = 0; k < KERN_TILE_M; k++) {
        const int64_t m = g * KERN_TILE_M + k;
        float *dst = (float *)packed + m * K;
        if (m >= M) {
            memset(dst, 0, (size_t)K * sizeof(float));
            continue;
        }
        for (int64_t i = 0; i < K; i += 256) {
            const int64_t n = K - i < 256 ? K - i : 256;
            f16->from_float(x + m * K + i, h, n);
            for (int64_t j = 0; j < n; j++)
                dst[i + j] = fp16_to_fp32(h[j]);
        }
    }
}

static void rows_f16(const void *W, size_t wrow, int64_t n0, int64_t n1, int64_t N, int64_t K, const void *packed,
                     int64_t M, float *out, void *scratch)
{
    const int64_t Mp = padded(M), K16 = K / 16 * 16;
    float *wf = scratch;
    __m512 *acc = (__m512 *)(((uintptr_t)(wf + F16_ROWS * K) + 63) & ~(uintptr_t)63); /* [token][row] */
    const float *Y = packed;
    for (int64_t t0 = n0; t0 < n1; t0 += F16_ROWS) {
        const int nr = n1 - t0 < F16_ROWS ? (int)(n1 - t0) : F16_ROWS;
        for (int r = 0; r < F16_ROWS; r++) { /* rows past n1 repeat the last one; their outputs are dropped */
            const ggml_half *src = (const ggml_half *)((const char *)W + (size_t)(t0 + (r < nr ? r : nr - 1)) * wrow);
            int64_t i = 0;
            for (; i + 16 <= K; i += 16)
                _mm512_storeu_ps(wf + r * K + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
            for (; i < K; i++)
                wf[r * K + i] = fp16_to_fp32(src[i]);
        }
        for (int64_t i = 0; i < Mp * F16_ROWS; i++)
            acc[i] = _mm512_setzero_ps();
        for (int64_t k0 = 0; k0 < K16; k0 += F16_KC) {
            const int64_t k1 = k0 + F16_KC < K16 ? k0 + F16_KC : K16;
            for (int64_t m = 0; m < Mp; m += 2) {
                __m512 a[2][F16_ROWS];
                for (int r = 0; r < F16_ROWS; r++) {
                    a[0][r] = acc[m * F16_ROWS + r];
                    a[1][r] = acc[(m + 1) * F16_ROWS + r];
                }
                const float *y0 = Y + m * K, *y1 = y0 + K;
                for (int64_t k = k0; k < k1; k += 16) {
                    const __m512 v0 = _mm512_loadu_ps(y0 + k), v1 = _mm512_loadu_ps(y1 + k);
                    _Pragma("GCC unroll 8")
                    for (int r = 0; r < F16_ROWS; r++) {
                        const __m512 w = _mm512_loadu_ps(wf + r * K + k);
                        a[0][r] = _mm512_fmadd_ps(w, v0, a[0][r]);
                        a[1][r] = _mm512_fmadd_ps(w, v1, a[1][r]);
                    }
                }
                for (int r = 0; r < F16_ROWS; r++) {
                    acc[m * F16_ROWS + r] = a[0][r];
                    acc[(m + 1) * F16_ROWS + r] = a[1][r];
                }
            }
        }
        for (int64_t m = 0; m < M; m++)
            for (int r = 0; r < nr; r++) {
                float sum = _mm512_reduce_add_ps(acc[m * F16_ROWS + r]);
                for (int64_t i = K16; i < K; i++)
                    sum += wf[r * K + i] * Y[m * K + i];
                out[m * N + t0 + r] = sum;
            }
    }
}

const struct kern_tiled kern_tiled_f16_avx512 = { act_bytes, pack, scratch_bytes, rows_f16 };
