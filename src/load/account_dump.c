/*
 * load/account_dump.c - the policies of an account dump
 * (`aws iam get-account-authorization-details`).
 *
 * Inline policies belong to one user, group or role; managed policies are
 * listed once with all their versions, of which only the default one is in
 * force. Which principals a managed policy is attached to is only written on
 * the principals' side (AttachedManagedPolicies), so it is gathered first and
 * put in the policy's container label. The raw IAM API returns documents
 * URL-encoded; the CLI decodes them: both are read.
 */
#include <stdlib.h>
#include <string.h>

#include "load/loader.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"

/* Principals named in a managed policy's label; the rest are counted. */
#define ATTACHED_SHOWN 5

static const struct plist {
    const char *list, *type, *policies, *name;
} plists[] = {
    {"UserDetailList", "user", "UserPolicyList", "UserName"},
    {"GroupDetailList", "group", "GroupPolicyList", "GroupName"},
    {"RoleDetailList", "role", "RolePolicyList", "RoleName"},
};

int ig_detect_account_dump(const tnode *root)
{
    if (!ig_tnode_is(root, TN_OBJECT)) return 0;
    for (size_t i = 0; i < sizeof plists / sizeof *plists; i++)
        if (ig_tnode_is(ig_tnode_get(root, plists[i].list), TN_ARRAY)) return 1;
    const tnode *pol = ig_tnode_get(root, "Policies");
    if (!ig_tnode_is(pol, TN_ARRAY)) return 0;
    for (uint32_t i = 0; i < pol->n; i++)
        if (ig_tnode_get(&pol->u.items[i], "PolicyVersionList")) return 1;
    return 0;
}

typedef struct azx {
    extract_ctx *x;
    const tsource *src;
} azx;

#define INVALID(z, node, ...)                                                                      \
    ig_diag_add((z)->x->diags, IAMG_EINVALID, IAMG_LEVEL_ERROR, (z)->src, (node)->start,           \
                __VA_ARGS__)

/* A document: an object, or JSON text (URL-encoded by the raw API). */
static int add_document(azx *z, const tnode *doc, pkind kind, const iamg_origin *o,
                        const char *what)
{
    if (doc->type == TN_OBJECT) return ig_extract_add_doc(z->x, z->src, doc, kind, o);
    if (doc->type == TN_STRING) return ig_extract_add_string_doc(z->x, z->src, doc, 1, kind, o);
    INVALID(z, doc, "%s must be an object or a JSON string, found %s", what,
            ig_tnode_type_name(doc));
    return 0;
}

/* The principal, its attachments, boundary and groups (facts.h); its
 * inline documents are docs [doc, doc + ndocs) and its trust policy `trust`
 * (-1 when none). */
static int principal_facts(azx *z, const struct plist *pl, const tnode *e, const char *who,
                           uint32_t doc, uint32_t ndocs, long trust)
{
    lfact f;
    memset(&f, 0, sizeof f);
    uint8_t pt = pl->type[0] == 'u' ? PT_USER : pl->type[0] == 'g' ? PT_GROUP : PT_ROLE;
    f.type = FACT_PRINCIPAL;
    f.ptype = pt;
    f.who = who;
    f.name = ig_tnode_str(ig_tnode_get(e, pl->name));
    f.arn = ig_tnode_str(ig_tnode_get(e, "Arn"));
    f.src = z->src;
    f.at = e;
    int rc = ig_extract_fact(z->x, &f);
    f.type = FACT_HOLD;
    f.name = f.arn = NULL;
    if (!rc && ndocs) {
        f.how = HOLD_INLINE;
        f.doc = doc;
        f.ndocs = ndocs;
        rc = ig_extract_fact(z->x, &f);
    }
    if (!rc && trust >= 0) {
        f.how = HOLD_TRUST;
        f.doc = (uint32_t)trust;
        f.ndocs = 1;
        rc = ig_extract_fact(z->x, &f);
    }
    f.doc = f.ndocs = 0;
    const tnode *att = ig_tnode_get(e, "AttachedManagedPolicies");
    for (uint32_t j = 0; !rc && ig_tnode_is(att, TN_ARRAY) && j < att->n; j++) {
        const tnode *it = &att->u.items[j];
        const char *arn = ig_tnode_str(ig_tnode_get(it, "PolicyArn"));
        if (!arn) arn = ig_tnode_str(ig_tnode_get(it, "PolicyName"));
        if (!arn) continue;
        f.how = HOLD_MANAGED;
        f.ref = arn;
        f.at = it;
        rc = ig_extract_fact(z->x, &f);
    }
    const tnode *pb = ig_tnode_get(e, "PermissionsBoundary");
    const char *pba = ig_tnode_str(ig_tnode_get(pb, "PermissionsBoundaryArn"));
    if (!rc && pba) {
        f.how = HOLD_BOUNDARY;
        f.ref = pba;
        f.at = pb;
        rc = ig_extract_fact(z->x, &f);
    }
    const tnode *groups = ig_tnode_get(e, "GroupList");
    for (uint32_t j = 0; !rc && pt == PT_USER && ig_tnode_is(groups, TN_ARRAY) && j < groups->n;
         j++) {
        const char *g = ig_tnode_str(&groups->u.items[j]);
        if (!g) continue;
        f.how = HOLD_GROUP;
        f.ref = g;
        f.at = &groups->u.items[j];
        rc = ig_extract_fact(z->x, &f);
    }
    return rc;
}

static int principal(azx *z, const struct plist *pl, const tnode *e, uint32_t i)
{
    const char *name = ig_tnode_str(ig_tnode_get(e, pl->name));
    const char *arn = ig_tnode_str(ig_tnode_get(e, "Arn"));
    size_t first = z->x->l->ndocs;
    long trust = -1;
    int rc = 0;
    iamg_origin base;
    memset(&base, 0, sizeof base);
    base.format = "account-dump";
    base.principal_type = pl->type;
    base.principal_name = name;
    base.principal_arn = arn;
    const char *who = name ? name : arn ? arn : "(unnamed)";
    const tnode *list = ig_tnode_get(e, pl->policies);
    if (list && list->type != TN_ARRAY) {
        INVALID(z, list, "%s of %s %s must be a list, found %s", pl->policies, pl->type, who,
                ig_tnode_type_name(list));
    } else if (list) {
        for (uint32_t j = 0; j < list->n; j++) {
            const tnode *p = &list->u.items[j];
            if (p->type != TN_OBJECT) {
                INVALID(z, p, "%s item of %s %s must be an object, found %s", pl->policies,
                        pl->type, who, ig_tnode_type_name(p));
                continue;
            }
            const char *pname = ig_tnode_str(ig_tnode_get(p, "PolicyName"));
            const tnode *doc = ig_tnode_get(p, "PolicyDocument");
            if (!doc) {
                INVALID(z, p, "inline policy '%s' of %s %s has no PolicyDocument",
                        pname ? pname : "", pl->type, who);
                continue;
            }
            iamg_origin o = base;
            o.policy_name = pname;
            o.pointer = ig_extract_printf(z->x, "/%s/%u/%s/%u/PolicyDocument", pl->list,
                                          (unsigned)i, pl->policies, (unsigned)j);
            o.container = ig_extract_printf(z->x, "%s %s, inline policy '%s'", pl->type, who,
                                            pname ? pname : "");
            if (!o.pointer || !o.container) return IAMG_ENOMEM;
            rc = add_document(z, doc, KIND_IDENTITY, &o, "PolicyDocument");
            if (rc) return rc;
        }
    }
    uint32_t ninline = (uint32_t)(z->x->l->ndocs - first);
    const tnode *td = ig_tnode_get(e, "AssumeRolePolicyDocument");
    if (strcmp(pl->type, "role") == 0 && td && td->type != TN_NULL) {
        iamg_origin o = base;
        o.pointer =
            ig_extract_printf(z->x, "/%s/%u/AssumeRolePolicyDocument", pl->list, (unsigned)i);
        o.container = ig_extract_printf(z->x, "role %s, trust policy", who);
        if (!o.pointer || !o.container) return IAMG_ENOMEM;
        size_t before = z->x->l->ndocs;
        rc = add_document(z, td, KIND_TRUST, &o, "AssumeRolePolicyDocument");
        if (rc) return rc;
        if (z->x->l->ndocs > before) trust = (long)before;
    }
    /* Dumps name principals by ARN; a filtered one may lack it. */
    return principal_facts(z, pl, e, arn ? arn : who, (uint32_t)first, ninline, trust);
}

/* ---- managed policies and where they are attached ---- */

typedef struct attachment {
    const char *arn;
    const char *type, *name;
    size_t seq; /* dump order, so labels list principals as the dump does */
} attachment;

static int cmp_attachment(const void *a, const void *b)
{
    const attachment *x = a, *y = b;
    int c = strcmp(x->arn, y->arn);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every (policy ARN, principal) pair of the dump, sorted by ARN. */
static int gather_attachments(const tnode *root, attachment **out, size_t *n)
{
    size_t cap = 0, k = 0;
    attachment *v = NULL;
    for (size_t l = 0; l < sizeof plists / sizeof *plists; l++) {
        const tnode *list = ig_tnode_get(root, plists[l].list);
        if (!ig_tnode_is(list, TN_ARRAY)) continue;
        for (uint32_t i = 0; i < list->n; i++) {
            const tnode *e = &list->u.items[i];
            const tnode *att = ig_tnode_get(e, "AttachedManagedPolicies");
            const char *name = ig_tnode_str(ig_tnode_get(e, plists[l].name));
            if (!ig_tnode_is(att, TN_ARRAY) || !name) continue;
            for (uint32_t j = 0; j < att->n; j++) {
                const char *arn = ig_tnode_str(ig_tnode_get(&att->u.items[j], "PolicyArn"));
                if (!arn) continue;
                if (IG_ARRAY_GROW(v, k, cap, 64)) {
                    ig_free(v);
                    return IAMG_ENOMEM;
                }
                v[k].arn = arn;
                v[k].type = plists[l].type;
                v[k].name = name;
                v[k].seq = k;
                k++;
            }
        }
    }
    if (k) qsort(v, k, sizeof *v, cmp_attachment);
    *out = v;
    *n = k;
    return 0;
}

static const char *managed_label(azx *z, const char *name, const char *arn, const attachment *att,
                                 size_t natt)
{
    size_t lo = 0, hi = natt;
    while (arn && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(att[mid].arn, arn) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    buf b = BUF_INIT;
    ig_buf_printf(&b, "managed policy %s (", name ? name : arn ? arn : "(unnamed)");
    size_t shown = 0, total = 0;
    for (size_t i = lo; arn && i < natt && strcmp(att[i].arn, arn) == 0; i++, total++) {
        if (shown == ATTACHED_SHOWN) continue;
        ig_buf_printf(&b, "%s%s %s", shown ? ", " : "attached to ", att[i].type, att[i].name);
        shown++;
    }
    if (total > shown) ig_buf_printf(&b, " and %zu more", total - shown);
    if (!total) ig_buf_puts(&b, "not attached");
    ig_buf_putc(&b, ')');
    char *s = b.oom ? NULL : ig_arena_strndup(&z->x->l->a, b.data, b.len);
    ig_buf_free(&b);
    return s;
}

static int managed(azx *z, const tnode *p, uint32_t i, const attachment *att, size_t natt)
{
    if (p->type != TN_OBJECT) {
        INVALID(z, p, "Policies item must be an object, found %s", ig_tnode_type_name(p));
        return 0;
    }
    const char *name = ig_tnode_str(ig_tnode_get(p, "PolicyName"));
    const char *arn = ig_tnode_str(ig_tnode_get(p, "Arn"));
    const char *who = name ? name : arn ? arn : "(unnamed)";
    const tnode *versions = ig_tnode_get(p, "PolicyVersionList");
    if (!versions) return 0;
    if (versions->type != TN_ARRAY) {
        INVALID(z, versions, "PolicyVersionList of managed policy %s must be a list, found %s", who,
                ig_tnode_type_name(versions));
        return 0;
    }
    /* IsDefaultVersion says which version is in force; DefaultVersionId
     * says the same from the policy's side, for dumps that lack the flag. */
    const char *defid = ig_tnode_str(ig_tnode_get(p, "DefaultVersionId"));
    int found = 0;
    for (uint32_t pass = 0; pass < 2 && !found; pass++) {
        for (uint32_t j = 0; j < versions->n; j++) {
            const tnode *v = &versions->u.items[j];
            if (v->type != TN_OBJECT) {
                if (pass == 0)
                    INVALID(
                        z, v,
                        "PolicyVersionList item of managed policy %s must be an object, found %s",
                        who, ig_tnode_type_name(v));
                continue;
            }
            const tnode *isdef = ig_tnode_get(v, "IsDefaultVersion");
            int def;
            if (pass == 0) {
                def = isdef && isdef->type == TN_BOOL && strcmp(isdef->u.s, "true") == 0;
            } else {
                const char *vid = ig_tnode_str(ig_tnode_get(v, "VersionId"));
                def = !isdef && defid && vid && strcmp(vid, defid) == 0;
            }
            if (!def) continue;
            found = 1;
            const tnode *doc = ig_tnode_get(v, "Document");
            if (!doc) {
                INVALID(z, v, "default version of managed policy %s has no Document", who);
                continue;
            }
            iamg_origin o;
            memset(&o, 0, sizeof o);
            o.format = "account-dump";
            o.policy_name = name;
            o.policy_arn = arn;
            o.pointer = ig_extract_printf(z->x, "/Policies/%u/PolicyVersionList/%u/Document",
                                          (unsigned)i, (unsigned)j);
            o.container = managed_label(z, name, arn, att, natt);
            if (!o.pointer || !o.container) return IAMG_ENOMEM;
            size_t before = z->x->l->ndocs;
            int rc = add_document(z, doc, KIND_IDENTITY, &o, "Document");
            if (rc) return rc;
            lfact f;
            memset(&f, 0, sizeof f);
            f.type = FACT_POLICY;
            f.who = arn ? arn : name;
            f.name = name;
            f.arn = arn;
            f.doc = (uint32_t)before;
            f.ndocs = (uint32_t)(z->x->l->ndocs - before);
            f.src = z->src;
            f.at = p;
            if (f.who && (rc = ig_extract_fact(z->x, &f))) return rc;
        }
    }
    if (!found && versions->n)
        ig_diag_add(z->x->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, z->src, versions->start,
                    "managed policy %s has no default version in the dump: not checked", who);
    return 0;
}

int ig_extract_account_dump(extract_ctx *x, const tnode *root)
{
    x->l->format = "account-dump";
    azx z = {x, &x->l->src};
    for (size_t l = 0; l < sizeof plists / sizeof *plists; l++) {
        const tnode *list = ig_tnode_get(root, plists[l].list);
        if (!list) continue;
        if (list->type != TN_ARRAY) {
            INVALID(&z, list, "%s must be a list, found %s", plists[l].list,
                    ig_tnode_type_name(list));
            continue;
        }
        for (uint32_t i = 0; i < list->n; i++) {
            const tnode *e = &list->u.items[i];
            if (e->type != TN_OBJECT) {
                INVALID(&z, e, "%s item must be an object, found %s", plists[l].list,
                        ig_tnode_type_name(e));
                continue;
            }
            int rc = principal(&z, &plists[l], e, i);
            if (rc) return rc;
        }
    }
    const tnode *pol = ig_tnode_get(root, "Policies");
    if (pol && pol->type != TN_ARRAY) {
        INVALID(&z, pol, "Policies must be a list, found %s", ig_tnode_type_name(pol));
    } else if (pol) {
        attachment *att = NULL;
        size_t natt = 0;
        if (gather_attachments(root, &att, &natt)) return IAMG_ENOMEM;
        int rc = 0;
        for (uint32_t i = 0; i < pol->n && rc == 0; i++)
            rc = managed(&z, &pol->u.items[i], i, att, natt);
        ig_free(att);
        if (rc) return rc;
    }
    return x->diags->oom ? IAMG_ENOMEM : 0;
}
