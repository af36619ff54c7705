# bash completion for model(1): commands, their flags, files where a flag
# takes one, and model names from the local store.
# Installed by `make install`; or load it now: source <(model completion bash)
_model()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n : || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local cmd=${words[1]:-}
    if [ "$cword" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(model completion --commands 2>/dev/null) --help --version" -- "$cur"))
        return
    fi
    case $prev in
        --gguf | --license | -l | --chat-template | -o | --output | -i | --input | --file | -f)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(model "$cmd" --help 2>&1 | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' |
            tr -d ' ,' | sort -u)" -- "$cur"))
        return
    fi
    case $cmd in
        help | completion)
            COMPREPLY=($(compgen -W "$(model completion --commands 2>/dev/null) bash" -- "$cur"))
            ;;
        package | load | login | logout | serve | version | df | prune | ps)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
        *)
            COMPREPLY=($(compgen -W "$(model completion --models 2>/dev/null)" -- "$cur"))
            ;;
    esac
    if declare -F __ltrim_colon_completions >/dev/null 2>&1; then
        __ltrim_colon_completions "$cur"
    elif [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local prefix=${cur%"${cur##*:}"}
        local i
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[$i]=${COMPREPLY[$i]#"$prefix"}
        done
    fi
}
complete -F _model model
