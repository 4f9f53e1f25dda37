/*
 * rules/sandbox_msg.c - text that leaves the sandbox: failure messages, the
 * rule line they point at, and log() lines. Nothing here calls a metamethod
 * or allocates, so it works on hostile values and after a memory trip.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules/sandbox_int.h"
#include "util/utf8.h"

/* The line of the innermost frame of the loaded chunk, from level `level`
 * outwards; 0 when none. Allocation-free (getinfo "Sl" only fills ar). */
int ig_sb_chunk_line(lua_State *L, const sandbox *sb, int level)
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

/* What the sandbox removed, and what to use instead; `lib` is the table
 * the name came from ("" for globals). */
static const struct {
    const char *lib, *name, *advice;
} removed[] = {
    {"string", "match", "use iam.* or plain string functions"},
    {"string", "gmatch", "use iam.* or plain string functions"},
    {"string", "gsub", "use iam.* or plain string functions"},
    {"string", "dump", "rules cannot load code"},
    {"", "print", "use log(...), shown by scan -v and test-rules"},
    {"", "load", "rules cannot load code"},
    {"", "loadfile", "rules cannot load code"},
    {"", "dofile", "rules cannot load code"},
    {"", "loadstring", "rules cannot load code"},
    {"", "collectgarbage", "memory is managed for rules"},
    {"", "unpack", "use table.unpack"},
    {"", "io", "rules cannot read or write files"},
    {"", "os", "rules cannot reach the system"},
    {"", "debug", "it would let a rule escape its limits"},
    {"", "package", "use require(\"name\") for modules"},
    {"", "coroutine", "rules run straight through"},
};

/* For Lua's "attempt to call a nil value (field 'match')" and the like
 * about a name the sandbox removed: say so, and what to use. */
static void advise(textbuf *t, const char *s, size_t n)
{
    static const char *const forms[] = {
        "attempt to call a nil value (field '", "attempt to call a nil value (method '",
        "attempt to call a nil value (global '", "attempt to index a nil value (global '"};
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++) {
        size_t fl = strlen(forms[f]);
        if (n <= fl + 2 || memcmp(s, forms[f], fl) != 0 || memcmp(s + n - 2, "')", 2) != 0)
            continue;
        const char *name = s + fl;
        size_t nl = n - fl - 2;
        int global = f >= 2;
        for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) {
            if (strlen(removed[i].name) != nl || memcmp(removed[i].name, name, nl) != 0 ||
                global != (removed[i].lib[0] == '\0'))
                continue;
            tb_str(t, removed[i].lib);
            if (!global) tb_str(t, ".");
            tb_str(t, removed[i].name);
            tb_str(t, " is not available in rules: ");
            tb_str(t, removed[i].advice);
            tb_str(t, " (");
            tb_put(t, s, n);
            tb_str(t, ")");
            return;
        }
    }
    tb_put(t, s, n);
}

/* The message of the error value at idx, for a failed load or call. */
void ig_sb_describe_error(sandbox *sb, lua_State *L, int idx, sandbox_result *res)
{
    textbuf t;
    tb_init(&t, res->message, sizeof res->message);
    res->line = 0;
    int type = lua_type(L, idx);
    if (type == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        res->line = strip_position(sb, &s, &n);
        advise(&t, s, n);
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

void ig_sb_set_result(sandbox_result *res, sandbox_fail kind, int line, const char *fmt, ...)
{
    va_list ap;
    res->kind = kind;
    res->line = line;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
}

void ig_sb_limit_message(const sandbox *sb, sandbox_fail kind, sandbox_result *res)
{
    int line = res->line;
    switch (kind) {
    case SB_MEMORY:
        if (sb->lim.memory == SIZE_MAX)
            ig_sb_set_result(res, kind, line, "out of memory");
        else
            ig_sb_set_result(
                res, kind, line,
                "memory limit of %zu bytes exceeded; the rule must hold less data (or raise "
                "the Lua memory limit)",
                sb->lim.memory);
        break;
    case SB_INSTRUCTIONS:
        ig_sb_set_result(
            res, kind, line,
            "instruction limit of %llu exceeded; the rule must do less work per call (or "
            "raise the Lua instruction limit)",
            (unsigned long long)sb->lim.instructions);
        break;
    case SB_TIMEOUT:
        ig_sb_set_result(
            res, kind, line,
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
int ig_sb_msgh(lua_State *L)
{
    sandbox *sb = ig_sb_of(L);
    ig_sb_describe_error(sb, L, 1, &sb->err);
    if (sb->err.line == 0) sb->err.line = ig_sb_chunk_line(L, sb, 1);
    sb->err_set = 1;
    lua_settop(L, 1);
    return 1;
}

void ig_sb_broken_result(const sandbox *sb, sandbox_result *res)
{
    ig_sb_set_result(res, sb->tripped, 0,
                     "the rule's sandbox hit its %s earlier and cannot run again",
                     fail_name(sb->tripped));
}

/* log(...): print's replacement. Values are described without metamethods
 * and the line goes to a small ring, never to a stream. */
int ig_sb_log(lua_State *L)
{
    sandbox *sb = ig_sb_of(L);
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
