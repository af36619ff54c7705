/*
 * test_parity_levels.c - the fast paths against llama.cpp: every dispatch
 * level (MODEL_CPU=scalar, avx2, avx512, as far as this CPU has them) with
 * 1 and 2 threads, on every fixture of test_parity.c but cheaper:
 *
 *   - the logits of a whole sequence with 2 threads are the same bits as
 *     with 1 thread (what llama.cpp's own outputs were, fixtures README);
 *   - the argmax at every position and the last position's top 50 against
 *     llama.cpp (tolerances and near-tie rule as in test_parity.c);
 *   - the greedy continuation, one token per call, for 8 steps.
 *
 * test_parity.c does the full comparison at the default level with one
 * thread; this file only needs one sequence per model and level.
 */
#include "test.h"
#include "parity.h"

#include <cjson/cJSON.h>
#include <time.h>

#include "../common/err.h"
#include "../kernels/cpu.h"
#include "../kernels/threadpool.h"
#include "../runtime/forward.h"
#include "../runtime/model.h"
#include "../runtime/sampler.h"

#define GREEDY_STEPS 8

/* Every position's logits of toks with the state's threads, then GREEDY_STEPS greedy tokens into greedy[]. */
static int run_sequence(struct forward_state *s, const int32_t *toks, int n, int n_vocab, float *logits,
                        int32_t *greedy)
{
    if (forward(s, toks, n, 0, 0, logits))
        return -1;
    float *step = malloc((size_t)n_vocab * sizeof *step);
    memcpy(step, logits + (size_t)(n - 1) * n_vocab, (size_t)n_vocab * sizeof *step);
    for (int i = 0; i < GREEDY_STEPS; i++) {
        greedy[i] = sampler_argmax(step, n_vocab);
        if (i + 1 < GREEDY_STEPS && forward(s, &greedy[i], 1, n + i, 0, step)) {
            free(step);
            return -1;
        }
    }
    free(step);
    return 0;
}

/* One model at the current level: 1 thread vs 2 threads, and both against llama.cpp. */
static void check_model(const char *ref_rel, const char *model_rel, enum kv_type kv, struct kern_pool *pool2)
{
    cJSON *ref;
    struct model *m;
    if (parity_open(ref_rel, model_rel, &ref, &m))
        return;
    const int n_vocab = (int)m->hp.n_vocab;
    const double rel_tol = parity_rel_tol(m);
    const char *level = kern_cpu_level_name(kern_cpu_level());
    const clock_t t0 = clock();

    /* the longest sequence: the most positions and the longest attention */
    const cJSON *seqs = item(ref, "sequences"), *seq = NULL, *e;
    cJSON_ArrayForEach(e, seqs)
    if (!seq || cJSON_GetArraySize(item(e, "tokens")) > cJSON_GetArraySize(item(seq, "tokens")))
        seq = e;
    int n, na, ng;
    int32_t *toks = int_array(item(seq, "tokens"), &n);
    int32_t *apa = int_array(item(seq, "all_pos_argmax"), &na);
    int32_t *ref_greedy = int_array(item(seq, "greedy"), &ng);
    const cJSON *margins = item(seq, "greedy_margin");
    int n_ctx = n + GREEDY_STEPS;
    struct forward_state *s1 = forward_state_new(m, n_ctx, n, kv), *s2 = forward_state_new(m, n_ctx, n, kv);
    float *l1 = malloc((size_t)n * n_vocab * sizeof *l1), *l2 = malloc((size_t)n * n_vocab * sizeof *l2);
    int32_t g1[GREEDY_STEPS], g2[GREEDY_STEPS];
    CHECK(s1 && s2 && forward_state_set_pool(s2, pool2) == 0);
    CHECK(s2 && s2->n_threads == 2);
    if (!s1 || !s2 || run_sequence(s1, toks, n, n_vocab, l1, g1) || run_sequence(s2, toks, n, n_vocab, l2, g2)) {
        test_fail_at(__FILE__, __LINE__, "%s at %s: forward: %s", model_rel, level, err_msg());
        goto out;
    }

    /* threads change nothing */
    if (memcmp(l1, l2, (size_t)n * n_vocab * sizeof *l1) || memcmp(g1, g2, sizeof g1))
        test_fail_at(__FILE__, __LINE__, "%s at %s: 2 threads give other logits than 1", model_rel, level);

    /* the spread of llama.cpp's last logits, for the tolerance */
    const double tol = rel_tol * parity_spread(seq), excuse = tol > NEAR_TIE ? tol : NEAR_TIE;
    const float *last = l2 + (size_t)(n - 1) * n_vocab;
    double worst = 0;
    cJSON_ArrayForEach(e, item(seq, "top50"))
    {
        int id = (int)cJSON_GetArrayItem(e, 0)->valuedouble;
        double d = fabs(last[id] - cJSON_GetArrayItem(e, 1)->valuedouble);
        worst = d > worst ? d : worst;
    }
    if (worst > tol)
        test_fail_at(__FILE__, __LINE__, "%s at %s: top-50 logit off by %.3g (tol %.3g)", model_rel, level, worst,
                     tol);

    /* decisions closer than NEAR_TIE are not compared; a difference within the logit tolerance is excused */
    int checked = 0;
    CHECK_INT(na, n);
    for (int i = 0; i < n && i < na; i++) {
        const float *l = l2 + (size_t)i * n_vocab;
        if (near_tie(l, n_vocab, NEAR_TIE))
            continue;
        checked++;
        if (sampler_argmax(l, n_vocab) != apa[i] && !near_tie(l, n_vocab, excuse))
            test_fail_at(__FILE__, __LINE__, "%s at %s: position %d: argmax %d, llama.cpp %d", model_rel, level, i,
                         sampler_argmax(l, n_vocab), apa[i]);
    }
    int same = 0;
    for (int i = 0; i < GREEDY_STEPS && i < ng; i++) {
        double margin = cJSON_GetArrayItem(margins, i)->valuedouble;
        if (margin < NEAR_TIE || (g2[i] != ref_greedy[i] && margin < excuse))
            break;
        if (g2[i] != ref_greedy[i]) {
            test_fail_at(__FILE__, __LINE__, "%s at %s: greedy step %d gives %d, llama.cpp %d", model_rel, level, i,
                         g2[i], ref_greedy[i]);
            break;
        }
        same++;
    }
    printf("    %-7s %-22s 1 = 2 threads; top-50 max |dlogit| %.2g (tol %.2g); argmax %d/%d; greedy %d; %.2fs\n",
           level, strrchr(model_rel, '/') + 1, worst, tol, checked, n, same, (double)(clock() - t0) / CLOCKS_PER_SEC);
out:
    free(l1);
    free(l2);
    free(toks);
    free(apa);
    free(ref_greedy);
    forward_state_free(s1);
    forward_state_free(s2);
    model_free(m);
    cJSON_Delete(ref);
}

static const struct {
    const char *ref, *model;
    enum kv_type kv;
} fixtures[] = {
    { "refs/tiny-f32.ref.json", "models/tiny-f32.gguf", KV_F16 },
    { "refs/tiny-f32.kvf32.ref.json", "models/tiny-f32.gguf", KV_F32 },
    { "refs/tiny-f16.ref.json", "models/tiny-f16.gguf", KV_F16 },
    { "refs/tiny-bf16.ref.json", "models/tiny-bf16.gguf", KV_F16 },
    { "refs/tiny-q8_0.ref.json", "models/tiny-q8_0.gguf", KV_F16 },
    { "refs/tiny-q6_k.ref.json", "models/tiny-q6_k.gguf", KV_F16 },
    { "refs/tiny-q5_k_m.ref.json", "models/tiny-q5_k_m.gguf", KV_F16 },
    { "refs/tiny-q4_k_m.ref.json", "models/tiny-q4_k_m.gguf", KV_F16 },
    { "refs/tiny-q4_0.ref.json", "models/tiny-q4_0.gguf", KV_F16 },
    { "refs/tiny-q3_k_m.ref.json", "models/tiny-q3_k_m.gguf", KV_F16 },
    { "refs/tiny-q2_k.ref.json", "models/tiny-q2_k.gguf", KV_F16 },
    { "refs/tiny-iq2_xxs.ref.json", "models/tiny-iq2_xxs.gguf", KV_F16 },
    { "refs/r1-vocab-q4_k_m.ref.json", "models/r1-vocab-q4_k_m.gguf", KV_F16 },
    { "real/stories260K.ref.json", "real/stories260K.gguf", KV_F16 },
};

/* Every fixture at `level`, then back to the level in use before. */
static void check_level(int level)
{
    if (level > kern_cpu_best())
        SKIP("this CPU lacks the level");
    const int before = kern_cpu_level();
    struct kern_pool *pool = kern_pool_new(2);
    CHECK(pool != NULL);
    CHECK(kern_cpu_use(level) == 0);
    for (size_t i = 0; pool && i < sizeof fixtures / sizeof fixtures[0]; i++) {
        /* 128256 Q6_K output rows through the scalar reference under ASAN take half a minute; its types
           are tiny-q4_k_m's, which runs at every level */
        if (level == KERN_CPU_SCALAR && strstr(fixtures[i].model, "r1-vocab")) {
            printf("    scalar  r1-vocab-q4_k_m.gguf   not at this level (its types: tiny-q4_k_m.gguf)\n");
            continue;
        }
        check_model(fixtures[i].ref, fixtures[i].model, fixtures[i].kv, pool);
    }
    kern_cpu_use(before);
    kern_pool_free(pool);
}

TEST(scalar_1_and_2_threads) { check_level(KERN_CPU_SCALAR); }
TEST(avx2_1_and_2_threads) { check_level(KERN_CPU_AVX2); }
TEST(avx512_1_and_2_threads) { check_level(KERN_CPU_AVX512); }

/* forward_state_set_threads: its own pool, the default count, and back to one thread. */
TEST(set_threads)
{
    const char *path = fixture_path("models/tiny-q4_k_m.gguf");
    struct model *m = model_open(&path, 1);
    if (!m)
        SKIP("fixture missing");
    struct forward_state *s = forward_state_new(m, 16, 16, KV_F16);
    CHECK(s && s->n_threads == 1 && s->pool == NULL);
    CHECK(forward_state_set_threads(s, 3) == 0);
    CHECK_INT(s->n_threads, 3);
    CHECK(s->pool != NULL);
    int32_t toks[5] = { 1, 2, 3, 4, 5 };
    float *a = malloc(5 * m->hp.n_vocab * sizeof *a), *b = malloc(5 * m->hp.n_vocab * sizeof *b);
    CHECK(forward(s, toks, 5, 0, 0, a) == 0);
    CHECK(forward_state_set_threads(s, 1) == 0);
    CHECK(s->pool == NULL);
    CHECK(forward(s, toks, 5, 0, 0, b) == 0);
    CHECK(memcmp(a, b, 5 * m->hp.n_vocab * sizeof *a) == 0);
    CHECK(forward_state_set_threads(s, -1) == -1);
    CHECK(forward_state_set_threads(s, 0) == 0);
    CHECK_INT(s->n_threads, kern_physical_cores());
    CHECK(kern_physical_cores() >= 1);
    free(a);
    free(b);
    forward_state_free(s);
    model_free(m);
}
