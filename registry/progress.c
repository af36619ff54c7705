/*
 * progress.c - throttled, monotonic progress lines for pulls and pushes.
 */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct item {
    char label[24];
    uint64_t total, already, done;
    const char *how; /* set when finished */
};

struct progress {
    FILE *out;
    int quiet, tty;
    const char *verb;
    struct item *items;
    int n, cap;
    int drawn_lines;
    double start, last_draw;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *progress_fmt_bytes(uint64_t n, char *buf, size_t size)
{
    const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)n;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, size, "%.1f %s", v, u[i]);
    return buf;
}

struct progress *progress_new(FILE *out, int quiet, const char *verb)
{
    struct progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->out = out;
    p->quiet = quiet || !out;
    p->tty = out && isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
    p->verb = verb;
    p->start = now_s();
    p->last_draw = p->start;
    return p;
}

int progress_add(struct progress *p, const char *label, uint64_t total, uint64_t already)
{
    if (!p)
        return -1;
    if (p->n == p->cap) {
        int nc = p->cap ? p->cap * 2 : 8;
        struct item *ni = realloc(p->items, (size_t)nc * sizeof *ni);
        if (!ni)
            return -1;
        p->items = ni;
        p->cap = nc;
    }
    struct item *it = &p->items[p->n];
    memset(it, 0, sizeof *it);
    snprintf(it->label, sizeof it->label, "%.23s", label);
    it->total = total;
    it->already = it->done = already > total ? total : already;
    return p->n++;
}

static void totals(const struct progress *p, uint64_t *done, uint64_t *total, uint64_t *fresh, int *finished)
{
    *done = *total = *fresh = 0;
    *finished = 0;
    for (int i = 0; i < p->n; i++) {
        *done += p->items[i].done;
        *total += p->items[i].total;
        *fresh += p->items[i].done - p->items[i].already;
        *finished += p->items[i].how != NULL;
    }
}

static void rate_eta(const struct progress *p, uint64_t fresh, uint64_t left, char *buf, size_t n)
{
    double el = now_s() - p->start;
    char sb[32];
    if (el < 0.2 || !fresh) {
        buf[0] = 0;
        return;
    }
    double rate = fresh / el;
    progress_fmt_bytes((uint64_t)rate, sb, sizeof sb);
    double eta = left / rate;
    if (left)
        snprintf(buf, n, "%s/s, %dm%02ds left", sb, (int)(eta / 60), (int)eta % 60);
    else
        snprintf(buf, n, "%s/s", sb);
}

static void draw(struct progress *p, int final)
{
    if (p->quiet || !p->n)
        return;
    uint64_t done, total, fresh;
    int finished;
    totals(p, &done, &total, &fresh, &finished);
    char a[32], b[32], r[64];
    if (!p->tty) {
        rate_eta(p, fresh, total - done, r, sizeof r);
        fprintf(p->out, "%s: %s / %s (%d%%), %d of %d blobs done%s%s\n", p->verb,
                progress_fmt_bytes(done, a, sizeof a), progress_fmt_bytes(total, b, sizeof b),
                total ? (int)(done * 100 / total) : 100, finished, p->n, r[0] ? ", " : "", r);
        fflush(p->out);
        return;
    }
    if (p->drawn_lines)
        fprintf(p->out, "\033[%dA", p->drawn_lines);
    for (int i = 0; i < p->n; i++) {
        struct item *it = &p->items[i];
        if (it->how)
            fprintf(p->out, "\r\033[K%s: %s %s\n", it->label, it->how, progress_fmt_bytes(it->total, a, sizeof a));
        else {
            rate_eta(p, it->done - it->already, it->total - it->done, r, sizeof r);
            fprintf(p->out, "\r\033[K%s: %s / %s (%d%%) %s\n", it->label, progress_fmt_bytes(it->done, a, sizeof a),
                    progress_fmt_bytes(it->total, b, sizeof b),
                    it->total ? (int)(it->done * 100 / it->total) : 100, r);
        }
    }
    rate_eta(p, fresh, total - done, r, sizeof r);
    fprintf(p->out, "\r\033[K%s %s / %s (%d%%) %s\n", final ? "Total" : p->verb, progress_fmt_bytes(done, a, sizeof a),
            progress_fmt_bytes(total, b, sizeof b), total ? (int)(done * 100 / total) : 100, r);
    p->drawn_lines = p->n + 1;
    fflush(p->out);
}

void progress_tick(struct progress *p)
{
    if (!p || p->quiet)
        return;
    double t = now_s();
    if (t - p->last_draw >= (p->tty ? 0.125 : 5.0)) {
        p->last_draw = t;
        draw(p, 0);
    }
}

void progress_update(struct progress *p, int i, uint64_t done)
{
    if (!p || i < 0 || i >= p->n)
        return;
    struct item *it = &p->items[i];
    if (done > it->total)
        done = it->total;
    if (done > it->done) /* never backwards, even when a server forced a restart */
        it->done = done;
    progress_tick(p);
}

void progress_item_done(struct progress *p, int i, const char *how)
{
    if (!p || i < 0 || i >= p->n)
        return;
    p->items[i].how = how;
    if (strcmp(how, "failed"))
        p->items[i].done = p->items[i].total;
    if (p->tty)
        progress_tick(p);
}

void progress_end(struct progress *p)
{
    if (!p)
        return;
    draw(p, 1);
    free(p->items);
    free(p);
}
