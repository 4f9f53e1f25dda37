/*
 * rules/lua_args.h - argument checks of the rule API, with errors worded as
 * Lua words its own (luaL_argerror) but naming the function as a rule
 * writes it:
 *
 *     st:reaches: bad argument #1 (string or list of strings expected, got nil)
 *     iam.arn_split: bad argument #1 (string expected, got table)
 *
 * `fn` is that name: "iam.action_set" for a library function, "st:reaches"
 * or "policy:granting" for a method, whose arguments a rule counts after
 * the colon (stack index 2 is argument #1; index 1 is the object itself,
 * "bad self" when it is not one, as when called with '.' instead of ':').
 * A name starting with '.' (".expand") is a function shared by the rule
 * API and the Lua module: it is completed with the library it was reached
 * through in this state ("iam.expand", "iamguard.expand").
 * Every function raises a Lua error and does not return on a bad argument.
 */
#ifndef IAMG_RULES_LUA_ARGS_H
#define IAMG_RULES_LUA_ARGS_H

#include <stddef.h>

#include <lua.h>

/* The library name (".name" functions) of this Lua state: "iam" for rules,
 * "iamguard" in the Lua module. Call once, when installing the library. */
void ig_lua_set_library(lua_State *L, const char *name);

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int ig_lua_argerror(lua_State *L, const char *fn, int idx, const char *fmt, ...);

/* The type of the value at idx as messages name it: Lua's type name, or
 * the kind of a view or set ("statement", "policy", "action_set"). May
 * push a value (the metatable's name). */
const char *ig_lua_typename(lua_State *L, int idx);

/* "<expected> expected, got <type of the value at idx>". */
int ig_lua_typeerror(lua_State *L, const char *fn, int idx, const char *expected);

const char *ig_lua_checkstring(lua_State *L, const char *fn, int idx, size_t *len);
/* nil or nothing gives def. */
const char *ig_lua_optstring(lua_State *L, const char *fn, int idx, const char *def);
void ig_lua_checktable(lua_State *L, const char *fn, int idx);

#endif
