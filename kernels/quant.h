/*
 * quant.h - the scalar reference kernels of every supported format, for the
 * type table (ggml-type.c), the SIMD twins' tests and the dispatcher.
 *
 * Naming follows llama.cpp: dequantize_row_T (T -> float), quantize_row_T
 * (float -> T, only for the activation formats and the float types) and
 * vec_dot_T_U (weight row of type T . activation row of type U, where U is
 * T's vec_dot_type). All take n elements, a multiple of the block size.
 */
#ifndef KERNELS_QUANT_H
#define KERNELS_QUANT_H

#include <stdint.h>

/* float formats (quant-float.c) */
void dequantize_row_f32(const void *x, float *y, int64_t n);
void dequantize_row_f16(const void *x, float *y, int64_t n);
void dequantize_row_bf16(const void *x, float *y, int64_t n);
void quantize_row_f32(const float *x, void *y, int64_t n);
void quantize_row_f16(const float *x, void *y, int64_t n);
void quantize_row_bf16(const float *x, void *y, int64_t n);
void vec_dot_f32_ref(int n, float *s, const void *x, const void *y);
void vec_dot_f16_ref(int n, float *s, const void *x, const void *y);
void vec_dot_bf16_ref(int n, float *s, const void *x, const void *y);
/* the single-row orders (see quant-float.c) */
void vec_dot_f32_single_ref(int n, float *s, const void *x, const void *y);
void vec_dot_f16_single_ref(int n, float *s, const void *x, const void *y);
void vec_dot_bf16_single_ref(int n, float *s, const void *x, const void *y);

/* legacy 32-element formats (quant-legacy.c) */
void dequantize_row_q4_0(const void *x, float *y, int64_t n);
void dequantize_row_q4_1(const void *x, float *y, int64_t n);
void dequantize_row_q5_0(const void *x, float *y, int64_t n);
void dequantize_row_q5_1(const void *x, float *y, int64_t n);
void dequantize_row_q8_0(const void *x, float *y, int64_t n);
void dequantize_row_q8_1(const void *x, float *y, int64_t n);
void quantize_row_q8_0(const float *x, void *y, int64_t n);
void quantize_row_q8_1(const float *x, void *y, int64_t n);
void vec_dot_q4_0_q8_0_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q4_1_q8_1_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q5_0_q8_0_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q5_1_q8_1_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q8_0_q8_0_ref(int n, float *s, const void *x, const void *y);

/* K-quants, 256-element super-blocks (quant-k.c) */
void dequantize_row_q2_K(const void *x, float *y, int64_t n);
void dequantize_row_q3_K(const void *x, float *y, int64_t n);
void dequantize_row_q4_K(const void *x, float *y, int64_t n);
void dequantize_row_q5_K(const void *x, float *y, int64_t n);
void dequantize_row_q6_K(const void *x, float *y, int64_t n);
void dequantize_row_q8_K(const void *x, float *y, int64_t n);
void quantize_row_q8_K(const float *x, void *y, int64_t n);
void vec_dot_q2_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q3_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q4_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q5_K_q8_K_ref(int n, float *s, const void *x, const void *y);
void vec_dot_q6_K_q8_K_ref(int n, float *s, const void *x, const void *y);

/* IQ2_XXS (quant-iq2.c) */
void dequantize_row_iq2_xxs(const void *x, float *y, int64_t n);
void vec_dot_iq2_xxs_q8_K_ref(int n, float *s, const void *x, const void *y);

#endif
