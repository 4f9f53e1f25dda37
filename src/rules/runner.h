/*
 * rules/runner.h - running the engine's rules on documents, in one thread.
 *
 * A runner owns one sandbox per rule file, created on first use and rebuilt
 * after a limit tripped, so a rule that misbehaves can affect only itself.
 */
#ifndef IAMG_RULES_RUNNER_H
#define IAMG_RULES_RUNNER_H

#include "iamguard/engine.h"
#include "model/policy.h"
#include "rules/lua_api.h"
#include "rules/principal_api.h"
#include "source/diag.h"

typedef struct runner runner;

/* With keep_logs, what rules write with log() is recorded as IAMG_ELOG notes
 * at the document, in order ("1/2: ..."). */
runner *ig_runner_new(const iamg_engine *e, int keep_logs);
void ig_runner_free(runner *r);

/* Run every enabled rule on doc. Findings are appended to out; rule
 * failures are recorded in diags (IAMG_ERULE) and the other rules still run.
 * Returns 0, or IAMG_ENOMEM. */
int ig_runner_check(runner *r, const pdoc *doc, rfind_list *out, diag_list *diags);

/* The principals of the file being checked, for policy.holders (NULL
 * between files). */
void ig_runner_set_file(runner *r, const principal_set *ps, const loaded *file);

/* Run every enabled rule's check_principal() on one principal (rules
 * without it are skipped). As ig_runner_check otherwise. */
int ig_runner_check_principal(runner *r, const pcall *pc, rfind_list *out, diag_list *diags);

/* Does some enabled rule have check_principal()? */
int ig_runner_has_principal_checks(const runner *r);

#endif
