/*
 * quant-iq2.c - IQ2_XXS: 2.0625 bits per weight from a lattice codebook.
 *
 * Each group of 32 weights is 8 bytes = two little-endian uint32: the first
 * holds 4 grid indices (one byte per 8 weights), the second 4 x 7 sign bits
 * (expanded to 8 by ksigns_iq2xs) and, in its top 4 bits, the group scale s:
 *     w = d * (0.5 + s) / 4 * grid_byte * sign = d * (2s + 1) / 8 * ...
 * The dot product keeps (2s + 1) and the grid bytes as integers and applies
 * d * d_a per block and 1/8 at the end, as llama.cpp does.
 */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "quant-blocks.h"

static inline void iq2_group(const uint16_t *qs, uint32_t aux[2])
{
    memcpy(aux, qs, 2 * sizeof(uint32_t));
}

void dequantize_row_iq2_xxs(const void *vx, float *y, int64_t n)
{
    const block_iq2_xxs *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = fp16_to_fp32(x[i].d);
        for (int g = 0; g < QK_K / 32; g++) {
            uint32_t aux[2];
            iq2_group(x[i].qs + 4 * g, aux);
            const float db = d * (0.5f + (float)(aux[1] >> 28)) * 0.25f;
            for (int l = 0; l < 4; l++) {
                const uint64_t grid = iq2xxs_grid[(aux[0] >> (8 * l)) & 0xFF];
                const uint8_t signs = ksigns_iq2xs[(aux[1] >> (7 * l)) & 127];
                for (int j = 0; j < 8; j++) {
                    const float w = (float)((grid >> (8 * j)) & 0xFF);
                    *y++ = db * w * (signs & kmask_iq2xs[j] ? -1.f : 1.f);
                }
            }
        }
    }
}

/* In llama.cpp's x86 float order: 8 lanes of 4 bytes over the 8 groups, fma with d_w*d_a per block. */
void vec_dot_iq2_xxs_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_iq2_xxs *x = vx;
    const block_q8_K *y = vy;
    float acc[8] = { 0 };
    for (int i = 0; i < n / QK_K; i++) {
        int lanes[8] = { 0 };
        for (int g = 0; g < QK_K / 32; g++) {
            uint32_t aux[2];
            iq2_group(x[i].qs + 4 * g, aux);
            const int ls = 2 * (int)(aux[1] >> 28) + 1;
            const int8_t *q8 = y[i].qs + 32 * g;
            for (int e = 0; e < 32; e++) {
                const int l = e / 8, j = e % 8;
                const uint64_t grid = iq2xxs_grid[(aux[0] >> (8 * l)) & 0xFF];
                const uint8_t signs = ksigns_iq2xs[(aux[1] >> (7 * l)) & 127];
                const int w = (int)((grid >> (8 * j)) & 0xFF);
                lanes[e / 4] += ls * w * q8[e] * (signs & kmask_iq2xs[j] ? -1 : 1);
            }
        }
        const float d = fp16_to_fp32(x[i].d) * y[i].d;
        for (int k = 0; k < 8; k++)
            acc[k] = fmaf(d, (float)lanes[k], acc[k]);
    }
    *s = 0.125f * hsum8_lanes(acc);
}
