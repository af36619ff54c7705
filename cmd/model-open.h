/*
 * model-open.h - what `run`, `eval` and `perplexity` share: turning the
 * MODEL argument into files, the memory check, and the forward state.
 */
#ifndef CMD_MODEL_OPEN_H
#define CMD_MODEL_OPEN_H

#include "../runtime/forward.h"
#include "../runtime/kv-cache.h"
#include "../runtime/model.h"

struct open_opts {
    int n_ctx;               /* 0: min(4096, the model's training context) */
    int n_batch;             /* 0: 512 */
    const char *kv_type;     /* NULL: f16 */
    int ignore_memory_check;
    int n_threads;           /* 0: one per physical core */
    int hugepages;           /* long-lived use: copy the weights into huge pages (MODEL_HUGEPAGES overrides) */
};

struct opened {
    struct model *model;
    struct forward_state *state;
    int n_ctx;
};

/* MODEL -> its GGUF file(s), metadata in the first: a path to a .gguf (the
 * first shard pulls in its siblings) or a store reference. *paths is a
 * malloc'd array of malloc'd strings. -1 with err set. */
int resolve_model(const char *arg, char ***paths, int *n);

/*
 * Resolve MODEL (resolve_model()), open it, check the memory estimate against the host before any
 * weight is read, and build the forward state. Prints the error and returns
 * -1 on failure.
 */
int open_model(const char *arg, const struct open_opts *o, struct opened *out);
void close_model(struct opened *o);

#endif
