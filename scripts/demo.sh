#!/usr/bin/env bash
# demo.sh - the main job end to end on the built-in default model
# (tests/data/stories260K.gguf, a 260K-parameter llama trained on TinyStories,
# MIT licence): start Debian's docker-registry on a free loopback port, package
# the model and push it there as ai/stories:260K and :latest, pull it into a
# fresh store, list it, run it one-shot on "Once upon a time", stop the
# registry. Everything lives in a throw-away directory (kept with DEMO_KEEP=1),
# so the user's own store is untouched.
set -eu
cd "$(dirname "$0")/.."
MODEL=${MODEL:-$PWD/bin/model}
for tool in docker-registry curl python3; do
    command -v $tool >/dev/null || { echo "demo: $tool is not installed (run 'make deps-demo')" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/model-demo.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/registry-data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT, secret: model-demo}
YAML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG=$!
trap 'rc=$?; kill $REG 2>/dev/null; wait $REG 2>/dev/null || true; [ -n "${DEMO_KEEP:-}" ] || rm -rf "$WORK"; exit $rc' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.05; done
NAME=127.0.0.1:$PORT/ai/stories

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s$ %s%s\n' "$B" "$*" "$N"; }

echo "registry: 127.0.0.1:$PORT (docker-registry, loopback only)"
export MODEL_HOME=$WORK/publisher-store
step model package --gguf tests/data/stories260K.gguf --license tests/data/LICENSE-stories260K.txt --push "$NAME:260K"
"$MODEL" package --gguf tests/data/stories260K.gguf --license tests/data/LICENSE-stories260K.txt --push "$NAME:260K"
step model tag "$NAME:260K" "$NAME:latest" "&&" model push "$NAME:latest"
"$MODEL" tag "$NAME:260K" "$NAME:latest"
"$MODEL" push "$NAME:latest"

export MODEL_HOME=$WORK/store
step "MODEL_HOME=<fresh store>" model pull "$NAME"
"$MODEL" pull "$NAME"
step model list
"$MODEL" list
step model run "$NAME" --raw --temp 0 -n 200 '"Once upon a time"'
"$MODEL" run "$NAME" --raw --temp 0 -n 200 "Once upon a time"
echo
