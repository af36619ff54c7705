/*
 * push.c - `model push NAME[:TAG]`: upload a stored model to the registry
 * its name points at.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../registry/progress.h"
#include "../registry/registry.h"
#include "../store/store.h"

#include <stdio.h>

static const char *const push_usage[] = {
    "model push [--quiet] REGISTRY/NAME[:TAG]",
    NULL,
};

int cmd_push(int argc, const char **argv)
{
    int quiet = 0;
    struct option opts[] = {
        OPT_BOOL('q', "quiet", &quiet, "no progress; print only the model ID"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, push_usage);
    if (argc != 1)
        usage_with_options(push_usage, opts);
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct progress *prog = progress_new(stderr, quiet, "Pushing");
    struct push_result res;
    int r = registry_push_model(s, argv[0], prog, &res);
    progress_end(prog);
    store_close(s);
    if (r < 0)
        return error_err(), EXIT_FAIL;
    char a[32];
    if (quiet)
        printf("%s\n", res.id);
    else
        printf("Pushed %s: ID %.12s (%d blobs uploaded, %s; %d already there, %d mounted)\n", argv[0],
               res.id + 7, res.blobs_uploaded, progress_fmt_bytes(res.bytes_uploaded, a, sizeof a),
               res.blobs_skipped, res.blobs_mounted);
    return EXIT_OK;
}
