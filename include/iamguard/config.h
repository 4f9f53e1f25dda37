/*
 * iamguard/config.h - the configuration file, .iamguard.yml.
 *
 * A configuration chooses rules, overrides their levels, adds rule folders,
 * excludes paths, sets the failing level and the limits, and holds the
 * breakglass allowlist. The schema is in docs/CONFIG.md. Every key and value
 * is checked when the file is loaded: a mistake is an error naming the file,
 * line and column, never a setting that is quietly ignored.
 *
 * Ownership: iamg_config_load and iamg_config_find return a new iamg_config
 * the caller frees with iamg_config_free. Every pointer inside it (strings,
 * arrays, allowlist entries) is borrowed from the configuration and lives
 * until iamg_config_free; the structure is read-only for callers.
 */
#ifndef IAMGUARD_CONFIG_H
#define IAMGUARD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/engine.h"
#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "iamguard/results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** File names iamg_config_find looks for, in this order. */
#define IAMG_CONFIG_NAME ".iamguard.yml"
#define IAMG_CONFIG_NAME_ALT ".iamguard.yaml"

/** One entry of `levels:`. IAMG_LEVEL_NONE disables the rule. */
typedef struct iamg_config_level {
    const char *rule;
    iamg_level level;
} iamg_config_level;

/** `limits:`. A field that is 0 was not set and leaves the default alone. */
typedef struct iamg_config_limits {
    size_t rule_memory;         /**< bytes per rule state (iamg_limits.lua_memory) */
    unsigned rule_timeout_ms;   /**< iamg_limits.lua_timeout_ms */
    uint64_t rule_instructions; /**< iamg_limits.lua_instructions */
    uint64_t max_file_size;     /**< iamg_limits.max_file_size */
    uint64_t max_expansion;     /**< iamg_limits.max_expansion */
    uint64_t max_reach_configs; /**< iamg_limits.max_reach_configs */
} iamg_config_limits;

/** A loaded configuration (read-only; see the ownership note above). */
typedef struct iamg_config {
    const char *path;        /**< the file it was read from */
    const char *dir;         /**< that file's folder; rule_dirs are resolved against it */
    const char *const *only; /**< rules.only: run just these rule ids (empty: all) */
    size_t nonly;
    const char *const *skip; /**< rules.skip: never run these */
    size_t nskip;
    const iamg_config_level *levels; /**< levels: in file order */
    size_t nlevels;
    const char *const *rule_dirs; /**< rule_dirs: already joined to `dir` when relative */
    size_t nrule_dirs;
    const char *const *exclude; /**< exclude: path globs, as --exclude */
    size_t nexclude;
    int fail_on;             /**< fail_on: an iamg_level, or -1 when not set */
    const iamg_allow *allow; /**< allowlist: `where` is "path:line" of each entry */
    size_t nallow;
    iamg_config_limits limits;
    const iamg_kind_glob *kinds; /**< kinds: one entry per glob, in file order */
    size_t nkinds;
    int effective;                /**< effective: 0 or 1, or -1 when not set */
    const char *managed_policies; /**< managed_policies: joined to `dir` when relative */
    const char *const *packs;     /**< packs: names of rule packs built into iamguard */
    size_t npacks;
} iamg_config;

/**
 * Read and check the configuration file at `path`. Returns 0 with *out set,
 * or: IAMG_EIO (unreadable), IAMG_EPARSE (YAML syntax), IAMG_EUSAGE (unknown
 * key, wrong type, bad value, missing justification, ...), IAMG_ELIMIT
 * (file too large), IAMG_ENOMEM; err then holds path, line and column and a
 * message that says what to change.
 */
IAMG_API int iamg_config_load(const char *path, iamg_config **out, iamg_error *err);

/** Same, from text in memory; `path` is used for messages and `dir`. */
IAMG_API int iamg_config_load_buffer(const char *path, const char *data, size_t len,
                                     iamg_config **out, iamg_error *err);

/**
 * Look for IAMG_CONFIG_NAME, then IAMG_CONFIG_NAME_ALT, in the folder
 * `scan_root` (NULL = the current folder) and load it. Returns 0 with *out
 * NULL when there is neither; IAMG_EUSAGE when both exist (which one applies
 * would be a guess); otherwise as iamg_config_load.
 */
IAMG_API int iamg_config_find(const char *scan_root, iamg_config **out, iamg_error *err);

/** Copy the limits the configuration sets into *lim; others are left alone. */
IAMG_API void iamg_config_apply_limits(const iamg_config *c, iamg_limits *lim);

/**
 * Configure an engine: add the configuration's rule packs and rule folders,
 * select rules and set levels. `only` and `skip` come from the caller (the command line) and
 * take precedence: a non-empty `only` replaces rules.only, `skip` adds to
 * rules.skip, and a rule named in `only` runs even when the configuration
 * skips it or sets its level to none. c may be NULL (just the caller's
 * selection). A rule id the engine does not know is IAMG_EUSAGE, reported at
 * its line and column in the configuration, and so is a pack iamguard does
 * not have; a rule folder that cannot be read is IAMG_EIO.
 */
IAMG_API int iamg_config_apply(const iamg_config *c, iamg_engine *e, const char *const *only,
                               size_t nonly, const char *const *skip, size_t nskip,
                               iamg_error *err);

IAMG_API void iamg_config_free(iamg_config *c);

#ifdef __cplusplus
}
#endif
#endif
