/*
 * tokenizer-bpe.c - byte-level BPE (`tokenizer.ggml.model = gpt2`), the
 * tokenizer of Llama 3 and the DeepSeek-R1 distills.
 *
 * A fragment of text (special tokens already cut out) is split into words by
 * the pre-tokenizer regexes of `tokenizer.ggml.pre`, run through PCRE2 with
 * Unicode properties. Each word's bytes are mapped to printable characters
 * (GPT-2's table: space is 'Ġ', newline 'Ċ'), which is the alphabet of the
 * vocabulary and of the merges. The word starts as one symbol per character;
 * the adjacent pair with the lowest merge rank is merged, again and again,
 * exactly in llama.cpp's order (lowest rank, then leftmost), and each final
 * symbol is looked up in the vocabulary.
 */
#include "bigram-heap.h"
#include "tokenizer-impl.h"

#include "gguf.h"
#include "utf8.h"
#include "../common/err.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- GPT-2's byte <-> character table ----------------------------------- */

/* Bytes that are printable Latin-1 keep their code point; the 68 others get
 * U+0100, U+0101, ... in byte order. So code points stop at U+0143. */
#define BYTEMAP_CPS 0x144

static char map_utf8[256][2];
static uint8_t map_len[256];
static int16_t unmap[BYTEMAP_CPS];
static pthread_once_t map_once = PTHREAD_ONCE_INIT;

static void map_init(void)
{
    uint32_t next = 256;
    for (int i = 0; i < BYTEMAP_CPS; i++)
        unmap[i] = -1;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        uint32_t cp = keep ? (uint32_t)b : next++;
        char tmp[4];
        map_len[b] = (uint8_t)utf8_encode(cp, tmp);
        memcpy(map_utf8[b], tmp, map_len[b]);
        unmap[cp] = (int16_t)b;
    }
}

size_t bpe_unmap(const char *s, size_t n, char *out)
{
    pthread_once(&map_once, map_init);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = utf8_decode((const unsigned char *)s + i, n - i, &cl);
        if (cp < BYTEMAP_CPS && unmap[cp] >= 0 && utf8_char_len((const unsigned char *)s + i, n - i)) {
            out[k++] = (char)unmap[cp];
        } else { /* not from the table: keep the bytes as they are */
            memcpy(out + k, s + i, cl);
            k += cl;
        }
        i += cl;
    }
    return k;
}

/* --- pre-tokenizers ----------------------------------------------------- */

/* The regexes llama.cpp uses for each `tokenizer.ggml.pre` (llama-vocab.cpp);
 * several are applied one after the other, each splitting the pieces the
 * previous one made, and text between matches is kept as pieces too. */
#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"

static const struct pre_def {
    const char *names[10];
    const char *regex[TOK_MAX_REGEX];
    int ignore_merges, add_bos;
} pre_defs[] = {
    { { "llama3", "llama-v3", "llama-bpe", "falcon3" },
      { "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
        "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
      1, 1 },
    { { "qwen2", "deepseek-r1-qwen" },
      { "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
        "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
      0, 0 },
    { { "gpt-2", "phi-2", "roberta-bpe", "mpt", "olmo", "jais" }, { RE_GPT2 }, 0, 0 },
    { { "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" },
      { "\\p{N}", RE_GPT2 },
      0, 0 },
    /* Last: the default, for a missing or unknown name. */
    { { "default" },
      { "[\\p{P}\\$\\+<=>\\^~\\|]+", RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]" },
      0, 0 },
};
#define N_PRE_DEFS (sizeof(pre_defs) / sizeof(pre_defs[0]))

static int setup_pre(struct tokenizer *t, const struct gguf *g)
{
    struct gguf_str pre = { "", 0 };
    int rc = gguf_get_str(g, "tokenizer.ggml.pre", &pre);
    if (rc < 0)
        return err_prefix("tokenizer");
    const struct pre_def *def = &pre_defs[N_PRE_DEFS - 1];
    int found = 0;
    for (size_t i = 0; i < N_PRE_DEFS && !found; i++)
        for (int j = 0; pre_defs[i].names[j] && !found; j++)
            if (gguf_str_eq(pre, pre_defs[i].names[j]))
                def = &pre_defs[i], found = 1;
    if (found) {
        snprintf(t->pre, sizeof(t->pre), "%.*s", (int)pre.len, pre.ptr);
    } else {
        snprintf(t->pre, sizeof(t->pre), "default");
        if (rc == 0 && pre.len)
            snprintf(t->warning, sizeof(t->warning),
                     "unknown pre-tokenizer '%.*s' (tokenizer.ggml.pre): using the default GPT-2 rules, so "
                     "token ids may differ from the model's own tokenizer",
                     (int)(pre.len < 64 ? pre.len : 64), pre.ptr);
        else
            snprintf(t->warning, sizeof(t->warning),
                     "no pre-tokenizer named (tokenizer.ggml.pre): using the default GPT-2 rules");
    }
    t->ignore_merges = def->ignore_merges;
    t->add_bos = def->add_bos;
    for (int i = 0; i < TOK_MAX_REGEX && def->regex[i]; i++) {
        int errcode;
        PCRE2_SIZE erroff;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)def->regex[i], PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                                       &errcode, &erroff, NULL);
        if (!re) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(errcode, msg, sizeof(msg));
            return err_set("pre-tokenizer '%s': regex %d does not compile at offset %zu: %s", t->pre, i,
                           (size_t)erroff, (const char *)msg);
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* a failure just leaves the interpreter */
        t->regex[t->n_regex++] = re;
    }
    return 0;
}

/* --- merges ------------------------------------------------------------- */

static uint64_t pair_hash(const char *l, size_t ln, const char *r, size_t rn)
{
    uint64_t h = tok_hash_bytes(l, ln, TOK_HASH_SEED);
    h = (h ^ 0xff) * 0x100000001b3ULL; /* a separator: "a"+"bc" != "ab"+"c" */
    return tok_hash_bytes(r, rn, h);
}

static int merge_rank(const struct tokenizer *t, const char *l, size_t ln, const char *r, size_t rn)
{
    const struct tok_hash *h = &t->merge_hash;
    uint64_t i = pair_hash(l, ln, r, rn) & h->mask;
    for (;; i = (i + 1) & h->mask) {
        int32_t m = h->slot[i];
        if (m < 0)
            return -1;
        const char *ml = t->merge_arena + t->merge_off[m];
        if (t->merge_llen[m] == ln && t->merge_rlen[m] == rn && !memcmp(ml, l, ln) && !memcmp(ml + ln, r, rn))
            return m;
    }
}

static int setup_merges(struct tokenizer *t, const struct gguf *g)
{
    const struct gguf_value *v = gguf_get(g, "tokenizer.ggml.merges");
    if (!v)
        return err_set("the BPE tokenizer has no merges (tokenizer.ggml.merges is missing): the file is "
                       "incomplete; convert the model again");
    if (v->type != GGUF_ARRAY || v->v.arr.type != GGUF_STRING)
        return err_set("tokenizer.ggml.merges is not an array of strings");
    const struct gguf_array *a = &v->v.arr;
    if (a->n == 0)
        return err_set("the BPE tokenizer has no merges (tokenizer.ggml.merges is empty)");
    if (a->n > (1u << 24)) /* ranks are float keys in the merge queue: exact below 2^24 */
        return err_set("tokenizer.ggml.merges: too many merges (%llu)", (unsigned long long)a->n);
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < a->n; i++)
        bytes += a->strs[i].len;
    if (bytes > UINT32_MAX)
        return err_set("tokenizer.ggml.merges: too large");
    t->n_merges = (uint32_t)a->n;
    t->merge_arena = malloc(bytes ? bytes : 1);
    t->merge_off = malloc(a->n * sizeof(uint32_t));
    t->merge_llen = malloc(a->n * sizeof(uint16_t));
    t->merge_rlen = malloc(a->n * sizeof(uint16_t));
    if (!t->merge_arena || !t->merge_off || !t->merge_llen || !t->merge_rlen)
        return err_set("out of memory");
    uint64_t cap = 16;
    while (cap < 2 * a->n)
        cap *= 2;
    t->merge_hash.slot = malloc(cap * sizeof(int32_t));
    if (!t->merge_hash.slot)
        return err_set("out of memory");
    memset(t->merge_hash.slot, 0xff, cap * sizeof(int32_t));
    t->merge_hash.mask = cap - 1;

    uint32_t off = 0;
    for (uint32_t i = 0; i < t->n_merges; i++) {
        struct gguf_str s = a->strs[i];
        /* "left right", split at the first space after the first byte. */
        const char *sp = s.len > 1 ? memchr(s.ptr + 1, ' ', s.len - 1) : NULL;
        t->merge_off[i] = off;
        t->merge_llen[i] = t->merge_rlen[i] = 0;
        if (!sp)
            continue; /* llama.cpp files it under ("", ""), which never matches */
        size_t ln = (size_t)(sp - s.ptr), rn = s.len - ln - 1;
        if (ln > UINT16_MAX || rn > UINT16_MAX)
            continue;
        memcpy(t->merge_arena + off, s.ptr, ln);
        memcpy(t->merge_arena + off + ln, sp + 1, rn);
        t->merge_llen[i] = (uint16_t)ln;
        t->merge_rlen[i] = (uint16_t)rn;
        off += (uint32_t)(ln + rn);
        /* The first of duplicate pairs keeps its rank. */
        const char *l = t->merge_arena + t->merge_off[i];
        uint64_t j = pair_hash(l, ln, l + ln, rn) & t->merge_hash.mask;
        for (;; j = (j + 1) & t->merge_hash.mask) {
            int32_t m = t->merge_hash.slot[j];
            if (m < 0) {
                t->merge_hash.slot[j] = (int32_t)i;
                break;
            }
            if (t->merge_llen[m] == ln && t->merge_rlen[m] == rn &&
                !memcmp(t->merge_arena + t->merge_off[m], l, ln + rn))
                break;
        }
    }
    return 0;
}

int bpe_setup(struct tokenizer *t, const struct gguf *g)
{
    pthread_once(&map_once, map_init);
    if (setup_merges(t, g) || setup_pre(t, g))
        return -1;
    return 0;
}

void bpe_free(struct tokenizer *t)
{
    for (int i = 0; i < t->n_regex; i++)
        pcre2_code_free(t->regex[i]);
    t->n_regex = 0;
    free(t->merge_arena);
    free(t->merge_off);
    free(t->merge_llen);
    free(t->merge_rlen);
    free(t->merge_hash.slot);
}

/* --- splitting into words ----------------------------------------------- */

struct span {
    size_t off, len;
};

struct spans {
    struct span *v;
    size_t n, cap;
};

static int spans_push(struct spans *s, size_t off, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct span *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return err_set("out of memory");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct span){ off, len };
    return 0;
}

/* llama.cpp's unicode_regex_split: each regex sees one piece at a time as its
 * whole subject (so a lookahead stops at the piece's end). */
static int split_words(const struct tokenizer *t, const char *text, size_t len, struct spans *out)
{
    struct spans cur = { 0 }, next = { 0 };
    pcre2_match_data *md = NULL;
    int rc = -1;
    if (spans_push(&cur, 0, len))
        goto done;
    for (int r = 0; r < t->n_regex; r++) {
        const pcre2_code *re = t->regex[r];
        pcre2_match_data_free(md);
        md = pcre2_match_data_create_from_pattern(re, NULL);
        if (!md) {
            err_set("out of memory");
            goto done;
        }
        next.n = 0;
        for (size_t i = 0; i < cur.n; i++) {
            const char *subj = text + cur.v[i].off;
            size_t slen = cur.v[i].len, start = 0, prev = 0;
            while (start < slen) {
                int m = pcre2_match(re, (PCRE2_SPTR)subj, slen, start, PCRE2_NO_UTF_CHECK, md, NULL);
                if (m == PCRE2_ERROR_NOMATCH)
                    break;
                if (m < 0) {
                    PCRE2_UCHAR msg[128];
                    pcre2_get_error_message(m, msg, sizeof(msg));
                    err_set("pre-tokenizer: %s", (const char *)msg);
                    goto done;
                }
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
                size_t ms = ov[0], me = ov[1];
                if (me <= ms) { /* empty match: step over one character */
                    size_t step = utf8_lead_len((unsigned char)subj[ms < slen ? ms : slen - 1]);
                    start = ms + step;
                    continue;
                }
                if (ms > prev && spans_push(&next, cur.v[i].off + prev, ms - prev))
                    goto done;
                if (spans_push(&next, cur.v[i].off + ms, me - ms))
                    goto done;
                prev = start = me;
            }
            if (prev < slen && spans_push(&next, cur.v[i].off + prev, slen - prev))
                goto done;
        }
        struct spans tmp = cur;
        cur = next;
        next = tmp;
    }
    *out = cur;
    cur.v = NULL;
    rc = 0;
done:
    pcre2_match_data_free(md);
    free(cur.v);
    free(next.v);
    return rc;
}

/* --- merging ------------------------------------------------------------ */

struct bpe_work {
    char *word; /* the mapped word */
    size_t word_cap;
    struct sym *syms;
    size_t syms_cap;
    struct bigram_heap heap;
};

static int add_bigram(const struct tokenizer *t, struct bpe_work *w, int left, int right)
{
    if (left < 0 || right < 0)
        return 0;
    const struct sym *l = &w->syms[left], *r = &w->syms[right];
    int rank = merge_rank(t, w->word + l->off, l->n, w->word + r->off, r->n);
    if (rank < 0)
        return 0;
    return bigram_heap_push(&w->heap, (struct bigram){ left, right, (float)rank, l->n, r->n });
}

static int encode_word(const struct tokenizer *t, struct bpe_work *w, const char *s, size_t n, struct tok_ids *out)
{
    if (2 * n > w->word_cap) {
        char *p = realloc(w->word, 2 * n);
        if (!p)
            return err_set("out of memory");
        w->word = p;
        w->word_cap = 2 * n;
    }
    size_t wn = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        memcpy(w->word + wn, map_utf8[b], map_len[b]);
        wn += map_len[b];
    }
    /* Llama 3 (ignore_merges): a word that is a token is that token. */
    if (t->ignore_merges) {
        int32_t id = tok_lookup(t, w->word, wn);
        if (id >= 0)
            return tok_ids_push(out, id);
    }
    if (wn > w->syms_cap) {
        struct sym *p = realloc(w->syms, wn * sizeof(*p));
        if (!p)
            return err_set("out of memory");
        w->syms = p;
        w->syms_cap = wn;
    }
    int ns = sym_split_utf8(w->syms, w->word, wn);
    w->heap.n = 0;
    for (int i = 1; i < ns; i++)
        if (add_bigram(t, w, i - 1, i))
            return -1;
    while (w->heap.n) {
        struct bigram b = bigram_heap_pop(&w->heap);
        if (!sym_merge(w->syms, b))
            continue;
        const struct sym *l = &w->syms[b.left];
        if (add_bigram(t, w, l->prev, b.left) || add_bigram(t, w, b.left, l->next))
            return -1;
    }
    for (int i = 0; i < ns; i++) {
        const struct sym *y = &w->syms[i];
        if (y->n == 0)
            continue;
        int32_t id = tok_lookup(t, w->word + y->off, y->n);
        if (id >= 0) {
            if (tok_ids_push(out, id))
                return -1;
            continue;
        }
        /* Not in the vocabulary: each byte that is a token on its own
         * (llama.cpp drops the others). */
        for (uint32_t j = 0; j < y->n; j++) {
            id = tok_lookup(t, w->word + y->off + j, 1);
            if (id >= 0 && tok_ids_push(out, id))
                return -1;
        }
    }
    return 0;
}

int bpe_encode(const struct tokenizer *t, const char *text, size_t len, struct tok_ids *out)
{
    struct spans words = { 0 };
    struct bpe_work w = { 0 };
    int rc = -1;
    if (split_words(t, text, len, &words))
        goto done;
    for (size_t i = 0; i < words.n; i++)
        if (words.v[i].len && encode_word(t, &w, text + words.v[i].off, words.v[i].len, out))
            goto done;
    rc = 0;
done:
    free(words.v);
    free(w.word);
    free(w.syms);
    bigram_heap_free(&w.heap);
    return rc;
}
