/* save.c - `model save`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_save(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model save' is not implemented yet"), EXIT_FAIL;
}
