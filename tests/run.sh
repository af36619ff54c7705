#!/usr/bin/env bash
# run.sh - runs every unit-test binary given as arguments and every tests/cli_*.sh,
# prints each one's failures, and ends with the total "N passed, N failed".
# TEST_FILTER=regex limits which binaries/scripts run.
set -u
cd "$(dirname "$0")/.." || exit 2
export MODEL_FIXTURES=${MODEL_FIXTURES:-$(cd ../shared/fixtures 2>/dev/null && pwd)}
export MODEL=${MODEL:-$PWD/bin/model-asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p tests/tmp
passed=0 failed=0 skipped=0 broken=""
for t in "$@" tests/cli_*.sh; do
    [ -e "$t" ] || continue
    if [ -n "${TEST_FILTER:-}" ] && ! grep -Eq "$TEST_FILTER" <<<"$t"; then continue; fi
    log=tests/tmp/$(basename "$t").log
    start=$(date +%s)
    case $t in
        *.sh) bash "$t" >"$log" 2>&1 ;;
        *) "$t" >"$log" 2>&1 ;;
    esac
    rc=$?
    secs=$(( $(date +%s) - start ))
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "BROKEN $t (exit $rc, no summary line)"; tail -n 30 "$log"
        failed=$((failed + 1)); broken="$broken $t"; continue
    fi
    read -r p _ f _ s _ <<<"$(sed 's/,//g' <<<"$line")"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    if [ "$f" -gt 0 ] || [ $rc -ne 0 ]; then
        echo "== $t: $line (exit $rc, ${secs}s)"
        grep -E -A25 '^(FAIL|BROKEN)' "$log" | head -n 120
        grep -q 'Sanitizer' "$log" && grep -B2 -A30 'Sanitizer' "$log" | head -n 60
        [ "$f" -gt 0 ] || { failed=$((failed + 1)); broken="$broken $t"; }
    else
        echo "   $t: $line (${secs}s)"
    fi
    grep -E '^skip ' "$log" | sed 's/^/      /'
done
[ -n "$broken" ] && echo "broken:$broken"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
