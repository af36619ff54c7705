/*
 * dots_avx2.c - the AVX2 + FMA + F16C level of the dot products (the
 * bodies are in simd-dots.h). Compiled with the Makefile's AVX2 flags; runs
 * only when cpu.c chose this level. AVX-VNNI is switched off here: this
 * level must run on every AVX2 CPU, and the compiler could otherwise emit
 * vpdpbusd on its own.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-avxvnni")
#endif

#define SIMD_VNNI 0
#include "simd-dots.h"

const struct kern_dot_impl kern_dots_avx2[] = {
    { GGML_TYPE_F32, vec_dot_f32_simd, NULL, vec_dot1_f32_simd, NULL },
    { GGML_TYPE_F16, vec_dot_f16_simd, NULL, vec_dot1_f16_simd, NULL },
    { GGML_TYPE_BF16, vec_dot_bf16_simd, NULL, vec_dot1_bf16_simd, NULL },
    { GGML_TYPE_Q8_0, vec_dot_q8_0_q8_0_simd, vec_dot4_q8_0_q8_0_simd, NULL, NULL },
    { GGML_TYPE_Q4_0, vec_dot_q4_0_q8_0_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q2_K, vec_dot_q2_K_q8_K_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q3_K, vec_dot_q3_K_q8_K_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q4_K, vec_dot_q4_K_q8_K_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q5_K, vec_dot_q5_K_q8_K_simd, NULL, NULL, NULL },
    { GGML_TYPE_Q6_K, vec_dot_q6_K_q8_K_simd, NULL, NULL, NULL },
    { GGML_TYPE_IQ2_XXS, vec_dot_iq2_xxs_q8_K_simd, vec_dot4_iq2_xxs_q8_K_simd, NULL, NULL },
    { GGML_TYPE_COUNT, NULL, NULL, NULL, NULL },
};
