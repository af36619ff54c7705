/* push.c - `model push`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_push(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model push' is not implemented yet"), EXIT_FAIL;
}
