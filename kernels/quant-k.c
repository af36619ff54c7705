/*
 * quant-k.c - the K-quants (Q2_K..Q6_K, 256-element super-blocks with
 * quantized sub-block scales) and Q8_K, the activation format they are
 * multiplied with.
 *
 * Each dot product computes, per super-block, the same integer sums as
 * llama.cpp (sub-block scale x sum of q_w*q_a, and for the formats with
 * mins the sum of min x Q8_K bsums) and applies the float scales once:
 *     dot += d_w*d_a * isum  -  dmin_w*d_a * summins
 * so only the float rounding of that last step can differ from llama.cpp.
 */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "quant-blocks.h"

/* ---- Q8_K: activations --------------------------------------------------- */

/*
 * llama.cpp's quantize_row_q8_K_ref (used by its x86 build too): the scale
 * comes from the element of largest magnitude, signed, with -127/max so the
 * quants stay in -127..127 (never -128; the SIMD sign tricks rely on it).
 */
void quantize_row_q8_K(const float *x, void *vy, int64_t n)
{
    block_q8_K *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++) {
            float ax = fabsf(x[j]);
            if (ax > amax) {
                amax = ax;
                max = x[j];
            }
        }
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof y[i]);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < QK_K; j++) {
            int v = nearest_int(iscale * x[j]);
            y[i].qs[j] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            int sum = 0;
            for (int l = 0; l < 16; l++)
                sum += y[i].qs[j * 16 + l];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1 / iscale;
    }
}

void dequantize_row_q8_K(const void *vx, float *y, int64_t n)
{
    const block_q8_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++)
        for (int j = 0; j < QK_K; j++)
            *y++ = x[i].d * x[i].qs[j];
}

/* ---- Q2_K ------------------------------------------------------------------ */

/*
 * Element order: two halves of 128; in each, 4 passes over qs[32h..32h+31]
 * taking bits 2p..2p+1; each pass covers 2 sub-blocks of 16 (scales[] index
 * increases by one per sub-block: low nibble scale, high nibble min).
 */
void dequantize_row_q2_K(const void *vx, float *y, int64_t n)
{
    const block_q2_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        int is = 0;
        for (int h = 0; h < 2; h++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int k = 0; k < 2; k++) {
                    uint8_t sc = x[i].scales[is++];
                    float dl = d * (sc & 0xF), ml = dmin * (sc >> 4);
                    for (int l = 0; l < 16; l++)
                        *y++ = dl * ((q[16 * k + l] >> shift) & 3) - ml;
                }
            }
        }
    }
}

void vec_dot_q2_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q2_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int summs = 0;
        for (int j = 0; j < 16; j++)
            summs += y[i].bsums[j] * (x[i].scales[j] >> 4);
        const int8_t *q8 = y[i].qs;
        const uint8_t *q = x[i].qs;
        int isum = 0, is = 0;
        for (int h = 0; h < 2; h++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int k = 0; k < 2; k++, q8 += 16) {
                    int sumi = 0;
                    for (int l = 0; l < 16; l++)
                        sumi += q8[l] * ((q[16 * k + l] >> shift) & 3);
                    isum += (x[i].scales[is++] & 0xF) * sumi;
                }
            }
        }
        const float dall = y[i].d * fp16_to_fp32(x[i].d);
        const float dmin = y[i].d * fp16_to_fp32(x[i].dmin);
        sum += dall * (float)isum - dmin * (float)summs;
    }
    *s = sum;
}

/* ---- Q3_K ------------------------------------------------------------------ */

/* Same element order as Q2_K; the third bit comes from hmask bit (2h + p): set means no -4. */
void dequantize_row_q3_K(const void *vx, float *y, int64_t n)
{
    const block_q3_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d);
        int8_t sc[16];
        q3k_unpack_scales(x[i].scales, sc);
        const uint8_t *q = x[i].qs;
        int is = 0;
        uint8_t m = 1;
        for (int h = 0; h < 2; h++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int k = 0; k < 2; k++) {
                    float dl = d * sc[is++];
                    for (int l = 0; l < 16; l++) {
                        int v = ((q[16 * k + l] >> shift) & 3) - ((x[i].hmask[16 * k + l] & m) ? 0 : 4);
                        *y++ = dl * (float)v;
                    }
                }
            }
        }
    }
}

void vec_dot_q3_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q3_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int8_t sc[16];
        q3k_unpack_scales(x[i].scales, sc);
        const int8_t *q8 = y[i].qs;
        const uint8_t *q = x[i].qs;
        int isum = 0, is = 0;
        uint8_t m = 1;
        for (int h = 0; h < 2; h++, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int k = 0; k < 2; k++, q8 += 16) {
                    int sumi = 0;
                    for (int l = 0; l < 16; l++) {
                        int v = ((q[16 * k + l] >> shift) & 3) - ((x[i].hmask[16 * k + l] & m) ? 0 : 4);
                        sumi += q8[l] * v;
                    }
                    isum += sc[is++] * sumi;
                }
            }
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * (float)isum;
    }
    *s = sum;
}

/* ---- Q4_K ------------------------------------------------------------------ */

/* 4 chunks of 64: qs[32c + l] low nibble -> element 64c + l, high -> 64c + 32 + l. */
void dequantize_row_q4_K(const void *vx, float *y, int64_t n)
{
    const block_q4_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {
            uint8_t sc, m;
            get_scale_min_k4(2 * c, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            get_scale_min_k4(2 * c + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++)
                *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * (q[l] >> 4) - m2;
        }
    }
}

void vec_dot_q4_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const int8_t *q8 = y[i].qs;
        const uint8_t *q = x[i].qs;
        int isum = 0, summs = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            summs += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
            const int shift = (j & 1) * 4;
            int sumi = 0;
            for (int l = 0; l < 32; l++)
                sumi += ((q[32 * (j / 2) + l] >> shift) & 0xF) * q8[32 * j + l];
            isum += sc * sumi;
        }
        const float d = fp16_to_fp32(x[i].d) * y[i].d;
        const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
        sum += d * (float)isum - dmin * (float)summs;
    }
    *s = sum;
}

/* ---- Q5_K ------------------------------------------------------------------ */

/* As Q4_K; the 5th bit of element 64c + l is qh[l] bit 2c, of 64c + 32 + l bit 2c + 1. */
void dequantize_row_q5_K(const void *vx, float *y, int64_t n)
{
    const block_q5_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d), dmin = fp16_to_fp32(x[i].dmin);
        const uint8_t *q = x[i].qs;
        for (int c = 0; c < 4; c++, q += 32) {
            uint8_t sc, m;
            get_scale_min_k4(2 * c, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            get_scale_min_k4(2 * c + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++)
                *y++ = d1 * ((q[l] & 0xF) + ((x[i].qh[l] >> (2 * c)) & 1) * 16) - m1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * ((q[l] >> 4) + ((x[i].qh[l] >> (2 * c + 1)) & 1) * 16) - m2;
        }
    }
}

void vec_dot_q5_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q5_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const int8_t *q8 = y[i].qs;
        const uint8_t *q = x[i].qs;
        int isum = 0, summs = 0;
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            get_scale_min_k4(j, x[i].scales, &sc, &m);
            summs += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
            const int shift = (j & 1) * 4;
            int sumi = 0;
            for (int l = 0; l < 32; l++) {
                int v = ((q[32 * (j / 2) + l] >> shift) & 0xF) + ((x[i].qh[l] >> j) & 1) * 16;
                sumi += v * q8[32 * j + l];
            }
            isum += sc * sumi;
        }
        const float d = fp16_to_fp32(x[i].d) * y[i].d;
        const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
        sum += d * (float)isum - dmin * (float)summs;
    }
    *s = sum;
}

/* ---- Q6_K ------------------------------------------------------------------ */

/*
 * Two halves of 128 (ql += 64, qh += 32, scales += 8 per half). In a half,
 * for l < 32: ql[l] low/high nibble -> elements l / l+64, ql[l+32] low/high
 * -> l+32 / l+96; their 2 high bits are qh[l] bits 0-1, 4-5, 2-3, 6-7.
 * Value = 6-bit q - 32, times the int8 scale of its 16 elements.
 */
static inline int q6k_value(const uint8_t *ql, const uint8_t *qh, int e)
{
    /* e: 0..127 within a half */
    const int l = e & 31, quarter = e >> 5; /* 0: l, 1: l+32, 2: l+64, 3: l+96 */
    const int lo = (quarter & 1) ? ql[l + 32] : ql[l];
    const int nib = (quarter & 2) ? lo >> 4 : lo & 0xF;
    const int hi = (qh[l] >> (2 * quarter)) & 3;
    return (nib | (hi << 4)) - 32;
}

void dequantize_row_q6_K(const void *vx, float *y, int64_t n)
{
    const block_q6_K *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d);
        for (int h = 0; h < 2; h++)
            for (int e = 0; e < 128; e++)
                *y++ = d * x[i].scales[8 * h + e / 16] * (float)q6k_value(x[i].ql + 64 * h, x[i].qh + 32 * h, e);
    }
}

void vec_dot_q6_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int isum = 0;
        for (int h = 0; h < 2; h++) {
            for (int g = 0; g < 8; g++) {
                int sumi = 0;
                for (int l = 0; l < 16; l++) {
                    int e = 16 * g + l;
                    sumi += q6k_value(x[i].ql + 64 * h, x[i].qh + 32 * h, e) * y[i].qs[128 * h + e];
                }
                isum += x[i].scales[8 * h + g] * sumi;
            }
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * (float)isum;
    }
    *s = sum;
}
