/*
 * rules/lua_api.h - what a rule sees: policy and statement views, report(),
 * and the `iam` library (docs/RULES.md is the reference).
 *
 * Views are userdata over the C model, checked by hidden metatables and tied
 * to one check() call by a generation number: a view a rule keeps in a global
 * gives a clear error later instead of touching a freed document.
 */
#ifndef IAMG_RULES_LUA_API_H
#define IAMG_RULES_LUA_API_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "iamguard/engine.h"
#include "iamguard/limits.h"
#include "iamguard/results.h"
#include "model/policy.h"

/* A finding as a rule reported it, before positions are resolved. */
typedef struct rfind {
    uint32_t rule; /* index in the engine */
    iamg_level level;
    char *message;       /* heap, sanitized UTF-8 */
    const pdoc *doc;     /* valid while its file is loaded */
    int32_t stmt;        /* statement index, -1 for the document */
    const char *element; /* static name, or NULL */
    uint32_t start, end; /* span in doc->src of the region */
} rfind;

typedef struct rfind_list {
    rfind *v;
    size_t n, cap;
} rfind_list;

void ig_rfind_list_free(rfind_list *l);

/* State of the check() call in progress in one sandbox. */
/*
 * The services the Action items of a document's statements name, computed
 * once per document by the runner and shared by every rule: a statement
 * whose items cannot name a service of an action set cannot grant one of
 * its actions (policy:granting skips it without matching patterns).
 */
typedef struct ig_svc_name {
    const char *s; /* the prefix as written (not NUL-terminated) */
    size_t n;
} ig_svc_name;

typedef struct ig_stmt_services {
    const pdoc *doc;         /* the document described */
    const ig_svc_name *svcs; /* its distinct literal services (the first 64) */
    size_t nsvcs;
    const uint64_t *mask; /* per statement: bit k set when an item names svcs[k] */
    const uint8_t *any;   /* per statement: may name any service (NotAction, wildcards, more) */
} ig_stmt_services;

typedef struct check_ctx {
    const pdoc *doc;
    /* The service index of doc, or NULL when the runner has none for it. */
    const ig_stmt_services *svc;
    uint64_t generation; /* bumped before every call */
    const iamg_limits *lim;
    uint32_t rule;                 /* rule being run */
    iamg_level level;              /* its default level */
    const iamg_rule_param *params; /* its parameters: check()'s third argument */
    size_t nparams;
    int *params_ref; /* where the state keeps their table (ig_params_push_cached) */
    rfind_list *out;
    size_t reported;              /* findings of this call */
    size_t overflow;              /* findings refused past max_findings_per_rule */
    size_t reach_capped;          /* st:reaches_uncovered calls stopped by max_reach_configs */
    const pdoc *reach_capped_doc; /* the statement of the first */
    uint32_t reach_capped_stmt;
    int oom; /* host allocation failed in report() */
    /* The file's principals (principal/principal.h), for policy.holders
     * and check_principal(); NULL when not known. */
    const struct principal_set *ps;
    const struct loaded *file;
    /* check_principal(): per entry of principal.policies, its document
     * (NULL when unknown) and where the principal holds it (a document
     * whose region is the attachment element, or the principal). */
    const pdoc *const *held;
    const pdoc *const *sites;
    uint32_t nheld;
} check_ctx;

/* Install the API in a fresh sandbox state: the `iam` global table, the view
 * metatables and ctx (which must outlive the state). */
void ig_lua_api_install(lua_State *L, check_ctx *ctx);

/* Push a view of ctx->doc valid for the current generation. */
void ig_lua_api_push_policy(lua_State *L, check_ctx *ctx);

/* Push a view of `doc` (one of the documents check_principal() sees)
 * valid for the current generation. */
void ig_lua_api_push_policy_of(lua_State *L, check_ctx *ctx, const pdoc *doc);

/* Push the report function bound to ctx. */
void ig_lua_api_push_report(lua_State *L, check_ctx *ctx);

/* Push check()'s arguments (policy, report, params) in a protected call,
 * so that hitting the state's memory cap is an error, not a panic. 0, or -1
 * when the state ran out of memory (the state should then be rebuilt). */
int ig_lua_api_push_args(lua_State *L, check_ctx *ctx);

/* The region a report points at: see report() in docs/RULES.md. */
void ig_lua_api_region(const pdoc *doc, int32_t stmt, const char *element, uint32_t item,
                       uint32_t *start, uint32_t *end);

#endif
