/* run.c - `model run`: the chat front end (run-chat.c) does the whole command for now. */
#include "builtin.h"
#include "run-chat.h"
#include "usage.h"

int cmd_run(int argc, const char **argv)
{
    return cmd_run_chat(argc, argv);
}
