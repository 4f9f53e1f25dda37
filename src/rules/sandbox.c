/*
 * rules/sandbox.c - a Lua 5.4 state that is safe to hand a repository's rule.
 *
 * Three mechanisms hold a rule in:
 *  - the allocator counts every byte the state holds and refuses growth past
 *    the cap (Lua then raises a memory error);
 *  - a count hook charges the instruction budget and watches a monotonic
 *    deadline; once a limit trips, the hook runs on every instruction and
 *    raises again, so pcall/xpcall in the rule cannot swallow it;
 *  - the library is cut down to what cannot escape those two: no code
 *    loading, no finalizers or weak tables, no patterns, no io/os/debug/
 *    coroutine, and the C loops whose length a rule controls are charged.
 * The sandbox is found from a lua_State through the allocator's userdata, so
 * nothing here is global: worker threads run sandboxes side by side.
 *
 * Not covered: a few VM instructions do work linear in a string's length
 * without allocating or calling anything we can charge (a long numeric
 * string as a for-loop bound or bitwise operand, comparing two long equal
 * strings). Between two runs of the hook, 1000 of them can overshoot the
 * deadline by seconds when the memory cap allows strings of tens of MiB;
 * the overshoot is bounded, the instruction and memory limits still hold.
 *
 * The mechanisms live in sandbox_mem.c (allocator), sandbox_cpu.c (hook and
 * budget), sandbox_lib.c and sandbox_meta.c (library replacements),
 * sandbox_msg.c (messages and log lines) and sandbox_call.c (load and call);
 * this file creates and frees states, with the allow-lists of what a rule sees.
 */
#include "rules/sandbox.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "rules/sandbox_int.h"
#include "util/alloc.h"

/* Keep only the listed fields of the table on top of the stack. */
static void keep_only(lua_State *L, const char *const *names)
{
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int keep = 0;
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            for (const char *const *n = names; *n && !keep; n++)
                keep = strcmp(*n, k) == 0;
        }
        if (!keep) {
            /* clearing a field during next() is allowed */
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, t);
        }
    }
}

static void replace(lua_State *L, const char *name, lua_CFunction f, int wrap_original)
{
    if (wrap_original) {
        lua_getfield(L, -1, name);
        lua_pushcclosure(L, f, 1);
    } else {
        lua_pushcfunction(L, f);
    }
    lua_setfield(L, -2, name);
}

static const char *const base_names[] = {
    "_G",           "_VERSION",     "assert",        "error",         "getmetatable",
    "ipairs",       "log",          "next",          "pairs",         "pcall",
    "rawequal",     "rawget",       "rawlen",        "rawset",        "select",
    "setmetatable", "tonumber",     "tostring",      "type",          "xpcall",
    LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME, NULL};
static const char *const string_names[] = {"byte",  "char",   "find",     "format", "len",
                                           "lower", "pack",   "packsize", "rep",    "reverse",
                                           "sub",   "unpack", "upper",    NULL};
static const char *const table_names[] = {"concat", "insert", "move",   "pack",
                                          "remove", "sort",   "unpack", NULL};
static const char *const math_names[] = {
    "abs", "acos",       "asin", "atan",      "ceil", "cos",    "deg",
    "exp", "floor",      "fmod", "huge",      "log",  "max",    "maxinteger",
    "min", "mininteger", "modf", "pi",        "rad",  "random", "randomseed",
    "sin", "sqrt",       "tan",  "tointeger", "type", "ult",    NULL};
static const char *const utf8_names[] = {"char", "charpattern", "codepoint", "codes",
                                         "len",  "offset",      NULL};

/* Runs under lua_pcall: any allocation here may fail against the cap. */
static int setup(lua_State *L)
{
    sandbox *sb = ig_sb_of(L);
    static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},
                                    {LUA_TABLIBNAME, luaopen_table},
                                    {LUA_STRLIBNAME, luaopen_string},
                                    {LUA_MATHLIBNAME, luaopen_math},
                                    {LUA_UTF8LIBNAME, luaopen_utf8}};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        luaL_requiref(L, libs[i].name, libs[i].func, 1);
        lua_pop(L, 1);
    }

    lua_pushglobaltable(L);
    replace(L, "setmetatable", ig_sb_setmetatable, 0);
    replace(L, "tonumber", ig_sb_scan_charged, 1);
    replace(L, "log", ig_sb_log, 0);
    keep_only(L, base_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_STRLIBNAME);
    replace(L, "find", ig_sb_str_find, 0);
    replace(L, "byte", ig_sb_scan_charged, 1);
    keep_only(L, string_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_TABLIBNAME);
    replace(L, "insert", ig_sb_tinsert, 0);
    replace(L, "remove", ig_sb_tremove, 0);
    replace(L, "unpack", ig_sb_tunpack, 0);
    replace(L, "move", ig_sb_tmove, 1);
    replace(L, "sort", ig_sb_tsort, 1);
    keep_only(L, table_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_MATHLIBNAME);
    keep_only(L, math_names);
    /* luaopen_math seeds from the time and the state's address: a fixed
     * seed keeps rules reproducible and leaks no address. */
    lua_getfield(L, -1, "randomseed");
    lua_pushvalue(L, -1);
    sb->seed_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushinteger(L, SANDBOX_RANDOM_SEED);
    lua_pushinteger(L, 0);
    lua_call(L, 2, 0);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_UTF8LIBNAME);
    replace(L, "len", ig_sb_scan_charged, 1);
    replace(L, "offset", ig_sb_scan_charged, 1);
    replace(L, "codepoint", ig_sb_scan_charged, 1);
    keep_only(L, utf8_names);
    lua_pop(L, 1);

    /* The string metatable is shared by every string of the state: hide it
     * so a rule cannot change string methods behind the library's back. */
    lua_pushliteral(L, "");
    if (!lua_getmetatable(L, -1)) return luaL_error(L, "string metatable missing");
    static const char *const arith[] = {"__add", "__sub", "__mul",  "__mod",
                                        "__pow", "__div", "__idiv", "__unm"};
    for (size_t i = 0; i < sizeof arith / sizeof arith[0]; i++) {
        if (lua_getfield(L, -1, arith[i]) != LUA_TFUNCTION) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushcclosure(L, ig_sb_arith_charged, 1);
        lua_setfield(L, -2, arith[i]);
    }
    lua_pushliteral(L, "__metatable");
    lua_pushboolean(L, 0);
    lua_rawset(L, -3);
    lua_pop(L, 2);

    lua_pushliteral(L, "sandbox limit exceeded");
    sb->trip_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushboolean(L, 0);
    sb->cache_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushboolean(L, 0);
    sb->cache_copy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static int panic(lua_State *L)
{
    (void)L;
    fputs("iamguard: Lua error outside a protected call in a rule sandbox (host bug); aborting\n",
          stderr);
    return 0; /* Lua aborts */
}

sandbox *ig_sandbox_new(const sandbox_limits *lim)
{
    static const sandbox_limits defaults = SANDBOX_LIMITS_INIT;
    sandbox *sb = ig_calloc(1, sizeof *sb);
    if (!sb) return NULL;
    sb->lim = lim ? *lim : defaults;
    if (sb->lim.memory == 0) sb->lim.memory = SIZE_MAX;
    lua_State *L = lua_newstate(ig_sb_alloc, sb);
    if (!L) {
        ig_free(sb);
        return NULL;
    }
    sb->L = L;
    lua_atpanic(L, panic);
    lua_pushcfunction(L, setup);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK || sb->refusal_pending || sb->tripped != SB_OK) {
        lua_close(L);
        ig_free(sb);
        return NULL;
    }
    return sb;
}

void ig_sandbox_free(sandbox *sb)
{
    if (!sb) return;
    assert(sb->depth == 0);
    lua_close(sb->L);
    /* exact accounting: everything the state held came back */
    assert(sb->used == 0);
    ig_free(sb);
}

int ig_sandbox_broken(const sandbox *sb)
{
    return sb->tripped != SB_OK;
}

size_t ig_sandbox_memory(const sandbox *sb)
{
    return sb->used;
}

lua_State *ig_sandbox_state(sandbox *sb)
{
    return sb->L;
}
