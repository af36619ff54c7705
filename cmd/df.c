/*
 * df.c - `model df [--json]`: disk usage of the store: models, the bytes of
 * their unique blobs, the bytes shared between models (stored once), and
 * what `model prune` would reclaim.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const df_usage[] = { "model df [--json]", NULL };

int cmd_df(int argc, const char **argv)
{
    int json = 0;
    struct option opts[] = {
        OPT_BOOL(0, "json", &json, "print the figures as JSON (sizes in bytes)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, df_usage);
    if (argc != 0)
        usage_with_options(df_usage, opts);
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct store_usage u;
    int rc = store_usage(s, &u);
    if (rc < 0) {
        store_close(s);
        return error_err(), EXIT_FAIL;
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "store", store_root(s));
        cJSON_AddNumberToObject(o, "models", (double)u.models);
        cJSON_AddNumberToObject(o, "tags", (double)u.tags);
        cJSON_AddNumberToObject(o, "size", (double)u.blob_bytes);
        cJSON_AddNumberToObject(o, "shared", (double)u.shared_bytes);
        cJSON_AddNumberToObject(o, "reclaimable", (double)u.reclaimable);
        cJSON_AddNumberToObject(o, "orphan_blobs", (double)u.orphan_blobs);
        cJSON_AddNumberToObject(o, "partial_downloads", (double)u.partials);
        char *t = json_pretty(o);
        printf("%s\n", t ? t : "{}");
        free(t);
        cJSON_Delete(o);
    } else {
        char a[32], b[32], c[32];
        printf("%-13s %-7s %-11s %-11s %s\n", "TYPE", "COUNT", "SIZE", "SHARED", "RECLAIMABLE");
        printf("%-13s %-7zu %-11s %-11s %s\n", "Models", u.models, format_size_decimal(u.blob_bytes, a, sizeof a),
               format_size_decimal(u.shared_bytes, b, sizeof b), "0B");
        printf("%-13s %-7zu %-11s %-11s %s\n", "Unused blobs", u.orphan_blobs + u.partials, "-", "-",
               format_size_decimal(u.reclaimable, c, sizeof c));
        printf("\nStore: %s (%zu tag%s)\n", store_root(s), u.tags, u.tags == 1 ? "" : "s");
        if (u.reclaimable)
            printf("Run 'model prune' to reclaim %s (%zu unused blob%s, %zu partial download%s).\n", c,
                   u.orphan_blobs, u.orphan_blobs == 1 ? "" : "s", u.partials, u.partials == 1 ? "" : "s");
    }
    store_close(s);
    return EXIT_OK;
}
