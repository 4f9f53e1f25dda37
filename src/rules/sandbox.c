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
 */
#include "rules/sandbox.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#include "util/alloc.h"
#include "util/utf8.h"

/* Instructions between two runs of the count hook. */
#define HOOK_EVERY 1000
/* C functions that allocate a lot without running VM instructions
 * (string.rep, table.concat...) are caught by a clock check in the allocator
 * after this many allocations or bytes. */
#define CLOCK_EVERY_ALLOCS 256u
#define CLOCK_EVERY_BYTES ((size_t)1 << 20)
/* Bytes of string scanned per instruction-budget unit. */
#define SCAN_BYTES_PER_UNIT 16
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

/* Light-userdata key marking our snapshot metatables (see sb_setmetatable). */
static const char snapshot_key = 0;

static sandbox *sandbox_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void hook(lua_State *L, lua_Debug *ar);

/* Record the first limit hit and make the hook fire on every instruction,
 * so the rule cannot run on after catching the error. lua_sethook only
 * stores fields, which is why it is safe even from inside the allocator. */
static void trip(sandbox *sb, sandbox_fail kind)
{
    if (sb->tripped == SB_OK) sb->tripped = kind;
    if (sb->L && sb->depth > 0) lua_sethook(sb->L, hook, LUA_MASKCOUNT, 1);
}

static void check_deadline(sandbox *sb)
{
    if (sb->deadline_ns && sb->depth > 0 && sb->tripped == SB_OK && now_ns() >= sb->deadline_ns)
        trip(sb, SB_TIMEOUT);
}

static void spend(sandbox *sb, uint64_t units)
{
    if (sb->depth == 0 || sb->tripped != SB_OK) return;
    sb->spent = units > UINT64_MAX - sb->spent ? UINT64_MAX : sb->spent + units;
    if (sb->lim.instructions && sb->spent > sb->lim.instructions) trip(sb, SB_INSTRUCTIONS);
}

/* The line of the innermost frame of the loaded chunk, from level `level`
 * outwards; 0 when none. Allocation-free (getinfo "Sl" only fills ar). */
static int chunk_line(lua_State *L, const sandbox *sb, int level)
{
    for (int end = level + LINE_SEARCH_LEVELS; level < end; level++) {
        lua_Debug ar;
        if (!lua_getstack(L, level, &ar)) break;
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        if (sb->chunk_src[0] && strcmp(ar.short_src, sb->chunk_src) != 0) continue;
        return ar.currentline;
    }
    return 0;
}

/* Raise the trip error without allocating: after a memory trip nothing can
 * be allocated, so the value was made when the sandbox was created. The
 * first raise records where the rule was, since the error may be caught
 * and raised again further on. */
static int raise_trip(lua_State *L, sandbox *sb, int level)
{
    if (sb->trip_line == 0) sb->trip_line = chunk_line(L, sb, level);
    if (!lua_checkstack(L, 1)) lua_settop(L, lua_gettop(L) > 0 ? -2 : 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->trip_ref);
    return lua_error(L);
}

/* ---- memory ---- */

static void note_refusal(sandbox *sb, const void *ptr, size_t osize, size_t nsize)
{
    if (sb->refusal_pending && ptr == sb->refused_ptr && osize == sb->refused_osize &&
        nsize == sb->refused_nsize) {
        /* the retry after the emergency collection failed as well */
        trip(sb, SB_MEMORY);
        sb->refusal_pending = 0;
        return;
    }
    sb->refusal_pending = 1;
    sb->refused_ptr = ptr;
    sb->refused_osize = osize;
    sb->refused_nsize = nsize;
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    sandbox *sb = ud;
    size_t old = ptr ? osize : 0; /* without a block, osize is a type tag */
    if (nsize == 0) {
        ig_free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (nsize <= old) {
        /* Lua assumes shrinking never fails; the old block is big enough. */
        void *p = ig_realloc(ptr, nsize);
        sb->used -= old - nsize;
        return p ? p : ptr;
    }
    if (sb->refusal_pending &&
        !(ptr == sb->refused_ptr && osize == sb->refused_osize && nsize == sb->refused_nsize)) {
        /* a different request came first: the refusal was not retried */
        sb->refusal_pending = 0;
        trip(sb, SB_MEMORY);
    }
    if (sb->depth > 0 && sb->deadline_ns) {
        sb->clock_bytes += nsize - old;
        if (++sb->clock_allocs >= CLOCK_EVERY_ALLOCS || sb->clock_bytes >= CLOCK_EVERY_BYTES) {
            sb->clock_allocs = 0;
            sb->clock_bytes = 0;
            check_deadline(sb);
        }
    }
    /* After a CPU trip nothing may grow, so C code that is busy allocating
     * (table.concat, string.rep) unwinds at its next allocation. After a
     * memory trip the cap alone applies, which leaves the message handler
     * room to run. */
    int cpu_tripped = sb->tripped == SB_INSTRUCTIONS || sb->tripped == SB_TIMEOUT;
    if ((cpu_tripped && sb->depth > 0) || nsize - old > sb->lim.memory - sb->used) {
        note_refusal(sb, ptr, osize, nsize);
        return NULL;
    }
    void *p = ig_realloc(ptr, nsize);
    if (!p) {
        note_refusal(sb, ptr, osize, nsize);
        return NULL;
    }
    sb->refusal_pending = 0;
    sb->used += nsize - old;
    return p;
}

/* ---- CPU ---- */

static void hook(lua_State *L, lua_Debug *ar)
{
    sandbox *sb = sandbox_of(L);
    (void)ar;
    if (sb->tripped == SB_OK && sb->depth > 0) {
        if (sb->refusal_pending) {
            /* a VM instruction ran since the refusal: it was final */
            sb->refusal_pending = 0;
            trip(sb, SB_MEMORY);
        } else {
            spend(sb, HOOK_EVERY);
            check_deadline(sb);
        }
    }
    /* a hook runs without a frame of its own: level 0 is the rule */
    if (sb->tripped != SB_OK && sb->depth > 0) raise_trip(L, sb, 0);
}

void ig_sandbox_check(lua_State *L)
{
    sandbox *sb = sandbox_of(L);
    /* Rules call host functions in tight loops; reading the clock on every
     * call cost more than the functions themselves. Every 64th is enough:
     * each call is bounded work, and the hook checks the clock too. */
    if ((++sb->check_calls & 63) == 0) check_deadline(sb);
    if (sb->tripped != SB_OK && sb->depth > 0) raise_trip(L, sb, 1);
}

void ig_sandbox_charge(lua_State *L, uint64_t units)
{
    ig_sandbox_check(L);
    spend(sandbox_of(L), units);
    ig_sandbox_check(L);
}

/* ---- messages ---- */

/* Appends text to a fixed buffer as valid UTF-8 on one line: invalid bytes
 * and NULs become U+FFFD, control bytes (and U+2028/2029) a space. A cut is
 * made at a character boundary and marked. No allocation: this runs in the
 * message handler, possibly after a memory trip. */
typedef struct textbuf {
    char *buf;
    size_t cap; /* including the NUL */
    size_t len;
    int cut;
} textbuf;

static const char cut_mark[] = " [truncated]";

static void tb_init(textbuf *t, char *buf, size_t cap)
{
    assert(cap > sizeof cut_mark);
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    t->cut = 0;
    buf[0] = '\0';
}

static int tb_room(textbuf *t, size_t n)
{
    if (t->cut) return 0;
    if (t->len + n + sizeof cut_mark > t->cap) {
        t->cut = 1;
        return 0;
    }
    return 1;
}

static void tb_put(textbuf *t, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n && !t->cut) {
        size_t w = ig_utf8_seq_len(p + i, n - i);
        const char *out = (const char *)p + i;
        size_t outw = w;
        if (w == 0 || p[i] == 0) {
            out = "\xEF\xBF\xBD";
            outw = 3;
            w = 1;
        } else if (w == 1 && (p[i] < 0x20 || p[i] == 0x7F)) {
            out = " ";
            outw = 1;
        } else if (w == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
                   (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            out = " ";
            outw = 1;
        }
        if (!tb_room(t, outw)) break;
        memcpy(t->buf + t->len, out, outw);
        t->len += outw;
        i += w;
    }
    t->buf[t->len] = '\0';
}

static void tb_str(textbuf *t, const char *s)
{
    tb_put(t, s, strlen(s));
}

static void tb_finish(textbuf *t)
{
    if (t->cut) {
        memcpy(t->buf + t->len, cut_mark, sizeof cut_mark);
        t->len += sizeof cut_mark - 1;
    }
}

/* Describe the value at idx without calling a metamethod or allocating. */
static void tb_value(textbuf *t, lua_State *L, int idx)
{
    char num[64];
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n); /* a string already: no conversion */
        tb_put(t, s, n);
        break;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
        else
            snprintf(num, sizeof num, "%.14g", (double)lua_tonumber(L, idx));
        tb_str(t, num);
        break;
    case LUA_TBOOLEAN:
        tb_str(t, lua_toboolean(L, idx) ? "true" : "false");
        break;
    case LUA_TNIL:
        tb_str(t, "nil");
        break;
    default:
        tb_str(t, lua_typename(L, lua_type(L, idx)));
        break;
    }
}

/* If msg starts with "<our chunk>:<line>: ", return the line and skip it. */
static int strip_position(const sandbox *sb, const char **msg, size_t *len)
{
    size_t n = strlen(sb->chunk_src);
    const char *s = *msg;
    if (n == 0 || *len <= n + 1 || memcmp(s, sb->chunk_src, n) != 0 || s[n] != ':') return 0;
    size_t i = n + 1;
    long line = 0;
    while (i < *len && s[i] >= '0' && s[i] <= '9' && line < 100000000)
        line = line * 10 + (s[i++] - '0');
    if (i == n + 1 || i >= *len || s[i] != ':') return 0;
    i++;
    if (i < *len && s[i] == ' ') i++;
    *msg = s + i;
    *len -= i;
    return (int)line;
}

/* The message of the error value at idx, for a failed load or call. */
static void describe_error(sandbox *sb, lua_State *L, int idx, sandbox_result *res)
{
    textbuf t;
    tb_init(&t, res->message, sizeof res->message);
    res->line = 0;
    int type = lua_type(L, idx);
    if (type == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        res->line = strip_position(sb, &s, &n);
        tb_put(&t, s, n);
    } else if (type == LUA_TNUMBER) {
        tb_value(&t, L, idx);
    } else if (type == LUA_TNIL) {
        tb_str(&t, "error object is nil");
    } else {
        /* Never tostring(): a __tostring or __name could loop or lie. */
        tb_str(&t, "error object is a ");
        tb_str(&t, lua_typename(L, type));
        tb_str(&t, " value");
    }
    tb_finish(&t);
}

static void set_result(sandbox_result *res, sandbox_fail kind, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_result(sandbox_result *res, sandbox_fail kind, int line, const char *fmt, ...)
{
    va_list ap;
    res->kind = kind;
    res->line = line;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
}

static void limit_message(const sandbox *sb, sandbox_fail kind, sandbox_result *res)
{
    int line = res->line;
    switch (kind) {
    case SB_MEMORY:
        if (sb->lim.memory == SIZE_MAX)
            set_result(res, kind, line, "out of memory");
        else
            set_result(res, kind, line,
                       "memory limit of %zu bytes exceeded; the rule must hold less data (or raise "
                       "the Lua memory limit)",
                       sb->lim.memory);
        break;
    case SB_INSTRUCTIONS:
        set_result(res, kind, line,
                   "instruction limit of %llu exceeded; the rule must do less work per call (or "
                   "raise the Lua instruction limit)",
                   (unsigned long long)sb->lim.instructions);
        break;
    case SB_TIMEOUT:
        set_result(res, kind, line,
                   "time limit of %u ms exceeded; the rule must do less work per call (or raise "
                   "the Lua timeout)",
                   sb->lim.timeout_ms);
        break;
    default:
        assert(0);
        break;
    }
}

static const char *fail_name(sandbox_fail kind)
{
    switch (kind) {
    case SB_MEMORY:
        return "memory limit";
    case SB_INSTRUCTIONS:
        return "instruction limit";
    case SB_TIMEOUT:
        return "time limit";
    default:
        return "limit";
    }
}

/* Message handler: record what failed and where, in C, and hand the error
 * value back untouched. It calls no metamethod and allocates nothing, so a
 * hostile error object or a spent memory budget cannot hurt it. */
static int msgh(lua_State *L)
{
    sandbox *sb = sandbox_of(L);
    describe_error(sb, L, 1, &sb->err);
    if (sb->err.line == 0) sb->err.line = chunk_line(L, sb, 1);
    sb->err_set = 1;
    lua_settop(L, 1);
    return 1;
}

/* ---- calls ---- */

static void arm(sandbox *sb)
{
    if (sb->depth++ > 0) return;
    sb->spent = 0;
    sb->clock_allocs = 0;
    sb->clock_bytes = 0;
    sb->deadline_ns = sb->lim.timeout_ms ? now_ns() + (uint64_t)sb->lim.timeout_ms * 1000000u : 0;
    lua_sethook(sb->L, hook, LUA_MASKCOUNT, HOOK_EVERY);
}

static void disarm(sandbox *sb)
{
    assert(sb->depth > 0);
    if (--sb->depth > 0) return;
    /* Host code running outside a call must never meet the trip error:
     * unprotected, it would abort the process. */
    lua_sethook(sb->L, NULL, 0, 0);
}

static void broken_result(const sandbox *sb, sandbox_result *res)
{
    set_result(res, sb->tripped, 0, "the rule's sandbox hit its %s earlier and cannot run again",
               fail_name(sb->tripped));
}

/* ig_sandbox_call with the limits already armed. */
static int run(sandbox *sb, int nargs, int nresults, sandbox_result *res)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L) - nargs; /* the function */
    assert(base >= 1);
    if (sb->refusal_pending) {
        sb->refusal_pending = 0;
        trip(sb, SB_MEMORY);
    }
    if (sb->tripped != SB_OK) {
        lua_settop(L, base - 1);
        broken_result(sb, res);
        return -1;
    }
    if (!lua_checkstack(L, 1)) {
        lua_settop(L, base - 1);
        trip(sb, SB_MEMORY);
        limit_message(sb, SB_MEMORY, res);
        return -1;
    }
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    sb->err_set = 0;
    int st = lua_pcall(L, nargs, nresults, base);
    if (sb->refusal_pending) {
        sb->refusal_pending = 0;
        trip(sb, SB_MEMORY);
    }
    if (st == LUA_OK && sb->tripped == SB_OK) {
        lua_remove(L, base);
        return 0;
    }
    if (st == LUA_ERRMEM) trip(sb, SB_MEMORY);
    if (sb->err_set) {
        *res = sb->err;
    } else {
        res->line = 0;
        if (st != LUA_OK) describe_error(sb, L, -1, res);
    }
    if (sb->tripped != SB_OK) {
        if (sb->trip_line) res->line = sb->trip_line;
        limit_message(sb, sb->tripped, res);
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
        broken_result(sb, res);
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

int ig_sandbox_load(sandbox *sb, const char *name, const char *src, size_t len, sandbox_result *res)
{
    lua_State *L = sb->L;
    assert(name && (src || len == 0));
    sandbox_result scratch;
    char small[256];
    if (!res) res = &scratch;
    memset(res, 0, sizeof *res);
    if (sb->tripped != SB_OK) {
        broken_result(sb, res);
        return -1;
    }
    size_t nlen = strlen(name);
    char *chunkname = nlen + 2 <= sizeof small ? small : ig_malloc(nlen + 2);
    if (!chunkname) {
        set_result(res, SB_MEMORY, 0, "out of memory");
        return -1;
    }
    /* "@": Lua shows the name as a file name, shortened from the left. */
    chunkname[0] = '@';
    memcpy(chunkname + 1, name, nlen + 1);
    chunk_id(sb->chunk_src, name);
    int top = lua_gettop(L);
    int rc = -1;
    if (!lua_checkstack(L, 2)) {
        trip(sb, SB_MEMORY);
        limit_message(sb, SB_MEMORY, res);
        goto done;
    }
    arm(sb);
    int st = luaL_loadbufferx(L, src, len, chunkname, "t");
    if (st == LUA_OK) {
        rc = run(sb, 0, 1, res);
    } else {
        if (sb->refusal_pending || st == LUA_ERRMEM) {
            sb->refusal_pending = 0;
            trip(sb, SB_MEMORY);
        }
        describe_error(sb, L, -1, res);
        if (sb->tripped != SB_OK)
            limit_message(sb, sb->tripped, res);
        else
            res->kind = SB_SYNTAX;
        lua_settop(L, top);
    }
    disarm(sb);
done:
    if (chunkname != small) ig_free(chunkname);
    return rc;
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

size_t ig_sandbox_log_count(const sandbox *sb)
{
    return sb->log_count;
}

const char *ig_sandbox_log_line(const sandbox *sb, size_t i)
{
    size_t kept = sb->log_count < SANDBOX_LOG_KEEP ? sb->log_count : SANDBOX_LOG_KEEP;
    if (i >= kept) return NULL;
    return sb->log[(sb->log_count - 1 - i) % SANDBOX_LOG_KEEP];
}

/* ---- library replacements ---- */

/* log(...): print's replacement. Values are described without metamethods
 * and the line goes to a small ring, never to a stream. */
static int sb_log(lua_State *L)
{
    sandbox *sb = sandbox_of(L);
    textbuf t;
    int n = lua_gettop(L);
    char *line = sb->log[sb->log_count % SANDBOX_LOG_KEEP];
    tb_init(&t, line, SANDBOX_LOG_LINE);
    for (int i = 1; i <= n && !t.cut; i++) {
        if (i > 1) tb_put(&t, " ", 1);
        tb_value(&t, L, i);
    }
    tb_finish(&t);
    sb->log_count++;
    return 0;
}

static int is_reserved_field(lua_State *L, int idx)
{
    size_t n;
    const char *k;
    if (lua_type(L, idx) != LUA_TSTRING) return 0;
    k = lua_tolstring(L, idx, &n);
    return (n == 4 && memcmp(k, "__gc", 4) == 0) || (n == 6 && memcmp(k, "__mode", 6) == 0) ||
           (n == 7 && memcmp(k, "__close", 7) == 0);
}

/* Does the snapshot at copy still equal table mt (fields counted when it
 * was made)? */
static int snapshot_current(lua_State *L, int mt, int copy, size_t fields)
{
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        lua_pushvalue(L, -2);
        lua_rawget(L, copy);
        int same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (!same) {
            lua_pop(L, 1);
            return 0;
        }
        n++;
    }
    ig_sandbox_charge(L, n);
    return n == fields;
}

/* Push the hidden metatable to attach for table mt: a copy of it, checked
 * for the fields that would give the rule finalizers (which run outside the
 * hook), weak tables or to-be-closed values. The rule never sees the copy,
 * so it cannot add those fields later; __metatable in the copy makes
 * getmetatable return mt itself. The last snapshot is reused while mt is
 * unchanged, so objects of one class share one. */
static void push_snapshot(lua_State *L, int mt)
{
    sandbox *sb = sandbox_of(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->cache_mt_ref);
    int cached = lua_rawequal(L, -1, mt);
    lua_pop(L, 1);
    if (cached) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, sb->cache_copy_ref);
        if (snapshot_current(L, mt, lua_gettop(L), sb->cache_fields)) return;
        lua_pop(L, 1);
    }
    lua_newtable(L);
    int copy = lua_gettop(L);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, mt)) {
        if (is_reserved_field(L, -2))
            luaL_error(L,
                       "setmetatable: a metatable with a '%s' field is not allowed: finalizers, "
                       "weak tables "
                       "and to-be-closed values are disabled for rules",
                       lua_tostring(L, -2));
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, copy);
        n++;
    }
    ig_sandbox_charge(L, n);
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, copy) == LUA_TNIL) {
        /* mt does not protect itself: getmetatable returns mt, and
         * setmetatable may replace the snapshot (see sb_setmetatable) */
        lua_pushliteral(L, "__metatable");
        lua_pushvalue(L, mt);
        lua_rawset(L, copy);
        lua_pushboolean(L, 1);
        lua_rawsetp(L, copy, &snapshot_key);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, mt);
    lua_rawseti(L, LUA_REGISTRYINDEX, sb->cache_mt_ref);
    lua_pushvalue(L, copy);
    lua_rawseti(L, LUA_REGISTRYINDEX, sb->cache_copy_ref);
    sb->cache_fields = n;
}

static int sb_setmetatable(lua_State *L)
{
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    lua_settop(L, 2);
    if (lua_getmetatable(L, 1)) {
        int ours = lua_rawgetp(L, 3, &snapshot_key) != LUA_TNIL;
        lua_pushliteral(L, "__metatable");
        if (!ours && lua_rawget(L, 3) != LUA_TNIL)
            return luaL_error(L, "cannot change a protected metatable");
        lua_settop(L, 2);
    }
    if (t == LUA_TTABLE)
        push_snapshot(L, 2);
    else
        lua_pushnil(L);
    lua_setmetatable(L, 1);
    lua_settop(L, 1);
    return 1;
}

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
static int sb_str_find(lua_State *L)
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

static int sb_tinsert(lua_State *L)
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

static int sb_tremove(lua_State *L)
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

static int sb_tunpack(lua_State *L)
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
static int sb_scan_charged(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        ig_sandbox_charge(L, lua_rawlen(L, 1) / SCAN_BYTES_PER_UNIT + 1);
    return call_original(L);
}

/* The string metatable's arithmetic metamethods convert their operands
 * ("10" + 1): charged like tonumber, for both operands. */
static int sb_arith_charged(lua_State *L)
{
    uint64_t units = 1;
    for (int i = 1; i <= 2; i++)
        if (lua_type(L, i) == LUA_TSTRING) units += lua_rawlen(L, i) / SCAN_BYTES_PER_UNIT;
    ig_sandbox_charge(L, units);
    return call_original(L);
}

/* table.move loops over e - f + 1 elements in C even when they are all nil:
 * table.move({}, 1, math.maxinteger - 1, 2) would never return. */
static int sb_tmove(lua_State *L)
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
static int sb_tsort(lua_State *L)
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

/* ---- creation ---- */

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
    sandbox *sb = sandbox_of(L);
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
    replace(L, "setmetatable", sb_setmetatable, 0);
    replace(L, "tonumber", sb_scan_charged, 1);
    replace(L, "log", sb_log, 0);
    keep_only(L, base_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_STRLIBNAME);
    replace(L, "find", sb_str_find, 0);
    replace(L, "byte", sb_scan_charged, 1);
    keep_only(L, string_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_TABLIBNAME);
    replace(L, "insert", sb_tinsert, 0);
    replace(L, "remove", sb_tremove, 0);
    replace(L, "unpack", sb_tunpack, 0);
    replace(L, "move", sb_tmove, 1);
    replace(L, "sort", sb_tsort, 1);
    keep_only(L, table_names);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_MATHLIBNAME);
    keep_only(L, math_names);
    /* luaopen_math seeds from the time and the state's address: a fixed
     * seed keeps rules reproducible and leaks no address. */
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0x1a3);
    lua_pushinteger(L, 0);
    lua_call(L, 2, 0);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_UTF8LIBNAME);
    replace(L, "len", sb_scan_charged, 1);
    replace(L, "offset", sb_scan_charged, 1);
    replace(L, "codepoint", sb_scan_charged, 1);
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
        lua_pushcclosure(L, sb_arith_charged, 1);
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
    lua_State *L = lua_newstate(sb_alloc, sb);
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
