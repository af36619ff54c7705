/*
 * strbuf.h - a growing, always NUL-terminated byte buffer, for text built up
 * piece by piece (streamed answers, reasoning, tool-call markup).
 *
 *     struct strbuf b = { 0 };
 *     if (strbuf_add(&b, s, n) < 0) ...   // err_msg() says out of memory
 *     use b.p (NULL while nothing was added), b.n bytes
 *     free(b.p) or char *s = strbuf_take(&b);
 */
#ifndef COMMON_STRBUF_H
#define COMMON_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *p;
    size_t n, cap;
};

/* Append n bytes; 0, or -1 with err set (the buffer is unchanged). */
int strbuf_add(struct strbuf *b, const char *s, size_t n);

/* The text (malloc'd, "" when empty; NULL only when out of memory), leaving b empty. */
char *strbuf_take(struct strbuf *b);

#endif
