/*
 * catalog.h - which models the server can serve and how a request's "model"
 * names one: every model of the store (by any of its tags or its ID, with the
 * CLI's rules, so "ai/x:latest" is "x"), plus GGUF files given on the
 * command line, named after the file ("tiny-q8_0.gguf" is "tiny-q8_0").
 * Paths never come from requests: a client can only name what is listed.
 */
#ifndef SERVER_CATALOG_H
#define SERVER_CATALOG_H

#include <stddef.h>
#include <stdint.h>

struct catalog_entry {
    char *name;          /* what /v1/models shows: familiar tag ("ai/x:latest") or file name */
    char *key;           /* one per model: manifest digest, or the file's real path */
    char **paths;        /* GGUF file(s) */
    int n_paths;
    char *template_path; /* chat template layer, or NULL */
    int64_t created;     /* unix seconds */
    uint64_t size;       /* bytes on disk */
};
void catalog_entry_free(struct catalog_entry *e);

struct catalog;
/* store_root: NULL for the default store. files: GGUF paths (checked now). */
struct catalog *catalog_new(const char *store_root, const char *const *files, int n_files);
void catalog_free(struct catalog *c);

/* 0, or -1 with err set ("model \"x\" not found") when nothing matches. */
int catalog_resolve(struct catalog *c, const char *name, struct catalog_entry *out);

/* Every servable model, one entry per name; free with catalog_entries_free. */
int catalog_list(struct catalog *c, struct catalog_entry **out, size_t *n);
void catalog_entries_free(struct catalog_entry *e, size_t n);

#endif
