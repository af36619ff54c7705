/* list.c - `model list`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_list(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model list' is not implemented yet"), EXIT_FAIL;
}
