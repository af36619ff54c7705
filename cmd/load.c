/*
 * load.c - `model load [-i FILE.tar]`: read models from an OCI image-layout
 * tar (what `model save` and `skopeo copy ... oci-archive:` write) into the
 * store.
 *
 * Docker Model Runner's own export tar (blobs/sha256/... and manifest.json,
 * the raw manifest; GET /models/{name}/export) loads too; its model has no
 * name, so --tag gives it one.
 *
 * The tar is untrusted. Entries with absolute paths, "..", links, devices
 * or other special files are refused; every blob is hashed against its name
 * while it streams into the store; every descriptor's size must match the
 * blob's; manifests must be OCI manifests. Models are committed in ONE
 * transaction only after all of that passed. A refused load deletes the
 * blobs it added, and an interrupted one leaves nothing in the index (its
 * blobs are unreferenced: `model prune` removes them). So a load either adds
 * everything or nothing.
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include "../common/err.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const load_usage[] = { "model load [-i FILE.tar] [-t NAME]", NULL };

#define SMALL_FILE_MAX (16u << 20) /* oci-layout, index.json */

struct seen_blob {
    char digest[DIGEST_LEN + 1];
    uint64_t size;
    int added;      /* not in the store before this load */
};

struct load {
    struct store *s;
    const char *file;
    struct seen_blob *blobs;
    int n_blobs;
    char *index_json;
    size_t index_len;
    int have_layout;
    char *dmr_manifest;     /* manifest.json of a DMR export */
    size_t dmr_len;
    const char *tag;        /* --tag: the name of an unnamed model */
};

static int refuse(struct load *l, const char *fmt, const char *arg)
{
    char msg[1200];
    snprintf(msg, sizeof msg, fmt, arg);
    return error("refusing %s: %s; nothing was loaded", l->file, msg);
}

static const struct seen_blob *find_blob(const struct load *l, const char *digest)
{
    for (int i = 0; i < l->n_blobs; i++)
        if (!strcmp(l->blobs[i].digest, digest))
            return &l->blobs[i];
    return NULL;
}

/* A safe relative path: no leading '/', no ".." component. "./" prefixes are dropped. */
static const char *clean_path(const char *p)
{
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (p[0] == '/')
        return NULL;
    for (const char *c = p; *c;) {
        const char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return NULL;
        if (!end)
            break;
        c = end + 1;
    }
    return p;
}

static int read_small(struct load *l, struct archive *a, struct archive_entry *e, const char *name, char **out,
                      size_t *len)
{
    int64_t size = archive_entry_size(e);
    if (size < 0 || (uint64_t)size > SMALL_FILE_MAX)
        return refuse(l, "%s is too large", name);
    char *buf = malloc((size_t)size + 1);
    if (!buf)
        return error("out of memory");
    la_ssize_t got = archive_read_data(a, buf, (size_t)size);
    if (got != size) {
        free(buf);
        return error("cannot read %s from %s: %s", name, l->file, got < 0 ? archive_error_string(a) : "truncated");
    }
    buf[size] = '\0';
    free(*out);
    *out = buf;
    *len = (size_t)size;
    return 0;
}

static int read_blob(struct load *l, struct archive *a, struct archive_entry *e, const char *hex)
{
    char digest[DIGEST_LEN + 1];
    snprintf(digest, sizeof digest, "sha256:%s", hex);
    if (!digest_is_valid(digest))
        return refuse(l, "entry blobs/sha256/%s is not named by a sha256 digest", hex);
    if (find_blob(l, digest))
        return refuse(l, "blob %s appears twice", digest);
    struct seen_blob *nb = realloc(l->blobs, (size_t)(l->n_blobs + 1) * sizeof *nb);
    if (!nb)
        return error("out of memory");
    l->blobs = nb;
    struct seen_blob *b = &l->blobs[l->n_blobs];
    memset(b, 0, sizeof *b);
    snprintf(b->digest, sizeof b->digest, "%s", digest);
    int existed = store_has_blob(l->s, digest) == 1;
    struct blob_writer *w = blob_writer_open(l->s, digest, 0);
    if (!w)
        return error_err();
    static char buf[1 << 20];
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, sizeof buf);
        if (n < 0) {
            blob_writer_abort(w, 0);
            return error("cannot read %s: %s", l->file, archive_error_string(a));
        }
        if (n == 0)
            break;
        if (blob_writer_write(w, buf, (size_t)n) < 0) {
            blob_writer_abort(w, 0);
            return error_err();
        }
    }
    b->size = blob_writer_offset(w);
    if ((int64_t)b->size != archive_entry_size(e)) {
        blob_writer_abort(w, 0);
        return refuse(l, "blob %s is shorter than its tar header says", digest);
    }
    l->n_blobs++; /* counted before commit: a mismatch still deletes nothing that existed */
    b->added = !existed;
    if (blob_writer_commit(w, NULL) < 0) {
        b->added = 0;
        return error("refusing %s: %s; nothing was loaded", l->file, err_msg());
    }
    return 0;
}

/* A DMR export: store its manifest.json as the manifest blob and make up the
 * index.json an OCI layout would have. */
static int dmr_export_index(struct load *l)
{
    cJSON *m = cJSON_ParseWithLength(l->dmr_manifest, l->dmr_len);
    int is_manifest = cJSON_IsObject(m) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(m, "layers"));
    cJSON_Delete(m);
    if (!is_manifest)
        return refuse(l, "its manifest.json is not a model manifest (a 'docker save' image archive?)%s", "");
    char digest[DIGEST_LEN + 1];
    sha256_buf(l->dmr_manifest, l->dmr_len, digest);
    int existed = store_has_blob(l->s, digest) == 1;
    if (store_put_blob(l->s, l->dmr_manifest, l->dmr_len, digest) < 0)
        return error_err();
    struct seen_blob *nb = realloc(l->blobs, (size_t)(l->n_blobs + 1) * sizeof *nb);
    if (!nb)
        return error("out of memory");
    l->blobs = nb;
    struct seen_blob *b = &l->blobs[l->n_blobs++];
    snprintf(b->digest, sizeof b->digest, "%s", digest);
    b->size = l->dmr_len;
    b->added = !existed;
    cJSON *index = cJSON_CreateObject();
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "mediaType", MT_OCI_MANIFEST);
    cJSON_AddStringToObject(d, "digest", digest);
    cJSON_AddNumberToObject(d, "size", (double)l->dmr_len);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(index, "manifests"), d);
    l->index_json = cJSON_PrintUnformatted(index);
    l->index_len = l->index_json ? strlen(l->index_json) : 0;
    cJSON_Delete(index);
    return l->index_json ? 0 : error("out of memory");
}

static int read_archive(struct load *l, struct archive *a)
{
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *raw = archive_entry_pathname(e);
        if (!raw)
            return refuse(l, "an entry has no name%s", "");
        const char *p = clean_path(raw);
        if (!p)
            return refuse(l, "entry \"%s\" has an absolute path or \"..\"", raw);
        if (archive_entry_hardlink(e))
            return refuse(l, "entry \"%s\" is a hard link", raw);
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFLNK)
            return refuse(l, "entry \"%s\" is a symbolic link", raw);
        if (type == AE_IFCHR || type == AE_IFBLK)
            return refuse(l, "entry \"%s\" is a device file", raw);
        if (type == AE_IFDIR)
            continue;
        if (type != AE_IFREG)
            return refuse(l, "entry \"%s\" is not a regular file", raw);
        if (!strcmp(p, "oci-layout")) {
            char *layout = NULL;
            size_t len;
            if (read_small(l, a, e, p, &layout, &len) < 0)
                return -1;
            cJSON *j = cJSON_ParseWithLength(layout, len);
            free(layout);
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "imageLayoutVersion"));
            int ok = v && !strncmp(v, "1.", 2);
            cJSON_Delete(j);
            if (!ok)
                return refuse(l, "oci-layout does not declare imageLayoutVersion 1.x%s", "");
            l->have_layout = 1;
        } else if (!strcmp(p, "index.json")) {
            if (read_small(l, a, e, p, &l->index_json, &l->index_len) < 0)
                return -1;
        } else if (!strcmp(p, "manifest.json")) {
            if (read_small(l, a, e, p, &l->dmr_manifest, &l->dmr_len) < 0)
                return -1;
        } else if (!strncmp(p, "blobs/sha256/", 13)) {
            if (read_blob(l, a, e, p + 13) < 0)
                return -1;
        } else if (!strncmp(p, "blobs/", 6)) {
            return refuse(l, "entry \"%s\" uses a digest algorithm other than sha256", raw);
        } else {
            warn("%s: ignoring unexpected entry \"%s\"", l->file, raw);
        }
    }
    if (r != ARCHIVE_EOF)
        return error("cannot read %s: %s", l->file, archive_error_string(a));
    if (!l->index_json && l->dmr_manifest)
        return dmr_export_index(l);
    if (!l->have_layout)
        return refuse(l, "it has no oci-layout file: not an OCI image layout%s", "");
    if (!l->index_json)
        return refuse(l, "it has no index.json%s", "");
    return 0;
}

/* The blob of a descriptor must be in the archive (or already in the store)
 * with exactly the descriptor's size. */
static int check_desc(struct load *l, const cJSON *d, const char *what, char *digest_out)
{
    const char *digest = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "digest"));
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(d, "size");
    if (!digest || !digest_is_valid(digest) || !cJSON_IsNumber(size) || size->valuedouble < 0)
        return refuse(l, "%s has no valid sha256 digest and size", what);
    const struct seen_blob *b = find_blob(l, digest);
    uint64_t have;
    if (b)
        have = b->size;
    else if (store_blob_size(l->s, digest, &have) < 0)
        return refuse(l, "blob %s is missing from the archive", digest);
    if ((double)have != size->valuedouble) {
        char msg[300];
        snprintf(msg, sizeof msg, "blob %s has %llu bytes but its descriptor says %.0f", digest,
                 (unsigned long long)have, size->valuedouble);
        return refuse(l, "%s", msg);
    }
    if (digest_out)
        snprintf(digest_out, DIGEST_LEN + 1, "%s", digest);
    return 0;
}

struct pending {
    char digest[DIGEST_LEN + 1];
    const char **tags;
    int n_tags;
};

/* The tag an index entry names: io.containerd.image.name, else a
 * org.opencontainers.image.ref.name that is a whole name (not just "latest"). */
static const char *entry_name(const cJSON *d)
{
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(d, "annotations");
    const char *full = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(an, "io.containerd.image.name"));
    if (full)
        return full;
    const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(an, "org.opencontainers.image.ref.name"));
    if (ref && (strchr(ref, '/') || strchr(ref, ':')))
        return ref;
    return NULL;
}

static int check_and_commit(struct load *l, int *n_models)
{
    cJSON *index = cJSON_ParseWithLength(l->index_json, l->index_len);
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(index, "manifests");
    struct pending *p = NULL;
    int np = 0, rc = -1, unnamed = 0;
    if (!cJSON_IsArray(ms)) {
        refuse(l, "index.json has no manifests list%s", "");
        goto out;
    }
    p = calloc((size_t)cJSON_GetArraySize(ms) + 1, sizeof *p);
    if (!p) {
        error("out of memory");
        goto out;
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, ms)
    {
        const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "mediaType"));
        if (mt && strcmp(mt, MT_OCI_MANIFEST) && strcmp(mt, MT_DOCKER_MANIFEST)) {
            refuse(l, "index.json names a %s, not a model manifest", mt);
            goto out;
        }
        char digest[DIGEST_LEN + 1];
        if (check_desc(l, d, "an index.json entry", digest) < 0)
            goto out;
        const char *name = entry_name(d);
        if (!name && l->tag) {
            if (unnamed++) {
                refuse(l, "--tag can name only one model, and it holds several without a name%s", "");
                goto out;
            }
            name = l->tag;
        }
        if (name) {
            struct ref r;
            if (ref_parse(name, &r) < 0 || r.digest[0] || !r.tag[0]) {
                char msg[700];
                snprintf(msg, sizeof msg, "index.json names a model \"%.300s\": %s", name,
                         r.digest[0] ? "a tag cannot contain a digest" : err_msg());
                refuse(l, "%s", msg);
                goto out;
            }
        }
        int k;
        for (k = 0; k < np; k++)
            if (!strcmp(p[k].digest, digest))
                break;
        if (k == np) {
            snprintf(p[np].digest, sizeof p[np].digest, "%s", digest);
            np++;
            /* the manifest itself must be sane and all its blobs present and of the right size */
            char *json = NULL;
            size_t len = 0;
            if (store_read_blob(l->s, digest, 4u << 20, &json, &len) < 0) {
                refuse(l, "%s", err_msg());
                goto out;
            }
            cJSON *m = cJSON_ParseWithLength(json, len);
            free(json);
            const char *mmt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "mediaType"));
            const cJSON *layers = cJSON_GetObjectItemCaseSensitive(m, "layers");
            int ok = m && cJSON_IsArray(layers) && (!mmt || !strcmp(mmt, MT_OCI_MANIFEST) ||
                                                   !strcmp(mmt, MT_DOCKER_MANIFEST));
            if (!ok) {
                cJSON_Delete(m);
                refuse(l, "manifest %s is not an OCI manifest with layers", digest);
                goto out;
            }
            const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(m, "config");
            const char *cmt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cfg, "mediaType"));
            if (!cmt || (strcmp(cmt, MT_MODEL_CONFIG) && strcmp(cmt, MT_MODEL_CONFIG_V02) && strcmp(cmt, MT_CNCF_CONFIG))) {
                /* as DMR: a container image or other artifact is not a model */
                char msg[400];
                snprintf(msg, sizeof msg, "manifest %.80s has config type %.100s, not a model config (%s)", digest,
                         cmt ? cmt : "(none)", MT_MODEL_CONFIG);
                cJSON_Delete(m);
                refuse(l, "%s", msg);
                goto out;
            }
            if (check_desc(l, cfg, "a manifest's config", NULL) < 0) {
                cJSON_Delete(m);
                goto out;
            }
            const cJSON *layer;
            cJSON_ArrayForEach(layer, layers)
            {
                if (check_desc(l, layer, "a manifest layer", NULL) < 0) {
                    cJSON_Delete(m);
                    goto out;
                }
            }
            cJSON_Delete(m);
        }
        if (name) {
            const char **t = realloc(p[k].tags, (size_t)(p[k].n_tags + 1) * sizeof *t);
            if (!t) {
                error("out of memory");
                goto out;
            }
            p[k].tags = t;
            t[p[k].n_tags++] = name;
        }
    }
    if (np == 0) {
        refuse(l, "index.json lists no models%s", "");
        goto out;
    }
    struct store_commit *c = calloc((size_t)np, sizeof *c);
    if (!c) {
        error("out of memory");
        goto out;
    }
    for (int i = 0; i < np; i++)
        c[i] = (struct store_commit){ p[i].digest, p[i].tags, p[i].n_tags };
    rc = store_commit_models(l->s, c, np);
    free(c);
    if (rc < 0)
        error("refusing %s: %s; nothing was loaded", l->file, err_msg());
    else {
        for (int i = 0; i < np; i++) {
            char shown[REF_STR_MAX];
            if (p[i].n_tags == 0)
                printf("Loaded %.12s (untagged)\n", p[i].digest + 7);
            for (int t = 0; t < p[i].n_tags; t++)
                printf("Loaded %s (%.12s)\n", ref_display(p[i].tags[t], shown, sizeof shown), p[i].digest + 7);
        }
        *n_models = np;
    }
out:
    for (int i = 0; p && i < np; i++)
        free(p[i].tags);
    free(p);
    cJSON_Delete(index);
    return rc;
}

int cmd_load(int argc, const char **argv)
{
    const char *in = NULL, *tag = NULL;
    struct option opts[] = {
        OPT_STRING('i', "input", &in, "FILE", "the tar file to read (default: standard input)"),
        OPT_STRING('t', "tag", &tag, "NAME", "name the model when the archive gives it none"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, load_usage);
    if (argc != 0)
        usage_with_options(load_usage, opts);
    int from_stdin = !in || !strcmp(in, "-");
    if (from_stdin && isatty(STDIN_FILENO))
        return error("refusing to read a tar from a terminal; use -i FILE.tar"), EXIT_USAGE;
    struct load l = { .file = from_stdin ? "standard input" : in, .tag = tag };
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_filter_gzip(a); /* a gzipped tar is fine too */
    int orc = from_stdin ? archive_read_open_fd(a, STDIN_FILENO, 1 << 16)
                         : archive_read_open_filename(a, in, 1 << 16);
    if (orc != ARCHIVE_OK) {
        error("cannot open %s: %s", l.file, archive_error_string(a));
        archive_read_free(a);
        return EXIT_FAIL;
    }
    int rc = EXIT_FAIL, n_models = 0;
    if (!(l.s = cmd_store_open()))
        goto out;
    if (read_archive(&l, a) < 0 || check_and_commit(&l, &n_models) < 0) {
        /* undo: the blobs this load added go again (when nothing else uses them) */
        const char **ds = calloc((size_t)l.n_blobs + 1, sizeof *ds);
        int nd = 0;
        for (int i = 0; ds && i < l.n_blobs; i++)
            if (l.blobs[i].added)
                ds[nd++] = l.blobs[i].digest;
        if (ds && nd)
            store_discard_blobs(l.s, ds, nd);
        free(ds);
        goto out;
    }
    rc = EXIT_OK;
out:
    archive_read_free(a);
    store_close(l.s);
    free(l.blobs);
    free(l.index_json);
    free(l.dmr_manifest);
    return rc;
}
