/*
 * fp16.h - scalar conversions between float and the two 16-bit float
 * formats GGUF stores: IEEE half (F16) and bfloat16 (BF16).
 *
 * Both directions round to nearest, ties to even, exactly like the x86
 * F16C instruction vcvtps2ph (imm 0) and llama.cpp's scalar BF16 helper, so
 * activations converted here are bit-identical to llama.cpp's.
 */
#ifndef KERNELS_FP16_H
#define KERNELS_FP16_H

#include <stdint.h>
#include <string.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

typedef uint16_t ggml_half;
typedef uint16_t ggml_bf16;

static inline uint32_t fp32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float fp32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline float fp16_to_fp32(ggml_half h)
{
#if defined(__F16C__)
    /* the SIMD files are built with F16C: one instruction, same exact result */
    return _cvtsh_ss(h);
#endif
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0x1f) /* inf or NaN: keep the payload */
        return fp32_from_bits(sign | 0x7f800000 | (mant << 13));
    if (exp == 0) {
        if (mant == 0)
            return fp32_from_bits(sign);
        /* subnormal: mant * 2^-24, exact in float */
        float v = (float)mant * 0x1p-24f;
        return sign ? -v : v;
    }
    return fp32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

static inline ggml_half fp32_to_fp16(float f)
{
    uint32_t x = fp32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7fffffff;
    if (x > 0x7f800000) /* NaN: quiet it, keep the top of the payload (as F16C) */
        return sign | 0x7e00 | (uint16_t)((x & 0x7fffff) >> 13);
    if (x >= 0x477ff000) /* >= 65520 rounds to infinity */
        return sign | 0x7c00;
    if (x >= 0x38800000) { /* normal half */
        uint32_t h = ((((x >> 23) - 112) << 10) | ((x & 0x7fffff) >> 13));
        uint32_t rem = x & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
            h++; /* a carry into the exponent is still the right encoding */
        return sign | (uint16_t)h;
    }
    if (x < 0x33000000) /* below 2^-25: rounds to zero */
        return sign;
    /* subnormal half: the value in units of 2^-24 */
    uint32_t e = x >> 23, mant = (x & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1)))
        h++;
    return sign | (uint16_t)h;
}

static inline float bf16_to_fp32(ggml_bf16 h)
{
    return fp32_from_bits((uint32_t)h << 16);
}

static inline ggml_bf16 fp32_to_bf16(float f)
{
    uint32_t u = fp32_bits(f);
    if ((u & 0x7fffffff) > 0x7f800000) /* NaN: force quiet */
        return (ggml_bf16)((u >> 16) | 64);
    return (ggml_bf16)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
}

#endif
