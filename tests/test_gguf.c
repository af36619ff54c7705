/* test_gguf.c - the GGUF reader on the fixtures, on files the writer makes, and on hostile input. */
#include "test.h"
#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/gguf-writer.h"

#include <stdint.h>

TEST(reads_tiny_f32_fixture)
{
    struct gguf *g = gguf_open(fixture_path("models/tiny-f32.gguf"));
    CHECK(g != NULL);
    if (!g)
        return;
    uint32_t dim = 0, layers = 0;
    struct gguf_str arch = { 0 };
    CHECK_INT(g->version, 3);
    CHECK_INT(gguf_get_str(g, "general.architecture", &arch), 0);
    CHECK(gguf_str_eq(arch, "llama"));
    CHECK_INT(gguf_get_u32(g, "llama.embedding_length", &dim), 0);
    CHECK_INT(dim, 256);
    CHECK_INT(gguf_get_u32(g, "llama.block_count", &layers), 0);
    CHECK_INT(layers, 2);
    CHECK_INT(g->n_tensors, 2 + 9 * 2 + 2);
    const struct gguf_tensor *t = gguf_find_tensor(g, "blk.1.ffn_down.weight");
    CHECK(t != NULL);
    if (t) {
        CHECK_INT(t->ne[0], 512);
        CHECK_INT(t->ne[1], 256);
        CHECK_INT(t->type, GGML_TYPE_F32);
        CHECK_INT(t->size, 512 * 256 * 4);
        CHECK((const uint8_t *)t->data + t->size <= g->base + g->size);
    }
    const struct gguf_array *toks = NULL;
    CHECK_INT(gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_STRING, &toks), 0);
    CHECK(toks && toks->n == 1040);
    /* wrong-type access is an error, absence is 1 */
    CHECK_INT(gguf_get_u32(g, "general.architecture", &dim), -1);
    CHECK_INT(gguf_get_u32(g, "no.such.key", &dim), 1);
    gguf_close(g);
}

TEST(reads_every_fixture_model)
{
    static const char *const names[] = {
        "models/tiny-f16.gguf", "models/tiny-bf16.gguf", "models/tiny-q8_0.gguf", "models/tiny-q6_k.gguf",
        "models/tiny-q5_k_m.gguf", "models/tiny-q4_k_m.gguf", "models/tiny-q4_0.gguf", "models/tiny-q3_k_m.gguf",
        "models/tiny-q2_k.gguf", "models/tiny-iq2_xxs.gguf", "models/r1-vocab-q4_k_m.gguf",
        "real/stories260K.gguf", "vocab/ggml-vocab-llama-spm.gguf",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct gguf *g = gguf_open(fixture_path(names[i]));
        if (!g)
            test_fail_at(__FILE__, __LINE__, "%s: %s", names[i], err_msg());
        gguf_close(g);
    }
}

TEST(reads_stories_v3_and_v1_alike)
{
    struct gguf *g3 = gguf_open(fixture_path("real/stories260K.gguf"));
    struct gguf *g1 = gguf_open(fixture_path("real/tinyllamas-stories-260k-f32.gguf"));
    CHECK(g3 && g1);
    if (!g3 || !g1) {
        gguf_close(g3);
        gguf_close(g1);
        return;
    }
    CHECK_INT(g1->version, 1);
    CHECK_INT(g3->alignment, 32); /* general.alignment absent */
    const struct gguf_tensor *a = gguf_find_tensor(g3, "token_embd.weight");
    const struct gguf_tensor *b = gguf_find_tensor(g1, "token_embd.weight");
    CHECK(a && b);
    if (a && b) {
        CHECK_INT(a->ne[0], 64);
        CHECK_INT(a->ne[1], 512);
        CHECK_INT(b->size, a->size);
        CHECK(memcmp(a->data, b->data, (size_t)a->size) == 0);
    }
    const struct gguf_array *s3, *s1;
    CHECK_INT(gguf_get_arr(g3, "tokenizer.ggml.tokens", GGUF_STRING, &s3), 0);
    CHECK_INT(gguf_get_arr(g1, "tokenizer.ggml.tokens", GGUF_STRING, &s1), 0);
    CHECK_INT(s3->n, 512);
    CHECK_INT(s1->n, 512);
    gguf_close(g3);
    gguf_close(g1);
}

/* A small file with every value type, a nested array and two tensors. */
static struct gguf_writer *sample_writer(uint32_t version)
{
    struct gguf_writer *w = gguf_writer_new(version);
    static const int32_t ints[] = { 1, -2, 3 };
    static const float floats[] = { 0.5f, 1.5f };
    static const char *const strs[] = { "a", "", "ccc" };
    gguf_writer_str(w, "general.architecture", "llama");
    gguf_writer_u32(w, "u32", 7);
    gguf_writer_i32(w, "i32", -7);
    gguf_writer_u64(w, "u64", 1ull << 40);
    gguf_writer_f32(w, "f32", 0.25f);
    gguf_writer_bool(w, "bool", 1);
    gguf_writer_arr(w, "ints", GGUF_INT32, ints, 3);
    gguf_writer_arr(w, "floats", GGUF_FLOAT32, floats, 2);
    gguf_writer_arr_str(w, "strs", strs, 3);
    float data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (float)i - 31.5f;
    int64_t ne1[] = { 16, 4 }, ne2[] = { 8 };
    gguf_writer_tensor(w, "a.weight", GGML_TYPE_F32, 2, ne1, data);
    gguf_writer_tensor(w, "b.weight", GGML_TYPE_F32, 1, ne2, data + 8);
    return w;
}

TEST(writer_round_trip_all_types)
{
    for (uint32_t version = 1; version <= 3; version++) {
        struct gguf_writer *w = sample_writer(version);
        uint8_t *buf;
        uint64_t size;
        CHECK_INT(gguf_writer_to_buffer(w, &buf, &size), 0);
        gguf_writer_free(w);
        struct gguf *g = gguf_parse(buf, size);
        CHECK(g != NULL);
        if (g) {
            uint32_t u32 = 0;
            int32_t i32 = 0;
            uint64_t u64 = 0;
            float f = 0;
            int b = 0;
            const struct gguf_array *a;
            CHECK_INT(gguf_get_u32(g, "u32", &u32), 0);
            CHECK_INT(u32, 7);
            CHECK_INT(gguf_get_i32(g, "i32", &i32), 0);
            CHECK_INT(i32, -7);
            CHECK_INT(gguf_get_u32(g, "i32", &u32), -1); /* negative is not unsigned */
            CHECK_INT(gguf_get_u64(g, "u64", &u64), 0);
            CHECK_INT(u64, 1ull << 40);
            CHECK_INT(gguf_get_u32(g, "u64", &u32), -1); /* out of range */
            CHECK_INT(gguf_get_f32(g, "f32", &f), 0);
            CHECK_NEAR(f, 0.25, 0);
            CHECK_INT(gguf_get_bool(g, "bool", &b), 0);
            CHECK_INT(b, 1);
            CHECK_INT(gguf_get_arr(g, "ints", GGUF_INT32, &a), 0);
            CHECK_INT(gguf_arr_i64(a, 1), -2);
            CHECK_INT(gguf_get_arr(g, "floats", GGUF_FLOAT32, &a), 0);
            CHECK_NEAR(gguf_arr_f64(a, 1), 1.5, 0);
            CHECK_INT(gguf_get_arr(g, "strs", GGUF_STRING, &a), 0);
            CHECK(a->n == 3 && gguf_str_eq(a->strs[2], "ccc") && a->strs[1].len == 0);
            const struct gguf_tensor *t = gguf_find_tensor(g, "b.weight");
            CHECK(t && t->size == 32 && ((const float *)t->data)[0] == 8 - 31.5f);
            CHECK(((uintptr_t)t->data - (uintptr_t)buf) % 32 == 0);
            char *s = gguf_value_to_string(gguf_get(g, "strs"), 50);
            CHECK_STR(s, "[\"a\", \"\", \"ccc\"]");
            free(s);
            s = gguf_value_to_string(gguf_get(g, "ints"), 2);
            CHECK(s == NULL); /* more than max_items: left out */
            s = gguf_value_to_string(gguf_get(g, "f32"), 50);
            CHECK_STR(s, "0.25");
            free(s);
            gguf_close(g);
        }
        free(buf);
    }
}

TEST(every_truncation_is_a_clean_error)
{
    struct gguf_writer *w = sample_writer(3);
    uint8_t *buf;
    uint64_t size;
    gguf_writer_to_buffer(w, &buf, &size);
    gguf_writer_free(w);
    int failures = 0;
    for (uint64_t n = 0; n < size; n++) {
        /* copy into an exact-size allocation so ASAN sees any overread */
        uint8_t *p = malloc(n ? n : 1);
        memcpy(p, buf, n);
        struct gguf *g = gguf_parse(p, n);
        if (g) {
            failures++;
            gguf_close(g);
        } else if (!err_msg()[0]) {
            failures++;
        }
        free(p);
    }
    CHECK_INT(failures, 0);
    free(buf);
}

/* Parses a buffer built by hand and expects an error mentioning `want`. */
static void expect_error(const uint8_t *data, size_t len, const char *want, int line)
{
    uint8_t *p = malloc(len);
    memcpy(p, data, len);
    err_clear();
    struct gguf *g = gguf_parse(p, len);
    if (g) {
        test_fail_at(__FILE__, line, "parsed, expected an error about '%s'", want);
        gguf_close(g);
    } else if (!strstr(err_msg(), want)) {
        test_fail_at(__FILE__, line, "error '%s' does not mention '%s'", err_msg(), want);
    }
    free(p);
}

struct raw {
    uint8_t b[512];
    size_t n;
};
static void raw_put(struct raw *r, const void *p, size_t n)
{
    memcpy(r->b + r->n, p, n);
    r->n += n;
}
static void raw_u32(struct raw *r, uint32_t v) { raw_put(r, &v, 4); }
static void raw_u64(struct raw *r, uint64_t v) { raw_put(r, &v, 8); }
static void raw_str(struct raw *r, const char *s)
{
    raw_u64(r, strlen(s));
    raw_put(r, s, strlen(s));
}
static void raw_head(struct raw *r, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
    r->n = 0;
    raw_put(r, "GGUF", 4);
    raw_u32(r, version);
    raw_u64(r, n_tensors);
    raw_u64(r, n_kv);
}

TEST(hostile_headers_are_refused)
{
    struct raw r;
    expect_error((const uint8_t *)"GGML\3\0\0\0", 8, "not a GGUF file", __LINE__);
    raw_head(&r, 4, 0, 0);
    expect_error(r.b, r.n, "unsupported GGUF version 4", __LINE__);
    raw_head(&r, 3, 0, UINT64_MAX);
    expect_error(r.b, r.n, "key/values cannot fit", __LINE__);
    raw_head(&r, 3, UINT64_MAX / 2, 0);
    expect_error(r.b, r.n, "tensor infos cannot fit", __LINE__);
    /* a string claiming 2^63 bytes */
    raw_head(&r, 3, 0, 1);
    raw_str(&r, "k");
    raw_u32(&r, GGUF_STRING);
    raw_u64(&r, 1ull << 63);
    expect_error(r.b, r.n, "truncated", __LINE__);
    /* an array claiming 2^60 uint32 elements */
    raw_head(&r, 3, 0, 1);
    raw_str(&r, "k");
    raw_u32(&r, GGUF_ARRAY);
    raw_u32(&r, GGUF_UINT32);
    raw_u64(&r, 1ull << 60);
    expect_error(r.b, r.n, "exceeds the file", __LINE__);
    /* unknown value type */
    raw_head(&r, 3, 0, 1);
    raw_str(&r, "k");
    raw_u32(&r, 99);
    expect_error(r.b, r.n, "unknown value type", __LINE__);
    /* arrays nested 9 deep */
    raw_head(&r, 3, 0, 1);
    raw_str(&r, "k");
    raw_u32(&r, GGUF_ARRAY);
    for (int i = 0; i < 9; i++) {
        raw_u32(&r, GGUF_ARRAY);
        raw_u64(&r, 1);
    }
    raw_u32(&r, GGUF_UINT8);
    raw_u64(&r, 0);
    expect_error(r.b, r.n, "nested deeper", __LINE__);
    /* duplicate key */
    raw_head(&r, 3, 0, 2);
    raw_str(&r, "k");
    raw_u32(&r, GGUF_UINT32);
    raw_u32(&r, 1);
    raw_str(&r, "k");
    raw_u32(&r, GGUF_UINT32);
    raw_u32(&r, 2);
    expect_error(r.b, r.n, "duplicate key", __LINE__);
    /* alignment that is not a power of two */
    raw_head(&r, 3, 0, 1);
    raw_str(&r, "general.alignment");
    raw_u32(&r, GGUF_UINT32);
    raw_u32(&r, 24);
    expect_error(r.b, r.n, "power-of-two", __LINE__);
}

/* One tensor info with the given fields after an empty key/value section. */
static void raw_tensor(struct raw *r, const char *name, uint32_t n_dims, const uint64_t *ne, uint32_t type,
                       uint64_t offset)
{
    raw_head(r, 3, 1, 0);
    raw_str(r, name);
    raw_u32(r, n_dims);
    for (uint32_t i = 0; i < n_dims; i++)
        raw_u64(r, ne[i]);
    raw_u32(r, type);
    raw_u64(r, offset);
    while (r->n % 32)
        r->b[r->n++] = 0;
}

TEST(hostile_tensor_infos_are_refused)
{
    struct raw r;
    uint64_t ne[5] = { 32, 2, 1, 1, 1 };
    raw_tensor(&r, "t", 5, ne, GGML_TYPE_F32, 0);
    expect_error(r.b, r.n, "5 dimensions", __LINE__);
    raw_tensor(&r, "t", 2, ne, 77, 0);
    expect_error(r.b, r.n, "unknown type id 77", __LINE__);
    raw_tensor(&r, "t", 2, ne, 4, 0); /* a retired id */
    expect_error(r.b, r.n, "unknown type id 4", __LINE__);
    uint64_t odd[2] = { 33, 1 };
    raw_tensor(&r, "t", 2, odd, GGML_TYPE_Q4_0, 0);
    expect_error(r.b, r.n, "not a multiple", __LINE__);
    raw_tensor(&r, "t", 2, ne, GGML_TYPE_F32, 8);
    expect_error(r.b, r.n, "not aligned", __LINE__);
    raw_tensor(&r, "t", 2, ne, GGML_TYPE_F32, 0); /* 256 bytes of data, none present */
    expect_error(r.b, r.n, "past the end of the file", __LINE__);
    uint64_t huge[4] = { 1ull << 40, 1ull << 40, 1ull << 40, 1 };
    raw_tensor(&r, "t", 3, huge, GGML_TYPE_F32, 0);
    expect_error(r.b, r.n, "too many elements", __LINE__);
}

TEST(header_only_parse_of_a_sparse_file)
{
    /* a 1 GiB tensor declared, only the header present: gguf_parse refuses,
     * gguf_parse_header accepts when told the real file size */
    struct gguf_writer *w = gguf_writer_new(3);
    int64_t ne[2] = { 16384, 16384 };
    gguf_writer_tensor(w, "big", GGML_TYPE_F32, 2, ne, NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/sparse.gguf", test_tmpdir());
    CHECK_INT(gguf_writer_to_file(w, path, 1), 0);
    gguf_writer_free(w);
    struct gguf *g = gguf_open(path);
    CHECK(g != NULL); /* the sparse file has its full size */
    if (g) {
        CHECK_INT(gguf_find_tensor(g, "big")->size, 1ull << 30);
        uint64_t hdr = g->data_offset;
        struct gguf *h = gguf_parse_header(g->base, hdr, g->size);
        CHECK(h != NULL);
        if (h)
            CHECK(gguf_find_tensor(h, "big")->data == NULL);
        gguf_close(h);
        CHECK(gguf_parse(g->base, hdr) == NULL);
        gguf_close(g);
    }
}

TEST(random_corruption_never_crashes)
{
    size_t len;
    char *file = test_read_file(fixture_path("real/stories260K.gguf"), &len);
    CHECK(file != NULL);
    if (!file)
        return;
    size_t hdr = len < 20000 ? len : 20000; /* the key/values and tensor infos */
    uint64_t seed = 12345;
    for (int iter = 0; iter < 300; iter++) {
        uint8_t *p = malloc(hdr);
        memcpy(p, file, hdr);
        for (int k = 0; k < 4; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            p[8 + (seed >> 33) % (hdr - 8)] ^= (uint8_t)(1u << ((seed >> 20) & 7));
        }
        struct gguf *g = gguf_parse_header(p, hdr, len);
        gguf_close(g);
        free(p);
    }
    free(file);
}

TEST(file_type_names)
{
    CHECK_STR(gguf_file_type_name(15), "Q4_K_M");
    CHECK_STR(gguf_file_type_name(1), "F16");
    CHECK_STR(gguf_file_type_name(19), "IQ2_XXS");
    CHECK_STR(gguf_file_type_name(32), "BF16");
    CHECK(gguf_file_type_name(4) == NULL);
    CHECK(gguf_file_type_name(1000) == NULL);
    CHECK_STR(ggml_type_name(GGML_TYPE_Q6_K), "Q6_K");
    CHECK_INT(ggml_row_size(GGML_TYPE_Q4_K, 4096), 16 * 144);
    CHECK_INT(ggml_row_size(GGML_TYPE_Q4_K, 100), 0);
}

TEST(missing_and_non_gguf_files)
{
    CHECK(gguf_open("/nonexistent/x.gguf") == NULL);
    CHECK(strstr(err_msg(), "No such file") != NULL);
    CHECK(gguf_open(fixture_path("text/ppl-public.txt")) == NULL);
    CHECK(strstr(err_msg(), "not a GGUF file") != NULL);
    CHECK(gguf_open(fixture_path("models")) == NULL);
}

TEST(writer_copies_metadata_of_a_real_file)
{
    struct gguf *src = gguf_open(fixture_path("real/stories260K.gguf"));
    CHECK(src != NULL);
    if (!src)
        return;
    struct gguf_writer *w = gguf_writer_new(3);
    for (uint64_t i = 0; i < src->n_kv; i++) {
        char *key = gguf_strdup(src->kv[i].key);
        gguf_writer_value(w, key, &src->kv[i].val);
        free(key);
    }
    uint8_t *buf;
    uint64_t size;
    gguf_writer_to_buffer(w, &buf, &size);
    gguf_writer_free(w);
    struct gguf *copy = gguf_parse(buf, size);
    CHECK(copy != NULL);
    if (copy) {
        CHECK_INT(copy->n_kv, src->n_kv);
        for (uint64_t i = 0; i < src->n_kv && i < copy->n_kv; i++) {
            char *a = gguf_value_to_string(&src->kv[i].val, UINT64_MAX);
            char *b = gguf_value_to_string(&copy->kv[i].val, UINT64_MAX);
            CHECK(a && b && !strcmp(a, b));
            CHECK_INT(copy->kv[i].val.type, src->kv[i].val.type);
            free(a);
            free(b);
        }
        gguf_close(copy);
    }
    free(buf);
    gguf_close(src);
}
