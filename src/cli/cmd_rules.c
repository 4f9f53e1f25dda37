#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static const char rules_usage[] =
    "usage: iamguard rules [--rules DIR]... [--no-builtin] [-f text|json]\n"
    "\n"
    "List every loaded rule: id, default level and short description.\n"
    "Rule files that fail to load are reported and make the exit status 3.\n";

static const char explain_usage[] =
    "usage: iamguard explain [--rules DIR]... RULE-ID\n"
    "\n"
    "Print a rule's description and help (rationale, remediation, examples).\n";

enum { OPT_RULES = 256, OPT_NO_BUILTIN, OPT_HELP };

static const struct option options[] = {{"rules", required_argument, NULL, OPT_RULES},
                                        {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
                                        {"format", required_argument, NULL, 'f'},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

/* Parse the options rules and explain share and load the engine. Returns
 * EXIT_OK with *out set, or another status (help printed: -1). */
static int load_engine(int argc, char **argv, const char *usage, const char **format,
                       iamg_engine **out)
{
    cli_strlist dirs = {0};
    int builtin = 1, c, status = EXIT_OK;
    iamg_error err;
    *out = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
        switch (c) {
        case 'f':
            *format = optarg;
            break;
        case OPT_RULES:
            if (cli_strlist_add(&dirs, optarg)) {
                cli_errorf("out of memory");
                status = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_NO_BUILTIN:
            builtin = 0;
            break;
        case OPT_HELP:
            fputs(usage, stdout);
            status = -1;
            goto done;
        default:
            fputs(usage, stderr);
            status = EXIT_USAGE;
            goto done;
        }
    }
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = builtin;
    if (iamg_engine_new(&eo, out, &err)) {
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < dirs.n; i++) {
        if (iamg_engine_add_rules_dir(*out, dirs.v[i], &err)) {
            cli_error(&err);
            status = EXIT_USAGE;
            goto done;
        }
    }
done:
    cli_strlist_free(&dirs);
    return status;
}

static int report_load_failures(const iamg_engine *e)
{
    for (size_t i = 0; i < iamg_engine_diag_count(e); i++) {
        const iamg_diag *d = iamg_engine_diag(e, i);
        fprintf(stderr, "iamguard: %s", d->path ? d->path : "");
        if (d->line) fprintf(stderr, ":%u", d->line);
        fprintf(stderr, ": %s\n", d->message);
    }
    return iamg_engine_diag_count(e) ? EXIT_INCOMPLETE : EXIT_OK;
}

int cli_cmd_rules(int argc, char **argv)
{
    const char *format = "text";
    iamg_engine *e = NULL;
    int status = load_engine(argc, argv, rules_usage, &format, &e);
    if (status) goto done;
    if (optind < argc) {
        cli_errorf("rules takes no PATH arguments");
        status = EXIT_USAGE;
        goto done;
    }
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < iamg_engine_rule_count(e); i++) {
            const iamg_rule_info *r = iamg_engine_rule(e, i);
            json_t *o =
                json_pack("{s:s, s:s, s:s, s:s*, s:s, s:b}", "id", r->id, "level",
                          iamg_level_name(r->level), "short_description", r->short_description,
                          "name", r->name, "source", r->source, "builtin", r->builtin);
            if (o && r->security_severity > 0)
                json_object_set_new(o, "security_severity", json_real(r->security_severity));
            json_array_append_new(arr, o);
        }
        if (!arr || json_dumpf(arr, stdout, JSON_INDENT(2)) != 0) {
            cli_errorf("cannot write the rule list");
            status = EXIT_USAGE;
        }
        fputc('\n', stdout);
        json_decref(arr);
    } else if (!strcmp(format, "text")) {
        for (size_t i = 0; i < iamg_engine_rule_count(e); i++) {
            const iamg_rule_info *r = iamg_engine_rule(e, i);
            printf("%-16s %-8s %s\n", r->id, iamg_level_name(r->level), r->short_description);
        }
    } else {
        cli_errorf("--format must be text or json, not '%s'", format);
        status = EXIT_USAGE;
        goto done;
    }
    status = cli_worse((cli_exit)status, (cli_exit)report_load_failures(e));
done:
    iamg_engine_free(e);
    return status < 0 ? EXIT_OK : status;
}

int cli_cmd_explain(int argc, char **argv)
{
    const char *format = "text";
    iamg_engine *e = NULL;
    int status = load_engine(argc, argv, explain_usage, &format, &e);
    if (status) goto done;
    if (optind + 1 != argc) {
        cli_errorf("explain needs exactly one RULE-ID (see 'iamguard rules')");
        status = EXIT_USAGE;
        goto done;
    }
    const iamg_rule_info *r = iamg_engine_find_rule(e, argv[optind]);
    if (!r) {
        cli_errorf("unknown rule id '%s' (see 'iamguard rules')", argv[optind]);
        status = EXIT_USAGE;
        goto done;
    }
    printf("%s%s%s%s\n", r->id, r->name ? " (" : "", r->name ? r->name : "", r->name ? ")" : "");
    printf("level: %s", iamg_level_name(r->level));
    if (r->security_severity > 0) printf(", security severity %.1f", r->security_severity);
    printf("\nsource: %s\n\n%s\n", r->source, r->short_description);
    if (r->full_description) printf("\n%s\n", r->full_description);
    if (r->help) printf("\n%s\n", r->help);
    if (r->help_uri) printf("\nMore: %s\n", r->help_uri);
done:
    iamg_engine_free(e);
    return status < 0 ? EXIT_OK : status;
}
