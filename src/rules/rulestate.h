/*
 * rules/rulestate.h - one rule file in a sandbox of its own: the API and
 * require() installed, the libraries frozen, the file compiled once, and a
 * fresh instance of it (a new run of the file in a new environment) for
 * every document.
 *
 * A new instance per document is what makes results independent of the
 * order in which a worker meets documents (so of -j and file order): any
 * global a rule sets, any local of the file it changes, any table it fills
 * belongs to one document's instance. Running a compiled file again costs a
 * few microseconds; compiling it is done once per state.
 */
#ifndef IAMG_RULES_RULESTATE_H
#define IAMG_RULES_RULESTATE_H

#include <stddef.h>

#include "iamguard/limits.h"
#include "rules/lua_api.h"
#include "rules/modules.h"
#include "rules/sandbox.h"

typedef struct rule_state {
    sandbox *sb;
    check_ctx ctx;   /* installed in sb: the rule_state must not move */
    module_ctx mods; /* same */
    int chunk_ref;   /* registry: the compiled rule file */
} rule_state;

/*
 * Create the sandbox for the rule file `name` (src, len) whose folder is
 * `dir` (NULL: none; require then finds built-in modules only). 0, or -1
 * with res set (SB_MEMORY when the API does not fit, SB_SYNTAX when the file
 * does not compile) and nothing left open. On success rs->mods.on_file may
 * be set before the first instance.
 */
int ig_rulestate_open(rule_state *rs, const iamg_limits *lim, const char *name, const char *src,
                      size_t len, const char *dir, int builtin, sandbox_result *res);

/* Run the file in a new environment, with the limits of one call; its first
 * result is left on the stack. 0, or -1 with res set (stack unchanged). */
int ig_rulestate_instantiate(rule_state *rs, sandbox_result *res);

/*
 * Host code reads what rules return with raw access, outside any protected
 * call, where a refused allocation would make Lua abort the process. The
 * field names it pushes (lua_pushstring) must therefore exist already:
 * anchor them once, here; pushing an existing short string allocates
 * nothing. 0, or -1 when out of memory. names ends with NULL.
 */
int ig_rulestate_anchor(rule_state *rs, const char *const *names);

/* luaL_ref of the value on top of the stack (popped), in a protected call:
 * the reference, or LUA_NOREF when out of memory (or the value was nil). */
int ig_rulestate_ref(rule_state *rs);

/* Run f(L) with ud as its argument under lua_pcall (for host code that
 * allocates in the state, like luaL_ref). 0, or -1 when it raised. */
int ig_rulestate_protected(rule_state *rs, lua_CFunction f, void *ud);

/* Close the sandbox; rs may have been closed already or never opened. */
void ig_rulestate_close(rule_state *rs);

#endif
