/* package.c - `model package`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_package(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model package' is not implemented yet"), EXIT_FAIL;
}
