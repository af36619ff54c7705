/*
 * jinja-strings.c - Python's str operations on UTF-8 text, for the filters
 * and methods of jinja-builtins.c and jinja-filters.c: strip with Python's
 * notion of whitespace (Unicode spaces included), split/rsplit, replace,
 * startswith/endswith, case mapping (ASCII letters only) and HTML escaping.
 */
#include "jinja-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t ju_decode(const char *s, size_t n, size_t i, size_t *len)
{
    unsigned char b = (unsigned char)s[i];
    size_t l = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + l > n)
        l = 1;
    uint32_t cp = l == 1 ? b : l == 2 ? b & 0x1F : l == 3 ? b & 0x0F : b & 0x07;
    for (size_t k = 1; k < l; k++)
        cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
    *len = l;
    return cp;
}

static int is_py_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

/* Length of the whitespace run starting at i (0 when none). */
static size_t space_at(const char *s, size_t n, size_t i)
{
    size_t l;
    uint32_t cp = ju_decode(s, n, i, &l);
    return is_py_space(cp) ? l : 0;
}

/* Length of the whitespace character ending at j (exclusive), 0 when none. */
static size_t space_before(const char *s, size_t j)
{
    size_t i = j - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && j - i < 4)
        i--;
    size_t l;
    uint32_t cp = ju_decode(s, j, i, &l);
    return (i + l == j && is_py_space(cp)) ? l : 0;
}

static int in_chars(const char *s, size_t n, size_t i, const struct jstr *chars, size_t *len)
{
    uint32_t cp = ju_decode(s, n, i, len);
    for (size_t k = 0; k < chars->n;) {
        size_t l;
        if (ju_decode(chars->p, chars->n, k, &l) == cp)
            return 1;
        k += l;
    }
    return 0;
}

/* str.strip(chars) with which: 1 left, 2 right, 3 both. */
struct jval jstr_strip(struct jctx *c, struct jval v, struct jval chars, int which)
{
    const char *p = v.u.s->p;
    size_t a = 0, b = v.u.s->n, l;
    const struct jstr *cs = chars.t == JT_STR ? chars.u.s : NULL;
    if (which & 1)
        while (a < b && (cs ? in_chars(p, b, a, cs, &l) : (l = space_at(p, b, a)) != 0))
            a += l;
    if (which & 2) {
        while (b > a) {
            size_t i = b - 1;
            while (i > a && ((unsigned char)p[i] & 0xC0) == 0x80)
                i--;
            if (cs ? in_chars(p, b, i, cs, &l) : space_before(p, b) != 0)
                b = i;
            else
                break;
        }
    }
    return jv_str(c, p + a, b - a);
}

static char lower_c(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch; }
static char upper_c(char ch) { return ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch; }
static int is_alpha_c(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

struct jval jstr_case(struct jctx *c, struct jval v, int mode)
{
    /* mode 0 lower, 1 upper, 2 str.title, 3 capitalize, 4 the title filter */
    struct jval r = jv_str(c, v.u.s->p, v.u.s->n);
    char *p = r.u.s->p;
    int prev_letter = 0, word_start = 1;
    for (size_t i = 0; i < r.u.s->n; i++) {
        char ch = p[i];
        switch (mode) {
        case 0: p[i] = lower_c(ch); break;
        case 1: p[i] = upper_c(ch); break;
        case 2:
            if (is_alpha_c(ch))
                p[i] = prev_letter ? lower_c(ch) : upper_c(ch);
            prev_letter = is_alpha_c(ch) || ((unsigned char)ch >= 0x80);
            break;
        case 3: p[i] = i == 0 ? upper_c(ch) : lower_c(ch); break;
        case 4:
            if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v' || ch == '-' ||
                ch == '(' || ch == '{' || ch == '[' || ch == '<') {
                word_start = 1;
            } else {
                p[i] = word_start ? upper_c(ch) : lower_c(ch);
                word_start = 0;
            }
            break;
        }
    }
    return r;
}

struct jval jstr_replace(struct jctx *c, struct jval s, struct jval old, struct jval new, int64_t count)
{
    jv_need_str(c, old, "replace() argument 1");
    jv_need_str(c, new, "replace() argument 2");
    struct jbuf b = { 0 };
    const char *p = s.u.s->p;
    size_t n = s.u.s->n, on = old.u.s->n, i = 0;
    int64_t done = 0;
    if (on == 0) {                         /* Python inserts `new` between characters */
        for (; i <= n; ) {
            if (count < 0 || done < count) {
                jb_put(c, &b, new.u.s->p, new.u.s->n);
                done++;
            }
            if (i == n)
                break;
            size_t l;
            ju_decode(p, n, i, &l);
            jb_put(c, &b, p + i, l);
            i += l;
        }
        return jv_str(c, b.p ? b.p : "", b.n);
    }
    while (i < n) {
        const char *hit = (count < 0 || done < count) ? memmem(p + i, n - i, old.u.s->p, on) : NULL;
        if (!hit) {
            jb_put(c, &b, p + i, n - i);
            break;
        }
        jb_put(c, &b, p + i, (size_t)(hit - (p + i)));
        jb_put(c, &b, new.u.s->p, new.u.s->n);
        i = (size_t)(hit - p) + on;
        done++;
    }
    return jv_str(c, b.p ? b.p : "", b.n);
}

struct jval jstr_escape_html(struct jctx *c, struct jval v)
{
    struct jbuf b = { 0 };
    for (size_t i = 0; i < v.u.s->n; i++) {
        char ch = v.u.s->p[i];
        const char *r = ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : ch == '"' ? "&#34;" :
                        ch == '\'' ? "&#39;" : NULL;
        if (r)
            jb_put(c, &b, r, strlen(r));
        else
            jb_putc(c, &b, ch);
    }
    return jv_str(c, b.p ? b.p : "", b.n);
}

/* Where the whitespace from i ends: the start of the next word, n when none. */
static size_t skip_space(const char *p, size_t n, size_t i)
{
    size_t l;
    while (i < n && (l = space_at(p, n, i)))
        i += l;
    return i;
}

/* Where the word that starts at i ends. */
static size_t skip_word(const char *p, size_t n, size_t i)
{
    while (i < n && !space_at(p, n, i))
        i++;
    return i;
}

/* str.split and str.rsplit (from_right); maxsplit < 0: no limit. */
struct jval jstr_split(struct jctx *c, struct jval s, struct jval sep, int64_t maxsplit, int from_right)
{
    struct jval r = jv_list(c, 0);
    const char *p = s.u.s->p;
    size_t n = s.u.s->n;
    if (sep.t == JT_NONE || sep.t == JT_UNDEF) {     /* runs of whitespace, no empty parts */
        if (from_right) {
            /* collect left-to-right then merge the head when maxsplit limits */
            struct jval all = jstr_split(c, s, sep, -1, 0);
            if (maxsplit < 0 || (size_t)maxsplit >= all.u.l->n)
                return all;
            size_t keep = (size_t)maxsplit;
            /* the head is everything up to the start of the (n-keep)th word, right-stripped */
            size_t words = all.u.l->n, idx = 0, i = 0, start_tail = n;
            while ((i = skip_space(p, n, i)) < n) {
                if (idx == words - keep) {
                    start_tail = i;
                    break;
                }
                i = skip_word(p, n, i);
                idx++;
            }
            struct jval head = jstr_strip(c, jv_str(c, p, start_tail), jv_none(), 3);
            jl_push(c, r.u.l, head);
            for (size_t k = words - keep; k < words; k++)
                jl_push(c, r.u.l, all.u.l->v[k]);
            return r;
        }
        size_t i = 0;
        int64_t splits = 0;
        while ((i = skip_space(p, n, i)) < n) {
            if (maxsplit >= 0 && splits >= maxsplit) {
                struct jval rest = jstr_strip(c, jv_str(c, p + i, n - i), jv_none(), 2);
                jl_push(c, r.u.l, rest);
                return r;
            }
            size_t st = i;
            i = skip_word(p, n, i);
            jl_push(c, r.u.l, jv_str(c, p + st, i - st));
            splits++;
        }
        return r;
    }
    jv_need_str(c, sep, "separator");
    size_t sn = sep.u.s->n;
    if (sn == 0)
        jthrow(c, "empty separator");
    if (from_right && maxsplit >= 0) {
        /* find split points from the right */
        size_t *cuts = ja_alloc(c->arena, ((size_t)maxsplit + 1) * sizeof(*cuts));
        size_t nc = 0, end = n;
        while (nc < (size_t)maxsplit && end >= sn) {
            size_t i = end - sn;
            int found = 0;
            for (;; i--) {
                if (memcmp(p + i, sep.u.s->p, sn) == 0) {
                    found = 1;
                    break;
                }
                if (i == 0)
                    break;
            }
            if (!found)
                break;
            cuts[nc++] = i;
            end = i;
        }
        size_t prev = 0;
        for (size_t k = nc; k-- > 0;) {
            jl_push(c, r.u.l, jv_str(c, p + prev, cuts[k] - prev));
            prev = cuts[k] + sn;
        }
        jl_push(c, r.u.l, jv_str(c, p + prev, n - prev));
        return r;
    }
    size_t i = 0;
    int64_t splits = 0;
    for (;;) {
        const char *hit = (maxsplit < 0 || splits < maxsplit) ? memmem(p + i, n - i, sep.u.s->p, sn) : NULL;
        if (!hit) {
            jl_push(c, r.u.l, jv_str(c, p + i, n - i));
            return r;
        }
        jl_push(c, r.u.l, jv_str(c, p + i, (size_t)(hit - (p + i))));
        i = (size_t)(hit - p) + sn;
        splits++;
    }
}

int jstr_affix(struct jctx *c, struct jval s, struct jval x, int end)
{
    if (x.t == JT_LIST) {
        for (size_t i = 0; i < x.u.l->n; i++)
            if (jstr_affix(c, s, x.u.l->v[i], end))
                return 1;
        return 0;
    }
    jv_need_str(c, x, end ? "endswith() argument" : "startswith() argument");
    size_t n = s.u.s->n, k = x.u.s->n;
    if (k > n)
        return 0;
    return memcmp(s.u.s->p + (end ? n - k : 0), x.u.s->p, k) == 0;
}
