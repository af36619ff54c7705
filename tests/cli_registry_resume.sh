#!/usr/bin/env bash
# cli_registry_resume.sh - a pull killed with SIGKILL halfway through a large
# blob leaves partial files that the next pull resumes: the registry's access
# log proves only the missing bytes travel the second time.
. tests/lib.sh
command -v docker-registry >/dev/null || { skip "resume tests" "docker-registry not installed (make deps)"; finish; exit; }
command -v skopeo >/dev/null || { skip "resume tests" "skopeo not installed (make deps)"; finish; exit; }
. tests/registry-harness.sh
STORE_TOOL=${STORE_TOOL:-build/rel/tools/registry-store}
BIG=$FIXTURES/models/r1-vocab-q4_k_m.gguf
[ -f "$BIG" ] || { skip "resume tests" "fixture $BIG missing"; finish; exit; }
SIZE=$(stat -c %s "$BIG")

reg_start main
R=127.0.0.1:$REG_PORT
MD=$(make_layout "$TMP/lay" "$BIG" latest)
layout_push "$TMP/lay" latest "docker://$R/ai/big:latest"
W=$(sha256sum "$BIG" | cut -c1-64)
B=$MODEL_HOME/blobs/sha256

# kill_midway PARTS: start a throttled pull, SIGKILL it once between 20% and 80%
# of the big blob is on disk; prints the bytes on disk at the kill.
kill_midway() {
    MODEL_DOWNLOAD_PARTS=$1 MODEL_TEST_MAX_RECV_SPEED=$((4 * 1024 * 1024)) "$MODEL" pull "$R/ai/big" \
        >/dev/null 2>&1 &
    local pid=$! have=0 i
    for i in $(seq 1 400); do
        have=$(cat "$B/$W".partial "$B/$W".part-*.partial 2>/dev/null | wc -c)
        [ "$have" -gt $((SIZE / 5)) ] && break
        sleep 0.05
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    cat "$B/$W".partial "$B/$W".part-*.partial 2>/dev/null | wc -c
}

for parts in 1 4; do
    rm -rf "$MODEL_HOME"
    have=$(kill_midway $parts)
    check "[$parts part(s)] killed midway with bytes on disk ($have of $SIZE)" \
        test "$have" -gt 0 -a "$have" -lt "$SIZE"
    check "[$parts part(s)] model list shows no half-pulled model" test "$(model list --json)" = "[]"
    [ "$parts" -gt 1 ] && check "[$parts parts] ranged part files exist" ls "$B/$W".part-*.partial
    sleep 0.5 # let the registry log the killed request before the mark
    mark=$(($(wc -l <"$REG_LOG") + 1))
    out=$(MODEL_DOWNLOAD_PARTS=$parts model pull "$R/ai/big" 2>&1); rc=$?
    check "[$parts part(s)] resumed pull succeeds" test $rc -eq 0 || printf '%s\n' "$out"
    sent=$(reg_blob_bytes "$REG_LOG" "$mark")
    # the big blob's missing bytes plus the small licence blob; never the whole again
    check "[$parts part(s)] registry sent only the rest ($sent bytes for $((SIZE - have)) missing)" \
        test "$sent" -le $((SIZE - have + 4096)) -a "$sent" -ge $((SIZE - have))
    check "[$parts part(s)] resumed blob is byte-identical" cmp -s "$BIG" "$B/$W"
    check "[$parts part(s)] model recorded" grep -q "^$MD" <<<"$("$STORE_TOOL" dump)"
    check "[$parts part(s)] no partial files left" test -z "$(ls "$B" | grep partial)"
done

# a pull of another model that needs the same blob resumes the partial too
rm -rf "$MODEL_HOME"
have=$(kill_midway 4)
MD2=$(make_layout "$TMP/lay2" "$BIG" other)
layout_push "$TMP/lay2" other "docker://$R/ai/big2:latest" 2>/dev/null
sleep 0.5 # let the registry log the killed request before the mark
mark=$(($(wc -l <"$REG_LOG") + 1))
check "another model with the same blob pulls" model pull "$R/ai/big2"
sent=$(reg_blob_bytes "$REG_LOG" "$mark")
check "it resumed the shared partial ($sent bytes sent, $((SIZE - have)) were missing)" \
    test "$sent" -le $((SIZE - have + 4096))

# --limit-rate caps the total: 51 MiB at 32 MiB/s cannot take less than ~1.6 s
rm -rf "$MODEL_HOME"
t0=$(date +%s%N)
check "pull --limit-rate 32M" model pull --limit-rate 32M "$R/ai/big"
ms=$((($(date +%s%N) - t0) / 1000000))
check "the cap held: $ms ms for $SIZE bytes at 32 MiB/s" test $ms -ge 1400

# two pulls of one model at once: the second waits for the first's blob
rm -rf "$MODEL_HOME"
mark=$(($(wc -l <"$REG_LOG") + 1))
MODEL_TEST_MAX_RECV_SPEED=$((8 * 1024 * 1024)) "$MODEL" pull "$R/ai/big" >"$TMP/a.out" 2>&1 &
pa=$!
sleep 0.5
"$MODEL" pull "$R/ai/big" >"$TMP/b.out" 2>&1; rb=$?
wait $pa; ra=$?
check "concurrent pulls both succeed" test $ra -eq 0 -a $rb -eq 0
sleep 0.3
sent=$(reg_blob_bytes "$REG_LOG" "$mark")
check "the big blob travelled once ($sent bytes for $SIZE)" test "$sent" -lt $((SIZE * 3 / 2))
check "blob intact after concurrent pulls" cmp -s "$BIG" "$B/$W"

# Ctrl-C: exit 130 with a hint; the next pull resumes
rm -rf "$MODEL_HOME"
MODEL_TEST_MAX_RECV_SPEED=$((4 * 1024 * 1024)) "$MODEL" pull "$R/ai/big" >"$TMP/int.out" 2>&1 &
pid=$!
for i in $(seq 1 200); do
    [ "$(cat "$B/$W".partial "$B/$W".part-*.partial 2>/dev/null | wc -c)" -gt $((SIZE / 5)) ] && break
    sleep 0.05
done
kill -INT $pid
wait $pid; rc=$?
check "Ctrl-C exits 130" test $rc -eq 130
check "Ctrl-C says how to resume" grep -q "run the same pull again to resume" "$TMP/int.out"
check "pull after Ctrl-C completes" model pull "$R/ai/big"
check "blob identical after Ctrl-C and resume" cmp -s "$BIG" "$B/$W"

# memory warning before any weights, and the terminal progress display
rm -rf "$MODEL_HOME"
if command -v script >/dev/null; then
    script -qfec "env MODEL_MEMORY_LIMIT=1000000 MODEL_TEST_MAX_RECV_SPEED=$((16 * 1024 * 1024)) $MODEL pull $R/ai/big" \
        /dev/null >"$TMP/tty.out" 2>&1
    tr '\r' '\n' <"$TMP/tty.out" | sed 's/\x1b\[[0-9]*[AK]//g' >"$TMP/tty.txt"
    warn_line=$(grep -n "warning: this model needs about" "$TMP/tty.txt" | head -1 | cut -d: -f1)
    first_prog=$(grep -n "^${W:0:12}: " "$TMP/tty.txt" | head -1 | cut -d: -f1)
    check "memory warning printed before the first progress line" test -n "$warn_line" -a -n "$first_prog" -a "${warn_line:-0}" -lt "${first_prog:-0}"
    check "the pull went on after the warning" grep -q "Pulled .*ID ${MD:7:12}" "$TMP/tty.txt"
    check "terminal progress redraws in place" grep -q $'\x1b\[K' "$TMP/tty.out"
    pcts=$(grep -oE "^${W:0:12}: .*\(([0-9]+)%\)" "$TMP/tty.txt" | grep -oE '\([0-9]+%\)' | tr -d '()%')
    check "several layer progress lines drawn" test "$(wc -l <<<"$pcts")" -ge 3
    check "layer progress never goes backwards" awk 'NR > 1 && $1 < prev {exit 1} {prev = $1}' <<<"$pcts"
    check "layer lines show speed" grep -qE "^${W:0:12}: .*/s" "$TMP/tty.txt"
else
    skip "terminal progress" "script(1) not installed"
fi
finish
