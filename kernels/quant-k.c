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

/*
 * Q2_K . Q8_K in llama.cpp's x86 float order: per block, first the mins
 * (lane k = m_2k*bsum_2k + m_2k+1*bsum_2k+1, fma with -d_a*dmin_w), then
 * the 8 scale lanes (fma with d_a*d_w), both into the same 8 lanes.
 */
void vec_dot_q2_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q2_K *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK_K; i++) {
        const float d = y[i].d * fp16_to_fp32(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        for (int k = 0; k < 8; k++) {
            const int m = (x[i].scales[2 * k] >> 4) * y[i].bsums[2 * k] + (x[i].scales[2 * k + 1] >> 4) * y[i].bsums[2 * k + 1];
            acc[k] = fmaf(dmin, (float)m, acc[k]);
        }
        int lanes[8] = { 0 };
        for (int h = 0; h < 2; h++) {
            for (int p = 0; p < 4; p++) {
                uint8_t u[32];
                for (int l = 0; l < 32; l++)
                    u[l] = (x[i].qs[32 * h + l] >> (2 * p)) & 3;
                const int8_t *q8 = y[i].qs + 128 * h + 32 * p;
                for (int k = 0; k < 8; k++)
                    lanes[k] += (x[i].scales[8 * h + 2 * p + (k >= 4)] & 0xF) * lane4(u, q8, k);
            }
        }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = hsum8_lanes(acc);
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

/* Q3_K . Q8_K in llama.cpp's x86 float order: the 8 lanes of Q6_K's layout, values q - 4*(no high bit). */
void vec_dot_q3_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q3_K *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK_K; i++) {
        const float d = y[i].d * fp16_to_fp32(x[i].d);
        int8_t sc[16];
        q3k_unpack_scales(x[i].scales, sc);
        int lanes[8] = { 0 };
        for (int h = 0; h < 2; h++) {
            for (int p = 0; p < 4; p++) {
                const int8_t *q8 = y[i].qs + 128 * h + 32 * p;
                for (int k = 0; k < 8; k++) {
                    int sum = 0;
                    for (int b = 4 * k; b < 4 * k + 4; b++) {
                        const int v = ((x[i].qs[32 * h + b] >> (2 * p)) & 3) - (((x[i].hmask[b] >> (4 * h + p)) & 1) ? 0 : 4);
                        sum += v * q8[b];
                    }
                    lanes[k] += sc[8 * h + 2 * p + (k >= 4)] * sum;
                }
            }
        }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = hsum8_lanes(acc);
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

/*
 * Q4_K . Q8_K in llama.cpp's x86 float order: the 8 scale lanes as above
 * (fma with d = d_a * d_w per block); the mins in 4 lanes, lane k =
 * m_2k*B_2k + m_2k+1*B_2k+1 with B_j the Q8_K sums of sub-block j, fma with
 * -d_a * dmin_w; result hsum8(scale lanes) + ((m0+m2) + (m1+m3)).
 */
void vec_dot_q4_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_K *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 }, accm[4] = { 0 };
    for (int i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; j++)
            get_scale_min_k4(j, x[i].scales, &sc[j], &mn[j]);
        const float d = y[i].d * fp16_to_fp32(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        for (int k = 0; k < 4; k++) {
            const int b0 = y[i].bsums[4 * k] + y[i].bsums[4 * k + 1], b1 = y[i].bsums[4 * k + 2] + y[i].bsums[4 * k + 3];
            accm[k] = fmaf(dmin, (float)(mn[2 * k] * b0 + mn[2 * k + 1] * b1), accm[k]);
        }
        int lanes[8] = { 0 };
        for (int c = 0; c < 4; c++) {
            uint8_t lo[32], hi[32];
            for (int l = 0; l < 32; l++) {
                lo[l] = x[i].qs[32 * c + l] & 0xF;
                hi[l] = x[i].qs[32 * c + l] >> 4;
            }
            for (int k = 0; k < 8; k++)
                lanes[k] += sc[2 * c] * lane4(lo, y[i].qs + 64 * c, k) + sc[2 * c + 1] * lane4(hi, y[i].qs + 64 * c + 32, k);
        }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = hsum8_lanes(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
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

/*
 * Q5_K . Q8_K in llama.cpp's x86 float order: the scale lanes as Q4_K; the
 * mins summed as one integer per block and accumulated in one float with
 * a fused multiply-add (its compiler contracts summs += dmin * isum);
 * result hsum8(lanes) + summs.
 */
void vec_dot_q5_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q5_K *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 }, summs = 0;
    for (int i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; j++)
            get_scale_min_k4(j, x[i].scales, &sc[j], &mn[j]);
        const float d = y[i].d * fp16_to_fp32(x[i].d);
        const float dmin = -y[i].d * fp16_to_fp32(x[i].dmin);
        int m = 0;
        for (int j = 0; j < 8; j++)
            m += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        summs = fmaf(dmin, (float)m, summs);
        int lanes[8] = { 0 };
        for (int c = 0; c < 4; c++) {
            uint8_t lo[32], hi[32];
            for (int l = 0; l < 32; l++) {
                lo[l] = (uint8_t)((x[i].qs[32 * c + l] & 0xF) | (((x[i].qh[l] >> (2 * c)) & 1) << 4));
                hi[l] = (uint8_t)((x[i].qs[32 * c + l] >> 4) | (((x[i].qh[l] >> (2 * c + 1)) & 1) << 4));
            }
            for (int k = 0; k < 8; k++)
                lanes[k] += sc[2 * c] * lane4(lo, y[i].qs + 64 * c, k) + sc[2 * c + 1] * lane4(hi, y[i].qs + 64 * c + 32, k);
        }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = hsum8_lanes(acc) + summs;
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

/*
 * Q6_K . Q8_K in llama.cpp's x86 float order: 8 lanes over the eight
 * 32-byte groups (two halves x four quarters); each group's first 16 bytes
 * take the scale of its first sub-block, the last 16 of its second; the
 * weights enter as q - 32.
 */
void vec_dot_q6_K_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q6_K *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK_K; i++) {
        const float d = y[i].d * fp16_to_fp32(x[i].d);
        int lanes[8] = { 0 };
        for (int h = 0; h < 2; h++) {
            for (int g = 0; g < 4; g++) {
                const int8_t *q8 = y[i].qs + 128 * h + 32 * g;
                for (int k = 0; k < 8; k++) {
                    int sum = 0;
                    for (int b = 4 * k; b < 4 * k + 4; b++)
                        sum += q6k_value(x[i].ql + 64 * h, x[i].qh + 32 * h, 32 * g + b) * q8[b];
                    lanes[k] += x[i].scales[8 * h + 2 * g + (k >= 4)] * sum;
                }
            }
        }
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = hsum8_lanes(acc);
}
