/*
 * quant-legacy.c - the 32-element block formats: Q4_0, Q4_1, Q5_0, Q5_1
 * (weights) and Q8_0, Q8_1 (weights and activations).
 *
 * Q4_0/Q5_0/Q8_0 weights meet Q8_0 activations, Q4_1/Q5_1 meet Q8_1 (whose
 * s = d*sum(q) carries the min term). The dot products form each block's
 * integer sum exactly and scale it once, as llama.cpp does.
 */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "quant-blocks.h"

/* ---- dequantization ---------------------------------------------------- */

void dequantize_row_q4_0(const void *vx, float *y, int64_t n)
{
    const block_q4_0 *x = vx;
    for (int64_t i = 0; i < n / QK4_0; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            y[i * QK4_0 + j] = (float)((x[i].qs[j] & 0xF) - 8) * d;
            y[i * QK4_0 + j + QK4_0 / 2] = (float)((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequantize_row_q4_1(const void *vx, float *y, int64_t n)
{
    const block_q4_1 *x = vx;
    for (int64_t i = 0; i < n / QK4_1; i++) {
        float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
        for (int j = 0; j < QK4_1 / 2; j++) {
            y[i * QK4_1 + j] = (float)(x[i].qs[j] & 0xF) * d + m;
            y[i * QK4_1 + j + QK4_1 / 2] = (float)(x[i].qs[j] >> 4) * d + m;
        }
    }
}

/* the 5th bits of a Q5 block: bit j of the little-endian uint32 qh */
static uint32_t load_qh(const uint8_t qh[4])
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

void dequantize_row_q5_0(const void *vx, float *y, int64_t n)
{
    const block_q5_0 *x = vx;
    for (int64_t i = 0; i < n / QK5_0; i++) {
        float d = fp16_to_fp32(x[i].d);
        uint32_t qh = load_qh(x[i].qh);
        for (int j = 0; j < QK5_0 / 2; j++) {
            int x0 = (x[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
            int x1 = (x[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[i * QK5_0 + j] = (float)(x0 - 16) * d;
            y[i * QK5_0 + j + QK5_0 / 2] = (float)(x1 - 16) * d;
        }
    }
}

void dequantize_row_q5_1(const void *vx, float *y, int64_t n)
{
    const block_q5_1 *x = vx;
    for (int64_t i = 0; i < n / QK5_1; i++) {
        float d = fp16_to_fp32(x[i].d), m = fp16_to_fp32(x[i].m);
        uint32_t qh = load_qh(x[i].qh);
        for (int j = 0; j < QK5_1 / 2; j++) {
            int x0 = (x[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
            int x1 = (x[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[i * QK5_1 + j] = (float)x0 * d + m;
            y[i * QK5_1 + j + QK5_1 / 2] = (float)x1 * d + m;
        }
    }
}

void dequantize_row_q8_0(const void *vx, float *y, int64_t n)
{
    const block_q8_0 *x = vx;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK8_0; j++)
            y[i * QK8_0 + j] = (float)x[i].qs[j] * d;
    }
}

void dequantize_row_q8_1(const void *vx, float *y, int64_t n)
{
    const block_q8_1 *x = vx;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK8_1; j++)
            y[i * QK8_1 + j] = (float)x[i].qs[j] * d;
    }
}

/* ---- activation quantizers ----------------------------------------------- */

/*
 * Quantize 32 floats to int8 with scale max|x|/127, as llama.cpp's x86
 * build does (AVX path of quantize_row_q8_0): the multiplier is 127/max
 * (not 1/d) and the rounding is to nearest even (vroundps), which differs
 * from the portable reference's roundf() on ties. Returns d.
 */
static float q8_block(const float *x, int8_t *qs)
{
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) {
        float a = fabsf(x[j]);
        amax = a > amax ? a : amax;
    }
    float d = amax / 127.f;
    float id = amax != 0.0f ? 127.f / amax : 0.0f;
    for (int j = 0; j < 32; j++)
        qs[j] = (int8_t)nearest_int(x[j] * id);
    return d;
}

void quantize_row_q8_0(const float *x, void *vy, int64_t n)
{
    block_q8_0 *y = vy;
    for (int64_t i = 0; i < n / QK8_0; i++)
        y[i].d = fp32_to_fp16(q8_block(x + i * QK8_0, y[i].qs));
}

void quantize_row_q8_1(const float *x, void *vy, int64_t n)
{
    block_q8_1 *y = vy;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        float d = q8_block(x + i * QK8_1, y[i].qs);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++)
            sum += y[i].qs[j];
        y[i].d = fp32_to_fp16(d);
        y[i].s = fp32_to_fp16(d * (float)sum);
    }
}

/* ---- dot products ------------------------------------------------------------ */

/* In the 8-lane order of vec_dot_q8_0_q8_0_ref (llama.cpp's plain x86 Q4_0 kernel). */
void vec_dot_q4_0_q8_0_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_0 *x = vx;
    const block_q8_0 *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK8_0; i++) {
        const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
        for (int k = 0; k < 8; k++) {
            int sum = 0;
            for (int b = 4 * k; b < 4 * k + 4; b++) {
                const int q = b < 16 ? x[i].qs[b] & 0xF : x[i].qs[b - 16] >> 4;
                sum += (q - 8) * y[i].qs[b];
            }
            acc[k] = fmaf(d, (float)sum, acc[k]);
        }
    }
    *s = hsum8_lanes(acc);
}

void vec_dot_q4_1_q8_1_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q4_1 *x = vx;
    const block_q8_1 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_1; i++) {
        int sumi = 0;
        for (int j = 0; j < QK4_1 / 2; j++) {
            sumi += (x[i].qs[j] & 0xF) * y[i].qs[j];
            sumi += (x[i].qs[j] >> 4) * y[i].qs[j + QK4_1 / 2];
        }
        sum += (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) * (float)sumi +
               fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    }
    *s = sum;
}

void vec_dot_q5_0_q8_0_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q5_0 *x = vx;
    const block_q8_0 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_0; i++) {
        uint32_t qh = load_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < QK5_0 / 2; j++) {
            int x0 = ((x[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4)) - 16;
            int x1 = ((x[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4)) - 16;
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + QK5_0 / 2];
        }
        sum += (float)sumi * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
    }
    *s = sum;
}

void vec_dot_q5_1_q8_1_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q5_1 *x = vx;
    const block_q8_1 *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK8_1; i++) {
        uint32_t qh = load_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < QK5_1 / 2; j++) {
            int x0 = (x[i].qs[j] & 0xF) | (int)(((qh >> j) & 1) << 4);
            int x1 = (x[i].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            sumi += x0 * y[i].qs[j] + x1 * y[i].qs[j + QK5_1 / 2];
        }
        sum += (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) * (float)sumi +
               fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
    }
    *s = sum;
}

/* Q8_0 . Q8_0 in llama.cpp's x86 float order (8 lanes of 4 bytes, one fma per block per lane). */
void vec_dot_q8_0_q8_0_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_q8_0 *x = vx;
    const block_q8_0 *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK8_0; i++) {
        const float d = fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
        for (int k = 0; k < 8; k++) {
            int sum = 0;
            for (int b = 4 * k; b < 4 * k + 4; b++)
                sum += x[i].qs[b] * y[i].qs[b];
            acc[k] = fmaf(d, (float)sum, acc[k]);
        }
    }
    *s = hsum8_lanes(acc);
}
