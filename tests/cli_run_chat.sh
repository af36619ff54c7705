#!/usr/bin/env bash
# cli_run_chat.sh - `model run` one-shot: chat template, reasoning on stderr when
# stdout is not a terminal, --hide-thinking, --raw, piped stdin, --verbose,
# --verbose-prompt, --system folding for R1, stop strings, errors, and
# `model configure` settings reaching `run`. Greedy and few tokens: fast.
. tests/lib.sh

TINY=$FIXTURES/models/tiny-q4_k_m.gguf
STORIES=$FIXTURES/real/stories260K.gguf
R1=$FIXTURES/models/r1-vocab-q4_k_m.gguf

out=$TMP/out err=$TMP/err
# run_split ARGS...: stdout to $out, stderr to $err, exit status in $rc
run_split() { model run "$@" >"$out" 2>"$err"; rc=$?; }

# --- the R1 template: the answer starts inside <think>, reasoning goes to stderr ---
run_split "$TINY" "Hello" -n 8 --temp 0 --verbose-prompt
check "one-shot exits 0" test "$rc" -eq 0
check "rendered prompt on stderr, exactly as the template made it" \
    grep -qF '<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜><think>' "$err"
check "token ids of the prompt on stderr (BOS once, then <｜User｜>)" grep -qE '^1024 1035 ' "$err"
check "reasoning under a Thinking... header on stderr" grep -q '^Thinking\.\.\.' "$err"
check "no reasoning on stdout when it is not a terminal" bash -c "! grep -q 'Thinking' '$out'"
check "no ANSI colour when not a terminal" bash -c "! grep -q $'\e' '$err' '$out'"
reasoning=$(sed -n '/^Thinking\.\.\./{n;p;q}' "$err")

run_split "$TINY" "Hello" -n 8 --temp 0 --hide-thinking
check "--hide-thinking: exits 0" test "$rc" -eq 0
check "--hide-thinking: no header and no reasoning" bash -c "! grep -q 'Thinking' '$err' && ! grep -qF -- '${reasoning:0:12}' '$err' '$out'"

# --- stories260K has no template: the ChatML default, with a notice; the answer on stdout ---
run_split "$STORIES" "Once upon a time" -n 16 --temp 0
check "no template: notice names the default" grep -q 'default ChatML' "$err"
check "no template: the answer reaches stdout" test -s "$out"
check "notices stay off stdout" bash -c "! grep -q 'ChatML' '$out'"

# --- --raw: llama.cpp's greedy continuation of the story ---
run_split "$STORIES" "Once upon a time" --raw -n 12 --temp 0
check "--raw: llama.cpp's greedy text" grep -q '^, there was a little girl named Lily' "$out"
check "--raw: nothing on stderr" test ! -s "$err"
model run "$STORIES" "Once upon a time" -n 12 --temp 0 >"$TMP/arg" 2>/dev/null
echo "Once upon a time" | model run "$STORIES" -n 12 --temp 0 >"$TMP/piped" 2>/dev/null
check "piped stdin is the prompt" cmp -s "$TMP/arg" "$TMP/piped"
echo "Once upon" | model run "$STORIES" "a time" -n 12 --temp 0 --verbose-prompt >/dev/null 2>"$TMP/both"
check "piped stdin, then a blank line, then the arguments" grep -qzP 'Once upon\n\na time' "$TMP/both"
printf 'Once upon a time' >"$TMP/p.txt"
model run "$STORIES" --raw -n 12 --temp 0 <"$TMP/p.txt" >"$TMP/redirected" 2>/dev/null
check "a file on stdin is the prompt" cmp -s "$out" "$TMP/redirected"

# --- stop strings are cut from the answer ---
run_split "$STORIES" "Once upon a time" -n 24 --temp 0
full=$(cat "$out")
stop=$(grep -oE '[A-Za-z]{4,}' "$out" | sed -n 3p)
run_split "$STORIES" "Once upon a time" -n 24 --temp 0 --stop "$stop"
want=$(printf '%s' "${full%%"$stop"*}" | sed 's/[[:space:]]*$//')
check "--stop cuts before the stop string" test "$(cat "$out")" = "$want"
check "--stop: a shorter answer than without" test "$(wc -c <"$out")" -lt "$(printf '%s\n' "$full" | wc -c)"

# --- --verbose: ollama's statistics on stderr ---
run_split "$STORIES" "Once upon a time" -n 6 --temp 0 --verbose --verbose-prompt
n_prompt=$(sed -n 's/^--- prompt ([0-9]* bytes, \([0-9]*\) tokens) ---$/\1/p' "$err")
check "--verbose: load duration" grep -qE '^load duration: +[0-9.]+(µs|ms|s)$' "$err"
check "--verbose: prompt eval count = prompt tokens" grep -qE "^prompt eval count: +$n_prompt token\(s\)" "$err"
check "--verbose: prompt eval rate" grep -qE '^prompt eval rate: +[0-9.]+ tokens/s' "$err"
check "--verbose: eval count = -n" grep -qE '^eval count: +6 token\(s\)' "$err"
check "--verbose: eval rate" grep -qE '^eval rate: +[0-9.]+ tokens/s' "$err"
check "--verbose: statistics stay off stdout" bash -c "! grep -q 'eval' '$out'"

# --- --system on an R1 model: folded into the first user turn, with a notice ---
run_split "$TINY" --system "Be terse." "What is 2+2?" -n 2 --temp 0 --verbose-prompt
check "--system folded into the user turn" grep -qF '<｜User｜>Be terse.' "$err"
check "--system fold notice" grep -q 'trained without a system prompt' "$err"

# --- the real R1 vocabulary: the prompt ids are the HF template's, as llama.cpp tokenizes them ---
run_split "$R1" "Hi" -n 1 --temp 0 --verbose-prompt -c 64
check "r1-vocab prompt ids = hf_ids of the fixture" grep -qx '128000 128011 13347 128012 128013 198' "$err"

# --- Ctrl-C stops a one-shot answer: what was generated is printed, exit 130 ---
# (a background job of a script starts with SIGINT ignored: `run` installs its own handler;
# the random tiny model's greedy answer to this prompt runs for seconds before an end token
# with both the llama.cpp-order and the one-row kernels' float order: other prompts stop sooner)
"$MODEL" run "$TINY" "Tell me a story" -n 1000000 --temp 0 >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
for _ in $(seq 300); do grep -q '^Thinking' "$TMP/int.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
check "Ctrl-C: one-shot exits 130" test "$rc" -eq 130
check "Ctrl-C: what was generated is printed" test "$(wc -c <"$TMP/int.err")" -gt 20
check "Ctrl-C: no sanitizer report" bash -c "! grep -q Sanitizer '$TMP/int.err'"

# --- a chat template shipped in the artifact wins over the GGUF's ---
printf '%s' '{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}' >"$TMP/tmpl.jinja"
model package --gguf "$TINY" --chat-template "$TMP/tmpl.jinja" tinytmpl >/dev/null 2>&1
run_split tinytmpl "Hello" -n 2 --temp 0 --verbose-prompt
check "the artifact's template is used" grep -qx '\[user\]Hello\[assistant\]' "$err"

# --- a template that refuses a system role (Gemma 2): the system prompt is folded, with a notice ---
model package --gguf "$TINY" --chat-template tests/data/templates/gemma2.jinja gemma >/dev/null 2>&1
run_split gemma --system "Be brief." "Hi" -n 2 --temp 0 --verbose-prompt
check "system refused by the template: still answers" test "$rc" -eq 0
check "system refused by the template: notice" grep -q 'takes no system prompt' "$err"
check "system refused by the template: folded into the user turn" grep -qx 'Be brief.' "$err"

# --- --hide-thinking asks templates that can (Qwen3's enable_thinking) not to think at all ---
model package --gguf "$TINY" --chat-template tests/data/templates/qwen3.jinja qwen3 >/dev/null 2>&1
run_split qwen3 "Hi" -n 2 --temp 0 --verbose-prompt --hide-thinking
check "--hide-thinking: enable_thinking=false reaches the template" grep -qzP '<\|im_start\|>assistant\n<think>\n\n</think>' "$err"
run_split qwen3 "Hi" -n 2 --temp 0 --verbose-prompt
check "without it the template is left to its default" bash -c "! grep -q '</think>' '$err'"

# --- errors name cause and fix ---
expect_error "unknown flag is a usage error" 'unknown option' model run "$TINY" --no-such-flag hi
model run "$TINY" --no-such-flag hi >/dev/null 2>&1
check "unknown flag exits 2" test $? -eq 2
expect_error "bad --top-p names the range" 'top_p must be a number from 0 to 1' model run "$TINY" --top-p 7 hi
expect_error "missing file" 'tiny-nope.gguf' model run "$FIXTURES/models/tiny-nope.gguf" hi
expect_error "model not in the store and --no-pull" 'not found' model run nosuch --no-pull hi
expect_error "an empty prompt on stdin is refused" 'prompt is empty' model run "$TINY" </dev/null
expect_error "prompt longer than the context" 'context' model run "$TINY" -c 16 "$(printf 'word %.0s' $(seq 40))"

# --- model configure: stored settings, used by run, overridden by flags ---
model package --gguf "$STORIES" stories >/dev/null 2>&1
check "package a fixture into the store" model list
expect_output "configure with nothing set shows none" 'no settings' model configure stories
check "configure stores settings" model configure stories --temperature 1.5 --seed 11 --top-k 100
expect_output "configure --show lists them" '^temperature +1\.5$' model configure stories --show
expect_output "configure --show --json" '"seed":[[:space:]]*11' model configure stories --show --json
model run stories "Once upon a time" -n 24 >"$TMP/conf" 2>/dev/null
model run "$STORIES" "Once upon a time" -n 24 --temp 1.5 --seed 11 --top-k 100 >"$TMP/flags" 2>/dev/null
check "run applies the configured settings (same text as the same flags)" cmp -s "$TMP/conf" "$TMP/flags"
model run stories "Once upon a time" -n 24 --temp 0 >"$TMP/override" 2>/dev/null
model run "$STORIES" "Once upon a time" -n 24 --temp 0 >"$TMP/greedy" 2>/dev/null
check "run flags override configured settings" cmp -s "$TMP/override" "$TMP/greedy"
expect_error "configure checks ranges" 'top_p' model configure stories --top-p 2
expect_error "configure needs a stored model" 'not in the store' model configure nosuch --temperature 1
check "configure --reset" model configure stories --reset
expect_output "after --reset nothing is stored" 'no settings' model configure stories --show
expect_error "--reset with new values is refused" 'reset' model configure stories --reset --temperature 1

finish
