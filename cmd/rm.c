/* rm.c - `model rm`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_rm(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model rm' is not implemented yet"), EXIT_FAIL;
}
