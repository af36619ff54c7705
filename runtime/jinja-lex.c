/*
 * jinja-lex.c - splits a template into tokens: text, the delimiters of
 * {{ }} and {% %}, and the names, literals and operators inside them.
 * Comments {# #} and {% raw %} blocks are resolved here.
 *
 * Whitespace control is done here too, exactly as Jinja2's lexer does it,
 * since the golden outputs depend on every byte:
 *   - `{%-` `{{-` `{#-` strip all whitespace before the tag;
 *     `-%}` `-}}` `-#}` strip all whitespace after it;
 *   - trim_blocks: one newline right after `%}` or `#}` is dropped;
 *   - lstrip_blocks: spaces and tabs from the start of a line up to `{%` or
 *     `{#` are dropped when nothing else is on the line before the tag;
 *   - `{%+` turns lstrip off for that tag, `+%}` turns trim off.
 * Inside a tag, an end delimiter only counts outside brackets, so
 * `{{ {'a': 1}}}` works as in Jinja2.
 */
#include "jinja-internal.h"

#include <stdlib.h>
#include <string.h>

char *jinja_normalise_source(struct jarena *a, const char *s, size_t n, size_t *out_n)
{
    char *d = ja_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r') {
            d[k++] = '\n';
            if (i + 1 < n && s[i + 1] == '\n')
                i++;
        } else {
            d[k++] = s[i];
        }
    }
    if (k && d[k - 1] == '\n')      /* keep_trailing_newline=False */
        k--;
    d[k] = 0;
    *out_n = k;
    return d;
}

struct lx {
    struct jctx *c;
    const char *s;
    size_t n, i;
    struct jtoken *t;
    size_t nt, cap;
    int line_start;
};

static void emit(struct lx *L, struct jtoken tk)
{
    if (L->nt == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 256;
        struct jtoken *nt = ja_alloc(L->c->arena, cap * sizeof(*nt));
        if (L->nt)
            memcpy(nt, L->t, L->nt * sizeof(*nt));
        L->t = nt;
        L->cap = cap;
    }
    L->t[L->nt++] = tk;
}

static int is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'; }
static int is_name0(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static void emit_data(struct lx *L, size_t from, size_t to)
{
    if (to <= from)
        return;
    struct jtoken tk = { .t = TK_DATA, .pos = from, .s = L->s + from, .n = to - from };
    emit(L, tk);
}

/* Skip whitespace after a tag end that had `-`; returns whether the skipped
 * run ended with a newline (Jinja2's "line starting" rule for lstrip). */
static int skip_ws_after(struct lx *L)
{
    int nl = 0;
    while (L->i < L->n && is_ws(L->s[L->i])) {
        nl = L->s[L->i] == '\n';
        L->i++;
    }
    return nl;
}

/* Text between L->i and the tag at `tag` (its kind: '{', '%' or '#'). */
static void text_before_tag(struct lx *L, size_t tag, char kind, char mod)
{
    size_t from = L->i, to = tag;
    if (mod == '-') {
        while (to > from && is_ws(L->s[to - 1]))
            to--;
    } else if (mod != '+' && L->c->lstrip_blocks && kind != '{') {
        size_t lpos = to;            /* start of the tag's line within the text */
        while (lpos > from && L->s[lpos - 1] != '\n')
            lpos--;
        if (lpos > from || L->line_start) {
            size_t k = lpos;
            while (k < to && (L->s[k] == ' ' || L->s[k] == '\t'))
                k++;
            if (k == to)
                to = lpos;
        }
    }
    emit_data(L, from, to);
}

/* After `%}` / `#}`: trim_blocks drops one newline. */
static void after_block_end(struct lx *L, char mod)
{
    if (mod == '-') {
        L->line_start = skip_ws_after(L);
    } else if (mod != '+' && L->c->trim_blocks && L->i < L->n && L->s[L->i] == '\n') {
        L->i++;
        L->line_start = 1;
    } else {
        L->line_start = 0;
    }
}

static size_t decode_string(struct lx *L, size_t start, struct jtoken *tk)
{
    const char *s = L->s;
    char q = s[start];
    size_t i = start + 1;
    /* decoded text is never longer than the source */
    size_t end = i;
    while (end < L->n && s[end] != q) {
        if (s[end] == '\\' && end + 1 < L->n)
            end++;
        end++;
    }
    if (end >= L->n)
        jthrow_at(L->c, start, "unterminated string literal");
    char *d = ja_alloc(L->c->arena, end - i + 1);
    size_t k = 0;
    while (i < end) {
        char ch = s[i];
        if (ch != '\\') {
            d[k++] = ch;
            i++;
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'n': d[k++] = '\n'; break;
        case 't': d[k++] = '\t'; break;
        case 'r': d[k++] = '\r'; break;
        case '\\': d[k++] = '\\'; break;
        case '\'': d[k++] = '\''; break;
        case '"': d[k++] = '"'; break;
        case 'a': d[k++] = '\a'; break;
        case 'b': d[k++] = '\b'; break;
        case 'f': d[k++] = '\f'; break;
        case 'v': d[k++] = '\v'; break;
        case '\n': break;                       /* line continuation */
        case 'x': case 'u': case 'U': {
            int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            unsigned long cp = 0;
            int ok = i + (size_t)len <= end;
            for (int j = 0; ok && j < len; j++) {
                char h = s[i + j];
                int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
                        h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (v < 0)
                    ok = 0;
                else
                    cp = cp * 16 + (unsigned long)v;
            }
            if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                jthrow_at(L->c, i - 2, "invalid \\%c escape in string literal", e);
            i += (size_t)len;
            if (cp < 0x80) {
                d[k++] = (char)cp;
            } else if (cp < 0x800) {
                d[k++] = (char)(0xC0 | (cp >> 6));
                d[k++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                d[k++] = (char)(0xE0 | (cp >> 12));
                d[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                d[k++] = (char)(0x80 | (cp & 0x3F));
            } else {
                d[k++] = (char)(0xF0 | (cp >> 18));
                d[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                d[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                d[k++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {            /* octal, up to 3 digits */
                unsigned v = (unsigned)(e - '0');
                for (int j = 0; j < 2 && i < end && s[i] >= '0' && s[i] <= '7'; j++)
                    v = v * 8 + (unsigned)(s[i++] - '0');
                if (v < 0x80) {
                    d[k++] = (char)v;
                } else {
                    d[k++] = (char)(0xC0 | (v >> 6));
                    d[k++] = (char)(0x80 | (v & 0x3F));
                }
            } else {                                 /* unknown escape stays as written */
                d[k++] = '\\';
                d[k++] = e;
            }
        }
    }
    d[k] = 0;
    tk->t = TK_STRING;
    tk->s = d;
    tk->n = k;
    return end + 1;
}

static const char *const ops2[] = { "//", "**", "==", "!=", "<=", ">=", NULL };

/* Tokens inside a tag, up to and including its end delimiter. */
static void lex_tag(struct lx *L, char kind, size_t open_pos)
{
    const char *s = L->s;
    int depth = 0;
    for (;;) {
        while (L->i < L->n && is_ws(s[L->i]))
            L->i++;
        if (L->i >= L->n)
            jthrow_at(L->c, open_pos, "unclosed %s tag (missing '%s')", kind == '{' ? "'{{'" : "'{%'",
                      kind == '{' ? "}}" : "%}");
        size_t p = L->i;
        char ch = s[p];
        /* end delimiter? */
        if (depth == 0) {
            char mod = 0;
            size_t q = p;
            if (ch == '-' || ch == '+') {
                mod = ch;
                q++;
            }
            if (kind == '{' && q + 1 < L->n && s[q] == '}' && s[q + 1] == '}' && mod != '+') {
                struct jtoken tk = { .t = TK_VAR_END, .pos = p };
                emit(L, tk);
                L->i = q + 2;
                L->line_start = 0;
                if (mod == '-')
                    L->line_start = skip_ws_after(L);
                return;
            }
            if (kind == '%' && q + 1 < L->n && s[q] == '%' && s[q + 1] == '}') {
                struct jtoken tk = { .t = TK_BLOCK_END, .pos = p };
                emit(L, tk);
                L->i = q + 2;
                after_block_end(L, mod);
                return;
            }
        }
        struct jtoken tk = { .pos = p };
        if (is_name0(ch)) {
            size_t e = p + 1;
            while (e < L->n && (is_name0(s[e]) || is_digit(s[e])))
                e++;
            tk.t = TK_NAME;
            tk.s = s + p;
            tk.n = e - p;
            L->i = e;
        } else if (is_digit(ch)) {
            /* find the extent first (digits with _ separators, .digits, exponent), then convert */
            size_t e = p;
            int is_float = 0;
            while (e < L->n && (is_digit(s[e]) || (s[e] == '_' && e + 1 < L->n && is_digit(s[e + 1]))))
                e++;
            if (e + 1 < L->n && s[e] == '.' && is_digit(s[e + 1])) {
                is_float = 1;
                e++;
                while (e < L->n && (is_digit(s[e]) || (s[e] == '_' && e + 1 < L->n && is_digit(s[e + 1]))))
                    e++;
            }
            if (e < L->n && (s[e] == 'e' || s[e] == 'E')) {
                size_t f = e + 1;
                if (f < L->n && (s[f] == '+' || s[f] == '-'))
                    f++;
                if (f < L->n && is_digit(s[f])) {
                    is_float = 1;
                    e = f;
                    while (e < L->n && is_digit(s[e]))
                        e++;
                }
            }
            char num[128];
            size_t k = 0;
            if (e - p >= sizeof num)
                jthrow_at(L->c, p, "number literal too long");
            for (size_t q = p; q < e; q++)
                if (s[q] != '_')
                    num[k++] = s[q];
            num[k] = 0;
            if (is_float) {
                tk.t = TK_FLOAT;
                tk.f = strtod(num, NULL);
            } else {
                char *endp;
                unsigned long long v = strtoull(num, &endp, 10);
                if (k > 19 || v > (unsigned long long)INT64_MAX)
                    jthrow_at(L->c, p, "integer literal too large");
                tk.t = TK_INT;
                tk.i = (int64_t)v;
            }
            L->i = e;
        } else if (ch == '\'' || ch == '"') {
            L->i = decode_string(L, p, &tk);
        } else {
            size_t len = 1;
            for (int j = 0; ops2[j]; j++)
                if (p + 1 < L->n && s[p] == ops2[j][0] && s[p + 1] == ops2[j][1])
                    len = 2;
            if (len == 1 && !strchr("+-*/%~<>=()[]{},.:|", ch))
                jthrow_at(L->c, p, "unexpected character '%c' in tag", ch);
            if (len == 1 && (ch == '(' || ch == '[' || ch == '{'))
                depth++;
            if (len == 1 && (ch == ')' || ch == ']' || ch == '}')) {
                if (depth == 0)
                    jthrow_at(L->c, p, "unexpected '%c'", ch);
                depth--;
            }
            tk.t = TK_OP;
            tk.s = s + p;
            tk.n = len;
            L->i = p + len;
        }
        emit(L, tk);
    }
}

/* `{% raw %}` at `p` (after the '{%' and an optional modifier)? Returns the
 * offset after its '%}', or 0. */
static size_t match_word_tag(const char *s, size_t n, size_t p, const char *word, char *endmod)
{
    while (p < n && is_ws(s[p]))
        p++;
    size_t wl = strlen(word);
    if (p + wl > n || memcmp(s + p, word, wl) != 0 || (p + wl < n && (is_name0(s[p + wl]) || is_digit(s[p + wl]))))
        return 0;
    p += wl;
    while (p < n && is_ws(s[p]))
        p++;
    *endmod = 0;
    if (p < n && (s[p] == '-' || s[p] == '+'))
        *endmod = s[p++];
    if (p + 1 < n && s[p] == '%' && s[p + 1] == '}')
        return p + 2;
    return 0;
}

struct jtoken *jlex_all(struct jctx *c, const char *s, size_t n, size_t *count)
{
    struct lx L = { .c = c, .s = s, .n = n, .line_start = 1 };
    for (;;) {
        /* find the next tag opener */
        size_t j = L.i;
        while (j + 1 < n && !(s[j] == '{' && (s[j + 1] == '{' || s[j + 1] == '%' || s[j + 1] == '#')))
            j++;
        if (j + 1 >= n) {
            emit_data(&L, L.i, n);
            break;
        }
        char kind = s[j + 1];
        char mod = 0;
        size_t after = j + 2;
        if (after < n && (s[after] == '-' || s[after] == '+')) {
            mod = s[after];
            after++;
        }
        if (kind == '#') {
            text_before_tag(&L, j, kind, mod);
            size_t e = after;
            while (e + 1 < n && !(s[e] == '#' && s[e + 1] == '}'))
                e++;
            if (e + 1 >= n)
                jthrow_at(c, j, "unclosed comment (missing '#}')");
            char emod = e > after && (s[e - 1] == '-' || s[e - 1] == '+') ? s[e - 1] : 0;
            L.i = e + 2;
            after_block_end(&L, emod);
            continue;
        }
        char rmod;
        size_t raw_end;
        if (kind == '%' && (raw_end = match_word_tag(s, n, after, "raw", &rmod)) != 0) {
            text_before_tag(&L, j, kind, mod);
            L.i = raw_end;
            after_block_end(&L, rmod);   /* Jinja2 applies the modifiers of the raw tag */
            /* find {% endraw %} */
            size_t k = L.i, body_end = 0, close_end = 0;
            char cmod = 0, emod2 = 0;
            while (k + 1 < n) {
                if (s[k] == '{' && s[k + 1] == '%') {
                    size_t q = k + 2;
                    cmod = 0;
                    if (q < n && (s[q] == '-' || s[q] == '+'))
                        cmod = s[q++];
                    if ((close_end = match_word_tag(s, n, q, "endraw", &emod2)) != 0) {
                        body_end = k;
                        break;
                    }
                }
                k++;
            }
            if (!close_end)
                jthrow_at(c, j, "unclosed raw block (missing '{%% endraw %%}')");
            size_t bend = body_end;
            if (cmod == '-')
                while (bend > L.i && is_ws(s[bend - 1]))
                    bend--;
            emit_data(&L, L.i, bend);
            L.i = close_end;
            after_block_end(&L, emod2);
            continue;
        }
        text_before_tag(&L, j, kind, mod);
        struct jtoken tk = { .t = kind == '{' ? TK_VAR_BEGIN : TK_BLOCK_BEGIN, .pos = j };
        emit(&L, tk);
        L.i = after;
        lex_tag(&L, kind, j);
    }
    struct jtoken eof = { .t = TK_EOF, .pos = n };
    emit(&L, eof);
    *count = L.nt;
    return L.t;
}
