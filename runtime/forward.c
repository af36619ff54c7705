/*
 * forward.c - the llama forward pass, written to compute what llama.cpp
 * computes (see ../shared/fixtures/README.md, "What llama.cpp computes"):
 *
 *   x = token_embd[tokens]
 *   per layer:  h = rmsnorm(x) * attn_norm
 *               q, k, v = Wq h, Wk h, Wv h;  RoPE (adjacent pairs) on q and k
 *               cache k, v;  att = softmax(q K^T / sqrt(head_dim), causal) V
 *               x += Wo att
 *               h = rmsnorm(x) * ffn_norm
 *               x += W_down (silu(W_gate h) * W_up h)
 *   logits = W_out (rmsnorm(x) * output_norm)
 *
 * The matmuls are the kernels' (kern_matmul converts the activations to the
 * weight type's dot type, as llama.cpp does). Where llama.cpp's float order
 * matters (sums of squares and softmax sums in double, the RoPE angle built
 * by repeated multiplication, ggml's own expf in SiLU and softmax:
 * kernels/act.h) it is followed exactly.
 *
 * Threads: each step is one phase on the state's pool (matmuls through
 * kern_matmul_ex; norms, RoPE and the cache stores split by rows; attention
 * by (row, head) pairs; SwiGLU by rows and fixed chunks of 1024). Every
 * output element is computed whole by one thread, in the order one thread
 * would use, so the thread count never changes a bit of the logits.
 */
#include "forward.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../kernels/act.h"
#include "../kernels/matmul.h"
#include "../kernels/threadpool.h"

#ifdef FORWARD_PROFILE
static void prof_print(void);
#endif

struct forward_state *forward_state_new(const struct model *m, int n_ctx, int n_batch, enum kv_type kv)
{
    const struct llama_hparams *hp = &m->hp;
    size_t q_dim = (size_t)hp->n_head * hp->head_dim, kv_dim = (size_t)hp->n_head_kv * hp->head_dim;

    if (n_ctx < 1 || n_batch < 1) {
        err_set("context size and batch size must be at least 1");
        return NULL;
    }
    if (n_batch > n_ctx)
        n_batch = n_ctx;
    struct forward_state *s = calloc(1, sizeof *s);
    if (!s) {
        err_errno("out of memory");
        return NULL;
    }
    s->m = m;
    s->n_ctx = n_ctx;
    s->n_batch = n_batch;
    size_t B = (size_t)n_batch;
    s->x = malloc(B * hp->n_embd * sizeof(float));
    s->xb = malloc(B * hp->n_embd * sizeof(float));
    s->q = malloc(B * q_dim * sizeof(float));
    s->k = malloc(B * kv_dim * sizeof(float));
    s->v = malloc(B * kv_dim * sizeof(float));
    s->att = malloc(B * q_dim * sizeof(float));
    s->xo = malloc(B * hp->n_embd * sizeof(float));
    s->gate = malloc(B * hp->n_ff * sizeof(float));
    s->up = malloc(B * hp->n_ff * sizeof(float));
    s->rope = malloc(B * hp->n_rot * sizeof(float));
    if (!s->x || !s->xb || !s->q || !s->k || !s->v || !s->att || !s->xo || !s->gate || !s->up || !s->rope) {
        forward_state_free(s);
        err_set("out of memory for the activations (batch %d); try a smaller batch", n_batch);
        return NULL;
    }
    if (!(s->kv = kv_cache_new((int)hp->n_layer, n_ctx, (int)hp->n_head_kv, (int)hp->head_dim, kv)) ||
        forward_state_set_pool(s, NULL)) {
        forward_state_free(s);
        return NULL;
    }
    return s;
}

/* Per-thread attention buffers for the pool's size. */
static int size_thread_buffers(struct forward_state *s, int nth)
{
    size_t ctx = ((size_t)s->n_ctx + 15) / 16 * 16; /* 64-byte rows */
    size_t wb = (kv_cache_work_bytes(s->kv) + 63) / 64 * 64;
    float *scores = aligned_alloc(64, (size_t)nth * ctx * sizeof(float));
    uint8_t *work = aligned_alloc(64, (size_t)nth * wb);
    if (!scores || !work) {
        free(scores);
        free(work);
        return err_set("out of memory for the attention buffers of %d threads", nth);
    }
    free(s->scores);
    free(s->kv_work);
    s->scores = scores;
    s->kv_work = work;
    s->kv_work_bytes = wb;
    s->n_threads = nth;
    return 0;
}

int forward_state_set_pool(struct forward_state *s, struct kern_pool *pool)
{
    if (size_thread_buffers(s, kern_pool_size(pool)))
        return -1;
    if (s->own_pool)
        kern_pool_free(s->pool);
    s->pool = pool;
    s->own_pool = 0;
    return 0;
}

int forward_state_set_threads(struct forward_state *s, int n_threads)
{
    if (n_threads < 0)
        return err_set("thread count %d is negative", n_threads);
    if (n_threads == 0)
        n_threads = kern_physical_cores();
    struct kern_pool *pool = NULL;
    if (n_threads > 1 && !(pool = kern_pool_new(n_threads)))
        return -1;
    if (forward_state_set_pool(s, pool)) {
        kern_pool_free(pool);
        return -1;
    }
    s->own_pool = pool != NULL;
    return 0;
}

void forward_state_free(struct forward_state *s)
{
    if (!s)
        return;
#ifdef FORWARD_PROFILE
    prof_print();
#endif
    if (s->own_pool)
        kern_pool_free(s->pool);
    kv_cache_free(s->kv);
    free(s->kv_work);
    free(s->x);
    free(s->xb);
    free(s->q);
    free(s->k);
    free(s->v);
    free(s->att);
    free(s->xo);
    free(s->gate);
    free(s->up);
    free(s->scores);
    free(s->rope);
    free(s);
}

/* --- the operations, one position (row) at a time ----------------------------------- */

/* out = x / sqrt(mean(x^2) + eps) * w; the sum in double, as ggml does. */
static void rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / n);
    const float scale = 1.0f / sqrtf(mean + eps);
    for (int i = 0; i < n; i++)
        out[i] = (x[i] * scale) * w[i];
}

/* cos/sin of every pair's angle at position pos: pos * base^(-2i/n_rot) * freq_scale / freq_factor[i]. */
static void rope_cache(float *cs, int pos, int n_rot, float base, float freq_scale, const float *factors)
{
    const float theta_scale = powf(base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (int i = 0; i < n_rot / 2; i++) {
        const float ff = factors ? factors[i] : 1.0f;
        const float t = freq_scale * (theta / ff);
        cs[2 * i] = cosf(t);
        cs[2 * i + 1] = sinf(t);
        theta *= theta_scale;
    }
}

/* Rotate the adjacent pairs (x[2i], x[2i+1]) of each of n_heads heads (llama.cpp's NORM mode). */
static void rope(float *x, int n_heads, int head_dim, const float *cs)
{
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        for (int i = 0; i < head_dim / 2; i++) {
            const float x0 = v[2 * i], x1 = v[2 * i + 1];
            v[2 * i] = x0 * cs[2 * i] - x1 * cs[2 * i + 1];
            v[2 * i + 1] = x0 * cs[2 * i + 1] + x1 * cs[2 * i];
        }
    }
}

static int matmul(struct forward_state *s, const struct gguf_tensor *w, const float *x, int n, float *out)
{
    if (kern_matmul_ex(w->type, w->data, w->ne[1], w->ne[0], x, n, out, s->pool))
        return err_prefix("tensor '%s'", w->name);
    return 0;
}

/* --- the phases of a batch, each split over the pool's threads ------------------------- */

#define FF_CHUNK 1024 /* SwiGLU work unit: a multiple of silu's blocks of 16 */
/*
 * A phase smaller than this many multiply-adds runs on the caller alone:
 * waking the pool and waiting for every thread costs more (and on a busy
 * machine a thread that is not running holds up the whole phase).
 */
#define SHARE_MIN_WORK (1 << 18)

/* A row of a several-sequence batch: whose cache, which position, where its logits go. */
struct fwd_row {
    struct kv_cache *kv;
    int pos;
    int one_row;          /* its sequence has this row alone (the single-row dot order, as a call of one token) */
    int out;              /* its index among the rows whose logits are wanted, or -1 */
};

struct batch {
    struct forward_state *s;
    const int32_t *tokens;
    const struct fwd_row *rows; /* NULL: one sequence, rows at pos, pos+1, ... of s->kv */
    int n, pos, layer;
    int row0;             /* first row a row phase touches */
    const float *norm;    /* the norm weights of a residual_norm phase */
    int add;              /* residual_norm adds xo to x first */
    int compact;          /* residual_norm writes row b to xb row rows[b].out, skipping rows without one */
    atomic_int next;      /* attention: the next (row, head) item */
    atomic_int failed;
};

static inline int row_pos(const struct batch *bt, int b)
{
    return bt->rows ? bt->rows[b].pos : bt->pos + b;
}

static inline struct kv_cache *row_kv(const struct batch *bt, int b)
{
    return bt->rows ? bt->rows[b].kv : bt->s->kv;
}

/* Run fn on every thread of the pool, or on the caller alone when the phase is too small to share. */
static void phase(struct batch *bt, kern_task_fn fn, int share)
{
    if (share && bt->s->pool)
        kern_pool_run(bt->s->pool, fn, bt);
    else
        fn(bt, 0, 1);
}

/* x = token_embd[tokens]; and each row's RoPE table. */
static void embed_rows(void *arg, int ith, int nth)
{
    struct batch *bt = arg;
    struct forward_state *s = bt->s;
    const struct model *m = s->m;
    const struct llama_hparams *hp = &m->hp;
    const int dim = (int)hp->n_embd;
    const size_t embd_row = ggml_row_size(m->tok_embd->type, dim);
    for (int b = ith; b < bt->n; b += nth) {
        const uint8_t *row = (const uint8_t *)m->tok_embd->data + (size_t)bt->tokens[b] * embd_row;
        if (kern_dequantize_row(m->tok_embd->type, row, s->x + (size_t)b * dim, dim))
            atomic_store(&bt->failed, 1);
        rope_cache(s->rope + (size_t)b * hp->n_rot, row_pos(bt, b), (int)hp->n_rot, hp->rope_freq_base,
                   hp->rope_freq_scale, m->rope_freqs);
    }
}

/* x += xo (when add), xb = rmsnorm(x) * norm, rows row0.. */
static void residual_norm(void *arg, int ith, int nth)
{
    struct batch *bt = arg;
    struct forward_state *s = bt->s;
    const int dim = (int)s->m->hp.n_embd;
    for (int b = bt->row0 + ith; b < bt->n; b += nth) {
        /* the final norm of several sequences packs the wanted rows (out <= b: no row is overwritten early) */
        const int to = bt->compact ? bt->rows[b].out : b;
        if (to < 0)
            continue;
        float *x = s->x + (size_t)b * dim;
        if (bt->add) {
            const float *xo = s->xo + (size_t)b * dim;
            for (int i = 0; i < dim; i++)
                x[i] += xo[i];
        }
        rmsnorm(s->xb + (size_t)to * dim, x, bt->norm, dim, s->m->hp.rms_eps);
    }
}

/* RoPE on q and k, then k and v into the cache. */
static void rope_store(void *arg, int ith, int nth)
{
    struct batch *bt = arg;
    struct forward_state *s = bt->s;
    const struct llama_hparams *hp = &s->m->hp;
    const int hd = (int)hp->head_dim, q_dim = (int)hp->n_head * hd, kv_dim = (int)hp->n_head_kv * hd;
    for (int b = ith; b < bt->n; b += nth) {
        const float *cs = s->rope + (size_t)b * hp->n_rot;
        rope(s->q + (size_t)b * q_dim, (int)hp->n_head, hd, cs);
        rope(s->k + (size_t)b * kv_dim, (int)hp->n_head_kv, hd, cs);
        kv_cache_store(row_kv(bt, b), bt->layer, row_pos(bt, b), s->k + (size_t)b * kv_dim, s->v + (size_t)b * kv_dim);
    }
}

/*
 * att = softmax(q K^T / sqrt(head_dim), causal) V. A work item is one row
 * and one KV head with the query heads that share it, and the items go KV
 * head by KV head, so a head's keys and values (n_kv x head_dim, f16) stay
 * in L2 while every row of the batch and every query head of the group use
 * them: a long prompt reads the cache from memory once per layer, not once
 * per row and head. Each row's scores are one buffer of n_kv floats per
 * thread; no n_tokens x n_ctx matrix exists. The products and the softmax
 * are the exact ones of llama.cpp's non-flash path (Q in f16 for QK^T,
 * probabilities in f16 for PV), so tiling changes no bit.
 */
static void attention(void *arg, int ith, int nth)
{
    (void)nth;
    struct batch *bt = arg;
    struct forward_state *s = bt->s;
    const struct llama_hparams *hp = &s->m->hp;
    const int hd = (int)hp->head_dim, q_dim = (int)hp->n_head * hd;
    const int group = (int)(hp->n_head / hp->n_head_kv); /* consecutive query heads share a KV head */
    const float kq_scale = 1.0f / sqrtf((float)hd);
    float *scores = s->scores + (size_t)ith * (((size_t)s->n_ctx + 15) / 16 * 16);
    void *work = s->kv_work + (size_t)ith * s->kv_work_bytes;
    const int items = bt->n * (int)hp->n_head_kv;
    for (int it; (it = atomic_fetch_add_explicit(&bt->next, 1, memory_order_relaxed)) < items;) {
        const int kvh = it / bt->n, b = it % bt->n;
        const int n_kv = row_pos(bt, b) + 1; /* causal: this position and every earlier one */
        const int one_row = bt->rows ? bt->rows[b].one_row : bt->n == 1;
        struct kv_cache *kv = row_kv(bt, b);
        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            const size_t off = (size_t)b * q_dim + (size_t)h * hd;
            kv_cache_scores_w(kv, bt->layer, kvh, s->q + off, n_kv, one_row, scores, work);
            kern_softmax(scores, n_kv, kq_scale);
            kv_cache_mix_w(kv, bt->layer, kvh, scores, n_kv, one_row, s->att + off, work);
        }
    }
}

/* gate = silu(gate) * up, in chunks of FF_CHUNK of each row. */
static void swiglu(void *arg, int ith, int nth)
{
    struct batch *bt = arg;
    struct forward_state *s = bt->s;
    const int n_ff = (int)s->m->hp.n_ff, chunks = (n_ff + FF_CHUNK - 1) / FF_CHUNK;
    for (int it = ith; it < bt->n * chunks; it += nth) {
        const int b = it / chunks, c0 = it % chunks * FF_CHUNK;
        const int len = n_ff - c0 < FF_CHUNK ? n_ff - c0 : FF_CHUNK;
        float *g = s->gate + (size_t)b * n_ff + c0;
        const float *u = s->up + (size_t)b * n_ff + c0;
        kern_silu(g, len); /* c0 is a multiple of 16: the same blocks as one call over the row */
        for (int i = 0; i < len; i++)
            g[i] *= u[i];
    }
}

/* --- one batch of at most n_batch tokens ----------------------------------------------- */

/*
 * Build with -DFORWARD_PROFILE to print the thread CPU time and wall time of
 * each step to stderr when the state is freed (a developer's tool, off in
 * every normal build).
 */
#ifdef FORWARD_PROFILE
#include <stdio.h>
#include <time.h>
enum { P_EMBED, P_NORM, P_QKV, P_ROPE, P_ATT, P_WO, P_GATEUP, P_SWIGLU, P_DOWN, P_OUT, P_N };
static const char *const prof_names[P_N] = { "embed", "norm", "qkv", "rope+store", "attention", "wo",
                                            "gate+up", "swiglu", "down", "output" };
static double prof_cpu[P_N], prof_wall[P_N];
static double prof_clock(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define PROF_DECL double pc_, pw_
#define PROF_START() (pc_ = prof_clock(CLOCK_THREAD_CPUTIME_ID), pw_ = prof_clock(CLOCK_MONOTONIC))
#define PROF_STOP(i) (prof_cpu[i] += prof_clock(CLOCK_THREAD_CPUTIME_ID) - pc_, \
                      prof_wall[i] += prof_clock(CLOCK_MONOTONIC) - pw_)
static void prof_print(void)
{
    double tc = 0, tw = 0;
    for (int i = 0; i < P_N; i++)
        tc += prof_cpu[i], tw += prof_wall[i];
    for (int i = 0; i < P_N; i++)
        fprintf(stderr, "%-11s cpu %8.3fs %5.1f%%  wall %8.3fs %5.1f%%\n", prof_names[i], prof_cpu[i],
                100 * prof_cpu[i] / tc, prof_wall[i], 100 * prof_wall[i] / tw);
}
#else
#define PROF_DECL int prof_unused_ __attribute__((unused))
#define PROF_START() ((void)0)
#define PROF_STOP(i) ((void)0)
#endif

/*
 * The layers over n rows: one sequence at pos.. (rows NULL) or the rows of
 * several. Then the logits: of rows out_from.. (one sequence) or of the
 * rows with an output index (several, n_out of them), into logits.
 */
static int forward_rows(struct forward_state *s, const int32_t *tokens, const struct fwd_row *rows, int n, int pos,
                        int out_from, int n_out, float *logits)
{
    const struct model *m = s->m;
    const struct llama_hparams *hp = &m->hp;
    const int dim = (int)hp->n_embd;
    const int many = n > 1; /* row phases are worth sharing */
    const int q_dim = (int)(hp->n_head * hp->head_dim);
    struct batch bt = { .s = s, .tokens = tokens, .rows = rows, .n = n, .pos = pos };
    atomic_init(&bt.next, 0);
    atomic_init(&bt.failed, 0);

    PROF_DECL;
    PROF_START();
    phase(&bt, embed_rows, many);
    PROF_STOP(P_EMBED);
    if (atomic_load(&bt.failed))
        return err_prefix("token_embd.weight");

    for (int l = 0; l < (int)hp->n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];
        bt.layer = l;

        /* attention; the previous layer's feed-forward output joins the residual here */
        bt.norm = L->attn_norm;
        bt.add = l > 0;
        PROF_START();
        phase(&bt, residual_norm, many);
        PROF_STOP(P_NORM);
        PROF_START();
        if (matmul(s, L->wq, s->xb, n, s->q) || matmul(s, L->wk, s->xb, n, s->k) || matmul(s, L->wv, s->xb, n, s->v))
            return -1;
        PROF_STOP(P_QKV);
        PROF_START();
        phase(&bt, rope_store, many);
        PROF_STOP(P_ROPE);
        PROF_START();
        atomic_store(&bt.next, 0);
        phase(&bt, attention, many || (int64_t)(pos + 1) * q_dim >= SHARE_MIN_WORK);
        PROF_STOP(P_ATT);
        PROF_START();
        if (matmul(s, L->wo, s->att, n, s->xo))
            return -1;
        PROF_STOP(P_WO);

        /* feed-forward (SwiGLU) */
        bt.norm = L->ffn_norm;
        bt.add = 1;
        PROF_START();
        phase(&bt, residual_norm, many);
        PROF_STOP(P_NORM);
        PROF_START();
        if (matmul(s, L->ffn_gate, s->xb, n, s->gate) || matmul(s, L->ffn_up, s->xb, n, s->up))
            return -1;
        PROF_STOP(P_GATEUP);
        PROF_START();
        phase(&bt, swiglu, (int64_t)n * hp->n_ff >= SHARE_MIN_WORK);
        PROF_STOP(P_SWIGLU);
        PROF_START();
        if (matmul(s, L->ffn_down, s->gate, n, s->xo))
            return -1;
        PROF_STOP(P_DOWN);
    }

    /* logits of the rows that were asked for */
    if (rows) {
        out_from = n - n_out; /* packed in xb rows out_from.. below */
        bt.compact = 1;
    }
    if (out_from >= n)
        return 0;
    bt.norm = m->output_norm;
    bt.add = 1;
    bt.row0 = rows ? 0 : out_from;
    PROF_START();
    phase(&bt, residual_norm, n - out_from > 1);
    int rc = matmul(s, m->output, s->xb + (size_t)(rows ? 0 : out_from) * dim, n - out_from, logits);
    PROF_STOP(P_OUT);
    return rc;
}

int forward(struct forward_state *s, const int32_t *tokens, int n, int pos, int out_from, float *logits)
{
    const uint32_t n_vocab = s->m->hp.n_vocab;

    if (n < 1 || pos < 0)
        return err_set("nothing to evaluate (%d tokens at position %d)", n, pos);
    if (n > s->n_ctx - pos)
        return err_set("%d tokens at position %d do not fit in the context of %d; use a larger --ctx-size", n, pos,
                       s->n_ctx);
    for (int i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= n_vocab)
            return err_set("token id %d out of range (vocabulary of %u)", tokens[i], n_vocab);
    if (out_from < 0)
        out_from = 0;

    for (int i = 0; i < n; i += s->n_batch) {
        int nb = n - i < s->n_batch ? n - i : s->n_batch;
        int from = out_from - i;
        if (from < 0)
            from = 0;
        float *out = NULL;
        if (from < nb)
            out = logits + (size_t)(i + from - out_from) * n_vocab;
        if (forward_rows(s, tokens + i, NULL, nb, pos + i, from, 0, out))
            return -1;
    }
    return 0;
}

int forward_multi(struct forward_state *work, const struct forward_seq *seqs, int n_seqs)
{
    const struct llama_hparams *hp = &work->m->hp;
    int n = 0, n_out = 0;

    for (int i = 0; i < n_seqs; i++) {
        const struct forward_seq *q = &seqs[i];
        const struct kv_cache *kv = q->state->kv;
        if (q->state->m != work->m)
            return err_set("sequence %d belongs to another model", i);
        if (kv->n_ctx > work->n_ctx || kv->type != work->kv->type)
            return err_set("sequence %d: its cache (%d positions, %s) is not like the working state's (%d, %s)", i,
                           kv->n_ctx, kv_type_name(kv->type), work->n_ctx, kv_type_name(work->kv->type));
        if (q->n < 1 || q->pos < 0 || q->n > kv->n_ctx - q->pos)
            return err_set("sequence %d: %d tokens at position %d do not fit in its context of %d", i, q->n, q->pos,
                           kv->n_ctx);
        for (int j = 0; j < q->n; j++)
            if (q->tokens[j] < 0 || (uint32_t)q->tokens[j] >= hp->n_vocab)
                return err_set("sequence %d: token id %d out of range (vocabulary of %u)", i, q->tokens[j],
                               hp->n_vocab);
        for (int k = 0; k < i; k++)
            if (seqs[k].state->kv == kv)
                return err_set("sequences %d and %d share a cache", k, i);
        n += q->n;
        n_out += q->n - (q->out_from < 0 ? 0 : q->out_from < q->n ? q->out_from : q->n);
    }
    if (n < 1)
        return err_set("nothing to evaluate");
    if (n > work->n_batch)
        return err_set("%d tokens in all is more than the batch of %d; evaluate fewer sequences at once", n,
                       work->n_batch);

    struct fwd_row *rows = malloc((size_t)n * sizeof *rows);
    int32_t *tokens = malloc((size_t)n * sizeof *tokens);
    float *logits = n_out ? malloc((size_t)n_out * hp->n_vocab * sizeof *logits) : NULL;
    if (!rows || !tokens || (n_out && !logits)) {
        free(rows);
        free(tokens);
        free(logits);
        return err_set("out of memory for a batch of %d rows", n);
    }
    int b = 0, o = 0;
    for (int i = 0; i < n_seqs; i++) {
        const struct forward_seq *q = &seqs[i];
        const int from = q->out_from < 0 ? 0 : q->out_from;
        for (int j = 0; j < q->n; j++, b++) {
            tokens[b] = q->tokens[j];
            rows[b] = (struct fwd_row){ q->state->kv, q->pos + j, q->n == 1, j >= from ? o++ : -1 };
        }
    }
    int rc = forward_rows(work, tokens, rows, n, 0, 0, n_out, logits);
    if (rc == 0)
        for (int i = 0, first = 0; i < n_seqs; i++) {
            const struct forward_seq *q = &seqs[i];
            const int from = q->out_from < 0 ? 0 : q->out_from < q->n ? q->out_from : q->n;
            if (q->n > from)
                memcpy(q->logits, logits + (size_t)first * hp->n_vocab,
                       (size_t)(q->n - from) * hp->n_vocab * sizeof *logits);
            first += q->n - from;
        }
    free(rows);
    free(tokens);
    free(logits);
    return rc;
}
