/*
 * load/yaml_strmap.c - the source offset of each byte of a decoded YAML string.
 */
#include "load/yaml_load.h"

#include "load/yaml_int.h"
#include "util/utf8.h"

#include <string.h>

/* ---- offsets of decoded string bytes ---------------------------------------- */

/*
 * The map is made by replaying libyaml's scalar scanner over the source,
 * emitting each decoded byte with the offset it came from, and checking every
 * emitted byte against the decoded string: where the replay and libyaml
 * disagree (some construct not replayed), the rest falls back to line starts.
 */
typedef struct mapper {
    const unsigned char *d; /* source */
    uint32_t len;
    const unsigned char *dec; /* decoded string */
    uint32_t n, k;
    uint32_t *map;
    int ok;
    uint32_t stop; /* source offset where the replay stopped */
} mapper;

static void put(mapper *M, unsigned char b, uint32_t off)
{
    if (!M->ok || M->k >= M->n) return;
    if (M->dec[M->k] != b) {
        M->ok = 0;
        M->stop = off;
        return;
    }
    M->map[M->k++] = off;
}

static int running(const mapper *M)
{
    return M->ok && M->k < M->n;
}

/* A line break as the scanner stores it: LS and PS stay, the others are LF. */
static void put_break(mapper *M, uint32_t p)
{
    if (M->d[p] == 0xE2) {
        for (uint32_t i = 0; i < 3; i++)
            put(M, M->d[p + i], p);
    } else {
        put(M, '\n', p);
    }
}

static void put_breaks_in(mapper *M, uint32_t p, uint32_t e)
{
    while (p < e && running(M)) {
        uint32_t bl = ig_yaml_brk(M->d, p, e);
        if (bl) {
            put_break(M, p);
            p += bl;
        } else {
            p++;
        }
    }
}

/* The escape at p in a double-quoted scalar: emits its bytes, returns the
 * source bytes it spans (0 when not understood). */
static uint32_t put_escape(mapper *M, uint32_t p, uint32_t lim)
{
    const unsigned char *d = M->d;
    if (p + 1 >= lim) return 0;
    unsigned long cp;
    uint32_t used = 2, hex = 0;
    switch (d[p + 1]) {
    case '0':
        cp = 0;
        break;
    case 'a':
        cp = 7;
        break;
    case 'b':
        cp = 8;
        break;
    case 't':
    case '\t':
        cp = 9;
        break;
    case 'n':
        cp = 10;
        break;
    case 'v':
        cp = 11;
        break;
    case 'f':
        cp = 12;
        break;
    case 'r':
        cp = 13;
        break;
    case 'e':
        cp = 0x1B;
        break;
    case ' ':
        cp = ' ';
        break;
    case '"':
        cp = '"';
        break;
    case '/':
        cp = '/';
        break;
    case '\'':
        cp = '\'';
        break;
    case '\\':
        cp = '\\';
        break;
    case 'N':
        cp = 0x85;
        break;
    case '_':
        cp = 0xA0;
        break;
    case 'L':
        cp = 0x2028;
        break;
    case 'P':
        cp = 0x2029;
        break;
    case 'x':
        hex = 2;
        break;
    case 'u':
        hex = 4;
        break;
    case 'U':
        hex = 8;
        break;
    default:
        return 0;
    }
    if (hex) {
        if (lim - p < 2 + hex) return 0;
        cp = 0;
        for (uint32_t i = 0; i < hex; i++) {
            int h = ig_hexval(d[p + 2 + i]);
            if (h < 0) return 0;
            cp = cp * 16 + (unsigned long)h;
        }
        used += hex;
    }
    unsigned char o[4];
    uint32_t w = (uint32_t)ig_utf8_encode(o, cp);
    for (uint32_t i = 0; i < w; i++)
        put(M, o[i], p);
    return used;
}

enum { FLOW_PLAIN, FLOW_SINGLE, FLOW_DOUBLE };

/* Plain and quoted scalars (libyaml's scan_plain_scalar/scan_flow_scalar):
 * runs of text, with the whitespace between them kept on one line and
 * folded across lines. p..lim is the text inside the quotes. */
static void map_flow(mapper *M, uint32_t p, uint32_t lim, int kind)
{
    const unsigned char *d = M->d;
    while (p < lim && running(M)) {
        int leading_blanks = 0;
        while (p < lim && !ig_yaml_is_blank(d[p]) && !ig_yaml_brk(d, p, lim) && running(M)) {
            if (kind == FLOW_SINGLE && d[p] == '\'' && p + 1 < lim && d[p + 1] == '\'') {
                put(M, '\'', p);
                p += 2;
            } else if (kind == FLOW_DOUBLE && d[p] == '\\') {
                uint32_t bl = ig_yaml_brk(d, p + 1, lim);
                if (bl) { /* an escaped line break joins the lines without a space */
                    p += 1 + bl;
                    leading_blanks = 1;
                    break;
                }
                uint32_t used = put_escape(M, p, lim);
                if (!used) {
                    M->ok = 0;
                    M->stop = p;
                    return;
                }
                p += used;
            } else {
                put(M, d[p], p);
                p++;
            }
        }
        uint32_t ws = p, wse = p, tb = p;
        long first = -1;
        while (p < lim) {
            uint32_t bl;
            if (ig_yaml_is_blank(d[p])) {
                p++;
                if (!leading_blanks) wse = p;
            } else if ((bl = ig_yaml_brk(d, p, lim))) {
                if (!leading_blanks) {
                    first = (long)p;
                    leading_blanks = 1;
                    tb = p + bl;
                }
                p += bl;
            } else {
                break;
            }
        }
        if (kind == FLOW_PLAIN && p >= lim) break; /* trailing blanks are not content */
        if (!leading_blanks) {
            for (uint32_t q = ws; q < wse; q++)
                put(M, d[q], q);
            continue;
        }
        int more = 0;
        for (uint32_t q = tb; q < p && !more; q++)
            more = ig_yaml_brk(d, q, p) != 0;
        if (first >= 0 && d[first] != 0xE2) {
            if (!more) put(M, ' ', (uint32_t)first);
        } else if (first >= 0) {
            put_break(M, (uint32_t)first);
        }
        put_breaks_in(M, tb, p);
    }
    if (M->ok) M->stop = p;
}

/* Literal and folded block scalars (libyaml's scan_block_scalar). s is the
 * indicator. The indentation comes from the decoded text: its first line
 * with content is the source line without the indentation. */
static void map_block(mapper *M, uint32_t s)
{
    const unsigned char *d = M->d;
    uint32_t len = M->len, p = s;
    int literal = d[p++] == '|', chomp = 0;
    while (p < len && (d[p] == '+' || d[p] == '-' || ig_yaml_is_digit((char)d[p]))) {
        if (d[p] == '+') chomp = 1;
        if (d[p] == '-') chomp = -1;
        p++;
    }
    while (p < len && !ig_yaml_brk(d, p, len))
        p++; /* blanks and a comment */
    p += ig_yaml_brk(d, p, len);
    M->stop = p;

    /* Each leading decoded line break is one source line that is empty at
     * this indentation; the next source line is the first with content, and
     * its decoded text lacks exactly the indentation. */
    uint32_t indent = UINT32_MAX, z = 0;
    while (z < M->n && M->dec[z] == '\n')
        z++;
    if (z < M->n) {
        uint32_t q = p;
        for (uint32_t i = 0; i < z && q < len; i++) {
            while (q < len && !ig_yaml_brk(d, q, len))
                q++;
            q += ig_yaml_brk(d, q, len);
        }
        uint32_t sp = 0, dl = 0;
        while (q + sp < len && d[q + sp] == ' ')
            sp++;
        while (z + dl < M->n && M->dec[z + dl] == ' ')
            dl++;
        if (sp < dl) {
            M->ok = 0;
            return;
        }
        indent = sp - dl;
    }

    uint32_t ls = p, lb = 0, tbs, tbe;
    int has_lb = 0, leading_blank = 0;
#define SKIP_BREAKS()                                                                              \
    do {                                                                                           \
        tbs = p;                                                                                   \
        for (;;) {                                                                                 \
            while (p - ls < indent && p < len && d[p] == ' ')                                      \
                p++;                                                                               \
            uint32_t bl_ = ig_yaml_brk(d, p, len);                                                 \
            if (!bl_) break;                                                                       \
            p += bl_;                                                                              \
            ls = p;                                                                                \
        }                                                                                          \
        tbe = p;                                                                                   \
    } while (0)
    SKIP_BREAKS();
    while (p < len && p - ls == indent && running(M)) {
        int trailing_blank = ig_yaml_is_blank(d[p]);
        int more = 0;
        for (uint32_t r = tbs; r < tbe && !more; r++)
            more = ig_yaml_brk(d, r, tbe) != 0;
        if (!literal && has_lb && d[lb] != 0xE2 && !leading_blank && !trailing_blank) {
            if (!more) put(M, ' ', lb);
        } else if (has_lb) {
            put_break(M, lb);
        }
        has_lb = 0;
        put_breaks_in(M, tbs, tbe);
        leading_blank = ig_yaml_is_blank(d[p]);
        while (p < len && !ig_yaml_brk(d, p, len)) {
            put(M, d[p], p);
            p++;
        }
        uint32_t bl = ig_yaml_brk(d, p, len);
        if (bl) {
            lb = p;
            has_lb = 1;
            p += bl;
            ls = p;
        }
        SKIP_BREAKS();
    }
#undef SKIP_BREAKS
    if (chomp != -1 && has_lb) put_break(M, lb);
    if (chomp == 1) put_breaks_in(M, tbs, tbe);
    if (M->ok) M->stop = p;
}

/* Where the replay cannot follow: every remaining byte maps to the start of
 * its source line, moving one line down per decoded line break. */
static void map_rest(mapper *M, uint32_t lo, uint32_t hi)
{
    const unsigned char *d = M->d;
    uint32_t ls = M->stop < lo ? lo : M->stop > hi ? hi : M->stop;
    while (ls > lo && d[ls - 1] != '\n' && d[ls - 1] != '\r')
        ls--;
    /* Never before a byte already mapped: offsets only grow. */
    uint32_t floor = M->k ? M->map[M->k - 1] : lo;
    for (; M->k < M->n; M->k++) {
        M->map[M->k] = ls < floor ? floor : ls;
        if (M->dec[M->k] == '\n') {
            uint32_t q = ls;
            while (q < hi && !ig_yaml_brk(d, q, hi))
                q++;
            ls = q + ig_yaml_brk(d, q, hi);
        }
    }
}

uint32_t *ig_yaml_string_map(const tsource *src, const tnode *str, arena *a)
{
    uint32_t *map = ig_arena_alloc(a, ((size_t)str->n + 1) * sizeof *map);
    if (!map) return NULL;
    mapper M;
    M.d = (const unsigned char *)src->data;
    M.len = src->len;
    M.dec = (const unsigned char *)str->u.s;
    M.n = str->n;
    M.k = 0;
    M.map = map;
    M.ok = 1;
    uint32_t s = str->start > M.len ? M.len : str->start;
    uint32_t e = str->end > M.len ? M.len : str->end;
    if (e < s) e = s;
    M.stop = s;
    uint32_t last = e;
    unsigned char c = s < e ? M.d[s] : 0;
    if (str->type != TN_STRING || (str->flags & (TNF_TAG | TNF_SYNTHETIC)) || s >= e) {
        /* Text with no source of its own (a tag's key, a computed value). */
        for (uint32_t i = 0; i < M.n; i++)
            map[i] = s;
        map[M.n] = e;
        return map;
    }
    if ((str->flags & TNF_BLOCK) && (c == '|' || c == '>')) {
        map_block(&M, s);
        if (M.k < M.n) map_rest(&M, s, M.len);
    } else if ((str->flags & TNF_QUOTED) && (c == '"' || c == '\'') && e - s >= 2) {
        map_flow(&M, s + 1, e - 1, c == '"' ? FLOW_DOUBLE : FLOW_SINGLE);
        last = e - 1; /* the closing quote, as ig_json_string_map */
        if (M.k < M.n) map_rest(&M, s, e);
    } else {
        map_flow(&M, s, e, FLOW_PLAIN);
        if (M.k < M.n) map_rest(&M, s, e);
    }
    /* Kept trailing lines of a |+ scalar lie past the node's end. */
    if (M.n && map[M.n - 1] > last) last = map[M.n - 1];
    map[M.n] = last;
    return map;
}
