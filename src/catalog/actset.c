/*
 * catalog/actset.c - sets of catalogue actions (actset.h).
 */
#include "catalog/actset.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "iamguard/error.h"
#include "iamguard/match.h"
#include "util/alloc.h"

/* One action: its catalogue name and the length of its service prefix. */
typedef struct entry {
    const char *name;
    uint32_t id;
    uint32_t svc_len;
} entry;

/* An action in name order (case-insensitive), with its rank in the list. */
typedef struct sorted_entry {
    const char *name;
    uint32_t rank;
    uint32_t pad;
} sorted_entry;

/* After the header: `words` membership words, the n entries in list
 * order, the nsvc services (the first entry of each), the n entries in
 * name order. */
static uint64_t *bits_of(ig_actset *s)
{
    return (uint64_t *)(s + 1);
}

static const entry *entries(const ig_actset *s)
{
    return (const entry *)((const uint64_t *)(s + 1) + s->words);
}

static const entry *services(const ig_actset *s)
{
    return entries(s) + s->n;
}

static const sorted_entry *sorted(const ig_actset *s)
{
    return (const sorted_entry *)(services(s) + s->nsvc);
}

static int sorted_cmp(const void *a, const void *b)
{
    const sorted_entry *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

#define BIT(bits, id) ((bits)[(id) / 64] >> ((id) % 64) & 1)

int ig_actset_build(const iamg_catalog *c, const char *const *names, size_t n, ig_actset **out,
                    size_t *size, size_t *bad)
{
    *out = NULL;
    *size = 0;
    size_t words = ig_catalog_words(c);
    uint32_t nact = ig_catalog_naction(c);
    uint64_t *seen = ig_calloc(words ? words : 1, sizeof *seen);
    uint32_t *order = ig_malloc((nact ? nact : 1) * sizeof *order);
    entry *tmp = NULL;
    int rc = 0;
    if (!seen || !order) {
        rc = IAMG_ENOMEM;
        goto done;
    }
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++) {
        ig_idlist l;
        if ((rc = ig_catalog_expand_ids(c, names[i], &l))) goto done;
        uint32_t got = l.n;
        for (uint32_t k = 0; k < l.n; k++) {
            uint32_t id = l.ids[k];
            if (!BIT(seen, id)) {
                seen[id / 64] |= UINT64_C(1) << (id % 64);
                order[count++] = id;
            }
        }
        ig_idlist_release(&l);
        if (got == 0) {
            *bad = i;
            rc = IAMG_EINVALID;
            goto done;
        }
    }
    tmp = ig_malloc(2 * (size_t)(count ? count : 1) * sizeof *tmp);
    if (!tmp) {
        rc = IAMG_ENOMEM;
        goto done;
    }
    entry *svcs = tmp + count;
    uint32_t nsvc = 0;
    for (uint32_t r = 0; r < count; r++) {
        const char *full = iamg_catalog_action_full_name(ig_catalog_action_by_id(c, order[r]));
        const char *colon = strchr(full, ':');
        entry e = {full, order[r], colon ? (uint32_t)(colon - full) : (uint32_t)strlen(full)};
        tmp[r] = e;
        uint32_t k = 0;
        while (k < nsvc &&
               !(svcs[k].svc_len == e.svc_len && strncmp(svcs[k].name, full, e.svc_len) == 0))
            k++;
        if (k == nsvc) svcs[nsvc++] = e;
    }
    size_t total = sizeof(ig_actset) + words * sizeof(uint64_t) +
                   ((size_t)count + nsvc) * sizeof(entry) + (size_t)count * sizeof(sorted_entry);
    ig_actset *s = ig_malloc(total);
    if (!s) {
        rc = IAMG_ENOMEM;
        goto done;
    }
    s->n = count;
    s->words = (uint32_t)words;
    s->nsvc = nsvc;
    s->pad = 0;
    memcpy(bits_of(s), seen, words * sizeof *seen);
    memcpy((entry *)entries(s), tmp, count * sizeof *tmp);
    memcpy((entry *)services(s), svcs, nsvc * sizeof *svcs);
    sorted_entry *so = (sorted_entry *)sorted(s);
    for (uint32_t r = 0; r < count; r++) {
        so[r].name = tmp[r].name;
        so[r].rank = r;
        so[r].pad = 0;
    }
    qsort(so, count, sizeof *so, sorted_cmp);
    *out = s;
    *size = total;
done:
    ig_free(seen);
    ig_free(order);
    ig_free(tmp);
    return rc;
}

int ig_actset_has_service(const ig_actset *s, const char *svc, size_t len)
{
    const entry *v = services(s);
    for (uint32_t k = 0; k < s->nsvc; k++)
        if (v[k].svc_len == len && strncasecmp(v[k].name, svc, len) == 0) return 1;
    return 0;
}

/* The service prefix of an Action item when it is plain text: its length
 * ("svc:..." with no wildcard in svc), or 0 when the item may name any
 * service ("*", "s3*", "*:Get*") or is not an action. */
static size_t literal_service(const char *pat)
{
    const char *colon = strchr(pat, ':');
    if (!colon) return 0;
    size_t n = (size_t)(colon - pat);
    return memchr(pat, '*', n) || memchr(pat, '?', n) ? 0 : n;
}

/* Does item pat (literal service of svc bytes, or 0) match entry e? */
static int item_matches(const char *pat, size_t svc, const entry *e)
{
    if (svc && (e->svc_len != svc || strncasecmp(e->name, pat, svc) != 0)) return 0;
    return iamg_action_match(pat, e->name);
}

uint32_t ig_actset_first(const ig_actset *s, const char *const *pats, size_t n, int negated,
                         size_t *which)
{
    const entry *v = entries(s);
    *which = (size_t)-1;
    if (!pats) return UINT32_MAX;
    if (negated) {
        /* NotAction grants what none of its items names. */
        for (uint32_t r = 0; r < s->n; r++) {
            int excluded = 0;
            for (size_t i = 0; i < n && !excluded; i++)
                excluded = item_matches(pats[i], literal_service(pats[i]), &v[r]);
            if (!excluded) return r;
        }
        return UINT32_MAX;
    }
    uint32_t best = s->n;
    const sorted_entry *so = sorted(s);
    for (size_t i = 0; i < n && best != 0; i++) {
        const char *pat = pats[i];
        size_t svc = literal_service(pat);
        if (svc && !ig_actset_has_service(s, pat, svc)) continue;
        /* Only names starting with the item's text before its first
         * wildcard can match it: a range of the names in order. */
        size_t lit = strcspn(pat, "*?");
        int plain = pat[lit] == '\0';
        uint32_t lo = 0, hi = s->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (strncasecmp(so[mid].name, pat, lit) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (uint32_t k = lo; k < s->n && strncasecmp(so[k].name, pat, lit) == 0; k++) {
            if (so[k].rank >= best) continue;
            if (plain ? strcasecmp(so[k].name, pat) == 0 : iamg_action_match(pat, so[k].name)) {
                best = so[k].rank;
                *which = i;
            }
        }
    }
    return best == s->n ? UINT32_MAX : best;
}

const char *ig_actset_name(const ig_actset *s, uint32_t r)
{
    return entries(s)[r].name;
}

uint32_t ig_actset_id(const ig_actset *s, uint32_t r)
{
    return entries(s)[r].id;
}
