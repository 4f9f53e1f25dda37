/*
 * The policy model: every shape IAM allows, every wrong shape reported with
 * its position while the rest of the document is kept, and the statement
 * queries (grants, reaches) on top of it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "load/json_pos.h"
#include "model/policy.h"
#include "model/query.h"

typedef struct fixture {
    arena a;
    tsource src;
    diag_list diags;
    pdoc doc;
    int rc;
} fixture;

static void build(fixture *f, const char *json)
{
    memset(f, 0, sizeof *f);
    ig_arena_init(&f->a);
    ig_tsource_init_file(&f->src, "p.json", json, strlen(json));
    f->src.index_arena = &f->a;
    const tnode *root;
    iamg_error err;
    cr_assert_eq(ig_json_pos_parse(&f->src, &f->a, 100, &root, &err), 0, "fixture JSON: %s",
                 err.message);
    iamg_limits lim = IAMG_LIMITS_INIT;
    f->rc = ig_policy_build(&f->doc, &f->src, root, KIND_IDENTITY, &f->a, &lim, &f->diags);
}

static void done(fixture *f)
{
    ig_diag_list_free(&f->diags);
    ig_arena_free(&f->a);
}

/* The diagnostic whose message contains `needle`, or NULL. */
static const diag *find_diag(const fixture *f, const char *needle)
{
    for (size_t i = 0; i < f->diags.n; i++)
        if (strstr(f->diags.v[i].message, needle)) return &f->diags.v[i];
    return NULL;
}

Test(policy, statement_object_or_array)
{
    fixture f;
    build(&f, "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
              "\"Resource\":\"*\"}}");
    cr_assert_eq(f.rc, 0);
    cr_assert_eq(f.doc.nstmts, 1);
    cr_assert_eq(f.doc.stmts[0].effect, EFFECT_ALLOW);
    cr_assert_str_eq(f.doc.version, "2012-10-17");
    cr_assert_eq(f.diags.n, 0);
    done(&f);
    build(&f,
          "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"a:b\",\"c:d\"],\"Resource\":[\"x\"]},"
          "{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"NotResource\":\"y\"}]}");
    cr_assert_eq(f.doc.nstmts, 2);
    cr_assert_eq(f.doc.stmts[0].action.n, 2);
    cr_assert_str_eq(f.doc.stmts[0].action.v[1]->u.s, "c:d");
    cr_assert(f.doc.stmts[1].action.negated);
    cr_assert(f.doc.stmts[1].resource.negated);
    cr_assert_eq(f.diags.n, 0);
    done(&f);
}

Test(policy, statement_of_wrong_type)
{
    fixture f;
    build(&f, "{\"Statement\": \"Allow everything\"}");
    const diag *d =
        find_diag(&f, "Statement must be an object or an array of objects, found string");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 1);
    cr_assert_eq(d->col, 15);
    cr_assert_eq(f.doc.nstmts, 0);
    done(&f);
}

Test(policy, bad_elements_reported_rest_kept)
{
    fixture f;
    build(&f,
          "{\"Statement\": [\n"
          "  {\"Effect\": \"Allow\", \"Action\": 5, \"Resource\": \"*\"},\n"
          "  {\"Effect\": \"Allow\", \"Action\": [\"ssm:SendCommand\", 7], \"Resource\": \"*\"},\n"
          "  {\"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n"
          "  {\"Effect\": \"allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n"
          "  \"not a statement\",\n"
          "  {\"Effect\": \"Allow\", \"Action\": \"a:b\", \"NotAction\": \"c:d\", \"Resource\": "
          "\"*\"},\n"
          "  {\"Effect\": \"Allow\", \"Actions\": \"a:b\", \"Resource\": \"*\"}\n"
          "]}");
    cr_assert_eq(f.rc, 0);
    /* Six objects are statements; the string is not. */
    cr_assert_eq(f.doc.nstmts, 6);
    const diag *d = find_diag(&f, "Action must be a string or an array of strings, found number");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 2);
    cr_assert_eq(d->col, 33);
    d = find_diag(&f, "Action item must be a string, found number");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 3);
    /* The good item of a partly bad list is kept. */
    cr_assert_eq(f.doc.stmts[1].action.n, 1);
    cr_assert_str_eq(f.doc.stmts[1].action.v[0]->u.s, "ssm:SendCommand");
    d = find_diag(&f, "has no Effect");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 4);
    cr_assert_eq(f.doc.stmts[2].effect, EFFECT_INVALID);
    d = find_diag(&f, "Effect must be \"Allow\" or \"Deny\" (case-sensitive), found \"allow\"");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 5);
    cr_assert_eq(f.doc.stmts[3].effect, EFFECT_INVALID);
    d = find_diag(&f, "statement 5 must be an object, found string");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 6);
    d = find_diag(&f, "both Action and NotAction");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 7);
    /* Both of the pair are kept, the first in action, the second in its twin. */
    cr_assert_not(f.doc.stmts[4].action.negated);
    cr_assert_str_eq(f.doc.stmts[4].action.v[0]->u.s, "a:b");
    cr_assert(f.doc.stmts[4].action_twin.negated);
    cr_assert_str_eq(f.doc.stmts[4].action_twin.v[0]->u.s, "c:d");
    for (uint32_t i = 0; i < f.doc.nstmts; i++)
        cr_assert(f.doc.stmts[i].malformed, "statement %u", i + 1);
    cr_assert_not_null(find_diag(&f, "unknown statement element \"Actions\""));
    cr_assert_not_null(find_diag(&f, "statement 7 has neither Action nor NotAction"));
    for (size_t i = 0; i < f.diags.n; i++)
        cr_assert_eq(f.diags.v[i].code, IAMG_EINVALID, "%s", f.diags.v[i].message);
    done(&f);
}

Test(policy, conditions_parsed)
{
    fixture f;
    build(&f,
          "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{"
          "\"ForAnyValue:StringLikeIfExists\":{\"ssm:resourceTag/Team\":[\"a\",\"b\"]},"
          "\"Bool\":{\"aws:SecureTransport\":true},"
          "\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":3600},"
          "\"StringEquals\":{\"k\":{\"nested\":1}}}}}");
    const pstmt *st = &f.doc.stmts[0];
    cr_assert_eq(st->nconds, 4);
    cr_assert_str_eq(st->conds[0].op, "ForAnyValue:StringLikeIfExists");
    cr_assert_eq(st->conds[0].parsed.set, IAMG_COND_FOR_ANY);
    cr_assert(st->conds[0].parsed.if_exists);
    cr_assert_eq(st->conds[0].parsed.base_len, strlen("StringLike"));
    cr_assert_eq(st->conds[0].n, 2);
    cr_assert_str_eq(st->conds[1].v[0]->u.s, "true");
    cr_assert_str_eq(st->conds[2].v[0]->u.s, "3600");
    /* An entry whose value cannot be read is kept, marked, with no values. */
    cr_assert(st->conds[3].malformed);
    cr_assert_eq(st->conds[3].n, 0);
    cr_assert_not(st->conds[0].malformed);
    cr_assert(st->malformed);
    cr_assert_not_null(find_diag(&f, "condition value for \"k\" must be"));
    done(&f);
}

Test(policy, principals)
{
    fixture f;
    build(&f, "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
              "\"Resource\":\"*\"},"
              "{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::1:root\"],\"Service\":"
              "\"ec2.amazonaws.com\"},"
              "\"Action\":\"sts:AssumeRole\"},"
              "{\"Effect\":\"Allow\",\"Principal\":\"arn:aws:iam::1:root\",\"Action\":\"s3:*\","
              "\"Resource\":\"*\"}]}");
    cr_assert_eq(f.doc.stmts[0].nprincipals, 1);
    cr_assert_str_eq(f.doc.stmts[0].principals[0].type, "*");
    cr_assert_eq(f.doc.stmts[1].nprincipals, 2);
    cr_assert_str_eq(f.doc.stmts[1].principals[1].type, "Service");
    cr_assert_not_null(find_diag(&f, "Principal as a string must be \"*\""));
    done(&f);
}

Test(policy, duplicate_keys_last_wins)
{
    fixture f;
    build(&f, "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\n\"Action\":\"ssm:"
              "*\",\"Resource\":\"*\"}}");
    const diag *d = find_diag(&f, "duplicate key \"Action\" (first at line 1)");
    cr_assert_not_null(d);
    cr_assert_eq(d->line, 2);
    cr_assert_str_eq(f.doc.stmts[0].action.v[0]->u.s, "ssm:*");
    done(&f);
}

Test(policy, missing_statement_and_unknown_version)
{
    fixture f;
    build(&f, "{\"Version\":\"2012-10-18\",\"Id\":\"x\"}");
    cr_assert_not_null(find_diag(&f, "policy document has no Statement"));
    cr_assert_not_null(find_diag(&f, "unknown policy Version \"2012-10-18\""));
    cr_assert_str_eq(f.doc.id, "x");
    done(&f);
    build(&f, "[1, 2]");
    cr_assert_not_null(find_diag(&f, "a policy document must be an object, found array"));
    done(&f);
}

Test(policy, statement_limit)
{
    fixture f;
    memset(&f, 0, sizeof f);
    ig_arena_init(&f.a);
    const char *json =
        "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\"},"
        "{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\"}]}";
    ig_tsource_init_file(&f.src, "p.json", json, strlen(json));
    const tnode *root;
    cr_assert_eq(ig_json_pos_parse(&f.src, &f.a, 100, &root, NULL), 0);
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_statements = 2;
    cr_assert_eq(ig_policy_build(&f.doc, &f.src, root, KIND_IDENTITY, &f.a, &lim, &f.diags),
                 IAMG_ELIMIT);
    const diag *d = find_diag(&f, "more than the limit of 2 (max_statements)");
    cr_assert_not_null(d);
    cr_assert_eq(d->code, IAMG_ELIMIT);
    done(&f);
}

Test(policy, labels)
{
    fixture f;
    build(&f, "{\"Statement\":[{\"Sid\":\"Named\",\"Effect\":\"Allow\",\"Action\":\"a:b\","
              "\"Resource\":\"*\"},"
              "{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"*\"}]}");
    char label[64];
    ig_policy_stmt_label(&f.doc.stmts[0], label, sizeof label);
    cr_assert_str_eq(label, "Named");
    ig_policy_stmt_label(&f.doc.stmts[1], label, sizeof label);
    cr_assert_str_eq(label, "#2");
    cr_assert_str_eq(ig_policy_kind_name(KIND_TRUST), "trust");
    done(&f);
}

/* ---- queries ---- */

static const char *const instance_probes[] = {
    "arn:{partition}:ec2:{region}:{account}:instance/i-0unscopedprobe00",
    "arn:{partition}:ssm:{region}:{account}:managed-instance/mi-0unscopedprobe00"};

Test(query, grants)
{
    static const struct {
        const char *body, *action;
        int yes;
        unsigned which;
    } cases[] = {
        {"\"Action\":[\"ec2:Describe*\",\"SSM:Send*\"],\"Resource\":\"*\"", "ssm:SendCommand", 1,
         1},
        {"\"Action\":\"*\",\"Resource\":\"*\"", "ssm:StartSession", 1, 0},
        {"\"Action\":\"ssm:Start?ession\",\"Resource\":\"*\"", "ssm:StartSession", 1, 0},
        {"\"Action\":\"ssm:GetParameter\",\"Resource\":\"*\"", "ssm:SendCommand", 0, QUERY_NONE},
        {"\"NotAction\":\"iam:*\",\"Resource\":\"*\"", "ssm:SendCommand", 1, QUERY_NONE},
        {"\"NotAction\":[\"iam:*\",\"ssm:*\"],\"Resource\":\"*\"", "ssm:SendCommand", 0,
         QUERY_NONE},
        {"\"Resource\":\"*\"", "ssm:SendCommand", 0, QUERY_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fixture f;
        char json[1024];
        snprintf(json, sizeof json, "{\"Statement\":{\"Effect\":\"Allow\",%s}}", cases[i].body);
        build(&f, json);
        uint32_t which;
        cr_expect_eq(ig_query_grants(&f.doc.stmts[0], cases[i].action, &which), cases[i].yes,
                     "case %zu: %s", i, cases[i].body);
        cr_expect_eq(which, cases[i].which, "case %zu: pattern index", i);
        done(&f);
    }
}

Test(query, reaches_unnamed_instances)
{
    static const struct {
        const char *resource;
        int not_resource, yes;
    } cases[] = {
        {"\"*\"", 0, 1},
        {"\"arn:*\"", 0, 1},
        {"\"arn:aws:ec2:*:*:*\"", 0, 1},
        {"\"arn:aws:ec2:eu-west-1:123456789012:instance/*\"", 0, 1},
        {"\"arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/*\"", 0, 1},
        {"\"arn:aws:ssm:*:*:managed-instance/*\"", 0, 1},
        {"\"arn:aws:ec2:*:*:instance/i-0abc*\"", 0, 0},
        {"\"arn:aws:ec2:*:*:instance/${aws:username}\"", 0, 0},
        {"\"arn:aws:ssm:*:*:document/AWS-RunShellScript\"", 0, 0},
        {"\"arn:aws:s3:::bucket/*\"", 0, 0},
        {"[\"arn:aws:s3:::b\",\"arn:aws:ec2:*:*:instance/*\"]", 0, 1},
        {"\"arn:aws:s3:::b\"", 1, 1},
        {"[\"arn:aws:ec2:*:*:instance/*\",\"arn:aws:ssm:*:*:managed-instance/*\"]", 1, 0},
        {"\"arn:aws:ec2:*:*:instance/*\"", 1, 1},
        {"\"*\"", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fixture f;
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"%s\":%s}}",
                 cases[i].not_resource ? "NotResource" : "Resource", cases[i].resource);
        build(&f, json);
        uint32_t which;
        cr_expect_eq(ig_query_reaches(&f.doc.stmts[0], instance_probes, 2, &which), cases[i].yes,
                     "case %zu: %s", i, cases[i].resource);
        done(&f);
    }
}

Test(query, probe_takes_the_pattern_segments)
{
    char out[256];
    cr_assert_eq(ig_query_probe_expand("arn:{partition}:ec2:{region}:{account}:instance/x",
                                       "arn:aws-cn:ec2:cn-north-1:123:instance/*", out, sizeof out),
                 0);
    cr_assert_str_eq(out, "arn:aws-cn:ec2:cn-north-1:123:instance/x");
    cr_assert_eq(ig_query_probe_expand("arn:{partition}:ec2:{region}:{account}:instance/x", "*",
                                       out, sizeof out),
                 0);
    cr_assert_str_eq(out, "arn:aws:ec2:us-east-1:111122223333:instance/x");
    cr_assert_eq(ig_query_probe_expand("arn:{partition}:x", NULL, out, 8), -1,
                 "too small a buffer");
}
