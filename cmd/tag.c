/* tag.c - `model tag`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_tag(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model tag' is not implemented yet"), EXIT_FAIL;
}
