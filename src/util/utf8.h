/*
 * util/utf8.h - making text from rules and inputs safe for JSON output;
 * the digits of the escapes that spell bytes and characters.
 */
#ifndef IAMG_UTIL_UTF8_H
#define IAMG_UTIL_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 (RFC 3629). */
size_t ig_utf8_seq_len(const unsigned char *s, size_t n);

/*
 * A heap copy of s[0..n) that is valid UTF-8 without NUL or other C0 control
 * bytes except tab: invalid bytes and NULs become U+FFFD, newlines and other
 * controls a space. Beyond `max` bytes the text is cut at a character
 * boundary and " [truncated]" appended, so a cut is always visible. NULL
 * when out of memory.
 */
char *ig_utf8_sanitize(const char *s, size_t n, size_t max);

/* The same without the marker: *cut says whether the text was cut, for
 * callers that keep that fact in a field of their own (a finding's snippet,
 * whose text must stay the file's). */
char *ig_utf8_sanitize_cut(const char *s, size_t n, size_t max, int *cut);

/* Bytes of s[0..n) that make up its first `units` UTF-16 code units (the
 * unit of columns): a character above U+FFFF is two, an ill-formed byte
 * one. Stops at n. */
size_t ig_utf8_bytes_for_utf16(const char *s, size_t n, size_t units);

/* The code point of the w-byte sequence at p, w being what ig_utf8_seq_len
 * gave (1 to 4). */
unsigned ig_utf8_decode(const unsigned char *p, size_t w);

/* Write code point cp (at most 0x10FFFF) as UTF-8 to o; the number of
 * bytes, 1 to 4. */
size_t ig_utf8_encode(unsigned char o[4], unsigned long cp);

/* 1 for the code points that change what a reader sees without being seen
 * themselves: C1 controls and the bidirectional marks, embeddings,
 * overrides and isolates. Writers spell them out. */
int ig_utf8_hidden(unsigned cp);

/* 1 when s[0..n) is valid UTF-8. */
int ig_utf8_valid(const char *s, size_t n);

/* The value of hex digit c (0-9, a-f, A-F), or -1: for the escapes of
 * JSON (\uXXXX), YAML (\xXX, \uXXXX, \UXXXXXXXX) and URIs (%XX). */
int ig_hexval(int c);

#endif
