#!/usr/bin/env bash
# demo.sh - the main job end to end on the built-in default model
# (tests/data/stories260K.gguf, a 260K-parameter llama trained on TinyStories,
# MIT licence), in a throw-away store so the user's own store is untouched.
set -eu
cd "$(dirname "$0")/.."
MODEL=${MODEL:-$PWD/bin/model}
export MODEL_HOME=${DEMO_HOME:-$(mktemp -d /tmp/model-demo.XXXXXX)}
echo "== store: $MODEL_HOME"
echo "== model package --gguf tests/data/stories260K.gguf ai/stories:260K"
"$MODEL" package --gguf tests/data/stories260K.gguf --license tests/data/LICENSE-stories260K.txt ai/stories:260K
"$MODEL" tag ai/stories:260K ai/stories:latest
echo "== model list"
"$MODEL" list
echo "== model run stories \"Once upon a time\""
"$MODEL" run stories --raw --temp 0 -n 120 "Once upon a time"
echo
[ -n "${DEMO_HOME:-}" ] || rm -rf "$MODEL_HOME"
