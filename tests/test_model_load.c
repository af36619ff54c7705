/*
 * test_model_load.c - the loader's checks and the memory check, on GGUFs
 * written here: a small valid llama (F32, random weights) and variations of
 * it that must each fail with a clear error (truncated file, tensor data past
 * the end, a shape that disagrees with the hyper-parameters, an unsupported
 * type, an unknown architecture, a missing tensor), tied embeddings, a split
 * model, and a sparse file whose header declares DeepSeek-R1-Distill-Llama-70B
 * in Q4_K_M (about 40 GiB) that `model run` must refuse without reading it.
 */
#include "test.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../cmd/builtin.h"
#include "../common/err.h"
#include "../runtime/forward.h"
#include "../runtime/gguf-writer.h"
#include "../runtime/memory.h"
#include "../runtime/model.h"

/* The small model: width 32, 2 heads of 16, 1 KV head, ffn 64, vocab 8, 2 layers. */
enum { D = 32, H = 2, HKV = 1, HD = 16, FF = 64, V = 8, L = 2 };

struct variant {
    const char *arch;          /* default "llama" */
    const char *skip;          /* a tensor to leave out */
    const char *bad_shape;     /* a tensor written with one row too many */
    const char *bad_type;      /* a tensor written as I8 */
    int no_eps;                /* leave out the rms epsilon */
    int shard;                 /* 0: whole; 1, 2: write that shard of 2 */
};

static uint64_t rng = 12345;
static float frand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng >> 40) & 0xffffff) / 16777216.0f - 0.5f;
}

static void add(struct gguf_writer *w, const struct variant *v, const char *name, int64_t ne0, int64_t ne1, int idx)
{
    if (v->skip && !strcmp(v->skip, name))
        return;
    if (v->bad_shape && !strcmp(v->bad_shape, name))
        *(ne1 ? &ne1 : &ne0) += 1;
    int64_t ne[2] = { ne0, ne1 ? ne1 : 1 };
    size_t n = (size_t)ne[0] * (size_t)ne[1];
    if (v->bad_type && !strcmp(v->bad_type, name)) {
        int8_t *q = calloc(n, 1);
        gguf_writer_tensor(w, name, GGML_TYPE_I8, ne1 ? 2 : 1, ne, q);
        free(q);
        return;
    }
    float *data = malloc(n * sizeof *data);
    int is_norm = ne1 == 0;
    for (size_t i = 0; i < n; i++)
        data[i] = is_norm ? 1.0f + 0.1f * frand() : frand();
    /* split models: even tensors in shard 1, odd ones in shard 2 (the weights drawn all the same) */
    if (!v->shard || idx % 2 == v->shard - 1)
        gguf_writer_tensor(w, name, GGML_TYPE_F32, ne1 ? 2 : 1, ne, data);
    free(data);
}

static int write_model(const char *path, const struct variant *v)
{
    struct gguf_writer *w = gguf_writer_new(3);
    char name[64];
    int idx = 0;

    rng = 12345;
    gguf_writer_str(w, "general.architecture", v->arch ? v->arch : "llama");
    const char *a = v->arch ? v->arch : "llama";
#define K(s) (snprintf(name, sizeof name, "%s." s, a), name)
    gguf_writer_u32(w, K("context_length"), 64);
    gguf_writer_u32(w, K("embedding_length"), D);
    gguf_writer_u32(w, K("block_count"), L);
    gguf_writer_u32(w, K("feed_forward_length"), FF);
    gguf_writer_u32(w, K("attention.head_count"), H);
    gguf_writer_u32(w, K("attention.head_count_kv"), HKV);
    if (!v->no_eps)
        gguf_writer_f32(w, K("attention.layer_norm_rms_epsilon"), 1e-5f);
#undef K
    if (v->shard) {
        gguf_writer_u32(w, "split.no", (uint32_t)v->shard - 1);
        gguf_writer_u32(w, "split.count", 2);
    }
    add(w, v, "token_embd.weight", D, V, idx++);
    add(w, v, "output_norm.weight", D, 0, idx++);
    add(w, v, "output.weight", D, V, idx++);
    for (int l = 0; l < L; l++) {
#define T(s) (snprintf(name, sizeof name, "blk.%d." s, l), name)
        add(w, v, T("attn_norm.weight"), D, 0, idx++);
        add(w, v, T("attn_q.weight"), D, H * HD, idx++);
        add(w, v, T("attn_k.weight"), D, HKV * HD, idx++);
        add(w, v, T("attn_v.weight"), D, HKV * HD, idx++);
        add(w, v, T("attn_output.weight"), H * HD, D, idx++);
        add(w, v, T("ffn_norm.weight"), D, 0, idx++);
        add(w, v, T("ffn_gate.weight"), D, FF, idx++);
        add(w, v, T("ffn_up.weight"), D, FF, idx++);
        add(w, v, T("ffn_down.weight"), FF, D, idx++);
#undef T
    }
    int rc = gguf_writer_to_file(w, path, 0);
    gguf_writer_free(w);
    return rc;
}

static const char *tmp(const char *name)
{
    static char buf[8][512];
    static int next;
    char *b = buf[next++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", test_tmpdir(), name);
    return b;
}

/* model_open must fail and its message contain want. */
static void expect_open_error(const char *path, const char *want)
{
    struct model *m = model_open(&path, 1);
    CHECK(m == NULL);
    if (m) {
        model_free(m);
        return;
    }
    if (!strstr(err_msg(), want))
        test_fail_at(__FILE__, __LINE__, "error '%s' does not mention '%s'", err_msg(), want);
}

static void logits_of(struct model *m, float *out)
{
    struct forward_state *s = forward_state_new(m, 16, 16, KV_F32);
    int32_t toks[4] = { 1, 5, 2, 7 };
    CHECK(s != NULL);
    if (s) {
        CHECK(forward(s, toks, 4, 0, 3, out) == 0);
        forward_state_free(s);
    }
}

TEST(loads_hparams_with_defaults)
{
    struct variant v = { 0 };
    const char *p = tmp("ok.gguf");
    CHECK(write_model(p, &v) == 0);
    struct model *m = model_open(&p, 1);
    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_INT(m->hp.n_vocab, V);
    CHECK_INT(m->hp.head_dim, HD);
    CHECK_INT(m->hp.n_rot, HD);
    CHECK_NEAR(m->hp.rope_freq_base, 10000.0, 0);
    CHECK_NEAR(m->hp.rope_freq_scale, 1.0, 0);
    CHECK(m->rope_freqs == NULL);
    CHECK(m->output != m->tok_embd);
    float l[V];
    logits_of(m, l);
    for (int i = 0; i < V; i++)
        CHECK(isfinite(l[i]));
    model_free(m);
}

TEST(stories260k_header_quirks)
{
    const char *p = fixture_path("real/stories260K.gguf");
    struct model *m = model_open(&p, 1);
    if (!m)
        SKIP("stories260K.gguf missing");
    CHECK_NEAR(m->hp.rope_freq_base, 10000.0, 0); /* absent in the file: llama.cpp's default */
    CHECK_INT(m->hp.n_head_kv, 4);
    CHECK_INT(m->hp.head_dim, 8);
    CHECK_INT(m->hp.n_vocab, 512);
    model_free(m);
}

TEST(tied_output_uses_token_embd)
{
    struct variant v = { .skip = "output.weight" };
    const char *p = tmp("tied.gguf");
    CHECK(write_model(p, &v) == 0);
    struct model *m = model_open(&p, 1);
    CHECK(m != NULL);
    if (m) {
        CHECK(m->output == m->tok_embd);
        float l[V];
        logits_of(m, l);
        CHECK(isfinite(l[0]));
        model_free(m);
    }
}

TEST(split_model_equals_whole)
{
    struct variant whole = { 0 }, s1 = { .shard = 1 }, s2 = { .shard = 2 };
    const char *p = tmp("whole.gguf");
    CHECK(write_model(p, &whole) == 0);
    CHECK(write_model(tmp("split-00001-of-00002.gguf"), &s1) == 0);
    CHECK(write_model(tmp("split-00002-of-00002.gguf"), &s2) == 0);
    struct model *a = model_open(&p, 1);
    const char *first = tmp("split-00001-of-00002.gguf");
    struct model *b = model_open(&first, 1);
    CHECK(a && b);
    if (a && b) {
        CHECK_INT(b->n_shards, 2);
        float la[V], lb[V];
        logits_of(a, la);
        logits_of(b, lb);
        for (int i = 0; i < V; i++)
            CHECK_NEAR(la[i], lb[i], 0);
    }
    model_free(a);
    model_free(b);

    /* shards given as a list, in any order */
    const char *list[2] = { tmp("split-00002-of-00002.gguf"), tmp("split-00001-of-00002.gguf") };
    struct model *c = model_open(list, 2);
    CHECK(c != NULL);
    model_free(c);

    /* a missing sibling is an error naming the file */
    unlink(tmp("split-00002-of-00002.gguf"));
    expect_open_error(first, "split-00002-of-00002.gguf");
}

TEST(shard_paths)
{
    char **v;
    int n;
    CHECK(model_shard_paths("/a/b/M-Q4_K_M-00002-of-00003.gguf", &v, &n) == 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(v[0], "/a/b/M-Q4_K_M-00001-of-00003.gguf");
        CHECK_STR(v[2], "/a/b/M-Q4_K_M-00003-of-00003.gguf");
    }
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
    CHECK(model_shard_paths("plain.gguf", &v, &n) == 0);
    CHECK_INT(n, 1);
    CHECK_STR(v[0], "plain.gguf");
    free(v[0]);
    free(v);
}

TEST(bad_inputs_fail_cleanly)
{
    struct variant ok = { 0 };
    const char *p = tmp("base.gguf");
    CHECK(write_model(p, &ok) == 0);
    size_t len;
    char *bytes = test_read_file(p, &len);
    CHECK(bytes != NULL);
    if (!bytes)
        return;

    /* truncated inside the header */
    FILE *f = fopen(tmp("trunc.gguf"), "wb");
    fwrite(bytes, 1, 100, f);
    fclose(f);
    expect_open_error(tmp("trunc.gguf"), "trunc.gguf");

    /* the last tensor's data runs past the end of the file */
    f = fopen(tmp("short.gguf"), "wb");
    fwrite(bytes, 1, len - 16, f);
    fclose(f);
    expect_open_error(tmp("short.gguf"), "past the end");
    free(bytes);

    struct variant arch = { .arch = "qwen2" };
    CHECK(write_model(tmp("arch.gguf"), &arch) == 0);
    expect_open_error(tmp("arch.gguf"), "unsupported architecture 'qwen2'");

    struct variant shape = { .bad_shape = "blk.1.attn_k.weight" };
    CHECK(write_model(tmp("shape.gguf"), &shape) == 0);
    expect_open_error(tmp("shape.gguf"), "'blk.1.attn_k.weight' has shape [32, 17");

    struct variant norm = { .bad_shape = "blk.0.ffn_norm.weight" };
    CHECK(write_model(tmp("norm.gguf"), &norm) == 0);
    expect_open_error(tmp("norm.gguf"), "blk.0.ffn_norm.weight");

    struct variant type = { .bad_type = "blk.0.ffn_up.weight" };
    CHECK(write_model(tmp("type.gguf"), &type) == 0);
    expect_open_error(tmp("type.gguf"), "'blk.0.ffn_up.weight' has type I8");

    struct variant missing = { .skip = "blk.1.ffn_gate.weight" };
    CHECK(write_model(tmp("missing.gguf"), &missing) == 0);
    expect_open_error(tmp("missing.gguf"), "'blk.1.ffn_gate.weight' is missing");

    struct variant eps = { .no_eps = 1 };
    CHECK(write_model(tmp("eps.gguf"), &eps) == 0);
    expect_open_error(tmp("eps.gguf"), "layer_norm_rms_epsilon");

    expect_open_error(tmp("does-not-exist.gguf"), "does-not-exist.gguf");
}

TEST(forward_rejects_bad_tokens_and_full_context)
{
    struct variant v = { 0 };
    const char *p = tmp("ctx.gguf");
    CHECK(write_model(p, &v) == 0);
    struct model *m = model_open(&p, 1);
    CHECK(m != NULL);
    if (!m)
        return;
    struct forward_state *s = forward_state_new(m, 4, 4, KV_F16);
    CHECK(s != NULL);
    float l[V];
    int32_t toks[5] = { 1, 2, 3, 4, 5 }, bad = V;
    CHECK(forward(s, toks, 5, 0, 4, l) == -1);
    CHECK(strstr(err_msg(), "context") != NULL);
    CHECK(forward(s, &bad, 1, 0, 0, l) == -1);
    CHECK(strstr(err_msg(), "out of range") != NULL);
    CHECK(forward(s, toks, 4, 0, 3, l) == 0);
    CHECK(forward(s, toks, 1, 4, 0, l) == -1);
    forward_state_free(s);
    model_free(m);
}

TEST(kv_types_agree)
{
    /* f32, f16 and q8_0 caches give nearly the same logits (q8_0 needs head_dim % 32: use f16/f32 here) */
    const char *p = fixture_path("models/tiny-f32.gguf");
    struct model *m = model_open(&p, 1);
    if (!m)
        SKIP("tiny-f32.gguf missing");
    int32_t toks[6] = { 1024, 5, 77, 300, 12, 900 };
    float *l[3];
    enum kv_type types[3] = { KV_F32, KV_F16, KV_Q8_0 };
    for (int t = 0; t < 3; t++) {
        l[t] = malloc(m->hp.n_vocab * sizeof(float));
        struct forward_state *s = forward_state_new(m, 8, 8, types[t]);
        CHECK(s != NULL);
        if (s)
            CHECK(forward(s, toks, 6, 0, 5, l[t]) == 0);
        forward_state_free(s);
    }
    double d16 = 0, d8 = 0;
    for (uint32_t i = 0; i < m->hp.n_vocab; i++) {
        d16 = fmax(d16, fabs(l[1][i] - l[0][i]));
        d8 = fmax(d8, fabs(l[2][i] - l[0][i]));
    }
    printf("    kv f16 vs f32 max |dlogit| %.5f, q8_0 vs f32 %.5f\n", d16, d8);
    CHECK(d16 < 0.01);
    CHECK(d8 < 0.2);
    CHECK(d16 > 0); /* the types really differ */
    for (int t = 0; t < 3; t++)
        free(l[t]);
    model_free(m);
}

/* --- the memory check -------------------------------------------------------------- */

/* DeepSeek-R1-Distill-Llama-70B's shapes, Q4_K_M-like types, no data (a sparse file). */
static int write_70b(const char *path)
{
    enum { E = 8192, NL = 80, NH = 64, NKV = 8, HDIM = 128, NFF = 28672, NV = 128256 };
    struct gguf_writer *w = gguf_writer_new(3);
    char name[64];
    gguf_writer_str(w, "general.architecture", "llama");
    gguf_writer_str(w, "general.name", "DeepSeek-R1-Distill-Llama-70B (header only)");
    gguf_writer_u32(w, "llama.context_length", 131072);
    gguf_writer_u32(w, "llama.embedding_length", E);
    gguf_writer_u32(w, "llama.block_count", NL);
    gguf_writer_u32(w, "llama.feed_forward_length", NFF);
    gguf_writer_u32(w, "llama.attention.head_count", NH);
    gguf_writer_u32(w, "llama.attention.head_count_kv", NKV);
    gguf_writer_u32(w, "llama.rope.dimension_count", HDIM);
    gguf_writer_f32(w, "llama.rope.freq_base", 500000.0f);
    gguf_writer_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_writer_u32(w, "general.file_type", 15); /* Q4_K_M */
    int64_t ne[2];
#define TENSOR(nm, type, a, b)                                              \
    do {                                                                    \
        ne[0] = (a), ne[1] = (b);                                           \
        gguf_writer_tensor(w, nm, type, (b) > 1 ? 2 : 1, ne, NULL);         \
    } while (0)
    TENSOR("token_embd.weight", GGML_TYPE_Q4_K, E, NV);
    TENSOR("rope_freqs.weight", GGML_TYPE_F32, HDIM / 2, 1);
    TENSOR("output_norm.weight", GGML_TYPE_F32, E, 1);
    TENSOR("output.weight", GGML_TYPE_Q6_K, E, NV);
    for (int l = 0; l < NL; l++) {
        uint32_t hi = l % 2 ? GGML_TYPE_Q4_K : GGML_TYPE_Q6_K; /* Q4_K_M: some attn_v/ffn_down in Q6_K */
#define N(s) (snprintf(name, sizeof name, "blk.%d." s, l), name)
        TENSOR(N("attn_norm.weight"), GGML_TYPE_F32, E, 1);
        TENSOR(N("attn_q.weight"), GGML_TYPE_Q4_K, E, NH * HDIM);
        TENSOR(N("attn_k.weight"), GGML_TYPE_Q4_K, E, NKV * HDIM);
        TENSOR(N("attn_v.weight"), hi, E, NKV * HDIM);
        TENSOR(N("attn_output.weight"), GGML_TYPE_Q4_K, NH * HDIM, E);
        TENSOR(N("ffn_norm.weight"), GGML_TYPE_F32, E, 1);
        TENSOR(N("ffn_gate.weight"), GGML_TYPE_Q4_K, E, NFF);
        TENSOR(N("ffn_up.weight"), GGML_TYPE_Q4_K, E, NFF);
        TENSOR(N("ffn_down.weight"), hi, NFF, E);
#undef N
    }
#undef TENSOR
    int rc = gguf_writer_to_file(w, path, 1);
    gguf_writer_free(w);
    return rc;
}

static long faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

TEST(estimate_of_70b_header)
{
    const char *p = tmp("r1-70b.gguf");
    if (write_70b(p))
        SKIP("cannot write a sparse file here");
    struct model *m = model_open(&p, 1);
    CHECK(m != NULL);
    if (!m) {
        printf("    %s\n", err_msg());
        return;
    }
    struct memory_estimate e;
    memory_estimate(&m->hp, m->weight_bytes, 4096, 512, KV_F16, &e);
    double gib = 1024.0 * 1024 * 1024;
    printf("    70B Q4_K_M header: weights %.2f GiB, KV %.2f GiB at 4096, compute %.2f GiB, total %.2f GiB\n",
           e.weights / gib, e.kv / gib, e.compute / gib, e.total / gib);
    CHECK(e.weights > 38 * gib && e.weights < 45 * gib);
    CHECK_INT(e.kv, 2ull * 80 * 4096 * 8 * 128 * 2); /* 1.25 GiB */
    memory_estimate(&m->hp, m->weight_bytes, 131072, 512, KV_Q8_0, &e);
    CHECK_INT(e.kv, 2ull * 80 * 131072 * 8 * 128 / 32 * 34);

    /* the same from the header alone, as `inspect` and `pull` will use it */
    struct memory_estimate h;
    const struct gguf *shards[1] = { m->meta };
    CHECK(memory_estimate_gguf(shards, 1, 131072, 512, KV_Q8_0, &h) == 0);
    CHECK_INT(h.total, e.total);
    model_free(m);
}

TEST(run_refuses_70b_at_once)
{
    const char *p = tmp("r1-70b-run.gguf");
    if (write_70b(p))
        SKIP("cannot write a sparse file here");
    /* Pretend the host has 16 GiB free, so the test means the same on any machine. */
    setenv("MODEL_MEMORY_LIMIT", "16G", 1);
    CHECK(memory_available() == 16ull << 30);
    const char *argv[] = { "run", "--raw", "-n", "1", p, "hello", NULL };
    long f0 = faults();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cmd_run(6, argv);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long df = faults() - f0;
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("    refused in %.3f s with %ld page faults\n", secs, df);
    CHECK_INT(rc, 1);
    /* 40 GiB of weights would be ten million pages; the header is a few hundred KiB */
    CHECK(df < 20000);
    CHECK(secs < 10);
    unsetenv("MODEL_MEMORY_LIMIT");
}

TEST(memory_available_reads_the_host)
{
    unsetenv("MODEL_MEMORY_LIMIT");
    uint64_t a = memory_available();
    CHECK(a > (16ull << 20)); /* the test itself is running: at least some memory is free */
    setenv("MODEL_MEMORY_LIMIT", "1.5G", 1);
    CHECK_INT(memory_available(), 3ull << 29);
    setenv("MODEL_MEMORY_LIMIT", "4096", 1);
    CHECK_INT(memory_available(), 4096);
    unsetenv("MODEL_MEMORY_LIMIT");
    char buf[32];
    CHECK_STR(memory_format(3ull << 29, buf, sizeof buf), "1.50 GiB");
}

TEST(threads_give_identical_logits)
{
    const char *p = fixture_path("models/tiny-q4_k_m.gguf");
    struct model *m = model_open(&p, 1);
    if (!m)
        SKIP("tiny-q4_k_m.gguf missing");
    int32_t toks[12] = { 1024, 5, 77, 300, 12, 900, 1035, 44, 45, 46, 1036, 1037 };
    size_t nv = m->hp.n_vocab;
    float *a = malloc(12 * nv * sizeof *a), *b = malloc(12 * nv * sizeof *b);
    struct forward_state *s1 = forward_state_new(m, 16, 16, KV_F16), *s3 = forward_state_new(m, 16, 16, KV_F16);
    CHECK(s1 && s3 && forward_state_set_threads(s3, 3) == 0);
    CHECK(forward(s1, toks, 12, 0, 0, a) == 0 && forward(s3, toks, 12, 0, 0, b) == 0);
    CHECK(memcmp(a, b, 12 * nv * sizeof *a) == 0);
    int32_t t = 7; /* and one-token calls */
    CHECK(forward(s1, &t, 1, 12, 0, a) == 0 && forward(s3, &t, 1, 12, 0, b) == 0);
    CHECK(memcmp(a, b, nv * sizeof *a) == 0);
    CHECK(forward_state_set_threads(s3, -1) == -1);
    forward_state_free(s1);
    forward_state_free(s3);
    free(a);
    free(b);
    model_free(m);
}

/* logits of one token, from a fresh state */
static void one_token_logits(struct model *m, float *out)
{
    struct forward_state *s = forward_state_new(m, 8, 8, KV_F16);
    int32_t t = 1000;
    CHECK(s && forward(s, &t, 1, 0, 0, out) == 0);
    forward_state_free(s);
}

TEST(hugepage_copy_serves_the_same_weights)
{
    const char *p = fixture_path("models/r1-vocab-q4_k_m.gguf");
    struct model *m = model_open(&p, 1);
    if (!m)
        SKIP("r1-vocab-q4_k_m.gguf missing");
    const struct gguf *g = m->shards[0];
    const void *mapped = m->tok_embd->data;
    const uint8_t *file_data = g->base + g->data_offset;
    size_t nv = m->hp.n_vocab;
    float *a = malloc(nv * sizeof *a), *b = malloc(nv * sizeof *b);
    one_token_logits(m, a);

    /* no room for a copy: the weights stay where they are */
    setenv("MODEL_MEMORY_LIMIT", "1M", 1);
    model_use_hugepages(m, 1);
    unsetenv("MODEL_MEMORY_LIMIT");
    CHECK(m->tok_embd->data == mapped);

    if (!gguf_hugepages_available()) {
        free(a);
        free(b);
        model_free(m);
        SKIP("transparent huge pages are off on this host");
    }
    model_use_hugepages(m, 1);
    CHECK(m->tok_embd->data != mapped);
    CHECK((uintptr_t)g->hp_ % (2u << 20) == 0);
    /* every tensor moved by the same amount, every byte the file's */
    for (uint64_t t = 0; t < g->n_tensors; t++) {
        CHECK((const uint8_t *)g->tensors[t].data == (const uint8_t *)g->hp_ + g->tensors[t].offset);
        if (memcmp(g->tensors[t].data, file_data + g->tensors[t].offset, g->tensors[t].size) != 0)
            test_fail_at(__FILE__, __LINE__, "tensor %s differs from the file after the copy", g->tensors[t].name);
    }
    one_token_logits(m, b);
    CHECK(memcmp(a, b, nv * sizeof *a) == 0);
    /* a second call changes nothing */
    const void *moved = m->tok_embd->data;
    model_use_hugepages(m, 1);
    CHECK(m->tok_embd->data == moved);
    free(a);
    free(b);
    model_free(m);
}

TEST(hugepages_wanted_follows_the_environment)
{
    const char *p = fixture_path("models/r1-vocab-q4_k_m.gguf");
    unsetenv("MODEL_HUGEPAGES");
    CHECK_INT(model_hugepages_wanted(1), 1);
    CHECK_INT(model_hugepages_wanted(0), 0);
    setenv("MODEL_HUGEPAGES", "0", 1);
    CHECK_INT(model_hugepages_wanted(1), 0);
    setenv("MODEL_HUGEPAGES", "1", 1);
    CHECK_INT(model_hugepages_wanted(0), 1);
    /* and model_use_hugepages asks it: neither an off default nor MODEL_HUGEPAGES=0 copies */
    unsetenv("MODEL_HUGEPAGES");
    struct model *m = model_open(&p, 1);
    if (!m)
        SKIP("r1-vocab-q4_k_m.gguf missing");
    const void *mapped = m->tok_embd->data;
    model_use_hugepages(m, 0);
    CHECK(m->tok_embd->data == mapped);
    setenv("MODEL_HUGEPAGES", "0", 1);
    model_use_hugepages(m, 1);
    CHECK(m->tok_embd->data == mapped);
    unsetenv("MODEL_HUGEPAGES");
    model_free(m);
}
