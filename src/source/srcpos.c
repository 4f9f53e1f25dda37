#include "source/srcpos.h"

#include <string.h>

static uint32_t bom_len(const char *data, uint32_t len)
{
    return (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
            (unsigned char)data[2] == 0xBF)
               ? 3
               : 0;
}

void ig_tsource_init_file(tsource *s, const char *path, const char *data, size_t len)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->data = data;
    s->len = (uint32_t)len;
}

void ig_tsource_init_decoded(tsource *s, const tsource *parent, const char *data, uint32_t len,
                             const uint32_t *map)
{
    memset(s, 0, sizeof *s);
    s->path = parent->path;
    s->data = data;
    s->len = len;
    s->parent = parent;
    s->map = map;
}

const tsource *ig_tsource_file(const tsource *s)
{
    while (s->parent)
        s = s->parent;
    return s;
}

uint32_t ig_tsource_file_offset(const tsource *s, uint32_t off)
{
    while (s->parent) {
        if (off > s->len) off = s->len;
        off = s->map[off];
        s = s->parent;
    }
    return off;
}

int ig_tsource_index(tsource *f, arena *a)
{
    if (f->line_starts) return 0;
    const char *d = f->data;
    uint32_t n = f->len, count = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 >= n || d[i + 1] != '\n'))) count++;
    }
    uint32_t *ls = ig_arena_alloc(a, (size_t)count * sizeof *ls);
    if (!ls) return -1;
    uint32_t k = 0;
    ls[k++] = bom_len(d, n);
    for (uint32_t i = 0; i < n; i++) {
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 >= n || d[i + 1] != '\n'))) ls[k++] = i + 1;
    }
    f->line_starts = ls;
    f->nlines = count;
    return 0;
}

/* Length of the well-formed UTF-8 sequence at p (no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t w;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        w = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        w = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        w = 4;
    else
        return 0;
    if ((size_t)(end - p) < w) return 0;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < w; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    return w;
}

uint32_t ig_utf16_units(const char *text, size_t n)
{
    uint32_t units = 0;
    const unsigned char *p = (const unsigned char *)text, *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            units++;
            p++;
            continue;
        }
        /* An ill-formed sequence counts one unit per byte (each shown as a
         * replacement character). */
        size_t w = utf8_len(p, end);
        units += w == 4 ? 2 : 1;
        p += w ? w : 1;
    }
    return units;
}

srcpos ig_tsource_pos(const tsource *s, uint32_t off)
{
    off = ig_tsource_file_offset(s, off);
    const tsource *f = ig_tsource_file(s);
    srcpos p = {1, 1, off};
    if (!f->line_starts && f->index_arena) {
        /* The index is a cache of the file's bytes: building it from a const
         * view is safe, since a file source belongs to one thread. */
        tsource *mut = (tsource *)f;
        (void)ig_tsource_index(mut, mut->index_arena);
    }
    if (!f->line_starts || f->nlines == 0) return ig_srcpos_scan(f->data, f->len, off);
    if (off > f->len) off = f->len;
    /* Last line start <= off. */
    uint32_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t ls = f->line_starts[lo];
    p.line = lo + 1;
    p.col = (off >= ls ? ig_utf16_units(f->data + ls, off - ls) : 0) + 1;
    return p;
}

srcpos ig_srcpos_scan(const char *d, size_t len, size_t off)
{
    srcpos p = {1, 1, (uint32_t)off};
    if (off > len) off = len;
    size_t ls = bom_len(d, (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len));
    if (off < ls) ls = off;
    for (size_t i = ls; i < off; i++) {
        if (d[i] == '\n' || (d[i] == '\r' && (i + 1 >= len || d[i + 1] != '\n'))) {
            p.line++;
            ls = i + 1;
        }
    }
    p.col = ig_utf16_units(d + ls, off - ls) + 1;
    return p;
}

void ig_tsource_line(const tsource *f, uint32_t line, const char **text, uint32_t *len)
{
    *text = "";
    *len = 0;
    if (!f->line_starts || line == 0 || line > f->nlines) return;
    uint32_t s = f->line_starts[line - 1];
    uint32_t e = s;
    while (e < f->len && f->data[e] != '\n' && f->data[e] != '\r')
        e++;
    *text = f->data + s;
    *len = e - s;
}
