/*
 * load/cfn_lists.c - Fn::Join, Fn::Select, Fn::FindInMap and Fn::Split.
 */
#include "load/cfn_int.h"

#include <string.h>

#include "util/alloc.h"

/* ---- Fn::Join ---- */

/* Append the elements of `arr` to every partial of c. Returns 1 when an
 * element cannot be expressed as text (the join is then opaque). */
static int join_items(rx *r, combo *c, const tnode *arr, const char *delim, unsigned depth)
{
    alts a;
    for (uint32_t i = 0; i < arr->n; i++) {
        int rc = ig_cfn_eval(r, &arr->u.items[i], depth + 1, &a);
        if (rc) return rc;
        choice ch[CFN_MAX_ALTS];
        for (uint32_t k = 0; k < a.n; k++) {
            const tnode *n = a.v[k].node;
            if (!n) {
                ch[k].skip = 1;
                ch[k].s = "";
                ch[k].len = 0;
                ch[k].opaque = 0;
            } else if (ig_cfn_is_scalar(n)) {
                ch[k] = ig_cfn_text_choice(&a.v[k]);
            } else {
                return 1;
            }
        }
        if (a.capped) c->capped = 1;
        rc = ig_cfn_combo_product(r, c, ch, a.n, delim);
        if (rc) return rc;
    }
    return 0;
}

int ig_cfn_fn_join(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        ig_cfn_warn(r, arg, "Fn::Join takes [delimiter, [values]]");
        return ig_cfn_opaque(r, expr, out, "Join", NULL);
    }
    alts d;
    int rc = ig_cfn_eval(r, &arg->u.items[0], depth + 1, &d);
    if (rc) return rc;
    const alt *delim = ig_cfn_single_text(&d);
    if (!delim || delim->opaque) return ig_cfn_opaque(r, expr, out, "Join", NULL);
    const tnode *list = &arg->u.items[1];
    alts lists;
    if (list->type == TN_ARRAY) {
        ig_cfn_alts_one(&lists, list, 0);
    } else {
        rc = ig_cfn_eval(r, list, depth + 1, &lists);
        if (rc) return rc;
    }
    alts result;
    result.n = 0;
    result.capped = lists.capped;
    combo *c = ig_malloc(sizeof *c);
    if (!c) return IAMG_ENOMEM;
    for (uint32_t i = 0; i < lists.n; i++) {
        const tnode *l = lists.v[i].node;
        if (!l || l->type != TN_ARRAY) {
            rc = 1;
            break;
        }
        ig_cfn_combo_init(c);
        rc = join_items(r, c, l, delim->node->u.s, depth);
        alts part;
        if (!rc) rc = ig_cfn_combo_emit(r, c, expr, &part);
        ig_cfn_combo_free(c);
        if (rc) break;
        for (uint32_t k = 0; k < part.n; k++)
            ig_cfn_alts_add(&result, part.v[k].node, part.v[k].opaque);
    }
    ig_free(c);
    if (rc) return rc < 0 ? rc : ig_cfn_opaque(r, expr, out, "Join", NULL);
    if (result.capped) ig_cfn_report_cap(r, expr);
    *out = result;
    return 0;
}

/* ---- Fn::Select, Fn::FindInMap, Fn::Split ---- */

static int literal_index(const alt *a, uint32_t *idx)
{
    if (!a || a->opaque) return 0;
    const char *s = a->node->u.s;
    if (!*s) return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX) return 0;
    }
    *idx = (uint32_t)v;
    return 1;
}

int ig_cfn_fn_select(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        ig_cfn_warn(r, arg, "Fn::Select takes [index, [values]]");
        return ig_cfn_opaque(r, expr, out, "Select", NULL);
    }
    alts ia;
    int rc = ig_cfn_eval(r, &arg->u.items[0], depth + 1, &ia);
    if (rc) return rc;
    uint32_t idx;
    if (!literal_index(ig_cfn_single_text(&ia), &idx))
        return ig_cfn_opaque(r, expr, out, "Select", NULL);
    const tnode *list = &arg->u.items[1];
    if (list->type == TN_ARRAY) {
        /* Pick from the list as written, so Fn::If items keep their place. */
        if (idx >= list->n) return ig_cfn_opaque(r, expr, out, "Select", NULL);
        return ig_cfn_eval(r, &list->u.items[idx], depth + 1, out);
    }
    alts lists;
    rc = ig_cfn_eval(r, list, depth + 1, &lists);
    if (rc) return rc;
    alts result;
    result.n = 0;
    result.capped = lists.capped;
    for (uint32_t i = 0; i < lists.n; i++) {
        const tnode *l = lists.v[i].node;
        if (!l || l->type != TN_ARRAY || idx >= l->n)
            return ig_cfn_opaque(r, expr, out, "Select", NULL);
        const tnode *it = &l->u.items[idx];
        if (ig_cfn_is_scalar(it)) {
            /* An item of a computed list: point at the whole expression. */
            it = ig_cfn_mkstr(r, it->u.s, it->n, expr);
            if (!it) return ig_cfn_nomem(r);
        }
        ig_cfn_alts_add(&result, it, lists.v[i].opaque);
    }
    *out = result;
    return 0;
}

/* A synthetic copy of a mapping value, pointing at the expression. */
static const tnode *copy_scalar(rx *r, const tnode *v, const tnode *span)
{
    return ig_cfn_mkstr(r, v->u.s, v->n, span);
}

/* ig_tnode_get, charged: one per entry and the bytes compared, since many
 * lookups in a big mapping are quadratic work. -1 when refused. */
static int lookup(rx *r, const tnode *obj, const alt *key, const tnode **found)
{
    *found = NULL;
    if (!obj || obj->type != TN_OBJECT || !key || key->opaque || key->node->type != TN_STRING)
        return 0;
    const char *k = key->node->u.s;
    size_t kl = strlen(k);
    uint64_t cost = obj->n;
    for (uint32_t i = 0; i < obj->n; i++)
        if (obj->u.members[i].key.n == kl) cost += kl;
    if (ig_cfn_take(r, cost, CFN_NEW)) return -1;
    *found = ig_tnode_get(obj, k);
    return 0;
}

int ig_cfn_fn_findinmap(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n < 3 || arg->n > 4) {
        ig_cfn_warn(r, arg, "Fn::FindInMap takes [map, top-level key, second-level key]");
        return ig_cfn_opaque(r, expr, out, "FindInMap", NULL);
    }
    alts k[3];
    for (int i = 0; i < 3; i++) {
        int rc = ig_cfn_eval(r, &arg->u.items[i], depth + 1, &k[i]);
        if (rc) return rc;
    }
    const tnode *v = r->e->mappings;
    for (int i = 0; i < 3; i++)
        if (lookup(r, v, ig_cfn_single_text(&k[i]), &v)) return ig_cfn_nomem(r);
    if (!v && arg->n == 4) {
        /* With AWS::LanguageExtensions: [map, k1, k2, {DefaultValue: x}] */
        const tnode *def = ig_tnode_get(&arg->u.items[3], "DefaultValue");
        if (def) return ig_cfn_eval(r, def, depth + 1, out);
    }
    if (v && ig_cfn_is_scalar(v)) {
        const tnode *t = copy_scalar(r, v, expr);
        if (!t) return ig_cfn_nomem(r);
        ig_cfn_alts_one(out, t, 0);
        return 0;
    }
    if (v && v->type == TN_ARRAY) {
        for (uint32_t i = 0; i < v->n; i++)
            if (!ig_cfn_is_scalar(&v->u.items[i])) goto unknown;
        tnode *arr = ig_cfn_alloc(r, sizeof *arr, CFN_NEW);
        tnode *items = arr && v->n ? ig_cfn_calloc(r, v->n, sizeof *items, CFN_NEW) : NULL;
        if (!arr || (v->n && !items)) return ig_cfn_nomem(r);
        for (uint32_t i = 0; i < v->n; i++) {
            const tnode *t = copy_scalar(r, &v->u.items[i], expr);
            if (!t) return ig_cfn_nomem(r);
            items[i] = *t;
        }
        *arr = *v;
        arr->start = expr->start;
        arr->end = expr->end;
        arr->u.items = items;
        ig_cfn_alts_one(out, arr, 0);
        return 0;
    }
unknown:;
    const alt *map = ig_cfn_single_text(&k[0]);
    return ig_cfn_opaque(r, expr, out, "FindInMap", map && !map->opaque ? map->node->u.s : NULL);
}

int ig_cfn_fn_split(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        ig_cfn_warn(r, arg, "Fn::Split takes [delimiter, string]");
        return ig_cfn_opaque(r, expr, out, "Split", NULL);
    }
    alts d, srcs;
    int rc = ig_cfn_eval(r, &arg->u.items[0], depth + 1, &d);
    if (rc) return rc;
    const alt *delim = ig_cfn_single_text(&d);
    if (!delim || delim->opaque || delim->node->n == 0)
        return ig_cfn_opaque(r, expr, out, "Split", NULL);
    rc = ig_cfn_eval(r, &arg->u.items[1], depth + 1, &srcs);
    if (rc) return rc;
    alts result;
    result.n = 0;
    result.capped = srcs.capped;
    const char *dl = delim->node->u.s;
    size_t dn = delim->node->n;
    for (uint32_t i = 0; i < srcs.n; i++) {
        const tnode *s = srcs.v[i].node;
        if (!s || s->type != TN_STRING) return ig_cfn_opaque(r, expr, out, "Split", NULL);
        uint32_t parts = 1;
        for (const char *p = s->u.s; (p = strstr(p, dl)) != NULL; p += dn)
            parts++;
        tnode *arr = ig_cfn_alloc(r, sizeof *arr, CFN_NEW);
        tnode *items = arr ? ig_cfn_calloc(r, parts, sizeof *items, CFN_NEW) : NULL;
        if (!arr || !items) return ig_cfn_nomem(r);
        const char *p = s->u.s;
        for (uint32_t k = 0; k < parts; k++) {
            const char *q = k + 1 < parts ? strstr(p, dl) : p + strlen(p);
            const tnode *t = ig_cfn_mkstr(r, p, (size_t)(q - p), expr);
            if (!t) return ig_cfn_nomem(r);
            items[k] = *t;
            p = q + dn;
        }
        memset(arr, 0, sizeof *arr);
        arr->type = TN_ARRAY;
        arr->n = parts;
        arr->start = expr->start;
        arr->end = expr->end;
        arr->u.items = items;
        ig_cfn_alts_add(&result, arr, srcs.v[i].opaque);
    }
    *out = result;
    return 0;
}
