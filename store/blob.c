/*
 * blob.c - content-addressed blob files: the streaming writer (partial file,
 * fsync, sha256 check, atomic rename), small blobs from memory, whole files.
 */
#include "store-internal.h"
#include "fault.h"

#include "../common/err.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK (1u << 20)

static void hex_digest(EVP_MD_CTX *md, char *out)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, h, &n);
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", h[i]);
    out[DIGEST_LEN] = '\0';
}

void sha256_buf(const void *data, size_t len, char *digest_out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, data, len);
    hex_digest(md, digest_out);
    EVP_MD_CTX_free(md);
}

int sha256_file(const char *path, char *digest_out, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_errno("cannot open %s", path);
    char *buf = malloc(COPY_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!buf || !md) {
        free(buf);
        EVP_MD_CTX_free(md);
        close(fd);
        return err_set("out of memory");
    }
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    uint64_t total = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_errno("cannot read %s", path);
            break;
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(md, buf, (size_t)n);
        total += (uint64_t)n;
    }
    if (rc == 0) {
        hex_digest(md, digest_out);
        if (size)
            *size = total;
    }
    EVP_MD_CTX_free(md);
    free(buf);
    close(fd);
    return rc;
}

char *store_blob_path(const struct store *s, const char *digest)
{
    if (!digest_is_valid(digest)) {
        err_set("invalid digest \"%s\": expected \"sha256:\" and 64 lower-case hex digits", digest ? digest : "");
        return NULL;
    }
    char *p = NULL;
    if (asprintf(&p, "%s/%s", s->blob_dir, digest + 7) < 0) {
        err_set("out of memory");
        return NULL;
    }
    return p;
}

/* 1 when the blob's file is there (st filled), 0 when not, -1 with err set
 * for a bad digest. */
static int blob_stat(const struct store *s, const char *digest, struct stat *st)
{
    char *p = store_blob_path(s, digest);
    if (!p)
        return -1;
    int rc = stat(p, st);
    free(p);
    return rc == 0 && S_ISREG(st->st_mode);
}

int store_blob_size(const struct store *s, const char *digest, uint64_t *size)
{
    struct stat st;
    int r = blob_stat(s, digest, &st);
    if (r < 0)
        return -1;
    if (r == 0)
        return err_set("blob %s is missing from the store", digest);
    *size = (uint64_t)st.st_size;
    return 0;
}

int store_has_blob(const struct store *s, const char *digest)
{
    struct stat st;
    return blob_stat(s, digest, &st);
}

int store_read_blob(const struct store *s, const char *digest, size_t max_size, char **data, size_t *len)
{
    *data = NULL;
    char *p = store_blob_path(s, digest);
    if (!p)
        return -1;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    free(p);
    if (fd < 0)
        return errno == ENOENT ? err_set("blob %s is missing from the store", digest)
                               : err_errno("cannot open blob %s", digest);
    struct stat st;
    if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > max_size) {
        close(fd);
        return err_set("blob %s is larger than %zu bytes; it is not a manifest or config", digest, max_size);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return err_set("out of memory");
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            close(fd);
            return err_errno("cannot read blob %s", digest);
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    if (len)
        *len = got;
    return 0;
}

/* ---- the streaming writer ---------------------------------------------------- */

struct blob_writer {
    struct store *s;
    char expected[DIGEST_LEN + 1];
    char *partial;
    int fd;
    EVP_MD_CTX *md;
    uint64_t off;
};

static void writer_free(struct blob_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    EVP_MD_CTX_free(w->md);
    free(w->partial);
    free(w);
}

/* Re-hash the bytes already in a partial file so appends continue the digest. */
static int rehash_partial(struct blob_writer *w)
{
    char *buf = malloc(COPY_CHUNK);
    if (!buf)
        return err_set("out of memory");
    if (lseek(w->fd, 0, SEEK_SET) < 0) {
        free(buf);
        return err_errno("cannot seek %s", w->partial);
    }
    for (;;) {
        ssize_t n = read(w->fd, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return err_errno("cannot read %s", w->partial);
        }
        if (n == 0)
            break;
        EVP_DigestUpdate(w->md, buf, (size_t)n);
        w->off += (uint64_t)n;
    }
    free(buf);
    return 0;
}

/* Open blobs/sha256/<hex>.partial and lock it: two writers of one blob take
 * turns (the second waits). After the lock, the path must still name the file
 * locked: the first writer may have renamed it into place or deleted it. */
static int open_locked_partial(struct blob_writer *w)
{
    for (;;) {
        w->fd = open(w->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (w->fd < 0)
            return err_errno("cannot create %s", w->partial);
        while (flock(w->fd, LOCK_EX) < 0)
            if (errno != EINTR)
                return err_errno("cannot lock %s", w->partial);
        struct stat a, b;
        if (fstat(w->fd, &a) == 0 && stat(w->partial, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            return 0;
        close(w->fd);
        w->fd = -1;
    }
}

struct blob_writer *blob_writer_open(struct store *s, const char *expected, int resume)
{
    if (expected && !digest_is_valid(expected)) {
        err_set("invalid digest \"%s\": expected \"sha256:\" and 64 lower-case hex digits", expected);
        return NULL;
    }
    if (store_lock_shared(s) < 0)
        return NULL;
    struct blob_writer *w = calloc(1, sizeof *w);
    if (!w) {
        err_set("out of memory");
        return NULL;
    }
    w->s = s;
    w->fd = -1;
    w->md = EVP_MD_CTX_new();
    if (!w->md || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
        err_set("cannot initialise sha256");
        writer_free(w);
        return NULL;
    }
    if (expected) {
        snprintf(w->expected, sizeof w->expected, "%s", expected);
        if (asprintf(&w->partial, "%s/%s.partial", s->blob_dir, expected + 7) < 0)
            w->partial = NULL;
    } else {
        if (asprintf(&w->partial, "%s/tmp-XXXXXX.partial", s->blob_dir) < 0)
            w->partial = NULL;
        if (w->partial)
            w->fd = mkostemps(w->partial, 8, O_CLOEXEC);
    }
    if (!w->partial) {
        err_set("out of memory");
        writer_free(w);
        return NULL;
    }
    if (expected && open_locked_partial(w) < 0) {
        writer_free(w);
        return NULL;
    }
    if (w->fd < 0) {
        err_errno("cannot create %s", w->partial);
        writer_free(w);
        return NULL;
    }
    if (expected && !resume && ftruncate(w->fd, 0) < 0) {
        err_errno("cannot truncate %s", w->partial);
        writer_free(w);
        return NULL;
    }
    if (expected && resume) {
        if (rehash_partial(w) < 0) {
            writer_free(w);
            return NULL;
        }
    }
    return w;
}

uint64_t blob_writer_offset(const struct blob_writer *w)
{
    return w->off;
}

static const char *blob_name(const struct blob_writer *w)
{
    return w->expected[0] ? w->expected : w->partial;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len)
{
    if (write_full(w->fd, data, len) < 0)
        return err_errno("cannot write blob %s", blob_name(w));
    EVP_DigestUpdate(w->md, data, len);
    w->off += len;
    return 0;
}

int blob_writer_restart(struct blob_writer *w)
{
    if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
        return err_errno("cannot truncate %s", w->partial);
    EVP_DigestInit_ex(w->md, EVP_sha256(), NULL);
    w->off = 0;
    return 0;
}

int blob_writer_commit(struct blob_writer *w, char *digest_out)
{
    char got[DIGEST_LEN + 1];
    int rc = 0;
    if (lseek(w->fd, 0, SEEK_END) < 0 || fault_fsync(w->fd) < 0) {
        rc = err_errno("cannot sync blob %s", blob_name(w));
        goto drop;
    }
    hex_digest(w->md, got);
    if (w->expected[0] && strcmp(got, w->expected)) {
        rc = err_set("blob digest mismatch for %s: expected %s, got %s", w->expected, w->expected, got);
        goto drop;
    }
    char *final = store_blob_path(w->s, got);
    if (!final) {
        rc = -1;
        goto drop;
    }
    struct stat st;
    if (stat(final, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == w->off) {
        /* already stored (identical content): keep the one there */
        free(final);
        goto drop_ok;
    }
    if (fault_rename(w->partial, final) < 0) {
        rc = err_errno("cannot move blob %s into place", got);
        free(final);
        goto drop;
    }
    if (fsync_dir(w->s->blob_dir) < 0) {
        /* the rename may not survive a crash: report failure and leave nothing behind */
        unlink(final);
        free(final);
        writer_free(w);
        return -1;
    }
    free(final);
    if (digest_out)
        memcpy(digest_out, got, DIGEST_LEN + 1);
    writer_free(w);
    return 0;
drop_ok:
    if (digest_out)
        memcpy(digest_out, got, DIGEST_LEN + 1);
drop:
    unlink(w->partial);
    writer_free(w);
    return rc;
}

void blob_writer_abort(struct blob_writer *w, int keep_partial)
{
    if (!w)
        return;
    if (!keep_partial || !w->expected[0])
        unlink(w->partial);
    writer_free(w);
}

int store_put_blob(struct store *s, const void *data, size_t len, char *digest_out)
{
    char d[DIGEST_LEN + 1];
    sha256_buf(data, len, d);
    if (store_lock_shared(s) < 0)
        return -1;
    if (store_has_blob(s, d) == 1) {
        if (digest_out)
            memcpy(digest_out, d, sizeof d);
        return 0;
    }
    struct blob_writer *w = blob_writer_open(s, d, 0);
    if (!w)
        return -1;
    if (blob_writer_write(w, data, len) < 0) {
        blob_writer_abort(w, 0);
        return -1;
    }
    return blob_writer_commit(w, digest_out);
}

int store_put_file(struct store *s, const char *path, char *digest_out, uint64_t *size_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_errno("cannot open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set("%s is not a regular file", path);
    }
    char *buf = malloc(COPY_CHUNK);
    struct blob_writer *w = buf ? blob_writer_open(s, NULL, 0) : NULL;
    if (!w) {
        if (!buf)
            err_set("out of memory");
        free(buf);
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err_errno("cannot read %s", path);
            goto fail;
        }
        if (n == 0)
            break;
        if (blob_writer_write(w, buf, (size_t)n) < 0) {
            err_prefix("copying %s into the store", path);
            goto fail;
        }
    }
    free(buf);
    close(fd);
    if (size_out)
        *size_out = w->off;
    return blob_writer_commit(w, digest_out);
fail:
    free(buf);
    close(fd);
    blob_writer_abort(w, 0);
    return -1;
}
