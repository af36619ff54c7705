#!/usr/bin/env bash
# cli_registry.sh - pull and push against Debian's docker-registry on loopback:
# round trips, digests, tags, chunked uploads, mounts, skopeo interop, errors.
. tests/lib.sh
command -v docker-registry >/dev/null || { skip "registry tests" "docker-registry not installed (make deps)"; finish; exit; }
command -v skopeo >/dev/null || { skip "registry tests" "skopeo not installed (make deps)"; finish; exit; }
. tests/registry-harness.sh
STORE_TOOL=${STORE_TOOL:-build/rel/tools/registry-store}
st() { "$STORE_TOOL" "$@"; }
blobdir() { echo "$MODEL_HOME/blobs/sha256"; }

reg_start main
R=127.0.0.1:$REG_PORT
GGUF=$FIXTURES/models/tiny-q4_k_m.gguf
MD=$(make_layout "$TMP/lay" "$GGUF" latest)
layout_push "$TMP/lay" latest "docker://$R/ai/tiny:latest"
layout_push "$TMP/lay" latest "docker://$R/ai/tiny:1B-Q4_K_M"

# --- package -> push -> rm -> pull: same bytes, same ID ----------------------------
export MODEL_HOME=$TMP/store-pkg
out=$(model package --gguf "$GGUF" --license tests/registry/make_layout.py --push "$R/ai/pk:latest" 2>&1); rc=$?
check "package --push succeeds" test $rc -eq 0 || printf '%s\n' "$out"
PID=$(model list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
expect_output "package --push reports the model ID" "ID ${PID:7:12}" printf '%s\n' "$out"
check "second tag" model tag "$R/ai/pk:latest" "$R/ai/pk:1B-Q4_K_M"
check "push of the second tag" model push "$R/ai/pk:1B-Q4_K_M"
cp -r "$MODEL_HOME/blobs/sha256" "$TMP/pkg-blobs"
check "rm every tag" model rm -f "$PID"
check "store is empty after rm" test "$(model list --json)" = "[]"
expect_output "pull the pushed model" "ID ${PID:7:12}" model pull "$R/ai/pk"
expect_output "pull its second tag" "ID ${PID:7:12}" model pull "$R/ai/pk:1B-Q4_K_M"
ok=1
for f in "$TMP"/pkg-blobs/*; do cmp -s "$f" "$(blobdir)/$(basename "$f")" || ok=0; done
check "pulled blobs are byte-identical to the packaged ones" test $ok -eq 1
json=$(model list --json)
check "latest and 1B-Q4_K_M are one model with two tags" python3 -c '
import json, sys
m = json.loads(sys.argv[1]); ok = len(m) == 1 and m[0]["id"] == sys.argv[2] and len(m[0]["tags"]) == 2
sys.exit(0 if ok else 1)' "$json" "$PID"
expect_output "model list shows both names with one ID" "1B-Q4_K_M .*${PID:7:12}" model list
export MODEL_HOME=$TMP/store

# --- pull ----------------------------------------------------------------------
out=$(model pull "$R/ai/tiny" 2>&1); rc=$?
check "pull by tag succeeds" test $rc -eq 0
expect_output "pull prints the model ID" "ID ${MD:7:12}" printf '%s\n' "$out"
check "model ID is the manifest digest" grep -q "^$MD " <<<"$(st dump)"
ok=1
for f in "$TMP"/lay/blobs/sha256/*; do cmp -s "$f" "$(blobdir)/$(basename "$f")" || ok=0; done
check "every blob is byte-identical to the registry's" test $ok -eq 1
check "no partial files left" test -z "$(ls "$(blobdir)" | grep partial)"

expect_output "pulling again downloads nothing" "\(0 B downloaded\)" model pull "$R/ai/tiny"
check "pull of a second tag of the same manifest" model pull "$R/ai/tiny:1B-Q4_K_M"
dump=$(st dump)
check "one model with two tags" test "$(wc -l <<<"$dump")" -eq 1 -a "$(wc -w <<<"$dump")" -eq 3
expect_output "both tags recorded" "1B-Q4_K_M" printf '%s\n' "$dump"

# pull by digest into an empty store
export MODEL_HOME=$TMP/store-digest
expect_output "pull by digest" "ID ${MD:7:12}" model pull "$R/ai/tiny@$MD"
check "digest pull recorded the model" grep -q "^$MD" <<<"$(st dump)"
expect_output "quiet pull prints only the digest" "^$MD\$" model pull -q "$R/ai/tiny:latest"
expect_error "pull of a digest the registry lacks" "not found" \
    model pull "$R/ai/tiny@sha256:0000000000000000000000000000000000000000000000000000000000000000"
export MODEL_HOME=$TMP/store

# --- an OCI index is followed one level ---------------------------------------------------
MSIZE=$(stat -c %s "$TMP/lay/blobs/sha256/${MD:7}")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}]}' \
    "$MD" "$MSIZE" >"$TMP/index.json"
IDX=sha256:$(sha256sum "$TMP/index.json" | cut -c1-64)
check "index pushed" curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
    --data-binary @"$TMP/index.json" "http://$R/v2/ai/tiny/manifests/idx"
export MODEL_HOME=$TMP/store-index
expect_output "a tag naming an index pulls its model (ID of the manifest)" "ID ${MD:7:12}" model pull "$R/ai/tiny:idx"
expect_output "an index pulled by its digest" "ID ${MD:7:12}" model pull "$R/ai/tiny@$IDX"
ISIZE=$(stat -c %s "$TMP/index.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s}]}' \
    "$IDX" "$ISIZE" >"$TMP/index2.json"
check "nested index pushed" curl -sf -X PUT -H "Content-Type: application/vnd.oci.image.index.v1+json" \
    --data-binary @"$TMP/index2.json" "http://$R/v2/ai/tiny/manifests/idx2"
expect_error "an index of an index is refused" "index" model pull "$R/ai/tiny:idx2"
export MODEL_HOME=$TMP/store

# --- push ------------------------------------------------------------------------
# to another repository of the same registry: blobs are mounted, not uploaded
check "tag for another repository" model tag "$R/ai/tiny:latest" "$R/team/copy:v1"
out=$(model push "$R/team/copy:v1" 2>&1); rc=$?
check "push succeeds" test $rc -eq 0
expect_output "push mounts blobs from ai/tiny" "[1-9] mounted" printf '%s\n' "$out"
expect_output "push reports the same ID" "ID ${MD:7:12}" printf '%s\n' "$out"
expect_output "a second push uploads nothing" "0 blobs uploaded" model push "$R/team/copy:v1"

# to a fresh registry, in small PATCH chunks
reg_start second
R2=127.0.0.1:$REG_PORT
LOG2=$REG_LOG
check "tag for the second registry" model tag "$R/ai/tiny:latest" "$R2/ai/tiny:v2"
out=$(MODEL_PUSH_CHUNK_SIZE=300000 model push "$R2/ai/tiny:v2" 2>&1); rc=$?
check "chunked push succeeds" test $rc -eq 0 || printf '%s\n' "$out"
expect_output "chunked push uploaded every blob" "3 blobs uploaded" printf '%s\n' "$out"
check "chunked push used PATCH" grep -q 'http.request.method=PATCH' "$LOG2"

# interop: skopeo reads what model push wrote, digests unchanged
check "skopeo copies the pushed model" skopeo copy -q --src-tls-verify=false "docker://$R2/ai/tiny:v2" "oci:$TMP/sk:v2"
check "skopeo sees the same manifest digest" grep -q "$MD" "$TMP/sk/index.json"

# round trip: rm everything, pull what model pushed, same ID and bytes
check "rm the model" model rm -f "$MD"
check "store is empty" test -z "$(st dump)"
expect_output "pull what model push wrote" "ID ${MD:7:12}" model pull "$R2/ai/tiny:v2"
ok=1
for f in "$TMP"/lay/blobs/sha256/*; do cmp -s "$f" "$(blobdir)/$(basename "$f")" || ok=0; done
check "round trip blobs are byte-identical" test $ok -eq 1

# interop the other way: skopeo pushes from an OCI layout, model pulls it
check "skopeo pushes a layout" skopeo copy -q --dest-tls-verify=false "oci:$TMP/sk:v2" "docker://$R2/other/m:x"
expect_output "model pulls what skopeo pushed" "ID ${MD:7:12}" model pull "$R2/other/m:x"

# --- Docker Hub mirrors (loopback only: the real hub is never reached) ---------------
export MODEL_HOME=$TMP/store-mirror
DOWN=127.0.0.1:$(free_port)
expect_output "a docker.io name is pulled from the first mirror that answers" "ID ${MD:7:12}" \
    env MODEL_REGISTRY_MIRRORS="http://$DOWN,http://$R2/" "$MODEL" pull other/m:x
check "recorded under its docker.io name" grep -q '"other/m:x"' <<<"$(model list --json)"
layout_push "$TMP/lay" latest "docker://$R/ai/onlyhere:latest"
expect_output "a mirror without the model is skipped for the next" "ID ${MD:7:12}" \
    env MODEL_REGISTRY_MIRRORS="$R2,$R/v2" "$MODEL" pull onlyhere
check "bare name recorded as ai/onlyhere:latest" grep -q '"ai/onlyhere:latest"' <<<"$(model list --json)"
export MODEL_HOME=$TMP/store

# --- bandwidth cap (its timing is in cli_registry_resume.sh, with a large blob) --------
expect_error "negative rate is a usage error" "limit-rate" model pull --limit-rate -5 "$R/ai/tiny"

# --- proxies, as curl reads them ---------------------------------------------------------
PP=$(free_port)
python3 tests/registry/http_proxy.py "$PP" "$TMP/proxy.log" &
REG_PIDS+=($!)
wait_http "http://127.0.0.1:$PP/"
export MODEL_HOME=$TMP/store-proxy
expect_output "pull through http_proxy" "ID ${MD:7:12}" \
    env -u NO_PROXY -u no_proxy http_proxy="http://127.0.0.1:$PP" "$MODEL" pull "$R/ai/tiny"
check "the proxy carried the manifest and blob requests" grep -q "GET http://$R/v2/ai/tiny/blobs/sha256:" "$TMP/proxy.log"
: >"$TMP/proxy.log"
rm -rf "$MODEL_HOME"
expect_output "NO_PROXY bypasses the proxy" "ID ${MD:7:12}" \
    env no_proxy=127.0.0.1 http_proxy="http://127.0.0.1:$PP" "$MODEL" pull "$R/ai/tiny"
check "nothing went through the proxy" test ! -s "$TMP/proxy.log"
export MODEL_HOME=$TMP/store

# --- refusals and errors -------------------------------------------------------------
D=$(make_layout "$TMP/lay-bad" "$GGUF" img application/vnd.oci.image.config.v1+json)
layout_push "$TMP/lay-bad" img "docker://$R/ai/notmodel:latest"
expect_error "a non-model config type is refused, named" "application/vnd.oci.image.config.v1\+json" \
    model pull "$R/ai/notmodel"
expect_error "404 model" "not found" model pull "$R/ai/nosuch:latest"
expect_error "404 tag" "not found" model pull "$R/ai/tiny:nosuchtag"
check "nothing recorded by failed pulls" test "$(st dump | wc -l)" -eq 1

# a blob altered in the registry's storage: digest error, nothing committed
export MODEL_HOME=$TMP/store-corrupt
W=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["layers"][0]["digest"][7:])' \
    "$TMP/lay/blobs/sha256/${MD:7}")
data=$TMP/reg-main/data/docker/registry/v2/blobs/sha256/${W:0:2}/$W/data
check "registry blob file found" test -f "$data"
printf 'X' | dd of="$data" bs=1 seek=1000 conv=notrunc status=none
expect_error "altered blob fails with a digest error" "sha256:$W.*sha256:|digest" model pull "$R/ai/tiny:latest"
check "nothing committed after the digest error" test -z "$(st dump)"
check "the bad blob is not in the store" test ! -e "$(blobdir)/$W"
check "no partial of the bad blob kept" test -z "$(ls "$(blobdir)" | grep "$W")"
export MODEL_HOME=$TMP/store

reg_stop main
expect_error "registry down: clear error" "cannot reach registry" model pull "$R/ai/tiny:latest"
finish
