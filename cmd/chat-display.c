/*
 * chat-display.c - streams, colour and the reasoning frame (see
 * chat-display.h). Output is flushed after every piece so tokens appear as
 * they are generated.
 */
#include "chat-display.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM "\033[2m"
#define RESET "\033[0m"
#define ERASE_LINE "\r\033[K"

static int color_allowed(void)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

void display_init(struct chat_display *d, int hide_thinking)
{
    memset(d, 0, sizeof *d);
    d->out = stdout;
    int out_tty = isatty(STDOUT_FILENO);
    d->think = out_tty ? stdout : stderr;
    d->think_tty = isatty(fileno(d->think));
    d->color = d->think_tty && color_allowed();
    d->hide_thinking = hide_thinking;
    d->at_line_start = 1;
}

void display_begin(struct chat_display *d)
{
    d->in_reasoning = 0;
    d->marker_shown = 0;
    d->any_content = 0;
}

const char *display_dim(const struct chat_display *d)
{
    return d->color ? DIM : "";
}

const char *display_reset(const struct chat_display *d)
{
    return d->color ? RESET : "";
}

/* End the reasoning block (shown, or hidden behind the "Thinking..." marker).
 * finished: the answer follows, so say the thinking is done; otherwise it was
 * cut off, and only the dimming ends. */
static void close_reasoning(struct chat_display *d, int finished)
{
    if (d->in_reasoning) {
        if (finished)
            fprintf(d->think, "%s\n...done thinking.%s\n\n", display_dim(d), display_reset(d));
        else
            fprintf(d->think, "%s\n", display_reset(d));
        fflush(d->think);
        d->in_reasoning = 0;
        if (d->think == d->out)
            d->at_line_start = 1;
    }
    if (d->marker_shown) {
        fputs(ERASE_LINE, d->think);
        fflush(d->think);
        d->marker_shown = 0;
    }
}

int display_text(struct chat_display *d, enum reasoning_part part, const char *text, size_t len)
{
    if (part == PART_REASONING) {
        if (d->any_content)
            return 0; /* reasoning after the answer began: not shown out of order */
        if (d->hide_thinking) {
            if (d->think_tty && !d->marker_shown) {
                fprintf(d->think, "%sThinking...%s", display_dim(d), display_reset(d));
                fflush(d->think);
                d->marker_shown = 1;
            }
            return 0;
        }
        if (!d->in_reasoning) {
            fprintf(d->think, "%sThinking...\n", display_dim(d));
            d->in_reasoning = 1;
        } else if (d->color) {
            fputs(DIM, d->think); /* re-assert: a terminal may have been reset meanwhile */
        }
        fwrite(text, 1, len, d->think);
        if (d->color)
            fputs(RESET, d->think);
        fflush(d->think);
        if (d->think == d->out && len)
            d->at_line_start = text[len - 1] == '\n';
        return 0;
    }
    close_reasoning(d, 1);
    d->any_content = 1;
    fwrite(text, 1, len, d->out);
    fflush(d->out);
    if (len)
        d->at_line_start = text[len - 1] == '\n';
    return 0;
}

void display_end(struct chat_display *d)
{
    close_reasoning(d, 0);
    if (!d->at_line_start) {
        fputc('\n', d->out);
        d->at_line_start = 1;
    }
    fflush(d->out);
}
