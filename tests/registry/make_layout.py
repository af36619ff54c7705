#!/usr/bin/env python3
"""make_layout.py DIR GGUF TAG [CONFIG_MEDIA_TYPE]: write an OCI image layout
holding one model in Docker Model Runner's artifact format (a config blob, the
GGUF file as one layer, a licence layer), for tests that need a model in a
registry without going through `model package`. Prints the manifest digest."""
import hashlib, json, os, sys

def blob(root, data):
    d = hashlib.sha256(data).hexdigest()
    p = os.path.join(root, "blobs", "sha256", d)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
    return "sha256:" + d

def main():
    root, gguf, tag = sys.argv[1], sys.argv[2], sys.argv[3]
    ctype = sys.argv[4] if len(sys.argv) > 4 else "application/vnd.docker.ai.model.config.v0.1+json"
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(gguf, "rb") as f:
        weights = f.read()
    wd = blob(root, weights)
    lic = b"test licence text\n"
    ld = blob(root, lic)
    cfg = {"config": {"format": "gguf", "architecture": "llama", "quantization": "Q4_K_M",
                      "size": "%d" % len(weights),
                      "gguf": {"general.architecture": "llama", "llama.block_count": "2",
                               "llama.embedding_length": "256", "llama.attention.head_count": "4",
                               "llama.attention.head_count_kv": "2", "llama.context_length": "4096"}},
           "descriptor": {"created": "2026-01-01T00:00:00Z"},
           "rootfs": {"type": "rootfs", "diff_ids": [wd, ld]}}
    cb = json.dumps(cfg, separators=(",", ":")).encode()
    cd = blob(root, cb)
    man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": {"mediaType": ctype, "size": len(cb), "digest": cd},
           "layers": [{"mediaType": "application/vnd.docker.ai.gguf.v3", "size": len(weights), "digest": wd},
                      {"mediaType": "application/vnd.docker.ai.license", "size": len(lic), "digest": ld}]}
    mb = json.dumps(man, separators=(",", ":")).encode()
    md = blob(root, mb)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    ip = os.path.join(root, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(ip):
        with open(ip) as f:
            index = json.load(f)
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
    index["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": len(mb),
                               "digest": md, "annotations": {"org.opencontainers.image.ref.name": tag}})
    with open(ip, "w") as f:
        json.dump(index, f)
    print(md)

main()
