/* fault.c - injected write/fsync/rename failures for tests (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    long at;      /* fail from this call on (1-based); 0: never */
    long calls;
    int err;
    int once;
} arms[FAULT_OP_COUNT];
static int env_read;

static const char *const op_names[FAULT_OP_COUNT] = { "write", "fsync", "rename", "unlink" };

void fault_arm(enum fault_op op, long n, int err, int once)
{
    env_read = 1;
    arms[op].at = n;
    arms[op].calls = 0;
    arms[op].err = err ? err : ENOSPC;
    arms[op].once = once;
}

long fault_calls(enum fault_op op)
{
    return arms[op].calls;
}

/* MODEL_FAULT=op:N[:ERR][:once] */
static void read_env(void)
{
    env_read = 1;
    const char *e = getenv("MODEL_FAULT");
    if (!e || !*e)
        return;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", e);
    char *save = NULL;
    char *op = strtok_r(buf, ":", &save);
    char *n = strtok_r(NULL, ":", &save);
    if (!op || !n)
        return;
    int err = ENOSPC, once = 0;
    for (char *t; (t = strtok_r(NULL, ":", &save));) {
        if (!strcmp(t, "once"))
            once = 1;
        else if (!strcmp(t, "EIO"))
            err = EIO;
        else if (!strcmp(t, "EDQUOT"))
            err = EDQUOT;
        else if (!strcmp(t, "KILL"))
            err = FAULT_KILL;
    }
    for (int i = 0; i < FAULT_OP_COUNT; i++)
        if (!strcmp(op, op_names[i])) {
            arms[i].at = atol(n);
            arms[i].err = err;
            arms[i].once = once;
        }
}

/* 1 when this call of op must fail (errno set). */
static int tripped(enum fault_op op)
{
    if (!env_read)
        read_env();
    long c = ++arms[op].calls;
    if (arms[op].at <= 0 || c < arms[op].at || (arms[op].once && c != arms[op].at))
        return 0;
    if (arms[op].err == FAULT_KILL)
        raise(SIGKILL);
    errno = arms[op].err;
    return 1;
}

ssize_t fault_write(int fd, const void *buf, size_t len)
{
    return tripped(FAULT_WRITE) ? -1 : write(fd, buf, len);
}

int fault_fsync(int fd)
{
    return tripped(FAULT_FSYNC) ? -1 : fsync(fd);
}

int fault_rename(const char *from, const char *to)
{
    return tripped(FAULT_RENAME) ? -1 : rename(from, to);
}

int fault_unlink(const char *path)
{
    return tripped(FAULT_UNLINK) ? -1 : unlink(path);
}
