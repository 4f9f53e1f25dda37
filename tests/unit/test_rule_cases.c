/*
 * Data-driven rule tests: every folder of tests/cases/rules holds one input
 * file and expected.txt (format in tests/cases/rules/README.md). The
 * built-in rules run on the input through the public API and must produce
 * exactly those findings and problems.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/slurp.h"
#include "iamguard/iamguard.h"
#include "util/str.h"

#define CASES IAMG_SOURCE_DIR "/tests/cases/rules"

/* The case's input: the one file that is not expected.txt. */
static int find_input(const char *dir, char *out, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *de;
    int found = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "expected.txt")) continue;
        /* Checking the length also keeps -O2's -Wformat-truncation quiet. */
        if ((size_t)snprintf(out, cap, "%s/%s", dir, de->d_name) >= cap)
            found = -1;
        else if (found >= 0)
            found++;
    }
    closedir(d);
    return found == 1 ? 0 : -1;
}

Test(rule_cases, every_case_folder)
{
    DIR *d = opendir(CASES);
    cr_assert_not_null(d, "cannot open %s", CASES);
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < 512)
        if (de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0)
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, ig_str_cmp_ptr);
    cr_assert_gt(n, 60, "expected the full set of rule cases, found %zu", n);

    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    size_t failures = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[1024], input[1200], exp_path[1200];
        snprintf(dir, sizeof dir, "%s/%s", CASES, names[i]);
        snprintf(exp_path, sizeof exp_path, "%s/expected.txt", dir);
        cr_assert_eq(find_input(dir, input, sizeof input), 0, "%s: needs exactly one input file",
                     names[i]);
        char *expected = slurp(exp_path, NULL);
        cr_assert_not_null(expected, "%s: no expected.txt", names[i]);

        iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
        so.jobs = 1;
        iamg_results *r;
        const char *paths[] = {input};
        cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
        char got[8192] = "";
        for (size_t k = 0; k < iamg_results_count(r); k++) {
            const iamg_finding *f = iamg_results_get(r, k);
            char line[128];
            snprintf(line, sizeof line, "%s %u:%u\n", f->rule_id, f->line, f->column);
            strncat(got, line, sizeof got - strlen(got) - 1);
        }
        /* Problems (warnings and errors) follow, each with the start of its
         * message as the expected line gives it. */
        const char *exp_diags = strstr(expected, "diag ");
        if (exp_diags && exp_diags != expected && exp_diags[-1] != '\n') exp_diags = NULL;
        for (size_t k = 0; k < iamg_results_diag_count(r); k++) {
            const iamg_diag *dg = iamg_results_diag(r, k);
            if (dg->level < IAMG_LEVEL_WARNING) continue;
            char line[1200];
            int n = snprintf(line, sizeof line, "diag %s %u:%u ", iamg_level_name(dg->level),
                             dg->line, dg->column);
            /* Take as much of the message as the expected line has. */
            size_t want = strlen(dg->message);
            if (exp_diags) {
                const char *hit = strstr(exp_diags, line);
                if (hit) {
                    const char *eol = strchr(hit, '\n');
                    size_t el = (eol ? (size_t)(eol - hit) : strlen(hit)) - (size_t)n;
                    if (el <= want && strncmp(hit + n, dg->message, el) == 0) want = el;
                }
            }
            snprintf(line + n, sizeof line - (size_t)n, "%.*s\n", (int)want, dg->message);
            strncat(got, line, sizeof got - strlen(got) - 1);
        }
        if (strcmp(got, expected) != 0) {
            failures++;
            cr_log_error("case %s\n--- expected\n%s--- got\n%s", names[i], expected, got);
        }
        iamg_results_free(r);
        free(expected);
        free(names[i]);
    }
    iamg_engine_free(e);
    cr_assert_eq(failures, 0, "%zu of %zu rule cases differ (see log)", failures, n);
}
