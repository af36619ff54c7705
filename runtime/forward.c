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
 * by repeated multiplication) it is followed exactly.
 */
#include "forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../kernels/matmul.h"
#include "../kernels/threadpool.h"

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
    s->scores = malloc((size_t)n_ctx * sizeof(float));
    s->rope = malloc((size_t)hp->n_rot * sizeof(float));
    if (!s->x || !s->xb || !s->q || !s->k || !s->v || !s->att || !s->xo || !s->gate || !s->up || !s->scores ||
        !s->rope) {
        forward_state_free(s);
        err_set("out of memory for the activations (batch %d); try a smaller batch", n_batch);
        return NULL;
    }
    if (!(s->kv = kv_cache_new((int)hp->n_layer, n_ctx, (int)hp->n_head_kv, (int)hp->head_dim, kv))) {
        forward_state_free(s);
        return NULL;
    }
    return s;
}

int forward_state_set_threads(struct forward_state *s, int n_threads)
{
    if (n_threads < 0)
        return err_set("the thread count must be positive, not %d", n_threads);
    if (n_threads == 0)
        n_threads = kern_physical_cores();
    kern_pool_free(s->pool);
    s->pool = NULL;
    if (n_threads > 1 && !(s->pool = kern_pool_new(n_threads)))
        return -1;
    return 0;
}

void forward_state_free(struct forward_state *s)
{
    if (!s)
        return;
    kern_pool_free(s->pool);
    kv_cache_free(s->kv);
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

/*
 * expf as ggml computes it on AVX-512 CPUs (ggml_v_expf, after ARM's optimized
 * routine: a degree-5 polynomial on the reduced argument, scaled by 2^n),
 * written out one lane at a time with fmaf so the bits are the same. libm's
 * expf differs in the last bit now and then, and such a bit can flip the
 * rounding of a quantized activation further on.
 */
static float ggml_expf(float x)
{
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    if (fabsf(n) > 192.0f)
        return n <= 0.0f ? 0.0f : INFINITY;
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    return ldexpf(j, (int)n);
}

/* The sum of 16 lanes in the order of _mm512_reduce_add_ps: halves, then quarters, then pairs. */
static float reduce16(const float *v)
{
    float t8[8], t4[4];
    for (int i = 0; i < 8; i++)
        t8[i] = v[i + 8] + v[i];
    for (int i = 0; i < 4; i++)
        t4[i] = t8[i + 4] + t8[i];
    return (t4[0] + t4[2]) + (t4[1] + t4[3]);
}

/*
 * p = softmax(p * scale) over n values, as ggml_soft_max_ext on AVX-512:
 * exps in blocks of 16 (llama.cpp pads the attended length to a multiple of
 * 32 with masked entries, whose exp is 0), each block summed as a vector
 * reduction and the block sums added in double, then one multiply by the
 * reciprocal.
 */
static void softmax(float *p, int n, float scale)
{
    float max = -INFINITY;
    for (int j = 0; j < n; j++) {
        p[j] *= scale;
        if (p[j] > max)
            max = p[j];
    }
    double sum = 0.0;
    for (int j0 = 0; j0 < n; j0 += 16) {
        float lane[16] = { 0 };
        for (int l = 0; l < 16 && j0 + l < n; l++)
            lane[l] = p[j0 + l] = ggml_expf(p[j0 + l] - max);
        sum += (double)reduce16(lane);
    }
    const float inv = (float)(1.0 / sum);
    for (int j = 0; j < n; j++)
        p[j] *= inv;
}

/* silu(x) = x / (1 + exp(-x)), with ggml's exp for whole blocks of 16 and libm's for the tail, as ggml_vec_silu_f32. */
static void silu(float *x, int n)
{
    int i = 0;
    for (; i + 15 < n; i += 16)
        for (int l = i; l < i + 16; l++)
            x[l] = x[l] / (1.0f + ggml_expf(0.0f - x[l]));
    for (; i < n; i++)
        x[i] = x[i] / (1.0f + expf(-x[i]));
}

static int matmul(struct forward_state *s, const struct gguf_tensor *w, const float *x, int n, float *out)
{
    if (kern_matmul_ex(w->type, w->data, w->ne[1], w->ne[0], x, n, out, s->pool))
        return err_prefix("tensor '%s'", w->name);
    return 0;
}

/* --- one batch of at most n_batch tokens ----------------------------------------------- */

static int forward_batch(struct forward_state *s, const int32_t *tokens, int n, int pos, int out_from, float *logits)
{
    const struct model *m = s->m;
    const struct llama_hparams *hp = &m->hp;
    const int dim = (int)hp->n_embd, hd = (int)hp->head_dim, n_ff = (int)hp->n_ff;
    const int q_dim = (int)hp->n_head * hd, kv_dim = (int)hp->n_head_kv * hd;
    const int group = (int)(hp->n_head / hp->n_head_kv); /* consecutive query heads share a KV head */
    const float kq_scale = 1.0f / sqrtf((float)hd);
    const size_t embd_row = ggml_row_size(m->tok_embd->type, dim);

    /* x = token_embd[tokens] */
    for (int b = 0; b < n; b++) {
        const uint8_t *row = (const uint8_t *)m->tok_embd->data + (size_t)tokens[b] * embd_row;
        if (kern_dequantize_row(m->tok_embd->type, row, s->x + (size_t)b * dim, dim))
            return err_prefix("token_embd.weight");
    }

    for (int l = 0; l < (int)hp->n_layer; l++) {
        const struct llama_layer *L = &m->layers[l];

        /* attention */
        for (int b = 0; b < n; b++)
            rmsnorm(s->xb + (size_t)b * dim, s->x + (size_t)b * dim, L->attn_norm, dim, hp->rms_eps);
        if (matmul(s, L->wq, s->xb, n, s->q) || matmul(s, L->wk, s->xb, n, s->k) || matmul(s, L->wv, s->xb, n, s->v))
            return -1;
        for (int b = 0; b < n; b++) {
            rope_cache(s->rope, pos + b, (int)hp->n_rot, hp->rope_freq_base, hp->rope_freq_scale, m->rope_freqs);
            rope(s->q + (size_t)b * q_dim, (int)hp->n_head, hd, s->rope);
            rope(s->k + (size_t)b * kv_dim, (int)hp->n_head_kv, hd, s->rope);
            kv_cache_store(s->kv, l, pos + b, s->k + (size_t)b * kv_dim, s->v + (size_t)b * kv_dim);
        }
        for (int b = 0; b < n; b++) {
            const int n_kv = pos + b + 1; /* causal: this position and every earlier one */
            for (int h = 0; h < (int)hp->n_head; h++) {
                kv_cache_scores(s->kv, l, h / group, s->q + (size_t)b * q_dim + (size_t)h * hd, n_kv, n == 1,
                                s->scores);
                softmax(s->scores, n_kv, kq_scale);
                kv_cache_mix(s->kv, l, h / group, s->scores, n_kv, n == 1, s->att + (size_t)b * q_dim + (size_t)h * hd);
            }
        }
        if (matmul(s, L->wo, s->att, n, s->xo))
            return -1;
        for (size_t i = 0; i < (size_t)n * dim; i++)
            s->x[i] += s->xo[i];

        /* feed-forward (SwiGLU) */
        for (int b = 0; b < n; b++)
            rmsnorm(s->xb + (size_t)b * dim, s->x + (size_t)b * dim, L->ffn_norm, dim, hp->rms_eps);
        if (matmul(s, L->ffn_gate, s->xb, n, s->gate) || matmul(s, L->ffn_up, s->xb, n, s->up))
            return -1;
        for (int b = 0; b < n; b++)
            silu(s->gate + (size_t)b * n_ff, n_ff);
        for (size_t i = 0; i < (size_t)n * n_ff; i++)
            s->gate[i] *= s->up[i];
        if (matmul(s, L->ffn_down, s->gate, n, s->xo))
            return -1;
        for (size_t i = 0; i < (size_t)n * dim; i++)
            s->x[i] += s->xo[i];
    }

    /* logits of the rows that were asked for */
    if (out_from >= n)
        return 0;
    for (int b = out_from; b < n; b++)
        rmsnorm(s->xb + (size_t)b * dim, s->x + (size_t)b * dim, m->output_norm, dim, hp->rms_eps);
    return matmul(s, m->output, s->xb + (size_t)out_from * dim, n - out_from, logits);
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
        if (forward_batch(s, tokens + i, nb, pos + i, from, out))
            return -1;
    }
    return 0;
}
