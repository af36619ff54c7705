/* run.c - `model run`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_run(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model run' is not implemented yet"), EXIT_FAIL;
}
