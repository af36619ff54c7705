/* prune.c - `model prune`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_prune(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model prune' is not implemented yet"), EXIT_FAIL;
}
