/* test_sampler.c - greedy, the truncations (top-k, top-p, min-p), temperature,
 * the repetition penalty and seeding of runtime/sampler.c. */
#include "test.h"

#include "../runtime/sampler.h"

static struct sampler_params params(float temp, int top_k, float top_p, float min_p, uint64_t seed)
{
    struct sampler_params p;
    sampler_defaults(&p);
    p.temp = temp;
    p.top_k = top_k;
    p.top_p = top_p;
    p.min_p = min_p;
    p.repeat_penalty = 1.0f;
    p.seed = seed;
    return p;
}

/* How often each of n tokens is drawn in `draws` samples. */
static void histogram(struct sampler_params p, const float *logits, int n, int draws, int *count)
{
    struct sampler *s = sampler_new(&p, n);
    memset(count, 0, (size_t)n * sizeof *count);
    for (int i = 0; i < draws; i++)
        count[sampler_sample(s, logits)]++;
    sampler_free(s);
}

TEST(greedy_is_argmax_lowest_id_on_ties)
{
    float l[5] = { 1, 3, 2, 3, -1 };
    struct sampler_params p = params(0, 40, 0.95f, 0.05f, 1);
    struct sampler *s = sampler_new(&p, 5);
    CHECK_INT(sampler_sample(s, l), 1);
    CHECK_INT(sampler_argmax(l, 5), 1);
    sampler_free(s);
}

TEST(same_seed_same_tokens)
{
    float l[50];
    for (int i = 0; i < 50; i++)
        l[i] = (float)(i % 7) * 0.3f;
    struct sampler_params p = params(1.0f, 0, 1.0f, 0.0f, 1234);
    struct sampler *a = sampler_new(&p, 50), *b = sampler_new(&p, 50);
    p.seed = 99;
    struct sampler *c = sampler_new(&p, 50);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        int x = sampler_sample(a, l), y = sampler_sample(b, l), z = sampler_sample(c, l);
        CHECK_INT(x, y);
        differ |= x != z;
    }
    CHECK(differ);
    sampler_free(a);
    sampler_free(b);
    sampler_free(c);
}

TEST(top_k_keeps_only_k)
{
    float l[6] = { 5, 4, 3, 2, 1, 0 };
    int count[6];
    histogram(params(1.0f, 2, 1.0f, 0.0f, 7), l, 6, 2000, count);
    CHECK(count[0] > 0 && count[1] > 0);
    CHECK_INT(count[2] + count[3] + count[4] + count[5], 0);
    /* p(0)/p(1) = e: about 73% / 27% */
    CHECK_NEAR(count[0] / 2000.0, 0.731, 0.04);
}

TEST(top_p_and_min_p_cut_the_tail)
{
    /* probabilities about 0.64, 0.24, 0.09, 0.03 */
    float l[4] = { 3, 2, 1, 0 };
    int count[4];
    histogram(params(1.0f, 0, 0.85f, 0.0f, 3), l, 4, 3000, count);
    CHECK(count[0] > 0 && count[1] > 0);
    CHECK_INT(count[2] + count[3], 0);
    histogram(params(1.0f, 0, 1.0f, 0.2f, 3), l, 4, 3000, count); /* keeps p >= 0.2 * 0.64 */
    CHECK(count[1] > 0);
    CHECK_INT(count[2] + count[3], 0);
}

TEST(temperature_sharpens_and_flattens)
{
    float l[2] = { 1, 0 };
    int cold[2], hot[2];
    histogram(params(0.25f, 0, 1.0f, 0.0f, 5), l, 2, 4000, cold); /* p0 = 1/(1+e^-4) = 0.982 */
    histogram(params(4.0f, 0, 1.0f, 0.0f, 5), l, 2, 4000, hot);   /* p0 = 1/(1+e^-0.25) = 0.562 */
    CHECK_NEAR(cold[0] / 4000.0, 0.982, 0.015);
    CHECK_NEAR(hot[0] / 4000.0, 0.562, 0.04);
}

TEST(repetition_penalty_discourages_recent_tokens)
{
    float l[3] = { 2.0f, 1.9f, -1.0f };
    struct sampler_params p = params(0, 0, 1.0f, 0.0f, 1);
    p.repeat_penalty = 1.5f;
    p.repeat_last_n = 2;
    struct sampler *s = sampler_new(&p, 3);
    CHECK_INT(sampler_sample(s, l), 0);
    sampler_accept(s, 0); /* 2.0 / 1.5 < 1.9 */
    CHECK_INT(sampler_sample(s, l), 1);
    sampler_accept(s, 2);
    sampler_accept(s, 2); /* token 0 falls out of the last 2 */
    CHECK_INT(sampler_sample(s, l), 0);
    sampler_free(s);
}

TEST(bad_parameters_are_errors)
{
    struct sampler_params p = params(1, 0, 1, 0, 1);
    p.repeat_penalty = 0;
    CHECK(sampler_new(&p, 10) == NULL);
    p = params(1, 0, 1, 0, 1);
    CHECK(sampler_new(&p, 0) == NULL);
}
