/*
 * Hostile inputs: files built to break a scanner, each with the outcome it
 * must have. Nothing may crash, hang or lose a finding; every broken file is
 * named, with a position when it has one.
 *
 * - Case folders in tests/cases/hostile/ (README there): small inputs kept in
 *   the repository, each with an expected.txt.
 * - Generated here, because they are megabytes or not files at all: deep
 *   nesting (300,000 brackets, JSON and YAML), 200,000 statements, a 16 MiB
 *   string, a file over the size limit, a FIFO and a folder named x.json,
 *   symbolic link loops and dangling links, a file deleted during the scan.
 * - A batch of all of them with good files: the good files' findings are
 *   exactly those of scanning them alone, and each case still gives its
 *   expected outcome.
 * tests/cli/test_hostile.sh runs the same batch through the command line
 * (exit status, valid SARIF) and hostile rule files.
 *
 * No criterion .timeout here: with --jobs=2, criterion 2.4.1 leaks a timer
 * record when tests that have one run side by side, which LeakSanitizer
 * reports; ctest's time limit guards against hangs instead.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/files.h"
#include "common/time_scale.h"
#include "iamguard/iamguard.h"
#include "unit/format_cases.h"
#include "util/buf.h"
#include "util/str.h"

#define CASES IAMG_SOURCE_DIR "/tests/cases/hostile"
#define GOOD IAMG_SOURCE_DIR "/tests/cases/rules"

/* ---- helpers ------------------------------------------------------------------------------ */

static iamg_engine *engine_with(const iamg_limits *lim)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    if (lim) eo.limits = *lim;
    /* The rules' wall-clock limit is not under test here, and checking
     * 200,000 statements under valgrind takes longer than 5 s. */
    eo.limits.lua_timeout_ms = 600000;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    return e;
}

static iamg_results *scan(iamg_engine *e, const char *const *paths, size_t n, const char *base,
                          unsigned jobs, int follow)
{
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = base;
    so.jobs = jobs;
    so.follow_symlinks = follow;
    so.today = "2024-01-01";
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, n, &so, &r, &err), 0, "%s", err.message);
    return r;
}

static const char *level_name(iamg_level l)
{
    return iamg_level_name(l);
}

/* The results for files whose path starts with `prefix` (all when NULL), one
 * line each, with `prefix` taken off the path:
 *   finding <path> <rule> <line>:<col>-<end> <statement> <element>
 *   diag <level> <path> <line>:<col> <message>
 * in the results' (sorted) order, findings first. */
static char *render(const iamg_results *r, const char *prefix)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    buf b = BUF_INIT;
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (prefix && strncmp(f->path, prefix, pl) != 0) continue;
        ig_buf_printf(&b, "finding %s %s %u:%u-%u %s %s\n", f->path + pl, f->rule_id, f->line,
                      f->column, f->end_column, f->statement ? f->statement : "-",
                      f->element ? f->element : "-");
    }
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        const char *path = d->path ? d->path : "-";
        if (prefix && strncmp(path, prefix, pl) != 0) continue;
        ig_buf_printf(&b, "diag %s %s %u:%u %s\n", level_name(d->level), path + pl, d->line,
                      d->column, d->message);
    }
    cr_assert(!b.oom);
    char *s = ig_buf_detach(&b);
    return s ? s : strdup("");
}

static int count_lines(const char *s, const char *start)
{
    int n = 0;
    size_t l = strlen(start);
    for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, start, l) == 0) n++;
    return n;
}

static void path_in(char *out, size_t cap, const char *dir, const char *rel)
{
    cr_assert_lt((size_t)snprintf(out, cap, "%s/%s", dir, rel), cap);
}

static FILE *create(const char *dir, const char *rel)
{
    char p[1024];
    path_in(p, sizeof p, dir, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s: %s", p, strerror(errno));
    return f;
}

static void repeat(FILE *f, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++)
        fputs(s, f);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char SSM_POLICY[] = "{\"Version\": \"2012-10-17\",\n"
                                 " \"Statement\": [{\"Effect\": \"Allow\",\n"
                                 "   \"Action\": \"ssm:SendCommand\", \"Resource\": \"*\"}]}\n";

/* ---- case folders ------------------------------------------------------------------------- */

typedef struct case_list {
    char *names[256];
    size_t n;
} case_list;

/* Folders of tests/cases/hostile with an expected.txt, sorted. */
static void list_cases(case_list *cl)
{
    cl->n = 0;
    DIR *d = opendir(CASES);
    cr_assert_not_null(d, "cannot open %s", CASES);
    struct dirent *de;
    while ((de = readdir(d)) && cl->n < 256) {
        if (de->d_name[0] == '.') continue;
        char p[1024];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s/expected.txt", CASES, de->d_name);
        if (stat(p, &st) == 0) cl->names[cl->n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(cl->names, cl->n, sizeof *cl->names, ig_str_cmp_ptr);
}

static void free_cases(case_list *cl)
{
    for (size_t i = 0; i < cl->n; i++)
        free(cl->names[i]);
}

/* Compare a case's rendering (paths relative to its folder) with its
 * expected.txt; with IAMG_UPDATE_EXPECTED=1, rewrite the file instead,
 * keeping its leading comment block. */
static void check_case(const char *name, const char *got)
{
    char exp[1024];
    snprintf(exp, sizeof exp, "%s/%s/expected.txt", CASES, name);
    size_t len;
    char *want = slurp(exp, &len);
    cr_assert_not_null(want, "%s: no expected.txt", name);
    const char *upd = getenv("IAMG_UPDATE_EXPECTED");
    if (upd && strcmp(upd, "1") == 0) {
        size_t keep = 0;
        while (keep < len && want[keep] == '#') {
            const char *e = memchr(want + keep, '\n', len - keep);
            keep = e ? (size_t)(e - want) + 1 : len;
        }
        FILE *f = fopen(exp, "wb");
        cr_assert_not_null(f);
        fwrite(want, 1, keep, f);
        fputs(got, f);
        fclose(f);
    } else {
        fc_compare(name, got, want);
    }
    free(want);
}

Test(hostile, case_folders)
{
    case_list cl;
    list_cases(&cl);
    cr_assert_geq(cl.n, 15, "expected the hostile case folders, found %zu", cl.n);
    iamg_engine *e = engine_with(NULL);
    for (size_t i = 0; i < cl.n; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", CASES, cl.names[i]);
        const char *paths[] = {dir};
        iamg_results *r = scan(e, paths, 1, dir, 1, 0);
        char *got = render(r, NULL);
        check_case(cl.names[i], got);
        free(got);
        iamg_results_free(r);
    }
    iamg_engine_free(e);
    free_cases(&cl);
}

/* ---- generated inputs -------------------------------------------------------------------- */

/* Scan one generated file, as found in a folder, and return the rendering. */
static char *scan_one(iamg_engine *e, const char *dir, const char *rel, double *secs)
{
    char p[1024];
    path_in(p, sizeof p, dir, rel);
    const char *paths[] = {p};
    double t0 = now();
    iamg_results *r = scan(e, paths, 1, dir, 1, 0);
    if (secs) *secs = now() - t0;
    char *s = render(r, NULL);
    iamg_results_free(r);
    return s;
}

#define EXPECT_RENDER(got, want)                                                                   \
    cr_expect(strstr((got), (want)) != NULL, "expected\n  %s\nin\n%s", (want), (got))

Test(hostile, deep_nesting_json_and_yaml)
{
    char *dir = tmp_dir("hostile");
    FILE *f = create(dir, "deep-array.json");
    repeat(f, "[", 300000);
    repeat(f, "]", 300000);
    fclose(f);
    f = create(dir, "deep-object.json");
    repeat(f, "{\"a\":", 300000);
    fputs("1", f);
    repeat(f, "}", 300000);
    fclose(f);
    f = create(dir, "deep-flow.yaml");
    repeat(f, "[", 300000);
    repeat(f, "]", 300000);
    fclose(f);
    /* "- - - x": a block sequence per "- ", all on one line. */
    f = create(dir, "deep-block.yaml");
    repeat(f, "- ", 300000);
    fputs("x\n", f);
    fclose(f);
    /* Unclosed: the parser must stop at the depth limit, not at the end. */
    f = create(dir, "deep-unclosed.json");
    fputs("{\"Statement\": ", f);
    repeat(f, "[", 300000);
    fclose(f);

    iamg_engine *e = engine_with(NULL);
    double secs;
    char *got = scan_one(e, dir, "deep-array.json", &secs);
    EXPECT_RENDER(got, "diag error deep-array.json 1:1001 nesting deeper than 1000 levels");
    cr_expect_lt(secs, 10.0 * test_time_scale()); /* a hang, not a speed target */
    free(got);
    got = scan_one(e, dir, "deep-object.json", NULL);
    EXPECT_RENDER(got, "diag error deep-object.json 1:5001 nesting deeper than 1000 levels");
    free(got);
    got = scan_one(e, dir, "deep-flow.yaml", NULL);
    EXPECT_RENDER(got, "diag error deep-flow.yaml 1:1001 nesting deeper than 1000 levels");
    free(got);
    got = scan_one(e, dir, "deep-block.yaml", NULL);
    EXPECT_RENDER(got, "diag error deep-block.yaml 1:2001 nesting deeper than 1000 levels");
    free(got);
    got = scan_one(e, dir, "deep-unclosed.json", NULL);
    EXPECT_RENDER(got, "diag error deep-unclosed.json 1:1014 nesting deeper than 1000 levels");
    free(got);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

/* 200,000 statements, one per line; the last one is the finding. */
static void write_many(const char *dir, const char *rel, size_t n)
{
    FILE *f = create(dir, rel);
    fputs("{\"Version\": \"2012-10-17\", \"Statement\": [\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": "
                "\"arn:aws:s3:::b%zu/*\"},\n",
                i);
    fputs("  {\"Sid\": \"Last\", \"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
          "\"Resource\": \"*\"}\n]}\n",
          f);
    fclose(f);
}

Test(hostile, two_hundred_thousand_statements)
{
    char *dir = tmp_dir("hostile");
    write_many(dir, "many.json", 200000);
    iamg_engine *e = engine_with(NULL);
    double secs;
    char *got = scan_one(e, dir, "many.json", &secs);
    /* Line 2 + 200,000 statements: the last one is on line 200,002. */
    cr_expect_str_eq(got, "finding many.json IAM-SSM-1 200002:48-65 Last Action\n");
    cr_log_info("200,000 statements: %.2f s", secs);
    free(got);
    iamg_engine_free(e);

    /* Over max_statements: a limit error, not a partial check. */
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_statements = 100000;
    e = engine_with(&lim);
    got = scan_one(e, dir, "many.json", NULL);
    cr_expect_eq(count_lines(got, "finding "), 0, "%s", got);
    cr_expect(strstr(got, "diag error many.json ") && strstr(got, "max_statements"), "%s", got);
    free(got);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(hostile, huge_strings)
{
    char *dir = tmp_dir("hostile");
    size_t big = (size_t)16 << 20;
    FILE *f = create(dir, "huge-sid.json");
    fputs("{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Sid\": \"", f);
    repeat(f, "\xc3\xa9", big / 2); /* é: columns count UTF-16 units, not bytes */
    fputs(
        "\",\n   \"Effect\": \"Allow\", \"Action\": \"ssm:StartSession\", \"Resource\": \"*\"}]}\n",
        f);
    fclose(f);
    f = create(dir, "huge-key.json");
    fputs("{\"", f);
    repeat(f, "k", big);
    fputs("\": 1, \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ssm:*\", \"Resource\": "
          "\"*\"}]}",
          f);
    fclose(f);
    f = create(dir, "huge-string.yaml");
    fputs("AWSTemplateFormatVersion: '2010-09-09'\nDescription: '", f);
    repeat(f, "x", big);
    fputs("'\nResources: {}\n", f);
    fclose(f);

    iamg_engine *e = engine_with(NULL);
    const char *paths[] = {dir};
    iamg_results *r = scan(e, paths, 1, dir, 2, 0);
    char *got = render(r, NULL);
    /* The Sid's line is one long line; the finding is on the next. */
    EXPECT_RENDER(got, "finding huge-sid.json IAM-SSM-2 3:33-51 ");
    cr_expect_eq(count_lines(got, "finding huge-key.json IAM-SSM-"), 2, "%s", got);
    /* The unknown 16 MiB key is quoted in its message, cut in the middle. */
    cr_expect_eq(count_lines(got, "diag "), 1);
    EXPECT_RENDER(got, "diag error huge-key.json 1:2 unknown policy element \"kkkk");
    EXPECT_RENDER(got, " bytes cut ...] kkkk");
    EXPECT_RENDER(got, "kkkk\" (expected Version, Id, Statement)\n");
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        cr_expect_leq(strlen(iamg_results_diag(r, i)->message), 1024);
    /* The finding message names the statement, but stays within
     * max_message_len. */
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *fi = iamg_results_get(r, i);
        cr_expect_leq(strlen(fi->message), 4096 + 64, "%s: message of %zu bytes", fi->path,
                      strlen(fi->message));
        cr_expect_leq(strlen(fi->snippet), 4096, "%s: snippet of %zu bytes", fi->path,
                      strlen(fi->snippet));
    }
    free(got);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(hostile, files_over_the_size_limit)
{
    char *dir = tmp_dir("hostile");
    FILE *f = create(dir, "big.json");
    fputs(SSM_POLICY, f);
    repeat(f, " ", 4096);
    fclose(f);
    write_text(dir, "small.json", SSM_POLICY);
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_file_size = 4096;
    iamg_engine *e = engine_with(&lim);
    const char *paths[] = {dir};
    iamg_results *r = scan(e, paths, 1, dir, 1, 0);
    char *got = render(r, NULL);
    EXPECT_RENDER(got, "diag error big.json 0:0 file is ");
    EXPECT_RENDER(got, "more than the limit of 4096 (--max-file-size): skipped");
    EXPECT_RENDER(got, "finding small.json IAM-SSM-1 3:14-31 ");
    cr_expect_eq(count_lines(got, "finding big.json"), 0);
    free(got);
    iamg_results_free(r);

    /* A buffer (standard input) over the limit is the same per-file failure. */
    char buf[4097];
    memset(buf, ' ', sizeof buf);
    memcpy(buf, SSM_POLICY, strlen(SSM_POLICY));
    iamg_error err;
    cr_assert_eq(iamg_scan_buffer(e, "stdin.json", buf, sizeof buf, NULL, &r, &err), 0);
    got = render(r, NULL);
    EXPECT_RENDER(got, "diag error stdin.json 0:0 input is more than the limit of 4096 bytes "
                       "(--max-file-size): skipped");
    cr_expect_eq(count_lines(got, "finding "), 0);
    cr_expect_eq(iamg_results_stats(r)->files_failed, 1);
    cr_expect_eq(iamg_results_diag(r, 0)->code, IAMG_ELIMIT);
    free(got);
    iamg_results_free(r);
    cr_assert_eq(iamg_scan_buffer(e, "stdin.json", buf, 4096, NULL, &r, &err), 0);
    cr_expect_eq(iamg_results_count(r), 1, "at the limit, the buffer is scanned");
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

/* A FIFO named like a policy would block a reader forever; a folder named
 * x.json is a folder. */
Test(hostile, fifo_and_folder_named_like_policies)
{
    char *dir = tmp_dir("hostile");
    char p[1024];
    path_in(p, sizeof p, dir, "x.json");
    cr_assert_eq(mkfifo(p, 0600), 0, "%s", strerror(errno));
    path_in(p, sizeof p, dir, "d.json");
    cr_assert_eq(mkdir(p, 0700), 0);
    write_text(dir, "d.json/inside.json", SSM_POLICY);
    iamg_engine *e = engine_with(NULL);
    const char *paths[] = {dir};
    iamg_results *r = scan(e, paths, 1, dir, 2, 0);
    char *got = render(r, NULL);
    EXPECT_RENDER(got, "diag note x.json 0:0 not a regular file (FIFO, socket or device): skipped");
    EXPECT_RENDER(got, "finding d.json/inside.json IAM-SSM-1 3:14-31 ");
    free(got);
    iamg_results_free(r);
    /* Named on the command line: still not opened for reading. */
    path_in(p, sizeof p, dir, "x.json");
    const char *fifo[] = {p};
    r = scan(e, fifo, 1, dir, 1, 0);
    got = render(r, NULL);
    EXPECT_RENDER(got, "diag note x.json 0:0 not a regular file (FIFO, socket or device): skipped");
    free(got);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(hostile, symbolic_link_loops_and_dangling_links)
{
    char *dir = tmp_dir("hostile");
    char p[1024], q[1024];
    path_in(p, sizeof p, dir, "sub");
    cr_assert_eq(mkdir(p, 0700), 0);
    write_text(dir, "sub/a.json", SSM_POLICY);
    path_in(p, sizeof p, dir, "sub/loop");
    cr_assert_eq(symlink("..", p), 0);
    path_in(p, sizeof p, dir, "self");
    cr_assert_eq(symlink("self", p), 0);
    path_in(p, sizeof p, dir, "dangling.json");
    cr_assert_eq(symlink("nowhere.json", p), 0);
    path_in(p, sizeof p, dir, "link.json");
    path_in(q, sizeof q, dir, "sub/a.json");
    cr_assert_eq(symlink(q, p), 0);
    iamg_engine *e = engine_with(NULL);
    const char *paths[] = {dir};
    for (int follow = 0; follow < 2; follow++) {
        iamg_results *r = scan(e, paths, 1, dir, 2, follow);
        char *got = render(r, NULL);
        /* Without --follow-symlinks links are skipped; with it, each file is
         * reached once per path that is not a loop, and loops are cut. */
        cr_expect_eq(count_lines(got, "finding sub/a.json IAM-SSM-1"), 1, "follow=%d:\n%s", follow,
                     got);
        cr_expect_eq(count_lines(got, "finding link.json IAM-SSM-1"), follow, "follow=%d:\n%s",
                     follow, got);
        cr_expect_eq(count_lines(got, "finding "), 1 + follow, "follow=%d:\n%s", follow, got);
        cr_expect_eq(count_lines(got, "diag error"), 0, "follow=%d:\n%s", follow, got);
        free(got);
        iamg_results_free(r);
    }
    /* A dangling link named on the command line is a path that does not exist. */
    path_in(p, sizeof p, dir, "dangling.json");
    const char *dangling[] = {p};
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    iamg_results *r = NULL;
    iamg_error err;
    cr_expect_eq(iamg_scan_paths(e, dangling, 1, &so, &r, &err), IAMG_EIO);
    cr_expect(strstr(err.message, "No such file") != NULL, "%s", err.message);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

/* A file deleted after the folder was listed, before it is read: reported
 * with its path, and every other file is still checked. The deletion runs in
 * the progress callback, which the scan calls after each file. */
typedef struct vanish {
    char path[1024];
    int done;
} vanish;

static void delete_after_first(void *ud, size_t done, size_t total, size_t findings)
{
    (void)total;
    (void)findings;
    vanish *v = ud;
    if (done == 1 && !v->done) {
        cr_expect_eq(unlink(v->path), 0);
        v->done = 1;
    }
}

Test(hostile, file_deleted_during_the_scan)
{
    char *dir = tmp_dir("hostile");
    write_text(dir, "a.json", SSM_POLICY);
    write_text(dir, "b.json", SSM_POLICY);
    write_text(dir, "c.json", SSM_POLICY);
    vanish v = {"", 0};
    path_in(v.path, sizeof v.path, dir, "b.json");
    iamg_engine *e = engine_with(NULL);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = dir;
    so.jobs = 1; /* files in order: a.json, then b.json is gone */
    so.progress = delete_after_first;
    so.progress_ud = &v;
    const char *paths[] = {dir};
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    cr_assert(v.done);
    char *got = render(r, NULL);
    EXPECT_RENDER(got, "diag error b.json 0:0 cannot open file: No such file or directory");
    EXPECT_RENDER(got, "finding a.json IAM-SSM-1 3:14-31 ");
    EXPECT_RENDER(got, "finding c.json IAM-SSM-1 3:14-31 ");
    cr_expect_eq(iamg_results_stats(r)->files_failed, 1);
    free(got);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

/* ---- the batch --------------------------------------------------------------------------- */

/* Every hostile case, every generated input and the rule cases (good files
 * with known findings) in one scan on several threads: the good files give
 * exactly what they give alone, each case exactly its expected outcome. */
Test(hostile, batch_of_everything)
{
    char *gen = tmp_dir("hostile");
    FILE *f = create(gen, "deep.json");
    repeat(f, "[", 300000);
    fclose(f);
    f = create(gen, "deep.yaml");
    repeat(f, "{a: ", 300000);
    fclose(f);
    write_many(gen, "many.json", 200000);
    char p[1024];
    path_in(p, sizeof p, gen, "x.json");
    cr_assert_eq(mkfifo(p, 0600), 0);
    path_in(p, sizeof p, gen, "dir.json");
    cr_assert_eq(mkdir(p, 0700), 0);
    path_in(p, sizeof p, gen, "loop");
    cr_assert_eq(symlink(".", p), 0);
    write_text(gen, "empty.json", "");

    iamg_engine *e = engine_with(NULL);
    const char *good[] = {GOOD};
    iamg_results *alone = scan(e, good, 1, IAMG_SOURCE_DIR "/tests/cases", 1, 0);
    char *want_good = render(alone, "rules/");
    cr_assert_gt(iamg_results_count(alone), 40);
    iamg_results_free(alone);

    const char *all[] = {CASES, GOOD, gen};
    for (int follow = 0; follow < 2; follow++) {
        iamg_results *r = scan(e, all, 3, IAMG_SOURCE_DIR "/tests/cases", 2, follow);
        char *got_good = render(r, "rules/");
        cr_expect_str_eq(got_good, want_good, "good files' results changed in the batch");
        free(got_good);

        case_list cl;
        list_cases(&cl);
        for (size_t i = 0; i < cl.n; i++) {
            char prefix[600];
            snprintf(prefix, sizeof prefix, "hostile/%s/", cl.names[i]);
            char *got = render(r, prefix);
            check_case(cl.names[i], got);
            free(got);
        }
        free_cases(&cl);

        /* The generated ones: a problem with a position each, and the last
         * statement of many.json found. */
        char *got = render(r, NULL);
        cr_expect(strstr(got, "/deep.json 1:1001 nesting deeper"), "%s", got);
        cr_expect(strstr(got, "/deep.yaml 1:") && strstr(got, "nesting deeper"), "deep.yaml");
        cr_expect(strstr(got, "/empty.json 1:1 file is empty"), "empty.json");
        cr_expect(strstr(got, "/many.json IAM-SSM-1 200002:48-65 Last Action"), "many.json");
        free(got);
        iamg_results_free(r);
    }
    free(want_good);
    iamg_engine_free(e);
    rm_tree(gen);
    free(gen);
}
