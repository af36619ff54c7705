/*
 * tokenizer.h - the model's own tokenizer, built from GGUF metadata, giving
 * the token ids llama.cpp gives (llama-tokenize) and turning ids back into
 * text.
 *
 * Two kinds, chosen by `tokenizer.ggml.model`:
 *   "gpt2"   byte-level BPE (Llama 3, DeepSeek-R1-Distill-Llama, Qwen, ...):
 *            a pre-tokenizer regex picked by `tokenizer.ggml.pre` splits the
 *            text into words, each word's bytes are mapped to printable
 *            characters (GPT-2's byte<->unicode table) and merged by the rank
 *            of `tokenizer.ggml.merges`.
 *   "llama"  SentencePiece (LLaMA 1/2, TinyLlama, stories260K): spaces become
 *            U+2581, a space is put in front of the text, pieces are merged
 *            best score first, unknown characters fall back to <0xXX> bytes.
 *
 * In both, special tokens are cut out of the text first: USER_DEFINED tokens
 * (e.g. `<think>`) always, CONTROL and UNKNOWN tokens (`<｜begin▁of▁sentence｜>`,
 * `<s>`) only with parse_special. BOS is put first when asked, even when the
 * text itself starts with the BOS text (llama.cpp does the same).
 *
 * A loaded tokenizer is immutable: any number of threads may encode and
 * decode with it at once. It copies what it needs, so the gguf may be closed
 * after tokenizer_load().
 *
 *     struct tokenizer *t = tokenizer_load(g);
 *     int32_t *ids; size_t n;
 *     if (tokenizer_encode(t, text, strlen(text), 1, 1, &ids, &n) < 0) ... err_msg()
 *     struct tokenizer_stream s;
 *     tokenizer_stream_init(&s, t, 0);
 *     for (each generated id) {
 *         size_t len; const char *bytes = tokenizer_stream_push(&s, id, &len);
 *         fwrite(bytes, 1, len, stdout);      // whole UTF-8 characters only
 *     }
 *     bytes = tokenizer_stream_flush(&s, &len); ...
 *     tokenizer_stream_free(&s); free(ids); tokenizer_free(t);
 *
 * Errors (NULL / -1 with err_msg()): no or unknown `tokenizer.ggml.model`,
 * a missing or mistyped token list, scores or token types whose length
 * differs from the token list, a "gpt2" tokenizer without merges, invalid
 * UTF-8 in the text to encode. An unknown `tokenizer.ggml.pre` is not an
 * error: the default GPT-2 rules are used and tokenizer_warning() says so.
 */
#ifndef RUNTIME_TOKENIZER_H
#define RUNTIME_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

struct gguf;
struct tokenizer;

enum tokenizer_kind {
    TOKENIZER_BPE, /* tokenizer.ggml.model = gpt2 */
    TOKENIZER_SPM, /* tokenizer.ggml.model = llama */
};

/* Token types, as GGUF's tokenizer.ggml.token_type stores them. */
enum token_type {
    TOKEN_TYPE_UNDEFINED = 0,
    TOKEN_TYPE_NORMAL = 1,
    TOKEN_TYPE_UNKNOWN = 2,
    TOKEN_TYPE_CONTROL = 3,
    TOKEN_TYPE_USER_DEFINED = 4,
    TOKEN_TYPE_UNUSED = 5,
    TOKEN_TYPE_BYTE = 6,
};

/* Build the tokenizer from the `tokenizer.ggml.*` keys. NULL with err_msg(). */
struct tokenizer *tokenizer_load(const struct gguf *g);
void tokenizer_free(struct tokenizer *t);

/* Tokenize text[0..len-1] (any bytes, NUL included, but well-formed UTF-8).
 * add_bos: put BOS first if the model asks for it (tokenizer.ggml.add_bos_token,
 * or the pre-tokenizer's default), and EOS last if add_eos_token says so;
 * 0 adds neither. parse_special: also match CONTROL tokens written in the text.
 * On success *ids is a malloc'd array of *n ids (the caller frees it; never
 * NULL, even for 0 ids) and 0 is returned; on error -1 with err_msg(). */
int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, int add_bos,
                     int parse_special, int32_t **ids, size_t *n);

/* Vocabulary. */
int tokenizer_n_vocab(const struct tokenizer *t);
enum tokenizer_kind tokenizer_kind(const struct tokenizer *t);
/* The pre-tokenizer in use ("llama-bpe", "default", ...; "" for SentencePiece). */
const char *tokenizer_pre(const struct tokenizer *t);
/* A load-time notice for the user (e.g. an unknown pre-tokenizer replaced by
 * the default), or NULL. */
const char *tokenizer_warning(const struct tokenizer *t);
/* The token's text as stored in the vocabulary (byte-mapped for BPE, with
 * U+2581 for SentencePiece), NUL-terminated; NULL for an id out of range. */
const char *tokenizer_token_text(const struct tokenizer *t, int32_t id, size_t *len);
/* tokenizer_token_text() malloc'd, "" for no token (id < 0 or out of range:
 * a model without BOS, say), as templates see bos_token and eos_token. NULL
 * only when out of memory. */
char *tokenizer_token_strdup(const struct tokenizer *t, int32_t id);
/* The bytes the token stands for: BPE byte mapping undone, SentencePiece's
 * U+2581 turned into spaces and <0xXX> into the byte; CONTROL and UNKNOWN
 * tokens give their text (`<｜end▁of▁sentence｜>`): tokenizer_is_control()
 * says whether to show them. May hold partial UTF-8. NULL when out of range. */
const char *tokenizer_piece(const struct tokenizer *t, int32_t id, size_t *len);
enum token_type tokenizer_token_type(const struct tokenizer *t, int32_t id);
/* CONTROL or UNKNOWN: not shown when decoding unless asked for. */
int tokenizer_is_control(const struct tokenizer *t, int32_t id);
/* The id of the token whose vocabulary text is text[0..len-1] exactly, or -1. */
int32_t tokenizer_find(const struct tokenizer *t, const char *text, size_t len);

/* Special ids, -1 when the model has none. */
int32_t tokenizer_bos(const struct tokenizer *t);
int32_t tokenizer_eos(const struct tokenizer *t);
int32_t tokenizer_eot(const struct tokenizer *t);
int32_t tokenizer_eom(const struct tokenizer *t);
int32_t tokenizer_unk(const struct tokenizer *t);
int32_t tokenizer_pad(const struct tokenizer *t);
/* Whether encode(add_bos=1) puts BOS first / EOS last. */
int tokenizer_add_bos(const struct tokenizer *t);
int tokenizer_add_eos(const struct tokenizer *t);
/* End of generation: EOS, EOT, EOM and the tokens llama.cpp recognises by
 * text (<|eot_id|>, <|eom_id|>, <|im_end|>, <|endoftext|>, ...). */
int tokenizer_is_eog(const struct tokenizer *t, int32_t id);

/* Decoding flags. */
enum {
    TOKENIZER_DECODE_SPECIAL = 1,     /* show CONTROL/UNKNOWN tokens' text (llama.cpp's unparse_special) */
    TOKENIZER_DECODE_STRIP_SPACE = 2, /* drop one leading space of the first token, for tokenizers that
                                         prepend one (SentencePiece): llama_detokenize's rule */
    TOKENIZER_DECODE_SKIP_BOS = 4,    /* leave out a leading BOS (and then keep the space, as llama.cpp) */
};

/* ids -> text, malloc'd and NUL-terminated (*len excludes the NUL). The text
 * holds exactly the tokens' bytes: a character cut at the end stays cut.
 * (llama.cpp's clean_up_tokenization_spaces rewriting is not applied: the
 * result is the exact inverse of encode.) -1 with err_msg() for a bad id. */
int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, unsigned flags, char **text,
                     size_t *len);

/* Streaming decoder: push ids one by one, get back the bytes that are ready
 * to print, which are always whole UTF-8 characters. A character split over
 * several tokens comes out once complete; bytes that can never form a valid
 * character are replaced by U+FFFD, so the output is always valid UTF-8. */
struct tokenizer_stream {
    const struct tokenizer *t;
    unsigned flags;
    int n_pushed;
    unsigned char pend[4]; /* start of a character still incomplete */
    size_t n_pend;
    char *out;             /* returned buffer, valid until the next call */
    size_t cap;
};
void tokenizer_stream_init(struct tokenizer_stream *s, const struct tokenizer *t, unsigned flags);
/* Bytes ready after adding id (possibly 0 of them). NULL with err_msg() for an
 * id out of range or no memory. */
const char *tokenizer_stream_push(struct tokenizer_stream *s, int32_t id, size_t *len);
/* End of stream: whatever is still held back (as U+FFFD). */
const char *tokenizer_stream_flush(struct tokenizer_stream *s, size_t *len);
void tokenizer_stream_free(struct tokenizer_stream *s);

#endif
