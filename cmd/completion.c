/* completion.c - `model completion`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_completion(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model completion' is not implemented yet"), EXIT_FAIL;
}
