#!/usr/bin/env bash
# cli_run_interactive.sh - `model run MODEL` at a terminal, driven through
# tmux: the prompt, a streamed answer with its reasoning header, """
# multi-line input, /set and /show info (with where each value came from),
# Ctrl-C during an answer (back at the prompt, conversation kept), Ctrl-C at
# the prompt, the history file, /bye and Ctrl-D.
. tests/lib.sh

if ! command -v tmux >/dev/null; then
    skip "interactive session" "tmux is not installed (Debian: tmux)"
    finish
    exit
fi

TINY=$FIXTURES/models/tiny-q4_k_m.gguf
N_START=0
T="tmux -L model-test-$$-0"
trap '$T kill-server 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

# start CMD: a fresh 160x50 terminal (a new tmux server each time, so a
# server still shutting down is never reused) running CMD; its exit status
# lands in $TMP/rc
start() {
    $T kill-server 2>/dev/null
    N_START=$((N_START + 1))
    T="tmux -L model-test-$$-$N_START"
    rm -f "$TMP/rc"
    $T new-session -d -s s -x 160 -y 50 \
        "cd '$PWD' && MODEL_HOME='$MODEL_HOME' ASAN_OPTIONS='$ASAN_OPTIONS' NO_COLOR= TERM=xterm $*; echo \$? >'$TMP/rc'; sleep 60"
}
screen() { $T capture-pane -p -J -S -2000 -t s; }
# wait_for ERE [SECONDS]: until the screen matches
wait_for() {
    local i
    for ((i = 0; i < ${2:-30} * 10; i++)); do
        screen | grep -Eq -- "$1" && return 0
        sleep 0.1
    done
    echo "--- timed out waiting for /$1/; screen:"; screen | tail -n 25
    return 1
}
# prompts: how many ">>> " prompts the screen shows
prompts() { screen | grep -c '^>>> ' ; }
# wait_prompt N: until the Nth prompt is shown
wait_prompt() {
    local i
    for ((i = 0; i < 600; i++)); do
        [ "$(prompts)" -ge "$1" ] && return 0
        sleep 0.1
    done
    echo "--- timed out waiting for prompt $1; screen:"; screen | tail -n 25
    return 1
}
keys() { $T send-keys -t s "$@"; }
exited() {
    local i
    for ((i = 0; i < 100; i++)); do [ -s "$TMP/rc" ] && return 0; sleep 0.1; done
    return 1
}

start "$MODEL" run "$TINY" --temp 0 --verbose-prompt
check "the prompt appears" wait_prompt 1

# a short answer: the streamed reasoning under its header, then the prompt again
keys "/set parameter num_predict 6" Enter
check "/set parameter answers" wait_for "^Set parameter 'num_predict' to '6'"
keys "Hello there" Enter
check "the answer streams under a Thinking... header" wait_for '^Thinking\.\.\.'
check "back at the prompt after the answer" wait_prompt 3
check "colour on: the reasoning is dimmed" bash -c "$T capture-pane -p -e -S -200 -t s | grep -q $'\e\\[2m'"

# multi-line input: the message keeps its newline
keys '"""first line' Enter
check "multi-line continuation prompt" wait_for '^\.\.\. $'
keys 'second line"""' Enter
check "the multi-line message reaches the template whole" wait_for '<｜User｜>first line$'
check "...with its second line" wait_for '^second line<｜Assistant｜><think>$'
check "back at the prompt after the multi-line answer" wait_prompt 4

# Ctrl-C during a long answer stops it, the conversation stays
keys "/set parameter num_predict 100000" Enter
check "/set num_predict" wait_prompt 5
keys "Tell me a very long story" Enter
check "the long answer starts" wait_for 'Tell me a very long story<｜Assistant｜>'
sleep 1
keys C-c
check "Ctrl-C stops the answer" wait_for '^\(stopped\)'
check "and returns to the prompt" wait_prompt 6
keys "/show info" Enter
check "/show info: the context" wait_for '^    size +4096 tokens'
check "/show info: both earlier exchanges kept, the stopped one taken back" wait_for '^    messages +4$'
check "/show info: a /set value says so" wait_for '^    num_predict +100000 +\(/set\)'
check "/show info: family defaults say so" wait_for '^    temperature +0 +\(command line\)'
check "/show info: top_p from the R1 table" wait_for '^    top_p +0\.95 +\(DeepSeek-R1 distill defaults\)'
check "/show info: quantization" wait_for '^    quantization +Q4_K_M'
check "/show info: memory" wait_for '^    total +[0-9.]+ [KMG]iB \(weights'

# Ctrl-C at the prompt keeps the session; /set nothink hides the reasoning; /clear forgets
keys C-c
check "Ctrl-C at the prompt hints how to leave" wait_for 'Use Ctrl \+ d or /bye to exit'
keys "/set nothink" Enter
check "/set nothink" wait_for "^Set 'nothink' mode"
keys "/set parameter num_predict 4" Enter
keys "/clear" Enter
check "/clear" wait_for '^Cleared session context'
n=$(screen | grep -c '^Thinking\.\.\.$')
keys "Quiet please" Enter
check "hidden reasoning: the prompt returns" wait_for 'Quiet please<｜Assistant｜>'
sleep 2
check "hidden reasoning: no new Thinking... block" test "$(screen | grep -c '^Thinking\.\.\.$')" -eq "$n"
keys "/set parameter num_ctx 128" Enter
check "/set num_ctx rebuilds the context" wait_for "^Set parameter 'num_ctx' to '128'"
keys "/show info" Enter
check "/show info: the new context size" wait_for '^    size +128 tokens \(0 in use\)'
check "/show info: num_ctx from /set" wait_for '^    num_ctx +128 +\(/set\)'
keys "/set system You are terse." Enter
check "/set system" wait_for '^Set system message\.'
keys "Hi again" Enter
check "the system prompt is folded for R1, with a notice" wait_for 'trained without a system prompt'
keys "/set parameter warmth 3" Enter
check "unknown /set parameter is refused" wait_for "Couldn't set parameter: unknown parameter 'warmth'"
keys "/bye" Enter
check "/bye exits" exited
check "/bye exits 0" test "$(cat "$TMP/rc" 2>/dev/null)" = 0
check "the history file (libedit format) is in the store root" grep -q 'Tell.040me.040a.040very' "$MODEL_HOME/history"

# a small context: old exchanges are dropped with a notice, the first one stays
start "$MODEL" run "$TINY" --temp 0 -n 4 -c 96 --verbose-prompt
check "small context session: prompt" wait_prompt 1
for i in 1 2 3 4 5 6 7 8; do
    keys "question number $i about the weather in the mountains" Enter
    wait_prompt $((i + 1)) >/dev/null || break
done
check "the context full: a notice says old messages were dropped" wait_for 'dropped the [0-9]+ oldest messages? to fit the context of 96 tokens'
last=$(screen | awk '/^--- prompt/ {b=""} {b=b $0 "\n"} END {print b}' | sed -n '/^--- prompt/,/^--- token ids/p')
check "the last prompt keeps the first question" grep -q 'question number 1 about' <<<"$last"
check "the last prompt lost the second question" bash -c "! grep -q 'question number 2 about' <<<\"\$1\"" _ "$last"
check "the last prompt has the newest question" grep -q 'question number [0-9] about.*<｜Assistant｜><think>$' <<<"$last"
keys "/show info" Enter
check "/show info after dropping" wait_for '^    messages +[0-9]+$'
n=$(screen | sed -n 's/^    messages \+\([0-9]\+\)$/\1/p' | tail -n 1)
check "fewer messages than were exchanged" test "${n:-99}" -lt 16
keys "/bye" Enter
check "small context session: /bye" exited

# a stored model: /show info names the artifact's context and `model configure`'s values
model package --gguf "$TINY" --context-size 256 tinyc >/dev/null 2>&1
model configure tinyc --temperature 0.25 >/dev/null
start "$MODEL" run tinyc --top-k 5
check "stored model session: prompt" wait_prompt 1
keys "/show info" Enter
check "/show info: context from the artifact" wait_for '^    num_ctx +256 +\(model file\)'
check "/show info: temperature from model configure" wait_for '^    temperature +0\.25 +\(model configure\)'
check "/show info: flag" wait_for '^    top_k +5 +\(command line\)'
check "/show info: the model ID" wait_for '^    id +[0-9a-f]{12}$'
keys "/bye" Enter
check "stored model session: /bye" exited

# NO_COLOR: the same header, no escape sequences
start NO_COLOR=1 "$MODEL" run "$TINY" --temp 0 -n 4
check "NO_COLOR session: prompt" wait_prompt 1
keys "Hi" Enter
check "NO_COLOR: the Thinking... header" wait_for '^Thinking\.\.\.'
check "NO_COLOR: back at the prompt" wait_prompt 2
check "NO_COLOR: no dim escape" bash -c "! $T capture-pane -p -e -S -200 -t s | grep -q $'\e\\[2m'"
keys "/exit" Enter
check "/exit exits" exited

# Ctrl-D leaves too; the history comes back
start "$MODEL" run "$TINY" --temp 0
check "second session: prompt" wait_prompt 1
keys Up
check "history recalls the last line" wait_for '^>>> /exit'
keys C-u C-d
check "Ctrl-D exits" exited
check "Ctrl-D exits 0" test "$(cat "$TMP/rc" 2>/dev/null)" = 0

finish
