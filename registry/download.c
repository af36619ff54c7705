/*
 * download.c - parallel, ranged, resumable blob downloads with curl multi.
 *
 * A blob is split into parts [start, end). Part 0 streams through the
 * store's blob writer (blobs/sha256/<hex>.partial), which hashes as it
 * goes; the other parts land in files of their own named by their start
 * offset (<hex>.part-<start>.partial), so after a crash each file's length
 * says how far its part got and no separate journal is needed. When every
 * part is complete the part files are appended through the writer in
 * order and the writer checks the digest before the rename.
 *
 * All transfers run in one thread; every callback only records what
 * happened and the loop in download_blobs() decides what to do next.
 */
#include "download.h"
#include "client.h"
#include "progress.h"
#include "../common/err.h"
#include "../store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PARTS 16

enum part_state { P_PENDING, P_ACTIVE, P_DONE };

struct blob;

struct part {
    struct blob *b;
    int idx;
    uint64_t start, end, have; /* bytes [start, start+have) are on disk */
    int fd;                    /* parts > 0 */
    char *path;
    enum part_state state;
    CURL *h;
    struct curl_slist *hl;
    struct http_headers hdrs;
    char *url;                 /* where the next request goes (a redirect target) */
    uint64_t req_start;
    int ranged;
    int checked;               /* status examined at the first body byte */
    int discard;               /* error body: not blob bytes */
    int bad_range, overflow, cancelled, write_failed;
    uint64_t got;              /* bytes received by the current request */
    int attempt, hops, reauths;
    double retry_at;
    double last_data;          /* when the current request last delivered a byte */
};

struct blob {
    const struct dl_item *it;
    struct blob_writer *w;
    struct part parts[MAX_PARTS];
    int nparts;
    int no_ranges;             /* the server answered 200 to a Range request */
    int committed;
    int pidx;                  /* progress index */
    uint64_t prev_done;
};

struct dl {
    struct registry *r;
    struct store *s;
    CURLM *multi;
    struct blob *blobs;
    int n;
    int active, max_active;
    uint64_t fetched;
    struct progress *p;
    int fatal;
    char *blob_url_cache;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def, long min, long max)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return def;
    long v = strtol(s, NULL, 10);
    return v < min ? min : v > max ? max : v;
}

static uint64_t blob_done(const struct blob *b)
{
    uint64_t d = 0;
    for (int i = 0; i < b->nparts; i++)
        d += b->parts[i].have;
    return d;
}

/* ---- planning ------------------------------------------------------------------- */

static char *part_path(const char *blob_path, uint64_t start)
{
    size_t n = strlen(blob_path) + 48;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.part-%" PRIu64 ".partial", blob_path, start);
    return p;
}

/* Starts of part files left by an earlier run, sorted; returns the count. */
static int existing_starts(const char *blob_path, uint64_t *starts, int max)
{
    char *dir = strdup(blob_path);
    char *slash = strrchr(dir, '/');
    if (!slash) {
        free(dir);
        return 0;
    }
    *slash = 0;
    const char *base = slash + 1;
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        if (strncmp(e->d_name, base, bl) || strncmp(e->d_name + bl, ".part-", 6))
            continue;
        char *end;
        unsigned long long v = strtoull(e->d_name + bl + 6, &end, 10);
        if (strcmp(end, ".partial"))
            continue;
        int j = n++;
        while (j > 0 && starts[j - 1] > v) {
            starts[j] = starts[j - 1];
            j--;
        }
        starts[j] = v;
    }
    if (d)
        closedir(d);
    free(dir);
    return n;
}

static void drop_part_file(struct part *pt)
{
    if (pt->fd >= 0)
        close(pt->fd);
    pt->fd = -1;
    if (pt->path)
        unlink(pt->path);
}

/* Returns 1 when another process finished the blob while we waited for its
 * partial file's lock (nothing left to do), 0 when planned, -1 on error. */
static int plan_blob(struct dl *dl, struct blob *b)
{
    const struct dl_item *it = b->it;
    b->w = blob_writer_open(dl->s, it->digest, 1); /* waits while another pull writes it */
    if (!b->w)
        return -1;
    uint64_t have = 0;
    if (store_has_blob(dl->s, it->digest) == 1 && store_blob_size(dl->s, it->digest, &have) == 0 &&
        have == it->size) {
        blob_writer_abort(b->w, 0);
        b->w = NULL;
        return 1;
    }
    uint64_t off0 = blob_writer_offset(b->w);
    if (off0 > it->size) {
        if (blob_writer_restart(b->w) < 0)
            return -1;
        off0 = 0;
    }
    char *bp = store_blob_path(dl->s, it->digest);
    if (!bp)
        return err_set("bad digest %s", it->digest);
    uint64_t starts[MAX_PARTS];
    int ns = existing_starts(bp, starts, MAX_PARTS);
    if (!ns) {
        uint64_t min = (uint64_t)env_long("MODEL_PART_MIN_SIZE", 32L << 20, 1, 1L << 40);
        long want = http_limit_rate() ? 1 : env_long("MODEL_DOWNLOAD_PARTS", 4, 1, MAX_PARTS);
        if (it->size >= min && want > 1)
            for (long i = 1; i < want; i++)
                starts[ns++] = it->size * (uint64_t)i / (uint64_t)want;
    }
    /* Keep the starts part 0 has not already passed. */
    uint64_t keep[MAX_PARTS];
    int nk = 0;
    for (int i = 0; i < ns; i++) {
        if (starts[i] > off0 && starts[i] < it->size && (!nk || starts[i] > keep[nk - 1])) {
            keep[nk++] = starts[i];
        } else {
            char *pp = part_path(bp, starts[i]);
            if (pp)
                unlink(pp);
            free(pp);
        }
    }
    b->nparts = nk + 1;
    for (int i = 0; i < b->nparts; i++) {
        struct part *pt = &b->parts[i];
        memset(pt, 0, sizeof *pt);
        pt->b = b;
        pt->idx = i;
        pt->fd = -1;
        pt->start = i ? keep[i - 1] : 0;
        pt->end = i < nk ? keep[i] : it->size;
        if (i == 0) {
            pt->have = off0;
        } else {
            pt->path = part_path(bp, pt->start);
            pt->fd = open(pt->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (pt->fd < 0) {
                free(bp);
                return err_errno("cannot open %s", pt->path);
            }
            struct stat st;
            fstat(pt->fd, &st);
            uint64_t len = (uint64_t)st.st_size;
            if (len > pt->end - pt->start) {
                len = 0; /* longer than its part: not ours to trust */
                if (ftruncate(pt->fd, 0) < 0) {
                    free(bp);
                    return err_errno("cannot truncate %s", pt->path);
                }
            }
            pt->have = len;
        }
        pt->state = pt->have == pt->end - pt->start ? P_DONE : P_PENDING;
    }
    free(bp);
    return 0;
}

/* ---- callbacks ---------------------------------------------------------------------- */

/* "bytes A-B/T": 0 when A is the start we asked for. */
static int content_range_ok(const char *v, uint64_t want_start, uint64_t size)
{
    unsigned long long a, b, t;
    if (!v)
        return 0;
    while (*v == ' ')
        v++;
    if (strncasecmp(v, "bytes ", 6))
        return 0;
    if (sscanf(v + 6, "%llu-%llu/%llu", &a, &b, &t) == 3)
        return a == want_start && b >= a && t == size;
    if (sscanf(v + 6, "%llu-%llu/*", &a, &b) == 2)
        return a == want_start && b >= a;
    return 0;
}

static size_t on_data(char *d, size_t sz, size_t nm, void *ud)
{
    struct part *pt = ud;
    struct blob *b = pt->b;
    size_t len = sz * nm;
    if (!pt->checked) {
        long st = 0;
        curl_easy_getinfo(pt->h, CURLINFO_RESPONSE_CODE, &st);
        pt->checked = 1;
        if (st == 206) {
            if (!pt->ranged ||
                !content_range_ok(http_header(&pt->hdrs, "Content-Range"), pt->req_start, b->it->size)) {
                pt->bad_range = 1;
                return 0;
            }
        } else if (st == 200) {
            if (pt->ranged) {
                /* The server ignores Range: only part 0 may go on, from byte 0. */
                b->no_ranges = 1;
                if (pt->idx > 0) {
                    pt->cancelled = 1;
                    return 0;
                }
                if (blob_writer_restart(b->w) < 0) {
                    pt->write_failed = 1;
                    return 0;
                }
                pt->have = 0;
                pt->end = b->it->size;
            }
        } else {
            pt->discard = 1;
        }
    }
    if (pt->discard)
        return len;
    if (pt->have + len > pt->end - pt->start) {
        pt->overflow = 1;
        return 0;
    }
    if (pt->idx == 0) {
        if (blob_writer_write(b->w, d, len) < 0) {
            pt->write_failed = 1;
            return 0;
        }
    } else {
        size_t done = 0;
        while (done < len) {
            ssize_t w = pwrite(pt->fd, d + done, len - done, (off_t)(pt->have + done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                err_errno("cannot write %s", pt->path);
                pt->write_failed = 1;
                return 0;
            }
            done += (size_t)w;
        }
    }
    pt->have += len;
    pt->got += len;
    pt->last_data = now_s();
    return len;
}

/* ---- starting and finishing transfers --------------------------------------------------- */

static char *blob_url(struct dl *dl, const struct blob *b)
{
    return registry_url(dl->r, "blobs/%s", b->it->digest);
}

static int start_part(struct dl *dl, struct part *pt)
{
    struct blob *b = pt->b;
    if (!pt->url && !(pt->url = blob_url(dl, b)))
        return err_set("out of memory");
    int aerr = 0;
    char *auth = registry_auth_header(dl->r, pt->url, &aerr);
    if (aerr)
        return -1;
    pt->h = http_easy_new(pt->url);
    if (!pt->h) {
        free(auth);
        return -1;
    }
    /* no CURLOPT_SHARE here: a connection must not be shared between the
     * multi handle's cache and the share's */
    http_headers_clear(&pt->hdrs);
    http_capture_headers(pt->h, &pt->hdrs);
    curl_easy_setopt(pt->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(pt->h, CURLOPT_WRITEDATA, pt);
    curl_easy_setopt(pt->h, CURLOPT_PRIVATE, pt);
    pt->req_start = pt->start + pt->have;
    pt->ranged = !(pt->req_start == 0 && pt->end == b->it->size);
    pt->hl = NULL;
    if (pt->ranged) {
        char range[80];
        if (pt->end == b->it->size)
            snprintf(range, sizeof range, "Range: bytes=%" PRIu64 "-", pt->req_start);
        else
            snprintf(range, sizeof range, "Range: bytes=%" PRIu64 "-%" PRIu64, pt->req_start, pt->end - 1);
        pt->hl = curl_slist_append(pt->hl, range);
    }
    if (auth)
        pt->hl = curl_slist_append(pt->hl, auth);
    free(auth);
    curl_easy_setopt(pt->h, CURLOPT_HTTPHEADER, pt->hl);
    pt->checked = pt->discard = pt->bad_range = pt->overflow = pt->cancelled = pt->write_failed = 0;
    pt->got = 0;
    pt->last_data = now_s();
    if (curl_multi_add_handle(dl->multi, pt->h) != CURLM_OK) {
        curl_easy_cleanup(pt->h);
        pt->h = NULL;
        return err_set("could not start a transfer");
    }
    pt->state = P_ACTIVE;
    dl->active++;
    return 0;
}

static void stop_part(struct dl *dl, struct part *pt)
{
    if (pt->h) {
        curl_multi_remove_handle(dl->multi, pt->h);
        curl_easy_cleanup(pt->h);
        pt->h = NULL;
        dl->active--;
    }
    curl_slist_free_all(pt->hl);
    pt->hl = NULL;
}

static void short_digest(const char *digest, char *out)
{
    snprintf(out, 13, "%s", digest + 7);
}

/* A transient failure: retry later, or give up after too many attempts in a row. */
static void retry_later(struct dl *dl, struct part *pt, const char *why, long retry_after)
{
    char sd[16];
    if (pt->got > 0)
        pt->attempt = 0; /* progress was made: a stall late in a long blob is not a failed attempt */
    pt->attempt++;
    free(pt->url);
    pt->url = NULL; /* start again at the registry: a CDN URL may have expired */
    pt->hops = 0;
    if (pt->attempt >= registry_max_attempts()) {
        short_digest(pt->b->it->digest, sd);
        err_set("download of blob %s failed after %d attempts: %s (run the pull again to resume)", sd,
                pt->attempt, why);
        dl->fatal = 1;
        return;
    }
    pt->state = P_PENDING;
    pt->retry_at = now_s() + registry_backoff_ms(pt->attempt, retry_after) / 1000.0;
}

static void cancel_other_parts(struct dl *dl, struct blob *b)
{
    for (int i = 1; i < b->nparts; i++) {
        stop_part(dl, &b->parts[i]);
        drop_part_file(&b->parts[i]);
        free(b->parts[i].path);
        free(b->parts[i].url);
        b->parts[i].path = b->parts[i].url = NULL;
    }
    b->nparts = 1;
    b->parts[0].end = b->it->size;
    if (b->parts[0].state == P_DONE && b->parts[0].have < b->it->size)
        b->parts[0].state = P_PENDING;
}

static void finish_part(struct dl *dl, struct part *pt, CURLcode rc)
{
    struct blob *b = pt->b;
    long st = 0;
    char sd[16], why[400];
    curl_easy_getinfo(pt->h, CURLINFO_RESPONSE_CODE, &st);
    stop_part(dl, pt);
    dl->fetched += pt->got;
    short_digest(b->it->digest, sd);
    if (pt->write_failed) {
        err_prefix("blob %s", sd);
        dl->fatal = 1;
        return;
    }
    if (pt->cancelled) {
        pt->state = P_PENDING; /* cancel_other_parts() runs after the loop iteration */
        return;
    }
    if (pt->overflow) {
        err_set("blob %s: the registry sent more than the %" PRIu64 " bytes the manifest gives", sd, b->it->size);
        dl->fatal = 1;
        return;
    }
    if (pt->bad_range) {
        /* a 206 for another range than asked: start this part over */
        if (pt->idx == 0) {
            if (blob_writer_restart(b->w) < 0) {
                dl->fatal = 1;
                return;
            }
        } else if (ftruncate(pt->fd, 0) < 0) {
            err_errno("cannot truncate %s", pt->path);
            dl->fatal = 1;
            return;
        }
        pt->have = 0;
        retry_later(dl, pt, "the registry answered a different byte range than asked", -1);
        return;
    }
    if (rc != CURLE_OK) {
        str_copy(why, sizeof why, rc == CURLE_OPERATION_TIMEDOUT ? "stalled (no data), reconnecting"
                                                                       : curl_easy_strerror(rc));
        if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_UNSUPPORTED_PROTOCOL) {
            err_set("blob %s: %s", sd, curl_easy_strerror(rc));
            dl->fatal = 1;
            return;
        }
        retry_later(dl, pt, why, -1);
        return;
    }
    if (st == 200 || st == 206) {
        if (pt->have == pt->end - pt->start) {
            pt->state = P_DONE;
            pt->attempt = 0;
        } else {
            retry_later(dl, pt, "connection closed early", -1);
        }
        return;
    }
    if (st >= 300 && st < 400 && http_header(&pt->hdrs, "Location")) {
        if (++pt->hops > 10) {
            err_set("blob %s: more than 10 redirects", sd);
            dl->fatal = 1;
            return;
        }
        char *next = http_resolve_location(pt->url, http_header(&pt->hdrs, "Location"));
        if (!next) {
            dl->fatal = 1;
            return;
        }
        free(pt->url);
        pt->url = next;
        pt->state = P_PENDING;
        pt->retry_at = 0;
        return;
    }
    if (st == 401 && pt->reauths < 3) {
        pt->reauths++;
        if (registry_reauth(dl->r, &pt->hdrs) < 0) {
            dl->fatal = 1;
            return;
        }
        free(pt->url);
        pt->url = NULL;
        pt->state = P_PENDING;
        pt->retry_at = 0;
        return;
    }
    if (st == 404) {
        err_set("blob %s not found in %s/%s (HTTP 404): the manifest names a blob the registry lacks", sd,
                dl->r->host, dl->r->repo);
        dl->fatal = 1;
        return;
    }
    if (st == 416) {
        if (pt->idx == 0) {
            if (blob_writer_restart(b->w) < 0) {
                dl->fatal = 1;
                return;
            }
        } else if (ftruncate(pt->fd, 0) < 0) {
            dl->fatal = 1;
            return;
        }
        pt->have = 0;
        retry_later(dl, pt, "HTTP 416 (range not satisfiable)", -1);
        return;
    }
    if (st >= 500 || st == 429 || st == 408) {
        snprintf(why, sizeof why, "HTTP %ld from %s", st, dl->r->host);
        retry_later(dl, pt, why, http_retry_after(&pt->hdrs));
        return;
    }
    err_set("blob %s of %s/%s: HTTP %ld", sd, dl->r->host, dl->r->repo, st);
    dl->fatal = 1;
}

/* Every part is on disk: append the part files through the writer, commit. */
static int assemble(struct dl *dl, struct blob *b)
{
    char *buf = malloc(1 << 20);
    if (!buf)
        return err_set("out of memory");
    for (int i = 1; i < b->nparts; i++) {
        struct part *pt = &b->parts[i];
        uint64_t off = 0;
        while (off < pt->have) {
            size_t want = pt->have - off < (1u << 20) ? (size_t)(pt->have - off) : (1u << 20);
            ssize_t r = pread(pt->fd, buf, want, (off_t)off);
            if (r <= 0) {
                free(buf);
                return err_errno("cannot read %s", pt->path);
            }
            if (blob_writer_write(b->w, buf, (size_t)r) < 0) {
                free(buf);
                return -1;
            }
            off += (uint64_t)r;
        }
    }
    free(buf);
    uint64_t got = blob_writer_offset(b->w);
    struct blob_writer *w = b->w;
    b->w = NULL;
    for (int i = 1; i < b->nparts; i++)
        drop_part_file(&b->parts[i]);
    if (got != b->it->size) {
        blob_writer_abort(w, 0);
        return err_set("blob %s: received %" PRIu64 " bytes, the manifest says %" PRIu64, b->it->digest, got,
                       b->it->size);
    }
    if (blob_writer_commit(w, NULL) < 0)
        return -1;
    (void)dl;
    b->committed = 1;
    return 0;
}

/* ---- the loop ------------------------------------------------------------------------------ */

static int all_parts_done(const struct blob *b)
{
    for (int i = 0; i < b->nparts; i++)
        if (b->parts[i].state != P_DONE)
            return 0;
    return 1;
}

int download_blobs(struct registry *r, struct store *s, const struct dl_item *items, int n,
                   struct progress *p, uint64_t *bytes_fetched)
{
    struct dl dl = { .r = r, .s = s, .n = n };
    dl.max_active = http_limit_rate() ? 1 : (int)env_long("MODEL_MAX_TRANSFERS", 8, 1, 64);
    dl.blobs = calloc((size_t)(n ? n : 1), sizeof *dl.blobs);
    dl.multi = curl_multi_init();
    dl.p = p;
    /* ranged parts exist to get several TCP streams: no HTTP/2 multiplexing onto one */
    if (dl.multi)
        curl_multi_setopt(dl.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING);
    int rc = -1;
    if (!dl.blobs || !dl.multi) {
        err_set("out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        struct blob *b = &dl.blobs[i];
        b->it = &items[i];
        char label[16];
        short_digest(items[i].digest, label);
        if (store_has_blob(s, items[i].digest) == 1) {
            uint64_t sz = 0;
            if (store_blob_size(s, items[i].digest, &sz) == 0 && sz == items[i].size) {
                b->committed = 1;
                b->pidx = progress_add(p, label, items[i].size, items[i].size);
                progress_item_done(p, b->pidx, "exists");
                continue;
            }
        }
        int planned = plan_blob(&dl, b);
        if (planned < 0)
            goto out;
        if (planned == 1) {
            b->committed = 1;
            b->pidx = progress_add(p, label, items[i].size, items[i].size);
            progress_item_done(p, b->pidx, "exists");
            continue;
        }
        b->prev_done = blob_done(b);
        b->pidx = progress_add(p, label, items[i].size, b->prev_done);
    }
    for (;;) {
        int pending = 0;
        double t = now_s();
        for (int i = 0; i < n && !dl.fatal; i++) {
            struct blob *b = &dl.blobs[i];
            if (b->committed)
                continue;
            pending = 1;
            if (b->no_ranges && b->nparts > 1)
                cancel_other_parts(&dl, b);
            if (all_parts_done(b)) {
                if (assemble(&dl, b) < 0) {
                    progress_item_done(p, b->pidx, "failed");
                    dl.fatal = 1;
                    break;
                }
                progress_item_done(p, b->pidx, "done");
                continue;
            }
            for (int j = 0; j < b->nparts && dl.active < dl.max_active; j++) {
                struct part *pt = &b->parts[j];
                if (pt->state == P_PENDING && pt->retry_at <= t && start_part(&dl, pt) < 0) {
                    dl.fatal = 1;
                    break;
                }
            }
        }
        if (dl.fatal)
            goto out;
        if (!pending)
            break;
        int running = 0;
        curl_multi_perform(dl.multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(dl.multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct part *pt = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&pt);
            finish_part(&dl, pt, m->data.result);
            if (dl.fatal)
                goto out;
        }
        /* A stall: no byte for the stall time. Drop the connection and
         * resume from what is on disk (curl's own low-speed check averages
         * over several seconds, so it fires late). */
        double tnow = now_s(), stall = (double)http_stall_seconds();
        for (int i = 0; i < n; i++) {
            struct blob *b = &dl.blobs[i];
            if (b->committed)
                continue;
            for (int j = 0; j < b->nparts; j++) {
                struct part *pt = &b->parts[j];
                if (pt->state == P_ACTIVE && tnow - pt->last_data > stall) {
                    stop_part(&dl, pt);
                    dl.fetched += pt->got;
                    retry_later(&dl, pt, "stalled (no data), reconnecting", -1);
                    if (dl.fatal)
                        goto out;
                }
            }
            progress_update(p, b->pidx, blob_done(b));
        }
        progress_tick(p);
        curl_multi_poll(dl.multi, NULL, 0, dl.active ? 200 : 50, NULL);
    }
    rc = 0;
out:
    for (int i = 0; i < n && dl.blobs; i++) {
        struct blob *b = &dl.blobs[i];
        for (int j = 0; j < b->nparts; j++) {
            struct part *pt = &b->parts[j];
            if (pt->h) {
                dl.fetched += pt->got;
                stop_part(&dl, pt);
            }
            http_headers_clear(&pt->hdrs);
            free(pt->hdrs.lines);
            if (pt->fd >= 0)
                close(pt->fd);
            free(pt->path);
            free(pt->url);
        }
        if (b->w)
            blob_writer_abort(b->w, 1); /* keep what we have for the next pull */
    }
    if (dl.multi)
        curl_multi_cleanup(dl.multi);
    free(dl.blobs);
    if (bytes_fetched)
        *bytes_fetched = dl.fetched;
    return rc;
}
