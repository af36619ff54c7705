/*
 * memory.c - the memory estimate of a model run and the host's available
 * memory (see memory.h).
 */
#include "memory.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

/* What the process needs besides weights and cache: code, libraries, the kernels' conversion rows. */
#define MEMORY_OVERHEAD (32ull << 20)

void memory_estimate(const struct llama_hparams *hp, uint64_t weight_bytes, int n_ctx, int n_batch, enum kv_type kv,
                     struct memory_estimate *out)
{
    uint64_t B = (uint64_t)(n_batch < n_ctx ? n_batch : n_ctx);
    uint64_t q_dim = (uint64_t)hp->n_head * hp->head_dim, kv_dim = (uint64_t)hp->n_head_kv * hp->head_dim;

    out->weights = weight_bytes;
    out->kv = kv_cache_bytes((int)hp->n_layer, n_ctx, (int)hp->n_head_kv, (int)hp->head_dim, kv);
    /* forward_state: x, xb, xo, q, att, k, v, gate, up per batch row; scores; logits of one row */
    out->compute = 4 * (B * (3ull * hp->n_embd + 2 * q_dim + 2 * kv_dim + 2ull * hp->n_ff) + (uint64_t)n_ctx +
                        (uint64_t)hp->n_vocab) +
                   MEMORY_OVERHEAD;
    out->total = out->weights + out->kv + out->compute;
}

int memory_estimate_gguf(const struct gguf *const *shards, int n_shards, int n_ctx, int n_batch, enum kv_type kv,
                         struct memory_estimate *out)
{
    struct llama_hparams hp;
    uint64_t bytes = 0;

    if (n_shards < 1 || model_hparams(shards[0], &hp))
        return -1;
    for (int i = 0; i < n_shards; i++)
        for (uint64_t t = 0; t < shards[i]->n_tensors; t++)
            bytes += shards[i]->tensors[t].size;
    memory_estimate(&hp, bytes, n_ctx, n_batch, kv, out);
    return 0;
}

/* "123", "4K", "2.5G" -> bytes; 0 when unparsable. */
static uint64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    switch (toupper((unsigned char)*end)) {
    case 'K': v *= 1024.0; break;
    case 'M': v *= 1048576.0; break;
    case 'G': v *= 1073741824.0; break;
    case 'T': v *= 1099511627776.0; break;
    default: break;
    }
    return (uint64_t)v;
}

/* The first number in a file; 0 when absent or "max". */
static uint64_t read_u64_file(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long v = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu", &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

static uint64_t meminfo_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024;
}

/* Room left under a cgroup limit, or UINT64_MAX when there is none. */
static uint64_t cgroup_room(void)
{
    uint64_t room = UINT64_MAX;
    char path[512], line[512];
    FILE *f = fopen("/proc/self/cgroup", "r");

    /* v2: "0::/some/path"; the limit may sit on that group or on the root of the namespace */
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "0::", 3))
                continue;
            line[strcspn(line, "\n")] = 0;
            const char *dirs[2] = { line + 3, "" };
            for (int i = 0; i < 2; i++) {
                snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", dirs[i]);
                uint64_t max = read_u64_file(path);
                if (!max)
                    continue;
                snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", dirs[i]);
                uint64_t cur = read_u64_file(path);
                uint64_t r = max > cur ? max - cur : 0;
                if (r < room)
                    room = r;
            }
        }
        fclose(f);
    }
    /* v1 */
    uint64_t lim = read_u64_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (lim && lim < (1ull << 60)) {
        uint64_t use = read_u64_file("/sys/fs/cgroup/memory/memory.usage_in_bytes");
        uint64_t r = lim > use ? lim - use : 0;
        if (r < room)
            room = r;
    }
    return room;
}

uint64_t memory_available(void)
{
    const char *env = getenv("MODEL_MEMORY_LIMIT");
    if (env && *env)
        return parse_size(env);
    uint64_t avail = meminfo_available();
    uint64_t room = cgroup_room();
    if (room < avail || (avail == 0 && room != UINT64_MAX))
        avail = room;
    return avail;
}

const char *memory_format(uint64_t bytes, char *buf, unsigned size)
{
    if (bytes >= (1ull << 30))
        snprintf(buf, size, "%.2f GiB", (double)bytes / (1ull << 30));
    else if (bytes >= (1ull << 20))
        snprintf(buf, size, "%.1f MiB", (double)bytes / (1ull << 20));
    else
        snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
    return buf;
}
