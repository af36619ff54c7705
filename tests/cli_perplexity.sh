# cli_perplexity.sh - `model perplexity` against llama-perplexity on every
# reference model (text/ppl-public.txt, -c 128 -b 128; stories260K on
# real/tinystory-text.txt): PPL within 0.5%. Runs the optimised bin/model:
# r1-vocab scores 128256 logits per token and takes minutes under the
# sanitizers (test_perplexity.c covers a few models with them).
. tests/lib.sh

FAST=$PWD/bin/model
if [ ! -x "$FAST" ] || [ ! -d "$FIXTURES/refs" ] || ! command -v python3 >/dev/null; then
    skip "model perplexity" "bin/model, fixtures or python3 missing"
    finish
    exit
fi

# ppl_matches REF MODEL TEXT [ARGS]: our PPL within 0.5% of the reference's.
ppl_matches() {
    local ref=$1 gguf=$2 text=$3; shift 3
    local out
    out=$("$FAST" perplexity "$gguf" -f "$text" -c 128 -b 128 --json "$@" 2>&1) || { echo "$out"; return 1; }
    python3 -c '
import json, math, sys
o = json.loads(sys.argv[1]); want = json.load(open(sys.argv[2]))["perplexity"]["ppl"]
rel = o["ppl"] / want - 1
print("PPL %.4f, llama.cpp %.4f: %+.4f%% (ln %+.5f)" % (o["ppl"], want, 100 * rel, o["ln_ppl"] - math.log(want)))
sys.exit(0 if abs(rel) < 0.005 else 1)' "$out" "$ref"
}

for r in "$FIXTURES"/refs/*.ref.json; do
    name=$(basename "$r" .ref.json)
    gguf=$FIXTURES/models/${name%.kvf32}.gguf
    kv=f16
    case $name in *.kvf32) kv=f32 ;; esac
    out=$(ppl_matches "$r" "$gguf" "$FIXTURES/text/ppl-public.txt" --kv-type $kv)
    if [ $? -eq 0 ]; then _ok "perplexity $name: $out"; else _fail "perplexity $name" "$out"; fi
done
out=$(ppl_matches "$FIXTURES/real/stories260K.ref.json" "$FIXTURES/real/stories260K.gguf" "$FIXTURES/real/tinystory-text.txt")
if [ $? -eq 0 ]; then _ok "perplexity stories260K: $out"; else _fail "perplexity stories260K" "$out"; fi

expect_output "text output ends with the PPL" "^PPL = [0-9.]+ \+/- " \
    "$FAST" perplexity "$FIXTURES/real/stories260K.gguf" -f "$FIXTURES/real/tinystory-text.txt" -c 128
expect_error "a text shorter than two chunks" "at least 1024" \
    "$MODEL" perplexity "$FIXTURES/real/stories260K.gguf" -f "$FIXTURES/real/tinystory-text.txt" -c 512
expect_error "a missing text file" "nosuch.txt" "$MODEL" perplexity "$FIXTURES/real/stories260K.gguf" -f "$TMP/nosuch.txt"
finish
