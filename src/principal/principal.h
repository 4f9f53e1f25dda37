/*
 * principal/principal.h - the principals of one file: the roles, users and
 * groups it declares or names, and every policy each of them holds (inline,
 * attached managed policies, permissions boundary, its groups' policies).
 *
 * Built from the facts the loaders recorded (load/facts.h) once a file is
 * loaded. Policies are "slots": slot s < l->ndocs is the file's document s;
 * the slots after them are managed policies the file attaches but does not
 * define (AWS managed policies, or customer policies of other stacks), by
 * ARN or name, resolved later by the scan (principal/managed.h).
 *
 * Everything lives in the file's arena and is freed with it.
 */
#ifndef IAMG_PRINCIPAL_PRINCIPAL_H
#define IAMG_PRINCIPAL_PRINCIPAL_H

#include <stddef.h>
#include <stdint.h>

#include "load/facts.h"
#include "load/loader.h"
#include "source/diag.h"

/* One policy a principal holds itself (not through a group). */
typedef struct phold {
    uint8_t how;        /* hold_how: inline, managed, boundary, trust, group */
    uint32_t slot;      /* first policy slot (inline: one per document) */
    uint32_t nslots;    /* 0 for HOLD_GROUP */
    int32_t group;      /* HOLD_GROUP: the group's principal index */
    const tsource *src; /* the attachment element, for findings on attached policies */
    const tnode *at;
} phold;

typedef struct principal {
    uint8_t type;     /* ptype */
    uint8_t declared; /* the file declares it (else it is only named) */
    const char *key;  /* logical ID, Terraform address, ARN (dumps) or the name it is named by */
    const char *id;   /* logical ID or Terraform address, or NULL */
    const char *name; /* when known */
    const char *arn;  /* when known */
    const char *path; /* when known: "/" unless the file gives another */
    phold *holds;
    uint32_t nholds, capholds;
    const tsource *src; /* where the file declares it (or first names it) */
    const tnode *at;
} principal;

/* A managed policy attached but not defined in the file. */
typedef struct pext {
    const char *ref;   /* ARN or name as attached */
    const pdoc *doc;   /* resolved document (principal/managed.h), NULL until then or unknown */
    const char *name;  /* policy name (last ARN component) */
    const char *arn;   /* ARN when ref is one, or the resolved one */
    uint8_t aws;       /* an AWS managed policy (arn:...:iam::aws:policy/...) or a bare name */
    uint8_t boundary;  /* held as a boundary only */
    uint8_t looked_up; /* the store was asked (ig_principals_ext_doc) */
} pext;

/* A principal holding a slot, and how. */
typedef struct pholder {
    uint32_t principal;
    uint8_t how; /* hold_how; HOLD_GROUP for a member of a group holding it */
} pholder;

typedef struct principal_set {
    principal *v; /* heap, grown as the join finds principals; the rest is in the arena */
    size_t n;
    pext *ext; /* heap, like v */
    size_t next;
    size_t ndocs;     /* slots before the external ones */
    uint32_t *hstart; /* per slot: first holder in h */
    uint32_t *hcount; /* per slot: holders kept */
    uint32_t *htotal; /* per slot: holders counted (past lim->max_holders) */
    pholder *h;
} principal_set;

/* Join the facts of `l` into *ps (zeroed first). Marks customer managed
 * policies of the file used only as boundaries KIND_BOUNDARY. Problems go
 * to diags. 0, or IAMG_ENOMEM. */
int ig_principals_build(principal_set *ps, loaded *l, const iamg_limits *lim, diag_list *diags);

/* Holders of slot s: *n kept, returns the first (NULL when none). */
const pholder *ig_principals_holders(const principal_set *ps, size_t s, uint32_t *n,
                                     uint32_t *total);

struct managed_store;

/* The document of external policy e, looked up in `store` and built into
 * the file's arena on first call; *out NULL when the store does not know
 * it. 0, or IAMG_ENOMEM. */
int ig_principals_ext_doc(principal_set *ps, size_t e, const struct managed_store *store, loaded *l,
                          const iamg_limits *lim, const pdoc **out);

/* Free v and ext (everything else lives in the file's arena). Call it
 * after ig_principals_build, whether that succeeded or not. */
void ig_principals_free(principal_set *ps);

/* Is `ref` an AWS managed policy ARN (arn:PARTITION:iam::aws:policy/...)? */
int ig_is_aws_managed_arn(const char *ref);

/* The name of a managed policy ARN or name: its last path component. */
const char *ig_policy_arn_name(const char *ref);

#endif
