/*
 * Tests for iamguard/merge.h through the public API: the shards of a scan of
 * examples/, written as SARIF, merge into the run the whole scan writes
 * (same results, same rule table), with the summary a single scan would
 * give; max_results, and every refusal with its error kind; the merged run
 * read back as results (iamg_merge_results) gives the whole scan's JSON
 * report, and hostile SARIF does not crash the reading. The command
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
    so.documents = 1;
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

/* The JSON report of results r, as text. */
static char *json_report(const iamg_engine *e, const iamg_results *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    iamg_error err;
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.include_suppressed = 1;
    cr_assert_eq(iamg_write_json(f, e, r, &o, &err), 0, "%s", err.message);
    fclose(f);
    return text;
}

Test(merge, results_of_the_merge)
{
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    write_shard(e, 0, 2, "s1.sarif");
    write_shard(e, 1, 2, "s2.sarif");
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = IAMG_SOURCE_DIR;
    so.jobs = 1;
    so.documents = 1;
    const char *scan_paths[] = {IAMG_SOURCE_DIR "/examples"};
    iamg_results *whole = NULL;
    cr_assert_eq(iamg_scan_paths(e, scan_paths, 1, &so, &whole, &err), 0, "%s", err.message);

    const char *paths[] = {path_of("s2.sarif"), path_of("s1.sarif")};
    iamg_merge *m = NULL;
    cr_assert_eq(iamg_merge_load(paths, 2, NULL, &m, &err), 0, "%s", err.message);
    cr_expect_eq(iamg_merge_check_rules(m, e, &err), 0, "%s", err.message);
    cr_expect(iamg_merge_has_documents(m));
    cr_expect_null(iamg_merge_base_dir(m), "no working directory was given");
    cr_expect_null(iamg_merge_category(m));
    iamg_results *r = NULL;
    cr_assert_eq(iamg_merge_results(m, &r, &err), 0, "%s", err.message);
    cr_assert_gt(iamg_results_count(whole), 0);
    cr_expect_eq(iamg_results_count(r), iamg_results_count(whole));
    cr_expect_eq(iamg_results_diag_count(r), iamg_results_diag_count(whole));
    cr_assert_gt(iamg_results_document_count(whole), 0);
    cr_expect_eq(iamg_results_document_count(r), iamg_results_document_count(whole));
    cr_expect_eq(iamg_results_stats(r)->documents, iamg_results_stats(whole)->documents);
    cr_expect_eq(iamg_results_max_level(r), iamg_results_max_level(whole));
    char *want = json_report(e, whole), *got = json_report(e, r);
    cr_expect_str_eq(got, want, "the merged results give the whole scan's JSON report");
    free(want);
    free(got);
    iamg_results_free(r);

    /* An engine without the rules the shards ran does not describe them. */
    iamg_engine *bare = NULL;
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    cr_assert_eq(iamg_engine_new(&eo, &bare, &err), 0, "%s", err.message);
    cr_expect_eq(iamg_merge_check_rules(m, bare, &err), IAMG_EINVALID);
    cr_expect(strstr(err.message, "rule options of the scan") != NULL, "%s", err.message);
    iamg_engine_free(bare);
    iamg_merge_free(m);
    iamg_results_free(whole);
    iamg_engine_free(e);
}

/* SARIF that iamguard did not write, with members of every wrong type: the
 * merge reads what it can and never crashes. */
Test(merge, hostile_sarif_read_back)
{
    static const char *const logs[] = {
        "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"iamguard\"}},"
        "\"results\":[{\"ruleId\":\"X\",\"level\":7,\"message\":\"m\","
        "\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a%00b%zz\"},"
        "\"region\":{\"startLine\":-5,\"startColumn\":99999999999,\"endColumn\":\"x\"}},"
        "\"logicalLocations\":[{\"kind\":\"member\",\"properties\":[1]},{\"kind\":3}]}],"
        "\"suppressions\":[{\"justification\":5,\"properties\":\"p\"}],"
        "\"properties\":{\"snippetWindow\":{\"text\":1,\"startColumn\":-1},\"holdersTotal\":-3}}],"
        "\"invocations\":[{\"executionSuccessful\":true,\"startTimeUtc\":\"9999-99-99T\","
        "\"endTimeUtc\":\"2026-01-01T00:00:00.5Z\",\"toolExecutionNotifications\":["
        "{\"message\":{\"text\":\"n\"},\"properties\":{\"diagnostic\":{\"code\":\"x\",\"line\":[]}}"
        "},"
        "{\"properties\":{\"diagnostic\":7}},3]}],"
        "\"properties\":{\"documents\":2,\"documentList\":[5,{\"path\":[],\"line\":1e300}],"
        "\"filesSeen\":-1}}]}",
        "{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"iamguard\"}},"
        "\"results\":[{\"message\":{\"text\":\"no rule, no place\"}}]}]}",
    };
    for (size_t k = 0; k < sizeof logs / sizeof *logs; k++) {
        FILE *f = fopen(path_of("hostile.sarif"), "w");
        cr_assert_not_null(f);
        fputs(logs[k], f);
        fclose(f);
        const char *paths[] = {path_of("hostile.sarif")};
        iamg_merge *m = NULL;
        iamg_error err;
        cr_assert_eq(iamg_merge_load(paths, 1, NULL, &m, &err), 0, "log %zu: %s", k, err.message);
        iamg_results *r = NULL;
        int rc = iamg_merge_results(m, &r, &err);
        if (k == 0) {
            cr_assert_eq(rc, 0, "%s", err.message);
            cr_expect_eq(iamg_results_count(r), 1);
            const iamg_finding *fd = iamg_results_get(r, 0);
            cr_expect_eq(fd->line, 0, "a negative line reads as none");
            cr_expect_eq(fd->level, IAMG_LEVEL_WARNING);
            cr_expect_str_eq(fd->path, "a", "escapes decoded; %%00 ends the path");
            cr_expect_eq(iamg_results_diag_count(r), 1, "only a diagnostic object is one");
            cr_expect_eq(iamg_results_document_count(r), 0, "entries without a path are not");
            iamg_engine *e = NULL;
            iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
            eo.builtin_rules = 0;
            cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
            cr_expect_eq(iamg_merge_check_rules(m, e, &err), IAMG_EINVALID);
            cr_expect(strstr(err.message, "rule X") != NULL, "%s", err.message);
            /* Every writer still copes with what was read. */
            iamg_writer_fn writers[] = {iamg_write_sarif,  iamg_write_json,  iamg_write_text,
                                        iamg_write_gitlab, iamg_write_junit, iamg_write_html};
            for (size_t w = 0; w < sizeof writers / sizeof *writers; w++) {
                FILE *out = fopen("/dev/null", "w");
                cr_assert_not_null(out);
                cr_expect_eq(writers[w](out, e, r, NULL, &err), 0, "writer %zu: %s", w,
                             err.message);
                fclose(out);
            }
            iamg_engine_free(e);
        } else {
            cr_expect_eq(rc, IAMG_EINVALID, "a result without a rule or file");
            cr_expect_null(r);
        }
        iamg_results_free(r);
        iamg_merge_free(m);
    }
}
