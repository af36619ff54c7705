/*
 * quant-float.c - F32, F16 and BF16 rows: conversion to and from float and
 * the scalar dot products (the activation row has the weight's type, as in
 * llama.cpp: F16 weights meet F16 activations, BF16 meet BF16).
 *
 * The dots follow llama.cpp's float order (see below); the SIMD twins
 * reproduce it bit for bit.
 */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "fp16.h"

void dequantize_row_f32(const void *x, float *y, int64_t n)
{
    memcpy(y, x, (size_t)n * sizeof(float));
}

void dequantize_row_f16(const void *x, float *y, int64_t n)
{
    const ggml_half *h = x;
    for (int64_t i = 0; i < n; i++)
        y[i] = fp16_to_fp32(h[i]);
}

void dequantize_row_bf16(const void *x, float *y, int64_t n)
{
    const ggml_bf16 *h = x;
    for (int64_t i = 0; i < n; i++)
        y[i] = bf16_to_fp32(h[i]);
}

void quantize_row_f32(const float *x, void *y, int64_t n)
{
    memcpy(y, x, (size_t)n * sizeof(float));
}

void quantize_row_f16(const float *x, void *y, int64_t n)
{
    ggml_half *h = y;
    for (int64_t i = 0; i < n; i++)
        h[i] = fp32_to_fp16(x[i]);
}

void quantize_row_bf16(const float *x, void *y, int64_t n)
{
    ggml_bf16 *h = y;
    for (int64_t i = 0; i < n; i++)
        h[i] = fp32_to_bf16(x[i]);
}

/*
 * Float order: llama.cpp multiplies F32/F16/BF16 matrices with tinyBLAS
 * (llamafile sgemm): per output one 16-lane accumulator, one fma per 16
 * elements in order, then _mm512_reduce_add_ps's tree (halves, quarters,
 * pairs). The dots follow that for the first n - n % 16 elements and add
 * the rest one by one.
 */
static float reduce16(const float l[16])
{
    float t3[8], t6[4];
    for (int i = 0; i < 8; i++)
        t3[i] = l[8 + i] + l[i];
    for (int i = 0; i < 4; i++)
        t6[i] = t3[4 + i] + t3[i];
    return (t6[0] + t6[2]) + (t6[1] + t6[3]);
}

void vec_dot_f32_ref(int n, float *s, const void *vx, const void *vy)
{
    const float *x = vx, *y = vy;
    float lanes[16] = { 0 };
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++)
            lanes[l] = fmaf(x[i + l], y[i + l], lanes[l]);
    float sum = reduce16(lanes);
    for (; i < n; i++)
        sum += x[i] * y[i];
    *s = sum;
}

void vec_dot_f16_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_half *x = vx, *y = vy;
    float lanes[16] = { 0 };
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++)
            lanes[l] = fmaf(fp16_to_fp32(x[i + l]), fp16_to_fp32(y[i + l]), lanes[l]);
    float sum = reduce16(lanes);
    for (; i < n; i++)
        sum += fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]);
    *s = sum;
}

/*
 * BF16: tinyBLAS uses vdpbf16ps, 32 elements per step; lane l adds the
 * (exact) product of pair element 2l+1, then of 2l.
 */
void vec_dot_bf16_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    float lanes[16] = { 0 };
    int i = 0;
    for (; i + 32 <= n; i += 32)
        for (int l = 0; l < 16; l++) {
            lanes[l] += bf16_to_fp32(x[i + 2 * l + 1]) * bf16_to_fp32(y[i + 2 * l + 1]);
            lanes[l] += bf16_to_fp32(x[i + 2 * l]) * bf16_to_fp32(y[i + 2 * l]);
        }
    float sum = reduce16(lanes);
    for (; i < n; i++)
        sum += bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]);
    *s = sum;
}

/*
 * One activation row (a single token): llama.cpp does not use tinyBLAS
 * there but ggml_vec_dot_f32/f16/bf16, whose AVX-512 order is four 16-lane
 * accumulators over 64 elements per step, folded (a0+a2, a1+a3, then
 * those two), reduced as above; the tail (n % 64) is added one by one, in
 * double for F16 and BF16. BF16 keeps two vdpbf16ps accumulators over 64
 * elements per step, each reduced and added in double.
 */
static float fold4_reduce(float a[4][16])
{
    float f[16];
    for (int l = 0; l < 16; l++)
        f[l] = (a[0][l] + a[2][l]) + (a[1][l] + a[3][l]);
    return reduce16(f);
}

void vec_dot_f32_single_ref(int n, float *s, const void *vx, const void *vy)
{
    const float *x = vx, *y = vy;
    float a[4][16] = { { 0 } };
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 16; l++)
                a[j][l] = fmaf(x[i + 16 * j + l], y[i + 16 * j + l], a[j][l]);
    float sum = fold4_reduce(a);
    for (; i < n; i++)
        sum += x[i] * y[i];
    *s = sum;
}

void vec_dot_f16_single_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_half *x = vx, *y = vy;
    float a[4][16] = { { 0 } };
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 16; l++)
                a[j][l] = fmaf(fp16_to_fp32(x[i + 16 * j + l]), fp16_to_fp32(y[i + 16 * j + l]), a[j][l]);
    double sum = fold4_reduce(a);
    for (; i < n; i++)
        sum += (double)(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
    *s = (float)sum;
}

void vec_dot_bf16_single_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    float c[2][16] = { { 0 } };
    int i = 0;
    for (; i + 64 <= n; i += 64)
        for (int h = 0; h < 2; h++)
            for (int l = 0; l < 16; l++) {
                const int e = i + 32 * h + 2 * l;
                c[h][l] += bf16_to_fp32(x[e + 1]) * bf16_to_fp32(y[e + 1]);
                c[h][l] += bf16_to_fp32(x[e]) * bf16_to_fp32(y[e]);
            }
    double sum = 0;
    sum += reduce16(c[0]);
    sum += reduce16(c[1]);
    for (; i < n; i++)
        sum += (double)(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
    *s = (float)sum;
}
