/*
 * jinja.c - the public entry points of the interpreter (runtime/jinja.h):
 * compile a template into an AST, render it with variables converted from
 * cJSON. Each call sets up the error trap (setjmp) that every deeper
 * function unwinds to, and owns the arena it frees afterwards.
 */
#include "jinja.h"
#include "jinja-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

struct jinja_template {
    struct jarena arena;
    struct jnode *root;
    const char *src;               /* normalised source, for runtime error positions */
    size_t len;
};

#define TEMPLATE_MEMORY (64u << 20)

struct jinja_template *jinja_compile(const char *src, size_t len, const struct jinja_compile_opts *opts)
{
    /* volatile: these are read again after longjmp */
    struct jinja_template *volatile t = calloc(1, sizeof(*t));
    struct jctx *volatile c = calloc(1, sizeof(*c));
    jmp_buf *volatile jb = malloc(sizeof(*jb));
    if (!t || !c || !jb) {
        free(t);
        free(c);
        free(jb);
        err_set("out of memory compiling template");
        return NULL;
    }
    t->arena.limit = TEMPLATE_MEMORY;
    t->arena.ctx = c;
    c->arena = &t->arena;
    c->jb = jb;
    c->trim_blocks = !(opts && opts->no_trim_blocks);
    c->lstrip_blocks = !(opts && opts->no_lstrip_blocks);
    c->src = "";
    if (setjmp(*jb)) {
        ja_free(&t->arena);
        free(t);
        free(c);
        free(jb);
        return NULL;
    }
    if (!src)
        jthrow(c, "no template source");
    if (memchr(src, 0, len))
        jthrow(c, "template source contains a NUL byte");
    size_t n;
    char *norm = jinja_normalise_source(&t->arena, src, len, &n);
    c->src = norm;
    c->src_len = n;
    t->root = jparse(c, norm, n);
    t->src = norm;
    t->len = n;
    t->arena.ctx = NULL;
    free(c);
    free(jb);
    return t;
}

void jinja_free(struct jinja_template *t)
{
    if (!t)
        return;
    ja_free(&t->arena);
    free(t);
}

static struct jval from_json(struct jctx *c, const cJSON *j, int depth)
{
    if (depth > JINJA_MAX_NESTING)
        jthrow(c, "input JSON nested too deeply");
    if (cJSON_IsNull(j) || !j)
        return jv_none();
    if (cJSON_IsBool(j))
        return jv_bool(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (isfinite(d) && d == floor(d) && fabs(d) <= 9007199254740992.0)
            return jv_int((int64_t)d);
        return jv_float(d);
    }
    if (cJSON_IsString(j))
        return jv_cstr(c, j->valuestring ? j->valuestring : "");
    if (cJSON_IsArray(j)) {
        struct jval l = jv_list(c, (size_t)cJSON_GetArraySize(j));
        for (const cJSON *e = j->child; e; e = e->next)
            jl_push(c, l.u.l, from_json(c, e, depth + 1));
        return l;
    }
    if (cJSON_IsObject(j)) {
        struct jval d = jv_dict(c, (size_t)cJSON_GetArraySize(j));
        for (const cJSON *e = j->child; e; e = e->next)
            jd_set_str(c, d.u.d, e->string ? e->string : "", from_json(c, e, depth + 1));
        return d;
    }
    return jv_none();
}

char *jinja_render(const struct jinja_template *t, const cJSON *vars, const struct jinja_render_opts *opts,
                   size_t *len)
{
    if (!t) {
        err_set("no template");
        return NULL;
    }
    struct jarena *volatile arena = calloc(1, sizeof(*arena));
    struct jctx *volatile c = calloc(1, sizeof(*c));
    jmp_buf *volatile jb = malloc(sizeof(*jb));
    struct jbuf *volatile out = calloc(1, sizeof(*out));
    if (!arena || !c || !jb || !out) {
        free(arena);
        free(c);
        free(jb);
        free(out);
        err_set("out of memory rendering template");
        return NULL;
    }
    arena->limit = opts && opts->max_memory ? opts->max_memory : (size_t)256 << 20;
    arena->ctx = c;
    c->arena = arena;
    c->jb = jb;
    c->src = t->src;
    c->src_len = t->len;
    c->out = out;
    c->max_output = opts && opts->max_output ? opts->max_output : (size_t)16 << 20;
    c->max_steps = JINJA_MAX_STEPS;
    c->now = opts ? opts->now : 0;
    char *volatile result = NULL;
    if (setjmp(*jb) == 0) {
        if (vars && !cJSON_IsObject(vars))
            jthrow(c, "template variables must be a JSON object");
        struct jscope *g = ja_alloc(arena, sizeof(*g));
        c->globals = g;
        for (const cJSON *e = vars ? vars->child : NULL; e; e = e->next)
            jd_set_str(c, &g->vars, e->string ? e->string : "", from_json(c, e, 0));
        jexec(c, g, t->root);
        result = malloc(out->n + 1);
        if (!result) {
            err_set("out of memory rendering template");
        } else {
            if (out->n)
                memcpy(result, out->p, out->n);
            result[out->n] = 0;
            if (len)
                *len = out->n;
        }
    }
    ja_free(arena);
    free(arena);
    free(c);
    free(jb);
    free(out);
    return result;
}
