#!/usr/bin/env bash
# demo-registry.sh - the registry half of the demo: start Debian's
# docker-registry on a free loopback port (throw-away storage), package the
# demo model and push it there, forget it locally, pull it back, show it, and
# stop the registry. Uses its own store unless DEMO_HOME is set.
set -eu
cd "$(dirname "$0")/.."
MODEL=${MODEL:-$PWD/bin/model}
command -v docker-registry >/dev/null || { echo "demo-registry: docker-registry not installed (make deps)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/model-demo-registry.XXXXXX)
export MODEL_HOME=${DEMO_HOME:-$WORK/store}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat >"$WORK/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT, secret: model-demo}
YAML
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
REG=$!
trap 'kill $REG 2>/dev/null; wait $REG 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.05; done
NAME=127.0.0.1:$PORT/ai/stories:260K
echo "== registry at 127.0.0.1:$PORT"
echo "== model package --push $NAME"
"$MODEL" package --gguf tests/data/stories260K.gguf --license tests/data/LICENSE-stories260K.txt --push "$NAME"
echo "== model rm $NAME"
"$MODEL" rm -f "$NAME"
echo "== model pull $NAME"
"$MODEL" pull "$NAME"
echo "== model list"
"$MODEL" list
