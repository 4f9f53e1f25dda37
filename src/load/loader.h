/*
 * load/loader.h - bytes of one file -> its policy documents.
 *
 * The loader picks the parser (JSON or YAML, by content, then extension),
 * recognises the format by content (raw policy, get-policy-version output,
 * CloudFormation, Terraform plan, account dump) and hands the
 * tree to that format's extractor, which adds one pdoc per policy document.
 * Everything it allocates lives in the file's arena.
 */
#ifndef IAMG_LOAD_LOADER_H
#define IAMG_LOAD_LOADER_H

#include <stddef.h>

#include "iamguard/limits.h"
#include "load/facts.h"
#include "load/json_pos.h"
#include "load/budget.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "model/policy.h"
#include "util/arena.h"
#include "source/diag.h"

typedef struct loaded {
    arena a;
    tsource src; /* the file */
    int yaml;    /* parsed as YAML */
    const tnode *root;
    const char *format;      /* detected format, or NULL when skipped */
    const char *skip_reason; /* why nothing was loaded (static text), or NULL */
    pdoc *docs;
    size_t ndocs, capdocs;
    lfact *facts; /* principals and what they hold (facts.h) */
    size_t nfacts, capfacts;
    int facts_full; /* lim->max_attachments was reached (reported once) */
} loaded;

/* How the file came to be scanned: named on the command line, or found in a
 * folder (where files that are not IAM inputs are skipped quietly). */
typedef enum load_origin { LOAD_EXPLICIT, LOAD_WALKED } load_origin;

/* Load data[0..len) (owned by the caller, must outlive `out`) as file `path`.
 * Problems go to diags; returns 0, or IAMG_ENOMEM. */
int ig_load_buffer(loaded *out, const char *path, const char *data, size_t len, load_origin how,
                   const iamg_limits *lim, diag_list *diags);

void ig_loaded_free(loaded *l);

/* ---- for extractors (cfn.c, tfplan.c, account_dump.c, raw.c) ---- */

typedef struct extract_ctx {
    loaded *l;
    const iamg_limits *lim;
    diag_list *diags;
    ig_budget budget; /* what the file's expressions and aliases may build */
} extract_ctx;

/* Build the model of policy `node` from `src` and add it with `origin`
 * (strings must live in the arena or be static). 0, or IAMG_ENOMEM. */
int ig_extract_add_doc(extract_ctx *x, const tsource *src, const tnode *node, pkind kind,
                       const iamg_origin *origin);

/* A policy held as JSON text in string `str` of `src` (Terraform plans,
 * CloudFormation JSON strings, account dumps). With url_encoded, the text is
 * first percent-decoded (the raw IAM API form). Positions map back to the
 * file. A string that is not valid JSON is reported at its position. */
int ig_extract_add_string_doc(extract_ctx *x, const tsource *src, const tnode *str, int url_encoded,
                              pkind kind, const iamg_origin *origin);

/* Make *inner the source of the text decoded from string `str` of `src`,
 * with positions mapped back (a YAML scalar's map when `yaml`, else a JSON
 * string's), packed into the file's arena. 0, or IAMG_ENOMEM. */
int ig_extract_string_source(extract_ctx *x, const tsource *src, const tnode *str, int yaml,
                             tsource *inner);

/* Record a fact about principals (copied). Past lim->max_attachments facts
 * the rest are dropped, reported once at `f->at`. 0, or IAMG_ENOMEM. */
int ig_extract_fact(extract_ctx *x, const lfact *f);

/* Arena copy of a printf result (NULL on OOM). */
char *ig_extract_printf(extract_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A resource type that holds a resource policy, and the property or
 * attribute holding it. `flag` is the format's own: required in
 * CloudFormation, optional-and-computed in Terraform. */
typedef struct resource_policy {
    const char *type, *prop;
    int flag;
} resource_policy;

/* The entry of `table` (n entries) for `type`, or NULL. */
const resource_policy *ig_resource_policy_find(const resource_policy *table, size_t n,
                                               const char *type);

/* Extractors: add the documents of a recognised root. 0 or IAMG_ENOMEM. */
int ig_extract_policy_file(extract_ctx *x, const tnode *root);
int ig_extract_cfn(extract_ctx *x, const tnode *root);
int ig_extract_tfplan(extract_ctx *x, const tnode *root);
int ig_extract_account_dump(extract_ctx *x, const tnode *root);

/* What of a Terraform plan the extractor never reads, left out while the
 * file is parsed (json_pos.h): a plan repeats every resource in
 * prior_state, resource_drift and the before and after of its change, but
 * once planned_values came first, only planned_values is read, and of
 * resource_changes only which values are unknown. ig_tfplan_pruned_ok tells
 * whether the parsed root still reads that way (a later planned_values
 * could replace the first); if not, the file is parsed again whole. */
int ig_tfplan_prune(const tmember *root, size_t nroot, const json_step *path, unsigned depth);
int ig_tfplan_pruned_ok(const tnode *root);

/* Detection predicates, also used by tests. */
int ig_detect_policy_file(const tnode *root);
int ig_detect_cfn(const tnode *root);
int ig_detect_tfplan(const tnode *root);
int ig_detect_account_dump(const tnode *root);

#endif
