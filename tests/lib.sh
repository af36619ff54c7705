# lib.sh - helpers for the shell tests (tests/cli_*.sh), sourced by each.
#
#   . tests/lib.sh
#   check "list shows the model" grep -q tiny <<<"$(model list)"
#   expect_fail "rm of unknown model fails" model rm nosuch
#   expect_output "version" "model version" model version
#   finish
#
# Every script runs in the repository root with $MODEL pointing at the
# sanitizer build, a private store in $MODEL_HOME, and $FIXTURES set; it
# ends with `finish`, which prints "N passed, N failed, N skipped" and sets
# the exit status.

set -u
FIXTURES=${MODEL_FIXTURES:-../shared/fixtures}
MODEL=${MODEL:-$PWD/bin/model-asan}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p tests/tmp
TMP=$(mktemp -d "$PWD/tests/tmp/$(basename "$0" .sh).XXXXXX")
export MODEL_HOME=$TMP/store
_passed=0 _failed=0 _skipped=0
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT

model() { "$MODEL" "$@"; }

_ok() { echo "ok $1"; _passed=$((_passed + 1)); }
_fail() { echo "FAIL $1"; shift; [ $# -gt 0 ] && printf '    %s\n' "$@"; _failed=$((_failed + 1)); }

# check NAME CMD...: passes when CMD exits 0.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then _ok "$name"; else _fail "$name" "command failed: $*" "${out:0:2000}"; fi
}

# expect_fail NAME CMD...: passes when CMD exits non-zero without a sanitizer report or a signal.
expect_fail() {
    local name=$1; shift
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then _fail "$name" "expected failure, got success: $*" "${out:0:2000}"
    elif [ $rc -ge 124 ] || grep -q 'Sanitizer' <<<"$out"; then _fail "$name" "crashed (rc $rc): $*" "${out:0:2000}"
    else _ok "$name"; fi
}

# expect_output NAME PATTERN CMD...: passes when CMD exits 0 and its output (stdout+stderr) matches the ERE PATTERN.
expect_output() {
    local name=$1 pat=$2; shift 2
    local out
    if out=$("$@" 2>&1) && grep -Eq -- "$pat" <<<"$out"; then _ok "$name"
    else _fail "$name" "output of '$*' does not match /$pat/" "${out:0:2000}"; fi
}

# expect_error NAME PATTERN CMD...: passes when CMD fails cleanly and says something matching PATTERN.
expect_error() {
    local name=$1 pat=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then _fail "$name" "expected failure: $*" "${out:0:2000}"
    elif [ $rc -ge 124 ] || grep -q 'Sanitizer' <<<"$out"; then _fail "$name" "crashed (rc $rc): $*" "${out:0:2000}"
    elif ! grep -Eq -- "$pat" <<<"$out"; then _fail "$name" "error does not match /$pat/" "${out:0:2000}"
    else _ok "$name"; fi
}

skip() { echo "skip $1: $2"; _skipped=$((_skipped + 1)); }

finish() {
    echo "$_passed passed, $_failed failed, $_skipped skipped"
    [ $_failed -eq 0 ]
}
