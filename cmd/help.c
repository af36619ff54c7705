/* help.c - `model help [COMMAND]`: the command list from the table, or a command's --help. */
#include "builtin.h"
#include "usage.h"

#include <stdio.h>
#include <string.h>

int cmd_help(int argc, const char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "-h") && strcmp(argv[1], "--help")) {
        const struct cmd_struct *c = find_command(argv[1]);
        if (!c)
            return error("'%s' is not a model command; see 'model help'", argv[1]), EXIT_USAGE;
        const char *sub[] = { c->name, "--help", NULL };
        return c->fn(2, sub);
    }
    printf("usage: model [--version] [--help] COMMAND [ARGS]\n\n"
           "Pull, store and run large language models from OCI registries.\n");
    const char *group = NULL;
    for (const struct cmd_struct *c = commands; c->name; c++) {
        if (!c->summary)
            continue;
        if (!group || strcmp(group, c->group)) {
            /* groups are contiguous except where the table says otherwise; print
             * each group once, gathering its commands. */
            int seen = 0;
            for (const struct cmd_struct *p = commands; p < c; p++)
                if (p->group && !strcmp(p->group, c->group))
                    seen = 1;
            if (seen)
                continue;
            group = c->group;
            printf("\n%s:\n", group);
            for (const struct cmd_struct *p = c; p->name; p++)
                if (p->summary && !strcmp(p->group, group))
                    printf("  %-12s %s\n", p->name, p->summary);
        }
    }
    printf("\nRun 'model COMMAND --help' for a command's options, 'man model-COMMAND' for its manual.\n");
    return EXIT_OK;
}
