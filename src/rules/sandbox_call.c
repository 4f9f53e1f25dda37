/*
 * rules/sandbox_call.c - running rule code with the limits armed: loading a
 * chunk (text only) and protected calls with a message handler.
 */
#include <assert.h>
#include <string.h>

#include <lauxlib.h>

#include "rules/chunkcache.h"
#include "rules/sandbox_int.h"
#include "util/alloc.h"

static void arm(sandbox *sb)
{
    if (sb->depth++ > 0) return;
    sb->spent = 0;
    sb->clock_allocs = 0;
    sb->clock_bytes = 0;
    sb->deadline_ns =
        sb->lim.timeout_ms ? ig_sb_now_ns() + (uint64_t)sb->lim.timeout_ms * 1000000u : 0;
    lua_sethook(sb->L, ig_sb_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

static void disarm(sandbox *sb)
{
    assert(sb->depth > 0);
    if (--sb->depth > 0) return;
    /* Host code running outside a call must never meet the trip error:
     * unprotected, it would abort the process. */
    lua_sethook(sb->L, NULL, 0, 0);
}

/* ig_sandbox_call with the limits already armed. */
static int run(sandbox *sb, int nargs, int nresults, sandbox_result *res)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L) - nargs; /* the function */
    assert(base >= 1);
    if (sb->refusal_pending) {
        sb->refusal_pending = 0;
        ig_sb_trip(sb, SB_MEMORY);
    }
    if (sb->tripped != SB_OK) {
        lua_settop(L, base - 1);
        ig_sb_broken_result(sb, res);
        return -1;
    }
    if (!lua_checkstack(L, 1)) {
        lua_settop(L, base - 1);
        ig_sb_trip(sb, SB_MEMORY);
        ig_sb_limit_message(sb, SB_MEMORY, res);
        return -1;
    }
    lua_pushcfunction(L, ig_sb_msgh);
    lua_insert(L, base);
    sb->err_set = 0;
    int st = lua_pcall(L, nargs, nresults, base);
    if (sb->refusal_pending) {
        sb->refusal_pending = 0;
        ig_sb_trip(sb, SB_MEMORY);
    }
    if (st == LUA_OK && sb->tripped == SB_OK) {
        lua_remove(L, base);
        return 0;
    }
    if (st == LUA_ERRMEM) ig_sb_trip(sb, SB_MEMORY);
    if (sb->err_set) {
        *res = sb->err;
    } else {
        res->line = 0;
        if (st != LUA_OK) ig_sb_describe_error(sb, L, -1, res);
    }
    if (sb->tripped != SB_OK) {
        if (sb->trip_line) res->line = sb->trip_line;
        ig_sb_limit_message(sb, sb->tripped, res);
    } else {
        res->kind = SB_RUNTIME;
    }
    lua_settop(L, base - 1);
    return -1;
}

int ig_sandbox_call(sandbox *sb, int nargs, int nresults, sandbox_result *res)
{
    sandbox_result scratch;
    if (!res) res = &scratch;
    memset(res, 0, sizeof *res);
    assert(nargs >= 0 && lua_gettop(sb->L) > nargs);
    if (sb->tripped != SB_OK) {
        lua_settop(sb->L, lua_gettop(sb->L) - nargs - 1);
        ig_sb_broken_result(sb, res);
        return -1;
    }
    arm(sb);
    int rc = run(sb, nargs, nresults, res);
    disarm(sb);
    return rc;
}

/* short_src of chunk "@name", as luaO_chunkid makes it. */
static void chunk_id(char out[LUA_IDSIZE], const char *name)
{
    size_t len = strlen(name);
    if (len + 1 <= LUA_IDSIZE) {
        memcpy(out, name, len + 1);
    } else {
        size_t tail = LUA_IDSIZE - 4; /* "..." and the NUL */
        memcpy(out, "...", 3);
        memcpy(out + 3, name + len - tail, tail + 1);
    }
}

/* Compile src, and with run_it run it, leaving its first result. */
static int load_chunk(sandbox *sb, const char *name, const char *src, size_t len,
                      sandbox_result *res, int run_it, int builtin)
{
    lua_State *L = sb->L;
    assert(name && (src || len == 0));
    sandbox_result scratch;
    char small[256];
    if (!res) res = &scratch;
    memset(res, 0, sizeof *res);
    if (sb->tripped != SB_OK) {
        ig_sb_broken_result(sb, res);
        return -1;
    }
    size_t nlen = strlen(name);
    char *chunkname = nlen + 2 <= sizeof small ? small : ig_malloc(nlen + 2);
    if (!chunkname) {
        ig_sb_set_result(res, SB_MEMORY, 0, "out of memory");
        return -1;
    }
    /* "@": Lua shows the name as a file name, shortened from the left. */
    chunkname[0] = '@';
    memcpy(chunkname + 1, name, nlen + 1);
    chunk_id(sb->chunk_src, name);
    int top = lua_gettop(L);
    int rc = -1;
    if (!lua_checkstack(L, 2)) {
        ig_sb_trip(sb, SB_MEMORY);
        ig_sb_limit_message(sb, SB_MEMORY, res);
        goto done;
    }
    arm(sb);
    int st = builtin ? ig_chunkcache_load(L, src, len, chunkname)
                     : luaL_loadbufferx(L, src, len, chunkname, "t");
    if (st == LUA_OK) {
        rc = run_it ? run(sb, 0, 1, res) : 0;
    } else {
        if (sb->refusal_pending || st == LUA_ERRMEM) {
            sb->refusal_pending = 0;
            ig_sb_trip(sb, SB_MEMORY);
        }
        ig_sb_describe_error(sb, L, -1, res);
        if (sb->tripped != SB_OK)
            ig_sb_limit_message(sb, sb->tripped, res);
        else
            res->kind = SB_SYNTAX;
        lua_settop(L, top);
    }
    disarm(sb);
done:
    if (chunkname != small) ig_free(chunkname);
    return rc;
}

int ig_sandbox_load(sandbox *sb, const char *name, const char *src, size_t len, sandbox_result *res)
{
    return load_chunk(sb, name, src, len, res, 1, 0);
}

int ig_sandbox_compile(sandbox *sb, const char *name, const char *src, size_t len,
                       sandbox_result *res)
{
    return load_chunk(sb, name, src, len, res, 0, 0);
}

int ig_sandbox_compile_builtin(sandbox *sb, const char *name, const char *src, size_t len,
                               sandbox_result *res)
{
    return load_chunk(sb, name, src, len, res, 0, 1);
}
