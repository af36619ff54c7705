/*
 * err.h - error reporting for the layers below cmd/.
 *
 * Only cmd/ may exit. Every lower layer (kernels, runtime, store, registry)
 * reports failure by returning -1 (or NULL) after recording a message with
 * err_set(). The message is thread-local, so `serve` threads never see each
 * other's errors. The command layer prints err_msg() and picks the exit code.
 *
 * Messages name the cause and, where there is one, the fix:
 *   "tiny.gguf: tensor 'output.weight' data ends past end of file (offset 123 > size 100)"
 */
#ifndef COMMON_ERR_H
#define COMMON_ERR_H

#include <stddef.h>

/* Record a message and return -1, so callers can write `return err_set(...)`. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like err_set(), with ": strerror(errno)" appended (errno as it was on entry). */
int err_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix the current message with more context: "ctx: previous message". */
int err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message recorded on this thread ("" when none). */
const char *err_msg(void);

/* Forget the last message. */
void err_clear(void);

#endif
