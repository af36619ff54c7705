/* test_chat_display.c - how `model run` frames reasoning and answer: the
 * Thinking... header and footer, dimming only with colour, the hidden-
 * reasoning marker, and the final newline. */
#include "test.h"

#include "../cmd/chat-display.h"

static char *slurp(FILE *f)
{
    long n = ftell(f);
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = 0;
    return s;
}

/* All that f received equals want; f is closed. A macro so a failure names the test's line. */
#define CHECK_STREAM(f, want)                                           \
    do {                                                                \
        char *got_ = slurp(f);                                          \
        CHECK_STR(got_, want);                                          \
        free(got_);                                                     \
        fclose(f);                                                      \
    } while (0)

/* A display writing answer and reasoning to one stream (as on a terminal), or to two. */
static void setup(struct chat_display *d, FILE *out, FILE *think, int color, int hide)
{
    display_init(d, hide);
    d->out = out;
    d->think = think;
    d->color = color;
    d->think_tty = color;
    display_begin(d);
}

static void feed(struct chat_display *d)
{
    display_text(d, PART_REASONING, "Let me see.", 11);
    display_text(d, PART_REASONING, " 2+2=4.", 7);
    display_text(d, PART_CONTENT, "It is 4.", 8);
    display_end(d);
}

TEST(terminal_with_colour_dims_the_reasoning_under_a_header)
{
    FILE *f = tmpfile();
    struct chat_display d;
    setup(&d, f, f, 1, 0);
    feed(&d);
    CHECK_STREAM(f, "\033[2mThinking...\nLet me see.\033[0m\033[2m 2+2=4.\033[0m\033[2m\n...done thinking.\033[0m\n\n"
                    "It is 4.\n");
}

TEST(no_colour_keeps_the_frame_without_escapes)
{
    FILE *f = tmpfile();
    struct chat_display d;
    setup(&d, f, f, 0, 0);
    feed(&d);
    CHECK_STREAM(f, "Thinking...\nLet me see. 2+2=4.\n...done thinking.\n\nIt is 4.\n");
}

TEST(pipe_gets_only_the_answer)
{
    FILE *out = tmpfile(), *err = tmpfile();
    struct chat_display d;
    setup(&d, out, err, 0, 0);
    feed(&d);
    CHECK_STREAM(out, "It is 4.\n");
    CHECK_STREAM(err, "Thinking...\nLet me see. 2+2=4.\n...done thinking.\n\n");
}

TEST(hidden_reasoning_shows_an_erasable_marker_on_a_terminal)
{
    FILE *f = tmpfile();
    struct chat_display d;
    setup(&d, f, f, 1, 1);
    feed(&d);
    CHECK_STREAM(f, "\033[2mThinking...\033[0m\r\033[KIt is 4.\n");

    /* not a terminal: nothing at all for the reasoning */
    FILE *out = tmpfile(), *err = tmpfile();
    setup(&d, out, err, 0, 1);
    feed(&d);
    CHECK_STREAM(out, "It is 4.\n");
    CHECK_STREAM(err, "");
}

TEST(answer_cut_while_thinking_ends_the_block_without_claiming_it_finished)
{
    FILE *f = tmpfile();
    struct chat_display d;
    setup(&d, f, f, 0, 0);
    display_text(&d, PART_REASONING, "hmm", 3);
    display_end(&d);
    CHECK_STREAM(f, "Thinking...\nhmm\n");
}

TEST(answer_without_reasoning_is_plain)
{
    FILE *f = tmpfile();
    struct chat_display d;
    setup(&d, f, f, 1, 0);
    display_text(&d, PART_CONTENT, "Hello\n", 6);
    display_end(&d);
    CHECK_STREAM(f, "Hello\n");
}
