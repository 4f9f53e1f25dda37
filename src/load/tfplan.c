/*
 * load/tfplan.c - the policies of a Terraform plan (`terraform show -json`).
 *
 * planned_values is the state the plan leads to, every resource once, so it
 * is the only section read when present: resource_changes and prior_state
 * repeat the same resources. Without it (some tools strip it), the "after"
 * side of resource_changes is read instead, skipping deletions.
 * resource_changes still tells which values are unknown until apply.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/loader.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/errors.h"

int ig_detect_tfplan(const tnode *root)
{
    if (!ig_tnode_is(root, TN_OBJECT) || !ig_tnode_get(root, "format_version")) return 0;
    static const char *const keys[] = {"planned_values", "resource_changes", "prior_state",
                                       "configuration", "terraform_version"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (ig_tnode_get(root, keys[i])) return 1;
    return 0;
}

/*
 * Resources by address, so that finding the change or the configuration of
 * a resource costs a binary search: a plan names every resource in three
 * sections, and reading a whole section per resource made a plan of 100 MB
 * take minutes. Entries sort by module (NULL for resource_changes), then
 * address, then position, so the first of equal addresses is the one a
 * scan in document order would meet first.
 */
typedef struct addr_entry {
    const tnode *module; /* configuration module; NULL: resource_changes */
    const char *addr;
    uint32_t len; /* of addr */
    uint32_t idx; /* in its list */
} addr_entry;

typedef struct addr_index {
    addr_entry *v;
    size_t n, cap;
    int built;
} addr_index;

typedef struct tfx {
    extract_ctx *x;
    const tsource *src;
    const tnode *changes;             /* resource_changes, for unknown markers */
    const tnode *config;              /* configuration.root_module: references of unknown values */
    addr_index changes_ix, config_ix; /* built on first use */
    int oom;                          /* an index could not be built */
} tfx;

static int addr_cmp_key(const addr_entry *e, const tnode *module, const char *addr, uint32_t len)
{
    if (e->module != module) return (uintptr_t)e->module < (uintptr_t)module ? -1 : 1;
    int c = memcmp(e->addr, addr, e->len < len ? e->len : len);
    if (c) return c;
    return e->len < len ? -1 : e->len > len;
}

static int addr_cmp(const void *a, const void *b)
{
    const addr_entry *x = a, *y = b;
    int c = addr_cmp_key(x, y->module, y->addr, y->len);
    if (c) return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Index of the first entry for (module, addr[0..len)), or ix->n. */
static size_t addr_find(const addr_index *ix, const tnode *module, const char *addr, uint32_t len)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (addr_cmp_key(&ix->v[mid], module, addr, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && addr_cmp_key(&ix->v[lo], module, addr, len) == 0 ? lo : ix->n;
}

/* Add the resources of list `res` (their "address" strings). */
static int addr_add(addr_index *ix, const tnode *module, const tnode *res)
{
    for (uint32_t i = 0; ig_tnode_is(res, TN_ARRAY) && i < res->n; i++) {
        const char *a = ig_tnode_str(ig_tnode_get(&res->u.items[i], "address"));
        if (!a) continue;
        if (IG_ARRAY_GROW(ix->v, ix->n, ix->cap, 64)) return -1;
        ix->v[ix->n++] = (addr_entry){module, a, (uint32_t)strlen(a), i};
    }
    return 0;
}

/* The resources of configuration module m and of the modules it calls. */
static int addr_add_module(addr_index *ix, const tnode *m)
{
    if (!ig_tnode_is(m, TN_OBJECT)) return 0;
    if (addr_add(ix, m, ig_tnode_get(m, "resources"))) return -1;
    const tnode *calls = ig_tnode_get(m, "module_calls");
    for (uint32_t i = 0; ig_tnode_is(calls, TN_OBJECT) && i < calls->n; i++)
        if (addr_add_module(ix, ig_tnode_get(&calls->u.members[i].value, "module"))) return -1;
    return 0;
}

/* Build ix once; 0, or -1 when memory ran out (then t->oom is set). */
static int addr_ready(tfx *t, addr_index *ix)
{
    if (ix->built) return t->oom ? -1 : 0;
    ix->built = 1;
    int rc = ix == &t->changes_ix ? addr_add(ix, NULL, t->changes) : addr_add_module(ix, t->config);
    if (rc) {
        t->oom = 1;
        return -1;
    }
    if (ix->n > 1) qsort(ix->v, ix->n, sizeof *ix->v, addr_cmp);
    return 0;
}

static int step_is(const json_step *s, const char *key)
{
    return s->key && s->len == strlen(key) && memcmp(s->key, key, s->len) == 0;
}

/* The last member `key` of root[0..n), or NULL. */
static const tnode *root_get(const tmember *root, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = n; i-- > 0;)
        if (root[i].key.n == kl && memcmp(root[i].key.u.s, key, kl) == 0) return &root[i].value;
    return NULL;
}

int ig_tfplan_prune(const tmember *root, size_t nroot, const json_step *path, unsigned depth)
{
    if (depth != 1 && depth != 4) return 0;
    if (!root_get(root, nroot, "format_version") ||
        !ig_tnode_is(root_get(root, nroot, "planned_values"), TN_OBJECT))
        return 0;
    if (depth == 1) return step_is(&path[0], "prior_state") || step_is(&path[0], "resource_drift");
    return step_is(&path[0], "resource_changes") && !path[1].key && step_is(&path[2], "change") &&
           (step_is(&path[3], "before") || step_is(&path[3], "after") ||
            step_is(&path[3], "before_sensitive") || step_is(&path[3], "after_sensitive"));
}

int ig_tfplan_pruned_ok(const tnode *root)
{
    return ig_tnode_get(root, "format_version") &&
           ig_tnode_is(ig_tnode_get(root, "planned_values"), TN_OBJECT);
}

/* One resource as the plan states it. */
typedef struct tfres {
    const char *type, *address;
    const tnode *at; /* where notes about it point */
    const tnode *values;
    const tnode *unknown; /* after_unknown of its change, when known */
    int unknown_looked_up;
    const char *ptr; /* JSON pointer of values */
} tfres;

#define INVALID(t, node, ...)                                                                      \
    ig_diag_add((t)->x->diags, IAMG_EINVALID, IAMG_LEVEL_ERROR, (t)->src, (node)->start,           \
                __VA_ARGS__)

static const tnode *after_unknown(tfx *t, tfres *r)
{
    if (r->unknown_looked_up) return r->unknown;
    r->unknown_looked_up = 1;
    if (!ig_tnode_is(t->changes, TN_ARRAY) || !r->address) return NULL;
    addr_index *ix = &t->changes_ix;
    if (addr_ready(t, ix)) return NULL;
    size_t k = addr_find(ix, NULL, r->address, (uint32_t)strlen(r->address));
    if (k < ix->n) {
        const tnode *rc = &t->changes->u.items[ix->v[k].idx];
        r->unknown = ig_tnode_get(ig_tnode_get(rc, "change"), "after_unknown");
    }
    return r->unknown;
}

static int is_true(const tnode *n)
{
    return n && n->type == TN_BOOL && strcmp(n->u.s, "true") == 0;
}

static int blank(const tnode *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->u.s[i] != ' ' && s->u.s[i] != '\t' && s->u.s[i] != '\n' && s->u.s[i] != '\r')
            return 0;
    return 1;
}

/* A statement with a principal makes a policy document (data source) a
 * resource policy, or a trust policy when it only allows sts:AssumeRole*. */
static void settle_kind(pdoc *d)
{
    int principal = 0, assume_only = 1;
    for (uint32_t i = 0; i < d->nstmts; i++) {
        const pstmt *s = &d->stmts[i];
        if (!s->principal_member) continue;
        principal = 1;
        for (uint32_t k = 0; k < s->action.n; k++)
            if (s->action.negated || strncasecmp(s->action.v[k]->u.s, "sts:AssumeRole", 14) != 0)
                assume_only = 0;
    }
    if (!principal) return;
    d->kind = assume_only ? KIND_TRUST : KIND_RESOURCE;
    d->origin.kind = ig_policy_kind_name(d->kind);
}

/* after_unknown of the holder of a value: the resource's values, or item
 * `item` of its inline_policy list. Looked up only for a missing value. */
static const tnode *unknown_of(tfx *t, tfres *r, int item)
{
    const tnode *u = after_unknown(t, r);
    if (item < 0) return u;
    u = ig_tnode_get(u, "inline_policy");
    return ig_tnode_is(u, TN_ARRAY) && (uint32_t)item < u->n ? &u->u.items[item] : NULL;
}

/* The policy JSON string `key` of object `holder` (r->values, or inline
 * policy number `item`). */
static int policy_attr(tfx *t, tfres *r, const tnode *holder, int item, const char *key,
                       const char *what, const char *ptr, pkind kind, const iamg_origin *base,
                       int guess)
{
    const tnode *v = ig_tnode_get(holder, key);
    if (!what) what = key;
    if (!v || v->type == TN_NULL) {
        const char *when = (!v || is_true(ig_tnode_get(unknown_of(t, r, item), key)))
                               ? "is known only after apply"
                               : "is null";
        const tnode *at = holder == r->values ? r->at : holder;
        ig_diag_add(t->x->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, t->src, at->start,
                    "%s of %s %s: not checked", what, r->address, when);
        return 0;
    }
    if (v->type != TN_STRING) {
        INVALID(t, v, "%s of %s must be a JSON string, found %s", what, r->address,
                ig_tnode_type_name(v));
        return 0;
    }
    if (blank(v)) {
        ig_diag_add(t->x->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, t->src, v->start,
                    "%s of %s is empty: not checked", what, r->address);
        return 0;
    }
    iamg_origin o = *base;
    o.pointer = ig_extract_printf(t->x, "%s/%s", ptr, key);
    if (!o.pointer) return IAMG_ENOMEM;
    size_t before = t->x->l->ndocs;
    int rc = ig_extract_add_string_doc(t->x, t->src, v, 0, kind, &o);
    if (rc == 0 && guess && t->x->l->ndocs > before) settle_kind(&t->x->l->docs[before]);
    return rc;
}

static void base_origin(const tfx *t, const tfres *r, iamg_origin *o)
{
    memset(o, 0, sizeof *o);
    o->format = t->x->l->format;
    o->address = r->address;
    o->resource_type = r->type;
}

static int role_inline(tfx *t, tfres *r)
{
    const tnode *list = ig_tnode_get(r->values, "inline_policy");
    if (!list || list->type == TN_NULL) return 0; /* computed: only what the plan declares counts */
    if (list->type != TN_ARRAY) {
        INVALID(t, list, "inline_policy of %s must be a list, found %s", r->address,
                ig_tnode_type_name(list));
        return 0;
    }
    for (uint32_t i = 0; i < list->n; i++) {
        const tnode *it = &list->u.items[i];
        if (it->type != TN_OBJECT) {
            INVALID(t, it, "inline_policy item of %s must be an object, found %s", r->address,
                    ig_tnode_type_name(it));
            continue;
        }
        const tnode *pol = ig_tnode_get(it, "policy");
        const char *name = ig_tnode_str(ig_tnode_get(it, "name"));
        /* The provider reads an empty block back for roles without inline
         * policies: nothing there. */
        if (ig_tnode_is(pol, TN_STRING) && blank(pol) && (!name || !*name)) continue;
        iamg_origin o;
        base_origin(t, r, &o);
        o.policy_name = name;
        o.container =
            ig_extract_printf(t->x, "%s (inline policy '%s')", r->address, name ? name : "");
        const char *ptr = ig_extract_printf(t->x, "%s/inline_policy/%u", r->ptr, (unsigned)i);
        if (!o.container || !ptr) return IAMG_ENOMEM;
        const char *what = ig_extract_printf(t->x, "inline policy '%s'", name ? name : "");
        if (!what) return IAMG_ENOMEM;
        int rc = policy_attr(t, r, it, (int)i, "policy", what, ptr, KIND_IDENTITY, &o, 0);
        if (rc) return rc;
    }
    return 0;
}

/*
 * Resource policies: the attribute holding the JSON, and whether it is an
 * optional attribute the provider fills in (a KMS key's default policy):
 * those say nothing when the plan does not know them yet.
 */
static const resource_policy resource_policies[] = {
    {"aws_s3_bucket_policy", "policy", 0},
    {"aws_sqs_queue_policy", "policy", 0},
    {"aws_sns_topic_policy", "policy", 0},
    {"aws_kms_key_policy", "policy", 0},
    {"aws_ecr_repository_policy", "policy", 0},
    {"aws_secretsmanager_secret_policy", "policy", 0},
    {"aws_efs_file_system_policy", "policy", 0},
    {"aws_backup_vault_policy", "policy", 0},
    {"aws_cloudwatch_log_resource_policy", "policy_document", 0},
    {"aws_opensearch_domain_policy", "access_policies", 0},
    {"aws_elasticsearch_domain_policy", "access_policies", 0},
    {"aws_codeartifact_repository_permissions_policy", "policy_document", 0},
    {"aws_api_gateway_rest_api_policy", "policy", 0},
    {"aws_ecr_registry_policy", "policy", 0},
    {"aws_glue_resource_policy", "policy", 0},
    {"aws_kms_key", "policy", 1},
    {"aws_vpc_endpoint", "policy", 1},
    {"aws_s3_access_point", "policy", 1},
    {"aws_glacier_vault", "access_policy", 1},
    {"aws_api_gateway_rest_api", "policy", 1},
};

static const resource_policy *find_resource_policy(const char *type)
{
    return ig_resource_policy_find(resource_policies,
                                   sizeof resource_policies / sizeof *resource_policies, type);
}

static int do_resource_policy(tfx *t, tfres *r, const resource_policy *rp, iamg_origin *o)
{
    const tnode *v = ig_tnode_get(r->values, rp->prop);
    if (rp->flag && (!v || v->type == TN_NULL || (v->type == TN_STRING && blank(v)))) return 0;
    o->container = ig_extract_printf(t->x, "%s (%s)", r->address, rp->prop);
    if (!o->container) return IAMG_ENOMEM;
    return policy_attr(t, r, r->values, -1, rp->prop, NULL, r->ptr, KIND_RESOURCE, o, 0);
}

static int do_resource_docs(tfx *t, tfres *r)
{
    const char *ty = r->type;
    iamg_origin o;
    base_origin(t, r, &o);
    const char *name = ig_tnode_str(ig_tnode_get(r->values, "name"));
    if (strcmp(ty, "aws_iam_policy") == 0 || strcmp(ty, "aws_iam_role_policy") == 0 ||
        strcmp(ty, "aws_iam_user_policy") == 0 || strcmp(ty, "aws_iam_group_policy") == 0) {
        o.policy_name = name;
        o.container =
            name ? ig_extract_printf(t->x, "%s (policy '%s')", r->address, name) : r->address;
        if (!o.container) return IAMG_ENOMEM;
        return policy_attr(t, r, r->values, -1, "policy", NULL, r->ptr, KIND_IDENTITY, &o, 0);
    }
    if (strcmp(ty, "aws_iam_role") == 0) {
        o.container = ig_extract_printf(t->x, "%s (trust policy)", r->address);
        if (!o.container) return IAMG_ENOMEM;
        int rc =
            policy_attr(t, r, r->values, -1, "assume_role_policy", NULL, r->ptr, KIND_TRUST, &o, 0);
        return rc ? rc : role_inline(t, r);
    }
    if (strcmp(ty, "aws_ssoadmin_permission_set_inline_policy") == 0) {
        o.container = ig_extract_printf(t->x, "%s (inline policy)", r->address);
        if (!o.container) return IAMG_ENOMEM;
        return policy_attr(t, r, r->values, -1, "inline_policy", NULL, r->ptr, KIND_IDENTITY, &o,
                           0);
    }
    if (strcmp(ty, "aws_iam_policy_document") == 0) {
        o.container = ig_extract_printf(t->x, "%s (policy document)", r->address);
        if (!o.container) return IAMG_ENOMEM;
        return policy_attr(t, r, r->values, -1, "json", NULL, r->ptr, KIND_IDENTITY, &o, 1);
    }
    if (strcmp(ty, "aws_organizations_policy") == 0) {
        int kind = ig_policy_org_kind(ig_tnode_str(ig_tnode_get(r->values, "type")));
        if (kind < 0) return 0; /* tag, backup, AI opt-out policies */
        o.policy_name = name;
        o.container = ig_extract_printf(t->x, "%s (%s '%s')", r->address,
                                        kind == KIND_SCP ? "service control policy"
                                                         : "resource control policy",
                                        name ? name : "");
        if (!o.container) return IAMG_ENOMEM;
        return policy_attr(t, r, r->values, -1, "content", NULL, r->ptr, (pkind)kind, &o, 0);
    }
    const resource_policy *rp = find_resource_policy(ty);
    if (rp) return do_resource_policy(t, r, rp, &o);
    return 0;
}

/* ---- principals: facts for principal/principal.h ---- */

/* The module of the configuration that declares `address`, and the
 * address inside it: "module.a.module.b.aws_x.y[0]" -> module b of a,
 * "aws_x.y". */
static const tnode *config_module(tfx *t, const char *address, const char **local)
{
    const tnode *m = t->config;
    const char *p = address;
    while (m && strncmp(p, "module.", 7) == 0) {
        const char *name = p + 7;
        size_t n = strcspn(name, ".[");
        const tnode *calls = ig_tnode_get(m, "module_calls");
        const tnode *call = NULL;
        for (uint32_t i = 0; ig_tnode_is(calls, TN_OBJECT) && i < calls->n; i++) {
            const tnode *k = &calls->u.members[i].key;
            if (k->n == n && memcmp(k->u.s, name, n) == 0) call = &calls->u.members[i].value;
        }
        m = ig_tnode_get(call, "module");
        p = name + n;
        if (*p == '[') p = strchr(p, ']') ? strchr(p, ']') + 1 : p + strlen(p);
        if (*p == '.') p++;
    }
    *local = p;
    return m;
}

/* What the configuration says attribute `attr` of r refers to, when the
 * plan does not know its value yet: "aws_iam_policy.p" for
 * `policy_arn = aws_iam_policy.p.arn`, as a full address. NULL when it
 * names no resource. */
static const char *config_ref(tfx *t, const tfres *r, const char *attr, uint32_t item)
{
    const char *local;
    const tnode *m = config_module(t, r->address, &local);
    const tnode *res = ig_tnode_get(m, "resources");
    uint32_t ll = (uint32_t)strcspn(local, "[");
    addr_index *ix = &t->config_ix;
    if (!ig_tnode_is(res, TN_ARRAY) || addr_ready(t, ix)) return NULL;
    for (size_t at = addr_find(ix, m, local, ll);
         at < ix->n && addr_cmp_key(&ix->v[at], m, local, ll) == 0; at++) {
        uint32_t i = ix->v[at].idx;
        const tnode *e = ig_tnode_get(ig_tnode_get(&res->u.items[i], "expressions"), attr);
        if (ig_tnode_is(e, TN_ARRAY)) e = item < e->n ? &e->u.items[item] : NULL;
        const tnode *refs = ig_tnode_get(e, "references");
        for (uint32_t k = 0; ig_tnode_is(refs, TN_ARRAY) && k < refs->n; k++) {
            const char *ref = ig_tnode_str(&refs->u.items[k]);
            /* "type.name" without the attribute; data sources and
             * variables are not principals or policies. */
            if (!ref || strncmp(ref, "aws_", 4) != 0) continue;
            const char *dot = strchr(ref, '.');
            if (!dot || strchr(dot + 1, '.')) continue;
            return ig_extract_printf(t->x, "%.*s%s", (int)(local - r->address), r->address, ref);
        }
    }
    return NULL;
}

static int tf_fact(tfx *t, const lfact *f)
{
    return ig_extract_fact(t->x, f);
}

/* The principal or policy named by `v` (a string), or by the configuration's
 * reference when the plan does not know it yet. */
static const char *named(tfx *t, const tfres *r, const tnode *v, const char *attr, uint32_t item,
                         int *key)
{
    *key = 0;
    if (ig_tnode_is(v, TN_STRING) && v->n) return v->u.s;
    const char *ref = config_ref(t, r, attr, item);
    *key = ref != NULL;
    return ref;
}

/* Attribute `attr` of r: one or a list of names or ARNs of what principal
 * `who` holds (who NULL: the items are the principals holding `ref`). */
static int hold_attr(tfx *t, const tfres *r, const char *attr, uint8_t how, uint8_t pt,
                     const char *who, int who_key, const char *ref, int ref_key)
{
    const tnode *v = ig_tnode_get(r->values, attr);
    uint32_t n = ig_tnode_is(v, TN_ARRAY) ? v->n : 1;
    if (!v || v->type == TN_NULL) {
        /* Unknown until apply: the configuration may still say what it is. */
        if (!config_ref(t, r, attr, 0)) return 0;
        n = 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        const tnode *it = ig_tnode_is(v, TN_ARRAY) ? &v->u.items[i] : v;
        int key;
        const char *name = named(t, r, it, attr, i, &key);
        if (!name) continue;
        lfact f;
        memset(&f, 0, sizeof f);
        f.type = FACT_HOLD;
        f.how = how;
        f.ptype = pt;
        f.who = who ? who : name;
        f.ref = who ? name : ref;
        f.ref_key = (uint8_t)(who ? key : ref_key);
        (void)who_key;
        f.src = t->src;
        f.at = it && it->type != TN_NULL ? it : r->at;
        int rc = tf_fact(t, &f);
        if (rc) return rc;
    }
    return 0;
}

static uint8_t tf_ptype(const char *s)
{
    if (strcmp(s, "role") == 0) return PT_ROLE;
    if (strcmp(s, "user") == 0) return PT_USER;
    return PT_GROUP;
}

static int principal_facts(tfx *t, tfres *r, uint32_t doc, uint32_t ndocs)
{
    const char *ty = r->type + 8; /* after "aws_iam_" */
    if (strncmp(r->type, "aws_iam_", 8) != 0) return 0;
    const char *name = ig_tnode_str(ig_tnode_get(r->values, "name"));
    lfact f;
    memset(&f, 0, sizeof f);
    f.src = t->src;
    f.at = r->at;
    if (strcmp(ty, "role") == 0 || strcmp(ty, "user") == 0 || strcmp(ty, "group") == 0) {
        uint8_t pt = tf_ptype(ty);
        f.type = FACT_PRINCIPAL;
        f.ptype = pt;
        f.who = r->address;
        f.name = name;
        f.arn = ig_tnode_str(ig_tnode_get(r->values, "arn"));
        /* The plan gives the path (default "/") unless it is known only
         * after apply: then it is unknown (NULL). */
        f.path = ig_tnode_str(ig_tnode_get(r->values, "path"));
        int rc = tf_fact(t, &f);
        if (!rc && ndocs && pt == PT_ROLE) {
            /* The trust policy comes first, then inline_policy blocks. */
            const pdoc *d = &t->x->l->docs[doc];
            uint32_t trust = d->kind == KIND_TRUST ? 1 : 0;
            f.type = FACT_HOLD;
            if (trust) {
                f.how = HOLD_TRUST;
                f.doc = doc;
                f.ndocs = 1;
                rc = tf_fact(t, &f);
            }
            if (!rc && ndocs > trust) {
                f.how = HOLD_INLINE;
                f.doc = doc + trust;
                f.ndocs = ndocs - trust;
                rc = tf_fact(t, &f);
            }
        }
        if (!rc && pt == PT_ROLE)
            rc = hold_attr(t, r, "managed_policy_arns", HOLD_MANAGED, pt, r->address, 1, NULL, 0);
        if (!rc && pt != PT_GROUP)
            rc = hold_attr(t, r, "permissions_boundary", HOLD_BOUNDARY, pt, r->address, 1, NULL, 0);
        return rc;
    }
    if (strcmp(ty, "policy") == 0) {
        f.type = FACT_POLICY;
        f.who = r->address;
        f.name = name;
        f.arn = ig_tnode_str(ig_tnode_get(r->values, "arn"));
        f.doc = doc;
        f.ndocs = ndocs;
        return tf_fact(t, &f);
    }
    static const struct {
        const char *type, *attr;
        uint8_t pt;
    } inl[] = {{"role_policy", "role", PT_ROLE},
               {"user_policy", "user", PT_USER},
               {"group_policy", "group", PT_GROUP}};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(ty, inl[i].type) != 0 || !ndocs) continue;
        int key;
        const tnode *v = ig_tnode_get(r->values, inl[i].attr);
        const char *who = named(t, r, v, inl[i].attr, 0, &key);
        if (!who) return 0;
        f.type = FACT_HOLD;
        f.how = HOLD_INLINE;
        f.ptype = inl[i].pt;
        f.who = who;
        f.doc = doc;
        f.ndocs = ndocs;
        return tf_fact(t, &f);
    }
    static const struct {
        const char *type, *attr;
        uint8_t pt;
    } att[] = {{"role_policy_attachment", "role", PT_ROLE},
               {"user_policy_attachment", "user", PT_USER},
               {"group_policy_attachment", "group", PT_GROUP}};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(ty, att[i].type) != 0) continue;
        int key;
        const char *who = named(t, r, ig_tnode_get(r->values, att[i].attr), att[i].attr, 0, &key);
        if (!who) return 0;
        return hold_attr(t, r, "policy_arn", HOLD_MANAGED, att[i].pt, who, key, NULL, 0);
    }
    if (strcmp(ty, "role_policy_attachments_exclusive") == 0) {
        int key;
        const char *who = named(t, r, ig_tnode_get(r->values, "role_name"), "role_name", 0, &key);
        return who ? hold_attr(t, r, "policy_arns", HOLD_MANAGED, PT_ROLE, who, key, NULL, 0) : 0;
    }
    if (strcmp(ty, "policy_attachment") == 0) {
        int key;
        const char *pol = named(t, r, ig_tnode_get(r->values, "policy_arn"), "policy_arn", 0, &key);
        if (!pol) return 0;
        static const struct {
            const char *attr;
            uint8_t pt;
        } lists[] = {{"roles", PT_ROLE}, {"users", PT_USER}, {"groups", PT_GROUP}};
        /* One attachment element (policy_arn) for every principal it names. */
        const tnode *at = ig_tnode_get(r->values, "policy_arn");
        for (size_t i = 0; i < 3; i++) {
            const tnode *v = ig_tnode_get(r->values, lists[i].attr);
            uint32_t n = ig_tnode_is(v, TN_ARRAY) ? v->n : 0;
            for (uint32_t k = 0; k < n; k++) {
                int wkey;
                const char *who = named(t, r, &v->u.items[k], lists[i].attr, k, &wkey);
                if (!who) continue;
                f.type = FACT_HOLD;
                f.how = HOLD_MANAGED;
                f.ptype = lists[i].pt;
                f.who = who;
                f.ref = pol;
                f.ref_key = (uint8_t)key;
                f.at = ig_tnode_is(at, TN_STRING) ? at : r->at;
                int rc = tf_fact(t, &f);
                if (rc) return rc;
            }
        }
        return 0;
    }
    if (strcmp(ty, "user_group_membership") == 0) {
        int key;
        const char *who = named(t, r, ig_tnode_get(r->values, "user"), "user", 0, &key);
        return who ? hold_attr(t, r, "groups", HOLD_GROUP, PT_USER, who, key, NULL, 0) : 0;
    }
    if (strcmp(ty, "group_membership") == 0) {
        int key;
        const char *grp = named(t, r, ig_tnode_get(r->values, "group"), "group", 0, &key);
        return grp ? hold_attr(t, r, "users", HOLD_GROUP, PT_USER, NULL, 0, grp, key) : 0;
    }
    return 0;
}

static int do_resource(tfx *t, tfres *r)
{
    size_t before = t->x->l->ndocs;
    int rc = do_resource_docs(t, r);
    if (rc) return rc;
    return principal_facts(t, r, (uint32_t)before, (uint32_t)(t->x->l->ndocs - before));
}

static int wanted(const char *type)
{
    static const char *const types[] = {"aws_iam_policy",
                                        "aws_iam_role_policy",
                                        "aws_iam_user_policy",
                                        "aws_iam_group_policy",
                                        "aws_iam_role",
                                        "aws_ssoadmin_permission_set_inline_policy",
                                        "aws_iam_policy_document",
                                        "aws_organizations_policy",
                                        "aws_iam_user",
                                        "aws_iam_group",
                                        "aws_iam_role_policy_attachment",
                                        "aws_iam_user_policy_attachment",
                                        "aws_iam_group_policy_attachment",
                                        "aws_iam_policy_attachment",
                                        "aws_iam_role_policy_attachments_exclusive",
                                        "aws_iam_user_group_membership",
                                        "aws_iam_group_membership"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(type, types[i]) == 0) return 1;
    return find_resource_policy(type) != NULL;
}

static int walk_module(tfx *t, const tnode *m, const char *ptr, unsigned depth)
{
    if (m->type != TN_OBJECT) {
        INVALID(t, m, "a module in planned_values must be an object, found %s",
                ig_tnode_type_name(m));
        return 0;
    }
    const tnode *res = ig_tnode_get(m, "resources");
    if (res && res->type != TN_ARRAY) {
        INVALID(t, res, "resources of a module must be a list, found %s", ig_tnode_type_name(res));
    } else if (res) {
        for (uint32_t i = 0; i < res->n; i++) {
            const tnode *r = &res->u.items[i];
            if (r->type != TN_OBJECT) {
                INVALID(t, r, "a resource in planned_values must be an object, found %s",
                        ig_tnode_type_name(r));
                continue;
            }
            const char *type = ig_tnode_str(ig_tnode_get(r, "type"));
            if (!type || !wanted(type)) continue;
            tfres tr;
            memset(&tr, 0, sizeof tr);
            tr.type = type;
            const tnode *addr = ig_tnode_get(r, "address");
            tr.address = ig_tnode_str(addr);
            if (!tr.address) tr.address = type;
            tr.at = ig_tnode_is(addr, TN_STRING) ? addr : r;
            tr.values = ig_tnode_get(r, "values");
            if (!ig_tnode_is(tr.values, TN_OBJECT)) {
                INVALID(t, tr.values ? tr.values : r, "values of %s must be an object, found %s",
                        tr.address, ig_tnode_type_name(tr.values));
                continue;
            }
            tr.ptr = ig_extract_printf(t->x, "%s/resources/%u/values", ptr, (unsigned)i);
            if (!tr.ptr) return IAMG_ENOMEM;
            int rc = do_resource(t, &tr);
            if (rc) return rc;
        }
    }
    const tnode *kids = ig_tnode_get(m, "child_modules");
    if (!kids) return 0;
    if (kids->type != TN_ARRAY) {
        INVALID(t, kids, "child_modules must be a list, found %s", ig_tnode_type_name(kids));
        return 0;
    }
    /* The nesting is the file's, already bounded by the parser's max_depth. */
    for (uint32_t i = 0; i < kids->n; i++) {
        const char *kp = ig_extract_printf(t->x, "%s/child_modules/%u", ptr, (unsigned)i);
        if (!kp) return IAMG_ENOMEM;
        int rc = walk_module(t, &kids->u.items[i], kp, depth + 1);
        if (rc) return rc;
    }
    return 0;
}

/* Only ["delete"] (and "forget") leave nothing behind. */
static int leaves_nothing(const tnode *actions)
{
    if (!ig_tnode_is(actions, TN_ARRAY)) return 0;
    for (uint32_t i = 0; i < actions->n; i++) {
        const char *a = ig_tnode_str(&actions->u.items[i]);
        if (!a || (strcmp(a, "delete") != 0 && strcmp(a, "forget") != 0)) return 0;
    }
    return actions->n > 0;
}

static int walk_changes(tfx *t, const tnode *rcs)
{
    if (rcs->type != TN_ARRAY) {
        INVALID(t, rcs, "resource_changes must be a list, found %s", ig_tnode_type_name(rcs));
        return 0;
    }
    for (uint32_t i = 0; i < rcs->n; i++) {
        const tnode *rc = &rcs->u.items[i];
        const char *type = ig_tnode_str(ig_tnode_get(rc, "type"));
        if (!type || !wanted(type)) continue;
        const tnode *ch = ig_tnode_get(rc, "change");
        if (leaves_nothing(ig_tnode_get(ch, "actions"))) continue;
        tfres tr;
        memset(&tr, 0, sizeof tr);
        tr.type = type;
        const tnode *addr = ig_tnode_get(rc, "address");
        tr.address = ig_tnode_str(addr) ? ig_tnode_str(addr) : type;
        tr.at = ig_tnode_is(addr, TN_STRING) ? addr : rc;
        tr.values = ig_tnode_get(ch, "after");
        tr.unknown = ig_tnode_get(ch, "after_unknown");
        tr.unknown_looked_up = 1;
        if (!tr.values || tr.values->type == TN_NULL) continue;
        if (tr.values->type != TN_OBJECT) {
            INVALID(t, tr.values, "change.after of %s must be an object, found %s", tr.address,
                    ig_tnode_type_name(tr.values));
            continue;
        }
        tr.ptr = ig_extract_printf(t->x, "/resource_changes/%u/change/after", (unsigned)i);
        if (!tr.ptr) return IAMG_ENOMEM;
        int e = do_resource(t, &tr);
        if (e) return e;
    }
    return 0;
}

int ig_extract_tfplan(extract_ctx *x, const tnode *root)
{
    x->l->format = "terraform-plan";
    tfx t = {x,
             &x->l->src,
             ig_tnode_get(root, "resource_changes"),
             ig_tnode_get(ig_tnode_get(root, "configuration"), "root_module"),
             {0},
             {0},
             0};
    const tnode *pv = ig_tnode_get(root, "planned_values");
    const tnode *sv = ig_tnode_get(root, "values");
    const char *key = "planned_values";
    int rc = 0;
    if (!pv && sv && !t.changes) {
        /* `terraform show -json` without a plan file shows the state: the
         * same modules under "values", every value known. */
        x->l->format = "terraform-state";
        pv = sv;
        key = "values";
    }
    if (pv && pv->type != TN_NULL) {
        if (pv->type != TN_OBJECT) {
            INVALID(&t, pv, "%s must be an object, found %s", key, ig_tnode_type_name(pv));
            return 0;
        }
        const tnode *rm = ig_tnode_get(pv, "root_module");
        if (rm)
            rc = walk_module(&t, rm,
                             pv == sv ? "/values/root_module" : "/planned_values/root_module", 0);
    } else if (t.changes) {
        rc = walk_changes(&t, t.changes);
    }
    ig_free(t.changes_ix.v);
    ig_free(t.config_ix.v);
    if (rc) return rc;
    return x->diags->oom || t.oom ? IAMG_ENOMEM : 0;
}
