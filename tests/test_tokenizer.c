/* test_tokenizer.c - token ids identical to llama.cpp's (llama-tokenize and
 * its test-tokenizer-0 cases) for BPE and SentencePiece vocabularies. */
#include "test.h"

#include "../runtime/gguf.h"
#include "../runtime/tokenizer.h"
#include "../common/err.h"

#include <cjson/cJSON.h>

static struct tokenizer *load_tok(const char *rel, struct gguf **gp)
{
    struct gguf *g = gguf_open(fixture_path(rel));
    if (!g) {
        test_fail_at(__FILE__, __LINE__, "open %s: %s", rel, err_msg());
        return NULL;
    }
    struct tokenizer *t = tokenizer_load(g);
    if (!t)
        test_fail_at(__FILE__, __LINE__, "load %s: %s", rel, err_msg());
    *gp = g;
    return t;
}

static void print_ids(const char *what, const int32_t *v, size_t n)
{
    fprintf(stderr, "    %s:", what);
    for (size_t i = 0; i < n && i < 40; i++)
        fprintf(stderr, " %d", v[i]);
    fprintf(stderr, n > 40 ? " ...\n" : "\n");
}

/* Compare one variant; returns 1 when identical. */
static int same_ids(const struct tokenizer *t, const char *name, const char *variant, const char *text, size_t len,
                    int add_bos, int parse_special, const cJSON *want)
{
    int32_t *ids;
    size_t n;
    if (tokenizer_encode(t, text, len, add_bos, parse_special, &ids, &n)) {
        fprintf(stderr, "  %s/%s: error %s\n", name, variant, err_msg());
        return 0;
    }
    int ok = cJSON_IsArray(want) && (size_t)cJSON_GetArraySize(want) == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = cJSON_GetArrayItem(want, (int)i)->valueint == ids[i];
    if (!ok) {
        fprintf(stderr, "  %s/%s differs\n", name, variant);
        print_ids("got ", ids, n);
        int32_t w[64];
        size_t wn = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, want) if (wn < 64) w[wn++] = e->valueint;
        print_ids("want", w, wn);
    }
    free(ids);
    return ok;
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Every case of a fixture file, in its three variants. */
static void check_cases(const char *cases_rel, const char *model_rel)
{
    size_t len;
    char *json = test_read_file(fixture_path(cases_rel), &len);
    if (!json)
        SKIP("fixture missing");
    struct gguf *g = NULL;
    struct tokenizer *t = load_tok(model_rel, &g);
    cJSON *root = cJSON_Parse(json);
    CHECK(root != NULL);
    const cJSON *cases = cJSON_GetObjectItem(root, "cases");
    int n_cases = 0, passed[3] = { 0 };
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        if (!t)
            break;
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
        const char *hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "utf8_hex"));
        size_t hn = strlen(hex), n = hn / 2;
        char *text = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            text[i] = (char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
        text[n] = 0;
        passed[0] += same_ids(t, name, "ids", text, n, 1, 1, cJSON_GetObjectItem(c, "ids"));
        passed[1] += same_ids(t, name, "ids_no_bos", text, n, 0, 1, cJSON_GetObjectItem(c, "ids_no_bos"));
        passed[2] += same_ids(t, name, "ids_no_bos_no_special", text, n, 0, 0,
                              cJSON_GetObjectItem(c, "ids_no_bos_no_special"));
        free(text);
        n_cases++;
    }
    fprintf(stderr, "  %s: %d cases; identical: ids %d, ids_no_bos %d, ids_no_bos_no_special %d\n", cases_rel,
            n_cases, passed[0], passed[1], passed[2]);
    CHECK(n_cases > 0);
    CHECK_INT(passed[0], n_cases);
    CHECK_INT(passed[1], n_cases);
    CHECK_INT(passed[2], n_cases);
    cJSON_Delete(root);
    free(json);
    tokenizer_free(t);
    gguf_close(g);
}

TEST(tiny_vocab_cases)
{
    check_cases("tokenizer/tiny-tokenizer-cases.json", "models/tiny-f32.gguf");
}

TEST(r1_vocab_cases)
{
    check_cases("tokenizer/r1-vocab-tokenizer-cases.json", "models/r1-vocab-q4_k_m.gguf");
}

TEST(stories260k_spm_cases)
{
    check_cases("real/stories260K-tokenizer-cases.json", "real/stories260K.gguf");
}

/* llama.cpp's test-tokenizer-0 files: texts separated by a marker line, and
 * one line of ids per text (no BOS). */
static void check_vocab_test(const char *inp_rel, const char *model_rel)
{
    static const char sep[] = "\n__ggml_vocab_test__\n";
    size_t in_len, out_len;
    char *inp = test_read_file(fixture_path(inp_rel), &in_len);
    char out_rel[256];
    snprintf(out_rel, sizeof(out_rel), "%.*s.out", (int)strlen(inp_rel) - 4, inp_rel);
    char *out = test_read_file(fixture_path(out_rel), &out_len);
    if (!inp || !out) {
        free(inp);
        free(out);
        SKIP("fixture missing");
    }
    struct gguf *g = NULL;
    struct tokenizer *t = load_tok(model_rel, &g);
    int n_cases = 0, passed = 0;
    char *p = inp, *line = out;
    while (t && *p) {
        char *end = strstr(p, sep);
        if (!end)
            break;
        char *eol = strchr(line, '\n');
        if (!eol)
            break;
        *eol = 0;
        int32_t want[512];
        size_t wn = 0;
        for (char *q = line; *q && wn < 512;) {
            char *e;
            long v = strtol(q, &e, 10);
            if (e == q)
                break;
            want[wn++] = (int32_t)v;
            q = e;
        }
        int32_t *ids;
        size_t n;
        int ok = tokenizer_encode(t, p, (size_t)(end - p), 0, 0, &ids, &n) == 0;
        ok = ok && n == wn && !memcmp(ids, want, n * sizeof(int32_t));
        if (!ok) {
            fprintf(stderr, "  case %d '%.*s' differs\n", n_cases, (int)(end - p), p);
            print_ids("got ", ids, n);
            print_ids("want", want, wn);
        }
        free(ids);
        passed += ok;
        n_cases++;
        p = end + sizeof(sep) - 1;
        line = eol + 1;
    }
    fprintf(stderr, "  %s with %s: %d of %d cases identical\n", inp_rel, model_rel, passed, n_cases);
    CHECK_INT(n_cases, 46);
    CHECK_INT(passed, n_cases);
    free(inp);
    free(out);
    tokenizer_free(t);
    gguf_close(g);
}

TEST(llama_spm_vocab_test)
{
    check_vocab_test("vocab/ggml-vocab-llama-spm.gguf.inp", "vocab/ggml-vocab-llama-spm.gguf");
}

TEST(llama_bpe_vocab_test)
{
    check_vocab_test("vocab/ggml-vocab-llama-bpe.gguf.inp", "models/r1-vocab-q4_k_m.gguf");
}

/* The same vocabulary in a GGUF v1 file (32-bit counts and lengths). */
TEST(stories260k_gguf_v1_cases)
{
    check_cases("real/stories260K-tokenizer-cases.json", "real/tinyllamas-stories-260k-f32.gguf");
}
