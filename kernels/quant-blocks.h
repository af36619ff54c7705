/*
 * quant-blocks.h - the packed block structs of the GGUF quantization
 * formats, field for field as llama.cpp's ggml-common.h lays them out (the
 * files on disk are arrays of these). Every struct has a static size check:
 * a wrong field size would silently shift every weight after it.
 *
 * QK_K = 256 elements per "super-block" (the K-quants, Q8_K, IQ2_XXS);
 * the legacy formats use blocks of 32.
 */
#ifndef KERNELS_QUANT_BLOCKS_H
#define KERNELS_QUANT_BLOCKS_H

#include <stdint.h>

#include "fp16.h"

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef struct {
    ggml_half d;           /* delta */
    uint8_t qs[QK4_0 / 2]; /* element j in the low nibble of qs[j], j+16 in the high one */
} block_q4_0;

typedef struct {
    ggml_half d, m;        /* delta, min: x = d*q + m */
    uint8_t qs[QK4_1 / 2];
} block_q4_1;

typedef struct {
    ggml_half d;
    uint8_t qh[4];         /* 5th bit of each element, little-endian uint32 */
    uint8_t qs[QK5_0 / 2];
} block_q5_0;

typedef struct {
    ggml_half d, m;
    uint8_t qh[4];
    uint8_t qs[QK5_1 / 2];
} block_q5_1;

typedef struct {
    ggml_half d;
    int8_t qs[QK8_0];
} block_q8_0;

typedef struct {
    ggml_half d;           /* delta */
    ggml_half s;           /* d * sum(qs) */
    int8_t qs[QK8_1];
} block_q8_1;

typedef struct {
    uint8_t scales[QK_K / 16]; /* low nibble scale, high nibble min, per 16 elements */
    uint8_t qs[QK_K / 4];      /* 2-bit quants */
    ggml_half d, dmin;
} block_q2_K;

typedef struct {
    uint8_t hmask[QK_K / 8];   /* high bit (set: no -4) */
    uint8_t qs[QK_K / 4];      /* low 2 bits */
    uint8_t scales[12];        /* 16 scales of 6 bits */
    ggml_half d;
} block_q3_K;

typedef struct {
    ggml_half d, dmin;
    uint8_t scales[K_SCALE_SIZE]; /* 8 scales and 8 mins of 6 bits */
    uint8_t qs[QK_K / 2];
} block_q4_K;

typedef struct {
    ggml_half d, dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
} block_q5_K;

typedef struct {
    uint8_t ql[QK_K / 2];      /* low 4 bits */
    uint8_t qh[QK_K / 4];      /* high 2 bits */
    int8_t scales[QK_K / 16];
    ggml_half d;
} block_q6_K;

typedef struct {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];  /* sum of each 16 quants, for the min terms */
} block_q8_K;

typedef struct {
    ggml_half d;
    uint16_t qs[QK_K / 8];     /* per 32 elements: 4 grid indices, 4x7 sign bits, 4-bit scale */
} block_iq2_xxs;

_Static_assert(sizeof(block_q4_0) == 18, "block_q4_0 size");
_Static_assert(sizeof(block_q4_1) == 20, "block_q4_1 size");
_Static_assert(sizeof(block_q5_0) == 22, "block_q5_0 size");
_Static_assert(sizeof(block_q5_1) == 24, "block_q5_1 size");
_Static_assert(sizeof(block_q8_0) == 34, "block_q8_0 size");
_Static_assert(sizeof(block_q8_1) == 36, "block_q8_1 size");
_Static_assert(sizeof(block_q2_K) == 84, "block_q2_K size");
_Static_assert(sizeof(block_q3_K) == 110, "block_q3_K size");
_Static_assert(sizeof(block_q4_K) == 144, "block_q4_K size");
_Static_assert(sizeof(block_q5_K) == 176, "block_q5_K size");
_Static_assert(sizeof(block_q6_K) == 210, "block_q6_K size");
_Static_assert(sizeof(block_q8_K) == 292, "block_q8_K size");
_Static_assert(sizeof(block_iq2_xxs) == 66, "block_iq2_xxs size");

/*
 * Round to nearest, ties to even, for |f| < 2^22: adding 1.5*2^23 leaves the
 * integer in the low mantissa bits. llama.cpp's nearest_int(); also what
 * vroundps(_MM_ROUND_NEAREST) gives, and free of UB for NaN.
 */
static inline int nearest_int(float f)
{
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, sizeof i);
    return (i & 0x007fffff) - 0x00400000;
}

/*
 * Float order of the scalar dot products. Rounding near-ties in the next layer's activation quantizer
 * amplify even one-ulp differences, so the dot products that llama.cpp's
 * x86 build computes in 8 float lanes are computed here in the same 8
 * lanes: lane k sums, over every 32-byte group of the block, the products
 * of bytes 4k..4k+3 (an integer, exact), one fused multiply-add per block
 * per lane, then the lanes are added in the order of its hsum_float_8:
 * ((l0+l4)+(l2+l6)) + ((l1+l5)+(l3+l7)). The SIMD twins keep the same
 * integers per lane, so every level returns the same bits.
 */
static inline float hsum8_lanes(const float a[8])
{
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* sum of w[b]*q[b] over bytes 4k..4k+3 of a 32-byte group (lane k) */
static inline int lane4(const uint8_t *w, const int8_t *q, int k)
{
    return w[4 * k] * q[4 * k] + w[4 * k + 1] * q[4 * k + 1] + w[4 * k + 2] * q[4 * k + 2] + w[4 * k + 3] * q[4 * k + 3];
}

/* IQ2_XXS format constants (kernels/iq2xxs-tables.c) */
extern const uint64_t iq2xxs_grid[256];
extern const uint8_t ksigns_iq2xs[128];
extern const uint8_t kmask_iq2xs[8];

/*
 * The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block:
 * sub-blocks 0..3 in the low 6 bits of bytes 0..7, 4..7 split between the
 * nibbles of bytes 8..11 and the top 2 bits of bytes 0..7.
 */
static inline void get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m)
{
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/*
 * The 16 6-bit scales of a Q3_K block as 4 little-endian words of 4 bytes,
 * not yet offset: low 4 bits from the nibbles of bytes 0..7 (scales 0..7
 * low nibbles, 8..15 high nibbles), high 2 bits from bytes 8..11 (2 bits
 * per scale, 4 scales per bit pair).
 */
static inline void q3k_scale_words(const uint8_t *packed, uint32_t r[4])
{
    uint32_t a[3];
    memcpy(a, packed, 12);
    const uint32_t k1 = 0x03030303, k2 = 0x0f0f0f0f;
    r[0] = (a[0] & k2) | (((a[2] >> 0) & k1) << 4);
    r[1] = (a[1] & k2) | (((a[2] >> 2) & k1) << 4);
    r[2] = ((a[0] >> 4) & k2) | (((a[2] >> 4) & k1) << 4);
    r[3] = ((a[1] >> 4) & k2) | (((a[2] >> 6) & k1) << 4);
}

/* The 16 signed scales of a Q3_K block (each stored value minus 32). */
static inline void q3k_unpack_scales(const uint8_t *packed, int8_t out[16])
{
    uint32_t r[4];
    q3k_scale_words(packed, r);
    for (int j = 0; j < 16; j++)
        out[j] = (int8_t)((int)((r[j / 4] >> (8 * (j % 4))) & 0xFF) - 32);
}

#endif
