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

/* 1 when s[0..n) is valid UTF-8. */
int ig_utf8_valid(const char *s, size_t n);

/* The value of hex digit c (0-9, a-f, A-F), or -1: for the escapes of
 * JSON (\uXXXX), YAML (\xXX, \uXXXX, \UXXXXXXXX) and URIs (%XX). */
int ig_hexval(int c);

#endif
