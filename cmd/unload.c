/* unload.c - `model unload`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_unload(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model unload' is not implemented yet"), EXIT_FAIL;
}
