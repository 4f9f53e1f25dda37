/*
 * iamguard/results.h - what a scan produced: findings and diagnostics.
 *
 * An iamg_results is created by a scan (engine.h) and owns every string it
 * hands out; pointers returned here are borrowed and live until
 * iamg_results_free. Findings and diagnostics are sorted by path, line,
 * column, then rule, so output is the same whatever the number of threads.
 */
#ifndef IAMGUARD_RESULTS_H
#define IAMGUARD_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum iamg_level {
    IAMG_LEVEL_NONE = 0,
    IAMG_LEVEL_NOTE = 1,
    IAMG_LEVEL_WARNING = 2,
    IAMG_LEVEL_ERROR = 3
} iamg_level;

/** "none", "note", "warning", "error". */
IAMG_API const char *iamg_level_name(iamg_level level);
/** Parse a level name; returns -1 when unknown. */
IAMG_API int iamg_level_parse(const char *name);

/** Where a policy document came from, beyond its file. Unknown fields are NULL. */
typedef struct iamg_origin {
    const char *format;     /**< the file's format: "policy" (a policy document),
                               "policy-version" (aws iam get-policy-version),
                               "policy-document" (aws iam get-role-policy and the like),
                               "cloudformation", "terraform-plan", "terraform-state" (terraform
                               show -json of a state), "account-dump" (aws iam
                               get-account-authorization-details), "organizations-policy" (aws
                               organizations describe-policy) */
    const char *kind;       /**< "identity", "trust", "resource", "boundary", "scp", "rcp" */
    const char *container;  /**< one-line human label of the holder, e.g. "AWS::IAM::Role AppRole,
                               policy 'root'" */
    const char *logical_id; /**< CloudFormation logical ID */
    const char *resource_type;  /**< CloudFormation or Terraform resource type */
    const char *policy_name;    /**< inline or managed policy name */
    const char *address;        /**< Terraform resource address */
    const char *principal_type; /**< account dumps: "user", "group", "role" */
    const char *principal_name;
    const char *principal_arn;
    const char *policy_arn; /**< managed policy ARN */
    const char *pointer;    /**< JSON pointer of the document inside the file */
} iamg_origin;

/** A principal holding the document of a finding, and how. Unknown fields are NULL. */
typedef struct iamg_holder {
    const char *type; /**< "role", "user", "group" */
    const char *name;
    const char *arn;
    const char *id;  /**< CloudFormation logical ID or Terraform address */
    const char *how; /**< "inline", "managed", "boundary", "group" (a member of a group that
                          holds it), "trust" */
} iamg_holder;

/** One guardrail violation. */
typedef struct iamg_finding {
    const char *rule_id; /**< borrowed from the engine that scanned: valid while it lives */
    iamg_level level;
    const char *message;
    const char *path;        /**< as scanned, relative to the scan's base directory */
    unsigned line;           /**< 1-based; region is on one line */
    unsigned column;         /**< 1-based, UTF-16 code units */
    unsigned end_column;     /**< one past the last column of the region */
    const char *snippet;     /**< the source line, without its line end (see snippet_column) */
    const char *fingerprint; /**< GitHub primaryLocationLineHash, "hex:n" */
    const char *statement;   /**< Sid, or "#N" (1-based index) */
    const char *element;     /**< "Action", "Resource", ... or NULL (the statement) */
    iamg_origin origin;
    const char *suppressed;     /**< allowlist justification when allowlisted, else NULL */
    unsigned snippet_column;    /**< column of the line where `snippet` starts: 1, or further
                                     on when a long line (minified JSON) is cut to a window
                                     around the region */
    unsigned snippet_truncated; /**< 1 when the line goes on past the end of `snippet` (a
                                     long line cut to a window); `snippet` holds only the
                                     file's text either way */
    const iamg_holder *holders; /**< principals holding the document (first max_holders) */
    size_t nholders;
    size_t holders_total;           /**< all holders, listed or not */
    const char *suppressed_expires; /**< allowlisted: the entry's expiry date, or NULL */
    const char *suppressed_where;   /**< allowlisted: where the entry is written ("file:line"),
                                         or NULL */
} iamg_finding;

/** A problem with the input or a rule: not a finding, but never dropped. */
typedef struct iamg_diag {
    int code; /**< IAMG_EPARSE, IAMG_EINVALID, IAMG_EIO, IAMG_ELIMIT, IAMG_ERULE, IAMG_ESKIP,
                   IAMG_ELOG */
    iamg_level level;
    const char *path;      /**< file or rule file; NULL when not tied to one */
    unsigned line, column; /**< 0 when unknown */
    unsigned end_column;
    const char *snippet; /**< the source line when known (cut as for findings) */
    const char *fingerprint;
    const char *rule_id; /**< the failing rule, for IAMG_ERULE */
    const char *message;
    unsigned snippet_column;    /**< as in iamg_finding */
    unsigned snippet_truncated; /**< as in iamg_finding */
} iamg_diag;

/** Time one phase of a scan took, in seconds. */
typedef struct iamg_phase_time {
    double wall; /**< elapsed */
    double cpu;  /**< CPU time of the whole process, every thread together */
} iamg_phase_time;

/** One policy document a scan checked; listed only when the scan was asked
 *  to (iamg_scan_options.documents), e.g. for reports with one entry per
 *  document whether or not it has findings. */
typedef struct iamg_document {
    const char *path;      /**< as for findings */
    unsigned line, column; /**< where the document starts (1-based; column in UTF-16 units) */
    size_t statements;     /**< statements it holds */
    iamg_origin origin;    /**< as for findings: (path, origin.pointer) names it within a file */
} iamg_document;

/** Counters of one scan. */
typedef struct iamg_stats {
    size_t files_seen;    /**< files considered */
    size_t files_scanned; /**< files that held at least one policy document */
    size_t files_skipped; /**< not a policy format, too large, unreadable, ... */
    size_t files_failed;  /**< read or parse errors */
    size_t documents;     /**< policy documents checked */
    size_t statements;
    size_t bytes;           /**< bytes read */
    size_t suppressed;      /**< findings allowlisted */
    size_t rule_failures;   /**< rule errors (load or check) */
    double seconds;         /**< wall-clock time of the scan */
    size_t baselined;       /**< findings removed because a baseline had them (baseline.h) */
    size_t terraform_files; /**< .tf files met in folders: not read (Terraform is read
                                 through `terraform show -json`) */
    size_t blocked;     /**< findings left out by --effective (a boundary or Deny blocks them) */
    size_t attachments; /**< managed policies attached but not defined in the files, checked */
    /* Where `seconds` went, for benchmarks: the parts of a scan that are not
     * `check` run on one thread whatever the number of jobs. */
    iamg_phase_time walk;  /**< listing files before the first one is checked */
    iamg_phase_time check; /**< reading and checking files on the workers */
    iamg_phase_time merge; /**< gathering and sorting the results */
} iamg_stats;

typedef struct iamg_results iamg_results;

/** Number of findings, allowlisted ones included (their `suppressed` is set). */
IAMG_API size_t iamg_results_count(const iamg_results *r);
/** Finding i (0-based, sorted), or NULL when out of range. Borrowed. */
IAMG_API const iamg_finding *iamg_results_get(const iamg_results *r, size_t i);
/** Number of diagnostics: input problems, rule failures (engine ones too). */
IAMG_API size_t iamg_results_diag_count(const iamg_results *r);
/** Diagnostic i (0-based, sorted), or NULL when out of range. Borrowed. */
IAMG_API const iamg_diag *iamg_results_diag(const iamg_results *r, size_t i);
/** Number of documents listed (0 unless the scan was asked to list them). */
IAMG_API size_t iamg_results_document_count(const iamg_results *r);
/** Document i (0-based, sorted by path and position), or NULL. Borrowed. */
IAMG_API const iamg_document *iamg_results_document(const iamg_results *r, size_t i);
/** The scan's counters. Borrowed. */
IAMG_API const iamg_stats *iamg_results_stats(const iamg_results *r);
/** The highest level among findings that are not suppressed (NONE if none). */
IAMG_API iamg_level iamg_results_max_level(const iamg_results *r);
/** Free the results and every string handed out from them. NULL is accepted. */
IAMG_API void iamg_results_free(iamg_results *r);

#ifdef __cplusplus
}
#endif
#endif
