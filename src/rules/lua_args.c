#include "rules/lua_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* Address used as the registry key of the library name. */
static const char library_key = 0;

void ig_lua_set_library(lua_State *L, const char *name)
{
    lua_pushstring(L, name);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &library_key);
}

int ig_lua_argerror(lua_State *L, const char *fn, int idx, const char *fmt, ...)
{
    char full[96];
    if (fn[0] == '.') {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &library_key);
        const char *lib = lua_tostring(L, -1);
        snprintf(full, sizeof full, "%s%s", lib ? lib : "iam", fn);
        lua_pop(L, 1);
        fn = full;
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int arg = strchr(fn, ':') ? idx - 1 : idx;
    if (arg == 0) return luaL_error(L, "%s: bad self (%s)", fn, msg);
    return luaL_error(L, "%s: bad argument #%d (%s)", fn, arg, msg);
}

const char *ig_lua_typename(lua_State *L, int idx)
{
    /* Views and action sets are named by their metatable's __name, without
     * the "iamguard." of the registry; no metamethod is called. */
    idx = lua_absindex(L, idx);
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
        const char *name = lua_tostring(L, -1);
        return strncmp(name, "iamguard.", 9) == 0 ? name + 9 : name;
    }
    if (lua_type(L, idx) == LUA_TLIGHTUSERDATA) return "light userdata";
    return luaL_typename(L, idx);
}

int ig_lua_typeerror(lua_State *L, const char *fn, int idx, const char *expected)
{
    idx = lua_absindex(L, idx);
    return ig_lua_argerror(L, fn, idx, "%s expected, got %s", expected, ig_lua_typename(L, idx));
}

const char *ig_lua_checkstring(lua_State *L, const char *fn, int idx, size_t *len)
{
    /* A number is taken as its text, as luaL_checklstring takes it. */
    const char *s = lua_tolstring(L, idx, len);
    if (!s) ig_lua_typeerror(L, fn, idx, "string");
    return s;
}

const char *ig_lua_optstring(lua_State *L, const char *fn, int idx, const char *def)
{
    if (lua_isnoneornil(L, idx)) return def;
    return ig_lua_checkstring(L, fn, idx, NULL);
}

void ig_lua_checktable(lua_State *L, const char *fn, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE) ig_lua_typeerror(L, fn, idx, "table");
}
