/*
 * iamguard/baseline.h - report only what is new since an earlier scan.
 *
 * A baseline is a SARIF 2.1.0 file from an earlier run (iamguard's, or any
 * tool's valid SARIF). A finding is "in the baseline" when the baseline has a
 * result with the same rule id, the same file and the same
 * partialFingerprints.primaryLocationLineHash. That fingerprint (GitHub's)
 * hashes the text from the start of the finding's line onwards (the next 100
 * non-blank characters) and counts earlier lines with the same hash; it does
 * not depend on the line number, so a finding that moved because lines were
 * added or removed above it still matches. Changing the finding's line, or
 * the text just after it, makes the finding new.
 * Baseline results without that fingerprint match on rule, file and start
 * line instead. Results marked "baselineState": "absent" are not counted.
 *
 * Ownership: iamg_baseline_load returns a new iamg_baseline the caller frees
 * with iamg_baseline_free. It does not refer to the SARIF text afterwards.
 */
#ifndef IAMGUARD_BASELINE_H
#define IAMGUARD_BASELINE_H

#include <stddef.h>

#include "iamguard/error.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iamg_baseline iamg_baseline;

/**
 * Read the SARIF file at `path`. Returns 0 with *out set, or IAMG_EIO
 * (unreadable), IAMG_ELIMIT (larger than 2 GiB), IAMG_EPARSE (not JSON; err
 * has line and column), IAMG_EINVALID (JSON that is not SARIF 2.1.0: err
 * says which member is wrong), IAMG_ENOMEM.
 */
IAMG_API int iamg_baseline_load(const char *path, iamg_baseline **out, iamg_error *err);

/** Same, from SARIF text in memory; `name` is used in messages. */
IAMG_API int iamg_baseline_load_buffer(const char *name, const char *data, size_t len,
                                       iamg_baseline **out, iamg_error *err);

/** Number of distinct (rule, file, fingerprint) entries in the baseline. */
IAMG_API size_t iamg_baseline_count(const iamg_baseline *b);

IAMG_API void iamg_baseline_free(iamg_baseline *b);

/**
 * Remove from r the findings that are in baseline b, keeping the order of
 * the rest, and add their number to iamg_results_stats(r)->baselined (and
 * *removed, which may be NULL). Allowlisted findings are left alone: they
 * are already reported as suppressed. Pointers to findings obtained before
 * the call are invalid afterwards. Returns 0.
 */
IAMG_API int iamg_results_filter_baseline(iamg_results *r, const iamg_baseline *b, size_t *removed);

#ifdef __cplusplus
}
#endif
#endif
