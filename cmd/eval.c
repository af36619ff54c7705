/* eval.c - `model eval`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_eval(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model eval' is not implemented yet"), EXIT_FAIL;
}
