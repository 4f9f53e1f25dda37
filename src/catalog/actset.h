/*
 * catalog/actset.h - sets of catalogue actions, and which of them an Action
 * or NotAction list grants.
 *
 * A set is the catalogue actions a list of names and globs expands to, in
 * list order, with their services and a name index, in one block of memory
 * that holds no pointer into itself (it may be copied, e.g. into a Lua
 * userdata: iam.action_set). Names point into the process-wide catalogue.
 * Matching an Action item against a set globs the item only against the
 * set's actions of the item's service, and of those only the names that
 * start with the item's text before its first wildcard.
 */
#ifndef IAMG_CATALOG_ACTSET_H
#define IAMG_CATALOG_ACTSET_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/catalog.h"

typedef struct ig_actset {
    uint32_t n;     /* actions */
    uint32_t words; /* membership words that follow the header */
    uint32_t nsvc;  /* distinct services */
    uint32_t pad;
} ig_actset;

/*
 * Build the set of `names` (n of them) into a new block (*out, *size bytes;
 * free with ig_free). 0; IAMG_EINVALID when a name expands to no catalogue
 * action (*bad is its index); IAMG_ENOMEM.
 */
int ig_actset_build(const iamg_catalog *c, const char *const *names, size_t n, ig_actset **out,
                    size_t *size, size_t *bad);

/*
 * The first action of s, in list order, that the Action list (negated 0)
 * or NotAction list (negated 1) `pats` grants: its rank in the list, or
 * UINT32_MAX. For Action, *which is the index of the item that grants it.
 */
uint32_t ig_actset_first(const ig_actset *s, const char *const *pats, size_t n, int negated,
                         size_t *which);

/* Has s an action of service svc (len bytes, any case)? */
int ig_actset_has_service(const ig_actset *s, const char *svc, size_t len);

/* The catalogue name ("service:Action") and id of the action of rank r. */
const char *ig_actset_name(const ig_actset *s, uint32_t r);
uint32_t ig_actset_id(const ig_actset *s, uint32_t r);

#endif
