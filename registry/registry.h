/*
 * registry.h - what cmd/ uses of the registry client: pull a model into the
 * store, push one from it.
 *
 *   struct pull p;
 *   registry_pull_begin(store, "ai/smollm2:latest", &p);   manifest + config
 *   if (p.mem_needed > p.host_mem) warn(...);               before any weights
 *   registry_pull_finish(store, &p, progress, &fetched);    layers, then commit
 *   registry_pull_free(&p);
 *
 *   registry_push_model(store, "localhost:5000/team/m:v1", progress, &res);
 */
#ifndef REGISTRY_REGISTRY_H
#define REGISTRY_REGISTRY_H

#include "client.h"
#include "oci-manifest.h"
#include "../store/reference.h"

#include <stdint.h>

struct store;
struct progress;

struct pull {
    struct ref ref;
    struct registry reg;
    struct oci_manifest man;
    char tag[REF_NAME_MAX + REF_TAG_MAX + 8]; /* familiar name to record, "" when pulled by digest */
    uint64_t weights_bytes;  /* GGUF layers */
    uint64_t total_bytes;    /* every layer */
    uint64_t mem_needed;     /* estimate: weights + KV cache at the default context */
    uint64_t host_mem;       /* physical memory of this host (MODEL_HOST_MEMORY overrides) */
    int kv_ctx;              /* context the KV estimate assumed (0: no metadata) */
    int opened;
};

/* Parse text, contact the registry, fetch and check the manifest, and put
 * the config blob in the store (verified). Fills the memory estimate. */
int registry_pull_begin(struct store *s, const char *text, struct pull *p);

/* Download the layers (skipping those present), then record the manifest
 * and the tag in one transaction. *fetched: bytes received in this run. */
int registry_pull_finish(struct store *s, struct pull *p, struct progress *prog, uint64_t *fetched);

void registry_pull_free(struct pull *p);

/* Memory a model needs to run, from its config's GGUF metadata: weights
 * plus an f16 KV cache at min(context_length, 4096) tokens. *ctx receives
 * the context assumed (0 when the metadata lacks the shape). */
uint64_t registry_estimate_memory(const char *config_json, size_t len, uint64_t weights, int *ctx);

/* Physical memory of this host in bytes (MODEL_HOST_MEMORY overrides, for tests). */
uint64_t registry_host_memory(void);

struct push_result {
    char id[72];      /* manifest digest pushed */
    int blobs_uploaded, blobs_skipped, blobs_mounted;
    uint64_t bytes_uploaded;
};

/* Push the model `text` names in the store to the registry and repository
 * of that same name (its tag, "latest" by default). Blobs the registry has
 * are skipped (HEAD); blobs it has under another repository of the model's
 * tags are mounted; others are uploaded with POST+PUT (small) or
 * POST/PATCH.../PUT (MODEL_PUSH_CHUNK_SIZE, 64 MiB default, per chunk). The
 * manifest is PUT byte for byte with its own media type. */
int registry_push_model(struct store *s, const char *text, struct progress *prog, struct push_result *res);

/* "https://Host:5000/x" -> "host:5000"; Docker Hub's spellings -> "docker.io". */
int registry_normalize_host(const char *in, char *out, size_t n);

/* Check user/pass against host (Basic, or a token fetched with them). 0 when accepted. */
int registry_check_login(const char *host, const char *user, const char *pass);

#endif
