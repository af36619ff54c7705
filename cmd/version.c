/* version.c - `model version`. */
#include "builtin.h"
#include "parse-options.h"
#include "usage.h"
#include "../common/version.h"

#include <stdio.h>

int cmd_version(int argc, const char **argv)
{
    static const char *const usage[] = { "model version", NULL };
    struct option opts[] = { OPT_END() };
    if (argc > 1 && parse_options(argc, argv, opts, usage) != 0)
        usage_with_options(usage, opts);
    printf("model version %s\n", MODEL_VERSION);
    return EXIT_OK;
}
