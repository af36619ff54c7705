/*
 * inspect.c - `model inspect REF...`: a model's details as Docker Model
 * Runner prints them: {"id","tags","created","config"} (an array for
 * several models).
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const inspect_usage[] = { "model inspect REF...", NULL };

int cmd_inspect(int argc, const char **argv)
{
    struct option opts[] = { OPT_END() };
    argc = parse_options(argc, argv, opts, inspect_usage);
    if (argc < 1) {
        error("a model reference is required, e.g. 'model inspect smollm2'");
        usage_with_options(inspect_usage, opts);
    }
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    int rc = EXIT_OK;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < argc; i++) {
        struct store_model m;
        if (store_resolve(s, argv[i], &m, NULL) < 0) {
            error_err();
            rc = EXIT_FAIL;
            continue;
        }
        cJSON_AddItemToArray(arr, model_to_json(&m));
        store_model_free(&m);
    }
    store_close(s);
    if (cJSON_GetArraySize(arr) > 0) {
        char *text = json_pretty(argc == 1 ? cJSON_GetArrayItem(arr, 0) : arr);
        printf("%s\n", text ? text : "");
        free(text);
    }
    cJSON_Delete(arr);
    return rc;
}
