/*
 * matmul.c - weight x activation products over the type table's kernels.
 *
 * Weight rows are handed out in chunks; within a chunk each weight row
 * meets 4 activation rows while it sits in L1 (prompt processing reads each
 * weight row from memory once per chunk and from L2 once per 4 tokens),
 * through the level's 4-row kernel where it has one. A product with one
 * activation row uses the single-row dot order (kern_vec_dot_single).
 *
 * With KERN_TILE_M (8) or more activation rows, a type whose level has a
 * tiled product (kern_get_tiled: the K-quants, IQ2_XXS and F16 at AVX-512) goes
 * through it instead: the threads quantize and pack the token groups, meet
 * at a barrier, then take weight rows in the same chunks; each thread
 * decodes its rows once into its own scratch for all tokens. Results are
 * the same bits as the other paths.
 *
 * With one activation row, a type whose level has a one-row product
 * (kern_get_gemv: Q4_K, Q6_K and F16 at AVX-512) goes through it, up to 4
 * weight rows per call; each thread converts the activation row itself
 * into its own buffer, so the threads never wait for each other before
 * the end of the call. The K-quants' float order is not vec_dot's (see
 * kernels/gemv_avx512.c). The other types with one activation row
 * prefetch the weight rows ahead of the dot (prefetch_ahead).
 */
#include "matmul.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../common/err.h"
#include "cpu.h"
#include "dispatch.h"
#include "ggml-type.h"
#include "prefetch.h"
#include "threadpool.h"

#define MAX_CHUNK 64
#define M_BLOCK 4

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

struct mm_task {
    const struct ggml_type_traits *wt, *at;
    ggml_vec_dot_fn dot;   /* vec_dot, or the single-row order when M == 1 */
    kern_vec_dot4_fn dot4; /* NULL: none at this level */
    const struct kern_tiled *tiled; /* non-NULL: the tiled product (M >= KERN_TILE_M) */
    const struct kern_gemv *gemv;   /* non-NULL: the one-row product (M == 1); act holds a row per thread */
    char *packed, *scratch;         /* its packed activations and per-thread scratch */
    size_t scratch_size;
    const char *W;
    int64_t N, K, M, chunk;
    const float *x;
    float *out;
    char *act; /* converted activations, or NULL when the weight type takes F32 */
    size_t wrow, arow;
    struct kern_pool *pool;
    atomic_llong next;
};

/* M == 1 through the level's one-row product: no barrier, each thread converts the row for itself */
static void mm_run_gemv(struct mm_task *t, int ith)
{
    char *act = t->act + (size_t)ith * t->arow;
    if (t->gemv->prep)
        t->gemv->prep(t->x, act, t->K);
    else
        t->at->from_float(t->x, act, t->K);
    for (;;) {
        const int64_t n0 = atomic_fetch_add(&t->next, 1) * t->chunk;
        if (n0 >= t->N)
            break;
        const int64_t n1 = n0 + t->chunk < t->N ? n0 + t->chunk : t->N;
        for (int64_t n = n0; n < n1; n += KERN_GEMV_ROWS) {
            const int rows = n1 - n < KERN_GEMV_ROWS ? (int)(n1 - n) : KERN_GEMV_ROWS;
            t->gemv->gemv((int)t->K, &t->out[n], t->W + (size_t)n * t->wrow, t->wrow, rows, act);
        }
    }
}

/*
 * One activation row streams the weights once, faster than the hardware
 * prefetcher alone brings them in: ask for the bytes PF_AHEAD past this
 * row (one row's worth of lines), not past the end of W.
 */
#define PF_AHEAD 6144

static void prefetch_ahead(const char *w, size_t wrow, const char *end)
{
    const size_t left = (size_t)(end - w), from = wrow > PF_AHEAD ? wrow : PF_AHEAD;
    for (size_t off = from; off < from + wrow && off < left; off += 64)
        kern_prefetch(w + off);
}

static void mm_run(void *arg, int ith, int nth)
{
    struct mm_task *t = arg;
    if (t->gemv) {
        mm_run_gemv(t, ith);
        return;
    }
    if (t->act && !t->tiled) {
        for (int64_t m = ith; m < t->M; m += nth)
            t->at->from_float(t->x + m * t->K, t->act + (size_t)m * t->arow, t->K);
        kern_pool_barrier(t->pool);
    }
    if (t->tiled) {
        const int64_t groups = (t->M + KERN_TILE_M - 1) / KERN_TILE_M;
        for (int64_t g = ith; g < groups; g += nth)
            t->tiled->pack(t->x, t->K, t->M, g, t->packed);
        kern_pool_barrier(t->pool);
        for (;;) {
            const int64_t n0 = atomic_fetch_add(&t->next, 1) * t->chunk;
            if (n0 >= t->N)
                break;
            const int64_t n1 = n0 + t->chunk < t->N ? n0 + t->chunk : t->N;
            t->tiled->rows(t->W, t->wrow, n0, n1, t->N, t->K, t->packed, t->M, t->out,
                           t->scratch + (size_t)ith * t->scratch_size);
        }
        return;
    }
    const char *act = t->act ? t->act : (const char *)t->x;
    for (;;) {
        const int64_t n0 = atomic_fetch_add(&t->next, 1) * t->chunk;
        if (n0 >= t->N)
            break;
        const int64_t n1 = n0 + t->chunk < t->N ? n0 + t->chunk : t->N;
        /*
         * Each weight row serves 4 activation rows while it is in L1; those
         * 4 rows stay in L1 while the chunk of W streams from L2.
         */
        for (int64_t m0 = 0; m0 < t->M; m0 += M_BLOCK) {
            const int64_t m1 = m0 + M_BLOCK < t->M ? m0 + M_BLOCK : t->M;
            for (int64_t n = n0; n < n1; n++) {
                const char *w = t->W + (size_t)n * t->wrow;
                if (t->M == 1)
                    prefetch_ahead(w, t->wrow, t->W + (size_t)t->N * t->wrow);
                int64_t m = m0;
                if (t->dot4)
                    for (; m + 4 <= m1; m += 4)
                        t->dot4((int)t->K, &t->out[m * t->N + n], (size_t)t->N, w, act + (size_t)m * t->arow,
                                t->arow);
                for (; m < m1; m++)
                    t->dot((int)t->K, &t->out[m * t->N + n], w, act + (size_t)m * t->arow);
            }
        }
    }
}

int kern_matmul_ex(uint32_t wtype, const void *W, int64_t N, int64_t K, const float *x, int64_t M, float *out,
                   struct kern_pool *pool)
{
    const struct ggml_type_traits *wt = NULL, *at = NULL;
    if (check_args(wtype, K, &wt, &at) < 0)
        return -1;
    if (N < 0 || M < 0)
        return err_set("matmul: negative shape (%lld rows, %lld activations)", (long long)N, (long long)M);
    if (N == 0 || M == 0)
        return 0;
    const int nth = kern_pool_size(pool);
    struct mm_task t = {
        .wt = wt, .at = at, .dot = M == 1 ? kern_get_dot1(wtype) : wt->vec_dot, .dot4 = kern_get_dot4(wtype),
        .W = W, .N = N, .K = K, .M = M, .x = x, .out = out, .pool = pool,
        .wrow = ggml_row_size(wtype, K), .arow = ggml_row_size(wt->vec_dot_type, K),
    };
    /* chunks of up to 64 rows, at least 4 per thread so a slow thread's share can be taken over */
    t.chunk = N / (4 * nth);
    t.chunk = t.chunk > MAX_CHUNK ? MAX_CHUNK : t.chunk < 1 ? 1 : t.chunk;
    atomic_init(&t.next, 0);
    t.gemv = M == 1 ? kern_get_gemv(wtype) : NULL;
    if (t.gemv) {
        /* whole groups of rows per chunk */
        t.chunk = (t.chunk + KERN_GEMV_ROWS - 1) / KERN_GEMV_ROWS * KERN_GEMV_ROWS;
        t.act = malloc((size_t)nth * t.arow);
        if (!t.act)
            return err_set("matmul: out of memory for the activation row");
        kern_pool_run(pool, mm_run, &t);
        free(t.act);
        return 0;
    }
    const struct kern_tiled *tiled = M >= KERN_TILE_M ? kern_get_tiled(wtype) : NULL;
    if (tiled) {
        /* zmm-aligned; sizes rounded up to whole cache lines */
        const size_t pb = (tiled->act_bytes(K, M) + 63) & ~(size_t)63;
        t.scratch_size = (tiled->scratch_bytes(K, M) + 63) & ~(size_t)63;
        t.packed = aligned_alloc(64, pb + (size_t)nth * t.scratch_size);
        if (t.packed) {
            t.scratch = t.packed + pb;
            t.tiled = tiled;
        } /* else: the 4-row kernels need less memory */
    }
    if (wt->vec_dot_type != GGML_TYPE_F32 && !t.tiled) {
        t.act = malloc((size_t)M * t.arow);
        if (!t.act)
            return err_set("matmul: out of memory for %lld activation rows", (long long)M);
    }
    kern_pool_run(pool, mm_run, &t);
    free(t.packed);
    free(t.act);
    return 0;
}

int kern_matmul(uint32_t wtype, const void *W, int64_t N, int64_t K, const float *x, int64_t M, float *out)
{
    return kern_matmul_ex(wtype, W, N, K, x, M, out, NULL);
}

const struct kern_gemv *kern_get_gemv(uint32_t t)
{
#ifdef KERN_NO_SIMD
    (void)t;
#else
    if (kern_cpu_level() == KERN_CPU_AVX512)
        for (const struct kern_gemv *g = kern_gemv_avx512; g->gemv; g++)
            if (g->type == t)
                return g;
#endif
    return NULL;
}

ggml_vec_dot_fn kern_vec_dot_single(uint32_t type)
{
    return ggml_get_type_traits(type) ? kern_get_dot1(type) : NULL;
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
