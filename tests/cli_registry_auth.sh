#!/usr/bin/env bash
# cli_registry_auth.sh - credentials and transport: htpasswd Basic auth,
# Docker's config.json, bearer tokens from a token server, HTTPS with a
# private CA, redirects that must not carry Authorization, retries and stalls.
. tests/lib.sh
command -v docker-registry >/dev/null || { skip "auth tests" "docker-registry not installed (make deps)"; finish; exit; }
command -v skopeo >/dev/null || { skip "auth tests" "skopeo not installed (make deps)"; finish; exit; }
command -v htpasswd >/dev/null || { skip "auth tests" "htpasswd (apache2-utils) not installed"; finish; exit; }
. tests/registry-harness.sh
STORE_TOOL=${STORE_TOOL:-build/rel/tools/registry-store}
GGUF=$FIXTURES/models/tiny-q4_k_m.gguf
MD=$(make_layout "$TMP/lay" "$GGUF" latest)
PY=tests/registry

# --- htpasswd Basic auth ------------------------------------------------------------
htpasswd -Bbn alice wonderland >"$TMP/htpasswd" 2>/dev/null
reg_start basic "auth:
  htpasswd: {realm: test-realm, path: $TMP/htpasswd}"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false --dest-creds alice:wonderland "oci:$TMP/lay:latest" "docker://$R/ai/tiny:latest"
expect_error "401 without credentials names the fix" "requires authentication.*model login" model pull "$R/ai/tiny"
expect_error "login with a wrong password fails" "failed|wrong" \
    sh -c "echo nope | '$MODEL' login -u alice --password-stdin $R"
check "no credentials stored after a failed login" test ! -e "$MODEL_CONFIG_DIR/credentials.json"
expect_output "login succeeds" "Login succeeded" sh -c "echo wonderland | '$MODEL' login -u alice --password-stdin $R"
check "credentials file has mode 0600" test "$(stat -c %a "$MODEL_CONFIG_DIR/credentials.json")" = 600
expect_output "pull with stored credentials" "ID ${MD:7:12}" model pull "$R/ai/tiny"
check "tag for push" model tag "$R/ai/tiny" "$R/team/tiny:v1"
expect_output "push with Basic auth" "Pushed" model push "$R/team/tiny:v1"
expect_output "logout" "Removed" model logout "$R"
expect_output "logout again says so" "Not logged in" model logout "$R"
expect_error "after logout, 401 again" "requires authentication" model pull "$R/ai/tiny"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf alice:wonderland | base64)" >"$DOCKER_CONFIG/config.json"
expect_output "credentials from DOCKER_CONFIG/config.json" "ID ${MD:7:12}" model pull "$R/ai/tiny"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf alice:bad | base64)" >"$DOCKER_CONFIG/config.json"
expect_error "wrong Docker credentials: clear error" "authentication to .* failed for user 'alice'" \
    model pull "$R/ai/tiny"
rm -f "$DOCKER_CONFIG/config.json"
reg_stop basic

# --- bearer tokens ------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tok.key" -out "$TMP/tok.crt" -days 2 \
    -subj /CN=model-test-token >/dev/null 2>&1
TP=$(free_port)
python3 $PY/token_server.py "$TP" "$TMP/tok.key" "$TMP/tok.crt" test-registry test-issuer "$TMP/token.log" 2 &
REG_PIDS+=($!)
wait_http "http://127.0.0.1:$TP/token"
reg_start bearer "auth:
  token: {realm: http://127.0.0.1:$TP/token, service: test-registry, issuer: test-issuer, rootcertbundle: $TMP/tok.crt}"
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false --dest-creds tok:secret "oci:$TMP/lay:latest" "docker://$R/ai/tiny:latest"
: >"$TMP/token.log"
export MODEL_HOME=$TMP/store-bearer
expect_output "anonymous bearer pull" "ID ${MD:7:12}" model pull "$R/ai/tiny"
check "token asked with the service and pull scope" grep -q "who=anon service=test-registry scopes=\['repository:ai/tiny:pull'\]" "$TMP/token.log"
check "short-lived token (2 s) fetched again on expiry" test "$(grep -c who=anon "$TMP/token.log")" -ge 1
check "tag for bearer push" model tag "$R/ai/tiny" "$R/ai/pushed:v1"
expect_error "anonymous push is denied with a clear error" "denied|insufficient|login" model push "$R/ai/pushed:v1"
check "bearer login" sh -c "echo secret | '$MODEL' login -u tok --password-stdin $R"
expect_output "push with a pull,push token" "Pushed" model push "$R/ai/pushed:v1"
check "token asked with pull,push scope" grep -q "who=tok .*repository:ai/pushed:pull,push" "$TMP/token.log"
# expiry: throttle the download so it outlives the 2 s token
export MODEL_HOME=$TMP/store-bearer2
: >"$TMP/token.log"
BIG=$FIXTURES/models/r1-vocab-q4_k_m.gguf
make_layout "$TMP/lay-big" "$BIG" latest >/dev/null
skopeo copy -q --dest-tls-verify=false --dest-creds tok:secret "oci:$TMP/lay-big:latest" "docker://$R/ai/big:latest"
: >"$TMP/token.log"
# four ranged parts one after another (one transfer at a time), ~1 s each
check "pull that outlives its token" env MODEL_MAX_TRANSFERS=1 MODEL_TEST_MAX_RECV_SPEED=$((12 * 1024 * 1024)) \
    "$MODEL" pull "$R/ai/big"
check "tokens were fetched again during the pull" test "$(grep -c token "$TMP/token.log")" -ge 2
reg_stop bearer
export MODEL_HOME=$TMP/store

# --- HTTPS with a private CA ---------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.pem" -days 2 \
    -subj /CN=model-test-ca >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$TMP/srv.key" -out "$TMP/srv.csr" -subj /CN=localhost >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$TMP/san.ext"
openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
    -extfile "$TMP/san.ext" -out "$TMP/srv.crt" >/dev/null 2>&1
reg_start tls "  tls: {certificate: $TMP/srv.crt, key: $TMP/srv.key}" https
R=127.0.0.1:$REG_PORT
skopeo copy -q --dest-tls-verify=false "oci:$TMP/lay:latest" "docker://$R/ai/tiny:latest"
export MODEL_HOME=$TMP/store-tls
expect_error "untrusted certificate: error names SSL_CERT_FILE" "SSL_CERT_FILE" model pull "$R/ai/tiny"
expect_output "HTTPS pull with SSL_CERT_FILE" "ID ${MD:7:12}" env SSL_CERT_FILE="$TMP/ca.pem" "$MODEL" pull "$R/ai/tiny"
check "tag for HTTPS push" model tag "$R/ai/tiny" "$R/ai/tls2:v1"
expect_output "HTTPS push (HTTP/2)" "Pushed" env SSL_CERT_FILE="$TMP/ca.pem" "$MODEL" push "$R/ai/tls2:v1"
reg_stop tls
export MODEL_HOME=$TMP/store

# --- redirects must not carry credentials to another host ------------------------------------
FP=$(free_port)
python3 $PY/fake_registry.py "$FP" "$TMP/lay" "$TMP/fake.log" --user bob:builder --redirect &
REG_PIDS+=($!)
wait_http "http://127.0.0.1:$FP/v2/"
R=127.0.0.1:$FP
check "login to the redirecting registry" sh -c "echo builder | '$MODEL' login -u bob --password-stdin $R"
export MODEL_HOME=$TMP/store-redirect
expect_output "pull through a redirect to another host" "ID ${MD:7:12}" model pull "$R/ai/tiny"
check "the registry got credentials" grep -q " GET /v2/ai/tiny/blobs/sha256:.* auth=yes" "$TMP/fake.log"
check "the CDN host was reached" grep -q " GET /cdn/" "$TMP/fake.log"
check "requests carry User-Agent model/<version>" grep -qE "ua=model/[0-9]+\.[0-9]+" "$TMP/fake.log"
check "the CDN host never saw Authorization" test -z "$(grep ' GET /cdn/.*auth=yes' "$TMP/fake.log")"
model logout "$R" >/dev/null

# https registry redirecting to plain http on the same host: a downgrade, no credentials
FP=$(free_port)
CP=$(free_port)
python3 $PY/fake_registry.py "$FP" "$TMP/lay" "$TMP/down.log" --user bob:builder --tls "$TMP/srv.crt" "$TMP/srv.key" \
    --plain-cdn "$CP" &
REG_PIDS+=($!)
SSL_CERT_FILE=$TMP/ca.pem wait_http "https://127.0.0.1:$FP/v2/"
R=127.0.0.1:$FP
export SSL_CERT_FILE=$TMP/ca.pem
check "login to the https registry" sh -c "echo builder | '$MODEL' login -u bob --password-stdin $R"
export MODEL_HOME=$TMP/store-downgrade
expect_output "pull through an https -> http redirect" "ID ${MD:7:12}" model pull "$R/ai/tiny"
check "the https registry got credentials" grep -q " GET /v2/ai/tiny/blobs/sha256:.* auth=yes" "$TMP/down.log"
check "the plain-http hop was used" grep -q " GET /cdn/" "$TMP/down.log"
check "the plain-http hop never saw Authorization" test -z "$(grep ' GET /cdn/.*auth=yes' "$TMP/down.log")"
model logout "$R" >/dev/null
unset SSL_CERT_FILE

# --- retries and stalls --------------------------------------------------------------------
FP=$(free_port)
python3 $PY/fake_registry.py "$FP" "$TMP/lay" "$TMP/fail.log" --fail 2 &
REG_PIDS+=($!)
wait_http "http://127.0.0.1:$FP/v2/"
export MODEL_HOME=$TMP/store-retry
expect_output "503 with Retry-After is retried" "ID ${MD:7:12}" model pull "127.0.0.1:$FP/ai/tiny"
check "two 503s were answered before success" test "$(grep -c ' GET /v2/ai/tiny/blobs' "$TMP/fail.log")" -ge 4
FP=$(free_port)
python3 $PY/fake_registry.py "$FP" "$TMP/lay" "$TMP/stall.log" --stall &
REG_PIDS+=($!)
wait_http "http://127.0.0.1:$FP/v2/"
export MODEL_HOME=$TMP/store-stall
t0=$(date +%s)
expect_output "a stalled transfer reconnects and finishes" "ID ${MD:7:12}" \
    env MODEL_STALL_TIMEOUT=1 "$MODEL" pull "127.0.0.1:$FP/ai/tiny"
check "the stall was detected within seconds, not when the server gave up (20 s)" test $(($(date +%s) - t0)) -lt 10
check "the reconnect resumed with a Range request" grep -q 'range=bytes=[1-9][0-9]*-' "$TMP/stall.log"

# --- manifests that do not match their headers ----------------------------------------------
export MODEL_HOME=$TMP/store-badhdr
for flag in bad-dcd bad-ctype; do
    FP=$(free_port)
    python3 $PY/fake_registry.py "$FP" "$TMP/lay" "$TMP/$flag.log" --$flag &
    REG_PIDS+=($!)
    wait_http "http://127.0.0.1:$FP/v2/"
    case $flag in
        bad-dcd) expect_error "Docker-Content-Digest disagreeing with the bytes is refused" \
            "registry says sha256:0000" model pull "127.0.0.1:$FP/ai/tiny" ;;
        bad-ctype) expect_error "Content-Type disagreeing with mediaType is refused" \
            "Content-Type .* does not match" model pull "127.0.0.1:$FP/ai/tiny" ;;
    esac
done
check "nothing recorded from bad manifests" test "$(model list --json)" = "[]"
finish
