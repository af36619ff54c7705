/*
 * store-internal.h - what the files of store/ share and nothing above sees:
 * the handle, the index helpers and the manifest parser.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include "store.h"

#include <sqlite3.h>
#include <stdint.h>

struct store {
    char *root;
    char *blob_dir;     /* root/blobs/sha256 */
    sqlite3 *db;
    int lock_fd;
    int lock_mode;      /* 0 none, 1 shared, 2 exclusive */
};

/* flock() of root/lock; shared blocks (writers), exclusive never waits. */
int store_lock_shared(struct store *s);
void store_unlock(struct store *s);
/* Go back to lock mode `mode` (0 none, 1 shared) after store_lock_exclusive(). */
void store_lock_restore(struct store *s, int mode);

/* write(2) all of buf through the fault shim; -1 with errno on failure. */
int write_full(int fd, const void *buf, size_t len);
/* fsync a directory so a rename in it survives a crash. */
int fsync_dir(const char *dir);
/* Write a small file atomically: tmp, fsync, rename. */
int write_file_atomic(const char *path, const void *data, size_t len);

/* Index: schema and transactions (index.c). */
int index_open(struct store *s);
int index_exec(struct store *s, const char *sql);      /* err set on failure */
int index_begin(struct store *s);                       /* BEGIN IMMEDIATE */
int index_commit(struct store *s);
void index_rollback(struct store *s);
int index_err(struct store *s, const char *what);       /* err_set with sqlite's message, -1 */
/* Fill m from the index and blobs; strict: missing manifest/config is an error. */
int index_fill_model(struct store *s, const char *id, struct store_model *m, int strict);
/* The model ID `text` names (see store_resolve) into id: 0 found, 1 not
 * found (no message), -1 error. */
int index_find_model(struct store *s, const char *text, char *id, char *matched_tag);
/* err_set the "model not found" message; returns -1. */
int index_not_found(const char *text);
/* 1 when some model references digest, 0 when none, -1 on error. */
int index_blob_referenced(struct store *s, const char *digest);

/* A parsed OCI manifest (manifest.c). */
struct desc {
    char digest[DIGEST_LEN + 1];
    char *media_type;
    uint64_t size;
};
struct manifest {
    char *media_type;
    struct desc config;
    struct desc *layers;
    int n_layers;
};
/* Parse and check: every digest valid, sizes non-negative integers. */
int manifest_parse(const char *json, size_t len, struct manifest *m);
void manifest_free(struct manifest *m);

/* "2025-01-01T00:00:00Z" (RFC 3339, fraction and offset allowed) -> unix seconds; -1 when bad. */
int64_t parse_rfc3339(const char *s);
/* The created time of a config JSON (descriptor.created or ModelPack createdAt); -1 when absent. */
int64_t config_created(const char *json, size_t len);

#define MANIFEST_MAX (4u << 20)
#define CONFIG_MAX (16u << 20)

#endif
