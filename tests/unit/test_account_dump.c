/*
 * Tests for load/account_dump.c: `aws iam get-account-authorization-details` dumps
 * through load_buffer. The case folders tests/cases/formats/account-dump-* hold a
 * dump and what must be found in it (format: format_cases.h); the rest
 * checks detection, wrong shapes, attachment labels and the real dumps of the
 * corpus, with positions checked by hand against the files.
 */
#include "format_cases.h"

#include "load/json_pos.h"

Test(account_dump, cases)
{
    cr_expect_geq(fc_run_cases("account-dump-"), 1);
}

Test(account_dump, detect)
{
    cr_expect(fc_detect(ig_detect_account_dump, "{\"UserDetailList\": []}"));
    cr_expect(fc_detect(ig_detect_account_dump, "{\"RoleDetailList\": [], \"Marker\": \"x\"}"));
    cr_expect(fc_detect(ig_detect_account_dump,
                        "{\"Policies\": [{\"PolicyName\": \"p\", \"PolicyVersionList\": []}]}"));
    /* "Policies" alone is too common a word: only with policy versions. */
    cr_expect(!fc_detect(ig_detect_account_dump, "{\"Policies\": [{\"PolicyName\": \"p\"}]}"));
    cr_expect(!fc_detect(ig_detect_account_dump, "{\"Policies\": []}"));
    cr_expect(!fc_detect(ig_detect_account_dump, "{\"UserDetailList\": {}}"));
}

Test(account_dump, wrong_shapes)
{
    loaded l;
    diag_list d;
    fc_load_text("account-dump.json",
                 "{\"UserDetailList\": [4, {\"UserName\": \"u\", \"UserPolicyList\": {}}],\n"
                 " \"GroupDetailList\": {},\n"
                 " \"RoleDetailList\": [{\"RoleName\": \"r\", \"AssumeRolePolicyDocument\": 12,\n"
                 "   \"RolePolicyList\": [\"x\", {\"PolicyName\": \"nodoc\"},\n"
                 "     {\"PolicyName\": \"ok\", \"PolicyDocument\": {\"Statement\": []}}]}],\n"
                 " \"Policies\": 3}",
                 &l, &d);
    cr_expect_str_eq(l.format, "account-dump");
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 1,
                          "UserDetailList item must be an object, found number"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 1,
                          "UserPolicyList of user u must be a list, found object"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 2, "GroupDetailList must be a list, found object"));
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 3,
                    "AssumeRolePolicyDocument must be an object or a JSON string, found number"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 4,
                          "RolePolicyList item of role r must be an object, found string"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 4,
                          "inline policy 'nodoc' of role r has no PolicyDocument"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 6, "Policies must be a list, found number"));
    cr_assert_eq(l.ndocs, 1);
    cr_expect_str_eq(l.docs[0].origin.policy_name, "ok");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* A URL-encoded document that is not JSON once decoded: reported in the
 * file, at the encoded byte. */
Test(account_dump, encoded_not_json)
{
    loaded l;
    diag_list d;
    fc_load_text("account-dump.json",
                 "{\"RoleDetailList\": [{\"RoleName\": \"r\",\n"
                 "  \"AssumeRolePolicyDocument\": \"%7B%22Statement%22%3A%5B%7D\"}]}",
                 &l, &d);
    cr_expect_eq(l.ndocs, 0);
    cr_assert_eq(d.n, 1);
    cr_expect(strstr(d.v[0].message, "not valid JSON") != NULL, "%s", d.v[0].message);
    cr_expect_eq(d.v[0].line, 2);
    /* the "%7D" ('}') that closes a '[' */
    cr_expect_eq(d.v[0].col, 56);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* A policy attached to many principals names the first few and counts the
 * rest, so its label stays one short line. */
Test(account_dump, attachment_label)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"UserDetailList\": [");
    for (int i = 0; i < 8; i++)
        ig_buf_printf(
            &b,
            "%s{\"UserName\": \"u%d\", \"AttachedManagedPolicies\": [{\"PolicyArn\": \"arn:p\"}]}",
            i ? "," : "", i);
    ig_buf_puts(
        &b, "], \"Policies\": [{\"PolicyName\": \"P\", \"Arn\": \"arn:p\", \"PolicyVersionList\": "
            "[{\"Document\": {\"Statement\": []}, \"IsDefaultVersion\": true}]}]}");
    loaded l;
    diag_list d;
    fc_load_text("account-dump.json", b.data, &l, &d);
    cr_assert_eq(l.ndocs, 1);
    cr_expect_str_eq(
        l.docs[0].origin.container,
        "managed policy P (attached to user u0, user u1, user u2, user u3, user u4 and 3 more)");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* --- the corpus ----------------------------------------------------------------- */

typedef struct corpus_run {
    size_t dumps, docs, trust, managed;
} corpus_run;

static void load_one(const char *path, void *ud)
{
    corpus_run *r = ud;
    size_t n = strlen(path);
    if (n < 5 || strcmp(path + n - 5, ".json") != 0) return;
    char *data;
    loaded l;
    diag_list d;
    fc_load(path, &data, &l, &d);
    cr_expect_str_eq(l.format, "account-dump", "%s", path);
    r->dumps++;
    r->docs += l.ndocs;
    for (size_t i = 0; i < l.ndocs; i++) {
        r->trust += l.docs[i].kind == KIND_TRUST;
        r->managed += l.docs[i].origin.policy_arn != NULL;
    }
    for (size_t i = 0; i < d.n; i++)
        cr_expect_fail("%s:%u:%u: %s", path, d.v[i].line, d.v[i].col, d.v[i].message);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

Test(account_dump, corpus, .timeout = 120)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/authz-details", IAMG_CORPUS_DIR);
    struct stat st;
    if (stat(dir, &st) != 0) cr_skip_test("corpus not found at %s", dir);
    corpus_run r = {0};
    fc_walk(dir, 0, load_one, &r);
    cr_log_info("authz-details: %zu dumps, %zu documents (%zu trust, %zu managed)", r.dumps, r.docs,
                r.trust, r.managed);
    cr_expect_eq(r.dumps, 3);
    /* 78 + 3 + 4 roles; 84 + 32 + 2 managed policies */
    cr_expect_eq(r.trust, 85);
    cr_expect_eq(r.managed, 118);
    cr_expect_eq(r.docs, 252);
}

static int load_corpus(const char *rel, char **data, loaded *l, diag_list *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/authz-details/%s", IAMG_CORPUS_DIR, rel);
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    fc_load(path, data, l, d);
    return 1;
}

static const pdoc *by_container(const loaded *l, const char *prefix)
{
    for (size_t i = 0; i < l->ndocs; i++)
        if (l->docs[i].origin.container &&
            strncmp(l->docs[i].origin.container, prefix, strlen(prefix)) == 0)
            return &l->docs[i];
    return NULL;
}

Test(account_dump, corpus_positions)
{
    char *data;
    loaded l;
    diag_list d;
    if (!load_corpus("duo-labs__cloudmapper/account-data/demo/us-east-1/"
                     "iam-get-account-authorization-details.json",
                     &data, &l, &d))
        cr_skip_test("corpus not found");
    /* lines 256-258: "PolicyDocument": { "Statement": [ { at column 29 */
    const pdoc *p = by_container(&l, "role exfiller, inline policy 'tmp'");
    cr_assert_not_null(p);
    cr_expect_not_null(fc_stmt_at(p, 258, 29));
    cr_expect_str_eq(p->origin.principal_arn, "arn:aws:iam::123456789012:role/exfiller");
    p = by_container(&l, "role exfiller, trust policy");
    cr_assert_not_null(p);
    cr_expect_eq(p->kind, KIND_TRUST);
    cr_expect_not_null(fc_stmt_at(p, 238, 21));
    p = by_container(&l, "managed policy BAD_MFA_POLICY (not attached)");
    cr_assert_not_null(p);
    cr_expect_not_null(fc_stmt_at(p, 147, 29));
    cr_expect_str_eq(p->stmts[4].sid, "BlockAnyAccessOtherThanAboveUnlessSignedInWithMFA");
    p = by_container(
        &l, "managed policy AmazonEC2RoleforSSM (attached to user "
            "USER_WITH_BAD_INLINE_POLICY, group GROUP_WITH_BAD_INLINE_POLICY, role bad_role)");
    cr_expect_not_null(p);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);

    if (!load_corpus("salesforce__cloudsplaining/examples/files/example.json", &data, &l, &d))
        cr_skip_test("corpus not found");
    /* lines 5606-5625: the customer policy granting ssm:sendCommand */
    p = by_container(&l, "managed policy privesc-ssmSendCommand-policy (attached to user "
                         "privesc-ssmSendCommand-user, role privesc-ssmSendCommand-role)");
    cr_assert_not_null(p);
    cr_expect_str_eq(p->origin.policy_arn,
                     "arn:aws:iam::200611803367:policy/privesc-ssmSendCommand-policy");
    cr_assert_eq(p->nstmts, 1);
    cr_expect_not_null(fc_stmt_at(p, 5620, 29));
    cr_assert_eq(p->stmts[0].action.n, 4);
    srcpos at = ig_tsource_pos(p->src, p->stmts[0].action.v[3]->start);
    cr_expect_eq(at.line, 5625);
    cr_expect_eq(at.col, 37);
    cr_expect_str_eq(p->stmts[0].action.v[3]->u.s, "ssm:sendCommand");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

/* --- allocation failures ---------------------------------------------------------- */

Test(account_dump_faults, every_allocation_failure_is_clean, .timeout = 300)
{
    fc_fault_case("account-dump-mixed/input.json");
}
