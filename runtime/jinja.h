/*
 * jinja.h - a small Jinja2 interpreter for the chat templates GGUF files
 * carry (tokenizer.chat_template). Chat code should use chat-template.h;
 * this is the general layer underneath it.
 *
 *     struct jinja_template *t = jinja_compile(src, len, NULL);
 *     if (!t) ... err_msg() says "template line 3, column 12: ..."
 *     char *out = jinja_render(t, vars, NULL, &n);    // vars: a cJSON object
 *     ...
 *     free(out);
 *     jinja_free(t);
 *
 * Language: text, {{ expr }}, {% stmt %}, {# comment #}, whitespace control
 * ({%- -%} {{- -}} {#- -#}, {%+ +%}), trim_blocks and lstrip_blocks (both on
 * by default, as transformers sets them), {% raw %}. Statements: if/elif/else,
 * for (tuple unpacking, `if` filter, else, loop.index/index0/revindex/
 * revindex0/first/last/length/previtem/nextitem, break/continue), set (also
 * `set ns.attr = ...` and block set), macro (defaults, keyword arguments),
 * call blocks, filter blocks, generation blocks, loop.cycle. Expressions,
 * filters, tests and string/dict methods: those of Jinja2 that chat
 * templates use; see jinja-builtins.c for the list, jinja-format.c for
 * `'%s' % x`, `|format` and str.format. Globals: range, namespace, dict,
 * raise_exception (renders fail with its message), strftime_now.
 *
 * Not supported (a compile or render error, never silent): include, import,
 * extends, blocks, recursive loops, integers beyond 64 bits (Python has
 * bigints; here overflow is an error). Case mapping (upper, lower, title) is
 * ASCII only. JSON numbers that are whole become ints, so an input 1.0
 * prints as 1 where Python would print 1.0.
 *
 * Semantics follow Jinja2 3.1 with Python's rules for types (so `None + 'x'`
 * is an error, and `{{ [1, 'a'] }}` prints `[1, 'a']`). Undefined values act
 * like Jinja2's default Undefined: they print as nothing, are false and
 * iterate as empty, but attribute access on them, or arithmetic, is an error.
 *
 * Limits, so hostile templates fail cleanly instead of exhausting the machine:
 * nesting depth 256, macro recursion 64, range() and repetition at most 1e6
 * items, 5e7 evaluation steps, output at most max_output bytes, and a memory
 * budget for everything a render allocates (max_memory).
 *
 * Thread safety: a compiled template is read-only while rendering; several
 * threads may render the same template at once.
 */
#ifndef RUNTIME_JINJA_H
#define RUNTIME_JINJA_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

struct jinja_template;

struct jinja_compile_opts {
    int no_trim_blocks;            /* 1: keep the newline after a block tag */
    int no_lstrip_blocks;          /* 1: keep indentation before a block tag */
};

/* Compile template source (len bytes, need not be NUL-terminated). opts may be
 * NULL (trim_blocks and lstrip_blocks on). NULL with err_msg() on a syntax
 * error, naming line and column. */
struct jinja_template *jinja_compile(const char *src, size_t len, const struct jinja_compile_opts *opts);
void jinja_free(struct jinja_template *t);

struct jinja_render_opts {
    time_t now;                    /* strftime_now's clock; 0 = the current time */
    size_t max_output;             /* bytes; 0 = 16 MiB */
    size_t max_memory;             /* bytes; 0 = 256 MiB */
};

/* Render with the members of `vars` (a cJSON object, or NULL) as variables.
 * JSON numbers that are whole and within +-2^53 become ints, others floats.
 * Returns a malloc'd NUL-terminated string (its length in *len when len is
 * not NULL), or NULL with err_msg() naming the line and column. */
char *jinja_render(const struct jinja_template *t, const cJSON *vars, const struct jinja_render_opts *opts,
                   size_t *len);

#endif
