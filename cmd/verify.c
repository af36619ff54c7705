/* verify.c - `model verify`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_verify(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model verify' is not implemented yet"), EXIT_FAIL;
}
