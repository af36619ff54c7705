# cli_store.sh - package, list/ls, inspect, tag, rm, df, prune, verify on the
# fixtures, and their errors for bad input.
. tests/lib.sh

M=$FIXTURES/models
R=$FIXTURES/real

# blobs in the store, one per line (what "the store is unchanged" compares)
blobs() { ls "$MODEL_HOME/blobs/sha256" 2>/dev/null | sort; }
# the list of models without the CREATED column (it ages)
models() { model list --json | grep -E '"(id|tags)"|ai/|/' | tr -d ' \t'; }

# --- package each fixture: PARAMETERS, QUANTIZATION, ARCHITECTURE ---------------
# expected quantization from the file name; parameters from the tensor shapes
# (README: dim 256, 2 layers, ffn 512, vocab 1040 -> 1,713,440; r1-vocab 128256 -> 66.85M)
for f in "$M"/*.gguf; do
    b=$(basename "$f" .gguf)
    check "package $b" model package --gguf "$f" "test/$b"
done
list=$(model list)
for f in "$M"/tiny-*.gguf; do
    b=$(basename "$f" .gguf)
    q=$(tr a-z A-Z <<<"${b#tiny-}")
    check "list: $b is llama, 1.71M, $q" grep -Eq "^test/$b +1\.71M +$q +llama +[0-9a-f]{12} +.* ago +4096 +[0-9.]+[KM]iB$" <<<"$list"
done
check "list: r1-vocab is 66.85M Q4_K_M llama, context 131072" \
    grep -Eq "^test/r1-vocab-q4_k_m +66\.85M +Q4_K_M +llama +[0-9a-f]{12} .* 131072 +51\.44MiB$" <<<"$list"
check "list header has DMR's columns" \
    grep -Eq "^MODEL NAME +PARAMETERS +QUANTIZATION +ARCHITECTURE +MODEL ID +CREATED +CONTEXT +SIZE$" <<<"$list"
check "list is sorted by name" bash -c "diff <(sed 1d <<<'$list' | awk '{print \$1}') <(sed 1d <<<'$list' | awk '{print \$1}' | sort -f)"

# stories260K: no general.file_type (quantization from the tensors), licence layer
check "package stories260K with a licence" \
    model package --gguf "$R/stories260K.gguf" --license "$R/LICENSE-stories260K.txt" --context-size 1024 stories:260K
expect_output "stories is F32, 292.80K params, context 1024" "^stories:260K +292\.80K +F32 +llama .* 1024 +1\.13MiB$" model list stories:260K
check "package the GGUF v1 file" model package --gguf "$R/tinyllamas-stories-260k-f32.gguf" stories:v1
expect_output "GGUF v1 packaged as F32 llama" "^stories:v1 +292\.80K +F32 +llama" model ls stories:v1

# --- inspect: DMR's JSON ---------------------------------------------------------
out=$(model inspect stories:260K)
check "inspect has id, tags, created, config" grep -q '"id":.*"sha256:[0-9a-f]\{64\}"' <<<"$out"
check "inspect tags are familiar names" grep -q '"ai/stories:260K"' <<<"$out"
check "inspect config.format gguf" grep -q '"format":.*"gguf"' <<<"$out"
check "inspect config.gguf holds key/values as strings" grep -q '"llama.block_count":.*"5"' <<<"$out"
check "inspect leaves out arrays over 50 items" bash -c "! grep -q 'tokenizer.ggml.tokens' <<<'$out'"
check "inspect created is a unix time" grep -Eq '"created":[[:space:]]+[0-9]{10}' <<<"$out"
check "inspect memory: KV = 2 x layers x ctx x kv_heads x head_dim x 2 bytes, weights below the file size" python3 -c '
import json, os, sys
d = json.loads(sys.argv[1]); m = d["memory"]
assert m["kv_type"] == "f16" and 1 <= m["context"] <= 4096, m
assert m["kv_cache"] == 2 * 5 * m["context"] * 4 * 8 * 2, m
assert 0 < m["weights"] < os.path.getsize(sys.argv[2]), m
assert m["total"] == m["weights"] + m["kv_cache"] + m["compute"] and m["fits"] is True, m
' "$out" "$FIXTURES/real/stories260K.gguf"
id=$(model inspect stories:260K | sed -n 's/.*"id":[^"]*"sha256:\([0-9a-f]*\)".*/\1/p')
check "model ID is the manifest digest" test -f "$MODEL_HOME/blobs/sha256/$id"
man=$(cat "$MODEL_HOME/blobs/sha256/$id")
check "manifest is an OCI manifest" grep -q '"mediaType":"application/vnd.oci.image.manifest.v1+json"' <<<"$man"
check "manifest config media type" grep -q '"application/vnd.docker.ai.model.config.v0.1+json"' <<<"$man"
check "manifest has a gguf layer" grep -q '"application/vnd.docker.ai.gguf.v3"' <<<"$man"
check "manifest has a licence layer" grep -q '"application/vnd.docker.ai.license"' <<<"$man"
check "GGUF layer digest is the file's sha256" grep -q "$(sha256sum "$R/stories260K.gguf" | cut -c1-64)" <<<"$man"
cfgd=$(sed -n 's/.*"config":{[^}]*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' <<<"$man")
cfg=$(cat "$MODEL_HOME/blobs/sha256/$cfgd")
check "config has descriptor.created (RFC 3339)" grep -Eq '"descriptor":\{"created":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' <<<"$cfg"
check "config has rootfs.diff_ids" grep -q '"rootfs":{"type":"rootfs","diff_ids":\["sha256:' <<<"$cfg"
expect_output "inspect by short ID" "\"sha256:$id\"" model inspect "${id:0:12}"
expect_output "inspect by full ID" "\"sha256:$id\"" model inspect "$id"

# --- identical content is stored once; chat template; split GGUF --------------------
n1=$(blobs | wc -l)
# (another creation time, so its config differs even when both run within one second)
check "package the same file under another name" env SOURCE_DATE_EPOCH=1700000000 \
    "$MODEL" package --gguf "$M/tiny-q4_0.gguf" other/name:v2
n2=$(blobs | wc -l)
# the GGUF blob is shared: only a new config and manifest appear
check "identical GGUF stored once (2 new blobs: config, manifest)" test $((n2 - n1)) -eq 2
printf '{{ messages }}' >"$TMP/t.jinja"
check "package with a chat template" model package --gguf "$M/tiny-q8_0.gguf" --chat-template "$TMP/t.jinja" tmpl
check "template layer recorded" grep -q 'chat.template.jinja' <<<"$(cat "$MODEL_HOME"/blobs/sha256/$(model inspect tmpl | sed -n 's/.*"id":[^"]*"sha256:\([0-9a-f]*\)".*/\1/p'))"
head -c 600000 "$M/tiny-f32.gguf" >"$TMP/split-00001-of-00002.gguf"
cp "$M/tiny-f32.gguf" "$TMP/split-00002-of-00002.gguf"
# a shard must itself be a GGUF: the truncated first shard is refused
expect_error "truncated shard refused" "split-00001-of-00002.gguf" model package --gguf "$TMP/split-00001-of-00002.gguf" split
cp "$M/tiny-f16.gguf" "$TMP/split-00001-of-00002.gguf"
check "package a split GGUF" model package --gguf "$TMP/split-00001-of-00002.gguf" split
sid=$(model inspect split | sed -n 's/.*"id":[^"]*"sha256:\([0-9a-f]*\)".*/\1/p')
check "split: one GGUF layer per shard, in order" bash -c "grep -o 'gguf.v3\",\"size\":[0-9]*' '$MODEL_HOME/blobs/sha256/$sid' | tr '\n' ' ' | grep -q 'size\":3465952 .*size\":6890208'"
expect_error "missing shard" "split-00002-of-00003.gguf" bash -c "cp '$M/tiny-f16.gguf' '$TMP/split-00001-of-00003.gguf'; '$MODEL' package --gguf '$TMP/split-00001-of-00003.gguf' split3"

# --- bad input ----------------------------------------------------------------------
before=$(blobs)
expect_error "missing file" "nosuch.gguf.*No such file" model package --gguf "$TMP/nosuch.gguf" x
printf 'not a gguf at all' >"$TMP/bad.gguf"
expect_error "non-GGUF file" "bad.gguf" model package --gguf "$TMP/bad.gguf" x
head -c 5000 "$M/tiny-q4_0.gguf" >"$TMP/trunc.gguf"
expect_error "truncated GGUF" "trunc.gguf" model package --gguf "$TMP/trunc.gguf" x
expect_error "missing licence file" "licence file.*nope" model package --gguf "$M/tiny-q4_0.gguf" --license "$TMP/nope" x
expect_error "invalid reference" "invalid reference \"Bad Name!\"" model package --gguf "$M/tiny-q4_0.gguf" "Bad Name!"
expect_error "reference with a digest" "not a digest" model package --gguf "$M/tiny-q4_0.gguf" "x@sha256:$id"
expect_error "--gguf is required" "--gguf FILE is required" model package x
check "refused packages added no blobs" test "$before" = "$(blobs)"
expect_error "inspect unknown" "\"nosuch\" not found" model inspect nosuch
expect_error "inspect invalid" "invalid reference" model inspect "a//b"
expect_error "rm unknown" "not found" model rm nosuch
expect_error "tag unknown source" "not found" model tag nosuch x
expect_error "tag to an invalid name" "invalid reference" model tag stories:260K "UP per!"
expect_error "list with an invalid filter" "invalid reference" model list "a..b"

# --- tag and rm semantics -------------------------------------------------------------
check "tag" model tag stories:260K mine/stories
expect_output "tag shows in list" "^mine/stories +292\.80K" model list mine/stories
expect_output "removing one of two tags only untags" "^Untagged: mine/stories$" model rm mine/stories
expect_output "model still there" "^stories:260K " model list
check "tag again (no tag means latest)" model tag stories:260K stories
expect_error "rm by ID with two tags needs -f" "must be forced" model rm "${id:0:12}"
before=$(blobs)
expect_output "rm -f by ID deletes and reports bytes freed" "^Deleted: sha256:$id \([0-9.]+[KM]iB freed" model rm -f "${id:0:12}"
check "stories gone from list" bash -c "! '$MODEL' list | grep -q '^stories:260K'"
check "GGUF blob of stories260K deleted (no other model uses it)" test ! -e "$MODEL_HOME/blobs/sha256/$(sha256sum "$R/stories260K.gguf" | cut -c1-64)"
q4=$(sha256sum "$M/tiny-q4_0.gguf" | cut -c1-64)
expect_output "rm keeps a blob another model uses" "still used by other models" model rm test/tiny-q4_0
check "shared GGUF blob kept" test -e "$MODEL_HOME/blobs/sha256/$q4"
check "other model still verifies" model verify other/name:v2
check "-q prints 12-hex IDs" bash -c "'$MODEL' list -q | grep -Evq '^[0-9a-f]{12}$' && exit 1 || exit 0"
expect_output "ls alias and filter by repository" "^other/name:v2 " model ls other/name

# --- df, prune, verify ------------------------------------------------------------------
expect_output "df shows models and sizes" "^Models +[0-9]+ +[0-9.]+MB" model df
check "df --json" bash -c "'$MODEL' df --json | grep -q '\"reclaimable\":[[:space:]]*0'"
printf 'orphan' >"$MODEL_HOME/blobs/sha256/$(printf orphan | sha256sum | cut -c1-64)"
printf 'half' >"$MODEL_HOME/blobs/sha256/$(printf x | sha256sum | cut -c1-64).partial"
expect_output "df counts reclaimable bytes" "reclaim 10B" model df
expect_output "prune -n removes nothing" "Would remove 2 unused files, 10B" model prune -n
expect_output "prune" "Removed 2 unused files, 10B" model prune
expect_output "prune again finds nothing" "Removed 0 unused files" model prune
check "verify all" model verify
gg=$(sha256sum "$M/tiny-q8_0.gguf" | cut -c1-64)
printf 'X' | dd of="$MODEL_HOME/blobs/sha256/$gg" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_error "verify names the corrupt blob" "CORRUPT +sha256:$gg" model verify
expect_error "verify of that model fails" "corrupt or missing" model verify test/tiny-q8_0
check "verify of another model passes" model verify test/tiny-f16
expect_error "verify --repair removes it" "removed" model verify --repair
check "corrupt blob gone" test ! -e "$MODEL_HOME/blobs/sha256/$gg"
expect_error "verify still reports it missing" "MISSING +sha256:$gg" model verify
check "rm the damaged models" model rm -f test/tiny-q8_0 tmpl
check "verify passes again" model verify
expect_error "verify unknown" "not found" model verify nosuch

# --- help ------------------------------------------------------------------------------
for c in package list inspect tag rm df prune verify save load; do
    expect_output "$c --help" "^usage: model $c" model "$c" --help
done
finish
