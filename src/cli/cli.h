/*
 * cli/cli.h - the iamguard command line. Uses only the public API.
 */
#ifndef IAMG_CLI_H
#define IAMG_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/iamguard.h"

/* Exit statuses, one enum for every subcommand. When several apply the
 * highest-precedence one wins: USAGE > INCOMPLETE > FINDINGS > OK. */
typedef enum cli_exit {
    EXIT_OK = 0,        /* nothing at or above --fail-on */
    EXIT_FINDINGS = 1,  /* findings at or above --fail-on */
    EXIT_USAGE = 2,     /* bad usage, or the scan could not run */
    EXIT_INCOMPLETE = 3 /* the scan ran, but some input or rule failed: results still written */
} cli_exit;

/* Combine two statuses by precedence. */
cli_exit cli_worse(cli_exit a, cli_exit b);

/* A list of strings from repeatable options. */
typedef struct cli_strlist {
    const char **v;
    size_t n, cap;
} cli_strlist;

int cli_strlist_add(cli_strlist *l, const char *s);
void cli_strlist_free(cli_strlist *l);

/* Text from input (file names, rule ids, messages, rule documentation),
 * escaped for a terminal or CI log (iamg_escape): cli_esc for text inside a
 * line, cli_esc_line for text that starts one, cli_esc_lines for multi-line
 * text. The result lives until eight more escapes have been made. */
const char *cli_esc(const char *s);
const char *cli_esc_line(const char *s);
const char *cli_esc_lines(const char *s);

/* "path:line:col: message" for an iamg_error, to stderr, prefixed "iamguard: "
 * (escaped, like cli_errorf's whole message). */
void cli_error(const iamg_error *err);
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "123", "64K", "256M", "1G" into bytes. 0 or -1. */
int cli_parse_size(const char *s, uint64_t *out);
/* Parse a non-negative integer. 0 or -1. */
int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* Set a rule parameter from "RULE-ID.NAME=VALUE" (--param); 0, or -1 after
 * printing why not. */
int cli_set_param(iamg_engine *e, const char *arg);

/* Where a scan's rules come from besides the configuration file: --pack,
 * --rules, --rule, --skip-rule, --param, --managed-policies (or NULL). */
typedef struct cli_rule_sources {
    const cli_strlist *packs, *rules_dirs, *only, *skip, *params;
    const char *managed_path;
} cli_rule_sources;

/* The engine a scan runs with (`merge` loads the same one to describe the
 * rules): built-in rules as eo says, then packs, rule folders, the
 * selection of the configuration and the command line, managed policies
 * and parameters. 0, or -1 after printing why, with *out NULL. */
int cli_engine_load(const iamg_engine_options *eo, const cli_rule_sources *rs,
                    const iamg_config *config, iamg_engine **out);

/* The format an -o file asks for by its name when -f is not given:
 * "results.sarif" (and "results.sarif.json") is SARIF, "report.json" JSON,
 * "tests.xml" JUnit, "report.html" HTML, "report.txt" text; any other name
 * (or none) gives `fallback`. GitLab Code Quality is JSON too, so it is only
 * ever chosen by -f. */
const char *cli_format_for(const char *path, const char *fallback);
/* The writer of a format name (text, json, sarif, gitlab, junit, html), or NULL. */
iamg_writer_fn cli_writer_for(const char *format);

int cli_cmd_scan(int argc, char **argv);
int cli_cmd_rules(int argc, char **argv);
int cli_cmd_explain(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);
int cli_cmd_test_rules(int argc, char **argv);
int cli_cmd_new_rule(int argc, char **argv);

#endif
