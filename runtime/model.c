/*
 * model.c - binds a llama GGUF (one file or its shards) to struct model.
 *
 * Everything here reads headers only: hyper-parameters from the key/values,
 * then every tensor looked up by name and checked against them. The one rule
 * is that a model we accept must be one the forward pass can run without a
 * further check: shapes, types and bounds are all verified here.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../kernels/ggml-type.h"

/* --- hyper-parameters ------------------------------------------------------ */

/* "<arch>.<suffix>" into buf. */
static const char *akey(char *buf, size_t size, const char *arch, const char *suffix)
{
    snprintf(buf, size, "%s.%s", arch, suffix);
    return buf;
}

static int need_u32(const struct gguf *g, const char *key, uint32_t *out)
{
    int r = gguf_get_u32(g, key, out);
    if (r == 1)
        return err_set("missing metadata key '%s'", key);
    if (r < 0)
        return err_prefix("metadata key '%s'", key);
    if (*out == 0)
        return err_set("metadata key '%s' is 0", key);
    return 0;
}

static int opt_u32(const struct gguf *g, const char *key, uint32_t *out)
{
    int r = gguf_get_u32(g, key, out);
    if (r < 0)
        return err_prefix("metadata key '%s'", key);
    if (r == 0 && *out == 0)
        return err_set("metadata key '%s' is 0", key);
    return 0;
}

static int opt_f32(const struct gguf *g, const char *key, float *out)
{
    if (gguf_get_f32(g, key, out) < 0)
        return err_prefix("metadata key '%s'", key);
    return 0;
}

int model_hparams(const struct gguf *g, struct llama_hparams *hp)
{
    char k[128];
    struct gguf_str s;
    const struct gguf_array *toks;

    memset(hp, 0, sizeof *hp);
    int r = gguf_get_str(g, "general.architecture", &s);
    if (r == 1)
        return err_set("missing metadata key 'general.architecture'");
    if (r < 0)
        return -1;
    if (!gguf_str_eq(s, "llama")) {
        char *a = gguf_strdup(s);
        err_set("unsupported architecture '%s' (this runtime runs 'llama' models)", a ? a : "?");
        free(a);
        return -1;
    }
    snprintf(hp->arch, sizeof hp->arch, "llama");
    const char *a = hp->arch;

    if (need_u32(g, akey(k, sizeof k, a, "context_length"), &hp->n_ctx_train) ||
        need_u32(g, akey(k, sizeof k, a, "embedding_length"), &hp->n_embd) ||
        need_u32(g, akey(k, sizeof k, a, "block_count"), &hp->n_layer) ||
        need_u32(g, akey(k, sizeof k, a, "feed_forward_length"), &hp->n_ff) ||
        need_u32(g, akey(k, sizeof k, a, "attention.head_count"), &hp->n_head))
        return -1;
    hp->n_head_kv = hp->n_head;
    if (opt_u32(g, akey(k, sizeof k, a, "attention.head_count_kv"), &hp->n_head_kv))
        return -1;
    if (hp->n_embd % hp->n_head)
        return err_set("embedding_length %u is not a multiple of head_count %u", hp->n_embd, hp->n_head);
    hp->head_dim = hp->n_embd / hp->n_head;
    if (opt_u32(g, akey(k, sizeof k, a, "attention.key_length"), &hp->head_dim))
        return -1;
    uint32_t vlen = hp->head_dim;
    if (opt_u32(g, akey(k, sizeof k, a, "attention.value_length"), &vlen))
        return -1;
    if (vlen != hp->head_dim)
        return err_set("attention.value_length %u differs from key_length %u (not supported)", vlen, hp->head_dim);
    hp->n_rot = hp->head_dim;
    if (opt_u32(g, akey(k, sizeof k, a, "rope.dimension_count"), &hp->n_rot))
        return -1;
    if (hp->n_rot != hp->head_dim)
        return err_set("rope.dimension_count %u differs from the head size %u (partial RoPE is not supported)",
                       hp->n_rot, hp->head_dim);
    if (hp->head_dim % 2)
        return err_set("head size %u is odd", hp->head_dim);
    if (hp->n_head % hp->n_head_kv)
        return err_set("head_count %u is not a multiple of head_count_kv %u", hp->n_head, hp->n_head_kv);
    if (hp->n_layer > 4096 || hp->n_head > 4096 || hp->head_dim > 4096 || hp->n_embd > (1u << 20) ||
        hp->n_ff > (1u << 22))
        return err_set("implausible hyper-parameters (layers %u, heads %u, width %u, ffn %u)", hp->n_layer,
                       hp->n_head, hp->n_embd, hp->n_ff);

    /* llama.cpp requires the epsilon for llama; so do we. */
    akey(k, sizeof k, a, "attention.layer_norm_rms_epsilon");
    r = gguf_get_f32(g, k, &hp->rms_eps);
    if (r == 1)
        return err_set("missing metadata key '%s'", k);
    if (r < 0)
        return -1;
    hp->rope_freq_base = 10000.0f;
    if (opt_f32(g, akey(k, sizeof k, a, "rope.freq_base"), &hp->rope_freq_base))
        return -1;

    /* RoPE scaling: only linear (a plain frequency scale) is supported besides none. */
    float factor = 0.0f;
    if (opt_f32(g, akey(k, sizeof k, a, "rope.scaling.factor"), &factor) ||
        opt_f32(g, akey(k, sizeof k, a, "rope.scale_linear"), &factor))
        return -1;
    if (gguf_get_str(g, akey(k, sizeof k, a, "rope.scaling.type"), &s) == 0 && !gguf_str_eq(s, "none") &&
        !gguf_str_eq(s, "linear")) {
        char *t = gguf_strdup(s);
        err_set("unsupported RoPE scaling '%s' (supported: none, linear)", t ? t : "?");
        free(t);
        return -1;
    }
    hp->rope_freq_scale = factor == 0.0f ? 1.0f : 1.0f / factor;

    /* The vocabulary size comes from the tokenizer when present, else from token_embd. */
    if (gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_STRING, &toks) == 0)
        hp->n_vocab = (uint32_t)toks->n;
    else {
        const struct gguf_tensor *t = gguf_find_tensor(g, "token_embd.weight");
        if (t)
            hp->n_vocab = (uint32_t)t->ne[1];
    }
    return 0;
}

/* --- split files -------------------------------------------------------------- */

int model_shard_paths(const char *path, char ***out, int *n)
{
    const char *tail = strstr(path, "-of-");
    const char *dash = NULL;
    unsigned no = 0, count = 0;
    int used = 0;

    /* Find the last "-NNNNN-of-NNNNN.gguf". */
    for (const char *p = path; (p = strstr(p, "-of-")) != NULL; p++)
        tail = p;
    if (tail && tail - path >= 6) {
        dash = tail - 6;
        if (*dash == '-' && sscanf(dash, "-%5u-of-%5u.gguf%n", &no, &count, &used) == 2 && dash[used] == '\0' &&
            used == 20)
            ;
        else
            dash = NULL;
    }
    if (!dash) {
        *out = malloc(sizeof **out);
        if (!*out || !((*out)[0] = strdup(path))) {
            free(*out);
            return err_errno("out of memory");
        }
        *n = 1;
        return 0;
    }
    if (count == 0 || no == 0 || no > count || count > 99999)
        return err_set("%s: bad split name (shard %u of %u)", path, no, count);
    size_t prefix = (size_t)(dash - path);
    char **v = calloc(count, sizeof *v);
    if (!v)
        return err_errno("out of memory");
    for (unsigned i = 0; i < count; i++) {
        v[i] = malloc(prefix + 32);
        if (!v[i]) {
            for (unsigned j = 0; j < i; j++)
                free(v[j]);
            free(v);
            return err_errno("out of memory");
        }
        memcpy(v[i], path, prefix);
        snprintf(v[i] + prefix, 32, "-%05u-of-%05u.gguf", (i + 1) % 100000, count % 100000);
    }
    *out = v;
    *n = (int)count;
    return 0;
}

/* --- tensors ------------------------------------------------------------------- */

int model_type_supported(uint32_t t)
{
    const struct ggml_type_traits *tr = ggml_get_type_traits(t);
    return tr && tr->to_float && tr->vec_dot && ggml_get_type_traits(tr->vec_dot_type) &&
           ggml_get_type_traits(tr->vec_dot_type)->from_float;
}

static const struct gguf_tensor *find_tensor(const struct model *m, const char *name)
{
    for (int i = 0; i < m->n_shards; i++) {
        const struct gguf_tensor *t = gguf_find_tensor(m->shards[i], name);
        if (t)
            return t;
    }
    return NULL;
}

/* Look up a tensor and check its shape (ne1 = 0 for a vector). */
static const struct gguf_tensor *bind(const struct model *m, const char *name, int64_t ne0, int64_t ne1,
                                      int optional)
{
    const struct gguf_tensor *t = find_tensor(m, name);
    if (!t) {
        if (!optional)
            err_set("tensor '%s' is missing", name);
        return NULL;
    }
    uint32_t want_dims = ne1 ? 2 : 1;
    int ok = t->ne[0] == ne0 && (ne1 ? t->ne[1] == ne1 : t->ne[1] == 1) && t->ne[2] == 1 && t->ne[3] == 1;
    if (!ok || t->n_dims > want_dims) {
        if (ne1)
            err_set("tensor '%s' has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld] from the hyper-parameters",
                    name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3],
                    (long long)ne0, (long long)ne1);
        else
            err_set("tensor '%s' has shape [%lld, %lld, %lld, %lld], expected [%lld] from the hyper-parameters",
                    name, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3],
                    (long long)ne0);
        return NULL;
    }
    if (ne1 && !model_type_supported(t->type)) {
        err_set("tensor '%s' has type %s, which this runtime cannot compute with yet", name, ggml_type_name(t->type));
        return NULL;
    }
    if (ne1 && ggml_row_size(t->type, ne0) == 0) {
        err_set("tensor '%s': row length %lld is not a multiple of the %s block size", name, (long long)ne0,
                ggml_type_name(t->type));
        return NULL;
    }
    if (!ne1 && t->type != GGML_TYPE_F32) {
        err_set("tensor '%s' has type %s; vectors (norms, rope factors) must be F32", name,
                ggml_type_name(t->type));
        return NULL;
    }
    if (!t->data) {
        err_set("tensor '%s' has no data (header-only file)", name);
        return NULL;
    }
    /* gguf_open checked the bytes lie inside the file; check the size matches the shape. */
    uint64_t want = (uint64_t)ggml_row_size(t->type, ne0) * (uint64_t)(ne1 ? ne1 : 1);
    if (t->size < want) {
        err_set("tensor '%s' holds %llu bytes, its shape needs %llu", name, (unsigned long long)t->size,
                (unsigned long long)want);
        return NULL;
    }
    return t;
}

static const float *bind_vec(const struct model *m, const char *name, int64_t n, int optional)
{
    const struct gguf_tensor *t = bind(m, name, n, 0, optional);
    return t ? (const float *)t->data : NULL;
}

static int bind_all(struct model *m)
{
    const struct llama_hparams *hp = &m->hp;
    int64_t q_dim = (int64_t)hp->n_head * hp->head_dim, kv_dim = (int64_t)hp->n_head_kv * hp->head_dim;
    char name[96];

    if (!(m->tok_embd = bind(m, "token_embd.weight", hp->n_embd, hp->n_vocab, 0)))
        return -1;
    if (!(m->output_norm = bind_vec(m, "output_norm.weight", hp->n_embd, 0)))
        return -1;
    m->output = bind(m, "output.weight", hp->n_embd, hp->n_vocab, 1);
    if (!m->output) {
        if (find_tensor(m, "output.weight"))
            return -1;
        m->output = m->tok_embd; /* tied embeddings */
    }
    m->rope_freqs = bind_vec(m, "rope_freqs.weight", hp->n_rot / 2, 1);
    if (!m->rope_freqs && find_tensor(m, "rope_freqs.weight"))
        return -1;

    m->layers = calloc(hp->n_layer, sizeof *m->layers);
    if (!m->layers)
        return err_errno("out of memory");
    for (uint32_t i = 0; i < hp->n_layer; i++) {
        struct llama_layer *l = &m->layers[i];
#define NAME(s) (snprintf(name, sizeof name, "blk.%u." s, i), name)
        if (!(l->attn_norm = bind_vec(m, NAME("attn_norm.weight"), hp->n_embd, 0)) ||
            !(l->wq = bind(m, NAME("attn_q.weight"), hp->n_embd, q_dim, 0)) ||
            !(l->wk = bind(m, NAME("attn_k.weight"), hp->n_embd, kv_dim, 0)) ||
            !(l->wv = bind(m, NAME("attn_v.weight"), hp->n_embd, kv_dim, 0)) ||
            !(l->wo = bind(m, NAME("attn_output.weight"), q_dim, hp->n_embd, 0)) ||
            !(l->ffn_norm = bind_vec(m, NAME("ffn_norm.weight"), hp->n_embd, 0)) ||
            !(l->ffn_gate = bind(m, NAME("ffn_gate.weight"), hp->n_embd, hp->n_ff, 0)) ||
            !(l->ffn_up = bind(m, NAME("ffn_up.weight"), hp->n_embd, hp->n_ff, 0)) ||
            !(l->ffn_down = bind(m, NAME("ffn_down.weight"), hp->n_ff, hp->n_embd, 0)))
            return -1;
#undef NAME
    }
    /* A block index beyond block_count means the metadata and tensors disagree. */
    snprintf(name, sizeof name, "blk.%u.attn_norm.weight", hp->n_layer);
    if (find_tensor(m, name))
        return err_set("tensor '%s' exists but block_count is %u", name, hp->n_layer);
    return 0;
}

/* --- open / free ----------------------------------------------------------------- */

/* Put the shards in split.no order and check they belong together. */
static int order_shards(struct model *m, char **names)
{
    if (m->n_shards == 1) {
        uint32_t count = 1;
        if (gguf_get_u32(m->shards[0], "split.count", &count) == 0 && count > 1)
            return err_set("%s is shard of a split model of %u files; give the first (-00001-of-%05u.gguf) or all",
                           names[0], count, count);
        return 0;
    }
    struct gguf **sorted = calloc((size_t)m->n_shards, sizeof *sorted);
    if (!sorted)
        return err_errno("out of memory");
    for (int i = 0; i < m->n_shards; i++) {
        uint32_t no = 0, count = 0;
        if (gguf_get_u32(m->shards[i], "split.no", &no) != 0 ||
            gguf_get_u32(m->shards[i], "split.count", &count) != 0) {
            free(sorted);
            return err_set("%s: not a split GGUF shard (no split.no / split.count)", names[i]);
        }
        if (count != (uint32_t)m->n_shards || no >= count || sorted[no]) {
            free(sorted);
            return err_set("%s: shard %u of %u does not fit a set of %d files", names[i], no, count, m->n_shards);
        }
        sorted[no] = m->shards[i];
    }
    memcpy(m->shards, sorted, (size_t)m->n_shards * sizeof *sorted);
    free(sorted);
    return 0;
}

struct model *model_open(const char *const *paths, int n_paths)
{
    char **names = NULL;
    int n_names = 0;

    if (n_paths < 1) {
        err_set("no model file given");
        return NULL;
    }
    if (n_paths == 1) {
        if (model_shard_paths(paths[0], &names, &n_names))
            return NULL;
    } else {
        names = calloc((size_t)n_paths, sizeof *names);
        if (!names) {
            err_errno("out of memory");
            return NULL;
        }
        for (int i = 0; i < n_paths; i++)
            if (!(names[n_names++] = strdup(paths[i]))) {
                err_errno("out of memory");
                goto fail_names;
            }
    }

    struct model *m = calloc(1, sizeof *m);
    if (!m || !(m->shards = calloc((size_t)n_names, sizeof *m->shards))) {
        err_errno("out of memory");
        free(m);
        goto fail_names;
    }
    for (int i = 0; i < n_names; i++) {
        if (!(m->shards[i] = gguf_open(names[i])))
            goto fail;
        m->n_shards++;
        for (uint64_t t = 0; t < m->shards[i]->n_tensors; t++)
            m->weight_bytes += m->shards[i]->tensors[t].size;
    }
    if (order_shards(m, names))
        goto fail_named;
    m->meta = m->shards[0];
    if (model_hparams(m->meta, &m->hp) || bind_all(m))
        goto fail_named;
    for (int i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    return m;

fail_named:
    err_prefix("%s", names[0]);
fail:
    model_free(m);
fail_names:
    for (int i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    return NULL;
}

int model_hugepages_wanted(int by_default)
{
    const char *env = getenv("MODEL_HUGEPAGES");
    return env && *env ? strcmp(env, "0") != 0 : by_default;
}

void model_use_hugepages(struct model *m, int by_default)
{
    if (!model_hugepages_wanted(by_default))
        return;
    for (int i = 0; i < m->n_shards; i++)
        gguf_move_to_hugepages(m->shards[i]);
}

struct model *model_from_gguf(struct gguf *g)
{
    struct model *m = calloc(1, sizeof *m);
    if (!m || !(m->shards = calloc(1, sizeof *m->shards))) {
        err_errno("out of memory");
        free(m);
        gguf_close(g);
        return NULL;
    }
    m->shards[0] = g;
    m->n_shards = 1;
    m->meta = g;
    for (uint64_t t = 0; t < g->n_tensors; t++)
        m->weight_bytes += g->tensors[t].size;
    if (model_hparams(g, &m->hp) || bind_all(m)) {
        model_free(m);
        return NULL;
    }
    return m;
}

void model_free(struct model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->n_shards; i++)
        gguf_close(m->shards[i]);
    free(m->shards);
    free(m->layers);
    free(m);
}
