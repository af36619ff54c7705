/* serve.c - `model serve`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_serve(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model serve' is not implemented yet"), EXIT_FAIL;
}
