/*
 * rules/sandbox_int.h - what the sandbox's files share: the state record and
 * the functions each mechanism offers the others. Not for use outside
 * src/rules/sandbox*.c; everyone else goes through sandbox.h.
 */
#ifndef IAMG_RULES_SANDBOX_INT_H
#define IAMG_RULES_SANDBOX_INT_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "rules/sandbox.h"

/* Instructions between two runs of the count hook. */
#define HOOK_EVERY 1000
/* C functions that allocate a lot without running VM instructions
 * (string.rep, table.concat...) are caught by a clock check in the allocator
 * after this many allocations or bytes. */
#define CLOCK_EVERY_ALLOCS 256u
#define CLOCK_EVERY_BYTES ((size_t)1 << 20)
/* Bytes of string scanned per instruction-budget unit. */
#define SCAN_BYTES_PER_UNIT 16
/* math.random's fixed seed: rules are reproducible. */
#define SANDBOX_RANDOM_SEED 0x1a3
/* Stack levels the message handler looks through for the rule's line. */
#define LINE_SEARCH_LEVELS 32

struct sandbox {
    lua_State *L;
    sandbox_limits lim;
    size_t used; /* bytes held by the state, exactly as Lua reports them */

    /* Lua answers a refused allocation with an emergency collection and one
     * identical retry; only when that fails too (or no retry comes) is the
     * cap really hit. The refused request is remembered until we know. */
    int refusal_pending;
    const void *refused_ptr;
    size_t refused_osize, refused_nsize;

    int depth;            /* ig_sandbox_call/sandbox_load nesting */
    sandbox_fail tripped; /* first limit hit; sticky */
    int trip_line;        /* rule line where the trip was first raised */
    uint64_t spent;       /* instructions and charged units this call */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0 when there is no timeout */
    unsigned clock_allocs;
    size_t clock_bytes;

    int trip_ref;        /* registry: the error value raised after a trip */
    int seed_ref;        /* registry: math.randomseed, to reseed each environment */
    int cache_mt_ref;    /* registry: last table given to setmetatable */
    int cache_copy_ref;  /* registry: the snapshot made of it */
    size_t cache_fields; /* fields of that table when snapshotted */

    char chunk_src[LUA_IDSIZE]; /* short_src of the loaded chunk, as Lua prints it */

    int err_set; /* the message handler filled err */
    sandbox_result err;

    size_t log_count;
    unsigned check_calls; /* ig_sandbox_check calls, to read the clock on every 64th */
    char log[SANDBOX_LOG_KEEP][SANDBOX_LOG_LINE];
};

/* The sandbox is found from a lua_State through the allocator's userdata. */
static inline sandbox *ig_sb_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---- memory (sandbox_mem.c) ---- */

/* The lua_Alloc of every sandbox; ud is the sandbox. */
void *ig_sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* ---- CPU (sandbox_cpu.c) ---- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t ig_sb_now_ns(void);
/* Record the first limit hit (sticky) and make the hook run on every
 * instruction while a call is armed. Safe from inside the allocator. */
void ig_sb_trip(sandbox *sb, sandbox_fail kind);
/* Trip SB_TIMEOUT when an armed call's deadline has passed. */
void ig_sb_check_deadline(sandbox *sb);
/* The count hook installed while a call is armed. */
void ig_sb_hook(lua_State *L, lua_Debug *ar);

/* ---- messages (sandbox_msg.c) ---- */

/* The line of the innermost frame of the loaded chunk, from stack level
 * `level` outwards; 0 when none. Allocation-free. */
int ig_sb_chunk_line(lua_State *L, const sandbox *sb, int level);
/* Fill res->message (and res->line) from the error value at idx. */
void ig_sb_describe_error(sandbox *sb, lua_State *L, int idx, sandbox_result *res);
void ig_sb_set_result(sandbox_result *res, sandbox_fail kind, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The message for limit `kind`, keeping res->line. */
void ig_sb_limit_message(const sandbox *sb, sandbox_fail kind, sandbox_result *res);
/* The result of using a sandbox after a trip. */
void ig_sb_broken_result(const sandbox *sb, sandbox_result *res);
/* The message handler of every protected call. */
int ig_sb_msgh(lua_State *L);

/* ---- library replacements (sandbox_lib.c, sandbox_meta.c, sandbox_msg.c) ---- */

int ig_sb_log(lua_State *L);
int ig_sb_setmetatable(lua_State *L);
int ig_sb_str_find(lua_State *L);
int ig_sb_tinsert(lua_State *L);
int ig_sb_tremove(lua_State *L);
int ig_sb_tunpack(lua_State *L);
int ig_sb_tmove(lua_State *L);
int ig_sb_tsort(lua_State *L);
/* Wrappers of the original function in upvalue 1 that charge the length of
 * their string arguments first. */
int ig_sb_scan_charged(lua_State *L);
int ig_sb_arith_charged(lua_State *L);

#endif
