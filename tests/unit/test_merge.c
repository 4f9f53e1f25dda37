/*
 * Tests for iamguard/merge.h through the public API: the shards of a scan of
 * examples/, written as SARIF, merge into the run the whole scan writes
 * (same results, same rule table), with the summary a single scan would
 * give; max_results, and every refusal with its error kind. The command
 * (`iamguard merge`) is tested by tests/cli/test_merge.sh.
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iamguard/iamguard.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/iamg-merge-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* Scan examples/ (shard k of n; n = 0: all) and write its SARIF to dir/name. */
static void write_shard(iamg_engine *e, unsigned k, unsigned n, const char *name)
{
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = IAMG_SOURCE_DIR;
    so.jobs = 1;
    so.shard_index = k;
    so.shard_count = n;
    const char *paths[] = {IAMG_SOURCE_DIR "/examples"};
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(iamg_write_file_atomic(path, iamg_write_sarif, e, r, NULL, &err), 0, "%s",
                 err.message);
    iamg_results_free(r);
}

/* dir/name, in one of 16 buffers used in turn (a test asks for fewer). */
static char *path_of(const char *name)
{
    static char p[16][256];
    static unsigned i;
    i = (i + 1) % 16;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static json_t *load(const char *name)
{
    json_error_t je;
    json_t *doc = json_load_file(path_of(name), 0, &je);
    cr_assert_not_null(doc, "%s: %s", name, je.text);
    return doc;
}

static json_t *run_member(json_t *doc, const char *key)
{
    return json_object_get(json_array_get(json_object_get(doc, "runs"), 0), key);
}

TestSuite(merge, .init = setup, .fini = teardown);

Test(merge, shards_give_the_whole_scan)
{
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    write_shard(e, 0, 0, "whole.sarif");
    write_shard(e, 0, 3, "s1.sarif");
    write_shard(e, 1, 3, "s2.sarif");
    write_shard(e, 2, 3, "s3.sarif");
    iamg_engine_free(e);

    /* In any order. */
    const char *paths[] = {path_of("s3.sarif"), path_of("s1.sarif"), path_of("s2.sarif")};
    iamg_merge *m = NULL;
    cr_assert_eq(iamg_merge_load(paths, 3, NULL, &m, &err), 0, "%s", err.message);
    const iamg_merge_summary *s = iamg_merge_get_summary(m);
    json_t *whole = load("whole.sarif");
    size_t nwhole = json_array_size(run_member(whole, "results"));
    cr_assert_gt(nwhole, 0);
    cr_expect_eq(s->results, nwhole);
    cr_expect_eq(s->omitted, 0);
    cr_expect(s->complete);
    cr_expect_eq(s->max_level, IAMG_LEVEL_ERROR, "the examples have error findings");
    cr_assert_eq(iamg_merge_write_file(path_of("merged.sarif"), m, &err), 0, "%s", err.message);
    iamg_merge_free(m);

    json_t *merged = load("merged.sarif");
    cr_expect(json_equal(run_member(merged, "results"), run_member(whole, "results")),
              "the merged results are the whole scan's");
    json_t *wt = json_object_get(run_member(whole, "tool"), "driver");
    json_t *mt = json_object_get(run_member(merged, "tool"), "driver");
    cr_expect(json_equal(json_object_get(wt, "rules"), json_object_get(mt, "rules")));
    json_decref(merged);
    json_decref(whole);

    /* At most max_results results: the rest counted, the run incomplete. */
    iamg_merge_options mo = IAMG_MERGE_OPTIONS_INIT;
    cr_expect_eq(mo.max_results, 25000);
    mo.max_results = 2;
    cr_assert_eq(iamg_merge_load(paths, 3, &mo, &m, &err), 0, "%s", err.message);
    s = iamg_merge_get_summary(m);
    cr_expect_eq(s->results, 2);
    cr_expect_eq(s->omitted, nwhole - 2);
    cr_expect_not(s->complete);
    iamg_merge_free(m);
    iamg_merge_free(NULL);
}

Test(merge, refusals)
{
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    write_shard(e, 0, 2, "s1.sarif");
    iamg_engine_free(e);
    FILE *f = fopen(path_of("broken.sarif"), "w");
    fputs("{\"version\": \"2.1.0\",\n \"runs\": [", f);
    fclose(f);
    f = fopen(path_of("old.sarif"), "w");
    fputs("{\"version\": \"2.0.0\", \"runs\": []}", f);
    fclose(f);

    iamg_merge *m = (iamg_merge *)&err;
    const char *twice[] = {path_of("s1.sarif"), path_of("s1.sarif")};
    cr_expect_eq(iamg_merge_load(twice, 2, NULL, &m, &err), IAMG_EINVALID);
    cr_expect_null(m);
    cr_expect(strstr(err.message, "they overlap") != NULL, "%s", err.message);
    const char *missing[] = {path_of("nope.sarif")};
    cr_expect_eq(iamg_merge_load(missing, 1, NULL, &m, &err), IAMG_EIO);
    const char *broken[] = {path_of("broken.sarif")};
    cr_expect_eq(iamg_merge_load(broken, 1, NULL, &m, &err), IAMG_EPARSE);
    cr_expect_eq(err.line, 2);
    cr_expect(strstr(err.path, "broken.sarif") != NULL);
    const char *old[] = {path_of("old.sarif")};
    cr_expect_eq(iamg_merge_load(old, 1, NULL, &m, &err), IAMG_EINVALID);
    cr_expect(strstr(err.message, "not a SARIF 2.1.0 log") != NULL, "%s", err.message);
    cr_expect_eq(iamg_merge_load(old, 0, NULL, &m, &err), IAMG_EUSAGE);
    iamg_merge_options mo = IAMG_MERGE_OPTIONS_INIT;
    mo.version = 0;
    cr_expect_eq(iamg_merge_load(twice, 1, &mo, &m, &err), IAMG_EUSAGE);
    cr_expect_null(m);
}
