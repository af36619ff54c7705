/*
 * utf8.h - the few UTF-8 operations the tokenizers need: strict validation
 * of input text (so that the regex engine and the merge loops only ever see
 * well-formed characters), encoding a code point, and the character length
 * implied by a lead byte (as llama.cpp computes it, so that text is cut into
 * the same symbols).
 */
#ifndef RUNTIME_UTF8_H
#define RUNTIME_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the character that starts with byte c, from its top four bits
 * alone (1 for ASCII and stray continuation bytes, 2, 3 or 4). */
size_t utf8_lead_len(unsigned char c);

/* Length of the well-formed character at s[0..n-1] (1..4), or 0 when the
 * bytes there are not one: overlong forms, surrogates, code points above
 * U+10FFFF, bad or missing continuation bytes. */
size_t utf8_char_len(const unsigned char *s, size_t n);

/* 0 when s[0..n-1] is well-formed UTF-8; otherwise -1 with *bad set to the
 * offset of the first byte that is not part of a valid character. */
int utf8_validate(const char *s, size_t n, size_t *bad);

/* Encode code point cp (<= 0x10FFFF) into out; returns the byte count. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Decode the well-formed character at s (see utf8_char_len); *len gets its
 * length. Returns U+FFFD and *len = 1 for an invalid sequence. */
uint32_t utf8_decode(const unsigned char *s, size_t n, size_t *len);

/* How many bytes at the end of s[0..n-1] could be the start of a character
 * that is not complete yet (0..3): a streaming decoder holds those back. */
size_t utf8_incomplete_tail(const unsigned char *s, size_t n);

#endif
