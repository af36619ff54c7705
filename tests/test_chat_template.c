/* test_chat_template.c - chat templates against outputs of the real Jinja2:
 * the R1-distill fixture conversations (hf_rendered), and every template in
 * tests/data/templates with every conversation of conversations.json against
 * the golden/ files make-golden.py wrote. Byte for byte; no Python needed. */
#include "test.h"

#include <dirent.h>
#include <stdint.h>
#include <time.h>

#include "../common/err.h"
#include "../runtime/chat-template.h"
#include "../runtime/gguf.h"

#define TDIR "tests/data/templates"

TEST(r1_fixture_conversations_match_hf)
{
    struct gguf *g = gguf_open(fixture_path("models/r1-vocab-q4_k_m.gguf"));
    cJSON *cases = test_read_json(fixture_path("tokenizer/r1-chat-template-cases.json"));
    if (!cases || !g) {
        gguf_close(g);
        cJSON_Delete(cases);
        SKIP("fixtures r1-vocab-q4_k_m.gguf / r1-chat-template-cases.json not found (MODEL_FIXTURES)");
    }
    char *tmpl = chat_template_from_gguf(g, NULL), *bos = NULL, *eos = NULL;
    CHECK(tmpl != NULL);
    CHECK_INT(chat_special_tokens_from_gguf(g, &bos, &eos), 0);
    CHECK_STR(bos, "<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
    CHECK_STR(eos, "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>");
    CHECK(chat_template_from_gguf(g, "tool_use") == NULL);
    CHECK(strstr(err_msg(), "tokenizer.chat_template.tool_use") != NULL);
    gguf_close(g);
    if (!tmpl) {
        free(bos);
        free(eos);
        cJSON_Delete(cases);
        return;
    }
    /* the committed copy is the GGUF's template, byte for byte */
    char *copy = test_read_file(TDIR "/deepseek-r1.jinja", NULL);
    CHECK(copy && !strcmp(copy, tmpl));
    free(copy);
    CHECK_INT(chat_template_family(tmpl), CHAT_FAMILY_DEEPSEEK_R1);

    struct chat_template *ct = chat_template_new(tmpl);
    CHECK(ct != NULL);
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(cases, "cases")) {
        struct chat_render_opts o = {
            .bos_token = bos,
            .eos_token = eos,
            .add_generation_prompt = cJSON_IsTrue(cJSON_GetObjectItem(c, "add_generation_prompt")),
        };
        char *out = chat_template_apply(ct, cJSON_GetObjectItem(c, "messages"), &o, NULL);
        const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(c, "hf_rendered"));
        if (!out || !want || strcmp(out, want))
            test_fail_at(__FILE__, __LINE__, "case %s: got \"%s\" (%s), want \"%s\"",
                         cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")), out ? out : "NULL",
                         out ? "" : err_msg(), want ? want : "?");
        free(out);
        n++;
    }
    CHECK_INT(n, 7);
    chat_template_free(ct);
    free(tmpl);
    free(bos);
    free(eos);
    cJSON_Delete(cases);
}

static time_t golden_now(const cJSON *conv)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(conv, "now"));
    struct tm tm = { 0 };
    if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec) != 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static int listed(const cJSON *c, const char *name)
{
    const cJSON *t = cJSON_GetObjectItem(c, "templates"), *e;
    if (!t)
        return 1;
    cJSON_ArrayForEach(e, t)
        if (cJSON_IsString(e) && !strcmp(e->valuestring, name))
            return 1;
    return 0;
}

static int count_golden(void)
{
    DIR *d = opendir(TDIR "/golden");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".expected") || strstr(e->d_name, ".error"))
            n++;
    if (d)
        closedir(d);
    return n;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

TEST(golden_templates_match_jinja2)
{
    cJSON *conv = test_read_json(TDIR "/conversations.json");
    CHECK(conv != NULL);
    if (!conv)
        return;
    time_t now = golden_now(conv);
    CHECK(now != 0);
    DIR *d = opendir(TDIR);
    CHECK(d != NULL);
    if (!d) {
        cJSON_Delete(conv);
        return;
    }
    char *names[64];
    int nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 64) {
        size_t l = strlen(e->d_name);
        if (l > 6 && !strcmp(e->d_name + l - 6, ".jinja"))
            names[nn++] = strndup(e->d_name, l - 6);
    }
    closedir(d);
    qsort(names, (size_t)nn, sizeof(*names), cmp_names);
    CHECK(nn >= 12);
    int compared = 0, outputs = 0, errors = 0;
    for (int i = 0; i < nn; i++) {
        char path[512];
        snprintf(path, sizeof path, TDIR "/%s.jinja", names[i]);
        char *src = test_read_file(path, NULL);
        CHECK(src != NULL);
        struct chat_template *ct = src ? chat_template_new(src) : NULL;
        if (!ct) {
            test_fail_at(__FILE__, __LINE__, "%s: %s", names[i], err_msg());
            free(src);
            continue;
        }
        const cJSON *tok = cJSON_GetObjectItem(cJSON_GetObjectItem(conv, "special_tokens"), names[i]);
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(conv, "cases")) {
            const char *cname = cJSON_GetStringValue(cJSON_GetObjectItem(c, "name"));
            if (!listed(c, names[i]))
                continue;
            struct chat_render_opts o = {
                .bos_token = cJSON_GetStringValue(cJSON_GetObjectItem(tok, "bos_token")),
                .eos_token = cJSON_GetStringValue(cJSON_GetObjectItem(tok, "eos_token")),
                .add_generation_prompt = cJSON_IsTrue(cJSON_GetObjectItem(c, "add_generation_prompt")),
                .tools = cJSON_GetObjectItem(c, "tools"),
                .extra = cJSON_GetObjectItem(c, "extra"),
                .now = now,
            };
            size_t len = 0;
            err_clear();
            char *out = chat_template_apply(ct, cJSON_GetObjectItem(c, "messages"), &o, &len);
            char gpath[512];
            snprintf(gpath, sizeof gpath, TDIR "/golden/%s.%s.expected", names[i], cname);
            size_t wlen;
            char *want = test_read_file(gpath, &wlen);
            if (want) {
                outputs++;
                if (!out || len != wlen || memcmp(out, want, wlen))
                    test_fail_at(__FILE__, __LINE__, "%s / %s:\n--- got (%s)\n%s\n--- want\n%s", names[i], cname,
                                 out ? "rendered" : err_msg(), out ? out : "", want);
            } else {
                snprintf(gpath, sizeof gpath, TDIR "/golden/%s.%s.error", names[i], cname);
                want = test_read_file(gpath, NULL);
                if (!want) {
                    test_fail_at(__FILE__, __LINE__, "%s / %s: no golden file (run make-golden.py)", names[i], cname);
                } else {
                    errors++;
                    /* Jinja2 raised: so must we; raise_exception() messages must match */
                    if (out)
                        test_fail_at(__FILE__, __LINE__, "%s / %s: rendered, but Jinja2 fails with %s", names[i],
                                     cname, want);
                    if (!strncmp(want, "TemplateError: ", 15)) {
                        char *msg = want + 15;
                        msg[strcspn(msg, "\n")] = 0;
                        if (!strstr(err_msg(), msg))
                            test_fail_at(__FILE__, __LINE__, "%s / %s: error \"%s\", want \"%s\"", names[i], cname,
                                         err_msg(), msg);
                    }
                    CHECK(!strncmp(err_msg(), "chat template: template line ", 29));
                }
            }
            compared++;
            free(want);
            free(out);
        }
        chat_template_free(ct);
        free(src);
        free(names[i]);
    }
    /* every golden file was compared, none is stale */
    CHECK_INT(compared, count_golden());
    CHECK(outputs >= 120);
    CHECK(errors >= 10);
    cJSON_Delete(conv);
}

TEST(default_template_is_chatml_and_says_so)
{
    char *file = test_read_file(TDIR "/chatml.jinja", NULL);
    CHECK(file && !strcmp(file, chat_template_default()));
    free(file);
    const char *notice = "unset";
    CHECK(chat_template_or_default(NULL, &notice) == chat_template_default());
    CHECK(notice && strstr(notice, "ChatML"));
    notice = "unset";
    CHECK(chat_template_or_default("  \n", &notice) == chat_template_default());
    CHECK(notice != NULL);
    const char *mine = "{{ messages[0].content }}";
    CHECK(chat_template_or_default(mine, &notice) == mine);
    CHECK(notice == NULL);
    CHECK_INT(chat_template_family(chat_template_default()), CHAT_FAMILY_CHATML);

    cJSON *m = cJSON_Parse("[{\"role\":\"user\",\"content\":\"Hi\"}]");
    struct chat_render_opts o = { .add_generation_prompt = 1 };
    char *out = chat_template_render(chat_template_default(), m, &o);
    CHECK_STR(out, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    free(out);
    cJSON_Delete(m);
}

TEST(family_detection)
{
    static const struct {
        const char *file;
        enum chat_family f;
    } want[] = {
        { "deepseek-r1", CHAT_FAMILY_DEEPSEEK_R1 }, { "deepseek-r1-reformatted", CHAT_FAMILY_DEEPSEEK_R1 },
        { "llama3.1", CHAT_FAMILY_LLAMA3 }, { "llama3.2", CHAT_FAMILY_LLAMA3 }, { "qwen2.5", CHAT_FAMILY_CHATML }, { "qwen3", CHAT_FAMILY_CHATML },
        { "chatml", CHAT_FAMILY_CHATML }, { "mistral-v0.3", CHAT_FAMILY_MISTRAL }, { "gemma2", CHAT_FAMILY_GEMMA },
        { "gemma3", CHAT_FAMILY_GEMMA }, { "phi3", CHAT_FAMILY_PHI }, { "phi4", CHAT_FAMILY_PHI },
        { "phi4-mini", CHAT_FAMILY_PHI },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, TDIR "/%s.jinja", want[i].file);
        char *src = test_read_file(path, NULL);
        CHECK(src != NULL);
        if (src && chat_template_family(src) != want[i].f)
            test_fail_at(__FILE__, __LINE__, "%s: detected %s, want %s", want[i].file,
                         chat_family_name(chat_template_family(src)), chat_family_name(want[i].f));
        free(src);
    }
    CHECK_INT(chat_template_family("{{ messages }}"), CHAT_FAMILY_UNKNOWN);
    CHECK_INT(chat_template_family(NULL), CHAT_FAMILY_UNKNOWN);
    CHECK_STR(chat_family_name(CHAT_FAMILY_DEEPSEEK_R1), "deepseek-r1");
    CHECK_STR(chat_family_name(CHAT_FAMILY_UNKNOWN), "unknown");
}

TEST(extra_variables_and_reserved_names)
{
    const char *src = "{% if enable_thinking is defined and not enable_thinking %}<no-think>{% endif %}"
                      "{{ bos_token }}{{ messages|length }}{{ tools is none }}{{ add_generation_prompt }}"
                      "{{ date_string }}{{ cfg.k }}{{ lst|join(',') }}";
    cJSON *m = cJSON_Parse("[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]");
    cJSON *extra = cJSON_Parse("{\"enable_thinking\":false,\"date_string\":\"1 Jan\",\"bos_token\":\"X\","
                               "\"messages\":[],\"cfg\":{\"k\":7},\"lst\":[1,2]}");
    struct chat_render_opts o = { .bos_token = "<s>", .extra = extra };
    char *out = chat_template_render(src, m, &o);
    CHECK_STR(out, "<no-think><s>2TrueFalse1 Jan71,2");
    free(out);
    cJSON_Delete(extra);
    cJSON_Delete(m);
}

TEST(compiled_template_renders_many_turns)
{
    struct chat_template *ct = chat_template_new(chat_template_default());
    CHECK(ct != NULL);
    cJSON *m = cJSON_CreateArray();
    for (int turn = 0; turn < 50; turn++) {
        cJSON *msg = cJSON_CreateObject();
        cJSON_AddStringToObject(msg, "role", turn % 2 ? "assistant" : "user");
        cJSON_AddStringToObject(msg, "content", "x");
        cJSON_AddItemToArray(m, msg);
        size_t len;
        char *out = chat_template_apply(ct, m, NULL, &len);
        CHECK(out != NULL);
        CHECK_INT(len, (size_t)(turn + 1) * strlen("<|im_start|>user\nx<|im_end|>\n") + (turn + 1) / 2 * 5);
        free(out);
    }
    cJSON_Delete(m);
    chat_template_free(ct);
}

TEST(errors_name_the_place)
{
    cJSON *m = cJSON_Parse("[{\"role\":\"user\",\"content\":\"a\"}]");
    CHECK(chat_template_new("line one\n{% if x %}\nunclosed") == NULL);
    CHECK(strstr(err_msg(), "chat template: template line 3") != NULL);
    CHECK(strstr(err_msg(), "endif") != NULL);

    CHECK(chat_template_render("{{ x | nosuchfilter }}", m, NULL) == NULL);
    CHECK(strstr(err_msg(), "line 1, column 8") && strstr(err_msg(), "nosuchfilter"));

    CHECK(chat_template_render("ok\n  {{ raise_exception('Only user and assistant roles') }}", m, NULL) == NULL);
    CHECK_STR(err_msg(), "chat template: template line 2, column 6: Only user and assistant roles");

    cJSON *notarray = cJSON_Parse("{\"role\":\"user\"}");
    CHECK(chat_template_render("x", notarray, NULL) == NULL);
    CHECK(strstr(err_msg(), "array") != NULL);
    cJSON *tools = cJSON_Parse("{\"a\":1}");
    struct chat_render_opts o = { .tools = tools };
    CHECK(chat_template_render("x", m, &o) == NULL);
    CHECK(chat_template_new(NULL) == NULL);
    cJSON_Delete(tools);
    cJSON_Delete(notarray);
    cJSON_Delete(m);
}

TEST(gguf_without_template_gets_the_default)
{
    struct gguf *g = gguf_open(fixture_path("real/stories260K.gguf"));
    if (!g)
        SKIP("fixture real/stories260K.gguf not found (MODEL_FIXTURES)");
    char *tmpl = chat_template_from_gguf(g, NULL);
    CHECK(tmpl == NULL);
    CHECK(strstr(err_msg(), "no tokenizer.chat_template") != NULL);
    const char *notice = NULL;
    CHECK(chat_template_or_default(tmpl, &notice) == chat_template_default());
    CHECK(notice != NULL);
    char *bos, *eos;
    CHECK_INT(chat_special_tokens_from_gguf(g, &bos, &eos), 0);
    CHECK_STR(bos, "<s>");
    CHECK_STR(eos, "</s>");
    free(bos);
    free(eos);
    gguf_close(g);
}
