/*
 * jinja-value.c - the arena and the value model of the Jinja interpreter:
 * construction, truthiness, equality and ordering with Python's rules, and
 * the three text forms a value can take (str() when printed, repr() inside a
 * printed list or dict, JSON for `tojson`). The formats match what Python
 * prints, because the golden outputs come from Jinja2.
 */
#include "jinja-internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* ---- arena ---------------------------------------------------------------- */

struct jchunk {
    struct jchunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define JCHUNK 65536

void *ja_alloc(struct jarena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (n == 0)
        n = sizeof(max_align_t);
    if (a->limit && (n > a->limit || a->total > a->limit - n))
        jthrow(a->ctx, "template needs more than %zu MiB of memory", a->limit >> 20);
    struct jchunk *h = a->head;
    if (!h || h->cap - h->used < n) {
        size_t cap = n > JCHUNK / 2 ? n : JCHUNK;
        h = malloc(sizeof(*h) + cap);
        if (!h)
            jthrow(a->ctx, "out of memory");
        h->used = 0;
        h->cap = cap;
        if (cap == n && a->head) {          /* big block: keep the current chunk on top */
            h->next = a->head->next;
            a->head->next = h;
        } else {
            h->next = a->head;
            a->head = h;
        }
    }
    void *p = (char *)h->data + h->used;
    h->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *ja_strndup(struct jarena *a, const char *s, size_t n)
{
    char *p = ja_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void ja_free(struct jarena *a)
{
    struct jchunk *h = a->head;
    while (h) {
        struct jchunk *next = h->next;
        free(h);
        h = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---- errors --------------------------------------------------------------- */

void jpos_linecol(const char *src, size_t len, size_t pos, int *line, int *col)
{
    int l = 1, cl = 1;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (src[i] == '\n') {
            l++;
            cl = 1;
        } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
            cl++;
        }
    }
    *line = l;
    *col = cl;
}

static _Noreturn void vthrow(struct jctx *c, size_t pos, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    int line, col;
    jpos_linecol(c->src, c->src_len, pos, &line, &col);
    err_set("template line %d, column %d: %s", line, col, msg);
    longjmp(*c->jb, 1);
}

void jthrow(struct jctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vthrow(c, c->pos, fmt, ap);
}

void jthrow_at(struct jctx *c, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vthrow(c, pos, fmt, ap);
}

/* ---- construction ----------------------------------------------------------- */

struct jval jv_undef(const char *msg)
{
    struct jval v = { .t = JT_UNDEF };
    v.u.undef = msg;
    return v;
}
struct jval jv_none(void) { return (struct jval){ .t = JT_NONE }; }
struct jval jv_bool(int b)
{
    struct jval v = { .t = JT_BOOL };
    v.u.b = !!b;
    return v;
}
struct jval jv_int(int64_t i)
{
    struct jval v = { .t = JT_INT };
    v.u.i = i;
    return v;
}
struct jval jv_float(double f)
{
    struct jval v = { .t = JT_FLOAT };
    v.u.f = f;
    return v;
}

struct jval jv_str(struct jctx *c, const char *s, size_t n)
{
    struct jstr *p = ja_alloc(c->arena, sizeof(*p) + n + 1);
    p->n = n;
    if (n)
        memcpy(p->p, s, n);
    p->p[n] = 0;
    struct jval v = { .t = JT_STR };
    v.u.s = p;
    return v;
}

struct jval jv_cstr(struct jctx *c, const char *s) { return jv_str(c, s, strlen(s)); }

struct jval jv_list(struct jctx *c, size_t cap)
{
    struct jlist *l = ja_alloc(c->arena, sizeof(*l));
    if (cap) {
        l->v = ja_alloc(c->arena, cap * sizeof(struct jval));
        l->cap = cap;
    }
    struct jval v = { .t = JT_LIST };
    v.u.l = l;
    return v;
}

struct jval jv_dict(struct jctx *c, size_t cap)
{
    struct jdict *d = ja_alloc(c->arena, sizeof(*d));
    if (cap) {
        d->k = ja_alloc(c->arena, cap * sizeof(struct jval));
        d->v = ja_alloc(c->arena, cap * sizeof(struct jval));
        d->cap = cap;
    }
    struct jval v = { .t = JT_DICT };
    v.u.d = d;
    return v;
}

void jl_push(struct jctx *c, struct jlist *l, struct jval v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct jval *nv = ja_alloc(c->arena, cap * sizeof(*nv));
        if (l->n)
            memcpy(nv, l->v, l->n * sizeof(*nv));
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = v;
}

struct jval jl_concat(struct jctx *c, const struct jlist *a, const struct jlist *b)
{
    struct jval l = jv_list(c, a->n + b->n);
    for (size_t i = 0; i < a->n; i++)
        jl_push(c, l.u.l, a->v[i]);
    for (size_t i = 0; i < b->n; i++)
        jl_push(c, l.u.l, b->v[i]);
    return l;
}

struct jval *jd_get(const struct jdict *d, struct jval k)
{
    for (size_t i = 0; i < d->n; i++)
        if (jv_equal(d->k[i], k))
            return &d->v[i];
    return NULL;
}

struct jval *jd_get_str(const struct jdict *d, const char *k, size_t n)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->k[i].t == JT_STR && d->k[i].u.s->n == n && memcmp(d->k[i].u.s->p, k, n) == 0)
            return &d->v[i];
    return NULL;
}

void jd_set(struct jctx *c, struct jdict *d, struct jval k, struct jval v)
{
    struct jval *slot = k.t == JT_STR ? jd_get_str(d, k.u.s->p, k.u.s->n) : jd_get(d, k);
    if (slot) {
        *slot = v;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct jval *nk = ja_alloc(c->arena, cap * sizeof(*nk));
        struct jval *nv = ja_alloc(c->arena, cap * sizeof(*nv));
        if (d->n) {
            memcpy(nk, d->k, d->n * sizeof(*nk));
            memcpy(nv, d->v, d->n * sizeof(*nv));
        }
        d->k = nk;
        d->v = nv;
        d->cap = cap;
    }
    d->k[d->n] = k;
    d->v[d->n] = v;
    d->n++;
}

void jd_set_str(struct jctx *c, struct jdict *d, const char *k, struct jval v)
{
    jd_set(c, d, jv_cstr(c, k), v);
}

/* ---- predicates ------------------------------------------------------------- */

const char *jv_typename(struct jval v)
{
    switch (v.t) {
    case JT_UNDEF: return "Undefined";
    case JT_NONE: return "NoneType";
    case JT_BOOL: return "bool";
    case JT_INT: return "int";
    case JT_FLOAT: return "float";
    case JT_STR: return "str";
    case JT_LIST: return "list";
    case JT_DICT: return "dict";
    case JT_NS: return "Namespace";
    case JT_MACRO: return "Macro";
    case JT_FUNC: return "function";
    }
    return "?";
}

void jv_require(struct jctx *c, struct jval v)
{
    if (v.t == JT_UNDEF)
        jthrow(c, "%s", v.u.undef ? v.u.undef : "value is undefined");
}

int jv_truthy(struct jval v)
{
    switch (v.t) {
    case JT_UNDEF: case JT_NONE: return 0;
    case JT_BOOL: return v.u.b;
    case JT_INT: return v.u.i != 0;
    case JT_FLOAT: return v.u.f != 0.0;
    case JT_STR: return v.u.s->n != 0;
    case JT_LIST: return v.u.l->n != 0;
    case JT_DICT: return v.u.d->n != 0;
    default: return 1;
    }
}

int jv_is_number(struct jval v) { return v.t == JT_INT || v.t == JT_FLOAT || v.t == JT_BOOL; }

double jv_num(struct jval v)
{
    return v.t == JT_FLOAT ? v.u.f : v.t == JT_INT ? (double)v.u.i : v.t == JT_BOOL ? v.u.b : 0.0;
}

static int equal_at(struct jval a, struct jval b, int depth);

int jv_equal(struct jval a, struct jval b) { return equal_at(a, b, 0); }

/* Values nested deeper than any template needs compare unequal rather than
 * recursing without bound. */
static int equal_at(struct jval a, struct jval b, int depth)
{
    if (depth > JINJA_MAX_NESTING)
        return 0;
    if (jv_is_number(a) && jv_is_number(b)) {
        if (a.t != JT_FLOAT && b.t != JT_FLOAT)
            return (a.t == JT_INT ? a.u.i : a.u.b) == (b.t == JT_INT ? b.u.i : b.u.b);
        return jv_num(a) == jv_num(b);
    }
    if (a.t != b.t)
        return 0;
    switch (a.t) {
    case JT_UNDEF: case JT_NONE: return 1;
    case JT_STR: return a.u.s->n == b.u.s->n && memcmp(a.u.s->p, b.u.s->p, a.u.s->n) == 0;
    case JT_LIST:
        if (a.u.l->n != b.u.l->n)
            return 0;
        for (size_t i = 0; i < a.u.l->n; i++)
            if (!equal_at(a.u.l->v[i], b.u.l->v[i], depth + 1))
                return 0;
        return 1;
    case JT_DICT:
        if (a.u.d->n != b.u.d->n)
            return 0;
        for (size_t i = 0; i < a.u.d->n; i++) {
            struct jval *o = jd_get(b.u.d, a.u.d->k[i]);
            if (!o || !equal_at(a.u.d->v[i], *o, depth + 1))
                return 0;
        }
        return 1;
    case JT_NS: return a.u.d == b.u.d;
    case JT_MACRO: return a.u.m == b.u.m;
    case JT_FUNC: return a.u.fn.id == b.u.fn.id && a.u.fn.arg == b.u.fn.arg;
    default: return 0;
    }
}

int jv_compare(struct jctx *c, struct jval a, struct jval b)
{
    if (c->depth > JINJA_MAX_NESTING)
        jthrow(c, "values nested too deeply to compare");
    if (jv_is_number(a) && jv_is_number(b)) {
        if (a.t != JT_FLOAT && b.t != JT_FLOAT) {
            int64_t x = a.t == JT_INT ? a.u.i : a.u.b, y = b.t == JT_INT ? b.u.i : b.u.b;
            return (x > y) - (x < y);
        }
        double x = jv_num(a), y = jv_num(b);
        return (x > y) - (x < y);
    }
    if (a.t == JT_STR && b.t == JT_STR) {
        size_t n = a.u.s->n < b.u.s->n ? a.u.s->n : b.u.s->n;
        int r = n ? memcmp(a.u.s->p, b.u.s->p, n) : 0;   /* UTF-8 byte order = code point order */
        if (r)
            return r < 0 ? -1 : 1;
        return (a.u.s->n > b.u.s->n) - (a.u.s->n < b.u.s->n);
    }
    if (a.t == JT_LIST && b.t == JT_LIST) {
        for (size_t i = 0; i < a.u.l->n && i < b.u.l->n; i++) {
            if (jv_equal(a.u.l->v[i], b.u.l->v[i]))
                continue;
            c->depth++;
            int r = jv_compare(c, a.u.l->v[i], b.u.l->v[i]);
            c->depth--;
            return r;
        }
        return (a.u.l->n > b.u.l->n) - (a.u.l->n < b.u.l->n);
    }
    jv_require(c, a);
    jv_require(c, b);
    jthrow(c, "'<' not supported between instances of '%s' and '%s'", jv_typename(a), jv_typename(b));
}

/* ---- arguments and conversions --------------------------------------------- */

/* Argument i (positional) or keyword `name`; `def` when absent. */
struct jval jarg(const struct jargs *a, size_t i, const char *name, struct jval def)
{
    if (i < a->n)
        return a->v[i];
    for (size_t k = 0; k < a->nkw; k++)
        if (name && !strcmp(a->kwn[k], name))
            return a->kwv[k];
    return def;
}

int jhas_arg(const struct jargs *a, size_t i, const char *name)
{
    if (i < a->n)
        return 1;
    for (size_t k = 0; k < a->nkw; k++)
        if (name && !strcmp(a->kwn[k], name))
            return 1;
    return 0;
}

struct jval jv_need_str(struct jctx *c, struct jval v, const char *what)
{
    jv_require(c, v);
    if (v.t != JT_STR)
        jthrow(c, "%s must be a string, not %s", what, jv_typename(v));
    return v;
}

int64_t jv_need_int(struct jctx *c, struct jval v, const char *what)
{
    jv_require(c, v);
    if (v.t == JT_INT)
        return v.u.i;
    if (v.t == JT_BOOL)
        return v.u.b;
    jthrow(c, "%s must be an integer, not %s", what, jv_typename(v));
}

/* A value as the list a for loop walks: dict keys, string characters,
 * nothing for undefined. */
struct jval jv_to_list(struct jctx *c, struct jval v)
{
    switch (v.t) {
    case JT_LIST: return v;
    case JT_UNDEF: return jv_list(c, 0);
    case JT_DICT: case JT_NS: {
        struct jval l = jv_list(c, v.u.d->n);
        for (size_t i = 0; i < v.u.d->n; i++)
            jl_push(c, l.u.l, v.u.d->k[i]);
        return l;
    }
    case JT_STR: {
        struct jval l = jv_list(c, v.u.s->n);
        for (size_t i = 0; i < v.u.s->n;) {
            size_t len;
            ju_decode(v.u.s->p, v.u.s->n, i, &len);
            jl_push(c, l.u.l, jv_str(c, v.u.s->p + i, len));
            i += len;
        }
        return l;
    }
    default:
        jthrow(c, "'%s' object is not iterable", jv_typename(v));
    }
}

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t ju_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k;
}

size_t ju_offset(const char *s, size_t n, size_t cp)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (k == cp)
                return i;
            k++;
        }
    }
    return n;
}

/* ---- text forms --------------------------------------------------------------- */

void jb_put(struct jctx *c, struct jbuf *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (b == c->out && c->max_output && (n > c->max_output || b->n > c->max_output - n))
        jthrow(c, "template output is larger than %zu bytes", c->max_output);
    if (b->cap - b->n < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n + 1) {
            if (cap > SIZE_MAX / 2)
                jthrow(c, "template output too large");
            cap *= 2;
        }
        char *np = ja_alloc(c->arena, cap);
        if (b->n)
            memcpy(np, b->p, b->n);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void jb_putc(struct jctx *c, struct jbuf *b, char ch) { jb_put(c, b, &ch, 1); }

static void jb_puts(struct jctx *c, struct jbuf *b, const char *s) { jb_put(c, b, s, strlen(s)); }

/* Python's float repr: the shortest digits that read back to the same double,
 * in fixed notation for exponents -4..15 (with a ".0" when integral), else
 * scientific ("1e+16", "1.5e-05"). */
void jfmt_float(double f, char *out, size_t cap)
{
    if (isnan(f)) {
        snprintf(out, cap, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(out, cap, f < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, f);
        if (strtod(e, NULL) == f)
            break;
    }
    /* e = "[-]d.ddde[+-]XX" */
    char digits[32];
    int nd = 0, neg = 0;
    const char *p = e;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    digits[nd] = 0;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = 0;
    char buf[64];
    size_t k = 0;
    if (neg)
        buf[k++] = '-';
    if (exp >= -5 && exp < 16) {
        /* Python switches to exponent form when exp < -4 */
        if (exp < -4)
            goto sci;
        if (exp < 0) {
            buf[k++] = '0';
            buf[k++] = '.';
            for (int i = 0; i < -exp - 1; i++)
                buf[k++] = '0';
            for (int i = 0; i < nd; i++)
                buf[k++] = digits[i];
        } else {
            for (int i = 0; i <= exp; i++)
                buf[k++] = i < nd ? digits[i] : '0';
            buf[k++] = '.';
            if (nd > exp + 1)
                for (int i = exp + 1; i < nd; i++)
                    buf[k++] = digits[i];
            else
                buf[k++] = '0';
        }
        buf[k] = 0;
        snprintf(out, cap, "%s", buf);
        return;
    }
sci:
    buf[k++] = digits[0];
    if (nd > 1) {
        buf[k++] = '.';
        for (int i = 1; i < nd; i++)
            buf[k++] = digits[i];
    }
    buf[k] = 0;
    snprintf(out, cap, "%se%c%02d", buf, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static void write_str_repr(struct jctx *c, struct jbuf *b, const char *s, size_t n)
{
    int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    jb_putc(c, b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char tmp[8];
        if (ch == '\\')
            jb_put(c, b, "\\\\", 2);
        else if (ch == (unsigned char)q)
            jb_put(c, b, q == '\'' ? "\\'" : "\\\"", 2);
        else if (ch == '\n')
            jb_put(c, b, "\\n", 2);
        else if (ch == '\r')
            jb_put(c, b, "\\r", 2);
        else if (ch == '\t')
            jb_put(c, b, "\\t", 2);
        else if (ch < 0x20 || ch == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\x%02x", ch);
            jb_put(c, b, tmp, 4);
        } else
            jb_putc(c, b, (char)ch);
    }
    jb_putc(c, b, q);
}

static void write_num(struct jctx *c, struct jbuf *b, struct jval v)
{
    char tmp[64];
    if (v.t == JT_INT)
        snprintf(tmp, sizeof tmp, "%lld", (long long)v.u.i);
    else
        jfmt_float(v.u.f, tmp, sizeof tmp);
    jb_puts(c, b, tmp);
}

void jv_write_repr(struct jctx *c, struct jbuf *b, struct jval v)
{
    if (++c->depth > JINJA_MAX_NESTING)
        jthrow(c, "value nested too deeply to print");
    switch (v.t) {
    case JT_STR:
        write_str_repr(c, b, v.u.s->p, v.u.s->n);
        break;
    case JT_LIST:
        jb_putc(c, b, v.u.l->tuple ? '(' : '[');
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i)
                jb_put(c, b, ", ", 2);
            jv_write_repr(c, b, v.u.l->v[i]);
        }
        if (v.u.l->tuple && v.u.l->n == 1)
            jb_putc(c, b, ',');
        jb_putc(c, b, v.u.l->tuple ? ')' : ']');
        break;
    case JT_DICT:
        jb_putc(c, b, '{');
        for (size_t i = 0; i < v.u.d->n; i++) {
            if (i)
                jb_put(c, b, ", ", 2);
            jv_write_repr(c, b, v.u.d->k[i]);
            jb_put(c, b, ": ", 2);
            jv_write_repr(c, b, v.u.d->v[i]);
        }
        jb_putc(c, b, '}');
        break;
    case JT_UNDEF:
        jb_put(c, b, "Undefined", 9);
        break;
    default:
        jv_write_str(c, b, v);
    }
    c->depth--;
}

void jv_write_str(struct jctx *c, struct jbuf *b, struct jval v)
{
    switch (v.t) {
    case JT_UNDEF: break;
    case JT_NONE: jb_puts(c, b, "None"); break;
    case JT_BOOL: jb_puts(c, b, v.u.b ? "True" : "False"); break;
    case JT_INT: case JT_FLOAT: write_num(c, b, v); break;
    case JT_STR: jb_put(c, b, v.u.s->p, v.u.s->n); break;
    case JT_LIST: case JT_DICT: jv_write_repr(c, b, v); break;
    case JT_NS: jb_puts(c, b, "<Namespace>"); break;
    case JT_MACRO: jb_puts(c, b, "<Macro>"); break;
    case JT_FUNC: jb_puts(c, b, "<function>"); break;
    }
}

struct jval jv_to_str(struct jctx *c, struct jval v)
{
    if (v.t == JT_STR)
        return v;
    struct jbuf b = { 0 };
    jv_write_str(c, &b, v);
    return jv_str(c, b.p ? b.p : "", b.n);
}

/* JSON as transformers' tojson writes it: json.dumps(ensure_ascii=False),
 * keys in insertion order, ", " and ": " separators, or "," at line ends and
 * `indent` spaces per level when indenting. */
static void write_json_str(struct jctx *c, struct jbuf *b, const char *s, size_t n)
{
    jb_putc(c, b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (ch < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", ch);
                esc = tmp;
            }
        }
        if (esc) {
            jb_put(c, b, s + run, i - run);
            jb_puts(c, b, esc);
            run = i + 1;
        }
    }
    jb_put(c, b, s + run, n - run);
    jb_putc(c, b, '"');
}

static void json_newline(struct jctx *c, struct jbuf *b, int indent, int level)
{
    jb_putc(c, b, '\n');
    for (int i = 0; i < indent * level; i++)
        jb_putc(c, b, ' ');
}

void jv_write_json(struct jctx *c, struct jbuf *b, struct jval v, int indent, int level)
{
    if (level > JINJA_MAX_NESTING)
        jthrow(c, "value nested too deeply for tojson");
    switch (v.t) {
    case JT_NONE: jb_puts(c, b, "null"); break;
    case JT_BOOL: jb_puts(c, b, v.u.b ? "true" : "false"); break;
    case JT_INT: write_num(c, b, v); break;
    case JT_FLOAT:
        if (isnan(v.u.f))
            jb_puts(c, b, "NaN");
        else if (isinf(v.u.f))
            jb_puts(c, b, v.u.f < 0 ? "-Infinity" : "Infinity");
        else
            write_num(c, b, v);
        break;
    case JT_STR: write_json_str(c, b, v.u.s->p, v.u.s->n); break;
    case JT_LIST:
        if (v.u.l->n == 0) {
            jb_puts(c, b, "[]");
            break;
        }
        jb_putc(c, b, '[');
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i)
                jb_puts(c, b, indent >= 0 ? "," : ", ");
            if (indent >= 0)
                json_newline(c, b, indent, level + 1);
            jv_write_json(c, b, v.u.l->v[i], indent, level + 1);
        }
        if (indent >= 0)
            json_newline(c, b, indent, level);
        jb_putc(c, b, ']');
        break;
    case JT_DICT: case JT_NS:
        if (v.u.d->n == 0) {
            jb_puts(c, b, "{}");
            break;
        }
        jb_putc(c, b, '{');
        for (size_t i = 0; i < v.u.d->n; i++) {
            if (i)
                jb_puts(c, b, indent >= 0 ? "," : ", ");
            if (indent >= 0)
                json_newline(c, b, indent, level + 1);
            struct jval k = v.u.d->k[i];
            if (k.t == JT_STR) {
                write_json_str(c, b, k.u.s->p, k.u.s->n);
            } else {   /* json.dumps turns int/float/bool/None keys into strings */
                struct jbuf kb = { 0 };
                if (k.t == JT_BOOL || k.t == JT_NONE)
                    jv_write_json(c, &kb, k, -1, 0);
                else
                    jv_write_str(c, &kb, k);
                write_json_str(c, b, kb.p ? kb.p : "", kb.n);
            }
            jb_puts(c, b, ": ");
            jv_write_json(c, b, v.u.d->v[i], indent, level + 1);
        }
        if (indent >= 0)
            json_newline(c, b, indent, level);
        jb_putc(c, b, '}');
        break;
    case JT_UNDEF:
        jv_require(c, v);
        jthrow(c, "Object of type Undefined is not JSON serializable");
    default:
        jthrow(c, "Object of type %s is not JSON serializable", jv_typename(v));
    }
}
