/*
 * load/cfn_containers.c - arrays and objects that hold intrinsics: list branches are
 * spliced in, and members with several values merge into a list or fork the
 * object.
 */
#include "load/cfn_int.h"

#include <string.h>

/* ---- containers ---- */

/* Rebuilt containers are charged as stand-ins (load/budget.h): they are what
 * carries opaque values once the budget is spent, and before that they count
 * like any new value, so Fn::If forks that multiply objects stay bounded. */

static int unchanged(const alts *o, const tnode *n)
{
    return o->n == 1 && o->v[0].node == n;
}

static int keep(rx *r, const alts *a, alts_kept *k)
{
    k->n = a->n;
    k->v = ig_cfn_calloc(r, a->n, sizeof *k->v, CFN_STANDIN);
    if (!k->v) return ig_cfn_nomem(r);
    memcpy(k->v, a->v, (size_t)a->n * sizeof *k->v);
    return 0;
}

int ig_cfn_resolve_array(rx *r, const tnode *in, unsigned depth, alts *out)
{
    alts a;
    alts_kept *ch = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        const tnode *it = &in->u.items[i];
        int rc = ig_cfn_eval(r, it, depth + 1, &a);
        if (rc) return rc;
        if (a.capped) ig_cfn_report_cap(r, it);
        if (unchanged(&a, it)) continue;
        if (!ch) {
            ch = ig_cfn_calloc(r, in->n, sizeof *ch, CFN_STANDIN);
            if (!ch) return ig_cfn_nomem(r);
        }
        rc = keep(r, &a, &ch[i]);
        if (rc) return rc;
    }
    if (!ch) {
        ig_cfn_alts_one(out, in, 0);
        return 0;
    }
    /* Branches of an intrinsic that are lists (Fn::If of two lists,
     * Fn::Split) are spliced in: IAM wants a flat list of strings. */
    size_t total = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (!ch[i].v) {
            total++;
            continue;
        }
        int splice = ig_cfn_intrinsic(&in->u.items[i], NULL) != NULL;
        for (uint32_t k = 0; k < ch[i].n; k++) {
            const tnode *n = ch[i].v[k].node;
            if (!n) continue;
            total += (splice && n->type == TN_ARRAY) ? n->n : 1;
        }
    }
    if (total > UINT32_MAX) return IAMG_ELIMIT;
    tnode *arr = ig_cfn_alloc(r, sizeof *arr, CFN_STANDIN);
    tnode *items = arr && total ? ig_cfn_calloc(r, total, sizeof *items, CFN_STANDIN) : NULL;
    if (!arr || (total && !items)) return ig_cfn_nomem(r);
    size_t j = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (!ch[i].v) {
            items[j++] = in->u.items[i];
            continue;
        }
        int splice = ig_cfn_intrinsic(&in->u.items[i], NULL) != NULL;
        for (uint32_t k = 0; k < ch[i].n; k++) {
            const tnode *n = ch[i].v[k].node;
            if (!n) continue;
            if (splice && n->type == TN_ARRAY) {
                for (uint32_t x = 0; x < n->n; x++)
                    items[j++] = n->u.items[x];
            } else {
                items[j++] = *n;
            }
        }
    }
    *arr = *in;
    arr->n = (uint32_t)j;
    arr->u.items = items;
    ig_cfn_alts_one(out, arr, 0);
    return 0;
}

/* Elements IAM reads as one string: two branches there make two statements,
 * not a list. */
static int single_valued(const tnode *key)
{
    static const char *const names[] = {"Effect", "Sid", "Version", "Id"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (key->n == strlen(names[i]) && memcmp(key->u.s, names[i], key->n) == 0) return 1;
    return 0;
}

/* Branches that are all strings or lists of strings merge into one list;
 * for Statement, objects (statements) merge too: a document holds the
 * statements of both branches. */
static const tnode *merge_list(rx *r, const tnode *span, const alts_kept *k, int objects)
{
    size_t total = 0;
    for (uint32_t i = 0; i < k->n; i++) {
        const tnode *n = k->v[i].node;
        if (!n) return span; /* sentinel: not mergeable */
        if (n->type == TN_ARRAY) {
            for (uint32_t x = 0; x < n->n; x++) {
                const tnode *it = &n->u.items[x];
                if (!ig_cfn_is_scalar(it) && !(objects && it->type == TN_OBJECT)) return span;
            }
            total += n->n;
        } else if (ig_cfn_is_scalar(n) || (objects && n->type == TN_OBJECT)) {
            total++;
        } else {
            return span;
        }
    }
    if (total > UINT32_MAX) {
        r->limited = 1;
        return NULL;
    }
    tnode *arr = ig_cfn_alloc(r, sizeof *arr, CFN_STANDIN);
    tnode *items = arr && total ? ig_cfn_calloc(r, total, sizeof *items, CFN_STANDIN) : NULL;
    if (!arr || (total && !items)) return NULL;
    size_t j = 0;
    for (uint32_t i = 0; i < k->n; i++) {
        const tnode *n = k->v[i].node;
        if (n->type == TN_ARRAY)
            for (uint32_t x = 0; x < n->n; x++)
                items[j++] = n->u.items[x];
        else
            items[j++] = *n;
    }
    memset(arr, 0, sizeof *arr);
    arr->type = TN_ARRAY;
    arr->n = (uint32_t)j;
    arr->start = span->start;
    arr->end = span->end;
    arr->u.items = items;
    return arr;
}

/* A string of a Sub template's JSON that names a variable. */
int ig_cfn_has_var(const tnode *s)
{
    if (s->flags & TNF_SYNTHETIC) return 0;
    for (uint32_t i = 0; i + 1 < s->n; i++)
        if (s->u.s[i] == '$' && s->u.s[i + 1] == '{') return 1;
    return 0;
}

/* Keys of a Sub template's JSON may name variables too
 * ("aws:ResourceTag/${TagKey}"). A key takes one value: the first. Past the
 * budget it stays as written. */
static int sub_key(rx *r, const tmember *m, tnode *key)
{
    *key = m->key;
    if (!r->sub_mode || !ig_cfn_has_var(&m->key) || ig_budget_spent(r->e->budget)) return 0;
    alts a;
    int rc = ig_cfn_sub_text(r, m->key.u.s, m->key.n, r->vars, &m->key, &a);
    if (rc == IAMG_ELIMIT) {
        ig_budget_report(r->e->budget, r->e->diags, r->e->src, m->key.start, "Fn::Sub",
                         "its value is treated as unknown");
        return 0;
    }
    if (rc) return rc;
    if (a.n > 1)
        ig_diag_add(r->e->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, r->e->src, m->key.start,
                    "key \"%s\" takes several values through Fn::If: only the first is checked",
                    m->key.u.s);
    *key = *a.v[0].node;
    return 0;
}

int ig_cfn_resolve_object(rx *r, const tnode *in, unsigned depth, alts *out)
{
    alts a;
    alts_kept *ch = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        const tnode *v = &in->u.members[i].value;
        int rc = ig_cfn_eval(r, v, depth + 1, &a);
        if (rc) return rc;
        if (a.capped) ig_cfn_report_cap(r, v);
        if (unchanged(&a, v) && !(r->sub_mode && ig_cfn_has_var(&in->u.members[i].key))) continue;
        if (!ch) {
            ch = ig_cfn_calloc(r, in->n, sizeof *ch, CFN_STANDIN);
            if (!ch) return ig_cfn_nomem(r);
        }
        rc = keep(r, &a, &ch[i]);
        if (rc) return rc;
    }
    if (!ch) {
        ig_cfn_alts_one(out, in, 0);
        return 0;
    }
    /* Members with several values either merge into a list or make the
     * whole object fork, once per value. */
    uint32_t *forks = ig_cfn_calloc(r, in->n, sizeof *forks, CFN_STANDIN);
    uint32_t *pick = forks ? ig_cfn_calloc(r, in->n, sizeof *pick, CFN_STANDIN) : NULL;
    if (!forks || !pick) return ig_cfn_nomem(r);
    uint32_t nforks = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (!ch[i].v || ch[i].n == 1) continue;
        const tmember *m = &in->u.members[i];
        if (!single_valued(&m->key)) {
            int stmts = m->key.n == 9 && memcmp(m->key.u.s, "Statement", 9) == 0;
            const tnode *merged = merge_list(r, &m->value, &ch[i], stmts);
            if (!merged) return ig_cfn_nomem(r);
            if (merged != &m->value) {
                ch[i].v[0].node = merged;
                ch[i].n = 1;
                continue;
            }
        }
        forks[nforks++] = i;
    }
    out->n = 0;
    out->capped = 0;
    for (;;) {
        if (out->n == CFN_MAX_ALTS) {
            out->capped = 1;
            ig_cfn_report_cap(r, in);
            break;
        }
        tmember *mem = in->n ? ig_cfn_calloc(r, in->n, sizeof *mem, CFN_STANDIN) : NULL;
        tnode *obj = !in->n || mem ? ig_cfn_alloc(r, sizeof *obj, CFN_STANDIN) : NULL;
        if (!obj || (in->n && !mem)) return ig_cfn_nomem(r);
        uint32_t k = 0;
        for (uint32_t i = 0; i < in->n; i++) {
            const tmember *m = &in->u.members[i];
            if (!ch[i].v) {
                mem[k++] = *m;
                continue;
            }
            const tnode *v = ch[i].v[pick[i]].node;
            if (!v) continue; /* Ref AWS::NoValue removes the member */
            int rc = sub_key(r, m, &mem[k].key);
            if (rc) return rc;
            mem[k].value = *v;
            k++;
        }
        *obj = *in;
        obj->n = k;
        obj->u.members = mem;
        ig_cfn_alts_add(out, obj, 0);
        /* next combination (odometer over the forking members) */
        uint32_t f = 0;
        for (; f < nforks; f++) {
            uint32_t i = forks[f];
            if (++pick[i] < ch[i].n) break;
            pick[i] = 0;
        }
        if (f == nforks) break;
    }
    return 0;
}
