/*
 * iamguard/match.h - IAM's pattern semantics for actions, ARNs and condition
 * operators. Pure functions of their arguments: safe from any thread.
 */
#ifndef IAMGUARD_MATCH_H
#define IAMGUARD_MATCH_H

#include <stddef.h>

#include "iamguard/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Does action pattern `pattern` (as written in Action/NotAction) match
 * `action`? Case-insensitive (ASCII letters); '*' matches any run of
 * characters including none, '?' exactly one character (one UTF-8 code
 * point; a byte that is not part of well-formed UTF-8 counts as one).
 * "SSM:send*" matches "ssm:SendCommand"; "*" matches everything.
 * Runs in O(len(pattern) * len(action)) at worst: no exponential backtracking.
 * Returns 1 on a match, 0 otherwise (NULL arguments never match).
 */
IAMG_API int iamg_action_match(const char *pattern, const char *action);

/**
 * Does ARN pattern `pattern` (as written in Resource/NotResource) match the
 * concrete `arn`? Case-sensitive; '*' and '?' as for actions. A policy
 * variable such as "${aws:username}" (from "${" to the first '}') is opaque
 * literal text, never a wildcard, and the escapes "${*}", "${?}" and "${$}"
 * stand for a literal '*', '?' and '$'. A "${" with no '}' after it is just
 * the two characters '$' '{': wildcards after it keep their meaning.
 * Same cost bound as iamg_action_match. Returns 1 on a match, 0 otherwise.
 */
IAMG_API int iamg_arn_match(const char *pattern, const char *arn);

/** The six parts of an ARN, split at its first five ':'. */
typedef struct iamg_arn_parts {
    const char *part[6]; /* "arn", partition, service, region, account, resource */
    size_t len[6];
} iamg_arn_parts;

/**
 * Split `arn` into its six segments (pointers into `arn`, not copies).
 * Returns 1 when it starts with "arn:" and has at least five ':', else 0 and
 * *out is zeroed. The split is purely lexical: a ':' inside a policy variable
 * ("arn:${aws:partition}:...") counts like any other. `out` may be NULL to
 * only test the shape.
 */
IAMG_API int iamg_arn_split(const char *arn, iamg_arn_parts *out);

/** Set-operator prefix of a condition operator. */
typedef enum iamg_cond_set {
    IAMG_COND_SINGLE = 0,  /**< no prefix */
    IAMG_COND_FOR_ANY = 1, /**< "ForAnyValue:" */
    IAMG_COND_FOR_ALL = 2  /**< "ForAllValues:" */
} iamg_cond_set;

/** A condition operator taken apart: "ForAnyValue:StringLikeIfExists" ->
 *  set FOR_ANY, base "StringLike", if_exists 1. */
typedef struct iamg_cond_op {
    iamg_cond_set set;
    int if_exists;
    const char *base; /**< points into the parsed string */
    size_t base_len;
    int negated; /**< base is one of the ...Not... operators */
    int known;   /**< base is an operator IAM defines */
} iamg_cond_op;

/**
 * Parse a condition operator as IAM does: names are case-sensitive, the set
 * prefix and the IfExists suffix are optional (Null takes no IfExists).
 * Always fills *out; returns 1 when the operator is one IAM defines. For an
 * unknown operator, base is everything after a recognised set prefix and
 * if_exists and negated are 0 ("NullIfExists" -> base "NullIfExists"). A
 * NULL `op` zeroes *out and returns 0.
 */
IAMG_API int iamg_cond_op_parse(const char *op, iamg_cond_op *out);

/** Condition keys compare case-insensitively (ASCII). 1 when equal; 0 when
 *  either is NULL. */
IAMG_API int iamg_cond_key_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
