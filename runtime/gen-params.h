/*
 * gen-params.h - the generation settings of a chat, and where each came from.
 *
 * One table of settings under Ollama's names (temperature, top_p, top_k,
 * min_p, repeat_penalty, seed, num_ctx, num_predict), so that `run` flags,
 * `/set parameter`, `model configure` and the server's "options" all speak
 * the same language. Each value remembers its source, for `/show info`.
 * Layers, lowest first:
 *
 *   built-in      llama.cpp's sampler defaults; temperature 0.8
 *   family        the model family's table entry (DeepSeek-R1 distills:
 *                 temperature 0.6, top-p 0.95), see gen_params_defaults()
 *   model         generation settings the GGUF carries (general.sampling.*)
 *                 or the artifact's config
 *   configure     `model configure` settings from the store's index
 *   flag          options of `model run`
 *   set           `/set parameter` in an interactive session
 *
 * Callers apply the layers in that order; setting a value records its source.
 */
#ifndef RUNTIME_GEN_PARAMS_H
#define RUNTIME_GEN_PARAMS_H

#include <stdint.h>

#include "sampler.h"

struct gguf;

enum gen_param {
    GP_TEMPERATURE,
    GP_TOP_P,
    GP_TOP_K,
    GP_MIN_P,
    GP_REPEAT_PENALTY,
    GP_SEED,
    GP_NUM_CTX,
    GP_NUM_PREDICT,
    GP_COUNT
};

enum gen_source { SRC_BUILTIN, SRC_FAMILY, SRC_MODEL, SRC_CONFIGURE, SRC_FLAG, SRC_SET };

struct gen_params {
    double v[GP_COUNT];
    enum gen_source src[GP_COUNT];
    const char *family;       /* "DeepSeek-R1 distill", or NULL */
    int fold_system;          /* the family wants no system prompt: fold it into the first user turn */
};

/* Ollama's name of a setting ("top_p"), and its index from a name (-1 when unknown). */
const char *gen_param_name(enum gen_param p);
int gen_param_lookup(const char *name);
/* "built-in", "DeepSeek-R1 distill defaults", "model file", "model configure", "command line", "/set". */
const char *gen_source_name(const struct gen_params *p, enum gen_param which);

/*
 * Fill p from the built-in values, then the family table (matched on the
 * GGUF's general.name / general.basename and on the chat template text,
 * which may be NULL), then the GGUF's general.sampling.* keys. g may be NULL.
 * Seed -1 and num_ctx 0 mean "random" and "the runtime's default";
 * num_predict -1 means "until the model stops or the context is full".
 */
void gen_params_defaults(struct gen_params *p, const struct gguf *g, const char *chat_template);

/* Parse value for the setting called name and record it with source src.
 * -1 with err set on an unknown name or a bad value (naming the range). */
int gen_params_set(struct gen_params *p, const char *name, const char *value, enum gen_source src);
/* The same with a number already parsed. */
int gen_params_set_num(struct gen_params *p, enum gen_param which, double v, enum gen_source src);

/* A setting as text ("0.6", "40", "random" for seed -1). */
void gen_params_format(const struct gen_params *p, enum gen_param which, char *buf, unsigned size);

/* Sampler parameters from the settings (seed -1: a fresh seed from the clock). */
void gen_params_sampler(const struct gen_params *p, struct sampler_params *out);

#endif
