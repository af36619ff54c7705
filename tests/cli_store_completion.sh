# cli_store_completion.sh - `model completion`: the script it prints is
# contrib/completion/model.bash, and completing commands, flags and model
# names works in bash.
. tests/lib.sh

check "completion prints contrib/completion/model.bash" bash -c "diff <('$MODEL' completion) contrib/completion/model.bash"
check "completion bash is the same" bash -c "diff <('$MODEL' completion bash) contrib/completion/model.bash"
check "the script is valid bash" bash -n contrib/completion/model.bash
expect_output "--commands lists commands" "^package$" model completion --commands
expect_error "only bash" "only bash" model completion zsh
check "package a model" model package --gguf "$FIXTURES/models/tiny-q4_0.gguf" stories:260K
check "tag it" model tag stories:260K myorg/other:v2
expect_output "--models lists display names" "^myorg/other:v2$" model completion --models

# drive the completion function as bash does
mkdir -p "$TMP/bin"
ln -s "$MODEL" "$TMP/bin/model"
complete_words() { # complete_words WORD...: the candidates for the last word
    PATH="$TMP/bin:$PATH" bash -c '
        source contrib/completion/model.bash
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _model model; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check "completes command names" grep -qx package <<<"$(complete_words model pac)"
check "completes flags of a command" grep -qx -- --chat-template <<<"$(complete_words model package --ch)"
check "completes model names" grep -qx stories:260K <<<"$(complete_words model rm sto)"
check "completes models for run" grep -qx myorg/other:v2 <<<"$(complete_words model run my)"
finish
