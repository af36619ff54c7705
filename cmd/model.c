/*
 * model.c - entry point and command table of `model`, after git.c.
 *
 * `model [--version] [--help] COMMAND [ARGS]`: find COMMAND in the table,
 * run it, then check that stdout really reached its destination (a full
 * disk or a closed pipe must not pass for success).
 */
#include "builtin.h"
#include "usage.h"
#include "../common/version.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

const struct cmd_struct commands[] = {
    { "run",        cmd_run,        "Run a model: one-shot prompt or interactive chat", "Run models" },
    { "pull",       cmd_pull,       "Download a model from a registry", "Run models" },
    { "list",       cmd_list,       "List the models in the local store", "Manage models" },
    { "ls",         cmd_list,       NULL, NULL },
    { "inspect",    cmd_inspect,    "Show a model's details as JSON", "Manage models" },
    { "tag",        cmd_tag,        "Give a model another name", "Manage models" },
    { "rm",         cmd_rm,         "Remove models (or only a tag)", "Manage models" },
    { "df",         cmd_df,         "Show disk usage of the store", "Manage models" },
    { "prune",      cmd_prune,      "Remove unused blobs and stale partial downloads", "Manage models" },
    { "verify",     cmd_verify,     "Re-hash stored blobs and report corrupt ones", "Manage models" },
    { "package",    cmd_package,    "Package a GGUF file as a model", "Manage models" },
    { "push",       cmd_push,       "Upload a model to a registry", "Share models" },
    { "save",       cmd_save,       "Write models to an OCI image-layout tar", "Share models" },
    { "load",       cmd_load,       "Read models from an OCI image-layout tar", "Share models" },
    { "login",      cmd_login,      "Store credentials for a registry", "Share models" },
    { "logout",     cmd_logout,     "Forget credentials for a registry", "Share models" },
    { "tokenize",   cmd_tokenize,   "Print the token ids of a text", "Inspect the runtime" },
    { "eval",       cmd_eval,       "Print the logits after a list of tokens", "Inspect the runtime" },
    { "perplexity", cmd_perplexity, "Measure perplexity on a text file", "Inspect the runtime" },
    { "bench",      cmd_bench,      "Measure prompt and generation speed", "Inspect the runtime" },
    { "configure",  cmd_configure,  "Store per-model settings (context, sampling)", "Run models" },
    { "serve",      cmd_serve,      "Serve models over an OpenAI-compatible HTTP API", "Serve models" },
    { "ps",         cmd_ps,         "List the models a running server has loaded", "Serve models" },
    { "unload",     cmd_unload,     "Unload models from a running server", "Serve models" },
    { "help",       cmd_help,       "Show help for a command", "Help" },
    { "version",    cmd_version,    "Show the version", "Help" },
    { "completion", cmd_completion, NULL, NULL },
    { NULL, NULL, NULL, NULL },
};

const struct cmd_struct *find_command(const char *name)
{
    for (const struct cmd_struct *c = commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

/* Like git's run_builtin(): a command that "succeeded" but whose output was
 * lost (ENOSPC, EIO) has failed. EPIPE is the reader's choice, not ours. */
static int check_stdout(int status)
{
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (errno == EPIPE)
            return status;
        error("could not write output: %s", strerror(errno));
        return EXIT_FAIL;
    }
    return status;
}

int main(int argc, const char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        cmd_help(1, argv);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return check_stdout(cmd_help(1, argv));
    if (!strcmp(name, "--version") || !strcmp(name, "-v"))
        return check_stdout(cmd_version(1, argv));
    const struct cmd_struct *cmd = find_command(name);
    if (!cmd) {
        error("'%s' is not a model command; see 'model help'", name);
        return EXIT_USAGE;
    }
    return check_stdout(cmd->fn(argc - 1, argv + 1));
}
