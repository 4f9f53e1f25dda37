/*
 * Huge strings do not hide findings (rules/lua_api.c, lua_tables.c): what a
 * rule only shows (Sids, origin fields, the pattern that granted) is cut to
 * display size before it enters the rule's memory, and the tables statements
 * give are kept for the last 256 statements only, so a statement with a
 * 50 MB Sid, or next to 200,000 siblings the rule inspects, is still judged
 * and reported by the built-in rules within their 64 MB memory limit.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iamguard/iamguard.h"
#include "util/buf.h"

/* tests/valgrind.sh runs the suite fifty times slower: smaller inputs there,
 * where memory errors are the question, not the rule's memory limit. */
static size_t scaled(size_t n)
{
    return getenv("IAMG_TEST_TIME_SCALE") ? n / 20 : n;
}

static iamg_engine *engine(void)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    /* The wall-clock limit is not under test, and valgrind is slow. */
    eo.limits.lua_timeout_ms = 600000;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    return e;
}

static iamg_results *scan(iamg_engine *e, const char *name, const buf *in)
{
    cr_assert(!in->oom);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_buffer(e, name, in->data, in->len, &so, &r, &err), 0, "%s", err.message);
    return r;
}

/* No rule failed or ran out of memory, and `rule` reported on `line`. */
static void expect_judged(const iamg_results *r, const char *rule, unsigned line)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        cr_expect(d->code != IAMG_ERULE, "a rule failed: %s", d->message);
    }
    int found = 0;
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (!strcmp(f->rule_id, rule) && f->line == line) found = 1;
    }
    cr_expect(found, "no %s finding on line %u", rule, line);
}

Test(huge_strings, fifty_megabyte_sid)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"Statement\": [{\"Sid\": \"");
    size_t sid = scaled((size_t)50 << 20);
    cr_assert_eq(ig_buf_reserve(&b, sid + 200), 0);
    memset(b.data + b.len, 'S', sid);
    b.len += sid;
    ig_buf_puts(&b, "\",\n\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": "
                    "\"*\"}]}\n");
    iamg_engine *e = engine();
    iamg_results *r = scan(e, "sid.json", &b);
    expect_judged(r, "IAM-SSM-1", 2);
    /* The message shows the start of the Sid, cut and marked. */
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_assert_not_null(f);
    cr_expect(strstr(f->message, "SSSS\xE2\x80\xA6\"") != NULL, "%.200s", f->message);
    iamg_results_free(r);
    iamg_engine_free(e);
    ig_buf_free(&b);
}

Test(huge_strings, two_hundred_thousand_siblings)
{
    /* Siblings that grant the action but are scoped by a tag condition: the
     * rule reads the conditions of every one of them. */
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"Statement\": [\n");
    size_t n = scaled(200000);
    for (size_t i = 0; i < n; i++)
        ig_buf_printf(&b, "{\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": "
                          "\"*\", \"Condition\": {\"StringEquals\": {\"ssm:resourceTag/env\": "
                          "[\"dev\", \"test\"]}}},\n");
    ig_buf_puts(&b, "{\"Sid\": \"Last\", \"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
                    "\"Resource\": \"*\"}]}\n");
    iamg_engine *e = engine();
    iamg_results *r = scan(e, "siblings.json", &b);
    expect_judged(r, "IAM-SSM-1", (unsigned)n + 2);
    cr_expect_eq(iamg_results_count(r), 1);
    iamg_results_free(r);
    iamg_engine_free(e);
    ig_buf_free(&b);
}

/* A policy whose condition block is `before` + `n` times `fill` + `after`;
 * the Action is on line 2. */
static void condition_policy(buf *b, const char *before, char fill, size_t n, const char *after)
{
    ig_buf_puts(b, "{\"Statement\": [{\"Effect\": \"Allow\",\n\"Action\": \"ssm:SendCommand\", "
                   "\"Resource\": \"*\", \"Condition\": ");
    ig_buf_puts(b, before);
    cr_assert_eq(ig_buf_reserve(b, n + 200), 0);
    memset(b->data + b->len, fill, n);
    b->len += n;
    ig_buf_puts(b, after);
    ig_buf_puts(b, "}]}\n");
}

/* Condition keys, operators and values of 40 MB: the statement is judged
 * as with short ones, within the rule's memory and instruction limits. */
Test(huge_strings, huge_condition_entries)
{
    static const struct {
        const char *before;
        char fill;
        const char *after;
        int finding;
    } cases[] = {
        /* An unrelated key scopes nothing. */
        {"{\"StringEquals\": {\"aws:", 'k', "\": \"x\"}}", 1},
        /* Only wildcards: any tagged instance. */
        {"{\"StringLike\": {\"ssm:resourceTag/team\": \"", '*', "\"}}", 1},
        {"{\"StringLike\": {\"ssm:resourceTag/team\": \"", '?', "\"}}", 1},
        /* Null with a value that is not false. */
        {"{\"Null\": {\"aws:ResourceTag/aws:x\": \"", 'f', "\"}}", 1},
        /* An unknown operator scopes nothing. */
        {"{\"", 'O', "\": {\"ssm:resourceTag/team\": \"x\"}}", 1},
        /* A long tag name with a specific value scopes, as a short one does. */
        {"{\"StringEquals\": {\"aws:ResourceTag/", 't', "\": \"payments\"}}", 0},
    };
    size_t n = scaled((size_t)40 << 20);
    iamg_engine *e = engine();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf b = BUF_INIT;
        condition_policy(&b, cases[i].before, cases[i].fill, n, cases[i].after);
        iamg_results *r = scan(e, "cond.json", &b);
        if (cases[i].finding) {
            expect_judged(r, "IAM-SSM-1", 2);
        } else {
            for (size_t k = 0; k < iamg_results_diag_count(r); k++)
                cr_expect(iamg_results_diag(r, k)->code != IAMG_ERULE, "case %zu: %s", i,
                          iamg_results_diag(r, k)->message);
            cr_expect_eq(iamg_results_count(r), 0, "case %zu", i);
        }
        iamg_results_free(r);
        ig_buf_free(&b);
    }
    iamg_engine_free(e);
}

/* The aws-guardrails pack tests condition values in C (iam.only_wildcards):
 * a Lua loop over a 25 MB value of stars ran past the instruction limit,
 * and the rule failure hid the finding. */
Test(huge_strings, pack_wildcard_values)
{
    static const struct {
        const char *before, *after, *rule;
        unsigned line;
    } cases[] = {
        /* lib/conditions.lua: no service named. */
        {"{\"Statement\": [{\"Effect\": \"Allow\",\n\"Action\": \"iam:PassRole\", "
         "\"Resource\": \"arn:aws:iam::111122223333:role/x\", "
         "\"Condition\": {\"StringLike\": {\"iam:PassedToService\": \"",
         "\"}}}]}\n", "IAM-IAM-10", 2},
        /* lib/guard.lua: no organization named. */
        {"{\"Statement\": [{\"Effect\": \"Allow\",\n\"Principal\": \"*\", "
         "\"Action\": \"ecr:BatchGetImage\", "
         "\"Condition\": {\"StringLike\": {\"aws:PrincipalOrgID\": \"",
         "\"}}}]}\n", "IAM-ECR-2", 2},
    };
    size_t n = scaled((size_t)25 << 20);
    iamg_engine *e = engine();
    iamg_error err;
    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrails", &err), 0, "%s", err.message);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        buf b = BUF_INIT;
        ig_buf_puts(&b, cases[i].before);
        cr_assert_eq(ig_buf_reserve(&b, n + 200), 0);
        memset(b.data + b.len, '*', n);
        b.len += n;
        ig_buf_puts(&b, cases[i].after);
        iamg_results *r = scan(e, "pack.json", &b);
        expect_judged(r, cases[i].rule, cases[i].line);
        iamg_results_free(r);
        ig_buf_free(&b);
    }
    iamg_engine_free(e);
}

/* What a rule sees: display text is cut at 1,024 bytes, lists are whole,
 * and a statement's tables stay equal when rebuilt. */
Test(huge_strings, what_a_rule_sees)
{
    char dir[] = "/tmp/iamg-huge-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/probe.lua", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("return { id = \"PROBE-1\", level = \"note\", short_description = \"Probe.\",\n"
          "  check = function(policy, report)\n"
          "    local first = policy.statements[1]\n"
          "    local c1 = first.conditions\n"
          "    for _, st in ipairs(policy.statements) do local _ = st.conditions end\n"
          "    local c2 = first.conditions\n"
          "    report{ message = 'sid ' .. #first.sid .. ' resource ' .. #first.resources[1]\n"
          "      .. ' logical ' .. #policy.origin.logical_id\n"
          "      .. ' same ' .. tostring(c1 ~= c2 and #c1 == #c2 and c1[1].key == c2[1].key) }\n"
          "  end }\n",
          f);
    cr_assert_eq(fclose(f), 0);
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"Resources\": {\"");
    for (int i = 0; i < 3000; i++)
        ig_buf_putc(&b, 'L');
    ig_buf_puts(&b, "\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": {\"PolicyDocument\": "
                    "{\"Statement\": [{\"Sid\": \"");
    for (int i = 0; i < 5000; i++)
        ig_buf_puts(&b, "\xC3\xA9"); /* a cut must fall between characters */
    ig_buf_puts(&b, "\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": "
                    "\"arn:aws:s3:::");
    for (int i = 0; i < 5000; i++)
        ig_buf_putc(&b, 'r');
    ig_buf_puts(&b, "\", \"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"true\"}}}");
    for (int i = 0; i < 600; i++)
        ig_buf_puts(&b, ", {\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\", "
                        "\"Condition\": {\"Bool\": {\"aws:SecureTransport\": \"false\"}}}");
    ig_buf_puts(&b, "]}}}}}\n");
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_rule_file(e, path, &err), 0, "%s", err.message);
    iamg_results *r = scan(e, "t.json", &b);
    cr_assert_eq(iamg_results_count(r), 1, "%zu diags: %s", iamg_results_diag_count(r),
                 iamg_results_diag_count(r) ? iamg_results_diag(r, 0)->message : "");
    /* 1,024 bytes cut back to a character boundary (1,024 is one), plus
     * the 3-byte mark; the resource is whole. */
    cr_expect_str_eq(iamg_results_get(r, 0)->message,
                     "sid 1027 resource 5013 logical 1027 same true");
    iamg_results_free(r);
    iamg_engine_free(e);
    ig_buf_free(&b);
    unlink(path);
    rmdir(dir);
}

/* A long logical ID is written once per finding: it is cut in the report,
 * so 1 MB of input cannot become gigabytes of SARIF. */
Test(huge_strings, long_origin_fields)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"Resources\": {\"");
    cr_assert_eq(ig_buf_reserve(&b, (1u << 20) + 100), 0);
    memset(b.data + b.len, 'L', 1u << 20);
    b.len += 1u << 20;
    ig_buf_puts(&b, "\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": {\"PolicyDocument\": "
                    "{\"Statement\": [");
    for (int i = 0; i < 1000; i++)
        ig_buf_printf(&b,
                      "%s{\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
                      "\"Resource\": \"*\"}",
                      i ? ", " : "");
    ig_buf_puts(&b, "]}}}}}\n");
    iamg_engine *e = engine();
    iamg_results *r = scan(e, "t.json", &b);
    cr_assert_eq(iamg_results_count(r), 1000);
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_origin *o = &iamg_results_get(r, i)->origin;
        cr_assert_leq(strlen(o->logical_id), 2048 + 3);
        cr_assert_leq(strlen(o->container), 2048 + 3);
        cr_assert_leq(strlen(o->pointer), 2048 + 3);
    }
    char *sarif = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sarif, &len);
    cr_assert_not_null(f);
    iamg_error err;
    cr_assert_eq(iamg_write_sarif(f, e, r, NULL, &err), 0, "%s", err.message);
    fclose(f);
    cr_expect_lt(len, (size_t)40 << 20, "%zu bytes of SARIF", len);
    free(sarif);
    iamg_results_free(r);
    iamg_engine_free(e);
    ig_buf_free(&b);
}
