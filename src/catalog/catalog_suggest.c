/*
 * catalog/catalog_suggest.c - "did you mean": the catalogue action or
 * service a few edits from a name that matches none.
 */
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* ---- did you mean ---- */

/*
 * Optimal string alignment distance (edits and adjacent swaps), ASCII case
 * ignored, or max + 1 once it exceeds max. Both strings are at most
 * SUGGEST_MAX bytes.
 */
static unsigned distance(const char *a, size_t na, const char *b, size_t nb, unsigned max)
{
    unsigned rows[3][SUGGEST_MAX + 1];
    unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
    if (na > SUGGEST_MAX || nb > SUGGEST_MAX) return max + 1;
    if ((na > nb ? na - nb : nb - na) > max) return max + 1;
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned best = cur[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned cost = lc((unsigned char)a[i - 1]) != lc((unsigned char)b[j - 1]);
            unsigned v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lc((unsigned char)a[i - 1]) == lc((unsigned char)b[j - 2]) &&
                lc((unsigned char)a[i - 2]) == lc((unsigned char)b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < best) best = v;
        }
        if (best > max) return max + 1;
        unsigned *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

/* Edits allowed for a name of n bytes to count as a near miss. */
static unsigned near(size_t n)
{
    return n <= 4 ? 1 : n <= 12 ? 2 : 3;
}

/* The action of service s closest to name (nn bytes), or NONE. */
static uint32_t nearest_action(const iamg_catalog *c, const csvc *s, const char *name, size_t nn)
{
    unsigned max = near(nn), best = max + 1;
    uint32_t found = NONE;
    for (uint32_t i = s->a0; i < s->a1; i++) {
        const char *an = c->act[i].name;
        unsigned d = distance(name, nn, an, strlen(an), best - 1 < max ? best - 1 : max);
        if (d < best) {
            best = d;
            found = i;
            if (d == 0) break;
        }
    }
    return found;
}

int ig_catalog_suggest(const iamg_catalog *c, const char *text, int service_only, char *out,
                       size_t cap)
{
    size_t n = strlen(text);
    if (n > SUGGEST_MAX || cap == 0) return 0;
    out[0] = '\0';
    size_t sn = service_part(text);
    const char *name = sn < n ? text + sn + 1 : NULL;
    size_t nn = name ? n - sn - 1 : 0;
    const csvc *s = ig_catalog_find_service(c, text, sn);
    if (!s) {
        unsigned max = sn <= 3 ? 1 : 2, best = max + 1;
        for (uint32_t i = 0; i < c->nsvc && best > 0; i++) {
            const char *p = c->svc[i].prefix;
            unsigned d = distance(text, sn, p, strlen(p), best - 1);
            if (d < best) {
                best = d;
                s = &c->svc[i];
            }
        }
        if (!s) return 0;
        uint32_t id =
            name && !service_only && !has_wild(name) ? nearest_action(c, s, name, nn) : NONE;
        const char *best_name = id != NONE ? c->act[id].full : s->prefix;
        size_t l = strlen(best_name);
        if (l >= cap) return 0;
        memcpy(out, best_name, l + 1);
        return 1;
    }
    if (service_only) return 0;
    if (!name || has_wild(name)) return 0;
    uint32_t id = nearest_action(c, s, name, nn);
    if (id == NONE) return 0;
    const char *full = c->act[id].full;
    if (ieq(full, text)) return 0;
    size_t l = strlen(full);
    if (l >= cap) return 0;
    memcpy(out, full, l + 1);
    return 1;
}
