/*
 * load/sarif_read.h - reading SARIF 2.1.0 logs: baselines (scan/baseline.c)
 * and the shards iamg_merge joins (output/merge.c).
 *
 * Every lookup takes what a log may hold, not what it must: a member that
 * is missing or of another type reads as NULL or 0, and callers decide
 * what that means. Values are borrowed from the jansson tree.
 */
#ifndef IAMG_LOAD_SARIF_READ_H
#define IAMG_LOAD_SARIF_READ_H

#include <jansson.h>

/* run.tool.driver, or NULL. */
json_t *ig_sarif_driver(json_t *run);

/* The rule id a result names: ruleId, rule.id, or the id of the driver rule
 * (in `rules`, the run's tool.driver.rules) that ruleIndex or rule.index
 * points at. NULL when it names none. */
const char *ig_sarif_result_rule(json_t *res, json_t *rules);

/* Where a result's first location is. */
typedef struct sarif_where {
    const char *uri; /* artifactLocation.uri, or the uri of the run's artifacts[index] */
    json_int_t line; /* region.startLine, 0 when absent */
    json_int_t column;
} sarif_where;

/* Fill *w for result (or notification) res; artifacts is the run's
 * artifacts array, or NULL not to follow artifact indices. */
void ig_sarif_result_where(json_t *res, json_t *artifacts, sarif_where *w);

#endif
