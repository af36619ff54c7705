/*
 * cpu.h - which SIMD level the kernels use, chosen once at start-up.
 *
 * Levels: scalar (the reference), avx2 (AVX2 + FMA + F16C), avx512
 * (AVX-512 F/BW/VL/DQ/VNNI/BF16). The best level the CPU and OS support is
 * used unless MODEL_CPU=scalar|avx2|avx512 asks for a lower one; a level the
 * CPU lacks is never chosen (the request is capped at the best available).
 */
#ifndef KERNELS_CPU_H
#define KERNELS_CPU_H

enum kern_cpu_level {
    KERN_CPU_SCALAR = 0,
    KERN_CPU_AVX2 = 1,
    KERN_CPU_AVX512 = 2,
};

/* The best level this CPU, OS and build support. */
int kern_cpu_best(void);

/* The level in use. */
int kern_cpu_level(void);

/* "scalar", "avx2", "avx512" */
const char *kern_cpu_level_name(int level);

/*
 * Switch every type's vec_dot to `level` (for tests and benchmarks; not while
 * other threads compute). 0, or -1 + err_set when the CPU lacks the level.
 */
int kern_cpu_use(int level);

#endif
