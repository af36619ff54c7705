/*
 * kernels-testlib.h - helpers shared by the kernel tests: a seeded random
 * generator, random quantized blocks with sane scales, and independent
 * float reimplementations of every format's dequantization, written from
 * the documented formulas element by element (not from kernels/quant-*.c),
 * so a layout mistake in either shows up as a mismatch.
 */
#ifndef TESTS_KERNELS_TESTLIB_H
#define TESTS_KERNELS_TESTLIB_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../kernels/fp16.h"
#include "../kernels/ggml-type.h"
#include "../kernels/quant-blocks.h"

static uint64_t tl_state = 0x9e3779b97f4a7c15ull;

static inline void tl_seed(uint64_t s)
{
    tl_state = s * 0x9e3779b97f4a7c15ull + 1;
}

static inline uint64_t tl_next(void)
{
    uint64_t x = tl_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return tl_state = x;
}

/* uniform in [0, 1) */
static inline float tl_unif(void)
{
    return (float)(tl_next() >> 40) * 0x1p-24f;
}

/* roughly normal, mean 0, sd 1 */
static inline float tl_gauss(void)
{
    float s = 0;
    for (int i = 0; i < 4; i++)
        s += tl_unif();
    return (s - 2.0f) * 1.7320508f;
}

static inline uint16_t tl_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline float tl_half(const uint8_t *p)
{
    return fp16_to_fp32(tl_rd16(p));
}

/* Offsets of the fp16 scale fields in a block (-1 ends the list). */
static inline const int *tl_half_fields(uint32_t type)
{
    static const int f0[] = { 0, -1 }, f02[] = { 0, 2, -1 }, q2k[] = { 80, 82, -1 }, q3k[] = { 108, -1 },
                     q6k[] = { 208, -1 }, none[] = { -1 };
    switch (type) {
    case GGML_TYPE_Q4_0: case GGML_TYPE_Q5_0: case GGML_TYPE_Q8_0: case GGML_TYPE_IQ2_XXS: return f0;
    case GGML_TYPE_Q4_1: case GGML_TYPE_Q5_1: case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: return f02;
    case GGML_TYPE_Q2_K: return q2k;
    case GGML_TYPE_Q3_K: return q3k;
    case GGML_TYPE_Q6_K: return q6k;
    default: return none;
    }
}

/*
 * Random bytes for nblocks blocks of `type`, with every fp16 scale field
 * replaced by a sane non-zero value (|d| in [2^-7, 2^-5]); F32/F16/BF16 get
 * random normal values.
 */
static inline void tl_random_blocks(uint32_t type, void *dst, int64_t nelem)
{
    const struct ggml_type_traits *t = ggml_get_type_traits(type);
    uint8_t *p = dst;
    if (type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
        for (int64_t i = 0; i < nelem; i++) {
            float v = tl_gauss() * 0.1f;
            if (type == GGML_TYPE_F32)
                memcpy(p + 4 * i, &v, 4);
            else {
                uint16_t h = type == GGML_TYPE_F16 ? fp32_to_fp16(v) : fp32_to_bf16(v);
                memcpy(p + 2 * i, &h, 2);
            }
        }
        return;
    }
    size_t bytes = ggml_row_size(type, nelem);
    for (size_t i = 0; i < bytes; i++)
        p[i] = (uint8_t)tl_next();
    const int *f = tl_half_fields(type);
    for (int64_t b = 0; b < nelem / t->blck_size; b++) {
        for (int k = 0; f[k] >= 0; k++) {
            float d = (0.0078125f + tl_unif() * 0.0234375f) * (type == GGML_TYPE_Q8_0 && (tl_next() & 1) ? -1 : 1);
            uint16_t h = fp32_to_fp16(d);
            memcpy(p + b * t->type_size + f[k], &h, 2);
        }
    }
}

/* ---- independent dequantization, one element at a time ---------------- */

static inline uint32_t tl_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Q4_K/Q5_K scales and mins the way llama.cpp's dot product unpacks them (32-bit masks). */
static inline void tl_k4_scales(const uint8_t *s12, uint8_t sc[8], uint8_t mn[8])
{
    uint32_t u[4] = { tl_rd32(s12), tl_rd32(s12 + 4), tl_rd32(s12 + 8), 0 };
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    uint32_t aux = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = aux;
    u[0] &= k1;
    for (int j = 0; j < 4; j++) {
        sc[j] = (uint8_t)(u[0] >> (8 * j));
        sc[4 + j] = (uint8_t)(u[1] >> (8 * j));
        mn[j] = (uint8_t)(u[2] >> (8 * j));
        mn[4 + j] = (uint8_t)(u[3] >> (8 * j));
    }
}

/* Q3_K's 16 6-bit scales, unpacked with llama.cpp's 32-bit mask sequence. */
static inline void tl_q3_scales(const uint8_t *s12, int sc[16])
{
    uint32_t a[4] = { tl_rd32(s12), tl_rd32(s12 + 4), tl_rd32(s12 + 8), 0 };
    const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f;
    uint32_t tmp = a[2];
    a[2] = ((a[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4);
    a[3] = ((a[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4);
    a[0] = (a[0] & k2) | (((tmp >> 0) & k1) << 4);
    a[1] = (a[1] & k2) | (((tmp >> 2) & k1) << 4);
    for (int j = 0; j < 16; j++)
        sc[j] = (int)((a[j / 4] >> (8 * (j % 4))) & 0xFF) - 32;
}

/* Element e of block b (raw bytes) of a quantized type, as double. */
static inline double tl_elem(uint32_t type, const uint8_t *b, int e)
{
    switch (type) {
    case GGML_TYPE_Q4_0: { int v = e < 16 ? b[2 + e] & 15 : b[2 + e - 16] >> 4; return tl_half(b) * (v - 8); }
    case GGML_TYPE_Q4_1: { int v = e < 16 ? b[4 + e] & 15 : b[4 + e - 16] >> 4; return (double)tl_half(b) * v + tl_half(b + 2); }
    case GGML_TYPE_Q5_0: {
        int v = (e < 16 ? b[6 + e] & 15 : b[6 + e - 16] >> 4) | (int)((tl_rd32(b + 2) >> e) & 1) << 4;
        return tl_half(b) * (v - 16);
    }
    case GGML_TYPE_Q5_1: {
        int v = (e < 16 ? b[8 + e] & 15 : b[8 + e - 16] >> 4) | (int)((tl_rd32(b + 4) >> e) & 1) << 4;
        return (double)tl_half(b) * v + tl_half(b + 2);
    }
    case GGML_TYPE_Q8_0: return (double)tl_half(b) * (int8_t)b[2 + e];
    case GGML_TYPE_Q2_K: {
        int h = e / 128, r = e % 128, p = r / 32, k = (r % 32) / 16, l = r % 16;
        int q = (b[16 + 32 * h + 16 * k + l] >> (2 * p)) & 3, sc = b[e / 16];
        return (double)tl_half(b + 80) * (sc & 15) * q - (double)tl_half(b + 82) * (sc >> 4);
    }
    case GGML_TYPE_Q3_K: {
        int h = e / 128, r = e % 128, p = r / 32, k = (r % 32) / 16, l = r % 16, sc[16];
        tl_q3_scales(b + 96, sc);
        int q = (b[32 + 32 * h + 16 * k + l] >> (2 * p)) & 3;
        if (!((b[16 * k + l] >> (4 * h + p)) & 1))
            q -= 4;
        return (double)tl_half(b + 108) * sc[e / 16] * q;
    }
    case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: {
        uint8_t sc[8], mn[8];
        tl_k4_scales(b + 4, sc, mn);
        int j = e / 32, l = e % 32;
        const uint8_t *qs = b + (type == GGML_TYPE_Q4_K ? 16 : 48);
        int v = (j & 1) ? qs[32 * (j / 2) + l] >> 4 : qs[32 * (j / 2) + l] & 15;
        if (type == GGML_TYPE_Q5_K)
            v += 16 * ((b[16 + l] >> j) & 1);
        return (double)tl_half(b) * sc[j] * v - (double)tl_half(b + 2) * mn[j];
    }
    case GGML_TYPE_Q6_K: {
        int h = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
        const uint8_t *ql = b + 64 * h, *qh = b + 128 + 32 * h;
        int lo = quarter == 0 ? ql[l] & 15 : quarter == 1 ? ql[l + 32] & 15 : quarter == 2 ? ql[l] >> 4 : ql[l + 32] >> 4;
        int q = (lo | (((qh[l] >> (2 * quarter)) & 3) << 4)) - 32;
        return (double)tl_half(b + 208) * (int8_t)b[192 + e / 16] * q;
    }
    case GGML_TYPE_IQ2_XXS: {
        int g = e / 32, l = (e % 32) / 8, j = e % 8;
        uint32_t a0 = tl_rd32(b + 2 + 8 * g), a1 = tl_rd32(b + 2 + 8 * g + 4);
        int mag = (int)((iq2xxs_grid[(a0 >> (8 * l)) & 255] >> (8 * j)) & 255);
        int s7 = (a1 >> (7 * l)) & 127, neg;
        if (j < 7)
            neg = (s7 >> j) & 1;
        else
            neg = __builtin_popcount((unsigned)s7) & 1; /* the implied 8th sign keeps the count even */
        return (double)tl_half(b) * (0.5 + (a1 >> 28)) * 0.25 * mag * (neg ? -1 : 1);
    }
    default: return NAN;
    }
}

/* Dequantize n elements of any type independently (F32/F16/BF16 included). */
static inline void tl_dequant(uint32_t type, const void *src, double *dst, int64_t n)
{
    const uint8_t *p = src;
    if (type == GGML_TYPE_F32) {
        for (int64_t i = 0; i < n; i++) {
            float f;
            memcpy(&f, p + 4 * i, 4);
            dst[i] = f;
        }
        return;
    }
    if (type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) {
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = tl_rd16(p + 2 * i);
            if (type == GGML_TYPE_BF16) {
                uint32_t u = (uint32_t)h << 16;
                float f;
                memcpy(&f, &u, 4);
                dst[i] = f;
            } else {
                int ex = (h >> 10) & 31, m = h & 1023;
                double v = ex == 0 ? ldexp(m, -24) : ldexp(1024 + m, ex - 25);
                dst[i] = (h & 0x8000) ? -v : v;
            }
        }
        return;
    }
    const struct ggml_type_traits *t = ggml_get_type_traits(type);
    for (int64_t i = 0; i < n; i++)
        dst[i] = tl_elem(type, p + (i / t->blck_size) * t->type_size, (int)(i % t->blck_size));
}

#endif
