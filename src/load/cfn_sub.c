/*
 * load/cfn_sub.c - Fn::Sub: ${Var} from its variables and the pseudo parameters,
 * the rest kept as written (opaque).
 */
#include "load/cfn_int.h"

#include <string.h>

#include "util/alloc.h"

/* ---- Fn::Sub ---- */

/* The variable `name`; the search is charged (entries compared and bytes
 * compared), since a template of many ${x} over a map of many variables is
 * quadratic work. *found is NULL when there is none; -1 when refused. */
static int find_var(rx *r, const cfn_subvars *vars, const char *name, size_t len,
                    const struct subvar **found)
{
    *found = NULL;
    if (!vars) return 0;
    uint64_t cost = vars->n;
    for (uint32_t i = 0; i < vars->n; i++)
        if (vars->v[i].len == len) cost += len;
    if (ig_cfn_take(r, cost, CFN_NEW)) return -1;
    for (uint32_t i = 0; i < vars->n; i++) {
        if (vars->v[i].len == len && memcmp(vars->v[i].name, name, len) == 0) {
            *found = &vars->v[i];
            return 0;
        }
    }
    return 0;
}

/* Substitute a Sub template's text; the results take `span`. Every piece is
 * charged before it is appended (cfn_combo.c). */
int ig_cfn_sub_text(rx *r, const char *s, size_t len, const cfn_subvars *vars, const tnode *span,
                    alts *out)
{
    combo *c = ig_malloc(sizeof *c);
    if (!c) return IAMG_ENOMEM;
    ig_cfn_combo_init(c);
    int rc = 0;
    size_t i = 0;
    while (i < len && !rc) {
        const char *p = NULL;
        for (size_t j = i; j + 1 < len; j++) {
            if (s[j] == '$' && s[j + 1] == '{') {
                p = s + j;
                break;
            }
        }
        if (!p) {
            rc = ig_cfn_combo_lit(r, c, s + i, len - i, 0);
            break;
        }
        size_t at = (size_t)(p - s);
        rc = ig_cfn_combo_lit(r, c, s + i, at - i, 0);
        if (rc) break;
        if (at + 2 < len && s[at + 2] == '!') {
            /* ${!Literal} is the literal text ${Literal} */
            rc = ig_cfn_combo_lit(r, c, "${", 2, 0);
            i = at + 3;
            continue;
        }
        const char *close = memchr(s + at + 2, '}', len - at - 2);
        if (!close) {
            rc = ig_cfn_combo_lit(r, c, s + at, len - at, 0);
            break;
        }
        const char *name = s + at + 2;
        size_t nlen = (size_t)(close - name);
        i = (size_t)(close - s) + 1;
        const struct subvar *v;
        if (find_var(r, vars, name, nlen, &v)) {
            rc = ig_cfn_nomem(r);
            break;
        }
        const struct pseudo *ps = v ? NULL : ig_cfn_find_pseudo(name, nlen);
        if (v && v->nvals) {
            choice ch[CFN_MAX_ALTS];
            for (uint32_t k = 0; k < v->nvals; k++) {
                ch[k].s = v->vals[k].s ? v->vals[k].s : s + at;
                ch[k].len = v->vals[k].s ? v->vals[k].len : nlen + 3;
                ch[k].opaque = v->vals[k].s ? v->vals[k].opaque : 1;
                ch[k].skip = 0;
            }
            rc = ig_cfn_combo_product(r, c, ch, v->nvals, NULL);
        } else if (ps) {
            rc = ig_cfn_combo_lit(r, c, ps->value ? ps->value : "",
                                  ps->value ? strlen(ps->value) : 0, 0);
        } else if (!memchr(name, '*', nlen) && !memchr(name, '?', nlen)) {
            /* A parameter, resource or attribute: kept as written, opaque. */
            rc = ig_cfn_combo_lit(r, c, s + at, nlen + 3, 1);
        } else {
            /* No valid name holds a wildcard character; never let one act. */
            char *t = ig_cfn_alloc(r, nlen + 3, CFN_NEW);
            if (!t) {
                rc = ig_cfn_nomem(r);
                break;
            }
            memcpy(t, s + at, nlen + 3);
            for (size_t k = 0; k < nlen + 3; k++)
                if (t[k] == '*' || t[k] == '?') t[k] = '_';
            rc = ig_cfn_combo_lit(r, c, t, nlen + 3, 1);
        }
    }
    if (!rc) rc = ig_cfn_combo_emit(r, c, span, out);
    ig_cfn_combo_free(c);
    ig_free(c);
    return rc;
}

static int prepare_vars(rx *r, const tnode *map, unsigned depth, cfn_subvars **outv)
{
    *outv = NULL;
    if (!map) return 0;
    if (map->type != TN_OBJECT) {
        ig_cfn_warn(r, map, "the variables of Fn::Sub must be an object");
        return 0;
    }
    cfn_subvars *vars = ig_cfn_calloc(r, 1, sizeof *vars, CFN_NEW);
    if (!vars) return ig_cfn_nomem(r);
    vars->v = map->n ? ig_cfn_calloc(r, map->n, sizeof *vars->v, CFN_NEW) : NULL;
    if (map->n && !vars->v) return ig_cfn_nomem(r);
    alts a;
    for (uint32_t i = 0; i < map->n; i++) {
        const tmember *m = &map->u.members[i];
        struct subvar *sv = &vars->v[vars->n++];
        sv->name = m->key.u.s;
        sv->len = m->key.n;
        int rc = ig_cfn_eval(r, &m->value, depth + 1, &a);
        if (rc) return rc;
        sv->vals = ig_cfn_calloc(r, a.n, sizeof *sv->vals, CFN_NEW);
        if (!sv->vals) return ig_cfn_nomem(r);
        for (uint32_t k = 0; k < a.n; k++) {
            struct subtext *t = &sv->vals[sv->nvals++];
            const tnode *n = a.v[k].node;
            if (n && ig_cfn_is_scalar(n)) {
                t->s = n->u.s;
                t->len = n->n;
                t->opaque = a.v[k].opaque;
            } else {
                t->s = NULL; /* a list, an object or nothing: keep ${name} */
            }
        }
        if (a.capped) ig_cfn_report_cap(r, &m->value);
    }
    *outv = vars;
    return 0;
}

/* Split an Fn::Sub argument into template and variables. */
int ig_cfn_sub_parts(rx *r, const tnode *arg, unsigned depth, const tnode **tmpl,
                     cfn_subvars **vars)
{
    *tmpl = NULL;
    *vars = NULL;
    const tnode *t = arg, *map = NULL;
    if (arg->type == TN_ARRAY) {
        if (arg->n < 1 || arg->n > 2) {
            ig_cfn_warn(r, arg, "Fn::Sub takes a template string or [template, {variables}]");
            return 0;
        }
        t = &arg->u.items[0];
        map = arg->n == 2 ? &arg->u.items[1] : NULL;
    }
    if (t->type != TN_STRING) {
        ig_cfn_warn(r, t, "the template of Fn::Sub must be a string");
        return 0;
    }
    int rc = prepare_vars(r, map, depth, vars);
    if (rc) return rc;
    *tmpl = t;
    return 0;
}

int ig_cfn_fn_sub(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    const tnode *tmpl;
    cfn_subvars *vars;
    int rc = ig_cfn_sub_parts(r, arg, depth, &tmpl, &vars);
    if (rc) return rc;
    if (!tmpl) return ig_cfn_opaque(r, expr, out, "Sub", NULL);
    return ig_cfn_sub_text(r, tmpl->u.s, tmpl->n, vars, expr, out);
}
