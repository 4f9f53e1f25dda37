#include "output/fingerprint.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

/*
 * A transcription of hash() in github/codeql-action src/fingerprints.ts.
 * Every detail below is observable in the resulting values, so none of it is
 * "cleaned up":
 *
 * - The file is read the way the action reads it: fs.createReadStream(path,
 *   "utf8"), then charCodeAt over the string. Node's UTF-8 decoder replaces
 *   ill-formed input following the WHATWG rule (one U+FFFD per maximal
 *   subpart: a truncated but so far valid sequence is one U+FFFD, any other
 *   bad byte is one U+FFFD each).
 * - A leading UTF-8 BOM is kept: unlike TextDecoder, a read stream does not
 *   strip it, so U+FEFF is the first unit of line 1 and changes its hash.
 * - Skipping a space or tab clears the "previous was CR" flag, so "\r \n" is
 *   two line ends while "\r\n" is one.
 */

#define BLOCK 100
#define EOF_UNIT 65535u

typedef struct hasher {
    uint64_t h;
    uint64_t first_mod; /* 37^BLOCK, wrapped */
    unsigned idx;
    int line_start;
    int prev_cr;
    uint32_t line; /* lines started so far */
    uint32_t cap;  /* entries allocated in hash */
    uint64_t *hash;
    uint16_t window[BLOCK];  /* the last BLOCK kept units */
    uint32_t pending[BLOCK]; /* line starting at this slot, 0 when none */
} hasher;

static int grow(hasher *H)
{
    if (H->cap == UINT32_MAX) return -1;
    uint32_t cap = H->cap > UINT32_MAX / 2 ? UINT32_MAX : H->cap * 2;
    uint64_t *p = ig_realloc(H->hash, (size_t)cap * sizeof *p);
    if (!p) return -1;
    H->hash = p;
    H->cap = cap;
    return 0;
}

/* processCharacter() of fingerprints.ts. -1 when out of memory. */
static inline int put(hasher *H, unsigned c)
{
    if (c == ' ' || c == '\t' || (H->prev_cr && c == '\n')) {
        H->prev_cr = 0;
        return 0;
    }
    if (c == '\r') {
        c = '\n';
        H->prev_cr = 1;
    } else {
        H->prev_cr = 0;
    }
    unsigned i = H->idx;
    if (H->pending[i]) {
        H->hash[H->pending[i] - 1] = H->h;
        H->pending[i] = 0;
    }
    if (H->line_start) {
        H->line_start = 0;
        if (H->line == H->cap && grow(H)) return -1;
        H->pending[i] = ++H->line;
    }
    if (c == '\n') H->line_start = 1;
    H->h = 37 * H->h + c - H->first_mod * H->window[i];
    H->window[i] = (uint16_t)c;
    H->idx = i + 1 == BLOCK ? 0 : i + 1;
    return 0;
}

static inline int put_cp(hasher *H, uint32_t cp)
{
    if (cp < 0x10000) return put(H, cp);
    cp -= 0x10000;
    if (put(H, 0xD800 + (cp >> 10))) return -1;
    return put(H, 0xDC00 + (cp & 0x3FF));
}

/*
 * Decode UTF-8 as the WHATWG decoder does and feed UTF-16 units. On a bad
 * continuation byte the sequence so far becomes one U+FFFD and the byte is
 * looked at again as a possible lead byte.
 */
static int feed(hasher *H, const unsigned char *p, const unsigned char *end)
{
    while (p < end) {
        unsigned b = *p;
        if (b < 0x80) {
            if (put(H, b)) return -1;
            p++;
            continue;
        }
        unsigned need;
        uint32_t cp;
        unsigned lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            need = 1;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
            need = 2;
            cp = b & 0x0F;
            if (b == 0xE0) lo = 0xA0;
            if (b == 0xED) hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3;
            cp = b & 0x07;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;
        } else {
            if (put(H, 0xFFFD)) return -1;
            p++;
            continue;
        }
        p++;
        unsigned k = 0;
        while (k < need && p < end && *p >= lo && *p <= hi) {
            cp = (cp << 6) | (*p & 0x3Fu);
            lo = 0x80;
            hi = 0xBF;
            p++;
            k++;
        }
        if (put_cp(H, k == need ? cp : 0xFFFD)) return -1;
    }
    return 0;
}

/* occurrence[i] = how many of lines 1..i+1 share hash[i]. Hashes are keys in
 * an open-addressed table of line indices, each slot holding the latest line
 * seen with its hash. */
static int count_occurrences(const uint64_t *hash, uint32_t n, uint32_t *occ)
{
    unsigned bits = 1;
    while (bits < 63 && ((uint64_t)1 << bits) < (uint64_t)n * 2)
        bits++;
    size_t cap = (size_t)1 << bits, mask = cap - 1;
    uint32_t *slot = ig_calloc(cap, sizeof *slot); /* line index + 1; 0 = empty */
    if (!slot) return -1;
    for (uint32_t i = 0; i < n; i++) {
        size_t j = (size_t)((hash[i] * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
        while (slot[j] && hash[slot[j] - 1] != hash[i])
            j = (j + 1) & mask;
        occ[i] = slot[j] ? occ[slot[j] - 1] + 1 : 1;
        slot[j] = i + 1;
    }
    ig_free(slot);
    return 0;
}

int ig_fingerprint_lines(const char *data, size_t len, line_hashes *out)
{
    memset(out, 0, sizeof *out);
    hasher H;
    memset(&H, 0, sizeof H);
    H.line_start = 1;
    H.first_mod = 1;
    for (int i = 0; i < BLOCK; i++)
        H.first_mod *= 37;
    /* A guess from typical policy files (~40 bytes a line) saves most regrowth. */
    size_t guess = len / 32 + 16;
    H.cap = guess > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)guess;
    H.hash = ig_malloc((size_t)H.cap * sizeof *H.hash);
    if (!H.hash) return -1;

    const unsigned char *p = (const unsigned char *)data;
    if (feed(&H, p, p + len) || put(&H, EOF_UNIT)) goto fail;
    /* Flush: zeros until every pending line has its hash. */
    for (int i = 0; i < BLOCK; i++)
        if (put(&H, 0)) goto fail; /* 0 never starts a line: no allocation */

    uint32_t *occ = ig_malloc((size_t)H.line * sizeof *occ);
    if (!occ) goto fail;
    if (count_occurrences(H.hash, H.line, occ)) {
        ig_free(occ);
        goto fail;
    }
    out->hash = H.hash;
    out->occurrence = occ;
    out->nlines = H.line;
    return 0;
fail:
    ig_free(H.hash);
    return -1;
}

void ig_fingerprint_free(line_hashes *h)
{
    if (!h) return;
    ig_free(h->hash);
    ig_free(h->occurrence);
    memset(h, 0, sizeof *h);
}

void ig_fingerprint_format(const line_hashes *h, uint32_t line, char out[32])
{
    out[0] = '\0';
    if (!h || h->nlines == 0) return;
    if (line == 0) line = 1;
    if (line > h->nlines) line = h->nlines;
    snprintf(out, 32, "%" PRIx64 ":%" PRIu32, h->hash[line - 1], h->occurrence[line - 1]);
}
