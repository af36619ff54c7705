/*
 * act.c - the scalar references of act.h and the dispatch to the AVX-512
 * twins in act_avx512.c.
 */
#include "act.h"

#include <math.h>

#include "cpu.h"

void kern_silu_avx512(float *x, int n);
void kern_softmax_avx512(float *p, int n, float scale);

/*
 * ggml_v_expf (after ARM's optimized routine): n = round(x / ln 2), the
 * reduced argument b = x - n ln 2 in two steps, a degree-5 polynomial in b,
 * scaled by 2^n; |n| > 192 saturates to 0 or infinity. libm's expf differs
 * in the last bit now and then, and such a bit can flip the rounding of a
 * quantized activation further on.
 */
float kern_expf(float x)
{
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f)
        return n <= 0.0f ? 0.0f : INFINITY;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    return ldexpf(j, (int)n);
}

/* The sum of 16 lanes in the order of _mm512_reduce_add_ps: halves, then quarters, then pairs. */
static float reduce16(const float *v)
{
    float t8[8], t4[4];
    for (int i = 0; i < 8; i++)
        t8[i] = v[i + 8] + v[i];
    for (int i = 0; i < 4; i++)
        t4[i] = t8[i + 4] + t8[i];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

void kern_softmax_ref(float *p, int n, float scale)
{
    float max = -INFINITY;
    for (int j = 0; j < n; j++) {
        p[j] *= scale;
        if (p[j] > max)
            max = p[j];
    }
    double sum = 0.0;
    for (int j0 = 0; j0 < n; j0 += 16) {
        float lane[16] = { 0 };
        for (int l = 0; l < 16 && j0 + l < n; l++)
            lane[l] = p[j0 + l] = kern_expf(p[j0 + l] - max);
        sum += (double)reduce16(lane);
    }
    const float inv = (float)(1.0 / sum);
    for (int j = 0; j < n; j++)
        p[j] *= inv;
}

void kern_silu_ref(float *x, int n)
{
    int i = 0;
    for (; i + 15 < n; i += 16)
        for (int l = i; l < i + 16; l++)
            x[l] = x[l] / (1.0f + kern_expf(0.0f - x[l]));
    for (; i < n; i++)
        x[i] = x[i] / (1.0f + expf(-x[i]));
}

void kern_silu(float *x, int n)
{
    if (kern_cpu_level() >= KERN_CPU_AVX512)
        kern_silu_avx512(x, n);
    else
        kern_silu_ref(x, n);
}

void kern_softmax(float *p, int n, float scale)
{
    if (kern_cpu_level() >= KERN_CPU_AVX512)
        kern_softmax_avx512(p, n, scale);
    else
        kern_softmax_ref(p, n, scale);
}
