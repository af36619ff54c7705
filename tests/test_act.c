/*
 * test_act.c - the AVX-512 SiLU and softmax (kernels/act_avx512.c) give the
 * scalar references' bits on random data, lengths with and without a tail,
 * and the saturating ends of exp; and the references compute what they say.
 */
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

#include "../kernels/act.h"
#include "../kernels/cpu.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float uniform(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

TEST(expf_close_to_libm)
{
    double worst = 0;
    for (int i = 0; i < 10000; i++) {
        float x = uniform(-80.f, 80.f);
        double rel = fabs((double)kern_expf(x) - exp((double)x)) / exp((double)x);
        worst = rel > worst ? rel : worst;
    }
    CHECK(worst < 1e-6);
    CHECK(kern_expf(-1000.f) == 0.0f);
    CHECK(isinf(kern_expf(1000.f)));
    CHECK(kern_expf(0.f) == 1.0f);
}

TEST(silu_and_softmax_references)
{
    float x[3] = { 0.f, 2.f, -2.f };
    kern_silu_ref(x, 3);
    CHECK_NEAR(x[0], 0.0, 1e-7);
    CHECK_NEAR(x[1], 2.0 / (1.0 + exp(-2.0)), 1e-6);
    CHECK_NEAR(x[2], -2.0 / (1.0 + exp(2.0)), 1e-6);
    float p[40];
    double sum = 0;
    for (int i = 0; i < 40; i++)
        p[i] = (float)i / 10.f;
    kern_softmax_ref(p, 40, 2.0f);
    for (int i = 0; i < 40; i++)
        sum += p[i];
    CHECK_NEAR(sum, 1.0, 1e-5);
    CHECK_NEAR(p[39] / p[38], exp(0.2), 1e-5);
}

TEST(avx512_same_bits_as_reference)
{
    if (kern_cpu_best() < KERN_CPU_AVX512)
        SKIP("this CPU has no AVX-512");
    const int before = kern_cpu_level();
    CHECK_INT(kern_cpu_use(KERN_CPU_AVX512), 0);
    const int lens[] = { 1, 7, 15, 16, 17, 33, 64, 100, 257, 1024, 8192 };
    float *a = malloc(8192 * sizeof *a), *b = malloc(8192 * sizeof *b);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        int n = lens[li];
        for (int rep = 0; rep < 4; rep++) {
            /* rep 3 reaches the saturated ends of exp (|n| > 192) and subnormal results */
            float range = rep == 3 ? 200.f : rep == 2 ? 30.f : 6.f;
            for (int i = 0; i < n; i++)
                a[i] = b[i] = uniform(-range, range);
            kern_silu_ref(a, n);
            kern_silu(b, n);
            CHECK(memcmp(a, b, (size_t)n * sizeof *a) == 0);
            for (int i = 0; i < n; i++)
                a[i] = b[i] = uniform(-range, range);
            kern_softmax_ref(a, n, 0.125f);
            kern_softmax(b, n, 0.125f);
            CHECK(memcmp(a, b, (size_t)n * sizeof *a) == 0);
        }
    }
    float big[16], bigr[16];
    for (int i = 0; i < 16; i++)
        big[i] = bigr[i] = i % 2 ? 150.f : -150.f; /* exp(-x) saturates: silu(x) = x or -0 */
    kern_silu_ref(bigr, 16);
    kern_silu(big, 16);
    CHECK(memcmp(big, bigr, sizeof big) == 0);
    kern_cpu_use(before);
    free(a);
    free(b);
}
