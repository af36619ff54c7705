/*
 * serve.c - `model serve`: the store's models (and GGUF files named on the
 * command line) over the OpenAI API, Docker Model Runner's paths and
 * Ollama's API, until SIGINT or SIGTERM. See man/model-serve.1.
 */
#include "builtin.h"
#include "parse-options.h"
#include "usage.h"
#include "../common/err.h"
#include "../server/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int engine_n_ctx;     /* server/engine.c */
extern int engine_n_threads; /* server/engine.c */

int cmd_serve(int argc, const char **argv)
{
    const char *host = "127.0.0.1", *keep_alive = "5m";
    int port = 12434, parallel = 1, ctx_size = 0, threads = 0;
    int64_t max_body = 16 << 20;
    static const char *const usage[] = {
        "model serve [--host ADDR] [--port N] [--keep-alive DURATION] [--parallel N] [FILE.gguf...]", NULL };
    struct option opts[] = {
        OPT_STRING(0, "host", &host, "ADDR", "address to listen on (default 127.0.0.1: this machine only)"),
        OPT_INT('p', "port", &port, "N", "port to listen on (default 12434; 0 picks a free one)"),
        OPT_STRING(0, "keep-alive", &keep_alive, "DURATION",
                   "unload a model idle this long (default 5m; 0 at once, -1 never)"),
        OPT_INT(0, "parallel", &parallel, "N", "requests each model serves at once, one KV cache each (default 1)"),
        OPT_INT('c', "ctx-size", &ctx_size, "N", "context tokens per request slot (default min(4096, the model's))"),
        OPT_INT('t', "threads", &threads, "N", "threads of each model's batched computation (default: the physical cores)"),
        OPT_INT64(0, "max-body", &max_body, "BYTES", "refuse request bodies larger than this (default 16M)"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, usage);
    if (port < 0 || port > 65535)
        return error("--port %d is not a port number (0 to 65535)", port), EXIT_USAGE;
    if (parallel < 1 || parallel > 256)
        return error("--parallel %d: give 1 to 256 slots", parallel), EXIT_USAGE;
    if (ctx_size < 0)
        return error("--ctx-size must be positive"), EXIT_USAGE;
    if (threads < 0)
        return error("--threads must be at least 1 (0: the physical cores)"), EXIT_USAGE;
    if (max_body < 1024)
        return error("--max-body must be at least 1K"), EXIT_USAGE;
    int64_t keep_ms = parse_duration_ms(keep_alive);
    if (keep_ms < -1)
        return error_err(), EXIT_USAGE;
    engine_n_ctx = ctx_size;
    engine_n_threads = threads;

    /* Only this thread takes the signals: every thread the server starts inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct server_opts o = {
        .host = host, .port = port, .keep_alive_ms = keep_ms, .parallel = parallel,
        .max_body = (size_t)max_body, .files = argv, .n_files = argc, .ops = &engine_runtime,
    };
    struct server *s = server_start(&o);
    if (!s)
        return error_err(), EXIT_FAIL;
    fprintf(stderr, "model serve: listening on http://%s%s%s:%d (OpenAI API at /v1, Ollama API at /api)\n",
            strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", s->port);
    fflush(stderr);
    int sig;
    sigwait(&set, &sig);
    fprintf(stderr, "model serve: %s, stopping\n", sig == SIGINT ? "interrupted" : "terminated");
    server_stop(s);
    return EXIT_OK;
}
