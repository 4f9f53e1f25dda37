#include "load/loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "load/json_pos.h"
#include "load/yaml_load.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/uri.h"

void ig_loaded_free(loaded *l)
{
    ig_arena_free(&l->a);
    ig_free(l->docs);
    ig_free(l->facts);
    memset(l, 0, sizeof *l);
}

const char *ig_ptype_name(int t)
{
    static const char *const names[] = {NULL, "role", "user", "group"};
    return t >= 0 && t <= PT_GROUP ? names[t] : NULL;
}

const char *ig_hold_name(int how)
{
    static const char *const names[] = {"inline", "managed", "boundary", "group", "trust"};
    return how >= 0 && how <= HOLD_TRUST ? names[how] : "inline";
}

int ig_extract_fact(extract_ctx *x, const lfact *f)
{
    loaded *l = x->l;
    if (l->nfacts >= x->lim->max_attachments) {
        if (!l->facts_full && f->at)
            ig_diag_add(x->diags, IAMG_ELIMIT, IAMG_LEVEL_WARNING, f->src, f->at->start,
                        "more than %zu principals and attachments in this file (limit "
                        "max_attachments): the rest are not joined",
                        x->lim->max_attachments);
        l->facts_full = 1;
        return 0;
    }
    if (IG_ARRAY_GROW(l->facts, l->nfacts, l->capfacts, 16)) return IAMG_ENOMEM;
    l->facts[l->nfacts++] = *f;
    return 0;
}

char *ig_extract_printf(extract_ctx *x, const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ig_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *s = b.oom ? NULL : ig_arena_strndup(&x->l->a, b.data ? b.data : "", b.len);
    ig_buf_free(&b);
    return s;
}

/* Documents are heap-allocated (not in the arena) because the array grows. */
const resource_policy *ig_resource_policy_find(const resource_policy *table, size_t n,
                                               const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(type, table[i].type) == 0) return &table[i];
    return NULL;
}

int ig_extract_add_doc(extract_ctx *x, const tsource *src, const tnode *node, pkind kind,
                       const iamg_origin *origin)
{
    loaded *l = x->l;
    if (IG_ARRAY_GROW(l->docs, l->ndocs, l->capdocs, 4)) return IAMG_ENOMEM;
    pdoc *d = &l->docs[l->ndocs];
    int rc = ig_policy_build(d, src, node, kind, &l->a, x->lim, x->diags);
    if (rc == IAMG_ENOMEM) return rc;
    if (rc == IAMG_ELIMIT) return 0; /* reported; the document is not checked */
    if (origin) {
        const char *k = d->origin.kind;
        d->origin = *origin;
        d->origin.kind = k;
    }
    l->ndocs++;
    return 0;
}

int ig_extract_string_source(extract_ctx *x, const tsource *src, const tnode *str, int yaml,
                             tsource *inner)
{
    /* The map is made whole in a scratch arena, then packed: 4 bytes a
     * byte only for the string at hand. */
    arena tmp;
    ig_arena_init(&tmp);
    uint32_t *map = yaml ? ig_yaml_string_map(src, str, &tmp) : ig_json_string_map(src, str, &tmp);
    int rc = map && !ig_tsource_init_packed(inner, src, str->u.s, str->n, map, &x->l->a)
                 ? 0
                 : IAMG_ENOMEM;
    ig_arena_free(&tmp);
    return rc;
}

/* Percent-decode `outer` (the raw IAM API returns policies URL-encoded). */
static int url_decode(extract_ctx *x, const tsource *outer, tsource *out)
{
    arena *a = &x->l->a;
    uint32_t n = outer->len;
    const char *s = outer->data;
    char *d = ig_arena_alloc(a, (size_t)n + 1);
    uint32_t *map = ig_malloc(((size_t)n + 1) * sizeof *map);
    if (!d || !map) {
        ig_free(map);
        return IAMG_ENOMEM;
    }
    uint32_t k = (uint32_t)ig_pct_decode(s, n, d, map, IG_PCT_PLUS);
    d[k] = '\0';
    int rc = ig_tsource_init_packed(out, outer, d, k, map, a) ? IAMG_ENOMEM : 0;
    ig_free(map);
    return rc;
}

int ig_extract_add_string_doc(extract_ctx *x, const tsource *src, const tnode *str, int url_encoded,
                              pkind kind, const iamg_origin *origin)
{
    arena *a = &x->l->a;
    if (str->flags & TNF_SYNTHETIC) {
        ig_diag_add(
            x->diags, IAMG_EINVALID, IAMG_LEVEL_WARNING, src, str->start,
            "policy document is computed by an expression iamguard cannot evaluate: not checked");
        return 0;
    }
    /* A YAML alias can name one string a million times, and each use is
     * decoded, mapped (4 bytes a byte) and parsed again. */
    if (ig_budget_take(&x->budget, (uint64_t)str->n * 5 + 4)) {
        ig_budget_report(&x->budget, x->diags, src, str->start,
                         "the policy document in this string", "it is not checked");
        return 0;
    }
    tsource *inner = ig_arena_alloc(a, sizeof *inner);
    if (!inner || ig_extract_string_source(x, src, str, x->l->yaml && !src->parent, inner))
        return IAMG_ENOMEM;
    if (url_encoded && memchr(str->u.s, '%', str->n)) {
        tsource *dec = ig_arena_alloc(a, sizeof *dec);
        if (!dec || url_decode(x, inner, dec)) return IAMG_ENOMEM;
        inner = dec;
    }
    const tnode *root;
    iamg_error err;
    int rc = ig_json_pos_parse(inner, a, x->lim->max_depth, &root, &err);
    if (rc == IAMG_ENOMEM) return rc;
    if (rc) {
        char msg[IAMG_ERROR_TEXT_MAX + 64];
        snprintf(msg, sizeof msg, "policy document in a string is not valid JSON: %s", err.message);
        ig_diag_add_at(x->diags, rc, IAMG_LEVEL_ERROR, NULL, err.line, err.column, NULL, msg);
        return 0;
    }
    return ig_extract_add_doc(x, inner, root, kind, origin);
}

/* ---- raw policy files and the AWS CLI wrappers around one policy ---- */

int ig_detect_policy_file(const tnode *root)
{
    if (!ig_tnode_is(root, TN_OBJECT)) return 0;
    if (ig_tnode_get(root, "Statement")) return 1;
    const tnode *pv = ig_tnode_get(root, "PolicyVersion");
    if (pv && ig_tnode_get(pv, "Document")) return 1;
    const tnode *op = ig_tnode_get(root, "Policy");
    if (ig_tnode_get(op, "Content") && ig_tnode_get(op, "PolicySummary")) return 1;
    return ig_tnode_get(root, "PolicyDocument") != NULL &&
           (ig_tnode_get(root, "PolicyName") || ig_tnode_get(root, "RoleName") ||
            ig_tnode_get(root, "UserName") || ig_tnode_get(root, "GroupName"));
}

/* A raw document's kind, from its statements: a Principal makes it a
 * resource policy, or a trust policy when it only grants sts:AssumeRole*. */
static pkind guess_kind(const tnode *doc)
{
    const tnode *st = ig_tnode_get(doc, "Statement");
    if (!st) return KIND_IDENTITY;
    uint32_t n = st->type == TN_ARRAY ? st->n : 1;
    int principal = 0, assume_only = 1;
    for (uint32_t i = 0; i < n; i++) {
        const tnode *s = st->type == TN_ARRAY ? &st->u.items[i] : st;
        if (!ig_tnode_get(s, "Principal") && !ig_tnode_get(s, "NotPrincipal")) continue;
        principal = 1;
        const tnode *act = ig_tnode_get(s, "Action");
        uint32_t na = act && act->type == TN_ARRAY ? act->n : 1;
        for (uint32_t k = 0; k < na; k++) {
            const tnode *a = act && act->type == TN_ARRAY ? &act->u.items[k] : act;
            const char *txt = ig_tnode_str(a);
            if (!txt || strncasecmp(txt, "sts:AssumeRole", 14) != 0) assume_only = 0;
        }
    }
    if (!principal) return KIND_IDENTITY;
    return assume_only ? KIND_TRUST : KIND_RESOURCE;
}

int ig_extract_policy_file(extract_ctx *x, const tnode *root)
{
    iamg_origin o;
    memset(&o, 0, sizeof o);
    const tsource *src = &x->l->src;
    if (ig_tnode_get(root, "Statement")) {
        o.format = "policy";
        o.pointer = "";
        x->l->format = o.format;
        return ig_extract_add_doc(x, src, root, guess_kind(root), &o);
    }
    const tnode *pv = ig_tnode_get(root, "PolicyVersion");
    const tnode *doc = pv ? ig_tnode_get(pv, "Document") : NULL;
    if (doc) {
        o.format = "policy-version";
        o.pointer = "/PolicyVersion/Document";
        const char *vid = ig_tnode_str(ig_tnode_get(pv, "VersionId"));
        const tnode *def = ig_tnode_get(pv, "IsDefaultVersion");
        if (def && def->type == TN_BOOL && strcmp(def->u.s, "false") == 0)
            ig_diag_add(x->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, src, def->start,
                        "policy version %s is not the default version: checked anyway",
                        vid ? vid : "");
        o.container = vid ? ig_extract_printf(x, "policy version %s", vid) : NULL;
        x->l->format = o.format;
        if (doc->type == TN_STRING)
            return ig_extract_add_string_doc(x, src, doc, 1, KIND_IDENTITY, &o);
        return ig_extract_add_doc(x, src, doc, KIND_IDENTITY, &o);
    }
    const tnode *op = ig_tnode_get(root, "Policy");
    doc = ig_tnode_get(op, "Content");
    if (doc) {
        /* aws organizations describe-policy: Content is the policy's JSON. */
        const tnode *sum = ig_tnode_get(op, "PolicySummary");
        int kind = ig_policy_org_kind(ig_tnode_str(ig_tnode_get(sum, "Type")));
        x->l->format = "organizations-policy";
        if (kind < 0) {
            ig_diag_add(x->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, src, doc->start,
                        "AWS Organizations policy of type %s is not an IAM policy: not checked",
                        ig_tnode_str(ig_tnode_get(sum, "Type")));
            return 0;
        }
        o.format = x->l->format;
        o.pointer = "/Policy/Content";
        o.policy_name = ig_tnode_str(ig_tnode_get(sum, "Name"));
        o.policy_arn = ig_tnode_str(ig_tnode_get(sum, "Arn"));
        o.container = ig_extract_printf(
            x, "%s '%s'", kind == KIND_SCP ? "service control policy" : "resource control policy",
            o.policy_name ? o.policy_name : "");
        if (doc->type == TN_STRING)
            return ig_extract_add_string_doc(x, src, doc, 0, (pkind)kind, &o);
        return ig_extract_add_doc(x, src, doc, (pkind)kind, &o);
    }
    doc = ig_tnode_get(root, "PolicyDocument");
    o.format = "policy-document";
    o.pointer = "/PolicyDocument";
    o.policy_name = ig_tnode_str(ig_tnode_get(root, "PolicyName"));
    static const struct {
        const char *key, *type;
    } holders[] = {{"RoleName", "role"}, {"UserName", "user"}, {"GroupName", "group"}};
    for (size_t i = 0; i < 3; i++) {
        const char *nm = ig_tnode_str(ig_tnode_get(root, holders[i].key));
        if (nm) {
            o.principal_type = holders[i].type;
            o.principal_name = nm;
        }
    }
    if (o.principal_name)
        o.container = ig_extract_printf(x, "%s %s, policy '%s'", o.principal_type, o.principal_name,
                                        o.policy_name ? o.policy_name : "");
    x->l->format = o.format;
    if (doc->type == TN_STRING) return ig_extract_add_string_doc(x, src, doc, 1, KIND_IDENTITY, &o);
    return ig_extract_add_doc(x, src, doc, KIND_IDENTITY, &o);
}

/* ---- format dispatch ---- */

typedef struct format {
    int (*detect)(const tnode *root);
    int (*extract)(extract_ctx *x, const tnode *root);
} format;

static const format formats[] = {
    {ig_detect_policy_file, ig_extract_policy_file},
    {ig_detect_cfn, ig_extract_cfn},
    {ig_detect_tfplan, ig_extract_tfplan},
    {ig_detect_account_dump, ig_extract_account_dump},
};

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Words that appear in any IAM-bearing file; a YAML file found in a folder
 * that fails to parse and has none of them is most likely a template of some
 * other tool (Helm, Jinja) and is skipped instead of reported. */
static int has_iam_markers(const char *data, size_t len)
{
    static const char *const words[] = {"Statement", "PolicyDocument", "AWSTemplateFormatVersion",
                                        "AWS::",     "planned_values", "DetailList"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t wl = strlen(words[i]);
        for (const char *p = data, *end = data + len; (size_t)(end - p) >= wl; p++) {
            p = memchr(p, words[i][0], (size_t)(end - p) - wl + 1);
            if (!p) break;
            if (memcmp(p, words[i], wl) == 0) return 1;
        }
    }
    return 0;
}

static int only_space(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return 0;
    return 1;
}

int ig_load_buffer(loaded *out, const char *path, const char *data, size_t len, load_origin how,
                   const iamg_limits *lim, diag_list *diags)
{
    memset(out, 0, sizeof *out);
    ig_arena_init(&out->a);
    if (len >= UINT32_MAX) {
        ig_diag_add_at(diags, IAMG_ELIMIT, IAMG_LEVEL_ERROR, NULL, 0, 0, NULL,
                       "file is 4 GiB or larger: skipped");
        out->skip_reason = "too large";
        return 0;
    }
    ig_tsource_init_file(&out->src, path, data, len);
    out->src.index_arena = &out->a;

    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
    if (only_space(p, end)) {
        ig_diag_add_at(diags, IAMG_EPARSE, IAMG_LEVEL_ERROR, NULL, 1, 1, NULL,
                       len ? "file holds only whitespace: no policy to check"
                           : "file is empty: no policy to check");
        out->skip_reason = "empty";
        return 0;
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    int json_ext = ends_with_ci(path, ".json");
    int yaml_ext = ends_with_ci(path, ".yaml") || ends_with_ci(path, ".yml");
    iamg_error jerr, yerr;
    int rc;
    const tnode *root = NULL;
    if (!yaml_ext && (json_ext || *p == '{' || *p == '[')) {
        int pruned = 0;
        rc = ig_json_pos_parse_pruned(&out->src, &out->a, lim->max_depth, ig_tfplan_prune, &root,
                                      &pruned, &jerr);
        if (rc == 0 && pruned && !ig_tfplan_pruned_ok(root)) {
            ig_arena_free(&out->a);
            rc = ig_json_pos_parse(&out->src, &out->a, lim->max_depth, &root, &jerr);
        }
        if (rc == IAMG_ENOMEM) return rc;
        if (rc && !json_ext) {
            /* YAML is a superset of JSON's syntax: a flow-style YAML file
             * starting with '{' is still a candidate. */
            int yrc = ig_yaml_load(&out->src, &out->a, lim, &root, &yerr);
            if (yrc == IAMG_ENOMEM) return yrc;
            if (yrc == 0) {
                rc = 0;
                out->yaml = 1;
            }
        }
        if (rc) {
            ig_diag_add_at(diags, rc, IAMG_LEVEL_ERROR, NULL, jerr.line, jerr.column, NULL,
                           jerr.message);
            out->skip_reason = "not valid JSON";
            return 0;
        }
    } else {
        rc = ig_yaml_load(&out->src, &out->a, lim, &root, &yerr);
        if (rc == IAMG_ENOMEM) return rc;
        if (rc) {
            if (how == LOAD_WALKED && rc == IAMG_EPARSE && !has_iam_markers(data, len)) {
                ig_diag_add_at(diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, NULL, yerr.line, yerr.column,
                               NULL, "not valid YAML and nothing IAM-related in it: skipped");
                out->skip_reason = "not valid YAML";
                return 0;
            }
            ig_diag_add_at(diags, rc, IAMG_LEVEL_ERROR, NULL, yerr.line, yerr.column, NULL,
                           yerr.message);
            out->skip_reason = "not valid YAML";
            return 0;
        }
        out->yaml = 1;
    }
    out->root = root;
    extract_ctx x = {out, lim, diags, {0}};
    ig_budget_init(&x.budget, lim, len);
    /* Each document of a YAML stream is read as a file of its own would be;
     * documents that are not IAM inputs are passed over, as in a folder. */
    int found = 0;
    uint32_t ndocs = (root->flags & TNF_STREAM) ? root->n : 1;
    for (uint32_t k = 0; k < ndocs; k++) {
        const tnode *doc = (root->flags & TNF_STREAM) ? &root->u.items[k] : root;
        for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
            if (formats[i].detect(doc)) {
                rc = formats[i].extract(&x, doc);
                if (rc) return rc;
                found = 1;
                break;
            }
        }
    }
    if (found) {
        if (!out->format) out->format = "unknown";
        return diags->oom ? IAMG_ENOMEM : 0;
    }
    out->skip_reason = "not an IAM policy, CloudFormation template, Terraform plan or account dump";
    /* A file the user named is worth a visible word; one found in a folder
     * walk (package.json, workflows) is not. */
    ig_diag_add_at(diags, IAMG_ESKIP, how == LOAD_EXPLICIT ? IAMG_LEVEL_WARNING : IAMG_LEVEL_NOTE,
                   NULL, 0, 0, NULL,
                   ends_with_ci(path, ".tf") || ends_with_ci(path, ".hcl")
                       ? "no IAM policy found: Terraform configuration is read through its plan "
                         "(terraform plan -out=tfplan && terraform show -json tfplan > plan.json)"
                       : "no IAM policy found: not a policy document, CloudFormation template, "
                         "Terraform plan or account dump");
    return diags->oom ? IAMG_ENOMEM : 0;
}
