/*
 * rules/builtin.h - the rule files of lua/rules/ and the modules of lua/lib/,
 * compiled into the library by cmake/embed_rules.cmake.
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

#endif
