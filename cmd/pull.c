/* pull.c - `model pull`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_pull(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model pull' is not implemented yet"), EXIT_FAIL;
}
