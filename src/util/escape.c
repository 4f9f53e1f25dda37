/*
 * util/escape.c - untrusted text, printed where people and CI logs read it
 * (see escape.h).
 */
#include "util/escape.h"

#include <string.h>

#include "iamguard/output.h"
#include "util/utf8.h"

/* Characters that reorder or break what a reader sees. */
static int invisible(unsigned cp)
{
    return ig_utf8_hidden(cp) || cp == 0x2028 || cp == 0x2029;
}

size_t ig_escape_char(const char *s, size_t n, unsigned flags, int line_start,
                      char out[IG_ESC_CHAR_MAX], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t w = ig_utf8_seq_len(p, n);
    if (!w) {
        *used = 1;
        out[0] = '\\', out[1] = 'x', out[2] = hex[p[0] >> 4], out[3] = hex[p[0] & 15];
        out[4] = '\0';
        return 4;
    }
    *used = w;
    unsigned cp = ig_utf8_decode(p, w);
    if (cp == ':' && line_start && (flags & (IG_ESC_LINE_START | IG_ESC_KEEP_NEWLINES))) {
        memcpy(out, "\\x3a", 5);
        return 4;
    }
    if (cp < 0x20 || cp == 0x7F) {
        if (cp == '\n' && (flags & IG_ESC_KEEP_NEWLINES)) {
            memcpy(out, "\n", 2);
            return 1;
        }
        if (cp == '\t' && (flags & IG_ESC_KEEP_TABS)) {
            memcpy(out, "\t", 2);
            return 1;
        }
        const char *named = cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : cp == '\t' ? "\\t" : NULL;
        if (named) {
            memcpy(out, named, 3);
            return 2;
        }
        out[0] = '\\', out[1] = 'x', out[2] = hex[cp >> 4], out[3] = hex[cp & 15];
        out[4] = '\0';
        return 4;
    }
    if (invisible(cp)) {
        out[0] = '\\', out[1] = 'u';
        for (int i = 0; i < 4; i++)
            out[2 + i] = hex[(cp >> (12 - 4 * i)) & 15];
        out[6] = '\0';
        return 6;
    }
    memcpy(out, s, w);
    out[w] = '\0';
    return w;
}

void ig_escape_buf(buf *b, const char *s, size_t n, unsigned flags)
{
    int line_start = 1;
    size_t i = 0;
    while (i < n) {
        /* Runs of plain text are copied as they are. */
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F &&
               !(line_start && j == i && s[j] == ':'))
            j++;
        if (j > i) {
            ig_buf_append(b, s + i, j - i);
            line_start = 0;
            i = j;
            continue;
        }
        char e[IG_ESC_CHAR_MAX];
        size_t used;
        size_t len = ig_escape_char(s + i, n - i, flags, line_start, e, &used);
        ig_buf_append(b, e, len);
        line_start = (flags & IG_ESC_KEEP_NEWLINES) && s[i] == '\n';
        i += used;
    }
}

/* Streams: nothing to allocate, so a report is never short of a string. */
int ig_escape_fputs(const char *s, unsigned flags, FILE *f)
{
    if (!s) return 0;
    size_t n = strlen(s), i = 0;
    int line_start = 1;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F &&
               !(line_start && j == i && s[j] == ':'))
            j++;
        if (j > i) {
            if (fwrite(s + i, 1, j - i, f) != j - i) return EOF;
            line_start = 0;
            i = j;
            continue;
        }
        char e[IG_ESC_CHAR_MAX];
        size_t used;
        size_t len = ig_escape_char(s + i, n - i, flags, line_start, e, &used);
        if (fwrite(e, 1, len, f) != len) return EOF;
        line_start = (flags & IG_ESC_KEEP_NEWLINES) && s[i] == '\n';
        i += used;
    }
    return 0;
}

size_t iamg_escape(char *out, size_t cap, const char *text, unsigned flags)
{
    size_t len = 0, kept = 0, n = text ? strlen(text) : 0, i = 0;
    int line_start = 1, fits = out && cap;
    while (i < n) {
        char e[IG_ESC_CHAR_MAX];
        size_t used;
        size_t el = ig_escape_char(text + i, n - i, flags, line_start, e, &used);
        /* A character is written whole or not at all, and nothing after it. */
        if (fits && kept + el < cap) {
            memcpy(out + kept, e, el);
            kept += el;
        } else {
            fits = 0;
        }
        line_start = (flags & IG_ESC_KEEP_NEWLINES) && text[i] == '\n';
        len += el;
        i += used;
    }
    if (out && cap) out[kept] = '\0';
    return len;
}
