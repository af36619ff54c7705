#!/usr/bin/env bash
# cli_serve.sh - `model serve` end to end on a fixture model: the official
# OpenAI client from npm (tests/serve/client.mjs: chat, streaming, tools and
# role:tool messages, 8 concurrent greedy streams equal to their solo runs, a
# client leaving mid-stream), curl for the Ollama endpoints and the errors,
# 4 concurrent requests sharing passes over the weights (continuous batching,
# counted in /api/ps), `model ps` and `model unload` through MODEL_HOST.
# Loopback, a free port.
#
# The server runs under $MODEL (the sanitizer build) unless SERVE_MODEL names
# another binary; the load check (8 concurrent streams) takes a few seconds
# under ASAN on the tiny fixture, so no switch to bin/model is needed.
. tests/lib.sh

FIXTURE=$FIXTURES/models/tiny-q8_0.gguf
NAME=tiny-q8_0
SERVE=${SERVE_MODEL:-$MODEL}
[ -f "$FIXTURE" ] || { skip "serve" "fixture $FIXTURE missing"; finish; exit; }
command -v curl >/dev/null || { skip "serve" "curl is not installed"; finish; exit; }

# a store model too, to be named like the CLI names it ("tinystore" = "ai/tinystore:latest")
check "package a fixture into the store" model package --gguf "$FIXTURE" ai/tinystore:latest

"$SERVE" serve --port 0 --parallel 4 --keep-alive 1m "$FIXTURE" 2>"$TMP/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
PORT=
for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/serve.log" 2>/dev/null)
    [ -n "$PORT" ] && break
    kill -0 $PID 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PORT" ]; then
    _fail "serve starts" "$(cat "$TMP/serve.log")"
    finish
    exit
fi
_ok "serve starts on a free loopback port"
URL=http://127.0.0.1:$PORT
export MODEL_HOST=127.0.0.1:$PORT

c() { curl -sS --max-time 60 "$@"; }

# --- Ollama endpoints and errors with curl ---------------------------------------------------
expect_output "GET /api/tags lists the model" "\"name\":\"$NAME\"" c "$URL/api/tags"
expect_output "POST /api/generate answers whole" '"(response|thinking)":"[^"]+".*"done":true.*"eval_count":4' \
    c "$URL/api/generate" -d "{\"model\":\"$NAME\",\"prompt\":\"Hi\",\"stream\":false,\"options\":{\"num_predict\":4,\"temperature\":0}}"
out=$(c "$URL/api/chat" -d "{\"model\":\"$NAME\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"options\":{\"num_predict\":5,\"temperature\":0}}")
lines=$(grep -c '"done":false' <<<"$out")
check "POST /api/chat streams NDJSON lines then done" \
    test "$lines" -ge 2 -a "$(tail -n1 <<<"$out" | grep -c '"done":true')" = 1
expect_output "POST /api/show gives template, details and capabilities" '"quantization_level":"Q8_0".*"capabilities":\["completion","tools","thinking"\]' \
    c "$URL/api/show" -d "{\"model\":\"$NAME\"}"
expect_output "GET /api/ps shows the loaded model" "\"name\":\"$NAME\".*\"slots\":4" c "$URL/api/ps"
expect_output "docker model runner prefix" "\"id\":\"$NAME\"" c "$URL/engines/llama.cpp/v1/models"
expect_output "unknown model is 404" '^404 .*"code":"model_not_found"' \
    sh -c "curl -s -o /dev/stdout -w '%{http_code} ' '$URL/v1/chat/completions' -d '{\"model\":\"nosuch\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}' | sed 's/^\(.*\)\(...\) $/\2 \1/'"
expect_output "bad JSON is 400" '^400$' c -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" -d '{"model":'
head -c 20000000 /dev/zero | tr '\0' 'x' >"$TMP/big"
expect_output "a 20 MB body is 413" '^413$' c -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" --data-binary @"$TMP/big"
long=$(python3 -c 'print("word " * 6000)')
expect_output "context overflow is 400" '^400 .*context_length_exceeded' \
    sh -c "curl -s -w ' %{http_code}' '$URL/v1/chat/completions' -d '{\"model\":\"$NAME\",\"messages\":[{\"role\":\"user\",\"content\":\"$long\"}]}' | sed 's/^\(.*\) \(...\)$/\2 \1/'"

expect_output "the store's models are listed" '"id":"ai/tinystore:latest"' c "$URL/v1/models"
expect_output "a store model answers by its short name" '"finish_reason":"length"' \
    c "$URL/v1/chat/completions" -d '{"model":"tinystore","messages":[{"role":"user","content":"Hi"}],"max_tokens":2}'
expect_output "unload a store model by its full name" "^Unloaded ai/tinystore:latest" \
    env MODEL_HOST=$MODEL_HOST "$MODEL" unload docker.io/ai/tinystore:latest

# --- the memory check refuses a model that cannot fit, with the reason ------------------------
MODEL_MEMORY_LIMIT=1M "$SERVE" serve --port 0 "$FIXTURE" 2>"$TMP/small.log" &
SMALL=$!
for _ in $(seq 100); do
    SPORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/small.log" 2>/dev/null)
    [ -n "$SPORT" ] && break
    sleep 0.1
done
expect_output "a model that cannot fit is a 503 naming the reason" '^503 .*needs about .* but only 1\.0 MiB is available' \
    sh -c "curl -s -w ' %{http_code}' 'http://127.0.0.1:$SPORT/v1/chat/completions' -d '{\"model\":\"$NAME\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}' | sed 's/^\(.*\) \(...\)$/\2 \1/'"
kill -TERM $SMALL; wait $SMALL

# --- the official OpenAI client ----------------------------------------------------------
if ! command -v node >/dev/null; then
    skip "openai client" "node is not installed"
elif [ ! -d tests/serve/node_modules/openai ] &&
     ! (cd tests/serve && npm ci --no-audit --no-fund >"$TMP/npm.log" 2>&1); then
    skip "openai client" "npm ci failed (no registry?): $(tail -n1 "$TMP/npm.log")"
else
    export MODEL_BASE_URL=$URL/v1 MODEL_NAME=$NAME
    for t in chat stream tools concurrent disconnect cache; do
        check "openai client: $t" timeout 300 node tests/serve/client.mjs $t
    done
fi

# --- continuous batching: concurrent requests share passes over the weights -------------------
c "$URL/api/ps" >"$TMP/ps0.json"
pids=()
for i in 1 2 3 4; do
    c "$URL/v1/completions" -d "{\"model\":\"$NAME\",\"prompt\":\"Story $i:\",\"max_tokens\":64,\"temperature\":0}" \
        >"$TMP/batch$i.json" &
    pids+=($!)
done
wait "${pids[@]}"
c "$URL/api/ps" >"$TMP/ps.json"
expect_output "4 concurrent requests are generated in shared passes (steps > 1.5 x passes)" "steps in" python3 -c '
import json, sys
a, b = (json.load(open(f))["models"][0] for f in sys.argv[1:])
passes, steps = b["batch_passes"] - a["batch_passes"], b["batch_steps"] - a["batch_steps"]
print("4 requests of 64 tokens:", steps, "steps in", passes, "passes")
sys.exit(0 if passes > 0 and 2 * steps > 3 * passes else 1)' "$TMP/ps0.json" "$TMP/ps.json"

# --- model ps / model unload ---------------------------------------------------------------
expect_output "model ps" "^$NAME +[0-9.]+ [KMG]iB +0/4 +4096 +in " model ps
expect_output "model ps --json" "\"tokens_generated\"" model ps --json
expect_output "model unload" "^Unloaded $NAME" model unload "ai/$NAME:latest"
expect_output "model ps after unload is empty" '^MODEL[^\n]*$' model ps
expect_output "model unload --all with nothing loaded" "no model was loaded" model unload --all
expect_error "model unload of an unknown model" "not found" model unload nosuch
expect_error "model ps without a server says how to start one" "model serve" env MODEL_HOST=127.0.0.1:1 "$MODEL" ps

kill -TERM $PID
wait $PID
rc=$?
check "serve stops cleanly on SIGTERM" test $rc -eq 0
check "no sanitizer report from serve" sh -c "! grep -q Sanitizer '$TMP/serve.log'"
[ $_failed -gt 0 ] && sed 's/^/    serve: /' "$TMP/serve.log" | tail -n 40
finish
