/*
 * cli/cmd_merge.c - `iamguard merge`: the SARIF files of the shards of one
 * scan (--shard K/N, possibly on several machines) into one run, as if the
 * scan had run in one go. The merging is the library's (iamguard/merge.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char merge_usage[] =
    "usage: iamguard merge [options] FILE.sarif...\n"
    "\n"
    "Combine the SARIF reports of the shards of one scan (iamguard scan --shard K/N)\n"
    "into one run, as if the scan had not been split: rules are united by id,\n"
    "results concatenated and sorted by file, line, column and rule, rule indices\n"
    "recomputed, invocations merged (successful only if every shard was),\n"
    "notifications merged without repeats, and run property counts summed.\n"
    "All inputs must come from the same tool and version, with the same\n"
    "--sarif-category. See docs/SCALE.md.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE        write the merged report to FILE (atomically) instead of stdout\n"
    "      --fail-on LEVEL      exit 1 when a result that is not suppressed is at or above\n"
    "                           LEVEL: none (default), note, warning or error\n"
    "      --max-results N      keep at most N results, as GitHub code scanning accepts\n"
    "                           (default 25000; 0 = no limit); the rest are counted\n"
    "\n"
    "Exit status: 0 merged, 1 results at or above --fail-on, 2 usage error or an\n"
    "input that is not SARIF 2.1.0 or does not belong with the others, 3 merged, but\n"
    "some shard did not complete (a failed rule, an input not checked, a cut run).\n";

enum { OPT_FAIL_ON = 256, OPT_MAX_RESULTS, OPT_HELP };

static const struct option merge_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"max-results", required_argument, NULL, OPT_MAX_RESULTS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

int cli_cmd_merge(int argc, char **argv)
{
    const char *output = NULL;
    int fail_on = IAMG_LEVEL_NONE;
    unsigned long long max_results = 25000;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", merge_options, NULL)) != -1) {
        switch (c) {
        case 'o':
            output = optarg;
            break;
        case OPT_FAIL_ON:
            fail_on = iamg_level_parse(optarg);
            if (fail_on < 0) {
                cli_errorf("--fail-on must be none, note, warning or error, not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_MAX_RESULTS:
            if (cli_parse_uint(optarg, 100000000, &max_results)) {
                cli_errorf("--max-results needs a whole number (0 = no limit), not '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_HELP:
            fputs(merge_usage, stdout);
            return EXIT_OK;
        default:
            fputs("Try 'iamguard merge --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_errorf("merge needs at least one SARIF file (try 'iamguard merge shard-*.sarif -o "
                   "all.sarif')");
        return EXIT_USAGE;
    }
    iamg_merge_options mo = IAMG_MERGE_OPTIONS_INIT;
    mo.max_results = (size_t)max_results;
    iamg_merge *m = NULL;
    iamg_error err;
    if (iamg_merge_load((const char *const *)argv + optind, (size_t)(argc - optind), &mo, &m,
                        &err)) {
        cli_error(&err);
        return EXIT_USAGE;
    }
    int wrc = output && strcmp(output, "-") != 0 ? iamg_merge_write_file(output, m, &err)
                                                 : iamg_merge_write(stdout, m, &err);
    if (wrc) {
        cli_error(&err);
        iamg_merge_free(m);
        return EXIT_USAGE;
    }
    const iamg_merge_summary *s = iamg_merge_get_summary(m);
    if (s->omitted)
        cli_errorf("warning: %zu results were left out: a run holds at most %llu (--max-results)",
                   s->omitted, max_results);
    /* The same statuses a single scan would have given. */
    cli_exit status = s->complete ? EXIT_OK : EXIT_INCOMPLETE;
    if (fail_on > IAMG_LEVEL_NONE && (int)s->max_level >= fail_on)
        status = cli_worse(status, EXIT_FINDINGS);
    iamg_merge_free(m);
    return status;
}
