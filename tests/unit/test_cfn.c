/*
 * Tests for load/cfn.c and load/cfn_intrinsics.c: CloudFormation templates
 * (JSON and YAML) through load_buffer. The case folders
 * tests/cases/formats/cfn-* hold a template and the documents, statements,
 * element values and diagnostics expected from it (format: format_cases.h and
 * tests/cases/formats/README.md); the rest checks detection, wrong shapes,
 * limits and every template of the real-world corpus.
 */
#include "format_cases.h"

#include "load/cfn_intrinsics.h"
#include "load/json_pos.h"

/* Load a template given as text; the caller frees. */
Test(cfn, cases)
{
    cr_expect_geq(fc_run_cases("cfn-"), 4);
}

/* --- detection ---------------------------------------------------------------- */

Test(cfn, detect)
{
    cr_expect(fc_detect(ig_detect_cfn, "{\"AWSTemplateFormatVersion\": \"2010-09-09\"}"));
    cr_expect(fc_detect(ig_detect_cfn, "{\"Resources\": {\"R\": {\"Type\": \"AWS::IAM::Role\"}}}"));
    cr_expect(!fc_detect(ig_detect_cfn, "{\"Resources\": {\"R\": {\"Type\": \"Custom\"}}}"));
    cr_expect(!fc_detect(ig_detect_cfn, "{\"Resources\": []}"));
    cr_expect(!fc_detect(ig_detect_cfn, "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"));
    cr_expect(!fc_detect(ig_detect_cfn, "[1, 2]"));
}

/* --- wrong shapes: reported, the rest still loads ----------------------------- */

Test(cfn, wrong_shapes)
{
    const char *t =
        "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {\n"
        " \"A\": 5,\n"
        " \"B\": {\"Type\": 7},\n"
        " \"C\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": []},\n"
        " \"D\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": {\"PolicyDocument\": 12}},\n"
        " \"E\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"Policies\": {\"a\": 1},\n"
        "   \"AssumeRolePolicyDocument\": {\"Statement\": []}}},\n"
        " \"F\": {\"Type\": \"AWS::IAM::User\", \"Properties\": {\"Policies\": [3, "
        "{\"PolicyName\": \"n\"},\n"
        "   {\"PolicyName\": \"ok\", \"PolicyDocument\": {\"Statement\": {\"Effect\": \"Allow\", "
        "\"Action\": \"s3:*\", \"Resource\": \"*\"}}}]}},\n"
        " \"G\": {\"Type\": \"AWS::IAM::Role\"}\n"
        "}}";
    loaded l;
    diag_list d;
    fc_load_text("t.json", t, &l, &d);
    cr_expect_str_eq(l.format, "cloudformation");
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 2, "resource A must be an object"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 3, "Type of resource B must be a string"));
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 4, "Properties of AWS::IAM::Policy C must be an object"));
    cr_expect(fc_has_diag(
        &d, IAMG_LEVEL_ERROR, 5,
        "PolicyDocument of AWS::IAM::Policy D must be an object or a JSON string, found number"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 6,
                          "Policies of AWS::IAM::Role E must be a list, found object"));
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 8, "Policies of AWS::IAM::User F must hold objects"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 8,
                          "policy 'n' of AWS::IAM::User F has no PolicyDocument"));
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 10, "AWS::IAM::Role G has no AssumeRolePolicyDocument"));
    /* E's trust policy and F's "ok" policy still load. */
    cr_assert_eq(l.ndocs, 2);
    cr_expect_str_eq(l.docs[0].origin.kind, "trust");
    cr_expect_str_eq(l.docs[1].origin.policy_name, "ok");
    cr_expect_str_eq(l.docs[1].origin.pointer, "/Resources/F/Properties/Policies/2/PolicyDocument");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

Test(cfn, resources_not_object)
{
    loaded l;
    diag_list d;
    fc_load_text("t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [1, 2]\n", &l, &d);
    cr_expect_eq(l.ndocs, 0);
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 2, "Resources must be an object"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* A malformed intrinsic is a warning and an opaque value, never a crash. */
Test(cfn, malformed_intrinsics)
{
    const char *t =
        "Resources:\n"
        "  P:\n"
        "    Type: AWS::IAM::Policy\n"
        "    Properties:\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Action: [!Join [x], !If [a], !Sub [1, 2, 3], !Ref [x], !Select [a, [b]],\n"
        "                     !FindInMap [M], !Split [',', !Ref X], !GetAtt [1, 2, 3]]\n"
        "            Resource: !Join ['', [a, [b]]]\n";
    loaded l;
    diag_list d;
    fc_load_text("t.yaml", t, &l, &d);
    cr_assert_eq(l.ndocs, 1);
    const pstmt *st = &l.docs[0].stmts[0];
    cr_assert_eq(st->action.n, 8);
    const char *want[] = {"{Join}",   "{If}",        "{Sub}",   "{Ref}",
                          "{Select}", "{FindInMap}", "{Ref:X}", "{GetAtt}"};
    for (int i = 0; i < 8; i++)
        cr_expect_str_eq(st->action.v[i]->u.s, want[i], "item %d", i);
    cr_assert_eq(st->resource.n, 1);
    cr_expect_str_eq(st->resource.v[0]->u.s, "{Join}");
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_WARNING, 8, "Fn::Join takes [delimiter, [values]]"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_WARNING, 8, "Fn::If takes [condition"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* More Fn::If combinations than CFN_MAX_ALTS: reported, the first kept. */
Test(cfn, if_combinations_capped)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n"
                    "      PolicyDocument:\n        Statement:\n          - Effect: Allow\n"
                    "            Action: s3:GetObject\n            Resource: !Sub\n"
                    "              - 'arn:aws:s3:::${A}${B}${C}${D}${E}'\n              -");
    const char *v[] = {"A", "B", "C", "D", "E"};
    for (int i = 0; i < 5; i++)
        ig_buf_printf(&b, " %s%s: !If [c, x, y]\n               ", i ? "" : "", v[i]);
    ig_buf_putc(&b, '\n');
    loaded l;
    diag_list d;
    fc_load_text("t.yaml", b.data, &l, &d);
    cr_assert_eq(l.ndocs, 1);
    cr_expect_eq(l.docs[0].stmts[0].resource.n, CFN_MAX_ALTS);
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 0, "more than 16 combinations"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* Deeply nested Fn::If around a document: bounded, no crash. */
Test(cfn, deep_nesting)
{
    buf b = BUF_INIT;
    ig_buf_puts(&b, "{\"Resources\": {\"P\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": "
                    "{\"PolicyDocument\": ");
    int depth = 300;
    for (int i = 0; i < depth; i++)
        ig_buf_puts(&b, "{\"Fn::If\": [\"c\", ");
    ig_buf_puts(&b, "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": {\"Fn::Sub\": \"s3:*\"}, "
                    "\"Resource\": \"*\"}}");
    for (int i = 0; i < depth; i++)
        ig_buf_puts(&b, ", {\"Ref\": \"AWS::NoValue\"}]}");
    ig_buf_puts(&b, "}}}}");
    loaded l;
    diag_list d;
    fc_load_text("t.json", b.data, &l, &d);
    cr_expect_eq(l.ndocs, 1);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* --- the real-world corpus ------------------------------------------------------ */

typedef struct corpus_run {
    size_t files, cfn, docs, trust;
} corpus_run;

static void load_one(const char *path, void *ud)
{
    corpus_run *r = ud;
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".md") == 0) return;
    if (n > 3 && strcmp(path + n - 3, ".tf") == 0) return;
    char *data;
    loaded l;
    diag_list d;
    fc_load(path, &data, &l, &d);
    r->files++;
    if (l.format && strcmp(l.format, "cloudformation") == 0) {
        r->cfn++;
        r->docs += l.ndocs;
        for (size_t i = 0; i < l.ndocs; i++)
            r->trust += l.docs[i].kind == KIND_TRUST;
        /* Templates with only bucket or endpoint policies hold none. */
        if (strstr(data, "AWS::IAM::Role") || strstr(data, "AWS::IAM::Policy") ||
            strstr(data, "AWS::IAM::ManagedPolicy"))
            cr_expect_gt(l.ndocs, 0, "%s: no policy found", path);
    }
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

Test(cfn, corpus, .timeout = 120)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/iac", IAMG_CORPUS_DIR);
    struct stat st;
    if (stat(dir, &st) != 0) cr_skip_test("corpus not found at %s", dir);
    corpus_run r = {0};
    fc_walk(dir, 0, load_one, &r);
    cr_log_info("iac: %zu files, %zu templates, %zu documents (%zu trust)", r.files, r.cfn, r.docs,
                r.trust);
    cr_expect_geq(r.cfn, 45);
    cr_expect_geq(r.docs, 150);
}

/* Statement positions checked by hand against the files. */
static const pdoc *find_doc(const loaded *l, const char *logical_id, const char *kind, int nth)
{
    for (size_t i = 0; i < l->ndocs; i++) {
        const iamg_origin *o = &l->docs[i].origin;
        if (o->logical_id && strcmp(o->logical_id, logical_id) == 0 && strcmp(o->kind, kind) == 0 &&
            nth-- == 0)
            return &l->docs[i];
    }
    return NULL;
}

static void load_corpus(const char *rel, char **data, loaded *l, diag_list *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/iac/%s", IAMG_CORPUS_DIR, rel);
    struct stat st;
    if (stat(path, &st) != 0) cr_skip_test("corpus file not found: %s", path);
    fc_load(path, data, l, d);
}

/* YAML: the last statement of QS-SIOS-Automation grants ssm:SendCommand on
 * every instance, through !Sub of pseudo parameters (lines 2534-2536). */
Test(cfn, corpus_positions_yaml)
{
    char *data;
    loaded l;
    diag_list d;
    load_corpus(
        "aws-quickstart__quickstart-sios-datakeeper/templates/sios-datakeeper.template.yaml", &data,
        &l, &d);
    const pdoc *p = NULL;
    for (int i = 0; (p = find_doc(&l, "InstanceRole", "identity", i)) != NULL; i++)
        if (fc_stmt_at(p, 2534, 19)) break;
    cr_assert_not_null(p, "no statement at 2534:19");
    const pstmt *st = fc_stmt_at(p, 2534, 19);
    cr_expect_str_eq(st->action.v[0]->u.s, "ssm:SendCommand");
    cr_assert_eq(st->resource.n, 1);
    const tnode *r = st->resource.v[0];
    cr_expect_str_eq(r->u.s, "arn:aws:ec2:us-east-1:123456789012:instance/*");
    cr_expect(r->flags & TNF_SYNTHETIC);
    srcpos at = ig_tsource_pos(p->src, r->start);
    cr_expect_eq(at.line, 2536);
    cr_expect_eq(at.col, 29); /* the !Sub */
    const pdoc *trust = find_doc(&l, "InstanceRole", "trust", 0);
    cr_assert_not_null(trust);
    cr_expect_not_null(fc_stmt_at(trust, 2439, 13));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

/* JSON: ADServerRole's AD-SSM-RunCommand policy, ssm:* on "*" (line 507). */
Test(cfn, corpus_positions_json)
{
    char *data;
    loaded l;
    diag_list d;
    load_corpus("aws-quickstart__quickstart-microsoft-activedirectory/templates/ad-2016-1.template",
                &data, &l, &d);
    const pdoc *p = NULL;
    for (int i = 0; (p = find_doc(&l, "ADServerRole", "identity", i)) != NULL; i++)
        if (p->origin.policy_name && strcmp(p->origin.policy_name, "AD-SSM-RunCommand") == 0) break;
    cr_assert_not_null(p);
    cr_expect_str_eq(p->origin.pointer,
                     "/Resources/ADServerRole/Properties/Policies/1/PolicyDocument");
    const pstmt *st = fc_stmt_at(p, 507, 33);
    cr_assert_not_null(st);
    cr_expect_str_eq(st->action.v[0]->u.s, "ssm:*");
    srcpos at = ig_tsource_pos(p->src, st->action.v[0]->start);
    cr_expect_eq(at.line, 510);
    cr_expect_eq(at.col, 41);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

/* --- allocation failures ---------------------------------------------------------- */

Test(cfn_faults, every_allocation_failure_is_clean, .timeout = 300)
{
    fc_fault_case("cfn-json/input.json");
    fc_fault_case("cfn-if/input.yaml");
    fc_fault_case("cfn-yaml-tags/input.yaml");
    fc_fault_case("cfn-permission-set/input.template");
}
