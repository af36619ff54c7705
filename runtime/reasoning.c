/*
 * reasoning.c - the <think> ... </think> splitter (see reasoning.h).
 *
 * Works byte by byte on a small hold buffer. In each part the buffer keeps
 * a run of blank space (shown only if more text follows, so neither part
 * ends with the newlines around the tags) and, inside the reasoning block, a
 * possible start of "</think>". Splits happen only before ASCII bytes, so a
 * multi-byte character pushed whole is never cut.
 */
#include "reasoning.h"

#include <string.h>

enum { S_START, S_REASON, S_CONTENT };

static const char OPEN[] = "<think>";
static const char CLOSE[] = "</think>";

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

static enum reasoning_part part_of(const struct reasoning *r)
{
    return r->state == S_REASON ? PART_REASONING : PART_CONTENT;
}

/* Emit text of the current part, dropping blank space at the part's start. */
static int emit(struct reasoning *r, const char *s, size_t n)
{
    if (!r->part_started) {
        while (n && is_blank((unsigned char)*s))
            s++, n--;
        if (!n)
            return 0;
        r->part_started = 1;
    }
    if (part_of(r) == PART_REASONING)
        r->n_reasoning += n;
    else
        r->n_content += n;
    return r->emit ? r->emit(r->ud, part_of(r), s, n) : 0;
}

static int is_prefix(const char *s, size_t n, const char *of)
{
    return n <= strlen(of) && memcmp(s, of, n) == 0;
}

void reasoning_init(struct reasoning *r, int starts_inside, reasoning_emit_fn fn, void *ud)
{
    memset(r, 0, sizeof *r);
    r->state = starts_inside ? S_REASON : S_START;
    r->emit = fn;
    r->ud = ud;
}

int reasoning_in_block(const struct reasoning *r)
{
    return r->state == S_REASON;
}

static int step(struct reasoning *r, char c);

/* In S_START: blank space is skipped, then "<think>" is awaited. */
static int step_start(struct reasoning *r, char c)
{
    if (r->n_hold == 0 && is_blank((unsigned char)c))
        return 0;
    r->hold[r->n_hold++] = c;
    if (is_prefix(r->hold, r->n_hold, OPEN)) {
        if (r->n_hold == sizeof OPEN - 1) {
            r->state = S_REASON;
            r->n_hold = 0;
            r->part_started = 0;
        }
        return 0;
    }
    /* not a reasoning model's opening: replay what was held as content */
    char held[sizeof r->hold];
    size_t n = r->n_hold;
    memcpy(held, r->hold, n);
    r->n_hold = 0;
    r->state = S_CONTENT;
    for (size_t i = 0; i < n; i++) {
        int rc = step(r, held[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* In S_REASON and S_CONTENT: hold blank space and (in reasoning) a tag start. */
static int step_part(struct reasoning *r, char c)
{
    const char *tag = r->state == S_REASON ? CLOSE : "";
    size_t tag_len = strlen(tag);

    r->hold[r->n_hold++] = c;
    size_t w = 0;
    while (w < r->n_hold && is_blank((unsigned char)r->hold[w]))
        w++;
    const char *rest = r->hold + w;
    size_t n_rest = r->n_hold - w;

    if (tag_len && n_rest == tag_len && memcmp(rest, tag, tag_len) == 0) {
        /* end of the reasoning: the blank space before the tag is dropped */
        r->n_hold = 0;
        r->state = S_CONTENT;
        r->part_started = 0;
        return 0;
    }
    if ((n_rest == 0 || (tag_len && is_prefix(rest, n_rest, tag))) && r->n_hold < sizeof r->hold)
        return 0;
    /* the held text is plain text: emit it, keeping a last byte that may start a new hold */
    size_t keep = 0;
    if (r->n_hold < sizeof r->hold && (is_blank((unsigned char)c) || (tag_len && c == tag[0])))
        keep = 1;
    int rc = emit(r, r->hold, r->n_hold - keep);
    if (keep)
        r->hold[0] = c;
    r->n_hold = keep;
    return rc;
}

static int step(struct reasoning *r, char c)
{
    return r->state == S_START ? step_start(r, c) : step_part(r, c);
}

int reasoning_push(struct reasoning *r, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int rc = step(r, text[i]);
        if (rc)
            return rc;
    }
    return 0;
}

int reasoning_finish(struct reasoning *r)
{
    size_t n = r->n_hold, w = 0;
    r->n_hold = 0;
    if (r->state == S_START) {
        /* a cut "<thi": it was the answer after all */
        r->state = S_CONTENT;
        return n ? emit(r, r->hold, n) : 0;
    }
    while (w < n && is_blank((unsigned char)r->hold[w]))
        w++;
    return w < n ? emit(r, r->hold, n) : 0;
}

int reasoning_prompt_opens(const char *prompt, size_t len)
{
    const char *last_open = NULL, *last_close = NULL;
    for (const char *p = prompt; p + sizeof OPEN - 1 <= prompt + len; p++) {
        if (*p != '<')
            continue;
        if (!memcmp(p, OPEN, sizeof OPEN - 1))
            last_open = p;
        else if (p + sizeof CLOSE - 1 <= prompt + len && !memcmp(p, CLOSE, sizeof CLOSE - 1))
            last_close = p;
    }
    return last_open && (!last_close || last_open > last_close);
}
