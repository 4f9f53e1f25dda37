/*
 * cli/cmd_test_rules.c - iamguard test-rules: the rule author's test runner.
 *
 * Convention: next to each rule file DIR/NAME.lua, a folder DIR/NAME.tests/
 * holds cases. A case is a policy file CASE.json, CASE.yaml, CASE.yml or
 * CASE.template with CASE.expected beside it: one line per finding the rules
 * of NAME.lua must report on it, "RULE-ID LINE:COL", optionally followed by
 * the level and by a quoted text the message must contain. Lines are
 * matched one to one with the findings, in any order; blank lines and '#'
 * comments are ignored, and an empty file expects no findings. CASE.iamguard.yml
 * beside a case is its configuration (parameters, levels, allowlist). Each
 * case runs with the rules of NAME.lua alone (no built-in rules, no other
 * files of DIR), so a case tests exactly one file.
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
    "file gives one) and by a quoted text its message must contain:\n"
    "    ORG-S3-1 8:19 warning \"any bucket\"\n"
    "Order does not matter; blank lines and lines starting with '#' are ignored; an\n"
    "empty file expects no findings. CASE.iamguard.yml beside a case configures it\n"
    "like .iamguard.yml (rule parameters, levels, allowlist: allowlisted findings are\n"
    "not reported). A mismatch is shown as a diff: '-' lines were expected and not\n"
    "reported, '+' lines reported and not expected, followed by the messages and by\n"
    "what the rules wrote with log(). 'iamguard new-rule ID' writes a rule with\n"
    "passing tests to start from. Lua files of DIR that rules require() are modules,\n"
    "not rule files.\n"
    "\n"
    "Options:\n"
    "  -u, --update     write each CASE.expected from the findings instead of comparing\n"
    "                   (check the result before committing it)\n"
    "  -q, --quiet      print only failures and the summary\n"
    "  -v, --verbose    also print the problems iamguard noted in the cases and log() lines\n"
    "\n"
    "Exit status: 0 every case passed, 1 some case did not match, 2 usage error\n"
    "(no rule file, a malformed .expected or configuration, an .expected without its\n"
    "case), 3 a rule file failed to load, a rule failed on a case, or a case holds no\n"
    "policy.\n";

enum { OPT_HELP = 256 };

static const struct option options[] = {{"update", no_argument, NULL, 'u'},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"verbose", no_argument, NULL, 'v'},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

static const char *const case_exts[] = {".json", ".yaml", ".yml", ".template", NULL};
/* A case's configuration, CASE + one of these. */
static const char *const config_exts[] = {".iamguard.yml", ".iamguard.yaml", NULL};

typedef struct run_state {
    int update, quiet, verbose;
    size_t files, untested, cases, passed, failed, errors, updated;
    cli_exit status;
} run_state;

/* One line of an .expected file, or one finding reported. */
typedef struct fline {
    char id[256];
    unsigned line, col;
    int level;    /* an iamg_level, or -1 when the line gives none */
    char *text;   /* expected: the quoted text, or NULL; reported: the message */
    long partner; /* index of the matched line in the other list, or -1 */
} fline;

typedef struct flines {
    fline *v;
    size_t n, cap;
} flines;

static void flines_free(flines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
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
    l->v[l->n].level = -1;
    l->v[l->n].partner = -1;
    return &l->v[l->n++];
}

static int fline_cmp(const void *a, const void *b)
{
    const fline *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    if (x->level != y->level) return x->level < y->level ? -1 : 1;
    if (!x->text || !y->text) return !x->text - !y->text;
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

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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

static int is_config_name(const char *name)
{
    for (int i = 0; config_exts[i]; i++)
        if (has_suffix(name, config_exts[i])) return 1;
    return 0;
}

static int keep_case_or_expected(const char *name)
{
    if (is_config_name(name)) return 0;
    for (int i = 0; case_exts[i]; i++)
        if (has_suffix(name, case_exts[i])) return 1;
    return has_suffix(name, ".expected");
}

/* The case name of a policy file name (its name without the extension), or
 * 0 when it is not a case. */
static int case_stem(const char *name, char *stem, size_t cap)
{
    if (is_config_name(name)) return 0;
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

/* Parse one finding line (no comment, not blank) into fl. 0, or -1 with a
 * message in why. */
static int parse_line(const char *p, fline *fl, char *why, size_t cap)
{
    size_t k = 0;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && k + 1 < sizeof fl->id)
        fl->id[k++] = *p++;
    fl->id[k] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    char *end;
    errno = 0;
    unsigned long line = strtoul(p, &end, 10);
    if (end == p || *end != ':' || errno || line == 0 || line > 100000000) goto bad;
    p = end + 1;
    unsigned long col = strtoul(p, &end, 10);
    if (end == p || errno || col == 0 || col > 100000000) goto bad;
    if (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') goto bad;
    fl->line = (unsigned)line;
    fl->col = (unsigned)col;
    p = end;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p && *p != '"' && *p != '\n' && *p != '\r') {
        char level[32];
        k = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && k + 1 < sizeof level)
            level[k++] = *p++;
        level[k] = '\0';
        fl->level = iamg_level_parse(level);
        if (fl->level <= IAMG_LEVEL_NONE) {
            snprintf(why, cap, "'%s' is not a level: error, warning or note", level);
            return -1;
        }
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (*p == '"') {
        size_t len = strlen(p);
        char *text = malloc(len + 1);
        if (!text) {
            snprintf(why, cap, "out of memory");
            return -1;
        }
        k = 0;
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
            text[k++] = *p;
        }
        text[k] = '\0';
        fl->text = text;
        if (*p != '"' || k == 0) {
            snprintf(why, cap, "the message text must be a non-empty \"quoted text\"");
            return -1;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (*p && *p != '\n' && *p != '\r') goto bad;
    return 0;
bad:
    snprintf(why, cap,
             "expected \"RULE-ID LINE:COL\", optionally followed by LEVEL and \"message text\"");
    return -1;
}

/* Parse CASE.expected into lines. The comment lines before the first
 * finding are kept in *header (new string or NULL), for --update to write
 * back; *with_text says whether some line gives a message text. Returns 0,
 * 1 when the file does not exist, or -1 after printing what is wrong. */
static int read_expected(const char *path, flines *out, int *with_levels, int *with_text,
                         char **header)
{
    *header = NULL;
    *with_text = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 1;
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[4096];
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
        fline *fl = flines_push(out);
        if (!fl) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
        char why[160];
        if (parse_line(p, fl, why, sizeof why)) {
            cli_errorf("%s:%u: %s", path, lineno, why);
            rc = -1;
            break;
        }
        int has_level = fl->level > 0;
        if (levels >= 0 && levels != has_level) {
            cli_errorf("%s:%u: give the level on every line or on none", path, lineno);
            rc = -1;
            break;
        }
        levels = has_level;
        *with_text |= fl->text != NULL;
    }
    if (!rc && ferror(f)) {
        cli_errorf("%s: read error", path);
        rc = -1;
    }
    fclose(f);
    *with_levels = levels == 1;
    return rc;
}

/* Does expected line w accept reported finding g? */
static int accepts(const fline *w, const fline *g)
{
    return w->line == g->line && w->col == g->col && strcmp(w->id, g->id) == 0 &&
           (w->level < 0 || w->level == g->level) && (!w->text || strstr(g->text, w->text));
}

/* Kuhn's augmenting path from expected line i (seen: reported lines tried). */
static int augment(flines *want, flines *got, size_t i, char *seen)
{
    for (size_t j = 0; j < got->n; j++) {
        if (seen[j] || !accepts(&want->v[i], &got->v[j])) continue;
        seen[j] = 1;
        long other = got->v[j].partner;
        if (other < 0 || augment(want, got, (size_t)other, seen)) {
            want->v[i].partner = (long)j;
            got->v[j].partner = (long)i;
            return 1;
        }
    }
    return 0;
}

/* Pair expected lines with findings, as many as possible (a line with a
 * text or level accepts fewer findings than one without, so a greedy pass
 * could miss a pairing that exists). Returns the unpaired count of both. */
static size_t match(flines *want, flines *got)
{
    char *seen = calloc(got->n ? got->n : 1, 1);
    if (!seen) return (size_t)-1;
    for (size_t i = 0; i < want->n; i++) {
        memset(seen, 0, got->n);
        augment(want, got, i, seen);
    }
    free(seen);
    size_t unpaired = 0;
    for (size_t i = 0; i < want->n; i++)
        unpaired += want->v[i].partner < 0;
    for (size_t j = 0; j < got->n; j++)
        unpaired += got->v[j].partner < 0;
    return unpaired;
}

/* Write a quoted message text, escaping '"' and '\\'; on the screen, also
 * what a terminal must not see (cli_esc). */
static void put_quoted(FILE *f, const char *s)
{
    if (f == stdout) s = cli_esc(s);
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One line as an .expected file has it; reported findings give their
 * level when `levels`, their whole message when `texts`. */
static void put_line(FILE *f, const fline *l, int reported, int levels, int texts)
{
    fprintf(f, "%s %u:%u", f == stdout ? cli_esc(l->id) : l->id, l->line, l->col);
    if (l->level > 0 && (!reported || levels)) fprintf(f, " %s", iamg_level_name(l->level));
    if (l->text && (!reported || texts)) {
        fputc(' ', f);
        put_quoted(f, l->text);
    }
}

/* The diff of a case: paired lines (as expected), '-' expected lines no
 * finding matched, '+' findings no line expected, in position order; then
 * the message of each unexpected finding when the lines do not show it. */
static void print_diff(const flines *want, const flines *got, int levels, int texts)
{
    size_t i = 0, j = 0;
    while (i < want->n || j < got->n) {
        int take_want;
        if (i == want->n)
            take_want = 0;
        else if (j == got->n)
            take_want = 1;
        else
            take_want = fline_cmp(&want->v[i], &got->v[j]) <= 0;
        if (take_want) {
            fputc(want->v[i].partner >= 0 ? ' ' : '-', stdout);
            put_line(stdout, &want->v[i], 0, levels, texts);
            fputc('\n', stdout);
            i++;
        } else {
            if (got->v[j].partner < 0) {
                fputc('+', stdout);
                put_line(stdout, &got->v[j], 1, levels, texts);
                fputc('\n', stdout);
            }
            j++;
        }
    }
    if (texts) return;
    for (j = 0; j < got->n; j++) {
        const fline *g = &got->v[j];
        if (g->partner < 0)
            printf("  %s %u:%u %s: %s\n", cli_esc(g->id), g->line, g->col,
                   iamg_level_name(g->level), cli_esc(g->text));
    }
}

/* "  path:line:col: level[RULE] message" of a problem iamguard noted. */
static void print_problem(const iamg_diag *d, const char *prefix)
{
    printf("%s%s", prefix, d->path ? cli_esc_line(d->path) : "");
    if (d->line) printf(":%u", d->line);
    if (d->line && d->column) printf(":%u", d->column);
    if (d->rule_id)
        printf(": %s[%s%s] %s\n", iamg_level_name(d->level), d->code == IAMG_ELOG ? "log " : "",
               cli_esc(d->rule_id), cli_esc(d->message));
    else
        printf(": %s: %s\n", iamg_level_name(d->level), cli_esc(d->message));
}

/* What the rules wrote with log() on the case. */
static void print_logs(const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        if (d->code == IAMG_ELOG)
            printf("  log %s %s\n", d->rule_id ? cli_esc(d->rule_id) : "", cli_esc(d->message));
    }
}

static int write_expected(const char *path, const char *header, const flines *got, int levels,
                          int texts)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    if (header) fputs(header, f);
    for (size_t i = 0; i < got->n; i++) {
        put_line(f, &got->v[i], 1, levels, texts);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        cli_errorf("%s: write error", path);
        return -1;
    }
    return 0;
}

/* A new engine with the rules of rule_path and the configuration at
 * config_path applied; 0, or -1 after printing why. */
static int case_engine(const char *rule_path, const char *config_path, iamg_config **config,
                       iamg_engine **out)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_error err;
    *out = NULL;
    if (iamg_config_load(config_path, config, &err)) {
        cli_error(&err);
        return -1;
    }
    iamg_config_apply_limits(*config, &eo.limits);
    if (iamg_engine_new(&eo, out, &err) || iamg_engine_add_rule_file(*out, rule_path, &err) ||
        iamg_config_apply(*config, *out, NULL, 0, NULL, 0, &err) ||
        ((*config)->managed_policies &&
         iamg_engine_set_managed_policies(*out, (*config)->managed_policies, &err))) {
        cli_error(&err);
        return -1;
    }
    return 0;
}

/* Run one case: tests_dir/name with the engine of one rule file (or one of
 * its own when the case has a configuration). */
static void run_case(run_state *rs, iamg_engine *e, const char *rule_path, const char *rule_name,
                     const char *tests_dir, const char *name, const char *stem)
{
    char case_path[4096], expected_path[4096], config_path[4096] = "";
    flines want = {0}, got = {0};
    iamg_results *r = NULL;
    iamg_config *config = NULL;
    iamg_engine *own = NULL;
    int with_levels = 0, with_text = 0;
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
    for (int i = 0; config_exts[i]; i++) {
        char p[4096];
        if ((size_t)snprintf(p, sizeof p, "%s/%s%s", tests_dir, stem, config_exts[i]) < sizeof p &&
            is_file(p)) {
            if (config_path[0]) {
                cli_errorf("%s and %s both exist: keep one", config_path, p);
                rs->status = cli_worse(rs->status, EXIT_USAGE);
                rs->errors++;
                return;
            }
            snprintf(config_path, sizeof config_path, "%s", p);
        }
    }
    int have = read_expected(expected_path, &want, &with_levels, &with_text, &header);
    if (have < 0) {
        rs->status = cli_worse(rs->status, EXIT_USAGE);
        rs->errors++;
        goto done;
    }
    if (config_path[0]) {
        if (case_engine(rule_path, config_path, &config, &own)) {
            rs->status = cli_worse(rs->status, EXIT_USAGE);
            rs->errors++;
            goto done;
        }
        e = own;
    }

    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = tests_dir;
    so.jobs = 1;
    so.verbose = 1; /* log() lines, shown when the case fails */
    if (config) {
        so.allow = config->allow;
        so.nallow = config->nallow;
        so.kinds = config->kinds;
        so.nkinds = config->nkinds;
        so.effective = config->effective == 1;
    }
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
        if (fatal && !broken) printf("ERROR %s %s\n", cli_esc(rule_name), cli_esc(name));
        broken |= fatal;
    }
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        if (broken || (rs->verbose && d->code != IAMG_ELOG)) print_problem(d, "  ");
    }
    if (!broken && iamg_results_stats(r)->documents == 0) {
        printf("ERROR %s %s\n  %s: holds no policy document iamguard recognises: nothing to test\n",
               cli_esc(rule_name), cli_esc(name), cli_esc(case_path));
        broken = 1;
    }
    if (broken) {
        rs->status = cli_worse(rs->status, EXIT_INCOMPLETE);
        rs->errors++;
        goto done;
    }

    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (f->suppressed) continue; /* the case's allowlist accepts it */
        fline *fl = flines_push(&got);
        if (!fl || !(fl->text = strdup(f->message))) {
            cli_errorf("out of memory");
            rs->status = cli_worse(rs->status, EXIT_USAGE);
            goto done;
        }
        snprintf(fl->id, sizeof fl->id, "%s", f->rule_id);
        fl->line = f->line;
        fl->col = f->column;
        fl->level = (int)f->level;
    }
    if (want.n) qsort(want.v, want.n, sizeof *want.v, fline_cmp);
    if (got.n) qsort(got.v, got.n, sizeof *got.v, fline_cmp);
    size_t unpaired = match(&want, &got);

    if (rs->update) {
        if (have == 0 && unpaired == 0) {
            rs->passed++;
            if (!rs->quiet) printf("ok   %s %s\n", cli_esc(rule_name), cli_esc(name));
        } else if (write_expected(expected_path, header, &got, with_levels, with_text) == 0) {
            rs->updated++;
            printf("updated %s (%zu finding%s)\n", cli_esc(expected_path), got.n,
                   got.n == 1 ? "" : "s");
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
               cli_esc(rule_name), cli_esc(name), cli_esc(expected_path));
        printf("--- %s\n+++ %s\n", cli_esc(expected_path), cli_esc(case_path));
        print_diff(&want, &got, with_levels, with_text);
        print_logs(r);
        goto done;
    }
    if (unpaired == 0) {
        rs->passed++;
        if (!rs->quiet)
            printf("ok   %s %s (%zu finding%s)\n", cli_esc(rule_name), cli_esc(name), got.n,
                   got.n == 1 ? "" : "s");
        if (rs->verbose) print_logs(r);
    } else {
        rs->failed++;
        rs->status = cli_worse(rs->status, EXIT_FINDINGS);
        printf("FAIL %s %s\n--- %s (expected)\n+++ %s (reported)\n", cli_esc(rule_name),
               cli_esc(name), cli_esc(expected_path), cli_esc(case_path));
        print_diff(&want, &got, with_levels, with_text);
        print_logs(r);
    }
done:
    free(header);
    iamg_results_free(r);
    iamg_engine_free(own);
    iamg_config_free(config);
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
        printf("ERROR %s: the rule file does not load\n", cli_esc(file));
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
            printf("--   %s: no tests (add cases to %s/, see 'iamguard test-rules --help')\n",
                   cli_esc(file), cli_esc(tests_dir));
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
            run_case(rs, e, rule_path, file, tests_dir, names[i], stem);
    }
done:
    free_names(names, n);
    iamg_engine_free(e);
}

/* The whole folder loaded as a scan would load it, to learn which of its
 * files are modules (NULL when that fails: then none is). */
static iamg_engine *folder_engine(const char *dir)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e = NULL;
    iamg_error err;
    if (iamg_engine_new(&eo, &e, &err)) return NULL;
    if (iamg_engine_add_rules_dir(e, dir, &err)) {
        iamg_engine_free(e);
        return NULL;
    }
    return e;
}

/* Is dir/file a module some rule of dir requires? Paths as the engine
 * builds them for a folder's files. */
static int is_module(const iamg_engine *e, const char *dir, const char *file)
{
    char path[4096];
    size_t dl = strlen(dir);
    snprintf(path, sizeof path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", file);
    for (size_t i = 0; e && i < iamg_engine_module_count(e); i++)
        if (strcmp(iamg_engine_module(e, i), path) == 0) return 1;
    return 0;
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
            iamg_engine *all = folder_engine(arg);
            for (size_t i = 0; i < n; i++) {
                if (is_module(all, arg, files[i])) {
                    if (!rs.quiet)
                        printf("--   %s: a module that rules of this folder require\n",
                               cli_esc(files[i]));
                    continue;
                }
                run_rule_file(&rs, arg, files[i]);
            }
            iamg_engine_free(all);
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
