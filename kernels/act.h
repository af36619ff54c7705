/*
 * act.h - the element-wise functions of the forward pass in ggml's float
 * order: its AVX-512 expf (ggml_v_expf), SiLU and the attention softmax.
 *
 * The reference fixtures were computed by llama.cpp on an AVX-512 CPU, so
 * these follow that build's vector code bit for bit at every dispatch
 * level: the scalar versions emulate it one lane at a time with fmaf, the
 * AVX-512 versions (act_avx512.c, used when the level is avx512) run it
 * for real and give the same bits, only faster.
 */
#ifndef KERNELS_ACT_H
#define KERNELS_ACT_H

/* exp(x) as ggml_v_expf computes one lane: a degree-5 polynomial scaled by 2^n. */
float kern_expf(float x);

/* x[i] = x[i] / (1 + exp(-x[i])): kern_expf for whole blocks of 16, libm's expf for the tail (ggml_vec_silu_f32). */
void kern_silu(float *x, int n);

/*
 * p = softmax(p * scale) over n values, as ggml_soft_max_ext: exps in blocks
 * of 16, each block summed in _mm512_reduce_add_ps's order and the block
 * sums added in double, then one multiply by the reciprocal.
 */
void kern_softmax(float *p, int n, float scale);

/* the scalar references, for tests */
void kern_silu_ref(float *x, int n);
void kern_softmax_ref(float *p, int n, float scale);

#endif
