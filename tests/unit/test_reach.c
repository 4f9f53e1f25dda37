/*
 * Unit tests for match/reach.c: which ARNs of templates with free
 * partition, region and account patterns reach, exactly, and the bound on
 * the work. The property test (test_ssm_property.c) compares the same
 * question with enumeration on random policies.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/error.h"
#include "iamguard/match.h"
#include "match/reach.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAXP 8

#define STR(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

static const reach_str TEMPLATES[] = {
    STR("arn:{partition}:ec2:{region}:{account}:instance/i-0unscopedprobe00"),
    STR("arn:{partition}:ssm:{region}:{account}:managed-instance/mi-0unscopedprobe00"),
};

/* A statement's patterns: "R:" Resource (some must match) or "N:" NotResource
 * (none may match) for the Allow; Denies the other way round. Patterns are
 * separated by '|'. */
typedef struct spec {
    const char *allow;
    const char *denies[3];
    int want;
} spec;

typedef struct parsed {
    reach_str pats[4][MAXP];
    char text[4][512];
    reach_group groups[4];
    size_t ngroups;
} parsed;

static void parse_group(parsed *p, const char *s, int deny)
{
    size_t g = p->ngroups++;
    cr_assert(strlen(s) < sizeof p->text[g]);
    int not_resource = s[0] == 'N';
    cr_assert(s[1] == ':', "bad spec %s", s);
    strcpy(p->text[g], s + 2);
    size_t n = 0;
    char *t = p->text[g];
    for (;;) {
        char *bar = strchr(t, '|');
        p->pats[g][n].s = t;
        p->pats[g][n].n = bar ? (size_t)(bar - t) : strlen(t);
        n++;
        if (!bar) break;
        t = bar + 1;
    }
    p->groups[g].pats = p->pats[g];
    p->groups[g].n = n;
    /* An Allow's Resource and a Deny's NotResource need some match. */
    p->groups[g].need_some = deny ? not_resource : !not_resource;
}

static int run(const spec *c, size_t max, char *witness, size_t cap)
{
    parsed p;
    memset(&p, 0, sizeof p);
    parse_group(&p, c->allow, 0);
    for (size_t d = 0; d < 3 && c->denies[d]; d++)
        parse_group(&p, c->denies[d], 1);
    reach_query q = {TEMPLATES, COUNT(TEMPLATES), p.groups, p.ngroups, max, NULL};
    buf w = BUF_INIT;
    int rc = ig_reach_find(&q, &w, NULL);
    snprintf(witness, cap, "%s", w.data ? w.data : "");
    ig_buf_free(&w);
    return rc;
}

static const spec cases[] = {
    /* reach over every partition, region and account */
    {"R:*", {0}, 1},
    {"R:arn:*", {0}, 1},
    {"R:arn:aws:ec2:*:*:instance/*", {0}, 1},
    {"R:arn:aws:ec2:*:*:*", {0}, 1},
    {"R:arn:aws:ssm:*:*:managed-instance/*", {0}, 1},
    {"R:arn:aws:ec2:us-east-1:111122223333:instance/i-0abc", {0}, 0},
    {"R:arn:aws:ec2:*:*:instance/i-0abc*", {0}, 0},
    {"R:arn:aws:ssm:*:*:document/AWS-RunShellScript|arn:aws:s3:::*", {0}, 0},
    {"R:arn:aws:ec2:::instance/*", {0}, 1},
    {"R:arn:aws:ec2:${*}:*:instance/*", {0}, 0},
    {"R:arn:aws:ec2:*:${?}:instance/*", {0}, 0},
    {"R:arn:aws:ec2:${$}:*:instance/*", {0}, 1},
    {"R:arn:aws:ec2:us-east-1:1:2:instance/*", {0}, 0},
    {"R:arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*", {0}, 1},
    {"R:arn:${aws:partition}:ec2:${aws:RequestedRegion}:${aws:PrincipalAccount}:instance/*",
     {0},
     1},
    {"R:arn:aws:ec2:us-${aws:x}-1:*:instance/*", {0}, 1},
    {"R:arn:aws:ec2:*:*:instance/${aws:username}", {0}, 0},
    {"R:arn:aws:${aws:service}:*:*:instance/*", {0}, 0},
    {"R:arn:aws:ec2:*:*:instance/i-0unscopedprobe0?", {0}, 1},
    {"R:arn:aws:ec2:???:*:instance/*", {0}, 1},
    {"R:arn:a?s:ec2:*:*:instance/*", {0}, 1},
    /* NotResource excludes only what it names */
    {"N:arn:aws:ec2:us-east-1:*:instance/*|arn:aws:ssm:us-east-1:*:managed-instance/*", {0}, 1},
    {"N:arn:*:ec2:*:*:instance/*|arn:*:ssm:*:*:managed-instance/*", {0}, 0},
    {"N:*", {0}, 0},
    {"N:arn:*", {0}, 0},
    {"N:arn:aws:s3:::*", {0}, 1},
    {"N:arn:*:ec2:*:*:instance/*|arn:*:ssm:*:${aws:PrincipalAccount}:managed-instance/*", {0}, 1},
    {"N:arn:*:*:*:*:*instance/*", {0}, 0},
    {"N:arn:*:ec2:*:*:instance/*|arn:*:ssm:?*:*:managed-instance/*", {0}, 1},
    {"N:arn:*:ec2:*:*:instance/*|arn:*:ssm:?*:*:*|arn:*:ssm::*:*", {0}, 0},
    /* Denies take back exactly what they cover */
    {"R:*", {"R:*"}, 0},
    {"R:*", {"R:arn:*:ec2:*:*:instance/*"}, 1},
    {"R:*", {"R:arn:*:ec2:*:*:instance/*", "R:arn:*:ssm:*:*:managed-instance/*"}, 0},
    {"R:*", {"R:arn:*:ec2:us-east-1:*:*|arn:*:ssm:us-east-1:*:*"}, 1},
    {"R:arn:aws:ec2:us-east-1:*:instance/*", {"R:arn:aws:ec2:us-east-1:*:*"}, 0},
    {"R:arn:aws:ec2:us-east-1:*:instance/*", {"R:arn:aws:ec2:us-east-?:*:*"}, 0},
    {"R:arn:aws:ec2:us-east-1:*:instance/*", {"R:arn:aws:ec2:us-east-2:*:*"}, 1},
    {"R:*", {"N:arn:*:*:us-east-1:*:*"}, 1},
    {"R:*", {"N:arn:aws:s3:::*"}, 0},
    {"R:arn:*:ec2:*:*:instance/*", {"R:arn:*:ec2:*"}, 0},
    /* region "ec2" puts ":ec2:" in a managed instance's ARN */
    {"R:arn:*:ec2:*", {"R:arn:*:ec2:*:*:instance/*"}, 1},
    {"R:*", {"R:arn:*:ec2:*", "R:arn:*:ssm:*"}, 0},
    {"R:*", {"R:arn:aws*"}, 1},
    {"R:arn:aws:*", {"R:arn:aws*"}, 0},
    {"R:*", {"R:arn:*:ec2:*:${aws:PrincipalAccount}:instance/*|arn:*:ssm:*"}, 1},
    {"R:arn:*:ec2:*:*:instance/*", {"N:arn:*:ec2:*:*:instance/${aws:username}"}, 0},
    {"R:arn:*:ec2:*:*:instance/*", {"N:arn:*:ec2:*:${aws:PrincipalAccount}:instance/*"}, 1},
    /* account "ssm" puts ":ssm:" in an instance's ARN */
    {"R:*", {"N:arn:*:ec2:*:*:instance/${aws:username}|arn:*:ssm:*"}, 1},
    {"R:*", {"N:arn:*:ec2:*:${aws:PrincipalAccount}:instance/*|arn:*:ssm:*"}, 1},
    /* '?' and '*' also match the ':' after an empty segment */
    {"R:*", {"R:arn:?*:*"}, 0},
    {"R:*", {"R:arn:?*:ec2:*", "R:arn:*:ssm:*:*:managed-instance/*"}, 1},
    {"R:*", {"R:arn:?:ec2:*", "R:arn:*:ssm:*:*:managed-instance/*"}, 1},
    {"R:*", {"R:arn:?:ec2:*", "R:arn::ec2:*", "R:arn:*:ssm:*:*:managed-instance/*"}, 1},
    {"R:*", {"R:arn:?*:ec2:*", "R:arn::ec2:*", "R:arn:*:ssm:*:*:managed-instance/*"}, 0},
    {"R:*", {"R:arn:*:ec2:?*", "R:arn:*:ec2::*", "R:arn:*:ssm:*"}, 0},
    /* alignments across segments: region "ssm" puts ":ssm:" in an EC2 ARN */
    {"R:arn:*:ssm:*", {"R:arn:*:ssm:*:*:managed-instance/*"}, 1},
    {"R:arn:*:ssm:*:*:managed-instance/*", {"R:arn:*:ssm:*"}, 0},
    {"R:arn:*:ec2:*", {"R:arn:*:ec2:*:*:*"}, 1},
};

Test(reach, exact_answers)
{
    for (size_t i = 0; i < COUNT(cases); i++) {
        char w[512];
        int rc = run(&cases[i], 100000, w, sizeof w);
        cr_expect_eq(rc, cases[i].want, "case %zu (%s, deny %s): got %d, example %s", i,
                     cases[i].allow, cases[i].denies[0] ? cases[i].denies[0] : "-", rc, w);
    }
}

/* The example is an ARN of a template that the Allow reaches and no Deny
 * covers, checked here with the plain matcher (no variables involved). */
Test(reach, examples_are_witnesses)
{
    for (size_t i = 0; i < COUNT(cases); i++) {
        if (!cases[i].want || strstr(cases[i].allow, "${")) continue;
        int var = 0;
        for (size_t d = 0; d < 3 && cases[i].denies[d]; d++)
            var |= strstr(cases[i].denies[d], "${") != NULL;
        if (var) continue;
        char w[512];
        cr_assert_eq(run(&cases[i], 100000, w, sizeof w), 1);
        parsed p;
        memset(&p, 0, sizeof p);
        parse_group(&p, cases[i].allow, 0);
        for (size_t d = 0; d < 3 && cases[i].denies[d]; d++)
            parse_group(&p, cases[i].denies[d], 1);
        for (size_t g = 0; g < p.ngroups; g++) {
            int any = 0;
            for (size_t k = 0; k < p.groups[g].n; k++) {
                char pat[512];
                snprintf(pat, sizeof pat, "%.*s", (int)p.pats[g][k].n, p.pats[g][k].s);
                any |= iamg_arn_match(pat, w);
            }
            cr_expect_eq(any, p.groups[g].need_some, "case %zu: example %s, group %zu", i, w, g);
        }
        cr_expect(strncmp(w, "arn:", 4) == 0, "%s", w);
    }
}

Test(reach, readable_examples)
{
    char w[512];
    spec star = {"R:*", {0}, 1};
    cr_assert_eq(run(&star, 1000, w, sizeof w), 1);
    cr_expect_str_eq(w, "arn:x:ec2:x:x:instance/i-0unscopedprobe00");
    spec ec2 = {"R:arn:aws:ec2:*:*:instance/*", {0}, 1};
    cr_assert_eq(run(&ec2, 1000, w, sizeof w), 1);
    cr_expect_str_eq(w, "arn:aws:ec2:x:x:instance/i-0unscopedprobe00");
    spec managed = {"R:*", {"R:arn:*:ec2:*:*:instance/*"}, 1};
    cr_assert_eq(run(&managed, 1000, w, sizeof w), 1);
    cr_expect_str_eq(w, "arn:x:ssm:x:x:managed-instance/mi-0unscopedprobe00");
    spec region = {"R:*", {"R:arn:*:*:us-east-1:*:*"}, 1};
    cr_assert_eq(run(&region, 1000, w, sizeof w), 1);
    cr_expect(iamg_arn_match("arn:*:ec2:*:*:instance/i-0unscopedprobe00", w), "%s", w);
    cr_expect(!iamg_arn_match("arn:*:*:us-east-1:*:*", w), "%s", w);
    /* 'x' is taken by a pattern: another character stands in. */
    spec taken = {"R:arn:x*", {0}, 1};
    cr_assert_eq(run(&taken, 1000, w, sizeof w), 1);
    cr_expect_str_eq(w, "arn:x:ec2:z:z:instance/i-0unscopedprobe00");
}

/* Strings are read by length: a NUL inside a pattern is a character. */
Test(reach, nul_is_a_character)
{
    static const char star_nul[] = "*\0x";
    reach_str p = {star_nul, 3};
    reach_group g = {&p, 1, 0}; /* NotResource "*\0x" excludes nothing real */
    reach_query q = {TEMPLATES, COUNT(TEMPLATES), &g, 1, 1000, NULL};
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1);
    static const char region_nul[] = "arn:aws:ec2:\0:*:instance/*";
    reach_str r = {region_nul, sizeof region_nul - 1};
    reach_group gr = {&r, 1, 1};
    reach_query qr = {TEMPLATES, COUNT(TEMPLATES), &gr, 1, 1000, NULL};
    cr_expect_eq(ig_reach_find(&qr, NULL, NULL), 1, "a region may be a NUL character");
}

/* Hostile patterns: many wildcards make many sets of states. The cap stops
 * the work and says so. */
Test(reach, the_cap_holds)
{
    /* No ARN matches (the instance id differs), which takes exploring every
     * way to make progress through "a*b*a*b..." in three free segments. */
    char allow[4096] = "arn:*:ec2:*";
    for (int i = 0; i < 100; i++)
        strcat(allow, "a*b*");
    strcat(allow, ":instance/i-named");
    reach_str a = {allow, strlen(allow)};
    reach_group g = {&a, 1, 1};
    reach_query q = {TEMPLATES, COUNT(TEMPLATES), &g, 1, 50, NULL};
    size_t used = 0;
    cr_expect_eq(ig_reach_find(&q, NULL, &used), IAMG_ELIMIT);
    cr_expect_gt(used, 50);
    q.max_configs = 1000000;
    cr_expect_eq(ig_reach_find(&q, NULL, &used), 0);
    cr_expect_gt(used, 200, "%zu", used);
}

Test(reach, no_templates_or_patterns)
{
    reach_str none_tpl = {"", 0};
    reach_group empty = {NULL, 0, 1};
    reach_query q = {TEMPLATES, COUNT(TEMPLATES), &empty, 1, 100, NULL};
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 0, "a group that needs a match and has none");
    empty.need_some = 0;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1, "a group that needs no match is met");
    q.ntemplates = 0;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 0);
    q.templates = &none_tpl;
    q.ntemplates = 1;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1, "the empty template is one ARN, the empty one");
}

/* The literal tail of a template is fixed text: a name from input that
 * holds "{account}" does not become a free segment. */
Test(reach, literal_tail)
{
    static const char tmpl[] = "arn:{partition}:iam::{account}:role/{account}";
    reach_str t = {tmpl, sizeof tmpl - 1};
    size_t tail = strlen("role/{account}");
    reach_str any_role = {"arn:aws:iam::1:role/x", 21};
    reach_group g = {&any_role, 1, 1};
    reach_query q = {&t, 1, &g, 1, 1000, NULL};
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1, "without a tail the name is free");
    q.literal_tail = &tail;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 0, "the name is the nine characters");
    reach_str named = {"arn:aws:iam::1:role/{account}", 29};
    g.pats = &named;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1);
    /* A hole cut by the start of the tail is text too; one before it is free. */
    size_t cut = strlen("account}:role/{account}");
    q.literal_tail = &cut;
    reach_str acct = {"arn:aws:iam::{account}:role/{account}", 37};
    g.pats = &acct;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 1);
    g.pats = &named;
    cr_expect_eq(ig_reach_find(&q, NULL, NULL), 0);
}
