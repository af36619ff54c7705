/*
 * jinja-builtins.c - the tests (`x is defined`), the methods of strings and
 * dicts (`s.strip()`, `d.items()`) and the global functions a template can
 * call, with Jinja2's and Python's behaviour. Filters are in jinja-filters.c.
 *
 * Tests: boolean callable defined divisibleby eq equalto even false float ge
 *   gt greaterthan in integer iterable le lower lt lessthan mapping ne none
 *   number odd sameas sequence string true undefined upper
 * Methods: str.strip lstrip rstrip split rsplit splitlines startswith endswith
 *   replace upper lower title capitalize find rfind count join format isdigit
 *   isalpha isalnum isspace isupper islower; dict.items keys values get
 * Globals: range namespace dict raise_exception strftime_now (and loop.cycle)
 */
#include "jinja-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_alpha_c(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

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
        int64_t x = jv_need_int(c, v, "value");
        if (T("divisibleby")) {
            int64_t d = jv_need_int(c, a0, "divisor");
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
        l = jv_to_list(c, l);
        for (size_t i = 0; i < l.u.l->n; i++)
            if (jv_equal(l.u.l->v[i], v))
                return 1;
        return 0;
    }
#undef T
    jthrow(c, "no test named '%s'", t);
}

/* ---- methods ------------------------------------------------------------------------ */

static int str_method(struct jctx *c, struct jval s, const char *m, const struct jargs *a, struct jval *out)
{
#define M(name) (!strcmp(m, name))
    if (M("strip") || M("lstrip") || M("rstrip")) {
        struct jval chars = jarg(a, 0, "chars", jv_none());
        if (chars.t != JT_NONE)
            jv_need_str(c, chars, "strip() argument");
        *out = jstr_strip(c, s, chars, M("strip") ? 3 : M("lstrip") ? 1 : 2);
    } else if (M("split") || M("rsplit")) {
        struct jval sep = jarg(a, 0, "sep", jv_none());
        int64_t maxsplit = jv_need_int(c, jarg(a, 1, "maxsplit", jv_int(-1)), "maxsplit");
        *out = jstr_split(c, s, sep, maxsplit, M("rsplit"));
    } else if (M("splitlines")) {
        struct jval r = jv_list(c, 0);
        const char *p = s.u.s->p;
        size_t n = s.u.s->n, i = 0;
        int keep = jv_truthy(jarg(a, 0, "keepends", jv_bool(0)));
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
        *out = jv_bool(jstr_affix(c, s, jarg(a, 0, NULL, jv_undef("startswith() needs an argument")),
                                   M("endswith")));
    } else if (M("replace")) {
        struct jval cnt = jarg(a, 2, "count", jv_int(-1));
        *out = jstr_replace(c, s, jarg(a, 0, NULL, jv_undef("replace() needs 2 arguments")),
                           jarg(a, 1, NULL, jv_undef("replace() needs 2 arguments")), jv_need_int(c, cnt, "count"));
    } else if (M("format")) {
        *out = jformat_brace(c, s, a->v, a->n, a->kwn, a->kwv, a->nkw);
    } else if (M("upper")) {
        *out = jstr_case(c, s, 1);
    } else if (M("lower")) {
        *out = jstr_case(c, s, 0);
    } else if (M("title")) {
        *out = jstr_case(c, s, 2);
    } else if (M("capitalize")) {
        *out = jstr_case(c, s, 3);
    } else if (M("find") || M("rfind") || M("count")) {
        struct jval x = jv_need_str(c, jarg(a, 0, NULL, jv_undef("argument missing")), "argument");
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
        struct jval l = jv_to_list(c, jarg(a, 0, NULL, jv_undef("join() needs an argument")));
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
    struct jargs A = { argv, nargs, kwn, kwv, nkw };
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
            struct jval *v = jd_get(obj.u.d, jarg(&A, 0, "key", jv_none()));
            *out = v ? *v : jarg(&A, 1, "default", jv_none());
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
            stop = jv_need_int(c, argv[0], "range() argument");
        } else {
            start = jv_need_int(c, argv[0], "range() argument");
            stop = jv_need_int(c, argv[1], "range() argument");
            if (nargs == 3)
                stp = jv_need_int(c, argv[2], "range() step");
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
        struct jval fs = jv_need_str(c, nargs ? argv[0] : jv_undef("strftime_now() needs a format"), "format");
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
