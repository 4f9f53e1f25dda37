/*
 * iamguard/iamguard.h - the iamguard library: scan AWS IAM policies against
 * guardrails written in Lua and write SARIF, JSON or text.
 *
 * Build with pkg-config (the package is "iamguard"):
 *
 *     cc prog.c $(pkg-config --cflags --libs iamguard)
 *
 * examples/embed.c is a complete program. The steps:
 *
 *     iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;  // limits, built-in rules
 *     eo.limits.lua_memory = 32 << 20;
 *     iamg_engine *e = NULL;
 *     iamg_results *r = NULL;
 *     iamg_error err;
 *     if (iamg_engine_new(&eo, &e, &err) == 0 &&
 *         iamg_engine_add_rules_dir(e, "guardrails", &err) == 0 &&      // optional
 *         iamg_scan_paths(e, paths, npaths, NULL, &r, &err) == 0) {     // or iamg_scan_buffer
 *         for (size_t i = 0; i < iamg_results_count(r); i++) {
 *             const iamg_finding *f = iamg_results_get(r, i);
 *             printf("%s %s:%u:%u %s\n", f->rule_id, f->path, f->line, f->column, f->message);
 *         }
 *         iamg_write_sarif(stdout, e, r, NULL, &err);
 *     } else {
 *         fprintf(stderr, "%s\n", err.message);
 *     }
 *     iamg_results_free(r);
 *     iamg_engine_free(e);
 *
 * Ownership. An object returned through an out-parameter by an _new, _load or
 * scan function is new: the caller frees it with the matching _free (engine,
 * results, config, baseline, merge), and every _free accepts NULL. Every pointer an
 * accessor returns (a finding, a diagnostic, a rule's metadata, the strings
 * in them) is borrowed from the object it came from and stays valid until
 * that object is freed (a finding's rule_id is the engine's: free results
 * before their engine); the library never keeps pointers to the caller's
 * memory after a call returns (option structs, path lists, allowlists and
 * scanned buffers are read during the call only). Error details go to a
 * caller-provided iamg_error (error.h), never to a global.
 *
 * Threads. Nothing in the library is global or hidden in thread-local state
 * that a caller has to manage:
 *   - match.h functions are pure: call them from any thread.
 *   - catalog.h: the IAM service catalogue is the one process-wide object,
 *     read-only and loaded on first use; call its functions from any thread.
 *   - An engine is configured (add rules, select, set levels) by one thread;
 *     after that it is read-only, and any number of threads may scan with it
 *     at once. Configuring an engine while a scan uses it is not allowed.
 *   - Each scan creates its own worker threads (iamg_scan_options.jobs) and
 *     its own Lua states, and joins them before returning; progress
 *     callbacks run on those workers, one at a time.
 *   - Results are read-only once returned: several threads may read them or
 *     write them (output.h) at once. iamg_results_filter_baseline modifies
 *     them and needs exclusive access.
 *   - Different objects are independent: threads may use different engines
 *     and results freely.
 *
 * Signatures. Inputs come first (the object acted on, then its arguments,
 * then an options struct), then the out-parameters, then the iamg_error:
 * iamg_scan_paths(e, paths, npaths, opts, &results, &err). Writers take the
 * stream they write to first, as fprintf does.
 *
 * Options. Every options struct (iamg_engine_options, iamg_scan_options,
 * iamg_output_options) starts with a `version` and has an initializer macro
 * that sets it and every default, using designated initializers:
 *
 *     iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
 *     so.jobs = 4;
 *
 * Always start from the macro, then set fields by name: a later version may
 * add fields, and a program written this way compiles and keeps its meaning.
 * The library checks `version` (an unknown one is IAMG_EUSAGE) so that a
 * struct laid out by other headers is never misread. An options pointer may
 * also be NULL for all defaults. iamg_limits (limits.h) travels inside
 * iamg_engine_options and is initialised the same way (IAMG_LIMITS_INIT).
 *
 * Errors. Fallible functions return 0 or a negative iamg_status (error.h).
 * Problems with one input or one rule are not errors of the call: they are
 * diagnostics in the results (iamg_results_diag), so one bad file never
 * hides the findings in the others.
 *
 * The library's version is iamg_version(); IAMG_VERSION_* is the version of
 * these headers. Until 1.0 the ABI may change between minor versions, so
 * the shared library's soname carries both (libiamguard.so.0.1); from 1.0
 * on, the major version alone.
 */
#ifndef IAMGUARD_IAMGUARD_H
#define IAMGUARD_IAMGUARD_H

#include "iamguard/baseline.h"
#include "iamguard/catalog.h"
#include "iamguard/config.h"
#include "iamguard/engine.h"
#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "iamguard/match.h"
#include "iamguard/merge.h"
#include "iamguard/output.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IAMG_VERSION_MAJOR 0
#define IAMG_VERSION_MINOR 1
#define IAMG_VERSION_PATCH 0

/** The library's version, "MAJOR.MINOR.PATCH". */
IAMG_API const char *iamg_version(void);

#ifdef __cplusplus
}
#endif
#endif
