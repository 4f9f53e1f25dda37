#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static const char rules_usage[] =
    "usage: iamguard rules [--pack NAME]... [--rules DIR]... [--no-builtin] [-f text|json]\n"
    "                      [--config FILE | --no-config] [--param ID.NAME=VALUE]...\n"
    "       iamguard rules --packs\n"
    "\n"
    "List every loaded rule: id, level and short description (-f json: also\n"
    "parameters with their types, defaults and values, where each rule comes from and\n"
    "the pack it belongs to). Levels and parameter values are those a scan here would\n"
    "use: .iamguard.yml (or --config FILE) and --param apply, as in 'iamguard scan'.\n"
    "--pack NAME adds the rules of a pack built into iamguard; --packs lists those\n"
    "packs. Rule files that fail to load are reported and make the exit status 3.\n";

static const char explain_usage[] =
    "usage: iamguard explain [--pack NAME]... [--rules DIR]... [-f text|json]\n"
    "                        [--config FILE | --no-config] [--param ID.NAME=VALUE]... RULE-ID\n"
    "\n"
    "Print a rule's description, parameters with their defaults and the values\n"
    ".iamguard.yml (or --config FILE) and --param set, and help (rationale,\n"
    "remediation, examples). A rule of a pack built into iamguard is found without\n"
    "--pack.\n";

enum {
    OPT_RULES = 256,
    OPT_NO_BUILTIN,
    OPT_PACK,
    OPT_PACKS,
    OPT_HELP,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_PARAM
};

static const struct option options[] = {{"rules", required_argument, NULL, OPT_RULES},
                                        {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
                                        {"pack", required_argument, NULL, OPT_PACK},
                                        {"packs", no_argument, NULL, OPT_PACKS},
                                        {"format", required_argument, NULL, 'f'},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {"config", required_argument, NULL, OPT_CONFIG},
                                        {"no-config", no_argument, NULL, OPT_NO_CONFIG},
                                        {"param", required_argument, NULL, OPT_PARAM},
                                        {NULL, 0, NULL, 0}};

/* Parse the options rules and explain share and load the engine as a scan
 * in the current folder would: the configuration's packs, rule folders,
 * levels, selection, limits and parameters apply, so that what is listed is
 * what runs. --param values are left in *params for the caller, which may
 * add packs first (explain). Returns EXIT_OK with *out set, or another
 * status (help printed: -1). *list_packs is set by --packs (NULL: the option
 * is refused). */
static int load_engine(int argc, char **argv, const char *usage, const char **format,
                       int *list_packs, cli_strlist *params, iamg_engine **out)
{
    cli_strlist dirs = {0}, packs = {0}, none = {0};
    const char *config_path = NULL;
    int builtin = 1, no_config = 0, c, status = EXIT_OK;
    iamg_config *config = NULL;
    iamg_error err;
    *out = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
        cli_strlist *add = NULL;
        switch (c) {
        case 'f':
            *format = optarg;
            break;
        case OPT_RULES:
            add = &dirs;
            break;
        case OPT_NO_BUILTIN:
            builtin = 0;
            break;
        case OPT_PACK:
            add = &packs;
            break;
        case OPT_PARAM:
            add = params;
            break;
        case OPT_CONFIG:
            config_path = optarg;
            break;
        case OPT_NO_CONFIG:
            no_config = 1;
            break;
        case OPT_PACKS:
            if (!list_packs) {
                fputs(usage, stderr);
                status = EXIT_USAGE;
                goto done;
            }
            *list_packs = 1;
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
        if (add && cli_strlist_add(add, optarg)) {
            cli_errorf("out of memory");
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (list_packs && *list_packs) goto done; /* the packs built in: no engine needed */
    if (config_path && no_config) {
        cli_errorf("--config and --no-config exclude each other");
        status = EXIT_USAGE;
        goto done;
    }
    if (config_path ? iamg_config_load(config_path, &config, &err)
                    : !no_config && iamg_config_find(NULL, &config, &err)) {
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    iamg_config_apply_limits(config, &eo.limits);
    eo.builtin_rules = builtin;
    cli_rule_sources rs = {&packs, &dirs, &none, &none, &none, NULL};
    if (cli_engine_load(&eo, &rs, config, out)) status = EXIT_USAGE;
done:
    iamg_config_free(config);
    cli_strlist_free(&dirs);
    cli_strlist_free(&packs);
    return status;
}

/* Set the --param values; EXIT_OK, or EXIT_USAGE after saying why. */
static int set_params(iamg_engine *e, const cli_strlist *params)
{
    for (size_t i = 0; i < params->n; i++)
        if (cli_set_param(e, params->v[i])) return EXIT_USAGE;
    return EXIT_OK;
}

/* A parameter value as JSON. */
static json_t *param_json(const iamg_param_value *v)
{
    switch (v->type) {
    case IAMG_PARAM_BOOLEAN:
        return json_boolean(v->boolean);
    case IAMG_PARAM_INTEGER:
        return json_integer((json_int_t)v->integer);
    case IAMG_PARAM_NUMBER:
        return json_real(v->number);
    case IAMG_PARAM_STRING:
        return json_string(v->string ? v->string : "");
    case IAMG_PARAM_LIST: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < v->nlist; i++)
            json_array_append_new(a, json_string(v->list[i]));
        return a;
    }
    }
    return json_null();
}

/* One rule for `rules -f json` and `explain -f json`. */
static json_t *rule_json(const iamg_rule_info *r, int with_help)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s*, s:s, s:b, s:b, s:s*}", "id", r->id, "level",
                          iamg_level_name(r->level), "short_description", r->short_description,
                          "name", r->name, "source", r->source, "builtin", r->builtin, "enabled",
                          r->enabled, "pack", r->pack);
    if (!o) return NULL;
    if (r->security_severity > 0)
        json_object_set_new(o, "security_severity", json_real(r->security_severity));
    json_t *params = json_array();
    for (size_t i = 0; params && i < r->nparams; i++) {
        const iamg_rule_param *p = &r->params[i];
        json_t *po = json_pack("{s:s, s:s, s:o, s:o}", "name", p->name, "type",
                               iamg_param_type_name(p->default_value.type), "default",
                               param_json(&p->default_value), "value", param_json(&p->value));
        if (po && p->description)
            json_object_set_new(po, "description", json_string(p->description));
        json_array_append_new(params, po);
    }
    json_object_set_new(o, "params", params);
    if (with_help) {
        if (r->full_description)
            json_object_set_new(o, "full_description", json_string(r->full_description));
        if (r->help) json_object_set_new(o, "help", json_string(r->help));
        if (r->help_uri) json_object_set_new(o, "help_uri", json_string(r->help_uri));
    }
    return o;
}

static int print_json(json_t *j)
{
    int rc = 0;
    errno = 0;
    if (!j) {
        cli_errorf("out of memory");
        rc = EXIT_USAGE;
    } else if (json_dumpf(j, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF ||
               fflush(stdout) == EOF || ferror(stdout)) {
        int e = errno;
        cli_errorf("cannot write to standard output: %s", e ? strerror(e) : "write error");
        rc = EXIT_USAGE;
    }
    json_decref(j);
    return rc;
}

/* A parameter value for people: true, 3, "text", ["a", "b"]. */
static void print_value(const iamg_param_value *v)
{
    switch (v->type) {
    case IAMG_PARAM_BOOLEAN:
        fputs(v->boolean ? "true" : "false", stdout);
        break;
    case IAMG_PARAM_INTEGER:
        printf("%lld", v->integer);
        break;
    case IAMG_PARAM_NUMBER:
        printf("%g", v->number);
        break;
    case IAMG_PARAM_STRING:
        printf("\"%s\"", v->string ? cli_esc(v->string) : "");
        break;
    case IAMG_PARAM_LIST:
        fputc('[', stdout);
        for (size_t i = 0; i < v->nlist; i++)
            printf("%s\"%s\"", i ? ", " : "", cli_esc(v->list[i]));
        fputc(']', stdout);
        break;
    }
}

/* Does a parameter hold its default? */
static int same_value(const iamg_param_value *a, const iamg_param_value *b)
{
    if (a->type != b->type) return 0;
    switch (a->type) {
    case IAMG_PARAM_BOOLEAN:
        return a->boolean == b->boolean;
    case IAMG_PARAM_INTEGER:
        return a->integer == b->integer;
    case IAMG_PARAM_NUMBER:
        return a->number == b->number;
    case IAMG_PARAM_STRING:
        return strcmp(a->string ? a->string : "", b->string ? b->string : "") == 0;
    case IAMG_PARAM_LIST:
        if (a->nlist != b->nlist) return 0;
        for (size_t i = 0; i < a->nlist; i++)
            if (strcmp(a->list[i], b->list[i]) != 0) return 0;
        return 1;
    }
    return 0;
}

static int report_load_failures(const iamg_engine *e)
{
    for (size_t i = 0; i < iamg_engine_diag_count(e); i++) {
        const iamg_diag *d = iamg_engine_diag(e, i);
        fprintf(stderr, "iamguard: %s", d->path ? cli_esc(d->path) : "");
        if (d->line) fprintf(stderr, ":%u", d->line);
        fprintf(stderr, ": %s\n", cli_esc(d->message));
    }
    return iamg_engine_diag_count(e) ? EXIT_INCOMPLETE : EXIT_OK;
}

/* rules --packs: the packs built into iamguard. */
static int print_packs(const char *format)
{
    iamg_pack_info info;
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && iamg_pack_get(i, &info) == 0; i++)
            json_array_append_new(
                arr, json_pack("{s:s, s:s}", "name", info.name, "description", info.description));
        return print_json(arr);
    }
    if (strcmp(format, "text") != 0) {
        cli_errorf("--format must be text or json, not '%s'", format);
        return EXIT_USAGE;
    }
    for (size_t i = 0; iamg_pack_get(i, &info) == 0; i++)
        printf("%-16s %s\n", info.name, info.description);
    return EXIT_OK;
}

int cli_cmd_rules(int argc, char **argv)
{
    const char *format = "text";
    iamg_engine *e = NULL;
    int list_packs = 0;
    cli_strlist params = {0};
    int status = load_engine(argc, argv, rules_usage, &format, &list_packs, &params, &e);
    if (status) goto done;
    if (optind < argc) {
        cli_errorf("rules takes no PATH arguments");
        status = EXIT_USAGE;
        goto done;
    }
    if (list_packs) {
        status = print_packs(format);
        goto done;
    }
    if ((status = set_params(e, &params))) goto done;
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < iamg_engine_rule_count(e); i++)
            json_array_append_new(arr, rule_json(iamg_engine_rule(e, i), 0));
        status = print_json(arr);
    } else if (!strcmp(format, "text")) {
        /* Ids are as long as their authors make them: align on the longest. */
        int width = 16;
        for (size_t i = 0; i < iamg_engine_rule_count(e); i++) {
            size_t n = strlen(cli_esc(iamg_engine_rule(e, i)->id));
            if (n > (size_t)width) width = n > 64 ? 64 : (int)n;
        }
        for (size_t i = 0; i < iamg_engine_rule_count(e); i++) {
            const iamg_rule_info *r = iamg_engine_rule(e, i);
            printf("%-*s %-8s %s\n", width, cli_esc_line(r->id), iamg_level_name(r->level),
                   cli_esc(r->short_description));
        }
    } else {
        cli_errorf("--format must be text or json, not '%s'", format);
        status = EXIT_USAGE;
        goto done;
    }
    status = cli_worse((cli_exit)status, (cli_exit)report_load_failures(e));
done:
    iamg_engine_free(e);
    cli_strlist_free(&params);
    return status < 0 ? EXIT_OK : status;
}

int cli_cmd_explain(int argc, char **argv)
{
    const char *format = "text";
    iamg_engine *e = NULL;
    cli_strlist params = {0};
    int status = load_engine(argc, argv, explain_usage, &format, NULL, &params, &e);
    if (status) goto done;
    if (optind + 1 != argc) {
        cli_errorf("explain needs exactly one RULE-ID (see 'iamguard rules')");
        status = EXIT_USAGE;
        goto done;
    }
    const iamg_rule_info *r = iamg_engine_find_rule(e, argv[optind]);
    /* Not loaded: it may be a rule of a pack. */
    iamg_pack_info pack;
    for (size_t i = 0; !r && iamg_pack_get(i, &pack) == 0; i++) {
        iamg_error err;
        if (iamg_engine_add_pack(e, pack.name, &err) == 0)
            r = iamg_engine_find_rule(e, argv[optind]);
    }
    if (!r) {
        cli_errorf("unknown rule id '%s' (see 'iamguard rules')", argv[optind]);
        status = EXIT_USAGE;
        goto done;
    }
    if ((status = set_params(e, &params))) goto done;
    if (!strcmp(format, "json")) {
        status = print_json(rule_json(r, 1));
        goto done;
    }
    if (strcmp(format, "text") != 0) {
        cli_errorf("--format must be text or json, not '%s'", format);
        status = EXIT_USAGE;
        goto done;
    }
    /* Ids, names and documentation come from rule files: escaped. */
    printf("%s%s%s%s\n", cli_esc_line(r->id), r->name ? " (" : "", r->name ? cli_esc(r->name) : "",
           r->name ? ")" : "");
    printf("level: %s", iamg_level_name(r->level));
    if (r->security_severity > 0) printf(", security severity %.1f", r->security_severity);
    printf("\nsource: %s\n", cli_esc(r->source));
    if (r->pack) {
        /* The pack's own files are "builtin/<pack>/<file>"; its members
         * among the built-in rules are on by default. */
        size_t n = strlen(r->pack);
        int own = strncmp(r->source, "builtin/", 8) == 0 &&
                  strncmp(r->source + 8, r->pack, n) == 0 && r->source[8 + n] == '/';
        if (own)
            printf("pack: %s (enable it with --pack %s, or packs: [%s] in .iamguard.yml)\n",
                   r->pack, r->pack, r->pack);
        else
            printf("pack: %s (on by default)\n", r->pack);
    }
    if (r->nparams) {
        printf("parameters (set in .iamguard.yml under rules: %s: params:, or with --param "
               "%s.NAME=VALUE):\n",
               cli_esc(r->id), cli_esc(r->id));
        for (size_t i = 0; i < r->nparams; i++) {
            const iamg_rule_param *p = &r->params[i];
            printf("  %s (%s%s) default ", cli_esc(p->name),
                   iamg_param_type_name(p->default_value.type),
                   p->default_value.type == IAMG_PARAM_LIST ? " of strings" : "");
            print_value(&p->default_value);
            if (!same_value(&p->value, &p->default_value)) {
                fputs(", set to ", stdout);
                print_value(&p->value);
            }
            if (p->description) printf(": %s", cli_esc(p->description));
            fputc('\n', stdout);
        }
    }
    printf("\n%s\n", cli_esc_lines(r->short_description));
    if (r->full_description) printf("\n%s\n", cli_esc_lines(r->full_description));
    if (r->help) printf("\n%s\n", cli_esc_lines(r->help));
    if (r->help_uri) printf("\nMore: %s\n", cli_esc(r->help_uri));
done:
    iamg_engine_free(e);
    cli_strlist_free(&params);
    return status < 0 ? EXIT_OK : status;
}
