/*
 * deadline.h - "now + ms" on a given clock, for pthread_cond_timedwait: the
 * server's waits wake every so often to notice a client that has gone or a
 * model that has idled long enough. Each condition variable is waited on
 * with the clock it was created with (CLOCK_MONOTONIC where a condattr set
 * it, else CLOCK_REALTIME).
 */
#ifndef SERVER_DEADLINE_H
#define SERVER_DEADLINE_H

#include <time.h>

static inline void deadline_after_ms(struct timespec *ts, clockid_t clock, long ms)
{
    clock_gettime(clock, ts);
    ts->tv_nsec += ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

#endif
