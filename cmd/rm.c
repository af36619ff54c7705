/*
 * rm.c - `model rm [-f] REF...`, with Docker Model Runner's semantics:
 * removing one of a model's several tags only untags it; removing an ID (or
 * the last tag) deletes the model, and needs -f when several tags name it.
 * Blobs another model still uses are kept.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>

static const char *const rm_usage[] = { "model rm [-f] REF...", NULL };

int cmd_rm(int argc, const char **argv)
{
    int force = 0;
    struct option opts[] = {
        OPT_BOOL('f', "force", &force, "delete a model even when several tags name it"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, rm_usage);
    if (argc < 1) {
        error("name the models to remove, e.g. 'model rm smollm2'");
        usage_with_options(rm_usage, opts);
    }
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    int rc = EXIT_OK;
    uint64_t freed = 0;
    int kept_for_prune = 0;
    for (int i = 0; i < argc; i++) {
        struct store_rm_result r;
        if (store_remove(s, argv[i], force, &r) < 0) {
            error_err();
            rc = EXIT_FAIL;
            continue;
        }
        char shown[REF_STR_MAX], size[32];
        if (r.untagged) {
            printf("Untagged: %s\n", ref_display(r.tag, shown, sizeof shown));
            continue;
        }
        printf("Deleted: %s (%s freed", r.id, format_size_dmr(r.freed, size, sizeof size));
        if (r.blobs_kept)
            printf(", %d blob%s still used by other models", r.blobs_kept, r.blobs_kept == 1 ? "" : "s");
        printf(")\n");
        freed += r.freed;
        kept_for_prune += r.blobs_left;
    }
    store_close(s);
    if (argc > 1 && freed) {
        char size[32];
        printf("Total freed: %s\n", format_size_dmr(freed, size, sizeof size));
    }
    if (kept_for_prune)
        note("%d unused blob%s left in place because another model process is writing to the store; "
             "run 'model prune' later", kept_for_prune, kept_for_prune == 1 ? "" : "s");
    return rc;
}
