/*
 * load/cfn_intrinsics.h - CloudFormation intrinsic functions inside policy
 * documents, resolved before the policy model sees them.
 *
 * A guardrail must judge what the deployed policy will say, and a template
 * only says part of it: pseudo parameters have one value per deployment,
 * parameters and resource attributes are unknown, and Fn::If picks a branch
 * at deploy time. The resolver turns a value of the template into the value
 * IAM will see, as far as it can be known:
 *
 *  - pseudo parameters get representative values (aws, us-east-1,
 *    123456789012, amazonaws.com, ...), so ARNs keep their shape;
 *  - everything unknown becomes OPAQUE text that is specific and never a
 *    wildcard: "${Name}" inside Fn::Sub (as written), and "{Ref:Name}",
 *    "{GetAtt:Res.Attr}", "{ImportValue:name}", "{FindInMap:Map}",
 *    "{Select}", "{Base64}", "{GetAZs}", "{Cidr}", "{<Fn>}" for the rest.
 *    Braces never occur in an action or a concrete ARN, and '*' and '?' in
 *    such a label are replaced by '_', so an opaque value matches nothing but
 *    itself and is never mistaken for "*";
 *  - Fn::If yields both branches, so a finding in either branch is reported.
 *    In a list both are included; where one string is expected the value
 *    becomes the list of both, and a Statement the statements of both;
 *    where that cannot express it (an object, a single-valued element such
 *    as Effect, or a branch that removes the member with Ref AWS::NoValue)
 *    the enclosing object is duplicated, once per branch, up to
 *    CFN_MAX_ALTS copies: a statement becomes two statements, a document
 *    two documents;
 *  - Ref AWS::NoValue removes the element that holds it.
 *
 * Results are new trees that share every unchanged subtree with the input.
 * A computed string is a TN_STRING flagged TNF_SYNTHETIC whose span is the
 * whole intrinsic expression, so findings point at the expression.
 *
 * Only objects with a single member named "Ref" or "Fn::..." are intrinsics:
 * a statement's "Condition" is IAM's, and "Condition" as a function only
 * occurs inside the condition argument of Fn::If/And/Or, which the resolver
 * never evaluates. Everything is allocated in env->a.
 */
#ifndef IAMG_LOAD_CFN_INTRINSICS_H
#define IAMG_LOAD_CFN_INTRINSICS_H

#include <stdint.h>

#include "load/budget.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "util/arena.h"
#include "source/diag.h"

/* Most alternatives one value may take through Fn::If; more are reported
 * (IAMG_ELIMIT warning) and the rest are not checked. */
#define CFN_MAX_ALTS 16

typedef struct cfn_env {
    arena *a;
    const tsource *src; /* the source of the nodes resolved, for diagnostics */
    diag_list *diags;
    const tnode *mappings; /* the template's Mappings object (Fn::FindInMap), or NULL */
    unsigned max_depth;    /* nesting bound of the resolver's own recursion */
    ig_budget *budget;     /* the file's expansion budget, or NULL for none */
} cfn_env;

/* The values one template value may take: v[i] NULL means "removed" (Ref
 * AWS::NoValue). n >= 1. opaque[i] is 1 when v[i] is (or contains) text
 * iamguard could not evaluate. */
typedef struct cfn_vals {
    const tnode **v;
    uint8_t *opaque;
    uint32_t n;
} cfn_vals;

/* Pre-resolved variables of an Fn::Sub [template, {vars}] form. */
typedef struct cfn_subvars cfn_subvars;

/* Resolve every intrinsic in `in` (a node of env->src). When nothing changes,
 * out holds exactly `in`. An intrinsic that would build more than the
 * budget allows becomes opaque (reported once per file). Returns 0,
 * IAMG_ENOMEM, or IAMG_ELIMIT when not even opaque stand-ins fit (reported:
 * the value is not to be checked). */
int ig_cfn_resolve(cfn_env *env, const tnode *in, cfn_vals *out);

/* The function name of an intrinsic object ("Ref", "Fn::Sub", ...) and its
 * argument, or NULL when `n` is not one. */
const char *ig_cfn_intrinsic(const tnode *n, const tnode **arg);

/* Split an Fn::Sub argument into its template and resolve its variables
 * (in env). *tmpl is NULL when the argument has the wrong shape (reported).
 * Returns 0, IAMG_ENOMEM or IAMG_ELIMIT (reported). */
int ig_cfn_sub_prepare(cfn_env *env, const tnode *arg, const tnode **tmpl, cfn_subvars **vars);

/* Resolve a JSON value parsed from the template of an Fn::Sub (env->src is
 * then the decoded template): every string is substituted with `vars` and the
 * pseudo parameters; objects are never intrinsics there. Returns as
 * ig_cfn_resolve does. */
int ig_cfn_resolve_sub_json(cfn_env *env, const tnode *in, const cfn_subvars *vars, cfn_vals *out);

#endif
