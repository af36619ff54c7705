/*
 * tokenizer-spm.c - SentencePiece BPE (`tokenizer.ggml.model = llama`) as
 * llama.cpp runs it (llm_tokenizer_spm): the text, spaces already turned
 * into U+2581, starts as one symbol per UTF-8 character; the adjacent pair
 * whose concatenation is a token with the highest score is merged (ties: the
 * leftmost), until no pair forms a token. A final symbol that is not a token
 * is written as its bytes, <0xXX> tokens ("byte fallback"), or as the unknown
 * token when the vocabulary has no byte tokens.
 */
#include "bigram-heap.h"
#include "tokenizer-impl.h"

#include "../common/err.h"

#include <stdlib.h>
#include <string.h>

static int try_bigram(const struct tokenizer *t, const char *text, const struct sym *syms, int left, int right,
                      struct bigram_heap *h)
{
    if (left < 0 || right < 0)
        return 0;
    uint32_t size = syms[left].n + syms[right].n;
    int32_t id = tok_lookup(t, text + syms[left].off, size);
    if (id < 0)
        return 0;
    return bigram_heap_push(h, (struct bigram){ left, right, -t->score[id], syms[left].n, syms[right].n });
}

int spm_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_ids *out)
{
    if (len == 0)
        return 0;
    struct sym *syms = malloc(len * sizeof(*syms));
    struct bigram_heap h = { 0 };
    int rc = -1;
    if (!syms) {
        err_set("out of memory");
        goto done;
    }
    int ns = sym_split_utf8(syms, text, len);
    for (int i = 1; i < ns; i++)
        if (try_bigram(t, text, syms, i - 1, i, &h))
            goto done;
    while (h.n) {
        struct bigram b = bigram_heap_pop(&h);
        if (!sym_merge(syms, b))
            continue;
        const struct sym *l = &syms[b.left];
        if (try_bigram(t, text, syms, l->prev, b.left, &h) || try_bigram(t, text, syms, b.left, l->next, &h))
            goto done;
    }
    /* Every merged symbol is a token; only single characters can miss. */
    for (int i = 0; i != -1; i = syms[i].next) {
        int32_t id = tok_lookup(t, text + syms[i].off, syms[i].n);
        if (id >= 0) {
            if (tok_ids_push(out, id))
                goto done;
            continue;
        }
        for (uint32_t j = 0; j < syms[i].n; j++) {
            id = t->byte_token[(unsigned char)text[syms[i].off + j]];
            if (id < 0)
                id = t->unk;
            if (id < 0) {
                err_set("character not in the vocabulary, which has neither byte tokens nor an unknown token");
                goto done;
            }
            if (tok_ids_push(out, id))
                goto done;
        }
    }
    rc = 0;
done:
    free(syms);
    bigram_heap_free(&h);
    return rc;
}
