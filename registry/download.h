/*
 * download.h - fetch blobs into the store: in parallel, resumable, verified.
 */
#ifndef REGISTRY_DOWNLOAD_H
#define REGISTRY_DOWNLOAD_H

#include <stdint.h>

struct registry;
struct store;
struct progress;

struct dl_item {
    char digest[72];
    uint64_t size;
};

/*
 * Download every item not already in the store, all in one curl multi
 * loop: up to MODEL_MAX_TRANSFERS (8) transfers at once; a blob of at least
 * MODEL_PART_MIN_SIZE (32 MiB) is fetched in MODEL_DOWNLOAD_PARTS (4) ranged
 * parts. Bytes go to blobs/sha256/<hex>.partial (parts after the first to
 * <hex>.part-<offset>.partial), which survive a killed process and are
 * resumed with Range by the next pull of any model needing that blob. A
 * 206 is appended only when its Content-Range starts where asked; a 200 to
 * a ranged request restarts the blob. Connection errors, stalls (no byte
 * for 30 s), 5xx and 429 are retried with backoff (Retry-After honoured);
 * a 401 fetches a new token; redirects are followed without credentials to
 * other hosts. Each blob is verified (sha256 and size) before it enters the
 * store. Returns 0 when every blob is in the store, -1 (err set) otherwise;
 * partial files of unfinished blobs are kept, a corrupt one is deleted.
 * bytes_fetched (may be NULL) receives the bytes received in this run.
 */
int download_blobs(struct registry *r, struct store *s, const struct dl_item *items, int n,
                   struct progress *p, uint64_t *bytes_fetched);

#endif
