/*
 * tokenizer.c - loading a tokenizer from GGUF metadata (vocabulary, special
 * ids, what each token prints as), cutting special tokens out of the text
 * before encoding, and the vocabulary getters. The two algorithms live in
 * tokenizer-bpe.c and tokenizer-spm.c, decoding in tokenizer-decode.c. The behaviour copied from llama.cpp (src/llama-vocab.cpp)
 * is noted where it is not what one would guess.
 */
#include "tokenizer-impl.h"

#include "gguf.h"
#include "utf8.h"
#include "../common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MODEL "tokenizer.ggml.model"
#define KEY_TOKENS "tokenizer.ggml.tokens"
#define KEY_SCORES "tokenizer.ggml.scores"
#define KEY_TYPES "tokenizer.ggml.token_type"

int tok_ids_push(struct tok_ids *a, int32_t id)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        int32_t *v = realloc(a->v, cap * sizeof(*v));
        if (!v)
            return err_set("out of memory");
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = id;
    return 0;
}

/* FNV-1a: short keys, no need for better. */
uint64_t tok_hash_bytes(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int hash_init(struct tok_hash *h, uint64_t n)
{
    uint64_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    h->slot = malloc(cap * sizeof(*h->slot));
    if (!h->slot)
        return err_set("out of memory");
    memset(h->slot, 0xff, cap * sizeof(*h->slot));
    h->mask = cap - 1;
    return 0;
}

static const char *tok_text(const struct tokenizer *t, int32_t id, size_t *len)
{
    *len = t->text_len[id];
    return t->text_arena + t->text_off[id];
}

int32_t tok_lookup(const struct tokenizer *t, const char *s, size_t n)
{
    uint64_t i = tok_hash_bytes(s, n, TOK_HASH_SEED) & t->by_text.mask;
    for (;; i = (i + 1) & t->by_text.mask) {
        int32_t id = t->by_text.slot[i];
        if (id < 0)
            return -1;
        if (t->text_len[id] == n && !memcmp(t->text_arena + t->text_off[id], s, n))
            return id;
    }
}

/* Later duplicates replace earlier ones, as llama.cpp's token_to_id map. */
static void text_insert(struct tokenizer *t, int32_t id)
{
    size_t n;
    const char *s = tok_text(t, id, &n);
    uint64_t i = tok_hash_bytes(s, n, TOK_HASH_SEED) & t->by_text.mask;
    for (;; i = (i + 1) & t->by_text.mask) {
        int32_t o = t->by_text.slot[i];
        if (o < 0 || (t->text_len[o] == n && !memcmp(t->text_arena + t->text_off[o], s, n))) {
            t->by_text.slot[i] = id;
            return;
        }
    }
}

static int is_int_type(enum gguf_vtype v)
{
    return v == GGUF_UINT8 || v == GGUF_INT8 || v == GGUF_UINT16 || v == GGUF_INT16 || v == GGUF_UINT32 ||
           v == GGUF_INT32 || v == GGUF_UINT64 || v == GGUF_INT64;
}

/* The token list, scores and types, with their lengths checked. */
static int load_vocab(struct tokenizer *t, const struct gguf *g)
{
    const struct gguf_value *tv = gguf_get(g, KEY_TOKENS);
    if (!tv)
        return err_set("no token list (%s): the file carries no tokenizer", KEY_TOKENS);
    if (tv->type != GGUF_ARRAY || tv->v.arr.type != GGUF_STRING)
        return err_set("%s is not an array of strings", KEY_TOKENS);
    const struct gguf_array *toks = &tv->v.arr;
    if (toks->n == 0)
        return err_set("%s is empty", KEY_TOKENS);
    if (toks->n > INT32_MAX / 2)
        return err_set("%s has %llu tokens, more than supported", KEY_TOKENS, (unsigned long long)toks->n);
    uint64_t n = toks->n;

    const struct gguf_array *scores = NULL, *types = NULL;
    const struct gguf_value *v = gguf_get(g, KEY_SCORES);
    if (v) {
        if (v->type != GGUF_ARRAY || (v->v.arr.type != GGUF_FLOAT32 && v->v.arr.type != GGUF_FLOAT64))
            return err_set("%s is not an array of floats", KEY_SCORES);
        if (v->v.arr.n != n)
            return err_set("%s has %llu entries but there are %llu tokens", KEY_SCORES,
                           (unsigned long long)v->v.arr.n, (unsigned long long)n);
        scores = &v->v.arr;
    }
    v = gguf_get(g, KEY_TYPES);
    if (v) {
        if (v->type != GGUF_ARRAY || !is_int_type(v->v.arr.type))
            return err_set("%s is not an array of integers", KEY_TYPES);
        if (v->v.arr.n != n)
            return err_set("%s has %llu entries but there are %llu tokens", KEY_TYPES,
                           (unsigned long long)v->v.arr.n, (unsigned long long)n);
        types = &v->v.arr;
    }

    /* llama.cpp renames empty tokens "[EMPTY_<id>]"; so do we. */
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < n; i++)
        bytes += (toks->strs[i].len ? toks->strs[i].len : 24) + 1;
    if (bytes > UINT32_MAX)
        return err_set("%s: token texts too large (%llu bytes)", KEY_TOKENS, (unsigned long long)bytes);

    t->n_vocab = (int32_t)n;
    t->text_arena = malloc(bytes);
    t->text_off = malloc(n * sizeof(uint32_t));
    t->text_len = malloc(n * sizeof(uint32_t));
    t->score = malloc(n * sizeof(float));
    t->type = malloc(n);
    t->eog = calloc(n, 1);
    if (!t->text_arena || !t->text_off || !t->text_len || !t->score || !t->type || !t->eog)
        return err_set("out of memory");
    uint32_t off = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct gguf_str s = toks->strs[i];
        t->text_off[i] = off;
        if (s.len) {
            memcpy(t->text_arena + off, s.ptr, s.len);
            t->text_len[i] = (uint32_t)s.len;
        } else {
            t->text_len[i] = (uint32_t)snprintf(t->text_arena + off, 24, "[EMPTY_%llu]", (unsigned long long)i);
        }
        off += t->text_len[i];
        t->text_arena[off++] = 0;
        t->score[i] = scores ? (float)gguf_arr_f64(scores, i) : 0.0f;
        int64_t ty = types ? gguf_arr_i64(types, i) : TOKEN_TYPE_NORMAL;
        t->type[i] = ty >= TOKEN_TYPE_NORMAL && ty <= TOKEN_TYPE_BYTE ? (uint8_t)ty : TOKEN_TYPE_UNDEFINED;
    }
    if (hash_init(&t->by_text, n))
        return -1;
    for (uint64_t i = 0; i < n; i++)
        text_insert(t, (int32_t)i);
    return 0;
}

/* An id from the metadata. Out-of-range ids keep the default, as llama.cpp;
 * a negative one (stories260K has padding_token_id = -1) means none. */
static void special_id(struct tokenizer *t, const struct gguf *g, const char *key, int32_t *id)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return;
    if (v->type == GGUF_UINT8 || v->type == GGUF_UINT16 || v->type == GGUF_UINT32 || v->type == GGUF_UINT64) {
        if (v->v.u64 < (uint64_t)t->n_vocab)
            *id = (int32_t)v->v.u64;
    } else if (is_int_type(v->type)) {
        if (v->v.i64 < 0)
            *id = -1;
        else if (v->v.i64 < t->n_vocab)
            *id = (int32_t)v->v.i64;
    }
}

static int32_t find_z(const struct tokenizer *t, const char *z)
{
    return tok_lookup(t, z, strlen(z));
}

/* llama.cpp recognises end-of-turn tokens by their text and makes them
 * CONTROL. The first text of the list present wins (llama.cpp walks a hash
 * map, so its choice among several is unspecified; the list order picks
 * <|eot_id|> for Llama 3 / R1 vocabularies, as llama.cpp reports). */
static void find_eog(struct tokenizer *t)
{
    static const char *const eot_texts[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "_<EOT>",
        "<\xef\xbd\x9c" "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence\xef\xbd\x9c>", NULL,
    };
    static const char *const eog_texts[] = {
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
        NULL,
    };
    for (int i = 0; t->eot < 0 && eot_texts[i]; i++) {
        int32_t id = find_z(t, eot_texts[i]);
        if (id >= 0)
            t->eot = id;
    }
    if (t->eot >= 0)
        t->type[t->eot] = TOKEN_TYPE_CONTROL;
    if (t->eom < 0)
        t->eom = find_z(t, "<|eom_id|>");
    if (t->eom >= 0)
        t->type[t->eom] = TOKEN_TYPE_CONTROL;
    for (int i = 0; eog_texts[i]; i++) {
        int32_t id = find_z(t, eog_texts[i]);
        if (id >= 0) {
            t->eog[id] = 1;
            t->type[id] = TOKEN_TYPE_CONTROL;
        }
    }
    if (t->eos >= 0)
        t->eog[t->eos] = 1;
    if (t->eot >= 0)
        t->eog[t->eot] = 1;
    if (t->eom >= 0)
        t->eog[t->eom] = 1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* "<0xAB>" -> 0xAB, or -1. */
static int byte_token_value(const char *s, size_t n)
{
    if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>')
        return -1;
    int hi = hex_digit(s[3]), lo = hex_digit(s[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* What each token prints as (see tokenizer_piece()). */
static int build_pieces(struct tokenizer *t)
{
    uint64_t bytes = 0;
    for (int32_t i = 0; i < t->n_vocab; i++)
        bytes += t->text_len[i];
    t->piece_arena = malloc(bytes ? bytes : 1);
    t->piece_off = malloc((size_t)t->n_vocab * sizeof(uint32_t));
    t->piece_len = malloc((size_t)t->n_vocab * sizeof(uint32_t));
    if (!t->piece_arena || !t->piece_off || !t->piece_len)
        return err_set("out of memory");
    uint32_t off = 0;
    for (int32_t i = 0; i < t->n_vocab; i++) {
        size_t n;
        const char *s = tok_text(t, i, &n);
        char *out = t->piece_arena + off;
        size_t k = 0;
        switch (t->type[i]) {
        case TOKEN_TYPE_CONTROL:
        case TOKEN_TYPE_UNKNOWN:
        case TOKEN_TYPE_USER_DEFINED:
            memcpy(out, s, n);
            k = n;
            break;
        case TOKEN_TYPE_NORMAL:
            if (t->kind == TOKENIZER_BPE) {
                k = bpe_unmap(s, n, out);
            } else {
                /* U+2581 (3 bytes) -> ' ' only ever shrinks. */
                for (size_t j = 0; j < n;) {
                    if (j + 3 <= n && !memcmp(s + j, "\xe2\x96\x81", 3)) {
                        out[k++] = ' ';
                        j += 3;
                    } else {
                        out[k++] = s[j++];
                    }
                }
            }
            break;
        case TOKEN_TYPE_BYTE:
            if (t->kind == TOKENIZER_SPM) {
                int b = byte_token_value(s, n);
                if (b >= 0)
                    out[k++] = (char)b;
            }
            break;
        default: /* UNUSED, UNDEFINED: print nothing, like llama.cpp */
            break;
        }
        t->piece_off[i] = off;
        t->piece_len[i] = (uint32_t)k;
        off += (uint32_t)k;
    }
    return 0;
}

static int by_length_desc(const void *a, const void *b, void *ctx)
{
    const struct tokenizer *t = ctx;
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    uint32_t lx = t->text_len[x], ly = t->text_len[y];
    if (lx != ly)
        return lx > ly ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int build_specials(struct tokenizer *t)
{
    int32_t n = 0;
    for (int32_t i = 0; i < t->n_vocab; i++)
        n += t->type[i] == TOKEN_TYPE_CONTROL || t->type[i] == TOKEN_TYPE_USER_DEFINED ||
             t->type[i] == TOKEN_TYPE_UNKNOWN;
    t->specials = malloc((size_t)(n ? n : 1) * sizeof(int32_t));
    if (!t->specials)
        return err_set("out of memory");
    n = 0;
    for (int32_t i = 0; i < t->n_vocab; i++)
        if (t->type[i] == TOKEN_TYPE_CONTROL || t->type[i] == TOKEN_TYPE_USER_DEFINED ||
            t->type[i] == TOKEN_TYPE_UNKNOWN)
            t->specials[n++] = i;
    t->n_specials = n;
    /* Ties by id, so that the result never depends on the sort. */
    qsort_r(t->specials, (size_t)n, sizeof(int32_t), by_length_desc, t);
    return 0;
}

static int load(struct tokenizer *t, const struct gguf *g)
{
    struct gguf_str model;
    int rc = gguf_get_str(g, KEY_MODEL, &model);
    if (rc < 0)
        return err_prefix("tokenizer");
    if (rc > 0)
        return err_set("no tokenizer in this file (%s is missing)", KEY_MODEL);
    if (gguf_str_eq(model, "gpt2")) {
        t->kind = TOKENIZER_BPE;
    } else if (gguf_str_eq(model, "llama")) {
        t->kind = TOKENIZER_SPM;
    } else {
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(model.len < 60 ? model.len : 60), model.ptr);
        return err_set("unsupported tokenizer model '%s' (%s): supported are 'gpt2' (byte-level BPE) "
                       "and 'llama' (SentencePiece)", name, KEY_MODEL);
    }
    if (load_vocab(t, g))
        return -1;

    /* llama.cpp's defaults per kind, then the metadata. */
    t->eot = t->eom = t->pad = -1;
    if (t->kind == TOKENIZER_SPM) {
        t->bos = 1, t->eos = 2, t->unk = 0;
        t->add_bos = 1, t->add_eos = 0, t->add_space_prefix = 1;
        for (int b = 0; b < 256; b++) {
            char name[8];
            snprintf(name, sizeof(name), "<0x%02X>", b);
            t->byte_token[b] = find_z(t, name);
            if (t->byte_token[b] < 0) /* llama.cpp falls back to the byte itself as a token */
                t->byte_token[b] = tok_lookup(t, (const char[]){ (char)b }, 1);
        }
    } else {
        t->bos = 11, t->eos = 11, t->unk = -1;
        t->add_bos = 0, t->add_eos = 0, t->add_space_prefix = 0;
        if (bpe_setup(t, g)) /* merges, pre-tokenizer, its add_bos default */
            return -1;
    }
    special_id(t, g, "tokenizer.ggml.bos_token_id", &t->bos);
    special_id(t, g, "tokenizer.ggml.eos_token_id", &t->eos);
    special_id(t, g, "tokenizer.ggml.eot_token_id", &t->eot);
    special_id(t, g, "tokenizer.ggml.eom_token_id", &t->eom);
    special_id(t, g, "tokenizer.ggml.unknown_token_id", &t->unk);
    special_id(t, g, "tokenizer.ggml.padding_token_id", &t->pad);
    int32_t *ids[] = { &t->bos, &t->eos, &t->unk };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (*ids[i] >= t->n_vocab)
            *ids[i] = -1;
    int b;
    if ((rc = gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &b)) == 0)
        t->add_bos = b;
    if (rc >= 0 && (rc = gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &b)) == 0)
        t->add_eos = b;
    if (rc >= 0 && (rc = gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &b)) == 0)
        t->add_space_prefix = b;
    if (rc < 0)
        return err_prefix("tokenizer");

    find_eog(t);
    if (build_pieces(t) || build_specials(t))
        return -1;
    return 0;
}

struct tokenizer *tokenizer_load(const struct gguf *g)
{
    struct tokenizer *t = calloc(1, sizeof(*t));
    if (!t)
        return err_set("out of memory"), NULL;
    if (load(t, g)) {
        tokenizer_free(t);
        return NULL;
    }
    return t;
}

void tokenizer_free(struct tokenizer *t)
{
    if (!t)
        return;
    bpe_free(t);
    free(t->text_arena);
    free(t->text_off);
    free(t->text_len);
    free(t->piece_arena);
    free(t->piece_off);
    free(t->piece_len);
    free(t->score);
    free(t->type);
    free(t->eog);
    free(t->by_text.slot);
    free(t->specials);
    free(t);
}

/* --- encoding ----------------------------------------------------------- */

/* A piece of the input: raw text still to tokenize, or a special token. */
struct frag {
    size_t off, len;
    int32_t id; /* -1 for raw text */
};

struct frags {
    struct frag *v;
    size_t n, cap;
};

static int frags_push(struct frags *f, size_t off, size_t len, int32_t id)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct frag *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return err_set("out of memory");
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = (struct frag){ off, len, id };
    return 0;
}

/* llama.cpp's tokenizer_st_partition: each special token in turn (longest
 * first) splits every raw fragment at each of its occurrences, left to right. */
static int partition(const struct tokenizer *t, const char *text, size_t len, int parse_special, struct frags *out)
{
    struct frags cur = { 0 }, next = { 0 };
    int rc = -1;
    if (len && frags_push(&cur, 0, len, -1))
        goto done;
    for (int32_t k = 0; k < t->n_specials; k++) {
        int32_t id = t->specials[k];
        uint8_t ty = t->type[id];
        if (!parse_special && (ty == TOKEN_TYPE_CONTROL || ty == TOKEN_TYPE_UNKNOWN))
            continue;
        size_t sn;
        const char *s = tok_text(t, id, &sn);
        next.n = 0;
        int changed = 0;
        for (size_t i = 0; i < cur.n; i++) {
            struct frag f = cur.v[i];
            if (f.id >= 0 || f.len < sn) {
                if (frags_push(&next, f.off, f.len, f.id))
                    goto done;
                continue;
            }
            size_t pos = f.off, end = f.off + f.len;
            for (;;) {
                const char *m = memmem(text + pos, end - pos, s, sn);
                if (!m)
                    break;
                size_t at = (size_t)(m - text);
                changed = 1;
                if (at > pos && frags_push(&next, pos, at - pos, -1))
                    goto done;
                if (frags_push(&next, at, sn, id))
                    goto done;
                pos = at + sn;
            }
            if (pos < end && frags_push(&next, pos, end - pos, -1))
                goto done;
        }
        if (changed) {
            struct frags tmp = cur;
            cur = next;
            next = tmp;
        }
    }
    *out = cur;
    cur.v = NULL;
    rc = 0;
done:
    free(cur.v);
    free(next.v);
    return rc;
}

/* SentencePiece input: a space in front when the previous fragment was a
 * special token (or at the start), then every ' ' as U+2581. */
static int spm_fragment(const struct tokenizer *t, const char *s, size_t n, int prefix, struct tok_ids *out)
{
    size_t spaces = prefix ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        spaces += s[i] == ' ';
    char *buf = malloc(n + 2 * spaces + 1);
    if (!buf)
        return err_set("out of memory");
    size_t k = 0;
    if (prefix) {
        memcpy(buf, "\xe2\x96\x81", 3);
        k = 3;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            memcpy(buf + k, "\xe2\x96\x81", 3);
            k += 3;
        } else {
            buf[k++] = s[i];
        }
    }
    int rc = spm_encode(t, buf, k, out);
    free(buf);
    return rc;
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_bos, int parse_special,
                     int32_t **ids, size_t *n)
{
    struct tok_ids out = { 0 };
    struct frags frags = { 0 };
    size_t bad;
    *ids = NULL;
    *n = 0;
    if (len && utf8_validate(text, len, &bad))
        return err_set("the text is not valid UTF-8 (bad byte 0x%02x at offset %zu)", (unsigned char)text[bad],
                       bad);
    if (partition(t, text, len, parse_special, &frags))
        goto fail;
    if (add_bos && t->add_bos) {
        if (t->bos < 0) {
            err_set("the model asks for a BOS token but its vocabulary has none");
            goto fail;
        }
        if (tok_ids_push(&out, t->bos))
            goto fail;
    }
    int prev_special = 1;
    for (size_t i = 0; i < frags.n; i++) {
        struct frag f = frags.v[i];
        int rc;
        if (f.id >= 0) {
            rc = tok_ids_push(&out, f.id);
            prev_special = 1;
        } else if (t->kind == TOKENIZER_BPE) {
            rc = bpe_encode(t, text + f.off, f.len, &out);
        } else {
            rc = spm_fragment(t, text + f.off, f.len, t->add_space_prefix && prev_special, &out);
            prev_special = 0;
        }
        if (rc)
            goto fail;
    }
    if (add_bos && t->add_eos && t->eos >= 0 && tok_ids_push(&out, t->eos))
        goto fail;
    if (!out.v && !(out.v = malloc(sizeof(int32_t)))) {
        err_set("out of memory");
        goto fail;
    }
    free(frags.v);
    *ids = out.v;
    *n = out.n;
    return 0;
fail:
    free(frags.v);
    free(out.v);
    return -1;
}

/* --- vocabulary --------------------------------------------------------- */

int tokenizer_n_vocab(const struct tokenizer *t) { return t->n_vocab; }
enum tokenizer_kind tokenizer_kind(const struct tokenizer *t) { return t->kind; }
const char *tokenizer_pre(const struct tokenizer *t) { return t->pre; }
const char *tokenizer_warning(const struct tokenizer *t) { return t->warning[0] ? t->warning : NULL; }
int32_t tokenizer_bos(const struct tokenizer *t) { return t->bos; }
int32_t tokenizer_eos(const struct tokenizer *t) { return t->eos; }
int32_t tokenizer_eot(const struct tokenizer *t) { return t->eot; }
int32_t tokenizer_eom(const struct tokenizer *t) { return t->eom; }
int32_t tokenizer_unk(const struct tokenizer *t) { return t->unk; }
int32_t tokenizer_pad(const struct tokenizer *t) { return t->pad; }
int tokenizer_add_bos(const struct tokenizer *t) { return t->add_bos; }
int tokenizer_add_eos(const struct tokenizer *t) { return t->add_eos; }

int tokenizer_is_eog(const struct tokenizer *t, int32_t id)
{
    return id >= 0 && id < t->n_vocab && t->eog[id];
}

const char *tokenizer_token_text(const struct tokenizer *t, int32_t id, size_t *len)
{
    if (id < 0 || id >= t->n_vocab)
        return NULL;
    size_t n;
    const char *s = tok_text(t, id, &n);
    if (len)
        *len = n;
    return s;
}

char *tokenizer_token_strdup(const struct tokenizer *t, int32_t id)
{
    size_t n = 0;
    const char *s = tokenizer_token_text(t, id, &n);
    return s ? strndup(s, n) : strdup("");
}

const char *tokenizer_piece(const struct tokenizer *t, int32_t id, size_t *len)
{
    if (id < 0 || id >= t->n_vocab)
        return NULL;
    *len = t->piece_len[id];
    return t->piece_arena + t->piece_off[id];
}

enum token_type tokenizer_token_type(const struct tokenizer *t, int32_t id)
{
    return id >= 0 && id < t->n_vocab ? (enum token_type)t->type[id] : TOKEN_TYPE_UNDEFINED;
}

int tokenizer_is_control(const struct tokenizer *t, int32_t id)
{
    enum token_type ty = tokenizer_token_type(t, id);
    return ty == TOKEN_TYPE_CONTROL || ty == TOKEN_TYPE_UNKNOWN;
}

int32_t tokenizer_find(const struct tokenizer *t, const char *text, size_t len)
{
    return tok_lookup(t, text, len);
}
