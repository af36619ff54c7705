/* load.c - `model load`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_load(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model load' is not implemented yet"), EXIT_FAIL;
}
