/*
 * test_session.c - conversation turns on the fixture models: prompt ids as
 * HF renders and llama.cpp tokenizes them, KV reuse counted in evaluated
 * tokens, dropping old turns at the context limit, cancellation, stop
 * strings, and the reasoning split.
 *
 * The template here is a hand-written renderer of the DeepSeek-R1 format,
 * checked first against the fixture's jinja2 renderings, so that these
 * tests do not depend on the Jinja interpreter (tested on its own).
 */
#include "test.h"

#include <cjson/cJSON.h>

#include "../common/err.h"
#include "../runtime/forward.h"
#include "../runtime/gen-params.h"
#include "../runtime/model.h"
#include "../runtime/session.h"
#include "../runtime/tokenizer.h"
#include "../runtime/utf8.h"

#define BOS_TEXT "<\xef\xbd\x9c" "begin\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"
#define EOS_TEXT "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"
#define USER_TEXT "<\xef\xbd\x9cUser\xef\xbd\x9c>"
#define ASSISTANT_TEXT "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"

/* ---- an R1-format renderer (the HF template's behaviour) ----------------- */

static void cat(char **s, size_t *n, const char *t)
{
    size_t l = strlen(t);
    *s = realloc(*s, *n + l + 1);
    memcpy(*s + *n, t, l + 1);
    *n += l;
}

static int render_r1(void *ctx, const cJSON *msgs, int add_gen, char **out)
{
    (void)ctx;
    char *s = NULL;
    size_t n = 0;
    cat(&s, &n, BOS_TEXT);
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs)
    {
        const char *role = cJSON_GetObjectItem(m, "role")->valuestring;
        if (!strcmp(role, "system"))
            cat(&s, &n, cJSON_GetObjectItem(m, "content")->valuestring);
    }
    cJSON_ArrayForEach(m, msgs)
    {
        const char *role = cJSON_GetObjectItem(m, "role")->valuestring;
        const char *content = cJSON_GetObjectItem(m, "content")->valuestring;
        if (!strcmp(role, "user")) {
            cat(&s, &n, USER_TEXT);
            cat(&s, &n, content);
        } else if (!strcmp(role, "assistant")) {
            const char *after = strstr(content, "</think>");
            while (after && strstr(after + 1, "</think>"))
                after = strstr(after + 1, "</think>");
            cat(&s, &n, ASSISTANT_TEXT);
            cat(&s, &n, after ? after + 8 : content);
            cat(&s, &n, EOS_TEXT);
        }
    }
    if (add_gen)
        cat(&s, &n, ASSISTANT_TEXT "<think>\n");
    *out = s;
    return 0;
}

/* ---- fixtures ---------------------------------------------------------------- */

struct fx {
    struct model *m;
    struct forward_state *fs;
    struct tokenizer *tok;
    struct session *s;
};

static int fx_open(struct fx *f, const char *rel, int n_ctx)
{
    const char *path = fixture_path(rel);
    memset(f, 0, sizeof *f);
    if (!(f->m = model_open(&path, 1)) || !(f->fs = forward_state_new(f->m, n_ctx, 64, KV_F16)) ||
        !(f->tok = tokenizer_load(f->m->meta))) {
        test_fail_at(__FILE__, __LINE__, "open %s: %s", rel, err_msg());
        return -1;
    }
    struct session_config c = { .model = f->m, .state = f->fs, .tok = f->tok, .render = render_r1 };
    if (!(f->s = session_new(&c))) {
        test_fail_at(__FILE__, __LINE__, "session_new: %s", err_msg());
        return -1;
    }
    return 0;
}

static void fx_close(struct fx *f)
{
    session_free(f->s);
    tokenizer_free(f->tok);
    forward_state_free(f->fs);
    model_free(f->m);
}

static void greedy(struct session_request *rq, int n_predict)
{
    memset(rq, 0, sizeof *rq);
    sampler_defaults(&rq->sampling);
    rq->sampling.temp = 0;
    rq->sampling.seed = 1;
    rq->n_predict = n_predict;
}

static cJSON *msgs_of(const char *json)
{
    cJSON *m = cJSON_Parse(json);
    if (!m)
        test_fail_at(__FILE__, __LINE__, "bad JSON in the test");
    return m;
}

static void add_user(cJSON *msgs, const char *text)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "role", "user");
    cJSON_AddStringToObject(m, "content", text);
    cJSON_AddItemToArray(msgs, m);
}

static const char *content_at(const cJSON *msgs, int i)
{
    return cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, i), "content")->valuestring;
}

/* ---- the template renderer against the fixture, and the prompt ids ------- */

struct captured {
    int32_t ids[4096];
    int n;
    char text[8192];
};

static void capture_prompt(void *ud, const char *text, const int32_t *ids, int n)
{
    struct captured *c = ud;
    snprintf(c->text, sizeof c->text, "%s", text);
    c->n = n < 4096 ? n : 4096;
    memcpy(c->ids, ids, (size_t)c->n * sizeof *ids);
}

TEST(prompt_ids_match_hf_rendering_and_llama_tokenize)
{
    char *json = test_read_file(fixture_path("tokenizer/r1-chat-template-cases.json"), NULL);
    if (!json)
        SKIP("fixture tokenizer/r1-chat-template-cases.json missing");
    cJSON *root = cJSON_Parse(json);
    struct fx f;
    if (fx_open(&f, "models/r1-vocab-q4_k_m.gguf", 256) == 0) {
        const cJSON *c;
        int cases = 0;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(root, "cases"))
        {
            const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
            if (!cJSON_IsTrue(cJSON_GetObjectItem(c, "add_generation_prompt")))
                continue; /* the session always asks for the generation prompt */
            cJSON *msgs = cJSON_Duplicate(cJSON_GetObjectItem(c, "messages"), 1);
            char *mine;
            render_r1(NULL, msgs, 1, &mine);
            if (strcmp(mine, cJSON_GetObjectItem(c, "hf_rendered")->valuestring))
                test_fail_at(__FILE__, __LINE__, "%s: the test renderer differs from jinja2: %s", name, mine);
            free(mine);

            struct captured cap = { .n = 0 };
            struct session_request rq;
            greedy(&rq, 1);
            rq.on_prompt = capture_prompt;
            rq.ud = &cap;
            struct session_result r;
            CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
            const cJSON *want = cJSON_GetObjectItem(c, "hf_ids");
            int same = cap.n == cJSON_GetArraySize(want);
            for (int i = 0; same && i < cap.n; i++)
                same = cap.ids[i] == cJSON_GetArrayItem(want, i)->valueint;
            if (!same)
                test_fail_at(__FILE__, __LINE__, "%s: prompt ids differ from hf_ids (%d ids)", name, cap.n);
            CHECK_INT(r.n_prompt, cap.n);
            CHECK_INT(r.n_generated, r.stop == STOP_EOG ? 0 : 1);
            session_result_free(&r);
            cJSON_Delete(msgs);
            cases++;
        }
        CHECK(cases >= 5);
    }
    fx_close(&f);
    cJSON_Delete(root);
    free(json);
}

/* ---- KV reuse ------------------------------------------------------------------ */

TEST(second_turn_evaluates_only_new_tokens)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 512) == 0) {
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"Hello there, how are you today?\"}]");
        struct session_request rq;
        struct session_result r1, r2, r3;
        greedy(&rq, 8);

        CHECK_INT(session_chat(f.s, msgs, &rq, &r1), 0);
        CHECK_INT(r1.n_reused, 0);
        CHECK_INT(r1.n_evaluated, r1.n_prompt);
        /* every generated token but the last one sampled is evaluated */
        int after1 = (int)session_evaluated_total(f.s);
        CHECK_INT(after1, r1.n_prompt + r1.n_generated - (r1.stop == STOP_EOG ? 0 : 1));

        /* the same conversation again: only the last prompt token is evaluated (for its logits) */
        CHECK_INT(session_chat(f.s, msgs, &rq, &r2), 0);
        CHECK_INT(r2.n_reused, r2.n_prompt - 1);
        CHECK_INT(r2.n_evaluated, 1);
        CHECK_STR(r2.content, r1.content);
        CHECK_STR(r2.reasoning, r1.reasoning);

        /* a second turn: everything up to the old answer is reused */
        session_append_answer(msgs, &r2);
        CHECK_STR(content_at(msgs, 1), r2.content); /* the answer goes back without its reasoning */
        CHECK(*r2.reasoning && !strstr(content_at(msgs, 1), r2.reasoning));
        add_user(msgs, "Tell me more.");
        uint64_t before = session_evaluated_total(f.s);
        CHECK_INT(session_chat(f.s, msgs, &rq, &r3), 0);
        /* up to "<｜Assistant｜>": the template drops the "<think>\n" that opened the answer */
        CHECK(r3.n_reused >= r1.n_prompt - 2);
        CHECK_INT(r3.n_evaluated, r3.n_prompt - r3.n_reused);
        CHECK(r3.n_evaluated < r3.n_prompt / 2 + 8);
        /* the counter agrees with what the session reports */
        CHECK_INT((int)(session_evaluated_total(f.s) - before),
                  r3.n_evaluated + r3.n_generated - (r3.stop == STOP_EOG ? 0 : 1));
        /* and the cache holds exactly the new prompt's prefix up to where it was reused */
        const int32_t *cached;
        int n_cached = session_cached(f.s, &cached);
        CHECK(n_cached >= r3.n_prompt);

        session_result_free(&r1);
        session_result_free(&r2);
        session_result_free(&r3);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

TEST(reset_forgets_the_cache)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 256) == 0) {
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"Hi\"}]");
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 2);
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        session_result_free(&r);
        session_reset(f.s);
        CHECK_INT(session_cached(f.s, NULL), 0);
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        CHECK_INT(r.n_reused, 0);
        CHECK_INT(r.n_evaluated, r.n_prompt);
        session_result_free(&r);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

/* ---- context overflow ------------------------------------------------------------ */

struct notes {
    int n;
    char last[256];
};

static void take_notice(void *ud, const char *msg)
{
    struct notes *no = ud;
    no->n++;
    snprintf(no->last, sizeof no->last, "%s", msg);
}


TEST(full_context_drops_oldest_turns_but_not_the_first_user_turn)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 96) == 0) {
        cJSON *msgs = msgs_of("[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                              "{\"role\":\"user\",\"content\":\"first question about the weather\"},"
                              "{\"role\":\"assistant\",\"content\":\"first answer about the sun\"},"
                              "{\"role\":\"user\",\"content\":\"second question about rain and clouds in May\"},"
                              "{\"role\":\"assistant\",\"content\":\"second answer: it rains a lot in May\"},"
                              "{\"role\":\"user\",\"content\":\"third question about snow in the mountains\"},"
                              "{\"role\":\"assistant\",\"content\":\"third answer: snow falls high up\"},"
                              "{\"role\":\"user\",\"content\":\"and now the last question\"}]");
        struct notes no = { 0 };
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 4);
        rq.reserve = 16;
        rq.on_notice = take_notice;
        rq.ud = &no;
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        CHECK(r.n_dropped >= 2);
        CHECK_INT(r.n_dropped % 2, 0);
        CHECK_INT(no.n, 1);
        CHECK(strstr(no.last, "dropped") != NULL);
        CHECK(r.n_prompt + 16 <= 96);
        int n = cJSON_GetArraySize(msgs);
        CHECK_INT(n, 8 - r.n_dropped);
        CHECK_STR(content_at(msgs, 0), "Be brief.");
        CHECK_STR(content_at(msgs, 1), "first question about the weather");
        CHECK_STR(content_at(msgs, 2), "first answer about the sun");
        CHECK_STR(content_at(msgs, n - 1), "and now the last question");
        session_result_free(&r);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

TEST(no_drop_refuses_instead_of_dropping)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 64) == 0) {
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"first question about the weather\"},"
                              "{\"role\":\"assistant\",\"content\":\"first answer about the sun\"},"
                              "{\"role\":\"user\",\"content\":\"second question about rain and clouds\"},"
                              "{\"role\":\"assistant\",\"content\":\"second answer: it rains a lot\"},"
                              "{\"role\":\"user\",\"content\":\"and the last question\"}]");
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 4);
        rq.reserve = 30;
        rq.no_drop = 1;
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), -1);
        CHECK(strstr(err_msg(), "shorten the conversation") != NULL);
        CHECK_INT(cJSON_GetArraySize(msgs), 5);
        CHECK_INT(session_evaluated_total(f.s), 0);
        rq.no_drop = 0;
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        CHECK(r.n_dropped > 0);
        session_result_free(&r);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

TEST(prompt_too_long_is_an_error_not_a_cut)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 32) == 0) {
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"one two three four five six seven eight nine ten "
                              "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen\"}]");
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 4);
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), -1);
        CHECK(strstr(err_msg(), "context") != NULL);
        CHECK_INT(cJSON_GetArraySize(msgs), 1);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

/* ---- cancellation ------------------------------------------------------------------- */

struct canceller {
    volatile sig_atomic_t *flag;
    int chunks;
    int after;
    int bad_utf8;
};

static int cancel_after(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    struct canceller *c = ud;
    size_t bad;
    (void)part;
    if (utf8_validate(text, len, &bad))
        c->bad_utf8++;
    if (++c->chunks >= c->after)
        *c->flag = 1;
    return 0;
}

TEST(cancel_flag_stops_generation_and_keeps_the_session_usable)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-q4_k_m.gguf", 256) == 0) {
        volatile sig_atomic_t flag = 0;
        struct canceller c = { .flag = &flag, .after = 2 };
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"Hi\"}]");
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 64);
        rq.cancel = &flag;
        rq.on_text = cancel_after;
        rq.ud = &c;
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        if (r.stop == STOP_EOG)
            SKIP("the model ended its answer before the cancel point");
        CHECK_INT(r.stop, STOP_CANCELLED);
        CHECK(r.n_generated < 64);
        CHECK_INT(c.chunks, 2);
        CHECK_INT(c.bad_utf8, 0);
        session_result_free(&r);

        /* set before the turn: nothing is evaluated */
        uint64_t before = session_evaluated_total(f.s);
        add_user(msgs, "Again");
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        CHECK_INT(r.stop, STOP_CANCELLED);
        CHECK_INT(r.n_generated, 0);
        CHECK_INT((int)(session_evaluated_total(f.s) - before), 0);
        session_result_free(&r);

        /* cleared: the next turn runs */
        flag = 0;
        c.after = 1000;
        CHECK_INT(session_chat(f.s, msgs, &rq, &r), 0);
        CHECK(r.stop != STOP_CANCELLED);
        CHECK(r.n_generated > 0);
        session_result_free(&r);
        cJSON_Delete(msgs);
    }
    fx_close(&f);
}

static int stop_by_return(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    int *n = ud;
    (void)part, (void)text, (void)len;
    return ++*n >= 3;
}

TEST(on_text_nonzero_cancels)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-f32.gguf", 256) == 0) {
        int n = 0;
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 64);
        rq.on_text = stop_by_return;
        rq.ud = &n;
        CHECK_INT(session_complete(f.s, "Once upon a time", &rq, &r), 0);
        if (r.stop != STOP_EOG) {
            CHECK_INT(r.stop, STOP_CANCELLED);
            CHECK_INT(n, 3);
        }
        session_result_free(&r);
    }
    fx_close(&f);
}

/* ---- stop strings and raw completion -------------------------------------------------- */

TEST(stop_string_cuts_the_output)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-f32.gguf", 256) == 0) {
        struct session_request rq;
        struct session_result r, r2;
        greedy(&rq, 24);
        CHECK_INT(session_complete(f.s, "The quick brown fox", &rq, &r), 0);
        size_t len = strlen(r.content);
        if (len < 8) {
            session_result_free(&r);
            fx_close(&f);
            SKIP("the greedy continuation is too short to cut");
        }
        /* a stop string from the middle of the text, starting at a character boundary */
        size_t at = len / 2;
        while (at > 0 && ((unsigned char)r.content[at] & 0xC0) == 0x80)
            at--;
        char stop[4] = { 0 };
        size_t sl = utf8_char_len((const unsigned char *)r.content + at, len - at);
        memcpy(stop, r.content + at, sl ? sl : 1);
        const char *first = strstr(r.content, stop);
        const char *stops[] = { "never appears \x01", stop };
        rq.stop = stops;
        rq.n_stop = 2;
        CHECK_INT(session_complete(f.s, "The quick brown fox", &rq, &r2), 0);
        CHECK_INT(r2.stop, STOP_STRING);
        CHECK_INT(strlen(r2.content), (size_t)(first - r.content));
        CHECK(!strncmp(r2.content, r.content, strlen(r2.content)));
        session_result_free(&r);
        session_result_free(&r2);
    }
    fx_close(&f);
}

TEST(raw_completion_on_stories260K_is_its_greedy_story)
{
    struct fx f;
    if (fx_open(&f, "real/stories260K.gguf", 256) == 0) {
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 12);
        CHECK_INT(session_complete(f.s, "Once upon a time", &rq, &r), 0);
        CHECK_INT(r.n_prompt, 5); /* 1 403 407 261 378 */
        CHECK_INT(r.n_generated, 12);
        CHECK_INT(r.stop, STOP_LENGTH);
        /* llama.cpp's greedy text: "Once upon a time, there was a little girl named Lily." */
        CHECK(!strncmp(r.content, ", there was a little girl", 25));
        CHECK_STR(r.reasoning, "");
        session_result_free(&r);
    }
    fx_close(&f);
}

TEST(chat_without_template_is_refused)
{
    struct fx f;
    if (fx_open(&f, "real/stories260K.gguf", 64) == 0) {
        struct session_config c = { .model = f.m, .state = f.fs, .tok = f.tok };
        struct session *s = session_new(&c);
        cJSON *msgs = msgs_of("[{\"role\":\"user\",\"content\":\"Hi\"}]");
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 2);
        CHECK_INT(session_chat(s, msgs, &rq, &r), -1);
        CHECK(strstr(err_msg(), "template") != NULL);
        cJSON_Delete(msgs);
        session_free(s);
    }
    fx_close(&f);
}

TEST(context_full_stops_with_a_notice)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-f32.gguf", 16) == 0) {
        struct notes no = { 0 };
        struct session_request rq;
        struct session_result r;
        greedy(&rq, 0);
        rq.on_notice = take_notice;
        rq.ud = &no;
        CHECK_INT(session_complete(f.s, "The quick brown fox", &rq, &r), 0);
        if (r.stop != STOP_EOG) {
            CHECK_INT(r.stop, STOP_CONTEXT);
            CHECK_INT(r.n_prompt + r.n_generated, 16 + 1);
            CHECK_INT(no.n, 1);
            CHECK(strstr(no.last, "context is full") != NULL);
        }
        session_result_free(&r);
    }
    fx_close(&f);
}

/* ---- system prompt folding ------------------------------------------------------------- */

TEST(system_prompt_folds_into_first_user_turn)
{
    cJSON *msgs = msgs_of("[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                          "{\"role\":\"user\",\"content\":\"What is 2+2?\"}]");
    CHECK_INT(session_fold_system(msgs), 1);
    CHECK_INT(cJSON_GetArraySize(msgs), 1);
    CHECK_STR(content_at(msgs, 0), "You are terse.\n\nWhat is 2+2?");
    CHECK_INT(session_fold_system(msgs), 0);
    cJSON_Delete(msgs);

    msgs = msgs_of("[{\"role\":\"system\",\"content\":\"alone\"}]");
    CHECK_INT(session_fold_system(msgs), 0); /* no user turn yet: left alone */
    CHECK_INT(cJSON_GetArraySize(msgs), 1);
    cJSON_Delete(msgs);
}

/* ---- reasoning splitter ------------------------------------------------------------------ */

struct parts {
    char r[512], c[512];
    int chunks;
};

static int collect(void *ud, enum reasoning_part part, const char *text, size_t len)
{
    struct parts *p = ud;
    char *dst = part == PART_REASONING ? p->r : p->c;
    strncat(dst, text, len);
    p->chunks++;
    return 0;
}

static void split_bytewise(int inside, const char *text, struct parts *p)
{
    struct reasoning rs;
    memset(p, 0, sizeof *p);
    reasoning_init(&rs, inside, collect, p);
    for (const char *c = text; *c; c++)
        reasoning_push(&rs, c, 1);
    reasoning_finish(&rs);
}

TEST(reasoning_split_starting_inside)
{
    struct parts p;
    split_bytewise(1, "Okay, 2 and 2.\n</think>\n\nIt is **4**.\n", &p);
    CHECK_STR(p.r, "Okay, 2 and 2.");
    CHECK_STR(p.c, "It is **4**.");
    /* a lone '<' or a broken tag stays in the text */
    split_bytewise(1, "a < b </thin and c</think>done", &p);
    CHECK_STR(p.r, "a < b </thin and c");
    CHECK_STR(p.c, "done");
    /* cut off inside the reasoning */
    split_bytewise(1, "\nthinking...\n\n", &p);
    CHECK_STR(p.r, "thinking...");
    CHECK_STR(p.c, "");
}

TEST(reasoning_split_opened_by_the_model)
{
    struct parts p;
    split_bytewise(0, "\n<think>\nhmm\n</think>\n\nanswer", &p);
    CHECK_STR(p.r, "hmm");
    CHECK_STR(p.c, "answer");
    split_bytewise(0, "<thinking is not a tag> plain", &p);
    CHECK_STR(p.r, "");
    CHECK_STR(p.c, "<thinking is not a tag> plain");
    split_bytewise(0, "  Hello\n\nworld  \n", &p);
    CHECK_STR(p.c, "Hello\n\nworld");
    split_bytewise(0, "<thi", &p);
    CHECK_STR(p.c, "<thi");
}

TEST(reasoning_split_keeps_utf8_whole)
{
    struct parts p;
    struct reasoning rs;
    memset(&p, 0, sizeof p);
    reasoning_init(&rs, 1, collect, &p);
    const char *pieces[] = { "\xe4\xbd\xa0", "\xe5\xa5\xbd", " <", "/think", ">\n", "\xf0\x9f\xa6\x99", NULL };
    for (int i = 0; pieces[i]; i++)
        reasoning_push(&rs, pieces[i], strlen(pieces[i]));
    reasoning_finish(&rs);
    CHECK_STR(p.r, "\xe4\xbd\xa0\xe5\xa5\xbd");
    CHECK_STR(p.c, "\xf0\x9f\xa6\x99");
}

TEST(prompt_opens_reasoning)
{
    const char *r1 = BOS_TEXT USER_TEXT "Hi" ASSISTANT_TEXT "<think>\n";
    CHECK_INT(reasoning_prompt_opens(r1, strlen(r1)), 1);
    const char *closed = "<think>\n\n</think>\n\n";
    CHECK_INT(reasoning_prompt_opens(closed, strlen(closed)), 0);
    CHECK_INT(reasoning_prompt_opens("<|im_start|>assistant\n", 22), 0);
}

/* ---- generation settings ---------------------------------------------------------------- */

TEST(family_defaults_and_sources)
{
    struct fx f;
    if (fx_open(&f, "models/tiny-f32.gguf", 16) == 0) {
        struct gguf_str tmpl;
        char *t = NULL;
        if (gguf_get_str(f.m->meta, "tokenizer.chat_template", &tmpl) == 0)
            t = gguf_strdup(tmpl);
        CHECK(t != NULL);
        struct gen_params p;
        gen_params_defaults(&p, f.m->meta, t);
        CHECK_STR(p.family, "DeepSeek-R1 distill");
        CHECK_INT(p.fold_system, 1);
        CHECK_NEAR(p.v[GP_TEMPERATURE], 0.6, 1e-9);
        CHECK_NEAR(p.v[GP_TOP_P], 0.95, 1e-9);
        CHECK_INT(p.src[GP_TEMPERATURE], SRC_FAMILY);
        CHECK_INT(p.src[GP_TOP_K], SRC_BUILTIN);
        CHECK(strstr(gen_source_name(&p, GP_TEMPERATURE), "DeepSeek-R1") != NULL);
        free(t);
    }
    fx_close(&f);

    struct gen_params p;
    gen_params_defaults(&p, NULL, NULL);
    CHECK(p.family == NULL);
    CHECK_NEAR(p.v[GP_TEMPERATURE], 0.8, 1e-9);
    CHECK_INT(p.src[GP_TEMPERATURE], SRC_BUILTIN);
    CHECK_INT(gen_params_set(&p, "temperature", "0.3", SRC_CONFIGURE), 0);
    CHECK_INT(gen_params_set(&p, "top_k", "12", SRC_FLAG), 0);
    CHECK_INT(gen_params_set(&p, "seed", "42", SRC_SET), 0);
    CHECK_NEAR(p.v[GP_TEMPERATURE], 0.3, 1e-9);
    CHECK_STR(gen_source_name(&p, GP_TEMPERATURE), "model configure");
    CHECK_STR(gen_source_name(&p, GP_TOP_K), "command line");
    CHECK_STR(gen_source_name(&p, GP_SEED), "/set");
    CHECK_INT(gen_params_set(&p, "top_k", "1.5", SRC_SET), -1);
    CHECK(strstr(err_msg(), "whole number") != NULL);
    CHECK_INT(gen_params_set(&p, "top_p", "2", SRC_SET), -1);
    CHECK_INT(gen_params_set(&p, "warmth", "2", SRC_SET), -1);
    CHECK(strstr(err_msg(), "unknown parameter 'warmth'") != NULL);
    CHECK_INT(gen_params_set(&p, "temperature", "hot", SRC_SET), -1);
    CHECK_INT(gen_params_set(&p, "top-p", "0.5", SRC_FLAG), 0);
    CHECK_NEAR(p.v[GP_TOP_P], 0.5, 1e-9);
    struct sampler_params sp;
    gen_params_sampler(&p, &sp);
    CHECK_NEAR(sp.temp, 0.3, 1e-6);
    CHECK_INT(sp.top_k, 12);
    CHECK_INT((int)sp.seed, 42);
    char buf[32];
    gen_params_format(&p, GP_NUM_PREDICT, buf, sizeof buf);
    CHECK_STR(buf, "unlimited");
}
