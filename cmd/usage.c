/* usage.c - die/error/warn for cmd/ (see usage.h). Only this layer exits. */
#include "usage.h"

#include "../common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void report(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "model: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("error: ", fmt, ap);
    va_end(ap);
    exit(EXIT_FAIL);
}

void die_err(void)
{
    die("%s", err_msg()[0] ? err_msg() : "unknown failure");
}

int error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("error: ", fmt, ap);
    va_end(ap);
    return -1;
}

int error_err(void)
{
    return error("%s", err_msg()[0] ? err_msg() : "unknown failure");
}

void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("warning: ", fmt, ap);
    va_end(ap);
}

void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report("", fmt, ap);
    va_end(ap);
}
