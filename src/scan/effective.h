/*
 * scan/effective.h - the effective view (--effective): is a finding's
 * access blocked for every principal that holds its document?
 *
 * A holder is blocked when its permissions boundary does not allow the
 * access by the same rule (the rule, run on the boundary as an identity
 * policy, reports nothing), or when its other policies hold a Deny that
 * clears it (the rule, run on the document with the holder's Deny
 * statements added, no longer reports the statement). A document nobody
 * holds, or held by a group without known members, is never blocked.
 */
#ifndef IAMG_SCAN_EFFECTIVE_H
#define IAMG_SCAN_EFFECTIVE_H

#include "load/loader.h"
#include "principal/managed.h"
#include "principal/principal.h"
#include "rules/runner.h"

typedef struct effective effective;

/* A checker for one loaded file; NULL when out of memory. */
effective *ig_effective_new(runner *run, loaded *l, principal_set *ps, const managed_store *store,
                            const iamg_limits *lim);
void ig_effective_free(effective *ef);

/* Is rule `rule`'s finding on policy slot `slot` (statement `stmt`, or -1
 * for any statement of it) blocked for every holder? `holder` >= 0 names
 * the one principal that attaches it (and its members, for a group).
 * 0 with *blocked set, or IAMG_ENOMEM. */
int ig_effective_blocked(effective *ef, uint32_t rule, size_t slot, long holder, int32_t stmt,
                         int *blocked);

#endif
