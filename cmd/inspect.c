/* inspect.c - `model inspect`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_inspect(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model inspect' is not implemented yet"), EXIT_FAIL;
}
