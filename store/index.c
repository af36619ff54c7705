/*
 * index.c - the SQLite index of the store: which models exist (manifest
 * digest = model ID), their tags, their blobs, and which model uses which
 * blob. WAL mode and a busy timeout let several `model` processes share it;
 * every change is one BEGIN IMMEDIATE transaction. The schema version is
 * PRAGMA user_version; migrations[i] takes version i to i+1.
 */
#include "store-internal.h"

#include "fault.h"

#include "../common/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 30000

static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE models("
    "  id TEXT PRIMARY KEY,"             /* manifest digest */
    "  config_digest TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"        /* unix seconds, config descriptor.created */
    "  added INTEGER NOT NULL,"          /* when this store got it */
    "  size INTEGER NOT NULL);"          /* bytes of all layers */
    "CREATE TABLE tags("
    "  name TEXT PRIMARY KEY,"           /* familiar reference: ai/smollm2:latest */
    "  model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    "  added INTEGER NOT NULL);"
    "CREATE INDEX tags_model ON tags(model_id);"
    "CREATE TABLE blobs("
    "  digest TEXT PRIMARY KEY,"
    "  size INTEGER NOT NULL);"
    "CREATE TABLE model_blobs("
    "  model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL,"              /* manifest, config, layer */
    "  position INTEGER NOT NULL,"       /* layer order */
    "  digest TEXT NOT NULL REFERENCES blobs(digest),"
    "  media_type TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  PRIMARY KEY(model_id, role, position));"
    "CREATE INDEX model_blobs_digest ON model_blobs(digest);",
    /* 1 -> 2: `model configure` settings (store/settings.c) */
    "CREATE TABLE IF NOT EXISTS model_settings("
    "  model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"              /* temperature, top_p, num_ctx, ... */
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY(model_id, name));",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

int index_err(struct store *s, const char *what)
{
    return err_set("store index %s/index.db: %s: %s", s->root, what, sqlite3_errmsg(s->db));
}

int index_exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set("store index %s/index.db: %s", s->root, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int index_begin(struct store *s)
{
    return index_exec(s, "BEGIN IMMEDIATE");
}

int index_commit(struct store *s)
{
    if (index_exec(s, "COMMIT") < 0) {
        index_rollback(s);
        return -1;
    }
    return 0;
}

void index_rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int user_version(struct store *s, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return index_err(s, "reading the schema version");
    *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

int index_open(struct store *s)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/index.db", s->root);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return err_set("cannot open the store index %s: %s", path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (index_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") < 0)
        return -1;
    int v;
    if (user_version(s, &v) < 0)
        return -1;
    if (v == SCHEMA_VERSION)
        return 0;
    if (v > SCHEMA_VERSION)
        return err_set("the store index %s has schema version %d, newer than this model understands (%d); "
                       "upgrade model", path, v, SCHEMA_VERSION);
    /* migrate in one transaction; re-read the version under the lock, another process may have done it */
    if (index_begin(s) < 0 || user_version(s, &v) < 0)
        goto fail;
    for (; v < SCHEMA_VERSION; v++) {
        if (index_exec(s, migrations[v]) < 0)
            goto fail;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", SCHEMA_VERSION);
    if (index_exec(s, sql) < 0 || index_commit(s) < 0)
        goto fail;
    return 0;
fail:
    err_prefix("migrating the store index %s", path);
    index_rollback(s);
    return -1;
}

/* ---- small statement helpers -------------------------------------------------- */

static sqlite3_stmt *prep(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        index_err(s, "preparing a query");
        return NULL;
    }
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Run a statement with one text parameter to completion; -1 on error. */
static int exec1(struct store *s, const char *sql, const char *a)
{
    sqlite3_stmt *st = prep(s, sql);
    if (!st)
        return -1;
    bind_text(st, 1, a);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : index_err(s, "updating");
}

/* A single integer from a query with one text parameter; def when no row. */
static int64_t query_int(struct store *s, const char *sql, const char *a, int64_t def, int *err)
{
    sqlite3_stmt *st = prep(s, sql);
    if (!st) {
        *err = 1;
        return def;
    }
    if (a)
        bind_text(st, 1, a);
    int rc = sqlite3_step(st);
    int64_t v = def;
    if (rc == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE) {
        index_err(s, "querying");
        *err = 1;
    }
    sqlite3_finalize(st);
    return v;
}

int index_blob_referenced(struct store *s, const char *digest)
{
    int err = 0;
    int64_t n = query_int(s, "SELECT count(*) FROM model_blobs WHERE digest = ?", digest, 0, &err);
    return err ? -1 : n > 0;
}

/* ---- reading models ------------------------------------------------------------- */

static int push_str(char ***arr, int *n, const char *v)
{
    char **a = realloc(*arr, (size_t)(*n + 1) * sizeof **arr);
    if (!a)
        return err_set("out of memory");
    *arr = a;
    if (!(a[*n] = strdup(v)))
        return err_set("out of memory");
    (*n)++;
    return 0;
}

void store_model_free(struct store_model *m)
{
    if (!m)
        return;
    free(m->manifest);
    free(m->config);
    for (int i = 0; i < m->n_gguf; i++)
        free(m->gguf_paths[i]);
    free(m->gguf_paths);
    for (int i = 0; i < m->n_license; i++)
        free(m->license_paths[i]);
    free(m->license_paths);
    free(m->template_path);
    free(m->mmproj_path);
    for (int i = 0; i < m->n_tags; i++)
        free(m->tags[i]);
    free(m->tags);
    memset(m, 0, sizeof *m);
}

int index_fill_model(struct store *s, const char *id, struct store_model *m, int strict)
{
    memset(m, 0, sizeof *m);
    sqlite3_stmt *st = prep(s, "SELECT config_digest, created, size FROM models WHERE id = ?");
    if (!st)
        return -1;
    bind_text(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set("model %s is not in the store", id);
    }
    snprintf(m->id, sizeof m->id, "%s", id);
    snprintf(m->config_digest, sizeof m->config_digest, "%s", (const char *)sqlite3_column_text(st, 0));
    m->created = sqlite3_column_int64(st, 1);
    m->size = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);

    if (!(st = prep(s, "SELECT name FROM tags WHERE model_id = ? ORDER BY name")))
        goto fail;
    bind_text(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        if (push_str(&m->tags, &m->n_tags, (const char *)sqlite3_column_text(st, 0)) < 0) {
            sqlite3_finalize(st);
            goto fail;
        }
    sqlite3_finalize(st);

    if (store_read_blob(s, id, MANIFEST_MAX, &m->manifest, &m->manifest_len) < 0 ||
        store_read_blob(s, m->config_digest, CONFIG_MAX, &m->config, &m->config_len) < 0) {
        if (strict) {
            err_prefix("model %.19s is damaged (run 'model verify')", id);
            goto fail;
        }
        return 0;
    }
    struct manifest man;
    if (manifest_parse(m->manifest, m->manifest_len, &man) < 0) {
        if (strict)
            goto fail;
        return 0;
    }
    for (int i = 0; i < man.n_layers; i++) {
        const char *mt = man.layers[i].media_type;
        char *p = store_blob_path(s, man.layers[i].digest);
        if (!p) {
            manifest_free(&man);
            goto fail;
        }
        int rc = 0;
        if (!strcmp(mt, MT_GGUF))
            rc = push_str(&m->gguf_paths, &m->n_gguf, p);
        else if (!strcmp(mt, MT_LICENSE))
            rc = push_str(&m->license_paths, &m->n_license, p);
        else if (!strcmp(mt, MT_CHAT_TEMPLATE) && !m->template_path)
            m->template_path = strdup(p);
        else if ((!strcmp(mt, MT_MMPROJ) || !strcmp(mt, MT_MMPROJ_SPEC)) && !m->mmproj_path)
            m->mmproj_path = strdup(p);
        free(p);
        if (rc < 0) {
            manifest_free(&man);
            goto fail;
        }
    }
    manifest_free(&man);
    return 0;
fail:
    store_model_free(m);
    return -1;
}

/* The model ID `text` names, into id; 0 found, 1 not found, -1 error. */
int index_find_model(struct store *s, const char *text, char *id, char *matched_tag)
{
    if (matched_tag)
        matched_tag[0] = '\0';
    if (ref_looks_like_id(text)) {
        const char *hex = !strncmp(text, "sha256:", 7) ? text + 7 : text;
        char pattern[80];
        snprintf(pattern, sizeof pattern, "sha256:%s%s", hex, strlen(hex) == 64 ? "" : "%");
        sqlite3_stmt *st = prep(s, "SELECT id FROM models WHERE id LIKE ? LIMIT 2");
        if (!st)
            return -1;
        bind_text(st, 1, pattern);
        int found = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (found++ == 0)
                snprintf(id, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
        if (found > 1)
            return err_set("model ID %s is ambiguous; give more of it", text);
        if (found == 1)
            return 0;
        if (!strncmp(text, "sha256:", 7))
            return 1;
    }
    struct ref r;
    if (ref_parse(text, &r) < 0)
        return -1;
    if (r.digest[0]) {
        int err = 0;
        int64_t n = query_int(s, "SELECT count(*) FROM models WHERE id = ?", r.digest, 0, &err);
        if (err)
            return -1;
        if (!n)
            return 1;
        snprintf(id, DIGEST_LEN + 1, "%s", r.digest);
        return 0;
    }
    char fam[REF_STR_MAX];
    ref_format(&r, REF_FAMILIAR, fam, sizeof fam);
    sqlite3_stmt *st = prep(s, "SELECT model_id FROM tags WHERE name = ?");
    if (!st)
        return -1;
    bind_text(st, 1, fam);
    int rc = 1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(id, DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        if (matched_tag)
            snprintf(matched_tag, REF_STR_MAX, "%s", fam);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int index_not_found(const char *text)
{
    char shown[300];
    snprintf(shown, sizeof shown, "%s", text);
    return err_set("model \"%s\" not found in the store (see 'model list'; 'model pull' fetches it)", shown);
}

int store_resolve(struct store *s, const char *text, struct store_model *m, char *matched_tag)
{
    memset(m, 0, sizeof *m);
    char id[DIGEST_LEN + 1];
    int rc = index_find_model(s, text, id, matched_tag);
    if (rc < 0)
        return -1;
    if (rc > 0)
        return index_not_found(text);
    return index_fill_model(s, id, m, 1);
}

int store_list(struct store *s, struct store_model **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    /* one read transaction: a snapshot, so a concurrent rm cannot remove a
     * model between listing its ID and reading its row */
    if (index_exec(s, "BEGIN") < 0)
        return -1;
    sqlite3_stmt *st = prep(s, "SELECT id FROM models ORDER BY id");
    if (!st) {
        index_rollback(s);
        return -1;
    }
    char **ids = NULL;
    int nids = 0, rc = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        if ((rc = push_str(&ids, &nids, (const char *)sqlite3_column_text(st, 0))) < 0)
            break;
    sqlite3_finalize(st);
    struct store_model *ms = calloc((size_t)nids + 1, sizeof *ms);
    if (!ms)
        rc = err_set("out of memory");
    for (int i = 0; rc == 0 && i < nids; i++) {
        if ((rc = index_fill_model(s, ids[i], &ms[i], 0)) == 0)
            (*n)++;
    }
    for (int i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    index_rollback(s); /* ends the read transaction */
    if (rc < 0) {
        store_models_free(ms, *n);
        *n = 0;
        return -1;
    }
    *out = ms;
    return 0;
}

void store_models_free(struct store_model *models, size_t n)
{
    for (size_t i = 0; models && i < n; i++)
        store_model_free(&models[i]);
    free(models);
}

/* ---- changing models ---------------------------------------------------------- */

static int check_blob(struct store *s, const struct desc *d, const char *what)
{
    uint64_t size;
    if (store_blob_size(s, d->digest, &size) < 0)
        return err_set("cannot record the model: its %s blob %s is missing from the store", what, d->digest);
    if (size != d->size)
        return err_set("cannot record the model: its %s blob %s has %llu bytes, the manifest says %llu", what,
                       d->digest, (unsigned long long)size, (unsigned long long)d->size);
    return 0;
}

static int insert_blob_ref(struct store *s, const char *model, const char *role, int pos, const struct desc *d)
{
    sqlite3_stmt *st = prep(s, "INSERT OR IGNORE INTO blobs(digest, size) VALUES(?, ?)");
    if (!st)
        return -1;
    bind_text(st, 1, d->digest);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)d->size);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return index_err(s, "recording a blob");
    if (!(st = prep(s, "INSERT OR REPLACE INTO model_blobs(model_id, role, position, digest, media_type, size) "
                       "VALUES(?, ?, ?, ?, ?, ?)")))
        return -1;
    bind_text(st, 1, model);
    bind_text(st, 2, role);
    sqlite3_bind_int(st, 3, pos);
    bind_text(st, 4, d->digest);
    bind_text(st, 5, d->media_type ? d->media_type : "");
    sqlite3_bind_int64(st, 6, (sqlite3_int64)d->size);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : index_err(s, "recording a blob of the model");
}

static int set_tag(struct store *s, const char *name, const char *model)
{
    sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO tags(name, model_id, added) VALUES(?, ?, ?)");
    if (!st)
        return -1;
    bind_text(st, 1, name);
    bind_text(st, 2, model);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : index_err(s, "recording a tag");
}

/* A model about to be committed: what could be read and checked before the transaction. */
struct prepared {
    const char *digest;
    struct manifest man;
    int64_t created;
    uint64_t total;
    char (*fams)[REF_STR_MAX];
    int n_tags;
};

static void prepared_free(struct prepared *p)
{
    manifest_free(&p->man);
    free(p->fams);
}

static int prepare(struct store *s, const struct store_commit *c, struct prepared *p)
{
    char *json = NULL, *config = NULL;
    size_t len = 0, clen = 0;
    memset(p, 0, sizeof *p);
    p->digest = c->manifest_digest;
    p->n_tags = c->n_tags;
    /* normalise the tags first: a bad one refuses the whole commit */
    p->fams = calloc((size_t)c->n_tags + 1, sizeof *p->fams);
    if (!p->fams)
        return err_set("out of memory");
    for (int i = 0; i < c->n_tags; i++) {
        struct ref r;
        if (ref_parse(c->tags[i], &r) < 0)
            return -1;
        if (r.digest[0] || !r.tag[0])
            return err_set("cannot tag a model as \"%s\": a tag cannot contain a digest", c->tags[i]);
        ref_format(&r, REF_FAMILIAR, p->fams[i], sizeof p->fams[i]);
    }
    if (store_read_blob(s, c->manifest_digest, MANIFEST_MAX, &json, &len) < 0)
        return err_prefix("cannot record the model");
    int rc = manifest_parse(json, len, &p->man);
    free(json);
    if (rc < 0)
        return -1;
    if (store_read_blob(s, p->man.config.digest, CONFIG_MAX, &config, &clen) < 0)
        return err_prefix("cannot record the model");
    p->created = config_created(config, clen);
    free(config);
    if (p->created < 0)
        p->created = (int64_t)time(NULL);
    for (int i = 0; i < p->man.n_layers; i++)
        p->total += p->man.layers[i].size;
    return 0;
}

/* Inside the transaction: check the blobs (under the write lock, so a
 * concurrent rm cannot remove one between check and commit), then insert. */
static int record(struct store *s, struct prepared *p)
{
    uint64_t msize;
    if (check_blob(s, &p->man.config, "config") < 0)
        return -1;
    for (int i = 0; i < p->man.n_layers; i++)
        if (check_blob(s, &p->man.layers[i], "layer") < 0)
            return -1;
    if (store_blob_size(s, p->digest, &msize) < 0)
        return -1;
    sqlite3_stmt *st = prep(s, "INSERT OR IGNORE INTO models(id, config_digest, created, added, size) "
                               "VALUES(?, ?, ?, ?, ?)");
    if (!st)
        return -1;
    bind_text(st, 1, p->digest);
    bind_text(st, 2, p->man.config.digest);
    sqlite3_bind_int64(st, 3, p->created);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    sqlite3_bind_int64(st, 5, (sqlite3_int64)p->total);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return index_err(s, "recording the model");
    struct desc md = { .size = msize, .media_type = p->man.media_type };
    snprintf(md.digest, sizeof md.digest, "%s", p->digest);
    if (insert_blob_ref(s, p->digest, "manifest", 0, &md) < 0 ||
        insert_blob_ref(s, p->digest, "config", 0, &p->man.config) < 0)
        return -1;
    for (int i = 0; i < p->man.n_layers; i++)
        if (insert_blob_ref(s, p->digest, "layer", i, &p->man.layers[i]) < 0)
            return -1;
    for (int i = 0; i < p->n_tags; i++)
        if (set_tag(s, p->fams[i], p->digest) < 0)
            return -1;
    return 0;
}

int store_commit_models(struct store *s, const struct store_commit *c, int n)
{
    struct prepared *ps = calloc((size_t)n + 1, sizeof *ps);
    if (!ps)
        return err_set("out of memory");
    int rc = -1, prepared = 0;
    for (; prepared < n; prepared++)
        if (prepare(s, &c[prepared], &ps[prepared]) < 0) {
            prepared++;
            goto out;
        }
    if (store_lock_shared(s) < 0 || index_begin(s) < 0)
        goto out;
    for (int i = 0; i < n; i++)
        if (record(s, &ps[i]) < 0) {
            index_rollback(s);
            goto out;
        }
    rc = index_commit(s);
out:
    for (int i = 0; i < prepared; i++)
        prepared_free(&ps[i]);
    free(ps);
    return rc;
}

int store_commit_model(struct store *s, const char *manifest_digest, const char *const *tags, int n_tags)
{
    struct store_commit c = { manifest_digest, tags, n_tags };
    return store_commit_models(s, &c, 1);
}

int store_tag(struct store *s, const char *src, const char *tag)
{
    struct ref r;
    if (ref_parse(tag, &r) < 0)
        return -1;
    if (r.digest[0])
        return err_set("cannot tag a model as \"%s\": a tag cannot contain a digest", tag);
    char fam[REF_STR_MAX];
    ref_format(&r, REF_FAMILIAR, fam, sizeof fam);
    if (index_begin(s) < 0)
        return -1;
    char id[DIGEST_LEN + 1];
    int rc = index_find_model(s, src, id, NULL);
    if (rc != 0) {
        index_rollback(s);
        return rc < 0 ? -1 : index_not_found(src);
    }
    if (set_tag(s, fam, id) < 0) {
        index_rollback(s);
        return -1;
    }
    return index_commit(s);
}

/* Delete the blob files of candidates that no model references any more.
 * Runs only with the store lock held alone, and re-checks each blob inside
 * a write transaction, so a concurrent commit either sees the file or the
 * reference keeps it. */
static void delete_unreferenced(struct store *s, const char *const *cands, int n, struct store_rm_result *res)
{
    if (n == 0)
        return;
    int had_lock = s->lock_mode;
    if (store_lock_exclusive(s) < 0) {
        res->blobs_left += n;
        return;
    }
    if (index_begin(s) < 0) {
        res->blobs_left += n;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        int ref = index_blob_referenced(s, cands[i]);
        if (ref != 0) {
            res->blobs_kept++;
            continue;
        }
        char *p = store_blob_path(s, cands[i]);
        struct stat st;
        if (p && stat(p, &st) == 0 && fault_unlink(p) == 0) {
            res->freed += (uint64_t)st.st_size;
            res->blobs_deleted++;
        }
        free(p);
        exec1(s, "DELETE FROM blobs WHERE digest = ?", cands[i]);
    }
    index_commit(s);
out:
    store_lock_restore(s, had_lock);
}

int store_remove(struct store *s, const char *text, int force, struct store_rm_result *res)
{
    struct store_rm_result local;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    char id[DIGEST_LEN + 1], tag[REF_STR_MAX];
    char **cands = NULL;
    int ncands = 0;
    if (index_begin(s) < 0)
        return -1;
    int rc = index_find_model(s, text, id, tag);
    if (rc != 0) {
        index_rollback(s);
        return rc < 0 ? -1 : index_not_found(text);
    }
    snprintf(res->id, sizeof res->id, "%s", id);
    int err = 0;
    int64_t ntags = query_int(s, "SELECT count(*) FROM tags WHERE model_id = ?", id, 0, &err);
    if (err)
        goto fail;
    if (tag[0] && ntags > 1) {
        if (exec1(s, "DELETE FROM tags WHERE name = ?", tag) < 0)
            goto fail;
        res->untagged = 1;
        snprintf(res->tag, sizeof res->tag, "%s", tag);
        return index_commit(s);
    }
    if (ntags > 1 && !force) {
        index_rollback(s);
        return err_set("unable to delete \"%s\" (must be forced) due to multiple tag references; "
                       "use 'model rm -f' or remove the tags one by one", text);
    }
    sqlite3_stmt *st = prep(s, "SELECT DISTINCT digest FROM model_blobs WHERE model_id = ?");
    if (!st)
        goto fail;
    bind_text(st, 1, id);
    while (sqlite3_step(st) == SQLITE_ROW)
        if (push_str(&cands, &ncands, (const char *)sqlite3_column_text(st, 0)) < 0) {
            sqlite3_finalize(st);
            goto fail;
        }
    sqlite3_finalize(st);
    if (exec1(s, "DELETE FROM models WHERE id = ?", id) < 0)
        goto fail;
    if (index_commit(s) < 0) {
        rc = -1;
        goto out;
    }
    delete_unreferenced(s, (const char *const *)cands, ncands, res);
    rc = 0;
    goto out;
fail:
    index_rollback(s);
    rc = -1;
out:
    for (int i = 0; i < ncands; i++)
        free(cands[i]);
    free(cands);
    return rc;
}

int store_discard_blobs(struct store *s, const char *const *digests, int n)
{
    struct store_rm_result res;
    memset(&res, 0, sizeof res);
    delete_unreferenced(s, digests, n, &res);
    err_clear();
    return res.blobs_deleted;
}
