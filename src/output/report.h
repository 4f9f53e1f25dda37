/*
 * output/report.h - what every report says the same way.
 *
 * SARIF, the JSON report, GitLab Code Quality, JUnit and HTML show the same
 * results; the choices they share live here once: which diagnostics count
 * as input problems and under which rule they are reported, how a problem
 * is worded, what a finding's holder is called, and how a rule's level and
 * security severity rank.
 */
#ifndef IAMG_OUTPUT_REPORT_H
#define IAMG_OUTPUT_REPORT_H

#include "iamguard/iamguard.h"
#include "util/buf.h"

/* A rule for inputs that could not be checked. A file that cannot be read
 * or parsed must show up as loudly as a finding would: otherwise breaking a
 * policy file's syntax would make every alert on it disappear. */
typedef struct pseudo_rule {
    const char *id, *name, *short_desc, *full_desc, *help_md;
    iamg_level level;
    double severity;
} pseudo_rule;

/* The two input-problem rules, IAMGUARD-PARSE and IAMGUARD-INVALID. */
extern const pseudo_rule ig_report_parse_rule, ig_report_invalid_rule;
/* Tags of both. */
extern const char *const ig_report_problem_tags[];
extern const size_t ig_report_nproblem_tags;

/* 1 when d is an input problem (a file or policy not, or not fully,
 * checked), which reports list beside findings; other diagnostics (rule
 * failures, skipped files) are about the run. */
int ig_report_input_problem(const iamg_diag *d);
/* The rule an input problem is reported under. */
const pseudo_rule *ig_report_problem_rule(const iamg_diag *d);
/* Its level: the rule's, except an invalid shape keeps the model's judgement. */
iamg_level ig_report_problem_level(const iamg_diag *d);
/* "parse-error", "invalid-policy", "io-error", "limit", "rule-failure",
 * "skipped", "rule-log", "out-of-memory", or "error". */
const char *ig_report_diag_kind(int code);
/* "This file could not be parsed: <message>. Its policies were not
 * checked ...": what happened, without the location. */
void ig_report_problem_message(buf *b, const iamg_diag *d);

/* What holds a finding's statement, for people: the loader's label, else
 * the most specific identifier of the origin, else the file. */
const char *ig_report_holder(const iamg_finding *f);
/* The principal a finding concerns when the input names one on the
 * document itself (account dumps), else NULL. Holders (f->holders) are
 * more: the principals that hold the document, however written. */
const char *ig_report_principal(const iamg_finding *f);
/* "role AppRole": a holder's type and its name, ARN or logical ID. */
void ig_report_holder_label(buf *b, const iamg_holder *h);

/* A rule's security severity (0.1..10): its own, or one from its level
 * (error 7.5, warning 5.0, note 2.0) when it sets none. */
double ig_report_security_severity(double sev, iamg_level lv);

/* Order of (path, line, column) as results are sorted; NULL paths first. */
int ig_report_cmp_pos(const char *pa, unsigned la, unsigned ca, const char *pb, unsigned lb,
                      unsigned cb);

#endif
