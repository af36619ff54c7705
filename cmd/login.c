/*
 * login.c - `model login [-u USER] [--password-stdin] REGISTRY`: check
 * credentials with the registry, then keep them in our own credentials
 * file (mode 0600; see registry/auth.h for where it lives).
 */
#include "builtin.h"
#include "parse-options.h"
#include "usage.h"
#include "../registry/auth.h"
#include "../registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char *const login_usage[] = {
    "model login [-u USER] [--password-stdin] REGISTRY",
    NULL,
};

/* One line from f without its newline; NULL at EOF. */
static char *read_line(FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
    return line;
}

/* Ask on the terminal; echo off for secrets. */
static char *prompt(const char *what, int secret)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return NULL;
    fprintf(tty, "%s: ", what);
    fflush(tty);
    struct termios old, raw;
    int restore = 0;
    if (secret && tcgetattr(fileno(tty), &old) == 0) {
        raw = old;
        raw.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(fileno(tty), TCSAFLUSH, &raw) == 0;
    }
    char *line = read_line(tty);
    if (restore) {
        tcsetattr(fileno(tty), TCSAFLUSH, &old);
        fprintf(tty, "\n");
    }
    fclose(tty);
    return line;
}

int cmd_login(int argc, const char **argv)
{
    const char *user = NULL;
    int pw_stdin = 0;
    struct option opts[] = {
        OPT_STRING('u', "username", &user, "USER", "user name (asked for when missing)"),
        OPT_BOOL(0, "password-stdin", &pw_stdin, "read the password from standard input"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, login_usage);
    if (argc != 1)
        usage_with_options(login_usage, opts);
    char host[300];
    if (registry_normalize_host(argv[0], host, sizeof host) < 0)
        return error_err(), EXIT_USAGE;
    char *u = user ? strdup(user) : prompt("Username", 0);
    if (!u || !*u) {
        free(u);
        return error("no user name: give one with -u USER"), EXIT_USAGE;
    }
    char *pw = pw_stdin ? read_line(stdin) : prompt("Password", 1);
    if (!pw) {
        free(u);
        return error("no password: type it at the prompt or pipe it with --password-stdin"), EXIT_USAGE;
    }
    int rc = EXIT_FAIL;
    if (registry_check_login(host, u, pw) < 0)
        error_err();
    else if (creds_store(host, u, pw) < 0)
        error_err();
    else {
        char *path = creds_path();
        printf("Login succeeded for %s (credentials in %s)\n", host, path ? path : "?");
        free(path);
        rc = EXIT_OK;
    }
    memset(pw, 0, strlen(pw));
    free(pw);
    free(u);
    return rc;
}
