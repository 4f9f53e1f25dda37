/*
 * load/yaml_anchors.c - YAML anchors (a hash table local to each document) and
 * merge keys (<<).
 */
#include "load/yaml_int.h"

#include <string.h>

#include "util/alloc.h"
#include "util/hash.h"
#include "util/array.h"

/* ---- anchors -------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    return ig_fnv32(IG_FNV32_INIT, s, n);
}

long ig_yaml_anchor_find(const loader *L, const char *name, size_t len)
{
    if (!L->ahcap) return -1;
    size_t mask = L->ahcap - 1;
    for (size_t i = hash_bytes(name, len) & mask;; i = (i + 1) & mask) {
        uint32_t v = L->ahash[i];
        if (!v) return -1;
        const anchor_ent *e = &L->anchors[v - 1];
        if (e->len == len && memcmp(e->name, name, len) == 0) return (long)(v - 1);
    }
}

static int anchor_rehash(loader *L, size_t cap)
{
    uint32_t *h = ig_calloc(cap, sizeof *h);
    if (!h) return -1;
    for (size_t k = 0; k < L->nanchors; k++) {
        size_t i = hash_bytes(L->anchors[k].name, L->anchors[k].len) & (cap - 1);
        while (h[i])
            i = (i + 1) & (cap - 1);
        h[i] = (uint32_t)(k + 1);
    }
    ig_free(L->ahash);
    L->ahash = h;
    L->ahcap = cap;
    return 0;
}

/* The entry for anchor `name`, created if new. A redefinition replaces the
 * old one for later aliases, as YAML says. */
long ig_yaml_anchor_define(loader *L, const char *name, uint32_t off)
{
    size_t len = strlen(name);
    long i = ig_yaml_anchor_find(L, name, len);
    if (i >= 0) {
        L->anchors[i].done = 0;
        return i;
    }
    if (L->nanchors >= UINT32_MAX - 1) {
        ig_yaml_fail_at(L, off, IAMG_ELIMIT, "more than %u YAML anchors", UINT32_MAX - 1);
        return -1;
    }
    if (IG_ARRAY_GROW(L->anchors, L->nanchors, L->capanchors, 16)) {
        ig_yaml_oom(L, off);
        return -1;
    }
    anchor_ent *e = &L->anchors[L->nanchors];
    memset(e, 0, sizeof *e);
    e->name = ig_arena_strndup(L->a, name, len);
    if (!e->name) {
        ig_yaml_oom(L, off);
        return -1;
    }
    e->len = len;
    L->nanchors++;
    if (L->nanchors * 2 > L->ahcap) {
        if (anchor_rehash(L, L->ahcap ? L->ahcap * 2 : 64)) {
            L->nanchors--;
            ig_yaml_oom(L, off);
            return -1;
        }
    } else {
        size_t mask = L->ahcap - 1, k = hash_bytes(name, len) & mask;
        while (L->ahash[k])
            k = (k + 1) & mask;
        L->ahash[k] = (uint32_t)L->nanchors;
    }
    return (long)(L->nanchors - 1);
}

void ig_yaml_anchor_set(loader *L, long i, const tnode *n, uint64_t count, uint32_t height)
{
    anchor_ent *e = &L->anchors[i];
    e->node = *n;
    e->count = count;
    e->height = height;
    e->done = 1;
}

/* ---- merge keys ------------------------------------------------------------ */

typedef struct kslot {
    const char *s;
    uint32_t n;
    long owner; /* -1: written in the mapping itself; else the merge source that gave it */
} kslot;

/* Owner slot for key k: the existing one or an empty one to fill. */
static kslot *kslot_find(kslot *t, size_t cap, const tnode *k)
{
    for (size_t i = hash_bytes(k->u.s, k->n) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (!t[i].s || (t[i].n == k->n && memcmp(t[i].s, k->u.s, k->n) == 0)) return &t[i];
    }
}

/*
 * Members of a mapping with '<<' entries. YAML's merge rule: keys written in
 * the mapping win over merged ones, and among merged mappings the earlier
 * wins. Overridden merged members are dropped so that every consumer (not
 * only ig_tnode_get's last-wins lookup) sees one value; the merged members take
 * the place of their '<<' entry. Duplicates written out are kept, as in JSON.
 */
int ig_yaml_merge_members(loader *L, const frame *f, tmember **out, size_t *nout)
{
    tmember *m = L->members + f->base;
    size_t n = L->nmembers - f->base, total = 0, nkeys = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type != MERGE_MARK) {
            total++;
            continue;
        }
        const tnode *v = &m[i].value;
        if (v->type == TN_OBJECT) {
            total += v->n;
            continue;
        }
        if (v->type == TN_ARRAY) {
            for (uint32_t j = 0; j < v->n; j++) {
                if (v->u.items[j].type != TN_OBJECT) {
                    v = NULL;
                    break;
                }
                total += m[i].value.u.items[j].n;
            }
            if (v) continue;
        }
        return ig_yaml_fail_at(L, m[i].key.start, IAMG_EPARSE,
                               "merge key '<<' takes a mapping or a sequence of mappings");
    }
    size_t cap = 16;
    while (cap < 2 * (total + 1))
        cap *= 2;
    kslot *t = ig_calloc(cap, sizeof *t);
    tmember *buf = total ? ig_malloc(total * sizeof *buf) : NULL;
    if (!t || (total && !buf)) {
        rc = ig_yaml_oom(L, f->start);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type == MERGE_MARK) continue;
        kslot *sl = kslot_find(t, cap, &m[i].key);
        sl->s = m[i].key.u.s;
        sl->n = m[i].key.n;
        sl->owner = -1;
    }
    long source = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type != MERGE_MARK) {
            buf[nkeys++] = m[i];
            continue;
        }
        const tnode *v = &m[i].value;
        uint32_t nsrc = v->type == TN_OBJECT ? 1 : v->n;
        for (uint32_t j = 0; j < nsrc; j++, source++) {
            const tnode *src = v->type == TN_OBJECT ? v : &v->u.items[j];
            for (uint32_t k = 0; k < src->n; k++) {
                const tmember *sm = &src->u.members[k];
                kslot *sl = kslot_find(t, cap, &sm->key);
                if (!sl->s) {
                    sl->s = sm->key.u.s;
                    sl->n = sm->key.n;
                    sl->owner = source;
                } else if (sl->owner != source) {
                    continue;
                }
                buf[nkeys++] = *sm;
            }
        }
    }
    *nout = nkeys;
    *out = NULL;
    if (nkeys) {
        *out = ig_arena_alloc(L->a, nkeys * sizeof **out);
        if (!*out) {
            rc = ig_yaml_oom(L, f->start);
            goto done;
        }
        memcpy(*out, buf, nkeys * sizeof **out);
    }
done:
    ig_free(t);
    ig_free(buf);
    return rc;
}
