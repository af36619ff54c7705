/*
 * settings.c - per-model settings in the index (see settings.h).
 */
#include "settings.h"

#include "store-internal.h"

#include "../common/err.h"

#include <stdlib.h>
#include <string.h>

static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        index_err(s, "preparing a settings query");
        return NULL;
    }
    return st;
}

void store_settings_free(struct store_setting *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

int store_settings_get(struct store *s, const char *model_id, struct store_setting **out, int *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = prepare(s, "SELECT name, value FROM model_settings WHERE model_id = ? ORDER BY name");
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, model_id, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_setting *v = realloc(*out, (size_t)(*n + 1) * sizeof *v);
        if (!v)
            goto oom;
        *out = v;
        v[*n].name = strdup((const char *)sqlite3_column_text(st, 0));
        v[*n].value = strdup((const char *)sqlite3_column_text(st, 1));
        (*n)++;
        if (!v[*n - 1].name || !v[*n - 1].value)
            goto oom;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_settings_free(*out, *n);
        *out = NULL;
        *n = 0;
        return index_err(s, "reading settings");
    }
    return 0;
oom:
    sqlite3_finalize(st);
    store_settings_free(*out, *n);
    *out = NULL;
    *n = 0;
    return err_set("out of memory");
}

static int run(struct store *s, const char *sql, const char *a, const char *b, const char *c)
{
    sqlite3_stmt *st = prepare(s, sql);
    if (!st)
        return -1;
    const char *args[] = { a, b, c };
    for (int i = 0; i < 3 && args[i]; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : index_err(s, "writing settings");
}

static int in_transaction(struct store *s, const char *sql, const char *a, const char *b, const char *c)
{
    if (index_begin(s) < 0)
        return -1;
    if (run(s, sql, a, b, c) < 0) {
        index_rollback(s);
        return -1;
    }
    return index_commit(s);
}

int store_setting_put(struct store *s, const char *model_id, const char *name, const char *value)
{
    if (value)
        return in_transaction(s,
                              "INSERT INTO model_settings(model_id, name, value) VALUES(?, ?, ?) "
                              "ON CONFLICT(model_id, name) DO UPDATE SET value = excluded.value",
                              model_id, name, value);
    return in_transaction(s, "DELETE FROM model_settings WHERE model_id = ? AND name = ?", model_id, name, NULL);
}

int store_settings_reset(struct store *s, const char *model_id)
{
    return in_transaction(s, "DELETE FROM model_settings WHERE model_id = ?", model_id, NULL, NULL);
}
