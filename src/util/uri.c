#include "util/uri.h"

#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

/* RFC 3986 pchar minus ':' (plus '/', the segment separator). ':' is
 * encoded everywhere because in the first segment of a relative reference
 * it would make the segment a scheme ("c:x.json" is not a path). */
static int keep(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return 1;
    return c != '\0' && strchr("-._~!$&'()*+,;=@/", c) != NULL;
}

static void encode(buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (keep(*p)) {
            ig_buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            ig_buf_append(b, e, 3);
        }
    }
}

int ig_uri_path_is_absolute(const char *path)
{
    return path && path[0] == '/';
}

char *ig_uri_from_path(const char *path)
{
    buf b = BUF_INIT;
    if (ig_uri_path_is_absolute(path)) {
        ig_buf_puts(&b, "file://");
        encode(&b, path);
    } else {
        const char *p = path ? path : "";
        /* "./x" and "x" are the same file, but GitHub compares URIs as text. */
        while (p[0] == '.' && p[1] == '/') {
            p += 2;
            while (*p == '/')
                p++;
        }
        encode(&b, *p ? p : ".");
    }
    return ig_buf_detach(&b);
}

char *ig_uri_from_dir(const char *dir)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "file://");
    if (!dir || dir[0] != '/') ig_buf_putc(&b, '/');
    encode(&b, dir ? dir : "");
    if (b.len == 0 || b.data[b.len - 1] != '/') ig_buf_putc(&b, '/');
    return ig_buf_detach(&b);
}

size_t ig_pct_decode(const char *s, size_t n, char *out, uint32_t *map, unsigned flags)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (map) map[k] = (uint32_t)i;
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = ig_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = ig_hexval((unsigned char)s[i + 2])) >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 3;
        } else {
            out[k++] = (s[i] == '+' && (flags & IG_PCT_PLUS)) ? ' ' : s[i];
            i++;
        }
    }
    if (map) map[k] = (uint32_t)n;
    return k;
}

const char *ig_uri_file_path(const char *uri)
{
    if (strncmp(uri, "file:", 5) != 0) return NULL;
    const char *p = uri + 5;
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        if (strncmp(p, "localhost/", 10) == 0)
            p += 9;
        else if (*p != '/')
            return NULL; /* another host */
    }
    return *p == '/' ? p : NULL;
}
