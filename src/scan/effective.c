#include "scan/effective.h"

#include <string.h>

#include "util/alloc.h"
#include "util/array.h"
#include "util/errors.h"

/* What the rules report on one derived document, kept per file. */
typedef struct verdict {
    size_t slot;
    long holder; /* -1: a boundary document on its own */
    const pdoc *doc;
    uint32_t nstmts; /* statements of the judged document (before added Deny statements) */
    rfind_list rf;
} verdict;

struct effective {
    runner *run;
    loaded *l;
    principal_set *ps;
    const managed_store *store;
    const iamg_limits *lim;
    verdict *v;
    size_t n, cap;
};

effective *ig_effective_new(runner *run, loaded *l, principal_set *ps, const managed_store *store,
                            const iamg_limits *lim)
{
    effective *ef = ig_calloc(1, sizeof *ef);
    if (!ef) return NULL;
    ef->run = run;
    ef->l = l;
    ef->ps = ps;
    ef->store = store;
    ef->lim = lim;
    return ef;
}

void ig_effective_free(effective *ef)
{
    if (!ef) return;
    for (size_t i = 0; i < ef->n; i++)
        ig_rfind_list_free(&ef->v[i].rf);
    ig_free(ef->v);
    ig_free(ef);
}

/* The document of a slot: the file's, or an external one (NULL when
 * unknown). */
static int slot_doc(effective *ef, size_t slot, const pdoc **out)
{
    principal_set *ps = ef->ps;
    if (slot < ps->ndocs) {
        *out = &ef->l->docs[slot];
        return 0;
    }
    *out = NULL;
    if (!ef->store) return 0;
    return ig_principals_ext_doc(ps, slot - ps->ndocs, ef->store, ef->l, ef->lim, out);
}

/* Run every rule once on doc, as an identity policy; remembered per
 * (slot, holder). */
static int judge(effective *ef, size_t slot, long holder, const pdoc *doc, uint32_t nstmts,
                 const verdict **out)
{
    for (size_t i = 0; i < ef->n; i++)
        if (ef->v[i].slot == slot && ef->v[i].holder == holder) {
            *out = &ef->v[i];
            return 0;
        }
    if (IG_ARRAY_GROW(ef->v, ef->n, ef->cap, 8)) return IAMG_ENOMEM;
    verdict *vd = &ef->v[ef->n];
    memset(vd, 0, sizeof *vd);
    vd->slot = slot;
    vd->holder = holder;
    vd->doc = doc;
    vd->nstmts = nstmts;
    /* Failures here were reported when the rule ran on the documents
     * themselves; a verdict that fails counts as "not blocked". */
    diag_list scratch;
    memset(&scratch, 0, sizeof scratch);
    int rc = ig_runner_check(ef->run, doc, &vd->rf, &scratch);
    int failed = scratch.n > 0;
    ig_diag_list_free(&scratch);
    if (rc) {
        ig_rfind_list_free(&vd->rf);
        return rc;
    }
    if (failed) vd->nstmts = UINT32_MAX; /* marks "unknown" */
    ef->n++;
    *out = vd;
    return 0;
}

static int reports(const verdict *vd, uint32_t rule, int32_t stmt)
{
    if (vd->nstmts == UINT32_MAX) return 1;
    for (size_t i = 0; i < vd->rf.n; i++) {
        const rfind *f = &vd->rf.v[i];
        if (f->rule != rule) continue;
        if (stmt >= 0 ? f->stmt == stmt : (f->stmt < 0 || (uint32_t)f->stmt < vd->nstmts)) return 1;
    }
    return 0;
}

/* Does p's permissions boundary leave the access out? */
static int boundary_blocks(effective *ef, const principal *p, uint32_t rule, int *blocked)
{
    *blocked = 0;
    for (uint32_t k = 0; k < p->nholds; k++) {
        const phold *h = &p->holds[k];
        if (h->how != HOLD_BOUNDARY || !h->nslots) continue;
        const pdoc *b;
        int rc = slot_doc(ef, h->slot, &b);
        if (rc || !b) return rc;
        /* Judged as what it is: the most the principal may do. */
        pdoc *as_identity = ig_arena_alloc(&ef->l->a, sizeof *as_identity);
        if (!as_identity) return IAMG_ENOMEM;
        *as_identity = *b;
        ig_policy_set_kind(as_identity, KIND_IDENTITY);
        const verdict *vd;
        if ((rc = judge(ef, h->slot, -1, as_identity, b->nstmts, &vd))) return rc;
        *blocked = !reports(vd, rule, -1);
        return 0;
    }
    return 0;
}

/* Count (out NULL) or copy the Deny statements of the policies p holds
 * itself or through its groups, other than slot `skip`. */
static int collect_denies(effective *ef, const principal *p, size_t skip, pstmt *out, uint32_t *n,
                          unsigned depth)
{
    for (uint32_t k = 0; k < p->nholds; k++) {
        const phold *h = &p->holds[k];
        if (h->how == HOLD_GROUP && depth == 0) {
            int rc = collect_denies(ef, &ef->ps->v[h->group], skip, out, n, 1);
            if (rc) return rc;
            continue;
        }
        if (h->how != HOLD_INLINE && h->how != HOLD_MANAGED) continue;
        for (uint32_t s = h->slot; s < h->slot + h->nslots; s++) {
            if (s == skip) continue;
            const pdoc *d;
            int rc = slot_doc(ef, s, &d);
            if (rc) return rc;
            if (!d || d->kind != KIND_IDENTITY) continue;
            for (uint32_t i = 0; i < d->nstmts; i++) {
                if (d->stmts[i].effect != EFFECT_DENY) continue;
                if (out) out[*n] = d->stmts[i];
                (*n)++;
            }
        }
    }
    return 0;
}

/* Does a Deny of p's other policies clear the finding? */
static int deny_blocks(effective *ef, const principal *p, long who, size_t slot, const pdoc *doc,
                       uint32_t rule, int32_t stmt, int *blocked)
{
    *blocked = 0;
    uint32_t n = 0;
    int rc = collect_denies(ef, p, slot, NULL, &n, 0);
    if (rc || !n) return rc;
    size_t total = (size_t)doc->nstmts + n;
    if (total > ef->lim->max_statements) return 0;
    pstmt *st = ig_arena_alloc(&ef->l->a, total * sizeof *st);
    pdoc *combined = ig_arena_alloc(&ef->l->a, sizeof *combined);
    if (!st || !combined) return IAMG_ENOMEM;
    memcpy(st, doc->stmts, (size_t)doc->nstmts * sizeof *st);
    uint32_t k = doc->nstmts;
    if ((rc = collect_denies(ef, p, slot, st, &k, 0))) return rc;
    for (uint32_t i = 0; i < total; i++)
        st[i].index = i;
    *combined = *doc;
    ig_policy_set_kind(combined, KIND_IDENTITY);
    combined->stmts = st;
    combined->nstmts = (uint32_t)total;
    const verdict *vd;
    if ((rc = judge(ef, slot, who, combined, doc->nstmts, &vd))) return rc;
    *blocked = !reports(vd, rule, stmt);
    return 0;
}

/* Is principal index `who` blocked from what the finding grants? */
static int holder_blocked(effective *ef, long who, size_t slot, const pdoc *doc, uint32_t rule,
                          int32_t stmt, int *blocked)
{
    const principal *p = &ef->ps->v[who];
    int rc = boundary_blocks(ef, p, rule, blocked);
    if (rc || *blocked) return rc;
    return deny_blocks(ef, p, who, slot, doc, rule, stmt, blocked);
}

static int has_members(const principal_set *ps, long group)
{
    for (size_t p = 0; p < ps->n; p++)
        for (uint32_t k = 0; k < ps->v[p].nholds; k++)
            if (ps->v[p].holds[k].how == HOLD_GROUP && ps->v[p].holds[k].group == group) return 1;
    return 0;
}

int ig_effective_blocked(effective *ef, uint32_t rule, size_t slot, long holder, int32_t stmt,
                         int *blocked)
{
    *blocked = 0;
    principal_set *ps = ef->ps;
    const pdoc *doc;
    int rc = slot_doc(ef, slot, &doc);
    if (rc || !doc) return rc;
    size_t judged = 0;
    if (holder >= 0) {
        /* An attachment: the principal, or the members of a group. */
        const principal *g = &ps->v[holder];
        if (g->type != PT_GROUP) {
            rc = holder_blocked(ef, holder, slot, doc, rule, stmt, blocked);
            return rc;
        }
        for (size_t p = 0; p < ps->n; p++) {
            int member = 0;
            for (uint32_t k = 0; k < ps->v[p].nholds; k++)
                member |= ps->v[p].holds[k].how == HOLD_GROUP && ps->v[p].holds[k].group == holder;
            if (!member) continue;
            int b;
            if ((rc = holder_blocked(ef, (long)p, slot, doc, rule, stmt, &b))) return rc;
            if (!b) return 0;
            judged++;
        }
        *blocked = judged > 0;
        return 0;
    }
    uint32_t n, total;
    const pholder *h = ig_principals_holders(ps, slot, &n, &total);
    if (!n || total > n) return 0; /* holders not all known: not blocked */
    for (uint32_t i = 0; i < n; i++) {
        const principal *p = &ps->v[h[i].principal];
        if (h[i].how == HOLD_BOUNDARY || h[i].how == HOLD_TRUST) continue;
        /* A group grants through its members, who are listed too. */
        if (p->type == PT_GROUP && has_members(ps, (long)h[i].principal)) continue;
        if (p->type == PT_GROUP) return 0;
        int b;
        if ((rc = holder_blocked(ef, (long)h[i].principal, slot, doc, rule, stmt, &b))) return rc;
        if (!b) return 0;
        judged++;
    }
    *blocked = judged > 0;
    return 0;
}
