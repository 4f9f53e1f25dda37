#include "model/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/errors.h"

/* Reports go to the diag list; only out-of-memory and limits abort a build. */
typedef struct builder {
    const tsource *src;
    arena *a;
    diag_list *d;
    const iamg_limits *lim;
    pkind kind;
    uint32_t bad; /* shapes IAM rejects in the statement being built */
} builder;

/* A shape IAM rejects: reported, and the statement is marked malformed. */
#define INVALID(B, node, ...)                                                                      \
    ((B)->bad++,                                                                                   \
     ig_diag_add((B)->d, IAMG_EINVALID, IAMG_LEVEL_ERROR, (B)->src, (node)->start, __VA_ARGS__))
#define DOUBTFUL(B, node, ...)                                                                     \
    ig_diag_add((B)->d, IAMG_EINVALID, IAMG_LEVEL_WARNING, (B)->src, (node)->start, __VA_ARGS__)

const char *ig_policy_kind_name(pkind kind)
{
    switch (kind) {
    case KIND_TRUST:
        return "trust";
    case KIND_RESOURCE:
        return "resource";
    case KIND_BOUNDARY:
        return "boundary";
    case KIND_SCP:
        return "scp";
    case KIND_RCP:
        return "rcp";
    default:
        return "identity";
    }
}

int ig_policy_kind_parse(const char *name)
{
    for (int k = KIND_IDENTITY; k <= KIND_RCP; k++)
        if (name && strcmp(name, ig_policy_kind_name((pkind)k)) == 0) return k;
    return -1;
}

int ig_policy_org_kind(const char *type)
{
    if (!type || strcmp(type, "SERVICE_CONTROL_POLICY") == 0) return KIND_SCP;
    if (strcmp(type, "RESOURCE_CONTROL_POLICY") == 0) return KIND_RCP;
    return -1;
}

void ig_policy_set_kind(pdoc *doc, pkind kind)
{
    doc->kind = kind;
    doc->origin.kind = ig_policy_kind_name(kind);
}

void ig_policy_stmt_label(const pstmt *st, char *out, size_t cap)
{
    if (st->sid && st->sid[0]) {
        size_t n = strlen(st->sid);
        if (n >= cap) {
            /* A long Sid is cut, at a character boundary so the label stays
             * UTF-8 (it reaches SARIF and JSON). */
            n = cap - 1;
            while (n > 0 && ((unsigned char)st->sid[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(out, st->sid, n);
        out[n] = '\0';
    } else {
        snprintf(out, cap, "#%u", (unsigned)st->index + 1);
    }
}

/* Decoded strings may hold NUL bytes: compare by length. */
static int key_is(const tnode *k, const char *name)
{
    size_t n = strlen(name);
    return k->n == n && memcmp(k->u.s, name, n) == 0;
}

/* A member seen twice: IAM readers differ, so say which one counts. */
static void note_duplicate(builder *B, const tmember *prev, const tmember *m)
{
    if (!prev) return;
    srcpos p = ig_tsource_pos(B->src, prev->key.start);
    DOUBTFUL(B, &m->key, "duplicate key \"%s\" (first at line %u): the last one is used",
             m->key.u.s, (unsigned)p.line);
}

/* Collect the strings of a string-or-list element. Non-strings are reported
 * and left out; `what` names the element in messages. */
static int collect_strings(builder *B, const tnode *v, const char *what, const tnode ***out,
                           uint32_t *n)
{
    *out = NULL;
    *n = 0;
    if (v->type == TN_STRING) {
        const tnode **arr = ig_arena_alloc(B->a, sizeof *arr);
        if (!arr) return IAMG_ENOMEM;
        arr[0] = v;
        *out = arr;
        *n = 1;
        return 0;
    }
    if (v->type != TN_ARRAY) {
        INVALID(B, v, "%s must be a string or an array of strings, found %s", what,
                ig_tnode_type_name(v));
        return 0;
    }
    if (v->n == 0) {
        /* A warning, as before; IAM rejects it, so it never helps. */
        B->bad++;
        DOUBTFUL(B, v, "%s is an empty array: it matches nothing", what);
        return 0;
    }
    const tnode **arr = ig_arena_alloc(B->a, (size_t)v->n * sizeof *arr);
    if (!arr) return IAMG_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < v->n; i++) {
        const tnode *it = &v->u.items[i];
        if (it->type != TN_STRING) {
            INVALID(B, it, "%s item must be a string, found %s", what, ig_tnode_type_name(it));
            continue;
        }
        arr[k++] = it;
    }
    *out = arr;
    *n = k;
    return 0;
}

/* A member's name and position, sorted to find duplicates. */
typedef struct named {
    const char *s;
    uint32_t n, i;
} named;

static int cmp_named(const void *x, const void *y)
{
    const named *a = x, *b = y;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    int c = memcmp(a->s, b->s, a->n);
    if (c) return c;
    return a->i < b->i ? -1 : 1;
}

/*
 * The members of object `obj` that a later member of the same name hides:
 * IAM, like jansson, reads the last one, so an earlier "StringEquals" block
 * must not scope anything. *hidden (in the arena, NULL when none) gets one
 * flag per member; each duplicate is reported. Sorted, so a hostile object
 * with many members costs n log n.
 */
static int hidden_members(builder *B, const tnode *obj, uint8_t **hidden)
{
    *hidden = NULL;
    if (obj->n < 2) return 0;
    named *v = ig_malloc((size_t)obj->n * sizeof *v);
    if (!v) return IAMG_ENOMEM;
    for (uint32_t i = 0; i < obj->n; i++)
        v[i] = (named){obj->u.members[i].key.u.s, obj->u.members[i].key.n, i};
    qsort(v, obj->n, sizeof *v, cmp_named);
    int rc = 0;
    for (uint32_t i = 1; i < obj->n; i++) {
        if (v[i - 1].n != v[i].n || memcmp(v[i - 1].s, v[i].s, v[i].n) != 0) continue;
        if (!*hidden && !(*hidden = ig_arena_calloc(B->a, obj->n, 1))) {
            rc = IAMG_ENOMEM;
            break;
        }
        (*hidden)[v[i - 1].i] = 1;
        note_duplicate(B, &obj->u.members[v[i - 1].i], &obj->u.members[v[i].i]);
    }
    ig_free(v);
    return rc;
}

/* Condition values may be strings, booleans or numbers, one or a list. */
static int is_cond_scalar(const tnode *v)
{
    return v->type == TN_STRING || v->type == TN_BOOL || v->type == TN_NUMBER;
}

static int build_conditions(builder *B, pstmt *st, const tmember *m)
{
    const tnode *c = &m->value;
    st->condition_member = m;
    if (c->type != TN_OBJECT) {
        INVALID(B, c, "Condition must be an object of operators, found %s", ig_tnode_type_name(c));
        return 0;
    }
    size_t total = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        const tnode *keys = &c->u.members[i].value;
        if (keys->type == TN_OBJECT) total += keys->n;
    }
    pcond *conds = total ? ig_arena_calloc(B->a, total, sizeof *conds) : NULL;
    if (total && !conds) return IAMG_ENOMEM;
    uint8_t *hidden_ops;
    if (hidden_members(B, c, &hidden_ops)) return IAMG_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        const tmember *opm = &c->u.members[i];
        const tnode *keys = &opm->value;
        if (hidden_ops && hidden_ops[i]) continue;
        iamg_cond_op parsed;
        /* A NUL byte would end the name early: "StringEquals\u0000x" is not
         * StringEquals. */
        int known = memchr(opm->key.u.s, '\0', opm->key.n) == NULL &&
                    iamg_cond_op_parse(opm->key.u.s, &parsed);
        if (!known) {
            memset(&parsed, 0, sizeof parsed);
            parsed.base = opm->key.u.s;
            parsed.base_len = opm->key.n;
            INVALID(B, &opm->key,
                    "unknown condition operator \"%s\" (operator names are case-sensitive): IAM "
                    "rejects it",
                    opm->key.u.s);
        }
        if (keys->type != TN_OBJECT) {
            INVALID(B, keys,
                    "condition operator \"%s\" must map condition keys to values, found %s",
                    opm->key.u.s, ig_tnode_type_name(keys));
            continue;
        }
        if (keys->n == 0) {
            /* A warning (CloudFormation's AWS::NoValue makes such blocks), but
             * it never scopes anything nor lets a Deny apply. */
            B->bad++;
            DOUBTFUL(B, keys, "condition operator \"%s\" has no condition keys: it does nothing",
                     opm->key.u.s);
            continue;
        }
        uint8_t *hidden_keys;
        if (hidden_members(B, keys, &hidden_keys)) return IAMG_ENOMEM;
        for (uint32_t j = 0; j < keys->n; j++) {
            const tmember *km = &keys->u.members[j];
            const tnode *v = &km->value;
            if (hidden_keys && hidden_keys[j]) continue;
            pcond *pc = &conds[k++];
            pc->op = opm->key.u.s;
            pc->parsed = parsed;
            pc->key = km->key.u.s;
            pc->op_member = opm;
            pc->key_member = km;
            if (is_cond_scalar(v)) {
                const tnode **arr = ig_arena_alloc(B->a, sizeof *arr);
                if (!arr) return IAMG_ENOMEM;
                arr[0] = v;
                pc->v = arr;
                pc->n = 1;
            } else if (v->type == TN_ARRAY) {
                const tnode **arr = v->n ? ig_arena_alloc(B->a, (size_t)v->n * sizeof *arr) : NULL;
                if (v->n && !arr) return IAMG_ENOMEM;
                uint32_t nv = 0;
                for (uint32_t x = 0; x < v->n; x++) {
                    const tnode *it = &v->u.items[x];
                    if (!is_cond_scalar(it)) {
                        INVALID(B, it,
                                "condition value for \"%s\" must be a string, number or boolean, "
                                "found %s",
                                km->key.u.s, ig_tnode_type_name(it));
                        pc->malformed = 1;
                        continue;
                    }
                    arr[nv++] = it;
                }
                if (v->n == 0)
                    DOUBTFUL(B, v,
                             "condition values for \"%s\" are an empty list: it matches "
                             "nothing",
                             km->key.u.s);
                pc->v = arr;
                pc->n = nv;
            } else {
                /* Kept, with no values, so that rules see an entry they must
                 * not trust rather than no entry at all. */
                INVALID(B, v,
                        "condition value for \"%s\" must be a string, number, boolean or a list of "
                        "them, found %s",
                        km->key.u.s, ig_tnode_type_name(v));
                pc->malformed = 1;
            }
        }
    }
    st->conds = conds;
    st->nconds = k;
    return 0;
}

static int build_principal(builder *B, pstmt *st, const tmember *m)
{
    const tnode *p = &m->value;
    st->principal_member = m;
    if (p->type == TN_STRING) {
        if (!key_is(p, "*"))
            INVALID(B, p, "%s as a string must be \"*\"; use {\"AWS\": \"%s\"}", m->key.u.s,
                    p->u.s);
        pprincipal *pr = ig_arena_calloc(B->a, 1, sizeof *pr);
        const tnode **arr = ig_arena_alloc(B->a, sizeof *arr);
        if (!pr || !arr) return IAMG_ENOMEM;
        arr[0] = p;
        pr->type = "*";
        pr->v = arr;
        pr->n = 1;
        st->principals = pr;
        st->nprincipals = 1;
        return 0;
    }
    if (p->type != TN_OBJECT) {
        INVALID(B, p, "%s must be \"*\" or an object, found %s", m->key.u.s, ig_tnode_type_name(p));
        return 0;
    }
    pprincipal *pr = p->n ? ig_arena_calloc(B->a, p->n, sizeof *pr) : NULL;
    if (p->n && !pr) return IAMG_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        const tmember *tm = &p->u.members[i];
        static const char *const types[] = {"AWS", "Service", "Federated", "CanonicalUser"};
        int known = 0;
        for (size_t t = 0; t < sizeof types / sizeof *types; t++)
            known |= key_is(&tm->key, types[t]);
        if (!known)
            DOUBTFUL(
                B, &tm->key,
                "unknown principal type \"%s\" (expected AWS, Service, Federated or CanonicalUser)",
                tm->key.u.s);
        pr[k].type = tm->key.u.s;
        if (collect_strings(B, &tm->value, "principal", &pr[k].v, &pr[k].n)) return IAMG_ENOMEM;
        k++;
    }
    st->principals = pr;
    st->nprincipals = k;
    return 0;
}

static int build_element(builder *B, pelem *e, pelem *other, const tmember *m, int negated,
                         const char *twin)
{
    if (e->member) {
        /* Action with NotAction (or Resource with NotResource): IAM rejects the
         * statement. Both are kept: a rule reads an Allow both ways and never
         * trusts such a Deny. */
        INVALID(B, &m->key, "statement has both %s and %s: IAM rejects it; both are checked",
                negated ? twin : m->key.u.s, negated ? m->key.u.s : twin);
        e = other;
    }
    e->member = m;
    e->negated = (uint8_t)negated;
    return collect_strings(B, &m->value, m->key.u.s, &e->v, &e->n);
}

static int build_statement(builder *B, pstmt *st, const tnode *node, uint32_t index)
{
    memset(st, 0, sizeof *st);
    st->index = index;
    st->node = node;
    B->bad = 0;
    const tmember *seen[9] = {0};
    enum {
        K_SID,
        K_EFFECT,
        K_ACTION,
        K_NOTACTION,
        K_RESOURCE,
        K_NOTRESOURCE,
        K_PRINCIPAL,
        K_NOTPRINCIPAL,
        K_CONDITION
    };
    static const char *const names[] = {"Sid",       "Effect",       "Action",
                                        "NotAction", "Resource",     "NotResource",
                                        "Principal", "NotPrincipal", "Condition"};
    for (uint32_t i = 0; i < node->n; i++) {
        const tmember *m = &node->u.members[i];
        int k = -1;
        for (int j = 0; j < 9; j++) {
            if (key_is(&m->key, names[j])) {
                k = j;
                break;
            }
        }
        if (k < 0) {
            INVALID(B, &m->key,
                    "unknown statement element \"%s\" (element names are case-sensitive)",
                    m->key.u.s);
            continue;
        }
        note_duplicate(B, seen[k], m);
        seen[k] = m;
    }
    int rc = 0;
    if (seen[K_SID]) {
        const tnode *v = &seen[K_SID]->value;
        st->sid_node = v;
        if (v->type == TN_STRING)
            st->sid = v->u.s;
        else
            INVALID(B, v, "Sid must be a string, found %s", ig_tnode_type_name(v));
    }
    if (!seen[K_EFFECT]) {
        st->effect = EFFECT_INVALID;
        INVALID(B, node, "statement %u has no Effect: IAM rejects it", (unsigned)index + 1);
    } else {
        const tnode *v = &seen[K_EFFECT]->value;
        st->effect_member = seen[K_EFFECT];
        if (v->type == TN_STRING && key_is(v, "Allow"))
            st->effect = EFFECT_ALLOW;
        else if (v->type == TN_STRING && key_is(v, "Deny"))
            st->effect = EFFECT_DENY;
        else {
            st->effect = EFFECT_INVALID;
            if (v->type == TN_STRING)
                INVALID(B, v, "Effect must be \"Allow\" or \"Deny\" (case-sensitive), found \"%s\"",
                        v->u.s);
            else
                INVALID(B, v, "Effect must be the string \"Allow\" or \"Deny\", found %s",
                        ig_tnode_type_name(v));
        }
    }
    /* Document order decides which of a conflicting pair is kept. */
    for (uint32_t i = 0; i < node->n && rc == 0; i++) {
        const tmember *m = &node->u.members[i];
        if (m == seen[K_ACTION])
            rc = build_element(B, &st->action, &st->action_twin, m, 0, "NotAction");
        else if (m == seen[K_NOTACTION])
            rc = build_element(B, &st->action, &st->action_twin, m, 1, "Action");
        else if (m == seen[K_RESOURCE])
            rc = build_element(B, &st->resource, &st->resource_twin, m, 0, "NotResource");
        else if (m == seen[K_NOTRESOURCE])
            rc = build_element(B, &st->resource, &st->resource_twin, m, 1, "Resource");
        else if (m == seen[K_PRINCIPAL] || m == seen[K_NOTPRINCIPAL]) {
            if (st->principal_member) {
                INVALID(B, &m->key,
                        "statement has both Principal and NotPrincipal: IAM rejects it; only %s is "
                        "checked",
                        st->principal_member->key.u.s);
                continue;
            }
            st->not_principal = (m == seen[K_NOTPRINCIPAL]);
            rc = build_principal(B, st, m);
        } else if (m == seen[K_CONDITION])
            rc = build_conditions(B, st, m);
    }
    if (rc) return rc;
    if (!st->action.member)
        INVALID(B, node, "statement %u has neither Action nor NotAction: IAM rejects it",
                (unsigned)index + 1);
    /* Trust policies name no resource (a Principal says which policy this
     * is, whatever kind the loader assumed so far); identity policies must. */
    if (!st->resource.member && B->kind == KIND_IDENTITY && !st->principal_member)
        INVALID(B, node, "statement %u has neither Resource nor NotResource: IAM rejects it",
                (unsigned)index + 1);
    st->malformed = B->bad > 0;
    return 0;
}

int ig_policy_build(pdoc *doc, const tsource *src, const tnode *node, pkind kind, arena *a,
                    const iamg_limits *lim, diag_list *diags)
{
    builder B = {src, a, diags, lim, kind, 0};
    memset(doc, 0, sizeof *doc);
    doc->kind = kind;
    doc->src = src;
    doc->node = node;
    doc->origin.kind = ig_policy_kind_name(kind);
    if (node->type != TN_OBJECT) {
        INVALID(&B, node, "a policy document must be an object, found %s",
                ig_tnode_type_name(node));
        return 0;
    }
    const tmember *stm = NULL, *ver = NULL, *id = NULL;
    for (uint32_t i = 0; i < node->n; i++) {
        const tmember *m = &node->u.members[i];
        if (key_is(&m->key, "Statement")) {
            note_duplicate(&B, stm, m);
            stm = m;
        } else if (key_is(&m->key, "Version")) {
            note_duplicate(&B, ver, m);
            ver = m;
        } else if (key_is(&m->key, "Id")) {
            id = m;
        } else {
            INVALID(&B, &m->key, "unknown policy element \"%s\" (expected Version, Id, Statement)",
                    m->key.u.s);
        }
    }
    if (ver) {
        if (ver->value.type != TN_STRING) {
            INVALID(&B, &ver->value, "Version must be a string, found %s",
                    ig_tnode_type_name(&ver->value));
        } else {
            doc->version = ver->value.u.s;
            if (!key_is(&ver->value, "2012-10-17") && !key_is(&ver->value, "2008-10-17"))
                INVALID(&B, &ver->value, "unknown policy Version \"%s\" (expected \"2012-10-17\")",
                        doc->version);
        }
    }
    if (id && id->value.type == TN_STRING) doc->id = id->value.u.s;
    if (!stm) {
        INVALID(&B, node, "policy document has no Statement");
        return 0;
    }
    doc->statement_member = stm;
    const tnode *sv = &stm->value;
    const tnode *list = sv;
    uint32_t count = 1;
    if (sv->type == TN_ARRAY)
        count = sv->n;
    else if (sv->type != TN_OBJECT) {
        INVALID(&B, sv, "Statement must be an object or an array of objects, found %s",
                ig_tnode_type_name(sv));
        return 0;
    }
    if (count > lim->max_statements) {
        ig_diag_add(
            diags, IAMG_ELIMIT, IAMG_LEVEL_ERROR, src, sv->start,
            "document has %u statements, more than the limit of %zu (max_statements): not checked",
            (unsigned)count, lim->max_statements);
        return IAMG_ELIMIT;
    }
    pstmt *stmts = count ? ig_arena_alloc(a, (size_t)count * sizeof *stmts) : NULL;
    if (count && !stmts) return IAMG_ENOMEM;
    uint32_t k = 0;
    for (uint32_t i = 0; i < count; i++) {
        const tnode *sn = (list->type == TN_ARRAY) ? &list->u.items[i] : list;
        if (sn->type != TN_OBJECT) {
            INVALID(&B, sn, "statement %u must be an object, found %s", (unsigned)i + 1,
                    ig_tnode_type_name(sn));
            continue;
        }
        int rc = build_statement(&B, &stmts[k], sn, i);
        if (rc) return rc;
        k++;
    }
    doc->stmts = stmts;
    doc->nstmts = k;
    return diags->oom ? IAMG_ENOMEM : 0;
}
