/* test_jinja.c - the Jinja interpreter (runtime/jinja.h): the snippets of
 * tests/data/jinja/cases.json against Jinja2's own outputs (made by
 * make-cases.py), then options, limits, error positions, and malformed or
 * hostile templates, which must fail cleanly (this runs under ASan/UBSan). */
#include "test.h"

#include <stdint.h>

#include "../common/err.h"
#include "../runtime/jinja.h"

/* Render src with vars (JSON text or NULL); the output or NULL. */
static char *render(const char *src, const char *vars_json)
{
    cJSON *vars = vars_json ? cJSON_Parse(vars_json) : NULL;
    struct jinja_template *t = jinja_compile(src, strlen(src), NULL);
    struct jinja_render_opts o = { .now = 1741964966, .max_memory = 64 << 20 };
    char *out = t ? jinja_render(t, vars, &o, NULL) : NULL;
    jinja_free(t);
    cJSON_Delete(vars);
    return out;
}

#define CHECK_RENDER(src, vars, want)                                            \
    do {                                                                         \
        char *out_ = render(src, vars);                                          \
        if (!out_)                                                               \
            test_fail_at(__FILE__, __LINE__, "%s: %s", src, err_msg());          \
        else                                                                     \
            CHECK_STR(out_, want);                                               \
        free(out_);                                                              \
    } while (0)

#define CHECK_FAILS(src, vars, msg_part)                                         \
    do {                                                                         \
        char *out_ = render(src, vars);                                          \
        if (out_)                                                                \
            test_fail_at(__FILE__, __LINE__, "%s: rendered \"%s\", expected an error", src, out_); \
        else if (!strstr(err_msg(), msg_part))                                   \
            test_fail_at(__FILE__, __LINE__, "%s: error \"%s\" lacks \"%s\"", src, err_msg(), msg_part); \
        free(out_);                                                              \
    } while (0)

TEST(jinja2_cases_match)
{
    char *s = test_read_file("tests/data/jinja/cases.json", NULL);
    cJSON *cases = s ? cJSON_Parse(s) : NULL;
    free(s);
    CHECK(cases != NULL);
    const cJSON *c;
    int n = 0, errors = 0;
    cJSON_ArrayForEach(c, cases) {
        const char *src = cJSON_GetStringValue(cJSON_GetObjectItem(c, "template"));
        const cJSON *want = cJSON_GetObjectItem(c, "output");
        struct jinja_template *t = jinja_compile(src, strlen(src), NULL);
        struct jinja_render_opts o = { 0 };
        /* make-cases.py fixes strftime_now at 2025-03-14 15:09:26 local time */
        struct tm tm = { .tm_year = 125, .tm_mon = 2, .tm_mday = 14, .tm_hour = 15, .tm_min = 9, .tm_sec = 26,
                         .tm_isdst = -1 };
        o.now = mktime(&tm);
        size_t len = 0;
        char *out = t ? jinja_render(t, cJSON_GetObjectItem(c, "vars"), &o, &len) : NULL;
        if (want) {
            if (!out || len != strlen(want->valuestring) || memcmp(out, want->valuestring, len))
                test_fail_at(__FILE__, __LINE__, "%s\n  got  \"%s\" %s\n  want \"%s\"", src, out ? out : "",
                             out ? "" : err_msg(), want->valuestring);
        } else {
            errors++;
            if (out)
                test_fail_at(__FILE__, __LINE__, "%s\n  rendered \"%s\"; Jinja2 fails: %s", src, out,
                             cJSON_GetStringValue(cJSON_GetObjectItem(c, "error")));
            else if (strncmp(err_msg(), "template line ", 14))
                test_fail_at(__FILE__, __LINE__, "%s: error without position: %s", src, err_msg());
        }
        free(out);
        jinja_free(t);
        n++;
    }
    CHECK(n >= 130);
    CHECK(errors >= 25);
    cJSON_Delete(cases);
}

TEST(whitespace_options)
{
    const char *src = "<ul>\n    {% for x in [1, 2] %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>\n";
    struct jinja_compile_opts raw = { .no_trim_blocks = 1, .no_lstrip_blocks = 1 };
    struct jinja_template *t = jinja_compile(src, strlen(src), &raw);
    char *out = jinja_render(t, NULL, NULL, NULL);
    CHECK_STR(out, "<ul>\n    \n    <li>1</li>\n    \n    <li>2</li>\n    \n</ul>");
    free(out);
    jinja_free(t);
    struct jinja_compile_opts trim_only = { .no_lstrip_blocks = 1 };
    t = jinja_compile(src, strlen(src), &trim_only);
    out = jinja_render(t, NULL, NULL, NULL);
    CHECK_STR(out, "<ul>\n        <li>1</li>\n        <li>2</li>\n    </ul>");
    free(out);
    jinja_free(t);
    /* HF defaults: both on */
    CHECK_RENDER(src, NULL, "<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>");
    /* CRLF sources behave like LF; one trailing newline is dropped */
    CHECK_RENDER("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\n", NULL, "a\nb\n");
    CHECK_RENDER("x\n\n", NULL, "x\n");
    CHECK_RENDER("{{- '  a  ' -}}   \n  {{ 'b' }}", NULL, "  a  b");
    CHECK_RENDER("  {%- if true -%}  x  {%- endif -%}  ", NULL, "x");
    CHECK_RENDER("a  {#- c -#}  b", NULL, "ab");
}

TEST(generation_tag_and_bound_loops)
{
    CHECK_RENDER("{% generation %}g{{ 1 }}{% endgeneration %}", NULL, "g1");
    CHECK_RENDER("{% for i in range(3) %}{% continue %}x{% endfor %}done", NULL, "done");
    CHECK_RENDER("{{ {'a': 1}.items() }}", NULL, "[('a', 1)]");
}

TEST(malformed_templates_fail_with_position)
{
    static const struct {
        const char *src, *msg;
    } bad[] = {
        { "{{ x", "unclosed" },
        { "{% if x %}", "endif" },
        { "{% for x in y %}", "endfor" },
        { "{% if x %}{% endfor %}", "unexpected 'endfor'" },
        { "{% else %}", "unexpected 'else'" },
        { "{# never closed", "comment" },
        { "{{ 'abc }}", "unterminated string" },
        { "{{ x | nosuch }}", "no filter named 'nosuch'" },
        { "{{ x is nosuch }}", "no test named 'nosuch'" },
        { "{% nosuchtag %}", "unknown or unsupported tag" },
        { "{% include 'x' %}", "unsupported tag" },
        { "{{ (1 }}", "expected" },
        { "{{ [1, 2 }}", "expected" },
        { "{{ {'a' 1} }}", "expected" },
        { "{{ 1 + }}", "expected an expression" },
        { "{{ }}", "expected an expression" },
        { "{{ a.}}", "expected a name" },
        { "{{ ) }}", "unexpected ')'" },
        { "{{ @ }}", "unexpected character" },
        { "{% set %}", "expected a name" },
        { "{% macro m( %}{% endmacro %}", "unclosed '{%' tag" },
        { "{% for in x %}{% endfor %}", "expected 'in'" },
        { "{% raw %}never ended", "endraw" },
        { "{{ 99999999999999999999 }}", "too large" },
        { "{{ '\\x4' }}", "escape" },
        { "{% for x in y recursive %}{% endfor %}", "recursive" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct jinja_template *t = jinja_compile(bad[i].src, strlen(bad[i].src), NULL);
        if (t) {
            test_fail_at(__FILE__, __LINE__, "%s: compiled", bad[i].src);
            jinja_free(t);
            continue;
        }
        if (!strstr(err_msg(), bad[i].msg) || strncmp(err_msg(), "template line 1, column ", 24))
            test_fail_at(__FILE__, __LINE__, "%s: error \"%s\", want \"%s\"", bad[i].src, err_msg(), bad[i].msg);
    }
    /* the position counts characters on the right line */
    struct jinja_template *t = jinja_compile("one\ntwo {{ x |\n  bad }}", 23, NULL);
    CHECK(t == NULL);
    CHECK(strstr(err_msg(), "template line 3, column 3: no filter named 'bad'") != NULL);
    CHECK(jinja_compile("a\0b", 3, NULL) == NULL);
    CHECK(strstr(err_msg(), "NUL") != NULL);
    CHECK(jinja_render(NULL, NULL, NULL, NULL) == NULL);
}

TEST(limits_stop_hostile_templates)
{
    /* deep nesting in the source */
    char *deep = malloc(20000);
    size_t k = 0;
    k += (size_t)sprintf(deep + k, "{{ ");
    for (int i = 0; i < 3000; i++)
        deep[k++] = '(';
    deep[k++] = '1';
    for (int i = 0; i < 3000; i++)
        deep[k++] = ')';
    k += (size_t)sprintf(deep + k, " }}");
    struct jinja_template *t = jinja_compile(deep, k, NULL);
    CHECK(t == NULL);
    CHECK(strstr(err_msg(), "nested too deeply") != NULL);
    k = 0;
    for (int i = 0; i < 1000; i++)
        k += (size_t)sprintf(deep + k, "{%% if true %%}");
    t = jinja_compile(deep, k, NULL);
    CHECK(t == NULL);
    free(deep);

    /* a 300-digit literal (found by fuzz_jinja: it overflowed the lexer's buffer) */
    char lit[400] = "{{ 1.";
    memset(lit + 5, '9', 300);
    strcpy(lit + 305, " }}");
    CHECK_FAILS(lit, NULL, "number literal too long");
    CHECK_FAILS("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", NULL, "nested too deeply");
    CHECK_FAILS("{{ range(100000000) | length }}", NULL, "range() too large");
    CHECK_FAILS("{{ range(-9223372036854775807, 9223372036854775807) | length }}", NULL, "too large");
    CHECK_FAILS("{{ 'x' * 100000000 }}", NULL, "too large");
    CHECK_FAILS("{{ [1, 2] * 9000000000000000000 }}", NULL, "too large");
    /* exponential work is cut off by the step budget */
    CHECK_FAILS("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
                NULL, "memory");
    /* output and memory budgets */
    const char *many = "{% for i in range(1000000) %}xxxxxxxxxx{% endfor %}";
    struct jinja_template *big = jinja_compile(many, strlen(many), NULL);
    CHECK(big != NULL);
    struct jinja_render_opts small = { .max_output = 100000 };
    CHECK(jinja_render(big, NULL, &small, NULL) == NULL);
    CHECK(strstr(err_msg(), "output is larger than 100000 bytes") != NULL);
    jinja_free(big);
    const char *grow = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}";
    struct jinja_template *g = jinja_compile(grow, strlen(grow), NULL);
    struct jinja_render_opts mem = { .max_memory = 64 << 20 };
    CHECK(jinja_render(g, NULL, &mem, NULL) == NULL);
    CHECK(strstr(err_msg(), "memory") != NULL);
    jinja_free(g);
    /* long operator chains and deeply nested values stay off the end of the C stack */
    char *chain = malloc(400000);
    k = (size_t)sprintf(chain, "{{ 1");
    for (int i = 0; i < 50000; i++)
        k += (size_t)sprintf(chain + k, " + 1");
    k += (size_t)sprintf(chain + k, " }}");
    CHECK_FAILS(chain, NULL, "expression nested too deeply");
    free(chain);
    CHECK_FAILS("{% set ns = namespace(x=[]) %}{% for i in range(20000) %}{% set ns.x = [ns.x] %}{% endfor %}"
                "{{ ns.x == ns.x }}{{ ns.x < ns.x }}", NULL, "nested too deeply");
    /* macro recursion through deeply nested blocks */
    char *nest = malloc(20000);
    k = (size_t)sprintf(nest, "{%% macro m(n) %%}");
    for (int i = 0; i < 200; i++)
        k += (size_t)sprintf(nest + k, "{%% if true %%}");
    k += (size_t)sprintf(nest + k, "{{ m(n + 1) }}");
    for (int i = 0; i < 200; i++)
        k += (size_t)sprintf(nest + k, "{%% endif %%}");
    k += (size_t)sprintf(nest + k, "{%% endmacro %%}{{ m(0) }}");
    CHECK_FAILS(nest, NULL, "nested too deeply");
    free(nest);
    /* integers never wrap silently */
    CHECK_FAILS("{{ 9223372036854775807 + 1 }}", NULL, "overflow");
    CHECK_FAILS("{{ 2 ** 64 }}", NULL, "overflow");
    CHECK_FAILS("{{ -(-9223372036854775807 - 1) }}", NULL, "overflow");
    CHECK_FAILS("{{ (-9223372036854775807 - 1) // -1 }}", NULL, "overflow");
    /* deeply nested input values */
    char *json = malloc(4000);
    k = 0;
    for (int i = 0; i < 300; i++)
        json[k++] = '[';
    for (int i = 0; i < 300; i++)
        json[k++] = ']';
    json[k] = 0;
    char vars[4100];
    snprintf(vars, sizeof vars, "{\"x\": %s}", json);
    CHECK_FAILS("{{ x }}", vars, "nested too deeply");
    free(json);
}

TEST(values_from_json)
{
    CHECK_RENDER("{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ f is none }} {{ g.h[1] }}",
                 "{\"a\": 1, \"b\": 2.5, \"c\": true, \"d\": \"s\", \"e\": [1, \"x\"], \"f\": null, \"g\": {\"h\": [0, 9]}}",
                 "1 2.5 True s [1, 'x'] True 9");
    CHECK_RENDER("{{ big }} {{ neg }} {{ 1e308 * 10 }}", "{\"big\": 1e20, \"neg\": -3}", "1e+20 -3 inf");
    CHECK_FAILS("{{ x }}", "[1]", "must be a JSON object");
}

/* Mutated real templates must compile or fail, render or fail, and never
 * crash, leak or read out of bounds (ASan/UBSan watch this test). */
TEST(mutated_templates_never_crash)
{
    static const char *const files[] = { "deepseek-r1", "llama3.1", "qwen2.5", "mistral-v0.3", "gemma3" };
    cJSON *vars = cJSON_Parse("{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", "
                              "\"content\": \"U\"}, {\"role\": \"assistant\", \"content\": \"<think>x</think>A\"},"
                              "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"T\"}]}],"
                              "\"add_generation_prompt\": true, \"bos_token\": \"<s>\", \"tools\": [{\"type\":"
                              "\"function\", \"function\": {\"name\": \"f\", \"parameters\": {}}}]}");
    static const char *const snippets[] = { "{%", "%}", "{{", "}}", "{#", "#}", "-", "'", "\"", "(", ")", "[",
                                            "]", "{", "}", "|", ".", ",", " if ", " else ", " endif ", " for ",
                                            " in ", " not ", " is ", "\\", "\n", "loop", "ns", "0", "-1", ":" };
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int rendered = 0, iterations = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, "tests/data/templates/%s.jinja", files[f]);
        size_t n;
        char *orig = test_read_file(path, &n);
        CHECK(orig != NULL);
        if (!orig)
            continue;
        char *buf = malloc(n + 64 * 8 + 1);
        for (int it = 0; it < 300; it++, iterations++) {
            memcpy(buf, orig, n);
            size_t len = n;
            int edits = 1 + (int)((rng >> 33) % 4);
            for (int e = 0; e < edits; e++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                size_t pos = len ? (size_t)(rng >> 20) % len : 0;
                int op = (int)((rng >> 8) % 3);
                if (op == 0 && len > 0) {               /* delete a run */
                    size_t dl = 1 + (size_t)((rng >> 40) % 8);
                    if (pos + dl > len)
                        dl = len - pos;
                    memmove(buf + pos, buf + pos + dl, len - pos - dl);
                    len -= dl;
                } else {                                /* insert a token-ish snippet */
                    const char *sn = snippets[(rng >> 45) % (sizeof snippets / sizeof snippets[0])];
                    size_t sl = strlen(sn);
                    memmove(buf + pos + sl, buf + pos, len - pos);
                    memcpy(buf + pos, sn, sl);
                    len += sl;
                }
            }
            struct jinja_template *t = jinja_compile(buf, len, NULL);
            if (t) {
                struct jinja_render_opts o = { .max_output = 1 << 20, .max_memory = 32 << 20 };
                char *out = jinja_render(t, vars, &o, NULL);
                rendered += out != NULL;
                free(out);
                jinja_free(t);
            } else {
                CHECK(strncmp(err_msg(), "template line ", 14) == 0);
            }
        }
        free(buf);
        free(orig);
    }
    CHECK_INT(iterations, 1500);
    CHECK(rendered > 0);
    cJSON_Delete(vars);
}
