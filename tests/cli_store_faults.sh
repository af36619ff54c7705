# cli_store_faults.sh - a full disk (ENOSPC, injected at the Nth write, fsync
# or rename by store/fault.c) and a SIGKILL in the middle of package, rm and
# load each leave the store as it was: same models, same blobs once pruned,
# and `model verify` passes.
. tests/lib.sh

M=$FIXTURES/models
R=$FIXTURES/real
blobs() { ls "$MODEL_HOME/blobs/sha256" 2>/dev/null | sort; }
state() { "$MODEL" list -q | sort; blobs; }

check "package a first model" model package --gguf "$M/tiny-q4_0.gguf" base
check "package a model to save" model package --gguf "$R/stories260K.gguf" --license "$R/LICENSE-stories260K.txt" stories
check "save it" model save -o "$TMP/s.tar" stories
check "rm it" model rm stories
before=$(state)
models_before=$("$MODEL" list -q | sort)

# --- ENOSPC at many points of package and load ---------------------------------------------
for n in 1 2 3 5; do
    expect_error "package with ENOSPC at write $n" "No space left on device" \
        env MODEL_FAULT=write:$n "$MODEL" package --gguf "$M/tiny-q8_0.gguf" --license "$R/LICENSE-stories260K.txt" full
    check "store unchanged after ENOSPC at write $n" test "$before" = "$(state)"
done
expect_error "package with EIO at fsync 2" "Input/output error" env MODEL_FAULT=fsync:2:EIO "$MODEL" package --gguf "$M/tiny-q8_0.gguf" full
check "store unchanged after fsync failure" test "$before" = "$(state)"
expect_error "package with a failed rename" "No space left" env MODEL_FAULT=rename:3:once "$MODEL" package --gguf "$M/tiny-q8_0.gguf" --license "$R/LICENSE-stories260K.txt" full
check "store unchanged after rename failure" test "$before" = "$(state)"
for n in 1 2 4; do
    expect_error "load with ENOSPC at write $n" "No space left on device" env MODEL_FAULT=write:$n "$MODEL" load -i "$TMP/s.tar"
    check "store unchanged after load ENOSPC at write $n" test "$before" = "$(state)"
done
check "verify after the full disks" model verify

# --- SIGKILL in the middle (at an exact write/rename/unlink) ---------------------------------
killed() { # killed NAME CMD...: CMD must die of SIGKILL
    local name=$1; shift
    env "$@" >/dev/null 2>&1
    local rc=$?
    if [ $rc -eq 137 ]; then _ok "$name"; else _fail "$name" "exit status $rc, expected 137 (SIGKILL)"; fi
}
for point in write:1 write:3 rename:1 rename:3 fsync:2; do
    killed "package killed at $point" MODEL_FAULT=$point:KILL "$MODEL" package --gguf "$M/tiny-q8_0.gguf" --license "$R/LICENSE-stories260K.txt" killed
    check "models unchanged after kill at $point" test "$("$MODEL" list -q | sort)" = "$models_before"
    check "verify passes after package killed at $point" model verify
    check "prune after package killed at $point" model prune
    check "store exactly as before after kill at $point + prune" test "$before" = "$(state)"
done
for point in write:2 write:5 rename:2; do
    killed "load killed at $point" MODEL_FAULT=$point:KILL "$MODEL" load -i "$TMP/s.tar"
    check "verify passes after load killed at $point" model verify
    check "prune after load killed at $point" model prune
    check "store exactly as before after load kill at $point + prune" test "$before" = "$(state)"
done

# rm: killed before the index changed (nothing happens) or after it (model gone, blobs pruned)
check "package a model to remove" model package --gguf "$M/tiny-q6_k.gguf" victim
with_victim=$(state)
killed "rm killed at its first blob deletion" MODEL_FAULT=unlink:1:KILL "$MODEL" rm victim
check "verify passes after rm killed" model verify
check "the model is gone or whole" bash -c "! '$MODEL' list -q | grep -q . || '$MODEL' verify"
check "prune after rm killed" model prune
check "store exactly as before the package after rm kill + prune" test "$before" = "$(state)"

# a real kill -9 at an arbitrary moment of a bigger package
"$MODEL" package --gguf "$M/r1-vocab-q4_k_m.gguf" big >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "verify passes after kill -9 of package" model verify
if "$MODEL" list -q big >/dev/null 2>&1 && [ -n "$("$MODEL" list -q big)" ]; then
    _ok "package finished before the kill (model complete)"
    check "rm it" model rm big
fi
check "prune after kill -9" model prune
check "store as before after kill -9 + prune" test "$before" = "$(state)"
finish
