/*
 * load/facts.h - what a loader records about principals while it extracts
 * documents: which roles, users and groups a file declares, which managed
 * policies it defines, and who holds what (inline, attached, as boundary,
 * through a group).
 *
 * Loaders only write down what the file says, with the element to point at;
 * principal/principal.h joins the facts of one file into principals.
 */
#ifndef IAMG_LOAD_FACTS_H
#define IAMG_LOAD_FACTS_H

#include <stdint.h>

#include "source/srcpos.h"
#include "source/tree.h"

typedef enum lfact_type {
    FACT_PRINCIPAL, /* a role, user or group the file declares */
    FACT_POLICY,    /* a customer managed policy the file defines (docs doc..doc+ndocs) */
    FACT_HOLD       /* principal `who` holds documents, a managed policy or a group */
} lfact_type;

typedef enum ptype { PT_NONE = 0, PT_ROLE, PT_USER, PT_GROUP } ptype;

/* How a principal holds a policy. */
typedef enum hold_how {
    HOLD_INLINE = 0, /* its own inline policy (doc range) */
    HOLD_MANAGED,    /* an attached managed policy (ref) */
    HOLD_BOUNDARY,   /* its permissions boundary (ref) */
    HOLD_GROUP,      /* membership of group `ref` (users) */
    HOLD_TRUST       /* a role's trust policy (doc range) */
} hold_how;

typedef struct lfact {
    uint8_t type;        /* lfact_type */
    uint8_t how;         /* FACT_HOLD: hold_how */
    uint8_t ptype;       /* the principal's type (FACT_PRINCIPAL, FACT_HOLD) */
    uint8_t ref_key;     /* FACT_HOLD: ref is a key of this file (a Ref), not a name or ARN */
    const char *who;     /* principal or policy: its key (logical ID, address, ARN in dumps),
                            or for FACT_HOLD a key or name */
    const char *name;    /* name when the file says it */
    const char *arn;     /* ARN when the file says it */
    const char *path;    /* FACT_PRINCIPAL: its path ("/" by default) when the file says it */
    const char *ref;     /* FACT_HOLD of a managed policy, boundary or group: ARN, name or key */
    uint32_t doc, ndocs; /* documents (index in loaded.docs) */
    const tsource *src;  /* source of `at` */
    const tnode *at;     /* the element findings about this fact point at */
} lfact;

/* "role", "user", "group" (NULL for PT_NONE). */
const char *ig_ptype_name(int t);
/* "inline", "managed", "boundary", "group", "trust". */
const char *ig_hold_name(int how);

#endif
