/*
 * Tests for the SARIF and JSON writers (output/sarif*.c, output/json_out.c), the
 * URI encoding (output/uri.c) and the atomic file writer (output/atomic.c).
 *
 * Results come from real scans through the public API, so the writers are
 * checked on what the scanner really hands them. The validator tests run
 * ../shared/sarif/validate-sarif.sh (Microsoft's SARIF multitool with
 * GitHub's ingestion rules, plus GitHub's own limits) on real outputs; they
 * are skipped when the multitool is not installed.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/files.h"
#include "common/slurp.h"
#include "iamguard/iamguard.h"
#include "util/uri.h"
#include "util/alloc.h"
#include "util/utf8.h"

#define VALIDATOR IAMG_SOURCE_DIR "/../shared/sarif/validate-sarif.sh"
#define DEFAULT_MULTITOOL                                                                          \
    "/opt/sarif-mt/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
#define GOLDEN_DIR IAMG_SOURCE_DIR "/sarif/golden"

#define STR2(x) #x
#define STR(x) STR2(x)
#define VERSION STR(IAMG_VERSION_MAJOR) "." STR(IAMG_VERSION_MINOR) "." STR(IAMG_VERSION_PATCH)

/* Two findings (IAM-SSM-1 on SendCommand, IAM-SSM-2 on StartSession). */
static const char FINDINGS_POLICY[] =
    "{\n"
    "  \"Version\": \"2012-10-17\",\n"
    "  \"Statement\": [\n"
    "    {\n"
    "      \"Sid\": \"RunFleetCommands\",\n"
    "      \"Effect\": \"Allow\",\n"
    "      \"Action\": [\"ssm:SendCommand\", \"ssm:StartSession\"],\n"
    "      \"Resource\": \"*\"\n"
    "    }\n"
    "  ]\n"
    "}\n";

static const char CLEAN_POLICY[] = "{\n"
                                   "  \"Version\": \"2012-10-17\",\n"
                                   "  \"Statement\": [\n"
                                   "    {\n"
                                   "      \"Effect\": \"Allow\",\n"
                                   "      \"Action\": \"s3:GetObject\",\n"
                                   "      \"Resource\": \"arn:aws:s3:::reports/*\"\n"
                                   "    }\n"
                                   "  ]\n"
                                   "}\n";

static const char BROKEN_POLICY[] = "{\n"
                                    "  \"Version\": \"2012-10-17\",\n"
                                    "  \"Statement\": [\n"
                                    "    {\"Effect\": \"Allow\",, \"Action\": \"*\"}\n"
                                    "  ]\n"
                                    "}\n";

/* One statement on one line, with characters of 1, 2 (ü) and 4 (😀) UTF-8
 * bytes before the offending element: UTF-16 columns differ from bytes. */
static const char WIDE_POLICY[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"Z\xC3\xBCrich\xF0\x9F\x98\x80\", "
    "\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": \"*\"}]}\n";

static const char FAILING_RULE[] = "return {\n"
                                   "  id = \"TEST-BOOM\",\n"
                                   "  short_description = \"Always fails.\",\n"
                                   "  check = function(policy, report) error(\"boom\") end,\n"
                                   "}\n";

/* ---- helpers ---- */

#define WRITE_LIT(dir, rel, lit) write_bytes((dir), (rel), (lit), sizeof(lit) - 1)

static iamg_engine *new_engine(size_t max_results)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    if (max_results) eo.limits.max_results = max_results;
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    return e;
}

static iamg_results *scan_buf(iamg_engine *e, const char *name, const char *data,
                              const iamg_scan_options *so)
{
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_buffer(e, name, data, strlen(data), so, &r, &err), 0, "%s", err.message);
    return r;
}

static iamg_results *scan_dir(iamg_engine *e, const char *dir, unsigned jobs,
                              const iamg_scan_options *base)
{
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    if (base) so = *base;
    so.base_dir = dir;
    so.jobs = jobs;
    const char *paths[] = {dir};
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    return r;
}

/* Run a writer into memory; the text is NUL-terminated. */
static char *render(iamg_writer_fn writer, const iamg_engine *e, const iamg_results *r,
                    const iamg_output_options *o, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    cr_assert_not_null(f);
    iamg_error err;
    int rc = writer(f, e, r, o, &err);
    cr_assert_eq(rc, 0, "writer failed: %s", err.message);
    cr_assert_eq(fclose(f), 0);
    if (len) *len = n;
    return text;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    cr_assert_not_null(doc, "output is not JSON: %s at %d:%d", je.text, je.line, je.column);
    return doc;
}

static json_t *sarif_doc(const iamg_engine *e, const iamg_results *r, const iamg_output_options *o)
{
    char *text = render(iamg_write_sarif, e, r, o, NULL);
    json_t *doc = parse(text);
    free(text);
    return doc;
}

static json_t *run0(json_t *doc)
{
    json_t *runs = json_object_get(doc, "runs");
    cr_assert_eq(json_array_size(runs), 1, "exactly one run");
    return json_array_get(runs, 0);
}

/* Dotted path lookup: get(o, "a.b.0.c"). Numbers index arrays. */
static json_t *get(json_t *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v))
            v = json_array_get(v, strtoul(k, NULL, 10));
        else
            v = json_object_get(v, k);
    }
    return v;
}

static const char *gets(json_t *v, const char *path)
{
    return json_string_value(get(v, path));
}

static json_int_t geti(json_t *v, const char *path)
{
    json_t *x = get(v, path);
    cr_assert(json_is_integer(x), "%s is not an integer", path);
    return json_integer_value(x);
}

static json_t *results_of(json_t *run)
{
    json_t *res = json_object_get(run, "results");
    cr_assert(json_is_array(res), "results must be an array");
    return res;
}

/* The results of rule `id`, in order. */
static size_t count_rule(json_t *run, const char *id)
{
    size_t n = 0, i;
    json_t *res;
    json_array_foreach(results_of(run), i, res) n += strcmp(gets(res, "ruleId"), id) == 0;
    return n;
}

static json_t *first_of_rule(json_t *run, const char *id)
{
    size_t i;
    json_t *res;
    json_array_foreach(results_of(run), i,
                       res) if (strcmp(gets(res, "ruleId"), id) == 0) return res;
    return NULL;
}

static json_t *find_notification(json_t *run, const char *descriptor)
{
    size_t i;
    json_t *n;
    json_array_foreach(get(run, "invocations.0.toolExecutionNotifications"), i,
                       n) if (strcmp(gets(n, "descriptor.id"), descriptor) == 0) return n;
    return NULL;
}

/* What GitHub and the project require of every result. */
static void check_results(json_t *run)
{
    json_t *rules = get(run, "tool.driver.rules");
    size_t i;
    json_t *res;
    json_array_foreach(results_of(run), i, res)
    {
        const char *id = gets(res, "ruleId");
        cr_assert_not_null(id);
        json_int_t ri = geti(res, "ruleIndex");
        cr_assert_str_eq(gets(json_array_get(rules, (size_t)ri), "id"), id, "ruleIndex of %s", id);
        cr_expect_str_eq(gets(res, "kind"), "fail");
        cr_assert_not_null(gets(res, "level"));
        const char *msg = gets(res, "message.text");
        cr_assert(msg && msg[0], "message.text");
        cr_assert_eq(json_array_size(get(res, "locations")), 1, "exactly one location");
        json_t *pl = get(res, "locations.0.physicalLocation");
        const char *uri = gets(pl, "artifactLocation.uri");
        cr_assert_not_null(uri);
        cr_expect(strncmp(uri, "./", 2) != 0 && uri[0] != '/' && !strchr(uri, '\\') &&
                      !strchr(uri, ' '),
                  "clean uri: %s", uri);
        json_int_t line = geti(pl, "region.startLine");
        cr_expect_geq(line, 1);
        if (get(pl, "region.endLine")) cr_expect_eq(geti(pl, "region.endLine"), line, "one line");
        if (get(pl, "region.endColumn"))
            cr_expect_gt(geti(pl, "region.endColumn"), geti(pl, "region.startColumn"));
        const char *fp = gets(res, "partialFingerprints.primaryLocationLineHash");
        cr_assert(fp && strchr(fp, ':'), "fingerprint on every result");
    }
}

static int has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
    return 0;
}

/* ---- URIs ---- */

static void expect_uri(const char *path, const char *want)
{
    char *u = ig_uri_from_path(path);
    cr_assert_not_null(u);
    cr_expect_str_eq(u, want, "uri of %s", path);
    ig_free(u);
}

Test(uri, percent_encoding)
{
    expect_uri("policies/ci.json", "policies/ci.json");
    expect_uri("a b%#\xC3\xBC.json", "a%20b%25%23%C3%BC.json");
    expect_uri("./x/./y.json", "x/./y.json");
    expect_uri(".//x.json", "x.json");
    expect_uri("[x]?y.json", "%5Bx%5D%3Fy.json");
    expect_uri("c:x.json", "c%3Ax.json");
    expect_uri("back\\slash.json", "back%5Cslash.json");
    expect_uri("bad\xFF.json", "bad%FF.json");
    expect_uri("keep-._~!$&'()*+,;=@.json", "keep-._~!$&'()*+,;=@.json");
    expect_uri("/abs/p q.json", "file:///abs/p%20q.json");
    expect_uri("tab\there", "tab%09here");
}

Test(uri, folders)
{
    char *u = ig_uri_from_dir("/work/a b");
    cr_expect_str_eq(u, "file:///work/a%20b/");
    ig_free(u);
    u = ig_uri_from_dir("/work/x/");
    cr_expect_str_eq(u, "file:///work/x/");
    ig_free(u);
    u = ig_uri_from_dir("/");
    cr_expect_str_eq(u, "file:///");
    ig_free(u);
}

/* ---- SARIF ---- */

Test(sarif, tool_and_rules_metadata)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    cr_expect_str_eq(gets(doc, "$schema"), "https://json.schemastore.org/sarif-2.1.0.json");
    cr_expect_str_eq(gets(doc, "version"), "2.1.0");
    json_t *run = run0(doc);
    json_t *d = get(run, "tool.driver");
    cr_expect_str_eq(gets(d, "name"), "iamguard");
    cr_expect_not_null(gets(d, "fullName"));
    cr_expect_str_eq(gets(d, "semanticVersion"), VERSION);
    cr_expect_str_eq(gets(d, "informationUri"), "https://github.com/iamguard/iamguard");
    cr_expect_str_eq(gets(run, "columnKind"), "utf16CodeUnits");

    json_t *rules = get(d, "rules");
    size_t nrules = json_array_size(rules);
    size_t enabled = 0;
    for (size_t i = 0; i < iamg_engine_rule_count(e); i++)
        enabled += iamg_engine_rule(e, i)->enabled;
    cr_assert_eq(nrules, enabled + 2, "every enabled rule plus the two input-problem rules");
    int seen_ssm1 = 0, seen_parse = 0, seen_invalid = 0;
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        const char *id = gets(rule, "id");
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(gets(json_array_get(rules, j), "id"), id);
        seen_ssm1 |= !strcmp(id, "IAM-SSM-1");
        seen_parse |= !strcmp(id, "IAMGUARD-PARSE");
        seen_invalid |= !strcmp(id, "IAMGUARD-INVALID");
        cr_expect(gets(rule, "name") && gets(rule, "name")[0], "%s: name", id);
        cr_expect_str_neq(gets(rule, "name"), id);
        cr_expect(gets(rule, "shortDescription.text") && gets(rule, "fullDescription.text"));
        const char *ht = gets(rule, "help.text"), *hm = gets(rule, "help.markdown");
        cr_assert(ht && hm && ht[0] && hm[0], "%s: help text and markdown", id);
        cr_expect_null(strstr(ht, "**"), "%s: help.text keeps **", id);
        cr_expect_null(strchr(ht, '`'), "%s: help.text keeps backticks", id);
        cr_expect(ht[0] != '#' && !strstr(ht, "\n#"), "%s: help.text keeps heading marks", id);
        const char *lv = gets(rule, "defaultConfiguration.level");
        cr_expect(lv && (!strcmp(lv, "error") || !strcmp(lv, "warning") || !strcmp(lv, "note")));
        json_t *tags = get(rule, "properties.tags");
        cr_expect(has_string(tags, "security"), "%s: security tag", id);
        cr_expect_leq(json_array_size(tags), 20);
        for (size_t a = 0; a < json_array_size(tags); a++)
            for (size_t b = 0; b < a; b++)
                cr_expect_str_neq(json_string_value(json_array_get(tags, a)),
                                  json_string_value(json_array_get(tags, b)), "%s: duplicate tag",
                                  id);
        cr_expect_not_null(gets(rule, "properties.precision"));
        const char *sev = gets(rule, "properties.security-severity");
        cr_assert_not_null(sev, "%s: security-severity must be a string", id);
        char *end;
        double s = strtod(sev, &end);
        cr_expect(*end == '\0' && s > 0 && s <= 10 && strchr(sev, '.'), "%s: severity %s", id, sev);
        cr_expect_not_null(json_object_get(get(rule, "properties"), "problem.severity"));
    }
    cr_expect(seen_ssm1 && seen_parse && seen_invalid);
    json_t *ssm1 = first_of_rule(run, "IAM-SSM-1");
    json_t *r1 = json_array_get(rules, (size_t)geti(ssm1, "ruleIndex"));
    cr_expect_str_eq(gets(r1, "properties.security-severity"), "8.0");
    cr_expect_str_eq(json_string_value(json_object_get(get(r1, "properties"), "problem.severity")),
                     "error");
    cr_expect_not_null(gets(r1, "helpUri"));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, results_locations_and_fingerprints)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    cr_assert_eq(json_array_size(results_of(run)), iamg_results_count(r));
    cr_assert_eq(count_rule(run, "IAM-SSM-1"), 1);
    cr_assert_eq(count_rule(run, "IAM-SSM-2"), 1);
    json_t *res = first_of_rule(run, "IAM-SSM-1");
    const iamg_finding *f = NULL;
    for (size_t i = 0; i < iamg_results_count(r); i++)
        if (!strcmp(iamg_results_get(r, i)->rule_id, "IAM-SSM-1")) f = iamg_results_get(r, i);
    cr_assert_not_null(f);
    json_t *pl = get(res, "locations.0.physicalLocation");
    cr_expect_str_eq(gets(pl, "artifactLocation.uri"), "policies/x.json");
    cr_expect_str_eq(gets(pl, "artifactLocation.uriBaseId"), "%SRCROOT%");
    cr_expect_eq(geti(pl, "region.startLine"), 7);
    cr_expect_eq(geti(pl, "region.startColumn"), f->column);
    cr_expect_eq(geti(pl, "region.endColumn"), f->end_column);
    cr_expect_str_eq(gets(pl, "contextRegion.snippet.text"), f->snippet);
    const char *sn = gets(pl, "region.snippet.text");
    cr_assert_not_null(sn);
    cr_expect(strstr(sn, "ssm:SendCommand") != NULL, "region snippet is the element: %s", sn);
    cr_expect_str_eq(gets(res, "partialFingerprints.primaryLocationLineHash"), f->fingerprint);
    cr_expect_str_eq(gets(res, "locations.0.logicalLocations.0.name"), "RunFleetCommands");
    cr_expect_str_eq(gets(res, "locations.0.logicalLocations.0.kind"), "object");
    const char *fqn = gets(res, "locations.0.logicalLocations.0.fullyQualifiedName");
    cr_assert_not_null(fqn);
    size_t fl = strlen(fqn);
    cr_expect(fl > 17 && !strcmp(fqn + fl - 17, "/RunFleetCommands"), "fqn %s", fqn);
    cr_expect_str_eq(gets(res, "message.text"), f->message);
    cr_expect(json_is_true(get(run, "invocations.0.executionSuccessful")));
    cr_expect_eq(geti(run, "properties.findings.error"), 2);
    cr_expect(json_is_false(get(run, "properties.truncated")));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, region_snippet_counts_utf16_units)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "wide.json", WIDE_POLICY, NULL);
    cr_assert_eq(iamg_results_count(r), 1);
    const iamg_finding *f = iamg_results_get(r, 0);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *pl = get(run0(doc), "results.0.locations.0.physicalLocation");
    const char *sn = gets(pl, "region.snippet.text");
    cr_assert_not_null(sn);
    /* The element starts after "Zürich😀": 2 more bytes than UTF-16 units. */
    const char *at = strstr(WIDE_POLICY, "\"ssm:SendCommand\"");
    cr_expect_eq((size_t)f->column, (size_t)(at - WIDE_POLICY) + 1 - 3);
    cr_expect(strstr(sn, "ssm:SendCommand") != NULL && strlen(sn) <= strlen("\"ssm:SendCommand\""),
              "region snippet %s", sn);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* A line that merely ends in " [truncated]" is whole: only the finding's
 * snippet_truncated field says that a snippet was cut. */
Test(sarif, cut_snippets_are_marked_by_a_field)
{
    static const char yaml[] = "Resources:\n"
                               "  P:\n"
                               "    Type: AWS::IAM::ManagedPolicy\n"
                               "    Properties:\n"
                               "      PolicyDocument:\n"
                               "        Statement:\n"
                               "          - Effect: Allow\n"
                               "            Action: ssm:SendCommand # [truncated]\n"
                               "            Resource: '*'\n";
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "t.yaml", yaml, NULL);
    cr_assert_eq(iamg_results_count(r), 1);
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_expect_eq(f->snippet_truncated, 0);
    cr_expect_str_eq(f->snippet, "            Action: ssm:SendCommand # [truncated]");
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *pl = get(run0(doc), "results.0.locations.0.physicalLocation");
    cr_expect_str_eq(gets(pl, "contextRegion.snippet.text"), f->snippet);
    cr_expect_str_eq(gets(pl, "region.snippet.text"), "ssm:SendCommand");
    json_decref(doc);
    iamg_results_free(r);

    /* A one-line policy of 2 KB: the snippet is a window cut at both ends,
     * holding only the file's text. */
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof big, "{\"Statement\": [{\"Sid\": \"");
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "\xF0\x9F\x98\x80");
    n += (size_t)snprintf(big + n, sizeof big - n,
                          "\", \"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
                          "\"Resource\": [");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "\"arn:aws:s3:::b%02d/*\", ", i);
    snprintf(big + n, sizeof big - n, "\"*\"]}]}");
    r = scan_buf(e, "one-line.json", big, NULL);
    cr_assert_eq(iamg_results_count(r), 1);
    f = iamg_results_get(r, 0);
    cr_expect_eq(f->snippet_truncated, 1);
    cr_expect_gt(f->snippet_column, 1);
    /* 300 emoji are 600 columns before the Sid's closing quote. */
    const char *at = strstr(big, "\"ssm:SendCommand\"");
    cr_expect_eq((size_t)f->column, (size_t)(at - big) + 1 - 300 * 2);
    size_t sl = strlen(f->snippet);
    cr_expect(sl < 12 || strcmp(f->snippet + sl - 12, " [truncated]") != 0, "%s", f->snippet);
    cr_expect(strncmp(big + (strstr(big, "\"ssm:SendCommand\"") - big) -
                          (strstr(f->snippet, "\"ssm:SendCommand\"") - f->snippet),
                      f->snippet, sl) == 0,
              "the snippet is the file's text: %s", f->snippet);
    doc = sarif_doc(e, r, NULL);
    pl = get(run0(doc), "results.0.locations.0.physicalLocation");
    cr_expect_null(get(pl, "contextRegion"));
    cr_expect_str_eq(gets(pl, "region.snippet.text"), "\"ssm:SendCommand\"");
    json_decref(doc);
    char *text = render(iamg_write_text, e, r, NULL, NULL);
    cr_expect(strstr(text, " [truncated]\n") != NULL, "%s", text);
    cr_expect(strstr(text, "| ...") != NULL, "%s", text);
    free(text);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, uris_are_percent_encoded)
{
    char *dir = tmp_dir("sarif");
    WRITE_LIT(dir, "sub dir/a b%#\xC3\xBC.json", FINDINGS_POLICY);
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, dir, 1, NULL);
    cr_assert_eq(iamg_results_count(r), 2);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = dir;
    json_t *doc = sarif_doc(e, r, &o);
    json_t *run = run0(doc);
    check_results(run);
    size_t i;
    json_t *res;
    json_array_foreach(results_of(run), i, res)
    {
        cr_expect_str_eq(gets(res, "locations.0.physicalLocation.artifactLocation.uri"),
                         "sub%20dir/a%20b%25%23%C3%BC.json");
    }
    char want[600];
    snprintf(want, sizeof want, "file://%s/", dir);
    cr_expect_str_eq(gets(run, "originalUriBaseIds.%SRCROOT%.uri"), want);
    cr_expect_str_eq(gets(run, "invocations.0.workingDirectory.uri"), want);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(sarif, files_outside_the_base_use_file_uris)
{
    char *base = tmp_dir("sarif"), *other = tmp_dir("sarif");
    WRITE_LIT(other, "p.json", FINDINGS_POLICY);
    iamg_engine *e = new_engine(0);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.base_dir = base;
    const char *paths[] = {other};
    iamg_results *r = NULL;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    json_t *al = get(run, "results.0.locations.0.physicalLocation.artifactLocation");
    char want[600];
    snprintf(want, sizeof want, "file://%s/p.json", other);
    cr_expect_str_eq(gets(al, "uri"), want);
    cr_expect_null(get(al, "uriBaseId"));
    cr_expect_not_null(find_notification(run, "iamguard/outside-base"));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(base);
    free(base);
    rm_tree(other);
    free(other);
}

Test(sarif, parse_error_is_a_result_and_a_notification)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/broken.json", BROKEN_POLICY, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    cr_assert_eq(count_rule(run, "IAMGUARD-PARSE"), 1);
    json_t *res = first_of_rule(run, "IAMGUARD-PARSE");
    cr_expect_str_eq(gets(res, "level"), "error");
    cr_expect_str_eq(gets(res, "locations.0.physicalLocation.artifactLocation.uri"),
                     "policies/broken.json");
    cr_expect_eq(geti(res, "locations.0.physicalLocation.region.startLine"), 4);
    const char *msg = gets(res, "message.text");
    cr_expect(msg && !strncmp(msg, "This file could not be parsed: ", 31), "%s", msg);
    const iamg_diag *d = iamg_results_diag(r, 0);
    cr_assert_not_null(d->fingerprint);
    cr_expect_str_eq(gets(res, "partialFingerprints.primaryLocationLineHash"), d->fingerprint);
    json_t *n = find_notification(run, "iamguard/parse-error");
    cr_assert_not_null(n);
    cr_expect_str_eq(gets(n, "level"), "error");
    cr_expect_str_eq(gets(n, "locations.0.physicalLocation.artifactLocation.uri"),
                     "policies/broken.json");
    json_int_t di = geti(n, "descriptor.index");
    json_t *desc = json_array_get(get(run, "tool.driver.notifications"), (size_t)di);
    cr_expect_str_eq(gets(desc, "id"), "iamguard/parse-error");
    /* The scan itself ran: input problems do not make it unsuccessful. */
    cr_expect(json_is_true(get(run, "invocations.0.executionSuccessful")));
    cr_expect_eq(geti(run, "properties.inputProblems"), 1);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* A file over the size limit is never read: its line 1 cannot be hashed,
 * so the result carries the empty file's hash, as GitHub would compute for
 * a file it cannot read. */
Test(sarif, unread_file_gets_the_empty_file_fingerprint)
{
    char *dir = tmp_dir("sarif");
    WRITE_LIT(dir, "big.json", FINDINGS_POLICY);
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.limits.max_file_size = 16;
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0);
    iamg_results *r = scan_dir(e, dir, 1, NULL);
    cr_assert_eq(iamg_results_diag_count(r), 1);
    const iamg_diag *d = iamg_results_diag(r, 0);
    cr_assert_eq(d->code, IAMG_ELIMIT);
    cr_assert_null(d->fingerprint);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    json_t *res = first_of_rule(run, "IAMGUARD-PARSE");
    cr_assert_not_null(res);
    cr_expect_str_eq(gets(res, "partialFingerprints.primaryLocationLineHash"),
                     "c129715d7a2bc9a3:1");
    cr_expect_eq(geti(res, "locations.0.physicalLocation.region.startLine"), 1);
    cr_expect_null(get(res, "locations.0.physicalLocation.region.startColumn"));
    cr_expect_str_eq(gets(res, "locations.0.physicalLocation.artifactLocation.uri"), "big.json");
    cr_expect_not_null(find_notification(run, "iamguard/limit"));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(sarif, rule_failure_makes_the_run_unsuccessful)
{
    iamg_engine *e = new_engine(0);
    iamg_error err;
    cr_assert_eq(
        iamg_engine_add_rule_source(e, "boom.lua", FAILING_RULE, sizeof FAILING_RULE - 1, &err), 0,
        "%s", err.message);
    cr_assert_not_null(iamg_engine_find_rule(e, "TEST-BOOM"));
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    cr_expect(json_is_false(get(run, "invocations.0.executionSuccessful")));
    json_t *n = find_notification(run, "iamguard/rule-failure");
    cr_assert_not_null(n);
    cr_expect_str_eq(gets(n, "level"), "error");
    cr_expect_str_eq(gets(n, "associatedRule.id"), "TEST-BOOM");
    json_int_t ri = geti(n, "associatedRule.index");
    cr_expect_str_eq(gets(json_array_get(get(run, "tool.driver.rules"), (size_t)ri), "id"),
                     "TEST-BOOM");
    cr_expect_not_null(strstr(gets(n, "message.text"), "boom"));
    /* The other rules still ran. */
    cr_expect_eq(count_rule(run, "IAM-SSM-1"), 1);
    cr_expect_geq(geti(run, "properties.ruleFailures"), 1);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, rule_that_does_not_load_is_a_notification)
{
    iamg_engine *e = new_engine(0);
    iamg_error err;
    static const char bad[] = "return {\n  id = \"TEST-BAD\",\n  check = 3,\n";
    iamg_engine_add_rule_source(e, "rules/bad.lua", bad, sizeof bad - 1, &err);
    iamg_results *r = scan_buf(e, "policies/x.json", CLEAN_POLICY, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    cr_expect(json_is_false(get(run, "invocations.0.executionSuccessful")));
    json_t *n = find_notification(run, "iamguard/rule-failure");
    cr_assert_not_null(n);
    cr_expect_not_null(strstr(gets(n, "message.text"), "rules/bad.lua"));
    cr_expect_null(get(n, "locations"), "a rule file is not a location in the scanned tree");
    cr_expect_eq(json_array_size(results_of(run)), 0);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

static const iamg_allow ALLOW_SSM1 = {
    "IAM-SSM-1", NULL, NULL, NULL, NULL, NULL, "break-glass role, reviewed", NULL, "test:1"};

Test(sarif, suppressed_findings)
{
    iamg_engine *e = new_engine(0);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.allow = &ALLOW_SSM1;
    so.nallow = 1;
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, &so);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    cr_expect_eq(count_rule(run, "IAM-SSM-1"), 0, "left out by default");
    cr_expect_eq(count_rule(run, "IAM-SSM-2"), 1);
    cr_expect_eq(geti(run, "properties.suppressedCount"), 1);
    cr_expect_eq(geti(run, "properties.findings.error"), 1);
    json_decref(doc);

    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.include_suppressed = 1;
    doc = sarif_doc(e, r, &o);
    run = run0(doc);
    check_results(run);
    json_t *res = first_of_rule(run, "IAM-SSM-1");
    cr_assert_not_null(res);
    cr_expect_str_eq(gets(res, "suppressions.0.kind"), "external");
    cr_expect_str_eq(gets(res, "suppressions.0.justification"), "break-glass role, reviewed");
    cr_expect_null(get(first_of_rule(run, "IAM-SSM-2"), "suppressions"));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, results_are_cut_at_max_results)
{
    iamg_engine *e = new_engine(1);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    cr_assert_eq(iamg_results_count(r), 2);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    cr_expect_eq(json_array_size(results_of(run)), 1);
    cr_expect(json_is_true(get(run, "properties.truncated")));
    cr_expect_eq(geti(run, "properties.omittedResults"), 1);
    json_t *n = find_notification(run, "iamguard/results-truncated");
    cr_assert_not_null(n);
    cr_expect_str_eq(gets(n, "level"), "warning");
    cr_expect(!strncmp(gets(n, "message.text"), "1 of 2 results were left out", 28), "%s",
              gets(n, "message.text"));
    /* A cut run does not report everything: GitHub must not close alerts. */
    cr_expect(json_is_false(get(run, "invocations.0.executionSuccessful")));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* A flood of notes ahead of the errors in output order must not push the
 * errors out of a cut run. */
Test(sarif, cut_keeps_the_most_severe)
{
    iamg_engine *e = new_engine(4);
    const char *flood = "return { id = 'AAA-NOTES', level = 'note', short_description = 'notes.',\n"
                        "  check = function(p, report)\n"
                        "    for i = 1, 50 do report{ message = 'note ' .. i .. '.' } end\n"
                        "  end }\n";
    iamg_error err;
    cr_assert_eq(iamg_engine_add_rule_source(e, "notes.lua", flood, strlen(flood), &err), 0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    cr_assert_eq(iamg_results_count(r), 52);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    check_results(run);
    json_t *res = results_of(run);
    cr_assert_eq(json_array_size(res), 4);
    /* Both built-in errors survive; two notes fill the rest. */
    cr_expect_eq(count_rule(run, "IAM-SSM-1") + count_rule(run, "IAM-SSM-2"), 2);
    cr_expect_eq(count_rule(run, "AAA-NOTES"), 2);
    cr_expect_eq(geti(run, "properties.omittedResults"), 48);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

static void fill_tree(const char *dir)
{
    char name[64];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "team%02d/role.json", i);
        if (i % 4 == 3)
            WRITE_LIT(dir, name, BROKEN_POLICY);
        else if (i % 2)
            WRITE_LIT(dir, name, CLEAN_POLICY);
        else
            WRITE_LIT(dir, name, FINDINGS_POLICY);
    }
    WRITE_LIT(dir, "wide.json", WIDE_POLICY);
}

Test(sarif, output_is_byte_identical_across_runs_and_threads)
{
    char *dir = tmp_dir("sarif");
    fill_tree(dir);
    iamg_engine *e = new_engine(0);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = dir;
    iamg_results *r1 = scan_dir(e, dir, 1, NULL);
    iamg_results *r4 = scan_dir(e, dir, 4, NULL);
    size_t n1, n1b, n4;
    char *a = render(iamg_write_sarif, e, r1, &o, &n1);
    char *b = render(iamg_write_sarif, e, r1, &o, &n1b);
    char *c = render(iamg_write_sarif, e, r4, &o, &n4);
    cr_expect(n1 == n1b && memcmp(a, b, n1) == 0, "two writes of one scan differ");
    cr_expect(n1 == n4 && memcmp(a, c, n1) == 0, "jobs=1 and jobs=4 differ");
    json_t *doc = parse(a);
    json_t *run = run0(doc);
    check_results(run);
    cr_expect_eq(count_rule(run, "IAMGUARD-PARSE"), 3);
    cr_expect_null(get(run, "invocations.0.startTimeUtc"), "no timestamps unless asked");
    json_decref(doc);
    free(a);
    free(b);
    free(c);
    a = render(iamg_write_json, e, r1, &o, &n1);
    c = render(iamg_write_json, e, r4, &o, &n4);
    cr_expect(n1 == n4 && memcmp(a, c, n1) == 0, "JSON: jobs=1 and jobs=4 differ");
    free(a);
    free(c);
    iamg_results_free(r1);
    iamg_results_free(r4);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(sarif, results_follow_path_and_position_order)
{
    char *dir = tmp_dir("sarif");
    fill_tree(dir);
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, dir, 2, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *res = results_of(run0(doc));
    for (size_t i = 1; i < json_array_size(res); i++) {
        json_t *p = get(json_array_get(res, i - 1), "locations.0.physicalLocation");
        json_t *q = get(json_array_get(res, i), "locations.0.physicalLocation");
        int c = strcmp(gets(p, "artifactLocation.uri"), gets(q, "artifactLocation.uri"));
        cr_expect(c < 0 || (c == 0 && geti(p, "region.startLine") <= geti(q, "region.startLine")),
                  "result %zu out of order", i);
    }
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(sarif, invocation_options)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", CLEAN_POLICY, NULL);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = "/work/repo";
    o.category = "iamguard/policies";
    o.command_line = "iamguard scan -f sarif .";
    o.timestamps = 1;
    json_t *doc = sarif_doc(e, r, &o);
    json_t *run = run0(doc);
    cr_expect_str_eq(gets(run, "automationDetails.id"), "iamguard/policies/");
    cr_expect_str_eq(gets(run, "originalUriBaseIds.%SRCROOT%.uri"), "file:///work/repo/");
    json_t *inv = get(run, "invocations.0");
    cr_expect_str_eq(gets(inv, "workingDirectory.uri"), "file:///work/repo/");
    cr_expect_str_eq(gets(inv, "commandLine"), "iamguard scan -f sarif .");
    const char *t0 = gets(inv, "startTimeUtc"), *t1 = gets(inv, "endTimeUtc");
    cr_assert(t0 && t1);
    cr_expect(strlen(t1) == 24 && t1[23] == 'Z' && t1[10] == 'T', "time %s", t1);
    cr_expect_leq(strcmp(t0, t1), 0);
    cr_expect(json_is_true(get(inv, "executionSuccessful")));
    cr_expect_eq(json_array_size(results_of(run)), 0);
    json_decref(doc);

    o.category = "already/";
    doc = sarif_doc(e, r, &o);
    cr_expect_str_eq(gets(run0(doc), "automationDetails.id"), "already/");
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(sarif, write_errors_are_reported)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f) cr_skip_test("no /dev/full");
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    iamg_error err;
    memset(&err, 0, sizeof err);
    cr_expect_eq(iamg_write_sarif(f, e, r, NULL, &err), IAMG_EIO);
    cr_expect_eq(err.code, IAMG_EIO);
    cr_expect_neq(err.message[0], '\0');
    cr_expect_eq(iamg_write_json(f, e, r, NULL, &err), IAMG_EIO);
    fclose(f);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* With IAMGUARD_FAULT_INJECTION, every allocation of the writers fails in
 * turn: each must give IAMG_ENOMEM, never a crash or a leak. (jansson's own
 * allocations are not ours to fail; without fault injection this runs once.) */
Test(sarif, allocation_failures_are_clean)
{
    iamg_engine *e = new_engine(1);
    iamg_results *r = scan_buf(e, "policies/broken.json", BROKEN_POLICY, NULL);
    iamg_results *r2 = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    iamg_writer_fn writers[] = {iamg_write_sarif, iamg_write_json};
    for (size_t w = 0; w < 4; w++) {
        long n;
        for (n = 0; n < 100000; n++) {
            char *text = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&text, &len);
            cr_assert_not_null(f);
            iamg_error err;
            ig_fault_alloc_after(n);
            int rc = writers[w % 2](f, e, w < 2 ? r : r2, NULL, &err);
            ig_fault_alloc_after(-1);
            fclose(f);
            free(text);
            cr_assert(rc == 0 || rc == IAMG_ENOMEM, "allocation %ld: rc %d", n, rc);
            if (rc == 0) break;
        }
        cr_assert_lt(n, 100000);
    }
    iamg_results_free(r);
    iamg_results_free(r2);
    iamg_engine_free(e);
}

/* ---- JSON ---- */

Test(json, schema)
{
    iamg_engine *e = new_engine(0);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.allow = &ALLOW_SSM1;
    so.nallow = 1;
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, &so);
    char *text = render(iamg_write_json, e, r, NULL, NULL);
    json_t *doc = parse(text);
    free(text);
    cr_expect_eq(geti(doc, "version"), 1);
    cr_expect_str_eq(gets(doc, "tool.name"), "iamguard");
    cr_expect_str_eq(gets(doc, "tool.version"), VERSION);
    json_t *s = get(doc, "summary");
    cr_expect_eq(geti(s, "files_seen"), 1);
    cr_expect_eq(geti(s, "files_scanned"), 1);
    cr_expect_eq(geti(s, "documents"), 1);
    cr_expect_eq(geti(s, "statements"), 1);
    cr_expect_eq(geti(s, "findings.error"), 1);
    cr_expect_eq(geti(s, "suppressed"), 1);
    cr_expect_eq(geti(s, "rule_failures"), 0);
    cr_expect_null(get(s, "seconds"), "no timing unless asked");
    json_t *fs = get(doc, "findings");
    cr_assert_eq(json_array_size(fs), 1);
    json_t *f = json_array_get(fs, 0);
    cr_expect_str_eq(gets(f, "rule_id"), "IAM-SSM-2");
    cr_expect_str_eq(gets(f, "level"), "error");
    cr_expect_str_eq(gets(f, "path"), "policies/x.json");
    cr_expect_eq(geti(f, "line"), 7);
    cr_expect_gt(geti(f, "end_column"), geti(f, "column"));
    cr_expect_str_eq(gets(f, "statement"), "RunFleetCommands");
    cr_expect_str_eq(gets(f, "element"), "Action");
    cr_expect_not_null(gets(f, "fingerprint"));
    cr_expect_str_eq(gets(f, "origin.format"), "policy");
    cr_expect_null(get(f, "suppressed"));
    size_t i;
    json_t *v;
    const char *key;
    json_object_foreach(get(f, "origin"), key, v) cr_expect(!json_is_null(v), "%s: no nulls", key);
    cr_expect(json_is_array(get(doc, "diagnostics")));
    json_t *rules = get(doc, "rules");
    cr_expect_eq(json_array_size(rules), iamg_engine_rule_count(e));
    json_array_foreach(rules, i, v)
    {
        cr_expect_not_null(gets(v, "id"));
        cr_expect(json_is_boolean(get(v, "enabled")));
    }
    json_decref(doc);

    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.include_suppressed = 1;
    o.timestamps = 1;
    text = render(iamg_write_json, e, r, &o, NULL);
    doc = parse(text);
    free(text);
    cr_expect_eq(json_array_size(get(doc, "findings")), 2);
    cr_expect_str_eq(gets(doc, "findings.0.suppressed"), "break-glass role, reviewed");
    cr_expect(json_is_number(get(doc, "summary.seconds")));
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(json, diagnostics)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/broken.json", BROKEN_POLICY, NULL);
    char *text = render(iamg_write_json, e, r, NULL, NULL);
    json_t *doc = parse(text);
    free(text);
    json_t *d = get(doc, "diagnostics.0");
    cr_assert_not_null(d);
    cr_expect_str_eq(gets(d, "kind"), "parse-error");
    cr_expect_str_eq(gets(d, "level"), "error");
    cr_expect_str_eq(gets(d, "path"), "policies/broken.json");
    cr_expect_eq(geti(d, "line"), 4);
    cr_expect_not_null(gets(d, "message"));
    cr_expect_eq(geti(doc, "summary.files_failed"), 1);
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* ---- atomic writes ---- */

static int failing_writer(FILE *out, const iamg_engine *e, const iamg_results *r,
                          const iamg_output_options *o, iamg_error *err)
{
    fputs("{\"partial\": ", out);
    fflush(out);
    if (err) {
        err->code = IAMG_ENOMEM;
        snprintf(err->message, sizeof err->message, "injected failure");
    }
    return IAMG_ENOMEM;
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

Test(atomic, failing_writer_leaves_the_old_file)
{
    char *dir = tmp_dir("sarif");
    WRITE_LIT(dir, "out.sarif", "old report\n");
    char path[600];
    snprintf(path, sizeof path, "%s/out.sarif", dir);
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    iamg_error err;
    cr_expect_eq(iamg_write_file_atomic(path, failing_writer, e, r, NULL, &err), IAMG_ENOMEM);
    cr_expect_str_eq(err.message, "injected failure");
    char *now = slurp(path, NULL);
    cr_expect_str_eq(now, "old report\n");
    free(now);
    cr_expect_eq(count_entries(dir), 1, "the temporary file is removed");
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(atomic, replaces_the_file_with_readable_permissions)
{
    char *dir = tmp_dir("sarif");
    WRITE_LIT(dir, "out.sarif", "old report\n");
    char path[600];
    snprintf(path, sizeof path, "%s/out.sarif", dir);
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    umask(022);
    iamg_error err;
    cr_assert_eq(iamg_write_file_atomic(path, iamg_write_sarif, e, r, NULL, &err), 0, "%s",
                 err.message);
    size_t n;
    char *now = slurp(path, &n);
    char *want = render(iamg_write_sarif, e, r, NULL, NULL);
    cr_expect_str_eq(now, want);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
    cr_expect_eq(count_entries(dir), 1);
    free(now);
    free(want);

    umask(077);
    cr_assert_eq(iamg_write_file_atomic(path, iamg_write_json, e, r, NULL, &err), 0);
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0600, "umask respected: %o", st.st_mode & 0777);
    umask(022);
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(atomic, missing_folder_is_an_io_error)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    iamg_error err;
    cr_expect_eq(
        iamg_write_file_atomic("/nonexistent/iamg/out.sarif", iamg_write_sarif, e, r, NULL, &err),
        IAMG_EIO);
    cr_expect_eq(err.code, IAMG_EIO);
    iamg_results_free(r);
    iamg_engine_free(e);
}

static void validate(const iamg_engine *e, const iamg_results *r, const iamg_output_options *o,
                     const char *what);

/* ---- golden file ---- */

/* sarif/golden/policies.sarif is the writer's output for the folder
 * sarif/golden/input (see sarif/README.md). IAMG_UPDATE_GOLDEN=1 rewrites
 * it after an intended change; the diff is then reviewed like code. */
Test(golden, policies)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, GOLDEN_DIR "/input", 1, NULL);
    size_t n;
    char *got = render(iamg_write_sarif, e, r, NULL, &n);
    const char *golden = GOLDEN_DIR "/policies.sarif";
    const char *update = getenv("IAMG_UPDATE_GOLDEN");
    if (update && update[0] == '1') {
        FILE *f = fopen(golden, "wb");
        cr_assert_not_null(f);
        fwrite(got, 1, n, f);
        fclose(f);
    }
    size_t wn;
    char *want = slurp(golden, &wn);
    cr_assert_not_null(want, "missing %s (run with IAMG_UPDATE_GOLDEN=1)", golden);
    cr_expect(wn == n && memcmp(want, got, n) == 0,
              "SARIF differs from %s; if intended, rerun with IAMG_UPDATE_GOLDEN=1 and review",
              golden);
    /* The shared example's line 13 hash, as GitHub computes it. */
    json_t *doc = parse(got);
    json_t *res = first_of_rule(run0(doc), "IAM-SSM-1");
    cr_assert_not_null(res);
    cr_expect_str_eq(gets(res, "locations.0.physicalLocation.artifactLocation.uri"),
                     "policies/ci-deploy-role.json");
    cr_expect_str_eq(gets(res, "partialFingerprints.primaryLocationLineHash"), "79e922aff8ac9bd:1");
    json_decref(doc);
    free(want);
    free(got);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* The input-problem rules' default level is the level of their results in
 * the golden run (a broken file and an invalid policy are errors). */
Test(golden, problem_rules_default_to_their_results_level)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, GOLDEN_DIR "/input", 1, NULL);
    json_t *doc = sarif_doc(e, r, NULL);
    json_t *run = run0(doc);
    json_t *rules = get(run, "tool.driver.rules");
    json_t *results = results_of(run);
    size_t i, seen = 0;
    json_t *res;
    json_array_foreach(results, i, res)
    {
        const char *id = gets(res, "ruleId");
        if (strncmp(id, "IAMGUARD-", 9) != 0) continue;
        json_t *rule = json_array_get(rules, (size_t)json_integer_value(get(res, "ruleIndex")));
        cr_assert_str_eq(gets(rule, "id"), id);
        cr_expect_str_eq(gets(rule, "defaultConfiguration.level"), gets(res, "level"), "%s", id);
        seen++;
    }
    cr_expect_geq(seen, 2, "the golden input has a broken file and an invalid policy");
    json_decref(doc);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(validator, golden)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, GOLDEN_DIR "/input", 1, NULL);
    validate(e, r, NULL, "golden");
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* ---- the real validator ---- */

static const char *multitool(void)
{
    const char *mt = getenv("SARIF_MULTITOOL");
    if (!mt || !mt[0]) mt = DEFAULT_MULTITOOL;
    return access(mt, X_OK) == 0 ? mt : NULL;
}

/* Write the SARIF of (e, r) to a file and run validate-sarif.sh on it. */
static void validate(const iamg_engine *e, const iamg_results *r, const iamg_output_options *o,
                     const char *what)
{
    const char *mt = multitool();
    const char *required = getenv("IAMG_REQUIRE_MULTITOOL");
    /* CI requires the validator: there a skipped validation would pass silently. */
    if (!mt && required && strcmp(required, "1") == 0)
        cr_assert_fail("SARIF multitool required (IAMG_REQUIRE_MULTITOOL=1) but not found");
    if (!mt) cr_skip_test("SARIF multitool not installed (set SARIF_MULTITOOL)");
    if (access(VALIDATOR, R_OK) != 0) cr_skip_test("%s not found", VALIDATOR);
    char *dir = tmp_dir("sarif");
    char sarif[600], log[600];
    snprintf(sarif, sizeof sarif, "%s/%s.sarif", dir, what);
    snprintf(log, sizeof log, "%s/validate.log", dir);
    iamg_error err;
    cr_assert_eq(iamg_write_file_atomic(sarif, iamg_write_sarif, e, r, o, &err), 0, "%s",
                 err.message);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        setenv("SARIF_MULTITOOL", mt, 1);
        execl("/bin/sh", "sh", VALIDATOR, sarif, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    char *out = slurp(log, NULL);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "validate-sarif.sh on %s:\n%s", what,
              out ? out : "");
    cr_expect(out && strstr(out, ": OK"), "validator did not print OK for %s:\n%s", what,
              out ? out : "");
    free(out);
    rm_tree(dir);
    free(dir);
}

Test(validator, clean_policy)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/clean.json", CLEAN_POLICY, NULL);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = "/work/repo";
    validate(e, r, &o, "clean");
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(validator, findings_tree)
{
    char *dir = tmp_dir("sarif");
    fill_tree(dir);
    WRITE_LIT(dir, "sub dir/a b%#\xC3\xBC.json", FINDINGS_POLICY);
    iamg_engine *e = new_engine(0);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.allow = &ALLOW_SSM1;
    so.nallow = 1;
    iamg_results *r = scan_dir(e, dir, 0, &so);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = dir;
    o.category = "iamguard";
    o.include_suppressed = 1;
    o.timestamps = 1;
    o.command_line = "iamguard scan -f sarif .";
    validate(e, r, &o, "findings");
    iamg_results_free(r);
    iamg_engine_free(e);
    rm_tree(dir);
    free(dir);
}

Test(validator, parse_error)
{
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_buf(e, "policies/broken.json", BROKEN_POLICY, NULL);
    validate(e, r, NULL, "parse-error");
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(validator, broken_rules)
{
    iamg_engine *e = new_engine(0);
    iamg_error err;
    static const char bad[] = "return {\n  id = \"TEST-BAD\",\n  check = 3,\n";
    iamg_engine_add_rule_source(e, "rules/bad.lua", bad, sizeof bad - 1, &err);
    cr_assert_eq(
        iamg_engine_add_rule_source(e, "boom.lua", FAILING_RULE, sizeof FAILING_RULE - 1, &err), 0);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    validate(e, r, NULL, "broken-rule");
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(validator, truncated_run)
{
    iamg_engine *e = new_engine(1);
    iamg_results *r = scan_buf(e, "policies/x.json", FINDINGS_POLICY, NULL);
    validate(e, r, NULL, "truncated");
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(validator, aws_managed_corpus, .timeout = 300)
{
    char *dir = realpath(IAMG_CORPUS_DIR "/aws-managed", NULL);
    if (!dir) cr_skip_test("corpus not found at %s", IAMG_CORPUS_DIR "/aws-managed");
    iamg_engine *e = new_engine(0);
    iamg_results *r = scan_dir(e, dir, 0, NULL);
    cr_expect_gt(iamg_results_stats(r)->files_scanned, 1000);
    iamg_output_options o = IAMG_OUTPUT_OPTIONS_INIT;
    o.working_directory = dir;
    validate(e, r, &o, "aws-managed");
    free(dir);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* Columns count UTF-16 units: the snippet window and the caret depend on it. */
Test(utf8, bytes_for_utf16_columns)
{
    static const char s[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
                            "b\xFF"
                            "c";
    size_t n = sizeof s - 1;
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 0), 0);
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 1), 1);  /* a */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 2), 3);  /* é: one unit, two bytes */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 3), 6);  /* €: one unit, three bytes */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 5), 10); /* U+1F600: two units, four bytes */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 6), 11); /* b */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 7), 12); /* an ill-formed byte is one unit */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 8), 13);
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, n, 100), n); /* never past the end */
    cr_expect_eq(ig_utf8_bytes_for_utf16(s, 2, 2), 2);   /* a cut sequence counts bytewise */
}
