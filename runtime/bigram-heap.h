/*
 * bigram-heap.h - the priority queue both tokenizers merge from.
 *
 * BPE merges the pair of lowest merge rank first, SentencePiece the pair of
 * highest score; both then take the leftmost pair, as llama.cpp does. So one
 * min-heap ordered by (key, left) serves both: BPE queues key = rank,
 * SentencePiece key = -score (ranks below 2^24 and negated scores are exact
 * in a float). A queued pair records its symbols' sizes; when either has
 * changed by the time it is popped, the pair is stale and is skipped.
 */
#ifndef RUNTIME_BIGRAM_HEAP_H
#define RUNTIME_BIGRAM_HEAP_H

#include <stddef.h>
#include <stdint.h>

struct bigram {
    int left, right;  /* symbol indices */
    float key;        /* lower pops first */
    uint32_t ln, rn;  /* sizes of the two symbols when queued */
};

struct bigram_heap {
    struct bigram *v;
    size_t n, cap;
};

/* 0, or -1 with err set when out of memory. */
int bigram_heap_push(struct bigram_heap *h, struct bigram b);
/* The first pair; h->n must be > 0. */
struct bigram bigram_heap_pop(struct bigram_heap *h);
void bigram_heap_free(struct bigram_heap *h);

#endif
