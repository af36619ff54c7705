/* strbuf.c - growing NUL-terminated buffers (see strbuf.h). */
#include "strbuf.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>

int strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return err_set("out of memory");
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

char *strbuf_take(struct strbuf *b)
{
    char *p = b->p ? b->p : strdup("");
    memset(b, 0, sizeof *b);
    return p;
}
