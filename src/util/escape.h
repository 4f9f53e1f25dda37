/*
 * util/escape.h - untrusted text, printed where people and CI logs read it.
 *
 * A file name, a logical ID, a Sid or a rule's message can hold anything: a
 * newline and a GitHub Actions workflow command ("\n::error file=x::..."
 * forges an annotation), ESC sequences that retitle the terminal or move the
 * cursor, Unicode bidirectional controls that make a line read differently
 * from what it holds. Wherever such text reaches a terminal or a log (the
 * text report, the progress line, stderr), it goes through here, and shows
 * visibly what it holds:
 *
 *   C0 controls and DEL   \n \r \t, others \x1b \x07 \x7f ...
 *   C1 controls           \u0085 ...
 *   bidi and line marks   \u061c \u200e \u200f \u202a-\u202e \u2066-\u2069,
 *                         \u2028 \u2029
 *   ill-formed UTF-8      \xNN, one per byte
 *
 * and, for text that begins a line, a leading ':' as \x3a, so no line can
 * start a workflow command. A backslash stays as it is: source lines and
 * messages show the text as written, and a name that merely looks escaped
 * forges nothing. SARIF and JSON are not escaped here: their JSON
 * escaping is exact and already covers control characters.
 */
#ifndef IAMG_UTIL_ESCAPE_H
#define IAMG_UTIL_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

#include "iamguard/output.h"
#include "util/buf.h"

/* The flags of iamg_escape (output.h). */
#define IG_ESC_LINE_START IAMG_ESCAPE_LINE_START
#define IG_ESC_KEEP_NEWLINES IAMG_ESCAPE_KEEP_NEWLINES
#define IG_ESC_KEEP_TABS IAMG_ESCAPE_KEEP_TABS

/* Longest escape of one character ("\u202e"), plus a NUL. */
#define IG_ESC_CHAR_MAX 8

/*
 * The escape of the character (or ill-formed byte) at s[0..n), n > 0, in
 * out (NUL-terminated); returns its length, and the bytes of s it stands for
 * in *used. `line_start` says whether it is the first character of a line.
 */
size_t ig_escape_char(const char *s, size_t n, unsigned flags, int line_start,
                      char out[IG_ESC_CHAR_MAX], size_t *used);

/* Append the escape of s[0..n) to b (b->oom on failure). */
void ig_escape_buf(buf *b, const char *s, size_t n, unsigned flags);

/* Write the escape of the NUL-terminated s (NULL: nothing) to f; 0 or EOF. */
int ig_escape_fputs(const char *s, unsigned flags, FILE *f);

#endif
