/*
 * usage.h - diagnostics for the command layer, after git's usage.c.
 *
 *   die(...)    prints "model: error: ..." and exits EXIT_FAILURE_ (1).
 *   error(...)  prints "model: error: ..." and returns -1, for `return error(...)`.
 *   warn(...)   prints "model: warning: ...".
 *   note(...)   prints "model: ..." (informational, to stderr).
 *   die_err()   prints the lower layers' err_msg() and exits 1.
 *
 * Exit codes (documented in man/model.1):
 *   0 success, 1 the operation failed, 2 bad usage (unknown flag, missing
 *   argument), 130 interrupted by Ctrl-C.
 */
#ifndef CMD_USAGE_H
#define CMD_USAGE_H

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die_err(void);
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print err_msg() as an error and return -1. */
int error_err(void);

#endif
