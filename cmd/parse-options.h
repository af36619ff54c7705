/*
 * parse-options.h - declarative option tables for commands, after git's.
 *
 * Each command declares
 *
 *     static const char *const usage[] = { "model tag SOURCE TARGET", NULL };
 *     struct option opts[] = {
 *         OPT_BOOL('f', "force", &force, "remove even when several tags name the model"),
 *         OPT_INT('n', "max-tokens", &n, "N", "stop after N tokens"),
 *         OPT_END(),
 *     };
 *     argc = parse_options(argc, argv, opts, usage);
 *
 * parse_options() removes the options it recognises and returns the count of
 * what is left (argv[0..ret-1]: positional arguments, in order). `--help`
 * and `-h` print the usage built from the same table and exit 0; an unknown
 * option or a bad value prints the usage to stderr and exits 2. `--` ends
 * option parsing. Long options take their value as `--name=V` or `--name V`;
 * short ones as `-nV` or `-n V`. A negative number is a value, not an option.
 */
#ifndef CMD_PARSE_OPTIONS_H
#define CMD_PARSE_OPTIONS_H

#include <stdint.h>

enum opt_kind {
    OPT_KIND_END,
    OPT_KIND_BOOL,     /* int *: set to 1; --no-NAME sets 0 */
    OPT_KIND_INT,      /* int *: decimal */
    OPT_KIND_INT64,    /* int64_t *: decimal, with K/M/G suffixes (powers of 1024) */
    OPT_KIND_FLOAT,    /* float * */
    OPT_KIND_STRING,   /* const char **: last one wins */
    OPT_KIND_LIST,     /* struct opt_list *: every occurrence appended */
    OPT_KIND_GROUP,    /* a caption in --help */
};

struct opt_list {
    const char **items;
    int n;
};

struct option {
    enum opt_kind kind;
    char short_name;       /* 0 for none */
    const char *long_name; /* NULL for none */
    void *value;
    const char *argh;      /* placeholder of the value in --help, e.g. "N" */
    const char *help;
};

#define OPT_END() { OPT_KIND_END, 0, NULL, NULL, NULL, NULL }
#define OPT_GROUP(h) { OPT_KIND_GROUP, 0, NULL, NULL, NULL, (h) }
#define OPT_BOOL(s, l, v, h) { OPT_KIND_BOOL, (s), (l), (v), NULL, (h) }
#define OPT_INT(s, l, v, a, h) { OPT_KIND_INT, (s), (l), (v), (a), (h) }
#define OPT_INT64(s, l, v, a, h) { OPT_KIND_INT64, (s), (l), (v), (a), (h) }
#define OPT_FLOAT(s, l, v, a, h) { OPT_KIND_FLOAT, (s), (l), (v), (a), (h) }
#define OPT_STRING(s, l, v, a, h) { OPT_KIND_STRING, (s), (l), (v), (a), (h) }
#define OPT_LIST(s, l, v, a, h) { OPT_KIND_LIST, (s), (l), (v), (a), (h) }

/* Parse; returns the number of positional arguments left in argv. Exits on
 * --help (0) and on errors (2). argv[0] is the command name and is skipped. */
int parse_options(int argc, const char **argv, const struct option *opts,
                  const char *const *usage);

/* Print the usage and options to stderr and exit 2 (for wrong positional counts). */
_Noreturn void usage_with_options(const char *const *usage, const struct option *opts);

/* Free what OPT_LIST options appended. */
void opt_list_free(struct opt_list *l);

#endif
