/* configure.c - `model configure`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_configure(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model configure' is not implemented yet"), EXIT_FAIL;
}
