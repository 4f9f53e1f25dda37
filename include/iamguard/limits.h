/*
 * iamguard/limits.h - every bound iamguard enforces, in one place.
 *
 * Exceeding a limit is its own error kind (IAMG_ELIMIT) with a message naming
 * the limit; nothing is ever silently truncated.
 */
#ifndef IAMGUARD_LIMITS_H
#define IAMGUARD_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct iamg_limits {
    uint64_t max_file_size;       /**< bytes; larger files are reported and skipped */
    unsigned max_depth;           /**< JSON/YAML nesting depth */
    size_t max_statements;        /**< statements in one policy document */
    size_t max_yaml_nodes;        /**< YAML nodes of a document, and alias expansions of a
                                       file (alias bombs) */
    size_t lua_memory;            /**< bytes per rule state */
    uint64_t lua_instructions;    /**< VM instructions per check() call */
    unsigned lua_timeout_ms;      /**< wall-clock per check() call */
    size_t max_rule_file_size;    /**< bytes of one rule source file */
    size_t max_findings_per_rule; /**< findings one rule may report on one document */
    size_t max_message_len;       /**< bytes of one finding message */
    size_t max_results;           /**< results written to one SARIF run (GitHub's limit) */
    size_t max_attachments;       /**< principals, policies and attachments joined per file */
    size_t max_holders;           /**< holders listed on one finding (the rest are counted) */
    /**
     * The expansion budget of one file: what CloudFormation intrinsic
     * functions (Fn::Sub, Fn::Join, Fn::Select, Fn::FindInMap, Fn::If, ...),
     * fed by YAML aliases and merge keys, may build in bytes (text, nodes,
     * entries searched), counted before anything is allocated. A file may
     * build max(max_expansion, expansion_ratio x its size). Past it, the
     * expression that crossed the budget and every later one in the file are
     * unknown (opaque) values, reported as a limit problem at the expression.
     */
    uint64_t max_expansion;
    unsigned expansion_ratio;
    size_t max_reach_configs; /**< configurations of one exact Resource analysis
                                   (st:reaches_uncovered); past it the statement is
                                   reported as reaching (fail safe) */
} iamg_limits;

/* One limit per line, so a new limit is a one-line change. */
/* clang-format off */
#define IAMG_LIMITS_INIT                         \
    {                                            \
        .max_file_size = (uint64_t)256 << 20,    \
        .max_depth = 1000,                       \
        .max_statements = 1000000,               \
        .max_yaml_nodes = 1000000,               \
        .lua_memory = (size_t)64 << 20,          \
        .lua_instructions = 200000000,           \
        .lua_timeout_ms = 5000,                  \
        .max_rule_file_size = (size_t)1 << 20,   \
        .max_findings_per_rule = 10000,          \
        .max_message_len = 4096,                 \
        .max_results = 25000,                    \
        .max_attachments = 100000,               \
        .max_holders = 100,                      \
        .max_expansion = (uint64_t)1 << 20,      \
        .expansion_ratio = 16,                   \
        .max_reach_configs = 100000,             \
    }
/* clang-format on */

#ifdef __cplusplus
}
#endif
#endif
