/*
 * iamguard/output.h - writing results: SARIF 2.1.0, JSON, text.
 *
 * Writers only read the engine and the results; several may run at once.
 * They write to a stream; iamg_write_file_atomic puts the output in place
 * only once it is complete (temporary file + rename), so an interrupted run
 * never leaves a truncated SARIF file for CI to upload.
 */
#ifndef IAMGUARD_OUTPUT_H
#define IAMGUARD_OUTPUT_H

#include <stdio.h>

#include "iamguard/engine.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The layout of iamg_output_options these headers describe. */
#define IAMG_OUTPUT_OPTIONS_VERSION 1

typedef struct iamg_output_options {
    unsigned version;              /**< IAMG_OUTPUT_OPTIONS_VERSION (set by the initializer) */
    const char *working_directory; /**< absolute scan root (SARIF invocations, %SRCROOT%) */
    const char *category;          /**< SARIF automationDetails.id (--sarif-category) */
    int include_suppressed;        /**< write allowlisted findings (with suppressions) */
    int color;                     /**< text: ANSI colours */
    int timestamps;           /**< SARIF: invocation start/end times (off: byte-identical output) */
    const char *command_line; /**< SARIF invocations[0].commandLine, or NULL */
    int show_notes;           /**< text: also print note-level diagnostics */
} iamg_output_options;

/* Every field not named is 0 or NULL: all defaults. */
#define IAMG_OUTPUT_OPTIONS_INIT                                                                   \
    {                                                                                              \
        .version = IAMG_OUTPUT_OPTIONS_VERSION                                                     \
    }

/** SARIF 2.1.0 for GitHub code scanning (see README, "SARIF"), written to
 *  `out`, which stays open and is not closed. o may be NULL for defaults.
 *  Returns 0, or IAMG_EIO (a write failed) / IAMG_ENOMEM. */
IAMG_API int iamg_write_sarif(FILE *out, const iamg_engine *e, const iamg_results *r,
                              const iamg_output_options *o, iamg_error *err);

/** iamguard's JSON report (schema in docs/json-output.md). */
IAMG_API int iamg_write_json(FILE *out, const iamg_engine *e, const iamg_results *r,
                             const iamg_output_options *o, iamg_error *err);

/** Human-readable report: path:line:col: level[RULE] message, source line, caret, summary. */
IAMG_API int iamg_write_text(FILE *out, const iamg_engine *e, const iamg_results *r,
                             const iamg_output_options *o, iamg_error *err);

typedef int (*iamg_writer_fn)(FILE *out, const iamg_engine *e, const iamg_results *r,
                              const iamg_output_options *o, iamg_error *err);

/**
 * Run `writer` into a temporary file next to `path`, flush and fsync it, then
 * rename it over `path`. On any failure `path` is left untouched and the
 * temporary file removed. When `path` is a symbolic link, the file it points
 * to is written that way and the link is kept. Returns 0 or the writer's /
 * IAMG_EIO / IAMG_ENOMEM code.
 */
IAMG_API int iamg_write_file_atomic(const char *path, iamg_writer_fn writer, const iamg_engine *e,
                                    const iamg_results *r, const iamg_output_options *o,
                                    iamg_error *err);

#ifdef __cplusplus
}
#endif
#endif
