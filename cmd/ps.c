/* ps.c - `model ps`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_ps(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model ps' is not implemented yet"), EXIT_FAIL;
}
