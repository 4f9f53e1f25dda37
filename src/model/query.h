/*
 * model/query.h - the questions every rule asks of a statement, answered
 * with IAM's semantics (match.h).
 */
#ifndef IAMG_MODEL_QUERY_H
#define IAMG_MODEL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "model/policy.h"

#define QUERY_NONE UINT32_MAX

/*
 * Does st's Action/NotAction cover `action`? With Action: some pattern
 * matches (case-insensitive glob); *which is that pattern's index. With
 * NotAction: no pattern matches; *which is QUERY_NONE. Effect is not
 * considered. A statement without a valid Action/NotAction grants nothing.
 */
int ig_query_grants(const pstmt *st, const char *action, uint32_t *which);

/*
 * Does st's Resource/NotResource reach a resource nobody named? `probes` are
 * ARN templates in which "{partition}", "{region}" and "{account}" stand for
 * the segments of the pattern they are tested against (when the pattern
 * starts with "arn:" and has six segments), otherwise for "aws",
 * "us-east-1" and "111122223333". With Resource: some pattern matches some
 * probe (case-sensitive glob; *which is the pattern index). With NotResource:
 * some default probe matches no pattern (*which = QUERY_NONE). A statement
 * without Resource/NotResource reaches nothing. Returns -1 when out of memory.
 */
int ig_query_reaches(const pstmt *st, const char *const *probes, size_t nprobes, uint32_t *which);

/* Expand one probe template for pattern `pattern` (NULL: defaults) into out
 * (cap bytes). Returns 0, or -1 when it does not fit. */
int ig_query_probe_expand(const char *tmpl, const char *pattern, char *out, size_t cap);

#endif
