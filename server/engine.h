/*
 * engine.h - what the server needs from the inference runtime, as a table of
 * functions: load a model for N slots, give each slot its own conversation
 * state (KV cache), generate into a callback, unload.
 *
 * The scheduler and the HTTP handlers only ever see this interface, so the
 * runtime can change underneath them and tests can drive the whole server
 * with a fake engine (no model, exact timing). engine.c implements it with
 * runtime/session.h, the generation engine `model run` uses too.
 *
 * Errors: functions return -1 / NULL after err_set(), and put the HTTP status
 * the failure deserves into *status (400 bad request or context overflow,
 * 503 cannot load now, 500 anything else).
 */
#ifndef SERVER_ENGINE_H
#define SERVER_ENGINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum gen_finish { GEN_STOP, GEN_LENGTH, GEN_CANCELLED };
enum gen_channel { GEN_CONTENT, GEN_REASONING };

#define GEN_MAX_STOP 8

/* Sampling and length; a has_ flag of 0 leaves the model family's default. */
struct req_params {
    int has_temperature, has_top_p, has_seed;
    float temperature, top_p;
    uint64_t seed;
    int max_tokens;                  /* 0: until end of generation or the context is full */
    const char *stop[GEN_MAX_STOP];  /* stop strings (not part of the output) */
    int n_stop;
};

/* A chat (messages set) or a raw completion (prompt set). */
struct gen_input {
    const cJSON *messages;           /* OpenAI messages array, roles system/user/assistant/tool */
    const cJSON *tools;              /* OpenAI tools array, or NULL */
    const char *prompt;              /* raw text, fed to the tokenizer as is (BOS added) */
};

/* Generated text, whole UTF-8 characters; return non-zero to stop. */
typedef int (*gen_text_fn)(void *ctx, enum gen_channel ch, const char *text, size_t len);

struct gen_result {
    enum gen_finish finish;
    int prompt_tokens;
    int cached_tokens;               /* of the prompt, taken from the slot's KV cache */
    int completion_tokens;
};

struct engine_info {
    int n_ctx;                       /* positions per slot */
    uint64_t mem_bytes;              /* estimate for weights + every slot */
    int reasoning;                   /* the model thinks in <think>...</think> (R1) */
};

struct engine_ops {
    /* Load from GGUF path(s), with an optional chat template file overriding
     * the GGUF's, for n_slots sequences: the memory check runs first. */
    void *(*load)(const char *const *paths, int n_paths, const char *template_path, int n_slots,
                  struct engine_info *info, int *status);
    void (*unload)(void *model);
    void *(*slot_new)(void *model, int *status);
    void (*slot_free)(void *slot);
    /* Blocks until done, the callback says stop, or *cancel becomes non-zero. */
    int (*generate)(void *slot, const struct gen_input *in, const struct req_params *p, gen_text_fn cb,
                    void *ctx, volatile sig_atomic_t *cancel, struct gen_result *res, int *status);
    /* May be NULL: forward passes over the weights the model's generation
     * steps took, and the sequence-steps they evaluated (batching at work). */
    void (*stats)(void *model, uint64_t *passes, uint64_t *steps);
};

/* The runtime's engine (engine.c). */
extern const struct engine_ops engine_runtime;

/* Of a model engine_runtime loaded: forward passes over the weights its
 * generation steps took so far, and the sequence-steps they evaluated
 * (steps / passes is the mean batch). */
void engine_runtime_stats(void *model, uint64_t *passes, uint64_t *steps);

#endif
