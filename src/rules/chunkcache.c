/*
 * rules/chunkcache.c - built-in Lua code compiled once per process
 * (chunkcache.h).
 */
#include "rules/chunkcache.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "util/alloc.h"
#include "util/hash.h"
#include "util/buf.h"

/* The built-in Lua code is a few hundred KB; past this the rest is
 * compiled as text every time rather than kept. */
#define CHUNKCACHE_MAX_BYTES ((size_t)16 << 20)

typedef struct centry {
    struct centry *next;
    uint64_t hash;
    char *name; /* chunk name */
    char *text;
    size_t len;
    char *code; /* bytecode */
    size_t ncode;
} centry;

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static centry *cache;
static size_t cache_bytes;

static uint64_t fnv(const char *name, const char *s, size_t n)
{
    return ig_fnv64(ig_fnv64_str(IG_FNV64_INIT, name), s, n);
}

/* The entry for (name, text), or NULL; entries never change once listed. */
static const centry *find(uint64_t h, const char *name, const char *src, size_t len)
{
    pthread_mutex_lock(&cache_mu);
    const centry *e = cache;
    while (e && !(e->hash == h && e->len == len && strcmp(e->name, name) == 0 &&
                  memcmp(e->text, src, len) == 0))
        e = e->next;
    pthread_mutex_unlock(&cache_mu);
    return e;
}

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    buf *b = ud;
    ig_buf_append(b, p, sz);
    return b->oom;
}

/* Keep the bytecode of the function on top of the stack for (name, text). */
static void keep(lua_State *L, uint64_t h, const char *name, const char *src, size_t len)
{
    buf code = BUF_INIT;
    if (lua_dump(L, writer, &code, 0) != 0 || code.oom) {
        ig_buf_free(&code);
        return;
    }
    centry *e = ig_calloc(1, sizeof *e);
    if (e) {
        e->name = ig_strdup(name);
        e->text = ig_malloc(len ? len : 1);
    }
    if (!e || !e->name || !e->text) {
        if (e) {
            ig_free(e->name);
            ig_free(e->text);
        }
        ig_free(e);
        ig_buf_free(&code);
        return;
    }
    memcpy(e->text, src, len);
    e->hash = h;
    e->len = len;
    e->ncode = code.len;
    e->code = ig_buf_detach(&code);
    pthread_mutex_lock(&cache_mu);
    /* Another thread may have kept the same chunk meanwhile: one is enough. */
    const centry *other = cache;
    while (other && !(other->hash == h && other->len == len && strcmp(other->name, name) == 0 &&
                      memcmp(other->text, src, len) == 0))
        other = other->next;
    size_t bytes = len + e->ncode;
    int kept = !other && cache_bytes + bytes <= CHUNKCACHE_MAX_BYTES;
    if (kept) {
        e->next = cache;
        cache = e;
        cache_bytes += bytes;
    }
    pthread_mutex_unlock(&cache_mu);
    if (!kept) {
        ig_free(e->name);
        ig_free(e->text);
        ig_free(e->code);
        ig_free(e);
    }
}

int ig_chunkcache_load(lua_State *L, const char *src, size_t len, const char *chunkname)
{
    uint64_t h = fnv(chunkname, src, len);
    const centry *e = find(h, chunkname, src, len);
    /* Bytecode this process made from this very text: see chunkcache.h. */
    if (e) return luaL_loadbufferx(L, e->code, e->ncode, chunkname, "b");
    int st = luaL_loadbufferx(L, src, len, chunkname, "t");
    if (st == LUA_OK) keep(L, h, chunkname, src, len);
    return st;
}

#if defined(__GNUC__)
/* The cache lives as long as the library (as the IAM catalogue does). */
__attribute__((destructor)) static void chunkcache_unload(void)
{
    pthread_mutex_lock(&cache_mu);
    centry *e = cache;
    cache = NULL;
    cache_bytes = 0;
    pthread_mutex_unlock(&cache_mu);
    while (e) {
        centry *next = e->next;
        ig_free(e->name);
        ig_free(e->text);
        ig_free(e->code);
        ig_free(e);
        e = next;
    }
}
#endif
