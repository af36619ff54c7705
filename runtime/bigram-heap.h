/*
 * bigram-heap.h - the priority queue both tokenizers merge from, and the
 * chain of symbols they merge.
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

/* A symbol: n bytes at off in the text being merged, in a doubly linked
 * chain (-1 ends it). A symbol merged into its left neighbour has n = 0. */
struct sym {
    int prev, next;
    uint32_t off, n;
};

/* Cut text[0..len) into one symbol per UTF-8 character (by lead byte; a
 * character cut short by the end is one symbol), chained in order, into
 * syms (room for len). Returns the count. */
int sym_split_utf8(struct sym *syms, const char *text, size_t len);

/* Merge the pair b into its left symbol; 0 without change when the pair is
 * stale (either symbol changed since b was queued), 1 when merged. */
int sym_merge(struct sym *syms, struct bigram b);

#endif
