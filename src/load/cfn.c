/*
 * load/cfn.c - the policies of a CloudFormation template (JSON or YAML).
 *
 * Each IAM resource's documents are resolved (cfn_intrinsics.h) before the
 * policy model sees them, so a rule reads the values IAM will read. Fn::If
 * around a whole document or around a Policies item is followed here, branch
 * by branch, so each branch keeps a JSON pointer of its own
 * (".../PolicyDocument/Fn::If/1"); deeper Fn::If are the resolver's.
 */
#include <stdio.h>
#include <string.h>

#include "load/cfn_intrinsics.h"
#include "load/json_pos.h"
#include "load/loader.h"
#include "load/yaml_load.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/errors.h"

int ig_detect_cfn(const tnode *root)
{
    if (!ig_tnode_is(root, TN_OBJECT)) return 0;
    if (ig_tnode_get(root, "AWSTemplateFormatVersion")) return 1;
    const tnode *res = ig_tnode_get(root, "Resources");
    if (!ig_tnode_is(res, TN_OBJECT)) return 0;
    for (uint32_t i = 0; i < res->n; i++) {
        const char *type = ig_tnode_str(ig_tnode_get(&res->u.members[i].value, "Type"));
        if (type && strncmp(type, "AWS::", 5) == 0) return 1;
    }
    return 0;
}

/* One resource being extracted. */
typedef struct cfx {
    extract_ctx *x;
    const tsource *src;
    cfn_env env;
    const char *id;   /* logical ID */
    const char *type; /* resource type */
    const char *props_ptr;
    const tnode *resources; /* the template's Resources, to tell a Ref to a resource */
    const tnode *id_node;   /* the logical ID as written: where a principal is declared */
    unsigned branches;      /* documents each_branch has handed out for one property */
    int reported_fanout;    /* once per file */
} cfx;

/* What to add for each document a property yields. */
typedef struct docspec {
    pkind kind;
    const char *what; /* the property, for messages */
    iamg_origin o;    /* pointer filled per document */
} docspec;

typedef int (*value_fn)(cfx *c, const tnode *v, const char *ptr, void *ud);

/* What the items of a list of principals or policies hold (facts.h). */
typedef struct holdspec {
    uint8_t how, ptype;
    const char *who; /* the holder, or NULL when the items name principals */
    const char *ref; /* what the principals named by items hold, or NULL for documents */
    int ref_key;
    uint32_t doc, ndocs;
} holdspec;

#define INVALID(c, node, ...)                                                                      \
    ig_diag_add((c)->x->diags, IAMG_EINVALID, IAMG_LEVEL_ERROR, (c)->src, (node)->start,           \
                __VA_ARGS__)

/* JSON pointer `base` + "/" + seg, escaped as RFC 6901 says. */
static const char *ptr_add(cfx *c, const char *base, const char *seg)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, base);
    ig_buf_putc(&b, '/');
    for (const char *p = seg; *p; p++) {
        if (*p == '~')
            ig_buf_puts(&b, "~0");
        else if (*p == '/')
            ig_buf_puts(&b, "~1");
        else
            ig_buf_putc(&b, *p);
    }
    char *s = b.oom ? NULL : ig_arena_strndup(&c->x->l->a, b.data, b.len);
    ig_buf_free(&b);
    return s;
}

static const char *ptr_index(cfx *c, const char *base, uint32_t i)
{
    return ig_extract_printf(c->x, "%s/%u", base, (unsigned)i);
}

/* Call fn on each value `v` may take through Fn::If (with the branch in the
 * pointer); a branch that is Ref AWS::NoValue holds nothing. Nested Fn::If
 * double the documents at each level, and YAML aliases make that cheap to
 * write: past CFN_MAX_ALTS documents for one property the rest are not
 * checked, which is reported as an error. */
static int each_branch(cfx *c, const tnode *v, const char *ptr, unsigned depth, value_fn fn,
                       void *ud)
{
    if (!ptr) return IAMG_ENOMEM;
    if (depth == 0) c->branches = 0;
    if (c->branches >= CFN_MAX_ALTS) {
        if (!c->reported_fanout)
            ig_diag_add(c->x->diags, IAMG_ELIMIT, IAMG_LEVEL_ERROR, c->src, v->start,
                        "Fn::If around this value gives more than %d documents: only the first "
                        "%d are checked",
                        CFN_MAX_ALTS, CFN_MAX_ALTS);
        c->reported_fanout = 1;
        return 0;
    }
    const tnode *arg;
    const char *f = ig_cfn_intrinsic(v, &arg);
    if (f && depth < c->env.max_depth) {
        if (strcmp(f, "Fn::If") == 0 && arg->type == TN_ARRAY && arg->n == 3) {
            for (uint32_t b = 1; b <= 2; b++) {
                const char *bp = ig_extract_printf(c->x, "%s/Fn::If/%u", ptr, (unsigned)b);
                int rc = each_branch(c, &arg->u.items[b], bp, depth + 1, fn, ud);
                if (rc) return rc;
            }
            return 0;
        }
        if (strcmp(f, "Ref") == 0 && arg->type == TN_STRING &&
            strcmp(arg->u.s, "AWS::NoValue") == 0)
            return 0;
    }
    c->branches++;
    return fn(c, v, ptr, ud);
}

/* A name property (PolicyName, ManagedPolicyName) as text, resolved when it
 * is an expression; NULL when absent or not a single string. */
static const char *resolve_name(cfx *c, const tnode *v)
{
    if (!v) return NULL;
    if (v->type == TN_STRING) return v->u.s;
    cfn_vals vals;
    if (ig_cfn_resolve(&c->env, v, &vals)) return NULL;
    if (vals.n == 1 && vals.v[0] && vals.v[0]->type == TN_STRING) return vals.v[0]->u.s;
    return NULL;
}

/* A policy held as text is decoded, mapped to positions (4 bytes a byte)
 * and parsed for every place that names it, and a YAML alias can name it a
 * million times: its bytes are charged to the file's budget. 1 when they fit;
 * 0 when not (reported: the document is not checked). */
static int charge_text(cfx *c, const tnode *s, const char *what)
{
    if (!ig_budget_take(&c->x->budget, (uint64_t)s->n * 5 + 4)) return 1;
    ig_budget_report(&c->x->budget, c->x->diags, c->src, s->start, what, "it is not checked");
    return 0;
}

/* Parse JSON text held by `inner`; 0 with *root NULL when it is not JSON
 * (reported with `what`). */
static int parse_inner(cfx *c, const tsource *inner, const char *what, iamg_level level,
                       const tnode **root)
{
    iamg_error err;
    *root = NULL;
    int rc = ig_json_pos_parse(inner, &c->x->l->a, c->x->lim->max_depth, root, &err);
    if (rc == IAMG_ENOMEM) return rc;
    if (rc) {
        char msg[IAMG_ERROR_TEXT_MAX + 96];
        snprintf(msg, sizeof msg, "%.80s: %s", what, err.message);
        ig_diag_add_at(c->x->diags, rc, level, NULL, err.line, err.column, NULL, msg);
        *root = NULL;
    }
    return 0;
}

/* PolicyDocument: !Sub '{"Statement": ... "${AWS::AccountId}" ...}' - the
 * template is JSON text; parse it where it is written, then substitute in
 * each string, so positions stay exact. */
static int add_sub_doc(cfx *c, const tnode *arg, const docspec *d, const iamg_origin *o)
{
    const tnode *tmpl;
    cfn_subvars *vars;
    int rc = ig_cfn_sub_prepare(&c->env, arg, &tmpl, &vars);
    if (rc == IAMG_ELIMIT) return 0; /* reported */
    if (rc || !tmpl) return rc;
    if (!charge_text(c, tmpl, "the policy document of this Fn::Sub")) return 0;
    arena *a = &c->x->l->a;
    tsource *inner = ig_arena_alloc(a, sizeof *inner);
    if (!inner || ig_extract_string_source(c->x, c->src, tmpl, c->x->l->yaml, inner))
        return IAMG_ENOMEM;
    const tnode *root;
    char what[128];
    snprintf(what, sizeof what, "%s built by Fn::Sub is not valid JSON", d->what);
    rc = parse_inner(c, inner, what, IAMG_LEVEL_ERROR, &root);
    if (rc || !root) return rc;
    cfn_env env = c->env;
    env.src = inner;
    cfn_vals vals;
    rc = ig_cfn_resolve_sub_json(&env, root, vars, &vals);
    if (rc == IAMG_ELIMIT) return 0; /* reported */
    for (uint32_t i = 0; rc == 0 && i < vals.n; i++)
        if (vals.v[i]) rc = ig_extract_add_doc(c->x, inner, vals.v[i], d->kind, o);
    return rc;
}

/* A document computed as a string by Fn::Join and the like: parsed as JSON
 * with every position at the expression, which is the most precise place
 * there is. */
static int add_computed_doc(cfx *c, const tnode *s, int opaque, const docspec *d,
                            const iamg_origin *o)
{
    if (!charge_text(c, s, "the policy document this expression builds")) return 0;
    arena *a = &c->x->l->a;
    uint32_t *map = ig_malloc(((size_t)s->n + 1) * sizeof *map);
    tsource *inner = ig_arena_alloc(a, sizeof *inner);
    if (map)
        for (uint32_t i = 0; i <= s->n; i++)
            map[i] = s->start;
    int packed = map && inner && !ig_tsource_init_packed(inner, c->src, s->u.s, s->n, map, a);
    ig_free(map);
    if (!packed) return IAMG_ENOMEM;
    const tnode *root;
    if (opaque) {
        /* Unknown parts may be what breaks the JSON: say so, not "invalid". */
        iamg_error err;
        int rc = ig_json_pos_parse(inner, a, c->x->lim->max_depth, &root, &err);
        if (rc == IAMG_ENOMEM) return rc;
        if (rc) {
            ig_diag_add(c->x->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, c->src, s->start,
                        "%s is computed by an expression iamguard cannot evaluate: not checked",
                        d->what);
            return 0;
        }
    } else {
        char what[128];
        snprintf(what, sizeof what, "%s built by an intrinsic function is not valid JSON", d->what);
        int rc = parse_inner(c, inner, what, IAMG_LEVEL_ERROR, &root);
        if (rc || !root) return rc;
    }
    return ig_extract_add_doc(c->x, inner, root, d->kind, o);
}

static int add_doc(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    const docspec *d = ud;
    iamg_origin o = d->o;
    o.pointer = ptr;
    if (v->type == TN_STRING) return ig_extract_add_string_doc(c->x, c->src, v, 0, d->kind, &o);
    const tnode *arg;
    const char *fn = ig_cfn_intrinsic(v, &arg);
    if (fn && strcmp(fn, "Fn::Sub") == 0) return add_sub_doc(c, arg, d, &o);
    if (v->type != TN_OBJECT) {
        INVALID(c, v, "%s of %s %s must be an object or a JSON string, found %s", d->what, c->type,
                c->id, ig_tnode_type_name(v));
        return 0;
    }
    if (!fn && !ig_tnode_get(v, "Statement") && !ig_tnode_get(v, "Version") && v->n) {
        /* Not a policy at all (e.g. {"file": ...} for a preprocessor): one
         * message instead of one per unknown key. */
        INVALID(c, v,
                "%s of %s %s has no Statement, only \"%s\"%s: not a policy document, not checked",
                d->what, c->type, c->id, v->u.members[0].key.u.s, v->n > 1 ? ", ..." : "");
        return 0;
    }
    cfn_vals vals;
    int rc = ig_cfn_resolve(&c->env, v, &vals);
    if (rc == IAMG_ELIMIT) return 0; /* reported */
    for (uint32_t i = 0; rc == 0 && i < vals.n; i++) {
        const tnode *doc = vals.v[i];
        if (!doc) continue;
        if (doc->type == TN_OBJECT)
            rc = ig_extract_add_doc(c->x, c->src, doc, d->kind, &o);
        else if (doc->type == TN_STRING && (doc->flags & TNF_SYNTHETIC))
            rc = add_computed_doc(c, doc, vals.opaque[i], d, &o);
        else if (doc->type == TN_STRING)
            rc = ig_extract_add_string_doc(c->x, c->src, doc, 0, d->kind, &o);
        else
            INVALID(c, v, "%s of %s %s must be an object or a JSON string, found %s", d->what,
                    c->type, c->id, ig_tnode_type_name(doc));
    }
    return rc;
}

static void base_origin(cfx *c, iamg_origin *o)
{
    memset(o, 0, sizeof *o);
    o->format = "cloudformation";
    o->logical_id = c->id;
    o->resource_type = c->type;
}

/* A property holding one document (PolicyDocument, InlinePolicy,
 * AssumeRolePolicyDocument); `required` reports its absence. */
static int one_doc(cfx *c, const tnode *props, const char *key, pkind kind, const char *name,
                   const char *label, int required)
{
    const tnode *v = ig_tnode_get(props, key);
    if (!v) {
        if (required)
            ig_diag_add(c->x->diags, IAMG_EINVALID, IAMG_LEVEL_ERROR, c->src, props->start,
                        "%s %s has no %s: CloudFormation rejects it", c->type, c->id, key);
        return 0;
    }
    docspec d;
    d.kind = kind;
    d.what = key;
    base_origin(c, &d.o);
    d.o.policy_name = name;
    d.o.container = label;
    if (!label) return IAMG_ENOMEM;
    return each_branch(c, v, ptr_add(c, c->props_ptr, key), 0, add_doc, &d);
}

static int policy_holders(cfx *c, const tnode *props, int managed, uint32_t doc, uint32_t ndocs);
static int principal_item(cfx *c, const tnode *v, const char *ptr, void *ud);

/* AWS::IAM::Policy, ManagedPolicy, RolePolicy, UserPolicy, GroupPolicy. */
static int do_policy(cfx *c, const tnode *props, const char *name_key)
{
    const char *name = resolve_name(c, ig_tnode_get(props, name_key));
    const char *label = name ? ig_extract_printf(c->x, "%s %s, policy '%s'", c->type, c->id, name)
                             : ig_extract_printf(c->x, "%s %s", c->type, c->id);
    size_t before = c->x->l->ndocs;
    int rc = one_doc(c, props, "PolicyDocument", KIND_IDENTITY, name, label, 1);
    if (rc) return rc;
    uint32_t doc = (uint32_t)before, ndocs = (uint32_t)(c->x->l->ndocs - before);
    const char *t = c->type + 10; /* after "AWS::IAM::" */
    if (strcmp(t, "Policy") == 0 || strcmp(t, "ManagedPolicy") == 0)
        return policy_holders(c, props, t[0] == 'M', doc, ndocs);
    /* RolePolicy, UserPolicy, GroupPolicy name their one holder. */
    static const struct {
        const char *type, *key;
        uint8_t pt;
    } one[] = {{"RolePolicy", "RoleName", PT_ROLE},
               {"UserPolicy", "UserName", PT_USER},
               {"GroupPolicy", "GroupName", PT_GROUP}};
    for (size_t i = 0; i < 3; i++) {
        const tnode *v = ig_tnode_get(props, one[i].key);
        if (strcmp(t, one[i].type) != 0 || !v || !ndocs) continue;
        holdspec hs = {HOLD_INLINE, one[i].pt, NULL, NULL, 0, doc, ndocs};
        return principal_item(c, v, NULL, &hs);
    }
    return 0;
}

static int inline_policy(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    (void)ud;
    const tnode *arg;
    const char *fn = ig_cfn_intrinsic(v, &arg);
    if (fn) {
        ig_diag_add(c->x->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, c->src, v->start,
                    "policy of %s %s is computed by %s: not checked", c->type, c->id, fn);
        return 0;
    }
    if (v->type != TN_OBJECT) {
        INVALID(c, v,
                "Policies of %s %s must hold objects with PolicyName and PolicyDocument, found %s",
                c->type, c->id, ig_tnode_type_name(v));
        return 0;
    }
    const char *name = resolve_name(c, ig_tnode_get(v, "PolicyName"));
    const tnode *doc = ig_tnode_get(v, "PolicyDocument");
    if (!doc) {
        INVALID(c, v, "policy %s%s%s of %s %s has no PolicyDocument", name ? "'" : "",
                name ? name : "", name ? "'" : "", c->type, c->id);
        return 0;
    }
    docspec d;
    d.kind = KIND_IDENTITY;
    d.what = "PolicyDocument";
    base_origin(c, &d.o);
    d.o.policy_name = name;
    d.o.container = ig_extract_printf(c->x, "%s %s, policy '%s'", c->type, c->id, name ? name : "");
    if (!d.o.container) return IAMG_ENOMEM;
    return each_branch(c, doc, ptr_add(c, ptr, "PolicyDocument"), 0, add_doc, &d);
}

static int policies_list(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    (void)ud;
    if (v->type != TN_ARRAY) {
        if (ig_cfn_intrinsic(v, NULL))
            ig_diag_add(c->x->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, c->src, v->start,
                        "Policies of %s %s are computed by an expression iamguard cannot evaluate: "
                        "not checked",
                        c->type, c->id);
        else
            INVALID(c, v, "Policies of %s %s must be a list, found %s", c->type, c->id,
                    ig_tnode_type_name(v));
        return 0;
    }
    for (uint32_t i = 0; i < v->n; i++) {
        int rc = each_branch(c, &v->u.items[i], ptr_index(c, ptr, i), 0, inline_policy, NULL);
        if (rc) return rc;
    }
    return 0;
}

/* ---- principals: facts for principal/principal.h ---- */

/* A Ref to a resource of this template names it by logical ID. */
static const char *resource_ref(cfx *c, const tnode *v)
{
    const tnode *arg;
    const char *fn = ig_cfn_intrinsic(v, &arg);
    if (!fn) return NULL;
    if (strcmp(fn, "Fn::GetAtt") == 0 && arg->type == TN_ARRAY && arg->n >= 1)
        arg = &arg->u.items[0];
    else if (strcmp(fn, "Fn::GetAtt") == 0 && arg->type == TN_STRING) {
        const char *dot = strchr(arg->u.s, '.');
        const char *id =
            dot ? ig_arena_strndup(&c->x->l->a, arg->u.s, (size_t)(dot - arg->u.s)) : arg->u.s;
        return id && ig_tnode_get(c->resources, id) ? id : NULL;
    } else if (strcmp(fn, "Ref") != 0)
        return NULL;
    if (arg->type != TN_STRING || !ig_tnode_get(c->resources, arg->u.s)) return NULL;
    return arg->u.s;
}

static int fact(cfx *c, uint8_t type, uint8_t how, uint8_t pt, const char *who, const char *ref,
                int ref_key, uint32_t doc, uint32_t ndocs, const tnode *at)
{
    lfact f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.how = how;
    f.ptype = pt;
    f.who = who;
    f.ref = ref;
    f.ref_key = (uint8_t)ref_key;
    f.doc = doc;
    f.ndocs = ndocs;
    f.src = c->src;
    f.at = at;
    return who ? ig_extract_fact(c->x, &f) : 0;
}

/* One item of Roles/Users/Groups: the principal that holds hs->ref (or the
 * documents). */
static int principal_item(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    (void)ptr;
    const holdspec *hs = ud;
    const char *who = resource_ref(c, v);
    if (!who) who = resolve_name(c, v);
    if (!who) return 0;
    return fact(c, FACT_HOLD, hs->how, hs->ptype, who, hs->ref, hs->ref_key, hs->doc, hs->ndocs, v);
}

/* One item of ManagedPolicyArns, PermissionsBoundary, Groups (of a user),
 * SAM Policies names: what principal hs->who holds. */
static int policy_item(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    (void)ptr;
    const holdspec *hs = ud;
    const char *ref = resource_ref(c, v);
    int key = ref != NULL;
    if (!ref) ref = resolve_name(c, v);
    /* Parameters and imports resolve to opaque "{Ref:Name}" text. */
    if ((!ref || strchr(ref, '{')) && ig_cfn_intrinsic(v, NULL)) {
        ig_diag_add(c->x->diags, IAMG_EINVALID, IAMG_LEVEL_NOTE, c->src, v->start,
                    "%s %s: a policy ARN computed by an expression iamguard cannot evaluate: not "
                    "checked",
                    c->type, c->id);
        return 0;
    }
    if (!ref) return 0; /* not a string: CloudFormation rejects it */
    return fact(c, FACT_HOLD, hs->how, hs->ptype, hs->who, ref, key, 0, 0, v);
}

typedef struct item_walk {
    value_fn fn;
    holdspec *hs;
} item_walk;

static int list_items(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    item_walk *w = ud;
    if (v->type != TN_ARRAY) return w->fn(c, v, ptr, w->hs);
    for (uint32_t i = 0; i < v->n; i++) {
        int rc = each_branch(c, &v->u.items[i], ptr_index(c, ptr, i), 0, w->fn, w->hs);
        if (rc) return rc;
    }
    return 0;
}

/* A list property (or one value) of principals or policies; Fn::If items
 * count in both branches. */
static int each_item(cfx *c, const tnode *props, const char *key, value_fn fn, holdspec *hs)
{
    const tnode *v = ig_tnode_get(props, key);
    if (!v) return 0;
    item_walk w = {fn, hs};
    return each_branch(c, v, ptr_add(c, c->props_ptr, key), 0, list_items, &w);
}

static uint8_t ptype_of(const char *type)
{
    if (strcmp(type, "AWS::IAM::User") == 0) return PT_USER;
    if (strcmp(type, "AWS::IAM::Group") == 0) return PT_GROUP;
    return PT_ROLE;
}

/* The principal a resource declares, and its attachments. */
static int principal_facts(cfx *c, const tnode *props, const char *key, uint8_t pt,
                           const char *name_key, uint32_t inl, uint32_t ninl)
{
    lfact f;
    memset(&f, 0, sizeof f);
    f.type = FACT_PRINCIPAL;
    f.ptype = pt;
    f.who = key;
    f.name = name_key ? resolve_name(c, ig_tnode_get(props, name_key)) : NULL;
    /* IAM's default path when the template gives none; NULL (unknown) when
     * it gives one that does not resolve to a string. */
    const tnode *path = ig_tnode_get(props, "Path");
    f.path = path ? resolve_name(c, path) : "/";
    f.src = c->src;
    f.at = c->id_node ? c->id_node : props;
    int rc = ig_extract_fact(c->x, &f);
    if (!rc && ninl) rc = fact(c, FACT_HOLD, HOLD_INLINE, pt, key, NULL, 0, inl, ninl, props);
    holdspec hs = {HOLD_MANAGED, pt, key, NULL, 0, 0, 0};
    if (!rc) rc = each_item(c, props, "ManagedPolicyArns", policy_item, &hs);
    hs.how = HOLD_BOUNDARY;
    if (!rc) rc = each_item(c, props, "PermissionsBoundary", policy_item, &hs);
    hs.how = HOLD_GROUP;
    if (!rc && pt == PT_USER) rc = each_item(c, props, "Groups", policy_item, &hs);
    return rc;
}

/* AWS::IAM::Role, User, Group: a role's trust policy, inline Policies. */
static int do_principal(cfx *c, const tnode *props, int role)
{
    loaded *l = c->x->l;
    uint8_t pt = ptype_of(c->type);
    if (role) {
        size_t before = l->ndocs;
        const char *label = ig_extract_printf(c->x, "%s %s, trust policy", c->type, c->id);
        int rc = one_doc(c, props, "AssumeRolePolicyDocument", KIND_TRUST, NULL, label, 1);
        if (!rc && l->ndocs > before)
            rc = fact(c, FACT_HOLD, HOLD_TRUST, pt, c->id, NULL, 0, (uint32_t)before,
                      (uint32_t)(l->ndocs - before), props);
        if (rc) return rc;
    }
    size_t before = l->ndocs;
    const tnode *pol = ig_tnode_get(props, "Policies");
    int rc =
        pol ? each_branch(c, pol, ptr_add(c, c->props_ptr, "Policies"), 0, policies_list, NULL) : 0;
    if (rc) return rc;
    static const char *const name_keys[] = {NULL, "RoleName", "UserName", "GroupName"};
    return principal_facts(c, props, c->id, pt, name_keys[pt], (uint32_t)before,
                           (uint32_t)(l->ndocs - before));
}

/* AWS::IAM::Policy (inline, held by each principal it names) and
 * ManagedPolicy (defined here, attached to each principal it names). */
static int policy_holders(cfx *c, const tnode *props, int managed, uint32_t doc, uint32_t ndocs)
{
    if (managed) {
        lfact f;
        memset(&f, 0, sizeof f);
        f.type = FACT_POLICY;
        f.who = c->id;
        f.name = resolve_name(c, ig_tnode_get(props, "ManagedPolicyName"));
        f.doc = doc;
        f.ndocs = ndocs;
        f.src = c->src;
        f.at = props;
        int rc = ig_extract_fact(c->x, &f);
        if (rc) return rc;
    }
    static const struct {
        const char *key;
        uint8_t pt;
    } lists[] = {{"Roles", PT_ROLE}, {"Users", PT_USER}, {"Groups", PT_GROUP}};
    for (size_t i = 0; i < 3; i++) {
        holdspec hs = {managed ? HOLD_MANAGED : HOLD_INLINE,
                       lists[i].pt,
                       NULL,
                       managed ? c->id : NULL,
                       managed,
                       doc,
                       managed ? 0 : ndocs};
        int rc = each_item(c, props, lists[i].key, principal_item, &hs);
        if (rc) return rc;
    }
    return 0;
}

static int do_permission_set(cfx *c, const tnode *props)
{
    const char *label = ig_extract_printf(c->x, "%s %s, inline policy", c->type, c->id);
    return one_doc(c, props, "InlinePolicy", KIND_IDENTITY, NULL, label, 0);
}

/*
 * Resource policies: the property that holds the document, and whether
 * CloudFormation requires it (a KMS key without KeyPolicy gets the default
 * key policy, which is not in the template).
 */
static const resource_policy resource_policies[] = {
    {"AWS::S3::BucketPolicy", "PolicyDocument", 1},
    {"AWS::SQS::QueuePolicy", "PolicyDocument", 1},
    {"AWS::SNS::TopicPolicy", "PolicyDocument", 1},
    {"AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", 1},
    {"AWS::Logs::ResourcePolicy", "PolicyDocument", 1},
    {"AWS::KMS::Key", "KeyPolicy", 0},
    {"AWS::KMS::ReplicaKey", "KeyPolicy", 1},
    {"AWS::ECR::Repository", "RepositoryPolicyText", 0},
    {"AWS::EC2::VPCEndpoint", "PolicyDocument", 0},
    {"AWS::S3::AccessPoint", "Policy", 0},
    {"AWS::EFS::FileSystem", "FileSystemPolicy", 0},
    {"AWS::OpenSearchService::Domain", "AccessPolicies", 0},
    {"AWS::Elasticsearch::Domain", "AccessPolicies", 0},
    {"AWS::Backup::BackupVault", "AccessPolicy", 0},
    {"AWS::CodeArtifact::Repository", "PermissionsPolicyDocument", 0},
    {"AWS::ApiGateway::RestApi", "Policy", 0},
};

static const resource_policy *find_resource_policy(const char *type)
{
    return ig_resource_policy_find(resource_policies,
                                   sizeof resource_policies / sizeof *resource_policies, type);
}

static int do_resource_policy(cfx *c, const tnode *props, const resource_policy *rp)
{
    const char *label = ig_extract_printf(c->x, "%s %s, %s", c->type, c->id, rp->prop);
    return one_doc(c, props, rp->prop, KIND_RESOURCE, NULL, label, rp->flag);
}

/*
 * An item of the Policies property of a SAM function or state machine: a
 * policy document is checked; a managed policy name or ARN (a string, or an
 * expression making one) and a SAM policy template ({"S3ReadPolicy":
 * {...}}) refer to policies that are not in the template.
 */
static int sam_policy(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    (void)ud;
    if (v->type == TN_STRING || ig_cfn_intrinsic(v, NULL)) return 0;
    if (v->type != TN_OBJECT) {
        INVALID(c, v,
                "Policies of %s %s must hold policy names, policy documents or policy templates, "
                "found %s",
                c->type, c->id, ig_tnode_type_name(v));
        return 0;
    }
    if (!ig_tnode_get(v, "Statement")) return 0;
    docspec d;
    d.kind = KIND_IDENTITY;
    d.what = "Policies";
    base_origin(c, &d.o);
    d.o.container = ig_extract_printf(c->x, "%s %s, Policies", c->type, c->id);
    if (!d.o.container) return IAMG_ENOMEM;
    return add_doc(c, v, ptr, &d);
}

static int sam_policies(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    if (v->type != TN_ARRAY) return sam_policy(c, v, ptr, ud);
    for (uint32_t i = 0; i < v->n; i++) {
        int rc = each_branch(c, &v->u.items[i], ptr_index(c, ptr, i), 0, sam_policy, ud);
        if (rc) return rc;
    }
    return 0;
}

/* AWS::Serverless::Function and StateMachine (the SAM transform turns
 * Policies into the inline policies of a generated role). */
static int is_sam(const char *type)
{
    return strcmp(type, "AWS::Serverless::Function") == 0 ||
           strcmp(type, "AWS::Serverless::StateMachine") == 0;
}

/* A SAM Policies item that names a managed policy (a name or an ARN) is
 * attached to the generated role. */
static int sam_managed(cfx *c, const tnode *v, const char *ptr, void *ud)
{
    if (v->type == TN_OBJECT && !ig_cfn_intrinsic(v, NULL)) return 0;
    return policy_item(c, v, ptr, ud);
}

static int do_sam(cfx *c, const tnode *props)
{
    const tnode *pol = ig_tnode_get(props, "Policies");
    size_t before = c->x->l->ndocs;
    int rc =
        pol ? each_branch(c, pol, ptr_add(c, c->props_ptr, "Policies"), 0, sam_policies, NULL) : 0;
    /* With Role given, SAM generates no role and ignores Policies. */
    if (rc || ig_tnode_get(props, "Role")) return rc;
    const char *role = ig_extract_printf(c->x, "%sRole", c->id);
    if (!role) return IAMG_ENOMEM;
    lfact f;
    memset(&f, 0, sizeof f);
    f.type = FACT_PRINCIPAL;
    f.ptype = PT_ROLE;
    f.who = role;
    f.src = c->src;
    f.at = c->id_node ? c->id_node : props;
    rc = ig_extract_fact(c->x, &f);
    uint32_t ndocs = (uint32_t)(c->x->l->ndocs - before);
    if (!rc && ndocs)
        rc =
            fact(c, FACT_HOLD, HOLD_INLINE, PT_ROLE, role, NULL, 0, (uint32_t)before, ndocs, props);
    holdspec hs = {HOLD_MANAGED, PT_ROLE, role, NULL, 0, 0, 0};
    if (!rc) rc = each_item(c, props, "Policies", sam_managed, &hs);
    hs.how = HOLD_BOUNDARY;
    if (!rc) rc = each_item(c, props, "PermissionsBoundary", policy_item, &hs);
    return rc;
}

/* AWS::IAM::UserToGroupAddition: each of Users joins GroupName. */
static int do_group_addition(cfx *c, const tnode *props)
{
    const tnode *g = ig_tnode_get(props, "GroupName");
    if (!g) return 0;
    const char *group = resource_ref(c, g);
    int key = group != NULL;
    if (!group) group = resolve_name(c, g);
    if (!group) return 0;
    holdspec hs = {HOLD_GROUP, PT_USER, NULL, group, key, 0, 0};
    return each_item(c, props, "Users", principal_item, &hs);
}

/* AWS::Organizations::Policy: an SCP or RCP in Content; the other policy
 * types (tag, backup, AI opt-out) are not IAM policies. */
static int do_org_policy(cfx *c, const tnode *props)
{
    const char *type = resolve_name(c, ig_tnode_get(props, "Type"));
    int kind = ig_policy_org_kind(type);
    if (kind < 0) return 0;
    const char *name = resolve_name(c, ig_tnode_get(props, "Name"));
    const char *label = ig_extract_printf(
        c->x, "%s %s, %s '%s'", c->type, c->id,
        kind == KIND_SCP ? "service control policy" : "resource control policy", name ? name : "");
    return one_doc(c, props, "Content", (pkind)kind, name, label, 1);
}

static int do_resource(cfx *c, const tnode *props)
{
    const char *t = c->type;
    if (strcmp(t, "AWS::IAM::Policy") == 0) return do_policy(c, props, "PolicyName");
    if (strcmp(t, "AWS::IAM::ManagedPolicy") == 0) return do_policy(c, props, "ManagedPolicyName");
    if (strcmp(t, "AWS::IAM::RolePolicy") == 0 || strcmp(t, "AWS::IAM::UserPolicy") == 0 ||
        strcmp(t, "AWS::IAM::GroupPolicy") == 0)
        return do_policy(c, props, "PolicyName");
    if (strcmp(t, "AWS::IAM::Role") == 0) return do_principal(c, props, 1);
    if (strcmp(t, "AWS::IAM::User") == 0 || strcmp(t, "AWS::IAM::Group") == 0)
        return do_principal(c, props, 0);
    if (strcmp(t, "AWS::SSO::PermissionSet") == 0) return do_permission_set(c, props);
    if (is_sam(t)) return do_sam(c, props);
    if (strcmp(t, "AWS::Organizations::Policy") == 0) return do_org_policy(c, props);
    if (strcmp(t, "AWS::IAM::UserToGroupAddition") == 0) return do_group_addition(c, props);
    const resource_policy *rp = find_resource_policy(t);
    if (rp) return do_resource_policy(c, props, rp);
    return 0;
}

static int holds_policies(const char *type)
{
    return strncmp(type, "AWS::IAM::", 10) == 0 || strcmp(type, "AWS::SSO::PermissionSet") == 0 ||
           is_sam(type) || find_resource_policy(type) ||
           strcmp(type, "AWS::Organizations::Policy") == 0;
}

int ig_extract_cfn(extract_ctx *x, const tnode *root)
{
    x->l->format = "cloudformation";
    const tsource *src = &x->l->src;
    const tnode *res = ig_tnode_get(root, "Resources");
    if (!res) return 0;
    if (res->type != TN_OBJECT) {
        ig_diag_add(x->diags, IAMG_EINVALID, IAMG_LEVEL_ERROR, src, res->start,
                    "Resources must be an object mapping logical IDs to resources, found %s",
                    ig_tnode_type_name(res));
        return 0;
    }
    const tnode *maps = ig_tnode_get(root, "Mappings");
    cfx c;
    memset(&c, 0, sizeof c);
    c.x = x;
    c.src = src;
    c.env.a = &x->l->a;
    c.env.src = src;
    c.env.diags = x->diags;
    c.env.mappings = ig_tnode_is(maps, TN_OBJECT) ? maps : NULL;
    c.env.max_depth = x->lim->max_depth;
    c.resources = res;
    c.env.budget = &x->budget;
    for (uint32_t i = 0; i < res->n; i++) {
        const tmember *m = &res->u.members[i];
        const tnode *r = &m->value;
        c.id = m->key.u.s;
        c.id_node = &m->key;
        if (r->type != TN_OBJECT) {
            INVALID(&c, r, "resource %s must be an object with Type and Properties, found %s", c.id,
                    ig_tnode_type_name(r));
            continue;
        }
        const tnode *type = ig_tnode_get(r, "Type");
        if (!type) continue;
        if (type->type != TN_STRING) {
            INVALID(&c, type, "Type of resource %s must be a string, found %s", c.id,
                    ig_tnode_type_name(type));
            continue;
        }
        c.type = type->u.s;
        if (!holds_policies(c.type)) continue;
        const tnode *props = ig_tnode_get(r, "Properties");
        static const tnode empty = {TN_OBJECT, 0, 0, 0, 0, {NULL}};
        if (!props) {
            /* Reported by the handler when a document is required; point
             * at the resource. */
            tnode *e = ig_arena_alloc(&x->l->a, sizeof *e);
            if (!e) return IAMG_ENOMEM;
            *e = empty;
            e->start = r->start;
            e->end = r->end;
            props = e;
        } else if (props->type != TN_OBJECT) {
            INVALID(&c, props, "Properties of %s %s must be an object, found %s", c.type, c.id,
                    ig_tnode_type_name(props));
            continue;
        }
        const char *rp = ptr_add(&c, "/Resources", c.id);
        c.props_ptr = rp ? ptr_add(&c, rp, "Properties") : NULL;
        if (!c.props_ptr) return IAMG_ENOMEM;
        int rc = do_resource(&c, props);
        if (rc) return rc;
    }
    return x->diags->oom ? IAMG_ENOMEM : 0;
}
