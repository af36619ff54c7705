/*
 * verify.c - `model verify [--repair] [REF...]`: re-hash every blob of the
 * named models (all models when none is named) and name each corrupt or
 * missing one; exit 1 when any is. --repair deletes corrupt blob files so
 * the next pull fetches them again.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>
#include <string.h>

static const char *const verify_usage[] = { "model verify [--repair] [REF...]", NULL };

struct tally {
    int checked, quiet;
};

static void report(void *ctx, const char *digest, const char *model, int status, const char *detail)
{
    struct tally *t = ctx;
    t->checked++;
    if (status == 0) {
        if (!t->quiet)
            printf("ok       %s\n", digest);
        return;
    }
    printf("%-8s %s (model %.12s): %s\n", status == 2 ? "MISSING" : "CORRUPT", digest, model + 7, detail);
}

int cmd_verify(int argc, const char **argv)
{
    int repair = 0, quiet = 0;
    struct option opts[] = {
        OPT_BOOL(0, "repair", &repair, "delete corrupt blobs so that the next pull fetches them again"),
        OPT_BOOL('q', "quiet", &quiet, "print only the problems"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, verify_usage);
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct tally t = { 0, quiet };
    int bad = store_verify(s, argv, argc, repair, report, &t);
    store_close(s);
    if (bad < 0)
        return error_err(), EXIT_FAIL;
    if (bad) {
        error("%d of %d blob%s corrupt or missing%s", bad, t.checked, t.checked == 1 ? " is" : "s are",
              repair ? "; corrupt ones were removed: pull the models again" : "; 'model verify --repair' removes them");
        return EXIT_FAIL;
    }
    printf("%d blob%s verified, all intact\n", t.checked, t.checked == 1 ? "" : "s");
    return EXIT_OK;
}
