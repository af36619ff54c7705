/* perplexity.c - `model perplexity`: not written yet. */
#include "builtin.h"
#include "usage.h"

int cmd_perplexity(int argc, const char **argv)
{
    (void)argc;
    (void)argv;
    return error("'model perplexity' is not implemented yet"), EXIT_FAIL;
}
