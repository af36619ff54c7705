# cli_demo.sh - `make demo`'s script end to end (loopback registry, package and
# push, pull into a fresh store, list, run) writes the reference story.
. tests/lib.sh
if ! command -v docker-registry >/dev/null; then
    skip "demo end to end" "docker-registry is not installed (make deps-demo)"
    finish; exit
fi
out=$(MODEL=$MODEL bash scripts/demo.sh 2>&1)
rc=$?
check "demo script exits 0" test $rc -eq 0
check "demo pulled into a fresh store" grep -q '^Pulled 127.0.0.1:[0-9]*/ai/stories' <<<"$out"
check "demo lists the pulled model" grep -Eq '^127\.0\.0\.1:[0-9]+/ai/stories +292\.80K +F32 +llama' <<<"$out"
# the reference is llama-simple's greedy output: "<s> Once upon a time" and the continuation
check "demo run writes the reference story" python3 -c '
import json, sys
ref = json.load(open(sys.argv[1]))["greedy_text_once_upon_a_time"]["text"]
cont = ref.split("Once upon a time", 1)[1].rstrip("\n")
assert len(cont) > 300 and cont in sys.argv[2], "reference continuation not in the demo output"
' "$FIXTURES/real/stories260K.ref.json" "$out"
finish
