/*
 * prefetch.h - software prefetch that the compiler keeps.
 *
 * GCC 12 at -O2 deletes __builtin_prefetch (and _mm_prefetch) of an address
 * it computes past the object it came from, as the gemv kernels' "this row,
 * 6 KiB ahead" addresses are: the kernels were built with no prefetch at
 * all. An asm statement is opaque to dead-code elimination; prefetching
 * never faults, so addresses past the end of the weights are harmless.
 */
#ifndef KERN_PREFETCH_H
#define KERN_PREFETCH_H

static inline __attribute__((always_inline)) void kern_prefetch(const void *p)
{
    __asm__ volatile("prefetcht0 (%0)" : : "r"(p));
}

static inline __attribute__((always_inline)) void kern_prefetch_l2(const void *p)
{
    __asm__ volatile("prefetcht1 (%0)" : : "r"(p));
}

#endif
