/* bigram-heap.c - binary min-heap of candidate merges and the symbol chain (see bigram-heap.h). */
#include "bigram-heap.h"

#include "utf8.h"
#include "../common/err.h"

#include <stdlib.h>

static int before(const struct bigram *a, const struct bigram *b)
{
    return a->key < b->key || (a->key == b->key && a->left < b->left);
}

int bigram_heap_push(struct bigram_heap *h, struct bigram b)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct bigram *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return err_set("out of memory");
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&b, &h->v[p]))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = b;
    return 0;
}

struct bigram bigram_heap_pop(struct bigram_heap *h)
{
    struct bigram top = h->v[0], last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

void bigram_heap_free(struct bigram_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

int sym_split_utf8(struct sym *syms, const char *text, size_t len)
{
    int ns = 0;
    for (size_t off = 0; off < len; ns++) {
        size_t cl = utf8_lead_len((unsigned char)text[off]);
        if (cl > len - off)
            cl = len - off;
        syms[ns] = (struct sym){ ns - 1, off + cl == len ? -1 : ns + 1, (uint32_t)off, (uint32_t)cl };
        off += cl;
    }
    return ns;
}

int sym_merge(struct sym *syms, struct bigram b)
{
    struct sym *l = &syms[b.left], *r = &syms[b.right];
    if (l->n == 0 || r->n == 0 || l->n != b.ln || r->n != b.rn)
        return 0;
    l->n += r->n;
    r->n = 0;
    l->next = r->next;
    if (r->next >= 0)
        syms[r->next].prev = b.left;
    return 1;
}
