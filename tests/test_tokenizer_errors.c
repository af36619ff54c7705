/* test_tokenizer_errors.c - broken tokenizer metadata and bad input text give
 * clear errors, never a crash; small hand-made vocabularies behave. */
#include "test.h"

#include "../runtime/gguf-writer.h"
#include "../runtime/gguf.h"
#include "../runtime/tokenizer.h"
#include "../runtime/utf8.h"
#include "../common/err.h"

/* A GGUF in memory holding what fill() writes. */
struct mem {
    uint8_t *buf;
    struct gguf *g;
};

static struct gguf *build(struct mem *m, void (*fill)(struct gguf_writer *))
{
    struct gguf_writer *w = gguf_writer_new(3);
    uint64_t size = 0;
    gguf_writer_str(w, "general.architecture", "llama");
    fill(w);
    m->buf = NULL;
    CHECK(gguf_writer_to_buffer(w, &m->buf, &size) == 0);
    gguf_writer_free(w);
    m->g = m->buf ? gguf_parse(m->buf, size) : NULL;
    CHECK(m->g != NULL);
    return m->g;
}

/* The tokenizer of what fill() writes, which must load; NULL when it did not. */
static struct tokenizer *load(struct mem *m, void (*fill)(struct gguf_writer *))
{
    if (!build(m, fill))
        return NULL;
    struct tokenizer *t = tokenizer_load(m->g);
    CHECK(t != NULL);
    return t;
}

static void done(struct mem *m)
{
    gguf_close(m->g);
    free(m->buf);
}

/* Load must fail with a message containing `want`. */
static void expect_load_error(void (*fill)(struct gguf_writer *), const char *want)
{
    struct mem m;
    if (!build(&m, fill))
        return;
    err_clear();
    struct tokenizer *t = tokenizer_load(m.g);
    CHECK(t == NULL);
    if (!strstr(err_msg(), want))
        test_fail_at(__FILE__, __LINE__, "error '%s' does not mention '%s'", err_msg(), want);
    tokenizer_free(t);
    done(&m);
}

static const char *const bpe_tokens[] = { "a", "b", "ab", "\xc4\xa0", "c" };
static const char *const bpe_merges[] = { "a b" };

static void bpe_no_merges(struct gguf_writer *w)
{
    gguf_writer_str(w, "tokenizer.ggml.model", "gpt2");
    gguf_writer_str(w, "tokenizer.ggml.pre", "llama-bpe");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
}

static void bpe_empty_merges(struct gguf_writer *w)
{
    bpe_no_merges(w);
    gguf_writer_arr_str(w, "tokenizer.ggml.merges", bpe_merges, 0);
}

static void bpe_merges_not_strings(struct gguf_writer *w)
{
    int32_t v[2] = { 1, 2 };
    bpe_no_merges(w);
    gguf_writer_arr(w, "tokenizer.ggml.merges", GGUF_INT32, v, 2);
}

static void no_tokens(struct gguf_writer *w)
{
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
}

static void tokens_not_strings(struct gguf_writer *w)
{
    int32_t v[3] = { 1, 2, 3 };
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr(w, "tokenizer.ggml.tokens", GGUF_INT32, v, 3);
}

static void empty_tokens(struct gguf_writer *w)
{
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 0);
}

static void scores_short(struct gguf_writer *w)
{
    float s[4] = { 0 };
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
    gguf_writer_arr(w, "tokenizer.ggml.scores", GGUF_FLOAT32, s, 4);
}

static void types_long(struct gguf_writer *w)
{
    int32_t ty[6] = { 1, 1, 1, 1, 1, 1 };
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
    gguf_writer_arr(w, "tokenizer.ggml.token_type", GGUF_INT32, ty, 6);
}

static void unknown_model(struct gguf_writer *w)
{
    gguf_writer_str(w, "tokenizer.ggml.model", "bert");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
}

static void no_model(struct gguf_writer *w)
{
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
}

static void model_not_string(struct gguf_writer *w)
{
    gguf_writer_u32(w, "tokenizer.ggml.model", 2);
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
}

TEST(bpe_without_merges_is_an_error)
{
    expect_load_error(bpe_no_merges, "no merges");
    expect_load_error(bpe_empty_merges, "no merges");
    expect_load_error(bpe_merges_not_strings, "tokenizer.ggml.merges");
}

TEST(missing_or_mistyped_token_list)
{
    expect_load_error(no_tokens, "tokenizer.ggml.tokens");
    expect_load_error(tokens_not_strings, "not an array of strings");
    expect_load_error(empty_tokens, "empty");
}

TEST(mismatched_array_lengths)
{
    expect_load_error(scores_short, "tokenizer.ggml.scores has 4 entries but there are 5 tokens");
    expect_load_error(types_long, "tokenizer.ggml.token_type has 6 entries but there are 5 tokens");
}

TEST(unknown_or_missing_tokenizer_model)
{
    expect_load_error(unknown_model, "'bert'");
    expect_load_error(no_model, "tokenizer.ggml.model");
    expect_load_error(model_not_string, "tokenizer.ggml.model");
}

static void bpe_small(struct gguf_writer *w)
{
    static const char *const merges[] = { "a b", "ab", " ", "x y z", "\xc4\xa0 a" };
    int32_t ty[5] = { 1, 1, 1, 1, 4 };
    gguf_writer_str(w, "tokenizer.ggml.model", "gpt2");
    gguf_writer_str(w, "tokenizer.ggml.pre", "no-such-pre");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", bpe_tokens, 5);
    gguf_writer_arr(w, "tokenizer.ggml.token_type", GGUF_INT32, ty, 5);
    gguf_writer_arr_str(w, "tokenizer.ggml.merges", merges, 5); /* odd entries are ignored, not fatal */
    gguf_writer_bool(w, "tokenizer.ggml.add_bos_token", 1);
    gguf_writer_u32(w, "tokenizer.ggml.bos_token_id", 999); /* out of range: no BOS */
}

TEST(unknown_pre_tokenizer_falls_back_with_a_warning)
{
    struct mem m;
    struct tokenizer *t = load(&m, bpe_small);
    if (t) {
        CHECK(tokenizer_warning(t) && strstr(tokenizer_warning(t), "no-such-pre"));
        CHECK_STR(tokenizer_pre(t), "default");
        int32_t *ids;
        size_t n;
        /* 'c' is USER_DEFINED: matched first, even without special parsing. */
        CHECK(tokenizer_encode(t, "abcab", 5, 0, 0, &ids, &n) == 0);
        CHECK_INT(n, 3);
        if (n == 3)
            CHECK(ids[0] == 2 && ids[1] == 4 && ids[2] == 2);
        free(ids);
        /* "Ġa" is not a token: the merge result stays unknown, its bytes drop. */
        CHECK(tokenizer_encode(t, " a", 2, 0, 0, &ids, &n) == 0);
        free(ids);
        CHECK_INT(tokenizer_bos(t), -1);
        CHECK(tokenizer_encode(t, "ab", 2, 1, 0, &ids, &n) == -1);
        CHECK(strstr(err_msg(), "BOS") != NULL);
        CHECK(ids == NULL);
    }
    tokenizer_free(t);
    done(&m);
}

static void spm_small(struct gguf_writer *w)
{
    static const char *const toks[] = { "<unk>", "<s>", "</s>", "", "\xe2\x96\x81", "h", "i", "\xe2\x96\x81hi",
                                          "\xe2\x96\x81h" };
    float sc[9] = { 0, 0, 0, 0, -1, -2, -2, -0.5f, -1.5f };
    int32_t ty[9] = { 2, 3, 3, 1, 1, 1, 1, 1, 1 };
    gguf_writer_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_arr_str(w, "tokenizer.ggml.tokens", toks, 9);
    gguf_writer_arr(w, "tokenizer.ggml.scores", GGUF_FLOAT32, sc, 9);
    gguf_writer_arr(w, "tokenizer.ggml.token_type", GGUF_INT32, ty, 9);
    gguf_writer_i32(w, "tokenizer.ggml.padding_token_id", -1);
}

TEST(spm_without_byte_tokens_uses_unk)
{
    struct mem m;
    struct tokenizer *t = load(&m, spm_small);
    if (t) {
        int32_t *ids;
        size_t n;
        CHECK(tokenizer_encode(t, "hi\xc3\xa9", 4, 1, 0, &ids, &n) == 0);
        /* BOS, "▁h" then "▁hi" merged, then é (2 bytes, no byte tokens) as unk twice */
        CHECK_INT(n, 4);
        if (n == 4)
            CHECK(ids[0] == 1 && ids[1] == 7 && ids[2] == 0 && ids[3] == 0);
        free(ids);
        size_t len;
        CHECK_STR(tokenizer_token_text(t, 3, &len), "[EMPTY_3]");
        CHECK_INT(tokenizer_pad(t), -1);
    }
    tokenizer_free(t);
    done(&m);
}

TEST(invalid_utf8_is_refused)
{
    struct gguf *g = gguf_open(fixture_path("models/tiny-f32.gguf"));
    if (!g)
        SKIP("tiny-f32.gguf missing");
    struct tokenizer *t = tokenizer_load(g);
    CHECK(t != NULL);
    static const char *const bad[] = {
        "\xff", "abc\x80", "a\xe4\xbd", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe4\xbd\xa0\xe5", "\xc2",
    };
    for (size_t i = 0; t && i < sizeof(bad) / sizeof(bad[0]); i++) {
        int32_t *ids = (int32_t *)1;
        size_t n = 7;
        err_clear();
        CHECK(tokenizer_encode(t, bad[i], strlen(bad[i]), 1, 1, &ids, &n) == -1);
        CHECK(ids == NULL && n == 0);
        CHECK(strstr(err_msg(), "not valid UTF-8") != NULL);
    }
    int32_t *ids;
    size_t n;
    /* NUL bytes are text like any other. */
    CHECK(t && tokenizer_encode(t, "a\0b", 3, 0, 0, &ids, &n) == 0);
    if (t) {
        CHECK_INT(n, 3);
        free(ids);
    }
    tokenizer_free(t);
    gguf_close(g);
}

/* Random well-formed text through both kinds: no crash, exact round trip. */
TEST(random_text_round_trips)
{
    const char *models[] = { "models/r1-vocab-q4_k_m.gguf", "real/stories260K.gguf" };
    unsigned seed = 12345;
    for (int mi = 0; mi < 2; mi++) {
        struct gguf *g = gguf_open(fixture_path(models[mi]));
        if (!g)
            SKIP("fixture missing");
        struct tokenizer *t = tokenizer_load(g);
        CHECK(t != NULL);
        for (int iter = 0; t && iter < 200; iter++) {
            char text[512];
            size_t len = 0;
            int nchars = (int)(rand_r(&seed) % 60);
            for (int c = 0; c < nchars; c++) {
                uint32_t cp, r = (uint32_t)rand_r(&seed) % 10;
                if (r < 4)
                    cp = 0x20 + (uint32_t)rand_r(&seed) % 0x5f; /* ASCII */
                else if (r < 5)
                    cp = " \n\t\r"[rand_r(&seed) % 4];
                else if (r < 8)
                    cp = 0x80 + (uint32_t)rand_r(&seed) % 0x3000;
                else
                    cp = 0x10000 + (uint32_t)rand_r(&seed) % 0x20000;
                if ((cp >= 0xD800 && cp < 0xE000) || cp == 0x2581)
                    cp = 'x';
                len += utf8_encode(cp, text + len);
            }
            int32_t *ids;
            size_t n;
            char *out;
            size_t out_len;
            CHECK(tokenizer_encode(t, text, len, 0, 0, &ids, &n) == 0);
            CHECK(tokenizer_decode(t, ids, n, TOKENIZER_DECODE_STRIP_SPACE, &out, &out_len) == 0);
            if (out_len != len || memcmp(out, text, len))
                test_fail_at(__FILE__, __LINE__, "%s: random text %d does not round-trip", models[mi], iter);
            free(out);
            free(ids);
        }
        tokenizer_free(t);
        gguf_close(g);
    }
}

/* The pre-tokenizer runs PCRE2 with its UTF check off, trusting
 * utf8_validate(): both must agree on every byte string. Random bytes biased
 * towards the tricky lead and continuation values. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

TEST(utf8_validation_agrees_with_pcre2)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "x", 1, PCRE2_UTF, &errcode, &erroff, NULL);
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    CHECK(re && md);
    static const unsigned char interesting[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                                 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1,
                                                 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff };
    unsigned seed = 7;
    int disagreements = 0, n_valid = 0;
    for (int iter = 0; re && md && iter < 20000; iter++) {
        unsigned char s[8];
        size_t n = 1 + (size_t)rand_r(&seed) % 6;
        for (size_t i = 0; i < n; i++)
            s[i] = interesting[(size_t)rand_r(&seed) % sizeof(interesting)];
        int ours = utf8_validate((const char *)s, n, NULL) == 0;
        int rc = pcre2_match(re, s, n, 0, 0, md, NULL);
        int theirs = !(rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21);
        n_valid += ours;
        if (ours != theirs && disagreements++ < 5) {
            fprintf(stderr, "  disagree on");
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, " %02x", s[i]);
            fprintf(stderr, ": ours %d, pcre2 %d (rc %d)\n", ours, theirs, rc);
        }
    }
    CHECK_INT(disagreements, 0);
    CHECK(n_valid > 100);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}
