/*
 * rules/sandbox.h - a Lua 5.4 state that is safe to hand a repository's rule.
 *
 * One sandbox per (worker thread, rule file); never shared across threads.
 * See ../shared/SANDBOX.md for the threat model and SECURITY.md for what the
 * sandbox guarantees.
 */
#ifndef IAMG_RULES_SANDBOX_H
#define IAMG_RULES_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "iamguard/error.h"

typedef struct sandbox sandbox;

typedef struct sandbox_limits {
    size_t memory;         /* bytes the state may hold (frees always succeed) */
    uint64_t instructions; /* VM instructions per sandbox_call */
    unsigned timeout_ms;   /* wall-clock per sandbox_call (monotonic clock) */
} sandbox_limits;

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
    int line;          /* rule line of the failure when known, else 0 */
    char message[512]; /* one line, valid UTF-8, never produced by a metamethod */
} sandbox_result;

/* A new restricted state: base (without load/loadfile/dofile/require/
 * collectgarbage/print; setmetatable refuses __gc/__mode/__close; getmetatable
 * honours __metatable), table, string (pattern functions removed or bounded,
 * no string.dump), math, utf8; no io/os/package/debug/coroutine. The string
 * metatable is protected. NULL when out of memory. */
sandbox *sandbox_new(const sandbox_limits *lim);
void sandbox_free(sandbox *sb);
lua_State *sandbox_state(sandbox *sb);

/* Compile `src` (text only, size already checked by the caller) as chunk
 * `name` ("rules/x.lua": shown in messages) and run it with the limits armed;
 * on success its first return value is left on the stack. */
int sandbox_load(sandbox *sb, const char *name, const char *src, size_t len, sandbox_result *res);

/* lua_pcall with the limits armed afresh and a message handler that never
 * calls metamethods. Stack as for lua_pcall(L, nargs, nresults). 0 or -1
 * (details in res; the stack then holds nothing of the call). */
int sandbox_call(sandbox *sb, int nargs, int nresults, sandbox_result *res);

/* Set once a limit tripped (memory, instructions, time): the state must not
 * be used again; rebuild it. */
int sandbox_broken(const sandbox *sb);

/* For C functions exposed to rules: raise a Lua error if the current call's
 * budget is spent, so a rule cannot escape a limit through C code. */
void sandbox_check(lua_State *L);

/* Bytes currently held by the state. */
size_t sandbox_memory(const sandbox *sb);

#endif
