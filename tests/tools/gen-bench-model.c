/*
 * gen-bench-model.c - writes random-weight llama GGUFs with real model shapes,
 * for `make bench` (issue: "Benchmark models").
 *
 *   gen-bench-model SHAPE FTYPE OUT.gguf [VOCAB.gguf]
 *     SHAPE  llama-3.2-1b | r1-8b | tiny
 *     FTYPE  Q4_K_M | F16 | IQ2_XXS
 *     VOCAB  a GGUF whose tokenizer.* keys are copied (default: the fixtures'
 *            r1-vocab-q4_k_m.gguf, the real Llama-3 / R1 vocabulary)
 *
 * Tensor types follow llama.cpp's recipes: Q4_K_M uses Q4_K, with Q6_K for
 * output and for attn_v/ffn_down in the layers use_more_bits() picks (half of
 * them); IQ2_XXS uses IQ2_XXS for the big matrices, Q2_K for token_embd and
 * attn_v, Q5_K for output (as llama-quantize chose for the fixtures).
 *
 * Quantized blocks are random bytes whose fp16 scales are overwritten with
 * values that give weights of about 1/sqrt(fan_in): never zeros, never NaN.
 * The file is first written sparse (header only), then each tensor's bytes
 * are written in place in chunks, so a 16 GB F16 file needs little memory.
 */
#include "../../common/err.h"
#include "../../kernels/ggml-type.h"
#include "../../runtime/gguf-writer.h"
#include "../../runtime/gguf.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct shape {
    const char *name;
    int dim, layers, heads, kv_heads, ffn, vocab;
};

static const struct shape shapes[] = {
    { "llama-3.2-1b", 2048, 16, 32, 8, 8192, 128256 },
    { "r1-8b", 4096, 32, 32, 8, 14336, 128256 },
    { "tiny", 256, 2, 4, 2, 512, 128256 },
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* IEEE half from float, round to nearest; only for sane positive scales here. */
static uint16_t to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffff;
    if (exp <= 0) { /* subnormal half */
        if (exp < -10)
            return (uint16_t)sign;
        mant |= 0x800000;
        return (uint16_t)(sign | (mant >> (14 - exp)));
    }
    if (exp >= 31)
        return (uint16_t)(sign | 0x7bff);
    return (uint16_t)(sign | ((uint32_t)exp << 10) | (mant >> 13));
}

static void put_half(uint8_t *p, float f)
{
    uint16_t h = to_half(f);
    memcpy(p, &h, 2);
}

/* Fills n bytes of `type` data for a matrix with rows of k elements. */
static void fill(uint32_t type, uint8_t *p, size_t n, int64_t k)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t r = next_u64();
        memcpy(p + i, &r, 8);
    }
    for (size_t i = n & ~(size_t)7; i < n; i++)
        p[i] = (uint8_t)next_u64();
    float sigma = 1.0f / sqrtf((float)k);
    const struct ggml_type_traits *tr = ggml_get_type_traits(type);
    size_t bs = tr->type_size;
    switch (type) {
    case GGML_TYPE_F32:
        for (size_t i = 0; i < n / 4; i++) {
            float f = sigma * (float)((int64_t)(next_u64() % 2001) - 1000) / 577.0f;
            memcpy(p + 4 * i, &f, 4);
        }
        return;
    case GGML_TYPE_F16:
        for (size_t i = 0; i < n / 2; i++) {
            float f = sigma * (float)((int64_t)(next_u64() % 2001) - 1000) / 577.0f;
            put_half(p + 2 * i, f);
        }
        return;
    default:
        break;
    }
    for (size_t b = 0; b + bs <= n; b += bs) {
        uint8_t *blk = p + b;
        switch (type) {
        case GGML_TYPE_Q4_K: /* w = d*sc*q - dmin*m, sc,m < 64, q < 16 */
        case GGML_TYPE_Q5_K:
            put_half(blk, 3 * sigma / (63.0f * (type == GGML_TYPE_Q4_K ? 15 : 31)));
            put_half(blk + 2, 1.5f * sigma / (63.0f * 8));
            break;
        case GGML_TYPE_Q6_K: /* w = d*sc*q, |sc| < 128, |q| <= 32 */
            put_half(blk + 208, 3 * sigma / (127.0f * 32));
            break;
        case GGML_TYPE_Q2_K: /* scales and mins 4-bit, q < 4; d, dmin last */
            put_half(blk + 80, 3 * sigma / (15.0f * 3));
            put_half(blk + 82, 1.5f * sigma / (15.0f * 2));
            break;
        case GGML_TYPE_Q3_K:
            put_half(blk + 108, 3 * sigma / (32.0f * 4));
            break;
        case GGML_TYPE_IQ2_XXS: /* |w| <= d * 3.875 * 43 */
            put_half(blk, 3 * sigma / (3.875f * 43));
            break;
        case GGML_TYPE_Q8_0:
            put_half(blk, 3 * sigma / 127.0f);
            break;
        default:
            fprintf(stderr, "gen-bench-model: no block recipe for %s\n", tr->name);
            exit(1);
        }
    }
}

static int use_more_bits(int i, int n)
{
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

struct tensor_plan {
    char name[64];
    uint32_t type;
    int64_t ne[2];
    int n_dims;
};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen-bench-model llama-3.2-1b|r1-8b|tiny Q4_K_M|F16|IQ2_XXS OUT.gguf [VOCAB.gguf]\n");
        return 2;
    }
    const struct shape *s = NULL;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (!strcmp(shapes[i].name, argv[1]))
            s = &shapes[i];
    if (!s) {
        fprintf(stderr, "gen-bench-model: unknown shape '%s'\n", argv[1]);
        return 2;
    }
    const char *ft = argv[2];
    uint32_t file_type, big, embd, out, v_more, down_more, v_base, down_base;
    if (!strcmp(ft, "Q4_K_M")) {
        file_type = 15;
        big = embd = v_base = down_base = GGML_TYPE_Q4_K;
        out = v_more = down_more = GGML_TYPE_Q6_K;
    } else if (!strcmp(ft, "F16")) {
        file_type = 1;
        big = embd = out = v_more = down_more = v_base = down_base = GGML_TYPE_F16;
    } else if (!strcmp(ft, "IQ2_XXS")) {
        file_type = 19;
        big = down_base = down_more = GGML_TYPE_IQ2_XXS;
        embd = v_base = v_more = GGML_TYPE_Q2_K;
        out = GGML_TYPE_Q5_K;
    } else {
        fprintf(stderr, "gen-bench-model: unknown file type '%s'\n", ft);
        return 2;
    }
    const char *vocab_path = argc > 4 ? argv[4] : "../shared/fixtures/models/r1-vocab-q4_k_m.gguf";
    struct gguf *vocab = gguf_open(vocab_path);
    if (!vocab) {
        fprintf(stderr, "gen-bench-model: %s\n", err_msg());
        return 1;
    }
    int head_dim = s->dim / s->heads;
    struct gguf_writer *w = gguf_writer_new(3);
    gguf_writer_str(w, "general.architecture", "llama");
    gguf_writer_str(w, "general.name", s->name);
    gguf_writer_u32(w, "general.file_type", file_type);
    gguf_writer_u32(w, "llama.context_length", 131072);
    gguf_writer_u32(w, "llama.embedding_length", (uint32_t)s->dim);
    gguf_writer_u32(w, "llama.block_count", (uint32_t)s->layers);
    gguf_writer_u32(w, "llama.feed_forward_length", (uint32_t)s->ffn);
    gguf_writer_u32(w, "llama.attention.head_count", (uint32_t)s->heads);
    gguf_writer_u32(w, "llama.attention.head_count_kv", (uint32_t)s->kv_heads);
    gguf_writer_u32(w, "llama.rope.dimension_count", (uint32_t)head_dim);
    gguf_writer_f32(w, "llama.rope.freq_base", 500000.0f);
    gguf_writer_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_writer_u32(w, "llama.vocab_size", (uint32_t)s->vocab);
    for (uint64_t i = 0; i < vocab->n_kv; i++) {
        if (vocab->kv[i].key.len > 10 && !memcmp(vocab->kv[i].key.ptr, "tokenizer.", 10)) {
            char *key = gguf_strdup(vocab->kv[i].key);
            gguf_writer_value(w, key, &vocab->kv[i].val);
            free(key);
        }
    }

    /* the tensor list, in llama.cpp's order */
    int n_plan = 0, cap = 4 + 9 * s->layers;
    struct tensor_plan *plan = calloc((size_t)cap, sizeof *plan);
#define ADD(nm, ty, a, b, nd)                                          \
    do {                                                              \
        snprintf(plan[n_plan].name, sizeof plan[0].name, "%s", nm);   \
        plan[n_plan].type = (ty);                                     \
        plan[n_plan].ne[0] = (a);                                     \
        plan[n_plan].ne[1] = (b);                                     \
        plan[n_plan].n_dims = (nd);                                   \
        n_plan++;                                                     \
    } while (0)
    char nm[64];
    ADD("token_embd.weight", embd, s->dim, s->vocab, 2);
    ADD("rope_freqs.weight", GGML_TYPE_F32, head_dim / 2, 1, 1);
    for (int l = 0; l < s->layers; l++) {
        int more = use_more_bits(l, s->layers);
        int kv = head_dim * s->kv_heads;
#define LAYER(suffix, ty, a, b, nd)                                   \
    do {                                                              \
        snprintf(nm, sizeof nm, "blk.%d.%s", l, suffix);              \
        ADD(nm, ty, a, b, nd);                                        \
    } while (0)
        LAYER("attn_norm.weight", GGML_TYPE_F32, s->dim, 1, 1);
        LAYER("attn_q.weight", big, s->dim, s->dim, 2);
        LAYER("attn_k.weight", big, s->dim, kv, 2);
        LAYER("attn_v.weight", more ? v_more : v_base, s->dim, kv, 2);
        LAYER("attn_output.weight", big, s->dim, s->dim, 2);
        LAYER("ffn_norm.weight", GGML_TYPE_F32, s->dim, 1, 1);
        LAYER("ffn_gate.weight", big, s->dim, s->ffn, 2);
        LAYER("ffn_up.weight", big, s->dim, s->ffn, 2);
        LAYER("ffn_down.weight", more ? down_more : down_base, s->ffn, s->dim, 2);
    }
    ADD("output_norm.weight", GGML_TYPE_F32, s->dim, 1, 1);
    ADD("output.weight", out, s->dim, s->vocab, 2);
    for (int i = 0; i < n_plan; i++)
        gguf_writer_tensor(w, plan[i].name, plan[i].type, (uint32_t)plan[i].n_dims, plan[i].ne, NULL);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    if (gguf_writer_to_file(w, tmp, 1) < 0) {
        fprintf(stderr, "gen-bench-model: %s\n", err_msg());
        return 1;
    }
    gguf_writer_free(w);
    gguf_close(vocab);

    /* fill each tensor in place */
    struct gguf *g = gguf_open(tmp);
    int fd = open(tmp, O_WRONLY);
    if (!g || fd < 0) {
        fprintf(stderr, "gen-bench-model: reopening %s: %s\n", tmp, err_msg());
        return 1;
    }
    size_t chunk_cap = 64u << 20;
    uint8_t *chunk = malloc(chunk_cap);
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const struct gguf_tensor *t = &g->tensors[i];
        size_t row = ggml_row_size(t->type, t->ne[0]);
        size_t rows_per_chunk = chunk_cap / row;
        uint64_t rows = t->size / row;
        if (!strcmp(t->name, "rope_freqs.weight")) {
            /* llama3 scaling: factor 8, low 1, high 4, original context 8192 */
            float f[256];
            for (int j = 0; j < t->ne[0]; j++) {
                double freq = pow(500000.0, -2.0 * j / head_dim), wavelen = 2 * M_PI / freq;
                double lo = 8192.0 / 1, hi = 8192.0 / 4;
                if (wavelen < hi)
                    f[j] = 1.0f;
                else if (wavelen > lo)
                    f[j] = 8.0f;
                else {
                    double smooth = (8192.0 / wavelen - 1) / (4 - 1);
                    f[j] = (float)(1.0 / ((1 - smooth) / 8 + smooth));
                }
            }
            if (pwrite(fd, f, (size_t)t->size, (off_t)(g->data_offset + t->offset)) != (ssize_t)t->size)
                goto write_error;
            continue;
        }
        int is_norm = strstr(t->name, "_norm.") != NULL;
        for (uint64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
            uint64_t nr = rows - r0 < rows_per_chunk ? rows - r0 : rows_per_chunk;
            size_t len = (size_t)(nr * row);
            if (is_norm) {
                for (size_t j = 0; j < len / 4; j++) {
                    float v = 1.0f + 0.05f * (float)((int64_t)(next_u64() % 2001) - 1000) / 577.0f;
                    memcpy(chunk + 4 * j, &v, 4);
                }
            } else {
                fill(t->type, chunk, len, t->ne[0]);
            }
            if (pwrite(fd, chunk, len, (off_t)(g->data_offset + t->offset + r0 * row)) != (ssize_t)len)
                goto write_error;
        }
    }
    free(chunk);
    free(plan);
    if (close(fd) < 0 || rename(tmp, argv[3]) < 0) {
        perror(argv[3]);
        return 1;
    }
    printf("%s: %s %s, %.2f GiB\n", argv[3], s->name, ft, (double)g->size / (1u << 30));
    gguf_close(g);
    return 0;
write_error:
    perror(tmp);
    return 1;
}
