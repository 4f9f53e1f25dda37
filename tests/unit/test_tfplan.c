/*
 * Tests for load/tfplan.c: Terraform plans (`terraform show -json`) through
 * load_buffer. The case folders tests/cases/formats/tfplan-* hold a plan and
 * what must be found in it (format: format_cases.h); the rest checks
 * detection, wrong shapes and the real plans of the corpus, with statement
 * positions checked by hand against the files.
 */
#include "format_cases.h"

#include "load/json_pos.h"

Test(tfplan, cases)
{
    cr_expect_geq(fc_run_cases("tfplan-"), 3);
}

Test(tfplan, detect)
{
    cr_expect(fc_detect(ig_detect_tfplan, "{\"format_version\": \"1.2\", \"planned_values\": {}}"));
    cr_expect(fc_detect(ig_detect_tfplan,
                        "{\"format_version\": \"0.1\", \"terraform_version\": \"0.12.0\"}"));
    cr_expect(
        fc_detect(ig_detect_tfplan, "{\"format_version\": \"1.0\", \"resource_changes\": []}"));
    cr_expect(!fc_detect(ig_detect_tfplan, "{\"format_version\": \"1.0\"}"));
    cr_expect(!fc_detect(ig_detect_tfplan, "{\"planned_values\": {}}"));
    cr_expect(!fc_detect(ig_detect_tfplan, "[]"));
}

Test(tfplan, wrong_shapes)
{
    loaded l;
    diag_list d;
    fc_load_text("plan.json",
                 "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\n"
                 "\"resources\": [7, {\"type\": \"aws_iam_policy\", \"address\": "
                 "\"aws_iam_policy.a\", \"values\": 3},\n"
                 "  {\"type\": \"aws_iam_role\", \"address\": \"aws_iam_role.r\", \"values\": "
                 "{\"assume_role_policy\": 5, \"inline_policy\": {}}},\n"
                 "  {\"type\": \"aws_iam_policy\", \"address\": \"aws_iam_policy.ok\", \"values\": "
                 "{\"policy\": \"{\\\"Statement\\\": []}\"}}],\n"
                 "\"child_modules\": {}}}}",
                 &l, &d);
    cr_expect_str_eq(l.format, "terraform-plan");
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 0,
                          "a resource in planned_values must be an object, found number"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 0,
                          "values of aws_iam_policy.a must be an object, found number"));
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 0,
                    "assume_role_policy of aws_iam_role.r must be a JSON string, found number"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 0,
                          "inline_policy of aws_iam_role.r must be a list, found object"));
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_ERROR, 0, "child_modules must be a list, found object"));
    cr_expect_eq(l.ndocs, 1);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);

    fc_load_text("plan.json",
                 "{\"format_version\": \"1.2\", \"planned_values\": [], \"resource_changes\": 4}",
                 &l, &d);
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 0, "planned_values must be an object, found array"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);

    fc_load_text("plan.json", "{\"format_version\": \"1.2\", \"resource_changes\": {}}", &l, &d);
    cr_expect(
        fc_has_diag(&d, IAMG_LEVEL_ERROR, 0, "resource_changes must be a list, found object"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* A policy that is not JSON is reported at its position in the plan. */
Test(tfplan, policy_not_json)
{
    loaded l;
    diag_list d;
    fc_load_text(
        "plan.json",
        "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"resources\": [\n"
        "{\"type\": \"aws_iam_policy\", \"address\": \"aws_iam_policy.a\", \"values\": "
        "{\"policy\": \"{\\\"Statement\\\": [}\"}}]}}}",
        &l, &d);
    cr_expect_eq(l.ndocs, 0);
    cr_assert_eq(d.n, 1);
    cr_expect(strstr(d.v[0].message, "not valid JSON") != NULL, "%s", d.v[0].message);
    cr_expect_eq(d.v[0].line, 2);
    /* {"type": ... "policy": "{\"Statement\": [}" : the '}' after '[' */
    cr_expect_eq(d.v[0].col, 98);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* --- what is left out while parsing ------------------------------------------------ */

/* A policy statement as JSON text in a string of the plan. */
#define TF_POLICY                                                                                  \
    "\"{\\\"Statement\\\": [{\\\"Effect\\\": \\\"Allow\\\", "                                      \
    "\\\"Action\\\": \\\"s3:GetObject\\\", \\\"Resource\\\": \\\"*\\\"}]}\""
#define TF_RES(addr)                                                                               \
    "{\"type\": \"aws_iam_policy\", \"address\": \"" addr                                          \
    "\", \"values\": {\"policy\": " TF_POLICY "}}"

static const tnode *change_of(const loaded *l, const char *key)
{
    const tnode *rc = ig_tnode_get(l->root, "resource_changes");
    cr_assert(ig_tnode_is(rc, TN_ARRAY) && rc->n == 1);
    return ig_tnode_get(ig_tnode_get(&rc->u.items[0], "change"), key);
}

Test(tfplan, prior_state_and_change_values_are_left_out)
{
    static const char plan[] =
        "{\"format_version\": \"1.2\",\n"
        "\"planned_values\": {\"root_module\": {\"resources\": [" TF_RES(
            "aws_iam_policy.a") "]}},\n"
                                "\"resource_changes\": [{\"address\": \"aws_iam_policy.a\", "
                                "\"type\": \"aws_iam_policy\",\n"
                                "  \"change\": {\"actions\": [\"update\"], \"before\": "
                                "{\"policy\": " TF_POLICY "},\n"
                                "  \"after\": {\"policy\": " TF_POLICY
                                "}, \"after_unknown\": {\"arn\": true},\n"
                                "  \"before_sensitive\": {}, \"after_sensitive\": {}}}],\n"
                                "\"prior_state\": {\"values\": {\"root_module\": {\"resources\": "
                                "[" TF_RES("aws_iam_policy.a") "]}}}}";
    loaded l;
    diag_list d;
    fc_load_text("plan.json", plan, &l, &d);
    cr_expect_str_eq(l.format, "terraform-plan");
    cr_expect_eq(l.ndocs, 1);
    cr_expect_eq(d.n, 0);
    static const char *const gone[] = {"before", "after", "before_sensitive", "after_sensitive"};
    for (size_t i = 0; i < 4; i++) {
        const tnode *v = change_of(&l, gone[i]);
        cr_assert(ig_tnode_is(v, TN_NULL) && (v->flags & TNF_PRUNED), "%s", gone[i]);
        /* The span is still the value's: from its '{' to its '}'. */
        cr_expect_eq(plan[v->start], '{', "%s", gone[i]);
        cr_expect_eq(plan[v->end - 1], '}', "%s", gone[i]);
    }
    cr_expect(ig_tnode_is(change_of(&l, "after_unknown"), TN_OBJECT));
    cr_expect(ig_tnode_is(change_of(&l, "actions"), TN_ARRAY));
    const tnode *prior = ig_tnode_get(l.root, "prior_state");
    cr_expect(ig_tnode_is(prior, TN_NULL) && (prior->flags & TNF_PRUNED));
    cr_expect(ig_tnode_is(ig_tnode_get(l.root, "planned_values"), TN_OBJECT));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

Test(tfplan, nothing_left_out_unless_planned_values_came_first)
{
    /* resource_changes before planned_values: kept. */
    loaded l;
    diag_list d;
    fc_load_text("plan.json",
                 "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"x\", "
                 "\"change\": {\"after\": {}}}], \"planned_values\": {}}",
                 &l, &d);
    cr_expect(ig_tnode_is(change_of(&l, "after"), TN_OBJECT));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);

    /* Not a plan (no format_version): kept. */
    fc_load_text("x.json",
                 "{\"planned_values\": {}, \"resource_changes\": [{\"change\": {\"after\": {}}}]}",
                 &l, &d);
    cr_expect(ig_tnode_is(change_of(&l, "after"), TN_OBJECT));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);

    /* A later planned_values that is null makes the changes what is read:
     * the plan is parsed again whole, and the policy in "after" is found. */
    fc_load_text("plan.json",
                 "{\"format_version\": \"1.2\", \"planned_values\": {}, \"resource_changes\": "
                 "[{\"address\": \"aws_iam_policy.a\", \"type\": \"aws_iam_policy\", \"change\": "
                 "{\"actions\": [\"create\"], \"after\": {\"policy\": " TF_POLICY "}}}], "
                 "\"planned_values\": null}",
                 &l, &d);
    cr_expect(ig_tnode_is(change_of(&l, "after"), TN_OBJECT));
    cr_expect_eq(l.ndocs, 1);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* A value left out is still read to its end: its errors are the file's. */
Test(tfplan, syntax_errors_in_left_out_values)
{
    loaded l;
    diag_list d;
    fc_load_text("plan.json",
                 "{\"format_version\": \"1.2\", \"planned_values\": {},\n"
                 "\"prior_state\": {\"values\": [1, tru]}}",
                 &l, &d);
    cr_expect_null(l.root);
    cr_assert_eq(d.n, 1);
    cr_expect_eq(d.v[0].line, 2);
    cr_expect_eq(d.v[0].col, 31);
    cr_expect(strstr(d.v[0].message, "invalid literal") != NULL, "%s", d.v[0].message);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
}

/* --- the corpus ----------------------------------------------------------------- */

typedef struct corpus_run {
    size_t files, plans, docs, notes;
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
    r->files++;
    cr_expect_str_eq(l.format, "terraform-plan", "%s", path);
    r->plans++;
    r->docs += l.ndocs;
    cr_expect_gt(l.ndocs, 0, "%s: no policy found", path);
    for (size_t i = 0; i < d.n; i++) {
        cr_expect_eq(d.v[i].level, IAMG_LEVEL_NOTE, "%s:%u:%u: %s", path, d.v[i].line, d.v[i].col,
                     d.v[i].message);
        r->notes++;
    }
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

Test(tfplan, corpus, .timeout = 120)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tfplan", IAMG_CORPUS_DIR);
    struct stat st;
    if (stat(dir, &st) != 0) cr_skip_test("corpus not found at %s", dir);
    corpus_run r = {0};
    fc_walk(dir, 0, load_one, &r);
    cr_log_info("tfplan: %zu plans, %zu documents, %zu notes", r.plans, r.docs, r.notes);
    cr_expect_eq(r.plans, 9);
    cr_expect_eq(r.docs, 34); /* 26 identity and trust, 8 resource policies */
}

static int load_corpus(const char *rel, char **data, loaded *l, diag_list *d)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/tfplan/%s", IAMG_CORPUS_DIR, rel);
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    fc_load(path, data, l, d);
    return 1;
}

static const pdoc *by_pointer(const loaded *l, const char *ptr)
{
    for (size_t i = 0; i < l->ndocs; i++)
        if (strcmp(l->docs[i].origin.pointer, ptr) == 0) return &l->docs[i];
    return NULL;
}

/* Positions read off the files by hand: the '{' of each statement inside the
 * escaped policy string. */
Test(tfplan, corpus_positions)
{
    char *data;
    loaded l;
    diag_list d;
    if (!load_corpus("bridgecrewio__checkov/tests/terraform/runner/resources/"
                     "plan_with_iam_policies/tfplan.json",
                     &data, &l, &d))
        cr_skip_test("corpus not found");
    /* line 31: "policy": "{\r\n  \"Version\": ... [\r\n    {\r\n      \"Action\" */
    const pdoc *g = by_pointer(&l, "/planned_values/root_module/resources/1/values/policy");
    cr_assert_not_null(g);
    cr_expect_str_eq(g->origin.address, "aws_iam_group_policy.fail_2");
    cr_expect_not_null(fc_stmt_at(g, 31, 89));
    /* line 47: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"s3:*\" */
    const pdoc *p = by_pointer(&l, "/planned_values/root_module/resources/2/values/policy");
    cr_assert_not_null(p);
    cr_expect_str_eq(p->origin.container, "aws_iam_policy.policy_pass (policy 'policy_pass')");
    cr_expect_not_null(fc_stmt_at(p, 47, 40));
    cr_expect_str_eq(p->stmts[0].action.v[0]->u.s, "s3:*");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);

    if (!load_corpus(
            "awslabs__terraform-iam-policy-validator/iam_check/test/iam_policy/test_plan.json",
            &data, &l, &d))
        cr_skip_test("corpus not found");
    cr_assert_eq(l.ndocs, 1);
    cr_assert_eq(l.docs[0].nstmts, 3);
    cr_expect_not_null(fc_stmt_at(&l.docs[0], 1, 380)); /* PassExecutionRole */
    cr_expect_not_null(fc_stmt_at(&l.docs[0], 1, 603)); /* ReadOnlyPermissions */
    cr_expect_str_eq(l.docs[0].stmts[1].sid, "ReadOnlyPermissions");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);

    /* The fixture with values unknown until apply (empty in this no-op plan). */
    if (!load_corpus("terraform-compliance__cli/tests/functional/test_issue_522/plan.out.json",
                     &data, &l, &d))
        cr_skip_test("corpus not found");
    cr_expect_eq(l.ndocs, 1);
    cr_expect(fc_has_diag(&d, IAMG_LEVEL_NOTE, 0,
                          "policy of aws_iam_role_policy.lambda_execution_policy is empty"));
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    free(data);
}

/* --- allocation failures ---------------------------------------------------------- */

Test(tfplan_faults, every_allocation_failure_is_clean, .timeout = 300)
{
    fc_fault_case("tfplan-modules/input.json");
    fc_fault_case("tfplan-changes/input.json");
    fc_fault_case("tfplan-data-source/input.json");
}
