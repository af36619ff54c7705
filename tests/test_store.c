/* test_store.c - the blob store and its SQLite index, without the GGUF layer:
 * blobs, the streaming writer (resume, mismatch, faults), committing models,
 * resolving, tags and DMR's rm semantics, usage, prune, verify, migrations. */
#include "test.h"
#include "../common/err.h"
#include "../store/fault.h"
#include "../store/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct store *fresh_store(const char *name)
{
    char root[600];
    snprintf(root, sizeof root, "%s/%s", test_tmpdir(), name);
    struct store *s = store_open(root);
    if (!s)
        test_fail_at(__FILE__, __LINE__, "store_open: %s", err_msg());
    return s;
}

static int count_files(struct store *s, const char *suffix)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls '%s/blobs/sha256' | grep -c '%s' 2>/dev/null", store_root(s), suffix);
    FILE *f = popen(cmd, "r");
    int n = 0;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

/* A model of n layers with the given contents: puts the blobs, config and
 * manifest; returns the manifest digest in id. */
static int make_model(struct store *s, const char *const *layers, int n, const char *created, char *id)
{
    char config[512], digest[DIGEST_LEN + 1], cdigest[DIGEST_LEN + 1];
    char manifest[8192];
    snprintf(config, sizeof config,
             "{\"config\":{\"format\":\"gguf\",\"architecture\":\"llama\"},\"descriptor\":{\"created\":\"%s\"},"
             "\"rootfs\":{\"type\":\"rootfs\",\"diff_ids\":[]}}",
             created);
    if (store_put_blob(s, config, strlen(config), cdigest) < 0)
        return -1;
    int off = snprintf(manifest, sizeof manifest,
                       "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":\"%s\",\"size\":%zu,"
                       "\"digest\":\"%s\"},\"layers\":[",
                       MT_OCI_MANIFEST, MT_MODEL_CONFIG, strlen(config), cdigest);
    for (int i = 0; i < n; i++) {
        if (store_put_blob(s, layers[i], strlen(layers[i]), digest) < 0)
            return -1;
        off += snprintf(manifest + off, sizeof manifest - (size_t)off,
                        "%s{\"mediaType\":\"%s\",\"size\":%zu,\"digest\":\"%s\"}", i ? "," : "",
                        i == n - 1 && n > 1 ? MT_LICENSE : MT_GGUF, strlen(layers[i]), digest);
    }
    snprintf(manifest + off, sizeof manifest - (size_t)off, "]}");
    return store_put_blob(s, manifest, strlen(manifest), id);
}

TEST(open_creates_layout_and_schema)
{
    struct store *s = fresh_store("layout");
    if (!s)
        return;
    char p[800];
    struct stat st;
    snprintf(p, sizeof p, "%s/layout.json", store_root(s));
    CHECK(stat(p, &st) == 0);
    snprintf(p, sizeof p, "%s/blobs/sha256", store_root(s));
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    store_close(s);
    /* the schema version is recorded; a newer one is refused */
    snprintf(p, sizeof p, "%s/layout/index.db", test_tmpdir());
    sqlite3 *db;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), 2);
    sqlite3_finalize(q);
    /* a version-1 index (before model_settings) is migrated on open */
    sqlite3_exec(db, "DROP TABLE model_settings; PRAGMA user_version=1", NULL, NULL, NULL);
    sqlite3_close(db);
    snprintf(p, sizeof p, "%s/layout", test_tmpdir());
    s = store_open(p);
    CHECK(s != NULL);
    store_close(s);
    snprintf(p, sizeof p, "%s/layout/index.db", test_tmpdir());
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master WHERE name = 'model_settings')", -1, &q, NULL);
    CHECK(sqlite3_step(q) == SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(q, 0), 2);
    CHECK_INT(sqlite3_column_int(q, 1), 1);
    sqlite3_finalize(q);
    sqlite3_exec(db, "PRAGMA journal_mode", NULL, NULL, NULL);
    sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL);
    sqlite3_close(db);
    snprintf(p, sizeof p, "%s/layout", test_tmpdir());
    CHECK(store_open(p) == NULL);
    CHECK(strstr(err_msg(), "newer") != NULL);
}

TEST(default_root_follows_environment)
{
    char *saved_home = getenv("MODEL_HOME") ? strdup(getenv("MODEL_HOME")) : NULL;
    setenv("MODEL_HOME", "/x/home", 1);
    char *r = store_default_root();
    CHECK_STR(r, "/x/home");
    free(r);
    unsetenv("MODEL_HOME");
    setenv("XDG_DATA_HOME", "/x/data", 1);
    r = store_default_root();
    CHECK_STR(r, "/x/data/model");
    free(r);
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/x/me", 1);
    r = store_default_root();
    CHECK_STR(r, "/x/me/.local/share/model");
    free(r);
    if (saved_home)
        setenv("MODEL_HOME", saved_home, 1);
    free(saved_home);
}

TEST(small_blobs_are_content_addressed)
{
    struct store *s = fresh_store("small");
    if (!s)
        return;
    char d1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1];
    CHECK_INT(store_put_blob(s, "hello", 5, d1), 0);
    CHECK_STR(d1, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    CHECK_INT(store_put_blob(s, "hello", 5, d2), 0);
    CHECK_STR(d1, d2);
    CHECK_INT(store_has_blob(s, d1), 1);
    CHECK_INT(count_files(s, "^[0-9a-f]*$"), 1);
    char *data;
    size_t len;
    CHECK_INT(store_read_blob(s, d1, 100, &data, &len), 0);
    CHECK_INT(len, 5);
    CHECK_STR(data, "hello");
    free(data);
    CHECK(store_read_blob(s, d1, 2, &data, &len) < 0);
    CHECK(store_blob_path(s, "sha256:xyz") == NULL);
    CHECK(strstr(err_msg(), "invalid digest") != NULL);
    store_close(s);
}

TEST(writer_resumes_and_checks_digest)
{
    struct store *s = fresh_store("writer");
    if (!s)
        return;
    const char *hello = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    struct blob_writer *w = blob_writer_open(s, hello, 1);
    CHECK(w != NULL);
    CHECK_INT(blob_writer_offset(w), 0);
    CHECK_INT(blob_writer_write(w, "hel", 3), 0);
    blob_writer_abort(w, 1); /* interrupted download: partial kept */
    CHECK_INT(count_files(s, "partial"), 1);
    w = blob_writer_open(s, hello, 1);
    CHECK_INT(blob_writer_offset(w), 3);
    CHECK_INT(blob_writer_write(w, "lo", 2), 0);
    char got[DIGEST_LEN + 1];
    CHECK_INT(blob_writer_commit(w, got), 0);
    CHECK_STR(got, hello);
    CHECK_INT(store_has_blob(s, hello), 1);
    CHECK_INT(count_files(s, "partial"), 0);

    /* restart after a server ignored the range */
    const char *world = "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7";
    w = blob_writer_open(s, world, 1);
    blob_writer_write(w, "xxxx", 4);
    CHECK_INT(blob_writer_restart(w), 0);
    CHECK_INT(blob_writer_offset(w), 0);
    blob_writer_write(w, "world", 5);
    CHECK_INT(blob_writer_commit(w, NULL), 0);
    CHECK_INT(store_has_blob(s, world), 1);

    /* a mismatch deletes the partial and names both digests */
    const char *other = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    w = blob_writer_open(s, other, 0);
    blob_writer_write(w, "hello", 5);
    CHECK(blob_writer_commit(w, NULL) < 0);
    CHECK(strstr(err_msg(), "digest mismatch") != NULL);
    CHECK(strstr(err_msg(), other) != NULL);
    CHECK(strstr(err_msg(), hello) != NULL);
    CHECK_INT(store_has_blob(s, other), 0);
    CHECK_INT(count_files(s, "partial"), 0);
    store_close(s);
}

TEST(full_disk_leaves_no_blob_and_no_partial)
{
    struct store *s = fresh_store("enospc");
    if (!s)
        return;
    char path[800], d[DIGEST_LEN + 1];
    snprintf(path, sizeof path, "%s/big", test_tmpdir());
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 3 * 1024 * 1024; i++)
        fputc(i % 251, f);
    fclose(f);
    fault_arm(FAULT_WRITE, 2, ENOSPC, 0);
    CHECK(store_put_file(s, path, d, NULL) < 0);
    CHECK(strstr(err_msg(), "No space left on device") != NULL);
    fault_arm(FAULT_WRITE, 0, 0, 0);
    CHECK_INT(count_files(s, "."), 0);
    fault_arm(FAULT_FSYNC, 1, EIO, 1);
    CHECK(store_put_file(s, path, d, NULL) < 0);
    CHECK_INT(count_files(s, "."), 0);
    fault_arm(FAULT_RENAME, 1, ENOSPC, 1);
    CHECK(store_put_file(s, path, d, NULL) < 0);
    CHECK_INT(count_files(s, "."), 0);
    fault_arm(FAULT_RENAME, 0, 0, 0);
    fault_arm(FAULT_FSYNC, 0, 0, 0);
    uint64_t size;
    CHECK_INT(store_put_file(s, path, d, &size), 0);
    CHECK_INT(size, 3 * 1024 * 1024);
    CHECK_INT(count_files(s, "."), 1);
    store_close(s);
}

TEST(commit_resolve_list)
{
    struct store *s = fresh_store("models");
    if (!s)
        return;
    const char *layers[] = { "GGUF-weights-1", "MIT licence" };
    char id[DIGEST_LEN + 1];
    CHECK_INT(make_model(s, layers, 2, "2025-01-02T03:04:05Z", id), 0);
    const char *tags[] = { "smollm2", "ai/smollm2:Q4_K_M" };
    CHECK_INT(store_commit_model(s, id, tags, 2), 0);

    struct store_model m;
    char matched[REF_STR_MAX];
    CHECK_INT(store_resolve(s, "smollm2", &m, matched), 0);
    CHECK_STR(m.id, id);
    CHECK_STR(matched, "ai/smollm2:latest");
    CHECK_INT(m.n_gguf, 1);
    CHECK_INT(m.n_license, 1);
    CHECK(m.template_path == NULL);
    CHECK_INT(m.n_tags, 2);
    CHECK_STR(m.tags[0], "ai/smollm2:Q4_K_M");
    CHECK_STR(m.tags[1], "ai/smollm2:latest");
    CHECK_INT(m.created, 1735787045);
    CHECK_INT(m.size, strlen(layers[0]) + strlen(layers[1]));
    char *data;
    CHECK_INT(store_read_blob(s, m.config_digest, 4096, &data, NULL), 0);
    CHECK(strstr(data, "llama") != NULL);
    free(data);
    store_model_free(&m);

    /* by short ID, full ID, sha256:ID, name@digest */
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%.12s", id + 7);
    CHECK_INT(store_resolve(s, shortid, &m, matched), 0);
    CHECK_STR(matched, "");
    store_model_free(&m);
    CHECK_INT(store_resolve(s, id + 7, &m, NULL), 0);
    store_model_free(&m);
    CHECK_INT(store_resolve(s, id, &m, NULL), 0);
    store_model_free(&m);
    char byd[300];
    snprintf(byd, sizeof byd, "whatever@%s", id);
    CHECK_INT(store_resolve(s, byd, &m, NULL), 0);
    store_model_free(&m);

    CHECK(store_resolve(s, "nosuch", &m, NULL) < 0);
    CHECK(strstr(err_msg(), "\"nosuch\" not found") != NULL);
    CHECK(store_resolve(s, "Bad Name", &m, NULL) < 0);
    CHECK(strstr(err_msg(), "invalid reference") != NULL);

    struct store_model *all;
    size_t n;
    CHECK_INT(store_list(s, &all, &n), 0);
    CHECK_INT(n, 1);
    store_models_free(all, n);
    store_close(s);
}

TEST(commit_refuses_missing_blobs)
{
    struct store *s = fresh_store("missing");
    if (!s)
        return;
    const char *layers[] = { "weights-missing" };
    char id[DIGEST_LEN + 1], d[DIGEST_LEN + 1];
    CHECK_INT(make_model(s, layers, 1, "2025-01-01T00:00:00Z", id), 0);
    sha256_buf(layers[0], strlen(layers[0]), d);
    char *p = store_blob_path(s, d);
    unlink(p);
    free(p);
    const char *tags[] = { "m" };
    CHECK(store_commit_model(s, id, tags, 1) < 0);
    CHECK(strstr(err_msg(), "missing") != NULL);
    CHECK(strstr(err_msg(), d) != NULL);
    struct store_model *all;
    size_t n;
    CHECK_INT(store_list(s, &all, &n), 0);
    CHECK_INT(n, 0);
    store_models_free(all, n);
    /* a bad tag refuses the whole commit */
    const char *bad[] = { "ok", "Not Valid" };
    CHECK(store_commit_model(s, id, bad, 2) < 0);
    store_close(s);
}

TEST(rm_semantics_like_dmr)
{
    struct store *s = fresh_store("rm");
    if (!s)
        return;
    const char *a_layers[] = { "shared-weights", "licence A" };
    const char *b_layers[] = { "shared-weights", "licence B" };
    char a[DIGEST_LEN + 1], b[DIGEST_LEN + 1];
    CHECK_INT(make_model(s, a_layers, 2, "2025-01-01T00:00:00Z", a), 0);
    CHECK_INT(make_model(s, b_layers, 2, "2025-02-01T00:00:00Z", b), 0);
    const char *at[] = { "a", "a:v1" };
    const char *bt[] = { "b" };
    CHECK_INT(store_commit_model(s, a, at, 2), 0);
    CHECK_INT(store_commit_model(s, b, bt, 1), 0);
    CHECK_INT(store_tag(s, "b", "b:copy"), 0);
    CHECK(store_tag(s, "nosuch", "x") < 0);
    CHECK(store_tag(s, "b", "bad tag") < 0);

    struct store_usage u;
    CHECK_INT(store_usage(s, &u), 0);
    CHECK_INT(u.models, 2);
    CHECK_INT(u.tags, 4);
    CHECK_INT(u.shared_bytes, strlen("shared-weights"));
    CHECK_INT(u.reclaimable, 0);

    struct store_rm_result r;
    /* removing one of several tags only untags */
    CHECK_INT(store_remove(s, "a:v1", 0, &r), 0);
    CHECK_INT(r.untagged, 1);
    CHECK_STR(r.tag, "ai/a:v1");
    /* an ID naming a model with several tags needs force */
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%.12s", b + 7);
    CHECK(store_remove(s, shortid, 0, &r) < 0);
    CHECK(strstr(err_msg(), "must be forced") != NULL);
    CHECK_INT(store_remove(s, shortid, 1, &r), 0);
    CHECK_INT(r.untagged, 0);
    /* b's licence and config and manifest go; the shared weights stay */
    CHECK_INT(r.blobs_deleted, 3);
    CHECK_INT(r.blobs_kept, 1);
    CHECK(r.freed > strlen("licence B"));
    char shared[DIGEST_LEN + 1];
    sha256_buf("shared-weights", 14, shared);
    CHECK_INT(store_has_blob(s, shared), 1);
    /* the last tag deletes the model and now the weights too */
    CHECK_INT(store_remove(s, "a", 0, &r), 0);
    CHECK_INT(r.untagged, 0);
    CHECK_INT(store_has_blob(s, shared), 0);
    CHECK_INT(count_files(s, "."), 0);
    CHECK(store_remove(s, "a", 0, &r) < 0);
    CHECK(strstr(err_msg(), "not found") != NULL);
    store_close(s);
}

TEST(retagging_moves_the_tag)
{
    struct store *s = fresh_store("retag");
    if (!s)
        return;
    const char *l1[] = { "v1" }, *l2[] = { "v2" };
    char a[DIGEST_LEN + 1], b[DIGEST_LEN + 1];
    make_model(s, l1, 1, "2025-01-01T00:00:00Z", a);
    make_model(s, l2, 1, "2025-01-01T00:00:00Z", b);
    const char *t[] = { "m" };
    CHECK_INT(store_commit_model(s, a, t, 1), 0);
    CHECK_INT(store_commit_model(s, b, t, 1), 0);
    struct store_model m;
    CHECK_INT(store_resolve(s, "m", &m, NULL), 0);
    CHECK_STR(m.id, b);
    store_model_free(&m);
    CHECK_INT(store_resolve(s, a, &m, NULL), 0);
    CHECK_INT(m.n_tags, 0); /* still there, untagged */
    store_model_free(&m);
    store_close(s);
}

TEST(prune_removes_orphans_and_partials)
{
    struct store *s = fresh_store("prune");
    if (!s)
        return;
    const char *l[] = { "kept" };
    char id[DIGEST_LEN + 1], d[DIGEST_LEN + 1];
    make_model(s, l, 1, "2025-01-01T00:00:00Z", id);
    const char *t[] = { "m" };
    CHECK_INT(store_commit_model(s, id, t, 1), 0);
    CHECK_INT(store_put_blob(s, "orphan", 6, d), 0);
    struct blob_writer *w = blob_writer_open(s, "sha256:1111111111111111111111111111111111111111111111111111111111111111", 0);
    blob_writer_write(w, "part", 4);
    blob_writer_abort(w, 1);
    store_close(s);

    s = fresh_store("prune");
    struct store_usage u;
    CHECK_INT(store_usage(s, &u), 0);
    CHECK_INT(u.orphan_blobs, 1);
    CHECK_INT(u.partials, 1);
    CHECK_INT(u.reclaimable, 10);
    size_t files;
    uint64_t bytes;
    CHECK_INT(store_prune(s, 1, &files, &bytes), 0);
    CHECK_INT(files, 2);
    CHECK_INT(store_has_blob(s, d), 1);
    CHECK_INT(store_prune(s, 0, &files, &bytes), 0);
    CHECK_INT(files, 2);
    CHECK_INT(bytes, 10);
    CHECK_INT(store_has_blob(s, d), 0);
    CHECK_INT(count_files(s, "partial"), 0);
    struct store_model m;
    CHECK_INT(store_resolve(s, "m", &m, NULL), 0);
    store_model_free(&m);
    store_close(s);
}

TEST(prune_waits_for_writers)
{
    struct store *s = fresh_store("busy");
    if (!s)
        return;
    struct blob_writer *w = blob_writer_open(s, NULL, 0);
    CHECK(w != NULL);
    int pid = fork();
    if (pid == 0) {
        struct store *o = store_open(store_root(s));
        size_t f;
        uint64_t b;
        _exit(o && store_prune(o, 0, &f, &b) < 0 && strstr(err_msg(), "another model process") ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    blob_writer_abort(w, 0);
    store_close(s);
}

static int verify_bad;
static void on_verify(void *ctx, const char *digest, const char *model, int status, const char *detail)
{
    (void)ctx;
    (void)digest;
    (void)model;
    (void)detail;
    verify_bad += status != 0;
}

TEST(verify_finds_and_repairs_corruption)
{
    struct store *s = fresh_store("verify");
    if (!s)
        return;
    const char *l[] = { "precious weights", "licence" };
    char id[DIGEST_LEN + 1], d[DIGEST_LEN + 1];
    make_model(s, l, 2, "2025-01-01T00:00:00Z", id);
    const char *t[] = { "m" };
    CHECK_INT(store_commit_model(s, id, t, 1), 0);
    CHECK_INT(store_verify(s, NULL, 0, 0, on_verify, NULL), 0);
    sha256_buf(l[0], strlen(l[0]), d);
    char *p = store_blob_path(s, d);
    FILE *f = fopen(p, "r+");
    fputc('X', f);
    fclose(f);
    verify_bad = 0;
    const char *refs[] = { "m" };
    CHECK_INT(store_verify(s, refs, 1, 0, on_verify, NULL), 1);
    CHECK_INT(verify_bad, 1);
    CHECK_INT(store_has_blob(s, d), 1);
    CHECK_INT(store_verify(s, NULL, 0, 1, on_verify, NULL), 1);
    CHECK_INT(store_has_blob(s, d), 0);
    /* now missing: still bad until pulled again */
    CHECK_INT(store_verify(s, NULL, 0, 0, NULL, NULL), 1);
    const char *nosuch[] = { "nosuch" };
    CHECK_INT(store_verify(s, nosuch, 1, 0, NULL, NULL), -1);
    free(p);
    store_close(s);
}

TEST(concurrent_commits_do_not_corrupt)
{
    struct store *s = fresh_store("concurrent");
    if (!s)
        return;
    char root[600];
    snprintf(root, sizeof root, "%s", store_root(s));
    store_close(s);
    int pids[4];
    for (int k = 0; k < 4; k++) {
        if ((pids[k] = fork()) == 0) {
            struct store *o = store_open(root);
            int ok = o != NULL;
            for (int i = 0; ok && i < 10; i++) {
                char layer[64], tag[64], id[DIGEST_LEN + 1];
                snprintf(layer, sizeof layer, "proc %d layer %d", k, i);
                const char *l[] = { layer, "shared licence" };
                snprintf(tag, sizeof tag, "p%d:t%d", k, i);
                const char *t[] = { tag, "common" };
                ok = make_model(o, l, 2, "2025-01-01T00:00:00Z", id) == 0 && store_commit_model(o, id, t, 2) == 0;
                if (!ok)
                    fprintf(stderr, "proc %d: %s\n", k, err_msg());
            }
            store_close(o);
            _exit(ok ? 0 : 1);
        }
    }
    for (int k = 0; k < 4; k++) {
        int status = 0;
        waitpid(pids[k], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    s = store_open(root);
    struct store_usage u;
    CHECK_INT(store_usage(s, &u), 0);
    CHECK_INT(u.models, 40);
    CHECK_INT(u.tags, 41);
    CHECK_INT(store_verify(s, NULL, 0, 0, NULL, NULL), 0);
    store_close(s);
}

TEST(size_strings_like_dmr)
{
    char b[32];
    CHECK_STR(format_size_dmr(0, b, sizeof b), "0B");
    CHECK_STR(format_size_dmr(1000, b, sizeof b), "1000B");
    CHECK_STR(format_size_dmr(1024, b, sizeof b), "1KiB");
    CHECK_STR(format_size_dmr(1185376, b, sizeof b), "1.13MiB");
    CHECK_STR(format_size_dmr(4920734720ULL, b, sizeof b), "4.58GiB");
    CHECK_STR(format_size_dmr(3ULL << 30, b, sizeof b), "3GiB");
}
