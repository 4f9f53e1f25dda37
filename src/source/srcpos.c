#include "source/srcpos.h"

#include <string.h>

#include "util/utf8.h"

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

int ig_tsource_init_packed(tsource *s, const tsource *parent, const char *data, uint32_t len,
                           const uint32_t *map, arena *a)
{
    ig_tsource_init_decoded(s, parent, data, len, NULL);
    size_t n = (size_t)len + 1, nb = (n + SRCMAP_BLOCK - 1) / SRCMAP_BLOCK;
    uint32_t nwide = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * SRCMAP_BLOCK, hi = lo + SRCMAP_BLOCK < n ? lo + SRCMAP_BLOCK : n;
        for (size_t i = lo + 1; i < hi; i++)
            if (map[i] < map[i - 1] || map[i] - map[i - 1] >= SRCMAP_WIDE) {
                nwide++;
                break;
            }
    }
    uint32_t *base = ig_arena_alloc(a, nb * sizeof *base);
    uint8_t *steps = ig_arena_calloc(a, nb, SRCMAP_BLOCK / 2);
    uint32_t *wide = nwide ? ig_arena_alloc(a, (size_t)nwide * SRCMAP_BLOCK * sizeof *wide) : NULL;
    uint32_t *wide_blocks = nwide ? ig_arena_alloc(a, (size_t)nwide * sizeof *wide_blocks) : NULL;
    if (!base || !steps || (nwide && (!wide || !wide_blocks))) return -1;
    uint32_t w = 0;
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * SRCMAP_BLOCK, hi = lo + SRCMAP_BLOCK < n ? lo + SRCMAP_BLOCK : n;
        uint8_t *st = steps + b * (SRCMAP_BLOCK / 2);
        base[b] = map[lo];
        int is_wide = 0;
        for (size_t i = lo + 1; i < hi && !is_wide; i++)
            is_wide = map[i] < map[i - 1] || map[i] - map[i - 1] >= SRCMAP_WIDE;
        for (size_t i = lo + 1; i < hi; i++) {
            uint32_t step = is_wide ? SRCMAP_WIDE : map[i] - map[i - 1];
            st[(i - lo) / 2] |= (uint8_t)(step << ((i - lo) % 2 * 4));
        }
        if (!is_wide) continue;
        for (size_t i = lo; i < lo + SRCMAP_BLOCK; i++)
            wide[(size_t)w * SRCMAP_BLOCK + (i - lo)] = map[i < hi ? i : hi - 1];
        wide_blocks[w++] = (uint32_t)b;
    }
    s->packed = (srcmap){base, steps, wide, wide_blocks, nwide};
    return 0;
}

/* Entry `off` of a packed map. */
static uint32_t srcmap_get(const srcmap *m, uint32_t off)
{
    uint32_t b = off / SRCMAP_BLOCK, r = off % SRCMAP_BLOCK, v = m->base[b];
    if (!r) return v;
    const uint8_t *st = m->steps + (size_t)b * (SRCMAP_BLOCK / 2);
    if (((st[r / 2] >> (r % 2 * 4)) & 0xF) == SRCMAP_WIDE) {
        uint32_t lo = 0, hi = m->nwide;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (m->wide_blocks[mid] < b)
                lo = mid + 1;
            else
                hi = mid;
        }
        return m->wide[(size_t)lo * SRCMAP_BLOCK + r];
    }
    for (uint32_t i = 1; i <= r; i++)
        v += (st[i / 2] >> (i % 2 * 4)) & 0xF;
    return v;
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
        off = s->map ? s->map[off] : srcmap_get(&s->packed, off);
        s = s->parent;
    }
    return off;
}

static int is_break(const char *d, uint32_t i, uint32_t n)
{
    return d[i] == '\n' || (d[i] == '\r' && (i + 1 >= n || d[i + 1] != '\n'));
}

/* Width of the character at p in bytes and in UTF-16 units, the way
 * ig_utf16_units counts: an ill-formed byte is one of each (it is shown as
 * one replacement character), a character above U+FFFF two units. */
static inline uint32_t char_step(const unsigned char *p, const unsigned char *end, uint32_t *units)
{
    if (*p < 0x80) {
        *units = 1;
        return 1;
    }
    size_t w = ig_utf8_seq_len(p, (size_t)(end - p));
    *units = w == 4 ? 2 : 1;
    return w ? (uint32_t)w : 1;
}

/* One decoding pass from the start of the file: the running UTF-16 count at
 * the first character boundary at or after every SRCPOS_STRIDE bytes. */
static int build_marks(tsource *f, arena *a)
{
    uint32_t n = f->len, nm = n / SRCPOS_STRIDE + 1;
    srcmark *m = ig_arena_alloc(a, (size_t)nm * sizeof *m);
    if (!m) return -1;
    const unsigned char *d = (const unsigned char *)f->data, *end = d + n;
    uint32_t i = 0, units = 0;
    for (uint32_t k = 0; k < nm; k++) {
        uint32_t target = k * SRCPOS_STRIDE;
        while (i < target) {
            if (d[i] < 0x80) {
                units++;
                i++;
                continue;
            }
            uint32_t u;
            i += char_step(d + i, end, &u);
            units += u;
        }
        m[k].off = i;
        m[k].units = units;
    }
    f->marks = m;
    return 0;
}

/* The first line break at or after i (the LF of a CRLF), or n. */
static uint32_t next_break(const char *d, uint32_t i, uint32_t n)
{
    const char *lf = memchr(d + i, '\n', n - i);
    uint32_t e = lf ? (uint32_t)(lf - d) : n;
    const char *cr = memchr(d + i, '\r', e - i);
    if (!cr) return e;
    uint32_t c = (uint32_t)(cr - d);
    /* A CR before the first LF is a break of its own unless that LF
     * follows it. */
    return lf && c + 1 == e ? e : c;
}

int ig_tsource_index(tsource *f, arena *a)
{
    if (f->points) return 0;
    const char *d = f->data;
    uint32_t n = f->len, longest = 0;
    /* Two passes over the bytes: count, then fill. */
    srcpoint *pts = NULL;
    uint32_t np = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t line = 1, ls = bom_len(d, n), last = ls, k = 0;
        if (pass) pts[k] = (srcpoint){ls, 1, ls};
        k++;
        for (uint32_t i = next_break(d, ls, n);; i = next_break(d, ls, n)) {
            /* A line [ls, i) ends: points inside it when it is long, then
             * its successor's start when far enough from the last point. */
            if (i - ls > longest) longest = i - ls;
            for (uint32_t at = ls + SRCPOS_GAP; at < i && i - ls > SRCPOS_GAP; at += SRCPOS_GAP) {
                if (pass) pts[k] = (srcpoint){at, line, ls};
                k++;
                last = at;
            }
            if (i == n) break;
            line++;
            ls = i + 1;
            if (ls - last >= SRCPOS_GAP && ls <= n) {
                if (pass) pts[k] = (srcpoint){ls, line, ls};
                k++;
                last = ls;
            }
        }
        if (!pass) {
            np = k;
            pts = ig_arena_alloc(a, (size_t)np * sizeof *pts);
            if (!pts) return -1;
            f->nlines = line;
        }
    }
    if (longest > SRCPOS_LONG_LINE && build_marks(f, a)) return -1;
    f->points = pts;
    f->npoints = np;
    return 0;
}

/* Line of offset `off` and where it starts: from the last point at or
 * before it, counting line breaks. */
static void locate(const tsource *f, uint32_t off, uint32_t *line, uint32_t *start)
{
    uint32_t lo = 0, hi = f->npoints;
    if (off < f->points[0].off) {
        *line = 1;
        *start = f->points[0].start;
        return;
    }
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->points[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    const srcpoint *p = &f->points[lo];
    uint32_t l = p->line, s = p->start;
    for (uint32_t j = p->off; j < off; j++)
        if (is_break(f->data, j, f->len)) l++, s = j + 1;
    *line = l;
    *start = s;
}

/* Where line `line` (1..nlines) starts. */
static uint32_t line_start(const tsource *f, uint32_t line)
{
    /* The last point on an earlier line or at this line's start. */
    uint32_t lo = 0, hi = f->npoints;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->points[mid].line < line ||
            (f->points[mid].line == line && f->points[mid].start == f->points[mid].off))
            lo = mid;
        else
            hi = mid;
    }
    const srcpoint *p = &f->points[lo];
    if (p->line == line) return p->start;
    uint32_t l = p->line;
    for (uint32_t j = p->off; j < f->len; j++)
        if (is_break(f->data, j, f->len) && ++l == line) return j + 1;
    return f->len;
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
        uint32_t u;
        p += char_step(p, end, &u);
        units += u;
    }
    return units;
}

/* The last checkpoint at or before offset `off`. */
static const srcmark *mark_before(const tsource *f, uint32_t off)
{
    uint32_t k = off / SRCPOS_STRIDE;
    if (f->marks[k].off > off) k--; /* marks[0].off is 0 */
    return &f->marks[k];
}

/* UTF-16 units in data[from..to) of a file, where `from` is a line start,
 * counted as ig_utf16_units(data + from, to - from) does (a sequence cut by
 * `to` counts bytewise). */
static uint32_t units_between(const tsource *f, uint32_t from, uint32_t to)
{
    if (!f->marks || to - from <= 2 * SRCPOS_STRIDE)
        return ig_utf16_units(f->data + from, to - from);
    const srcmark *a = mark_before(f, from), *b = mark_before(f, to);
    uint32_t at_from = a->units + ig_utf16_units(f->data + a->off, from - a->off);
    uint32_t at_to = b->units + ig_utf16_units(f->data + b->off, to - b->off);
    return at_to - at_from;
}

srcpos ig_tsource_pos(const tsource *s, uint32_t off)
{
    off = ig_tsource_file_offset(s, off);
    const tsource *f = ig_tsource_file(s);
    srcpos p = {1, 1, off};
    if (!f->points && f->index_arena) {
        /* The index is a cache of the file's bytes: building it from a const
         * view is safe, since a file source belongs to one thread. */
        tsource *mut = (tsource *)f;
        (void)ig_tsource_index(mut, mut->index_arena);
    }
    if (!f->points || f->nlines == 0) return ig_srcpos_scan(f->data, f->len, off);
    if (off > f->len) off = f->len;
    uint32_t ls;
    locate(f, off, &p.line, &ls);
    p.col = (off >= ls ? units_between(f, ls, off) : 0) + 1;
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
    if (!f->points || line == 0 || line > f->nlines) return;
    uint32_t s = line_start(f, line);
    uint32_t e = f->len;
    if (line < f->nlines) {
        /* The next line starts after this one's LF, CRLF or lone CR. */
        e = line_start(f, line + 1) - 1;
        if (f->data[e] == '\n' && e > s && f->data[e - 1] == '\r') e--;
    }
    if (e < s) e = s;
    *text = f->data + s;
    *len = e - s;
}

uint32_t ig_tsource_col_offset(const tsource *f, uint32_t line, uint32_t col)
{
    const char *text;
    uint32_t len;
    if (!f->points || line == 0 || line > f->nlines) return 0;
    ig_tsource_line(f, line, &text, &len);
    uint32_t ls = (uint32_t)(text - f->data), want = col > 1 ? col - 1 : 0;
    if (!f->marks || len <= 2 * SRCPOS_STRIDE)
        return ls + (uint32_t)ig_utf8_bytes_for_utf16(text, len, want);
    /* Decode from the last checkpoint inside the line whose count does not
     * pass the target's. */
    const srcmark *base = mark_before(f, ls);
    uint32_t at_ls = base->units + ig_utf16_units(f->data + base->off, ls - base->off);
    uint32_t target = at_ls + want, from = ls, from_units = at_ls;
    uint32_t lo = ls / SRCPOS_STRIDE + 1, hi = (ls + len) / SRCPOS_STRIDE + 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const srcmark *m = &f->marks[mid];
        if (m->off <= ls + len && m->units <= target) {
            from = m->off;
            from_units = m->units;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return from +
           (uint32_t)ig_utf8_bytes_for_utf16(f->data + from, ls + len - from, target - from_units);
}
