/*
 * rules/sandbox.h - a Lua 5.4 state that is safe to hand a repository's rule.
 *
 * One sandbox per (worker thread, rule file); never shared across threads.
 * See ../shared/SANDBOX.md for the threat model and SECURITY.md for what the
 * sandbox guarantees.
 *
 * What a rule sees (everything else is absent, not stubbed):
 *   _G _VERSION assert error getmetatable ipairs log next pairs pcall
 *   rawequal rawget rawlen rawset select setmetatable tonumber tostring type
 *   xpcall, and the tables string, table, math, utf8.
 *   string: byte char find format len lower pack packsize rep reverse sub
 *           unpack upper. Lua patterns are disabled (they run in C, outside
 *           the instruction limit): find searches plain text only and must be
 *           called as string.find(s, text, init, true); match, gmatch and gsub
 *           are absent. Rules match with the C glob/ARN helpers instead.
 *   table:  concat insert move pack remove sort unpack. insert, remove,
 *           unpack, move and sort charge the elements they touch to the
 *           instruction budget; sort takes plain tables only (no metatable).
 *   math:   the Lua 5.4 set (random is seeded with a fixed value, so rules
 *           are reproducible).
 *   utf8:   char charpattern codepoint codes len offset.
 *   tonumber, string.byte, utf8.len/offset/codepoint and string arithmetic
 *   ("10" + 1) charge the length of their string arguments, so loops in C
 *   count against the budget too.
 * setmetatable refuses metatables with __gc, __mode or __close and attaches
 * a hidden snapshot of the table it is given, so those fields cannot be
 * added afterwards either (a later change to that table does not alter
 * objects that already carry it; getmetatable still returns the table
 * itself). getmetatable("") is false: the string metatable is protected.
 *
 * Host code: C functions exposed to rules call ig_sandbox_check (and
 * ig_sandbox_charge for work proportional to their input). Host code that
 * allocates in the state outside ig_sandbox_call/sandbox_load must do so under
 * lua_pcall: the memory cap applies to it too, and an unprotected memory
 * error aborts the process.
 */
#ifndef IAMG_RULES_SANDBOX_H
#define IAMG_RULES_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "iamguard/error.h"

typedef struct sandbox sandbox;

/* A zero field means "no limit". */
typedef struct sandbox_limits {
    size_t memory;         /* bytes the state may hold (frees always succeed) */
    uint64_t instructions; /* VM instructions per ig_sandbox_call */
    unsigned timeout_ms;   /* wall-clock per ig_sandbox_call (monotonic clock) */
} sandbox_limits;

/* The same defaults as IAMG_LIMITS_INIT. */
#define SANDBOX_LIMITS_INIT                                                                        \
    {                                                                                              \
        (size_t)64 << 20, 200000000, 5000                                                          \
    }

/* Why a load or call failed. */
typedef enum sandbox_fail {
    SB_OK = 0,
    SB_SYNTAX,       /* the chunk does not compile (or is not text) */
    SB_RUNTIME,      /* error() or a runtime error */
    SB_MEMORY,       /* memory cap reached */
    SB_INSTRUCTIONS, /* instruction budget spent */
    SB_TIMEOUT,      /* wall-clock budget spent */
    SB_SHAPE         /* set by callers for wrong return shapes */
} sandbox_fail;

typedef struct sandbox_result {
    sandbox_fail kind;
    int line; /* line in the loaded rule file of the failure when known, else 0 */
    /* One line, valid UTF-8 without NUL or control bytes, cut with
     * " [truncated]" when too long, never produced by a metamethod. Without
     * the "file:line:" prefix when that names the loaded rule file (the line
     * is in `line`). */
    char message[512];
} sandbox_result;

/* A new restricted state (see the top of this file). `lim` NULL means
 * SANDBOX_LIMITS_INIT. Creating one costs tens of microseconds and tens of
 * kilobytes. NULL when out of memory or when lim->memory is too small to
 * hold the libraries. Free with sandbox_free. */
sandbox *ig_sandbox_new(const sandbox_limits *lim);
/* Closes the state and frees everything; NULL is allowed. */
void ig_sandbox_free(sandbox *sb);
/* Borrowed: lives as long as sb. */
lua_State *ig_sandbox_state(sandbox *sb);

/* Compile `src` (text only, size already checked by the caller) as chunk
 * `name` ("rules/x.lua": shown in messages) and run it with the limits armed
 * (one budget for compiling and running); on success (0) its first return
 * value is left on the stack. On failure -1, details in res (NULL allowed),
 * and the stack is as before. Precompiled chunks fail with SB_SYNTAX. */
int ig_sandbox_load(sandbox *sb, const char *name, const char *src, size_t len,
                    sandbox_result *res);

/* As ig_sandbox_load, without running the chunk: on success its function
 * is left on the stack. Its first upvalue is _ENV (see ig_sandbox_push_env). */
int ig_sandbox_compile(sandbox *sb, const char *name, const char *src, size_t len,
                       sandbox_result *res);
/* As ig_sandbox_compile, for text compiled into iamguard (built-in rule
 * files): compiled once per process and kept as bytecode (chunkcache.h). */
int ig_sandbox_compile_builtin(sandbox *sb, const char *name, const char *src, size_t len,
                               sandbox_result *res);

/* Make every table among the globals read-only for rules: each becomes a
 * proxy (reads pass through, pairs() works; assignments, rawset and
 * setmetatable fail), and the globals become the base that
 * ig_sandbox_push_env copies. Call once, after the host installed its own
 * globals. 0, or -1 when out of memory. */
int ig_sandbox_freeze(sandbox *sb);

/* Push a read-only proxy of the value at idx when it is a table (tables in
 * it are frozen too; `name` names it in messages), else the value itself.
 * Allocates: call from a protected call. */
void ig_sandbox_push_frozen(lua_State *L, int idx, const char *name);

/* Push a new environment for rule code: a table holding the base globals,
 * with _G naming itself. Code run in it sees nothing that code run in an
 * earlier environment did. Allocates in the state: call from a protected
 * call. */
void ig_sandbox_push_env(lua_State *L);

/* Reset math.random to its fixed seed (at the start of each instance, so
 * that its sequence does not depend on earlier documents). */
void ig_sandbox_reseed(lua_State *L);

/* lua_pcall with the limits armed afresh and a message handler that never
 * calls metamethods. Stack as for lua_pcall(L, nargs, nresults). 0 or -1
 * (details in res, NULL allowed; the stack then holds nothing of the call).
 * A call made from a C function while another is running shares the outer
 * call's budget. Fails at once with the earlier kind on a broken sandbox. */
int ig_sandbox_call(sandbox *sb, int nargs, int nresults, sandbox_result *res);

/* Set once a limit tripped (memory, instructions, time): the state must not
 * be used again; rebuild it. Runtime and syntax errors do not break it. */
int ig_sandbox_broken(const sandbox *sb);

/* For C functions exposed to rules: raise a Lua error if the current call's
 * budget is spent (or its deadline passed), so a rule cannot escape a limit
 * through C code. Call it before acquiring anything: it does not return when
 * it raises. */
void ig_sandbox_check(lua_State *L);

/* For C functions exposed to rules: add `units` (about one per element
 * visited, or per 16 bytes scanned) to the current call's instruction count,
 * then sandbox_check. */
void ig_sandbox_charge(lua_State *L, uint64_t units);

/* Bytes currently held by the state. */
size_t ig_sandbox_memory(const sandbox *sb);

/* log(...) keeps the last SANDBOX_LOG_KEEP lines, each cut to
 * SANDBOX_LOG_LINE - 1 bytes and sanitized like messages. */
#define SANDBOX_LOG_KEEP 32
#define SANDBOX_LOG_LINE 256
/* Number of log() calls since the sandbox was created. */
size_t ig_sandbox_log_count(const sandbox *sb);
/* The i-th most recent kept line (0 = newest), borrowed until the next
 * log() call or ig_sandbox_free; NULL when i is out of range. */
const char *ig_sandbox_log_line(const sandbox *sb, size_t i);

#endif
