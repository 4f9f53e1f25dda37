/*
 * rules/sandbox_lib.c - replacements for library functions whose work a
 * rule controls from C: plain-text string.find, table functions that charge
 * the elements they move, and string scans charged by length.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "rules/sandbox_int.h"

/* Positions as lstrlib.c's posrelatI: negative counts from the end. */
static size_t posrelat(lua_Integer pos, size_t len)
{
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

/* Knuth-Morris-Pratt: linear in |s| + |p| whatever the input, unlike the
 * naive search of lstrlib.c, which a rule could make quadratic. */
static size_t kmp_find(const char *s, size_t ls, const char *p, size_t lp, size_t *fail)
{
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < lp; i++) {
        while (k > 0 && p[i] != p[k])
            k = fail[k - 1];
        if (p[i] == p[k]) k++;
        fail[i] = k;
    }
    for (size_t i = 0, k = 0; i < ls; i++) {
        if (k == 0) {
            const char *c = memchr(s + i, p[0], ls - i);
            if (!c) break;
            i = (size_t)(c - s);
        }
        while (k > 0 && s[i] != p[k])
            k = fail[k - 1];
        if (s[i] == p[k]) k++;
        if (k == lp) return i + 1 - lp;
    }
    return SIZE_MAX;
}

/* string.find restricted to plain search (4th argument true). */
int ig_sb_str_find(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = posrelat(luaL_optinteger(L, 3, 1), ls) - 1;
    if (!lua_toboolean(L, 4))
        return luaL_error(
            L, "string.find: Lua patterns are disabled for rules; search plain text with "
               "string.find(s, text, 1, true) or match with the glob helpers");
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (lp == 0) {
        lua_pushinteger(L, (lua_Integer)init + 1);
        lua_pushinteger(L, (lua_Integer)init);
        return 2;
    }
    ig_sandbox_charge(L, (ls - init + lp) / SCAN_BYTES_PER_UNIT + 1);
    size_t at = SIZE_MAX;
    if (lp <= ls - init) {
        size_t small[64];
        size_t *fail = small;
        if (lp > sizeof small / sizeof small[0]) fail = lua_newuserdatauv(L, lp * sizeof *fail, 0);
        at = kmp_find(s + init, ls - init, p, lp, fail);
    }
    if (at == SIZE_MAX) {
        luaL_pushfail(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)(init + at) + 1);
    lua_pushinteger(L, (lua_Integer)(init + at + lp));
    return 2;
}

/* table.insert/remove/unpack are ltablib.c's, except that the length is
 * read once and the elements to move are charged before the loop: with a
 * __len metamethod a rule could otherwise make one call loop 2^62 times in
 * C, where the hook never runs. Arguments must be tables. */
static lua_Integer table_len(lua_State *L, int idx)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    return luaL_len(L, idx);
}

int ig_sb_tinsert(lua_State *L)
{
    lua_Integer e = table_len(L, 1);
    lua_Integer pos;
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3:
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        ig_sandbox_charge(L, (lua_Unsigned)e - (lua_Unsigned)pos);
        for (lua_Integer i = e; i > pos; i--) {
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

int ig_sb_tremove(lua_State *L)
{
    lua_Integer size = table_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    if (pos < size) ig_sandbox_charge(L, (lua_Unsigned)size - (lua_Unsigned)pos);
    lua_geti(L, 1, pos);
    for (; pos < size; pos++) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

int ig_sb_tunpack(lua_State *L)
{
    lua_Unsigned n;
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? table_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > e) return 0;
    n = (lua_Unsigned)e - (lua_Unsigned)i;
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
        return luaL_error(L, "too many results to unpack");
    ig_sandbox_charge(L, n);
    for (; i < e; i++)
        lua_geti(L, 1, i);
    lua_geti(L, 1, e);
    return (int)n;
}

/* Call the original library function (upvalue 1) with our arguments. */
static int call_original(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* Functions that scan their string argument without allocating
 * (tonumber, string.byte, utf8.len/offset/codepoint) are charged for its
 * length: called in a loop on a long string, they would otherwise do
 * megabytes of work per instruction between two runs of the hook. */
int ig_sb_scan_charged(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        ig_sandbox_charge(L, lua_rawlen(L, 1) / SCAN_BYTES_PER_UNIT + 1);
    return call_original(L);
}

/* The string metatable's arithmetic metamethods convert their operands
 * ("10" + 1): charged like tonumber, for both operands. */
int ig_sb_arith_charged(lua_State *L)
{
    uint64_t units = 1;
    for (int i = 1; i <= 2; i++)
        if (lua_type(L, i) == LUA_TSTRING) units += lua_rawlen(L, i) / SCAN_BYTES_PER_UNIT;
    ig_sandbox_charge(L, units);
    return call_original(L);
}

/* table.move loops over e - f + 1 elements in C even when they are all nil:
 * table.move({}, 1, math.maxinteger - 1, 2) would never return. */
int ig_sb_tmove(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f) {
        lua_Unsigned d = (lua_Unsigned)e - (lua_Unsigned)f;
        ig_sandbox_charge(L, d == UINT64_MAX ? d : d + 1);
    }
    return call_original(L);
}

/* table.sort on a plain table: its length cannot change between the charge
 * (n log n comparisons) and the sort, as it could through __len. */
int ig_sb_tsort(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1))
        return luaL_error(
            L, "table.sort: tables with a metatable cannot be sorted in rules; copy the values "
               "into a plain table first");
    lua_Unsigned n = lua_rawlen(L, 1);
    if (n > 1) {
        uint64_t lg = 1;
        while (((lua_Unsigned)1 << lg) < n && lg < 63)
            lg++;
        ig_sandbox_charge(L, n > UINT64_MAX / lg ? UINT64_MAX : n * lg);
    }
    return call_original(L);
}
