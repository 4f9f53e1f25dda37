/*
 * cli/cmd_merge.c - `iamguard merge`: the SARIF files of the shards of one
 * scan (--shard K/N, possibly on several machines) into one report, as if
 * the scan had run in one go, in any format the scan writes. The merging
 * is the library's (iamguard/merge.h); for formats other than SARIF the
 * rules are described by an engine loaded as the scan loads it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char merge_usage[] =
    "usage: iamguard merge [options] FILE.sarif...\n"
    "\n"
    "Combine the SARIF reports of the shards of one scan (iamguard scan --shard K/N)\n"
    "into one report, as if the scan had not been split: rules are united by id,\n"
    "results concatenated and sorted by file, line, column and rule, rule indices\n"
    "recomputed, invocations merged (successful only if every shard was),\n"
    "notifications merged without repeats, and run property counts summed.\n"
    "All inputs must come from the same tool and version, with the same\n"
    "--sarif-category. See docs/SCALE.md.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT      sarif (default), json, text, gitlab, junit or html\n"
    "                           (default: by the -o FILE's ending, as for scan)\n"
    "  -o, --output FILE        write the merged report to FILE (atomically) instead of stdout\n"
    "      --fail-on LEVEL      exit 1 when a result that is not suppressed is at or above\n"
    "                           LEVEL: none (default), note, warning or error\n"
    "      --max-results N      SARIF: keep at most N results, as GitHub code scanning\n"
    "                           accepts (default 25000; 0 = no limit); the rest are counted\n"
    "      --color WHEN         text: auto (default), always or never\n"
    "\n"
    "Formats other than SARIF describe the rules as the scan loaded them: give merge\n"
    "the scan's rule options (the configuration file is found as scan finds it):\n"
    "      --config FILE, --no-config, --base-dir DIR, --rules DIR, --rule ID,\n"
    "      --skip-rule ID, --no-builtin, --pack NAME, --param ID.NAME=VALUE,\n"
    "      --managed-policies FILE\n"
    "\n"
    "Exit status: 0 merged, 1 results at or above --fail-on, 2 usage error or an\n"
    "input that is not SARIF 2.1.0 or does not belong with the others, 3 merged, but\n"
    "some shard did not complete (a failed rule, an input not checked, a cut run).\n";

enum {
    OPT_FAIL_ON = 256,
    OPT_MAX_RESULTS,
    OPT_COLOR,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_BASE_DIR,
    OPT_RULES,
    OPT_RULE,
    OPT_SKIP_RULE,
    OPT_NO_BUILTIN,
    OPT_PACK,
    OPT_PARAM,
    OPT_MANAGED,
    OPT_HELP
};

static const struct option merge_options[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"max-results", required_argument, NULL, OPT_MAX_RESULTS},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"base-dir", required_argument, NULL, OPT_BASE_DIR},
    {"rules", required_argument, NULL, OPT_RULES},
    {"rule", required_argument, NULL, OPT_RULE},
    {"skip-rule", required_argument, NULL, OPT_SKIP_RULE},
    {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
    {"pack", required_argument, NULL, OPT_PACK},
    {"param", required_argument, NULL, OPT_PARAM},
    {"managed-policies", required_argument, NULL, OPT_MANAGED},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

typedef struct merge_cli {
    const char *format, *output, *color, *config_path, *base_dir;
    int fail_on, no_config, builtin;
    cli_strlist packs, rules_dirs, only, skip, params;
    const char *managed_path;
} merge_cli;

/* Write a format other than SARIF from the merged results. */
static cli_exit write_other(const merge_cli *c, iamg_writer_fn writer, const iamg_merge *m)
{
    iamg_config *config = NULL;
    iamg_engine *engine = NULL;
    iamg_results *results = NULL;
    iamg_output_setting *settings = NULL;
    char allow[32];
    iamg_error err;
    cli_exit status = EXIT_USAGE;
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;

    if (c->config_path && c->no_config) {
        cli_errorf("--config and --no-config exclude each other");
        return EXIT_USAGE;
    }
    if (c->config_path ? iamg_config_load(c->config_path, &config, &err)
                       : !c->no_config && iamg_config_find(c->base_dir, &config, &err)) {
        cli_error(&err);
        return EXIT_USAGE;
    }
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    iamg_config_apply_limits(config, &eo.limits);
    eo.builtin_rules = c->builtin;
    cli_rule_sources rs = {&c->packs, &c->rules_dirs, &c->only,
                           &c->skip,  &c->params,     c->managed_path};
    if (cli_engine_load(&eo, &rs, config, &engine)) goto done;
    if (iamg_merge_results(m, &results, &err)) {
        cli_error(&err);
        goto done;
    }
    if (iamg_merge_check_rules(m, engine, &err)) {
        cli_error(&err);
        goto done;
    }
    if ((writer == iamg_write_junit || writer == iamg_write_html) && !iamg_merge_has_documents(m))
        cli_errorf("warning: some shard does not list the documents it checked (scanned by an "
                   "older iamguard?): clean documents are missing from the report");

    int include_suppressed = iamg_merge_get_summary(m)->include_suppressed;
    oo.working_directory = iamg_merge_base_dir(m);
    oo.category = iamg_merge_category(m);
    oo.include_suppressed = include_suppressed;
    if (!strcmp(c->color, "always"))
        oo.color = 1;
    else if (!strcmp(c->color, "auto")) {
        const char *nc = getenv("NO_COLOR");
        oo.color = !c->output && isatty(STDOUT_FILENO) && !(nc && nc[0]);
    }
    /* What a merge knows of the scan's configuration, in the order scan
     * lists it: the file, the merge's own --fail-on (what its exit status
     * judges by), the file's excludes and allowlist. */
    size_t ns = 0, nexclude = config ? config->nexclude : 0;
    settings = calloc(4 + nexclude, sizeof *settings);
    if (!settings) {
        cli_errorf("out of memory");
        goto done;
    }
    const char *cfg = c->no_config ? "none (--no-config)" : c->config_path;
    if (!cfg && config) cfg = config->path;
    settings[ns++] = (iamg_output_setting){"configuration", cfg ? cfg : "none found"};
    settings[ns++] =
        (iamg_output_setting){"fail-on", c->fail_on > 0 ? iamg_level_name(c->fail_on) : "none"};
    for (size_t i = 0; i < nexclude; i++)
        settings[ns++] = (iamg_output_setting){"exclude", config->exclude[i]};
    snprintf(allow, sizeof allow, "%zu", config ? config->nallow : 0);
    settings[ns++] = (iamg_output_setting){"allowlist entries", allow};
    settings[ns++] = (iamg_output_setting){"allowlisted findings",
                                           include_suppressed ? "listed" : "counted only"};
    oo.settings = settings;
    oo.nsettings = ns;
    int wrc = c->output && strcmp(c->output, "-") != 0
                  ? iamg_write_file_atomic(c->output, writer, engine, results, &oo, &err)
                  : writer(stdout, engine, results, &oo, &err);
    if (wrc) {
        cli_error(&err);
        goto done;
    }
    status = EXIT_OK;
done:
    free(settings);
    iamg_results_free(results);
    iamg_engine_free(engine);
    iamg_config_free(config);
    return status;
}

int cli_cmd_merge(int argc, char **argv)
{
    merge_cli mc;
    memset(&mc, 0, sizeof mc);
    mc.color = "auto";
    mc.builtin = 1;
    unsigned long long max_results = 25000;
    cli_exit status = EXIT_USAGE;
    iamg_merge *m = NULL;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:", merge_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            mc.format = optarg;
            break;
        case 'o':
            mc.output = optarg;
            break;
        case OPT_FAIL_ON:
            mc.fail_on = iamg_level_parse(optarg);
            if (mc.fail_on < 0) {
                cli_errorf("--fail-on must be none, note, warning or error, not '%s'", optarg);
                goto done;
            }
            break;
        case OPT_MAX_RESULTS:
            if (cli_parse_uint(optarg, 100000000, &max_results)) {
                cli_errorf("--max-results needs a whole number (0 = no limit), not '%s'", optarg);
                goto done;
            }
            break;
        case OPT_COLOR:
            mc.color = optarg;
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never")) {
                cli_errorf("--color must be auto, always or never, not '%s'", optarg);
                goto done;
            }
            break;
        case OPT_CONFIG:
            mc.config_path = optarg;
            break;
        case OPT_NO_CONFIG:
            mc.no_config = 1;
            break;
        case OPT_BASE_DIR:
            mc.base_dir = optarg;
            break;
        case OPT_RULES:
            if (cli_strlist_add(&mc.rules_dirs, optarg)) goto oom;
            break;
        case OPT_RULE:
            if (cli_strlist_add(&mc.only, optarg)) goto oom;
            break;
        case OPT_SKIP_RULE:
            if (cli_strlist_add(&mc.skip, optarg)) goto oom;
            break;
        case OPT_NO_BUILTIN:
            mc.builtin = 0;
            break;
        case OPT_PACK:
            if (cli_strlist_add(&mc.packs, optarg)) goto oom;
            break;
        case OPT_PARAM:
            if (cli_strlist_add(&mc.params, optarg)) goto oom;
            break;
        case OPT_MANAGED:
            mc.managed_path = optarg;
            break;
        case OPT_HELP:
            fputs(merge_usage, stdout);
            status = EXIT_OK;
            goto done;
        default:
            fputs("Try 'iamguard merge --help'.\n", stderr);
            goto done;
        }
    }
    if (!mc.format) mc.format = cli_format_for(mc.output, "sarif");
    /* SARIF is merged as SARIF; the others are written from the merged results. */
    iamg_writer_fn writer = cli_writer_for(mc.format);
    if (writer == iamg_write_sarif)
        writer = NULL;
    else if (!writer) {
        cli_errorf("--format must be sarif, json, text, gitlab, junit or html, not '%s'",
                   mc.format);
        goto done;
    }
    if (optind >= argc) {
        cli_errorf("merge needs at least one SARIF file (try 'iamguard merge shard-*.sarif -o "
                   "all.sarif')");
        goto done;
    }
    iamg_merge_options mo = IAMG_MERGE_OPTIONS_INIT;
    /* Only SARIF has a limit: the other formats hold every result. */
    mo.max_results = writer ? 0 : (size_t)max_results;
    iamg_error err;
    if (iamg_merge_load((const char *const *)argv + optind, (size_t)(argc - optind), &mo, &m,
                        &err)) {
        cli_error(&err);
        goto done;
    }
    const iamg_merge_summary *s = iamg_merge_get_summary(m);
    if (writer) {
        status = write_other(&mc, writer, m);
        if (status != EXIT_OK) goto done;
    } else {
        int wrc = mc.output && strcmp(mc.output, "-") != 0
                      ? iamg_merge_write_file(mc.output, m, &err)
                      : iamg_merge_write(stdout, m, &err);
        if (wrc) {
            cli_error(&err);
            goto done;
        }
        if (s->omitted)
            cli_errorf(
                "warning: %zu results were left out: a run holds at most %llu (--max-results)",
                s->omitted, max_results);
    }
    /* The same statuses a single scan would have given. */
    status = s->complete ? EXIT_OK : EXIT_INCOMPLETE;
    if (mc.fail_on > IAMG_LEVEL_NONE && (int)s->max_level >= mc.fail_on)
        status = cli_worse(status, EXIT_FINDINGS);
    goto done;
oom:
    cli_errorf("out of memory");
done:
    iamg_merge_free(m);
    cli_strlist_free(&mc.packs);
    cli_strlist_free(&mc.rules_dirs);
    cli_strlist_free(&mc.only);
    cli_strlist_free(&mc.skip);
    cli_strlist_free(&mc.params);
    return status;
}
