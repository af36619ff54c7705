/*
 * matmul.c - weight x activation products over the type table's kernels.
 *
 * The loop is tiled over weight rows so a tile of W stays in cache while
 * every activation row passes over it (prompt processing reuses each
 * weight block M times instead of streaming W M times).
 */
#include "matmul.h"

#include <limits.h>
#include <stdlib.h>

#include "../common/err.h"
#include "ggml-type.h"

#define ROW_TILE 16

/* Check a type and K for a product; fills the traits of the weight and activation types. */
static int check_args(uint32_t wtype, int64_t K, const struct ggml_type_traits **wt,
                      const struct ggml_type_traits **at)
{
    *wt = ggml_get_type_traits(wtype);
    if (!*wt || !(*wt)->vec_dot)
        return err_set("matmul: tensor type %s is not supported by the runtime", ggml_type_name(wtype));
    *at = ggml_get_type_traits((*wt)->vec_dot_type);
    if (!*at || !(*at)->from_float)
        return err_set("matmul: no activation converter for %s", ggml_type_name((*wt)->vec_dot_type));
    if (K <= 0 || K > INT_MAX || K % (*wt)->blck_size || K % (*at)->blck_size)
        return err_set("matmul: row length %lld is not a positive multiple of the %s block size %lld",
                       (long long)K, (*wt)->name, (long long)(*wt)->blck_size);
    return 0;
}

int kern_matmul(uint32_t wtype, const void *W, int64_t N, int64_t K, const float *x, int64_t M, float *out)
{
    const struct ggml_type_traits *wt = NULL, *at = NULL;
    if (check_args(wtype, K, &wt, &at) < 0)
        return -1;
    if (N < 0 || M < 0)
        return err_set("matmul: negative shape (%lld rows, %lld activations)", (long long)N, (long long)M);
    if (N == 0 || M == 0)
        return 0;
    const size_t wrow = ggml_row_size(wtype, K), arow = ggml_row_size(wt->vec_dot_type, K);

    const char *act = (const char *)x;
    char *buf = NULL;
    if (wt->vec_dot_type != GGML_TYPE_F32) {
        buf = malloc((size_t)M * arow);
        if (!buf)
            return err_set("matmul: out of memory for %lld activation rows", (long long)M);
        for (int64_t m = 0; m < M; m++)
            at->from_float(x + m * K, buf + (size_t)m * arow, K);
        act = buf;
    }

    const char *w = W;
    for (int64_t n0 = 0; n0 < N; n0 += ROW_TILE) {
        const int64_t n1 = n0 + ROW_TILE < N ? n0 + ROW_TILE : N;
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = n0; n < n1; n++)
                wt->vec_dot((int)K, &out[m * N + n], w + (size_t)n * wrow, act + (size_t)m * arow);
    }
    free(buf);
    return 0;
}

int kern_dequantize_row(uint32_t type, const void *src, float *dst, int64_t n)
{
    const struct ggml_type_traits *t = ggml_get_type_traits(type);
    if (!t || !t->to_float)
        return err_set("dequantize: tensor type %s is not supported by the runtime", ggml_type_name(type));
    if (n < 0 || n % t->blck_size)
        return err_set("dequantize: %lld elements is not a multiple of the %s block size %lld", (long long)n,
                       t->name, (long long)t->blck_size);
    t->to_float(src, dst, n);
    return 0;
}
