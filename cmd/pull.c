/*
 * pull.c - `model pull REF`: download a model from an OCI registry.
 *
 * The registry layer does the work in two steps so that the memory check
 * is printed after the small manifest and config arrive and before the
 * first byte of weights: a model too big for this host is still pulled
 * (it may be meant for another machine), but the user knows at once.
 */
#include "builtin.h"
#include "parse-options.h"
#include "usage.h"
#include "../common/err.h"
#include "../registry/progress.h"
#include "../registry/registry.h"
#include "../store/store.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Ctrl-C: every byte received is already in a .partial file (plain write()s),
 * so there is nothing to flush; say how to continue and leave. */
static void on_interrupt(int sig)
{
    static const char msg[] = "\nmodel: interrupted: run the same pull again to resume where it stopped\n";
    (void)sig;
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(130);
}

static const char *const pull_usage[] = {
    "model pull [--quiet] [--limit-rate RATE] NAME[:TAG|@sha256:DIGEST]",
    NULL,
};

int cmd_pull(int argc, const char **argv)
{
    int quiet = 0;
    int64_t rate = 0;
    struct option opts[] = {
        OPT_BOOL('q', "quiet", &quiet, "no progress; print only the model ID"),
        OPT_INT64(0, "limit-rate", &rate, "RATE", "download at most RATE bytes per second (K, M, G suffixes)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, pull_usage);
    if (argc != 1)
        usage_with_options(pull_usage, opts);
    if (rate < 0)
        return error("--limit-rate must be a positive number of bytes per second, e.g. 10M"), EXIT_USAGE;
    http_set_limit_rate(rate);
    struct store *s = store_open(NULL);
    if (!s)
        return error_err(), EXIT_FAIL;
    struct pull p;
    int rc = EXIT_FAIL;
    if (registry_pull_begin(s, argv[0], &p) < 0) {
        error_err();
        goto out;
    }
    char a[32], b[32], c[32];
    if (!quiet)
        note("pulling %s (%s in %d layers)", argv[0], progress_fmt_bytes(p.total_bytes, a, sizeof a),
             p.man.n_layers);
    if (p.host_mem && p.mem_needed > p.host_mem) {
        if (p.kv_ctx)
            warn("this model needs about %s of memory (weights %s + KV cache for %d tokens), more than this "
                 "machine's %s: it may not run here; pulling anyway",
                 progress_fmt_bytes(p.mem_needed, a, sizeof a), progress_fmt_bytes(p.weights_bytes, b, sizeof b),
                 p.kv_ctx, progress_fmt_bytes(p.host_mem, c, sizeof c));
        else
            warn("this model needs about %s of memory (its weights), more than this machine's %s: it may not "
                 "run here; pulling anyway",
                 progress_fmt_bytes(p.mem_needed, a, sizeof a), progress_fmt_bytes(p.host_mem, c, sizeof c));
    }
    signal(SIGINT, on_interrupt);
    struct progress *prog = progress_new(stderr, quiet, "Pulling");
    uint64_t fetched = 0;
    int r = registry_pull_finish(s, &p, prog, &fetched);
    progress_end(prog);
    if (r < 0) {
        error_err();
        goto out;
    }
    if (quiet) {
        printf("%s\n", p.man.digest);
    } else {
        char shown[512];
        if (p.tag[0])
            ref_display(p.tag, shown, sizeof shown);
        else
            snprintf(shown, sizeof shown, "%s", argv[0]);
        printf("Pulled %s: ID %.12s, %s (%s downloaded)\n", shown, p.man.digest + 7,
               progress_fmt_bytes(p.total_bytes, a, sizeof a), progress_fmt_bytes(fetched, b, sizeof b));
    }
    rc = EXIT_OK;
out:
    registry_pull_free(&p);
    store_close(s);
    return rc;
}
