/* store.c - finding, creating and opening the store; its lock; file helpers. */
#include "store-internal.h"
#include "fault.h"

#include "../common/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAYOUT_JSON "{\"version\":\"1\"}\n"

char *store_default_root(void)
{
    const char *e = getenv("MODEL_HOME");
    char *out = NULL;
    if (e && *e)
        return strdup(e);
    e = getenv("XDG_DATA_HOME");
    if (e && *e) {
        if (asprintf(&out, "%s/model", e) < 0)
            return NULL;
        return out;
    }
    e = getenv("HOME");
    if (e && *e) {
        if (asprintf(&out, "%s/.local/share/model", e) < 0)
            return NULL;
        return out;
    }
    return NULL;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return err_set("store path too long: %s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return err_errno("cannot create directory %s", buf);
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return err_set("%s is not a directory", path);
    return 0;
}

int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = fault_write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_errno("cannot open directory %s", dir);
    int rc = fault_fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc < 0 ? err_errno("cannot sync directory %s", dir) : 0;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_errno("cannot create %s", tmp);
    if (write_full(fd, data, len) < 0 || fault_fsync(fd) < 0) {
        err_errno("cannot write %s", path);
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (fault_rename(tmp, path) < 0) {
        err_errno("cannot rename %s into place", path);
        unlink(tmp);
        return -1;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        return fsync_dir(dir);
    }
    return 0;
}

struct store *store_open(const char *root)
{
    struct store *s = calloc(1, sizeof *s);
    if (!s) {
        err_set("out of memory");
        return NULL;
    }
    s->lock_fd = -1;
    s->root = root ? strdup(root) : store_default_root();
    if (!s->root) {
        err_set("cannot find the store: set MODEL_HOME (or XDG_DATA_HOME or HOME)");
        goto fail;
    }
    /* drop trailing slashes so paths print cleanly */
    for (size_t n = strlen(s->root); n > 1 && s->root[n - 1] == '/'; n--)
        s->root[n - 1] = '\0';
    if (asprintf(&s->blob_dir, "%s/blobs/sha256", s->root) < 0) {
        s->blob_dir = NULL;
        err_set("out of memory");
        goto fail;
    }
    if (make_dirs(s->blob_dir) < 0) {
        err_prefix("store %s", s->root);
        goto fail;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/layout.json", s->root);
    if (access(path, F_OK) < 0 && write_file_atomic(path, LAYOUT_JSON, strlen(LAYOUT_JSON)) < 0)
        goto fail;
    snprintf(path, sizeof path, "%s/lock", s->root);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        err_errno("cannot open %s", path);
        goto fail;
    }
    if (index_open(s) < 0)
        goto fail;
    return s;
fail:
    store_close(s);
    return NULL;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->root);
    free(s->blob_dir);
    free(s);
}

const char *store_root(const struct store *s)
{
    return s->root;
}

int store_lock_shared(struct store *s)
{
    if (s->lock_mode)
        return 0;
    while (flock(s->lock_fd, LOCK_SH) < 0) {
        if (errno != EINTR)
            return err_errno("cannot lock the store %s", s->root);
    }
    s->lock_mode = 1;
    return 0;
}

int store_lock_exclusive(struct store *s)
{
    if (s->lock_mode == 2)
        return 0;
    /* from shared, flock() converts (and may drop the shared lock on failure) */
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        if (s->lock_mode == 1)
            while (flock(s->lock_fd, LOCK_SH) < 0 && errno == EINTR)
                ;
        errno = saved;
        if (errno == EWOULDBLOCK)
            return err_set("another model process is writing to the store %s (a pull, package or load); "
                           "try again when it has finished", s->root);
        return err_errno("cannot lock the store %s", s->root);
    }
    s->lock_mode = 2;
    return 0;
}

void store_lock_restore(struct store *s, int mode)
{
    if (mode == s->lock_mode)
        return;
    if (mode == 0)
        store_unlock(s);
    else if (mode == 1) {
        while (flock(s->lock_fd, LOCK_SH) < 0 && errno == EINTR)
            ;
        s->lock_mode = 1;
    }
}

void store_unlock(struct store *s)
{
    if (s->lock_mode)
        flock(s->lock_fd, LOCK_UN);
    s->lock_mode = 0;
}

char *format_size_dmr(uint64_t bytes, char *buf, size_t n)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    if (bytes < 1024) {
        snprintf(buf, n, "%lluB", (unsigned long long)bytes);
        return buf;
    }
    double v = (double)bytes;
    int u = -1;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    snprintf(buf, n, "%.2f", v);
    size_t len = strlen(buf);
    if (len > 3 && !strcmp(buf + len - 3, ".00"))
        buf[len - 3] = '\0';
    len = strlen(buf);
    snprintf(buf + len, n - len, "%s", units[u]);
    return buf;
}
