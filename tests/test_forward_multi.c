/*
 * test_forward_multi.c - several sequences in one forward_multi pass give
 * each sequence the logits it gets alone (forward()), prompts of different
 * lengths and then generation steps side by side, with 1 and 2 threads;
 * and the checks on its arguments.
 */
#include "test.h"

#include "../common/err.h"
#include "../kernels/threadpool.h"
#include "../runtime/forward.h"
#include "../runtime/model.h"
#include "../runtime/sampler.h"

#define NSEQ 3
#define STEPS 6

static const int32_t prompts[NSEQ][9] = { { 1, 5, 9, 200, 31, 7, 7, 64, 3 }, { 1, 800, 2 }, { 1, 17 } };
static const int plen[NSEQ] = { 9, 3, 2 };

/* Largest |a - b| over n values. */
static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d = fabs((double)a[i] - b[i]) > d ? fabs((double)a[i] - b[i]) : d;
    return d;
}

static void check_model(const char *rel, double tol, int threads)
{
    const char *path = fixture_path(rel);
    struct model *m = model_open(&path, 1);
    if (!m)
        SKIP("fixture missing");
    const int V = (int)m->hp.n_vocab, n_ctx = 32;
    struct forward_state *alone[NSEQ], *batched[NSEQ];
    struct kern_pool *pool = threads > 1 ? kern_pool_new(threads) : NULL;
    for (int i = 0; i < NSEQ; i++) {
        alone[i] = forward_state_new(m, n_ctx, n_ctx, KV_F16);
        batched[i] = forward_state_new(m, n_ctx, n_ctx, KV_F16);
        CHECK(alone[i] && batched[i]);
        CHECK(forward_state_set_pool(alone[i], pool) == 0 && forward_state_set_pool(batched[i], pool) == 0);
    }
    float *la = malloc((size_t)NSEQ * 9 * V * sizeof *la), *lb = malloc((size_t)NSEQ * 9 * V * sizeof *lb);
    double worst = 0;

    /* the prompts: every position's logits, all three in one call (work: the first sequence's state) */
    struct forward_seq seqs[NSEQ];
    for (int i = 0; i < NSEQ; i++) {
        CHECK(forward(alone[i], prompts[i], plen[i], 0, 0, la + (size_t)i * 9 * V) == 0);
        seqs[i] = (struct forward_seq){ batched[i], prompts[i], plen[i], 0, 0, lb + (size_t)i * 9 * V };
    }
    CHECK(forward_multi(batched[0], seqs, NSEQ) == 0);
    for (int i = 0; i < NSEQ; i++) {
        double d = max_diff(la + (size_t)i * 9 * V, lb + (size_t)i * 9 * V, (size_t)plen[i] * V);
        worst = d > worst ? d : worst;
    }

    /* generation: each sequence's greedy token, one row per sequence, at different positions */
    int32_t tok[NSEQ];
    for (int step = 0; step < STEPS; step++) {
        for (int i = 0; i < NSEQ; i++) {
            const float *last = la + ((size_t)i * 9 + (step ? 0 : plen[i] - 1)) * V;
            tok[i] = sampler_argmax(last, V);
            CHECK_INT(sampler_argmax(lb + ((size_t)i * 9 + (step ? 0 : plen[i] - 1)) * V, V), tok[i]);
        }
        for (int i = 0; i < NSEQ; i++) {
            CHECK(forward(alone[i], &tok[i], 1, plen[i] + step, 0, la + (size_t)i * 9 * V) == 0);
            seqs[i] = (struct forward_seq){ batched[i], &tok[i], 1, plen[i] + step, 0, lb + (size_t)i * 9 * V };
        }
        CHECK(forward_multi(batched[1], seqs, NSEQ) == 0);
        for (int i = 0; i < NSEQ; i++) {
            double d = max_diff(la + (size_t)i * 9 * V, lb + (size_t)i * 9 * V, (size_t)V);
            worst = d > worst ? d : worst;
        }
    }
    printf("    %-22s %d thread(s): batched vs alone max |dlogit| %.3g\n", strrchr(rel, '/') + 1, threads, worst);
    CHECK(worst <= tol);

    /* a sequence may ask for no logits; errors: a shared state, too many rows, a full context */
    seqs[0] = (struct forward_seq){ batched[0], prompts[0], 1, 0, 1, NULL };
    CHECK(forward_multi(batched[0], seqs, 1) == 0);
    seqs[1] = seqs[0];
    CHECK(forward_multi(batched[0], seqs, 2) == -1);
    CHECK(strstr(err_msg(), "share") != NULL);
    seqs[0].pos = n_ctx;
    CHECK(forward_multi(batched[0], seqs, 1) == -1);

    free(la);
    free(lb);
    for (int i = 0; i < NSEQ; i++) {
        forward_state_free(alone[i]);
        forward_state_free(batched[i]);
    }
    kern_pool_free(pool);
    model_free(m);
}

/*
 * Quantized weights: one row alone goes through the one-row product where
 * the level has one (kern_get_gemv, a different float order), several rows
 * through vec_dot: equal within rounding.
 */
TEST(quantized_batched_close_to_alone) { check_model("models/tiny-q4_k_m.gguf", 1e-4, 1); }
TEST(quantized_batched_close_to_alone_2_threads) { check_model("models/tiny-q4_k_m.gguf", 1e-4, 2); }
/* F32 weights: llama.cpp's order for one row differs from several rows' (kern_vec_dot_single) */
TEST(f32_batched_close_to_alone) { check_model("models/tiny-f32.gguf", 1e-4, 2); }
