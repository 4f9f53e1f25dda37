/*
 * cli/cmd_test_rules.c - iamguard test-rules: the rule author's test runner.
 *
 * Convention: next to each rule file DIR/NAME.lua, a folder DIR/NAME.tests/
 * holds cases. A case is a policy file CASE.json, CASE.yaml, CASE.yml or
 * CASE.template with CASE.expected beside it: one line per finding the rules
 * of NAME.lua must report on it, "RULE-ID LINE:COL", optionally followed by
 * the level. Lines are compared as a set, so their order does not matter;
 * blank lines and '#' comments are ignored, and an empty file expects no
 * findings. Each case runs with the rules of NAME.lua alone (no built-in
 * rules, no other files of DIR), so a case tests exactly one file.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char test_rules_usage[] =
    "usage: iamguard test-rules [options] DIR|FILE.lua...\n"
    "\n"
    "Run the tests of rule files. For each DIR/NAME.lua (or each FILE.lua given),\n"
    "every policy CASE.json, CASE.yaml, CASE.yml or CASE.template in NAME.tests/ is\n"
    "scanned with the rules of NAME.lua alone (no built-in rules), and the findings\n"
    "are compared with NAME.tests/CASE.expected: one line per expected finding,\n"
    "\"RULE-ID LINE:COL\", optionally followed by its level (then every line of the\n"
    "file gives one). Order does not matter; blank lines and lines starting with '#'\n"
    "are ignored; an empty file expects no findings. A mismatch is shown as a diff:\n"
    "'-' lines were expected and not reported, '+' lines reported and not expected.\n"
    "'iamguard new-rule ID' writes a rule with passing tests to start from.\n"
    "\n"
    "Options:\n"
    "  -u, --update     write each CASE.expected from the findings instead of comparing\n"
    "                   (check the result before committing it)\n"
    "  -q, --quiet      print only failures and the summary\n"
    "  -v, --verbose    also print the problems iamguard noted in the cases\n"
    "\n"
    "Exit status: 0 every case passed, 1 some case did not match, 2 usage error\n"
    "(no rule file, a malformed .expected, an .expected without its case), 3 a rule\n"
    "file failed to load, a rule failed on a case, or a case holds no policy.\n";

enum { OPT_HELP = 256 };

static const struct option options[] = {{"update", no_argument, NULL, 'u'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"verbose", no_argument, NULL, 'v'},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

static const char *const case_exts[] = {".json", ".yaml", ".yml", ".template", NULL};

typedef struct run_state {
    int update, quiet, verbose;
    size_t files, untested, cases, passed, failed, errors, updated;
    cli_exit status;
} run_state;

/* One finding line: canonical text and its sort key. */
typedef struct fline {
    char text[320];
    unsigned line, col;
} fline;

typedef struct flines {
    fline *v;
    size_t n, cap;
} flines;

static void flines_free(flines *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static fline *flines_push(flines *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        fline *v = realloc(l->v, cap * sizeof *v);
        if (!v) return NULL;
        l->v = v;
        l->cap = cap;
    }
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    return &l->v[l->n++];
}

static int fline_cmp(const void *a, const void *b)
{
    const fline *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return strcmp(x->text, y->text);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names of the entries of `dir` that `keep` accepts (new strings
 * in a new array; free with free_names). -1 when the folder cannot be read. */
static int list_dir(const char *dir, int (*keep)(const char *), char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    size_t cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !keep(de->d_name)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **v = realloc(*out, cap * sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            *out = v;
        }
        if (!((*out)[*n] = strdup(de->d_name))) {
            rc = -1;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(*out, *n, sizeof **out, name_cmp);
    return rc;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int keep_lua(const char *name)
{
    return has_suffix(name, ".lua");
}

static int keep_case_or_expected(const char *name)
{
    for (int i = 0; case_exts[i]; i++)
        if (has_suffix(name, case_exts[i])) return 1;
    return has_suffix(name, ".expected");
}

/* The case name of a policy file name (its name without the extension), or
 * 0 when it is not a case. */
static int case_stem(const char *name, char *stem, size_t cap)
{
    for (int i = 0; case_exts[i]; i++) {
        if (has_suffix(name, case_exts[i])) {
            size_t n = strlen(name) - strlen(case_exts[i]);
            if (n == 0 || n >= cap) return 0;
            memcpy(stem, name, n);
            stem[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Parse CASE.expected into lines. The comment lines before the first
 * finding are kept in *header (new string or NULL), for --update to write
 * back. Returns 0, 1 when the file does not exist, or -1 after printing
 * what is wrong with it. */
static int read_expected(const char *path, flines *out, int *with_levels, char **header)
{
    *header = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 1;
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[1024];
    unsigned lineno = 0;
    int rc = 0, levels = -1;
    size_t hlen = 0;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            cli_errorf("%s:%u: line too long", path, lineno);
            rc = -1;
            break;
        }
        char *p = buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' && levels < 0) {
            char *h = realloc(*header, hlen + len + 2);
            if (!h) {
                cli_errorf("out of memory");
                rc = -1;
                break;
            }
            memcpy(h + hlen, buf, len);
            hlen += len;
            if (h[hlen - 1] != '\n') h[hlen++] = '\n';
            h[hlen] = '\0';
            *header = h;
        }
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0') continue;
        char id[256], pos[64], level[32], extra[2];
        int k = sscanf(p, "%255s %63s %31s %1s", id, pos, level, extra);
        unsigned line, col;
        char tail;
        if (k < 2 || k > 3 || sscanf(pos, "%u:%u%c", &line, &col, &tail) != 2 || line == 0 ||
            col == 0) {
            cli_errorf("%s:%u: expected \"RULE-ID LINE:COL\" or \"RULE-ID LINE:COL LEVEL\"", path,
                       lineno);
            rc = -1;
            break;
        }
        if (k == 3 && iamg_level_parse(level) <= IAMG_LEVEL_NONE) {
            cli_errorf("%s:%u: '%s' is not a level: error, warning or note", path, lineno, level);
            rc = -1;
            break;
        }
        if (levels >= 0 && levels != (k == 3)) {
            cli_errorf("%s:%u: give the level on every line or on none", path, lineno);
            rc = -1;
            break;
        }
        levels = k == 3;
        fline *fl = flines_push(out);
        if (!fl) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
        fl->line = line;
        fl->col = col;
        if (k == 3)
            snprintf(fl->text, sizeof fl->text, "%s %u:%u %s", id, line, col, level);
        else
            snprintf(fl->text, sizeof fl->text, "%s %u:%u", id, line, col);
    }
    if (!rc && ferror(f)) {
        cli_errorf("%s: read error", path);
        rc = -1;
    }
    fclose(f);
    *with_levels = levels == 1;
    return rc;
}

/* Print a diff of two sorted lists; returns the number of differences. */
static size_t diff(const flines *want, const flines *got, int print)
{
    size_t i = 0, j = 0, ndiff = 0;
    while (i < want->n || j < got->n) {
        int c = i == want->n ? 1 : j == got->n ? -1 : fline_cmp(&want->v[i], &got->v[j]);
        if (c == 0) {
            if (print) printf(" %s\n", want->v[i].text);
            i++, j++;
        } else if (c < 0) {
            if (print) printf("-%s\n", want->v[i].text);
            i++, ndiff++;
        } else {
            if (print) printf("+%s\n", got->v[j].text);
            j++, ndiff++;
        }
    }
    return ndiff;
}

/* "  path:line:col: level[RULE] message" of a problem iamguard noted. */
static void print_problem(const iamg_diag *d, const char *prefix)
{
    printf("%s%s", prefix, d->path ? d->path : "");
    if (d->line) printf(":%u", d->line);
    if (d->line && d->column) printf(":%u", d->column);
    if (d->rule_id)
        printf(": %s[%s] %s\n", iamg_level_name(d->level), d->rule_id, d->message);
    else
        printf(": %s: %s\n", iamg_level_name(d->level), d->message);
}

static int write_expected(const char *path, const char *header, const flines *got)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    if (header) fputs(header, f);
    for (size_t i = 0; i < got->n; i++)
        fprintf(f, "%s\n", got->v[i].text);
    if (fclose(f) != 0) {
        cli_errorf("%s: write error", path);
        return -1;
    }
    return 0;
}

/* Run one case: tests_dir/name with the engine of one rule file. */
static void run_case(run_state *rs, iamg_engine *e, const char *rule_name, const char *tests_dir,
                     const char *name, const char *stem)
{
    char case_path[4096], expected_path[4096];
    flines want = {0}, got = {0};
    iamg_results *r = NULL;
    int with_levels = 0;
    char *header = NULL;
    rs->cases++;
    if ((size_t)snprintf(case_path, sizeof case_path, "%s/%s", tests_dir, name) >=
            sizeof case_path ||
        (size_t)snprintf(expected_path, sizeof expected_path, "%s/%s.expected", tests_dir, stem) >=
            sizeof expected_path) {
        cli_errorf("%s/%s: path too long", tests_dir, name);
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        rs->errors++;
        return;
    }
    int have = read_expected(expected_path, &want, &with_levels, &header);
    if (have < 0) {
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        rs->errors++;
        goto done;
    }

    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = tests_dir;
    so.jobs = 1;
    iamg_error err;
    const char *paths[] = {case_path};
    if (iamg_scan_paths(e, paths, 1, &so, &r, &err)) {
        cli_error(&err);
        rs->status = cli_worse(rs->status, EXIT_INCOMPLETE);
        rs->errors++;
        goto done;
    }

    /* Problems: a rule that failed, or a case iamguard could not read, make
     * the case an error, since its findings prove nothing. */
    int broken = 0;
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        int fatal = d->code == IAMG_ERULE || d->level == IAMG_LEVEL_ERROR;
        if (fatal && !broken) printf("ERROR %s %s\n", rule_name, name);
        if (fatal || rs->verbose) print_problem(d, "  ");
        broken |= fatal;
    }
    if (!broken && iamg_results_stats(r)->documents == 0) {
        printf("ERROR %s %s\n  %s: holds no policy document iamguard recognises: nothing to test\n",
               rule_name, name, case_path);
        broken = 1;
    }
    if (broken) {
        rs->status = cli_worse(rs->status, EXIT_INCOMPLETE);
        rs->errors++;
        goto done;
    }

    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        fline *fl = flines_push(&got);
        if (!fl) {
            cli_errorf("out of memory");
            rs->status = cli_worse(rs->status, EXIT_USAGE);
            goto done;
        }
        fl->line = f->line;
        fl->col = f->column;
        if (with_levels)
            snprintf(fl->text, sizeof fl->text, "%s %u:%u %s", f->rule_id, f->line, f->column,
                     iamg_level_name(f->level));
        else
            snprintf(fl->text, sizeof fl->text, "%s %u:%u", f->rule_id, f->line, f->column);
    }
    if (want.n) qsort(want.v, want.n, sizeof *want.v, fline_cmp);
    if (got.n) qsort(got.v, got.n, sizeof *got.v, fline_cmp);

    if (rs->update) {
        if (have == 0 && diff(&want, &got, 0) == 0) {
            rs->passed++;
            if (!rs->quiet) printf("ok   %s %s\n", rule_name, name);
        } else if (write_expected(expected_path, header, &got) == 0) {
            rs->updated++;
            printf("updated %s (%zu finding%s)\n", expected_path, got.n, got.n == 1 ? "" : "s");
        } else {
            rs->status = cli_worse(rs->status, EXIT_USAGE);
            rs->errors++;
        }
        goto done;
    }
    if (have == 1) {
        rs->failed++;
        rs->status = cli_worse(rs->status, EXIT_FINDINGS);
        printf("FAIL %s %s\n  no %s: create it with the lines below (or run with --update)\n",
               rule_name, name, expected_path);
        printf("--- %s\n+++ %s\n", expected_path, case_path);
        diff(&want, &got, 1);
        goto done;
    }
    if (diff(&want, &got, 0) == 0) {
        rs->passed++;
        if (!rs->quiet)
            printf("ok   %s %s (%zu finding%s)\n", rule_name, name, got.n, got.n == 1 ? "" : "s");
    } else {
        rs->failed++;
        rs->status = cli_worse(rs->status, EXIT_FINDINGS);
        printf("FAIL %s %s\n--- %s (expected)\n+++ %s (reported)\n", rule_name, name, expected_path,
               case_path);
        diff(&want, &got, 1);
    }
done:
    free(header);
    iamg_results_free(r);
    flines_free(&want);
    flines_free(&got);
}

/* Run the cases of one rule file: dir/file (file ends in ".lua"). */
static void run_rule_file(run_state *rs, const char *dir, const char *file)
{
    char rule_path[4096], tests_dir[4096];
    size_t base = strlen(file) - 4;
    iamg_engine *e = NULL;
    char **names = NULL;
    size_t n = 0;
    rs->files++;
    if ((size_t)snprintf(rule_path, sizeof rule_path, "%s/%s", dir, file) >= sizeof rule_path ||
        (size_t)snprintf(tests_dir, sizeof tests_dir, "%s/%.*s.tests", dir, (int)base, file) >=
            sizeof tests_dir) {
        cli_errorf("%s/%s: path too long", dir, file);
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        return;
    }

    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_error err;
    if (iamg_engine_new(&eo, &e, &err) || iamg_engine_add_rule_file(e, rule_path, &err)) {
        cli_error(&err);
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        goto done;
    }
    if (iamg_engine_diag_count(e)) {
        printf("ERROR %s: the rule file does not load\n", file);
        for (size_t i = 0; i < iamg_engine_diag_count(e); i++) {
            const iamg_diag *d = iamg_engine_diag(e, i);
            print_problem(d, "  ");
        }
        rs->errors++;
        rs->status = cli_worse(rs->status, EXIT_INCOMPLETE);
        goto done;
    }
    if (!is_dir(tests_dir)) {
        rs->untested++;
        if (!rs->quiet)
            printf("--   %s: no tests (add cases to %s/, see 'iamguard test-rules --help')\n", file,
                   tests_dir);
        goto done;
    }
    if (list_dir(tests_dir, keep_case_or_expected, &names, &n)) {
        cli_errorf("%s: cannot read the folder: %s", tests_dir, strerror(errno));
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        goto done;
    }
    /* Every .expected needs exactly one case; checked before running any, so
     * a renamed fixture is not silently skipped. */
    for (size_t i = 0; i < n; i++) {
        if (!has_suffix(names[i], ".expected")) continue;
        size_t stem_len = strlen(names[i]) - strlen(".expected");
        int cases = 0;
        char stem[1024];
        for (size_t j = 0; j < n; j++)
            if (case_stem(names[j], stem, sizeof stem) && strlen(stem) == stem_len &&
                strncmp(stem, names[i], stem_len) == 0)
                cases++;
        if (cases != 1) {
            cli_errorf("%s/%s: %s", tests_dir, names[i],
                       cases ? "several cases share this file: give them different names"
                             : "no case CASE.json, .yaml, .yml or .template goes with it");
            rs->status = cli_worse(rs->status, EXIT_USAGE);
            rs->errors++;
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char stem[1024];
        if (case_stem(names[i], stem, sizeof stem))
            run_case(rs, e, file, tests_dir, names[i], stem);
    }
done:
    free_names(names, n);
    iamg_engine_free(e);
}

int cli_cmd_test_rules(int argc, char **argv)
{
    run_state rs;
    memset(&rs, 0, sizeof rs);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "uqv", options, NULL)) != -1) {
        switch (c) {
        case 'u':
            rs.update = 1;
            break;
        case 'q':
            rs.quiet = 1;
            break;
        case 'v':
            rs.verbose = 1;
            break;
        case OPT_HELP:
            fputs(test_rules_usage, stdout);
            return EXIT_OK;
        default:
            fputs(test_rules_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_errorf("test-rules needs a folder of rules or a rule file");
        fputs(test_rules_usage, stderr);
        return EXIT_USAGE;
    }
    for (int a = optind; a < argc; a++) {
        const char *arg = argv[a];
        if (is_dir(arg)) {
            char **files = NULL;
            size_t n = 0;
            if (list_dir(arg, keep_lua, &files, &n)) {
                cli_errorf("%s: cannot read the folder: %s", arg, strerror(errno));
                rs.status = cli_worse(rs.status, EXIT_USAGE);
                continue;
            }
            if (n == 0) {
                cli_errorf("%s: no *.lua rule file in this folder", arg);
                rs.status = cli_worse(rs.status, EXIT_USAGE);
            }
            for (size_t i = 0; i < n; i++)
                run_rule_file(&rs, arg, files[i]);
            free_names(files, n);
        } else if (has_suffix(arg, ".lua") && strlen(arg) > 4) {
            /* A single rule file: split it into folder and name. */
            char dir[4096];
            const char *slash = strrchr(arg, '/');
            size_t dlen = slash ? (size_t)(slash - arg) : 0;
            if (dlen >= sizeof dir) {
                cli_errorf("%s: path too long", arg);
                rs.status = cli_worse(rs.status, EXIT_USAGE);
                continue;
            }
            if (!slash)
                snprintf(dir, sizeof dir, ".");
            else if (dlen == 0)
                snprintf(dir, sizeof dir, "/");
            else
                snprintf(dir, sizeof dir, "%.*s", (int)dlen, arg);
            struct stat st;
            if (stat(arg, &st) != 0) {
                cli_errorf("%s: %s", arg, strerror(errno));
                rs.status = cli_worse(rs.status, EXIT_USAGE);
                continue;
            }
            run_rule_file(&rs, dir, slash ? slash + 1 : arg);
        } else {
            cli_errorf("%s: not a folder or a .lua rule file", arg);
            rs.status = cli_worse(rs.status, EXIT_USAGE);
        }
    }
    printf("test-rules: %zu case%s in %zu rule file%s: %zu passed, %zu failed, %zu error%s",
           rs.cases, rs.cases == 1 ? "" : "s", rs.files, rs.files == 1 ? "" : "s", rs.passed,
           rs.failed, rs.errors, rs.errors == 1 ? "" : "s");
    if (rs.updated) printf(", %zu updated", rs.updated);
    if (rs.untested)
        printf(", %zu rule file%s without tests", rs.untested, rs.untested == 1 ? "" : "s");
    printf("\n");
    return rs.status;
}
