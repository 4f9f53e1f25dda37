/*
 * rules/rulestate.c - a rule file's sandbox and its per-document instances
 * (rulestate.h).
 */
#include "rules/rulestate.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* luaL_ref allocates (the registry grows): under lua_pcall, so that a
 * refused allocation is an error, not a panic. Value 1, out-int 2. */
static int ref_step(lua_State *L)
{
    int *out = lua_touserdata(L, 2);
    lua_settop(L, 1);
    *out = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* Registry key of the table that keeps the host's field names alive. */
static const char names_key = 0;

static int anchor_step(lua_State *L)
{
    const char *const *names = lua_touserdata(L, 1);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &names_key) != LUA_TTABLE) {
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &names_key);
    }
    for (size_t i = 0; names[i]; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    }
    return 0;
}

int ig_rulestate_anchor(rule_state *rs, const char *const *names)
{
    lua_State *L = ig_sandbox_state(rs->sb);
    lua_pushcfunction(L, anchor_step);
    lua_pushlightuserdata(L, (void *)names);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int ig_rulestate_ref(rule_state *rs)
{
    lua_State *L = ig_sandbox_state(rs->sb);
    int ref = LUA_NOREF;
    lua_pushcfunction(L, ref_step);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, &ref);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        lua_pop(L, 1);
        return LUA_NOREF;
    }
    return ref == LUA_REFNIL ? LUA_NOREF : ref;
}

int ig_rulestate_protected(rule_state *rs, lua_CFunction f, void *ud)
{
    lua_State *L = ig_sandbox_state(rs->sb);
    int top = lua_gettop(L);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    int st = lua_pcall(L, 1, 0, 0);
    lua_settop(L, top);
    return st == LUA_OK ? 0 : -1;
}

static int install_step(lua_State *L)
{
    rule_state *rs = lua_touserdata(L, 1);
    ig_lua_api_install(L, &rs->ctx);
    ig_modules_install(L, &rs->mods);
    return 0;
}

int ig_rulestate_open(rule_state *rs, const iamg_limits *lim, const char *name, const char *src,
                      size_t len, const char *dir, int builtin, sandbox_result *res)
{
    memset(rs, 0, sizeof *rs);
    rs->chunk_ref = LUA_NOREF;
    memset(res, 0, sizeof *res);
    sandbox_limits sl = {lim->lua_memory, lim->lua_instructions, lim->lua_timeout_ms};
    rs->sb = ig_sandbox_new(&sl);
    if (!rs->sb) {
        res->kind = SB_MEMORY;
        snprintf(res->message, sizeof res->message,
                 "no memory for the rule's sandbox (limit: --rule-memory)");
        return -1;
    }
    rs->ctx.lim = lim;
    rs->mods.dir = dir;
    rs->mods.max_size = lim->max_rule_file_size;
    lua_State *L = ig_sandbox_state(rs->sb);
    lua_pushcfunction(L, install_step);
    lua_pushlightuserdata(L, rs);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK || ig_sandbox_freeze(rs->sb) != 0) {
        lua_settop(L, 0);
        res->kind = SB_MEMORY;
        snprintf(res->message, sizeof res->message,
                 "the rule API does not fit in the rule memory limit (%zu bytes)", lim->lua_memory);
        ig_rulestate_close(rs);
        return -1;
    }
    if ((builtin ? ig_sandbox_compile_builtin(rs->sb, name, src, len, res)
                 : ig_sandbox_compile(rs->sb, name, src, len, res)) != 0) {
        ig_rulestate_close(rs);
        return -1;
    }
    rs->chunk_ref = ig_rulestate_ref(rs);
    if (rs->chunk_ref == LUA_NOREF) {
        res->kind = SB_MEMORY;
        snprintf(res->message, sizeof res->message, "out of memory");
        ig_rulestate_close(rs);
        return -1;
    }
    return 0;
}

/* Runs under ig_sandbox_call: upvalue-free, the rule_state is argument 1. */
static int instantiate_step(lua_State *L)
{
    rule_state *rs = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rs->chunk_ref); /* 1 */
    ig_sandbox_reseed(L);
    ig_sandbox_push_env(L); /* 2 */
    ig_modules_begin(L, &rs->mods, 2);
    lua_setupvalue(L, 1, 1); /* _ENV */
    lua_call(L, 0, 1);
    return 1;
}

int ig_rulestate_instantiate(rule_state *rs, sandbox_result *res)
{
    lua_State *L = ig_sandbox_state(rs->sb);
    if (!lua_checkstack(L, 3)) {
        memset(res, 0, sizeof *res);
        res->kind = SB_MEMORY;
        snprintf(res->message, sizeof res->message, "out of memory");
        return -1;
    }
    lua_pushcfunction(L, instantiate_step);
    lua_pushlightuserdata(L, rs);
    return ig_sandbox_call(rs->sb, 1, 1, res);
}

void ig_rulestate_close(rule_state *rs)
{
    ig_sandbox_free(rs->sb);
    rs->sb = NULL;
    rs->chunk_ref = LUA_NOREF;
}
