#include "output/xml.h"

#include <string.h>

#include "util/utf8.h"

/* A code point a reader should see spelled out: C1 controls, bidi
 * embeddings, overrides, isolates and marks, and the non-characters XML
 * forbids. */
static int spelled_out(unsigned cp)
{
    return ig_utf8_hidden(cp) || cp == 0xFFFE || cp == 0xFFFF;
}

static void escape(buf *b, const char *s, int attr)
{
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t len = ig_utf8_seq_len(p + i, n - i);
        if (!len) {
            ig_buf_printf(b, "\\x%02x", c);
            i++;
            continue;
        }
        if (len > 1) {
            unsigned cp = ig_utf8_decode(p + i, len);
            if (spelled_out(cp))
                ig_buf_printf(b, "\\u%04x", cp);
            else
                ig_buf_append(b, p + i, len);
            i += len;
            continue;
        }
        i++;
        switch (c) {
        case '&':
            ig_buf_puts(b, "&amp;");
            break;
        case '<':
            ig_buf_puts(b, "&lt;");
            break;
        case '>':
            ig_buf_puts(b, "&gt;");
            break;
        case '"':
            ig_buf_puts(b, attr ? "&quot;" : "\"");
            break;
        case '\t':
            ig_buf_puts(b, attr ? "&#9;" : "\t");
            break;
        case '\n':
            ig_buf_puts(b, "\\n");
            break;
        case '\r':
            ig_buf_puts(b, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7F)
                ig_buf_printf(b, "\\x%02x", c);
            else
                ig_buf_putc(b, (char)c);
        }
    }
}

void ig_xml_text(buf *b, const char *s)
{
    escape(b, s, 0);
}

void ig_xml_attr(buf *b, const char *s)
{
    escape(b, s, 1);
}
