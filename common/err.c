/* err.c - thread-local error messages for the layers below cmd/ (see err.h). */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

int err_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

int err_errno(const char *fmt, ...)
{
    int saved = errno;
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    int n = snprintf(last_error, sizeof last_error, "%s: ", buf);
    if (n > 0 && (size_t)n < sizeof last_error)
        snprintf(last_error + n, sizeof last_error - (size_t)n, "%s", strerror(saved));
    errno = saved;
    return -1;
}

int err_prefix(const char *fmt, ...)
{
    char prefix[512], old[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    /* truncation is acceptable: the message is for people */
    size_t n = strlen(prefix);
    if (n > sizeof last_error - 3)
        n = sizeof last_error - 3;
    memcpy(last_error, prefix, n);
    memcpy(last_error + n, ": ", 2);
    size_t rest = sizeof last_error - n - 3;
    size_t olen = strnlen(old, rest);
    memcpy(last_error + n + 2, old, olen);
    last_error[n + 2 + olen] = '\0';
    return -1;
}

const char *err_msg(void)
{
    return last_error;
}

void err_clear(void)
{
    last_error[0] = '\0';
}
