/*
 * jinja-filters.c - the `| filter` functions, with Jinja2's arguments and
 * behaviour (keyword or positional):
 *   abs attr capitalize count d default dictsort e escape first float format
 *   indent int items join last length list lower map max min reject
 *   rejectattr replace reverse round safe select selectattr sort string sum
 *   title tojson trim unique upper
 * tojson writes JSON the way transformers' override does (insertion order,
 * non-ASCII kept, ", " and ": " separators), not Jinja2's HTML-safe form.
 */
#include "jinja-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Attribute path "a.b.0" as Jinja2's attribute= arguments take it. */
static struct jval attr_path(struct jctx *c, struct jval v, struct jval path)
{
    if (path.t == JT_INT)
        return jget_item(c, v, path);
    jv_need_str(c, path, "attribute");
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
        return jv_compare(c, jstr_case(c, a, 0), jstr_case(c, b, 0));
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
        struct jval t = jstr_strip(c, v, jv_none(), 3);
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

static struct jval filter_by_test(struct jctx *c, struct jval seq, const struct jargs *a, int by_attr, int want)
{
    struct jval l = jv_to_list(c, seq);
    size_t first = by_attr ? 1 : 0;
    struct jval attr = by_attr ? jarg(a, 0, NULL, jv_undef("selectattr() needs an attribute")) : jv_none();
    const char *test = NULL;
    if (a->n > first) {
        jv_need_str(c, a->v[first], "test name");
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
    struct jargs A = { argv, nargs, kwn, kwv, nkw };
    const struct jargs *a = &A;
#define F(name) (!strcmp(f, name))
    if (F("default") || F("d")) {
        struct jval def = jarg(a, 0, "default_value", jv_str(c, "", 0));
        int boolean = jv_truthy(jarg(a, 1, "boolean", jv_bool(0)));
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
        return jv_to_list(c, v);
    if (F("tojson")) {
        struct jval ind = jarg(a, 0, "indent", jv_none());
        int indent = -1;
        if (ind.t != JT_NONE && ind.t != JT_UNDEF) {
            indent = (int)jv_need_int(c, ind, "indent");
            if (indent < 0 || indent > 64)
                jthrow(c, "tojson indent out of range");
        }
        struct jbuf b = { 0 };
        jv_write_json(c, &b, v, indent, 0);
        return jv_str(c, b.p ? b.p : "", b.n);
    }
    if (F("first") || F("last")) {
        jv_require(c, v);
        struct jval l = jv_to_list(c, v);
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
        int cs = jv_truthy(jarg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval by = jarg(a, 1, "by", jv_cstr(c, "key"));
        int rev = jv_truthy(jarg(a, 2, "reverse", jv_bool(0)));
        int pos = by.t == JT_STR && !strcmp(by.u.s->p, "value") ? 1 : 0;
        struct jval items = jfilter_apply(c, "items", v, NULL, 0, NULL, NULL, 0);
        return sorted(c, items, rev, cs, jv_int(pos));
    }
    if (F("join")) {
        struct jval sep = jarg(a, 0, "d", jv_str(c, "", 0));
        sep = jv_to_str(c, sep);
        struct jval attr = jarg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = jv_to_list(c, v);
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
        struct jval l = jv_to_list(c, v);
        struct jval r = jv_list(c, l.u.l->n);
        if (jhas_arg(a, 99, "attribute")) {
            struct jval attr = jarg(a, 99, "attribute", jv_none());
            int has_def = jhas_arg(a, 99, "default");
            struct jval def = jarg(a, 99, "default", jv_none());
            for (size_t i = 0; i < l.u.l->n; i++) {
                struct jval x = attr_path(c, l.u.l->v[i], attr);
                jl_push(c, r.u.l, x.t == JT_UNDEF && has_def ? def : x);
            }
            return r;
        }
        if (a->n == 0)
            jthrow(c, "map() needs a filter name or attribute=");
        jv_need_str(c, a->v[0], "filter name");
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
        int rev = jv_truthy(jarg(a, 0, "reverse", jv_bool(0)));
        int cs = jv_truthy(jarg(a, 1, "case_sensitive", jv_bool(0)));
        struct jval attr = jarg(a, 2, "attribute", jv_undef(NULL));
        return sorted(c, jv_to_list(c, v), rev, cs, attr);
    }
    if (F("unique")) {
        int cs = jv_truthy(jarg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval attr = jarg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = jv_to_list(c, v), r = jv_list(c, 0), seen = jv_list(c, 0);
        for (size_t i = 0; i < l.u.l->n; i++) {
            struct jval k = attr.t == JT_UNDEF ? l.u.l->v[i] : attr_path(c, l.u.l->v[i], attr);
            if (!cs && k.t == JT_STR)
                k = jstr_case(c, k, 0);
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
        int cs = jv_truthy(jarg(a, 0, "case_sensitive", jv_bool(0)));
        struct jval attr = jarg(a, 1, "attribute", jv_undef(NULL));
        struct jval l = jv_to_list(c, v);
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
        struct jval attr = jarg(a, 0, "attribute", jv_undef(NULL));
        struct jval acc = jarg(a, 1, "start", jv_int(0));
        struct jval l = jv_to_list(c, v);
        for (size_t i = 0; i < l.u.l->n; i++) {
            struct jval x = attr.t == JT_UNDEF ? l.u.l->v[i] : attr_path(c, l.u.l->v[i], attr);
            if (acc.t == JT_LIST && x.t == JT_LIST) {
                acc = jl_concat(c, acc.u.l, x.u.l);
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
            struct jval l = jv_to_list(c, v);
            struct jbuf b = { 0 };
            for (size_t i = l.u.l->n; i-- > 0;)
                jb_put(c, &b, l.u.l->v[i].u.s->p, l.u.l->v[i].u.s->n);
            return jv_str(c, b.p ? b.p : "", b.n);
        }
        struct jval l = jv_to_list(c, v), r = jv_list(c, l.u.l->n);
        for (size_t i = l.u.l->n; i-- > 0;)
            jl_push(c, r.u.l, l.u.l->v[i]);
        return r;
    }
    if (F("attr")) {                         /* attributes only: dict keys are not attributes */
        const char *nm = jv_need_str(c, jarg(a, 0, "name", jv_undef("attr() needs a name")), "name").u.s->p;
        jv_require(c, v);
        return v.t == JT_NS ? jget_attr(c, v, nm) : jv_undef("object has no such attribute");
    }
    if (F("int"))
        return parse_int(c, v, jarg(a, 0, "default", jv_int(0)));
    if (F("float")) {
        struct jval def = jarg(a, 0, "default", jv_float(0.0));
        if (v.t == JT_FLOAT)
            return v;
        if (v.t == JT_INT || v.t == JT_BOOL)
            return jv_float(jv_num(v));
        if (v.t == JT_STR) {
            struct jval t = jstr_strip(c, v, jv_none(), 3);
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
        int64_t prec = jv_need_int(c, jarg(a, 0, "precision", jv_int(0)), "precision");
        struct jval m = jarg(a, 1, "method", jv_cstr(c, "common"));
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
        struct jval w = jarg(a, 0, "width", jv_int(4));
        int first = jv_truthy(jarg(a, 1, "first", jv_bool(0)));
        int blank = jv_truthy(jarg(a, 2, "blank", jv_bool(0)));
        struct jval pad = w;
        if (w.t != JT_STR) {
            int64_t k = jv_need_int(c, w, "width");
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
        return jstr_strip(c, s, jarg(a, 0, "chars", jv_none()), 3);
    if (F("upper"))
        return jstr_case(c, s, 1);
    if (F("lower"))
        return jstr_case(c, s, 0);
    if (F("capitalize"))
        return jstr_case(c, s, 3);
    if (F("title"))
        return jstr_case(c, s, 4);
    if (F("e") || F("escape"))
        return jstr_escape_html(c, s);
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
        struct jval cnt = jarg(a, 2, "count", jv_none());
        return jstr_replace(c, s, jarg(a, 0, "old", jv_undef("replace() needs 2 arguments")),
                           jarg(a, 1, "new", jv_undef("replace() needs 2 arguments")),
                           cnt.t == JT_NONE ? -1 : jv_need_int(c, cnt, "count"));
    }
#undef F
    jthrow(c, "no filter named '%s'", f);
}
