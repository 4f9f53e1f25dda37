/*
 * load/cfn_intrinsics.c - the resolver's walk over a template value, the helpers
 * every intrinsic shares, and the entry points of cfn_intrinsics.h.
 */
#include "load/cfn_intrinsics.h"

#include "load/cfn_int.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/errors.h"

/* ---- small helpers ---- */

void ig_cfn_alts_one(alts *o, const tnode *n, int opaque)
{
    o->n = 1;
    o->capped = 0;
    o->v[0].node = n;
    o->v[0].opaque = (uint8_t)opaque;
}

void ig_cfn_alts_add(alts *o, const tnode *n, int opaque)
{
    if (o->n == CFN_MAX_ALTS) {
        o->capped = 1;
        return;
    }
    o->v[o->n].node = n;
    o->v[o->n].opaque = (uint8_t)opaque;
    o->n++;
}

/* An error: the combinations left out may hold what a rule would report. */
void ig_cfn_report_cap(rx *r, const tnode *at)
{
    if (r->reported_cap) return;
    r->reported_cap = 1;
    ig_diag_add(
        r->e->diags, IAMG_ELIMIT, IAMG_LEVEL_ERROR, r->e->src, at->start,
        "Fn::If branches give more than %d combinations here: only the first %d are checked",
        CFN_MAX_ALTS, CFN_MAX_ALTS);
}

void ig_cfn_warn(rx *r, const tnode *at, const char *what)
{
    ig_diag_add(r->e->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, r->e->src, at->start,
                "%s: the value is treated as unknown", what);
}

int ig_cfn_is_scalar(const tnode *n)
{
    return n->type == TN_STRING || n->type == TN_NUMBER || n->type == TN_BOOL;
}

/* ---- the expansion budget (load/budget.h) ---- */

int ig_cfn_take(rx *r, uint64_t n, int how)
{
    if (how == CFN_PAID) return 0;
    ig_budget *b = r->e->budget;
    if (!(how == CFN_STANDIN ? ig_budget_take_standin(b, n) : ig_budget_take(b, n))) return 0;
    r->limited = 1;
    return -1;
}

void *ig_cfn_alloc(rx *r, size_t n, int how)
{
    if (ig_cfn_take(r, n, how)) return NULL;
    return ig_arena_alloc(r->e->a, n);
}

void *ig_cfn_calloc(rx *r, size_t count, size_t size, int how)
{
    if (size && count > SIZE_MAX / size) return NULL;
    if (ig_cfn_take(r, (uint64_t)count * size, how)) return NULL;
    return ig_arena_calloc(r->e->a, count, size);
}

int ig_cfn_nomem(rx *r)
{
    if (!r->limited) return IAMG_ENOMEM;
    r->limited = 0;
    return IAMG_ELIMIT;
}

tnode *ig_cfn_mkstr_as(rx *r, const char *s, size_t n, const tnode *span, int how)
{
    if (!s) n = 0;
    if (n >= UINT32_MAX) {
        r->limited = 1;
        return NULL;
    }
    if (ig_cfn_take(r, sizeof(tnode) + (uint64_t)n + 1, how)) return NULL;
    tnode *t = ig_arena_alloc(r->e->a, sizeof *t);
    char *txt = ig_arena_strndup(r->e->a, s ? s : "", n);
    if (!t || !txt) return NULL;
    memset(t, 0, sizeof *t);
    t->type = TN_STRING;
    t->flags = TNF_SYNTHETIC;
    t->n = (uint32_t)n;
    t->start = span->start;
    t->end = span->end;
    t->u.s = txt;
    return t;
}

tnode *ig_cfn_mkstr(rx *r, const char *s, size_t n, const tnode *span)
{
    return ig_cfn_mkstr_as(r, s, n, span, CFN_NEW);
}

/* An opaque value: "{label}" with '*' and '?' replaced, so it can never act
 * as a wildcard, and a stray "${*}" can never become IAM's escape for '*'.
 * Opaque values are what the resolver falls back on, so they are charged as
 * stand-ins; once the budget is spent they carry no detail. */
int ig_cfn_opaque(rx *r, const tnode *span, alts *out, const char *label, const char *detail)
{
    if (ig_budget_spent(r->e->budget)) detail = NULL;
    uint64_t need = strlen(label) + 2 + (detail ? strlen(detail) + 1 : 0);
    if (ig_cfn_take(r, sizeof(tnode) + need + 1, CFN_STANDIN)) return ig_cfn_nomem(r);
    buf b = BUF_INIT;
    ig_buf_putc(&b, '{');
    ig_buf_puts(&b, label);
    if (detail) {
        ig_buf_putc(&b, ':');
        ig_buf_puts(&b, detail);
    }
    ig_buf_putc(&b, '}');
    if (b.oom) {
        ig_buf_free(&b);
        return IAMG_ENOMEM;
    }
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '*' || b.data[i] == '?') b.data[i] = '_';
    tnode *t = ig_cfn_mkstr_as(r, b.data, b.len, span, CFN_PAID);
    ig_buf_free(&b);
    if (!t) return IAMG_ENOMEM;
    ig_cfn_alts_one(out, t, 1);
    return 0;
}

static const struct pseudo pseudos[] = {
    {"AWS::Partition", "aws"},
    {"AWS::Region", "us-east-1"},
    {"AWS::AccountId", "123456789012"},
    {"AWS::StackName", "stack-name"},
    {"AWS::StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/stack-name/"
                     "00000000-0000-0000-0000-000000000000"},
    {"AWS::URLSuffix", "amazonaws.com"},
    {"AWS::NoValue", NULL},
};

const struct pseudo *ig_cfn_find_pseudo(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof pseudos / sizeof *pseudos; i++)
        if (strlen(pseudos[i].name) == len && memcmp(pseudos[i].name, name, len) == 0)
            return &pseudos[i];
    return NULL;
}

const char *ig_cfn_intrinsic(const tnode *n, const tnode **arg)
{
    if (!n || n->type != TN_OBJECT || n->n != 1) return NULL;
    const tnode *k = &n->u.members[0].key;
    if (!(k->n == 3 && memcmp(k->u.s, "Ref", 3) == 0) &&
        !(k->n > 4 && memcmp(k->u.s, "Fn::", 4) == 0))
        return NULL;
    if (arg) *arg = &n->u.members[0].value;
    return k->u.s;
}

const alt *ig_cfn_single_text(const alts *a)
{
    if (a->n != 1 || !a->v[0].node || !ig_cfn_is_scalar(a->v[0].node)) return NULL;
    return &a->v[0];
}

static int dispatch(rx *r, const tnode *expr, const char *fn, const tnode *arg, unsigned depth,
                    alts *out)
{
    if (strcmp(fn, "Ref") == 0) return ig_cfn_fn_ref(r, expr, arg, out);
    if (strcmp(fn, "Fn::Sub") == 0) return ig_cfn_fn_sub(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Join") == 0) return ig_cfn_fn_join(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::If") == 0) return ig_cfn_fn_if(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Select") == 0) return ig_cfn_fn_select(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::FindInMap") == 0) return ig_cfn_fn_findinmap(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Split") == 0) return ig_cfn_fn_split(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::GetAtt") == 0) return ig_cfn_fn_getatt(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::ImportValue") == 0) return ig_cfn_fn_importvalue(r, expr, arg, depth, out);
    /* Fn::Base64, Fn::GetAZs, Fn::Cidr, Fn::Equals, Fn::Length, ...: values
     * no policy element can be judged by. */
    return ig_cfn_opaque(r, expr, out, fn + 4, NULL);
}

/*
 * An intrinsic whose evaluation would go past the budget becomes opaque,
 * the innermost one first, reported at its position. Once the budget is
 * spent, intrinsics are not evaluated at all: their arguments, however big,
 * cost nothing more.
 */
static int resolve_intrinsic(rx *r, const tnode *expr, const char *fn, const tnode *arg,
                             unsigned depth, alts *out)
{
    const char *label = strncmp(fn, "Fn::", 4) == 0 ? fn + 4 : fn;
    if (ig_budget_spent(r->e->budget)) return ig_cfn_opaque(r, expr, out, label, NULL);
    int rc = dispatch(r, expr, fn, arg, depth, out);
    if (rc != IAMG_ELIMIT) return rc;
    ig_budget_report(r->e->budget, r->e->diags, r->e->src, expr->start, fn,
                     "its value is treated as unknown");
    return ig_cfn_opaque(r, expr, out, label, NULL);
}

int ig_cfn_eval(rx *r, const tnode *in, unsigned depth, alts *out)
{
    if (depth > r->e->max_depth) {
        if (!r->reported_depth) {
            r->reported_depth = 1;
            ig_diag_add(
                r->e->diags, IAMG_ELIMIT, IAMG_LEVEL_WARNING, r->e->src, in->start,
                "intrinsic functions nested deeper than %u levels (max_depth): left as written",
                r->e->max_depth);
        }
        ig_cfn_alts_one(out, in, 0);
        return 0;
    }
    switch (in->type) {
    case TN_ARRAY:
        return ig_cfn_resolve_array(r, in, depth, out);
    case TN_OBJECT: {
        const tnode *arg;
        const char *fn = r->sub_mode ? NULL : ig_cfn_intrinsic(in, &arg);
        if (fn) return resolve_intrinsic(r, in, fn, arg, depth, out);
        return ig_cfn_resolve_object(r, in, depth, out);
    }
    case TN_STRING:
        if (r->sub_mode && ig_cfn_has_var(in)) {
            /* Past the budget, a string of a Sub template stays as written:
             * its ${Var} are then unknown names. */
            if (ig_budget_spent(r->e->budget)) {
                ig_cfn_alts_one(out, in, 1);
                return 0;
            }
            int rc = ig_cfn_sub_text(r, in->u.s, in->n, r->vars, in, out);
            if (rc == IAMG_ELIMIT) {
                ig_budget_report(r->e->budget, r->e->diags, r->e->src, in->start, "Fn::Sub",
                                 "its value is treated as unknown");
                ig_cfn_alts_one(out, in, 1);
                return 0;
            }
            if (rc == 0 && out->n == 1 && out->v[0].node->n == in->n &&
                memcmp(out->v[0].node->u.s, in->u.s, in->n) == 0)
                ig_cfn_alts_one(out, in, out->v[0].opaque); /* keep the real node */
            return rc;
        }
        ig_cfn_alts_one(out, in, 0);
        return 0;
    default:
        ig_cfn_alts_one(out, in, 0);
        return 0;
    }
}

/* ---- public ---- */

static int to_vals(rx *r, const alts *a, cfn_vals *out)
{
    out->n = a->n;
    out->v = ig_cfn_alloc(r, (size_t)a->n * sizeof *out->v, CFN_STANDIN);
    out->opaque = out->v ? ig_cfn_alloc(r, a->n, CFN_STANDIN) : NULL;
    if (!out->v || !out->opaque) return ig_cfn_nomem(r);
    for (uint32_t i = 0; i < a->n; i++) {
        out->v[i] = a->v[i].node;
        out->opaque[i] = a->v[i].opaque;
    }
    return 0;
}

/* A value that not even stand-ins could express within the budget. */
static int finish(rx *r, const tnode *in, int rc, const alts *a, cfn_vals *out)
{
    if (!rc) {
        if (a->capped) ig_cfn_report_cap(r, in);
        rc = to_vals(r, a, out);
    }
    if (rc == IAMG_ELIMIT)
        ig_budget_report(r->e->budget, r->e->diags, r->e->src, in->start, "this value",
                         "it is not checked");
    return rc;
}

int ig_cfn_resolve(cfn_env *env, const tnode *in, cfn_vals *out)
{
    rx r = {.e = env};
    alts a;
    return finish(&r, in, ig_cfn_eval(&r, in, 0, &a), &a, out);
}

int ig_cfn_sub_prepare(cfn_env *env, const tnode *arg, const tnode **tmpl, cfn_subvars **vars)
{
    rx r = {.e = env};
    int rc = ig_cfn_sub_parts(&r, arg, 0, tmpl, vars);
    if (rc == IAMG_ELIMIT)
        ig_budget_report(env->budget, env->diags, env->src, arg->start, "Fn::Sub",
                         "its value is treated as unknown");
    return rc;
}

int ig_cfn_resolve_sub_json(cfn_env *env, const tnode *in, const cfn_subvars *vars, cfn_vals *out)
{
    rx r = {.e = env, .sub_mode = 1, .vars = vars};
    alts a;
    return finish(&r, in, ig_cfn_eval(&r, in, 0, &a), &a, out);
}
