#include "util/utf8.h"

#include <string.h>

#include "util/buf.h"

size_t ig_utf8_seq_len(const unsigned char *p, size_t n)
{
    if (n == 0) return 0;
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;
        if (c == 0xED && p[1] >= 0xA0) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

unsigned ig_utf8_decode(const unsigned char *p, size_t w)
{
    switch (w) {
    case 1:
        return p[0];
    case 2:
        return ((unsigned)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3:
        return ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
        return ((unsigned)(p[0] & 0x07) << 18) | ((unsigned)(p[1] & 0x3F) << 12) |
               ((unsigned)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    }
}

size_t ig_utf8_encode(unsigned char o[4], unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int ig_utf8_hidden(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t ig_utf8_bytes_for_utf16(const char *s, size_t n, size_t units)
{
    size_t i = 0, u = 0;
    while (i < n && u < units) {
        size_t w = ig_utf8_seq_len((const unsigned char *)s + i, n - i);
        u += w == 4 ? 2 : 1;
        i += w ? w : 1;
    }
    return i;
}

int ig_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t w = ig_utf8_seq_len(p + i, n - i);
        if (!w) return 0;
        i += w;
    }
    return 1;
}

static char *sanitize(const char *s, size_t n, size_t max, int mark, int *cut_out)
{
    static const char repl[] = "\xEF\xBF\xBD";
    static const char cut[] = " [truncated]";
    buf b = BUF_INIT;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int truncated = 0;
    ig_buf_reserve(&b, n < max ? n : max);
    while (i < n) {
        /* A run of printable ASCII (most of any policy) goes in one copy. */
        size_t r = i;
        while (r < n && p[r] >= 0x20 && p[r] < 0x7F && b.len + (r - i) < max)
            r++;
        if (r > i) {
            ig_buf_append(&b, p + i, r - i);
            i = r;
            continue;
        }
        size_t w = ig_utf8_seq_len(p + i, n - i);
        size_t outw = w ? w : 3;
        if (b.len + outw > max) {
            truncated = 1;
            break;
        }
        if (!w || p[i] == 0) {
            ig_buf_append(&b, repl, 3);
            i += w ? w : 1;
        } else if (w == 1 && (p[i] < 0x20 || p[i] == 0x7F) && p[i] != '\t') {
            ig_buf_putc(&b, ' ');
            i++;
        } else {
            ig_buf_append(&b, p + i, w);
            i += w;
        }
    }
    if (truncated && mark) ig_buf_append(&b, cut, sizeof cut - 1);
    if (cut_out) *cut_out = truncated;
    return ig_buf_detach(&b);
}

char *ig_utf8_sanitize(const char *s, size_t n, size_t max)
{
    return sanitize(s, n, max, 1, NULL);
}

char *ig_utf8_sanitize_cut(const char *s, size_t n, size_t max, int *cut)
{
    return sanitize(s, n, max, 0, cut);
}

int ig_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
