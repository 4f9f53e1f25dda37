/*
 * load/cfn_sub.c - Fn::Sub: ${Var} from its variables and the pseudo parameters,
 * the rest kept as written (opaque).
 */
#include "load/cfn_int.h"

#include <string.h>

/* ---- Fn::Sub ---- */

static const struct subvar *find_var(const cfn_subvars *vars, const char *name, size_t len)
{
    if (!vars) return NULL;
    for (uint32_t i = 0; i < vars->n; i++)
        if (vars->v[i].len == len && memcmp(vars->v[i].name, name, len) == 0) return &vars->v[i];
    return NULL;
}

/* Substitute a Sub template's text; the results take `span`. */
int ig_cfn_sub_text(rx *r, const char *s, size_t len, const cfn_subvars *vars, const tnode *span,
                    alts *out)
{
    combo *c = ig_arena_alloc(r->e->a, sizeof *c);
    if (!c) return IAMG_ENOMEM;
    ig_cfn_combo_init(c);
    size_t i = 0;
    while (i < len) {
        const char *p = NULL;
        for (size_t j = i; j + 1 < len; j++) {
            if (s[j] == '$' && s[j + 1] == '{') {
                p = s + j;
                break;
            }
        }
        if (!p) {
            ig_cfn_combo_lit(c, s + i, len - i, 0);
            break;
        }
        size_t at = (size_t)(p - s);
        ig_cfn_combo_lit(c, s + i, at - i, 0);
        if (at + 2 < len && s[at + 2] == '!') {
            /* ${!Literal} is the literal text ${Literal} */
            ig_cfn_combo_lit(c, "${", 2, 0);
            i = at + 3;
            continue;
        }
        const char *close = memchr(s + at + 2, '}', len - at - 2);
        if (!close) {
            ig_cfn_combo_lit(c, s + at, len - at, 0);
            break;
        }
        const char *name = s + at + 2;
        size_t nlen = (size_t)(close - name);
        i = (size_t)(close - s) + 1;
        const struct subvar *v = find_var(vars, name, nlen);
        const struct pseudo *ps = v ? NULL : ig_cfn_find_pseudo(name, nlen);
        if (v && v->nvals) {
            choice ch[CFN_MAX_ALTS];
            for (uint32_t k = 0; k < v->nvals; k++) {
                ch[k].s = v->vals[k].s ? v->vals[k].s : s + at;
                ch[k].len = v->vals[k].s ? v->vals[k].len : nlen + 3;
                ch[k].opaque = v->vals[k].s ? v->vals[k].opaque : 1;
                ch[k].skip = 0;
            }
            ig_cfn_combo_product(c, ch, v->nvals, NULL);
        } else if (ps) {
            ig_cfn_combo_lit(c, ps->value ? ps->value : "", ps->value ? strlen(ps->value) : 0, 0);
        } else if (!memchr(name, '*', nlen) && !memchr(name, '?', nlen)) {
            /* A parameter, resource or attribute: kept as written, opaque. */
            ig_cfn_combo_lit(c, s + at, nlen + 3, 1);
        } else {
            /* No valid name holds a wildcard character; never let one act. */
            char *t = ig_arena_strndup(r->e->a, s + at, nlen + 3);
            if (!t) {
                ig_cfn_combo_free(c);
                return IAMG_ENOMEM;
            }
            for (size_t k = 0; k < nlen + 3; k++)
                if (t[k] == '*' || t[k] == '?') t[k] = '_';
            ig_cfn_combo_lit(c, t, nlen + 3, 1);
        }
    }
    int rc = ig_cfn_combo_emit(r, c, span, out);
    ig_cfn_combo_free(c);
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
    cfn_subvars *vars = ig_arena_calloc(r->e->a, 1, sizeof *vars);
    if (!vars) return IAMG_ENOMEM;
    vars->v = map->n ? ig_arena_calloc(r->e->a, map->n, sizeof *vars->v) : NULL;
    if (map->n && !vars->v) return IAMG_ENOMEM;
    alts a;
    for (uint32_t i = 0; i < map->n; i++) {
        const tmember *m = &map->u.members[i];
        struct subvar *sv = &vars->v[vars->n++];
        sv->name = m->key.u.s;
        sv->len = m->key.n;
        int rc = ig_cfn_eval(r, &m->value, depth + 1, &a);
        if (rc) return rc;
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
