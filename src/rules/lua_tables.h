/*
 * rules/lua_tables.h - parts of the policy model as plain Lua tables, in the
 * shapes docs/RULES.md documents. Shared by the rule API (lua_api.c) and the
 * iamguard Lua module (src/luamod/), so both speak the same language.
 */
#ifndef IAMG_RULES_LUA_TABLES_H
#define IAMG_RULES_LUA_TABLES_H

#include <stdint.h>

#include <lua.h>

#include "iamguard/match.h"
#include "iamguard/results.h"
#include "model/policy.h"

/* t[k] = v on the table at the top of the stack (nothing when v is NULL). */
void ig_lt_set_str(lua_State *L, const char *k, const char *v);

/*
 * Text a rule only shows (a Sid, origin fields, the pattern that granted an
 * action): at most IG_LT_DISPLAY_MAX bytes, cut at a character boundary and
 * marked with "\u2026". A 50 MB Sid must not cost a rule 50 MB of its memory
 * limit, and a finding's message is cut at max_message_len anyway; what
 * decides a finding (matching, allowlists by Sid) uses the full value in C.
 */
#define IG_LT_DISPLAY_MAX 1024
void ig_lt_push_display(lua_State *L, const char *s, size_t n);
void ig_lt_set_display(lua_State *L, const char *k, const char *v);
void ig_lt_set_bool(lua_State *L, const char *k, int v);
void ig_lt_set_int(lua_State *L, const char *k, lua_Integer v);

/* A list of the nodes' texts. */
void ig_lt_push_values(lua_State *L, const tnode *const *v, uint32_t n);

/* base, set, if_exists, negated, known of op, into the table at the top. */
void ig_lt_set_operator(lua_State *L, const iamg_cond_op *op);

/* The table iam.arn_split returns: partition, service, region, account,
 * resource. */
void ig_lt_push_arn_parts(lua_State *L, const iamg_arn_parts *p);

/* A condition entry table; index is 0-based (written 1-based). */
void ig_lt_push_condition(lua_State *L, const pcond *c, uint32_t index);

/* The principals table of a statement (type -> list), or nil. */
void ig_lt_push_principals(lua_State *L, const pstmt *st);

/* An origin table; `file` (may be NULL) is added as origin.file. Its
 * strings are display text (ig_lt_push_display). */
void ig_lt_push_origin(lua_State *L, const iamg_origin *o, const char *file);

#endif
