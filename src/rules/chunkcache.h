/*
 * rules/chunkcache.h - built-in Lua code compiled once per process.
 *
 * Every worker opens a Lua state per rule file, and every state compiles
 * the file and the modules it requires. For the code compiled into iamguard
 * (lua/rules/, lua/lib/, lua/packs/) that is the same text each time: the
 * first compilation is kept as bytecode (lua_dump of the function the text
 * compiled to, with its debug information, so error messages keep their
 * lines), and later compilations of the same chunk name and text load that
 * bytecode, several times faster than parsing.
 *
 * Only trusted text comes here: the bytecode is made in this process from
 * text that iamguard carries, never read from input. User rule files and
 * modules are always compiled as text (mode "t"), as the sandbox requires.
 */
#ifndef IAMG_RULES_CHUNKCACHE_H
#define IAMG_RULES_CHUNKCACHE_H

#include <stddef.h>

#include <lua.h>

/*
 * Push the function the built-in text src (len bytes) compiles to, as
 * luaL_loadbufferx(L, src, len, chunkname, "t") would: returns its status
 * (LUA_OK, LUA_ERRSYNTAX, LUA_ERRMEM) with the function or the error
 * message on the stack. Thread-safe. When the bytecode cannot be kept (out
 * of memory, the cache's bound), the text is compiled every time.
 */
int ig_chunkcache_load(lua_State *L, const char *src, size_t len, const char *chunkname);

#endif
