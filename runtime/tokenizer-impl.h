/*
 * tokenizer-impl.h - the inside of struct tokenizer, shared by tokenizer.c
 * (loading, special tokens, decoding), tokenizer-bpe.c and tokenizer-spm.c.
 * Not for use outside runtime/tokenizer*.c.
 */
#ifndef RUNTIME_TOKENIZER_IMPL_H
#define RUNTIME_TOKENIZER_IMPL_H

#include "tokenizer.h"

#include <stddef.h>
#include <stdint.h>

#define TOK_MAX_REGEX 4

/* A growable list of ids, the output of the encoders. */
struct tok_ids {
    int32_t *v;
    size_t n, cap;
};
int tok_ids_push(struct tok_ids *a, int32_t id);

/* Open-addressing hash from token text to id (-1: empty slot). */
struct tok_hash {
    int32_t *slot;
    uint64_t mask;
};

struct tokenizer {
    enum tokenizer_kind kind;
    int32_t n_vocab;

    /* Per token: vocabulary text (NUL-terminated, in text_arena), decoded
     * bytes (in piece_arena), score and type. */
    char *text_arena;
    uint32_t *text_off, *text_len;
    char *piece_arena;
    uint32_t *piece_off, *piece_len;
    float *score;
    uint8_t *type;
    uint8_t *eog;
    struct tok_hash by_text;

    /* CONTROL, USER_DEFINED and UNKNOWN tokens, longest text first: cut out
     * of the text before the model's own algorithm runs. */
    int32_t *specials;
    int32_t n_specials;

    int32_t bos, eos, eot, eom, unk, pad;
    int add_bos, add_eos, add_space_prefix;

    /* BPE: merges "left right" by rank (index), hashed on the pair. */
    char *merge_arena;
    uint32_t *merge_off; /* left at merge_arena+off, right right after it */
    uint16_t *merge_llen, *merge_rlen;
    uint32_t n_merges;
    struct tok_hash merge_hash;
    int ignore_merges;
    void *regex[TOK_MAX_REGEX]; /* pcre2_code_8 * */
    int n_regex;
    char pre[64];
    char warning[256];

    /* SPM: the <0xXX> token of each byte (-1 if none). */
    int32_t byte_token[256];
};

uint64_t tok_hash_bytes(const char *s, size_t n, uint64_t h);
#define TOK_HASH_SEED 0xcbf29ce484222325ULL

/* The id whose text is s[0..n-1], or -1. */
int32_t tok_lookup(const struct tokenizer *t, const char *s, size_t n);

/* BPE (tokenizer-bpe.c). */
int bpe_setup(struct tokenizer *t, const struct gguf *g);
void bpe_free(struct tokenizer *t);
/* The bytes a byte-mapped vocabulary text stands for, appended to out
 * (out must have room for n bytes). Returns the byte count. */
size_t bpe_unmap(const char *s, size_t n, char *out);
int bpe_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_ids *out);

/* SentencePiece (tokenizer-spm.c): text already has spaces as U+2581. */
int spm_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_ids *out);

#endif
