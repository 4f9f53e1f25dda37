/*
 * Unit tests for catalog/catalog.c: the IAM service catalogue's look-ups,
 * expansions and statement queries, and the committed catalogue checked
 * against the package data in ../shared/corpus/iam-actions (when present).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "catalog/catalog.h"
#include "iamguard/catalog.h"
#include "iamguard/match.h"
#include "util/alloc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const iamg_catalog *cat(void)
{
    const iamg_catalog *c = NULL;
    iamg_error err;
    cr_assert_eq(iamg_catalog_get(&c, &err), 0);
    cr_assert_not_null(c);
    return c;
}

static int set_has(const iamg_catalog_set *s, const char *full)
{
    for (size_t i = 0; i < iamg_catalog_set_count(s); i++)
        if (strcmp(iamg_catalog_action_full_name(iamg_catalog_set_get(s, i)), full) == 0) return 1;
    return 0;
}

Test(catalog, version_and_size)
{
    const iamg_catalog *c = cat();
    cr_expect_str_eq(iamg_catalog_version(), "0.21.202609261");
    cr_expect_eq(iamg_catalog_action_count(c), 22091);
    const iamg_catalog *again = NULL;
    cr_assert_eq(iamg_catalog_get(&again, NULL), 0);
    cr_expect_eq(again, c, "one catalogue per process");
}

Test(catalog, actions_sorted_in_byte_order)
{
    const iamg_catalog *c = cat();
    size_t n = iamg_catalog_action_count(c);
    for (size_t i = 1; i < n; i++) {
        const char *a = iamg_catalog_action_full_name(iamg_catalog_action_at(c, i - 1));
        const char *b = iamg_catalog_action_full_name(iamg_catalog_action_at(c, i));
        cr_assert_lt(strcmp(a, b), 0, "%s before %s", a, b);
    }
    cr_expect_null(iamg_catalog_action_at(c, n));
}

Test(catalog, find_action)
{
    const iamg_catalog *c = cat();
    const iamg_catalog_action *a = iamg_catalog_action_find(c, "ssm:SendCommand");
    cr_assert_not_null(a);
    cr_expect_eq(iamg_catalog_action_find(c, "SSM:sendcommand"), a, "case-insensitive");
    cr_expect_str_eq(iamg_catalog_action_service(a), "ssm");
    cr_expect_str_eq(iamg_catalog_action_name(a), "SendCommand");
    cr_expect_str_eq(iamg_catalog_action_full_name(a), "ssm:SendCommand");
    cr_expect_eq(iamg_catalog_action_access_level(a), IAMG_ACCESS_WRITE);
    cr_expect_null(iamg_catalog_action_find(c, "ssm:Send*"), "no globs");
    cr_expect_null(iamg_catalog_action_find(c, "ssm:SendCommand "));
    cr_expect_null(iamg_catalog_action_find(c, "ec2:InstanceSecurityGroup"));
    cr_expect_null(iamg_catalog_action_find(c, "SendCommand"));
    cr_expect_null(iamg_catalog_action_find(c, ""));
    cr_expect_null(iamg_catalog_action_find(c, NULL));
    /* exact case kept where AWS writes unusual case */
    const iamg_catalog_action *k = iamg_catalog_action_find(c, "KMS:REENCRYPTFROM");
    cr_assert_not_null(k);
    cr_expect_str_eq(iamg_catalog_action_name(k), "ReEncryptFrom");
    cr_expect_null(iamg_catalog_action_find(c, "kms:Re-EncryptFrom"));
}

Test(catalog, access_levels)
{
    const iamg_catalog *c = cat();
    cr_expect_eq(iamg_catalog_action_access_level(iamg_catalog_action_find(c, "iam:ListUsers")),
                 IAMG_ACCESS_LIST);
    cr_expect_eq(iamg_catalog_action_access_level(iamg_catalog_action_find(c, "s3:GetObject")),
                 IAMG_ACCESS_READ);
    cr_expect_eq(
        iamg_catalog_action_access_level(iamg_catalog_action_find(c, "iam:AttachRolePolicy")),
        IAMG_ACCESS_PERMISSIONS_MANAGEMENT);
    cr_expect_eq(iamg_catalog_action_access_level(iamg_catalog_action_find(c, "iam:TagRole")),
                 IAMG_ACCESS_TAGGING);
    cr_expect_str_eq(iamg_access_level_name(IAMG_ACCESS_PERMISSIONS_MANAGEMENT),
                     "Permissions management");
    cr_expect_null(iamg_access_level_name(IAMG_ACCESS_NONE));
    cr_expect_eq(iamg_access_level_parse("permissions MANAGEMENT"),
                 IAMG_ACCESS_PERMISSIONS_MANAGEMENT);
    cr_expect_eq(iamg_access_level_parse("list"), IAMG_ACCESS_LIST);
    cr_expect_eq(iamg_access_level_parse("Admin"), IAMG_ACCESS_NONE);
    cr_expect_eq(iamg_access_level_parse(NULL), IAMG_ACCESS_NONE);
}

Test(catalog, resource_types_and_keys)
{
    const iamg_catalog *c = cat();
    const iamg_catalog_action *a = iamg_catalog_action_find(c, "ssm:SendCommand");
    cr_assert_eq(iamg_catalog_action_resource_count(a), 4);
    iamg_catalog_resource r;
    iamg_catalog_action_resource(a, 1, &r);
    cr_expect_str_eq(r.name, "document");
    cr_expect_eq(r.required, 1);
    iamg_catalog_action_resource(a, 2, &r);
    cr_expect_str_eq(r.name, "instance");
    cr_expect_str_eq(r.arn, "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}");
    cr_expect_eq(r.required, 0);
    cr_assert_eq(r.nkeys, 2, "the keys of ssm's instance type");
    int tag = 0;
    for (size_t k = 0; k < r.nkeys; k++) {
        const char *key = iamg_catalog_action_resource_key(a, 2, k);
        cr_assert_not_null(key);
        tag |= strcmp(key, "aws:ResourceTag/${TagKey}") == 0;
    }
    cr_expect(tag);
    cr_expect_str_eq(iamg_catalog_action_resource_key(a, 2, 1), "ssm:resourceTag/${TagKey}");
    cr_expect_null(iamg_catalog_action_resource_key(a, 2, r.nkeys));
    /* ec2's own instance type has many more keys */
    const iamg_catalog_action *start = iamg_catalog_action_find(c, "ec2:StartInstances");
    cr_assert_not_null(start);
    size_t ri = 0;
    while (ri < iamg_catalog_action_resource_count(start) &&
           (iamg_catalog_action_resource(start, ri, &r), strcmp(r.name, "instance") != 0))
        ri++;
    cr_assert_lt(ri, iamg_catalog_action_resource_count(start));
    cr_expect_gt(r.nkeys, 10);
    iamg_catalog_action_resource(a, 9, &r);
    cr_expect_null(r.name);

    cr_assert_eq(iamg_catalog_action_key_count(a), 2);
    cr_expect_str_eq(iamg_catalog_action_key(a, 0), "aws:ResourceTag/${TagKey}");
    cr_expect_str_eq(iamg_catalog_action_key(a, 1), "ssm:resourceTag/${TagKey}");
    cr_expect_null(iamg_catalog_action_key(a, 2));

    /* ec2:RunInstances: its own key and those of its rows */
    const iamg_catalog_action *run = iamg_catalog_action_find(c, "ec2:RunInstances");
    int region = 0, lt = 0;
    for (size_t i = 0; i < iamg_catalog_action_key_count(run); i++) {
        region |= strcmp(iamg_catalog_action_key(run, i), "ec2:Region") == 0;
        lt |= strcmp(iamg_catalog_action_key(run, i), "ec2:LaunchTemplate") == 0;
    }
    cr_expect(region && lt);
    cr_expect_eq(
        iamg_catalog_action_resource_count(iamg_catalog_action_find(c, "ec2:DescribeInstances")),
        0);

    cr_expect(iamg_catalog_action_supports_key(a, "ssm:resourceTag/team"));
    cr_expect(iamg_catalog_action_supports_key(a, "SSM:ResourceTag/team"));
    cr_expect(iamg_catalog_action_supports_key(start, "ec2:InstanceType"),
              "from the instance type");
    cr_expect_not(iamg_catalog_action_supports_key(a, "ec2:InstanceType"));
    cr_expect_not(iamg_catalog_action_supports_key(a, "s3:prefix"));
    cr_expect_not(iamg_catalog_action_supports_key(a, "ssm:resourceTag/"), "a tag needs a name");
    cr_expect_not(iamg_catalog_action_supports_key(a, "aws:SourceIp"), "global keys apart");
}

Test(catalog, condition_key_types)
{
    const iamg_catalog *c = cat();
    static const struct {
        const char *key, *type;
    } cases[] = {
        {"aws:SourceIp", "IPAddress"},
        {"AWS:SOURCEIP", "IPAddress"},
        {"aws:MultiFactorAuthPresent", "Bool"},
        {"aws:PrincipalTag/team", "String"},
        {"aws:TagKeys", "ArrayOfString"},
        {"aws:PrincipalTag/", NULL},
        {"iam:PassedToService", "String"},
        {"iam:PermissionsBoundary", "ARN"},
        {"ec2:ResourceTag/Name", "String"},
        {"s3:ExistingObjectTag/project", "String"},
        {"kms:EncryptionContext:aws:pi:service", "String"},
        {"kms:EncryptionContextKeys", "ArrayOfString"},
        {"accounts.google.com:aud", "String"},
        {"ec2:RoleDelivery", "Numeric"},
        {"nope:key", NULL},
        {"ssm:NoSuchKey", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *t = iamg_catalog_condition_key_type(c, cases[i].key);
        if (cases[i].type)
            cr_expect(t && strcmp(t, cases[i].type) == 0, "%s: %s", cases[i].key, t ? t : "NULL");
        else
            cr_expect_null(t, "%s: %s", cases[i].key, t);
    }
    cr_expect_null(iamg_catalog_condition_key_type(c, NULL));
    cr_expect(iamg_catalog_condition_key_is_global(c, "aws:CalledVia"));
    cr_expect(iamg_catalog_condition_key_is_global(c, "aws:RequestTag/x"));
    cr_expect_not(iamg_catalog_condition_key_is_global(c, "s3:prefix"));
    cr_expect_eq(iamg_catalog_service_name(c, "SSM") != NULL, 1);
    cr_expect_str_eq(iamg_catalog_service_name(c, "ssm"), "AWS Systems Manager");
    cr_expect_null(iamg_catalog_service_name(c, "nope"));
}

static size_t expand_count(const char *pattern)
{
    iamg_catalog_set *s = NULL;
    cr_assert_eq(iamg_catalog_expand(cat(), pattern, &s), 0);
    size_t n = iamg_catalog_set_count(s);
    iamg_catalog_set_free(s);
    return n;
}

Test(catalog, expand)
{
    const iamg_catalog *c = cat();
    iamg_catalog_set *s = NULL;
    cr_assert_eq(iamg_catalog_expand(c, "iam:Get*", &s), 0);
    size_t n = iamg_catalog_set_count(s);
    cr_assert_gt(n, 20);
    cr_expect(set_has(s, "iam:GetUser"));
    cr_expect_not(set_has(s, "iam:ListUsers"));
    for (size_t i = 0; i < n; i++) {
        const char *full = iamg_catalog_action_full_name(iamg_catalog_set_get(s, i));
        cr_expect(iamg_action_match("iam:Get*", full), "%s", full);
        if (i) {
            const char *prev = iamg_catalog_action_full_name(iamg_catalog_set_get(s, i - 1));
            cr_expect_lt(strcmp(prev, full), 0);
        }
    }
    cr_expect_null(iamg_catalog_set_get(s, n));
    iamg_catalog_set_free(s);
    /* the same, whatever the case or the number of stars */
    cr_expect_eq(expand_count("IAM:GET*"), n);
    cr_expect_eq(expand_count("iam:Get**"), n);
    cr_expect_eq(expand_count("iam:get***"), n);
    /* every action */
    cr_expect_eq(expand_count("*"), iamg_catalog_action_count(c));
    cr_expect_eq(expand_count("***"), iamg_catalog_action_count(c));
    cr_expect_eq(expand_count("*:*"), iamg_catalog_action_count(c));
    /* a glob across services and one through the ':' */
    cr_expect_gt(expand_count("*:GetObject"), 2);
    cr_expect_eq(expand_count("s3*Object"), expand_count("s3*:*Object"));
    cr_expect_eq(expand_count("ssm:SendCommand"), 1);
    cr_expect_eq(expand_count("ssm:Send?ommand"), 1);
    cr_expect_eq(expand_count("ssm:SendCommand "), 0);
    cr_expect_eq(expand_count("nosuch:*"), 0);
    cr_expect_eq(expand_count("ec2:InstanceSecurityGroup"), 0);
    cr_expect_eq(expand_count(""), 0);
    cr_expect_eq(expand_count("iam"), 0);
    iamg_catalog_set_free(NULL);
    cr_expect_eq(iamg_catalog_set_count(NULL), 0);
}

Test(catalog, expand_hostile_patterns_are_bounded)
{
    /* More literal characters than the longest action: nothing, at once. */
    char *p = malloc(1 << 20);
    memset(p, 'a', (1 << 20) - 1);
    p[(1 << 20) - 1] = '\0';
    cr_expect_eq(expand_count(p), 0);
    for (size_t i = 0; i < (1 << 20) - 1; i += 2)
        p[i] = '*';
    cr_expect_eq(expand_count(p), 0);
    /* Many stars collapse; a pattern within the bound still works. */
    strcpy(p, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
    cr_expect_eq(expand_count(p), 0);
    free(p);
}

Test(catalog, granted_and_grants)
{
    const iamg_catalog *c = cat();
    const char *act[] = {"s3:GetObject", "iam:List*", "custom:Thing"};
    iamg_catalog_set *s = NULL;
    cr_assert_eq(iamg_catalog_granted(c, act, 3, 0, &s), 0);
    cr_expect(set_has(s, "s3:GetObject"));
    cr_expect(set_has(s, "iam:ListUsers"));
    cr_expect_not(set_has(s, "iam:GetUser"));
    size_t with_action = iamg_catalog_set_count(s);
    iamg_catalog_set_free(s);

    cr_assert_eq(iamg_catalog_granted(c, act, 3, 1, &s), 0);
    cr_expect_not(set_has(s, "s3:GetObject"));
    cr_expect(set_has(s, "iam:GetUser"));
    cr_expect_eq(iamg_catalog_set_count(s) + with_action, iamg_catalog_action_count(c));
    iamg_catalog_set_free(s);

    size_t which = 0;
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "iam:ListUsers", &which), 1);
    cr_expect_eq(which, 1);
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "iam:List*", &which), 1);
    cr_expect_eq(which, 1);
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "IAM:*User*", &which), 1, "a glob");
    cr_expect_eq(which, 1);
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "iam:Get*", &which), 0);
    cr_expect_eq(which, (size_t)-1);
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "s3:*Object", &which), 1);
    cr_expect_eq(which, 0);
    /* a plain action the catalogue does not know: as text */
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "custom:Thing", &which), 1);
    cr_expect_eq(which, 2);
    /* a glob the catalogue cannot expand: as text */
    cr_expect_eq(iamg_catalog_grants(c, act, 3, 0, "custom:Th*", &which), 0);
    const char *star[] = {"*"};
    cr_expect_eq(iamg_catalog_grants(c, star, 1, 0, "custom:Th*", NULL), 1);
    cr_expect_eq(iamg_catalog_grants(c, star, 1, 0, "iam:Get*", NULL), 1);

    /* NotAction */
    const char *not_iam[] = {"iam:*"};
    cr_expect_eq(iamg_catalog_grants(c, not_iam, 1, 1, "iam:Get*", &which), 0);
    cr_expect_eq(iamg_catalog_grants(c, not_iam, 1, 1, "*:Get*", &which), 1);
    cr_expect_eq(which, (size_t)-1);
    cr_expect_eq(iamg_catalog_grants(c, not_iam, 1, 1, "s3:GetObject", NULL), 1);
    cr_expect_eq(iamg_catalog_grants(c, not_iam, 1, 1, "IAM:PassRole", NULL), 0);
    cr_expect_eq(iamg_catalog_grants(c, not_iam, 1, 1, "custom:Thing", NULL), 1);

    cr_expect_eq(iamg_catalog_grants_access_level(c, act, 3, 0, IAMG_ACCESS_LIST), 1);
    cr_expect_eq(iamg_catalog_grants_access_level(c, act, 3, 0, IAMG_ACCESS_READ), 1);
    cr_expect_eq(iamg_catalog_grants_access_level(c, act, 3, 0, IAMG_ACCESS_WRITE), 0);
    cr_expect_eq(iamg_catalog_grants_access_level(c, act, 1, 0, IAMG_ACCESS_LIST), 0);
    cr_expect_eq(iamg_catalog_grants_access_level(c, not_iam, 1, 1, IAMG_ACCESS_WRITE), 1);
    const char *iam_only[] = {"iam:Tag*", "iam:Untag*"};
    cr_expect_eq(iamg_catalog_grants_access_level(c, iam_only, 2, 0, IAMG_ACCESS_TAGGING), 1);
    cr_expect_eq(iamg_catalog_grants_access_level(c, iam_only, 2, 0, IAMG_ACCESS_WRITE), 0);
}

Test(catalog, statement_bits)
{
    const iamg_catalog *c = cat();
    uint64_t *bits = calloc(ig_catalog_words(c), sizeof *bits);
    const char *act[] = {"ssm:SendCommand"};
    cr_assert_eq(ig_catalog_granted_bits(c, act, 1, 0, bits), 0);
    cr_expect_eq(ig_catalog_bits_support_key(c, bits, "ssm:resourceTag/env"), 1);
    cr_expect_eq(ig_catalog_bits_support_key(c, bits, "SSM:ResourceTag/env"), 1);
    cr_expect_eq(ig_catalog_bits_support_key(c, bits, "ec2:InstanceType"), 0);
    cr_expect_eq(ig_catalog_bits_support_key(c, bits, "s3:prefix"), 0);
    cr_expect_eq(ig_catalog_bits_support_key(c, bits, "nope:x"), 0);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "ec2", 3), 1);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "s3", 2), 1);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "ssm", 3), 1);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "rds", 3), 0);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "EC2", 3), 0, "ARNs are exact");
    const char *describe[] = {"ec2:DescribeInstances"};
    cr_assert_eq(ig_catalog_granted_bits(c, describe, 1, 0, bits), 0);
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "ec2", 3), 1, "takes \"*\": its service");
    cr_expect_eq(ig_catalog_bits_support_service(c, bits, "s3", 2), 0);
    cr_expect_eq(ig_catalog_first_with_level(c, bits, IAMG_ACCESS_READ), UINT32_MAX);
    uint32_t id = ig_catalog_first_with_level(c, bits, IAMG_ACCESS_LIST);
    cr_assert_neq(id, UINT32_MAX);
    cr_expect_str_eq(iamg_catalog_action_full_name(ig_catalog_action_by_id(c, id)),
                     "ec2:DescribeInstances");
    free(bits);
}

Test(catalog, did_you_mean)
{
    const iamg_catalog *c = cat();
    static const struct {
        const char *text;
        int service_only;
        const char *want;
    } cases[] = {
        {"iam:AddUserToGrup", 0, "iam:AddUserToGroup"},
        {"IAM:adduserTOGROUP", 0, NULL}, /* it is right: case does not matter */
        {"s3:GetObjcet", 0, "s3:GetObject"},
        {"lamda:InvokeFunction", 0, "lambda:InvokeFunction"},
        {"ec2:InstanceSecurityGroup", 0, NULL},
        {"ecc:Describe*", 0, "ec2"},
        {"iamm:PassRole", 1, "iam"},
        {"zzzzzzzz:Foo", 0, NULL},
        {"iam:Get*", 0, NULL},
        {"ssm", 0, NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char out[256];
        int r = ig_catalog_suggest(c, cases[i].text, cases[i].service_only, out, sizeof out);
        if (cases[i].want)
            cr_expect(r == 1 && strcmp(out, cases[i].want) == 0, "%s -> %s", cases[i].text,
                      r ? out : "nothing");
        else
            cr_expect_eq(r, 0, "%s -> %s", cases[i].text, out);
    }
    char big[300];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char out[64];
    cr_expect_eq(ig_catalog_suggest(c, big, 0, out, sizeof out), 0);
}

/* ---- threads ---- */

static void *worker(void *arg)
{
    const char *const pats[] = {"ec2:Describe*", "s3:*", "iam:*User*", "*:List*", "kms:Re*"};
    size_t *counts = arg;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < COUNT(pats); i++) {
            const iamg_catalog *c = NULL;
            if (iamg_catalog_get(&c, NULL)) return NULL;
            iamg_catalog_set *s = NULL;
            if (iamg_catalog_expand(c, pats[i], &s)) return NULL;
            counts[i] = iamg_catalog_set_count(s);
            iamg_catalog_set_free(s);
        }
    }
    return NULL;
}

Test(catalog, threads_share_one_catalogue)
{
    pthread_t t[4];
    size_t counts[4][5];
    memset(counts, 0, sizeof counts);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, worker, counts[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 1; i < 4; i++)
        cr_expect_eq(memcmp(counts[0], counts[i], sizeof counts[0]), 0);
    cr_expect_gt(counts[0][0], 100);
}

Test(catalog, own_catalogue_loads_and_frees)
{
    iamg_catalog *c = ig_catalog_load();
    cr_assert_not_null(c);
    cr_expect_eq(iamg_catalog_action_count(c), iamg_catalog_action_count(cat()));
    const iamg_catalog_action *a = iamg_catalog_action_find(c, "ssm:StartSession");
    cr_assert_not_null(a);
    cr_expect_str_eq(iamg_catalog_action_service(a), "ssm");
    ig_idlist l;
    cr_assert_eq(ig_catalog_expand_ids(c, "ssm:Start*", &l), 0);
    cr_expect_gt(l.n, 3);
    ig_idlist_release(&l);
    ig_catalog_free(c);
    ig_catalog_free(NULL);
}

/* ---- the committed catalogue against the package data ---- */

static json_t *load_json(const char *dir, const char *sub, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    json_error_t e;
    return json_load_file(path, 0, &e);
}

static const char *level_of(const char *text)
{
    /* "Tagging, Write" is listed under Tagging by AWS. */
    static char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    char *comma = strchr(buf, ',');
    if (comma) *comma = '\0';
    return buf;
}

static int list_has(json_t *list, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcasecmp(json_string_value(v), key) == 0) return 1;
    return 0;
}

Test(catalog, matches_the_package_data, .timeout = 120)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/iam-actions/data", IAMG_CORPUS_DIR);
    struct stat st;
    if (stat(dir, &st) != 0) cr_skip_test("package data not found at %s", dir);
    const iamg_catalog *c = cat();
    json_error_t e;
    char path[2048];
    snprintf(path, sizeof path, "%s/services.json", dir);
    json_t *services = json_load_file(path, 0, &e);
    cr_assert_not_null(services, "%s", e.text);
    size_t total = 0, si;
    json_t *svc;
    json_array_foreach(services, si, svc)
    {
        const char *prefix = json_string_value(svc);
        char file[300];
        snprintf(file, sizeof file, "%s.json", prefix);
        cr_assert_not_null(iamg_catalog_service_name(c, prefix), "service %s", prefix);
        json_t *actions = load_json(dir, "actions", file);
        json_t *rts = load_json(dir, "resourceTypes", file);
        json_t *keys = load_json(dir, "conditionKeys", file);
        const char *lname;
        json_t *a;
        json_object_foreach(actions, lname, a)
        {
            const char *name = json_string_value(json_object_get(a, "name"));
            char full[512];
            snprintf(full, sizeof full, "%s:%s", prefix, name);
            const iamg_catalog_action *ca = iamg_catalog_action_find(c, full);
            cr_assert_not_null(ca, "%s", full);
            cr_assert_str_eq(iamg_catalog_action_full_name(ca), full, "exact case");
            total++;
            const char *lv = level_of(json_string_value(json_object_get(a, "accessLevel")));
            cr_assert_str_eq(iamg_access_level_name(iamg_catalog_action_access_level(ca)), lv, "%s",
                             full);
            /* the action's keys: its own and its rows' */
            json_t *own = json_object_get(a, "conditionKeys");
            json_t *rows = json_object_get(a, "resourceTypes");
            size_t nk = iamg_catalog_action_key_count(ca);
            for (size_t k = 0; k < nk; k++) {
                const char *key = iamg_catalog_action_key(ca, k);
                int found = list_has(own, key);
                size_t ri;
                json_t *row;
                json_array_foreach(rows, ri, row) found |=
                    list_has(json_object_get(row, "conditionKeys"), key);
                cr_assert(found, "%s: key %s not in the data", full, key);
                char lower[512];
                snprintf(lower, sizeof lower, "%s", key);
                for (char *p = lower; *p; p++)
                    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
                cr_assert_not_null(json_object_get(keys, lower), "%s: key %s", full, key);
            }
            size_t ik;
            json_t *kv;
            json_array_foreach(own, ik, kv)
            {
                int found = 0;
                for (size_t k = 0; k < nk && !found; k++)
                    found = strcmp(iamg_catalog_action_key(ca, k), json_string_value(kv)) == 0;
                cr_assert(found, "%s: key %s missing", full, json_string_value(kv));
            }
            cr_assert_eq(iamg_catalog_action_resource_count(ca), json_array_size(rows), "%s", full);
            size_t ri;
            json_t *row;
            json_array_foreach(rows, ri, row)
            {
                iamg_catalog_resource r;
                iamg_catalog_action_resource(ca, ri, &r);
                const char *rname = json_string_value(json_object_get(row, "name"));
                cr_assert_str_eq(r.name, rname, "%s", full);
                cr_assert_eq(r.required, json_is_true(json_object_get(row, "required")), "%s %s",
                             full, rname);
                char lower[256];
                snprintf(lower, sizeof lower, "%s", rname);
                for (char *p = lower; *p; p++)
                    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
                json_t *rt = json_object_get(rts, lower);
                cr_assert_not_null(rt, "%s %s", full, rname);
                cr_assert_str_eq(r.arn, json_string_value(json_object_get(rt, "arn")));
                json_t *rkeys = json_object_get(rt, "conditionKeys");
                json_t *rowkeys = json_object_get(row, "conditionKeys");
                for (size_t k = 0; k < r.nkeys; k++) {
                    const char *key = iamg_catalog_action_resource_key(ca, ri, k);
                    cr_assert(list_has(rkeys, key) || list_has(rowkeys, key), "%s %s %s", full,
                              rname, key);
                }
                size_t want = json_array_size(rkeys);
                size_t ki;
                json_t *kv2;
                json_array_foreach(rowkeys, ki, kv2) want +=
                    !list_has(rkeys, json_string_value(kv2));
                cr_assert_eq(r.nkeys, want, "%s %s", full, rname);
            }
        }
        /* every condition key of the service, with its type */
        const char *lk;
        json_t *kd;
        json_object_foreach(keys, lk, kd)
        {
            const char *key = json_string_value(json_object_get(kd, "key"));
            const char *type = iamg_catalog_condition_key_type(c, key);
            cr_assert_not_null(type, "key %s", key);
            /* global keys are answered from the global list, whose types may be broader */
            if (!iamg_catalog_condition_key_is_global(c, key))
                cr_assert_str_eq(type, json_string_value(json_object_get(kd, "type")), "%s", key);
        }
        json_decref(actions);
        json_decref(rts);
        json_decref(keys);
    }
    json_decref(services);
    cr_expect_eq(total, iamg_catalog_action_count(c),
                 "every action of the catalogue is in the data");
}

/* ---- every allocation failing in turn (fault injection builds) ---- */

static void require_fault_injection(void)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
}

Test(catalog_fault, load_and_query_under_every_allocation_failure, .timeout = 300)
{
    require_fault_injection();
    long n = 0;
    for (;; n++) {
        ig_fault_alloc_after(n);
        iamg_catalog *c = ig_catalog_load();
        int done = 0;
        if (c) {
            /* Expansions, sets and key queries on the loaded catalogue. */
            ig_idlist l;
            int rc = ig_catalog_expand_ids(c, "ec2:Describe*", &l);
            if (rc == 0) ig_idlist_release(&l);
            iamg_catalog_set *s = NULL;
            const char *pats[] = {"s3:Get*", "iam:*"};
            int rs = iamg_catalog_granted(c, pats, 2, 1, &s);
            int rg = iamg_catalog_grants(c, pats, 2, 0, "iam:Get*", NULL);
            int rk = iamg_catalog_grants_access_level(c, pats, 2, 0, IAMG_ACCESS_READ);
            ig_fault_alloc_after(-1);
            cr_assert(rc == 0 || rc == IAMG_ENOMEM);
            cr_assert(rs == 0 || rs == IAMG_ENOMEM);
            cr_assert(rg == 1 || rg == IAMG_ENOMEM, "%d", rg);
            cr_assert(rk == 1 || rk == IAMG_ENOMEM, "%d", rk);
            if (rs == 0) {
                cr_assert_gt(iamg_catalog_set_count(s), 20000);
                iamg_catalog_set_free(s);
            }
            done = rc == 0 && rs == 0 && rg == 1 && rk == 1;
            ig_catalog_free(c);
        }
        ig_fault_alloc_after(-1);
        if (done) break;
    }
    cr_expect_gt(n, 10);
}
