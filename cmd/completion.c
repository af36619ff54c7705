/*
 * completion.c - `model completion [bash]` prints the bash completion script
 * (the same text as contrib/completion/model.bash, which `make install`
 * installs; tests/cli_store_completion.sh checks they agree), and the lists
 * the script asks for: `--commands` (command names) and `--models` (the
 * names of the models in the store).
 */
#include "builtin.h"
#include "parse-options.h"
#include "store-util.h"
#include "usage.h"

#include <stdio.h>
#include <string.h>

static const char *const completion_usage[] = { "model completion [--commands | --models] [bash]", NULL };

static const char script[] =
    "# bash completion for model(1): commands, their flags, files where a flag\n"
    "# takes one, and model names from the local store.\n"
    "# Installed by `make install`; or load it now: source <(model completion bash)\n"
    "_model()\n"
    "{\n"
    "    local cur prev words cword\n"
    "    if declare -F _init_completion >/dev/null 2>&1; then\n"
    "        _init_completion -n : || return\n"
    "    else\n"
    "        cur=${COMP_WORDS[COMP_CWORD]}\n"
    "        prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
    "        words=(\"${COMP_WORDS[@]}\")\n"
    "        cword=$COMP_CWORD\n"
    "    fi\n"
    "    local cmd=${words[1]:-}\n"
    "    if [ \"$cword\" -eq 1 ]; then\n"
    "        COMPREPLY=($(compgen -W \"$(model completion --commands 2>/dev/null) --help --version\" -- \"$cur\"))\n"
    "        return\n"
    "    fi\n"
    "    case $prev in\n"
    "        --gguf | --license | -l | --chat-template | -o | --output | -i | --input | --file | -f)\n"
    "            compopt -o filenames 2>/dev/null\n"
    "            COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "            return\n"
    "            ;;\n"
    "    esac\n"
    "    if [[ $cur == -* ]]; then\n"
    "        COMPREPLY=($(compgen -W \"$(model \"$cmd\" --help 2>&1 | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |\n"
    "            tr -d ' ,' | sort -u)\" -- \"$cur\"))\n"
    "        return\n"
    "    fi\n"
    "    case $cmd in\n"
    "        help | completion)\n"
    "            COMPREPLY=($(compgen -W \"$(model completion --commands 2>/dev/null) bash\" -- \"$cur\"))\n"
    "            ;;\n"
    "        package | load | login | logout | serve | version | df | prune | ps)\n"
    "            compopt -o filenames 2>/dev/null\n"
    "            COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "            ;;\n"
    "        *)\n"
    "            COMPREPLY=($(compgen -W \"$(model completion --models 2>/dev/null)\" -- \"$cur\"))\n"
    "            ;;\n"
    "    esac\n"
    "    if declare -F __ltrim_colon_completions >/dev/null 2>&1; then\n"
    "        __ltrim_colon_completions \"$cur\"\n"
    "    elif [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then\n"
    "        local prefix=${cur%\"${cur##*:}\"}\n"
    "        local i\n"
    "        for i in \"${!COMPREPLY[@]}\"; do\n"
    "            COMPREPLY[$i]=${COMPREPLY[$i]#\"$prefix\"}\n"
    "        done\n"
    "    fi\n"
    "}\n"
    "complete -F _model model\n";

int cmd_completion(int argc, const char **argv)
{
    int list_commands = 0, list_models = 0;
    struct option opts[] = {
        OPT_BOOL(0, "commands", &list_commands, "list the command names, one per line"),
        OPT_BOOL(0, "models", &list_models, "list the names of the models in the store, one per line"),
        OPT_END(),
    };
    argc = parse_options(argc, argv, opts, completion_usage);
    if (argc > 1 || (argc == 1 && strcmp(argv[0], "bash")) || (list_commands && list_models)) {
        if (argc == 1 && strcmp(argv[0], "bash"))
            error("only bash completion is available, not '%s'", argv[0]);
        usage_with_options(completion_usage, opts);
    }
    if (list_commands) {
        for (const struct cmd_struct *c = commands; c->name; c++)
            printf("%s\n", c->name);
        return EXIT_OK;
    }
    if (list_models) {
        struct store *s = store_open(NULL); /* quietly: completion must not print errors */
        struct store_model *ms;
        size_t n;
        if (!s || store_list(s, &ms, &n) < 0) {
            store_close(s);
            return EXIT_FAIL;
        }
        store_close(s);
        for (size_t i = 0; i < n; i++)
            for (int t = 0; t < ms[i].n_tags; t++) {
                char shown[REF_STR_MAX];
                printf("%s\n", ref_display(ms[i].tags[t], shown, sizeof shown));
            }
        store_models_free(ms, n);
        return EXIT_OK;
    }
    fputs(script, stdout);
    return EXIT_OK;
}
