# cli_tokenize.sh - `model tokenize`: ids as llama-tokenize prints them (read
# from the fixtures), the text sources, the output formats and clean errors.
. tests/lib.sh

TINY=$FIXTURES/models/tiny-f32.gguf
STORIES=$FIXTURES/real/stories260K.gguf
CASES=$FIXTURES/tokenizer/tiny-tokenizer-cases.json
if [ ! -f "$TINY" ] || [ ! -f "$CASES" ] || ! command -v python3 >/dev/null; then
    skip "model tokenize" "fixtures or python3 missing"
    finish
    exit
fi

# want NAME VARIANT: llama-tokenize's ids for a fixture case, as "[a, b]".
want() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["cases"] if c["name"] == sys.argv[2]][0]
print("[" + ", ".join(map(str, c[sys.argv[3]])) + "]")' "$CASES" "$1" "$2"
}
# case_text NAME FILE: the exact bytes of a case's text into FILE.
case_text() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
c = [c for c in d["cases"] if c["name"] == sys.argv[2]][0]
open(sys.argv[3], "wb").write(bytes.fromhex(c["utf8_hex"]))' "$CASES" "$1" "$2"
}

same() { [ "$1" = "$2" ] || { echo "got:  $1"; echo "want: $2"; return 1; }; }

check "ids like llama-tokenize" same "$(model tokenize "$TINY" 'Hello world')" "$(want ascii_hello ids)"
case_text special_full_prompt "$TMP/special.txt"
check "special tokens parsed, BOS added again" \
    same "$(model tokenize "$TINY" -f "$TMP/special.txt")" "$(want special_full_prompt ids)"
check "--no-bos" same "$(model tokenize --no-bos "$TINY" -f "$TMP/special.txt")" \
    "$(want special_full_prompt ids_no_bos)"
check "--no-bos --no-parse-special" \
    same "$(model tokenize --no-bos --no-parse-special "$TINY" -f "$TMP/special.txt")" \
    "$(want special_full_prompt ids_no_bos_no_special)"
case_text ws_crlf "$TMP/crlf.txt"
check "text from stdin, bytes exact" same "$(model tokenize "$TINY" <"$TMP/crlf.txt")" "$(want ws_crlf ids)"
check "-f - reads stdin" same "$(model tokenize "$TINY" -f - <"$TMP/crlf.txt")" "$(want ws_crlf ids)"
check "empty text gives BOS alone" same "$(model tokenize "$TINY" '')" "$(want empty ids)"

check "--json" python3 -c 'import json,sys
d = json.loads(sys.argv[1])
assert d["ids"] == [1024, 39, 301, 385, 289, 269, 509] or False, d
assert d["n_tokens"] == len(d["ids"]) and d["pieces"][1] == "H" and d["pieces"][0].startswith("<")' \
    "$(model tokenize --json --show-pieces "$TINY" 'Hello world')"
check "--json ids match the fixture" python3 -c 'import json,sys
assert json.loads(sys.argv[1])["ids"] == json.loads(sys.argv[2])' \
    "$(model tokenize --json "$TINY" 'Hello world')" "$(want ascii_hello ids)"
expect_output "--count" '^7$' model tokenize --count "$TINY" 'Hello world'
expect_output "--show-pieces escapes newlines" "^ +[0-9]+ -> '.*\\\\n'" \
    model tokenize --no-bos --show-pieces "$TINY" -f "$TMP/crlf.txt"
if [ -f "$STORIES" ]; then
    expect_output "SentencePiece model" '^\[1, 403, 407, 261, 378\]$' model tokenize "$STORIES" 'Once upon a time'
fi

printf 'ab\xffcd' >"$TMP/bad.txt"
expect_error "invalid UTF-8 refused" 'not valid UTF-8 .*offset 2' model tokenize "$TINY" -f "$TMP/bad.txt"
expect_error "not a gguf" 'not a GGUF file' model tokenize "$TMP/bad.txt" hi
expect_error "missing file" 'No such file' model tokenize "$TMP/nope.gguf" hi
expect_error "missing -f file" "cannot open" model tokenize "$TINY" -f "$TMP/nope.txt"
# A GGUF whose BPE tokenizer has no merges.
python3 - "$TMP/nomerges.gguf" <<'PY'
import struct, sys
def s(x): b = x.encode(); return struct.pack('<Q', len(b)) + b
kv = [s('tokenizer.ggml.model') + struct.pack('<I', 8) + s('gpt2'),
      s('tokenizer.ggml.tokens') + struct.pack('<II', 9, 8) + struct.pack('<Q', 2) + s('a') + s('b')]
open(sys.argv[1], 'wb').write(b'GGUF' + struct.pack('<IQQ', 3, 0, len(kv)) + b''.join(kv))
PY
expect_error "BPE without merges" 'no merges' model tokenize "$TMP/nomerges.gguf" hi
expect_fail "no model is a usage error" model tokenize
out=$(model tokenize 2>&1); rc=$?
check "usage error exits 2" test "$rc" = 2
finish
