/*
 * matmul.h - the matrix products the runtime calls: weights in any
 * supported GGUF type times float activations.
 *
 * The activation rows are converted once per call to the weight type's
 * vec_dot_type (F32 stays F32; F16 -> F16; BF16 -> BF16; Q8_0/Q4_0/Q5_0 ->
 * Q8_0; Q4_1/Q5_1 -> Q8_1; K-quants and IQ2_XXS -> Q8_K), exactly as
 * llama.cpp does, so results match its logits closely; then every output is
 * one vec_dot of a weight row with an activation row.
 */
#ifndef KERNELS_MATMUL_H
#define KERNELS_MATMUL_H

#include <stdint.h>

#include "ggml-type.h"

/*
 * out[m*N + n] = dot(row n of W, row m of x), for m < M, n < N. W holds N
 * rows of K elements of type wtype, each row ggml_row_size(wtype, K) bytes.
 * x holds M rows of K floats. Activations are converted once per row to the
 * type's vec_dot_type. 0, or -1 + err_set for an unsupported type or K not a
 * multiple of the block size.
 */
int kern_matmul(uint32_t wtype, const void *W, int64_t N, int64_t K, const float *x, int64_t M, float *out);

struct kern_pool;

/*
 * kern_matmul on the threads of `pool` (NULL: the calling thread only).
 * The activation rows are split among the threads, then the weight rows in
 * chunks taken from a shared counter. Each output is one vec_dot whichever
 * thread computes it, so the result is identical for any thread count.
 */
int kern_matmul_ex(uint32_t wtype, const void *W, int64_t N, int64_t K, const float *x, int64_t M, float *out,
                   struct kern_pool *pool);

/*
 * The dot product llama.cpp uses when a product has a single activation
 * row (one token): for F32/F16/BF16 its ggml_vec_dot_* order, which differs
 * from the several-row (tinyBLAS) order of the traits' vec_dot; for the
 * other types the traits' vec_dot. kern_matmul uses it when M == 1. To match
 * llama.cpp during generation, attention over an f16 KV cache should use it
 * too, with rows padded with zeros to a multiple of 64 (llama.cpp computes
 * over the padded cache). NULL for an unsupported type.
 */
ggml_vec_dot_fn kern_vec_dot_single(uint32_t type);

/* dst[0..n-1] = row src of type `type`, as floats (token embeddings). 0, or -1 + err_set. */
int kern_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n);

#endif
