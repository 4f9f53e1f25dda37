/*
 * match/reach.h - exact questions about the ARNs that Resource patterns
 * match, when the partition, region and account of the ARN are unknown.
 *
 * "Does this statement reach an instance nobody named, and does a Deny take
 * every such instance back?" quantifies over infinitely many ARNs: every
 * partition, region and account (strings without ':', '*' and '?', the
 * empty one included). Probing a few ARNs answers it only for those; this
 * module decides it for all of them.
 *
 * A template is an ARN in which "{partition}", "{region}" and "{account}"
 * stand for free segments; it describes the set of ARNs obtained by filling
 * them in. A group is a list of patterns with a requirement on an ARN X:
 * some pattern matches X (an Allow's Resource, a Deny's NotResource), or
 * none does (an Allow's NotResource, a Deny's Resource). The question is
 * whether some ARN of some template meets every group.
 *
 * Patterns are read as iamg_arn_match reads them, with one difference that
 * follows from quantifying over requests: a policy variable "${...}" stands
 * for a value chosen at request time. Where a match helps X (groups that
 * need some match), a variable matches any run of characters inside one free
 * segment (so "${aws:PrincipalAccount}" in the account of a pattern
 * reaches every account) and nothing of the template's fixed text (so
 * "instance/${aws:username}" names an instance, not the unnamed one). Where
 * a match would take X away (groups that need no match), the variable may
 * always take another value, so a pattern holding one is never relied on to
 * match. Escapes "${*}", "${?}", "${$}" are the literal characters, which no
 * free segment holds.
 *
 * The answer comes from a product of the patterns' automata (as sets of
 * states) with the template, explored over the characters that occur in the
 * patterns plus one character that occurs in none, which stands for all the
 * others. The work is bounded by max_configs (iamg_limits.max_reach_configs).
 */
#ifndef IAMG_MATCH_REACH_H
#define IAMG_MATCH_REACH_H

#include <stddef.h>

#include "util/buf.h"

/* A string by pointer and length (it may hold NUL bytes). */
typedef struct reach_str {
    const char *s;
    size_t n;
} reach_str;

typedef struct reach_group {
    const reach_str *pats;
    size_t n;
    int need_some; /* 1: some pattern must match X; 0: no pattern may match X */
} reach_group;

typedef struct reach_query {
    const reach_str *templates;
    size_t ntemplates;
    const reach_group *groups;
    size_t ngroups;
    size_t max_configs; /* configurations explored at most (large ones count as several) */
    /* NULL, or per template the length of its end that is fixed text only:
     * "{account}" there is nine characters, so a name taken from input and
     * appended to a template cannot add a free segment. */
    const size_t *literal_tail;
} reach_query;

/*
 * Is there an ARN X of some template that meets every group? Returns 1 and
 * writes an example X to *witness (if not NULL; characters that occur in no
 * pattern are shown as one such character), 0 when there is none,
 * IAMG_ELIMIT when the exploration needed more than q->max_configs
 * configurations, IAMG_ENOMEM. *used (if not NULL) receives the
 * configurations spent. Templates are searched in order; the witness is
 * deterministic.
 */
int ig_reach_find(const reach_query *q, buf *witness, size_t *used);

#endif
