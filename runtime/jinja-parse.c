/*
 * jinja-parse.c - recursive-descent parser from tokens to the AST of
 * jinja-internal.h. Operator precedence is Jinja2's, lowest first:
 *   a if c else b / or / and / not / comparisons and `in` / + - / ~ /
 *   * / // % / ** / unary - + / primary with .attr [item] (call), then
 *   `| filter` and `is test`.
 * Unknown filters and tests are errors here, at compile time, as in Jinja2.
 * Nesting is bounded (JINJA_MAX_NESTING) so a hostile template cannot
 * overflow the C stack.
 */
#include "jinja-internal.h"

#include <string.h>

struct ps {
    struct jctx *c;
    struct jtoken *t;
    size_t n, i;
};

static struct jtoken *cur(struct ps *P) { return &P->t[P->i]; }
static struct jtoken *peek_at(struct ps *P, size_t k) { return &P->t[P->i + k < P->n ? P->i + k : P->n - 1]; }
static void adv(struct ps *P)
{
    if (P->t[P->i].t != TK_EOF)
        P->i++;
}

static int is_op(struct jtoken *tk, const char *op)
{
    return tk->t == TK_OP && tk->n == strlen(op) && memcmp(tk->s, op, tk->n) == 0;
}
static int is_name(struct jtoken *tk, const char *nm)
{
    return tk->t == TK_NAME && tk->n == strlen(nm) && memcmp(tk->s, nm, tk->n) == 0;
}

static const char *tok_desc(struct ps *P, struct jtoken *tk)
{
    switch (tk->t) {
    case TK_EOF: return "end of template";
    case TK_DATA: return "text";
    case TK_VAR_BEGIN: return "'{{'";
    case TK_VAR_END: return "'}}'";
    case TK_BLOCK_BEGIN: return "'{%'";
    case TK_BLOCK_END: return "'%}'";
    case TK_STRING: return "string";
    case TK_INT: case TK_FLOAT: return "number";
    default: return ja_strndup(P->c->arena, tk->s, tk->n > 40 ? 40 : tk->n);
    }
}

static _Noreturn void fail_expect(struct ps *P, const char *what)
{
    jthrow_at(P->c, cur(P)->pos, "expected %s, got %s", what, tok_desc(P, cur(P)));
}

static void expect_op(struct ps *P, const char *op)
{
    if (!is_op(cur(P), op)) {
        char w[16];
        w[0] = '\'';
        strcpy(w + 1, op);
        strcat(w, "'");
        fail_expect(P, w);
    }
    adv(P);
}

static const char *expect_name(struct ps *P)
{
    struct jtoken *tk = cur(P);
    if (tk->t != TK_NAME)
        fail_expect(P, "a name");
    adv(P);
    return ja_strndup(P->c->arena, tk->s, tk->n);
}

static void expect_block_end(struct ps *P)
{
    if (cur(P)->t != TK_BLOCK_END)
        fail_expect(P, "'%}'");
    adv(P);
}

static struct jnode *node(struct ps *P, enum jnodekind k, size_t pos)
{
    struct jnode *n = ja_alloc(P->c->arena, sizeof(*n));
    n->k = k;
    n->pos = pos;
    return n;
}

struct nvec {
    struct jnode **v;
    size_t n, cap;
};
static void nv_push(struct ps *P, struct nvec *nv, struct jnode *x)
{
    if (nv->n == nv->cap) {
        size_t cap = nv->cap ? nv->cap * 2 : 8;
        struct jnode **v = ja_alloc(P->c->arena, cap * sizeof(*v));
        if (nv->n)
            memcpy(v, nv->v, nv->n * sizeof(*v));
        nv->v = v;
        nv->cap = cap;
    }
    nv->v[nv->n++] = x;
}

static void enter(struct ps *P)
{
    if (++P->c->depth > JINJA_MAX_NESTING)
        jthrow_at(P->c, cur(P)->pos, "template nested too deeply (more than %d levels)", JINJA_MAX_NESTING);
}
static void leave(struct ps *P) { P->c->depth--; }

static struct jnode *parse_expr(struct ps *P, int with_cond);
static struct jnode *parse_unary(struct ps *P, int with_filter);

/* Arguments of a call, filter or test: '(' already consumed. */
static void parse_args(struct ps *P, struct jnode *n)
{
    struct nvec pos = { 0 }, kwv = { 0 };
    const char **kwn = NULL;
    size_t nkw = 0, kwcap = 0;
    while (!is_op(cur(P), ")")) {
        if (pos.n + kwv.n)
            expect_op(P, ",");
        if (is_op(cur(P), ")"))
            break;
        if (cur(P)->t == TK_NAME && is_op(peek_at(P, 1), "=")) {
            const char *nm = expect_name(P);
            adv(P);
            if (nkw == kwcap) {
                kwcap = kwcap ? kwcap * 2 : 4;
                const char **nk = ja_alloc(P->c->arena, kwcap * sizeof(*nk));
                if (nkw)
                    memcpy(nk, kwn, nkw * sizeof(*nk));
                kwn = nk;
            }
            kwn[nkw++] = nm;
            nv_push(P, &kwv, parse_expr(P, 1));
        } else {
            if (kwv.n)
                jthrow_at(P->c, cur(P)->pos, "positional argument after keyword argument");
            nv_push(P, &pos, parse_expr(P, 1));
        }
    }
    adv(P);
    for (size_t i = 0; i < kwv.n; i++)
        nv_push(P, &pos, kwv.v[i]);
    n->kids = pos.v;
    n->nkids = pos.n;
    n->kwnames = kwn;
    n->nkw = nkw;
}

static struct jnode *parse_primary(struct ps *P)
{
    struct jtoken *tk = cur(P);
    struct jnode *n;
    enter(P);
    switch (tk->t) {
    case TK_NAME:
        n = node(P, E_CONST, tk->pos);
        if (is_name(tk, "true") || is_name(tk, "True")) {
            n->val = jv_bool(1);
        } else if (is_name(tk, "false") || is_name(tk, "False")) {
            n->val = jv_bool(0);
        } else if (is_name(tk, "none") || is_name(tk, "None")) {
            n->val = jv_none();
        } else {
            n->k = E_NAME;
            n->name = ja_strndup(P->c->arena, tk->s, tk->n);
        }
        adv(P);
        break;
    case TK_STRING: {
        /* adjacent literals concatenate, as in Python */
        size_t total = 0, j = P->i;
        while (P->t[j].t == TK_STRING)
            total += P->t[j++].n;
        char *buf = ja_alloc(P->c->arena, total + 1);
        size_t k = 0;
        while (cur(P)->t == TK_STRING) {
            memcpy(buf + k, cur(P)->s, cur(P)->n);
            k += cur(P)->n;
            adv(P);
        }
        n = node(P, E_CONST, tk->pos);
        n->val = jv_str(P->c, buf, k);
        break;
    }
    case TK_INT:
        n = node(P, E_CONST, tk->pos);
        n->val = jv_int(tk->i);
        adv(P);
        break;
    case TK_FLOAT:
        n = node(P, E_CONST, tk->pos);
        n->val = jv_float(tk->f);
        adv(P);
        break;
    case TK_OP:
        if (is_op(tk, "(")) {
            adv(P);
            if (is_op(cur(P), ")")) {          /* empty tuple */
                adv(P);
                n = node(P, E_LIST, tk->pos);
                n->op = 1;
                break;
            }
            struct jnode *first = parse_expr(P, 1);
            if (is_op(cur(P), ",")) {          /* tuple: a list to us */
                struct nvec items = { 0 };
                nv_push(P, &items, first);
                while (is_op(cur(P), ",")) {
                    adv(P);
                    if (is_op(cur(P), ")"))
                        break;
                    nv_push(P, &items, parse_expr(P, 1));
                }
                n = node(P, E_LIST, tk->pos);
                n->op = 1;
                n->kids = items.v;
                n->nkids = items.n;
            } else {
                n = first;
            }
            expect_op(P, ")");
            break;
        }
        if (is_op(tk, "[")) {
            adv(P);
            struct nvec items = { 0 };
            while (!is_op(cur(P), "]")) {
                if (items.n)
                    expect_op(P, ",");
                if (is_op(cur(P), "]"))
                    break;
                nv_push(P, &items, parse_expr(P, 1));
            }
            adv(P);
            n = node(P, E_LIST, tk->pos);
            n->kids = items.v;
            n->nkids = items.n;
            break;
        }
        if (is_op(tk, "{")) {
            adv(P);
            struct nvec items = { 0 };
            while (!is_op(cur(P), "}")) {
                if (items.n)
                    expect_op(P, ",");
                if (is_op(cur(P), "}"))
                    break;
                nv_push(P, &items, parse_expr(P, 1));
                expect_op(P, ":");
                nv_push(P, &items, parse_expr(P, 1));
            }
            adv(P);
            n = node(P, E_DICT, tk->pos);
            n->kids = items.v;
            n->nkids = items.n;
            break;
        }
        /* fall through */
    default:
        fail_expect(P, "an expression");
    }
    leave(P);
    return n;
}

static struct jnode *parse_postfix(struct ps *P, struct jnode *n)
{
    for (;;) {
        struct jtoken *tk = cur(P);
        if (is_op(tk, ".")) {
            adv(P);
            struct jnode *a;
            if (cur(P)->t == TK_INT) {            /* x.0 means x[0] */
                a = node(P, E_ITEM, tk->pos);
                a->b = node(P, E_CONST, cur(P)->pos);
                a->b->val = jv_int(cur(P)->i);
                adv(P);
            } else {
                a = node(P, E_ATTR, tk->pos);
                a->name = expect_name(P);
            }
            a->a = n;
            n = a;
        } else if (is_op(tk, "[")) {
            adv(P);
            struct jnode *parts[3] = { NULL, NULL, NULL };
            int colons = 0;
            for (;;) {
                if (is_op(cur(P), "]"))
                    break;
                if (is_op(cur(P), ":")) {
                    if (++colons > 2)
                        fail_expect(P, "']'");
                    adv(P);
                    continue;
                }
                if (parts[colons])
                    fail_expect(P, "':' or ']'");
                parts[colons] = parse_expr(P, 1);
            }
            adv(P);
            struct jnode *a;
            if (colons == 0) {
                if (!parts[0])
                    jthrow_at(P->c, tk->pos, "empty subscript");
                a = node(P, E_ITEM, tk->pos);
                a->b = parts[0];
            } else {
                a = node(P, E_SLICE, tk->pos);
                a->b = parts[0];
                a->c = parts[1];
                a->d = parts[2];
            }
            a->a = n;
            n = a;
        } else if (is_op(tk, "(")) {
            adv(P);
            struct jnode *a = node(P, E_CALL, n->pos);   /* errors point at the callee */
            a->a = n;
            parse_args(P, a);
            n = a;
        } else {
            return n;
        }
    }
}

static struct jnode *parse_filter(struct ps *P, struct jnode *input)
{
    size_t pos = cur(P)->pos;
    const char *nm = expect_name(P);
    while (is_op(cur(P), ".")) {                  /* dotted filter names */
        adv(P);
        const char *more = expect_name(P);
        size_t l1 = strlen(nm), l2 = strlen(more);
        char *j = ja_alloc(P->c->arena, l1 + l2 + 2);
        memcpy(j, nm, l1);
        j[l1] = '.';
        memcpy(j + l1 + 1, more, l2 + 1);
        nm = j;
    }
    if (!jfilter_known(nm))
        jthrow_at(P->c, pos, "no filter named '%s'", nm);
    struct jnode *f = node(P, E_FILTER, pos);
    f->name = nm;
    f->a = input;
    if (is_op(cur(P), "(")) {
        adv(P);
        parse_args(P, f);
    }
    return f;
}

static struct jnode *parse_filter_expr(struct ps *P, struct jnode *n)
{
    for (;;) {
        struct jtoken *tk = cur(P);
        if (is_op(tk, "|")) {
            adv(P);
            n = parse_filter(P, n);
        } else if (is_name(tk, "is")) {
            adv(P);
            int neg = 0;
            if (is_name(cur(P), "not")) {
                neg = 1;
                adv(P);
            }
            size_t pos = cur(P)->pos;
            const char *nm;
            /* `is none`, `is true`, `is false` arrive as keywords */
            if (cur(P)->t == TK_NAME) {
                nm = expect_name(P);
            } else {
                fail_expect(P, "a test name");
            }
            if (!strcmp(nm, "None"))
                nm = "none";
            else if (!strcmp(nm, "True"))
                nm = "true";
            else if (!strcmp(nm, "False"))
                nm = "false";
            if (!jtest_known(nm))
                jthrow_at(P->c, pos, "no test named '%s'", nm);
            struct jnode *t = node(P, E_TEST, pos);
            t->name = nm;
            t->op = neg;
            t->a = n;
            struct jtoken *a = cur(P);
            if (is_op(a, "(")) {
                adv(P);
                parse_args(P, t);
            } else if ((a->t == TK_NAME || a->t == TK_STRING || a->t == TK_INT || a->t == TK_FLOAT ||
                        is_op(a, "[") || is_op(a, "{")) &&
                       !is_name(a, "else") && !is_name(a, "or") && !is_name(a, "and") && !is_name(a, "if") &&
                       !is_name(a, "in") && !is_name(a, "not") && !is_name(a, "is")) {
                struct jnode *arg = parse_postfix(P, parse_primary(P));
                t->kids = ja_alloc(P->c->arena, sizeof(*t->kids));
                t->kids[0] = arg;
                t->nkids = 1;
            }
            n = t;
        } else {
            return n;
        }
    }
}

static struct jnode *parse_unary(struct ps *P, int with_filter)
{
    struct jtoken *tk = cur(P);
    struct jnode *n;
    enter(P);
    if (is_op(tk, "-") || is_op(tk, "+")) {
        adv(P);
        n = node(P, is_op(tk, "-") ? E_NEG : E_POS, tk->pos);
        n->a = parse_unary(P, 0);
    } else {
        n = parse_primary(P);
    }
    n = parse_postfix(P, n);
    if (with_filter)
        n = parse_filter_expr(P, n);
    leave(P);
    return n;
}

/* A node of kind k over two operands. */
static struct jnode *pair(struct ps *P, enum jnodekind k, size_t pos, struct jnode *a, struct jnode *b)
{
    struct jnode *n = node(P, k, pos);
    n->a = a;
    n->b = b;
    return n;
}

static struct jnode *binop(struct ps *P, int op, size_t pos, struct jnode *a, struct jnode *b)
{
    struct jnode *n = pair(P, E_BIN, pos, a, b);
    n->op = op;
    return n;
}

static struct jnode *parse_pow(struct ps *P)
{
    struct jnode *n = parse_unary(P, 1);
    while (is_op(cur(P), "**")) {
        size_t pos = cur(P)->pos;
        adv(P);
        n = binop(P, OP_POW, pos, n, parse_unary(P, 1));
    }
    return n;
}

static struct jnode *parse_math2(struct ps *P)
{
    struct jnode *n = parse_pow(P);
    for (;;) {
        struct jtoken *tk = cur(P);
        int op = is_op(tk, "*") ? OP_MUL : is_op(tk, "/") ? OP_DIV : is_op(tk, "//") ? OP_FLOORDIV :
                 is_op(tk, "%") ? OP_MOD : -1;
        if (op < 0)
            return n;
        adv(P);
        n = binop(P, op, tk->pos, n, parse_pow(P));
    }
}

static struct jnode *parse_concat(struct ps *P)
{
    struct jnode *n = parse_math2(P);
    while (is_op(cur(P), "~")) {
        size_t pos = cur(P)->pos;
        adv(P);
        n = pair(P, E_CONCAT, pos, n, parse_math2(P));
    }
    return n;
}

static struct jnode *parse_math1(struct ps *P)
{
    struct jnode *n = parse_concat(P);
    for (;;) {
        struct jtoken *tk = cur(P);
        int op = is_op(tk, "+") ? OP_ADD : is_op(tk, "-") ? OP_SUB : -1;
        if (op < 0)
            return n;
        adv(P);
        n = binop(P, op, tk->pos, n, parse_concat(P));
    }
}

static struct jnode *parse_compare(struct ps *P)
{
    struct jnode *n = parse_math1(P), *result = NULL;
    for (;;) {
        struct jtoken *tk = cur(P);
        int op = is_op(tk, "==") ? OP_EQ : is_op(tk, "!=") ? OP_NE : is_op(tk, "<") ? OP_LT :
                 is_op(tk, "<=") ? OP_LE : is_op(tk, ">") ? OP_GT : is_op(tk, ">=") ? OP_GE :
                 is_name(tk, "in") ? OP_IN : -1;
        if (op < 0 && is_name(tk, "not") && is_name(peek_at(P, 1), "in")) {
            op = OP_NOTIN;
            adv(P);
        }
        if (op < 0)
            break;
        adv(P);
        struct jnode *rhs = parse_math1(P);
        struct jnode *cmp = pair(P, E_CMP, tk->pos, n, rhs);
        cmp->op = op;
        /* a < b < c: (a < b) and (b < c) */
        result = result ? pair(P, E_AND, tk->pos, result, cmp) : cmp;
        n = rhs;
    }
    return result ? result : n;
}

static struct jnode *parse_not(struct ps *P)
{
    if (is_name(cur(P), "not")) {
        struct jnode *n = node(P, E_NOT, cur(P)->pos);
        adv(P);
        enter(P);
        n->a = parse_not(P);
        leave(P);
        return n;
    }
    return parse_compare(P);
}

static struct jnode *parse_and(struct ps *P)
{
    struct jnode *n = parse_not(P);
    while (is_name(cur(P), "and")) {
        size_t pos = cur(P)->pos;
        adv(P);
        n = pair(P, E_AND, pos, n, parse_not(P));
    }
    return n;
}

static struct jnode *parse_or(struct ps *P)
{
    struct jnode *n = parse_and(P);
    while (is_name(cur(P), "or")) {
        size_t pos = cur(P)->pos;
        adv(P);
        n = pair(P, E_OR, pos, n, parse_and(P));
    }
    return n;
}

static struct jnode *parse_expr(struct ps *P, int with_cond)
{
    enter(P);
    struct jnode *n = parse_or(P);
    while (with_cond && is_name(cur(P), "if")) {
        struct jnode *c = node(P, E_COND, cur(P)->pos);
        adv(P);
        c->a = parse_or(P);
        c->b = n;
        if (is_name(cur(P), "else")) {
            adv(P);
            c->c = parse_expr(P, 1);
        }
        n = c;
    }
    leave(P);
    return n;
}

/* ---- statements ------------------------------------------------------------- */

static struct jnode *parse_body(struct ps *P, const char *const *stops, int *which);

static const char **parse_targets(struct ps *P, size_t *count)
{
    const char **v = NULL;
    size_t n = 0, cap = 0;
    int paren = 0;
    if (is_op(cur(P), "(")) {
        paren = 1;
        adv(P);
    }
    for (;;) {
        const char *nm = expect_name(P);
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            const char **nv = ja_alloc(P->c->arena, cap * sizeof(*nv));
            if (n)
                memcpy(nv, v, n * sizeof(*nv));
            v = nv;
        }
        v[n++] = nm;
        if (!is_op(cur(P), ","))
            break;
        adv(P);
    }
    if (paren)
        expect_op(P, ")");
    *count = n;
    return v;
}

static struct jnode *parse_filter_chain(struct ps *P, size_t pos)
{
    /* `name(args) | name ...` applied to a NULL input, as a body of E_FILTER nodes */
    struct nvec fs = { 0 };
    for (;;) {
        nv_push(P, &fs, parse_filter(P, NULL));
        if (!is_op(cur(P), "|"))
            break;
        adv(P);
    }
    struct jnode *n = node(P, N_BODY, pos);
    n->kids = fs.v;
    n->nkids = fs.n;
    return n;
}

static void expect_end_tag(struct ps *P, const char *name)
{
    /* parse_body stopped at the name token after '{%' */
    if (!is_name(cur(P), name))
        fail_expect(P, name);
    adv(P);
    expect_block_end(P);
}

static struct jnode *parse_if(struct ps *P, size_t pos)
{
    static const char *const stops[] = { "elif", "else", "endif", NULL };
    struct jnode *n = node(P, N_IF, pos);
    n->a = parse_expr(P, 1);
    expect_block_end(P);
    int which;
    n->b = parse_body(P, stops, &which);
    if (which == 0) {                    /* elif: a nested if in the else branch */
        size_t p2 = cur(P)->pos;
        adv(P);
        enter(P);
        n->c = parse_if(P, p2);
        leave(P);
        return n;
    }
    if (which == 1) {
        adv(P);
        expect_block_end(P);
        static const char *const stops2[] = { "endif", NULL };
        n->c = parse_body(P, stops2, &which);
    }
    expect_end_tag(P, "endif");
    return n;
}

static struct jnode *parse_stmt(struct ps *P)
{
    size_t pos = cur(P)->pos;
    struct jtoken *kw = cur(P);
    if (kw->t != TK_NAME)
        fail_expect(P, "a statement name");
    int which;
    if (is_name(kw, "if")) {
        adv(P);
        return parse_if(P, pos);
    }
    if (is_name(kw, "for")) {
        adv(P);
        struct jnode *n = node(P, N_FOR, pos);
        n->targets = parse_targets(P, &n->ntargets);
        if (!is_name(cur(P), "in"))
            fail_expect(P, "'in'");
        adv(P);
        n->a = parse_expr(P, 0);
        if (is_name(cur(P), "if")) {
            adv(P);
            n->d = parse_expr(P, 1);
        }
        if (is_name(cur(P), "recursive"))
            jthrow_at(P->c, cur(P)->pos, "recursive loops are not supported");
        expect_block_end(P);
        static const char *const stops[] = { "else", "endfor", NULL };
        n->b = parse_body(P, stops, &which);
        if (which == 0) {
            adv(P);
            expect_block_end(P);
            static const char *const stops2[] = { "endfor", NULL };
            n->c = parse_body(P, stops2, &which);
        }
        expect_end_tag(P, "endfor");
        return n;
    }
    if (is_name(kw, "set")) {
        adv(P);
        if (cur(P)->t == TK_NAME && is_op(peek_at(P, 1), ".")) {
            struct jnode *n = node(P, N_SET_ATTR, pos);
            const char **t = ja_alloc(P->c->arena, sizeof(*t));
            t[0] = expect_name(P);
            n->targets = t;
            n->ntargets = 1;
            adv(P);
            n->name = expect_name(P);
            expect_op(P, "=");
            n->a = parse_expr(P, 1);
            expect_block_end(P);
            return n;
        }
        size_t nt;
        const char **targets = parse_targets(P, &nt);
        if (is_op(cur(P), "=")) {
            adv(P);
            struct jnode *n = node(P, N_SET, pos);
            n->targets = targets;
            n->ntargets = nt;
            struct jnode *e = parse_expr(P, 1);
            if (is_op(cur(P), ",")) {          /* set a, b = x, y */
                struct nvec items = { 0 };
                nv_push(P, &items, e);
                while (is_op(cur(P), ",")) {
                    adv(P);
                    nv_push(P, &items, parse_expr(P, 1));
                }
                e = node(P, E_LIST, pos);
                e->kids = items.v;
                e->nkids = items.n;
            }
            n->a = e;
            expect_block_end(P);
            return n;
        }
        if (nt != 1)
            fail_expect(P, "'='");
        struct jnode *n = node(P, N_SET_BLOCK, pos);
        n->name = targets[0];
        if (is_op(cur(P), "|")) {
            adv(P);
            n->a = parse_filter_chain(P, pos);
        }
        expect_block_end(P);
        static const char *const stops[] = { "endset", NULL };
        n->b = parse_body(P, stops, &which);
        expect_end_tag(P, "endset");
        return n;
    }
    if (is_name(kw, "macro")) {
        adv(P);
        struct jnode *n = node(P, N_MACRO, pos);
        n->name = expect_name(P);
        expect_op(P, "(");
        const char **params = NULL;
        struct jnode **defs = NULL;
        size_t np = 0, cap = 0;
        while (!is_op(cur(P), ")")) {
            if (np)
                expect_op(P, ",");
            if (is_op(cur(P), ")"))
                break;
            if (np == cap) {
                cap = cap ? cap * 2 : 4;
                const char **pp = ja_alloc(P->c->arena, cap * sizeof(*pp));
                struct jnode **dd = ja_alloc(P->c->arena, cap * sizeof(*dd));
                if (np) {
                    memcpy(pp, params, np * sizeof(*pp));
                    memcpy(dd, defs, np * sizeof(*dd));
                }
                params = pp;
                defs = dd;
            }
            params[np] = expect_name(P);
            if (is_op(cur(P), "=")) {
                adv(P);
                defs[np] = parse_expr(P, 1);
            }
            np++;
        }
        adv(P);
        n->targets = params;
        n->defaults = defs;
        n->ntargets = np;
        expect_block_end(P);
        static const char *const stops[] = { "endmacro", NULL };
        n->b = parse_body(P, stops, &which);
        expect_end_tag(P, "endmacro");
        return n;
    }
    if (is_name(kw, "call")) {
        adv(P);
        struct jnode *n = node(P, N_CALL_BLOCK, pos);
        if (is_op(cur(P), "(")) {              /* caller parameters */
            adv(P);
            if (!is_op(cur(P), ")"))
                n->targets = parse_targets(P, &n->ntargets);
            expect_op(P, ")");
        }
        n->a = parse_expr(P, 1);
        if (n->a->k != E_CALL)
            jthrow_at(P->c, n->a->pos, "expected a macro call after 'call'");
        expect_block_end(P);
        static const char *const stops[] = { "endcall", NULL };
        n->b = parse_body(P, stops, &which);
        expect_end_tag(P, "endcall");
        return n;
    }
    if (is_name(kw, "filter")) {
        adv(P);
        struct jnode *n = node(P, N_FILTER_BLOCK, pos);
        n->a = parse_filter_chain(P, pos);
        expect_block_end(P);
        static const char *const stops[] = { "endfilter", NULL };
        n->b = parse_body(P, stops, &which);
        expect_end_tag(P, "endfilter");
        return n;
    }
    if (is_name(kw, "break") || is_name(kw, "continue")) {
        struct jnode *n = node(P, is_name(kw, "break") ? N_BREAK : N_CONTINUE, pos);
        adv(P);
        expect_block_end(P);
        return n;
    }
    if (is_name(kw, "generation")) {           /* transformers' assistant-mask marker */
        adv(P);
        expect_block_end(P);
        static const char *const stops[] = { "endgeneration", NULL };
        struct jnode *b = parse_body(P, stops, &which);
        expect_end_tag(P, "endgeneration");
        return b;
    }
    jthrow_at(P->c, pos, "unknown or unsupported tag '%s'", tok_desc(P, kw));
}

static const char *end_name(const char *const *stops)
{
    for (int i = 0; stops[i]; i++)
        if (!strncmp(stops[i], "end", 3))
            return stops[i];
    return stops[0];
}

/* Statements until EOF (stops == NULL) or a block tag named in stops; then
 * the current token is that name and *which its index. */
static struct jnode *parse_body(struct ps *P, const char *const *stops, int *which)
{
    struct nvec kids = { 0 };
    size_t pos = cur(P)->pos;
    enter(P);
    for (;;) {
        struct jtoken *tk = cur(P);
        if (tk->t == TK_EOF) {
            if (stops)
                jthrow_at(P->c, tk->pos, "unexpected end of template: missing '{%% %s %%}'", end_name(stops));
            break;
        }
        if (tk->t == TK_DATA) {
            struct jnode *n = node(P, N_TEXT, tk->pos);
            n->val = jv_str(P->c, tk->s, tk->n);
            nv_push(P, &kids, n);
            adv(P);
            continue;
        }
        if (tk->t == TK_VAR_BEGIN) {
            adv(P);
            struct jnode *n = node(P, N_OUTPUT, tk->pos);
            n->a = parse_expr(P, 1);
            if (cur(P)->t != TK_VAR_END)
                fail_expect(P, "'}}'");
            adv(P);
            nv_push(P, &kids, n);
            continue;
        }
        if (tk->t == TK_BLOCK_BEGIN) {
            adv(P);
            if (stops && cur(P)->t == TK_NAME) {
                for (int i = 0; stops[i]; i++) {
                    if (is_name(cur(P), stops[i])) {
                        *which = i;
                        goto done;
                    }
                }
            }
            struct jtoken *nm = cur(P);
            if (nm->t == TK_NAME && ((nm->n > 3 && memcmp(nm->s, "end", 3) == 0) || is_name(nm, "elif") ||
                                     is_name(nm, "else")))
                jthrow_at(P->c, nm->pos, "unexpected '%s'", tok_desc(P, nm));
            nv_push(P, &kids, parse_stmt(P));
            continue;
        }
        jthrow_at(P->c, tk->pos, "unexpected %s", tok_desc(P, tk));
    }
done:
    leave(P);
    struct jnode *b = node(P, N_BODY, pos);
    b->kids = kids.v;
    b->nkids = kids.n;
    return b;
}

struct jnode *jparse(struct jctx *c, const char *src, size_t n)
{
    struct ps P = { .c = c };
    P.t = jlex_all(c, src, n, &P.n);
    int which;
    return parse_body(&P, NULL, &which);
}
