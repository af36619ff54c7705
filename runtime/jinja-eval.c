/*
 * jinja-eval.c - walks the AST: evaluates expressions to values and runs
 * statements, writing text to the current output buffer.
 *
 * Scoping is Jinja2's: the template has one scope; each iteration of a for
 * loop and each macro call gets a child scope, so a `set` inside a loop body
 * is gone after the iteration (templates use namespace() to carry state out),
 * while `if` bodies share the scope around them.
 *
 * Operators follow Python: int arithmetic is exact (overflow is an error
 * rather than a silent wrap), `/` gives a float, `//` and `%` floor, `+` on
 * strings and lists concatenates, mixed types are TypeErrors.
 */
#include "jinja-internal.h"

#include <math.h>
#include <string.h>

static void step(struct jctx *c, const struct jnode *n)
{
    c->pos = n->pos;
    if (++c->steps > c->max_steps)
        jthrow(c, "template takes too long (more than %llu steps)", (unsigned long long)c->max_steps);
}

/* ---- scopes ------------------------------------------------------------------- */

static struct jscope *scope_new(struct jctx *c, struct jscope *parent)
{
    struct jscope *s = ja_alloc(c->arena, sizeof(*s));
    s->parent = parent;
    return s;
}

static struct jval *scope_find(struct jscope *s, const char *name)
{
    size_t n = strlen(name);
    for (; s; s = s->parent) {
        struct jval *v = jd_get_str(&s->vars, name, n);
        if (v)
            return v;
    }
    return NULL;
}

static void scope_set(struct jctx *c, struct jscope *s, const char *name, struct jval v)
{
    jd_set_str(c, &s->vars, name, v);
}

static const char *fmt_msg(struct jctx *c, const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
    char *m = ja_alloc(c->arena, n);
    char *p = m;
    for (const char *f = fmt; *f; f++) {
        if (f[0] == '%' && f[1] == '1') {
            strcpy(p, a);
            p += strlen(a);
            f++;
        } else if (f[0] == '%' && f[1] == '2' && b) {
            strcpy(p, b);
            p += strlen(b);
            f++;
        } else {
            *p++ = *f;
        }
    }
    *p = 0;
    return m;
}

static const char *obj_desc(struct jval v)
{
    switch (v.t) {
    case JT_DICT: return "'dict object'";
    case JT_LIST: return "'list object'";
    case JT_STR: return "'str object'";
    case JT_INT: return "'int object'";
    case JT_FLOAT: return "'float object'";
    case JT_BOOL: return "'bool object'";
    case JT_NONE: return "'None'";
    case JT_NS: return "'Namespace object'";
    default: return "'object'";
    }
}

/* ---- attribute and item access -------------------------------------------- */

struct jval jget_attr(struct jctx *c, struct jval obj, const char *name)
{
    jv_require(c, obj);
    if (obj.t == JT_DICT || obj.t == JT_NS) {
        struct jval *v = jd_get_str(obj.u.d, name, strlen(name));
        if (v)
            return *v;
    }
    return jv_undef(fmt_msg(c, "%1 has no attribute '%2'", obj_desc(obj), name));
}

static int64_t norm_index(int64_t i, size_t n, int *ok)
{
    if (i < 0)
        i += (int64_t)n;
    *ok = i >= 0 && (uint64_t)i < n;
    return i;
}

struct jval jget_item(struct jctx *c, struct jval obj, struct jval key)
{
    jv_require(c, obj);
    if ((obj.t == JT_LIST || obj.t == JT_STR) && (key.t == JT_INT || key.t == JT_BOOL)) {
        int ok;
        int64_t k = key.t == JT_INT ? key.u.i : key.u.b;
        if (obj.t == JT_LIST) {
            int64_t i = norm_index(k, obj.u.l->n, &ok);
            if (ok)
                return obj.u.l->v[i];
        } else {
            size_t ncp = ju_count(obj.u.s->p, obj.u.s->n);
            int64_t i = norm_index(k, ncp, &ok);
            if (ok) {
                size_t a = ju_offset(obj.u.s->p, obj.u.s->n, (size_t)i);
                size_t b = ju_offset(obj.u.s->p, obj.u.s->n, (size_t)i + 1);
                return jv_str(c, obj.u.s->p + a, b - a);
            }
        }
        return jv_undef(fmt_msg(c, "%1 has no element %2", obj_desc(obj), jv_to_str(c, key).u.s->p));
    }
    if (obj.t == JT_DICT || obj.t == JT_NS) {
        struct jval *v = jd_get(obj.u.d, key);
        if (v)
            return *v;
    }
    if (key.t == JT_STR)
        return jv_undef(fmt_msg(c, "%1 has no attribute '%2'", obj_desc(obj), key.u.s->p));
    return jv_undef(fmt_msg(c, "%1 has no element %2", obj_desc(obj),
                            key.t == JT_UNDEF ? "Undefined" : jv_to_str(c, key).u.s->p));
}

/* Python slice semantics on n elements: fills the chosen indices. */
static size_t slice_indices(struct jctx *c, size_t n, struct jval vs, struct jval ve, struct jval vst,
                            int64_t **out)
{
    int64_t stepv = 1;
    if (vst.t != JT_NONE && vst.t != JT_UNDEF) {
        if (vst.t != JT_INT && vst.t != JT_BOOL)
            jthrow(c, "slice indices must be integers or None");
        stepv = vst.t == JT_INT ? vst.u.i : vst.u.b;
        if (stepv == 0)
            jthrow(c, "slice step cannot be zero");
    }
    int64_t len = (int64_t)n, start, stop;
    struct jval ends[2] = { vs, ve };
    int64_t vals[2];
    for (int k = 0; k < 2; k++) {
        struct jval e = ends[k];
        if (e.t == JT_NONE || e.t == JT_UNDEF) {
            vals[k] = stepv > 0 ? (k == 0 ? 0 : len) : (k == 0 ? len - 1 : -1);
            continue;
        }
        if (e.t != JT_INT && e.t != JT_BOOL)
            jthrow(c, "slice indices must be integers or None");
        int64_t x = e.t == JT_INT ? e.u.i : e.u.b;
        if (x < 0) {
            x = x < -len ? (stepv < 0 ? -1 : 0) : x + len;
        } else if (x >= len) {
            x = stepv < 0 ? len - 1 : len;
        }
        vals[k] = x;
    }
    start = vals[0];
    stop = vals[1];
    size_t cnt = 0;
    if (stepv > 0 && stop > start)
        cnt = (size_t)((stop - start + stepv - 1) / stepv);
    else if (stepv < 0 && start > stop)
        cnt = (size_t)((start - stop + (-stepv) - 1) / (-stepv));
    int64_t *idx = ja_alloc(c->arena, (cnt ? cnt : 1) * sizeof(*idx));
    for (size_t i = 0; i < cnt; i++)
        idx[i] = start + (int64_t)i * stepv;
    *out = idx;
    return cnt;
}

static struct jval do_slice(struct jctx *c, struct jval obj, struct jval a, struct jval b, struct jval st)
{
    jv_require(c, obj);
    int64_t *idx;
    if (obj.t == JT_LIST) {
        size_t cnt = slice_indices(c, obj.u.l->n, a, b, st, &idx);
        struct jval r = jv_list(c, cnt);
        for (size_t i = 0; i < cnt; i++)
            r.u.l->v[i] = obj.u.l->v[idx[i]];
        r.u.l->n = cnt;
        return r;
    }
    if (obj.t == JT_STR) {
        const char *p = obj.u.s->p;
        size_t nb = obj.u.s->n, ncp = ju_count(p, nb);
        size_t *off = ja_alloc(c->arena, (ncp + 1) * sizeof(*off));
        size_t k = 0;
        for (size_t i = 0; i < nb; i++)
            if (((unsigned char)p[i] & 0xC0) != 0x80)
                off[k++] = i;
        off[ncp] = nb;
        size_t cnt = slice_indices(c, ncp, a, b, st, &idx);
        struct jbuf out = { 0 };
        for (size_t i = 0; i < cnt; i++)
            jb_put(c, &out, p + off[idx[i]], off[idx[i] + 1] - off[idx[i]]);
        return jv_str(c, out.p ? out.p : "", out.n);
    }
    jthrow(c, "'%s' object is not subscriptable", jv_typename(obj));
}

/* ---- operators ------------------------------------------------------------------ */

static _Noreturn void bad_operands(struct jctx *c, const char *op, struct jval a, struct jval b)
{
    jv_require(c, a);
    jv_require(c, b);
    jthrow(c, "unsupported operand type(s) for %s: '%s' and '%s'", op, jv_typename(a), jv_typename(b));
}

static int64_t ival(struct jval v) { return v.t == JT_INT ? v.u.i : v.u.b; }

static struct jval repeat(struct jctx *c, struct jval seq, int64_t times)
{
    if (times < 0)
        times = 0;
    size_t unit = seq.t == JT_STR ? seq.u.s->n : seq.u.l->n;
    if (unit && (uint64_t)times > JINJA_MAX_RANGE / unit)
        jthrow(c, "repetition result too large (more than %d items)", JINJA_MAX_RANGE);
    if (seq.t == JT_STR) {
        size_t total = unit * (size_t)times;
        char *buf = ja_alloc(c->arena, total + 1);
        for (int64_t i = 0; i < times; i++)
            memcpy(buf + (size_t)i * unit, seq.u.s->p, unit);
        return jv_str(c, buf, total);
    }
    struct jval r = jv_list(c, unit * (size_t)times);
    for (int64_t i = 0; i < times; i++)
        for (size_t j = 0; j < unit; j++)
            jl_push(c, r.u.l, seq.u.l->v[j]);
    return r;
}

static struct jval binary(struct jctx *c, int op, struct jval a, struct jval b)
{
    static const char *const names[] = { "+", "-", "*", "/", "//", "%", "**" };
    int ints = (a.t == JT_INT || a.t == JT_BOOL) && (b.t == JT_INT || b.t == JT_BOOL);
    int nums = jv_is_number(a) && jv_is_number(b);
    int64_t r;
    switch (op) {
    case OP_ADD:
        if (ints) {
            if (__builtin_add_overflow(ival(a), ival(b), &r))
                jthrow(c, "integer overflow in +");
            return jv_int(r);
        }
        if (nums)
            return jv_float(jv_num(a) + jv_num(b));
        if (a.t == JT_STR && b.t == JT_STR) {
            size_t n = a.u.s->n + b.u.s->n;
            char *buf = ja_alloc(c->arena, n + 1);
            memcpy(buf, a.u.s->p, a.u.s->n);
            memcpy(buf + a.u.s->n, b.u.s->p, b.u.s->n);
            return jv_str(c, buf, n);
        }
        if (a.t == JT_LIST && b.t == JT_LIST)
            return jl_concat(c, a.u.l, b.u.l);
        break;
    case OP_SUB:
        if (ints) {
            if (__builtin_sub_overflow(ival(a), ival(b), &r))
                jthrow(c, "integer overflow in -");
            return jv_int(r);
        }
        if (nums)
            return jv_float(jv_num(a) - jv_num(b));
        break;
    case OP_MUL:
        if (ints) {
            if (__builtin_mul_overflow(ival(a), ival(b), &r))
                jthrow(c, "integer overflow in *");
            return jv_int(r);
        }
        if (nums)
            return jv_float(jv_num(a) * jv_num(b));
        if ((a.t == JT_STR || a.t == JT_LIST) && (b.t == JT_INT || b.t == JT_BOOL))
            return repeat(c, a, ival(b));
        if ((b.t == JT_STR || b.t == JT_LIST) && (a.t == JT_INT || a.t == JT_BOOL))
            return repeat(c, b, ival(a));
        break;
    case OP_DIV:
        if (nums) {
            if (jv_num(b) == 0.0)
                jthrow(c, "division by zero");
            return jv_float(jv_num(a) / jv_num(b));
        }
        break;
    case OP_FLOORDIV:
    case OP_MOD:
        if (ints) {
            int64_t x = ival(a), y = ival(b);
            if (y == 0)
                jthrow(c, "integer division or modulo by zero");
            if (x == INT64_MIN && y == -1)
                jthrow(c, "integer overflow in %s", names[op]);
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) {
                q--;
                m += y;
            }
            return jv_int(op == OP_FLOORDIV ? q : m);
        }
        if (nums) {
            double x = jv_num(a), y = jv_num(b);
            if (y == 0.0)
                jthrow(c, "float division by zero");
            double m = fmod(x, y);
            if (m != 0.0 && ((m < 0) != (y < 0)))
                m += y;
            return jv_float(op == OP_FLOORDIV ? floor((x - m) / y) : m);
        }
        if (op == OP_MOD && a.t == JT_STR)
            return jformat_percent(c, a, b);
        break;
    case OP_POW:
        if (ints && ival(b) >= 0) {
            int64_t base = ival(a), e = ival(b), acc = 1;
            while (e > 0) {
                if (e & 1)
                    if (__builtin_mul_overflow(acc, base, &acc))
                        jthrow(c, "integer overflow in **");
                e >>= 1;
                if (e && __builtin_mul_overflow(base, base, &base))
                    jthrow(c, "integer overflow in **");
            }
            return jv_int(acc);
        }
        if (nums)
            return jv_float(pow(jv_num(a), jv_num(b)));
        break;
    }
    bad_operands(c, names[op], a, b);
}

static int contains(struct jctx *c, struct jval hay, struct jval needle)
{
    switch (hay.t) {
    case JT_STR:
        jv_require(c, needle);
        if (needle.t != JT_STR)
            jthrow(c, "'in <string>' requires string as left operand, not %s", jv_typename(needle));
        if (needle.u.s->n == 0)
            return 1;
        return memmem(hay.u.s->p, hay.u.s->n, needle.u.s->p, needle.u.s->n) != NULL;
    case JT_LIST:
        for (size_t i = 0; i < hay.u.l->n; i++)
            if (jv_equal(hay.u.l->v[i], needle))
                return 1;
        return 0;
    case JT_DICT: case JT_NS:
        return jd_get(hay.u.d, needle) != NULL;
    case JT_UNDEF:
        return 0;
    default:
        jthrow(c, "argument of type '%s' is not iterable", jv_typename(hay));
    }
}

static int compare(struct jctx *c, int op, struct jval a, struct jval b)
{
    switch (op) {
    case OP_EQ: return jv_equal(a, b);
    case OP_NE: return !jv_equal(a, b);
    case OP_LT: return jv_compare(c, a, b) < 0;
    case OP_LE: return jv_compare(c, a, b) <= 0;
    case OP_GT: return jv_compare(c, a, b) > 0;
    case OP_GE: return jv_compare(c, a, b) >= 0;
    case OP_IN: return contains(c, b, a);
    case OP_NOTIN: return !contains(c, b, a);
    }
    return 0;
}

/* ---- calls ---------------------------------------------------------------------- */

struct jval jcall_macro(struct jctx *c, struct jmacro *m, struct jval *args, size_t nargs, const char **kwn,
                        struct jval *kwv, size_t nkw, struct jmacro *caller);

struct jval jcall_value(struct jctx *c, struct jval f, struct jval *args, size_t nargs, const char **kwn,
                        struct jval *kwv, size_t nkw)
{
    if (f.t == JT_MACRO)
        return jcall_macro(c, f.u.m, args, nargs, kwn, kwv, nkw, NULL);
    if (f.t == JT_FUNC)
        return jfunc_call(c, f, args, nargs, kwn, kwv, nkw);
    jv_require(c, f);
    jthrow(c, "'%s' object is not callable", jv_typename(f));
}

struct jval jcall_macro(struct jctx *c, struct jmacro *m, struct jval *args, size_t nargs, const char **kwn,
                        struct jval *kwv, size_t nkw, struct jmacro *caller)
{
    const struct jnode *def = m->def;
    const char *mname = def->k == N_MACRO ? def->name : "caller";
    if (c->call_depth >= JINJA_MAX_CALLS)
        jthrow(c, "macro calls nested too deeply (more than %d)", JINJA_MAX_CALLS);
    if (nargs > def->ntargets)
        jthrow(c, "macro '%s' takes not more than %zu argument(s)", mname, def->ntargets);
    struct jscope *s = scope_new(c, m->closure);
    for (size_t k = 0; k < nkw; k++) {
        size_t i;
        for (i = 0; i < def->ntargets; i++)
            if (!strcmp(def->targets[i], kwn[k]))
                break;
        if (i == def->ntargets)
            jthrow(c, "macro '%s' takes no keyword argument '%s'", mname, kwn[k]);
        if (i < nargs)
            jthrow(c, "macro '%s' got multiple values for argument '%s'", mname, kwn[k]);
    }
    int saved_depth = c->call_depth, saved_loop = c->loop_ctl;
    c->call_depth++;
    for (size_t i = 0; i < def->ntargets; i++) {
        struct jval v;
        int found = 0;
        if (i < nargs) {
            v = args[i];
            found = 1;
        } else {
            for (size_t k = 0; k < nkw; k++)
                if (!strcmp(def->targets[i], kwn[k])) {
                    v = kwv[k];
                    found = 1;
                }
        }
        if (!found) {
            if (def->defaults && def->defaults[i])
                v = jeval(c, s, def->defaults[i]);
            else
                v = jv_undef(fmt_msg(c, "parameter '%1' was not provided", def->targets[i], NULL));
        }
        scope_set(c, s, def->targets[i], v);
    }
    if (caller) {
        struct jval cv = { .t = JT_MACRO };
        cv.u.m = caller;
        scope_set(c, s, "caller", cv);
    }
    struct jbuf out = { 0 }, *saved = c->out;
    c->out = &out;
    jexec(c, s, def->b);
    c->out = saved;
    c->call_depth = saved_depth;
    c->loop_ctl = saved_loop;
    return jv_str(c, out.p ? out.p : "", out.n);
}

/* Evaluate call arguments: positional first, then keyword values. */
static struct jval *eval_args(struct jctx *c, struct jscope *s, const struct jnode *n, size_t *npos)
{
    struct jval *v = ja_alloc(c->arena, (n->nkids ? n->nkids : 1) * sizeof(*v));
    for (size_t i = 0; i < n->nkids; i++)
        v[i] = jeval(c, s, n->kids[i]);
    *npos = n->nkids - n->nkw;
    return v;
}

static struct jval eval_call(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    size_t npos;
    const struct jnode *callee = n->a;
    if (callee->k == E_ATTR) {
        struct jval obj = jeval(c, s, callee->a);
        struct jval *args = eval_args(c, s, n, &npos);
        struct jval out;
        c->pos = n->pos;
        if (obj.t != JT_UNDEF &&
            jmethod_call(c, obj, callee->name, args, npos, n->kwnames, args + npos, n->nkw, &out))
            return out;
        struct jval f = jget_attr(c, obj, callee->name);
        c->pos = n->pos;
        return jcall_value(c, f, args, npos, n->kwnames, args + npos, n->nkw);
    }
    struct jval f = jeval(c, s, callee);
    struct jval *args = eval_args(c, s, n, &npos);
    c->pos = n->pos;
    return jcall_value(c, f, args, npos, n->kwnames, args + npos, n->nkw);
}

static struct jval apply_filter(struct jctx *c, struct jscope *s, const struct jnode *f, struct jval in)
{
    size_t npos;
    struct jval *args = eval_args(c, s, f, &npos);
    c->pos = f->pos;
    return jfilter_apply(c, f->name, in, args, npos, f->kwnames, args + npos, f->nkw);
}

/* ---- expressions -------------------------------------------------------------------- */

static struct jval eval_node(struct jctx *c, struct jscope *s, const struct jnode *n);

/* Expressions like a + a + ... + a parse into trees as deep as they are long;
 * the depth bound keeps evaluation off the end of the C stack. */
struct jval jeval(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    if (++c->eval_depth > JINJA_MAX_EVAL_DEPTH)
        jthrow_at(c, n->pos, "expression nested too deeply (more than %d levels)", JINJA_MAX_EVAL_DEPTH);
    struct jval v = eval_node(c, s, n);
    c->eval_depth--;
    return v;
}

static struct jval eval_node(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    step(c, n);
    switch (n->k) {
    case E_CONST:
        return n->val;
    case E_NAME: {
        struct jval *v = scope_find(s, n->name);
        if (v)
            return *v;
        struct jval g;
        if (jglobal_lookup(n->name, &g))
            return g;
        return jv_undef(fmt_msg(c, "'%1' is undefined", n->name, NULL));
    }
    case E_ATTR: {
        struct jval o = jeval(c, s, n->a);
        c->pos = n->pos;
        return jget_attr(c, o, n->name);
    }
    case E_ITEM: {
        struct jval o = jeval(c, s, n->a);
        struct jval k = jeval(c, s, n->b);
        c->pos = n->pos;
        return jget_item(c, o, k);
    }
    case E_SLICE: {
        struct jval o = jeval(c, s, n->a);
        struct jval a = n->b ? jeval(c, s, n->b) : jv_none();
        struct jval b = n->c ? jeval(c, s, n->c) : jv_none();
        struct jval st = n->d ? jeval(c, s, n->d) : jv_none();
        c->pos = n->pos;
        return do_slice(c, o, a, b, st);
    }
    case E_CALL:
        return eval_call(c, s, n);
    case E_FILTER: {
        struct jval in = jeval(c, s, n->a);
        return apply_filter(c, s, n, in);
    }
    case E_TEST: {
        struct jval in = jeval(c, s, n->a);
        size_t npos;
        struct jval *args = eval_args(c, s, n, &npos);
        c->pos = n->pos;
        int r = jtest_apply(c, n->name, in, args, npos);
        return jv_bool(n->op ? !r : r);
    }
    case E_NEG: case E_POS: {
        struct jval v = jeval(c, s, n->a);
        c->pos = n->pos;
        if (v.t == JT_INT || v.t == JT_BOOL) {
            int64_t x = ival(v);
            if (n->k == E_POS)
                return jv_int(x);
            if (x == INT64_MIN)
                jthrow(c, "integer overflow in unary -");
            return jv_int(-x);
        }
        if (v.t == JT_FLOAT)
            return jv_float(n->k == E_NEG ? -v.u.f : v.u.f);
        jv_require(c, v);
        jthrow(c, "bad operand type for unary %s: '%s'", n->k == E_NEG ? "-" : "+", jv_typename(v));
    }
    case E_NOT:
        return jv_bool(!jv_truthy(jeval(c, s, n->a)));
    case E_AND: {
        struct jval a = jeval(c, s, n->a);
        return jv_truthy(a) ? jeval(c, s, n->b) : a;
    }
    case E_OR: {
        struct jval a = jeval(c, s, n->a);
        return jv_truthy(a) ? a : jeval(c, s, n->b);
    }
    case E_BIN: {
        struct jval a = jeval(c, s, n->a);
        struct jval b = jeval(c, s, n->b);
        c->pos = n->pos;
        return binary(c, n->op, a, b);
    }
    case E_CMP: {
        struct jval a = jeval(c, s, n->a);
        struct jval b = jeval(c, s, n->b);
        c->pos = n->pos;
        return jv_bool(compare(c, n->op, a, b));
    }
    case E_CONCAT: {
        struct jval a = jv_to_str(c, jeval(c, s, n->a));
        struct jval b = jv_to_str(c, jeval(c, s, n->b));
        return binary(c, OP_ADD, a, b);
    }
    case E_COND:
        if (jv_truthy(jeval(c, s, n->a)))
            return jeval(c, s, n->b);
        return n->c ? jeval(c, s, n->c) : jv_undef("the condition was false and there is no else branch");
    case E_LIST: {
        struct jval l = jv_list(c, n->nkids);
        l.u.l->tuple = n->op;
        for (size_t i = 0; i < n->nkids; i++)
            jl_push(c, l.u.l, jeval(c, s, n->kids[i]));
        return l;
    }
    case E_DICT: {
        struct jval d = jv_dict(c, n->nkids / 2);
        for (size_t i = 0; i + 1 < n->nkids; i += 2) {
            struct jval k = jeval(c, s, n->kids[i]);
            jv_require(c, k);
            if (k.t == JT_LIST || k.t == JT_DICT)
                jthrow(c, "unhashable type: '%s'", jv_typename(k));
            jd_set(c, d.u.d, k, jeval(c, s, n->kids[i + 1]));
        }
        return d;
    }
    default:
        jthrow(c, "internal error: statement used as expression");
    }
}

/* ---- statements ---------------------------------------------------------------------- */

static struct jval iterable_items(struct jctx *c, struct jval v)
{
    if (v.t == JT_NS)
        jthrow(c, "'Namespace' object is not iterable");
    return jv_to_list(c, v);
}

static void bind_targets(struct jctx *c, struct jscope *s, const struct jnode *n, struct jval item)
{
    if (n->ntargets == 1) {
        scope_set(c, s, n->targets[0], item);
        return;
    }
    struct jval l = iterable_items(c, item);
    if (l.u.l->n != n->ntargets)
        jthrow(c, "cannot unpack %zu values into %zu names", l.u.l->n, n->ntargets);
    for (size_t i = 0; i < n->ntargets; i++)
        scope_set(c, s, n->targets[i], l.u.l->v[i]);
}

static void exec_for(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    struct jval seq = iterable_items(c, jeval(c, s, n->a));
    c->pos = n->pos;
    struct jlist *items = seq.u.l;
    if (n->d) {                               /* for x in y if cond: filter first */
        struct jval kept = jv_list(c, items->n);
        for (size_t i = 0; i < items->n; i++) {
            struct jscope *fs = scope_new(c, s);
            bind_targets(c, fs, n, items->v[i]);
            if (jv_truthy(jeval(c, fs, n->d)))
                jl_push(c, kept.u.l, items->v[i]);
        }
        items = kept.u.l;
    }
    if (items->n == 0) {
        if (n->c)
            jexec(c, s, n->c);
        return;
    }
    size_t len = items->n;
    for (size_t i = 0; i < len; i++) {
        struct jscope *is = scope_new(c, s);
        bind_targets(c, is, n, items->v[i]);
        struct jval loop = jv_dict(c, 10);
        struct jdict *d = loop.u.d;
        jd_set_str(c, d, "index", jv_int((int64_t)i + 1));
        jd_set_str(c, d, "index0", jv_int((int64_t)i));
        jd_set_str(c, d, "revindex", jv_int((int64_t)(len - i)));
        jd_set_str(c, d, "revindex0", jv_int((int64_t)(len - i - 1)));
        jd_set_str(c, d, "first", jv_bool(i == 0));
        jd_set_str(c, d, "last", jv_bool(i + 1 == len));
        jd_set_str(c, d, "length", jv_int((int64_t)len));
        jd_set_str(c, d, "depth", jv_int(1));
        jd_set_str(c, d, "depth0", jv_int(0));
        jd_set_str(c, d, "previtem", i ? items->v[i - 1] : jv_undef("there is no previous item"));
        jd_set_str(c, d, "nextitem", i + 1 < len ? items->v[i + 1] : jv_undef("there is no next item"));
        struct jval cycle = { .t = JT_FUNC };
        cycle.u.fn.id = JF_CYCLE;
        cycle.u.fn.arg = (int64_t)i;
        jd_set_str(c, d, "cycle", cycle);
        scope_set(c, is, "loop", loop);
        c->loop_ctl = 0;
        jexec(c, is, n->b);
        int ctl = c->loop_ctl;
        c->loop_ctl = 0;
        if (ctl == 1)
            break;
    }
}

static struct jval render_to_string(struct jctx *c, struct jscope *s, const struct jnode *body)
{
    struct jbuf out = { 0 }, *saved = c->out;
    c->out = &out;
    jexec(c, s, body);
    c->out = saved;
    return jv_str(c, out.p ? out.p : "", out.n);
}

static struct jval apply_chain(struct jctx *c, struct jscope *s, const struct jnode *chain, struct jval v)
{
    for (size_t i = 0; chain && i < chain->nkids; i++)
        v = apply_filter(c, s, chain->kids[i], v);
    return v;
}

static void exec_node(struct jctx *c, struct jscope *s, const struct jnode *n);

/* Statements count toward the same depth bound as expressions: macro
 * recursion through nested blocks must not exhaust the C stack either. */
void jexec(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    if (++c->eval_depth > JINJA_MAX_EVAL_DEPTH)
        jthrow_at(c, n->pos, "template nested too deeply when rendering (more than %d levels)",
                  JINJA_MAX_EVAL_DEPTH);
    exec_node(c, s, n);
    c->eval_depth--;
}

static void exec_node(struct jctx *c, struct jscope *s, const struct jnode *n)
{
    step(c, n);
    switch (n->k) {
    case N_BODY:
        for (size_t i = 0; i < n->nkids && !c->loop_ctl; i++)
            jexec(c, s, n->kids[i]);
        return;
    case N_TEXT:
        jb_put(c, c->out, n->val.u.s->p, n->val.u.s->n);
        return;
    case N_OUTPUT: {
        struct jval v = jeval(c, s, n->a);
        c->pos = n->pos;
        jv_write_str(c, c->out, v);
        return;
    }
    case N_IF:
        if (jv_truthy(jeval(c, s, n->a)))
            jexec(c, s, n->b);
        else if (n->c)
            jexec(c, s, n->c);
        return;
    case N_FOR:
        exec_for(c, s, n);
        return;
    case N_SET: {
        struct jval v = jeval(c, s, n->a);
        c->pos = n->pos;
        bind_targets(c, s, n, v);
        return;
    }
    case N_SET_ATTR: {
        struct jval *ns = scope_find(s, n->targets[0]);
        if (!ns || ns->t != JT_NS)
            jthrow(c, "can only set attributes on namespace objects ('%s' is %s)", n->targets[0],
                   ns ? jv_typename(*ns) : "undefined");
        struct jval v = jeval(c, s, n->a);
        jd_set_str(c, ns->u.d, n->name, v);
        return;
    }
    case N_SET_BLOCK: {
        struct jval v = render_to_string(c, s, n->b);
        scope_set(c, s, n->name, apply_chain(c, s, n->a, v));
        return;
    }
    case N_MACRO: {
        struct jmacro *m = ja_alloc(c->arena, sizeof(*m));
        m->def = n;
        m->closure = s;
        struct jval v = { .t = JT_MACRO };
        v.u.m = m;
        scope_set(c, s, n->name, v);
        return;
    }
    case N_CALL_BLOCK: {
        const struct jnode *call = n->a;
        struct jval f = jeval(c, s, call->a);
        if (f.t != JT_MACRO)
            jthrow(c, "'call' needs a macro, got %s", jv_typename(f));
        size_t npos;
        struct jval *args = eval_args(c, s, call, &npos);
        struct jmacro *caller = ja_alloc(c->arena, sizeof(*caller));
        caller->def = n;
        caller->closure = s;
        struct jval r = jcall_macro(c, f.u.m, args, npos, call->kwnames, args + npos, call->nkw, caller);
        jv_write_str(c, c->out, r);
        return;
    }
    case N_FILTER_BLOCK: {
        struct jval v = render_to_string(c, s, n->b);
        jv_write_str(c, c->out, apply_chain(c, s, n->a, v));
        return;
    }
    case N_BREAK:
    case N_CONTINUE:
        c->loop_ctl = n->k == N_BREAK ? 1 : 2;
        return;
    default:
        jthrow(c, "internal error: expression used as statement");
    }
}
