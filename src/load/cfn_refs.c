/*
 * load/cfn_refs.c - Ref, Fn::GetAtt, Fn::ImportValue (opaque but for pseudo
 * parameters) and Fn::If (both branches).
 */
#include "load/cfn_int.h"

#include <stdio.h>
#include <string.h>

/* ---- Ref, Fn::GetAtt, Fn::ImportValue, Fn::If ---- */

int ig_cfn_fn_ref(rx *r, const tnode *expr, const tnode *arg, alts *out)
{
    if (arg->type != TN_STRING) {
        ig_cfn_warn(r, arg, "Ref takes the name of a parameter or resource");
        return ig_cfn_opaque(r, expr, out, "Ref", NULL);
    }
    const struct pseudo *ps = ig_cfn_find_pseudo(arg->u.s, arg->n);
    if (ps && !ps->value) {
        ig_cfn_alts_one(out, NULL, 0);
        return 0;
    }
    if (ps) {
        const tnode *t = ig_cfn_mkstr(r, ps->value, strlen(ps->value), expr);
        if (!t) return ig_cfn_nomem(r);
        ig_cfn_alts_one(out, t, 0);
        return 0;
    }
    return ig_cfn_opaque(r, expr, out, "Ref", arg->u.s);
}

int ig_cfn_fn_getatt(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type == TN_STRING) return ig_cfn_opaque(r, expr, out, "GetAtt", arg->u.s);
    if (arg->type == TN_ARRAY && arg->n == 2 && arg->u.items[0].type == TN_STRING) {
        alts a;
        int rc = ig_cfn_eval(r, &arg->u.items[1], depth + 1, &a);
        if (rc) return rc;
        const alt *attr = ig_cfn_single_text(&a);
        char label[512];
        snprintf(label, sizeof label, "%s.%s", arg->u.items[0].u.s,
                 attr ? attr->node->u.s : "attribute");
        return ig_cfn_opaque(r, expr, out, "GetAtt", label);
    }
    ig_cfn_warn(r, arg, "Fn::GetAtt takes [resource, attribute] or \"resource.attribute\"");
    return ig_cfn_opaque(r, expr, out, "GetAtt", NULL);
}

int ig_cfn_fn_importvalue(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    alts a;
    int rc = ig_cfn_eval(r, arg, depth + 1, &a);
    if (rc) return rc;
    const alt *name = ig_cfn_single_text(&a);
    return ig_cfn_opaque(r, expr, out, "ImportValue", name ? name->node->u.s : NULL);
}

int ig_cfn_fn_if(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 3) {
        ig_cfn_warn(r, arg, "Fn::If takes [condition, value if true, value if false]");
        return ig_cfn_opaque(r, expr, out, "If", NULL);
    }
    alts b;
    out->n = 0;
    out->capped = 0;
    for (int i = 1; i <= 2; i++) {
        int rc = ig_cfn_eval(r, &arg->u.items[i], depth + 1, &b);
        if (rc) return rc;
        if (b.capped) out->capped = 1;
        for (uint32_t k = 0; k < b.n; k++)
            ig_cfn_alts_add(out, b.v[k].node, b.v[k].opaque);
    }
    if (out->capped) ig_cfn_report_cap(r, expr);
    return 0;
}
