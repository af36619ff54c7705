# registry-harness.sh - loopback OCI registries for the registry tests.
#
# Sourced after tests/lib.sh. Starts Debian's docker-registry (the CNCF
# distribution registry) on free 127.0.0.1 ports with storage and config in
# $TMP, and the small Python servers of tests/registry/ (token server,
# redirecting registry). Everything started here is stopped by the EXIT trap.
#
#   reg_start NAME [YAML-LINES]   -> $REG_PORT, $REG_ROOT (storage), $REG_LOG
#   reg_stop NAME
#   make_layout DIR GGUF TAG [CONFIG_TYPE]   OCI layout with one model (python)
#   layout_push DIR TAG DEST                 skopeo copy into a registry

REG_PIDS=()
HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_harness_cleanup() {
    local p
    for p in "${REG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${REG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap _harness_cleanup EXIT

# Keep the user's Docker credentials and config out of the tests.
export DOCKER_CONFIG=$TMP/docker-config
mkdir -p "$DOCKER_CONFIG"
export MODEL_CONFIG_DIR=$TMP/model-config
unset MODEL_INSECURE_REGISTRIES MODEL_REGISTRY_MIRRORS SSL_CERT_FILE
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export MODEL_RETRY_BASE_MS=${MODEL_RETRY_BASE_MS:-50}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL: until it answers anything (up to ~5 s).
wait_http() {
    local i
    for i in $(seq 1 100); do
        curl -sk -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.05
    done
    echo "server at $1 did not start" >&2
    return 1
}

# reg_start NAME [extra YAML for the http/auth sections, as full lines]
reg_start() {
    local name=$1 extra=${2:-} scheme=${3:-http}
    REG_PORT=$(free_port)
    REG_ROOT=$TMP/reg-$name/data
    REG_LOG=$TMP/reg-$name/log
    mkdir -p "$REG_ROOT"
    cat >"$TMP/reg-$name/config.yml" <<YAML
version: 0.1
log:
  level: info
  accesslog: {disabled: false}
storage:
  filesystem: {rootdirectory: $REG_ROOT}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$REG_PORT
  secret: model-tests-secret
$extra
YAML
    docker-registry serve "$TMP/reg-$name/config.yml" >"$REG_LOG" 2>&1 &
    REG_PIDS+=($!)
    eval "REG_PID_$name=$!"
    wait_http "$scheme://127.0.0.1:$REG_PORT/v2/"
}

reg_stop() {
    local v="REG_PID_$1"
    [ -n "${!v:-}" ] && kill "${!v}" 2>/dev/null && wait "${!v}" 2>/dev/null
    return 0
}

# make_layout DIR GGUF TAG [CONFIG_MEDIA_TYPE]: an OCI image layout holding one
# model in DMR's format (config + GGUF layer + licence layer).
make_layout() {
    python3 "$HARNESS_DIR/registry/make_layout.py" "$@"
}

# layout_push DIR TAG DEST (docker://... reference)
layout_push() {
    skopeo copy -q --dest-tls-verify=false "oci:$1:$2" "$3"
}

# bytes the registry sent for blob GETs since log line $2 of log $1
reg_blob_bytes() {
    tail -n +"$2" "$1" | grep -E 'http.request.method=GET' | grep -E '/blobs/sha256' |
        grep -oE 'http.response.written=[0-9]+' | cut -d= -f2 | awk '{s+=$1} END {print s+0}'
}
