/*
 * iamguard/merge.h - one SARIF log from the logs of the shards of one scan.
 *
 * A scan split with iamg_scan_options.shard_index/shard_count (`iamguard
 * scan --shard K/N`, possibly on several machines) writes one SARIF file per
 * shard. iamg_merge_load reads them and builds the one run the whole scan
 * would have written: rules united by id, results concatenated and sorted
 * by file, line, column and rule with their rule indices recomputed,
 * invocations merged (successful only if every shard's was), notifications
 * merged without repeats, and run property counts summed (docs/SCALE.md).
 * The inputs must be runs of one tool, one version and one category:
 * merging different scans would make GitHub close the alerts of the
 * category that disappears.
 *
 * Ownership: iamg_merge_load returns a new iamg_merge the caller frees with
 * iamg_merge_free; it keeps nothing of the caller's (paths are read during
 * the call only). Results of the shards exist only as SARIF by then, so the
 * merge works on the SARIF text, not on iamg_results.
 */
#ifndef IAMGUARD_MERGE_H
#define IAMGUARD_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "iamguard/engine.h"
#include "iamguard/error.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The layout of iamg_merge_options these headers describe. */
#define IAMG_MERGE_OPTIONS_VERSION 1

typedef struct iamg_merge_options {
    unsigned version;   /**< IAMG_MERGE_OPTIONS_VERSION (set by the initializer) */
    size_t max_results; /**< results kept in the merged run (default 25000, what GitHub code
                             scanning accepts); 0 keeps all. The rest are counted, the run is
                             marked truncated and its invocation unsuccessful. */
} iamg_merge_options;

#define IAMG_MERGE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .version = IAMG_MERGE_OPTIONS_VERSION, .max_results = 25000                                \
    }

typedef struct iamg_merge iamg_merge;

/** What the merged run holds. */
typedef struct iamg_merge_summary {
    size_t results; /**< results in the merged run */
    size_t omitted; /**< results left out by max_results */
    int complete;   /**< 1 when every shard ran to completion: every invocation was successful,
                         no notification is an error, nothing was left out */
    iamg_level max_level;   /**< the highest level of a result that is not suppressed (kind
                                 "fail"; a result without a level takes its rule's default) */
    int include_suppressed; /**< the shards list allowlisted findings as results (scan
                                 --include-suppressed, or some result is suppressed) */
} iamg_merge_summary;

/**
 * Read the SARIF files at paths[0..npaths) and merge them. opts may be NULL
 * for defaults. Returns 0 with *out set, or with *out NULL: IAMG_EUSAGE (no
 * path, or opts->version unknown), IAMG_EIO (a file cannot be read),
 * IAMG_EPARSE (not JSON: err has the file, line and column), IAMG_EINVALID
 * (not SARIF 2.1.0, inputs of different tools, versions, categories or
 * column kinds, or shards that overlap: err names the file and says why),
 * IAMG_ENOMEM.
 */
IAMG_API int iamg_merge_load(const char *const *paths, size_t npaths,
                             const iamg_merge_options *opts, iamg_merge **out, iamg_error *err);

/** Counts and verdicts of the merged run. Borrowed, valid until iamg_merge_free. */
IAMG_API const iamg_merge_summary *iamg_merge_get_summary(const iamg_merge *m);

/** The merged SARIF log, written to `out` (which stays open). Returns 0,
 *  IAMG_EIO or IAMG_ENOMEM. */
IAMG_API int iamg_merge_write(FILE *out, const iamg_merge *m, iamg_error *err);

/** The same into the file `path`, put in place only once complete, as
 *  iamg_write_file_atomic does (output.h). */
IAMG_API int iamg_merge_write_file(const char *path, const iamg_merge *m, iamg_error *err);

/**
 * The merged run as the results of one scan, for the other writers of
 * output.h (iamg_write_json, _text, _gitlab, _junit, _html): findings,
 * diagnostics, counters and, when every shard listed them (iamguard scan
 * --shard does), the documents checked. Every result is there, max_results
 * or not; allowlisted findings only as far as the shards wrote them
 * (--include-suppressed). Rule ids are the results' own strings: the
 * writers take rule metadata from an engine loaded with the scan's rules.
 * Returns 0 with *out a new iamg_results the caller frees, or IAMG_ENOMEM,
 * or IAMG_EINVALID (a result the shards' SARIF does not describe fully:
 * err says which).
 */
IAMG_API int iamg_merge_results(const iamg_merge *m, iamg_results **out, iamg_error *err);

/**
 * Check that engine e describes the rules the shards ran: every rule of the
 * merged run (but the two input-problem rules) is a rule of e, and e
 * selects exactly those. The writers take rule metadata from e. Returns 0,
 * or IAMG_EINVALID with err naming a rule that differs.
 */
IAMG_API int iamg_merge_check_rules(const iamg_merge *m, const iamg_engine *e, iamg_error *err);

/** The scan's base folder as every shard recorded it (an absolute path,
 *  the %SRCROOT% of the run), or NULL when shards disagree or none says.
 *  Borrowed, valid until iamg_merge_free. */
IAMG_API const char *iamg_merge_base_dir(const iamg_merge *m);

/** The scan's --sarif-category (automationDetails.id without the '/'
 *  the SARIF writer adds), or NULL. Borrowed. */
IAMG_API const char *iamg_merge_category(const iamg_merge *m);

/** 1 when the merged results list every document checked (see
 *  iamg_merge_results): needed for JUnit test cases of clean documents and
 *  HTML counts by input kind. */
IAMG_API int iamg_merge_has_documents(const iamg_merge *m);

/** Free a merge. NULL is accepted. */
IAMG_API void iamg_merge_free(iamg_merge *m);

#ifdef __cplusplus
}
#endif
#endif
