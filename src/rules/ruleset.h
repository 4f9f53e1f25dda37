/*
 * rules/ruleset.h - the engine's loaded rules (struct iamg_engine).
 *
 * A rule file is Lua source that returns one rule table or an array of rule
 * tables. The engine runs each file once in a throwaway sandbox to read and
 * validate the metadata, and keeps the source; every worker later runs the
 * file again in a sandbox of its own (runner.h).
 */
#ifndef IAMG_RULES_RULESET_H
#define IAMG_RULES_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/engine.h"

typedef struct rule_file {
    char *name; /* path as given, or "builtin/<file>.lua" */
    char *dir;  /* its folder, where require() looks; NULL for built-in rules and sources */
    char *source;
    size_t len;
    int builtin;
    const struct iamg_builtin_pack *pack; /* the pack of a pack's rule file, or NULL */
} rule_file;

typedef struct rule {
    iamg_rule_info info; /* strings owned by the rule */
    uint32_t file;       /* index in iamg_engine.files */
    uint32_t slot; /* position of the rule in its file's returned list (0 for a single table) */
    uint8_t has_check_principal; /* the rule table has check_principal() */
    /* What check() is called for ('kinds' and 'actions' of the rule table):
     * documents of a kind whose bit (1 << pkind) is set, and, when `scoped`,
     * only documents with a statement that grants one of `actions` (the
     * runner first asks whether a statement may name a service of
     * `services`, or any with `any_service`). */
    uint8_t kinds;
    uint8_t scoped;
    uint8_t any_service;
    char *services; /* lower-case names, each NUL-terminated, ending with an empty one */
    char *actions;  /* the 'actions' as given, each NUL-terminated */
    uint32_t nactions;
} rule;

struct iamg_engine {
    iamg_limits limits;
    rule_file *files;
    size_t nfiles;
    rule *rules;
    size_t nrules;
    iamg_diag *diags; /* rule load failures, owned */
    size_t ndiags;
    char **modules; /* paths of module files rules required while loading */
    size_t nmodules;
    struct managed_store *managed; /* --managed-policies (owned), or NULL: the embedded ones */
    uint64_t packs_added;          /* bit i: ig_builtin_packs[i] is loaded */
};

/* Load the rules of one source text (see iamg_engine_add_rule_source);
 * builtin marks rules compiled into iamguard. */
int ig_ruleset_add_source(iamg_engine *e, const char *name, const char *src, size_t len,
                          int builtin, iamg_error *err);

/* The folder of rule file `path`, for require(): a new string, or NULL when
 * out of memory. */
char *ig_ruleset_dir_of(const char *path);

/* "syntax error", "runtime error", "memory limit", ... for a sandbox_fail. */
const char *ig_ruleset_fail_kind(int kind);

#endif
