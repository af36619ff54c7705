/*
 * jinja-builtins.c - the filters, tests, methods and global functions a
 * template can call, with Jinja2's (and Python's) behaviour.
 *
 * Filters: abs attr capitalize count d default dictsort e escape first float
 *   format indent int items join last length list lower map max min reject
 *   rejectattr replace reverse round safe select selectattr sort string sum
 *   title tojson trim unique upper
 * Tests: boolean callable defined divisibleby eq equalto even false float ge
 *   gt greaterthan in integer iterable le lower lt lessthan mapping ne none
 *   number odd sameas sequence string true undefined upper
 * Methods: str.strip lstrip rstrip split rsplit splitlines startswith endswith
 *   replace upper lower title capitalize find rfind count join format isdigit
 *   isalpha isalnum isspace isupper islower; dict.items keys values get
 * Globals: range namespace dict raise_exception strftime_now
 *
 * Case conversion is ASCII-only (other characters pass through unchanged);
 * whitespace for strip/split/trim is Python's, Unicode spaces included.
 */
#include "jinja-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arguments -------------------------------------------------------------- */

struct args {
    struct jval *v;
    size_t n;
    const char **kwn;
    struct jval *kwv;
    size_t nkw;
};

/* Argument i (positional) or keyword `name`; `def` when absent. */
static struct jval arg(const struct args *a, size_t i, const char *name, struct jval def)
{
    if (i < a->n)
        return a->v[i];
    for (size_t k = 0; k < a->nkw; k++)
        if (name && !strcmp(a->kwn[k], name))
            return a->kwv[k];
    return def;
}

static int has_arg(const struct args *a, size_t i, const char *name)
{
    if (i < a->n)
        return 1;
    for (size_t k = 0; k < a->nkw; k++)
        if (name && !strcmp(a->kwn[k], name))
            return 1;
    return 0;
}

static struct jval need_str(struct jctx *c, struct jval v, const char *what)
{
    jv_require(c, v);
    if (v.t != JT_STR)
        jthrow(c, "%s must be a string, not %s", what, jv_typename(v));
    return v;
}

static int64_t need_int(struct jctx *c, struct jval v, const char *what)
{
    jv_require(c, v);
    if (v.t == JT_INT)
        return v.u.i;
    if (v.t == JT_BOOL)
        return v.u.b;
    jthrow(c, "%s must be an integer, not %s", what, jv_typename(v));
}

/* ---- whitespace and case ------------------------------------------------------ */

static uint32_t decode_at(const char *s, size_t n, size_t i, size_t *len)
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
    uint32_t cp = decode_at(s, n, i, &l);
    return is_py_space(cp) ? l : 0;
}

/* Length of the whitespace character ending at j (exclusive), 0 when none. */
static size_t space_before(const char *s, size_t j)
{
    size_t i = j - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80 && j - i < 4)
        i--;
    size_t l;
    uint32_t cp = decode_at(s, j, i, &l);
    return (i + l == j && is_py_space(cp)) ? l : 0;
}

static int in_chars(const char *s, size_t n, size_t i, const struct jstr *chars, size_t *len)
{
    uint32_t cp = decode_at(s, n, i, len);
    for (size_t k = 0; k < chars->n;) {
        size_t l;
        if (decode_at(chars->p, chars->n, k, &l) == cp)
            return 1;
        k += l;
    }
    return 0;
}

/* str.strip(chars) with which: 1 left, 2 right, 3 both. */
static struct jval do_strip(struct jctx *c, struct jval v, struct jval chars, int which)
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

static struct jval map_case(struct jctx *c, struct jval v, int mode)
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

/* ---- sequences ------------------------------------------------------------------- */

static struct jval to_list(struct jctx *c, struct jval v)
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
            decode_at(v.u.s->p, v.u.s->n, i, &len);
            jl_push(c, l.u.l, jv_str(c, v.u.s->p + i, len));
            i += len;
        }
        return l;
    }
    default:
        jthrow(c, "'%s' object is not iterable", jv_typename(v));
    }
}

/* Attribute path "a.b.0" as Jinja2's attribute= arguments take it. */
static struct jval attr_path(struct jctx *c, struct jval v, struct jval path)
{
    if (path.t == JT_INT)
        return jget_item(c, v, path);
    need_str(c, path, "attribute");
    const char *p = path.u.s->p;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char *part = ja_strndup(c->arena, p, n);
        char *end;
        long long idx = strtoll(part, &end, 10);
        if (n && *end == 0)
            v = jget_item(c, v, jv_int(idx));
        else
            v = jget_item(c, v, jv_str(c, part, n));
        if (!dot)
            return v;
        if (v.t == JT_UNDEF)
            return v;
        p = dot + 1;
    }
}

static int cmp_values(struct jctx *c, struct jval a, struct jval b, int case_sensitive)
{
    if (!case_sensitive && a.t == JT_STR && b.t == JT_STR)
        return jv_compare(c, map_case(c, a, 0), map_case(c, b, 0));
    return jv_compare(c, a, b);
}

struct sortctx {
    struct jctx *c;
    int case_sensitive, reverse;
    struct jval attr;
};

static struct jval sort_key(struct sortctx *sc, struct jval v)
{
    return sc->attr.t == JT_UNDEF ? v : attr_path(sc->c, v, sc->attr);
}

/* Stable merge sort, as Python's sorted() is stable. */
static void merge_sort(struct sortctx *sc, struct jval *v, struct jval *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(sc, v, tmp, h);
    merge_sort(sc, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        int r = cmp_values(sc->c, sort_key(sc, v[j]), sort_key(sc, v[i]), sc->case_sensitive);
        if (sc->reverse ? r > 0 : r < 0)
            tmp[k++] = v[j++];
        else
            tmp[k++] = v[i++];
    }
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

static struct jval sorted(struct jctx *c, struct jval l, int reverse, int case_sensitive, struct jval attr)
{
    struct jval r = jv_list(c, l.u.l->n);
    for (size_t i = 0; i < l.u.l->n; i++)
        jl_push(c, r.u.l, l.u.l->v[i]);
    struct jval *tmp = ja_alloc(c->arena, (r.u.l->n ? r.u.l->n : 1) * sizeof(*tmp));
    struct sortctx sc = { c, case_sensitive, reverse, attr };
    merge_sort(&sc, r.u.l->v, tmp, r.u.l->n);
    return r;
}

/* ---- tests ------------------------------------------------------------------------- */

static const char *const test_names[] = {
    "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "even", "false", "float", "ge", "gt",
    "greaterthan", "in", "integer", "iterable", "le", "lower", "lt", "lessthan", "mapping", "ne", "none",
    "number", "odd", "sameas", "sequence", "string", "true", "undefined", "upper", NULL
};

int jtest_known(const char *name)
{
    for (int i = 0; test_names[i]; i++)
        if (!strcmp(name, test_names[i]))
            return 1;
    return 0;
}

int jtest_apply(struct jctx *c, const char *t, struct jval v, struct jval *argv, size_t nargs)
{
    struct jval a0 = nargs ? argv[0] : jv_undef("test argument missing");
#define T(name) (!strcmp(t, name))
    if (T("defined"))
        return v.t != JT_UNDEF;
    if (T("undefined"))
        return v.t == JT_UNDEF;
    if (T("none"))
        return v.t == JT_NONE;
    if (T("boolean"))
        return v.t == JT_BOOL;
    if (T("true"))
        return v.t == JT_BOOL && v.u.b;
    if (T("false"))
        return v.t == JT_BOOL && !v.u.b;
    if (T("string"))
        return v.t == JT_STR;
    if (T("number"))
        return v.t == JT_INT || v.t == JT_FLOAT || v.t == JT_BOOL;
    if (T("integer"))
        return v.t == JT_INT;
    if (T("float"))
        return v.t == JT_FLOAT;
    if (T("mapping"))
        return v.t == JT_DICT;
    if (T("iterable"))
        return v.t == JT_STR || v.t == JT_LIST || v.t == JT_DICT || v.t == JT_UNDEF;
    if (T("sequence"))
        return v.t == JT_STR || v.t == JT_LIST || v.t == JT_DICT || v.t == JT_UNDEF;
    if (T("callable"))                       /* Jinja2's Undefined has __call__ */
        return v.t == JT_MACRO || v.t == JT_FUNC || v.t == JT_UNDEF;
    if (T("lower") || T("upper")) {
        if (v.t != JT_STR)
            return 0;
        int cased = 0;
        for (size_t i = 0; i < v.u.s->n; i++) {
            char ch = v.u.s->p[i];
            if (T("lower") ? (ch >= 'A' && ch <= 'Z') : (ch >= 'a' && ch <= 'z'))
                return 0;
            cased |= is_alpha_c(ch);
        }
        return cased;
    }
    if (T("even") || T("odd") || T("divisibleby")) {
        int64_t x = need_int(c, v, "value");
        if (T("divisibleby")) {
            int64_t d = need_int(c, a0, "divisor");
            if (d == 0)
                jthrow(c, "integer division or modulo by zero");
            return d == -1 || x % d == 0;
        }
        return ((x % 2) != 0) == T("odd");
    }
    if (T("eq") || T("equalto"))
        return jv_equal(v, a0);
    if (T("ne"))
        return !jv_equal(v, a0);
    if (T("sameas"))
        return v.t == a0.t && jv_equal(v, a0);
    if (T("lt") || T("lessthan"))
        return jv_compare(c, v, a0) < 0;
    if (T("le"))
        return jv_compare(c, v, a0) <= 0;
    if (T("gt") || T("greaterthan"))
        return jv_compare(c, v, a0) > 0;
    if (T("ge"))
        return jv_compare(c, v, a0) >= 0;
    if (T("in")) {
        struct jval l = a0;
        if (l.t == JT_STR)
            return v.t == JT_STR && memmem(l.u.s->p, l.u.s->n, v.u.s->p, v.u.s->n) != NULL;
        if (l.t == JT_DICT)
            return jd_get(l.u.d, v) != NULL;
        l = to_list(c, l);
        for (size_t i = 0; i < l.u.l->n; i++)
            if (jv_equal(l.u.l->v[i], v))
                return 1;
        return 0;
    }
#undef T
    jthrow(c, "no test named '%s'", t);
}

/* ---- filters --------------------------------------------------------------------- */

static const char *const filter_names[] = {
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float", "format",
    "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "reject",
    "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string", "sum",
    "title", "tojson", "trim", "unique", "upper", NULL
};

int jfilter_known(const char *name)
{
    for (int i = 0; filter_names[i]; i++)
        if (!strcmp(name, filter_names[i]))
            return 1;
    return 0;
}

static struct jval str_replace(struct jctx *c, struct jval s, struct jval old, struct jval new, int64_t count)
{
    need_str(c, old, "replace() argument 1");
    need_str(c, new, "replace() argument 2");
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
            decode_at(p, n, i, &l);
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

static struct jval do_length(struct jctx *c, struct jval v)
{
    switch (v.t) {
    case JT_UNDEF: return jv_int(0);
    case JT_STR: return jv_int((int64_t)ju_count(v.u.s->p, v.u.s->n));
    case JT_LIST: return jv_int((int64_t)v.u.l->n);
    case JT_DICT: case JT_NS: return jv_int((int64_t)v.u.d->n);
    default: jthrow(c, "object of type '%s' has no len()", jv_typename(v));
    }
}

static struct jval parse_int(struct jctx *c, struct jval v, struct jval def)
{
    switch (v.t) {
    case JT_INT: return v;
    case JT_BOOL: return jv_int(v.u.b);
    case JT_FLOAT:
        if (!(v.u.f > -9.2e18 && v.u.f < 9.2e18))
            return def;
        return jv_int((int64_t)v.u.f);
    case JT_STR: {
        struct jval t = do_strip(c, v, jv_none(), 3);
        char *end;
        const char *s = t.u.s->p;
        if (t.u.s->n == 0)
            return def;
        long long x = strtoll(s, &end, 10);
        if (*end == 0)
            return jv_int(x);
        if (strspn(s, "0123456789+-.eE") != t.u.s->n)   /* no hex, inf or nan */
            return def;
        double f = strtod(s, &end);
        if (*end == 0 && f > -9.2e18 && f < 9.2e18)
            return jv_int((int64_t)f);
        return def;
    }
    default:
        return def;
    }
}

static struct jval html_escape(struct jctx *c, struct jval v)
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

/* select/reject/selectattr/rejectattr: keep items whose test result is `want`. */
static struct jval filter_by_test(struct jctx *c, struct jval seq, const struct args *a, int by_attr, int want)
{
    struct jval l = to_list(c, seq);
    size_t first = by_attr ? 1 : 0;
    struct jval attr = by_attr ? arg(a, 0, NULL, jv_undef("selectattr() needs an attribute")) : jv_none();
    const char *test = NULL;
    if (a->n > first) {
        need_str(c, a->v[first], "test name");
        test = a->v[first].u.s->p;
        if (!jtest_known(test))
            jthrow(c, "no test named '%s'", test);
    }
    struct jval r = jv_list(c, l.u.l->n);
    for (size_t i = 0; i < l.u.l->n; i++) {
        struct jval x = l.u.l->v[i];
        if (by_attr)
            x = attr_path(c, x, attr);
        int ok = test ? jtest_apply(c, test, x, a->v + first + 1, a->n - first - 1) : jv_truthy(x);
        if (ok == want)
            jl_push(c, r.u.l, l.u.l->v[i]);
    }
    return r;
}

struct jval jfilter_apply(struct jctx *c, const char *f, struct jval v, struct jval *argv, size_t nargs,
                          const char **kwn, struct jval *kwv, size_t nkw)
{
    struct args A = { argv, nargs, kwn, kwv, nkw };
    const struct args *a = &A;
#define F(name) (!strcmp(f, name))
    if (F("default") || F("d")) {
        struct jval def = arg(a, 0, "default_value", jv_str(c, "", 0));
        int boolean = jv_truthy(arg(a, 1, "boolean", jv_bool(0)));
        if (v.t == JT_UNDEF || (boolean && !jv_truthy(v)))
            return def;
        return v;
    }
    if (F("length") || F("count"))
        return do_length(c, v);
    if (F("safe"))
        return v;
    if (F("string"))
        return jv_to_str(c, v);
    if (F("list"))
        return to_list(c, v);
    if (F("tojson")) {
        struct jval ind = arg(a, 0, "indent", jv_none());
        int indent = -1;
        if (ind.t != JT_NONE && ind.t != JT_UNDEF) {
            indent = (int)need_int(c, ind, "indent");
            if (indent < 0 || indent > 64)
                jthrow(c, "tojson indent out of range");
        }
        struct jbuf b = { 0 };
        jv_write_json(c, &b, v, indent, 0);
        return jv_str(c, b.p ? b.p : "", b.n);
    }
    if (F("first") || F("last")) {
        jv_require(c, v);
        struct jval l = to_list(c, v);
        if (l.u.l->n == 0)
            return jv_undef(F("first") ? "No first item, sequence was empty." : "No last item, sequence was empty.");
        return F("first") ? l.u.l->v[0] : l.u.l->v[l.u.l->n - 1];
    }
    if (F("items")) {
        if (v.t == JT_UNDEF)
            return jv_list(c, 0);
        if (v.t != JT_DICT && v.t != JT_NS)
            jthrow(c, "can only get item pairs from a mapping, not %s", jv_typename(v));
        struct jval l = jv_list(c, v.u.d->n);
        for (size_t i = 0; i < v.u.d->n; i++) {
            struct jval pair = jv_list(c, 2);
            pair.u.l->tuple = 1;
            jl_push(c, pair.u.l, v.u.d->k[i]);
            jl_push(c, pair.u.l, v.u.d->v[i]);
            jl_push(c, l.u.l, pair);
        }
        return l;
    }
    if (F("dictsort")) {
        jv_require(c, v);
        if (v.t != JT_DICT)
            jthrow(c, "dictsort needs a mapping, not %s", jv_typename(v));
        int cs = jv_truthy(arg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval by = arg(a, 1, "by", jv_cstr(c, "key"));
        int rev = jv_truthy(arg(a, 2, "reverse", jv_bool(0)));
        int pos = by.t == JT_STR && !strcmp(by.u.s->p, "value") ? 1 : 0;
        struct jval items = jfilter_apply(c, "items", v, NULL, 0, NULL, NULL, 0);
        return sorted(c, items, rev, cs, jv_int(pos));
    }
    if (F("join")) {
        struct jval sep = arg(a, 0, "d", jv_str(c, "", 0));
        sep = jv_to_str(c, sep);
        struct jval attr = arg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = to_list(c, v);
        struct jbuf b = { 0 };
        for (size_t i = 0; i < l.u.l->n; i++) {
            if (i)
                jb_put(c, &b, sep.u.s->p, sep.u.s->n);
            struct jval x = l.u.l->v[i];
            if (attr.t != JT_UNDEF)
                x = attr_path(c, x, attr);
            jv_write_str(c, &b, x);
        }
        return jv_str(c, b.p ? b.p : "", b.n);
    }
    if (F("map")) {
        struct jval l = to_list(c, v);
        struct jval r = jv_list(c, l.u.l->n);
        if (has_arg(a, 99, "attribute")) {
            struct jval attr = arg(a, 99, "attribute", jv_none());
            int has_def = has_arg(a, 99, "default");
            struct jval def = arg(a, 99, "default", jv_none());
            for (size_t i = 0; i < l.u.l->n; i++) {
                struct jval x = attr_path(c, l.u.l->v[i], attr);
                jl_push(c, r.u.l, x.t == JT_UNDEF && has_def ? def : x);
            }
            return r;
        }
        if (a->n == 0)
            jthrow(c, "map() needs a filter name or attribute=");
        need_str(c, a->v[0], "filter name");
        const char *fn = a->v[0].u.s->p;
        if (!jfilter_known(fn))
            jthrow(c, "no filter named '%s'", fn);
        for (size_t i = 0; i < l.u.l->n; i++)
            jl_push(c, r.u.l, jfilter_apply(c, fn, l.u.l->v[i], a->v + 1, a->n - 1, kwn, kwv, nkw));
        return r;
    }
    if (F("select"))
        return filter_by_test(c, v, a, 0, 1);
    if (F("reject"))
        return filter_by_test(c, v, a, 0, 0);
    if (F("selectattr"))
        return filter_by_test(c, v, a, 1, 1);
    if (F("rejectattr"))
        return filter_by_test(c, v, a, 1, 0);
    if (F("sort")) {
        int rev = jv_truthy(arg(a, 0, "reverse", jv_bool(0)));
        int cs = jv_truthy(arg(a, 1, "case_sensitive", jv_bool(0)));
        struct jval attr = arg(a, 2, "attribute", jv_undef(NULL));
        return sorted(c, to_list(c, v), rev, cs, attr);
    }
    if (F("unique")) {
        int cs = jv_truthy(arg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval attr = arg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = to_list(c, v), r = jv_list(c, 0), seen = jv_list(c, 0);
        for (size_t i = 0; i < l.u.l->n; i++) {
            struct jval k = attr.t == JT_UNDEF ? l.u.l->v[i] : attr_path(c, l.u.l->v[i], attr);
            if (!cs && k.t == JT_STR)
                k = map_case(c, k, 0);
            int dup = 0;
            for (size_t j = 0; j < seen.u.l->n && !dup; j++)
                dup = jv_equal(seen.u.l->v[j], k);
            if (!dup) {
                jl_push(c, seen.u.l, k);
                jl_push(c, r.u.l, l.u.l->v[i]);
            }
        }
        return r;
    }
    if (F("min") || F("max")) {
        int cs = jv_truthy(arg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval attr = arg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = to_list(c, v);
        if (l.u.l->n == 0)
            return jv_undef(F("min") ? "No aggregated item, sequence was empty." : "No aggregated item, sequence was empty.");
        struct jval best = l.u.l->v[0];
        for (size_t i = 1; i < l.u.l->n; i++) {
            struct jval x = l.u.l->v[i];
            struct jval kx = attr.t == JT_UNDEF ? x : attr_path(c, x, attr);
            struct jval kb = attr.t == JT_UNDEF ? best : attr_path(c, best, attr);
            int r = cmp_values(c, kx, kb, cs);
            if (F("min") ? r < 0 : r > 0)
                best = x;
        }
        return best;
    }
    if (F("sum")) {
        struct jval attr = arg(a, 0, "attribute", jv_undef(NULL));
        struct jval acc = arg(a, 1, "start", jv_int(0));
        struct jval l = to_list(c, v);
        for (size_t i = 0; i < l.u.l->n; i++) {
            struct jval x = attr.t == JT_UNDEF ? l.u.l->v[i] : attr_path(c, l.u.l->v[i], attr);
            if (acc.t == JT_LIST && x.t == JT_LIST) {
                struct jval cat = jv_list(c, acc.u.l->n + x.u.l->n);
                for (size_t k = 0; k < acc.u.l->n; k++)
                    jl_push(c, cat.u.l, acc.u.l->v[k]);
                for (size_t k = 0; k < x.u.l->n; k++)
                    jl_push(c, cat.u.l, x.u.l->v[k]);
                acc = cat;
                continue;
            }
            if (!jv_is_number(x) || !jv_is_number(acc))
                jthrow(c, "unsupported operand type(s) for +: '%s' and '%s'", jv_typename(acc), jv_typename(x));
            if ((acc.t == JT_INT || acc.t == JT_BOOL) && (x.t == JT_INT || x.t == JT_BOOL)) {
                int64_t r;
                int64_t ai = acc.t == JT_INT ? acc.u.i : acc.u.b, xi = x.t == JT_INT ? x.u.i : x.u.b;
                if (__builtin_add_overflow(ai, xi, &r))
                    jthrow(c, "integer overflow in sum");
                acc = jv_int(r);
            } else {
                acc = jv_float(jv_num(acc) + jv_num(x));
            }
        }
        return acc;
    }
    if (F("reverse")) {
        jv_require(c, v);
        if (v.t == JT_STR) {
            struct jval l = to_list(c, v);
            struct jbuf b = { 0 };
            for (size_t i = l.u.l->n; i-- > 0;)
                jb_put(c, &b, l.u.l->v[i].u.s->p, l.u.l->v[i].u.s->n);
            return jv_str(c, b.p ? b.p : "", b.n);
        }
        struct jval l = to_list(c, v), r = jv_list(c, l.u.l->n);
        for (size_t i = l.u.l->n; i-- > 0;)
            jl_push(c, r.u.l, l.u.l->v[i]);
        return r;
    }
    if (F("attr")) {                         /* attributes only: dict keys are not attributes */
        const char *nm = need_str(c, arg(a, 0, "name", jv_undef("attr() needs a name")), "name").u.s->p;
        jv_require(c, v);
        return v.t == JT_NS ? jget_attr(c, v, nm) : jv_undef("object has no such attribute");
    }
    if (F("int"))
        return parse_int(c, v, arg(a, 0, "default", jv_int(0)));
    if (F("float")) {
        struct jval def = arg(a, 0, "default", jv_float(0.0));
        if (v.t == JT_FLOAT)
            return v;
        if (v.t == JT_INT || v.t == JT_BOOL)
            return jv_float(jv_num(v));
        if (v.t == JT_STR) {
            struct jval t = do_strip(c, v, jv_none(), 3);
            char *end;
            double d = strtod(t.u.s->p, &end);
            if (t.u.s->n && *end == 0 && strspn(t.u.s->p, "0123456789+-.eE") == t.u.s->n)
                return jv_float(d);
        }
        return def;
    }
    if (F("abs")) {
        if (v.t == JT_INT) {
            if (v.u.i == INT64_MIN)
                jthrow(c, "integer overflow in abs");
            return jv_int(v.u.i < 0 ? -v.u.i : v.u.i);
        }
        if (v.t == JT_BOOL)
            return jv_int(v.u.b);
        if (v.t == JT_FLOAT)
            return jv_float(fabs(v.u.f));
        jv_require(c, v);
        jthrow(c, "bad operand type for abs(): '%s'", jv_typename(v));
    }
    if (F("round")) {
        int64_t prec = need_int(c, arg(a, 0, "precision", jv_int(0)), "precision");
        struct jval m = arg(a, 1, "method", jv_cstr(c, "common"));
        if (!jv_is_number(v)) {
            jv_require(c, v);
            jthrow(c, "round() needs a number, not %s", jv_typename(v));
        }
        if (prec < -15 || prec > 15)
            jthrow(c, "round() precision out of range");
        double x = jv_num(v), scale = pow(10.0, (double)prec), r;
        const char *mm = m.t == JT_STR ? m.u.s->p : "common";
        if (!strcmp(mm, "ceil"))
            r = ceil(x * scale) / scale;
        else if (!strcmp(mm, "floor"))
            r = floor(x * scale) / scale;
        else
            r = nearbyint(x * scale) / scale;      /* Python rounds half to even */
        return jv_float(r);
    }
    if (F("indent")) {
        struct jval s = jv_to_str(c, v);
        struct jval w = arg(a, 0, "width", jv_int(4));
        int first = jv_truthy(arg(a, 1, "first", jv_bool(0)));
        int blank = jv_truthy(arg(a, 2, "blank", jv_bool(0)));
        struct jval pad = w;
        if (w.t != JT_STR) {
            int64_t k = need_int(c, w, "width");
            if (k < 0 || k > 1024)
                jthrow(c, "indent width out of range");
            char sp[1025];
            memset(sp, ' ', (size_t)k);
            pad = jv_str(c, sp, (size_t)k);
        }
        struct jbuf b = { 0 };
        const char *p = s.u.s->p;
        size_t n = s.u.s->n, i = 0;
        int line = 0;
        while (i <= n) {
            const char *nl = memchr(p + i, '\n', n - i);
            size_t e = nl ? (size_t)(nl - p) : n;
            int empty = e == i;
            if ((line > 0 || first) && (!empty || blank))
                jb_put(c, &b, pad.u.s->p, pad.u.s->n);
            jb_put(c, &b, p + i, e - i);
            if (!nl)
                break;
            jb_putc(c, &b, '\n');
            i = e + 1;
            line++;
        }
        return jv_str(c, b.p ? b.p : "", b.n);
    }
    /* string filters: the value is converted with str() first */
    struct jval s = jv_to_str(c, v);
    if (F("trim"))
        return do_strip(c, s, arg(a, 0, "chars", jv_none()), 3);
    if (F("upper"))
        return map_case(c, s, 1);
    if (F("lower"))
        return map_case(c, s, 0);
    if (F("capitalize"))
        return map_case(c, s, 3);
    if (F("title"))
        return map_case(c, s, 4);
    if (F("e") || F("escape"))
        return html_escape(c, s);
    if (F("format")) {                       /* "%s, %s"|format(a, b): printf style */
        if (nargs && nkw)
            jthrow(c, "can't handle positional and keyword arguments at the same time");
        struct jval t;
        if (nkw) {
            t = jv_dict(c, nkw);
            for (size_t i = 0; i < nkw; i++)
                jd_set_str(c, t.u.d, kwn[i], kwv[i]);
        } else {
            t = jv_list(c, nargs);
            t.u.l->tuple = 1;
            for (size_t i = 0; i < nargs; i++)
                jl_push(c, t.u.l, argv[i]);
        }
        return jformat_percent(c, s, t);
    }
    if (F("replace")) {
        struct jval cnt = arg(a, 2, "count", jv_none());
        return str_replace(c, s, arg(a, 0, "old", jv_undef("replace() needs 2 arguments")),
                           arg(a, 1, "new", jv_undef("replace() needs 2 arguments")),
                           cnt.t == JT_NONE ? -1 : need_int(c, cnt, "count"));
    }
#undef F
    jthrow(c, "no filter named '%s'", f);
}

/* ---- methods ------------------------------------------------------------------------ */

static struct jval do_split(struct jctx *c, struct jval s, struct jval sep, int64_t maxsplit, int from_right)
{
    struct jval r = jv_list(c, 0);
    const char *p = s.u.s->p;
    size_t n = s.u.s->n;
    if (sep.t == JT_NONE || sep.t == JT_UNDEF) {     /* runs of whitespace, no empty parts */
        if (from_right) {
            /* collect left-to-right then merge the head when maxsplit limits */
            struct jval all = do_split(c, s, sep, -1, 0);
            if (maxsplit < 0 || (size_t)maxsplit >= all.u.l->n)
                return all;
            size_t keep = (size_t)maxsplit;
            /* the head is everything up to the start of the (n-keep)th word, right-stripped */
            size_t words = all.u.l->n, idx = 0, i = 0, start_tail = n;
            while (i < n) {
                size_t l;
                while (i < n && (l = space_at(p, n, i)))
                    i += l;
                if (i >= n)
                    break;
                if (idx == words - keep) {
                    start_tail = i;
                    break;
                }
                while (i < n && !space_at(p, n, i))
                    i++;
                idx++;
            }
            struct jval head = do_strip(c, jv_str(c, p, start_tail), jv_none(), 3);
            jl_push(c, r.u.l, head);
            for (size_t k = words - keep; k < words; k++)
                jl_push(c, r.u.l, all.u.l->v[k]);
            return r;
        }
        size_t i = 0;
        int64_t splits = 0;
        while (i < n) {
            size_t l;
            while (i < n && (l = space_at(p, n, i)))
                i += l;
            if (i >= n)
                break;
            if (maxsplit >= 0 && splits >= maxsplit) {
                struct jval rest = do_strip(c, jv_str(c, p + i, n - i), jv_none(), 2);
                jl_push(c, r.u.l, rest);
                return r;
            }
            size_t st = i;
            while (i < n && !space_at(p, n, i))
                i++;
            jl_push(c, r.u.l, jv_str(c, p + st, i - st));
            splits++;
        }
        return r;
    }
    need_str(c, sep, "separator");
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

static int affix_match(struct jctx *c, struct jval s, struct jval x, int end)
{
    if (x.t == JT_LIST) {
        for (size_t i = 0; i < x.u.l->n; i++)
            if (affix_match(c, s, x.u.l->v[i], end))
                return 1;
        return 0;
    }
    need_str(c, x, end ? "endswith() argument" : "startswith() argument");
    size_t n = s.u.s->n, k = x.u.s->n;
    if (k > n)
        return 0;
    return memcmp(s.u.s->p + (end ? n - k : 0), x.u.s->p, k) == 0;
}

static int str_method(struct jctx *c, struct jval s, const char *m, const struct args *a, struct jval *out)
{
#define M(name) (!strcmp(m, name))
    if (M("strip") || M("lstrip") || M("rstrip")) {
        struct jval chars = arg(a, 0, "chars", jv_none());
        if (chars.t != JT_NONE)
            need_str(c, chars, "strip() argument");
        *out = do_strip(c, s, chars, M("strip") ? 3 : M("lstrip") ? 1 : 2);
    } else if (M("split") || M("rsplit")) {
        struct jval sep = arg(a, 0, "sep", jv_none());
        int64_t maxsplit = need_int(c, arg(a, 1, "maxsplit", jv_int(-1)), "maxsplit");
        *out = do_split(c, s, sep, maxsplit, M("rsplit"));
    } else if (M("splitlines")) {
        struct jval r = jv_list(c, 0);
        const char *p = s.u.s->p;
        size_t n = s.u.s->n, i = 0;
        int keep = jv_truthy(arg(a, 0, "keepends", jv_bool(0)));
        while (i < n) {
            size_t e = i;
            while (e < n && p[e] != '\n' && p[e] != '\r')
                e++;
            size_t after = e < n ? (p[e] == '\r' && e + 1 < n && p[e + 1] == '\n' ? e + 2 : e + 1) : n;
            jl_push(c, r.u.l, jv_str(c, p + i, (keep ? after : e) - i));
            i = after;
        }
        *out = r;
    } else if (M("startswith") || M("endswith")) {
        *out = jv_bool(affix_match(c, s, arg(a, 0, NULL, jv_undef("startswith() needs an argument")),
                                   M("endswith")));
    } else if (M("replace")) {
        struct jval cnt = arg(a, 2, "count", jv_int(-1));
        *out = str_replace(c, s, arg(a, 0, NULL, jv_undef("replace() needs 2 arguments")),
                           arg(a, 1, NULL, jv_undef("replace() needs 2 arguments")), need_int(c, cnt, "count"));
    } else if (M("format")) {
        *out = jformat_brace(c, s, a->v, a->n, a->kwn, a->kwv, a->nkw);
    } else if (M("upper")) {
        *out = map_case(c, s, 1);
    } else if (M("lower")) {
        *out = map_case(c, s, 0);
    } else if (M("title")) {
        *out = map_case(c, s, 2);
    } else if (M("capitalize")) {
        *out = map_case(c, s, 3);
    } else if (M("find") || M("rfind") || M("count")) {
        struct jval x = need_str(c, arg(a, 0, NULL, jv_undef("argument missing")), "argument");
        const char *p = s.u.s->p;
        size_t n = s.u.s->n, k = x.u.s->n;
        if (M("count")) {
            int64_t cnt = 0;
            if (k == 0) {
                cnt = (int64_t)ju_count(p, n) + 1;
            } else {
                for (size_t i = 0; i + k <= n;) {
                    const char *h = memmem(p + i, n - i, x.u.s->p, k);
                    if (!h)
                        break;
                    cnt++;
                    i = (size_t)(h - p) + k;
                }
            }
            *out = jv_int(cnt);
        } else {
            int64_t found = -1;
            for (size_t i = 0; i + k <= n; i++)
                if (memcmp(p + i, x.u.s->p, k) == 0) {
                    found = (int64_t)i;
                    if (M("find"))
                        break;
                }
            *out = jv_int(found < 0 ? -1 : (int64_t)ju_count(p, (size_t)found));
        }
    } else if (M("join")) {
        struct jval l = to_list(c, arg(a, 0, NULL, jv_undef("join() needs an argument")));
        struct jbuf b = { 0 };
        for (size_t i = 0; i < l.u.l->n; i++) {
            if (i)
                jb_put(c, &b, s.u.s->p, s.u.s->n);
            struct jval x = l.u.l->v[i];
            if (x.t != JT_STR)
                jthrow(c, "sequence item %zu: expected str instance, %s found", i, jv_typename(x));
            jb_put(c, &b, x.u.s->p, x.u.s->n);
        }
        *out = jv_str(c, b.p ? b.p : "", b.n);
    } else if (M("isdigit") || M("isalpha") || M("isalnum") || M("isspace") || M("isupper") || M("islower")) {
        const char *p = s.u.s->p;
        size_t n = s.u.s->n;
        int ok = n > 0;
        if (M("isupper") || M("islower")) {
            struct jval t = jv_cstr(c, M("isupper") ? "upper" : "lower");
            ok = jtest_apply(c, t.u.s->p, s, NULL, 0);
        } else {
            for (size_t i = 0; i < n && ok; i++) {
                char ch = p[i];
                int d = ch >= '0' && ch <= '9', al = is_alpha_c(ch);
                ok = M("isdigit") ? d : M("isalpha") ? al : M("isalnum") ? (d || al) :
                     (ch == ' ' || (ch >= '\t' && ch <= '\r'));
            }
        }
        *out = jv_bool(ok);
    } else {
        return 0;
    }
#undef M
    return 1;
}

int jmethod_call(struct jctx *c, struct jval obj, const char *m, struct jval *argv, size_t nargs,
                 const char **kwn, struct jval *kwv, size_t nkw, struct jval *out)
{
    struct args A = { argv, nargs, kwn, kwv, nkw };
    if (obj.t == JT_STR)
        return str_method(c, obj, m, &A, out);
    if (obj.t == JT_DICT) {
        if (!strcmp(m, "items")) {
            *out = jfilter_apply(c, "items", obj, NULL, 0, NULL, NULL, 0);
        } else if (!strcmp(m, "keys") || !strcmp(m, "values")) {
            struct jval l = jv_list(c, obj.u.d->n);
            for (size_t i = 0; i < obj.u.d->n; i++)
                jl_push(c, l.u.l, m[0] == 'k' ? obj.u.d->k[i] : obj.u.d->v[i]);
            *out = l;
        } else if (!strcmp(m, "get")) {
            struct jval *v = jd_get(obj.u.d, arg(&A, 0, "key", jv_none()));
            *out = v ? *v : arg(&A, 1, "default", jv_none());
        } else {
            return 0;
        }
        return 1;
    }
    return 0;
}

/* ---- globals ------------------------------------------------------------------------- */

int jglobal_lookup(const char *name, struct jval *out)
{
    static const char *const names[] = { "range", "namespace", "raise_exception", "strftime_now", "dict", NULL };
    for (int i = 0; names[i]; i++) {
        if (!strcmp(name, names[i])) {
            out->t = JT_FUNC;
            out->u.fn.id = i;
            out->u.fn.arg = 0;
            return 1;
        }
    }
    return 0;
}

struct jval jfunc_call(struct jctx *c, struct jval f, struct jval *argv, size_t nargs, const char **kwn,
                       struct jval *kwv, size_t nkw)
{
    int fn = f.u.fn.id;
    switch (fn) {
    case JF_CYCLE:
        if (nargs == 0)
            jthrow(c, "no items for cycling given");
        return argv[(size_t)(f.u.fn.arg % (int64_t)nargs)];
    case JF_RANGE: {
        if (nargs < 1 || nargs > 3 || nkw)
            jthrow(c, "range() takes 1 to 3 integer arguments");
        int64_t start = 0, stop, stp = 1;
        if (nargs == 1) {
            stop = need_int(c, argv[0], "range() argument");
        } else {
            start = need_int(c, argv[0], "range() argument");
            stop = need_int(c, argv[1], "range() argument");
            if (nargs == 3)
                stp = need_int(c, argv[2], "range() step");
        }
        if (stp == 0)
            jthrow(c, "range() arg 3 must not be zero");
        double count = stp > 0 ? ((double)stop - (double)start) / (double)stp
                               : ((double)start - (double)stop) / (double)-stp;
        if (count > JINJA_MAX_RANGE)
            jthrow(c, "range() too large (more than %d items)", JINJA_MAX_RANGE);
        struct jval l = jv_list(c, count > 0 ? (size_t)ceil(count) : 0);
        for (int64_t i = start; stp > 0 ? i < stop : i > stop; i += stp)
            jl_push(c, l.u.l, jv_int(i));
        return l;
    }
    case JF_NAMESPACE:
    case JF_DICT: {
        struct jval d = jv_dict(c, nkw + 4);
        for (size_t i = 0; i < nargs; i++) {
            if (argv[i].t != JT_DICT && argv[i].t != JT_NS)
                jthrow(c, "%s() positional arguments must be mappings", fn == JF_DICT ? "dict" : "namespace");
            for (size_t k = 0; k < argv[i].u.d->n; k++)
                jd_set(c, d.u.d, argv[i].u.d->k[k], argv[i].u.d->v[k]);
        }
        for (size_t i = 0; i < nkw; i++)
            jd_set_str(c, d.u.d, kwn[i], kwv[i]);
        if (fn == JF_NAMESPACE)
            d.t = JT_NS;
        return d;
    }
    case JF_RAISE: {
        struct jval m = nargs ? jv_to_str(c, argv[0]) : jv_cstr(c, "raise_exception() called");
        jthrow(c, "%s", m.u.s->p);
    }
    case JF_STRFTIME: {
        struct jval fs = need_str(c, nargs ? argv[0] : jv_undef("strftime_now() needs a format"), "format");
        time_t now = c->now ? c->now : time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        char buf[512];
        size_t n = fs.u.s->n ? strftime(buf, sizeof buf, fs.u.s->p, &tm) : 0;
        if (fs.u.s->n && n == 0)
            jthrow(c, "strftime_now() result too long");
        return jv_str(c, buf, n);
    }
    }
    jthrow(c, "internal error: unknown function");
}
