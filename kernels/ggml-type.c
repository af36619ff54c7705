/*
 * ggml-type.c - the table of GGUF tensor types: names and block sizes for
 * every id the format defines, and the kernels of the supported ones. The
 * vec_dot slots start as the scalar reference; the first lookup runs the
 * CPU dispatch (cpu.c), which may install SIMD twins.
 */
#include "ggml-type.h"

#include <pthread.h>
#include <stdio.h>

#include "dispatch.h"
#include "quant.h"

/* The kernels of a supported type: scalar reference in both dot slots until dispatch picks. */
#define KERN(to, from, dot, vdt) \
    .to_float = (to), .from_float = (from), .vec_dot = (dot), .vec_dot_ref = (dot), .vec_dot_type = (vdt)

static struct ggml_type_traits type_traits[GGML_TYPE_COUNT] = {
    [GGML_TYPE_F32]     = { .name = "F32",     .blck_size = 1,   .type_size = 4,
        KERN(dequantize_row_f32, quantize_row_f32, vec_dot_f32_ref, GGML_TYPE_F32) },
    [GGML_TYPE_F16]     = { .name = "F16",     .blck_size = 1,   .type_size = 2,
        KERN(dequantize_row_f16, quantize_row_f16, vec_dot_f16_ref, GGML_TYPE_F16) },
    [GGML_TYPE_Q4_0]    = { .name = "Q4_0",    .blck_size = 32,  .type_size = 18,
        KERN(dequantize_row_q4_0, NULL, vec_dot_q4_0_q8_0_ref, GGML_TYPE_Q8_0) },
    [GGML_TYPE_Q4_1]    = { .name = "Q4_1",    .blck_size = 32,  .type_size = 20,
        KERN(dequantize_row_q4_1, NULL, vec_dot_q4_1_q8_1_ref, GGML_TYPE_Q8_1) },
    [GGML_TYPE_Q5_0]    = { .name = "Q5_0",    .blck_size = 32,  .type_size = 22,
        KERN(dequantize_row_q5_0, NULL, vec_dot_q5_0_q8_0_ref, GGML_TYPE_Q8_0) },
    [GGML_TYPE_Q5_1]    = { .name = "Q5_1",    .blck_size = 32,  .type_size = 24,
        KERN(dequantize_row_q5_1, NULL, vec_dot_q5_1_q8_1_ref, GGML_TYPE_Q8_1) },
    [GGML_TYPE_Q8_0]    = { .name = "Q8_0",    .blck_size = 32,  .type_size = 34,
        KERN(dequantize_row_q8_0, quantize_row_q8_0, vec_dot_q8_0_q8_0_ref, GGML_TYPE_Q8_0) },
    [GGML_TYPE_Q8_1]    = { .name = "Q8_1",    .blck_size = 32,  .type_size = 36,
        KERN(dequantize_row_q8_1, quantize_row_q8_1, NULL, GGML_TYPE_Q8_1) },
    [GGML_TYPE_Q2_K]    = { .name = "Q2_K",    .blck_size = 256, .type_size = 84,
        KERN(dequantize_row_q2_K, NULL, vec_dot_q2_K_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_Q3_K]    = { .name = "Q3_K",    .blck_size = 256, .type_size = 110,
        KERN(dequantize_row_q3_K, NULL, vec_dot_q3_K_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_Q4_K]    = { .name = "Q4_K",    .blck_size = 256, .type_size = 144,
        KERN(dequantize_row_q4_K, NULL, vec_dot_q4_K_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_Q5_K]    = { .name = "Q5_K",    .blck_size = 256, .type_size = 176,
        KERN(dequantize_row_q5_K, NULL, vec_dot_q5_K_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_Q6_K]    = { .name = "Q6_K",    .blck_size = 256, .type_size = 210,
        KERN(dequantize_row_q6_K, NULL, vec_dot_q6_K_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_Q8_K]    = { .name = "Q8_K",    .blck_size = 256, .type_size = 292,
        KERN(dequantize_row_q8_K, quantize_row_q8_K, NULL, GGML_TYPE_Q8_K) },
    [GGML_TYPE_IQ2_XXS] = { .name = "IQ2_XXS", .blck_size = 256, .type_size = 66,
        KERN(dequantize_row_iq2_xxs, NULL, vec_dot_iq2_xxs_q8_K_ref, GGML_TYPE_Q8_K) },
    [GGML_TYPE_IQ2_XS]  = { .name = "IQ2_XS",  .blck_size = 256, .type_size = 74 },
    [GGML_TYPE_IQ3_XXS] = { .name = "IQ3_XXS", .blck_size = 256, .type_size = 98 },
    [GGML_TYPE_IQ1_S]   = { .name = "IQ1_S",   .blck_size = 256, .type_size = 50 },
    [GGML_TYPE_IQ4_NL]  = { .name = "IQ4_NL",  .blck_size = 32,  .type_size = 18 },
    [GGML_TYPE_IQ3_S]   = { .name = "IQ3_S",   .blck_size = 256, .type_size = 110 },
    [GGML_TYPE_IQ2_S]   = { .name = "IQ2_S",   .blck_size = 256, .type_size = 82 },
    [GGML_TYPE_IQ4_XS]  = { .name = "IQ4_XS",  .blck_size = 256, .type_size = 136 },
    [GGML_TYPE_I8]      = { .name = "I8",      .blck_size = 1,   .type_size = 1 },
    [GGML_TYPE_I16]     = { .name = "I16",     .blck_size = 1,   .type_size = 2 },
    [GGML_TYPE_I32]     = { .name = "I32",     .blck_size = 1,   .type_size = 4 },
    [GGML_TYPE_I64]     = { .name = "I64",     .blck_size = 1,   .type_size = 8 },
    [GGML_TYPE_F64]     = { .name = "F64",     .blck_size = 1,   .type_size = 8 },
    [GGML_TYPE_IQ1_M]   = { .name = "IQ1_M",   .blck_size = 256, .type_size = 56 },
    [GGML_TYPE_BF16]    = { .name = "BF16",    .blck_size = 1,   .type_size = 2,
        KERN(dequantize_row_bf16, quantize_row_bf16, vec_dot_bf16_ref, GGML_TYPE_BF16) },
    [GGML_TYPE_TQ1_0]   = { .name = "TQ1_0",   .blck_size = 256, .type_size = 54 },
    [GGML_TYPE_TQ2_0]   = { .name = "TQ2_0",   .blck_size = 256, .type_size = 66 },
};

/* 4-row kernels of the installed level (internal: kernels/dispatch.h) */
static kern_vec_dot4_fn dot4[GGML_TYPE_COUNT];
static ggml_vec_dot_fn dot1[GGML_TYPE_COUNT];
static const struct kern_tiled *tiled[GGML_TYPE_COUNT];

/* single-row references of the types whose one-row order differs */
static ggml_vec_dot_fn dot1_ref(int t)
{
    switch (t) {
    case GGML_TYPE_F32: return vec_dot_f32_single_ref;
    case GGML_TYPE_F16: return vec_dot_f16_single_ref;
    case GGML_TYPE_BF16: return vec_dot_bf16_single_ref;
    default: return type_traits[t].vec_dot_ref;
    }
}

void kern_types_install(const struct kern_dot_impl *impls)
{
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        type_traits[t].vec_dot = type_traits[t].vec_dot_ref;
        dot4[t] = NULL;
        tiled[t] = NULL;
        dot1[t] = dot1_ref(t);
    }
    for (; impls && impls->vec_dot; impls++) {
        if (impls->type < GGML_TYPE_COUNT && type_traits[impls->type].vec_dot_ref) {
            type_traits[impls->type].vec_dot = impls->vec_dot;
            dot4[impls->type] = impls->vec_dot4;
            tiled[impls->type] = impls->tiled;
            if (impls->vec_dot1)
                dot1[impls->type] = impls->vec_dot1;
            else if (dot1_ref(impls->type) == type_traits[impls->type].vec_dot_ref)
                dot1[impls->type] = impls->vec_dot; /* one order for any number of rows */
        }
    }
}

ggml_vec_dot_fn kern_get_dot1(uint32_t t)
{
    ggml_get_type_traits(t);
    return t < GGML_TYPE_COUNT ? dot1[t] : NULL;
}

kern_vec_dot4_fn kern_get_dot4(uint32_t t)
{
    ggml_get_type_traits(t); /* dispatch runs first */
    return t < GGML_TYPE_COUNT ? dot4[t] : NULL;
}

const struct kern_tiled *kern_get_tiled(uint32_t t)
{
    ggml_get_type_traits(t);
    return t < GGML_TYPE_COUNT ? tiled[t] : NULL;
}

static pthread_once_t dispatch_once = PTHREAD_ONCE_INIT;

const struct ggml_type_traits *ggml_get_type_traits(uint32_t t)
{
    pthread_once(&dispatch_once, kern_cpu_init);
    if (t >= GGML_TYPE_COUNT || type_traits[t].blck_size == 0)
        return NULL;
    return &type_traits[t];
}

const char *ggml_type_name(uint32_t t)
{
    static _Thread_local char buf[32];
    const struct ggml_type_traits *tr = ggml_get_type_traits(t);
    if (tr)
        return tr->name;
    snprintf(buf, sizeof buf, "unknown(%u)", t);
    return buf;
}

size_t ggml_row_size(uint32_t t, int64_t n)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(t);
    if (!tr || n < 0 || n % tr->blck_size)
        return 0;
    return (size_t)(n / tr->blck_size) * tr->type_size;
}
