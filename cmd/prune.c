/*
 * prune.c - `model prune [-n]`: delete blob files no model uses (left by an
 * interrupted pull or package) and partial downloads. Waits for nothing:
 * while another model process writes to the store it refuses, so a blob
 * about to be committed is never taken.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>

static const char *const prune_usage[] = { "model prune [-n]", NULL };

int cmd_prune(int argc, const char **argv)
{
    int dry = 0;
    struct option opts[] = {
        OPT_BOOL('n', "dry-run", &dry, "only say what would be removed"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, prune_usage);
    if (argc != 0)
        usage_with_options(prune_usage, opts);
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    size_t files;
    uint64_t bytes;
    int rc = store_prune(s, dry, &files, &bytes);
    store_close(s);
    if (rc < 0)
        return error_err(), EXIT_FAIL;
    char size[32];
    printf("%s %zu unused file%s, %s\n", dry ? "Would remove" : "Removed", files, files == 1 ? "" : "s",
           format_size_dmr(bytes, size, sizeof size));
    return EXIT_OK;
}
