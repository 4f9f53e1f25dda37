/*
 * Fault injection: every allocation (and every file read) of the loading,
 * scanning and SARIF paths fails in turn, as in SQLite's and jansson's
 * malloc tests. Built only with -DIAMGUARD_FAULT_INJECTION=ON (see
 * tests/CMakeLists.txt); run it in a sanitizer build so ASan reports any
 * use-after-free on an error path, and LeakSanitizer any leak.
 *
 * Each loop runs an operation with ig_fault_alloc_after(n) for n = 0, 1,
 * 2, ...: the (n+1)-th allocation through util/alloc.h and all later ones
 * fail. A run that hit a failure must end in IAMG_ENOMEM with a message, or
 * (for scans) succeed with the failure visible as a diagnostic; a run that
 * hit none ends the loop and must give exactly what an unhindered run gives.
 * jansson, libyaml and Lua's C library allocate with malloc and are not
 * failed here; Lua's state allocations go through the sandbox allocator and
 * are.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iamguard/iamguard.h"
#include "load/json_pos.h"
#include "load/yaml_load.h"
#include "unit/format_cases.h"
#include "util/alloc.h"
#include "util/buf.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#include <sanitizer/lsan_interface.h>
/* Every error path must release what it took: check after each loop. */
#define EXPECT_NO_LEAKS(what)                                                                      \
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "%s: leaks (report above)", (what))
#else
#define EXPECT_NO_LEAKS(what) ((void)(what))
#endif

/* No operation here comes near this many allocations. */
#define FAULT_MAX 200000

/* ---- the loop ---------------------------------------------------------------------------- */

typedef struct fault_op {
    const char *name;
    /* The operation, run with the fault armed. Returns its status. */
    int (*attempt)(void *ctx);
    /* Run with the fault disarmed: check the outcome of attempt (status rc;
     * `failed` says whether an injected failure happened) and free it. */
    void (*verify)(void *ctx, int rc, int failed, long n);
    void *ctx;
} fault_op;

/* Arm, run, disarm, verify for n = 0, 1, ... until a run meets no failure.
 * Returns the number of allocation points the operation went through. */
static long fault_loop(const fault_op *op)
{
    long n, absorbed = 0;
    for (n = 0; n < FAULT_MAX; n++) {
        ig_fault_alloc_after(n);
        int rc = op->attempt(op->ctx);
        long allocs = ig_fault_alloc_count();
        ig_fault_alloc_after(-1);
        /* The count includes the refused allocation: more than n means one failed. */
        int failed = allocs > n;
        op->verify(op->ctx, rc, failed, n);
        if (!failed) break;
        absorbed += rc == 0;
    }
    cr_assert_lt(n, FAULT_MAX, "%s: never succeeded", op->name);
    cr_log_info("%s: %ld allocation points, each failed in turn", op->name, n);
    /* "absorbed": runs that succeeded despite the failure (a rule failed
     * visibly, or the code had a fallback) instead of returning IAMG_ENOMEM. */
    fprintf(stderr, "fault: %-40s %6ld allocation points (%ld absorbed)\n", op->name, n, absorbed);
    EXPECT_NO_LEAKS(op->name);
    return n;
}

static void require_fault_injection(void)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    ig_free(probe);
    cr_assert_null(probe, "test_fault needs a library built with -DIAMGUARD_FAULT_INJECTION=ON");
}

static char *read_source(const char *rel, size_t *len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", IAMG_SOURCE_DIR, rel);
    char *data = slurp(path, len);
    cr_assert_not_null(data, "cannot read %s", path);
    return data;
}

/* ---- inputs ------------------------------------------------------------------------------ */

/* Escapes, astral characters, conditions, NotAction: most of the parser and
 * the model. */
static const char POLICY[] =
    "\xEF\xBB\xBF{\r\n"
    "  \"Version\": \"2012-10-17\",\r\n"
    "  \"Statement\": [\r\n"
    "    {\"Sid\": \"Send\\u00e9\\ud83d\\ude00\", \"Effect\": \"Allow\",\r\n"
    "     \"Action\": [\"ssm:SendCommand\", \"ssm:Start*\"], \"Resource\": \"*\"},\r\n"
    "    {\"Effect\": \"Allow\", \"NotAction\": \"iam:*\", \"Resource\": "
    "[\"arn:aws:ec2:*:*:instance/*\"],\r\n"
    "     \"Condition\": {\"StringLike\": {\"ssm:resourceTag/team\": [\"*\", \"a\\/b\"]},\r\n"
    "                   \"Bool\": {\"aws:MultiFactorAuthPresent\": true}}},\r\n"
    "    {\"Effect\": \"Deny\", \"Action\": \"s3:*\", \"Resource\": \"*\", \"Principal\": "
    "{\"AWS\": \"*\"}}\r\n"
    "  ]\r\n"
    "}\r\n";

/* Short-form tags, an anchor and aliases, a merge key, a block scalar
 * holding a JSON policy, a flow mapping. */
static const char TEMPLATE[] =
    "AWSTemplateFormatVersion: '2010-09-09'\n"
    "Resources:\n"
    "  Role:\n"
    "    Type: AWS::IAM::Role\n"
    "    Properties:\n"
    "      AssumeRolePolicyDocument:\n"
    "        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "
    "sts:AssumeRole}]\n"
    "      Policies:\n"
    "        - PolicyName: !Sub '${AWS::StackName}-ops'\n"
    "          PolicyDocument:\n"
    "            Version: '2012-10-17'\n"
    "            Statement:\n"
    "              - &send\n"
    "                Effect: Allow\n"
    "                Action: [ssm:SendCommand]\n"
    "                Resource: !Sub 'arn:${AWS::Partition}:ec2:*:*:instance/*'\n"
    "              - <<: *send\n"
    "                Sid: Again\n"
    "              - Effect: Allow\n"
    "                Action: ssm:StartSession\n"
    "                Resource: !GetAtt Instance.Arn\n"
    "  Managed:\n"
    "    Type: AWS::IAM::ManagedPolicy\n"
    "    Properties:\n"
    "      PolicyDocument: |\n"
    "        {\"Version\": \"2012-10-17\",\n"
    "         \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ssm:*\", \"Resource\": "
    "\"*\"}]}\n";

/* ---- ig_json_pos_parse ------------------------------------------------------------------------
 */

static void render_tree(buf *b, const tnode *n)
{
    ig_buf_printf(b, "%u[%u,%u)", (unsigned)n->type, (unsigned)n->start, (unsigned)n->end);
    if (n->type == TN_ARRAY) {
        ig_buf_putc(b, '[');
        for (uint32_t i = 0; i < n->n; i++)
            render_tree(b, &n->u.items[i]);
        ig_buf_putc(b, ']');
    } else if (n->type == TN_OBJECT) {
        ig_buf_putc(b, '{');
        for (uint32_t i = 0; i < n->n; i++) {
            render_tree(b, &n->u.members[i].key);
            ig_buf_putc(b, ':');
            render_tree(b, &n->u.members[i].value);
        }
        ig_buf_putc(b, '}');
    } else {
        ig_buf_printf(b, "'%s'", n->u.s);
    }
}

typedef struct parse_ctx {
    const char *data;
    size_t len;
    int yaml;
    arena a;
    tsource src;
    const tnode *root;
    iamg_error err;
    char *want;
} parse_ctx;

static int parse_attempt(void *v)
{
    parse_ctx *c = v;
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    ig_arena_init(&c->a);
    memset(&c->err, 0, sizeof c->err);
    ig_tsource_init_file(&c->src, c->yaml ? "template.yaml" : "policy.json", c->data, c->len);
    if (c->yaml) return ig_yaml_load(&c->src, &c->a, &lim, &c->root, &c->err);
    return ig_json_pos_parse(&c->src, &c->a, 1000, &c->root, &c->err);
}

static void parse_verify(void *v, int rc, int failed, long n)
{
    parse_ctx *c = v;
    if (failed) {
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: rc %d (%s)", n, rc, c->err.message);
        cr_expect_eq(c->err.code, IAMG_ENOMEM);
        cr_expect_neq(c->err.message[0], '\0');
        cr_expect_null(c->root);
    } else {
        cr_assert_eq(rc, 0, "%s", c->err.message);
        buf b = BUF_INIT;
        render_tree(&b, c->root);
        cr_assert(!b.oom);
        if (!c->want)
            c->want = ig_buf_detach(&b);
        else
            cr_expect_str_eq(b.data, c->want);
        ig_buf_free(&b);
    }
    ig_arena_free(&c->a);
}

static long parse_loop(const char *name, const char *data, size_t len, int yaml)
{
    parse_ctx c;
    memset(&c, 0, sizeof c);
    c.data = data;
    c.len = len;
    c.yaml = yaml;
    fault_op op = {name, parse_attempt, parse_verify, &c};
    op.verify(&c, op.attempt(&c), 0, -1); /* the unhindered result */
    long n = fault_loop(&op);
    ig_free(c.want);
    return n;
}

Test(fault, json_pos_parse_of_a_policy)
{
    require_fault_injection();
    cr_expect_gt(parse_loop("ig_json_pos_parse policy", POLICY, sizeof POLICY - 1, 0), 2);
}

Test(fault, yaml_load_of_a_template)
{
    require_fault_injection();
    cr_expect_gt(parse_loop("ig_yaml_load template", TEMPLATE, sizeof TEMPLATE - 1, 1), 3);
}

/* ---- ig_load_buffer, every format ------------------------------------------------------------ */

typedef struct load_ctx {
    const char *path;
    const char *data;
    size_t len;
    loaded l;
    diag_list d;
    char *want;
} load_ctx;

static int load_attempt(void *v)
{
    load_ctx *c = v;
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    memset(&c->d, 0, sizeof c->d);
    return ig_load_buffer(&c->l, c->path, c->data, c->len, LOAD_EXPLICIT, &lim, &c->d);
}

static void load_verify(void *v, int rc, int failed, long n)
{
    load_ctx *c = v;
    if (failed) {
        cr_assert(rc == IAMG_ENOMEM || rc == 0, "%s: allocation %ld: rc %d", c->path, n, rc);
    } else {
        cr_assert_eq(rc, 0, "%s", c->path);
    }
    if (rc == 0) {
        /* A load that absorbed a failure must not have lost anything. */
        buf b = BUF_INIT;
        fc_render(&c->l, &c->d, &b);
        cr_assert(!b.oom);
        if (!c->want)
            c->want = ig_buf_detach(&b);
        else
            cr_expect_str_eq(b.data, c->want, "%s: allocation %ld", c->path, n);
        ig_buf_free(&b);
    }
    ig_loaded_free(&c->l);
    ig_diag_list_free(&c->d);
}

static long load_loop(const char *name, const char *rel_or_null, const char *inline_name,
                      const char *inline_data)
{
    load_ctx c;
    memset(&c, 0, sizeof c);
    char *owned = NULL;
    if (rel_or_null) {
        owned = read_source(rel_or_null, &c.len);
        c.data = owned;
        c.path = rel_or_null;
    } else {
        c.data = inline_data;
        c.len = strlen(inline_data);
        c.path = inline_name;
    }
    fault_op op = {name, load_attempt, load_verify, &c};
    op.verify(&c, op.attempt(&c), 0, -1);
    cr_expect(strstr(c.want, "doc ") != NULL, "%s: no document found", name);
    long n = fault_loop(&op);
    ig_free(c.want);
    free(owned);
    return n;
}

Test(fault, load_buffer_policy)
{
    require_fault_injection();
    load_loop("ig_load_buffer policy", NULL, "policy.json", POLICY);
}

Test(fault, load_buffer_policy_version_url_encoded)
{
    require_fault_injection();
    load_loop("ig_load_buffer policy-version", NULL, "version.json",
              "{\"PolicyVersion\": {\"VersionId\": \"v3\", \"IsDefaultVersion\": false,\n"
              " \"Document\": \"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
              "%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3ASendCommand%22%2C%22Resource"
              "%22%3A%22%2A%22%7D%5D%7D\"}}\n");
}

Test(fault, load_buffer_cloudformation_yaml)
{
    require_fault_injection();
    load_loop("ig_load_buffer cloudformation yaml", NULL, "template.yaml", TEMPLATE);
    load_loop("ig_load_buffer examples/cloudformation", "examples/cloudformation/bastion.yaml",
              NULL, NULL);
}

Test(fault, load_buffer_cloudformation_json)
{
    require_fault_injection();
    load_loop("ig_load_buffer cloudformation json", "tests/cases/formats/cfn-json/input.json", NULL,
              NULL);
}

Test(fault, load_buffer_terraform_plan)
{
    require_fault_injection();
    load_loop("ig_load_buffer terraform plan", "examples/terraform/plan.json", NULL, NULL);
}

Test(fault, load_buffer_account_dump)
{
    require_fault_injection();
    load_loop("ig_load_buffer account dump", "examples/account/authorization-details.json", NULL,
              NULL);
}

/* ---- engine, scans and SARIF -------------------------------------------------------------- */

/* Everything a scan produced, as text, to compare runs. */
static char *render_results(const iamg_results *r)
{
    buf b = BUF_INIT;
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        const iamg_origin *o = &f->origin;
        ig_buf_printf(&b,
                      "finding %s %d %s:%u:%u-%u %s | %s | %s %s | %s | %s | %s %s %s %s %s %s\n",
                      f->rule_id, (int)f->level, f->path, f->line, f->column, f->end_column,
                      f->message, f->snippet, f->fingerprint, f->statement ? f->statement : "-",
                      f->element ? f->element : "-", f->suppressed ? f->suppressed : "-",
                      o->format ? o->format : "-", o->kind ? o->kind : "-",
                      o->container ? o->container : "-", o->logical_id ? o->logical_id : "-",
                      o->address ? o->address : "-", o->pointer ? o->pointer : "-");
        for (size_t k = 0; k < f->nholders; k++)
            ig_buf_printf(&b, "  holder %s %s %s %s %s\n", f->holders[k].type,
                          f->holders[k].id ? f->holders[k].id : "-",
                          f->holders[k].name ? f->holders[k].name : "-",
                          f->holders[k].arn ? f->holders[k].arn : "-", f->holders[k].how);
    }
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        ig_buf_printf(&b, "diag %d %d %s:%u:%u %s %s\n", d->code, (int)d->level,
                      d->path ? d->path : "-", d->line, d->column, d->rule_id ? d->rule_id : "-",
                      d->message);
    }
    const iamg_stats *s = iamg_results_stats(r);
    ig_buf_printf(&b, "stats %zu %zu %zu %zu %zu %zu %zu\n", s->files_seen, s->files_scanned,
                  s->files_skipped, s->files_failed, s->documents, s->statements, s->rule_failures);
    cr_assert(!b.oom);
    return ig_buf_detach(&b);
}

/* A scan that met an allocation failure and still returned results must say
 * so: every finding it kept is one the unhindered scan has, and anything
 * missing is explained by a diagnostic the unhindered scan does not have (a
 * rule whose state ran out of memory fails visibly; the exit status is 3). */
static void expect_explained(const char *name, long n, const char *got, const char *want)
{
    if (strcmp(got, want) == 0) return;
    int new_diag = 0;
    for (const char *line = got; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        char *l = strndup(line, len);
        cr_assert_not_null(l);
        if (strncmp(l, "finding ", 8) == 0)
            cr_expect(strstr(want, l) != NULL,
                      "%s: allocation %ld: finding not in the unhindered scan: %s", name, n, l);
        else if (strncmp(l, "diag ", 5) == 0 && !strstr(want, l))
            new_diag |= strncmp(l, "diag -6 ", 8) == 0 || strncmp(l, "diag -1 ", 8) == 0;
        free(l);
        line += len;
    }
    cr_expect(new_diag,
              "%s: allocation %ld: results differ from the unhindered scan with no rule failure "
              "or out-of-memory diagnostic to say why\n--- got\n%s--- want\n%s",
              name, n, got, want);
}

typedef struct scan_ctx {
    const char *name;
    iamg_engine *e;
    const char *file; /* iamg_scan_buffer: name and bytes */
    const char *data;
    size_t len;
    const char *const *paths; /* else iamg_scan_paths */
    size_t npaths;
    const char *base;
    unsigned shards; /* > 1: scan shard 1 of that many */
    int effective;   /* --effective */
    iamg_results *r;
    iamg_error err;
    char *want;
} scan_ctx;

static int scan_attempt(void *v)
{
    scan_ctx *c = v;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    /* One job: the scan runs on this thread, where the fault counters are. */
    so.jobs = 1;
    so.base_dir = c->base;
    so.today = "2024-01-01";
    so.shard_count = c->shards;
    so.effective = c->effective;
    c->r = NULL;
    memset(&c->err, 0, sizeof c->err);
    if (c->paths) return iamg_scan_paths(c->e, c->paths, c->npaths, &so, &c->r, &c->err);
    return iamg_scan_buffer(c->e, c->file, c->data, c->len, &so, &c->r, &c->err);
}

static void scan_verify(void *v, int rc, int failed, long n)
{
    scan_ctx *c = v;
    if (rc != 0) {
        cr_assert(failed, "%s: %s", c->name, c->err.message);
        cr_assert_eq(rc, IAMG_ENOMEM, "%s: allocation %ld: rc %d (%s)", c->name, n, rc,
                     c->err.message);
        cr_expect_neq(c->err.message[0], '\0');
        cr_expect_null(c->r);
        return;
    }
    char *got = render_results(c->r);
    if (!c->want)
        c->want = got;
    else if (!failed)
        cr_expect_str_eq(got, c->want, "%s", c->name);
    else
        expect_explained(c->name, n, got, c->want);
    if (got != c->want) free(got);
    iamg_results_free(c->r);
    c->r = NULL;
}

static iamg_engine *builtin_engine(void)
{
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    return e;
}

typedef struct engine_ctx {
    iamg_engine *e;
    iamg_error err;
    size_t want_rules;
} engine_ctx;

static int engine_attempt(void *v)
{
    engine_ctx *c = v;
    c->e = NULL;
    memset(&c->err, 0, sizeof c->err);
    return iamg_engine_new(NULL, &c->e, &c->err);
}

static void engine_verify(void *v, int rc, int failed, long n)
{
    engine_ctx *c = v;
    if (rc != 0) {
        cr_assert(failed);
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: rc %d (%s)", n, rc, c->err.message);
        cr_expect_neq(c->err.message[0], '\0');
        return;
    }
    cr_expect_eq(iamg_engine_rule_count(c->e), c->want_rules, "allocation %ld", n);
    cr_expect_eq(iamg_engine_diag_count(c->e), 0, "allocation %ld: %s", n,
                 iamg_engine_diag_count(c->e) ? iamg_engine_diag(c->e, 0)->message : "");
    iamg_engine_free(c->e);
}

Test(fault, engine_creation)
{
    require_fault_injection();
    engine_ctx c;
    memset(&c, 0, sizeof c);
    iamg_engine *e = builtin_engine();
    c.want_rules = iamg_engine_rule_count(e);
    iamg_engine_free(e);
    fault_op op = {"iamg_engine_new (built-in rules)", engine_attempt, engine_verify, &c};
    cr_expect_gt(fault_loop(&op), 10);
}

static long scan_loop(scan_ctx *c)
{
    fault_op op = {c->name, scan_attempt, scan_verify, c};
    op.verify(c, op.attempt(c), 0, -1);
    long n = fault_loop(&op);
    free(c->want);
    c->want = NULL;
    return n;
}

Test(fault, scan_buffer_with_builtin_rules)
{
    require_fault_injection();
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.e = builtin_engine();
    c.name = "iamg_scan_buffer policy";
    c.file = "policies/policy.json";
    c.data = POLICY;
    c.len = sizeof POLICY - 1;
    scan_loop(&c);
    c.name = "iamg_scan_buffer template";
    c.file = "stacks/template.yaml";
    c.data = TEMPLATE;
    c.len = sizeof TEMPLATE - 1;
    scan_loop(&c);
    c.name = "iamg_scan_buffer broken file";
    c.file = "broken.json";
    c.data = "{\"Statement\": [\n  {\"Effect\": \"Allow\",, }\n";
    c.len = strlen(c.data);
    scan_loop(&c);
    iamg_engine_free(c.e);
}

typedef struct sarif_ctx {
    iamg_engine *e;
    iamg_results *r;
    char *text;
    size_t len;
    iamg_error err;
    char *want;
} sarif_ctx;

static int sarif_attempt(void *v)
{
    sarif_ctx *c = v;
    c->text = NULL;
    c->len = 0;
    FILE *f = open_memstream(&c->text, &c->len);
    if (!f) return IAMG_EIO;
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.working_directory = "/src/repo";
    oo.include_suppressed = 1;
    int rc = iamg_write_sarif(f, c->e, c->r, &oo, &c->err);
    fclose(f);
    return rc;
}

static void sarif_verify(void *v, int rc, int failed, long n)
{
    sarif_ctx *c = v;
    if (rc != 0) {
        cr_assert(failed);
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: rc %d (%s)", n, rc, c->err.message);
    } else if (!c->want) {
        c->want = c->text;
        c->text = NULL;
    } else {
        cr_expect_str_eq(c->text, c->want, "allocation %ld", n);
    }
    free(c->text);
    c->text = NULL;
}

Test(fault, write_sarif)
{
    require_fault_injection();
    sarif_ctx c;
    memset(&c, 0, sizeof c);
    c.e = builtin_engine();
    /* Findings, a suppressed one, an input problem and a rule failure. */
    static const char broken_rule[] = "return { id = 'T-BROKEN', short_description = 'Fails.',"
                                      " check = function() error('boom') end }";
    cr_assert_eq(iamg_engine_add_rule_source(c.e, "rules/broken.lua", broken_rule,
                                             sizeof broken_rule - 1, &c.err),
                 0);
    static const char both[] = "{\"Statement\": [{\"Sid\": \"Ops\", \"Effect\": \"Allow\","
                               " \"Action\": [\"ssm:SendCommand\", \"ssm:StartSession\"],"
                               " \"Resource\": \"*\"}]}\n";
    iamg_allow allow = {"IAM-SSM-2", NULL,      NULL, NULL, NULL, "Ops", "sessions are audited",
                        NULL,        "config:3"};
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    so.allow = &allow;
    so.nallow = 1;
    cr_assert_eq(
        iamg_scan_buffer(c.e, "policies/ops.json", both, sizeof both - 1, &so, &c.r, &c.err), 0);
    cr_assert_geq(iamg_results_count(c.r), 2);
    fault_op op = {"iamg_write_sarif", sarif_attempt, sarif_verify, &c};
    op.verify(&c, op.attempt(&c), 0, -1);
    cr_expect_gt(fault_loop(&op), 10);
    iamg_results_free(c.r);
    c.r = NULL;
    cr_assert_eq(iamg_scan_buffer(c.e, "broken.yaml", "a: [\n", 5, &so, &c.r, &c.err), 0);
    free(c.want);
    c.want = NULL;
    op.name = "iamg_write_sarif (input problem)";
    op.verify(&c, op.attempt(&c), 0, -1);
    fault_loop(&op);
    free(c.want);
    iamg_results_free(c.r);
    iamg_engine_free(c.e);
}

/* ---- the other writers: GitLab, JUnit, HTML, JSON; a scan that lists documents -------- */

typedef struct writer_ctx {
    sarif_ctx base;
    iamg_writer_fn writer;
} writer_ctx;

static int writer_attempt(void *v)
{
    writer_ctx *c = v;
    c->base.text = NULL;
    c->base.len = 0;
    FILE *f = open_memstream(&c->base.text, &c->base.len);
    if (!f) return IAMG_EIO;
    iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
    oo.working_directory = "/src/repo";
    oo.include_suppressed = 1;
    static const iamg_output_setting settings[] = {{"fail-on", "error"}, {"exclude", "x/**"}};
    oo.settings = settings;
    oo.nsettings = 2;
    int rc = c->writer(f, c->base.e, c->base.r, &oo, &c->base.err);
    fclose(f);
    return rc;
}

static void writer_verify(void *v, int rc, int failed, long n)
{
    sarif_verify(&((writer_ctx *)v)->base, rc, failed, n);
}

typedef struct doc_scan_ctx {
    iamg_engine *e;
    const char *text;
    iamg_results *r;
    iamg_error err;
} doc_scan_ctx;

static int doc_scan_attempt(void *v)
{
    doc_scan_ctx *c = v;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    so.documents = 1;
    return iamg_scan_buffer(c->e, "stack.json", c->text, strlen(c->text), &so, &c->r, &c->err);
}

static void doc_scan_verify(void *v, int rc, int failed, long n)
{
    doc_scan_ctx *c = v;
    if (rc != 0) {
        cr_assert(failed);
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: rc %d (%s)", n, rc, c->err.message);
        cr_assert_null(c->r);
    } else {
        cr_assert_eq(iamg_results_document_count(c->r), 3, "allocation %ld", n);
        cr_assert_str_eq(iamg_results_document(c->r, 2)->origin.container,
                         "AWS::IAM::Role B, policy 'p'");
    }
    iamg_results_free(c->r);
    c->r = NULL;
}

Test(fault, write_other_formats)
{
    require_fault_injection();
    writer_ctx c;
    memset(&c, 0, sizeof c);
    c.base.e = builtin_engine();
    static const char stack[] =
        "{\"Resources\": {"
        "\"A\": {\"Type\": \"AWS::IAM::ManagedPolicy\", \"Properties\": {\"PolicyDocument\":"
        " {\"Statement\": [{\"Sid\": \"Ops\", \"Effect\": \"Allow\","
        " \"Action\": [\"ssm:SendCommand\", \"ssm:StartSession\"], \"Resource\": \"*\"}]}}},"
        "\"B\": {\"Type\": \"AWS::IAM::Role\", \"Properties\": {\"AssumeRolePolicyDocument\": {},"
        " \"Policies\": [{\"PolicyName\": \"p\", \"PolicyDocument\": {\"Statement\": [{\"Effect\":"
        " \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\", \"Bad\": 1}]}}]}}}}\n";
    doc_scan_ctx d = {c.base.e, stack, NULL, {0}};
    fault_op scan_op = {"iamg_scan_buffer (documents listed)", doc_scan_attempt, doc_scan_verify,
                        &d};
    fault_loop(&scan_op);

    iamg_allow allow = {.rule = "IAM-SSM-2",
                        .sid = "Ops",
                        .justification = "audited",
                        .expires = "2999-01-01",
                        .where = "config:3"};
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    so.allow = &allow;
    so.nallow = 1;
    so.documents = 1;
    cr_assert_eq(iamg_scan_buffer(c.base.e, "stack.json", stack, sizeof stack - 1, &so, &c.base.r,
                                  &c.base.err),
                 0);
    cr_assert_geq(iamg_results_count(c.base.r), 2);
    static const struct {
        const char *name;
        iamg_writer_fn fn;
    } writers[] = {{"iamg_write_gitlab", iamg_write_gitlab},
                   {"iamg_write_junit", iamg_write_junit},
                   {"iamg_write_html", iamg_write_html},
                   {"iamg_write_json", iamg_write_json}};
    for (size_t i = 0; i < sizeof writers / sizeof *writers; i++) {
        c.writer = writers[i].fn;
        fault_op op = {writers[i].name, writer_attempt, writer_verify, &c};
        op.verify(&c, op.attempt(&c), 0, -1);
        fault_loop(&op);
        free(c.base.want);
        c.base.want = NULL;
    }
    iamg_results_free(c.base.r);
    iamg_engine_free(c.base.e);
}

/* ---- iamg_scan_paths: allocations and file reads ---------------------------------------- */

typedef struct tree {
    char root[64];
    char paths[8][256];
    size_t n;
} tree;

static void tree_add(tree *t, const char *rel, const char *text)
{
    char *p = t->paths[t->n++];
    snprintf(p, 256, "%s/%s", t->root, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
    fclose(f);
}

/* A folder with a finding in a policy, one in a template, a broken file and a
 * file that is not an IAM input. */
static void tree_make(tree *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->root, sizeof t->root, "/tmp/iamg-fault-XXXXXX");
    cr_assert_not_null(mkdtemp(t->root));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/stacks", t->root);
    cr_assert_eq(mkdir(sub, 0700), 0);
    tree_add(t, "a.json", POLICY);
    tree_add(t, "broken.json", "{\"Statement\": [\n  {\"Effect\": \"Allow\",, }\n");
    tree_add(t, "package.json", "{\"name\": \"x\"}\n");
    tree_add(t, "stacks/template.yaml", TEMPLATE);
}

static void tree_remove(tree *t)
{
    for (size_t i = 0; i < t->n; i++)
        unlink(t->paths[i]);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/stacks", t->root);
    rmdir(sub);
    rmdir(t->root);
}

/* Principals, attached AWS managed policies (the snapshot is loaded by the
 * first, unhindered scan), check_principal-free rules, and --effective. */
Test(fault, scan_principals_and_attachments)
{
    require_fault_injection();
    static const char *const files[] = {"tests/cases/principals/cfn-attachments/template.yaml",
                                        "tests/cases/principals/tfplan-attachments/plan.json",
                                        "tests/cases/principals/account-dump-attachments/dump.json",
                                        "tests/cases/effective/template.yaml"};
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.e = builtin_engine();
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        size_t len;
        char *data = read_source(files[i], &len);
        c.name = files[i];
        c.file = strrchr(files[i], '/') + 1;
        c.data = data;
        c.len = len;
        c.effective = i == 3;
        cr_expect_gt(scan_loop(&c), 10, "%s", files[i]);
        free(data);
    }
    iamg_engine_free(c.e);
}

Test(fault, scan_paths_allocations)
{
    require_fault_injection();
    tree t;
    tree_make(&t);
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.e = builtin_engine();
    const char *paths[] = {t.root};
    c.name = "iamg_scan_paths folder";
    c.paths = paths;
    c.npaths = 1;
    c.base = t.root;
    cr_expect_gt(scan_loop(&c), 100);
    iamg_engine_free(c.e);
    tree_remove(&t);
}

/* A shard lists every file first, on this thread: the walk's allocations
 * (a file named twice is kept once) and the file list fail in turn too. */
Test(fault, scan_paths_shard_allocations)
{
    require_fault_injection();
    tree t;
    tree_make(&t);
    scan_ctx c;
    memset(&c, 0, sizeof c);
    c.e = builtin_engine();
    const char *paths[] = {t.root, t.paths[0]};
    c.name = "iamg_scan_paths shard 1/2";
    c.paths = paths;
    c.npaths = 2;
    c.base = t.root;
    c.shards = 2;
    cr_expect_gt(scan_loop(&c), 50);
    iamg_engine_free(c.e);
    tree_remove(&t);
}

/* Does the rendered result line `line` (a "finding ..." line) belong to a
 * file in the list? */
static int finding_in(const char *line, char failed[][256], size_t nfailed)
{
    const char *path = strchr(strchr(line + 8, ' ') + 1, ' ') + 1;
    for (size_t i = 0; i < nfailed; i++) {
        size_t l = strlen(failed[i]);
        if (strncmp(path, failed[i], l) == 0 && path[l] == ':') return 1;
    }
    return 0;
}

/* The (n+1)-th file read and all later ones fail: each of those files is
 * reported with its path, and every file read before still has all its
 * findings. */
Test(fault, scan_paths_file_reads)
{
    require_fault_injection();
    tree t;
    tree_make(&t);
    iamg_engine *e = builtin_engine();
    const char *paths[] = {t.root};
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    so.base_dir = t.root;
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0);
    char *want = render_results(r);
    size_t files = iamg_results_stats(r)->files_seen;
    iamg_results_free(r);
    cr_assert_geq(files, 4);
    long n;
    for (n = 0;; n++) {
        ig_fault_read_after(n);
        int rc = iamg_scan_paths(e, paths, 1, &so, &r, &err);
        ig_fault_read_after(-1);
        cr_assert_eq(rc, 0, "read %ld: %s", n, err.message);
        char failed[8][256];
        size_t nfailed = 0;
        for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
            const iamg_diag *d = iamg_results_diag(r, i);
            if (d->message && strstr(d->message, "injected read failure")) {
                cr_expect_eq(d->code, IAMG_EIO);
                cr_expect_eq(d->level, IAMG_LEVEL_ERROR);
                cr_assert_not_null(d->path);
                cr_assert_lt(nfailed, 8);
                snprintf(failed[nfailed++], 256, "%s", d->path);
            }
        }
        char *got = render_results(r);
        cr_expect_eq(iamg_results_stats(r)->files_seen, files);
        if ((size_t)n >= files) {
            cr_expect_eq(nfailed, 0);
            cr_expect_str_eq(got, want);
            free(got);
            iamg_results_free(r);
            break;
        }
        cr_expect_eq(nfailed, files - (size_t)n, "read %ld", n);
        /* Every finding of a file that was read is there, and no other. */
        size_t want_kept = 0;
        for (const char *p = want; (p = strstr(p, "finding ")); p++) {
            const char *end = strchr(p, '\n');
            if (finding_in(p, failed, nfailed)) continue;
            want_kept++;
            char *line = strndup(p, (size_t)(end - p) + 1);
            cr_assert_not_null(line);
            cr_expect(strstr(got, line) != NULL, "read %ld: lost %s", n, line);
            free(line);
        }
        cr_expect_eq(iamg_results_count(r), want_kept, "read %ld", n);
        free(got);
        iamg_results_free(r);
    }
    fprintf(stderr, "fault: %-40s %6ld file reads\n", "iamg_scan_paths reads", n);
    free(want);
    iamg_engine_free(e);
    tree_remove(&t);
    EXPECT_NO_LEAKS("iamg_scan_paths reads");
}

/* ---- iamg_merge: the shards of a scan into one SARIF log ---------------------------------- */

typedef struct merge_ctx {
    const char *paths[2];
    const iamg_engine *e; /* describes the rules for the JSON report of the merged results */
    char *want;           /* the merged log of an unhindered run */
    iamg_error err;
} merge_ctx;

/* The merged log of the shards, as text; NULL with the status in *rc. */
static char *merge_text(merge_ctx *c, int *rc)
{
    iamg_merge *m = NULL;
    memset(&c->err, 0, sizeof c->err);
    *rc = iamg_merge_load(c->paths, 2, NULL, &m, &c->err);
    if (*rc) return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    *rc = iamg_merge_write(f, m, &c->err);
    /* Then the merged results read back, as `merge -f json` writes them. */
    iamg_results *r = NULL;
    if (!*rc) *rc = iamg_merge_results(m, &r, &c->err);
    if (!*rc) *rc = iamg_write_json(f, c->e, r, NULL, &c->err);
    iamg_results_free(r);
    fclose(f);
    iamg_merge_free(m);
    if (*rc) {
        free(text);
        return NULL;
    }
    return text;
}

static char *merge_got;

static int merge_attempt(void *v)
{
    int rc;
    merge_got = merge_text(v, &rc);
    return rc;
}

static void merge_verify(void *v, int rc, int failed, long n)
{
    merge_ctx *c = v;
    if (rc != 0) {
        cr_assert(failed, "allocation %ld: rc %d without an injected failure", n, rc);
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: rc %d (%s)", n, rc, c->err.message);
        cr_expect_neq(c->err.message[0], '\0');
        return;
    }
    cr_expect_str_eq(merge_got, c->want, "allocation %ld", n);
    free(merge_got);
    merge_got = NULL;
}

Test(fault, merge_shards)
{
    require_fault_injection();
    tree t;
    tree_make(&t);
    iamg_engine *e = builtin_engine();
    char shard[2][160];
    for (unsigned k = 0; k < 2; k++) {
        iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
        so.base_dir = t.root;
        so.jobs = 1;
        so.shard_index = k;
        so.shard_count = 2;
        so.documents = 1;
        const char *paths[] = {t.root};
        iamg_results *r = NULL;
        iamg_error err;
        cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0, "%s", err.message);
        snprintf(shard[k], sizeof shard[k], "%s-shard%u.sarif", t.root, k);
        cr_assert_eq(iamg_write_file_atomic(shard[k], iamg_write_sarif, e, r, NULL, &err), 0, "%s",
                     err.message);
        iamg_results_free(r);
    }
    merge_ctx c;
    memset(&c, 0, sizeof c);
    c.e = e;
    c.paths[0] = shard[0];
    c.paths[1] = shard[1];
    int rc;
    c.want = merge_text(&c, &rc);
    cr_assert_not_null(c.want, "%s", c.err.message);
    fault_op op = {"iamg_merge_load, write and results", merge_attempt, merge_verify, &c};
    cr_expect_gt(fault_loop(&op), 3);
    free(c.want);
    iamg_engine_free(e);
    unlink(shard[0]);
    unlink(shard[1]);
    tree_remove(&t);
}
