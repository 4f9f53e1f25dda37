/*
 * rules/modules.h - require() for rules.
 *
 * require("name") loads name.lua from the rule file's folder, then from its
 * lib/ subfolder; require("iamguard.x") loads a module built into iamguard
 * (lua/lib/). A dotted name ("checks.tags") names a file in a subfolder
 * (checks/tags.lua). The rule files of a pack built into iamguard
 * (lua/packs/PACK/) find the modules of the pack's lib/ folder the same way,
 * compiled in; they run like modules of a rules folder. Modules are Lua text, run in the rule's
 * sandbox under the same limits. A module of the rule's folder is compiled once per state and run
 * once per instance of the rule file (that is, once per document: see rulestate.h), in that
 * instance's environment, so it can keep no state across documents either. A built-in module holds
 * no state: it runs once per state, in an environment of its own, and rules get a read-only view of
 * what it returns.
 *
 * Files are opened with openat() one path component at a time from the
 * rule's folder, never following a symbolic link, and must be regular
 * files; names are dotted identifiers, so '..', '/' and absolute paths
 * cannot be written.
 */
#ifndef IAMG_RULES_MODULES_H
#define IAMG_RULES_MODULES_H

#include <stddef.h>

#include <lua.h>

/* Longest module name. */
#define MODULE_NAME_MAX 128

struct iamg_builtin_pack;

typedef struct module_ctx {
    const char *dir; /* folder of the rule file, or NULL: built-in modules only */
    /* The pack a built-in pack rule file belongs to (its lib/ modules are
     * found by name), or NULL. */
    const struct iamg_builtin_pack *pack;
    size_t max_size; /* bytes of one module file */
    int loaded_ref;  /* registry: name -> value, for the current instance */
    int cache_ref;   /* registry: name -> compiled chunk, for the state */
    int env_ref;     /* registry: the current instance's environment */
    int shared_ref;  /* registry: name -> frozen built-in module, for the state */
    /* When set, called with the path of each module file read (the engine
     * uses it to tell module files from rule files in a rules folder). */
    void (*on_file)(void *ud, const char *path);
    void *ud;
} module_ctx;

/* Install the global require, bound to m (which must outlive the state).
 * Allocates in L: call under a protected call. */
void ig_modules_install(lua_State *L, module_ctx *m);

/* Start a new instance whose environment is at index env: modules
 * required from now on run in it, and none is loaded yet. Allocates. */
void ig_modules_begin(lua_State *L, module_ctx *m, int env);

#endif
