/*
 * test_kernels_fixtures.c - the block layouts bit for bit, against files
 * llama.cpp wrote: every quantized tensor of the tiny-*.gguf fixtures,
 * dequantized by our kernels, must be close to the same tensor in
 * tiny-f32.gguf (within that format's quantization error). A wrong field
 * order, nibble order or scale packing gives errors as large as the weights
 * themselves, far past these bounds.
 *
 * A minimal GGUF v3 walker is kept here so the kernels are tested without
 * the runtime's loader.
 */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#include "../kernels/ggml-type.h"
#include "../common/err.h"
#include "../kernels/matmul.h"

struct tensor {
    char name[96];
    uint32_t type;
    int64_t ne[4];
    int n_dims;
    uint64_t offset;
};

struct gguf {
    unsigned char *data;
    size_t size, pos, data_start;
    struct tensor t[64];
    int n;
};

static int rd(struct gguf *g, void *dst, size_t n)
{
    if (g->pos + n > g->size)
        return -1;
    memcpy(dst, g->data + g->pos, n);
    g->pos += n;
    return 0;
}

static int skip_value(struct gguf *g, uint32_t vt)
{
    static const size_t sz[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    if (vt > 12)
        return -1;
    if (vt == 8) {
        uint64_t len;
        if (rd(g, &len, 8) || len > g->size - g->pos)
            return -1;
        g->pos += len;
        return 0;
    }
    if (vt == 9) {
        uint32_t et;
        uint64_t cnt;
        if (rd(g, &et, 4) || rd(g, &cnt, 8) || cnt > g->size)
            return -1;
        for (uint64_t i = 0; i < cnt; i++)
            if (skip_value(g, et))
                return -1;
        return 0;
    }
    if (g->pos + sz[vt] > g->size)
        return -1;
    g->pos += sz[vt];
    return 0;
}

static int gguf_load(const char *path, struct gguf *g)
{
    memset(g, 0, sizeof *g);
    g->data = (unsigned char *)test_read_file(path, &g->size);
    if (!g->data)
        return -1;
    uint32_t magic, version;
    uint64_t nt, nkv, alignment = 32;
    if (rd(g, &magic, 4) || memcmp(&magic, "GGUF", 4) || rd(g, &version, 4) || version != 3 || rd(g, &nt, 8) ||
        rd(g, &nkv, 8) || nt > 64)
        return -1;
    for (uint64_t i = 0; i < nkv; i++) {
        uint64_t klen;
        uint32_t vt;
        if (rd(g, &klen, 8) || klen > 256 || g->pos + klen > g->size)
            return -1;
        int is_align = klen == 17 && !memcmp(g->data + g->pos, "general.alignment", 17);
        g->pos += klen;
        if (rd(g, &vt, 4))
            return -1;
        if (is_align && vt == 4) {
            uint32_t a;
            if (rd(g, &a, 4))
                return -1;
            alignment = a;
        } else if (skip_value(g, vt))
            return -1;
    }
    for (uint64_t i = 0; i < nt; i++) {
        struct tensor *t = &g->t[g->n++];
        uint64_t nlen;
        uint32_t nd;
        if (rd(g, &nlen, 8) || nlen >= sizeof t->name || rd(g, t->name, nlen) || rd(g, &nd, 4) || nd > 4)
            return -1;
        t->name[nlen] = 0;
        t->n_dims = (int)nd;
        for (int d = 0; d < 4; d++)
            t->ne[d] = 1;
        for (uint32_t d = 0; d < nd; d++)
            if (rd(g, &t->ne[d], 8))
                return -1;
        if (rd(g, &t->type, 4) || rd(g, &t->offset, 8))
            return -1;
    }
    g->data_start = (g->pos + alignment - 1) / alignment * alignment;
    return 0;
}

static const struct tensor *find(const struct gguf *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->t[i].name, name))
            return &g->t[i];
    return NULL;
}

/* The tensor's bytes, or NULL when they would lie outside the file. */
static const void *tensor_data(const struct gguf *g, const struct tensor *t, int64_t *nelem)
{
    *nelem = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    size_t bytes = ggml_row_size(t->type, t->ne[0]) * (size_t)(*nelem / t->ne[0]);
    if (!bytes || g->data_start + t->offset + bytes > g->size)
        return NULL;
    return g->data + g->data_start + t->offset;
}

/*
 * Relative RMS error allowed per format (measured error of llama-quantize's
 * output on these N(0, 1/fan_in) weights, with margin; a layout error gives ~1.4).
 */
static double bound_for(uint32_t type)
{
    switch (type) {
    case GGML_TYPE_F16: return 0.0005;
    case GGML_TYPE_BF16: return 0.003;
    case GGML_TYPE_Q8_0: return 0.008;
    case GGML_TYPE_Q6_K: return 0.025;
    case GGML_TYPE_Q5_K: return 0.05;
    case GGML_TYPE_Q4_K: return 0.1;
    case GGML_TYPE_Q4_0: return 0.12;
    case GGML_TYPE_Q3_K: return 0.2;
    case GGML_TYPE_Q2_K: return 0.4;
    case GGML_TYPE_IQ2_XXS: return 0.45;
    default: return 0;
    }
}

static double worst[GGML_TYPE_COUNT];
static int seen[GGML_TYPE_COUNT];

static void compare_file(const char *name)
{
    struct gguf ref, q;
    if (gguf_load(fixture_path("models/tiny-f32.gguf"), &ref) < 0) {
        free(ref.data);
        test_fail_at(__FILE__, __LINE__, "cannot read tiny-f32.gguf");
        return;
    }
    if (gguf_load(fixture_path(name), &q) < 0) {
        test_fail_at(__FILE__, __LINE__, "cannot read %s", name);
        free(ref.data);
        free(q.data);
        return;
    }
    int compared = 0;
    for (int i = 0; i < q.n; i++) {
        const struct tensor *t = &q.t[i], *r = find(&ref, t->name);
        if (t->type == GGML_TYPE_F32)
            continue;
        int64_t n, rn;
        const void *src = tensor_data(&q, t, &n);
        const float *want = r ? tensor_data(&ref, r, &rn) : NULL;
        if (!src || !want || rn != n || r->type != GGML_TYPE_F32) {
            test_fail_at(__FILE__, __LINE__, "%s: tensor %s unreadable or without an F32 twin", name, t->name);
            continue;
        }
        float *got = malloc(sizeof(float) * (size_t)n);
        /* row by row, as the runtime will (token embeddings) */
        size_t rowb = ggml_row_size(t->type, t->ne[0]);
        int rc = 0;
        for (int64_t row = 0; row < n / t->ne[0] && rc == 0; row++)
            rc = kern_dequantize_row(t->type, (const char *)src + row * rowb, got + row * t->ne[0], t->ne[0]);
        if (rc) {
            test_fail_at(__FILE__, __LINE__, "%s: %s: %s", name, t->name, err_msg());
            free(got);
            continue;
        }
        double se = 0, sw = 0;
        for (int64_t k = 0; k < n; k++) {
            double e = (double)got[k] - want[k];
            se += e * e;
            sw += (double)want[k] * want[k];
        }
        double rel = sqrt(se / sw);
        if (rel > worst[t->type])
            worst[t->type] = rel;
        seen[t->type] = 1;
        if (!(rel <= bound_for(t->type)))
            test_fail_at(__FILE__, __LINE__, "%s: %s (%s) relative RMS error %.4f > %.4f", name, t->name,
                         ggml_type_name(t->type), rel, bound_for(t->type));
        compared++;
        free(got);
    }
    CHECK(compared >= 10);
    free(ref.data);
    free(q.data);
}

static int have_fixtures(void)
{
    FILE *f = fopen(fixture_path("models/tiny-f32.gguf"), "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

#define FIXTURE_TEST(tname, file)                     \
    TEST(tname)                                       \
    {                                                 \
        if (!have_fixtures())                         \
            SKIP("fixtures not found (MODEL_FIXTURES)"); \
        compare_file("models/" file);                 \
    }

FIXTURE_TEST(tiny_f16_matches_f32, "tiny-f16.gguf")
FIXTURE_TEST(tiny_bf16_matches_f32, "tiny-bf16.gguf")
FIXTURE_TEST(tiny_q8_0_matches_f32, "tiny-q8_0.gguf")
FIXTURE_TEST(tiny_q6_k_matches_f32, "tiny-q6_k.gguf")
FIXTURE_TEST(tiny_q5_k_m_matches_f32, "tiny-q5_k_m.gguf")
FIXTURE_TEST(tiny_q4_k_m_matches_f32, "tiny-q4_k_m.gguf")
FIXTURE_TEST(tiny_q4_0_matches_f32, "tiny-q4_0.gguf")
FIXTURE_TEST(tiny_q3_k_m_matches_f32, "tiny-q3_k_m.gguf")
FIXTURE_TEST(tiny_q2_k_matches_f32, "tiny-q2_k.gguf")
FIXTURE_TEST(tiny_iq2_xxs_matches_f32, "tiny-iq2_xxs.gguf")

TEST(report_worst_error_per_type)
{
    for (int t = 0; t < GGML_TYPE_COUNT; t++)
        if (seen[t])
            printf("    %-8s worst relative RMS error vs tiny-f32: %.4f (bound %.3f)\n", ggml_type_name((uint32_t)t),
                   worst[t], bound_for((uint32_t)t));
}
