/*
 * catalog/catalog.h - the IAM service catalogue inside the library: action
 * ids and bitsets for the rule API, on top of the public iamguard/catalog.h.
 *
 * Actions are numbered 0..naction-1 in set order ("service:Action" in byte
 * order); a set of actions is a bitset of ig_catalog_words() 64-bit words.
 * Expansions are cached for the life of the process (bounded: past the bound
 * an expansion is computed for the caller alone).
 */
#ifndef IAMG_CATALOG_CATALOG_H
#define IAMG_CATALOG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/catalog.h"

/* The process-wide catalogue (loaded on first use), or NULL when it could
 * not be loaded (out of memory). */
const iamg_catalog *ig_catalog(void);

/* A catalogue of the caller's own, for tests (fault injection, timing):
 * NULL when out of memory. */
iamg_catalog *ig_catalog_load(void);
void ig_catalog_free(iamg_catalog *c);

/* Action ids matching one pattern, sorted. `owned` is set when the list is
 * the caller's (the cache was full): release it with ig_idlist_release. */
typedef struct ig_idlist {
    const uint32_t *ids;
    uint32_t n;
    uint32_t *owned;
} ig_idlist;

int ig_catalog_expand_ids(const iamg_catalog *c, const char *pattern, ig_idlist *out);
void ig_idlist_release(ig_idlist *l);

/* Why a pattern matches no action. */
typedef enum ig_pattern_problem {
    IG_PATTERN_OK = 0,  /* it matches some action */
    IG_PATTERN_SPACE,   /* it holds white space (IAM compares names exactly) */
    IG_PATTERN_FORMAT,  /* it is not "service:action" */
    IG_PATTERN_SERVICE, /* its service prefix (no wildcard) is unknown */
    IG_PATTERN_UNKNOWN  /* the service exists, but no action matches */
} ig_pattern_problem;

/* *oom is set (and IG_PATTERN_OK returned) when out of memory. */
ig_pattern_problem ig_catalog_check_pattern(const iamg_catalog *c, const char *pattern, int *oom);

uint32_t ig_catalog_naction(const iamg_catalog *c);
const iamg_catalog_action *ig_catalog_action_by_id(const iamg_catalog *c, uint32_t id);
uint32_t ig_catalog_action_id(const iamg_catalog *c, const iamg_catalog_action *a);

/* Words of a bitset over all actions. */
size_t ig_catalog_words(const iamg_catalog *c);

/* Set in bits (zeroed by this function) the actions that the Action
 * (negated = 0) or NotAction list grants. 0 or IAMG_ENOMEM. */
int ig_catalog_granted_bits(const iamg_catalog *c, const char *const *patterns, size_t n,
                            int negated, uint64_t *bits);

/* Is some action of the expansion of `pattern` in bits? 1, 0 or IAMG_ENOMEM. */
int ig_catalog_intersects(const iamg_catalog *c, const char *pattern, const uint64_t *bits);

/* The first action in bits with access level `level`, or UINT32_MAX. */
uint32_t ig_catalog_first_with_level(const iamg_catalog *c, const uint64_t *bits,
                                     iamg_access_level level);

/*
 * Does some action in bits accept condition key `key` (its own keys, its
 * rows', its resource types')? Global keys are not considered. 1, 0 or
 * IAMG_ENOMEM.
 */
int ig_catalog_bits_support_key(const iamg_catalog *c, const uint64_t *bits, const char *key);

/*
 * Does some action in bits have a resource type whose ARN format names
 * service `service` (its third segment, compared exactly), or no resource
 * type and that service? 1 or 0.
 */
int ig_catalog_bits_support_service(const iamg_catalog *c, const uint64_t *bits,
                                    const char *service, size_t len);

/* Is `prefix` (len bytes, case-insensitive) a service of the catalogue? */
int ig_catalog_has_service(const iamg_catalog *c, const char *prefix, size_t len);

/*
 * "Did you mean": the catalogue name closest to `text` ("service:Action",
 * or a service prefix alone when `service_only`), written to out (cap
 * bytes). A near miss is a few edits away (case is ignored); returns 1 when
 * one was found, 0 otherwise. Bounded work: text longer than 128 bytes
 * gets no suggestion.
 */
int ig_catalog_suggest(const iamg_catalog *c, const char *text, int service_only, char *out,
                       size_t cap);

#endif
