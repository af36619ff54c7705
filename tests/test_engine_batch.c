/*
 * test_engine_batch.c - continuous batching in the server's real engine
 * (server/engine.c, server/batch.c) on the tiny Q8_0 fixture: greedy
 * completions run side by side on several slots give exactly the text each
 * gives alone; a sequence that joins mid-way and one cancelled mid-way leave
 * the others' text unchanged; and K concurrent generations of n tokens take
 * about n passes over the weights, not K * n.
 */
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/err.h"
#include "../server/engine.h"

extern int engine_n_ctx;     /* server/engine.c */
extern int engine_n_threads;

#define NP 4
#define MAXT 4096

static const char *const prompts[NP] = { "Once upon a time", "The quick brown fox", "1, 2, 3, 4,",
                                         "In a galaxy far away" };

struct run {
    void *slot;
    const char *prompt;
    int max_tokens;
    char text[MAXT];
    size_t n;
    int pieces;
    int cancel_after;               /* set cancel after this many pieces (0: never) */
    volatile sig_atomic_t cancel;
    struct gen_result res;
    int rc;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int started, want_started;   /* runs that produced text; the first piece waits for want_started */
static struct run *watch;           /* pieces of this run are signalled */

static int on_text(void *ctx, enum gen_channel ch, const char *s, size_t n)
{
    struct run *r = ctx;
    (void)ch;
    if (r->n + n < MAXT) {
        memcpy(r->text + r->n, s, n);
        r->n += n;
        r->text[r->n] = 0;
    }
    r->pieces++;
    if (r->cancel_after && r->pieces >= r->cancel_after)
        r->cancel = 1;
    pthread_mutex_lock(&mu);
    if (r->pieces == 1 && want_started) {
        /* line the runs up so their steps meet in the same passes (at most 5 s) */
        started++;
        pthread_cond_broadcast(&cv);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        while (started < want_started)
            if (pthread_cond_timedwait(&cv, &mu, &ts))
                break;
    }
    if (r == watch)
        pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}

static void *run_main(void *arg)
{
    struct run *r = arg;
    struct gen_input in = { .prompt = r->prompt };
    struct req_params p = { .has_temperature = 1, .temperature = 0, .max_tokens = r->max_tokens };
    int status;
    r->rc = engine_runtime.generate(r->slot, &in, &p, on_text, r, &r->cancel, &r->res, &status);
    return NULL;
}

static void *model;
static void *slots[NP];
static struct run solo[NP];

static int setup(void)
{
    const char *path = fixture_path("models/tiny-q8_0.gguf");
    struct engine_info info;
    int status;
    engine_n_ctx = 256;
    engine_n_threads = 1;
    if (!(model = engine_runtime.load(&path, 1, NULL, NP, &info, &status)))
        return -1;
    for (int i = 0; i < NP; i++)
        if (!(slots[i] = engine_runtime.slot_new(model, &status)))
            return -1;
    /* every prompt alone, one after the other on one slot */
    for (int i = 0; i < NP; i++) {
        solo[i] = (struct run){ .slot = slots[0], .prompt = prompts[i], .max_tokens = 40 };
        run_main(&solo[i]);
        if (solo[i].rc < 0)
            return -1;
    }
    return 0;
}

static void batched_equals_solo_and_passes_are_shared(void)
{
    struct run r[3];
    pthread_t t[3];
    uint64_t p0, s0, p1, s1;
    engine_runtime_stats(model, &p0, &s0);
    started = 0;
    want_started = 3;
    for (int i = 0; i < 3; i++) {
        r[i] = (struct run){ .slot = slots[i], .prompt = prompts[i], .max_tokens = 40 };
        CHECK(pthread_create(&t[i], NULL, run_main, &r[i]) == 0);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    want_started = 0;
    engine_runtime_stats(model, &p1, &s1);
    int most = 0, sum = 0;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(r[i].rc, 0);
        CHECK_STR(r[i].text, solo[i].text);
        CHECK_INT(r[i].res.completion_tokens, solo[i].res.completion_tokens);
        CHECK_INT(r[i].res.finish, solo[i].res.finish);
        most = r[i].res.completion_tokens > most ? r[i].res.completion_tokens : most;
        sum += r[i].res.completion_tokens;
    }
    uint64_t passes = p1 - p0, steps = s1 - s0;
    printf("    3 concurrent generations: %d tokens, %llu steps in %llu passes over the weights\n", sum,
           (unsigned long long)steps, (unsigned long long)passes);
    CHECK(sum > 3 * 10);                         /* the fixture generates: not only end-of-text */
    CHECK(steps >= (uint64_t)(sum - 3));         /* every token but each run's last is a step */
    CHECK(passes <= (uint64_t)most + (uint64_t)most / 2); /* about n, not 3n */
    CHECK(passes * 2 <= steps);
}

static void join_and_cancel_midway_leave_the_others_alone(void)
{
    struct run r[NP];
    pthread_t t[NP];
    for (int i = 0; i < NP; i++)
        r[i] = (struct run){ .slot = slots[i], .prompt = prompts[i], .max_tokens = 40 };
    r[1].cancel_after = 6;                       /* the client of run 1 leaves mid-way */
    CHECK(solo[1].pieces > 6 && solo[0].pieces > 8);
    watch = &r[0];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, run_main, &r[i]) == 0);
    /* run 3 joins once run 0 is well under way */
    pthread_mutex_lock(&mu);
    while (r[0].pieces < 8 && !r[0].res.completion_tokens)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    CHECK(pthread_create(&t[3], NULL, run_main, &r[3]) == 0);
    for (int i = 0; i < NP; i++)
        pthread_join(t[i], NULL);
    watch = NULL;
    for (int i = 0; i < NP; i++)
        CHECK_INT(r[i].rc, 0);
    CHECK_STR(r[0].text, solo[0].text);
    CHECK_STR(r[2].text, solo[2].text);
    CHECK_STR(r[3].text, solo[3].text);
    CHECK_INT(r[1].res.finish, GEN_CANCELLED);
    CHECK(r[1].res.completion_tokens < solo[1].res.completion_tokens);
    CHECK(!strncmp(r[1].text, solo[1].text, r[1].n)); /* what it had was right */
}

TEST(continuous_batching)
{
    if (setup() < 0) {
        for (int i = 0; i < NP; i++)
            engine_runtime.slot_free(slots[i]);
        engine_runtime.unload(model);
        SKIP("the tiny Q8_0 fixture is missing or cannot be loaded");
    }
    batched_equals_solo_and_passes_are_shared();
    join_and_cancel_midway_leave_the_others_alone();
    for (int i = 0; i < NP; i++)
        engine_runtime.slot_free(slots[i]);
    engine_runtime.unload(model);
}
