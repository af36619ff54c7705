/*
 * configure.c - `model configure MODEL [--temperature T] ...`: per-model
 * generation settings kept in the store's index (store/settings.h), which
 * `model run` applies above the model's own defaults and below its flags.
 * Names and ranges are those of runtime/gen-params.h, checked here before
 * anything is stored.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"
#include "../common/err.h"
#include "../runtime/gen-params.h"
#include "../store/settings.h"
#include "../store/store.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNSET_INT INT32_MIN
#define UNSET_SEED INT64_MIN

static void show(const char *name, const struct store_model *m, const struct store_setting *v, int n, int json)
{
    if (json) {
        cJSON *o = cJSON_CreateObject(), *set = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", name);
        cJSON_AddStringToObject(o, "id", m->id);
        for (int i = 0; i < n; i++) {
            char *end;
            double d = strtod(v[i].value, &end);
            if (*end || end == v[i].value)
                cJSON_AddStringToObject(set, v[i].name, v[i].value);
            else
                cJSON_AddNumberToObject(set, v[i].name, d);
        }
        cJSON_AddItemToObject(o, "settings", set);
        char *s = cJSON_Print(o);
        if (s)
            printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
        return;
    }
    if (n == 0) {
        printf("%s: no settings configured (the model's defaults apply)\n", name);
        return;
    }
    for (int i = 0; i < n; i++)
        printf("%-16s %s\n", v[i].name, v[i].value);
}

int cmd_configure(int argc, const char **argv)
{
    static const char *const usage[] = {
        "model configure MODEL [--context-size N] [--temperature T] [--top-p P] [--top-k K] [...]",
        "model configure MODEL --show [--json]",
        "model configure MODEL --reset",
        NULL,
    };
    int ctx = UNSET_INT, top_k = UNSET_INT, max_tokens = UNSET_INT, show_only = 0, reset = 0, json = 0;
    float temp = NAN, top_p = NAN, min_p = NAN, rp = NAN;
    int64_t seed = UNSET_SEED;
    struct option opts[] = {
        OPT_INT(0, "context-size", &ctx, "N", "context size in tokens (num_ctx; 0: the default)"),
        OPT_FLOAT(0, "temperature", &temp, "T", "temperature (0: greedy)"),
        OPT_FLOAT(0, "top-p", &top_p, "P", "nucleus sampling threshold, 0..1"),
        OPT_INT(0, "top-k", &top_k, "K", "sample from the K most likely tokens (0: off)"),
        OPT_FLOAT(0, "min-p", &min_p, "P", "minimum probability relative to the best token, 0..1"),
        OPT_FLOAT(0, "repeat-penalty", &rp, "R", "repetition penalty (1: off)"),
        OPT_INT64(0, "seed", &seed, "S", "random seed (-1: random)"),
        OPT_INT(0, "max-tokens", &max_tokens, "N", "stop answers after N tokens (num_predict; -1: no limit)"),
        OPT_BOOL(0, "show", &show_only, "print the settings stored for MODEL"),
        OPT_BOOL(0, "json", &json, "with --show: print them as JSON"),
        OPT_BOOL(0, "reset", &reset, "remove every setting stored for MODEL"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (argc != 1)
        usage_with_options(usage, opts);

    struct { int set; enum gen_param p; double v; const char *flag; } list[] = {
        { ctx != UNSET_INT, GP_NUM_CTX, ctx, "--context-size" },
        { !isnan(temp), GP_TEMPERATURE, temp, "--temperature" },
        { !isnan(top_p), GP_TOP_P, top_p, "--top-p" },
        { top_k != UNSET_INT, GP_TOP_K, top_k, "--top-k" },
        { !isnan(min_p), GP_MIN_P, min_p, "--min-p" },
        { !isnan(rp), GP_REPEAT_PENALTY, rp, "--repeat-penalty" },
        { seed != UNSET_SEED, GP_SEED, (double)seed, "--seed" },
        { max_tokens != UNSET_INT, GP_NUM_PREDICT, max_tokens, "--max-tokens" },
    };
    int n_set = 0;
    struct gen_params check;
    gen_params_defaults(&check, NULL, NULL);
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        if (!list[i].set)
            continue;
        if (gen_params_set_num(&check, list[i].p, list[i].v, SRC_CONFIGURE) < 0)
            return error("%s: %s", list[i].flag, err_msg()), EXIT_USAGE;
        n_set++;
    }
    if (reset && n_set)
        return error("--reset removes every setting; give the new ones in a second command"), EXIT_USAGE;
    if (json && !show_only && (reset || n_set))
        return error("--json goes with --show"), EXIT_USAGE;
    if (!reset && !n_set)
        show_only = 1;

    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct store_model m;
    int rc = EXIT_FAIL;
    if (store_resolve(s, argv[0], &m, NULL) < 0) {
        if (strstr(err_msg(), "not found"))
            error("model '%s' is not in the store; settings belong to stored models (`model pull %s` first)",
                  argv[0], argv[0]);
        else
            error_err();
        store_close(s);
        return EXIT_FAIL;
    }
    if (reset) {
        if (store_settings_reset(s, m.id) < 0)
            goto fail;
        printf("Removed the settings of %s\n", argv[0]);
    }
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        if (!list[i].set)
            continue;
        char v[32];
        gen_params_format(&check, list[i].p, v, sizeof v);
        if (list[i].p == GP_SEED && list[i].v < 0)
            snprintf(v, sizeof v, "-1");
        else if (list[i].p == GP_NUM_PREDICT && list[i].v < 0)
            snprintf(v, sizeof v, "-1");
        else if (list[i].p == GP_NUM_CTX && list[i].v == 0)
            snprintf(v, sizeof v, "0");
        if (store_setting_put(s, m.id, gen_param_name(list[i].p), v) < 0)
            goto fail;
    }
    if (show_only || n_set) {
        struct store_setting *v;
        int n;
        if (store_settings_get(s, m.id, &v, &n) < 0)
            goto fail;
        show(argv[0], &m, v, n, json);
        store_settings_free(v, n);
    }
    rc = EXIT_OK;
    goto out;
fail:
    error_err();
out:
    store_model_free(&m);
    store_close(s);
    return rc;
}
