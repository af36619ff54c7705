/*
 * dots_avx512.c - the AVX-512 level (F/BW/VL/DQ/VNNI/BF16) of the dot
 * products. The 256-bit bodies of simd-dots.h are reused with vpdpbusd for
 * the un-scaled byte dots; the hottest formats get 512-bit kernels here.
 * Compiled with the Makefile's AVX-512 flags; runs only when cpu.c chose
 * this level.
 */
#define SIMD_VNNI 1
#include "simd-dots.h"

const struct kern_dot_impl kern_dots_avx512[] = {
    { GGML_TYPE_F32, vec_dot_f32_simd },
    { GGML_TYPE_F16, vec_dot_f16_simd },
    { GGML_TYPE_BF16, vec_dot_bf16_simd },
    { GGML_TYPE_Q8_0, vec_dot_q8_0_q8_0_simd },
    { GGML_TYPE_Q4_0, vec_dot_q4_0_q8_0_simd },
    { GGML_TYPE_Q2_K, vec_dot_q2_K_q8_K_simd },
    { GGML_TYPE_Q3_K, vec_dot_q3_K_q8_K_simd },
    { GGML_TYPE_Q4_K, vec_dot_q4_K_q8_K_simd },
    { GGML_TYPE_Q5_K, vec_dot_q5_K_q8_K_simd },
    { GGML_TYPE_Q6_K, vec_dot_q6_K_q8_K_simd },
    { GGML_TYPE_IQ2_XXS, vec_dot_iq2_xxs_q8_K_simd },
    { GGML_TYPE_COUNT, NULL },
};
