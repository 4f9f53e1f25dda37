/*
 * scan/allow.h - the breakglass allowlist: findings on principals, resources
 * or statements that are exempt by decision, with a justification.
 */
#ifndef IAMG_SCAN_ALLOW_H
#define IAMG_SCAN_ALLOW_H

#include "iamguard/engine.h"
#include "model/policy.h"
#include "scan/results_int.h"

typedef struct allow_set allow_set;

/* Validate and index opts->allow (a justification is required; dates must be
 * YYYY-MM-DD). *out is NULL when there are no entries. */
int ig_allow_new(allow_set **out, const iamg_scan_options *opts, iamg_error *err);
void ig_allow_free(allow_set *s);

/* The first live entry matching finding f (on statement `stmt` of `doc`,
 * -1 for the document), or NULL. Thread-safe. */
const iamg_allow *ig_allow_match(const allow_set *s, const iamg_finding *f, const pdoc *doc,
                                 int32_t stmt);

/* Add one diagnostic per expired entry to r (strings in a). -1 on OOM. */
int ig_allow_report_expired(const allow_set *s, iamg_results *r, arena *a);

#endif
