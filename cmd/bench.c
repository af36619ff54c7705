/* bench.c - `model bench`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_bench(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model bench' is not implemented yet"), EXIT_FAIL;
}
