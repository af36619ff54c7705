/*
 * model-store.c - store references as MODEL arguments (see model-store.h).
 */
#include "model-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "usage.h"
#include "../common/err.h"

int model_arg_is_file(const char *arg)
{
    struct stat st;
    size_t len = strlen(arg);
    if (len >= 5 && !strcmp(arg + len - 5, ".gguf"))
        return 1;
    if (arg[0] == '/' || arg[0] == '.' || arg[0] == '~') /* never a reference */
        return 1;
    return strchr(arg, '/') && stat(arg, &st) == 0 && S_ISREG(st.st_mode);
}

int model_check_file(const char *arg)
{
    struct stat st;
    size_t len = strlen(arg);
    if (stat(arg, &st) < 0 && !(len >= 5 && !strcmp(arg + len - 5, ".gguf")))
        return err_set("'%s' is not a .gguf file (no such file) nor a model reference", arg);
    return 0;
}

static int lookup(const char *arg, struct store_model *m)
{
    struct store *s = store_open(NULL);
    if (!s)
        return -1;
    int rc = store_resolve(s, arg, m, NULL);
    store_close(s);
    return rc;
}

int model_store_paths(const char *arg, char ***paths, int *n)
{
    struct store_model m;
    memset(&m, 0, sizeof m);
    if (lookup(arg, &m) < 0) {
        if (strstr(err_msg(), "not found"))
            err_set("model '%s' is not in the store: `model pull %s` fetches it, or give a path to a .gguf file",
                    arg, arg);
        return -1;
    }
    if (m.n_gguf < 1) {
        store_model_free(&m);
        return err_set("model '%s' has no GGUF layer to run", arg);
    }
    char **p = calloc((size_t)m.n_gguf, sizeof *p);
    if (!p) {
        store_model_free(&m);
        return err_errno("out of memory");
    }
    for (int i = 0; i < m.n_gguf; i++) {
        if (!(p[i] = strdup(m.gguf_paths[i]))) {
            while (i--)
                free(p[i]);
            free(p);
            store_model_free(&m);
            return err_errno("out of memory");
        }
    }
    *paths = p;
    *n = m.n_gguf;
    store_model_free(&m);
    return 0;
}

/* `model pull arg` with its progress, its stdout summary sent to stderr so
 * that a one-shot answer alone reaches stdout. */
static int pull(const char *arg)
{
    const char *argv[] = { "pull", arg, NULL };
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved >= 0)
        dup2(STDERR_FILENO, STDOUT_FILENO);
    int rc = cmd_pull(2, argv);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    return rc == EXIT_OK ? 0 : -1;
}

int model_store_find(const char *arg, int do_pull, struct store_model *m)
{
    memset(m, 0, sizeof *m);
    if (lookup(arg, m) == 0)
        return 0;
    if (!strstr(err_msg(), "not found") || !do_pull)
        return error("%s", err_msg());
    note("%s is not in the store; pulling it", arg);
    if (pull(arg) < 0)
        return -1; /* pull printed why */
    memset(m, 0, sizeof *m);
    if (lookup(arg, m) < 0)
        return error_err();
    return 0;
}
