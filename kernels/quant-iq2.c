/*
 * quant-iq2.c - IQ2_XXS: 2.0625 bits per weight from a lattice codebook.
 *
 * Each group of 32 weights is 8 bytes = two little-endian uint32: the first
 * holds 4 grid indices (one byte per 8 weights), the second 4 x 7 sign bits
 * (expanded to 8 by ksigns_iq2xs) and, in its top 4 bits, the group scale s:
 *     w = d * (0.5 + s) / 4 * grid_byte * sign = d * (2s + 1) / 8 * ...
 * The dot product keeps (2s + 1) and the grid bytes as integers and applies
 * d * d_a / 8 once per block, as llama.cpp does.
 */
#include "quant.h"

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

void vec_dot_iq2_xxs_q8_K_ref(int n, float *s, const void *vx, const void *vy)
{
    const block_iq2_xxs *x = vx;
    const block_q8_K *y = vy;
    float sum = 0;
    for (int i = 0; i < n / QK_K; i++) {
        const int8_t *q8 = y[i].qs;
        int bsum = 0;
        for (int g = 0; g < QK_K / 32; g++) {
            uint32_t aux[2];
            iq2_group(x[i].qs + 4 * g, aux);
            const int ls = 2 * (int)(aux[1] >> 28) + 1;
            int sumi = 0;
            for (int l = 0; l < 4; l++, q8 += 8) {
                const uint64_t grid = iq2xxs_grid[(aux[0] >> (8 * l)) & 0xFF];
                const uint8_t signs = ksigns_iq2xs[(aux[1] >> (7 * l)) & 127];
                for (int j = 0; j < 8; j++) {
                    const int w = (int)((grid >> (8 * j)) & 0xFF);
                    sumi += w * q8[j] * (signs & kmask_iq2xs[j] ? -1 : 1);
                }
            }
            bsum += sumi * ls;
        }
        sum += fp16_to_fp32(x[i].d) * y[i].d * (float)bsum;
    }
    *s = 0.125f * sum;
}
