/*
 * memory.h - how much memory running a model takes, and how much the host
 * has, so that a model that cannot fit is refused before a weight is read.
 *
 *   total = weights (every tensor's bytes; mapped, but they must be resident
 *           to run at speed) + KV cache (2 x layers x ctx x kv_heads x
 *           head_dim x bytes per element) + compute buffers (activations for
 *           one batch, attention scores, the logits)
 *
 * The estimate needs only hyper-parameters and tensor sizes, so it works
 * from a parsed header (`model inspect`, `model pull` before downloading).
 */
#ifndef RUNTIME_MEMORY_H
#define RUNTIME_MEMORY_H

#include <stdint.h>

#include "gguf.h"
#include "kv-cache.h"
#include "model.h"

struct memory_estimate {
    uint64_t weights;
    uint64_t kv;
    uint64_t compute;
    uint64_t total;
};

/* From hyper-parameters and the summed tensor bytes. n_ctx, n_batch >= 1. */
void memory_estimate(const struct llama_hparams *hp, uint64_t weight_bytes, int n_ctx, int n_batch, enum kv_type kv,
                     struct memory_estimate *out);

/* From parsed GGUF headers (one per shard; the first holds the metadata). -1 with err set. */
int memory_estimate_gguf(const struct gguf *const *shards, int n_shards, int n_ctx, int n_batch, enum kv_type kv,
                         struct memory_estimate *out);

/*
 * Bytes the process may still use: MemAvailable from /proc/meminfo, lowered
 * to the cgroup's remaining room (v2 memory.max - memory.current, v1
 * memory.limit_in_bytes - usage) when a limit is set. The environment
 * variable MODEL_MEMORY_LIMIT (bytes, K/M/G suffixes) overrides the answer,
 * for tests and to keep headroom. 0 when unknown.
 */
uint64_t memory_available(void);

/* "1.5 GiB" into buf. */
const char *memory_format(uint64_t bytes, char *buf, unsigned size);

#endif
