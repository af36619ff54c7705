/* fuzz_tokenizer.c - libFuzzer target: both tokenizers (byte-level BPE with the
 * real Llama-3 / R1 vocabulary, SentencePiece with stories260K's) on arbitrary
 * bytes, with and without special-token parsing. Invalid UTF-8 must be an
 * error, valid text must decode back to itself, nothing may crash or leak. */
#include "../../common/err.h"
#include "../../runtime/gguf.h"
#include "../../runtime/tokenizer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tokenizer *load(const char *rel)
{
    const char *root = getenv("MODEL_FIXTURES");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : "../shared/fixtures", rel);
    struct gguf *g = gguf_open(path);
    struct tokenizer *t = g ? tokenizer_load(g) : NULL;
    gguf_close(g);
    if (!t) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err_msg());
        abort();
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tokenizer *tok[2];
    if (!tok[0]) {
        tok[0] = load("models/r1-vocab-q4_k_m.gguf");
        tok[1] = load("real/stories260K.gguf");
    }
    if (size < 1)
        return 0;
    struct tokenizer *t = tok[data[0] & 1];
    int parse_special = (data[0] >> 1) & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int32_t *ids = NULL;
    size_t n = 0;
    if (tokenizer_encode(t, text, len, 0, parse_special, &ids, &n) == 0) {
        char *out = NULL;
        size_t out_len = 0;
        /* without special parsing every byte is ordinary text: it must round-trip
         * (SentencePiece turns a literal U+2581 back into a space: skip those) */
        if (tokenizer_decode(t, ids, n, TOKENIZER_DECODE_SPECIAL, &out, &out_len) == 0 && !parse_special &&
            !(data[0] & 1) && (out_len != len || memcmp(out, text, len)))
            abort();
        free(out);
    }
    free(ids);
    return 0;
}
