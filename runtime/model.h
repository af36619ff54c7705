/*
 * model.h - a llama-architecture model bound to its GGUF file(s).
 *
 * model_open() maps the file (or every shard of a split model), reads the
 * hyper-parameters from the metadata with llama.cpp's defaults, and binds
 * every tensor the forward pass needs, checking its shape against the
 * hyper-parameters and its type against what the kernels support. It reads
 * the headers only: no weight page is touched until the forward pass runs,
 * so the memory check (memory.h) can refuse a model before any weight is
 * read. Weights stay in the mapping; nothing is copied.
 *
 * Shapes are given as ggml writes them: [ne0, ne1] with ne0 the row length,
 * so a matrix [n_in, n_out] has n_out rows of n_in elements and computes
 * out = W x as out[r] = dot(row r, x).
 */
#ifndef RUNTIME_MODEL_H
#define RUNTIME_MODEL_H

#include <stdint.h>

#include "gguf.h"

/* Hyper-parameters of a llama model (llama.cpp's names in comments). */
struct llama_hparams {
    char arch[32];          /* general.architecture ("llama") */
    uint32_t n_vocab;       /* token_embd rows (tokenizer.ggml.tokens length) */
    uint32_t n_ctx_train;   /* llama.context_length */
    uint32_t n_embd;        /* llama.embedding_length */
    uint32_t n_layer;       /* llama.block_count */
    uint32_t n_head;        /* llama.attention.head_count */
    uint32_t n_head_kv;     /* llama.attention.head_count_kv, default n_head */
    uint32_t n_ff;          /* llama.feed_forward_length */
    uint32_t head_dim;      /* llama.attention.key_length, default n_embd / n_head */
    uint32_t n_rot;         /* llama.rope.dimension_count, default head_dim */
    float rms_eps;          /* llama.attention.layer_norm_rms_epsilon (required, as in llama.cpp) */
    float rope_freq_base;   /* llama.rope.freq_base, default 10000 */
    float rope_freq_scale;  /* 1 / llama.rope.scaling.factor (linear), default 1 */
};

/* One transformer block. Matrix shapes as [ne0, ne1]; q_dim = n_head*head_dim, kv_dim = n_head_kv*head_dim. */
struct llama_layer {
    const float *attn_norm;               /* [n_embd] F32 */
    const struct gguf_tensor *wq;         /* [n_embd, q_dim] */
    const struct gguf_tensor *wk;         /* [n_embd, kv_dim] */
    const struct gguf_tensor *wv;         /* [n_embd, kv_dim] */
    const struct gguf_tensor *wo;         /* [q_dim, n_embd] */
    const float *ffn_norm;                /* [n_embd] F32 */
    const struct gguf_tensor *ffn_gate;   /* [n_embd, n_ff] */
    const struct gguf_tensor *ffn_up;     /* [n_embd, n_ff] */
    const struct gguf_tensor *ffn_down;   /* [n_ff, n_embd] */
};

struct model {
    struct llama_hparams hp;
    struct gguf **shards;                 /* n_shards mapped files; shards[0] holds the metadata */
    int n_shards;
    const struct gguf *meta;              /* shards[0] */
    const struct gguf_tensor *tok_embd;   /* [n_embd, n_vocab] */
    const float *output_norm;             /* [n_embd] F32 */
    const struct gguf_tensor *output;     /* [n_embd, n_vocab]; tok_embd when output.weight is absent */
    const float *rope_freqs;              /* [n_rot/2] F32 frequency divisors (llama3), or NULL */
    struct llama_layer *layers;           /* n_layer */
    uint64_t weight_bytes;                /* sum of every tensor's size over all shards */
};

/*
 * Open a model from one GGUF path or the paths of its shards, in any order
 * (a path named NAME-00001-of-0000N.gguf alone pulls in its siblings).
 * Reads headers only. NULL with err_msg() naming the file and the problem
 * (unknown architecture, missing tensor, shape or type mismatch, ...).
 */
struct model *model_open(const char *const *paths, int n_paths);
void model_free(struct model *m);

/* The same checks on one parsed GGUF (gguf_parse), which the model takes
 * over (closed by model_free, or here on failure). For the fuzzer and
 * in-memory models. */
struct model *model_from_gguf(struct gguf *g);
/* Serve the weights from transparent huge pages (gguf_move_to_hugepages) when
 * model_hugepages_wanted(by_default): generation streams them 5-15% faster,
 * the copy costs load time. */
void model_use_hugepages(struct model *m, int by_default);
/* MODEL_HUGEPAGES=1|0 when set, else the command's default. */
int model_hugepages_wanted(int by_default);

/* Hyper-parameters from a parsed header alone (also for `inspect`/`pull`). */
int model_hparams(const struct gguf *g, struct llama_hparams *hp);

/*
 * The shard paths of a split model: when path matches *-0000K-of-0000N.gguf,
 * the N sibling paths in order; otherwise path itself. *out is malloc'd
 * (free each string and the array). -1 with err set on a bad name.
 */
int model_shard_paths(const char *path, char ***out, int *n);

/* 1 when the kernels can compute with tensors of type t (dequantize and dot). */
int model_type_supported(uint32_t t);

#endif
