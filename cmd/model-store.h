/*
 * model-store.h - MODEL arguments that name a model in the store rather
 * than a file: "ai/smollm2", "smollm2:Q4_K_M", a model ID. Used by
 * model-open.c's resolution (every runtime command) and by `run`, which
 * also pulls a model the store does not have.
 */
#ifndef CMD_MODEL_STORE_H
#define CMD_MODEL_STORE_H

#include "../store/store.h"

/* 1 when arg names a file (anything ending in .gguf or starting with '/',
 * '.' or '~', or an existing file), 0 when it is to be looked up in the
 * store. */
int model_arg_is_file(const char *arg);

/* For a file argument: -1 with err set when it does not exist and does not
 * end in .gguf (a mistyped path; .gguf paths get the loader's message). */
int model_check_file(const char *arg);

/* The GGUF layer paths of the store model arg names (malloc'd array of
 * malloc'd strings). -1 with err set: not found (the message says how to
 * pull it), or a model without GGUF layers. */
int model_store_paths(const char *arg, char ***paths, int *n);

/*
 * Look arg up in the store (opened at the default root); when it is not
 * there and pull is set, pull it first with `model pull`'s progress on
 * stderr. Fills *m (free with store_model_free). Prints errors itself;
 * returns -1 on failure.
 */
int model_store_find(const char *arg, int pull, struct store_model *m);

#endif
