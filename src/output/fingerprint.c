#include "output/fingerprint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* When set, each line's hash goes here (lines in order) instead of
     * into `hash`. */
    void (*sink)(struct hasher *H, uint32_t line, uint64_t hash);
    void *ud;
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
        if (H->sink)
            H->sink(H, H->pending[i], H->h);
        else
            H->hash[H->pending[i] - 1] = H->h;
        H->pending[i] = 0;
    }
    if (H->line_start) {
        H->line_start = 0;
        if (!H->sink && H->line == H->cap && grow(H)) return -1;
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

static void hasher_init(hasher *H)
{
    memset(H, 0, sizeof *H);
    H->line_start = 1;
    H->first_mod = 1;
    for (int i = 0; i < BLOCK; i++)
        H->first_mod *= 37;
}

/* Feed the whole text, then flush: zeros until every pending line has its
 * hash (0 never starts a line, so the flush allocates nothing). */
static int hash_text(hasher *H, const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    if (feed(H, p, p + len) || put(H, EOF_UNIT)) return -1;
    for (int i = 0; i < BLOCK; i++)
        if (put(H, 0)) return -1;
    return 0;
}

int ig_fingerprint_lines(const char *data, size_t len, line_hashes *out)
{
    memset(out, 0, sizeof *out);
    hasher H;
    hasher_init(&H);
    /* A guess from typical policy files (~40 bytes a line) saves most regrowth. */
    size_t guess = len / 32 + 16;
    H.cap = guess > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)guess;
    H.hash = ig_malloc((size_t)H.cap * sizeof *H.hash);
    if (!H.hash) return -1;
    if (hash_text(&H, data, len)) goto fail;

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

/* ---- some lines only ---- */

typedef struct some {
    line_hashes *out; /* lines[], hash[], occurrence[] for the wanted lines */
    size_t next;      /* the next wanted line not yet met */
    uint64_t last;    /* the hash of the last line met */
    /* Second pass: the wanted hashes, and how many lines so far had each. */
    uint64_t *keys;
    uint32_t *counts;
    uint8_t *used;
    size_t mask;
} some;

static size_t key_start(const some *S, uint64_t hash)
{
    return (size_t)((hash * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & S->mask;
}

/* First pass: keep the hashes of the wanted lines. */
static void take_hash(hasher *H, uint32_t line, uint64_t hash)
{
    some *S = H->ud;
    line_hashes *o = S->out;
    S->last = hash;
    if (S->next < o->nwanted && o->lines[S->next] == line) o->hash[S->next++] = hash;
}

/* Second pass: count the lines with a wanted hash; a wanted line's count
 * is its occurrence. */
static void count_hash(hasher *H, uint32_t line, uint64_t hash)
{
    some *S = H->ud;
    line_hashes *o = S->out;
    for (size_t j = key_start(S, hash); S->used[j]; j = (j + 1) & S->mask) {
        if (S->keys[j] != hash) continue;
        S->counts[j]++;
        if (S->next < o->nwanted && o->lines[S->next] == line)
            o->occurrence[S->next++] = S->counts[j];
        return;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int ig_fingerprint_some_lines(const char *data, size_t len, const uint32_t *lines, size_t n,
                              line_hashes *out)
{
    memset(out, 0, sizeof *out);
    some S;
    memset(&S, 0, sizeof S);
    S.out = out;
    out->lines = ig_malloc((n + 1) * sizeof *out->lines);
    out->hash = ig_calloc(n + 1, sizeof *out->hash);
    out->occurrence = ig_calloc(n + 1, sizeof *out->occurrence);
    if (!out->lines || !out->hash || !out->occurrence) goto fail;
    /* Sorted and unique; line 0 is line 1, as in ig_fingerprint_format. */
    for (size_t i = 0; i < n; i++)
        out->lines[i] = lines[i] ? lines[i] : 1;
    qsort(out->lines, n, sizeof *out->lines, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || out->lines[u - 1] != out->lines[i]) out->lines[u++] = out->lines[i];
    out->nwanted = u;

    hasher H;
    hasher_init(&H);
    H.sink = take_hash;
    H.ud = &S;
    if (hash_text(&H, data, len)) goto fail;
    out->nlines = H.line;
    /* Lines past the end are the last line. */
    while (u && out->lines[u - 1] > H.line)
        u--;
    if (u < out->nwanted && !(u && out->lines[u - 1] == H.line)) {
        out->lines[u] = H.line;
        out->hash[u++] = S.last;
    }
    out->nwanted = u;

    size_t cap = 16;
    while (cap < u * 2)
        cap *= 2;
    S.keys = ig_malloc(cap * sizeof *S.keys);
    S.counts = ig_calloc(cap, sizeof *S.counts);
    S.used = ig_calloc(cap, 1);
    if (!S.keys || !S.counts || !S.used) goto fail;
    S.mask = cap - 1;
    for (size_t i = 0; i < u; i++) {
        size_t j = key_start(&S, out->hash[i]);
        while (S.used[j] && S.keys[j] != out->hash[i])
            j = (j + 1) & S.mask;
        S.used[j] = 1;
        S.keys[j] = out->hash[i];
    }
    hasher_init(&H);
    H.sink = count_hash;
    H.ud = &S;
    S.next = 0;
    if (hash_text(&H, data, len)) goto fail;
    ig_free(S.keys);
    ig_free(S.counts);
    ig_free(S.used);
    return 0;
fail:
    ig_free(S.keys);
    ig_free(S.counts);
    ig_free(S.used);
    ig_fingerprint_free(out);
    return -1;
}

void ig_fingerprint_free(line_hashes *h)
{
    if (!h) return;
    ig_free(h->hash);
    ig_free(h->occurrence);
    ig_free(h->lines);
    memset(h, 0, sizeof *h);
}

void ig_fingerprint_format(const line_hashes *h, uint32_t line, char out[32])
{
    out[0] = '\0';
    if (!h || h->nlines == 0) return;
    if (line == 0) line = 1;
    if (line > h->nlines) line = h->nlines;
    size_t i = line - 1;
    if (h->lines) {
        /* Some lines only: `line` must be one of them. */
        size_t lo = 0, hi = h->nwanted;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (h->lines[mid] < line)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == h->nwanted || h->lines[lo] != line) return;
        i = lo;
    }
    snprintf(out, 32, "%" PRIx64 ":%" PRIu32, h->hash[i], h->occurrence[i]);
}
