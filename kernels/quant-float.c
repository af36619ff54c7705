/*
 * quant-float.c - F32, F16 and BF16 rows: conversion to and from float and
 * the scalar dot products (the activation row has the weight's type, as in
 * llama.cpp: F16 weights meet F16 activations, BF16 meet BF16).
 *
 * The dots accumulate in double, like ggml's scalar path; the SIMD twins
 * accumulate in float lanes and are tested against these within float
 * summation error.
 */
#include "quant.h"

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

void vec_dot_f32_ref(int n, float *s, const void *vx, const void *vy)
{
    const float *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += (double)(x[i] * y[i]);
    *s = (float)sum;
}

void vec_dot_f16_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_half *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += (double)(fp16_to_fp32(x[i]) * fp16_to_fp32(y[i]));
    *s = (float)sum;
}

void vec_dot_bf16_ref(int n, float *s, const void *vx, const void *vy)
{
    const ggml_bf16 *x = vx, *y = vy;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += (double)(bf16_to_fp32(x[i]) * bf16_to_fp32(y[i]));
    *s = (float)sum;
}
