/*
 * iamguard/iamguard.h - the iamguard library: scan AWS IAM policies against
 * guardrails written in Lua and write SARIF, JSON or text.
 *
 *     iamg_engine *e;
 *     iamg_results *r;
 *     iamg_error err;
 *     if (iamg_engine_new(&e, NULL, &err) == 0 &&
 *         iamg_scan_paths(e, paths, npaths, NULL, &r, &err) == 0) {
 *         for (size_t i = 0; i < iamg_results_count(r); i++) { ... iamg_results_get(r, i) ... }
 *         iamg_write_sarif(stdout, e, r, NULL, &err);
 *         iamg_results_free(r);
 *     }
 *     iamg_engine_free(e);
 *
 * Ownership: every object from an _new or a scan is freed by its _free (NULL
 * is accepted); pointers returned by accessors are borrowed from their parent
 * object. Threads: see engine.h.
 */
#ifndef IAMGUARD_IAMGUARD_H
#define IAMGUARD_IAMGUARD_H

#include "iamguard/baseline.h"
#include "iamguard/config.h"
#include "iamguard/engine.h"
#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "iamguard/match.h"
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
