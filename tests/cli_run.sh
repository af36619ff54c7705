# cli_run.sh - `model run` and `model eval` on the fixtures: the stories260K
# story as llama.cpp writes it, prompts from stdin, seeded sampling, eval's
# argmax and logsumexp against llama.cpp's, and clean errors on bad input.
. tests/lib.sh

STORIES=$FIXTURES/real/stories260K.gguf
TINY=$FIXTURES/models/tiny-f32.gguf
if [ ! -f "$STORIES" ] || [ ! -f "$TINY" ] || ! command -v python3 >/dev/null; then
    skip "model run" "fixtures or python3 missing"
    finish
    exit
fi

# ref FILE EXPR: a value from a reference JSON (d = the parsed file).
ref() { python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# The story: llama-simple's greedy text for "Once upon a time", without "<s> " and the prompt.
want=$(ref "$FIXTURES/real/stories260K.ref.json" 'd["greedy_text_once_upon_a_time"]["text"][len("<s> Once upon a time"):].rstrip("\n")')
got=$(model run "$STORIES" --raw --temp 0 -n 200 "Once upon a time" 2>"$TMP/err")
if [ "$got" = "$want" ]; then _ok "run writes llama.cpp's stories260K story"
else _fail "run writes llama.cpp's stories260K story" "got:  ${got:0:300}" "want: ${want:0:300}"; fi
check "run --raw prints no notice" test ! -s "$TMP/err"

got2=$(echo -n "Once upon a time" | model run "$STORIES" --raw --temp 0 -n 200 2>/dev/null)
check "run reads the prompt from stdin" test "$got2" = "$want"
expect_output "run without --raw uses a chat template (ChatML for a model without one)" "default ChatML" \
    model run "$STORIES" --temp 0 -n 2 "Once"

a=$(model run "$STORIES" --raw --temp 1.0 --seed 42 -n 40 "Once upon a time" 2>/dev/null)
b=$(model run "$STORIES" --raw --temp 1.0 --seed 42 -n 40 "Once upon a time" 2>/dev/null)
c=$(model run "$STORIES" --raw --temp 1.5 --top-k 0 --top-p 1 --min-p 0 --seed 7 -n 40 "Once upon a time" 2>/dev/null)
check "same seed, same output" test -n "$a" -a "$a" = "$b"
check "another seed, another output" test "$a" != "$c"
expect_output "run accepts every sampling flag" "." model run "$STORIES" --raw --temp 0.7 --top-k 20 --top-p 0.9 \
    --min-p 0.1 --repeat-penalty 1.1 --repeat-last-n 32 --seed 3 -t 2 -c 256 --kv-type f32 -n 5 "Once"
expect_output "run with a q8_0 KV cache" "." model run "$TINY" --raw --kv-type q8_0 --temp 0 -n 3 "hello"
expect_error "q8_0 KV cache needs heads of a multiple of 32" "multiple of 32" \
    model run "$STORIES" --raw --kv-type q8_0 "Once"
n=$(model run "$STORIES" --raw --temp 0 -n 3 --kv-type f32 "Once upon a time" 2>/dev/null | wc -w)
check "-n limits the tokens" test "$n" -le 3

# eval against llama.cpp's reference
R=$FIXTURES/refs/tiny-f32.ref.json
toks=$(ref "$R" '",".join(map(str, d["sequences"][1]["tokens"]))')
out=$(model eval "$TINY" --tokens "$toks" --top 5 --json 2>&1)
check "eval --json gives llama.cpp's argmax and logsumexp" python3 -c '
import json,sys
o = json.loads(sys.argv[1]); d = json.load(open(sys.argv[2]))["sequences"][1]
assert o["argmax"] == d["argmax"], (o["argmax"], d["argmax"])
assert abs(o["logsumexp"] - d["logsumexp"]) < 0.01, (o["logsumexp"], d["logsumexp"])
assert [t["id"] for t in o["top"]] == [t[0] for t in d["top50"][:5]]
' "$out" "$R"
expect_output "eval prints argmax and logsumexp" "^logsumexp [0-9.]+" model eval "$TINY" --tokens 1024,5 --top 3

# bad input
expect_error "prompt longer than the context" "prompt is [0-9]+ tokens but the context holds 16.*larger context" \
    model run "$STORIES" --raw -c 16 "Once upon a time there was a little girl named Lily who liked to play in the park"
expect_error "invalid UTF-8 in the prompt" "UTF-8" model run "$STORIES" --raw $'\xff\xfe bad'
expect_error "not a GGUF path" "not a .gguf file" model run "$TMP/nosuch" --raw "x"
expect_error "missing file" "nosuch.gguf" model run "$TMP/nosuch.gguf" --raw "x"
expect_error "unknown KV cache type" "unknown KV cache type 'q4'" model run "$STORIES" --raw --kv-type q4 "x"
expect_error "eval: bad token list" "not a comma-separated list" model eval "$TINY" --tokens 1,x
expect_error "eval: token out of range" "out of range" model eval "$TINY" --tokens 1024,99999
printf 'not a gguf at all, just text' >"$TMP/bad.gguf"
expect_error "a file that is not GGUF" "bad.gguf" model run "$TMP/bad.gguf" --raw "x"
expect_error "memory check refuses with both numbers" "needs about [0-9.]+ MiB .* but only 1.0 KiB is available" \
    env MODEL_MEMORY_LIMIT=1K "$MODEL" run "$STORIES" --raw "Once"
expect_error "memory check names the ways out" "smaller --ctx-size.*smaller quantization" \
    env MODEL_MEMORY_LIMIT=1K "$MODEL" run "$STORIES" --raw "Once"
expect_error "memory check names --ignore-memory-check" "or --ignore-memory-check to try anyway" \
    env MODEL_MEMORY_LIMIT=1K "$MODEL" run "$STORIES" --raw "Once"
expect_output "--ignore-memory-check runs anyway" "." \
    env MODEL_MEMORY_LIMIT=1K "$MODEL" run "$STORIES" --raw --temp 0 -n 3 --ignore-memory-check "Once"

finish
