/*
 * rules/principal_api.h - what rules see of principals: policy.holders,
 * and the principal view passed to check_principal(principal, report,
 * params) (docs/RULES.md is the reference).
 */
#ifndef IAMG_RULES_PRINCIPAL_API_H
#define IAMG_RULES_PRINCIPAL_API_H

#include <lua.h>

#include "load/loader.h"
#include "principal/managed.h"
#include "principal/principal.h"
#include "rules/lua_api.h"

/* One check_principal() call: the principal and every policy it holds. */
typedef struct pcall {
    const principal_set *ps;
    const loaded *l;
    size_t p;           /* the principal's index */
    const pdoc *self;   /* a document with no statements whose region is the principal */
    const pdoc **held;  /* per entry: the policy (NULL when not known) */
    const pdoc **sites; /* per entry: where reports about it go */
    uint8_t *how;       /* per entry: hold_how */
    int32_t *group;     /* per entry: the group it is held through, or -1 */
    const char **names; /* per entry: the managed policy's name, or NULL */
    uint32_t nheld;
    int32_t boundary; /* the entry of the permissions boundary, or -1 */
} pcall;

/* Gather principal p's policies (looking up attached ones in `store`, which
 * may be NULL) into pc, everything in the file's arena. 0, or IAMG_ENOMEM. */
int ig_principal_api_prepare(pcall *pc, loaded *l, principal_set *ps, size_t p,
                             const managed_store *store, const iamg_limits *lim);

/* Push the principal view of pc (ctx->held and ctx->sites must be pc's). */
void ig_principal_api_push_principal(lua_State *L, check_ctx *ctx, const pcall *pc);

/* Push policy.holders of d: a list of {type, name, arn, id, how}. */
void ig_principal_api_push_holders(lua_State *L, const principal_set *ps, const loaded *l,
                                   const pdoc *d);

/* report{} inside check_principal(): `attachment = entry` or a statement
 * of a policy the file does not define moves the report to the
 * attachment element (*doc becomes its site, *stmt -1): returns 1. The
 * report table is at index 1. 0 otherwise. */
int ig_principal_api_site(lua_State *L, check_ctx *ctx, const pdoc **doc, int32_t *stmt);

#endif
