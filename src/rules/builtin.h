/*
 * rules/builtin.h - the rule files of lua/rules/ and the modules of lua/lib/,
 * compiled into the library by cmake/embed_rules.cmake, and the rule packs of
 * lua/packs/ (cmake/embed_packs.cmake).
 */
#ifndef IAMG_RULES_BUILTIN_H
#define IAMG_RULES_BUILTIN_H

#include <stddef.h>

typedef struct iamg_builtin_rule {
    const char *name;   /* "builtin/<file>.lua", used in messages */
    const char *source; /* NUL-terminated Lua source */
    size_t len;
} iamg_builtin_rule;

extern const iamg_builtin_rule ig_builtin_rules[];
extern const unsigned ig_builtin_rule_count;

/* Modules for require(): name is the module name ("iamguard.guardrail"). */
extern const iamg_builtin_rule ig_builtin_libs[];
extern const unsigned ig_builtin_lib_count;

/*
 * A rule pack (lua/packs/NAME/): rule files loaded together when the pack is
 * enabled, the modules of its lib/ folder that they require() by name, and
 * the ids of built-in rules (always loaded) that belong to it too.
 */
typedef struct iamg_builtin_pack {
    const char *name;               /* "aws-guardrails" */
    const char *description;        /* one line, from pack.txt */
    const iamg_builtin_rule *rules; /* name "builtin/<pack>/<file>.lua" */
    unsigned nrules;
    const iamg_builtin_rule *libs; /* name: the module name ("checks.tags") */
    unsigned nlibs;
    const char *const *members; /* built-in rule ids, NULL-terminated */
} iamg_builtin_pack;

extern const iamg_builtin_pack ig_builtin_packs[];
extern const unsigned ig_builtin_pack_count;

#endif
