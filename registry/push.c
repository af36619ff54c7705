/*
 * push.c - upload a stored model: blobs first (skipping what the registry
 * has, mounting what it has elsewhere), then the manifest, byte for byte.
 *
 * Upload URLs come from the registry's Location headers and are used as
 * given (they carry state in their query), with "&digest=" or "?digest="
 * appended to close an upload.
 */
#include "registry.h"
#include "progress.h"
#include "../common/err.h"
#include "../store/store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t chunk_size(void)
{
    const char *s = getenv("MODEL_PUSH_CHUNK_SIZE");
    long long v = s ? strtoll(s, NULL, 10) : 0;
    return v > 0 ? (uint64_t)v : (64ull << 20);
}

/* Absolute next upload URL from a response's Location. */
static char *next_location(const char *base, const struct http_response *resp, const char *what)
{
    const char *loc = http_header(&resp->headers, "Location");
    if (!loc || !*loc) {
        err_set("%s: the registry gave no upload Location", what);
        return NULL;
    }
    return http_resolve_location(base, loc);
}

static char *with_digest(const char *loc, const char *digest)
{
    size_t n = strlen(loc) + strlen(digest) + 16;
    char *u = malloc(n);
    if (u)
        snprintf(u, n, "%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
    return u;
}

static int fail_status(const char *what, const struct http_response *resp)
{
    char et[300];
    return err_set("%s: HTTP %ld %s", what, resp->status, registry_error_text(resp, et, sizeof et));
}

/* 1 when the registry already has the blob in this repository. */
static int blob_present(struct registry *r, const char *digest, uint64_t size)
{
    char *url = registry_url(r, "blobs/%s", digest);
    struct http_response resp = { 0 };
    int rc = url ? registry_do(r, "HEAD", url, NULL, NULL, &resp) : -1;
    free(url);
    if (rc == 0 && resp.status == 200) {
        const char *cl = http_header(&resp.headers, "Content-Length");
        rc = !cl || strtoull(cl, NULL, 10) == size;
    } else if (rc == 0 && resp.status != 404) {
        rc = fail_status("HEAD blob", &resp);
    } else if (rc == 0) {
        rc = 0;
    }
    http_response_free(&resp);
    return rc;
}

/* Upload one blob from its file in the store. */
static int upload_blob(struct registry *r, struct store *s, const char *digest, uint64_t size,
                       const char *const *mount_from, int n_mount, struct progress *prog, int pidx,
                       int *mounted)
{
    char what[120];
    snprintf(what, sizeof what, "upload of blob %.19s", digest);
    struct http_response resp = { 0 };
    char *loc = NULL;
    int rc = -1, fd = -1;
    uint64_t min_chunk = 0;
    *mounted = 0;
    /* Cross-repository mount: 201 = done, 202 = an ordinary upload was started instead. */
    for (int i = 0; i < n_mount && !loc; i++) {
        char *url = registry_url(r, "blobs/uploads/?mount=%s&from=%s", digest, mount_from[i]);
        int q = url ? registry_do(r, "POST", url, NULL, NULL, &resp) : -1;
        if (q == 0 && resp.status == 201) {
            free(url);
            http_response_free(&resp);
            *mounted = 1;
            return 0;
        }
        if (q == 0 && resp.status == 202)
            loc = next_location(url, &resp, what);
        free(url);
        http_response_free(&resp);
    }
    if (!loc) {
        char *url = registry_url(r, "blobs/uploads/");
        if (!url || registry_do(r, "POST", url, NULL, NULL, &resp) < 0) {
            free(url);
            goto out;
        }
        if (resp.status != 202) {
            free(url);
            fail_status(what, &resp);
            goto out;
        }
        loc = next_location(url, &resp, what);
        free(url);
        /* a registry may ask for chunks of at least some size */
        const char *minl = http_header(&resp.headers, "OCI-Chunk-Min-Length");
        if (minl && strtoull(minl, NULL, 10) > min_chunk)
            min_chunk = strtoull(minl, NULL, 10);
        http_response_free(&resp);
        if (!loc)
            goto out;
    }
    char *path = store_blob_path(s, digest);
    fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        err_errno("cannot open blob %s", path ? path : digest);
        free(path);
        goto out;
    }
    free(path);
    uint64_t chunk = chunk_size();
    if (chunk < min_chunk)
        chunk = min_chunk;
    if (size > chunk) {
        /* chunked: PATCH each range to the latest Location, then PUT ?digest= with no body */
        for (uint64_t off = 0; off < size; off += chunk) {
            uint64_t len = size - off < chunk ? size - off : chunk;
            char cr[80];
            snprintf(cr, sizeof cr, "Content-Range: %" PRIu64 "-%" PRIu64, off, off + len - 1);
            const char *hdrs[] = { cr, NULL };
            struct reg_body body = { .fd = fd, .off = off, .len = len };
            if (registry_do(r, "PATCH", loc, hdrs, &body, &resp) < 0)
                goto out;
            if (resp.status != 202) {
                fail_status(what, &resp);
                goto out;
            }
            char *next = next_location(loc, &resp, what);
            http_response_free(&resp);
            if (!next)
                goto out;
            free(loc);
            loc = next;
            progress_update(prog, pidx, off + len);
        }
        char *put = with_digest(loc, digest);
        if (!put || registry_do(r, "PUT", put, NULL, NULL, &resp) < 0) {
            free(put);
            goto out;
        }
        free(put);
    } else {
        char *put = with_digest(loc, digest);
        struct reg_body body = { .fd = fd, .off = 0, .len = size };
        if (!put || registry_do(r, "PUT", put, NULL, &body, &resp) < 0) {
            free(put);
            goto out;
        }
        free(put);
    }
    if (resp.status != 201 && resp.status != 204) {
        fail_status(what, &resp);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(loc);
    http_response_free(&resp);
    return rc;
}

int registry_push_model(struct store *s, const char *text, struct progress *prog, struct push_result *res)
{
    memset(res, 0, sizeof *res);
    struct ref ref;
    if (ref_parse(text, &ref) < 0)
        return -1;
    if (ref.digest[0] && !ref.tag[0])
        return err_set("cannot push %s: give a tag to push to (name:tag), not a digest", text);
    struct store_model m;
    memset(&m, 0, sizeof m);
    if (store_resolve(s, text, &m, NULL) < 0)
        return -1;
    struct oci_manifest man;
    int rc = -1, opened = 0;
    struct registry r;
    char *mounts[8];
    int n_mount = 0;
    if (oci_manifest_parse(m.manifest, m.manifest_len, NULL, &man) < 0) {
        err_prefix("stored model %.19s", m.id);
        store_model_free(&m);
        return -1;
    }
    if (registry_open(&r, ref.registry, ref.path, 1) < 0)
        goto out;
    opened = 1;
    /* repositories of the same registry that should already hold these blobs */
    for (int i = 0; i < m.n_tags && n_mount < 8; i++) {
        struct ref o;
        if (ref_parse(m.tags[i], &o) == 0 && !strcmp(o.registry, ref.registry) && strcmp(o.path, ref.path)) {
            int dup = 0;
            for (int k = 0; k < n_mount; k++)
                dup |= !strcmp(mounts[k], o.path);
            if (!dup) {
                mounts[n_mount++] = strdup(o.path);
                registry_add_mount_scope(&r, o.path);
            }
        }
    }
    int nb = man.n_layers + 1;
    for (int i = 0; i < nb; i++) {
        const struct descriptor *d = i == 0 ? &man.config : &man.layers[i - 1];
        int dup = 0;
        for (int k = 0; k < i - 1 + (i == 0); k++)
            dup |= !strcmp(man.layers[k].digest, d->digest);
        if (i > 0 && !strcmp(man.config.digest, d->digest))
            dup = 1;
        if (dup)
            continue;
        uint64_t have = 0;
        if (store_blob_size(s, d->digest, &have) < 0 || have != d->size) {
            err_set("blob %s of %s is missing or damaged in the store: run 'model verify'", d->digest, text);
            goto out;
        }
        char label[16];
        snprintf(label, sizeof label, "%.12s", d->digest + 7);
        int pidx = progress_add(prog, label, d->size, 0);
        int present = blob_present(&r, d->digest, d->size);
        if (present < 0)
            goto out;
        if (present) {
            res->blobs_skipped++;
            progress_item_done(prog, pidx, "exists");
            continue;
        }
        int mounted = 0;
        if (upload_blob(&r, s, d->digest, d->size, (const char *const *)mounts, n_mount, prog, pidx, &mounted) < 0) {
            progress_item_done(prog, pidx, "failed");
            goto out;
        }
        if (mounted) {
            res->blobs_mounted++;
            progress_item_done(prog, pidx, "mounted");
        } else {
            res->blobs_uploaded++;
            res->bytes_uploaded += d->size;
            progress_item_done(prog, pidx, "pushed");
        }
    }
    /* the manifest: exact stored bytes, under the tag */
    char *url = registry_url(&r, "manifests/%s", ref.tag[0] ? ref.tag : "latest");
    struct reg_body body = { .mem = m.manifest, .len = m.manifest_len, .content_type = man.media_type };
    struct http_response resp = { 0 };
    if (!url || registry_do(&r, "PUT", url, NULL, &body, &resp) < 0) {
        free(url);
        goto out;
    }
    free(url);
    if (resp.status != 201) {
        fail_status("manifest upload", &resp);
        http_response_free(&resp);
        goto out;
    }
    const char *dcd = http_header(&resp.headers, "Docker-Content-Digest");
    if (dcd && strcmp(dcd, m.id)) {
        err_set("the registry stored the manifest as %s, expected %s", dcd, m.id);
        http_response_free(&resp);
        goto out;
    }
    http_response_free(&resp);
    str_copy(res->id, sizeof res->id, m.id);
    rc = 0;
out:
    for (int k = 0; k < n_mount; k++)
        free(mounts[k]);
    if (opened)
        registry_close(&r);
    oci_manifest_free(&man);
    store_model_free(&m);
    return rc;
}
