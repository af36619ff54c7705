/* df.c - `model df`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_df(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model df' is not implemented yet"), EXIT_FAIL;
}
