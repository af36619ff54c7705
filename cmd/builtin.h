/*
 * builtin.h - every `model` command, one file each in cmd/, as git's builtin/.
 *
 * A command is `int cmd_NAME(int argc, const char **argv)`: argv[0] is the
 * command's own name, the return value is the exit status (see usage.h).
 * The table in model.c maps names to these functions; `model help` and the
 * bash completion read that same table.
 */
#ifndef CMD_BUILTIN_H
#define CMD_BUILTIN_H

struct cmd_struct {
    const char *name;
    int (*fn)(int argc, const char **argv);
    const char *summary;
    const char *group; /* heading in `model help` */
};

/* The command table, ending with a zeroed entry. */
extern const struct cmd_struct commands[];
const struct cmd_struct *find_command(const char *name);

/* store and housekeeping */
int cmd_package(int argc, const char **argv);
int cmd_list(int argc, const char **argv);
int cmd_inspect(int argc, const char **argv);
int cmd_tag(int argc, const char **argv);
int cmd_rm(int argc, const char **argv);
int cmd_df(int argc, const char **argv);
int cmd_prune(int argc, const char **argv);
int cmd_verify(int argc, const char **argv);
int cmd_save(int argc, const char **argv);
int cmd_load(int argc, const char **argv);
/* registry */
int cmd_pull(int argc, const char **argv);
int cmd_push(int argc, const char **argv);
int cmd_login(int argc, const char **argv);
int cmd_logout(int argc, const char **argv);
/* runtime */
int cmd_run(int argc, const char **argv);
int cmd_tokenize(int argc, const char **argv);
int cmd_perplexity(int argc, const char **argv);
int cmd_eval(int argc, const char **argv);
int cmd_bench(int argc, const char **argv);
int cmd_configure(int argc, const char **argv);
/* server */
int cmd_serve(int argc, const char **argv);
int cmd_ps(int argc, const char **argv);
int cmd_unload(int argc, const char **argv);
/* meta */
int cmd_help(int argc, const char **argv);
int cmd_version(int argc, const char **argv);
int cmd_completion(int argc, const char **argv);

#endif
