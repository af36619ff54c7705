/*
 * dispatch.h - how the SIMD twins reach the type table (internal to kernels/).
 *
 * Each kernels/dots_<isa>.c exports a table of {type, vec_dot} pairs; cpu.c
 * picks one level at start-up and ggml-type.c installs its pairs in the
 * traits' vec_dot slots (vec_dot_ref always keeps the scalar reference).
 * A build without the ISA files (the fuzzers) defines KERN_NO_SIMD and runs
 * scalar only.
 */
#ifndef KERNELS_DISPATCH_H
#define KERNELS_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ggml-type.h"

/*
 * One weight row x against 4 activation rows (y, y + ystride, ...):
 * s[k * sstride] for k < 4. Prompt processing decodes each weight block once
 * for 4 tokens. Must give what 4 vec_dot calls give, within float rounding.
 */
typedef void (*kern_vec_dot4_fn)(int n, float *s, size_t sstride, const void *x, const void *y, size_t ystride);

/*
 * A tiled product for prompt processing (kernels/mm_tiled_avx512.c for
 * the K-quants and IQ2_XXS, mm_tiled_f16_avx512.c for F16): the activation
 * rows are converted and packed once per call in groups of KERN_TILE_M
 * tokens; then each thread decodes a few weight rows at a time into
 * scratch (reused by every token) and streams all token groups through
 * them. Every output gets exactly the float steps of vec_dot (and for the
 * quants its integer lanes): bit-identical results.
 */
#define KERN_TILE_M 8

struct kern_tiled {
    /* bytes of packed activations for M tokens of K elements */
    size_t (*act_bytes)(int64_t K, int64_t M);
    /* convert (as the type's vec_dot_type) and pack token group g (tokens 8g..8g+7, zeros past M) of x */
    void (*pack)(const float *x, int64_t K, int64_t M, int64_t g, void *packed);
    /* per-thread scratch bytes for rows of K elements and M tokens */
    size_t (*scratch_bytes)(int64_t K, int64_t M);
    /* out[m*N + n] for n0 <= n < n1, every m < M; W holds rows wrow bytes apart */
    void (*rows)(const void *W, size_t wrow, int64_t n0, int64_t n1, int64_t N, int64_t K, const void *packed,
                 int64_t M, float *out, void *scratch);
};

struct kern_dot_impl {
    uint32_t type;
    ggml_vec_dot_fn vec_dot;
    kern_vec_dot4_fn vec_dot4; /* NULL: matmul calls vec_dot 4 times */
    ggml_vec_dot_fn vec_dot1;  /* the single-row order where it differs (float types), else NULL */
    const struct kern_tiled *tiled; /* NULL: no tiled product at this level */
};

/* The installed tiled product of type t, or NULL. */
const struct kern_tiled *kern_get_tiled(uint32_t t);

/* mm_tiled_avx512.c */
extern const struct kern_tiled kern_tiled_q2_K_avx512, kern_tiled_q3_K_avx512, kern_tiled_q4_K_avx512,
    kern_tiled_q5_K_avx512, kern_tiled_q6_K_avx512, kern_tiled_iq2_xxs_avx512;
/* mm_tiled_f16_avx512.c */
extern const struct kern_tiled kern_tiled_f16_avx512;

/* The installed 4-row kernel of type t, or NULL. */
kern_vec_dot4_fn kern_get_dot4(uint32_t t);

/* The installed single-row dot of type t (vec_dot where there is no separate one); NULL for unsupported t. */
ggml_vec_dot_fn kern_get_dot1(uint32_t t);

/*
 * A product with one activation row (kernels/gemv_avx512.c): weight rows
 * x, x + xstride, ... (nrows of them, 1..4) against one activation row y,
 * s[r] for r < nrows. prep converts the activation row (NULL: the
 * vec_dot_type's from_float). Its float order differs from vec_dot's:
 * equal within rounding, not bit for bit.
 */
typedef void (*kern_gemv_fn)(int n, float *s, const void *x, size_t xstride, int nrows, const void *y);

struct kern_gemv {
    uint32_t type;
    void (*prep)(const float *x, void *y, int64_t k);
    kern_gemv_fn gemv;
};

#define KERN_GEMV_ROWS 4

/* The one-row product of type t at the level in use, or NULL (then matmul uses kern_get_dot1). */
const struct kern_gemv *kern_get_gemv(uint32_t t);

/* {GGML_TYPE_COUNT, NULL, NULL}-terminated */
extern const struct kern_gemv kern_gemv_avx512[];

/* {GGML_TYPE_COUNT, NULL}-terminated */
extern const struct kern_dot_impl kern_dots_avx2[];
extern const struct kern_dot_impl kern_dots_avx512[];
#ifdef KERN_NO_SIMD
#define KERN_DOTS_AVX2 NULL
#define KERN_DOTS_AVX512 NULL
#else
#define KERN_DOTS_AVX2 kern_dots_avx2
#define KERN_DOTS_AVX512 kern_dots_avx512
#endif

/* ggml-type.c: reset every vec_dot to its reference, then install impls (NULL: scalar only). */
void kern_types_install(const struct kern_dot_impl *impls);

/* cpu.c: choose the level (MODEL_CPU or the best the CPU has) and install it; run once. */
void kern_cpu_init(void);

#endif
