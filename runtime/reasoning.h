/*
 * reasoning.h - splits a model's streamed output into reasoning and answer.
 *
 * Reasoning models write their thoughts between <think> and </think>, then
 * the answer. Some templates open the block themselves (DeepSeek-R1's ends
 * the generation prompt with "<think>\n"), so the output starts inside it
 * and only "</think>" ever appears; others leave the model to write
 * "<think>" first. The splitter handles both: it starts inside when told
 * (reasoning_prompt_opens() decides from the rendered prompt), and otherwise
 * enters the block only when the output begins (after blank space) with
 * <think>. A tag may arrive cut over several pushes, so text that could be
 * the start of one is held back until it is known.
 *
 * Whitespace at the edges of each part is dropped (the "\n\n" after
 * </think>, the "\n" before it), as Ollama shows them; inner text goes out
 * as it comes, in whole UTF-8 characters when the input is.
 */
#ifndef RUNTIME_REASONING_H
#define RUNTIME_REASONING_H

#include <stddef.h>

enum reasoning_part { PART_REASONING, PART_CONTENT };

/* Receives each piece of text; a non-zero return is passed back by push. */
typedef int (*reasoning_emit_fn)(void *ud, enum reasoning_part part, const char *text, size_t len);

struct reasoning {
    int state;             /* see reasoning.c */
    char hold[64];         /* text held back: a possible tag, or blank space */
    size_t n_hold;
    int part_started;      /* the current part has emitted visible text */
    reasoning_emit_fn emit;
    void *ud;
    size_t n_reasoning;    /* bytes emitted per part */
    size_t n_content;
};

/* starts_inside: the prompt left a <think> block open. */
void reasoning_init(struct reasoning *r, int starts_inside, reasoning_emit_fn emit, void *ud);
/* Feed output text. Returns the first non-zero emit result, else 0. */
int reasoning_push(struct reasoning *r, const char *text, size_t len);
/* End of output: emit what is held that is not blank space or a cut tag. */
int reasoning_finish(struct reasoning *r);
/* 1 while the splitter is inside the reasoning block. */
int reasoning_in_block(const struct reasoning *r);

/* 1 when prompt's last "<think>" comes after its last "</think>". */
int reasoning_prompt_opens(const char *prompt, size_t len);

#endif
