/*
 * rules/modules.c - require() for rules (modules.h).
 */
#include "rules/modules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>

#include "rules/builtin.h"
#include "rules/chunkcache.h"
#include "rules/sandbox.h"

/* Most components in a dotted name. */
#define MODULE_DEPTH_MAX 8

/* Marks a module whose chunk is running, to catch circular requires. */
static const char loading_key = 0;

/* Split a dotted name into its components (pointers into `copy`). The
 * charset leaves no way to write '..', '/' or an absolute path. */
static int split_name(const char *name, size_t len, char *copy, const char **parts, size_t *n)
{
    if (len == 0 || len > MODULE_NAME_MAX) return -1;
    memcpy(copy, name, len + 1);
    *n = 0;
    char *s = copy;
    for (;;) {
        char *start = s;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
               *s == '_' || *s == '-')
            s++;
        if (s == start || *n == MODULE_DEPTH_MAX) return -1;
        parts[(*n)++] = start;
        if (*s == '\0') return 0;
        if (*s != '.') return -1;
        *s++ = '\0';
    }
}

/* Open folder `name` in dfd without following a link; dfd is closed.
 * -1 with errno ELOOP when it is a symbolic link. */
static int open_subdir(int dfd, const char *name)
{
    int next = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    if (next < 0 && (saved == ENOTDIR || saved == ELOOP)) {
        /* Linux says ENOTDIR for a link to a folder under O_DIRECTORY. */
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) saved = ELOOP;
    }
    close(dfd);
    errno = saved;
    return next;
}

/* Open a file below dir one component at a time, following no symbolic
 * link. Returns an fd, or -1 with errno (ELOOP for a link). */
static int open_below(const char *dir, const char *sub, const char *const *parts, size_t n)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -1;
    if (sub && (dfd = open_subdir(dfd, sub)) < 0) return -1;
    for (size_t i = 0; i + 1 < n; i++)
        if ((dfd = open_subdir(dfd, parts[i])) < 0) return -1;
    char file[MODULE_NAME_MAX + 8];
    snprintf(file, sizeof file, "%s.lua", parts[n - 1]);
    /* O_NONBLOCK: a FIFO planted under the name must not hang the scan. */
    int fd = openat(dfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    int saved = errno;
    close(dfd);
    errno = saved;
    return fd;
}

static int alloc_box(lua_State *L)
{
    lua_newuserdatauv(L, (size_t)lua_tointeger(L, 1), 0);
    return 1;
}

/* Read the whole of fd (closed here in every case) into a new userdata
 * pushed on the stack; raises a Lua error (after closing) on failure. */
static const char *read_fd(lua_State *L, int fd, const char *path, size_t max, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        luaL_error(L, "require: %s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        luaL_error(L, "require: %s is %lld bytes, more than the limit of %zu", path,
                   (long long)st.st_size, max);
    }
    size_t size = (size_t)st.st_size;
    /* Allocating may raise (memory limit): do it protected, so that the
     * descriptor is closed before the error goes on. */
    lua_pushcfunction(L, alloc_box);
    lua_pushinteger(L, (lua_Integer)(size ? size : 1));
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        close(fd);
        lua_error(L);
    }
    char *data = lua_touserdata(L, -1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) luaL_error(L, "require: cannot read %s", path);
    *len = size;
    return data;
}

/* Compile the module `name` and push its chunk: built-in (iamguard.*) or
 * found below m->dir. Raises a Lua error when there is none. */
static void compile(lua_State *L, module_ctx *m, const char *name, size_t nlen)
{
    char copy[MODULE_NAME_MAX + 1];
    const char *parts[MODULE_DEPTH_MAX];
    size_t n = 0;
    if (split_name(name, nlen, copy, parts, &n))
        luaL_error(L,
                   "require: '%s' is not a module name: use dotted names of letters, digits, _ "
                   "and - (\"util\", \"checks.tags\"); paths are not allowed",
                   name);
    const char *src = NULL;
    size_t len = 0;
    char chunk[2 * MODULE_NAME_MAX + 4096];
    if (strcmp(parts[0], "iamguard") == 0) {
        for (unsigned i = 0; i < ig_builtin_lib_count; i++) {
            if (strcmp(ig_builtin_libs[i].name, name) == 0) {
                src = ig_builtin_libs[i].source;
                len = ig_builtin_libs[i].len;
                snprintf(chunk, sizeof chunk, "@builtin/lib/%s.lua", name);
            }
        }
        if (!src) luaL_error(L, "require: no built-in module '%s'", name);
    } else if (m->pack) {
        /* A rule of a pack built into iamguard: the modules of its lib/. */
        for (unsigned i = 0; i < m->pack->nlibs; i++) {
            if (strcmp(m->pack->libs[i].name, name) == 0) {
                src = m->pack->libs[i].source;
                len = m->pack->libs[i].len;
            }
        }
        char rel[MODULE_NAME_MAX + 8];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += (size_t)snprintf(rel + k, sizeof rel - k, "%s%s", i ? "/" : "", parts[i]);
        if (!src)
            luaL_error(L, "require: module '%s' not found (the %s pack has no lib/%s.lua)", name,
                       m->pack->name, rel);
        snprintf(chunk, sizeof chunk, "@builtin/%s/lib/%s.lua", m->pack->name, rel);
    } else {
        if (!m->dir)
            luaL_error(L,
                       "require: module '%s' not found: this rule has no folder, so only the "
                       "built-in iamguard.* modules can be loaded",
                       name);
        char rel[MODULE_NAME_MAX + 8];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += (size_t)snprintf(rel + k, sizeof rel - k, "%s%s", i ? "/" : "", parts[i]);
        snprintf(rel + k, sizeof rel - k, ".lua");
        static const char *const subs[] = {NULL, "lib"};
        int fd = -1;
        for (int s = 0; s < 2 && fd < 0; s++) {
            fd = open_below(m->dir, subs[s], parts, n);
            snprintf(chunk, sizeof chunk, "%s/%s%s", m->dir, subs[s] ? "lib/" : "", rel);
            if (fd < 0 && errno == ELOOP)
                luaL_error(L,
                           "require: %s (or a folder on the way) is a symbolic link: modules "
                           "are read only from inside the rule's folder, without following links",
                           chunk);
            if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
                luaL_error(L, "require: cannot open %s: %s", chunk, strerror(errno));
        }
        if (fd < 0)
            luaL_error(L, "require: module '%s' not found (looked for %s/%s and %s/lib/%s)", name,
                       m->dir, rel, m->dir, rel);
        src = read_fd(L, fd, chunk, m->max_size, &len);
        if (m->on_file) m->on_file(m->ud, chunk);
        memmove(chunk + 1, chunk, strlen(chunk) + 1);
        chunk[0] = '@';
    }
    ig_sandbox_charge(L, len / 16 + 1);
    /* Built-in modules and a pack's: compiled once per process. */
    int builtin = m->pack || strncmp(name, "iamguard.", 9) == 0;
    if ((builtin ? ig_chunkcache_load(L, src, len, chunk)
                 : luaL_loadbufferx(L, src, len, chunk, "t")) != LUA_OK)
        luaL_error(L, "require: module '%s' does not compile: %s", name, lua_tostring(L, -1));
}

/* Run the compiled chunk at idx for module `name` (at index 1) with the
 * environment on top of the stack (popped); push its value. */
static void run_chunk(lua_State *L, int idx)
{
    if (!lua_setupvalue(L, idx, 1)) lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
}

static int is_builtin_name(const char *name)
{
    return strncmp(name, "iamguard.", 9) == 0;
}

static int l_require(lua_State *L)
{
    module_ctx *m = lua_touserdata(L, lua_upvalueindex(1));
    size_t nlen;
    const char *name = luaL_checklstring(L, 1, &nlen);
    ig_sandbox_check(L);
    lua_settop(L, 1);
    /* Built-in modules hold no state: one frozen instance per state, in an
     * environment of its own, serves every instance of the rule file. User
     * modules run once per instance, in its environment. */
    int builtin = is_builtin_name(name);
    lua_rawgeti(L, LUA_REGISTRYINDEX, builtin ? m->shared_ref : m->loaded_ref); /* 2 */
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 2) != LUA_TNIL) {
        if (lua_touserdata(L, -1) == &loading_key)
            return luaL_error(L, "require: module '%s' requires itself (a circular require)", name);
        return 1;
    }
    lua_pop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, m->cache_ref); /* 3 */
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 3) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        compile(L, m, name, nlen);
        lua_pushvalue(L, 1);
        lua_pushvalue(L, -2);
        lua_rawset(L, 3);
    }
    int chunk = lua_gettop(L); /* 4 */
    lua_pushvalue(L, 1);
    lua_pushlightuserdata(L, (void *)&loading_key);
    lua_rawset(L, 2);
    if (builtin)
        ig_sandbox_push_env(L);
    else
        lua_rawgeti(L, LUA_REGISTRYINDEX, m->env_ref);
    run_chunk(L, chunk);
    if (builtin) ig_sandbox_push_frozen(L, -1, name);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, 2);
    return 1;
}

void ig_modules_install(lua_State *L, module_ctx *m)
{
    lua_newtable(L);
    m->loaded_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    m->cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    m->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    m->shared_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushlightuserdata(L, m);
    lua_pushcclosure(L, l_require, 1);
    lua_setglobal(L, "require");
}

void ig_modules_begin(lua_State *L, module_ctx *m, int env)
{
    env = lua_absindex(L, env);
    lua_newtable(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, m->loaded_ref);
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, m->env_ref);
}
