/*
 * save.c - `model save -o FILE.tar REF...`: write models as an OCI image
 * layout in a tar (oci-layout, index.json, blobs/sha256/<hex>), the format
 * `skopeo copy oci-archive:FILE.tar ...` and `model load` read. Each tag
 * becomes an index entry annotated with org.opencontainers.image.ref.name
 * (the familiar name, "ai/smollm2:latest") and io.containerd.image.name
 * (the full one). The tar is written beside FILE and renamed onto it at the
 * end, so FILE is never half written.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const save_usage[] = { "model save -o FILE.tar REF...", NULL };

struct blobset {
    char (*d)[DIGEST_LEN + 1];
    int n;
};

static int blobset_add(struct blobset *b, const char *digest)
{
    for (int i = 0; i < b->n; i++)
        if (!strcmp(b->d[i], digest))
            return 0;
    void *p = realloc(b->d, (size_t)(b->n + 1) * sizeof *b->d);
    if (!p)
        return -1;
    b->d = p;
    snprintf(b->d[b->n++], DIGEST_LEN + 1, "%s", digest);
    return 0;
}

static int add_entry(struct archive *a, const char *path, int64_t size, int dir, time_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : size);
    archive_entry_set_mtime(e, mtime, 0);
    int rc = archive_write_header(a, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? 0 : error("cannot write the tar: %s", archive_error_string(a));
}

static int add_memory(struct archive *a, const char *path, const char *data, time_t mtime)
{
    size_t len = strlen(data);
    if (add_entry(a, path, (int64_t)len, 0, mtime) < 0)
        return -1;
    if (archive_write_data(a, data, len) != (la_ssize_t)len)
        return error("cannot write the tar: %s", archive_error_string(a));
    return 0;
}

static int add_blob(struct archive *a, struct store *s, const char *digest, time_t mtime)
{
    char *path = store_blob_path(s, digest);
    if (!path)
        return error_err();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        error("blob %s is missing from the store (run 'model verify'): %s", digest, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(path);
        return -1;
    }
    free(path);
    char name[100];
    snprintf(name, sizeof name, "blobs/sha256/%s", digest + 7);
    if (add_entry(a, name, st.st_size, 0, mtime) < 0) {
        close(fd);
        return -1;
    }
    static char buf[1 << 20];
    int64_t left = st.st_size;
    while (left > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return error("cannot read blob %s: %s", digest, n < 0 ? strerror(errno) : "it shrank");
        }
        if (archive_write_data(a, buf, (size_t)n) != n) {
            close(fd);
            return error("cannot write the tar: %s", archive_error_string(a));
        }
        left -= n;
    }
    close(fd);
    return 0;
}

static void add_index_entry(cJSON *manifests, const struct store_model *m, const char *tag)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "mediaType", MT_OCI_MANIFEST);
    cJSON_AddStringToObject(d, "digest", m->id);
    cJSON_AddNumberToObject(d, "size", (double)m->manifest_len);
    if (tag) {
        struct ref r;
        char full[REF_STR_MAX];
        cJSON *an = cJSON_AddObjectToObject(d, "annotations");
        if (ref_parse(tag, &r) == 0)
            cJSON_AddStringToObject(an, "io.containerd.image.name", ref_format(&r, REF_CANONICAL, full, sizeof full));
        cJSON_AddStringToObject(an, "org.opencontainers.image.ref.name", tag);
    }
    cJSON_AddItemToArray(manifests, d);
}

int cmd_save(int argc, const char **argv)
{
    const char *out = NULL;
    struct option opts[] = {
        OPT_STRING('o', "output", &out, "FILE", "the tar file to write ('-' for standard output)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, save_usage);
    if (!out || argc < 1) {
        error(!out ? "-o FILE.tar is required" : "name the models to save, e.g. 'model save -o m.tar smollm2'");
        usage_with_options(save_usage, opts);
    }
    int to_stdout = !strcmp(out, "-");
    if (to_stdout && isatty(STDOUT_FILENO))
        return error("refusing to write a tar to a terminal; use -o FILE.tar"), EXIT_USAGE;
    struct store *s = cmd_store_open();
    if (!s)
        return EXIT_FAIL;

    int rc = EXIT_FAIL;
    struct blobset blobs = { 0 };
    struct store_model *models = calloc((size_t)argc, sizeof *models);
    if (!models) {
        store_close(s);
        return error("out of memory"), EXIT_FAIL;
    }
    cJSON *index = cJSON_CreateObject();
    cJSON_AddNumberToObject(index, "schemaVersion", 2);
    cJSON_AddStringToObject(index, "mediaType", MT_OCI_INDEX);
    cJSON *manifests = cJSON_AddArrayToObject(index, "manifests");
    char *index_text = NULL, tmp[4200] = "";
    struct archive *a = NULL;
    int n = 0;
    for (int i = 0; i < argc; i++, n++) {
        char tag[REF_STR_MAX];
        struct store_model *m = &models[i];
        if (store_resolve(s, argv[i], m, tag) < 0) {
            error_err();
            goto out;
        }
        /* a tag saves that name; an ID saves every name of the model */
        if (tag[0])
            add_index_entry(manifests, m, tag);
        else if (m->n_tags == 0)
            add_index_entry(manifests, m, NULL);
        for (int t = 0; !tag[0] && t < m->n_tags; t++)
            add_index_entry(manifests, m, m->tags[t]);
        cJSON *root = cJSON_ParseWithLength(m->manifest, m->manifest_len);
        const cJSON *l, *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
        if (blobset_add(&blobs, m->id) < 0 ||
            blobset_add(&blobs, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "digest"))) < 0) {
            cJSON_Delete(root);
            error("out of memory");
            goto out;
        }
        cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(root, "layers"))
            blobset_add(&blobs, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "digest")));
        cJSON_Delete(root);
    }
    index_text = cJSON_PrintUnformatted(index);

    a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    int orc;
    if (to_stdout) {
        orc = archive_write_open_fd(a, STDOUT_FILENO);
    } else {
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out, (long)getpid());
        orc = archive_write_open_filename(a, tmp);
    }
    if (orc != ARCHIVE_OK) {
        error("cannot create %s: %s", to_stdout ? "standard output" : out, archive_error_string(a));
        goto out;
    }
    time_t now = time(NULL);
    if (add_memory(a, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", now) < 0 ||
        add_memory(a, "index.json", index_text, now) < 0 || add_entry(a, "blobs/", 0, 1, now) < 0 ||
        add_entry(a, "blobs/sha256/", 0, 1, now) < 0)
        goto out;
    for (int i = 0; i < blobs.n; i++)
        if (add_blob(a, s, blobs.d[i], now) < 0)
            goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        error("cannot write %s: %s", to_stdout ? "standard output" : out, archive_error_string(a));
        goto out;
    }
    if (!to_stdout) {
        int fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0 || rename(tmp, out) < 0) {
            error("cannot write %s: %s", out, strerror(errno));
            if (fd >= 0)
                close(fd);
            goto out;
        }
        close(fd);
        tmp[0] = '\0';
        fprintf(stderr, "Saved %d model%s (%d blobs) to %s\n", n, n == 1 ? "" : "s", blobs.n, out);
    }
    rc = EXIT_OK;
out:
    if (a)
        archive_write_free(a);
    if (tmp[0])
        unlink(tmp);
    for (int i = 0; models && i < argc; i++)
        store_model_free(&models[i]);
    free(models);
    free(blobs.d);
    free(index_text);
    cJSON_Delete(index);
    store_close(s);
    return rc;
}
