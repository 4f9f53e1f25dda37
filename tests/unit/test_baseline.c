/*
 * Tests for scan/baseline.c: a scan written as SARIF and read back as the
 * baseline of a later scan hides the findings it had, also after they moved
 * to other lines, and keeps new ones; SARIF from other tools (rule indices,
 * encoded and absolute URIs, no fingerprints, absent results); and every
 * error with a clear message.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/files.h"
#include "iamguard/iamguard.h"
#include "util/alloc.h"

static char *dir;

static void setup(void)
{
    dir = tmp_dir("baseline");
}

static void teardown(void)
{
    cr_expect_eq(rm_tree(dir), 0);
    free(dir);
}

static iamg_engine *engine(void)
{
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    return e;
}

static iamg_results *scan(iamg_engine *e, const iamg_allow *allow, size_t nallow)
{
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = dir;
    so.jobs = 2;
    so.allow = allow;
    so.nallow = nallow;
    so.today = "2024-01-01";
    const char *paths[] = {dir};
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    return r;
}

static iamg_baseline *baseline_of(iamg_engine *e, iamg_results *r)
{
    char path[256];
    snprintf(path, sizeof path, "%s.sarif", dir); /* outside the scanned folder */
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.working_directory = dir;
    oo.include_suppressed = 1;
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    iamg_error err;
    cr_assert_eq(iamg_write_sarif(f, e, r, &oo, &err), 0, "%s", err.message);
    fclose(f);
    iamg_baseline *b = NULL;
    cr_assert_eq(iamg_baseline_load(path, &b, &err), 0, "%s", err.message);
    unlink(path);
    return b;
}

static iamg_baseline *baseline_text(const char *text)
{
    iamg_baseline *b = NULL;
    iamg_error err;
    int rc = iamg_baseline_load_buffer("base.sarif", text, strlen(text), &b, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    return b;
}

/* A policy whose findings are on the "Action" line. */
#define POLICY(sid, action)                                                                        \
    "{\n"                                                                                          \
    "  \"Version\": \"2012-10-17\",\n"                                                             \
    "  \"Statement\": [\n"                                                                         \
    "    {\n"                                                                                      \
    "      \"Sid\": \"" sid "\",\n"                                                                \
    "      \"Effect\": \"Allow\",\n"                                                               \
    "      \"Action\": " action ",\n"                                                              \
    "      \"Resource\": \"*\"\n"                                                                  \
    "    }\n"                                                                                      \
    "  ]\n"                                                                                        \
    "}\n"

TestSuite(baseline, .init = setup, .fini = teardown);

Test(baseline, moved_findings_stay_known_new_ones_remain)
{
    iamg_engine *e = engine();
    write_text(dir, "a.json", POLICY("Ops", "\"ssm:SendCommand\""));
    write_text(dir, "b.json", POLICY("Dev", "\"ssm:StartSession\""));
    iamg_results *r = scan(e, NULL, 0);
    cr_assert_eq(iamg_results_count(r), 2);
    cr_expect_eq(iamg_results_get(r, 0)->line, 7);
    iamg_baseline *b = baseline_of(e, r);
    cr_expect_eq(iamg_baseline_count(b), 2);
    iamg_results_free(r);

    /* Unchanged: nothing is new. */
    r = scan(e, NULL, 0);
    size_t removed = 99;
    cr_assert_eq(iamg_results_filter_baseline(r, b, &removed), 0);
    cr_expect_eq(removed, 2);
    cr_expect_eq(iamg_results_count(r), 0);
    cr_expect_eq(iamg_results_stats(r)->baselined, 2);
    cr_expect_eq(iamg_results_max_level(r), IAMG_LEVEL_NONE);
    iamg_results_free(r);

    /* A new statement above the known finding: the finding moves down six
     * lines and a new one appears. */
    write_text(dir, "a.json",
               "{\n"
               "  \"Version\": \"2012-10-17\",\n"
               "  \"Statement\": [\n"
               "    {\n"
               "      \"Sid\": \"Shell\",\n"
               "      \"Effect\": \"Allow\",\n"
               "      \"Action\": [\"ssm:StartSession\"],\n"
               "      \"Resource\": \"*\"\n"
               "    },\n"
               "    {\n"
               "      \"Sid\": \"Ops\",\n"
               "      \"Effect\": \"Allow\",\n"
               "      \"Action\": \"ssm:SendCommand\",\n"
               "      \"Resource\": \"*\"\n"
               "    }\n"
               "  ]\n"
               "}\n");
    r = scan(e, NULL, 0);
    cr_assert_eq(iamg_results_count(r), 3);
    cr_expect_eq(iamg_results_get(r, 1)->line, 13, "the known finding moved from line 7 to 13");
    cr_assert_eq(iamg_results_filter_baseline(r, b, &removed), 0);
    cr_expect_eq(removed, 2);
    cr_assert_eq(iamg_results_count(r), 1, "only the new finding remains");
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_expect_str_eq(f->rule_id, "IAM-SSM-2");
    cr_expect_str_eq(f->path, "a.json");
    cr_expect_eq(f->line, 7);
    cr_expect_str_eq(f->statement, "Shell");
    cr_expect_eq(iamg_results_stats(r)->baselined, 2);
    iamg_results_free(r);

    /* Editing the line itself makes the finding new. */
    write_text(dir, "b.json", POLICY("Dev", "[\"ssm:StartSession\"]"));
    write_text(dir, "a.json", POLICY("Ops", "\"ssm:SendCommand\""));
    r = scan(e, NULL, 0);
    iamg_results_filter_baseline(r, b, NULL);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_expect_str_eq(iamg_results_get(r, 0)->path, "b.json");
    iamg_results_free(r);
    iamg_baseline_free(b);
    iamg_engine_free(e);
}

Test(baseline, allowlisted_findings_are_left_alone)
{
    iamg_engine *e = engine();
    write_text(dir, "a.json", POLICY("BreakGlass", "\"ssm:SendCommand\""));
    iamg_allow allow = {NULL, NULL, NULL, NULL, NULL, "BreakGlass", "reviewed", NULL, "test:1"};
    iamg_results *r = scan(e, &allow, 1);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_assert_not_null(iamg_results_get(r, 0)->suppressed);
    iamg_baseline *b = baseline_of(e, r);
    cr_expect_eq(iamg_baseline_count(b), 1);
    size_t removed = 99;
    iamg_results_filter_baseline(r, b, &removed);
    cr_expect_eq(removed, 0);
    cr_expect_eq(iamg_results_count(r), 1, "still reported as suppressed");
    cr_expect_eq(iamg_results_stats(r)->baselined, 0);
    iamg_results_free(r);

    /* Once the allowlist entry is gone, the baseline applies. */
    r = scan(e, NULL, 0);
    iamg_results_filter_baseline(r, b, &removed);
    cr_expect_eq(removed, 1);
    cr_expect_eq(iamg_results_count(r), 0);
    iamg_results_free(r);
    iamg_baseline_free(b);
    iamg_engine_free(e);
}

Test(baseline, no_baseline_or_empty)
{
    iamg_engine *e = engine();
    write_text(dir, "a.json", POLICY("Ops", "\"ssm:SendCommand\""));
    iamg_results *r = scan(e, NULL, 0);
    size_t removed = 99;
    cr_expect_eq(iamg_results_filter_baseline(r, NULL, &removed), 0);
    cr_expect_eq(removed, 0);
    iamg_baseline *b = baseline_text("{\"version\": \"2.1.0\", \"runs\": []}");
    cr_expect_eq(iamg_baseline_count(b), 0);
    iamg_results_filter_baseline(r, b, NULL);
    cr_expect_eq(iamg_results_count(r), 1);
    iamg_baseline_free(b);
    b = baseline_text(
        "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"x\"}}, "
        "\"results\": null}]}");
    cr_expect_eq(iamg_baseline_count(b), 0);
    iamg_baseline_free(b);
    iamg_baseline_free(NULL);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* SARIF as other tools (or a later iamguard) might write it. */
Test(baseline, other_writers)
{
    iamg_engine *e = engine();
    write_text(dir, "a b.json", POLICY("Ops", "\"ssm:SendCommand\""));
    write_text(dir, "c.json", POLICY("Dev", "\"ssm:StartSession\""));
    write_text(dir, "d.json", POLICY("Old", "\"ssm:StartSession\""));
    iamg_results *r = scan(e, NULL, 0);
    cr_assert_eq(iamg_results_count(r), 3);
    const char *fp_a = iamg_results_get(r, 0)->fingerprint;
    const char *fp_d = iamg_results_get(r, 2)->fingerprint;
    char text[4096];
    snprintf(text, sizeof text,
             "{\"version\": \"2.1.0\", \"runs\": [{\n"
             "  \"tool\": {\"driver\": {\"name\": \"other\", \"rules\": [{\"id\": \"X\"}, {\"id\": "
             "\"IAM-SSM-1\"}, "
             "{\"id\": \"IAM-SSM-2\"}]}},\n"
             "  \"originalUriBaseIds\": {\"ROOT\": {\"uri\": \"file:///work/checkout/\"}},\n"
             "  \"results\": [\n"
             /* rule by index, URI percent-encoded with "./" */
             "    {\"ruleIndex\": 1, \"message\": {\"text\": \"m\"}, \"locations\": "
             "[{\"physicalLocation\": "
             "{\"artifactLocation\": {\"uri\": \"./a%%20b.json\", \"uriBaseId\": \"ROOT\"}, "
             "\"region\": {\"startLine\": 7}}}],"
             " \"partialFingerprints\": {\"primaryLocationLineHash\": \"%s\"}},\n"
             /* no fingerprint: matched on the line; absolute URI under the run's root */
             "    {\"rule\": {\"id\": \"IAM-SSM-2\"}, \"message\": {\"text\": \"m\"}, "
             "\"locations\": [{\"physicalLocation\": "
             "{\"artifactLocation\": {\"uri\": \"file:///work/checkout/c.json\"}, \"region\": "
             "{\"startLine\": 7}}}]},\n"
             /* absent from that run: not part of the baseline */
             "    {\"ruleId\": \"IAM-SSM-2\", \"baselineState\": \"absent\", \"message\": "
             "{\"text\": \"m\"}, \"locations\": "
             "[{\"physicalLocation\": {\"artifactLocation\": {\"uri\": \"d.json\"}, \"region\": "
             "{\"startLine\": 7}}}],"
             " \"partialFingerprints\": {\"primaryLocationLineHash\": \"%s\"}},\n"
             /* nothing to match on: ignored */
             "    {\"message\": {\"text\": \"no rule\"}},\n"
             "    {\"ruleId\": \"IAM-SSM-1\", \"message\": {\"text\": \"no location\"}},\n"
             "    {\"ruleId\": \"IAM-SSM-1\", \"message\": {\"text\": \"web\"}, \"locations\": "
             "[{\"physicalLocation\": "
             "{\"artifactLocation\": {\"uri\": \"https://example.com/a.json\"}, \"region\": "
             "{\"startLine\": 7}}}]}\n"
             "  ]}]}\n",
             fp_a, fp_d);
    iamg_baseline *b = baseline_text(text);
    cr_expect_eq(iamg_baseline_count(b), 2);
    size_t removed;
    iamg_results_filter_baseline(r, b, &removed);
    cr_expect_eq(removed, 2);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_expect_str_eq(iamg_results_get(r, 0)->path, "d.json");
    iamg_baseline_free(b);
    iamg_results_free(r);
    iamg_engine_free(e);
}

typedef struct bad_case {
    const char *text;
    int code;
    const char *message;
} bad_case;

Test(baseline, errors)
{
    static const bad_case cases[] = {
        {"", IAMG_EPARSE, "the baseline is not JSON"},
        {"{\"version\": \"2.1.0\",\n \"runs\": [}", IAMG_EPARSE, "the baseline is not JSON"},
        {"[]", IAMG_EINVALID, "not a usable SARIF 2.1.0 baseline: the top level is not an object"},
        {"{\"runs\": []}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: no \"version\" string"},
        {"{\"version\": \"2.0.0\", \"runs\": []}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: version is \"2.0.0\" (iamguard reads 2.1.0)"},
        {"{\"version\": \"2.1.0\"}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: no \"runs\" array"},
        {"{\"version\": \"2.1.0\", \"runs\": [1]}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: runs[0] is not an object"},
        {"{\"version\": \"2.1.0\", \"runs\": [{\"results\": {}}]}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: runs[0].results is not an array"},
        {"{\"version\": \"2.1.0\", \"runs\": [{}, {\"results\": [{}, 2]}]}", IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: runs[1].results[1] is not an object"},
        {"{\"version\": \"2.1.0\", \"runs\": [{\"results\": [{\"ruleId\": \"X\", \"locations\": "
         "{}}]}]}",
         IAMG_EINVALID,
         "not a usable SARIF 2.1.0 baseline: runs[0].results[0].locations is not an array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        iamg_baseline *b = (iamg_baseline *)1;
        iamg_error err;
        memset(&err, 0, sizeof err);
        int rc =
            iamg_baseline_load_buffer("old.sarif", cases[i].text, strlen(cases[i].text), &b, &err);
        cr_expect_eq(rc, cases[i].code, "case %zu: %d (%s)", i, rc, err.message);
        cr_expect_null(b, "case %zu", i);
        cr_expect_str_eq(err.path, "old.sarif", "case %zu", i);
        cr_expect(strncmp(err.message, cases[i].message, strlen(cases[i].message)) == 0,
                  "case %zu: '%s'", i, err.message);
    }
    /* JSON errors carry the position. */
    iamg_baseline *b;
    iamg_error err;
    const char *t = "{\"version\": \"2.1.0\",\n \"runs\": [}";
    cr_expect_eq(iamg_baseline_load_buffer("old.sarif", t, strlen(t), &b, &err), IAMG_EPARSE);
    cr_expect_eq(err.line, 2);
    cr_expect_gt(err.column, 0);

    cr_expect_eq(iamg_baseline_load("/nonexistent/old.sarif", &b, &err), IAMG_EIO);
    cr_expect_null(b);
    cr_expect_str_eq(err.path, "/nonexistent/old.sarif");
    cr_expect(strstr(err.message, "cannot read the baseline"), "%s", err.message);
    cr_expect_eq(iamg_baseline_load("/tmp", &b, &err), IAMG_EIO);
}

/* ---- allocation failures ------------------------------------------------------ */

Test(baseline, every_allocation_failure_is_clean)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
    char text[32768];
    size_t len =
        (size_t)snprintf(text, sizeof text, "{\"version\": \"2.1.0\", \"runs\": [{\"results\": [");
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(
            text + len, sizeof text - len,
            "%s{\"ruleId\": \"R%d\", \"locations\": [{\"physicalLocation\": "
            "{\"artifactLocation\": {\"uri\": \"f%d.json\"}, \"region\": {\"startLine\": 1}}}]}",
            i ? "," : "", i % 7, i % 13);
    len += (size_t)snprintf(text + len, sizeof text - len, "]}]}");
    cr_assert_lt(len, sizeof text - 1);
    long k;
    for (k = 0; k < 10000; k++) {
        iamg_baseline *b = (iamg_baseline *)1;
        iamg_error err;
        ig_fault_alloc_after(k);
        int rc = iamg_baseline_load_buffer("b.sarif", text, len, &b, &err);
        ig_fault_alloc_after(-1);
        if (rc == 0) {
            cr_expect_eq(iamg_baseline_count(b), 91, "%zu",
                         iamg_baseline_count(b)); /* 7 x 13 (rule, file) pairs */
            iamg_baseline_free(b);
            break;
        }
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: %d %s", k, rc, err.message);
        cr_assert_null(b);
    }
    cr_expect_gt(k, 0);
    cr_expect_lt(k, 10000);
}
