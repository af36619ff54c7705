/* login.c - `model login`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_login(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model login' is not implemented yet"), EXIT_FAIL;
}
