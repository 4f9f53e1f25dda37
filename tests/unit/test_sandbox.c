/*
 * Unit tests for rules/sandbox.c: one test per attack of SANDBOX.md, the
 * exact inventory a rule sees, and the message/line/stack contracts.
 * After every attack the host must survive and a fresh sandbox must still
 * run an ordinary chunk.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "common/time_scale.h"
#include "rules/sandbox.h"
#include "util/utf8.h"

#if defined(__SANITIZE_ADDRESS__)
/* criterion 2.4.1's runner process leaks a few bookkeeping blocks now and
 * then when tests run in parallel (--jobs=2). Only the runner's own leaks
 * are suppressed: the tests run in processes that boxfort starts with
 * BXFI_MAP set, and those keep full leak checking. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return getenv("BXFI_MAP") ? "" : "leak:libcriterion.so\n";
}
#endif

#define NAME "rules/test.lua"
#define MiB ((size_t)1 << 20)

static sandbox *mk(size_t memory, uint64_t instructions, unsigned timeout_ms)
{
    sandbox_limits lim = {memory, instructions, timeout_ms};
    sandbox *sb = ig_sandbox_new(&lim);
    cr_assert_not_null(sb);
    return sb;
}

/* The default limits, with the wall-clock one stretched as the other time
 * bounds are: under valgrind a rule's honest work takes far longer. */
static sandbox *mk_default(void)
{
    sandbox_limits lim = SANDBOX_LIMITS_INIT;
    lim.timeout_ms = (unsigned)(lim.timeout_ms * test_time_scale());
    sandbox *sb = ig_sandbox_new(&lim);
    cr_assert_not_null(sb);
    return sb;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Load and run src; on success the first result stays on the stack. The
 * stack must be as before on failure and one higher on success. */
static int run(sandbox *sb, const char *src, sandbox_result *res)
{
    lua_State *L = ig_sandbox_state(sb);
    int top = lua_gettop(L);
    int rc = ig_sandbox_load(sb, NAME, src, strlen(src), res);
    cr_assert_eq(lua_gettop(L), top + (rc == 0 ? 1 : 0), "stack unbalanced after load (rc %d)", rc);
    if (rc == 0)
        cr_assert_eq(res->kind, SB_OK);
    else
        cr_assert_neq(res->kind, SB_OK);
    cr_assert(ig_utf8_valid(res->message, strlen(res->message)), "message is not UTF-8: %s",
              res->message);
    cr_assert_null(strchr(res->message, '\n'));
    return rc;
}

/* Run src, which must fail with `kind`; returns res for further checks. */
static sandbox_result fails(sandbox *sb, const char *src, sandbox_fail kind)
{
    sandbox_result res;
    cr_assert_eq(run(sb, src, &res), -1, "chunk should have failed: %s", src);
    cr_assert_eq(res.kind, kind, "kind %d, want %d (%s)", res.kind, kind, res.message);
    return res;
}

/* Run src, which must succeed and return the string `want`. */
static void returns(sandbox *sb, const char *src, const char *want)
{
    sandbox_result res;
    lua_State *L = ig_sandbox_state(sb);
    int rc = run(sb, src, &res);
    cr_assert_eq(rc, 0, "chunk failed (%d, line %d): %s", res.kind, res.line, res.message);
    const char *got = lua_tostring(L, -1);
    cr_assert_not_null(got, "chunk returned a %s", luaL_typename(L, -1));
    cr_assert_str_eq(got, want);
    lua_pop(L, 1);
}

/* The host is fine and a new sandbox runs an ordinary chunk. */
static void host_ok(void)
{
    sandbox *sb = mk_default();
    returns(sb,
            "local t = {}\n"
            "for i = 1, 100 do t[#t + 1] = i * i end\n"
            "table.sort(t, function(a, b) return a > b end)\n"
            "return ('%d %s %d'):format(t[1], ('abc'):upper(), #t)\n",
            "10000 ABC 100");
    ig_sandbox_free(sb);
}

/* A limit trip leaves the sandbox broken: the next call fails at once. */
static void stays_broken(sandbox *sb, sandbox_fail kind)
{
    cr_assert(ig_sandbox_broken(sb));
    lua_State *L = ig_sandbox_state(sb);
    int top = lua_gettop(L);
    lua_pushcfunction(L, luaopen_base); /* never called */
    lua_pushinteger(L, 1);
    sandbox_result res;
    cr_assert_eq(ig_sandbox_call(sb, 1, 0, &res), -1);
    cr_assert_eq(res.kind, kind);
    cr_assert_eq(lua_gettop(L), top);
    cr_assert_eq(ig_sandbox_load(sb, NAME, "return 1", 8, &res), -1);
    cr_assert_eq(res.kind, kind);
    cr_assert_eq(lua_gettop(L), top);
}

/* ------------------------------------------------------------------------ */
/* Creation and ordinary use                                                */

Test(sandbox, creation_cost, .timeout = 60)
{
    enum { N = 2000 };
    double t0 = now_s();
    for (int i = 0; i < N; i++)
        ig_sandbox_free(mk_default());
    double per = (now_s() - t0) / N * 1e6;
    sandbox *sb = mk_default();
    size_t fresh = ig_sandbox_memory(sb);
    fprintf(stderr,
            "sandbox: creation %.1f us (create + free, mean of %d), fresh state holds %zu bytes\n",
            per, N, fresh);
    cr_assert_gt(fresh, 0);
    ig_sandbox_free(sb);
}

Test(sandbox, too_small_memory_cap_fails_cleanly, .timeout = 10)
{
    sandbox_limits lim = {1024, 0, 0};
    cr_assert_null(ig_sandbox_new(&lim));
    host_ok();
}

Test(sandbox, ordinary_chunk_and_stack, .timeout = 10)
{
    sandbox *sb = mk_default();
    lua_State *L = ig_sandbox_state(sb);
    sandbox_result res;
    cr_assert_eq(run(sb, "return function(a, b) return a + b, a * b end", &res), 0);
    cr_assert(lua_isfunction(L, -1));
    lua_pushvalue(L, -1);
    lua_pushinteger(L, 6);
    lua_pushinteger(L, 7);
    cr_assert_eq(ig_sandbox_call(sb, 2, LUA_MULTRET, &res), 0);
    cr_assert_eq(lua_gettop(L), 3);
    cr_assert_eq(lua_tointeger(L, 2), 13);
    cr_assert_eq(lua_tointeger(L, 3), 42);
    lua_settop(L, 1);
    /* failure: nothing of the call is left */
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 1);
    lua_pushnil(L);
    cr_assert_eq(ig_sandbox_call(sb, 2, 2, &res), -1);
    cr_assert_eq(res.kind, SB_RUNTIME);
    cr_assert_eq(lua_gettop(L), 1);
    cr_assert_eq(res.line, 1);
    cr_assert(strstr(res.message, "arithmetic") != NULL, "%s", res.message);
    cr_assert(!ig_sandbox_broken(sb), "a runtime error does not break the sandbox");
    /* and it still works */
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 2);
    lua_pushinteger(L, 3);
    cr_assert_eq(ig_sandbox_call(sb, 2, 1, &res), 0);
    cr_assert_eq(lua_tointeger(L, -1), 5);
    ig_sandbox_free(sb);
}

/* ------------------------------------------------------------------------ */
/* CPU                                                                      */

Test(sandbox, infinite_loop, .timeout = 20)
{
    sandbox *sb = mk(64 * MiB, 1000000, 0);
    fails(sb, "while true do end", SB_INSTRUCTIONS);
    stays_broken(sb, SB_INSTRUCTIONS);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, pcall_cannot_swallow_the_limit, .timeout = 20)
{
    sandbox *sb = mk(64 * MiB, 1000000, 0);
    sandbox_result res = fails(sb,
                               "local ok = pcall(function() while true do end end)\n"
                               "log('escaped', ok)\n"
                               "for i = 1, 10 do pcall(error, 'again') end\n"
                               "return 'escaped'\n",
                               SB_INSTRUCTIONS);
    cr_assert_eq(ig_sandbox_log_count(sb), 0, "code after the tripped pcall ran");
    cr_assert(strstr(res.message, "instruction limit") != NULL, "%s", res.message);
    cr_assert_eq(res.line, 1);
    stays_broken(sb, SB_INSTRUCTIONS);
    ig_sandbox_free(sb);

    sb = mk(64 * MiB, 1000000, 0);
    fails(sb,
          "while true do\n"
          "  pcall(function() while true do end end)\n"
          "  xpcall(function() while true do end end, function() while true do end end)\n"
          "end\n",
          SB_INSTRUCTIONS);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, wall_clock_timeout, .timeout = 20)
{
    sandbox *sb = mk(64 * MiB, UINT64_MAX, 30);
    double t0 = now_s();
    fails(sb, "local x = 0\nwhile true do x = x + 1 end", SB_TIMEOUT);
    double took = now_s() - t0;
    cr_assert_lt(took, 10.0 * test_time_scale(), "timeout took %.3f s", took);
    stays_broken(sb, SB_TIMEOUT);
    ig_sandbox_free(sb);

    /* no instruction limit at all: the clock alone stops it */
    sb = mk(64 * MiB, 0, 30);
    fails(sb, "while true do end", SB_TIMEOUT);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, budget_is_per_call, .timeout = 20)
{
    sandbox *sb = mk(64 * MiB, 2000000, 0);
    lua_State *L = ig_sandbox_state(sb);
    sandbox_result res;
    cr_assert_eq(
        run(sb, "return function() local x = 0 for i = 1, 200000 do x = x + i end return x end",
            &res),
        0);
    for (int i = 0; i < 20; i++) {
        lua_pushvalue(L, 1);
        cr_assert_eq(ig_sandbox_call(sb, 0, 1, &res), 0, "call %d: %s", i, res.message);
        cr_assert_eq(lua_tointeger(L, -1), (lua_Integer)200000 * 200001 / 2);
        lua_pop(L, 1);
    }
    ig_sandbox_free(sb);
}

/* Loops inside C library functions never reach the hook, so the functions
 * whose loop length a rule controls charge it up front. */
Test(sandbox, c_loops_are_charged, .timeout = 600)
{
    static const char *const attacks[] = {
        "table.move({}, 1, math.maxinteger - 1, 2)",
        "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, "
        "'x')",
        "table.remove(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1)",
        "local t = setmetatable({}, {__len = function() return 500000 end})\n"
        "while true do table.unpack(t) end",
        "local s = ('a'):rep(4000000)\nwhile true do s:find('b', 1, true) end",
        "local s = ('a'):rep(4000000)\nwhile true do utf8.len(s) end",
        "local s = ('1'):rep(4000000)\nwhile true do tonumber(s, 10) end",
        "local s = ('1'):rep(4000000)\nwhile true do local x = s + 1 end",
    };
    for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
        sandbox *sb = mk(64 * MiB, 10000000, 0);
        double t0 = now_s();
        fails(sb, attacks[i], SB_INSTRUCTIONS);
        cr_assert_lt(now_s() - t0, 10.0 * test_time_scale(), "attack %zu took too long", i);
        ig_sandbox_free(sb);
    }
    sandbox *sb = mk_default();
    fails(sb, "table.sort(setmetatable({3, 1, 2}, {}))", SB_RUNTIME);
    returns(sb,
            "local t = {5, 3, 1}\n"
            "table.insert(t, 1, 9) table.insert(t, 4)\n"
            "local r = table.remove(t, 2)\n"
            "table.sort(t)\n"
            "local m = table.move(t, 1, 2, 3, {})\n"
            "return table.concat(t, ',') .. ' ' .. r .. ' ' .. select('#', table.unpack(t)) .. ' ' "
            ".. m[4]",
            "1,3,4,9 5 4 3");
    returns(sb,
            "return ('10' + 1) .. ' ' .. (-'2') .. ' ' .. ('7' // '2') .. ' ' .. tonumber('0x10')",
            "11 -2 3 16");
    ig_sandbox_free(sb);
    host_ok();
}

static int host_spin(lua_State *L)
{
    for (;;)
        ig_sandbox_charge(L, 1000);
    return 0;
}

static int host_wait(lua_State *L)
{
    for (;;)
        ig_sandbox_check(L);
    return 0;
}

Test(sandbox, host_functions_cannot_escape_limits, .timeout = 20)
{
    sandbox *sb = mk(64 * MiB, 1000000, 0);
    lua_State *L = ig_sandbox_state(sb);
    lua_register(L, "spin", host_spin);
    fails(sb, "pcall(spin) return 1", SB_INSTRUCTIONS);
    ig_sandbox_free(sb);

    sb = mk(64 * MiB, 0, 20);
    L = ig_sandbox_state(sb);
    lua_register(L, "wait", host_wait);
    fails(sb, "pcall(wait) return 1", SB_TIMEOUT);
    ig_sandbox_free(sb);
    host_ok();
}

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */

Test(sandbox, unbounded_table_growth, .timeout = 30)
{
    sandbox *sb = mk(8 * MiB, 0, 0);
    fails(sb, "local t, i = {}, 0\nwhile true do i = i + 1; t[i] = {i} end", SB_MEMORY);
    cr_assert_leq(ig_sandbox_memory(sb), 8 * MiB);
    stays_broken(sb, SB_MEMORY);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, string_rep_2_40, .timeout = 20)
{
    /* Lua caps strings built by the string library at INT_MAX bytes, so
     * 2^40 is refused before anything is allocated */
    sandbox *sb = mk_default();
    sandbox_result res = fails(sb, "local s = string.rep('x', 2^40)\nreturn #s", SB_RUNTIME);
    cr_assert(strstr(res.message, "too large") != NULL, "%s", res.message);
    cr_assert(!ig_sandbox_broken(sb));
    /* below that cap, the allocator is what stops it */
    res = fails(sb, "local s = string.rep('x', 2^31 - 2)\nreturn #s", SB_MEMORY);
    cr_assert(strstr(res.message, "memory limit") != NULL, "%s", res.message);
    stays_broken(sb, SB_MEMORY);
    ig_sandbox_free(sb);
    sb = mk_default();
    fails(sb, "local s = ('xy'):rep(2^29, ',')\nreturn #s", SB_MEMORY);
    ig_sandbox_free(sb);
    /* caught by pcall, the hit still breaks the call and the sandbox */
    sb = mk_default();
    fails(sb, "local ok = pcall(string.rep, 'x', 2^30)\nlocal n = 0\nwhile true do n = n + 1 end",
          SB_MEMORY);
    ig_sandbox_free(sb);
    sb = mk_default();
    res = fails(sb, "local ok = pcall(string.rep, 'x', 2^30)\nreturn ok", SB_MEMORY);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, millions_of_entries_vs_cap, .timeout = 60)
{
    sandbox *sb = mk(16 * MiB, 0, 0);
    fails(sb, "local t = {}\nfor i = 1, 10000000 do t[i] = i end\nreturn #t", SB_MEMORY);
    stays_broken(sb, SB_MEMORY);
    ig_sandbox_free(sb);
    sb = mk(16 * MiB, 0, 0);
    fails(sb, "local t = {}\nfor i = 1, 10000000 do t['k' .. i] = true end", SB_MEMORY);
    ig_sandbox_free(sb);
    /* a million entries fit the default cap */
    sb = mk_default();
    returns(sb, "local t = {}\nfor i = 1, 1000000 do t[i] = i end\nreturn tostring(#t)", "1000000");
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, garbage_within_cap_is_collected, .timeout = 60)
{
    /* far more garbage than the cap, little of it alive at once */
    sandbox *sb = mk(4 * MiB, 0, 0);
    returns(sb,
            "local n = 0\n"
            "for i = 1, 3000 do\n"
            "  local t = {}\n"
            "  for j = 1, 100 do t[j] = ('x'):rep(100) .. j end\n"
            "  n = n + #table.concat(t)\n"
            "end\n"
            "return tostring(n)",
            "30576000");
    cr_assert(!ig_sandbox_broken(sb));
    cr_assert_leq(ig_sandbox_memory(sb), 4 * MiB);
    ig_sandbox_free(sb);
}

Test(sandbox, megabyte_strings_within_cap, .timeout = 20)
{
    sandbox *sb = mk_default();
    returns(sb,
            "local s = ('x'):rep(8 * 2^20)\n"
            "local t = s .. s\n"
            "return #t .. ' ' .. tostring(t:find('xy', 1, true))",
            "16777216 nil");
    ig_sandbox_free(sb);
}

Test(sandbox, memory_accounting_returns_to_baseline, .timeout = 20)
{
    sandbox *sb = mk_default();
    lua_State *L = ig_sandbox_state(sb);
    size_t fresh = ig_sandbox_memory(sb);
    returns(sb, "local s = ('x'):rep(4 * 2^20) return 'ok'", "ok");
    lua_gc(L, LUA_GCCOLLECT);
    size_t after = ig_sandbox_memory(sb);
    cr_assert_lt(after, fresh + 64 * 1024, "fresh %zu, after %zu", fresh, after);
    ig_sandbox_free(sb);
}

/* ------------------------------------------------------------------------ */
/* Recursion                                                                */

Test(sandbox, deep_recursion, .timeout = 60)
{
    sandbox *sb = mk(256 * MiB, 0, 0);
    sandbox_result res =
        fails(sb, "local function f(n) return 1 + f(n + 1) end\nreturn f(1)", SB_RUNTIME);
    cr_assert(strstr(res.message, "stack overflow") != NULL, "%s", res.message);
    cr_assert(!ig_sandbox_broken(sb));
    returns(sb, "return 'still fine'", "still fine");
    ig_sandbox_free(sb);

    /* recursion through C (pcall) hits the C-stack limit instead */
    sb = mk_default();
    returns(sb, "local function f() return select(2, pcall(f)) end\nreturn tostring(f())",
            "C stack overflow");
    ig_sandbox_free(sb);
    host_ok();
}

/* Lua 5.4.4 bug (CVE-2022-33099): a C-stack overflow while handling an
 * error overflowed the Lua stack. Debian's 5.4.4 carries the fix; this
 * makes sure the host survives it. */
Test(sandbox, c_stack_overflow_in_error_handling, .timeout = 30)
{
    sandbox *sb = mk_default();
    sandbox_result res;
    run(sb,
        "local function loop() assert(pcall(loop)) end\n"
        "local ok, msg = xpcall(loop, loop)\n"
        "return tostring(ok)",
        &res);
    ig_sandbox_free(sb);
    host_ok();
}

/* ------------------------------------------------------------------------ */
/* Patterns and code loading                                                */

Test(sandbox, pattern_bomb_refused_plain_find_works, .timeout = 20)
{
    sandbox *sb = mk_default();
    sandbox_result res = fails(sb, "return (('a'):rep(1e5)):find('.-.-.-b')", SB_RUNTIME);
    cr_assert(strstr(res.message, "patterns are disabled") != NULL, "%s", res.message);
    fails(sb, "return string.find(('a'):rep(1e5), '.-.-.-b', 1, false)", SB_RUNTIME);
    fails(sb, "return ('a'):match('a')", SB_RUNTIME);
    returns(sb, "return type(string.match) .. type(string.gmatch) .. type(string.gsub)",
            "nilnilnil");
    returns(sb,
            "local s = ('a'):rep(1e5) .. 'b.-'\n"
            "local i, j = s:find('ab.-', 1, true)\n"
            "local k = s:find('.-', 1, true)\n"
            "local e1, e2 = s:find('', 5, true)\n"
            "local n = s:find('a', -3, true)\n"
            "return i .. ' ' .. j .. ' ' .. k .. ' ' .. e1 .. ' ' .. e2 .. ' ' .. tostring(n) .. ' "
            "' .. "
            "tostring(s:find('zz', 1, true)) .. ' ' .. tostring(s:find('a', 1e6, true))",
            "100000 100003 100002 5 4 nil nil nil");
    /* plain search stays linear on the classic worst case */
    double t0 = now_s();
    returns(sb,
            "local s = ('a'):rep(2e6)\nlocal p = ('a'):rep(1e5) .. 'b'\n"
            "return tostring(s:find(p, 1, true)) .. tostring(('xab' .. p):find(p, 1, true))",
            "nil4");
    cr_assert_lt(now_s() - t0, 10.0 * test_time_scale());
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, plain_find_matches_naive_search, .timeout = 600)
{
    sandbox *sb = mk_default();
    returns(
        sb,
        "local function naive(s, p, init)\n"
        "  if init > #s + 1 then return nil end\n"
        "  for i = init, #s - #p + 1 do\n"
        "    if s:sub(i, i + #p - 1) == p then return i end\n"
        "  end\n"
        "end\n"
        "local function word(n, k)\n"
        "  local t = {}\n"
        "  for i = 1, n do t[i] = string.char(96 + math.random(1, k)) end\n"
        "  return table.concat(t)\n"
        "end\n"
        "for n = 1, 4000 do\n"
        "  local k = math.random(1, 3)\n"
        "  local s = word(math.random(0, 200), k)\n"
        "  local p = word(n % 10 == 0 and math.random(60, 90) or math.random(1, 6), k)\n"
        "  if n % 7 == 0 and #s > 10 then p = s:sub(#s - 8, #s) end\n"
        "  local init = math.random(1, #s + 2)\n"
        "  local a = s:find(p, init, true)\n"
        "  local b = naive(s, p, init)\n"
        "  if a ~= b then error(('%q in %q from %d: %s, want %s'):format(p, s, init, a, b)) end\n"
        "end\n"
        "return 'ok'",
        "ok");
    ig_sandbox_free(sb);
}

Test(sandbox, load_string_dump, .timeout = 10)
{
    sandbox *sb = mk_default();
    fails(sb, "return load(string.dump(function() return 1 end))()", SB_RUNTIME);
    returns(sb, "return type(load) .. type(string.dump) .. type(loadfile) .. type(dofile)",
            "nilnilnilnil");
    ig_sandbox_free(sb);
    host_ok();
}

typedef struct dumpbuf {
    char data[4096];
    size_t len;
} dumpbuf;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    dumpbuf *b = ud;
    if (b->len + sz > sizeof b->data) return 1;
    memcpy(b->data + b->len, p, sz);
    b->len += sz;
    return 0;
}

Test(sandbox, precompiled_chunk_refused, .timeout = 10)
{
    dumpbuf b = {.len = 0};
    lua_State *plain = luaL_newstate();
    cr_assert_eq(luaL_loadstring(plain, "return 42"), LUA_OK);
    cr_assert_eq(lua_dump(plain, dump_writer, &b, 0), 0);
    lua_close(plain);
    cr_assert(b.len > 4 && memcmp(b.data, "\x1bLua", 4) == 0);

    sandbox *sb = mk_default();
    lua_State *L = ig_sandbox_state(sb);
    sandbox_result res;
    cr_assert_eq(ig_sandbox_load(sb, NAME, b.data, b.len, &res), -1);
    cr_assert_eq(res.kind, SB_SYNTAX);
    cr_assert(strstr(res.message, "binary") != NULL, "%s", res.message);
    cr_assert_eq(lua_gettop(L), 0);
    cr_assert(!ig_sandbox_broken(sb));
    returns(sb, "return 'text is fine'", "text is fine");
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, dangerous_libraries_absent, .timeout = 10)
{
    sandbox *sb = mk_default();
    returns(sb,
            "return table.concat({type(io), type(os), type(require), type(package), type(debug),\n"
            "  type(coroutine), type(collectgarbage), type(print), type(warn), type(newproxy),\n"
            "  type(module), type(unpack), type(setfenv), type(jit)}, ' ')",
            "nil nil nil nil nil nil nil nil nil nil nil nil nil nil");
    fails(sb, "return io.open('/etc/passwd')", SB_RUNTIME);
    fails(sb, "return os.execute('true')", SB_RUNTIME);
    fails(sb, "return require('os')", SB_RUNTIME);
    fails(sb, "debug.sethook()", SB_RUNTIME);
    /* the nested coroutine.close crash of 5.4.4 needs coroutines */
    fails(sb,
          "local co = coroutine.create(function() end)\n"
          "for i = 1, 1e6 do co = coroutine.wrap(function() coroutine.close(co) end) end",
          SB_RUNTIME);
    ig_sandbox_free(sb);
    host_ok();
}

/* ------------------------------------------------------------------------ */
/* Isolation                                                                */

Test(sandbox, string_metatable_protected, .timeout = 10)
{
    sandbox *a = mk_default();
    sandbox *b = mk_default();
    returns(a, "return tostring(getmetatable(''))", "false");
    sandbox_result res =
        fails(a, "getmetatable('').__index = {upper = function() return 'pwned' end}", SB_RUNTIME);
    cr_assert_eq(res.line, 1);
    fails(a, "setmetatable('', {})", SB_RUNTIME);
    fails(a, "rawset(getmetatable(''), '__index', {})", SB_RUNTIME);
    returns(a, "return ('abc'):upper()", "ABC");
    /* changing its own string table affects only this sandbox */
    returns(a, "string.upper = function() return 'pwned' end return ('abc'):upper()", "pwned");
    returns(b, "return ('abc'):upper()", "ABC");
    ig_sandbox_free(a);
    ig_sandbox_free(b);
    host_ok();
}

Test(sandbox, overwriting_globals_is_local, .timeout = 10)
{
    sandbox *a = mk_default();
    sandbox *b = mk_default();
    returns(a,
            "X = 1; tostring = nil; pairs = error; table.concat = nil; math.pi = 3\n"
            "_G.string = nil\n"
            "return 'done'",
            "done");
    returns(b,
            "return tostring(X) .. ' ' .. tostring(math.pi):sub(1, 4) .. ' ' .. table.concat({'a', "
            "'b'}) .. ' ' .. "
            "type(pairs) .. ' ' .. type(string)",
            "nil 3.14 ab function table");
    ig_sandbox_free(a);
    ig_sandbox_free(b);
    host_ok();
}

/* ------------------------------------------------------------------------ */
/* Metatables                                                               */

Test(sandbox, gc_mode_close_refused, .timeout = 20)
{
    sandbox *sb = mk_default();
    sandbox_result res =
        fails(sb, "setmetatable({}, {__gc = function() while true do end end})", SB_RUNTIME);
    cr_assert(strstr(res.message, "'__gc'") != NULL, "%s", res.message);
    cr_assert_eq(res.line, 1);
    res = fails(sb, "setmetatable({}, {__mode = 'k'})", SB_RUNTIME);
    cr_assert(strstr(res.message, "'__mode'") != NULL, "%s", res.message);
    res = fails(sb, "setmetatable({}, {__close = function() end})", SB_RUNTIME);
    cr_assert(strstr(res.message, "'__close'") != NULL, "%s", res.message);
    cr_assert(!ig_sandbox_broken(sb));
    ig_sandbox_free(sb);

    /* a table that gained a reserved field after a first setmetatable is
     * refused the next time */
    sb = mk_default();
    res = fails(sb,
                "local mt = {}\n"
                "local t = setmetatable({}, mt)\n"
                "mt.__gc = function() while true do end end\n"
                "local u = setmetatable({}, mt)\n",
                SB_RUNTIME);
    cr_assert_eq(res.line, 4);
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, late_fields_have_no_effect, .timeout = 20)
{
    sandbox *sb = mk_default();
    lua_State *L = ig_sandbox_state(sb);
    returns(sb,
            "local mt = {}\n"
            "local t = setmetatable({}, mt)\n"
            "mt.__gc = function() while true do end end\n"
            "mt.__mode = 'k'\n"
            "mt.__close = function() end\n"
            "t[{}] = true\n"
            "KEEP = t\n"
            "DROP = setmetatable({}, {})\n"
            "local ok = pcall(function() local x <close> = t end)\n"
            "return tostring(ok)",
            "false");
    /* not weak: the key survives a full collection; no finalizer runs */
    lua_gc(L, LUA_GCCOLLECT);
    lua_gc(L, LUA_GCCOLLECT);
    returns(sb,
            "local n = 0 for _ in pairs(KEEP) do n = n + 1 end DROP = nil KEEP = nil return "
            "tostring(n)",
            "1");
    lua_gc(L, LUA_GCCOLLECT);
    ig_sandbox_free(sb); /* would hang in a looping finalizer */
    host_ok();
}

Test(sandbox, metatables_still_work, .timeout = 10)
{
    sandbox *sb = mk_default();
    returns(sb,
            "local Point = {}\n"
            "Point.__index = Point\n"
            "function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end\n"
            "function Point:len2() return self.x * self.x + self.y * self.y end\n"
            "Point.__add = function(a, b) return Point.new(a.x + b.x, a.y + b.y) end\n"
            "Point.__tostring = function(p) return '(' .. p.x .. ',' .. p.y .. ')' end\n"
            "local p = Point.new(1, 2) + Point.new(3, 4)\n"
            "function Point:twice() return self.x * 2 end\n" /* methods added later are seen */
            "assert(getmetatable(p) == Point)\n"
            "assert(setmetatable(p, nil) == p and getmetatable(p) == nil)\n"
            "setmetatable(p, Point)\n"
            "local locked = setmetatable({}, {__metatable = 'locked'})\n"
            "assert(getmetatable(locked) == 'locked')\n"
            "assert(not pcall(setmetatable, locked, {}))\n"
            "local Base = {hello = function() return 'hi' end}\n"
            "setmetatable(Point, {__index = Base})\n"
            "return tostring(p) .. ' ' .. p:len2() .. ' ' .. p:twice() .. ' ' .. p.hello()",
            "(4,6) 52 8 hi");
    ig_sandbox_free(sb);
}

/* ------------------------------------------------------------------------ */
/* Error messages                                                           */

Test(sandbox, looping_tostring_error_object, .timeout = 10)
{
    sandbox *sb = mk(64 * MiB, 0, 0); /* no CPU limit: only the handler's restraint protects us */
    sandbox_result res =
        fails(sb, "\n\nerror(setmetatable({}, {__tostring = function() while true do end end}))",
              SB_RUNTIME);
    cr_assert_str_eq(res.message, "error object is a table value");
    cr_assert_eq(res.line, 3);
    res = fails(
        sb, "error(setmetatable({}, {__name = 'x', __index = function() while true do end end}))",
        SB_RUNTIME);
    cr_assert_str_eq(res.message, "error object is a table value");
    res = fails(sb, "error()", SB_RUNTIME);
    cr_assert_str_eq(res.message, "error object is nil");
    res = fails(sb, "error(42)", SB_RUNTIME);
    cr_assert_str_eq(res.message, "42");
    res = fails(sb, "error(true)", SB_RUNTIME);
    cr_assert_str_eq(res.message, "error object is a boolean value");
    cr_assert(!ig_sandbox_broken(sb));
    ig_sandbox_free(sb);
    host_ok();
}

Test(sandbox, messages_sanitized, .timeout = 20)
{
    sandbox *sb = mk_default();
    sandbox_result res = fails(
        sb, "error('bad \\xff\\xfe byte, \\0 nul,\\nnew line, \\u{2028} and \\xed\\xa0\\x80')",
        SB_RUNTIME);
    cr_assert_str_eq(res.message,
                     "bad \xEF\xBF\xBD\xEF\xBF\xBD byte, \xEF\xBF\xBD nul, new line,   and "
                     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    cr_assert_eq(res.line, 1);

    /* a megabyte message is cut at a character boundary, visibly */
    res = fails(sb, "\nerror(('\\u{e9}'):rep(2^20))", SB_RUNTIME);
    size_t n = strlen(res.message);
    cr_assert_lt(n, sizeof res.message);
    cr_assert(n > 400);
    cr_assert(strstr(res.message, " [truncated]") == res.message + n - 12);
    cr_assert(ig_utf8_valid(res.message, n));
    cr_assert_eq(res.line, 2);

    /* log() sanitizes too and keeps the last lines */
    returns(sb,
            "for i = 1, 40 do log('line', i) end\n"
            "log('x\\0y\\n', 1.5, true, nil, {}, ('z'):rep(1000))\n"
            "return 'ok'",
            "ok");
    cr_assert_eq(ig_sandbox_log_count(sb), 41);
    const char *last = ig_sandbox_log_line(sb, 0);
    cr_assert_not_null(last);
    const char *want = "x\xEF\xBF\xBDy  1.5 true nil table zzz";
    cr_assert(strncmp(last, want, strlen(want)) == 0, "%s", last);
    cr_assert(ig_utf8_valid(last, strlen(last)));
    cr_assert_lt(strlen(last), SANDBOX_LOG_LINE);
    cr_assert_str_eq(ig_sandbox_log_line(sb, 1), "line 40");
    cr_assert_eq(SANDBOX_LOG_KEEP, 32);
    cr_assert_str_eq(ig_sandbox_log_line(sb, SANDBOX_LOG_KEEP - 1), "line 10");
    cr_assert_null(ig_sandbox_log_line(sb, SANDBOX_LOG_KEEP));
    ig_sandbox_free(sb);
}

Test(sandbox, syntax_errors_report_line, .timeout = 10)
{
    sandbox *sb = mk_default();
    sandbox_result res = fails(sb, "local x = 1\n\nlocal y = = 2\n", SB_SYNTAX);
    cr_assert_eq(res.line, 3);
    cr_assert(strncmp(res.message, "unexpected symbol", 17) == 0, "%s", res.message);
    res = fails(sb, "local s = [[\nnever closed", SB_SYNTAX);
    cr_assert_gt(res.line, 0);
    cr_assert(!ig_sandbox_broken(sb));

    /* long names are shortened by Lua; the line is still found */
    const char *longname =
        "rules/a/very/long/directory/name/that/goes/on/and/on/for/a/while/rule.lua";
    const char *src = "return 1 +\n+";
    cr_assert_eq(ig_sandbox_load(sb, longname, src, strlen(src), &res), -1);
    cr_assert_eq(res.kind, SB_SYNTAX);
    cr_assert_eq(res.line, 2, "line %d: %s", res.line, res.message);
    cr_assert(strncmp(res.message, "unexpected symbol", 17) == 0, "%s", res.message);
    ig_sandbox_free(sb);
}

Test(sandbox, runtime_error_lines, .timeout = 10)
{
    sandbox *sb = mk_default();
    sandbox_result res =
        fails(sb, "local t = nil\n\nlocal function f()\n  return t.x\nend\nreturn f()", SB_RUNTIME);
    cr_assert_eq(res.line, 4);
    cr_assert(strstr(res.message, "attempt to index a nil value") == res.message, "%s",
              res.message);
    res = fails(
        sb,
        "local function check(v)\n  if not v then error('v is required', 2) end\nend\n\ncheck(nil)",
        SB_RUNTIME);
    cr_assert_eq(res.line, 5);
    cr_assert_str_eq(res.message, "v is required");
    res = fails(sb, "\nerror('no position', 0)", SB_RUNTIME);
    cr_assert_str_eq(res.message, "no position");
    cr_assert_eq(res.line, 2);
    res = fails(sb, "\n\nerror({code = 1})", SB_RUNTIME);
    cr_assert_eq(res.line, 3);
    ig_sandbox_free(sb);
}

/* ------------------------------------------------------------------------ */
/* Inventory                                                                */

static void inventory(sandbox *sb, const char *table, const char *want)
{
    char src[512];
    snprintf(src, sizeof src,
             "local names = {}\n"
             "for k in next, %s do names[#names + 1] = tostring(k) end\n"
             "table.sort(names)\n"
             "return table.concat(names, ' ')",
             table);
    returns(sb, src, want);
}

Test(sandbox, inventory, .timeout = 10)
{
    sandbox *sb = mk_default();
    inventory(sb, "_G",
              "_G _VERSION assert error getmetatable ipairs log math next pairs pcall rawequal "
              "rawget rawlen "
              "rawset select setmetatable string table tonumber tostring type utf8 xpcall");
    inventory(sb, "string",
              "byte char find format len lower pack packsize rep reverse sub unpack upper");
    inventory(sb, "table", "concat insert move pack remove sort unpack");
    inventory(sb, "math",
              "abs acos asin atan ceil cos deg exp floor fmod huge log max maxinteger min "
              "mininteger modf pi rad "
              "random randomseed sin sqrt tan tointeger type ult");
    inventory(sb, "utf8", "char charpattern codepoint codes len offset");
    returns(sb, "return _VERSION", "Lua 5.4");
    ig_sandbox_free(sb);
}

Test(sandbox, random_is_reproducible, .timeout = 10)
{
    sandbox *a = mk_default();
    sandbox *b = mk_default();
    const char *src = "return math.random(1, 1000000) .. ' ' .. math.random(1, 1000000)";
    sandbox_result res;
    cr_assert_eq(run(a, src, &res), 0);
    cr_assert_eq(run(b, src, &res), 0);
    cr_assert_str_eq(lua_tostring(ig_sandbox_state(a), -1), lua_tostring(ig_sandbox_state(b), -1));
    ig_sandbox_free(a);
    ig_sandbox_free(b);
}
