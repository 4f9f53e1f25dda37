/*
 * model/policy.h - the policy model: documents and statements as IAM reads
 * them, each element still pointing at the tree node (and so the source
 * span) it came from.
 *
 * Everything here lives in the arena of the file the document was loaded
 * from and is freed with it. Element values are tree nodes: either nodes of
 * the parsed file, or synthetic TN_STRING nodes (TNF_SYNTHETIC) carrying a
 * value iamguard computed (a resolved Fn::Sub) and the span of the
 * expression it came from.
 */
#ifndef IAMG_MODEL_POLICY_H
#define IAMG_MODEL_POLICY_H

#include <stdint.h>

#include "iamguard/limits.h"
#include "iamguard/match.h"
#include "iamguard/results.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "util/arena.h"
#include "source/diag.h"

typedef enum peffect { EFFECT_NONE = 0, EFFECT_ALLOW, EFFECT_DENY, EFFECT_INVALID } peffect;

/* What a document is for. Boundaries, SCPs and RCPs only ever limit what
 * identity policies grant; the built-in rules judge identity policies only. */
typedef enum pkind {
    KIND_IDENTITY = 0,
    KIND_TRUST,
    KIND_RESOURCE,
    KIND_BOUNDARY, /* used only as a permissions boundary */
    KIND_SCP,      /* AWS Organizations service control policy */
    KIND_RCP       /* AWS Organizations resource control policy */
} pkind;

/* One of Action/NotAction/Resource/NotResource. */
typedef struct pelem {
    const tmember *member; /* the element as written (key + value), NULL when absent */
    const tnode **v;       /* its string values, in order */
    uint32_t n;
    uint8_t negated; /* NotAction / NotResource */
} pelem;

/* One condition entry: operator -> key -> values. */
typedef struct pcond {
    const char *op;      /* as written, e.g. "ForAnyValue:StringLike" (op_member->key.n bytes) */
    iamg_cond_op parsed; /* base points into op; unknown when op holds a NUL byte */
    const char *key;     /* as written (key_member->key.n bytes); compare case-insensitively */
    const tnode **v;     /* values (strings, booleans, numbers: their text in u.s) */
    uint32_t n;
    uint8_t malformed; /* a value was null, an object or a nested list (left out of v) */
    const tmember *op_member;
    const tmember *key_member;
} pcond;

/* One principal type: "AWS", "Service", "Federated", "CanonicalUser", or "*"
 * for the bare wildcard principal. */
typedef struct pprincipal {
    const char *type;
    const tnode **v;
    uint32_t n;
} pprincipal;

typedef struct pstmt {
    uint32_t index;    /* 0-based position in the document */
    const tnode *node; /* the statement object */
    const char *sid;   /* NULL when absent */
    const tnode *sid_node;
    peffect effect;
    const tmember *effect_member;
    pelem action;                    /* Action or NotAction (action.negated) */
    pelem resource;                  /* Resource or NotResource */
    pelem action_twin;               /* the other of Action/NotAction when both are written */
    pelem resource_twin;             /* the other of Resource/NotResource when both are written */
    uint8_t malformed;               /* the statement has a shape IAM rejects (reported as
                                        IAMGUARD-INVALID): see ig_policy_build */
    const tmember *principal_member; /* Principal or NotPrincipal */
    uint8_t not_principal;
    pprincipal *principals;
    uint32_t nprincipals;
    const tmember *condition_member;
    pcond *conds;
    uint32_t nconds;
} pstmt;

typedef struct pdoc {
    pkind kind;
    iamg_origin origin; /* strings in the file arena */
    const tsource *src; /* the source the nodes' spans refer to */
    const tnode *node;  /* the policy document (object) */
    const char *version;
    const char *id;
    const tmember *statement_member;
    pstmt *stmts;
    uint32_t nstmts;
} pdoc;

/*
 * Build the model of the policy document `node` (parsed from `src`) into
 * *doc. Wrong shapes are reported to `diags` with their position (the
 * offending element is left out of the model, the rest is kept); only
 * running out of memory fails (IAMG_ENOMEM). A statement count above
 * lim->max_statements is IAMG_ELIMIT.
 *
 * A statement is marked malformed when it has a shape IAM rejects: both
 * Action and NotAction (both are kept: action and action_twin), both
 * Resource and NotResource (likewise), neither (identity policies only),
 * no Action, an empty or non-string element, Condition not an object, an
 * operator block that is not an object or is empty, an unknown operator, a
 * condition value that is null, an object or a nested list, an invalid
 * Effect, Sid or Principal, an unknown element. Rules read such a
 * statement so that it never helps: it can still be a finding, but never
 * takes one away.
 */
int ig_policy_build(pdoc *doc, const tsource *src, const tnode *node, pkind kind, arena *a,
                    const iamg_limits *lim, diag_list *diags);

/* "identity", "trust", "resource", "boundary", "scp", "rcp". */
const char *ig_policy_kind_name(pkind kind);

/* The kind named `name` (as ig_policy_kind_name gives it); -1 when unknown. */
int ig_policy_kind_parse(const char *name);

/* The kind of an AWS Organizations policy Type: KIND_SCP for
 * "SERVICE_CONTROL_POLICY", KIND_RCP for "RESOURCE_CONTROL_POLICY", -1 for
 * the other types (tag, backup, AI opt-out policies: not IAM grammar). A
 * missing type (NULL) is an SCP, the default of both CloudFormation and
 * Terraform. */
int ig_policy_org_kind(const char *type);

/* Set a document's kind (and the name its origin carries). */
void ig_policy_set_kind(pdoc *doc, pkind kind);

/* Label of a statement for messages and logical locations: its Sid, or
 * "#N" with N its 1-based index. Written to out (cap > 0 bytes); a longer
 * Sid is cut at a UTF-8 character boundary. */
void ig_policy_stmt_label(const pstmt *st, char *out, size_t cap);

#endif
