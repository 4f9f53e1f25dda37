/*
 * iamguard/output.h - writing results: SARIF 2.1.0, JSON, text, GitLab Code
 * Quality, JUnit XML and a self-contained HTML report.
 *
 * Writers only read the engine and the results; several may run at once.
 * Every writer reports the same results the same way: allowlisted findings
 * only with include_suppressed, input problems beside findings, output
 * byte-identical for the same results unless timestamps are asked for.
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
/* 2: settings, nsettings. */
#define IAMG_OUTPUT_OPTIONS_VERSION 2

/** One line of a report's "configuration" section: a setting of the scan
 *  that is not in the results (configuration file, --fail-on, excludes). */
typedef struct iamg_output_setting {
    const char *name;
    const char *value;
} iamg_output_setting;

typedef struct iamg_output_options {
    unsigned version;              /**< IAMG_OUTPUT_OPTIONS_VERSION (set by the initializer) */
    const char *working_directory; /**< absolute scan root (SARIF invocations, %SRCROOT%) */
    const char *category;          /**< SARIF automationDetails.id (--sarif-category) */
    int include_suppressed;        /**< write allowlisted findings (with suppressions) */
    int color;                     /**< text: ANSI colours */
    int timestamps;           /**< SARIF: invocation start/end times (off: byte-identical output) */
    const char *command_line; /**< SARIF invocations[0].commandLine, or NULL */
    int show_notes;           /**< text: also print note-level diagnostics */
    /* Since version 2: */
    const iamg_output_setting *settings; /**< HTML: shown as the scan's configuration */
    size_t nsettings;
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

/** GitLab Code Quality (a JSON array of issues; see docs/integrations.md for
 *  the severity mapping and fingerprints). Input problems are issues too. */
IAMG_API int iamg_write_gitlab(FILE *out, const iamg_engine *e, const iamg_results *r,
                               const iamg_output_options *o, iamg_error *err);

/** JUnit XML for Jenkins, GitLab and Azure Pipelines: one test suite per
 *  rule, one test case per document (a failure per finding), input problems
 *  and rule failures as errors. Needs the document list (scan with
 *  iamg_scan_options.documents) for clean documents to count as passed. */
IAMG_API int iamg_write_junit(FILE *out, const iamg_engine *e, const iamg_results *r,
                              const iamg_output_options *o, iamg_error *err);

/** One self-contained HTML file (inline CSS and script, no network): an
 *  overview, then every finding with its snippet and the rule's help.
 *  Counts by input kind need the document list, as for JUnit. */
IAMG_API int iamg_write_html(FILE *out, const iamg_engine *e, const iamg_results *r,
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

/**
 * Make SIGINT, SIGTERM and SIGHUP end the process cleanly: the temporary
 * files of atomic writes in progress are removed (the files they would
 * replace stay as they were) and the process exits with status 128 + the
 * signal number (130, 143, 129). A signal that was ignored when this is
 * called stays ignored. For programs, not libraries: call it once from the
 * main thread, before starting threads. Returns 0 or IAMG_EIO.
 */
IAMG_API int iamg_catch_signals(void);

/* Flags of iamg_escape. */
#define IAMG_ESCAPE_LINE_START 0x1u    /**< the text begins a line: a leading ':' is escaped */
#define IAMG_ESCAPE_KEEP_NEWLINES 0x2u /**< multi-line text: '\n' stays, each line a line start */
#define IAMG_ESCAPE_KEEP_TABS 0x4u     /**< tabs stay (source lines) */

/**
 * Untrusted text (file names, logical IDs, Sids, rule messages...) made safe
 * to print where a person or a CI log reads it, as the text report does:
 * control characters, C1 controls, Unicode bidirectional and line-separator
 * controls and ill-formed UTF-8 are shown as visible escapes (\n, \x1b,
 * \u202e, \xff), and with IAMG_ESCAPE_LINE_START a
 * leading ':' as \x3a, so no line can start a GitHub Actions workflow
 * command ("::error ..."). Writes at most cap - 1 bytes and a NUL to out
 * (whole characters only; out may be NULL when cap is 0) and returns the
 * length of the whole escape, as snprintf does. SARIF and JSON need no such
 * step: their escaping is exact.
 */
IAMG_API size_t iamg_escape(char *out, size_t cap, const char *text, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
