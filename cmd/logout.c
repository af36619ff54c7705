/* logout.c - `model logout`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_logout(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model logout' is not implemented yet"), EXIT_FAIL;
}
