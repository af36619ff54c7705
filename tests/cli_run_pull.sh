#!/usr/bin/env bash
# cli_run_pull.sh - `model run REF` pulls a model the store does not have,
# with `model pull`'s progress on stderr, then answers (stdout: the answer
# only); --no-pull refuses. Needs the registry client, Debian's
# docker-registry and the loopback harness; skips without them.
. tests/lib.sh

if ! model pull --help >/dev/null 2>&1 || ! model push --help >/dev/null 2>&1; then
    skip "pull on run" "'model pull'/'model push' are not in this build"; finish; exit
fi
if [ ! -f tests/registry-harness.sh ] || ! command -v docker-registry >/dev/null; then
    skip "pull on run" "docker-registry or tests/registry-harness.sh missing (make deps)"; finish; exit
fi
. tests/registry-harness.sh

reg_start main
R=127.0.0.1:$REG_PORT
export MODEL_HOME=$TMP/publisher
check "publish a fixture to the loopback registry" \
    model package --gguf "$FIXTURES/real/stories260K.gguf" --push "$R/ai/stories:260K"

export MODEL_HOME=$TMP/user
expect_error "--no-pull refuses a missing model" 'not found' model run --no-pull "$R/ai/stories:260K" "Once upon a time"
model run "$R/ai/stories:260K" "Once upon a time" -n 8 --temp 0 >"$TMP/out" 2>"$TMP/err"
rc=$?
check "run pulls, then answers" test $rc -eq 0
check "the pull is announced on stderr" grep -q 'not in the store; pulling it' "$TMP/err"
check "pull's summary goes to stderr" grep -q '^Pulled ' "$TMP/err"
check "stdout holds only the answer" bash -c "test -s '$TMP/out' && ! grep -q -e Pulled -e pulling '$TMP/out'"
expect_output "the model is in the store afterwards" 'stories' model list
model run "$R/ai/stories:260K" "Once upon a time" -n 8 --temp 0 >"$TMP/out2" 2>"$TMP/err2"
check "a second run does not pull again" bash -c "! grep -q pulling '$TMP/err2'"
check "and answers the same" cmp -s "$TMP/out" "$TMP/out2"

finish
