/*
 * rules/sandbox_meta.c - setmetatable for rules: no finalizers, weak tables
 * or to-be-closed values, now or later.
 */
#include <string.h>

#include <lauxlib.h>

#include "rules/sandbox_int.h"

/* Light-userdata key marking our snapshot metatables (see ig_sb_setmetatable). */
static const char snapshot_key = 0;

static int is_reserved_field(lua_State *L, int idx)
{
    size_t n;
    const char *k;
    if (lua_type(L, idx) != LUA_TSTRING) return 0;
    k = lua_tolstring(L, idx, &n);
    return (n == 4 && memcmp(k, "__gc", 4) == 0) || (n == 6 && memcmp(k, "__mode", 6) == 0) ||
           (n == 7 && memcmp(k, "__close", 7) == 0);
}

/* Does the snapshot at copy still equal table mt (fields counted when it
 * was made)? */
static int snapshot_current(lua_State *L, int mt, int copy, size_t fields)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        lua_pushvalue(L, -2);
        lua_rawget(L, copy);
        int same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (!same) {
            lua_pop(L, 1);
            return 0;
        }
        n++;
    }
    ig_sandbox_charge(L, n);
    return n == fields;
}

/* Push the hidden metatable to attach for table mt: a copy of it, checked
 * for the fields that would give the rule finalizers (which run outside the
 * hook), weak tables or to-be-closed values. The rule never sees the copy,
 * so it cannot add those fields later; __metatable in the copy makes
 * getmetatable return mt itself. The last snapshot is reused while mt is
 * unchanged, so objects of one class share one. */
static void push_snapshot(lua_State *L, int mt)
{
    sandbox *sb = ig_sb_of(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->cache_mt_ref);
    int cached = lua_rawequal(L, -1, mt);
    lua_pop(L, 1);
    if (cached) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, sb->cache_copy_ref);
        if (snapshot_current(L, mt, lua_gettop(L), sb->cache_fields)) return;
        lua_pop(L, 1);
    }
    lua_newtable(L);
    int copy = lua_gettop(L);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        if (is_reserved_field(L, -2))
            luaL_error(L,
                       "setmetatable: a metatable with a '%s' field is not allowed: finalizers, "
                       "weak tables "
                       "and to-be-closed values are disabled for rules",
                       lua_tostring(L, -2));
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, copy);
        n++;
    }
    ig_sandbox_charge(L, n);
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, copy) == LUA_TNIL) {
        /* mt does not protect itself: getmetatable returns mt, and
         * setmetatable may replace the snapshot (see ig_sb_setmetatable) */
        lua_pushliteral(L, "__metatable");
        lua_pushvalue(L, mt);
        lua_rawset(L, copy);
        lua_pushboolean(L, 1);
        lua_rawsetp(L, copy, &snapshot_key);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, mt);
    lua_rawseti(L, LUA_REGISTRYINDEX, sb->cache_mt_ref);
    lua_pushvalue(L, copy);
    lua_rawseti(L, LUA_REGISTRYINDEX, sb->cache_copy_ref);
    sb->cache_fields = n;
}

int ig_sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    lua_settop(L, 2);
    if (lua_getmetatable(L, 1)) {
        int ours = lua_rawgetp(L, 3, &snapshot_key) != LUA_TNIL;
        lua_pushliteral(L, "__metatable");
        if (!ours && lua_rawget(L, 3) != LUA_TNIL)
            return luaL_error(L, "cannot change a protected metatable");
        lua_settop(L, 2);
    }
    if (t == LUA_TTABLE)
        push_snapshot(L, 2);
    else
        lua_pushnil(L);
    lua_setmetatable(L, 1);
    lua_settop(L, 1);
    return 1;
}
