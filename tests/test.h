/*
 * test.h - the unit-test harness: one test binary per tests/test_*.c file.
 *
 *     TEST(parses_bare_name) {
 *         CHECK(ref_parse("smollm2", &r) == 0);
 *         CHECK_STR(r.repository, "ai/smollm2");
 *         CHECK_NEAR(x, 1.0, 1e-6);
 *     }
 *
 * Tests register themselves (a constructor per TEST) and run in file order.
 * A failed CHECK prints file:line and the values, marks the test failed and
 * carries on with the next check. Each test prints "ok NAME" or "FAIL NAME";
 * a test may call SKIP("why") to print "skip NAME: why". The binary ends with
 * the line "N passed, N failed, N skipped" that tests/run.sh adds up, and
 * exits 1 when any test failed. `test_x NAME` runs only tests whose name
 * contains NAME.
 *
 * Fixtures are read from $MODEL_FIXTURES, default ../shared/fixtures; see
 * fixture_path().
 */
#ifndef TESTS_TEST_H
#define TESTS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail_at(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void test_skip(const char *why);
/* Full path of a fixture file: fixture_path("models/tiny-f32.gguf"). Static buffer ring of 8. */
const char *fixture_path(const char *rel);
/* A fresh empty directory under tests/tmp for this test binary (removed at exit unless KEEP_TMP=1). */
const char *test_tmpdir(void);
/* Read a whole file (NUL-terminated); NULL when missing. */
char *test_read_file(const char *path, size_t *len);
/* A JSON file parsed with cJSON (free with cJSON_Delete); NULL when missing or invalid. */
struct cJSON;
struct cJSON *test_read_json(const char *path);

#define TEST(name)                                                      \
    static void test_##name(void);                                      \
    __attribute__((constructor)) static void register_##name(void)      \
    {                                                                   \
        test_register(#name, test_##name);                              \
    }                                                                   \
    static void test_##name(void)

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond))                                                    \
            test_fail_at(__FILE__, __LINE__, "CHECK(%s)", #cond);       \
    } while (0)

#define CHECK_INT(a, b)                                                 \
    do {                                                                \
        long long a_ = (long long)(a), b_ = (long long)(b);             \
        if (a_ != b_)                                                   \
            test_fail_at(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_); \
    } while (0)

#define CHECK_STR(a, b)                                                 \
    do {                                                                \
        const char *a_ = (a), *b_ = (b);                                \
        if (!a_ || !b_ || strcmp(a_, b_))                               \
            test_fail_at(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                           \
    do {                                                                \
        double a_ = (double)(a), b_ = (double)(b);                      \
        if (!(fabs(a_ - b_) <= (tol)))                                  \
            test_fail_at(__FILE__, __LINE__, "%s == %.9g, expected %.9g (tol %g)", #a, a_, b_, (double)(tol)); \
    } while (0)

#define SKIP(why)                                                       \
    do {                                                                \
        test_skip(why);                                                 \
        return;                                                         \
    } while (0)

#endif
