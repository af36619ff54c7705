#!/usr/bin/env bash
# run.sh SECONDS FUZZER... - runs each libFuzzer target for SECONDS, seeded with
# the fixture GGUFs, and fails when one finds a crash.
set -eu
secs=$1; shift
fixtures=${MODEL_FIXTURES:-../shared/fixtures}
rc=0 passed=0 failed=0
for f in "$@"; do
    corpus=build/fuzz/corpus-$(basename "$f")
    mkdir -p "$corpus"
    # seeds: the headers of the fixture models (first 64 KiB each) and the small real models
    for m in "$fixtures"/models/*.gguf "$fixtures"/real/*.gguf; do
        [ -e "$m" ] && head -c 65536 "$m" >"$corpus/seed-$(basename "$m")"
    done
    # and the chat templates, which the Jinja fuzzer starts from
    for m in tests/data/templates/*.jinja; do
        [ -e "$m" ] && cp "$m" "$corpus/seed-$(basename "$m")"
    done
    echo "fuzzing $(basename "$f") for ${secs}s"
    "$f" -max_total_time="$secs" -max_len=131072 -rss_limit_mb=2048 -artifact_prefix=build/fuzz/ "$corpus" \
        >build/fuzz/$(basename "$f").log 2>&1 && passed=$((passed + 1)) ||
        { rc=1; failed=$((failed + 1)); tail -n 40 build/fuzz/$(basename "$f").log; }
    grep -E '^(#[0-9]+ *DONE|Done)' build/fuzz/$(basename "$f").log | tail -n 1 || true
done
echo "fuzz: $passed passed, $failed failed"
exit $rc
