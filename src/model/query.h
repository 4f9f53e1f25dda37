/*
 * model/query.h - the questions every rule asks of a statement, answered
 * with IAM's semantics (match.h).
 *
 * A statement that writes both Action and NotAction (or both Resource and
 * NotResource) is invalid; the model keeps both (policy.h), and these
 * questions answer for either reading: "does it grant" is yes when one
 * reading grants. That is the reading under which an Allow never hides a
 * finding; rules must not let such a Deny take anything away (pstmt.malformed).
 */
#ifndef IAMG_MODEL_QUERY_H
#define IAMG_MODEL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "match/reach.h"
#include "model/policy.h"
#include "util/buf.h"

#define QUERY_NONE UINT32_MAX

/* The element "Action", "NotAction", "Resource" or "NotResource" of st,
 * whichever slot holds it (pstmt.action or action_twin, ...), or NULL when
 * the statement does not write it. */
const pelem *ig_query_elem(const pstmt *st, const char *name);

/*
 * Does st's Action/NotAction cover `action`? With Action: some pattern
 * matches (case-insensitive glob); *which is that pattern's index in the
 * Action element. With NotAction: no pattern matches; *which is QUERY_NONE.
 * Either reading of a statement with both. Effect is not considered. A
 * statement without a valid Action/NotAction grants nothing.
 */
int ig_query_grants(const pstmt *st, const char *action, uint32_t *which);

/*
 * Does st's Resource/NotResource reach a resource nobody named? `probes` are
 * ARN templates in which "{partition}", "{region}" and "{account}" stand for
 * the segments of the pattern they are tested against (when the pattern
 * starts with "arn:" and has six segments), otherwise for "aws",
 * "us-east-1" and "111122223333". With Resource: some pattern matches some
 * probe (case-sensitive glob; *which is the pattern index in the Resource
 * element). With NotResource: some default probe matches no pattern (*which
 * = QUERY_NONE). A statement without Resource/NotResource reaches nothing.
 * Returns -1 when out of memory.
 */
int ig_query_reaches(const pstmt *st, const char *const *probes, size_t nprobes, uint32_t *which);

/* Expand one probe template for pattern `pattern` (NULL: defaults) into out
 * (cap bytes). Returns 0, or -1 when it does not fit. */
int ig_query_probe_expand(const char *tmpl, const char *pattern, char *out, size_t cap);

/* Which reading of a statement reaches, for ig_query_reaches_uncovered. */
typedef struct query_reach {
    int element;    /* 1 Resource, 2 NotResource, 0 neither */
    uint32_t which; /* Resource: the pattern's index in the element; else QUERY_NONE */
} query_reach;

/*
 * Does st reach an ARN of `templates` (free "{partition}", "{region}",
 * "{account}": match/reach.h) that none of `denies` covers? A Deny covers X
 * when its Resource matches X or its NotResource does not; one that writes
 * both, or neither, covers nothing. The caller decides which statements
 * are covering Denies (effect, action, conditions). Resource patterns are
 * tried one at a time in order, so out->which names the first through
 * which some uncovered ARN is reached; either reading of a statement with
 * both. Returns 1 (an example ARN in *witness when not NULL), 0,
 * IAMG_ELIMIT when the analysis needed more than max_configs
 * configurations in all, or IAMG_ENOMEM.
 */
int ig_query_reaches_uncovered(const pstmt *st, const reach_str *templates, size_t ntemplates,
                               const pstmt *const *denies, size_t ndenies, size_t max_configs,
                               query_reach *out, buf *witness);

#endif
