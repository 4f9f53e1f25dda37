#include "principal/principal.h"

#include <string.h>
#include <strings.h>

#include "principal/managed.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/hash.h"
#include "util/errors.h"

/* Group memberships expanded per file (user x policies of its groups) before
 * the rest is reported and left out: a dump with thousands of users in a
 * group holding thousands of policies stays bounded. */
#define GROUP_EXPANSION_MAX 2000000

/* ---- a small string -> index map (open addressing) ---- */

typedef struct smap {
    const char **k;
    uint32_t *v;
    size_t cap, n;
} smap;

static uint64_t hash(const char *s)
{
    return ig_fnv64_str(IG_FNV64_INIT, s);
}

/* Maps start small and double: sized for every fact up front, the seven
 * maps of a 100 MB account dump took 13 MB where a few hundred KB hold
 * what it names. */
static int smap_init(smap *m, size_t cap)
{
    m->cap = cap;
    m->n = 0;
    m->k = ig_calloc(m->cap, sizeof *m->k);
    m->v = ig_calloc(m->cap, sizeof *m->v);
    return m->k && m->v ? 0 : IAMG_ENOMEM;
}

static void smap_free(smap *m)
{
    ig_free(m->k);
    ig_free(m->v);
}

/* The first value put for key (later ones are ignored), or -1. */
static long smap_get(const smap *m, const char *key)
{
    if (!key || !m->cap) return -1;
    for (size_t i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->k[i]) return -1;
        if (strcmp(m->k[i], key) == 0) return m->v[i];
    }
}

static int smap_put(smap *m, const char *key, uint32_t v)
{
    if (!key) return 0;
    if (m->n * 2 + 2 > m->cap) {
        smap bigger;
        if (smap_init(&bigger, m->cap * 2)) {
            smap_free(&bigger);
            return IAMG_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->k[i]) continue;
            size_t k = hash(m->k[i]) & (bigger.cap - 1);
            while (bigger.k[k])
                k = (k + 1) & (bigger.cap - 1);
            bigger.k[k] = m->k[i];
            bigger.v[k] = m->v[i];
        }
        bigger.n = m->n;
        smap_free(m);
        *m = bigger;
    }
    size_t i = hash(key) & (m->cap - 1);
    while (m->k[i]) {
        if (strcmp(m->k[i], key) == 0) return 0;
        i = (i + 1) & (m->cap - 1);
    }
    m->k[i] = key;
    m->v[i] = v;
    m->n++;
    return 0;
}

/* ---- names ---- */

int ig_is_aws_managed_arn(const char *ref)
{
    if (!ref || strncmp(ref, "arn:", 4) != 0) return 0;
    const char *p = strchr(ref + 4, ':'); /* after the partition */
    return p && strncmp(p, ":iam::aws:policy/", 17) == 0;
}

const char *ig_policy_arn_name(const char *ref)
{
    const char *slash = ref ? strrchr(ref, '/') : NULL;
    if (slash && strncmp(ref, "arn:", 4) == 0) return slash + 1;
    return ref;
}

/* ---- the join ---- */

typedef struct joiner {
    principal_set *ps;
    loaded *l;
    const iamg_limits *lim;
    diag_list *diags;
    smap pkey, pname, parn;       /* principals */
    smap polkey, polname, polarn; /* policies defined in the file: fact index */
    smap ext;                     /* external policies by ref */
    size_t capp, capext;          /* of ps->v and ps->ext, which grow as they fill */
    /* holds before they are grouped per principal */
    struct th {
        uint32_t principal;
        phold h;
    } * tmp;
    size_t ntmp;
    uint8_t *boundary_use, *managed_use; /* per document: used as boundary / otherwise */
} joiner;

static int add_principal(joiner *j, uint8_t type, const char *key, int declared, long *out)
{
    principal_set *ps = j->ps;
    if (IG_ARRAY_GROW(ps->v, ps->n, j->capp, 64)) return IAMG_ENOMEM;
    principal *p = &ps->v[ps->n];
    memset(p, 0, sizeof *p);
    p->type = type;
    p->key = key;
    p->declared = (uint8_t)declared;
    if (!declared) p->name = key;
    if (smap_put(&j->pkey, key, (uint32_t)ps->n)) return IAMG_ENOMEM;
    if (!declared && smap_put(&j->pname, key, (uint32_t)ps->n)) return IAMG_ENOMEM;
    *out = (long)ps->n++;
    return 0;
}

/* The principal `who` names: a key, a name or an ARN of the file's, else a
 * principal the file only names. */
static int find_principal(joiner *j, const char *who, uint8_t type, long *out)
{
    long i = smap_get(&j->pkey, who);
    if (i < 0) i = smap_get(&j->pname, who);
    if (i < 0) i = smap_get(&j->parn, who);
    if (i < 0 && strncmp(who, "arn:", 4) == 0) i = smap_get(&j->pname, ig_policy_arn_name(who));
    if (i >= 0) {
        *out = i;
        return 0;
    }
    return add_principal(j, type ? type : PT_ROLE, who, 0, out);
}

/* The policy `ref` names: a managed policy of the file (by key, ARN or name;
 * an AWS managed ARN never is one), or an external slot. */
static int find_policy(joiner *j, const char *ref, int ref_key, int boundary, uint32_t *slot,
                       uint32_t *nslots)
{
    long f = smap_get(&j->polkey, ref);
    if (f < 0 && !ref_key && !ig_is_aws_managed_arn(ref)) {
        f = smap_get(&j->polarn, ref);
        if (f < 0) f = smap_get(&j->polname, ig_policy_arn_name(ref));
    }
    if (f >= 0) {
        const lfact *pf = &j->l->facts[f];
        *slot = pf->doc;
        *nslots = pf->ndocs;
        for (uint32_t d = pf->doc; d < pf->doc + pf->ndocs; d++) {
            if (boundary)
                j->boundary_use[d] = 1;
            else
                j->managed_use[d] = 1;
        }
        return 0;
    }
    long e = smap_get(&j->ext, ref);
    principal_set *ps = j->ps;
    if (e < 0) {
        if (IG_ARRAY_GROW(ps->ext, ps->next, j->capext, 64)) return IAMG_ENOMEM;
        pext *x = &ps->ext[ps->next];
        memset(x, 0, sizeof *x);
        x->ref = ref;
        x->name = ig_policy_arn_name(ref);
        x->arn = strncmp(ref, "arn:", 4) == 0 ? ref : NULL;
        x->aws = ig_is_aws_managed_arn(ref) || !x->arn;
        x->boundary = 1;
        if (smap_put(&j->ext, ref, (uint32_t)ps->next)) return IAMG_ENOMEM;
        e = (long)ps->next++;
    }
    if (!boundary) ps->ext[e].boundary = 0;
    *slot = (uint32_t)(ps->ndocs + (size_t)e);
    *nslots = 1;
    return 0;
}

static int hold(joiner *j, const lfact *f)
{
    long p;
    int rc = find_principal(j, f->who, f->ptype, &p);
    if (rc) return rc;
    phold h;
    memset(&h, 0, sizeof h);
    h.how = f->how;
    h.src = f->src;
    h.at = f->at;
    h.group = -1;
    switch (f->how) {
    case HOLD_INLINE:
    case HOLD_TRUST:
        h.slot = f->doc;
        h.nslots = f->ndocs;
        if (f->ref) {
            /* AWS::IAM::ManagedPolicy's Roles name their holders with ref set */
            rc = find_policy(j, f->ref, f->ref_key, 0, &h.slot, &h.nslots);
            h.how = HOLD_MANAGED;
        }
        break;
    case HOLD_MANAGED:
    case HOLD_BOUNDARY:
        if (!f->ref) return 0;
        rc = find_policy(j, f->ref, f->ref_key, f->how == HOLD_BOUNDARY, &h.slot, &h.nslots);
        break;
    case HOLD_GROUP: {
        long g;
        if (!f->ref) return 0;
        rc = find_principal(j, f->ref, PT_GROUP, &g);
        h.group = (int32_t)g;
        break;
    }
    default:
        return 0;
    }
    if (rc) return rc;
    j->tmp[j->ntmp].principal = (uint32_t)p;
    j->tmp[j->ntmp].h = h;
    j->ntmp++;
    return 0;
}

/* Per slot, who holds it: the principals' own holds, then members of the
 * groups that hold it. */
static int add_holder(joiner *j, uint32_t *fill, size_t slot, uint32_t who, uint8_t how)
{
    principal_set *ps = j->ps;
    ps->htotal[slot]++;
    if (!fill) {
        if (ps->hcount[slot] < j->lim->max_holders) ps->hcount[slot]++;
        return 0;
    }
    pholder *base = &ps->h[ps->hstart[slot]];
    for (uint32_t i = 0; i < fill[slot]; i++)
        if (base[i].principal == who && base[i].how == how) {
            ps->htotal[slot]--;
            return 0;
        }
    if (fill[slot] >= ps->hcount[slot]) return 0;
    base[fill[slot]].principal = who;
    base[fill[slot]].how = how;
    fill[slot]++;
    return 0;
}

static void holders_pass(joiner *j, uint32_t *fill)
{
    principal_set *ps = j->ps;
    size_t budget = GROUP_EXPANSION_MAX;
    int cut = 0;
    for (size_t p = 0; p < ps->n; p++) {
        const principal *pr = &ps->v[p];
        for (uint32_t k = 0; k < pr->nholds; k++) {
            const phold *h = &pr->holds[k];
            if (h->how != HOLD_GROUP) {
                for (uint32_t s = h->slot; s < h->slot + h->nslots; s++)
                    add_holder(j, fill, s, (uint32_t)p, h->how);
                continue;
            }
            const principal *g = &ps->v[h->group];
            for (uint32_t m = 0; m < g->nholds; m++) {
                const phold *gh = &g->holds[m];
                if (gh->how != HOLD_INLINE && gh->how != HOLD_MANAGED) continue;
                for (uint32_t s = gh->slot; s < gh->slot + gh->nslots; s++) {
                    if (!budget) {
                        cut = 1;
                        break;
                    }
                    budget--;
                    add_holder(j, fill, s, (uint32_t)p, HOLD_GROUP);
                }
            }
        }
    }
    if (cut && fill)
        ig_diag_add_at(j->diags, IAMG_ELIMIT, IAMG_LEVEL_WARNING, NULL, 0, 0, NULL,
                       "too many group memberships to expand in this file (more than "
                       "2,000,000 user and group policy pairs): the policies of some groups "
                       "are not listed for their members");
}

static int build_holders(joiner *j)
{
    principal_set *ps = j->ps;
    arena *a = &j->l->a;
    size_t nslots = ps->ndocs + ps->next;
    if (!nslots) return 0;
    ps->hstart = ig_arena_calloc(a, nslots, sizeof *ps->hstart);
    ps->hcount = ig_arena_calloc(a, nslots, sizeof *ps->hcount);
    ps->htotal = ig_arena_calloc(a, nslots, sizeof *ps->htotal);
    uint32_t *fill = ig_calloc(nslots, sizeof *fill);
    if (!ps->hstart || !ps->hcount || !ps->htotal || !fill) {
        ig_free(fill);
        return IAMG_ENOMEM;
    }
    holders_pass(j, NULL);
    size_t total = 0;
    for (size_t s = 0; s < nslots; s++) {
        ps->hstart[s] = (uint32_t)total;
        total += ps->hcount[s];
        ps->htotal[s] = 0;
    }
    ps->h = total ? ig_arena_alloc(a, total * sizeof *ps->h) : NULL;
    if (total && !ps->h) {
        ig_free(fill);
        return IAMG_ENOMEM;
    }
    holders_pass(j, fill);
    for (size_t s = 0; s < nslots; s++)
        ps->hcount[s] = fill[s];
    ig_free(fill);
    return 0;
}

/* Group the holds per principal, in fact order. */
static int group_holds(joiner *j)
{
    principal_set *ps = j->ps;
    arena *a = &j->l->a;
    for (size_t i = 0; i < j->ntmp; i++)
        ps->v[j->tmp[i].principal].capholds++;
    for (size_t p = 0; p < ps->n; p++) {
        principal *pr = &ps->v[p];
        if (!pr->capholds) continue;
        pr->holds = ig_arena_alloc(a, pr->capholds * sizeof *pr->holds);
        if (!pr->holds) return IAMG_ENOMEM;
    }
    for (size_t i = 0; i < j->ntmp; i++) {
        principal *pr = &ps->v[j->tmp[i].principal];
        pr->holds[pr->nholds++] = j->tmp[i].h;
        if (!pr->at) {
            pr->src = j->tmp[i].h.src;
            pr->at = j->tmp[i].h.at;
        }
    }
    return 0;
}

static int join(joiner *j)
{
    loaded *l = j->l;
    principal_set *ps = j->ps;
    size_t nf = l->nfacts;
    smap *maps[] = {&j->pkey, &j->pname, &j->parn, &j->polkey, &j->polname, &j->polarn, &j->ext};
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof maps / sizeof *maps; i++)
        rc = smap_init(maps[i], 64);
    if (rc) return rc;
    j->tmp = ig_calloc(nf, sizeof *j->tmp);
    j->boundary_use = ig_calloc(l->ndocs + 1, 1);
    j->managed_use = ig_calloc(l->ndocs + 1, 1);
    if (!j->tmp || !j->boundary_use || !j->managed_use) return IAMG_ENOMEM;
    for (size_t i = 0; i < nf; i++) {
        const lfact *f = &l->facts[i];
        if (f->type == FACT_PRINCIPAL) {
            long p = smap_get(&j->pkey, f->who);
            if (p >= 0) continue; /* declared twice (YAML streams): the first counts */
            if ((rc = add_principal(j, f->ptype, f->who, 1, &p))) return rc;
            principal *pr = &ps->v[p];
            pr->name = f->name;
            pr->arn = f->arn;
            pr->path = f->path;
            pr->id = (f->arn && strcmp(f->arn, f->who) == 0) ? NULL : f->who;
            pr->src = f->src;
            pr->at = f->at;
            if (smap_put(&j->pname, f->name, (uint32_t)p) ||
                smap_put(&j->parn, f->arn, (uint32_t)p))
                return IAMG_ENOMEM;
        } else if (f->type == FACT_POLICY) {
            if (smap_put(&j->polkey, f->who, (uint32_t)i) ||
                smap_put(&j->polname, f->name, (uint32_t)i) ||
                smap_put(&j->polarn, f->arn, (uint32_t)i))
                return IAMG_ENOMEM;
        }
    }
    for (size_t i = 0; i < nf; i++)
        if (l->facts[i].type == FACT_HOLD && (rc = hold(j, &l->facts[i]))) return rc;
    if ((rc = group_holds(j))) return rc;
    /* A customer managed policy used only as a boundary limits, never grants. */
    for (size_t i = 0; i < nf; i++) {
        const lfact *f = &l->facts[i];
        if (f->type != FACT_POLICY) continue;
        for (uint32_t d = f->doc; d < f->doc + f->ndocs && d < l->ndocs; d++)
            if (j->boundary_use[d] && !j->managed_use[d] && l->docs[d].kind == KIND_IDENTITY)
                ig_policy_set_kind(&l->docs[d], KIND_BOUNDARY);
    }
    return build_holders(j);
}

int ig_principals_build(principal_set *ps, loaded *l, const iamg_limits *lim, diag_list *diags)
{
    memset(ps, 0, sizeof *ps);
    ps->ndocs = l->ndocs;
    if (!l->nfacts) return 0;
    joiner j;
    memset(&j, 0, sizeof j);
    j.ps = ps;
    j.l = l;
    j.lim = lim;
    j.diags = diags;
    int rc = join(&j);
    smap_free(&j.pkey);
    smap_free(&j.pname);
    smap_free(&j.parn);
    smap_free(&j.polkey);
    smap_free(&j.polname);
    smap_free(&j.polarn);
    smap_free(&j.ext);
    ig_free(j.tmp);
    ig_free(j.boundary_use);
    ig_free(j.managed_use);
    if (rc == IAMG_ELIMIT) rc = 0; /* sized from the facts: not reached */
    return rc;
}

const pholder *ig_principals_holders(const principal_set *ps, size_t s, uint32_t *n,
                                     uint32_t *total)
{
    *n = 0;
    if (total) *total = 0;
    if (!ps->hcount || s >= ps->ndocs + ps->next) return NULL;
    *n = ps->hcount[s];
    if (total) *total = ps->htotal[s];
    return *n ? &ps->h[ps->hstart[s]] : NULL;
}

void ig_principals_free(principal_set *ps)
{
    ig_free(ps->v);
    ig_free(ps->ext);
    memset(ps, 0, sizeof *ps);
}

int ig_principals_ext_doc(principal_set *ps, size_t e, const managed_store *store, loaded *l,
                          const iamg_limits *lim, const pdoc **out)
{
    pext *x = &ps->ext[e];
    *out = x->doc;
    if (x->looked_up) return 0;
    x->looked_up = 1;
    const managed_policy *mp = ig_managed_find(store, x->ref);
    if (!mp) return 0;
    pdoc *d = ig_arena_calloc(&l->a, 1, sizeof *d);
    if (!d) return IAMG_ENOMEM;
    /* The snapshot's documents are sound; what the model would say about a
     * file given with --managed-policies is not about the scanned file. */
    diag_list scratch;
    memset(&scratch, 0, sizeof scratch);
    int rc = ig_policy_build(d, mp->src, mp->doc, KIND_IDENTITY, &l->a, lim, &scratch);
    int oom = scratch.oom;
    ig_diag_list_free(&scratch);
    if (rc == IAMG_ENOMEM || oom) return IAMG_ENOMEM;
    if (rc) return 0;
    if (!x->arn) x->arn = mp->arn;
    d->origin.format = "managed-policy";
    d->origin.policy_name = mp->name;
    d->origin.policy_arn = mp->arn;
    d->origin.container = ig_arena_strdup(&l->a, mp->name);
    if (!d->origin.container) return IAMG_ENOMEM;
    x->doc = d;
    *out = d;
    return 0;
}
