/* test.c - runner behind tests/test.h: registration, checks, fixtures, the summary line. */
#include "../test.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TESTS 1024

static struct {
    const char *name;
    test_fn fn;
} tests[MAX_TESTS];
static int n_tests, cur_failed, cur_skipped;
static char skip_why[256];
static char tmpdir[512];

void test_register(const char *name, test_fn fn)
{
    if (n_tests < MAX_TESTS) {
        tests[n_tests].name = name;
        tests[n_tests].fn = fn;
        n_tests++;
    }
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    if (cur_failed < 20) {
        fprintf(stdout, "    %s:%d: ", file, line);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
    }
    cur_failed++;
}

void test_skip(const char *why)
{
    snprintf(skip_why, sizeof skip_why, "%s", why);
    cur_skipped = 1;
}

const char *fixture_path(const char *rel)
{
    static char bufs[8][1024];
    static int next;
    const char *root = getenv("MODEL_FIXTURES");
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", root && *root ? root : "../shared/fixtures", rel);
    return b;
}

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        mkdir("tests/tmp", 0755);
        snprintf(tmpdir, sizeof tmpdir, "tests/tmp/unit.XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return tmpdir;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

cJSON *test_read_json(const char *path)
{
    char *text = test_read_file(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < n_tests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        cur_failed = 0;
        cur_skipped = 0;
        tests[i].fn();
        if (cur_failed) {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        } else if (cur_skipped) {
            printf("skip %s: %s\n", tests[i].name, skip_why);
            skipped++;
        } else {
            printf("ok %s\n", tests[i].name);
            passed++;
        }
    }
    if (tmpdir[0] && !getenv("KEEP_TMP")) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
