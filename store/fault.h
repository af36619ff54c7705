/*
 * fault.h - fault injection for the store's file writes, after SQLite's
 * "simulated I/O error" tests: the Nth write/fsync/rename fails as a full
 * disk would, so tests can prove that every failure path leaves the store
 * as it was.
 *
 * The store calls fault_write/fault_fsync/fault_rename instead of the libc
 * functions. They behave exactly like them unless armed, either by
 * fault_arm() (unit tests) or by the environment at the first call:
 *
 *   MODEL_FAULT=write:3          the 3rd write() and every later one fail (ENOSPC)
 *   MODEL_FAULT=fsync:1:EIO      the 1st fsync() fails with EIO, and later ones
 *   MODEL_FAULT=rename:2:once    only the 2nd rename() fails
 *   MODEL_FAULT=write:5:KILL     the process SIGKILLs itself at the 5th write()
 *
 * Operations: write, fsync, rename, unlink (blob deletion by rm and prune).
 * Errors: ENOSPC (default), EIO, EDQUOT; KILL simulates `kill -9` at that
 * exact point, for the crash tests.
 */
#ifndef STORE_FAULT_H
#define STORE_FAULT_H

#include <sys/types.h>

enum fault_op { FAULT_WRITE, FAULT_FSYNC, FAULT_RENAME, FAULT_UNLINK, FAULT_OP_COUNT };
#define FAULT_KILL (-9) /* err value: raise SIGKILL instead of failing */

/* Arm op to fail from its nth call on (n >= 1) with err; once: only the nth.
 * n == 0 disarms. Counters restart at 0. */
void fault_arm(enum fault_op op, long n, int err, int once);
/* How many times op has been called since it was armed (or since start). */
long fault_calls(enum fault_op op);

ssize_t fault_write(int fd, const void *buf, size_t len);
int fault_fsync(int fd);
int fault_rename(const char *from, const char *to);
int fault_unlink(const char *path);

#endif
