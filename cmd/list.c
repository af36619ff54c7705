/*
 * list.c - `model list [--json] [-q] [FILTER]` (alias `ls`): the models in the
 * store, one row per tag, with Docker Model Runner's columns and order:
 * sorted case-insensitively by name, then by tag (untagged first).
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const list_usage[] = { "model list [--json] [-q] [FILTER]", NULL };

struct row {
    const struct store_model *m;
    char name[REF_STR_MAX];    /* display name without the tag */
    char variant[REF_TAG_MAX + 1];
    char shown[REF_STR_MAX];   /* display form of the whole tag, or <none> */
    int untagged;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    if (c)
        return c;
    if (x->untagged != y->untagged)
        return x->untagged ? -1 : 1;
    c = strcasecmp(x->variant, y->variant);
    return c ? c : strcmp(x->m->id, y->m->id);
}

/* Does the model tag `fam` pass FILTER? A filter with a tag must match the
 * tag exactly; without one, it names a repository (any tag). */
static int passes(const char *fam, const struct ref *filter, int filter_has_tag)
{
    struct ref r;
    if (ref_parse(fam, &r) < 0)
        return 0;
    if (strcmp(r.registry, filter->registry) || strcmp(r.path, filter->path))
        return 0;
    return !filter_has_tag || !strcmp(r.tag, filter->tag);
}

static void set_row(struct row *row, const struct store_model *m, const char *fam)
{
    memset(row, 0, sizeof *row);
    row->m = m;
    if (!fam) {
        row->untagged = 1;
        snprintf(row->shown, sizeof row->shown, "<none>");
        return;
    }
    struct ref r;
    if (ref_parse(fam, &r) < 0) {
        snprintf(row->shown, sizeof row->shown, "%s", fam);
        snprintf(row->name, sizeof row->name, "%s", fam);
        return;
    }
    ref_format(&r, REF_DISPLAY, row->shown, sizeof row->shown);
    snprintf(row->variant, sizeof row->variant, "%s", r.tag);
    r.tag[0] = '\0';
    ref_format(&r, REF_DISPLAY, row->name, sizeof row->name);
}

int cmd_list(int argc, const char **argv)
{
    int json = 0, quiet = 0;
    struct option opts[] = {
        OPT_BOOL(0, "json", &json, "print the models as JSON (Docker Model Runner's objects)"),
        OPT_BOOL('q', "quiet", &quiet, "print only model IDs"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, list_usage);
    if (argc > 1)
        usage_with_options(list_usage, opts);
    struct ref filter;
    int filter_has_tag = 0;
    if (argc == 1) {
        if (ref_parse(argv[0], &filter) < 0)
            return error_err(), EXIT_FAIL;
        const char *slash = strrchr(argv[0], '/');
        filter_has_tag = strchr(slash ? slash : argv[0], ':') != NULL;
    }
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;
    struct store_model *ms;
    size_t n;
    if (store_list(s, &ms, &n) < 0) {
        store_close(s);
        return error_err(), EXIT_FAIL;
    }
    store_close(s);

    size_t nrows = 0, cap = n + 1;
    for (size_t i = 0; i < n; i++)
        cap += (size_t)ms[i].n_tags;
    struct row *rows = calloc(cap, sizeof *rows);
    if (!rows) {
        store_models_free(ms, n);
        return error("out of memory"), EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        for (int t = 0; t < ms[i].n_tags; t++)
            if (argc == 0 || passes(ms[i].tags[t], &filter, filter_has_tag))
                set_row(&rows[nrows++], &ms[i], ms[i].tags[t]);
        if (ms[i].n_tags == 0 && argc == 0)
            set_row(&rows[nrows++], &ms[i], NULL);
    }
    qsort(rows, nrows, sizeof *rows, row_cmp);

    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < nrows; i++) {
            int first = 1; /* one object per model, at its first row */
            for (size_t k = 0; k < i; k++)
                if (rows[k].m == rows[i].m)
                    first = 0;
            if (first)
                cJSON_AddItemToArray(arr, model_to_json(rows[i].m));
        }
        char *text = json_pretty(arr);
        printf("%s\n", text ? text : "[]");
        free(text);
        cJSON_Delete(arr);
    } else if (quiet) {
        for (size_t i = 0; i < nrows; i++) {
            int first = 1;
            for (size_t k = 0; k < i; k++)
                if (rows[k].m == rows[i].m)
                    first = 0;
            if (first)
                printf("%.12s\n", rows[i].m->id + 7);
        }
    } else {
        enum { NCOL = 8 };
        static const char *const heads[NCOL] = { "MODEL NAME", "PARAMETERS", "QUANTIZATION", "ARCHITECTURE",
                                                 "MODEL ID", "CREATED", "CONTEXT", "SIZE" };
        char **cells = calloc((nrows + 1) * NCOL, sizeof *cells);
        size_t width[NCOL] = { 0 };
        time_t now = time(NULL);
        for (int c = 0; c < NCOL; c++)
            cells[c] = strdup(heads[c]);
        for (size_t i = 0; i < nrows; i++) {
            cJSON *cfg = model_config(rows[i].m);
            char id[16], ago[64], ctx[32] = "";
            snprintf(id, sizeof id, "%.12s", rows[i].m->id + 7);
            format_ago(rows[i].m->created, now, ago, sizeof ago);
            uint64_t cx = config_context(cfg);
            if (cx)
                snprintf(ctx, sizeof ctx, "%llu", (unsigned long long)cx);
            const char *vals[NCOL] = { rows[i].shown, config_str(cfg, "parameters"), config_str(cfg, "quantization"),
                                       config_str(cfg, "architecture"), id, ago, ctx, config_str(cfg, "size") };
            for (int c = 0; c < NCOL; c++)
                cells[(i + 1) * NCOL + c] = strdup(vals[c]);
            cJSON_Delete(cfg);
        }
        for (size_t i = 0; i <= nrows; i++)
            for (int c = 0; c < NCOL; c++)
                if (cells[i * NCOL + c] && strlen(cells[i * NCOL + c]) > width[c])
                    width[c] = strlen(cells[i * NCOL + c]);
        for (size_t i = 0; i <= nrows; i++) {
            for (int c = 0; c < NCOL; c++) {
                const char *v = cells[i * NCOL + c] ? cells[i * NCOL + c] : "";
                if (c == NCOL - 1)
                    printf("%s\n", v);
                else
                    printf("%-*s   ", (int)width[c], v);
            }
        }
        for (size_t i = 0; i < (nrows + 1) * NCOL; i++)
            free(cells[i]);
        free(cells);
    }
    free(rows);
    store_models_free(ms, n);
    return EXIT_OK;
}
