# cli_store_saveload.sh - model save / model load as an OCI image layout tar:
# round trip, skopeo interoperability, and every refusal of a hostile tar
# (which must add nothing to the store).
. tests/lib.sh

M=$FIXTURES/models
R=$FIXTURES/real
blobs() { ls "$MODEL_HOME/blobs/sha256" 2>/dev/null | sort; }
state() { "$MODEL" list -q | sort; blobs; }

check "package stories" model package --gguf "$R/stories260K.gguf" --license "$R/LICENSE-stories260K.txt" stories:260K
check "second tag" model tag stories:260K mine/stories:v1
check "package tiny-q4_0" model package --gguf "$M/tiny-q4_0.gguf" tiny
check "package tiny-f16 (stays in the store)" model package --gguf "$M/tiny-f16.gguf" keep
list_before=$(model list | awk 'NR > 1 {print $1, $2, $3, $4, $5}')

check "save two models" model save -o "$TMP/m.tar" stories:260K tiny
check "tar has oci-layout" bash -c "tar tf '$TMP/m.tar' | grep -qx oci-layout"
check "tar has index.json" bash -c "tar tf '$TMP/m.tar' | grep -qx index.json"
check "tar has the blobs by digest" bash -c "tar tf '$TMP/m.tar' | grep -q \"^blobs/sha256/$(sha256sum "$R/stories260K.gguf" | cut -c1-64)\$\""
idx=$(tar xOf "$TMP/m.tar" index.json)
check "index.json names the models" grep -q '"org.opencontainers.image.ref.name":"ai/stories:260K"' <<<"$idx"
check "index.json has full names for containerd" grep -q '"io.containerd.image.name":"docker.io/ai/tiny:latest"' <<<"$idx"
check "save by ID saves every tag" model save -o "$TMP/id.tar" "$(model list -q stories:260K)"
check "both tags in the ID save" bash -c "tar xOf '$TMP/id.tar' index.json | grep -q 'mine/stories:v1' && tar xOf '$TMP/id.tar' index.json | grep -q 'ai/stories:260K'"
expect_error "save of an unknown model" "not found" model save -o "$TMP/x.tar" nosuch
check "failed save leaves no file" test ! -e "$TMP/x.tar"
expect_error "save needs -o" "-o FILE.tar is required" model save stories:260K

# --- round trip ------------------------------------------------------------------------
check "rm the saved models" model rm -f stories:260K tiny
expect_output "load" "Loaded stories:260K" model load -i "$TMP/m.tar"
list_after=$(model list | awk 'NR > 1 {print $1, $2, $3, $4, $5}')
check "save -> rm -> load gives the same list (minus the untouched extra tag)" \
    test "$(grep -v mine/ <<<"$list_before")" = "$(grep -v mine/ <<<"$list_after")"
check "verify after load" model verify
check "load again is harmless" model load -i "$TMP/m.tar"
check "load from standard input" bash -c "'$MODEL' load <'$TMP/m.tar'"
check "save to standard output, piped into load" bash -c "'$MODEL' save -o - tiny | '$MODEL' load"
check "save -o - writes the same kind of tar" bash -c "'$MODEL' save -o - tiny | tar tf - | grep -qx index.json"

# --- skopeo ------------------------------------------------------------------------------
if command -v skopeo >/dev/null 2>&1; then
    raw=$(skopeo inspect --raw "oci-archive:$TMP/m.tar:ai/stories:260K" 2>&1)
    check "skopeo reads the manifest save wrote" grep -q '"application/vnd.docker.ai.gguf.v3"' <<<"$raw"
    id=$(model list -q stories:260K)
    check "skopeo's manifest is the model (same digest)" \
        test "$(printf %s "$raw" | sha256sum | cut -c1-12)" = "$id"
    check "skopeo copies the archive (reads every blob)" \
        skopeo copy "oci-archive:$TMP/m.tar:ai/stories:260K" "oci:$TMP/oci:x"
    check "skopeo writes an archive" skopeo copy "oci:$TMP/oci:x" "oci-archive:$TMP/sk.tar"
    expect_output "load reads skopeo's archive" "Loaded $id \(untagged\)|Loaded" model load -i "$TMP/sk.tar"
else
    skip "skopeo interoperability" "skopeo is not installed (apt-get install skopeo)"
fi

# --- Docker Model Runner's export tar: blobs/ and manifest.json, no names ---------------
mkdir -p "$TMP/dmr/blobs/sha256"
sid=$(model inspect stories:260K | sed -n 's/.*"id": "sha256:\([0-9a-f]*\)".*/\1/p')
cp "$MODEL_HOME/blobs/sha256/$sid" "$TMP/dmr/manifest.json"
for d in $(grep -o 'sha256:[0-9a-f]*' "$TMP/dmr/manifest.json" | cut -c8-); do
    cp "$MODEL_HOME/blobs/sha256/$d" "$TMP/dmr/blobs/sha256/"
done
tar cf "$TMP/dmr.tar" -C "$TMP/dmr" .
expect_output "load a DMR export with --tag" "Loaded dmr/stories:x \(${sid:0:12}\)" model load -i "$TMP/dmr.tar" --tag dmr/stories:x
expect_output "the DMR export is the same model" "^dmr/stories:x +292\.80K +F32 +llama +${sid:0:12}" model list dmr/stories
printf '[{"Config":"x.json","RepoTags":["a:b"],"Layers":[]}]' >"$TMP/dmr/manifest.json"
tar cf "$TMP/dockersave.tar" -C "$TMP/dmr" .
expect_error "a docker save archive is refused" "not a model manifest" model load -i "$TMP/dockersave.tar"
check "rm the DMR tag" model rm dmr/stories:x

# --- hostile tars: each refused, nothing added ------------------------------------------
if ! command -v python3 >/dev/null 2>&1; then
    skip "hostile tars" "python3 is not installed"
    finish
    exit
fi
check "rm everything but keep" model rm -f "$(model list -q stories:260K)" tiny
before=$(state)
python3 - "$TMP/m.tar" "$TMP" <<'EOF'
import hashlib, io, json, sys, tarfile
src, out = sys.argv[1], sys.argv[2]
members = {}
with tarfile.open(src) as t:
    for m in t.getmembers():
        members[m.name] = (m, t.extractfile(m).read() if m.isfile() else None)

def write(name, entries):
    with tarfile.open(f"{out}/{name}.tar", "w") as t:
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)

def base(skip=()):
    return [(m, d) for n, (m, d) in members.items() if n not in skip]

def reg(name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); return (ti, data)

def special(name, kind, target=""):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = target; return (ti, None)

write("abs", base() + [reg("/tmp/evil", b"x")])
write("dotdot", base() + [reg("blobs/../../evil", b"x")])
write("symlink", base() + [special("blobs/sha256/link", tarfile.SYMTYPE, "/etc/passwd")])
write("hardlink", base() + [special("blobs/sha256/hard", tarfile.LNKTYPE, "oci-layout")])
write("device", base() + [special("dev", tarfile.CHRTYPE)])
write("nolayout", base(skip=("oci-layout",)))
index = json.loads(members["index.json"][1])
man_digest = index["manifests"][0]["digest"]
man = json.loads(members["blobs/sha256/" + man_digest[7:]][1])
gguf = man["layers"][0]["digest"]
# a blob whose bytes do not match its name
m, d = members["blobs/sha256/" + gguf[7:]]
bad = bytearray(d); bad[1000] ^= 1
write("baddigest", base(skip=(m.name,)) + [reg(m.name, bytes(bad))])
# a blob missing
write("missing", base(skip=("blobs/sha256/" + man["config"]["digest"][7:],)))
# index.json's size for the manifest disagrees
i2 = json.loads(members["index.json"][1]); i2["manifests"][0]["size"] += 1
write("indexsize", base(skip=("index.json",)) + [reg("index.json", json.dumps(i2).encode())])
# a manifest whose layer size disagrees with the blob (a valid, re-hashed manifest)
m2 = json.loads(json.dumps(man)); m2["layers"][0]["size"] += 7
mb = json.dumps(m2).encode(); md = "sha256:" + hashlib.sha256(mb).hexdigest()
i3 = json.loads(members["index.json"][1]); i3["manifests"] = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": len(mb), "annotations": {"org.opencontainers.image.ref.name": "ai/evil:1"}}]
write("layersize", base(skip=("index.json",)) + [reg("index.json", json.dumps(i3).encode()), reg("blobs/sha256/" + md[7:], mb)])
# a container image, not a model: its config has another media type
m3 = json.loads(json.dumps(man)); m3["config"]["mediaType"] = "application/vnd.oci.image.config.v1+json"
mb3 = json.dumps(m3).encode(); md3 = "sha256:" + hashlib.sha256(mb3).hexdigest()
i5 = json.loads(members["index.json"][1]); i5["manifests"] = [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md3, "size": len(mb3)}]
write("image", base(skip=("index.json",)) + [reg("index.json", json.dumps(i5).encode()), reg("blobs/sha256/" + md3[7:], mb3)])
# an invalid name in the index
i4 = json.loads(members["index.json"][1]); i4["manifests"][0]["annotations"] = {"io.containerd.image.name": "Bad Name!"}
write("badname", base(skip=("index.json",)) + [reg("index.json", json.dumps(i4).encode())])
# not a tar at all
open(f"{out}/garbage.tar", "wb").write(b"this is not a tar file" * 100)
# a truncated tar
open(f"{out}/trunc.tar", "wb").write(open(src, "rb").read()[:700000])
EOF
expect_error "absolute path refused" "absolute path" model load -i "$TMP/abs.tar"
expect_error "'..' refused" "\\.\\." model load -i "$TMP/dotdot.tar"
expect_error "symbolic link refused" "symbolic link" model load -i "$TMP/symlink.tar"
expect_error "hard link refused" "hard link" model load -i "$TMP/hardlink.tar"
expect_error "device file refused" "device file" model load -i "$TMP/device.tar"
expect_error "missing oci-layout refused" "oci-layout" model load -i "$TMP/nolayout.tar"
expect_error "bad digest refused, naming both digests" "digest mismatch.*expected sha256:[0-9a-f]{64}, got sha256:" model load -i "$TMP/baddigest.tar"
expect_error "missing blob refused" "missing from the archive" model load -i "$TMP/missing.tar"
expect_error "index size mismatch refused" "descriptor says" model load -i "$TMP/indexsize.tar"
expect_error "layer size mismatch refused" "descriptor says" model load -i "$TMP/layersize.tar"
expect_error "container image refused" "not a model config" model load -i "$TMP/image.tar"
expect_error "invalid name refused" "invalid reference" model load -i "$TMP/badname.tar"
expect_error "not a tar" "Unrecognized archive format|cannot read|refusing" model load -i "$TMP/garbage.tar"
expect_error "truncated tar" "cannot read|truncated|refusing" model load -i "$TMP/trunc.tar"
expect_error "missing tar" "cannot open" model load -i "$TMP/nosuch.tar"
check "refused loads added nothing" test "$before" = "$(state)"
check "verify passes after the refusals" model verify
finish
