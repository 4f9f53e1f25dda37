/*
 * rules/lua_catalog.h - the IAM service catalogue for Lua: iam.expand,
 * iam.action, iam.condition_key and friends, and the statement queries
 * behind st:grants, st:granted_actions and st:grants_access_level, in the
 * shapes docs/RULES.md documents. Shared by the rule API (lua_api.c, which
 * adds the sandbox checks and per-statement caching) and the iamguard Lua
 * module (src/luamod/).
 *
 * Every function raises a Lua error "out of memory" when the catalogue
 * cannot be loaded or a query runs out of memory.
 */
#ifndef IAMG_RULES_LUA_CATALOG_H
#define IAMG_RULES_LUA_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "catalog/actset.h"
#include "iamguard/catalog.h"

/* The catalogue (loaded on first use). */
const iamg_catalog *ig_lc_catalog(lua_State *L);

/* iam.expand(pattern), iam.matches(pattern), iam.action(name),
 * iam.condition_key(name), iam.service(prefix), iam.suggest(text). */
int ig_lc_expand(lua_State *L);
int ig_lc_matches(lua_State *L);
/* iam.action_check(pattern): nil when it matches some action, else why not:
 * "whitespace", "format", "service" or "unknown". */
int ig_lc_action_check(lua_State *L);
int ig_lc_action(lua_State *L);
int ig_lc_condition_key(lua_State *L);
int ig_lc_service(lua_State *L);
int ig_lc_suggest(lua_State *L);

/* A statement's Action (negated = 0) or NotAction list. */
typedef struct ig_lc_stmt {
    const char *const *pats;
    size_t n;
    int negated;
} ig_lc_stmt;

/* Push a full userdata holding the bitset of the catalogue actions s
 * grants, and return the bits. */
uint64_t *ig_lc_push_granted(lua_State *L, const ig_lc_stmt *s);
/* The same into bits (ig_catalog_words() words). */
void ig_lc_granted_into(lua_State *L, const ig_lc_stmt *s, uint64_t *bits);

/* Does s grant `query` (iamg_catalog_grants)? *which: the granting
 * Action pattern's index, or (size_t)-1. */
int ig_lc_grants(lua_State *L, const ig_lc_stmt *s, const char *query, size_t *which);

/* The sorted list of names ("service:Action") of the actions in bits. */
void ig_lc_push_names(lua_State *L, const uint64_t *bits);

/* st:grants_access_level(level) with level at stack index arg (fn names
 * the method in errors, rules/lua_args.h): pushes true and the first such
 * action's name, or false; returns the count. */
int ig_lc_grants_access_level(lua_State *L, const uint64_t *bits, int arg, const char *fn);

/* Is `key` global, or accepted by some action in bits? */
int ig_lc_supports_key(lua_State *L, const uint64_t *bits, const char *key);

/* Could some action in bits apply to resource `arn`, judged by the ARN's
 * service? True when that cannot be told (not an ARN, a wildcard or a
 * variable in the service). */
int ig_lc_supports_resource(lua_State *L, const uint64_t *bits, const char *arn);

/*
 * Action sets (iam.action_set): the catalogue actions a list of names and
 * globs expands to, in list order, with a membership bitset; a full
 * userdata with metatable IG_LC_MT_SET, not tied to any document.
 */
#define IG_LC_MT_SET "iamguard.action_set"

/* The userdata holds an ig_actset (catalog/actset.h). */
typedef ig_actset ig_lc_set;

/* iam.action_set(list): a list item that names no catalogue action is an
 * error (a typo would otherwise make the set quietly smaller). */
int ig_lc_action_set(lua_State *L);
/* The metatable of action sets (call once per state, like the API). */
void ig_lc_install_set(lua_State *L);
/* The set at idx, or a type error naming the API function fn. */
ig_lc_set *ig_lc_check_set(lua_State *L, int idx, const char *fn);
/* The first action of s, in its list order, that st grants (its id), or
 * UINT32_MAX; *which is the index of the Action pattern that grants it, or
 * (size_t)-1 (NotAction, or none). */
uint32_t ig_lc_first_granted(lua_State *L, const ig_lc_stmt *st, const ig_lc_set *s, size_t *which);
/* Has s an action of service svc (n bytes, any case)? */
int ig_lc_set_has_service(const ig_lc_set *s, const char *svc, size_t n);
/* "service:Action" of catalogue action id. */
const char *ig_lc_action_name(lua_State *L, uint32_t id);

/* The service segment of an ARN, policy variables skipped whole
 * ("arn:${AWS::Partition}:s3:::b" -> "s3"); 0 when not an ARN. */
int ig_lc_arn_service(const char *arn, const char **svc, size_t *len);

#endif
