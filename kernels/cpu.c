/*
 * cpu.c - CPUID detection and the choice of kernel level (see cpu.h).
 *
 * A level needs both the instructions (CPUID) and the OS saving their
 * registers (XGETBV): a kernel that used ZMM registers the OS does not
 * preserve would corrupt state silently.
 */
#include "cpu.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "dispatch.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t a, d;
    __asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
    return (uint64_t)d << 32 | a;
}

static int detect(void)
{
#ifdef KERN_NO_SIMD
    return KERN_CPU_SCALAR;
#endif
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return KERN_CPU_SCALAR;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx)
        return KERN_CPU_SCALAR;
    const uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) /* XMM and YMM state */
        return KERN_CPU_SCALAR;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return KERN_CPU_SCALAR;
    const int avx2 = (b >> 5) & 1;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1, vnni = (c >> 11) & 1;
    unsigned a1 = 0, b1, c1, d1;
    if (a >= 1)
        __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
    const int bf16 = (a1 >> 5) & 1;
    if (!avx2 || !fma || !f16c)
        return KERN_CPU_SCALAR;
    if (f && dq && bw && vl && vnni && bf16 && (xcr0 & 0xe0) == 0xe0)
        return KERN_CPU_AVX512;
    return KERN_CPU_AVX2;
}
#else
static int detect(void)
{
    return KERN_CPU_SCALAR;
}
#endif

static int best = -1, current = KERN_CPU_SCALAR;

int kern_cpu_best(void)
{
    if (best < 0)
        best = detect();
    return best;
}

const char *kern_cpu_level_name(int level)
{
    switch (level) {
    case KERN_CPU_AVX2: return "avx2";
    case KERN_CPU_AVX512: return "avx512";
    default: return "scalar";
    }
}

static void install(int level)
{
    current = level;
    kern_types_install(level == KERN_CPU_AVX512 ? KERN_DOTS_AVX512 : level == KERN_CPU_AVX2 ? KERN_DOTS_AVX2 : NULL);
}

void kern_cpu_init(void)
{
    int level = kern_cpu_best();
    const char *env = getenv("MODEL_CPU");
    if (env && *env) {
        int want = !strcmp(env, "scalar") ? KERN_CPU_SCALAR
                   : !strcmp(env, "avx2") ? KERN_CPU_AVX2
                   : !strcmp(env, "avx512") ? KERN_CPU_AVX512
                                            : level;
        level = want < level ? want : level;
    }
    install(level);
}

int kern_cpu_level(void)
{
    ggml_get_type_traits(GGML_TYPE_F32); /* runs the one-time choice */
    return current;
}

int kern_cpu_use(int level)
{
    ggml_get_type_traits(GGML_TYPE_F32);
    if (level < KERN_CPU_SCALAR || level > kern_cpu_best())
        return err_set("kernel level %s is not supported by this CPU (best: %s)", kern_cpu_level_name(level),
                       kern_cpu_level_name(kern_cpu_best()));
    install(level);
    return 0;
}
