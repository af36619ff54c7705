/*
 * jinja-internal.h - shared pieces of the Jinja interpreter (runtime/jinja-*.c):
 * the arena every value and AST node lives in, the value model, tokens, AST
 * nodes and the evaluation context. Nothing outside runtime/jinja-*.c includes
 * this; the public API is runtime/jinja.h.
 *
 * Memory: a template owns one arena (its AST); each render owns another (all
 * values, scopes and output). Nothing is freed one by one, so an error can
 * unwind with longjmp from any depth without leaking: the caller of the
 * setjmp frees the arena. Each arena has a byte budget; going past it is a
 * template error, not an out-of-memory crash.
 *
 * Values follow Python/Jinja2 semantics (the templates were written against
 * Jinja2): none, bool, int (int64; overflow is an error), float, str (UTF-8),
 * list (tuples are lists), dict (insertion-ordered), namespace, macro, and the
 * builtin callables. Undefined is a value too, carrying the message Jinja2
 * would raise when it is used in a way that needs a real value.
 */
#ifndef RUNTIME_JINJA_INTERNAL_H
#define RUNTIME_JINJA_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct jnode;

/* ---- arena ---------------------------------------------------------------- */

struct jchunk;
struct jarena {
    struct jchunk *head;
    size_t total;                  /* bytes handed out so far */
    size_t limit;                  /* budget; 0 = unlimited */
    struct jctx *ctx;              /* where to report running out of budget */
};

void *ja_alloc(struct jarena *a, size_t n);          /* zeroed; throws past the budget */
char *ja_strndup(struct jarena *a, const char *s, size_t n);
void ja_free(struct jarena *a);

/* ---- values --------------------------------------------------------------- */

enum jtype {
    JT_UNDEF, JT_NONE, JT_BOOL, JT_INT, JT_FLOAT, JT_STR, JT_LIST, JT_DICT,
    JT_NS, JT_MACRO, JT_FUNC
};

struct jstr {
    size_t n;
    char p[];                      /* n bytes plus a NUL */
};
struct jval;
struct jlist {
    size_t n, cap;
    struct jval *v;
    int tuple;                     /* prints as (a, b): tuples are lists otherwise */
};
struct jdict {                     /* also the body of a namespace and of a scope */
    size_t n, cap;
    struct jval *k;                /* keys: usually strings */
    struct jval *v;
};
struct jmacro {
    const struct jnode *def;       /* N_MACRO node */
    struct jscope *closure;
    const struct jnode *caller_body; /* for `caller()` inside a call block, else NULL */
    struct jscope *caller_scope;
};

enum jfunc {
    JF_RANGE, JF_NAMESPACE, JF_RAISE, JF_STRFTIME, JF_DICT, JF_CYCLE /* loop.cycle: arg = index0 */
};

struct jval {
    enum jtype t;
    union {
        int b;
        int64_t i;
        double f;
        struct jstr *s;
        struct jlist *l;
        struct jdict *d;           /* JT_DICT and JT_NS */
        struct jmacro *m;
        struct {
            int id;                /* enum jfunc */
            int64_t arg;
        } fn;
        const char *undef;         /* JT_UNDEF: the error to raise when used; NULL = generic */
    } u;
};

/* ---- tokens, AST ------------------------------------------------------------ */

enum jtok {
    TK_EOF, TK_DATA, TK_VAR_BEGIN, TK_VAR_END, TK_BLOCK_BEGIN, TK_BLOCK_END,
    TK_NAME, TK_STRING, TK_INT, TK_FLOAT, TK_OP
};

struct jtoken {
    enum jtok t;
    size_t pos;                    /* offset in the normalised source, for line:column */
    const char *s;                 /* DATA / STRING (decoded) / NAME / OP text */
    size_t n;
    int64_t i;
    double f;
};

enum jnodekind {
    /* statements */
    N_BODY, N_TEXT, N_OUTPUT, N_IF, N_FOR, N_SET, N_SET_ATTR, N_SET_BLOCK, N_MACRO,
    N_CALL_BLOCK, N_FILTER_BLOCK, N_BREAK, N_CONTINUE,
    /* expressions */
    E_CONST, E_NAME, E_ATTR, E_ITEM, E_SLICE, E_CALL, E_FILTER, E_TEST, E_NEG, E_POS,
    E_NOT, E_AND, E_OR, E_BIN, E_CMP, E_COND, E_LIST, E_DICT, E_CONCAT
};

/* Binary and comparison operators (E_BIN / E_CMP). */
enum jop { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
           OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOTIN };

struct jnode {
    enum jnodekind k;
    size_t pos;
    const char *name;              /* NAME, ATTR name, FILTER/TEST/MACRO name, SET target */
    int op;                        /* enum jop; E_TEST: negated */
    struct jval val;               /* E_CONST; N_TEXT data as a string */
    struct jnode *a, *b, *c, *d;   /* operands / condition, bodies */
    struct jnode **kids;           /* N_BODY statements, E_LIST/E_DICT items, call args */
    size_t nkids;
    const char **kwnames;          /* call/filter keyword argument names (nkw of them, after positional) */
    size_t nkw;
    const char **targets;          /* N_FOR / N_SET unpacking targets; N_MACRO params */
    size_t ntargets;
    struct jnode **defaults;       /* N_MACRO parameter defaults (NULL entries = none) */
};

/* ---- contexts --------------------------------------------------------------- */

struct jscope {
    struct jdict vars;
    struct jscope *parent;
};

struct jbuf {                      /* growing output, in the render arena */
    char *p;
    size_t n, cap;
};

struct jctx {
    struct jarena *arena;
    jmp_buf *jb;
    const char *src;               /* normalised template source, for line:column */
    size_t src_len;
    size_t pos;                    /* position of the node being evaluated */
    /* parse */
    int trim_blocks, lstrip_blocks;
    int depth, max_depth;
    /* render */
    struct jbuf *out;
    size_t max_output;
    uint64_t steps, max_steps;
    int call_depth;
    int eval_depth;
    time_t now;
    struct jscope *globals;
    int loop_ctl;                  /* 1 = break, 2 = continue pending */
};

/* Record "line L, column C: message" and unwind to the render/compile entry. */
_Noreturn void jthrow(struct jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void jthrow_at(struct jctx *c, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void jpos_linecol(const char *src, size_t len, size_t pos, int *line, int *col);

/* ---- value helpers (jinja-value.c) ------------------------------------------ */

struct jval jv_undef(const char *msg);
struct jval jv_none(void);
struct jval jv_bool(int b);
struct jval jv_int(int64_t i);
struct jval jv_float(double f);
struct jval jv_str(struct jctx *c, const char *s, size_t n);
struct jval jv_cstr(struct jctx *c, const char *s);
struct jval jv_list(struct jctx *c, size_t cap);
struct jval jv_dict(struct jctx *c, size_t cap);
void jl_push(struct jctx *c, struct jlist *l, struct jval v);
struct jval jl_concat(struct jctx *c, const struct jlist *a, const struct jlist *b); /* a new list: a + b */
void jd_set(struct jctx *c, struct jdict *d, struct jval k, struct jval v);
void jd_set_str(struct jctx *c, struct jdict *d, const char *k, struct jval v);
struct jval *jd_get(const struct jdict *d, struct jval k);   /* NULL when absent */
struct jval *jd_get_str(const struct jdict *d, const char *k, size_t n);

const char *jv_typename(struct jval v);             /* Python-ish: 'str', 'dict object', ... */
int jv_truthy(struct jval v);
int jv_equal(struct jval a, struct jval b);
int jv_compare(struct jctx *c, struct jval a, struct jval b); /* <0 0 >0; throws on mixed types */
int jv_is_number(struct jval v);
double jv_num(struct jval v);

/* Text forms: str() as Jinja prints, repr() as Python shows inside containers. */
void jb_put(struct jctx *c, struct jbuf *b, const char *s, size_t n);
void jb_putc(struct jctx *c, struct jbuf *b, char ch);
void jv_write_str(struct jctx *c, struct jbuf *b, struct jval v);
void jv_write_repr(struct jctx *c, struct jbuf *b, struct jval v);
struct jval jv_to_str(struct jctx *c, struct jval v);  /* str(v) as a JT_STR value */
void jv_write_json(struct jctx *c, struct jbuf *b, struct jval v, int indent, int level);
void jfmt_float(double f, char *out, size_t cap);      /* Python repr of a float */

/* Checked for undefined: throws the undefined's message. */
void jv_require(struct jctx *c, struct jval v);
struct jval jv_need_str(struct jctx *c, struct jval v, const char *what);   /* throws unless a str */
int64_t jv_need_int(struct jctx *c, struct jval v, const char *what);       /* int or bool, else throws */
struct jval jv_to_list(struct jctx *c, struct jval v);  /* iteration order; throws if not iterable */

/* Arguments of a filter, method or function call: positional, then keyword. */
struct jargs {
    struct jval *v;
    size_t n;
    const char **kwn;
    struct jval *kwv;
    size_t nkw;
};
/* Positional argument i, else keyword `name`, else `def`. */
struct jval jarg(const struct jargs *a, size_t i, const char *name, struct jval def);
int jhas_arg(const struct jargs *a, size_t i, const char *name);

/* UTF-8 code point helpers for indexing and slicing strings like Python. */
size_t ju_count(const char *s, size_t n);
size_t ju_offset(const char *s, size_t n, size_t cp);   /* byte offset of code point cp */

/* ---- lexer / parser (jinja-lex.c, jinja-parse.c) ----------------------------- */

/* The whole template as tokens (in c->arena), ending with TK_EOF. The source
 * must already be normalised (jinja_normalise_source). */
struct jtoken *jlex_all(struct jctx *c, const char *s, size_t n, size_t *count);
/* Jinja2's newline handling: \r\n and \r become \n, one trailing \n is dropped. */
char *jinja_normalise_source(struct jarena *a, const char *s, size_t n, size_t *out_n);
struct jnode *jparse(struct jctx *c, const char *src, size_t n);

/* ---- evaluation (jinja-eval.c) ------------------------------------------------ */

struct jval jeval(struct jctx *c, struct jscope *s, const struct jnode *n);
void jexec(struct jctx *c, struct jscope *s, const struct jnode *n);
struct jval jget_attr(struct jctx *c, struct jval obj, const char *name);
struct jval jget_item(struct jctx *c, struct jval obj, struct jval key);
struct jval jcall_value(struct jctx *c, struct jval f, struct jval *args, size_t nargs, const char **kwn,
                        struct jval *kwv, size_t nkw);

/* ---- builtins (jinja-builtins.c) --------------------------------------------- */

int jfilter_known(const char *name);
int jtest_known(const char *name);
struct jval jfilter_apply(struct jctx *c, const char *name, struct jval v,
                          struct jval *args, size_t nargs, const char **kwn, struct jval *kwv, size_t nkw);
int jtest_apply(struct jctx *c, const char *name, struct jval v, struct jval *args, size_t nargs);
/* obj.name(args): 1 and *out set when obj has such a method, 0 otherwise. */
int jmethod_call(struct jctx *c, struct jval obj, const char *name, struct jval *args, size_t nargs,
                 const char **kwn, struct jval *kwv, size_t nkw, struct jval *out);
int jglobal_lookup(const char *name, struct jval *out);
struct jval jfunc_call(struct jctx *c, struct jval fn, struct jval *args, size_t nargs,
                       const char **kwn, struct jval *kwv, size_t nkw);

/* ---- Python str operations (jinja-strings.c) ----------------------------------- */

uint32_t ju_decode(const char *s, size_t n, size_t i, size_t *len);   /* code point at byte i */
struct jval jstr_strip(struct jctx *c, struct jval v, struct jval chars, int which); /* 1 left 2 right 3 both */
/* mode 0 lower, 1 upper, 2 str.title, 3 capitalize, 4 the title filter (ASCII) */
struct jval jstr_case(struct jctx *c, struct jval v, int mode);
struct jval jstr_replace(struct jctx *c, struct jval s, struct jval old, struct jval new, int64_t count);
struct jval jstr_split(struct jctx *c, struct jval s, struct jval sep, int64_t maxsplit, int from_right);
int jstr_affix(struct jctx *c, struct jval s, struct jval x, int end);    /* startswith / endswith */
struct jval jstr_escape_html(struct jctx *c, struct jval v);

/* ---- Python string formatting (jinja-format.c) -------------------------------- */

/* fmt % args: args a tuple (list with .tuple set), a dict for %(key)s, or one value. */
struct jval jformat_percent(struct jctx *c, struct jval fmt, struct jval args);
/* fmt.format(*args, **kwargs) */
struct jval jformat_brace(struct jctx *c, struct jval fmt, struct jval *args, size_t nargs, const char **kwn,
                          struct jval *kwv, size_t nkw);

/* Limits (documented in jinja.h). */
#define JINJA_MAX_NESTING   256        /* parser recursion */
#define JINJA_MAX_CALLS     64         /* macro call depth */
#define JINJA_MAX_EVAL_DEPTH 600       /* statement + expression evaluation depth */
#define JINJA_MAX_RANGE     1000000    /* elements of range() / repetition */
#define JINJA_MAX_STEPS     50000000ull

#endif
