/*
 * tokenizer-decode.c - ids back to bytes: a whole list at once
 * (tokenizer_decode) or one id at a time for printing while generating
 * (struct tokenizer_stream), which only ever hands out whole UTF-8
 * characters. The pieces themselves are built at load time (tokenizer.c).
 */
#include "tokenizer-impl.h"

#include "utf8.h"
#include "../common/err.h"

#include <stdlib.h>
#include <string.h>

/* The bytes token i contributes: nothing for hidden control tokens, one
 * leading space less for the first token when asked. */
static const char *piece_for(const struct tokenizer *t, int32_t id, unsigned flags, int first, size_t *len)
{
    const char *p = tokenizer_piece(t, id, len);
    if (!p)
        return err_set("token id %d is out of range (vocabulary of %d)", id, t->n_vocab), NULL;
    if (!(flags & TOKENIZER_DECODE_SPECIAL) && tokenizer_is_control(t, id))
        *len = 0;
    if (first && (flags & TOKENIZER_DECODE_STRIP_SPACE) && t->add_space_prefix && *len && p[0] == ' ') {
        p++;
        (*len)--;
    }
    return p;
}

int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, unsigned flags, char **text,
                     size_t *len)
{
    *text = NULL;
    *len = 0;
    int strip = 1;
    /* llama_detokenize: a BOS left out also cancels the space stripping. */
    if ((flags & TOKENIZER_DECODE_SKIP_BOS) && n > 0 && ids[0] == t->bos && t->bos >= 0) {
        ids++;
        n--;
        strip = 0;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        if (!piece_for(t, ids[i], flags, 0, &k))
            return -1;
        total += k;
    }
    char *out = malloc(total + 1);
    if (!out)
        return err_set("out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t m;
        const char *p = piece_for(t, ids[i], flags, i == 0 && strip, &m);
        memcpy(out + k, p, m);
        k += m;
    }
    out[k] = 0;
    *text = out;
    *len = k;
    return 0;
}

void tokenizer_stream_init(struct tokenizer_stream *s, const struct tokenizer *t, unsigned flags)
{
    memset(s, 0, sizeof(*s));
    s->t = t;
    s->flags = flags;
}

static int stream_reserve(struct tokenizer_stream *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(s->out, cap);
    if (!p)
        return err_set("out of memory");
    s->out = p;
    s->cap = cap;
    return 0;
}

/* Move the complete characters of pend+piece into s->out, hold back an
 * unfinished one, replace what can never be valid with U+FFFD. */
static const char *stream_emit(struct tokenizer_stream *s, const char *p, size_t n, int final, size_t *len)
{
    size_t avail = s->n_pend + n;
    /* Worst case every byte becomes U+FFFD (3 bytes). */
    if (stream_reserve(s, 3 * avail + 4))
        return NULL;
    unsigned char *buf = (unsigned char *)s->out + 2 * avail + 4; /* staging area at the end */
    memcpy(buf, s->pend, s->n_pend);
    memcpy(buf + s->n_pend, p, n);
    size_t keep = final ? 0 : utf8_incomplete_tail(buf, avail);
    size_t end = avail - keep, o = 0;
    for (size_t i = 0; i < end;) {
        size_t k = utf8_char_len(buf + i, end - i);
        if (k == 0) {
            memcpy(s->out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            continue;
        }
        /* o <= 3*i and the staging area starts past 2*avail: no overlap
         * until i catches up, and memmove makes it safe regardless. */
        memmove(s->out + o, buf + i, k);
        o += k;
        i += k;
    }
    memmove(s->pend, buf + end, keep);
    s->n_pend = keep;
    *len = o;
    return s->out;
}

const char *tokenizer_stream_push(struct tokenizer_stream *s, int32_t id, size_t *len)
{
    size_t n;
    *len = 0;
    const char *p = piece_for(s->t, id, s->flags, s->n_pushed == 0, &n);
    if (!p)
        return NULL;
    s->n_pushed++;
    return stream_emit(s, p, n, 0, len);
}

const char *tokenizer_stream_flush(struct tokenizer_stream *s, size_t *len)
{
    *len = 0;
    return stream_emit(s, "", 0, 1, len);
}

void tokenizer_stream_free(struct tokenizer_stream *s)
{
    free(s->out);
    s->out = NULL;
    s->cap = 0;
}
