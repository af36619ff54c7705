/*
 * memory.c - the memory estimate of a model run and the host's available
 * memory (see memory.h).
 */
#include "memory.h"

#include "../kernels/threadpool.h"

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
    /* the matmuls' working memory: activations converted once per call (at
     * most 4 bytes an element, the tiled F16 path) for the longest row, and
     * each thread's tile scratch (kernels/mm_tiled_*.c) */
    uint64_t max_k = hp->n_ff > hp->n_embd ? hp->n_ff : hp->n_embd;
    if (q_dim > max_k)
        max_k = q_dim;
    out->compute += 4 * B * max_k + (uint64_t)kern_physical_cores() * (32 * max_k + 384 * B);
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

/* The room under the limit of the cgroup at dir and of each of its ancestors (limits nest). */
static uint64_t room_up_the_tree(const char *mount, const char *dir, const char *limit_file, const char *usage_file,
                                 uint64_t room)
{
    char d[512], path[768];
    snprintf(d, sizeof d, "%s", dir);
    for (;;) {
        snprintf(path, sizeof path, "%s%s/%s", mount, d, limit_file);
        uint64_t max = read_u64_file(path);
        if (max && max < (1ull << 60)) { /* v1 writes "no limit" as a huge number, v2 as "max" (read as 0) */
            snprintf(path, sizeof path, "%s%s/%s", mount, d, usage_file);
            uint64_t cur = read_u64_file(path);
            uint64_t r = max > cur ? max - cur : 0;
            if (r < room)
                room = r;
        }
        char *slash = strrchr(d, '/');
        if (!slash || !d[0])
            break;
        *slash = '\0';
    }
    return room;
}

/*
 * Room left under cgroup memory limits, or UINT64_MAX when there is none.
 * /proc/self/cgroup names the process's group ("0::/path" for v2,
 * "N:...memory...:/path" for v1). Inside a container the group's own
 * directory is often the mount's root, so both are looked at.
 */
static uint64_t cgroup_room(void)
{
    uint64_t room = UINT64_MAX;
    char line[512];
    FILE *f = fopen("/proc/self/cgroup", "r");

    if (!f)
        return room;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *controllers = c1 + 1, *dir = c2 + 1;
        if (!strcmp(dir, "/"))
            dir = "";
        if (!strcmp(line, "0") && !*controllers) {
            room = room_up_the_tree("/sys/fs/cgroup", dir, "memory.max", "memory.current", room);
            room = room_up_the_tree("/sys/fs/cgroup", "", "memory.max", "memory.current", room);
        } else if (strstr(controllers, "memory")) {
            room = room_up_the_tree("/sys/fs/cgroup/memory", dir, "memory.limit_in_bytes", "memory.usage_in_bytes",
                                    room);
            room = room_up_the_tree("/sys/fs/cgroup/memory", "", "memory.limit_in_bytes", "memory.usage_in_bytes",
                                    room);
        }
    }
    fclose(f);
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
