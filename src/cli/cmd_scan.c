#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char scan_usage[] =
    "usage: iamguard scan [options] PATH...\n"
    "\n"
    "Check the IAM policies in files and folders against the guardrails.\n"
    "PATHs may be policy JSON, CloudFormation (JSON/YAML), Terraform plan or state\n"
    "JSON (terraform show -json) or account dumps (aws iam get-account-authorization-details);\n"
    "folders are walked recursively. A single PATH '-' reads standard input.\n"
    "\n"
    "Output:\n"
    "  -f, --format FORMAT      text, json, sarif, gitlab (Code Quality), junit or html\n"
    "                           (default: by the -o FILE's ending: .sarif is sarif,\n"
    "                           .json json, .xml junit, .html html; else text)\n"
    "  -o, --output FILE        write the report to FILE (atomically) instead of stdout\n"
    "      --base-dir DIR       result paths are relative to DIR (default: current folder)\n"
    "      --sarif-category ID  SARIF automationDetails.id, to keep several scans apart\n"
    "      --include-suppressed write allowlisted findings too (SARIF: with suppressions)\n"
    "      --timestamps         SARIF: record start and end times (output no longer byte-stable)\n"
    "      --timings            print the time of each phase of the run to stderr\n"
    "      --color WHEN         auto (default), always or never; NO_COLOR is respected\n"
    "  -q, --quiet              print nothing but errors (the report still goes to -o)\n"
    "  -v, --verbose            also list skipped files and why\n"
    "\n"
    "Rules:\n"
    "      --rules DIR          add every *.lua rule in DIR (repeatable)\n"
    "      --rule ID            run only this rule (repeatable)\n"
    "      --skip-rule ID       do not run this rule (repeatable)\n"
    "      --no-builtin         do not load the built-in rules\n"
    "      --pack NAME          add the rules of a pack built into iamguard (repeatable;\n"
    "                           aws-guardrails: every IAM guardrail of the aws-samples\n"
    "                           catalogue; see 'iamguard rules --pack NAME')\n"
    "      --fail-on LEVEL      exit 1 when a finding is at or above LEVEL:\n"
    "                           none, note (default), warning or error\n"
    "      --param ID.NAME=VALUE  set a rule parameter (repeatable; a list is\n"
    "                           comma-separated; see 'iamguard explain ID')\n"
    "\n"
    "Configuration (see docs/CONFIG.md):\n"
    "      --config FILE        read FILE instead of .iamguard.yml (or .iamguard.yaml)\n"
    "                           in the --base-dir folder or the current folder\n"
    "      --no-config          read no configuration file\n"
    "      --baseline FILE      report only findings not in FILE, an earlier SARIF report\n"
    "                           (matched by rule, file and line fingerprint)\n"
    "      --managed-policies FILE  judge attached managed policies by FILE (a newer\n"
    "                           snapshot, managedPolicies.json or an account dump) instead\n"
    "                           of the AWS managed policies built into iamguard\n"
    "      --effective          leave out findings that every holder's permissions boundary\n"
    "                           or a Deny of the same principal blocks (counted as blocked)\n"
    "Options given here win over the file: --rule replaces its rules.only,\n"
    "--skip-rule, --pack, --rules and --exclude add to it, the others replace its values.\n"
    "\n"
    "Inputs:\n"
    "      --exclude GLOB       leave out matching paths (repeatable; '**' crosses folders)\n"
    "      --follow-symlinks    follow symbolic links in folders (loops are cut)\n"
    "      --max-file-size N    skip and report larger files (default 256M; K/M/G suffixes)\n"
    "      --max-expansion N    bytes CloudFormation expressions (Fn::Sub, Fn::Join, ...)\n"
    "                           and YAML aliases may build per file (default 1M, or 16\n"
    "                           times the file's size when that is more)\n"
    "      --max-reach-configs N\n"
    "                           states one exact Resource analysis may explore before\n"
    "                           the statement is reported anyway (default 100000)\n"
    "  -j, --jobs N             worker threads (default: number of CPUs)\n"
    "      --stdin-name NAME    the file name standard input ('-') is reported as\n"
    "                           (default: stdin; a .yaml/.yml name reads YAML)\n"
    "      --shard K/N          scan only the K-th of N deterministic slices of the files\n"
    "\n"
    "Limits for rules:\n"
    "      --rule-memory N      memory per rule (default 64M)\n"
    "      --rule-timeout MS    wall-clock time per rule and document (default 5000)\n"
    "      --rule-instructions N  Lua instructions per rule and document (default 200000000)\n"
    "\n"
    "Exit status: 0 no findings at or above --fail-on, 1 findings, 2 usage error or the\n"
    "scan could not run, 3 some input could not be read or parsed, or a rule failed\n"
    "(the report is still complete for everything else).\n";

enum {
    OPT_BASE_DIR = 256,
    OPT_CATEGORY,
    OPT_INCLUDE_SUPPRESSED,
    OPT_TIMESTAMPS,
    OPT_TIMINGS,
    OPT_COLOR,
    OPT_RULES,
    OPT_RULE,
    OPT_SKIP_RULE,
    OPT_NO_BUILTIN,
    OPT_FAIL_ON,
    OPT_EXCLUDE,
    OPT_FOLLOW,
    OPT_MAX_FILE_SIZE,
    OPT_MAX_EXPANSION,
    OPT_MAX_REACH,
    OPT_SHARD,
    OPT_RULE_MEMORY,
    OPT_RULE_TIMEOUT,
    OPT_RULE_INSTR,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_BASELINE,
    OPT_STDIN_NAME,
    OPT_MANAGED,
    OPT_EFFECTIVE,
    OPT_PARAM,
    OPT_PACK,
    OPT_HELP
};

/* Limits given on the command line, which win over the configuration's. */
enum {
    SET_MAX_FILE_SIZE = 1,
    SET_RULE_MEMORY = 2,
    SET_RULE_TIMEOUT = 4,
    SET_RULE_INSTR = 8,
    SET_MAX_EXPANSION = 16,
    SET_MAX_REACH = 32
};

static const struct option scan_options[] = {
    {"format", required_argument, NULL, 'f'},
    {"output", required_argument, NULL, 'o'},
    {"base-dir", required_argument, NULL, OPT_BASE_DIR},
    {"sarif-category", required_argument, NULL, OPT_CATEGORY},
    {"include-suppressed", no_argument, NULL, OPT_INCLUDE_SUPPRESSED},
    {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
    {"timings", no_argument, NULL, OPT_TIMINGS},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"rules", required_argument, NULL, OPT_RULES},
    {"rule", required_argument, NULL, OPT_RULE},
    {"skip-rule", required_argument, NULL, OPT_SKIP_RULE},
    {"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"follow-symlinks", no_argument, NULL, OPT_FOLLOW},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
    {"max-expansion", required_argument, NULL, OPT_MAX_EXPANSION},
    {"max-reach-configs", required_argument, NULL, OPT_MAX_REACH},
    {"jobs", required_argument, NULL, 'j'},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"rule-memory", required_argument, NULL, OPT_RULE_MEMORY},
    {"rule-timeout", required_argument, NULL, OPT_RULE_TIMEOUT},
    {"rule-instructions", required_argument, NULL, OPT_RULE_INSTR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"stdin-name", required_argument, NULL, OPT_STDIN_NAME},
    {"managed-policies", required_argument, NULL, OPT_MANAGED},
    {"effective", no_argument, NULL, OPT_EFFECTIVE},
    {"param", required_argument, NULL, OPT_PARAM},
    {"pack", required_argument, NULL, OPT_PACK},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0}};

typedef struct progress {
    double start, last;
    int printed;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock and process CPU time now. */
static iamg_phase_time clock_now(void)
{
    struct timespec c;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c) != 0) c.tv_sec = 0, c.tv_nsec = 0;
    iamg_phase_time t = {now(), (double)c.tv_sec + (double)c.tv_nsec / 1e9};
    return t;
}

/*
 * --timings: one line per phase, wall-clock and CPU seconds. Only `check`
 * runs on several threads; the CPU time of the others, as a share of the
 * whole, bounds how much more jobs can help (Amdahl's law).
 */
static void print_timings(iamg_phase_time start, iamg_phase_time scan, iamg_phase_time write,
                          const iamg_stats *st)
{
    iamg_phase_time end = clock_now();
    struct {
        const char *name;
        double wall, cpu;
    } rows[] = {
        {"setup", scan.wall - start.wall, scan.cpu - start.cpu},
        {"walk", st->walk.wall, st->walk.cpu},
        {"check", st->check.wall, st->check.cpu},
        {"merge", st->merge.wall, st->merge.cpu},
        /* Filtering by a baseline, writing the report, freeing it all. */
        {"report", end.wall - write.wall, end.cpu - write.cpu},
        {"total", end.wall - start.wall, end.cpu - start.cpu},
    };
    fprintf(stderr, "timings (seconds): phase wall cpu\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(stderr, "timing %-6s %9.4f %9.4f\n", rows[i].name, rows[i].wall, rows[i].cpu);
    double total = end.cpu - start.cpu;
    fprintf(stderr, "timing serial %.2f%% of cpu time (all but check)\n",
            total > 0 ? 100.0 * (total - st->check.cpu) / total : 0.0);
}

/* A progress line on a terminal, only once a scan has run for a second. */
static void on_progress(void *ud, size_t done, size_t total, size_t findings)
{
    progress *p = ud;
    double t = now();
    if (t - p->start < 1.0 || (t - p->last < 0.2 && done < total)) return;
    p->last = t;
    p->printed = 1;
    fprintf(stderr, "\r\033[K%zu/%zu files, %.0f files/s, %zu findings", done, total,
            (double)done / (t - p->start), findings);
    fflush(stderr);
}

static int parse_shard(const char *s, unsigned *k, unsigned *n)
{
    unsigned long long a, b;
    const char *slash = strchr(s, '/');
    if (!slash) return -1;
    char left[32];
    size_t l = (size_t)(slash - s);
    if (l == 0 || l >= sizeof left) return -1;
    memcpy(left, s, l);
    left[l] = '\0';
    if (cli_parse_uint(left, 1u << 20, &a) || cli_parse_uint(slash + 1, 1u << 20, &b)) return -1;
    if (b == 0 || a == 0 || a > b) return -1;
    *k = (unsigned)a - 1;
    *n = (unsigned)b;
    return 0;
}

/* "iamguard scan ..." with arguments quoted for a POSIX shell. */
static char *join_command_line(int argc, char **argv)
{
    static const char safe[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+";
    size_t n = sizeof "iamguard";
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n);
    if (!s) return NULL;
    size_t k = 0;
    memcpy(s, "iamguard", 8);
    k = 8;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0' && strspn(a, safe) == strlen(a);
        s[k++] = ' ';
        if (!plain) s[k++] = '\'';
        for (const char *c = a; *c; c++) {
            if (*c == '\'') {
                memcpy(s + k, "'\\''", 4);
                k += 4;
            } else {
                s[k++] = *c;
            }
        }
        if (!plain) s[k++] = '\'';
    }
    s[k] = '\0';
    return s;
}

/* GitHub places results only on files inside the checkout: say so when a
 * SARIF report names files outside the base folder. */
static void warn_outside_base(const iamg_results *r)
{
    size_t outside = 0;
    const char *first = NULL, *prev = NULL;
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const char *p = iamg_results_get(r, i)->path;
        if (p && p[0] == '/' && (!prev || strcmp(prev, p) != 0)) {
            outside++;
            if (!first) first = p;
            prev = p;
        }
    }
    if (outside)
        fprintf(
            stderr,
            "iamguard: warning: %zu file%s with findings %s outside the base folder (first: %s); "
            "code scanning and merge requests cannot place them: scan from the repository root or "
            "set "
            "--base-dir\n",
            outside, outside == 1 ? "" : "s", outside == 1 ? "is" : "are", cli_esc(first));
}

/* Exit status for what a scan produced. */
/*
 * Standard input, read whole: a pipe has no size to check beforehand, so
 * reading stops one byte past `max`; the scan then reports the input as over
 * --max-file-size, as it does a file, instead of buffering an endless stream.
 */
static int read_stdin(uint64_t max, char **data, size_t *len)
{
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (max < (uint64_t)SIZE_MAX && (uint64_t)ncap > max + 1) ncap = (size_t)max + 1;
            if (ncap <= n) break; /* one byte past the limit was read */
            char *nb = realloc(b, ncap);
            if (!nb) {
                free(b);
                return IAMG_ENOMEM;
            }
            b = nb;
            cap = ncap;
        }
        size_t got = fread(b + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) break;
    }
    if (ferror(stdin)) {
        free(b);
        cli_errorf("cannot read standard input: %s", strerror(errno));
        return IAMG_EIO;
    }
    *data = b;
    *len = n;
    return 0;
}

/* What the HTML report shows as the scan's configuration: the settings
 * that shaped the results but are not in them (one "exclude" per glob). */
typedef struct report_settings {
    iamg_output_setting *v;
    size_t n;
    char shard[48], allow[32];
} report_settings;

static int settings_fill(report_settings *s, const char *config_path, int no_config,
                         const iamg_config *config, int fail_on, const char *baseline_path,
                         const iamg_scan_options *so, int include_suppressed)
{
    s->v = calloc(6 + so->nexclude, sizeof *s->v);
    if (!s->v) return -1;
    const char *cfg = no_config ? "none (--no-config)" : config_path;
    if (!cfg && config) cfg = config->path;
    s->v[s->n++] = (iamg_output_setting){"configuration", cfg ? cfg : "none found"};
    s->v[s->n++] =
        (iamg_output_setting){"fail-on", fail_on > 0 ? iamg_level_name(fail_on) : "none"};
    if (baseline_path) s->v[s->n++] = (iamg_output_setting){"baseline", baseline_path};
    if (so->shard_count > 1) {
        snprintf(s->shard, sizeof s->shard, "%u/%u", so->shard_index + 1, so->shard_count);
        s->v[s->n++] = (iamg_output_setting){"shard", s->shard};
    }
    for (size_t i = 0; i < so->nexclude; i++)
        s->v[s->n++] = (iamg_output_setting){"exclude", so->exclude[i]};
    snprintf(s->allow, sizeof s->allow, "%zu", so->nallow);
    s->v[s->n++] = (iamg_output_setting){"allowlist entries", s->allow};
    s->v[s->n++] = (iamg_output_setting){"allowlisted findings",
                                         include_suppressed ? "listed" : "counted only"};
    return 0;
}

static cli_exit scan_status(const iamg_results *r, int fail_on)
{
    cli_exit st = EXIT_OK;
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        if (d->code != IAMG_ESKIP && d->level == IAMG_LEVEL_ERROR) st = EXIT_INCOMPLETE;
    }
    if (fail_on > IAMG_LEVEL_NONE) {
        iamg_level max = iamg_results_max_level(r);
        if (max != IAMG_LEVEL_NONE && (int)max >= fail_on) st = cli_worse(st, EXIT_FINDINGS);
    }
    return st;
}

int cli_cmd_scan(int argc, char **argv)
{
    const char *format = NULL, *output = NULL, *base_dir = NULL, *category = NULL;
    const char *color = "auto";
    int quiet = 0, verbose = 0, include_suppressed = 0, timestamps = 0, timings = 0, builtin = 1;
    iamg_phase_time t_start = clock_now(), t_scan = t_start, t_write = t_start;
    iamg_stats scan_stats = {0};
    int fail_on = IAMG_LEVEL_NOTE, fail_on_set = 0;
    const char *config_path = NULL, *baseline_path = NULL, *stdin_name = "stdin";
    const char *managed_path = NULL;
    int effective = 0;
    int no_config = 0, from_stdin = 0;
    char *stdin_data = NULL;
    size_t stdin_len = 0;
    unsigned lim_set = 0;
    iamg_limits cli_lim = IAMG_LIMITS_INIT;
    cli_strlist rules_dirs = {0}, only = {0}, skip = {0}, excludes = {0}, all_excludes = {0};
    cli_strlist params = {0}, packs = {0};
    iamg_config *config = NULL;
    iamg_baseline *baseline = NULL;
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    cli_exit status = EXIT_OK;
    iamg_engine *engine = NULL;
    iamg_results *results = NULL;
    report_settings settings;
    memset(&settings, 0, sizeof settings);
    iamg_error err;
    unsigned long long num;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qvj:", scan_options, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'j':
            if (cli_parse_uint(optarg, 1024, &num) || num == 0) {
                cli_errorf("--jobs needs a number from 1 to 1024, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            so.jobs = (unsigned)num;
            break;
        case OPT_BASE_DIR:
            base_dir = optarg;
            break;
        case OPT_CATEGORY:
            category = optarg;
            break;
        case OPT_INCLUDE_SUPPRESSED:
            include_suppressed = 1;
            break;
        case OPT_TIMESTAMPS:
            timestamps = 1;
            break;
        case OPT_TIMINGS:
            timings = 1;
            break;
        case OPT_COLOR:
            color = optarg;
            break;
        case OPT_RULES:
            if (cli_strlist_add(&rules_dirs, optarg)) goto oom;
            break;
        case OPT_RULE:
            if (cli_strlist_add(&only, optarg)) goto oom;
            break;
        case OPT_SKIP_RULE:
            if (cli_strlist_add(&skip, optarg)) goto oom;
            break;
        case OPT_NO_BUILTIN:
            builtin = 0;
            break;
        case OPT_FAIL_ON:
            fail_on = iamg_level_parse(optarg);
            fail_on_set = 1;
            if (fail_on < 0) {
                cli_errorf("--fail-on must be none, note, warning or error, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_EXCLUDE:
            if (cli_strlist_add(&excludes, optarg)) goto oom;
            break;
        case OPT_FOLLOW:
            so.follow_symlinks = 1;
            break;
        case OPT_MAX_FILE_SIZE:
            lim_set |= SET_MAX_FILE_SIZE;
            if (cli_parse_size(optarg, &cli_lim.max_file_size) || cli_lim.max_file_size == 0) {
                cli_errorf("--max-file-size needs a size like 1048576, 64K, 256M or 1G, not '%s'",
                           optarg);
                status = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_MAX_EXPANSION:
            lim_set |= SET_MAX_EXPANSION;
            if (cli_parse_size(optarg, &cli_lim.max_expansion) || cli_lim.max_expansion == 0) {
                cli_errorf("--max-expansion needs a size like 1048576, 64K, 16M or 1G, not '%s'",
                           optarg);
                status = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_MAX_REACH: {
            unsigned long long n;
            lim_set |= SET_MAX_REACH;
            if (cli_parse_uint(optarg, SIZE_MAX, &n) || n < 1000) {
                cli_errorf("--max-reach-configs needs a whole number of at least 1000, not '%s'",
                           optarg);
                status = EXIT_USAGE;
                goto done;
            }
            cli_lim.max_reach_configs = (size_t)n;
            break;
        }
        case OPT_SHARD:
            if (parse_shard(optarg, &so.shard_index, &so.shard_count)) {
                cli_errorf("--shard needs K/N with 1 <= K <= N, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            break;
        case OPT_RULE_MEMORY: {
            uint64_t m;
            if (cli_parse_size(optarg, &m) || m < (1u << 20)) {
                cli_errorf("--rule-memory needs a size of at least 1M, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            cli_lim.lua_memory = (size_t)m;
            lim_set |= SET_RULE_MEMORY;
            break;
        }
        case OPT_RULE_TIMEOUT:
            if (cli_parse_uint(optarg, 3600000, &num) || num == 0) {
                cli_errorf("--rule-timeout needs milliseconds from 1 to 3600000, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            cli_lim.lua_timeout_ms = (unsigned)num;
            lim_set |= SET_RULE_TIMEOUT;
            break;
        case OPT_RULE_INSTR:
            if (cli_parse_uint(optarg, UINT64_MAX / 2, &num) || num < 1000) {
                cli_errorf("--rule-instructions needs a number of at least 1000, not '%s'", optarg);
                status = EXIT_USAGE;
                goto done;
            }
            cli_lim.lua_instructions = num;
            lim_set |= SET_RULE_INSTR;
            break;
        case OPT_CONFIG:
            config_path = optarg;
            break;
        case OPT_NO_CONFIG:
            no_config = 1;
            break;
        case OPT_BASELINE:
            baseline_path = optarg;
            break;
        case OPT_STDIN_NAME:
            stdin_name = optarg;
            break;
        case OPT_MANAGED:
            managed_path = optarg;
            break;
        case OPT_EFFECTIVE:
            effective = 1;
            break;
        case OPT_PARAM:
            if (cli_strlist_add(&params, optarg)) goto oom;
            break;
        case OPT_PACK:
            if (cli_strlist_add(&packs, optarg)) goto oom;
            break;
        case OPT_HELP:
            fputs(scan_usage, stdout);
            goto done;
        default:
            fputs("Try 'iamguard scan --help'.\n", stderr);
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (!format) format = cli_format_for(output, "text");
    iamg_writer_fn writer = cli_writer_for(format);
    if (!writer) {
        cli_errorf("--format must be text, json, sarif, gitlab, junit or html, not '%s'", format);
        status = EXIT_USAGE;
        goto done;
    }
    int use_color;
    if (!strcmp(color, "always"))
        use_color = 1;
    else if (!strcmp(color, "never"))
        use_color = 0;
    else if (!strcmp(color, "auto")) {
        const char *nc = getenv("NO_COLOR");
        use_color = !output && isatty(STDOUT_FILENO) && !(nc && nc[0]);
    } else {
        cli_errorf("--color must be auto, always or never, not '%s'", color);
        status = EXIT_USAGE;
        goto done;
    }
    if (optind >= argc) {
        cli_errorf("scan needs at least one PATH (try 'iamguard scan .')");
        status = EXIT_USAGE;
        goto done;
    }
    for (int i = optind; i < argc; i++)
        if (strcmp(argv[i], "-") == 0) from_stdin = 1;
    if (from_stdin && argc - optind > 1) {
        cli_errorf("'-' (standard input) cannot be combined with other PATHs");
        status = EXIT_USAGE;
        goto done;
    }
    if (!*stdin_name || strchr(stdin_name, '\n')) {
        cli_errorf("--stdin-name needs a file name");
        status = EXIT_USAGE;
        goto done;
    }

    if (config_path && no_config) {
        cli_errorf("--config and --no-config exclude each other");
        status = EXIT_USAGE;
        goto done;
    }
    if (config_path ? iamg_config_load(config_path, &config, &err)
                    : !no_config && iamg_config_find(base_dir, &config, &err)) {
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    /* Read the baseline before scanning: a wrong path should not cost a scan. */
    if (baseline_path && iamg_baseline_load(baseline_path, &baseline, &err)) {
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    iamg_config_apply_limits(config, &eo.limits);
    if (lim_set & SET_MAX_FILE_SIZE) eo.limits.max_file_size = cli_lim.max_file_size;
    if (lim_set & SET_MAX_EXPANSION) eo.limits.max_expansion = cli_lim.max_expansion;
    if (lim_set & SET_MAX_REACH) eo.limits.max_reach_configs = cli_lim.max_reach_configs;
    if (lim_set & SET_RULE_MEMORY) eo.limits.lua_memory = cli_lim.lua_memory;
    if (lim_set & SET_RULE_TIMEOUT) eo.limits.lua_timeout_ms = cli_lim.lua_timeout_ms;
    if (lim_set & SET_RULE_INSTR) eo.limits.lua_instructions = cli_lim.lua_instructions;
    if (config && config->fail_on >= 0 && !fail_on_set) fail_on = config->fail_on;
    for (size_t i = 0; config && i < config->nexclude; i++)
        if (cli_strlist_add(&all_excludes, config->exclude[i])) goto oom;
    for (size_t i = 0; i < excludes.n; i++)
        if (cli_strlist_add(&all_excludes, excludes.v[i])) goto oom;

    eo.builtin_rules = builtin;
    {
        cli_rule_sources rs = {&packs, &rules_dirs, &only, &skip, &params, managed_path};
        if (cli_engine_load(&eo, &rs, config, &engine)) {
            status = EXIT_USAGE;
            goto done;
        }
    }

    progress prog = {now(), 0, 0};
    so.base_dir = base_dir;
    so.exclude = all_excludes.v;
    so.nexclude = all_excludes.n;
    if (config) {
        so.allow = config->allow;
        so.nallow = config->nallow;
        so.kinds = config->kinds;
        so.nkinds = config->nkinds;
    }
    so.effective = effective || (config && config->effective == 1);
    so.verbose = verbose;
    /* JUnit has a test case per document, HTML counts them by kind; a
     * shard's report carries them for `merge -f junit` and `-f html`. */
    so.documents = writer == iamg_write_junit || writer == iamg_write_html || so.shard_count > 1;
    if (!quiet && isatty(STDERR_FILENO)) {
        so.progress = on_progress;
        so.progress_ud = &prog;
    }
    if (from_stdin) {
        int rrc = read_stdin(iamg_engine_limits(engine)->max_file_size, &stdin_data, &stdin_len);
        if (rrc) {
            if (rrc == IAMG_ENOMEM) goto oom;
            status = EXIT_USAGE;
            goto done;
        }
    }
    t_scan = clock_now();
    if (from_stdin
            ? iamg_scan_buffer(engine, stdin_name, stdin_data, stdin_len, &so, &results, &err)
            : iamg_scan_paths(engine, (const char *const *)argv + optind, (size_t)(argc - optind),
                              &so, &results, &err)) {
        if (prog.printed) fputs("\r\033[K", stderr);
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    t_write = clock_now();
    scan_stats = *iamg_results_stats(results);
    if (prog.printed) fputs("\r\033[K", stderr);
    if (baseline) iamg_results_filter_baseline(results, baseline, NULL);

    char *cwd = NULL;
    if (base_dir)
        cwd = realpath(base_dir, NULL);
    else
        cwd = getcwd(NULL, 0);
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.working_directory = cwd;
    oo.category = category;
    oo.include_suppressed = include_suppressed;
    oo.timestamps = timestamps;
    /* The command line names -j and output paths: recorded only with the
     * other run-specific details, so reports stay byte-identical by default. */
    char *cmdline = timestamps ? join_command_line(argc, argv) : NULL;
    oo.command_line = cmdline;
    oo.color = use_color;
    oo.show_notes = verbose;
    if (writer == iamg_write_html) {
        if (settings_fill(&settings, config_path, no_config, config, fail_on, baseline_path, &so,
                          include_suppressed)) {
            free(cwd);
            free(cmdline);
            goto oom;
        }
        oo.settings = settings.v;
        oo.nsettings = settings.n;
    }
    int wrc;
    if (output && strcmp(output, "-") != 0) {
        wrc = iamg_write_file_atomic(output, writer, engine, results, &oo, &err);
        if (!wrc && !quiet && writer != iamg_write_text) {
            /* The report went to a file: still tell the terminal what happened. */
            iamg_output_options to = oo;
            to.color = isatty(STDERR_FILENO) && !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
            iamg_write_text(stderr, engine, results, &to, NULL);
        }
    } else if (quiet && writer == iamg_write_text) {
        wrc = 0;
    } else {
        wrc = writer(stdout, engine, results, &oo, &err);
    }
    free(cwd);
    free(cmdline);
    if (writer == iamg_write_sarif || writer == iamg_write_gitlab) warn_outside_base(results);
    if (wrc) {
        cli_error(&err);
        status = EXIT_USAGE;
        goto done;
    }
    if (quiet) {
        /* Errors still reach stderr: what was not checked must never be silent. */
        for (size_t i = 0; i < iamg_results_diag_count(results); i++) {
            const iamg_diag *d = iamg_results_diag(results, i);
            if (d->level != IAMG_LEVEL_ERROR || d->code == IAMG_ESKIP) continue;
            fputs("iamguard: ", stderr);
            if (d->path) {
                fputs(cli_esc(d->path), stderr);
                if (d->line) fprintf(stderr, ":%u:%u", d->line, d->column);
                fputs(": ", stderr);
            }
            fprintf(stderr, "%s\n", cli_esc(d->message));
        }
    }
    status = scan_status(results, fail_on);
    goto done;
oom:
    cli_errorf("out of memory");
    status = EXIT_USAGE;
done:
    free(settings.v);
    free(stdin_data);
    iamg_results_free(results);
    iamg_engine_free(engine);
    iamg_baseline_free(baseline);
    iamg_config_free(config);
    cli_strlist_free(&all_excludes);
    cli_strlist_free(&rules_dirs);
    cli_strlist_free(&params);
    cli_strlist_free(&packs);
    cli_strlist_free(&only);
    cli_strlist_free(&skip);
    cli_strlist_free(&excludes);
    if (timings) print_timings(t_start, t_scan, t_write, &scan_stats);
    return status;
}
