/*
 * chat-display.h - how `model run` shows a streamed answer.
 *
 * The answer goes to stdout. The reasoning goes to stdout too when stdout
 * is a terminal, and to stderr otherwise, so `model run M "q" > file` (or a
 * pipe) receives only the answer. With colour on (the reasoning's stream is
 * a terminal, NO_COLOR unset, TERM not "dumb") the reasoning is dimmed under
 * a "Thinking..." header and closed by "...done thinking."; without colour
 * the same header and footer frame it as plain text. Hidden reasoning
 * (--hide-thinking, /set nothink) shows a one-line "Thinking..." marker on a
 * terminal, erased when the answer starts.
 */
#ifndef CMD_CHAT_DISPLAY_H
#define CMD_CHAT_DISPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "../runtime/reasoning.h"

struct chat_display {
    FILE *out;              /* the answer: stdout */
    FILE *think;            /* the reasoning: stdout on a terminal, else stderr */
    int color;              /* ANSI dim for the reasoning */
    int think_tty;          /* the reasoning's stream is a terminal (marker erasable) */
    int hide_thinking;
    /* per turn */
    int in_reasoning;       /* header printed, footer not yet */
    int marker_shown;
    int any_content;
    int at_line_start;      /* the last byte written to out was '\n' (or nothing yet) */
};

/* Decide streams and colour from the environment. */
void display_init(struct chat_display *d, int hide_thinking);
/* A new answer begins (resets per-turn state). */
void display_begin(struct chat_display *d);
/* Streamed text of one part. Returns 0 (never asks to stop). */
int display_text(struct chat_display *d, enum reasoning_part part, const char *text, size_t len);
/* The answer is over (or was cut): close the reasoning, end the line. */
void display_end(struct chat_display *d);

/* Colour helpers for the interactive session's own messages. */
const char *display_dim(const struct chat_display *d);
const char *display_reset(const struct chat_display *d);

#endif
