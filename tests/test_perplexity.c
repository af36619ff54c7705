/*
 * test_perplexity.c - perplexity against llama-perplexity's on every
 * reference model (text/ppl-public.txt, -c 128 -b 128; stories260K on
 * real/tinystory-text.txt): within 0.5% in PPL, which is 0.005 in ln PPL.
 * Each model prints both numbers and the difference (for the closing note).
 *
 * Under the sanitizers each tiny model takes about fifteen seconds, so this
 * file covers F32 with an F32 KV cache (the exact recipe), one K-quant mix
 * with the default F16 cache, and stories260K;
 * tests/cli_perplexity.sh runs every reference model, r1-vocab included,
 * with the optimised build (`bin/model perplexity --json`).
 */
#include "test.h"

#include <cjson/cJSON.h>

#include "../common/err.h"
#include "../runtime/gguf.h"
#include "../runtime/perplexity.h"
#include "../runtime/tokenizer.h"

static void check_ppl(const char *ref_rel, const char *model_rel, const char *text_rel, enum kv_type kv)
{
    size_t len;
    char *json = test_read_file(fixture_path(ref_rel), &len);
    char *text = test_read_file(fixture_path(text_rel), &len);
    if (!json || !text) {
        free(json);
        free(text);
        SKIP("fixtures missing");
    }
    cJSON *ref = cJSON_Parse(json);
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(ref, "perplexity");
    double want = cJSON_GetObjectItemCaseSensitive(pp, "ppl")->valuedouble;
    int n_ctx = (int)cJSON_GetObjectItemCaseSensitive(pp, "n_ctx")->valuedouble;

    const char *path = fixture_path(model_rel);
    struct model *m = model_open(&path, 1);
    struct tokenizer *t = m ? tokenizer_load(m->meta) : NULL;
    struct forward_state *s = m ? forward_state_new(m, n_ctx, n_ctx, kv) : NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    struct ppl_result r;
    CHECK(m && t && s);
    if (m && t && s) {
        CHECK(tokenizer_encode(t, text, len, 1, 0, &ids, &n) == 0);
        int rc = perplexity_compute(s, ids, (int)n, n_ctx, tokenizer_add_bos(t) ? tokenizer_bos(t) : -1, &r, NULL,
                                    NULL);
        CHECK(rc == 0);
        if (rc == 0) {
            double rel = r.ppl / want - 1;
            printf("    %-22s PPL %.4f, llama.cpp %.4f: %+.4f%% (ln %+.5f), %d chunks, %d scored\n",
                   strrchr(model_rel, '/') + 1, r.ppl, want, 100 * rel, r.ln_ppl - log(want), r.n_chunks,
                   r.n_scored);
            CHECK(fabs(rel) < 0.005);
            CHECK(fabs(r.ln_ppl - log(want)) < 0.005);
            const cJSON *nc = cJSON_GetObjectItemCaseSensitive(pp, "n_chunks");
            if (nc)
                CHECK_INT(r.n_chunks, (int)nc->valuedouble);
        }
    } else {
        printf("    %s\n", err_msg());
    }
    free(ids);
    forward_state_free(s);
    tokenizer_free(t);
    model_free(m);
    cJSON_Delete(ref);
    free(json);
    free(text);
}


TEST(ppl_tiny_f32_kvf32)
{
    check_ppl("refs/tiny-f32.kvf32.ref.json", "models/tiny-f32.gguf", "text/ppl-public.txt", KV_F32);
}
TEST(ppl_tiny_q4_k_m)
{
    check_ppl("refs/tiny-q4_k_m.ref.json", "models/tiny-q4_k_m.gguf", "text/ppl-public.txt", KV_F16);
}
TEST(ppl_stories260k)
{
    check_ppl("real/stories260K.ref.json", "real/stories260K.gguf", "real/tinystory-text.txt", KV_F16);
}

TEST(too_short_text_is_an_error)
{
    const char *path = fixture_path("real/stories260K.gguf");
    struct model *m = model_open(&path, 1);
    if (!m)
        SKIP("stories260K.gguf missing");
    struct forward_state *s = forward_state_new(m, 128, 128, KV_F16);
    int32_t ids[200] = { 1 };
    struct ppl_result r;
    CHECK(perplexity_compute(s, ids, 200, 128, 1, &r, NULL, NULL) == -1);
    CHECK(strstr(err_msg(), "at least 256") != NULL);
    forward_state_free(s);
    model_free(m);
}
