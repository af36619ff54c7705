/* tokenize.c - `model tokenize`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_tokenize(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model tokenize' is not implemented yet"), EXIT_FAIL;
}
