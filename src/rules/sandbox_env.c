/*
 * rules/sandbox_env.c - environments: libraries no rule can change, and a
 * fresh global table for each run of rule code.
 *
 * A state serves one rule file for many documents. For a document's result
 * not to depend on the documents checked before it in the same state
 * (which differ with -j and file order), whatever rule code can write must
 * be new for each document: the environment (globals) is a fresh copy of
 * the base, and everything shared between environments, the library tables
 * and the base itself, is read-only.
 */
#include <lauxlib.h>

#include "rules/sandbox_int.h"

/* Light-userdata key marking the metatables of read-only proxies. */
static const char frozen_key = 0;
/* Registry key of the original `next`. */
static const char next_key = 0;

static int frozen_newindex(lua_State *L)
{
    return luaL_error(L, "'%s' is read-only in rules: keep values in tables of your own",
                      lua_tostring(L, lua_upvalueindex(1)));
}

/* __pairs: iterate the real table with the original next. */
static int frozen_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

/* #proxy: the length of the real table (upvalue 1). */
static int frozen_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

/* rawset bypasses __newindex: it must not write into a proxy. */
static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1)) {
        int frozen = lua_rawgetp(L, -1, &frozen_key) != LUA_TNIL;
        lua_pop(L, 2);
        if (frozen) return luaL_error(L, "rawset: this table is read-only in rules");
    }
    lua_settop(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 3, 1);
    return 1;
}

/* Push a read-only proxy of the table at idx; `name` names it in messages.
 * Tables inside it are frozen too (memo: the registry-like table at memo,
 * real -> proxy, keeps shared and cyclic tables right). */
static void push_proxy(lua_State *L, int idx, const char *name, int memo, int next)
{
    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, memo) != LUA_TNIL) return;
    lua_pop(L, 1);
    if (!lua_checkstack(L, 8)) luaL_error(L, "nesting too deep to freeze");
    lua_newtable(L); /* the proxy */
    int proxy = lua_gettop(L);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, proxy);
    lua_rawset(L, memo);
    /* Nested tables are reached through the proxy, so they must be proxies
     * too: the real table keeps the real ones for the code that owns it. */
    lua_newtable(L); /* fields that are tables, as proxies */
    int inner = lua_gettop(L);
    int any = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            push_proxy(L, -1, name, memo, next);
            lua_pushvalue(L, -3);
            lua_insert(L, -2);
            lua_rawset(L, inner);
            any = 1;
        }
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 6);
    if (any) {
        /* Reads of nested tables give their proxies, the rest the real values. */
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, idx);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, inner);
        lua_pushvalue(L, inner);
    } else {
        lua_pushvalue(L, idx);
    }
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, frozen_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, any ? inner : idx);
    lua_pushvalue(L, next);
    lua_pushcclosure(L, frozen_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, frozen_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushboolean(L, 1);
    lua_rawsetp(L, -2, &frozen_key);
    lua_setmetatable(L, proxy);
    lua_settop(L, proxy);
}

/* The original `next`, for __pairs; pushed on the stack. */
static void push_next(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &next_key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_getglobal(L, "next");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &next_key);
    }
}

static int freeze_value_step(lua_State *L)
{
    const char *name = lua_tostring(L, 2);
    lua_newtable(L); /* 3: memo */
    push_next(L);    /* 4 */
    if (lua_type(L, 1) == LUA_TTABLE)
        push_proxy(L, 1, name, 3, 4);
    else
        lua_pushvalue(L, 1);
    return 1;
}

void ig_sandbox_push_frozen(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, freeze_value_step);
    lua_pushvalue(L, idx);
    lua_pushstring(L, name);
    lua_call(L, 2, 1);
}

static int freeze_step(lua_State *L)
{
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    lua_newtable(L); /* memo */
    int memo = lua_gettop(L);
    push_next(L);
    int next = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, g)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TTABLE ||
            lua_rawequal(L, -1, g)) {
            lua_pop(L, 1);
            continue;
        }
        push_proxy(L, -1, lua_tostring(L, -2), memo, next);
        /* replacing the value of an existing key during lua_next is allowed */
        lua_pushvalue(L, -3);
        lua_insert(L, -2);
        lua_rawset(L, g);
        lua_pop(L, 1);
    }
    lua_getglobal(L, "rawset");
    lua_pushcclosure(L, sb_rawset, 1);
    lua_setglobal(L, "rawset");
    return 0;
}

int ig_sandbox_freeze(sandbox *sb)
{
    lua_State *L = sb->L;
    int top = lua_gettop(L);
    lua_pushcfunction(L, freeze_step);
    int st = lua_pcall(L, 0, 0, 0);
    lua_settop(L, top);
    return st == LUA_OK ? 0 : -1;
}

void ig_sandbox_push_env(lua_State *L)
{
    lua_pushglobaltable(L);
    int base = lua_gettop(L);
    lua_createtable(L, 0, 32);
    lua_pushnil(L);
    while (lua_next(L, base)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, base + 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    lua_remove(L, base);
}

void ig_sandbox_reseed(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, ig_sb_of(L)->seed_ref);
    lua_pushinteger(L, SANDBOX_RANDOM_SEED);
    lua_pushinteger(L, 0);
    lua_call(L, 2, 0);
}
