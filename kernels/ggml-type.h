/*
 * ggml-type.h - the tensor element types of GGUF files and what each costs.
 *
 * The numeric ids are GGUF's (the file format stores them), so they must never
 * be renumbered. Types are stored in blocks: `blck_size` elements packed into
 * `type_size` bytes (F32: 1 element in 4 bytes; Q4_K: 256 elements in 144).
 * A row of n elements (n a multiple of blck_size) takes
 * n / blck_size * type_size bytes: ggml_row_size().
 *
 * Every type the format defines has a size here, so that any GGUF can be
 * validated and packaged; only the types the runtime computes with have
 * kernels (to_float, vec_dot, ...), filled in kernels/quant-*.c. A NULL
 * to_float means "known to the format, not supported by the runtime".
 */
#ifndef KERNELS_GGML_TYPE_H
#define KERNELS_GGML_TYPE_H

#include <stddef.h>
#include <stdint.h>

enum ggml_type {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q4_1 = 3,
    /* 4 and 5 (Q4_2, Q4_3) were removed from the format */
    GGML_TYPE_Q5_0 = 6,
    GGML_TYPE_Q5_1 = 7,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10,
    GGML_TYPE_Q3_K = 11,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_Q8_K = 15,
    GGML_TYPE_IQ2_XXS = 16,
    GGML_TYPE_IQ2_XS = 17,
    GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S = 19,
    GGML_TYPE_IQ4_NL = 20,
    GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22,
    GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_I8 = 24,
    GGML_TYPE_I16 = 25,
    GGML_TYPE_I32 = 26,
    GGML_TYPE_I64 = 27,
    GGML_TYPE_F64 = 28,
    GGML_TYPE_IQ1_M = 29,
    GGML_TYPE_BF16 = 30,
    /* 31..33 (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) were removed from the format */
    GGML_TYPE_TQ1_0 = 34,
    GGML_TYPE_TQ2_0 = 35,
    GGML_TYPE_COUNT = 36,
};

/*
 * Dot product of one weight row x (type T, n elements) with one activation
 * row y (already converted to T's vec_dot_type), result in *s.
 * n is a multiple of both types' block sizes.
 */
typedef void (*ggml_vec_dot_fn)(int n, float *s, const void *x, const void *y);
typedef void (*ggml_to_float_fn)(const void *x, float *y, int64_t n);
typedef void (*ggml_from_float_fn)(const float *x, void *y, int64_t n);

struct ggml_type_traits {
    const char *name;        /* "Q4_K", as llama.cpp prints it */
    int64_t blck_size;       /* elements per block; 0 for ids the format does not define */
    size_t type_size;        /* bytes per block */
    ggml_to_float_fn to_float;      /* dequantize n elements; NULL: runtime does not support it */
    ggml_from_float_fn from_float;  /* quantize n elements (activation types, F16, BF16, F32) */
    ggml_vec_dot_fn vec_dot;        /* current dispatch level's dot product */
    ggml_vec_dot_fn vec_dot_ref;    /* the scalar reference, for tests */
    enum ggml_type vec_dot_type;    /* what activations are converted to before vec_dot */
};

/* Traits of type t, or NULL when t is not a type the format defines. */
const struct ggml_type_traits *ggml_get_type_traits(uint32_t t);

/* "Q4_K", or "unknown(N)" in a static buffer for undefined ids. */
const char *ggml_type_name(uint32_t t);

/* Bytes of a row of n elements; 0 when t is undefined or n is not a multiple of its block. */
size_t ggml_row_size(uint32_t t, int64_t n);

#endif
