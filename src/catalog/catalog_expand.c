/*
 * catalog/catalog_expand.c - the actions an action glob matches: id lists,
 * cached per pattern under the catalogue's lock, bitsets and public sets.
 */
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "iamguard/match.h"
#include "util/errors.h"

/* ---- expansion ---- */

size_t ig_catalog_words(const iamg_catalog *c)
{
    return ((size_t)c->nact + 63) / 64;
}

/* Lower case, runs of '*' cut to one (same matches, less work), into out
 * (strlen(pattern) + 1 bytes). */
static char *normalise_into(const char *pattern, char *out)
{
    char *o = out;
    for (const char *p = pattern; *p; p++) {
        if (*p == '*' && o > out && o[-1] == '*') continue;
        *o++ = (char)lc((unsigned char)*p);
    }
    *o = '\0';
    return out;
}

static char *normalise(const char *pattern)
{
    char *out = ig_malloc(strlen(pattern) + 1);
    return out ? normalise_into(pattern, out) : NULL;
}

static int push_id(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t id)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        uint32_t *nv = ig_realloc(*v, (size_t)nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = id;
    return 0;
}

/* The ids matching normalised pattern p, in a new array (NULL when none). */
static int compute(const iamg_catalog *c, const char *p, uint32_t **ids, uint32_t *n)
{
    uint32_t cap = 0;
    *ids = NULL;
    *n = 0;
    /* Every character that is not '*' consumes at least one byte of a name. */
    size_t need = 0;
    for (const char *q = p; *q; q++)
        need += *q != '*';
    if (need > c->maxname) return 0;
    size_t lit = strcspn(p, "*?");
    if (!p[lit]) {
        /* No wildcard: one action or none. */
        const iamg_catalog_action *a = iamg_catalog_action_find(c, p);
        if (a && push_id(ids, n, &cap, (uint32_t)(a - c->act))) return IAMG_ENOMEM;
        return 0;
    }
    /* "literal*", the commonest glob, needs no glob matching. */
    int prefix_only = p[lit] == '*' && p[lit + 1] == '\0';
    uint32_t a0 = 0, a1 = c->nact;
    const char *colon = memchr(p, ':', lit);
    if (colon) {
        const csvc *s = ig_catalog_find_service(c, p, (size_t)(colon - p));
        if (!s) return 0;
        a0 = s->a0;
        a1 = s->a1;
    }
    for (uint32_t i = a0; i < a1; i++) {
        if (prefix_only ? !ieqn(c->act[i].full, p, lit) : !iamg_action_match(p, c->act[i].full))
            continue;
        if (push_id(ids, n, &cap, i)) {
            ig_free(*ids);
            *ids = NULL;
            return IAMG_ENOMEM;
        }
    }
    return 0;
}

static xentry *xc_find(const iamg_catalog *c, const char *p, uint32_t h)
{
    if (!c->xc) return NULL;
    for (uint32_t i = h & c->xmask; c->xc[i]; i = (i + 1) & c->xmask)
        if (c->xc[i]->hash == h && strcmp(c->xc[i]->pattern, p) == 0) return c->xc[i];
    return NULL;
}

/* Insert e (the caller holds the lock). Returns 0, or -1 when the cache is
 * full or out of memory (e is then not kept). */
static int xc_insert(iamg_catalog *c, xentry *e)
{
    if (c->xn >= XCACHE_MAX_ENTRIES || c->xids + e->n > XCACHE_MAX_IDS) return -1;
    if (!c->xc || (c->xn + 1) * 2 > c->xmask + 1) {
        uint32_t cap = c->xc ? (c->xmask + 1) * 2 : 256;
        xentry **nv = ig_calloc(cap, sizeof *nv);
        if (!nv) return -1;
        for (uint32_t i = 0; c->xc && i <= c->xmask; i++) {
            if (!c->xc[i]) continue;
            uint32_t j = c->xc[i]->hash & (cap - 1);
            while (nv[j])
                j = (j + 1) & (cap - 1);
            nv[j] = c->xc[i];
        }
        ig_free(c->xc);
        c->xc = nv;
        c->xmask = cap - 1;
    }
    uint32_t i = e->hash & c->xmask;
    while (c->xc[i])
        i = (i + 1) & c->xmask;
    c->xc[i] = e;
    c->xn++;
    c->xids += e->n;
    return 0;
}

int ig_catalog_expand_ids(const iamg_catalog *cc, const char *pattern, ig_idlist *out)
{
    /* The cache is the one mutable part of the catalogue, behind its lock. */
    iamg_catalog *c = (iamg_catalog *)cc;
    memset(out, 0, sizeof *out);
    if (pattern[0] == '*' && strspn(pattern, "*") == strlen(pattern)) {
        out->ids = c->all;
        out->n = c->nact;
        return 0;
    }
    if (!strpbrk(pattern, "*?")) {
        /* A plain name, the commonest item: one hash look-up, no cache. */
        const iamg_catalog_action *a = iamg_catalog_action_find(c, pattern);
        if (a) {
            out->ids = &c->all[a - c->act];
            out->n = 1;
        }
        return 0;
    }
    /* Most patterns are short: look them up without allocating. */
    char small[XCACHE_MAX_PATTERN + 1];
    size_t plen = strlen(pattern);
    char *p = plen <= XCACHE_MAX_PATTERN ? normalise_into(pattern, small) : normalise(pattern);
    if (!p) return IAMG_ENOMEM;
    /* Longer patterns are hardly ever asked twice: not worth their memory. */
    int cacheable = plen <= XCACHE_MAX_PATTERN;
    uint32_t h = hash_lower(p, strlen(p));
    pthread_mutex_lock(&c->mu);
    const xentry *hit = xc_find(c, p, h);
    pthread_mutex_unlock(&c->mu);
    if (hit) {
        if (p != small) ig_free(p);
        out->ids = hit->ids;
        out->n = hit->n;
        return 0;
    }
    uint32_t *ids, n;
    int rc = compute(c, p, &ids, &n);
    if (rc) {
        if (p != small) ig_free(p);
        return rc;
    }
    xentry *e = cacheable ? ig_malloc(sizeof *e) : NULL;
    if (e && p == small) {
        p = ig_strdup(small);
        if (!p) {
            ig_free(e);
            e = NULL;
            p = small;
        }
    }
    if (e) {
        e->pattern = p;
        e->hash = h;
        e->n = n;
        e->ids = ids;
        pthread_mutex_lock(&c->mu);
        /* Another thread may have computed it meanwhile: keep the first. */
        const xentry *other = xc_find(c, p, h);
        int kept = !other && xc_insert(c, e) == 0;
        if (other) {
            out->ids = other->ids;
            out->n = other->n;
        }
        pthread_mutex_unlock(&c->mu);
        if (kept) {
            out->ids = ids;
            out->n = n;
            return 0;
        }
        ig_free(e);
        if (other) {
            if (p != small) ig_free(p);
            ig_free(ids);
            return 0;
        }
    }
    if (p != small) ig_free(p);
    /* Not cached: the list is the caller's. */
    out->ids = ids;
    out->n = n;
    out->owned = ids;
    return 0;
}

/* White space that makes a name match nothing: ASCII blanks, and the
 * no-break, zero-width and narrow no-break spaces and the byte order mark. */
static int has_space(const char *s)
{
    static const char *const wide[] = {"\xc2\xa0", "\xe2\x80\x8b", "\xe2\x80\xaf", "\xef\xbb\xbf"};
    if (strpbrk(s, " \t\r\n\v\f")) return 1;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (strstr(s, wide[i])) return 1;
    return 0;
}

ig_pattern_problem ig_catalog_check_pattern(const iamg_catalog *c, const char *pattern, int *oom)
{
    ig_idlist l;
    *oom = 0;
    if (ig_catalog_expand_ids(c, pattern, &l)) {
        *oom = 1;
        return IG_PATTERN_OK;
    }
    uint32_t n = l.n;
    ig_idlist_release(&l);
    if (n) return IG_PATTERN_OK;
    if (has_space(pattern)) return IG_PATTERN_SPACE;
    const char *colon = strchr(pattern, ':');
    if (!colon) return IG_PATTERN_FORMAT;
    size_t sn = (size_t)(colon - pattern);
    if (!memchr(pattern, '*', sn) && !memchr(pattern, '?', sn) &&
        !ig_catalog_find_service(c, pattern, sn))
        return IG_PATTERN_SERVICE;
    return IG_PATTERN_UNKNOWN;
}

void ig_idlist_release(ig_idlist *l)
{
    ig_free(l->owned);
    memset(l, 0, sizeof *l);
}

#define SETBIT(bits, id) ((bits)[(id) / 64] |= UINT64_C(1) << ((id) % 64))
#define GETBIT(bits, id) ((bits)[(id) / 64] >> ((id) % 64) & 1)

int ig_catalog_granted_bits(const iamg_catalog *c, const char *const *patterns, size_t n,
                            int negated, uint64_t *bits)
{
    size_t words = ig_catalog_words(c);
    memset(bits, 0, words * sizeof *bits);
    for (size_t i = 0; i < n; i++) {
        ig_idlist l;
        int rc = ig_catalog_expand_ids(c, patterns[i], &l);
        if (rc) return rc;
        for (uint32_t k = 0; k < l.n; k++)
            SETBIT(bits, l.ids[k]);
        ig_idlist_release(&l);
    }
    if (negated) {
        for (size_t w = 0; w < words; w++)
            bits[w] = ~bits[w];
        if (c->nact % 64) bits[words - 1] &= (UINT64_C(1) << (c->nact % 64)) - 1;
    }
    return 0;
}

int ig_catalog_intersects(const iamg_catalog *c, const char *pattern, const uint64_t *bits)
{
    ig_idlist l;
    int rc = ig_catalog_expand_ids(c, pattern, &l);
    if (rc) return rc;
    int yes = 0;
    for (uint32_t k = 0; k < l.n && !yes; k++)
        yes = (int)GETBIT(bits, l.ids[k]);
    ig_idlist_release(&l);
    return yes;
}

/* ---- public sets ---- */

static int set_from_bits(const iamg_catalog *c, const uint64_t *bits, iamg_catalog_set **out)
{
    iamg_catalog_set *s = ig_calloc(1, sizeof *s);
    size_t n = 0;
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        (void)id;
        n++;
    }
    if (s) s->ids = ig_malloc((n ? n : 1) * sizeof *s->ids);
    if (!s || !s->ids) {
        iamg_catalog_set_free(s);
        return IAMG_ENOMEM;
    }
    s->cat = c;
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        s->ids[s->n++] = id;
    }
    *out = s;
    return 0;
}

int iamg_catalog_expand(const iamg_catalog *c, const char *pattern, iamg_catalog_set **out)
{
    *out = NULL;
    return iamg_catalog_granted(c, &pattern, 1, 0, out);
}

int iamg_catalog_granted(const iamg_catalog *c, const char *const *patterns, size_t n,
                         int not_action, iamg_catalog_set **out)
{
    *out = NULL;
    uint64_t *bits = ig_malloc(ig_catalog_words(c) * sizeof *bits);
    if (!bits) return IAMG_ENOMEM;
    int rc = ig_catalog_granted_bits(c, patterns, n, not_action, bits);
    if (!rc) rc = set_from_bits(c, bits, out);
    ig_free(bits);
    return rc;
}

int iamg_catalog_grants(const iamg_catalog *c, const char *const *patterns, size_t n,
                        int not_action, const char *query, size_t *which)
{
    if (which) *which = (size_t)-1;
    ig_idlist q = {0};
    int rc = has_wild(query) ? ig_catalog_expand_ids(c, query, &q) : 0;
    if (rc) return rc;
    int yes = 0;
    if (q.n == 0) {
        /* A plain action, or a glob the catalogue cannot expand: as text. */
        size_t i = 0;
        while (i < n && !iamg_action_match(patterns[i], query))
            i++;
        yes = not_action ? i == n : i < n;
        if (yes && !not_action && which) *which = i;
    } else if (!not_action) {
        uint64_t *qbits = ig_calloc(ig_catalog_words(c), sizeof *qbits);
        if (!qbits) rc = IAMG_ENOMEM;
        for (uint32_t k = 0; qbits && k < q.n; k++)
            SETBIT(qbits, q.ids[k]);
        for (size_t i = 0; qbits && i < n && !yes; i++) {
            int r = ig_catalog_intersects(c, patterns[i], qbits);
            if (r < 0) rc = r;
            if (r > 0) {
                yes = 1;
                if (which) *which = i;
            }
        }
        ig_free(qbits);
    } else {
        uint64_t *granted = ig_malloc(ig_catalog_words(c) * sizeof *granted);
        rc = granted ? ig_catalog_granted_bits(c, patterns, n, 1, granted) : IAMG_ENOMEM;
        for (uint32_t k = 0; !rc && k < q.n && !yes; k++)
            yes = (int)GETBIT(granted, q.ids[k]);
        ig_free(granted);
    }
    ig_idlist_release(&q);
    return rc ? rc : yes;
}

int iamg_catalog_grants_access_level(const iamg_catalog *c, const char *const *patterns, size_t n,
                                     int not_action, iamg_access_level level)
{
    uint64_t *bits = ig_malloc(ig_catalog_words(c) * sizeof *bits);
    if (!bits) return IAMG_ENOMEM;
    int rc = ig_catalog_granted_bits(c, patterns, n, not_action, bits);
    int yes = !rc && ig_catalog_first_with_level(c, bits, level) != NONE;
    ig_free(bits);
    return rc ? rc : yes;
}

size_t iamg_catalog_set_count(const iamg_catalog_set *s)
{
    return s ? s->n : 0;
}

const iamg_catalog_action *iamg_catalog_set_get(const iamg_catalog_set *s, size_t i)
{
    const iamg_catalog *c = s ? s->cat : NULL;
    return s && i < s->n ? &c->act[s->ids[i]] : NULL;
}

void iamg_catalog_set_free(iamg_catalog_set *s)
{
    if (!s) return;
    ig_free(s->ids);
    ig_free(s);
}
