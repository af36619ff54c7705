/* gc.c - housekeeping over the whole store: disk usage, prune, verify. */
#include "store-internal.h"

#include "fault.h"

#include "../common/err.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file name in blobs/sha256: 64 hex (a blob), *.partial, or something else. */
enum entry_kind { ENTRY_BLOB, ENTRY_PARTIAL, ENTRY_OTHER };

static enum entry_kind classify(const char *name)
{
    size_t n = strlen(name);
    if (n > 8 && !strcmp(name + n - 8, ".partial"))
        return ENTRY_PARTIAL;
    if (n > 8 && strstr(name, ".tmp-"))
        return ENTRY_PARTIAL; /* an interrupted write_file_atomic */
    if (n != 64)
        return ENTRY_OTHER;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", name[i]))
            return ENTRY_OTHER;
    return ENTRY_BLOB;
}

typedef int (*entry_fn)(struct store *s, const char *name, enum entry_kind kind, const struct stat *st, void *ctx);

static int scan_blobs(struct store *s, entry_fn fn, void *ctx)
{
    DIR *d = opendir(s->blob_dir);
    if (!d)
        return err_errno("cannot read %s", s->blob_dir);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", s->blob_dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        rc = fn(s, e->d_name, classify(e->d_name), &st, ctx);
    }
    closedir(d);
    return rc;
}

static int usage_entry(struct store *s, const char *name, enum entry_kind kind, const struct stat *st, void *ctx)
{
    struct store_usage *u = ctx;
    if (kind == ENTRY_PARTIAL) {
        u->partials++;
        u->reclaimable += (uint64_t)st->st_size;
    } else if (kind == ENTRY_BLOB) {
        char digest[DIGEST_LEN + 1];
        snprintf(digest, sizeof digest, "sha256:%s", name);
        int ref = index_blob_referenced(s, digest);
        if (ref < 0)
            return -1;
        if (!ref) {
            u->orphan_blobs++;
            u->reclaimable += (uint64_t)st->st_size;
        }
    }
    return 0;
}

int store_usage(struct store *s, struct store_usage *u)
{
    memset(u, 0, sizeof *u);
    static const char *const sql =
        "SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM tags),"
        " (SELECT coalesce(sum(size), 0) FROM (SELECT DISTINCT digest, size FROM model_blobs)),"
        " (SELECT coalesce(sum(size), 0) FROM (SELECT digest, max(size) AS size FROM model_blobs"
        "   GROUP BY digest HAVING count(DISTINCT model_id) > 1))";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return index_err(s, "measuring usage");
    if (sqlite3_step(st) == SQLITE_ROW) {
        u->models = (size_t)sqlite3_column_int64(st, 0);
        u->tags = (size_t)sqlite3_column_int64(st, 1);
        u->blob_bytes = (uint64_t)sqlite3_column_int64(st, 2);
        u->shared_bytes = (uint64_t)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return scan_blobs(s, usage_entry, u);
}

struct prune_ctx {
    int dry_run;
    size_t files;
    uint64_t bytes;
};

static int prune_entry(struct store *s, const char *name, enum entry_kind kind, const struct stat *st, void *ctx)
{
    struct prune_ctx *p = ctx;
    if (kind == ENTRY_OTHER)
        return 0;
    char digest[DIGEST_LEN + 1];
    if (kind == ENTRY_BLOB) {
        snprintf(digest, sizeof digest, "sha256:%s", name);
        int ref = index_blob_referenced(s, digest);
        if (ref < 0)
            return -1;
        if (ref)
            return 0;
    }
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", s->blob_dir, name);
    if (!p->dry_run) {
        if (fault_unlink(path) < 0 && errno != ENOENT)
            return err_errno("cannot remove %s", path);
        if (kind == ENTRY_BLOB) {
            sqlite3_stmt *q;
            if (sqlite3_prepare_v2(s->db, "DELETE FROM blobs WHERE digest = ?", -1, &q, NULL) == SQLITE_OK) {
                sqlite3_bind_text(q, 1, digest, -1, SQLITE_TRANSIENT);
                sqlite3_step(q);
                sqlite3_finalize(q);
            }
        }
    }
    p->files++;
    p->bytes += (uint64_t)st->st_size;
    return 0;
}

int store_prune(struct store *s, int dry_run, size_t *files, uint64_t *bytes)
{
    struct prune_ctx p = { .dry_run = dry_run };
    int had_lock = s->lock_mode;
    if (!dry_run && store_lock_exclusive(s) < 0)
        return -1;
    if (index_begin(s) < 0)
        goto fail;
    if (scan_blobs(s, prune_entry, &p) < 0) {
        index_rollback(s);
        goto fail;
    }
    if (index_commit(s) < 0)
        goto fail;
    if (!dry_run)
        store_lock_restore(s, had_lock);
    *files = p.files;
    *bytes = p.bytes;
    return 0;
fail:
    if (!dry_run)
        store_lock_restore(s, had_lock);
    return -1;
}

/* ---- verify ------------------------------------------------------------------- */

struct checked {
    char digest[DIGEST_LEN + 1];
    int status;
};

int store_verify(struct store *s, const char *const *refs, int n, int repair, store_verify_cb cb, void *ctx)
{
    char **ids = NULL;
    int nids = 0;
    for (int i = 0; i < n; i++) {
        char id[DIGEST_LEN + 1];
        int rc = index_find_model(s, refs[i], id, NULL);
        if (rc != 0) {
            if (rc > 0)
                index_not_found(refs[i]);
            goto fail;
        }
        char **a = realloc(ids, (size_t)(nids + 1) * sizeof *ids);
        if (!a)
            goto oom;
        ids = a;
        ids[nids++] = strdup(id);
    }
    if (n == 0) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT id FROM models ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
            index_err(s, "listing models");
            goto fail;
        }
        while (sqlite3_step(st) == SQLITE_ROW) {
            char **a = realloc(ids, (size_t)(nids + 1) * sizeof *ids);
            if (!a) {
                sqlite3_finalize(st);
                goto oom;
            }
            ids = a;
            ids[nids++] = strdup((const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (repair && store_lock_exclusive(s) < 0)
        goto fail;

    struct checked *done = NULL;
    size_t ndone = 0;
    int bad = 0;
    for (int i = 0; i < nids; i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT digest, size FROM model_blobs WHERE model_id = ? ORDER BY role, position",
                               -1, &st, NULL) != SQLITE_OK) {
            index_err(s, "listing blobs");
            free(done);
            goto fail;
        }
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *digest = (const char *)sqlite3_column_text(st, 0);
            uint64_t want = (uint64_t)sqlite3_column_int64(st, 1);
            size_t k;
            for (k = 0; k < ndone; k++)
                if (!strcmp(done[k].digest, digest))
                    break;
            if (k < ndone)
                continue; /* shared with a model already checked */
            struct checked *a = realloc(done, (ndone + 1) * sizeof *done);
            if (!a) {
                sqlite3_finalize(st);
                free(done);
                goto oom;
            }
            done = a;
            snprintf(done[ndone].digest, sizeof done[ndone].digest, "%s", digest);
            char *path = store_blob_path(s, digest);
            char got[DIGEST_LEN + 1], detail[300] = "";
            uint64_t size = 0;
            int status = 0;
            struct stat sb;
            if (!path || lstat(path, &sb) < 0) {
                status = 2;
                snprintf(detail, sizeof detail, "missing");
            } else if (!S_ISREG(sb.st_mode)) {
                status = 1;
                snprintf(detail, sizeof detail, "not a regular file");
            } else if (sha256_file(path, got, &size) < 0) {
                status = 1;
                snprintf(detail, sizeof detail, "%s", err_msg());
            } else if (strcmp(got, digest)) {
                status = 1;
                snprintf(detail, sizeof detail, "content hashes to %s", got);
            } else if (size != want) {
                status = 1;
                snprintf(detail, sizeof detail, "%llu bytes, expected %llu", (unsigned long long)size,
                         (unsigned long long)want);
            }
            if (status == 1 && repair && path) {
                if (unlink(path) == 0)
                    strncat(detail, "; removed", sizeof detail - strlen(detail) - 1);
            }
            done[ndone++].status = status;
            bad += status != 0;
            if (cb)
                cb(ctx, digest, ids[i], status, detail);
            free(path);
        }
        sqlite3_finalize(st);
    }
    free(done);
    for (int i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    return bad;
oom:
    err_set("out of memory");
fail:
    for (int i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    return -1;
}
