/*
 * rules/sandbox_cpu.c - the instruction budget and the deadline: a count
 * hook, and the checks C functions exposed to rules make.
 */
#include <limits.h>
#include <time.h>

#include "rules/sandbox_int.h"

uint64_t ig_sb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Record the first limit hit and make the hook fire on every instruction,
 * so the rule cannot run on after catching the error. lua_sethook only
 * stores fields, which is why it is safe even from inside the allocator. */
void ig_sb_trip(sandbox *sb, sandbox_fail kind)
{
    if (sb->tripped == SB_OK) sb->tripped = kind;
    if (sb->L && sb->depth > 0) lua_sethook(sb->L, ig_sb_hook, LUA_MASKCOUNT, 1);
}

void ig_sb_check_deadline(sandbox *sb)
{
    if (sb->deadline_ns && sb->depth > 0 && sb->tripped == SB_OK &&
        ig_sb_now_ns() >= sb->deadline_ns)
        ig_sb_trip(sb, SB_TIMEOUT);
}

static void spend(sandbox *sb, uint64_t units)
{
    if (sb->depth == 0 || sb->tripped != SB_OK) return;
    sb->spent = units > UINT64_MAX - sb->spent ? UINT64_MAX : sb->spent + units;
    if (sb->lim.instructions && sb->spent > sb->lim.instructions) ig_sb_trip(sb, SB_INSTRUCTIONS);
}

/* Raise the trip error without allocating: after a memory trip nothing can
 * be allocated, so the value was made when the sandbox was created. The
 * first raise records where the rule was, since the error may be caught
 * and raised again further on. */
static int raise_trip(lua_State *L, sandbox *sb, int level)
{
    if (sb->trip_line == 0) sb->trip_line = ig_sb_chunk_line(L, sb, level);
    if (!lua_checkstack(L, 1)) lua_settop(L, lua_gettop(L) > 0 ? -2 : 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->trip_ref);
    return lua_error(L);
}

void ig_sb_hook(lua_State *L, lua_Debug *ar)
{
    sandbox *sb = ig_sb_of(L);
    (void)ar;
    if (sb->tripped == SB_OK && sb->depth > 0) {
        if (sb->refusal_pending) {
            /* a VM instruction ran since the refusal: it was final */
            sb->refusal_pending = 0;
            ig_sb_trip(sb, SB_MEMORY);
        } else {
            spend(sb, HOOK_EVERY);
            ig_sb_check_deadline(sb);
        }
    }
    /* a hook runs without a frame of its own: level 0 is the rule */
    if (sb->tripped != SB_OK && sb->depth > 0) raise_trip(L, sb, 0);
}

void ig_sandbox_check(lua_State *L)
{
    sandbox *sb = ig_sb_of(L);
    /* Rules call host functions in tight loops; reading the clock on every
     * call cost more than the functions themselves. Every 64th is enough:
     * each call is bounded work, and the hook checks the clock too. */
    if ((++sb->check_calls & 63) == 0) ig_sb_check_deadline(sb);
    if (sb->tripped != SB_OK && sb->depth > 0) raise_trip(L, sb, 1);
}

void ig_sandbox_charge(lua_State *L, uint64_t units)
{
    ig_sandbox_check(L);
    spend(ig_sb_of(L), units);
    ig_sandbox_check(L);
}
