#!/usr/bin/env bash
# bench.sh - `make bench`: builds the random-weight benchmark models once
# (cached in $MODEL_BENCH_DIR, default ~/.cache/model-bench; they are large:
# about 1 + 4.6 + 16 + 2.3 + 0.5 + 2.4 GB), runs `model bench` on each and
# prints one table with llama.cpp's figures for the same shapes beside ours.
#
#   BENCH_MODELS="llama-3.2-1b:Q4_K_M r1-8b:Q4_K_M"  limit the set
#   BENCH_THREADS=2  BENCH_REPS=3
set -eu
cd "$(dirname "$0")/.."
dir=${MODEL_BENCH_DIR:-$HOME/.cache/model-bench}
threads=${BENCH_THREADS:-2}
reps=${BENCH_REPS:-3}
models=${BENCH_MODELS:-"llama-3.2-1b:Q4_K_M r1-8b:Q4_K_M llama-3.2-1b:IQ2_XXS r1-8b:IQ2_XXS llama-3.2-1b:F16 r1-8b:F16"}
mkdir -p "$dir"

# llama.cpp build 4748, 2 threads, this kind of machine (issue "Embedded runtime, part 2")
ref_pp() { case $1 in llama-3.2-1b:Q4_K_M) echo 41.7;; r1-8b:Q4_K_M) echo 6.7;; *) echo -;; esac; }
ref_tg() { case $1 in llama-3.2-1b:Q4_K_M) echo 16.4;; r1-8b:Q4_K_M) echo 3.15;; *) echo -;; esac; }
# prompt/generation lengths llama.cpp was measured with
lens() { case $1 in r1-8b:*) echo "64 16";; *) echo "128 32";; esac; }

printf '%-22s %9s %9s %15s %15s %9s %9s %8s %8s\n' MODEL SIZE-GiB THREADS "PP t/s" "TG t/s" "llama PP" "llama TG" "PP x" "TG x"
for m in $models; do
    shape=${m%%:*} ft=${m##*:}
    f=$dir/$shape-$ft.gguf
    if [ ! -s "$f" ]; then
        echo "generating $f ..." >&2
        build/rel/tools/gen-bench-model "$shape" "$ft" "$f" >&2
    fi
    read -r p n <<<"$(lens "$m")"
    json=$(bin/model bench "$f" -p "$p" -n "$n" -t "$threads" -r "$reps" --json)
    python3 - "$m" "$f" "$threads" "$(ref_pp "$m")" "$(ref_tg "$m")" "$json" <<'PY'
import json, os, sys
m, f, t, rpp, rtg, js = sys.argv[1:]
r = json.loads(js)
gib = os.path.getsize(f) / 2**30
pp = "%.1f ±%.1f" % (r["pp_tps"], r["pp_tps_sd"])
tg = "%.2f ±%.2f" % (r["tg_tps"], r["tg_tps_sd"])
px = "%.2f" % (r["pp_tps"] / float(rpp)) if rpp != "-" else "-"
tx = "%.2f" % (r["tg_tps"] / float(rtg)) if rtg != "-" else "-"
print("%-22s %9.2f %9s %15s %15s %9s %9s %8s %8s" % (m, gib, t, pp, tg, rpp, rtg, px, tx))
print("%-22s weights %.2f GB per token, %.1f GB/s streamed; memory read bandwidth %.1f GB/s (%.0f%%); peak RSS %.2f GiB"
      % ("", r["bytes_per_token"] / 1e9, r["tg_gbps"], r["mem_gbps"], 100 * r["tg_gbps"] / r["mem_gbps"], r["peak_rss"] / 2**30))
PY
done
