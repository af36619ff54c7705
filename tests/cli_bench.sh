# cli_bench.sh - `model bench` runs end to end and reports sane numbers (never timed: no speed is asserted).
. tests/lib.sh
m=$FIXTURES/models/tiny-q4_k_m.gguf
out=$(model bench "$m" -p 16 -n 4 -r 2 --json --no-bandwidth 2>&1)
check "bench --json runs" test $? -eq 0
check "bench reports positive rates and the weights streamed per token" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["pp_tps"] > 0 and r["tg_tps"] > 0, r
assert 0 < r["bytes_per_token"] <= r["weights_bytes"], r
assert r["n_prompt"] == 16 and r["n_gen"] == 4 and r["repetitions"] == 2, r
' "$out"
table=$(model bench "$m" -p 8 -n 2 -r 1 --no-bandwidth 2>&1)
check "bench table has the prompt test" grep -q '| *pp8 *|' <<<"$table"
check "bench table has the generation test" grep -q '| *tg2 *|' <<<"$table"
expect_error "bench with nothing to measure" 'nothing to measure' model bench "$m" -p 0 -n 0
expect_error "bench of a missing model" 'No such file|not found' model bench /nonexistent.gguf
finish
