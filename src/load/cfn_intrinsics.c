#include "load/cfn_intrinsics.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/errors.h"

/* One value a template value may take; node NULL means removed. */
typedef struct alt {
    const tnode *node;
    uint8_t opaque;
} alt;

/* The values under construction for one node. Lives on the stack of the
 * caller, so the recursion stays one small frame per tree level. */
typedef struct alts {
    alt v[CFN_MAX_ALTS];
    uint32_t n;
    uint8_t capped;
} alts;

/* The same, compact, kept in the arena while a container is rebuilt. */
typedef struct alts_kept {
    alt *v;
    uint32_t n;
} alts_kept;

struct cfn_subvars {
    uint32_t n;
    struct subvar {
        const char *name;
        size_t len;
        uint32_t nvals;
        struct subtext {
            const char *s; /* NULL: keep "${name}" as opaque text */
            size_t len;
            uint8_t opaque;
        } vals[CFN_MAX_ALTS];
    } * v;
};

typedef struct rx {
    cfn_env *e;
    int sub_mode;            /* inside the JSON text of an Fn::Sub template */
    const cfn_subvars *vars; /* its variables */
    int reported_cap, reported_depth;
} rx;

static int resolve(rx *r, const tnode *in, unsigned depth, alts *out);

/* ---- small helpers ---- */

static void alts_one(alts *o, const tnode *n, int opaque)
{
    o->n = 1;
    o->capped = 0;
    o->v[0].node = n;
    o->v[0].opaque = (uint8_t)opaque;
}

static void alts_add(alts *o, const tnode *n, int opaque)
{
    if (o->n == CFN_MAX_ALTS) {
        o->capped = 1;
        return;
    }
    o->v[o->n].node = n;
    o->v[o->n].opaque = (uint8_t)opaque;
    o->n++;
}

static int unchanged(const alts *o, const tnode *n)
{
    return o->n == 1 && o->v[0].node == n;
}

static void report_cap(rx *r, const tnode *at)
{
    if (r->reported_cap) return;
    r->reported_cap = 1;
    ig_diag_add(
        r->e->diags, IAMG_ELIMIT, IAMG_LEVEL_WARNING, r->e->src, at->start,
        "Fn::If branches give more than %d combinations here: only the first %d are checked",
        CFN_MAX_ALTS, CFN_MAX_ALTS);
}

static void warn(rx *r, const tnode *at, const char *what)
{
    ig_diag_add(r->e->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, r->e->src, at->start,
                "%s: the value is treated as unknown", what);
}

static int is_scalar(const tnode *n)
{
    return n->type == TN_STRING || n->type == TN_NUMBER || n->type == TN_BOOL;
}

static tnode *mkstr(rx *r, const char *s, size_t n, const tnode *span)
{
    tnode *t = ig_arena_alloc(r->e->a, sizeof *t);
    char *txt = ig_arena_strndup(r->e->a, s ? s : "", s ? n : 0);
    if (!t || !txt) return NULL;
    memset(t, 0, sizeof *t);
    t->type = TN_STRING;
    t->flags = TNF_SYNTHETIC;
    t->n = (uint32_t)(s ? n : 0);
    t->start = span->start;
    t->end = span->end;
    t->u.s = txt;
    return t;
}

/* An opaque value: "{label}" with '*' and '?' replaced, so it can never act
 * as a wildcard, and a stray "${*}" can never become IAM's escape for '*'. */
static int opaque(rx *r, const tnode *span, alts *out, const char *label, const char *detail)
{
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
    tnode *t = mkstr(r, b.data, b.len, span);
    ig_buf_free(&b);
    if (!t) return IAMG_ENOMEM;
    alts_one(out, t, 1);
    return 0;
}

static const struct pseudo {
    const char *name, *value; /* value NULL: AWS::NoValue */
} pseudos[] = {
    {"AWS::Partition", "aws"},
    {"AWS::Region", "us-east-1"},
    {"AWS::AccountId", "123456789012"},
    {"AWS::StackName", "stack-name"},
    {"AWS::StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/stack-name/"
                     "00000000-0000-0000-0000-000000000000"},
    {"AWS::URLSuffix", "amazonaws.com"},
    {"AWS::NoValue", NULL},
};

static const struct pseudo *find_pseudo(const char *name, size_t len)
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

/* The single string a resolved value stands for, or NULL. */
static const alt *single_text(const alts *a)
{
    if (a->n != 1 || !a->v[0].node || !is_scalar(a->v[0].node)) return NULL;
    return &a->v[0];
}

/* ---- strings built from pieces with alternatives (Fn::Sub, Fn::Join) ---- */

typedef struct combo {
    struct {
        buf b;
        uint8_t opaque;
        uint32_t count; /* elements joined so far (Fn::Join delimiters) */
    } v[CFN_MAX_ALTS];
    uint32_t n;
    uint8_t capped;
} combo;

typedef struct choice {
    const char *s;
    size_t len;
    uint8_t opaque;
    uint8_t skip; /* a removed Fn::Join element */
} choice;

static void combo_init(combo *c)
{
    memset(c, 0, sizeof *c);
    c->n = 1;
}

static void combo_free(combo *c)
{
    for (uint32_t i = 0; i < CFN_MAX_ALTS; i++)
        ig_buf_free(&c->v[i].b);
}

static int combo_oom(const combo *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->v[i].b.oom) return 1;
    return 0;
}

/* Every partial string times every choice; delim (Fn::Join) goes between
 * elements. With one choice this is a plain append. */
static void combo_product(combo *c, const choice *ch, uint32_t k, const char *delim)
{
    if (k == 1) {
        for (uint32_t i = 0; i < c->n; i++) {
            if (ch[0].skip) continue;
            if (delim && c->v[i].count) ig_buf_puts(&c->v[i].b, delim);
            ig_buf_append(&c->v[i].b, ch[0].s, ch[0].len);
            c->v[i].opaque |= ch[0].opaque;
            c->v[i].count++;
        }
        return;
    }
    uint32_t old = c->n, total = old * k;
    if (total > CFN_MAX_ALTS) {
        total = CFN_MAX_ALTS;
        c->capped = 1;
    }
    /* Fill from the end so each source partial is read before it is
     * overwritten: result j comes from partial j / k. */
    for (uint32_t j = total; j-- > 0;) {
        uint32_t from = j / k, which = j % k;
        if (j != from) {
            ig_buf_reset(&c->v[j].b);
            ig_buf_append(&c->v[j].b, c->v[from].b.data ? c->v[from].b.data : "", c->v[from].b.len);
            c->v[j].opaque = c->v[from].opaque;
            c->v[j].count = c->v[from].count;
        }
        const choice *x = &ch[which];
        if (x->skip) continue;
        if (delim && c->v[j].count) ig_buf_puts(&c->v[j].b, delim);
        ig_buf_append(&c->v[j].b, x->s, x->len);
        c->v[j].opaque |= x->opaque;
        c->v[j].count++;
    }
    c->n = total;
}

static void combo_lit(combo *c, const char *s, size_t len, int is_opaque)
{
    choice ch = {s, len, (uint8_t)is_opaque, 0};
    combo_product(c, &ch, 1, NULL);
}

static int combo_emit(rx *r, combo *c, const tnode *span, alts *out)
{
    if (combo_oom(c)) return IAMG_ENOMEM;
    out->n = 0;
    out->capped = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        tnode *t = mkstr(r, c->v[i].b.data ? c->v[i].b.data : "", c->v[i].b.len, span);
        if (!t) return IAMG_ENOMEM;
        alts_add(out, t, c->v[i].opaque);
    }
    if (c->capped) report_cap(r, span);
    return 0;
}

/* Text of a scalar alternative as a choice. */
static choice text_choice(const alt *a)
{
    choice ch = {a->node->u.s, a->node->n, a->opaque, 0};
    return ch;
}

/* ---- Fn::Sub ---- */

static const struct subvar *find_var(const cfn_subvars *vars, const char *name, size_t len)
{
    if (!vars) return NULL;
    for (uint32_t i = 0; i < vars->n; i++)
        if (vars->v[i].len == len && memcmp(vars->v[i].name, name, len) == 0) return &vars->v[i];
    return NULL;
}

/* Substitute a Sub template's text; the results take `span`. */
static int sub_text(rx *r, const char *s, size_t len, const cfn_subvars *vars, const tnode *span,
                    alts *out)
{
    combo *c = ig_arena_alloc(r->e->a, sizeof *c);
    if (!c) return IAMG_ENOMEM;
    combo_init(c);
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
            combo_lit(c, s + i, len - i, 0);
            break;
        }
        size_t at = (size_t)(p - s);
        combo_lit(c, s + i, at - i, 0);
        if (at + 2 < len && s[at + 2] == '!') {
            /* ${!Literal} is the literal text ${Literal} */
            combo_lit(c, "${", 2, 0);
            i = at + 3;
            continue;
        }
        const char *close = memchr(s + at + 2, '}', len - at - 2);
        if (!close) {
            combo_lit(c, s + at, len - at, 0);
            break;
        }
        const char *name = s + at + 2;
        size_t nlen = (size_t)(close - name);
        i = (size_t)(close - s) + 1;
        const struct subvar *v = find_var(vars, name, nlen);
        const struct pseudo *ps = v ? NULL : find_pseudo(name, nlen);
        if (v && v->nvals) {
            choice ch[CFN_MAX_ALTS];
            for (uint32_t k = 0; k < v->nvals; k++) {
                ch[k].s = v->vals[k].s ? v->vals[k].s : s + at;
                ch[k].len = v->vals[k].s ? v->vals[k].len : nlen + 3;
                ch[k].opaque = v->vals[k].s ? v->vals[k].opaque : 1;
                ch[k].skip = 0;
            }
            combo_product(c, ch, v->nvals, NULL);
        } else if (ps) {
            combo_lit(c, ps->value ? ps->value : "", ps->value ? strlen(ps->value) : 0, 0);
        } else if (!memchr(name, '*', nlen) && !memchr(name, '?', nlen)) {
            /* A parameter, resource or attribute: kept as written, opaque. */
            combo_lit(c, s + at, nlen + 3, 1);
        } else {
            /* No valid name holds a wildcard character; never let one act. */
            char *t = ig_arena_strndup(r->e->a, s + at, nlen + 3);
            if (!t) {
                combo_free(c);
                return IAMG_ENOMEM;
            }
            for (size_t k = 0; k < nlen + 3; k++)
                if (t[k] == '*' || t[k] == '?') t[k] = '_';
            combo_lit(c, t, nlen + 3, 1);
        }
    }
    int rc = combo_emit(r, c, span, out);
    combo_free(c);
    return rc;
}

static int prepare_vars(rx *r, const tnode *map, unsigned depth, cfn_subvars **outv)
{
    *outv = NULL;
    if (!map) return 0;
    if (map->type != TN_OBJECT) {
        warn(r, map, "the variables of Fn::Sub must be an object");
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
        int rc = resolve(r, &m->value, depth + 1, &a);
        if (rc) return rc;
        for (uint32_t k = 0; k < a.n; k++) {
            struct subtext *t = &sv->vals[sv->nvals++];
            const tnode *n = a.v[k].node;
            if (n && is_scalar(n)) {
                t->s = n->u.s;
                t->len = n->n;
                t->opaque = a.v[k].opaque;
            } else {
                t->s = NULL; /* a list, an object or nothing: keep ${name} */
            }
        }
        if (a.capped) report_cap(r, &m->value);
    }
    *outv = vars;
    return 0;
}

/* Split an Fn::Sub argument into template and variables. */
static int sub_parts(rx *r, const tnode *arg, unsigned depth, const tnode **tmpl,
                     cfn_subvars **vars)
{
    *tmpl = NULL;
    *vars = NULL;
    const tnode *t = arg, *map = NULL;
    if (arg->type == TN_ARRAY) {
        if (arg->n < 1 || arg->n > 2) {
            warn(r, arg, "Fn::Sub takes a template string or [template, {variables}]");
            return 0;
        }
        t = &arg->u.items[0];
        map = arg->n == 2 ? &arg->u.items[1] : NULL;
    }
    if (t->type != TN_STRING) {
        warn(r, t, "the template of Fn::Sub must be a string");
        return 0;
    }
    int rc = prepare_vars(r, map, depth, vars);
    if (rc) return rc;
    *tmpl = t;
    return 0;
}

static int fn_sub(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    const tnode *tmpl;
    cfn_subvars *vars;
    int rc = sub_parts(r, arg, depth, &tmpl, &vars);
    if (rc) return rc;
    if (!tmpl) return opaque(r, expr, out, "Sub", NULL);
    return sub_text(r, tmpl->u.s, tmpl->n, vars, expr, out);
}

/* ---- Fn::Join ---- */

/* Append the elements of `arr` to every partial of c. Returns 1 when an
 * element cannot be expressed as text (the join is then opaque). */
static int join_items(rx *r, combo *c, const tnode *arr, const char *delim, unsigned depth)
{
    alts a;
    for (uint32_t i = 0; i < arr->n; i++) {
        int rc = resolve(r, &arr->u.items[i], depth + 1, &a);
        if (rc) return rc;
        choice ch[CFN_MAX_ALTS];
        for (uint32_t k = 0; k < a.n; k++) {
            const tnode *n = a.v[k].node;
            if (!n) {
                ch[k].skip = 1;
                ch[k].s = "";
                ch[k].len = 0;
                ch[k].opaque = 0;
            } else if (is_scalar(n)) {
                ch[k] = text_choice(&a.v[k]);
            } else {
                return 1;
            }
        }
        if (a.capped) c->capped = 1;
        combo_product(c, ch, a.n, delim);
    }
    return 0;
}

static int fn_join(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        warn(r, arg, "Fn::Join takes [delimiter, [values]]");
        return opaque(r, expr, out, "Join", NULL);
    }
    alts d;
    int rc = resolve(r, &arg->u.items[0], depth + 1, &d);
    if (rc) return rc;
    const alt *delim = single_text(&d);
    if (!delim || delim->opaque) return opaque(r, expr, out, "Join", NULL);
    const tnode *list = &arg->u.items[1];
    alts lists;
    if (list->type == TN_ARRAY) {
        alts_one(&lists, list, 0);
    } else {
        rc = resolve(r, list, depth + 1, &lists);
        if (rc) return rc;
    }
    alts result;
    result.n = 0;
    result.capped = lists.capped;
    combo *c = ig_arena_alloc(r->e->a, sizeof *c);
    if (!c) return IAMG_ENOMEM;
    for (uint32_t i = 0; i < lists.n; i++) {
        const tnode *l = lists.v[i].node;
        if (!l || l->type != TN_ARRAY) return opaque(r, expr, out, "Join", NULL);
        combo_init(c);
        rc = join_items(r, c, l, delim->node->u.s, depth);
        if (rc < 0 || rc == 1) {
            combo_free(c);
            return rc < 0 ? rc : opaque(r, expr, out, "Join", NULL);
        }
        alts part;
        rc = combo_emit(r, c, expr, &part);
        combo_free(c);
        if (rc) return rc;
        for (uint32_t k = 0; k < part.n; k++)
            alts_add(&result, part.v[k].node, part.v[k].opaque);
    }
    if (result.capped) report_cap(r, expr);
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

static int fn_select(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        warn(r, arg, "Fn::Select takes [index, [values]]");
        return opaque(r, expr, out, "Select", NULL);
    }
    alts ia;
    int rc = resolve(r, &arg->u.items[0], depth + 1, &ia);
    if (rc) return rc;
    uint32_t idx;
    if (!literal_index(single_text(&ia), &idx)) return opaque(r, expr, out, "Select", NULL);
    const tnode *list = &arg->u.items[1];
    if (list->type == TN_ARRAY) {
        /* Pick from the list as written, so Fn::If items keep their place. */
        if (idx >= list->n) return opaque(r, expr, out, "Select", NULL);
        return resolve(r, &list->u.items[idx], depth + 1, out);
    }
    alts lists;
    rc = resolve(r, list, depth + 1, &lists);
    if (rc) return rc;
    alts result;
    result.n = 0;
    result.capped = lists.capped;
    for (uint32_t i = 0; i < lists.n; i++) {
        const tnode *l = lists.v[i].node;
        if (!l || l->type != TN_ARRAY || idx >= l->n) return opaque(r, expr, out, "Select", NULL);
        const tnode *it = &l->u.items[idx];
        if (is_scalar(it)) {
            /* An item of a computed list: point at the whole expression. */
            it = mkstr(r, it->u.s, it->n, expr);
            if (!it) return IAMG_ENOMEM;
        }
        alts_add(&result, it, lists.v[i].opaque);
    }
    *out = result;
    return 0;
}

/* A synthetic copy of a mapping value, pointing at the expression. */
static const tnode *copy_scalar(rx *r, const tnode *v, const tnode *span)
{
    return mkstr(r, v->u.s, v->n, span);
}

static const tnode *lookup(const tnode *obj, const alt *key)
{
    if (!key || key->opaque || key->node->type != TN_STRING) return NULL;
    return ig_tnode_get(obj, key->node->u.s);
}

static int fn_findinmap(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n < 3 || arg->n > 4) {
        warn(r, arg, "Fn::FindInMap takes [map, top-level key, second-level key]");
        return opaque(r, expr, out, "FindInMap", NULL);
    }
    alts k[3];
    for (int i = 0; i < 3; i++) {
        int rc = resolve(r, &arg->u.items[i], depth + 1, &k[i]);
        if (rc) return rc;
    }
    const tnode *v = lookup(r->e->mappings, single_text(&k[0]));
    v = lookup(v, single_text(&k[1]));
    v = lookup(v, single_text(&k[2]));
    if (!v && arg->n == 4) {
        /* With AWS::LanguageExtensions: [map, k1, k2, {DefaultValue: x}] */
        const tnode *def = ig_tnode_get(&arg->u.items[3], "DefaultValue");
        if (def) return resolve(r, def, depth + 1, out);
    }
    if (v && is_scalar(v)) {
        const tnode *t = copy_scalar(r, v, expr);
        if (!t) return IAMG_ENOMEM;
        alts_one(out, t, 0);
        return 0;
    }
    if (v && v->type == TN_ARRAY) {
        tnode *arr = ig_arena_alloc(r->e->a, sizeof *arr);
        tnode *items = v->n ? ig_arena_alloc(r->e->a, (size_t)v->n * sizeof *items) : NULL;
        if (!arr || (v->n && !items)) return IAMG_ENOMEM;
        for (uint32_t i = 0; i < v->n; i++) {
            if (!is_scalar(&v->u.items[i])) goto unknown;
            const tnode *t = copy_scalar(r, &v->u.items[i], expr);
            if (!t) return IAMG_ENOMEM;
            items[i] = *t;
        }
        *arr = *v;
        arr->start = expr->start;
        arr->end = expr->end;
        arr->u.items = items;
        alts_one(out, arr, 0);
        return 0;
    }
unknown:;
    const alt *map = single_text(&k[0]);
    return opaque(r, expr, out, "FindInMap", map && !map->opaque ? map->node->u.s : NULL);
}

static int fn_split(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 2) {
        warn(r, arg, "Fn::Split takes [delimiter, string]");
        return opaque(r, expr, out, "Split", NULL);
    }
    alts d, srcs;
    int rc = resolve(r, &arg->u.items[0], depth + 1, &d);
    if (rc) return rc;
    const alt *delim = single_text(&d);
    if (!delim || delim->opaque || delim->node->n == 0) return opaque(r, expr, out, "Split", NULL);
    rc = resolve(r, &arg->u.items[1], depth + 1, &srcs);
    if (rc) return rc;
    alts result;
    result.n = 0;
    result.capped = srcs.capped;
    const char *dl = delim->node->u.s;
    size_t dn = delim->node->n;
    for (uint32_t i = 0; i < srcs.n; i++) {
        const tnode *s = srcs.v[i].node;
        if (!s || s->type != TN_STRING) return opaque(r, expr, out, "Split", NULL);
        uint32_t parts = 1;
        for (const char *p = s->u.s; (p = strstr(p, dl)) != NULL; p += dn)
            parts++;
        tnode *arr = ig_arena_alloc(r->e->a, sizeof *arr);
        tnode *items = ig_arena_alloc(r->e->a, (size_t)parts * sizeof *items);
        if (!arr || !items) return IAMG_ENOMEM;
        const char *p = s->u.s;
        for (uint32_t k = 0; k < parts; k++) {
            const char *q = k + 1 < parts ? strstr(p, dl) : p + strlen(p);
            const tnode *t = mkstr(r, p, (size_t)(q - p), expr);
            if (!t) return IAMG_ENOMEM;
            items[k] = *t;
            p = q + dn;
        }
        memset(arr, 0, sizeof *arr);
        arr->type = TN_ARRAY;
        arr->n = parts;
        arr->start = expr->start;
        arr->end = expr->end;
        arr->u.items = items;
        alts_add(&result, arr, srcs.v[i].opaque);
    }
    *out = result;
    return 0;
}

/* ---- Ref, Fn::GetAtt, Fn::ImportValue, Fn::If ---- */

static int fn_ref(rx *r, const tnode *expr, const tnode *arg, alts *out)
{
    if (arg->type != TN_STRING) {
        warn(r, arg, "Ref takes the name of a parameter or resource");
        return opaque(r, expr, out, "Ref", NULL);
    }
    const struct pseudo *ps = find_pseudo(arg->u.s, arg->n);
    if (ps && !ps->value) {
        alts_one(out, NULL, 0);
        return 0;
    }
    if (ps) {
        const tnode *t = mkstr(r, ps->value, strlen(ps->value), expr);
        if (!t) return IAMG_ENOMEM;
        alts_one(out, t, 0);
        return 0;
    }
    return opaque(r, expr, out, "Ref", arg->u.s);
}

static int fn_getatt(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type == TN_STRING) return opaque(r, expr, out, "GetAtt", arg->u.s);
    if (arg->type == TN_ARRAY && arg->n == 2 && arg->u.items[0].type == TN_STRING) {
        alts a;
        int rc = resolve(r, &arg->u.items[1], depth + 1, &a);
        if (rc) return rc;
        const alt *attr = single_text(&a);
        char label[512];
        snprintf(label, sizeof label, "%s.%s", arg->u.items[0].u.s,
                 attr ? attr->node->u.s : "attribute");
        return opaque(r, expr, out, "GetAtt", label);
    }
    warn(r, arg, "Fn::GetAtt takes [resource, attribute] or \"resource.attribute\"");
    return opaque(r, expr, out, "GetAtt", NULL);
}

static int fn_importvalue(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    alts a;
    int rc = resolve(r, arg, depth + 1, &a);
    if (rc) return rc;
    const alt *name = single_text(&a);
    return opaque(r, expr, out, "ImportValue", name ? name->node->u.s : NULL);
}

static int fn_if(rx *r, const tnode *expr, const tnode *arg, unsigned depth, alts *out)
{
    if (arg->type != TN_ARRAY || arg->n != 3) {
        warn(r, arg, "Fn::If takes [condition, value if true, value if false]");
        return opaque(r, expr, out, "If", NULL);
    }
    alts b;
    out->n = 0;
    out->capped = 0;
    for (int i = 1; i <= 2; i++) {
        int rc = resolve(r, &arg->u.items[i], depth + 1, &b);
        if (rc) return rc;
        if (b.capped) out->capped = 1;
        for (uint32_t k = 0; k < b.n; k++)
            alts_add(out, b.v[k].node, b.v[k].opaque);
    }
    if (out->capped) report_cap(r, expr);
    return 0;
}

static int resolve_intrinsic(rx *r, const tnode *expr, const char *fn, const tnode *arg,
                             unsigned depth, alts *out)
{
    if (strcmp(fn, "Ref") == 0) return fn_ref(r, expr, arg, out);
    if (strcmp(fn, "Fn::Sub") == 0) return fn_sub(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Join") == 0) return fn_join(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::If") == 0) return fn_if(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Select") == 0) return fn_select(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::FindInMap") == 0) return fn_findinmap(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::Split") == 0) return fn_split(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::GetAtt") == 0) return fn_getatt(r, expr, arg, depth, out);
    if (strcmp(fn, "Fn::ImportValue") == 0) return fn_importvalue(r, expr, arg, depth, out);
    /* Fn::Base64, Fn::GetAZs, Fn::Cidr, Fn::Equals, Fn::Length, ...: values
     * no policy element can be judged by. */
    return opaque(r, expr, out, fn + 4, NULL);
}

/* ---- containers ---- */

static int keep(rx *r, const alts *a, alts_kept *k)
{
    k->n = a->n;
    k->v = ig_arena_alloc(r->e->a, (size_t)a->n * sizeof *k->v);
    if (!k->v) return IAMG_ENOMEM;
    memcpy(k->v, a->v, (size_t)a->n * sizeof *k->v);
    return 0;
}

static int resolve_array(rx *r, const tnode *in, unsigned depth, alts *out)
{
    alts a;
    alts_kept *ch = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        const tnode *it = &in->u.items[i];
        int rc = resolve(r, it, depth + 1, &a);
        if (rc) return rc;
        if (a.capped) report_cap(r, it);
        if (unchanged(&a, it)) continue;
        if (!ch) {
            ch = ig_arena_calloc(r->e->a, in->n, sizeof *ch);
            if (!ch) return IAMG_ENOMEM;
        }
        if (keep(r, &a, &ch[i])) return IAMG_ENOMEM;
    }
    if (!ch) {
        alts_one(out, in, 0);
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
    tnode *arr = ig_arena_alloc(r->e->a, sizeof *arr);
    tnode *items = total ? ig_arena_alloc(r->e->a, total * sizeof *items) : NULL;
    if (!arr || (total && !items)) return IAMG_ENOMEM;
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
    alts_one(out, arr, 0);
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
                if (!is_scalar(it) && !(objects && it->type == TN_OBJECT)) return span;
            }
            total += n->n;
        } else if (is_scalar(n) || (objects && n->type == TN_OBJECT)) {
            total++;
        } else {
            return span;
        }
    }
    tnode *arr = ig_arena_alloc(r->e->a, sizeof *arr);
    tnode *items = total ? ig_arena_alloc(r->e->a, total * sizeof *items) : NULL;
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
static int has_var(const tnode *s)
{
    if (s->flags & TNF_SYNTHETIC) return 0;
    for (uint32_t i = 0; i + 1 < s->n; i++)
        if (s->u.s[i] == '$' && s->u.s[i + 1] == '{') return 1;
    return 0;
}

/* Keys of a Sub template's JSON may name variables too
 * ("aws:ResourceTag/${TagKey}"). A key takes one value: the first. */
static int sub_key(rx *r, const tmember *m, tnode *key)
{
    *key = m->key;
    if (!r->sub_mode || !has_var(&m->key)) return 0;
    alts a;
    int rc = sub_text(r, m->key.u.s, m->key.n, r->vars, &m->key, &a);
    if (rc) return rc;
    if (a.n > 1)
        ig_diag_add(r->e->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, r->e->src, m->key.start,
                    "key \"%s\" takes several values through Fn::If: only the first is checked",
                    m->key.u.s);
    *key = *a.v[0].node;
    return 0;
}

static int resolve_object(rx *r, const tnode *in, unsigned depth, alts *out)
{
    alts a;
    alts_kept *ch = NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        const tnode *v = &in->u.members[i].value;
        int rc = resolve(r, v, depth + 1, &a);
        if (rc) return rc;
        if (a.capped) report_cap(r, v);
        if (unchanged(&a, v) && !(r->sub_mode && has_var(&in->u.members[i].key))) continue;
        if (!ch) {
            ch = ig_arena_calloc(r->e->a, in->n, sizeof *ch);
            if (!ch) return IAMG_ENOMEM;
        }
        if (keep(r, &a, &ch[i])) return IAMG_ENOMEM;
    }
    if (!ch) {
        alts_one(out, in, 0);
        return 0;
    }
    /* Members with several values either merge into a list or make the
     * whole object fork, once per value. */
    uint32_t *forks = ig_arena_alloc(r->e->a, (size_t)in->n * sizeof *forks);
    uint32_t *pick = ig_arena_calloc(r->e->a, in->n, sizeof *pick);
    if (!forks || !pick) return IAMG_ENOMEM;
    uint32_t nforks = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (!ch[i].v || ch[i].n == 1) continue;
        const tmember *m = &in->u.members[i];
        if (!single_valued(&m->key)) {
            int stmts = m->key.n == 9 && memcmp(m->key.u.s, "Statement", 9) == 0;
            const tnode *merged = merge_list(r, &m->value, &ch[i], stmts);
            if (!merged) return IAMG_ENOMEM;
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
        tmember *mem = in->n ? ig_arena_alloc(r->e->a, (size_t)in->n * sizeof *mem) : NULL;
        tnode *obj = ig_arena_alloc(r->e->a, sizeof *obj);
        if (!obj || (in->n && !mem)) return IAMG_ENOMEM;
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
        if (out->n == CFN_MAX_ALTS) {
            out->capped = 1;
            report_cap(r, in);
            break;
        }
        alts_add(out, obj, 0);
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

static int resolve(rx *r, const tnode *in, unsigned depth, alts *out)
{
    if (depth > r->e->max_depth) {
        if (!r->reported_depth) {
            r->reported_depth = 1;
            ig_diag_add(
                r->e->diags, IAMG_ELIMIT, IAMG_LEVEL_WARNING, r->e->src, in->start,
                "intrinsic functions nested deeper than %u levels (max_depth): left as written",
                r->e->max_depth);
        }
        alts_one(out, in, 0);
        return 0;
    }
    switch (in->type) {
    case TN_ARRAY:
        return resolve_array(r, in, depth, out);
    case TN_OBJECT: {
        const tnode *arg;
        const char *fn = r->sub_mode ? NULL : ig_cfn_intrinsic(in, &arg);
        if (fn) return resolve_intrinsic(r, in, fn, arg, depth, out);
        return resolve_object(r, in, depth, out);
    }
    case TN_STRING:
        if (r->sub_mode && has_var(in)) {
            int rc = sub_text(r, in->u.s, in->n, r->vars, in, out);
            if (rc == 0 && out->n == 1 && out->v[0].node->n == in->n &&
                memcmp(out->v[0].node->u.s, in->u.s, in->n) == 0)
                alts_one(out, in, out->v[0].opaque); /* keep the real node */
            return rc;
        }
        alts_one(out, in, 0);
        return 0;
    default:
        alts_one(out, in, 0);
        return 0;
    }
}

/* ---- public ---- */

static int to_vals(cfn_env *env, const alts *a, cfn_vals *out)
{
    out->n = a->n;
    out->v = ig_arena_alloc(env->a, (size_t)a->n * sizeof *out->v);
    out->opaque = ig_arena_alloc(env->a, a->n);
    if (!out->v || !out->opaque) return IAMG_ENOMEM;
    for (uint32_t i = 0; i < a->n; i++) {
        out->v[i] = a->v[i].node;
        out->opaque[i] = a->v[i].opaque;
    }
    return 0;
}

int ig_cfn_resolve(cfn_env *env, const tnode *in, cfn_vals *out)
{
    rx r = {env, 0, NULL, 0, 0};
    alts a;
    int rc = resolve(&r, in, 0, &a);
    if (rc) return rc;
    if (a.capped) report_cap(&r, in);
    return to_vals(env, &a, out);
}

int ig_cfn_sub_prepare(cfn_env *env, const tnode *arg, const tnode **tmpl, cfn_subvars **vars)
{
    rx r = {env, 0, NULL, 0, 0};
    return sub_parts(&r, arg, 0, tmpl, vars);
}

int ig_cfn_resolve_sub_json(cfn_env *env, const tnode *in, const cfn_subvars *vars, cfn_vals *out)
{
    rx r = {env, 1, vars, 0, 0};
    alts a;
    int rc = resolve(&r, in, 0, &a);
    if (rc) return rc;
    if (a.capped) report_cap(&r, in);
    return to_vals(env, &a, out);
}
