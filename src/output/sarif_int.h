/*
 * output/sarif_int.h - what the parts of the SARIF writer share.
 *
 * The writer is split by the part of the log it builds: sarif_rules.c the
 * rule table and driver.rules, sarif_locations.c physical and logical
 * locations, sarif_results.c one result per finding or input problem, and
 * sarif.c the notifications, the run and the entry point iamg_write_sarif.
 * Every part builds through one sarif_writer, whose builder records the
 * first allocation failure.
 */
#ifndef IAMG_OUTPUT_SARIF_INT_H
#define IAMG_OUTPUT_SARIF_INT_H

#include <stddef.h>

#include <jansson.h>

#include "iamguard/iamguard.h"
#include "output/jbuild.h"
#include "output/report.h"

#define SARIF_SRCROOT "%SRCROOT%"

/* One entry of driver.rules. */
typedef struct rule_ent {
    const char *id;
    const iamg_rule_info *info; /* a loaded rule, or NULL */
    const pseudo_rule *pseudo;  /* an input-problem rule, or NULL (neither: unknown id) */
} rule_ent;

typedef struct sarif_writer {
    ig_jb jb;
    const iamg_engine *e;
    const iamg_results *r;
    const iamg_output_options *o;
    rule_ent *rules; /* driver.rules, in output order */
    size_t nrules, cap;
    size_t *by_id;     /* indices into rules, sorted by id */
    char empty_fp[32]; /* the fingerprint of a result without a readable line */
} sarif_writer;

/* {"text": s}: SARIF's message and multiformatMessageString. */
json_t *ig_sarif_text(sarif_writer *w, const char *s);

/* ---- sarif_rules.c ---- */

/* Fill w->rules: every enabled rule, rules findings name, the input-problem rules. */
void ig_sarif_rule_table(sarif_writer *w);
/* Index of rule id in driver.rules, or -1. */
long ig_sarif_rule_index(const sarif_writer *w, const char *id);
/* The reportingDescriptor of one rule table entry. */
json_t *ig_sarif_rule(sarif_writer *w, const rule_ent *re);

/* ---- sarif_locations.c ---- */

json_t *ig_sarif_artifact_location(sarif_writer *w, const char *path);
/* `truncated`: the snippet's line goes on past its end (snippet_truncated). */
json_t *ig_sarif_physical_location(sarif_writer *w, const char *path, unsigned line, unsigned col,
                                   unsigned end_col, const char *snippet, unsigned snippet_col,
                                   unsigned truncated);
/* The statement and what holds it, as a one-element logicalLocations array. */
json_t *ig_sarif_logical_locations(sarif_writer *w, const iamg_finding *f);

/* ---- sarif_results.c ---- */

/* The origin of a finding or document as result properties (camelCase),
 * with its statement and element when given. */
void ig_sarif_origin_props(sarif_writer *w, json_t *props, const iamg_origin *o,
                           const char *statement, const char *element);
/* props.snippetWindow: the kept source text when contextRegion cannot hold
 * it (a window of a cut long line, or no line number). */
void ig_sarif_snippet_window(sarif_writer *w, json_t *props, unsigned line, const char *snippet,
                             unsigned snippet_col, unsigned truncated);
json_t *ig_sarif_finding(sarif_writer *w, const iamg_finding *f);
json_t *ig_sarif_problem(sarif_writer *w, const iamg_diag *d);

#endif
