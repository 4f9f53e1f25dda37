/*
 * The rule platform: parameters rules declare and configuration sets,
 * require() of modules from a rule's folder and of built-in modules (with
 * the path checks), and instances that keep no state across documents.
 * Every test runs real rules through the public API.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/files.h"
#include "iamguard/iamguard.h"

static const char policy[] = "{\n"
                             "  \"Version\": \"2012-10-17\",\n"
                             "  \"Statement\": [\n"
                             "    {\"Sid\": \"One\", \"Effect\": \"Allow\", \"Action\": "
                             "\"ssm:SendCommand\", \"Resource\": \"*\"}\n"
                             "  ]\n"
                             "}\n";

static iamg_engine *engine_src(const char *src)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_rule_source(e, "t.lua", src, strlen(src), &err), 0, "%s",
                 err.message);
    return e;
}

static iamg_results *scan_text(iamg_engine *e, const char *text)
{
    iamg_results *r;
    iamg_error err;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", text, strlen(text), &so, &r, &err), 0, "%s",
                 err.message);
    return r;
}

static const iamg_diag *rule_failure(const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        if (iamg_results_diag(r, i)->code == IAMG_ERULE) return iamg_results_diag(r, i);
    return NULL;
}

/* The messages of a scan's findings, joined by '|' (new string). */
static char *messages(const iamg_results *r)
{
    size_t cap = 16;
    for (size_t i = 0; i < iamg_results_count(r); i++)
        cap += strlen(iamg_results_get(r, i)->message) + 1;
    char *s = calloc(1, cap);
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        if (i) strcat(s, "|");
        strcat(s, iamg_results_get(r, i)->message);
    }
    return s;
}

/* Scan `text` with the engine and compare the joined messages. */
static void expect_messages(iamg_engine *e, const char *text, const char *want)
{
    iamg_results *r = scan_text(e, text);
    const iamg_diag *d = rule_failure(r);
    cr_expect_null(d, "rule failed: %s", d ? d->message : "");
    char *got = messages(r);
    cr_expect_str_eq(got, want);
    free(got);
    iamg_results_free(r);
}

/* ---- parameters ---- */

static const char params_rule[] =
    "return { id = 'P-1', short_description = 'params.', level = 'note',\n"
    "  params = {\n"
    "    authorized_principals = { 'arn:aws:iam::*:role/BreakGlass*' },\n"
    "    max_actions = 3,\n"
    "    ratio = 0.5,\n"
    "    strict = false,\n"
    "    action = { default = 'ssm:SendCommand', description = 'The action to look for.' },\n"
    "  },\n"
    "  check = function(policy, report, params)\n"
    "    local p = params\n"
    "    report{ message = table.concat(p.authorized_principals, ',') .. ' ' .. p.max_actions\n"
    "      .. ' ' .. math.type(p.max_actions) .. ' ' .. p.ratio .. ' ' .. tostring(p.strict)\n"
    "      .. ' ' .. p.action .. ' ' .. #p.authorized_principals }\n"
    "    assert(not pcall(function() p.max_actions = 99 end), 'params changed')\n"
    "    assert(not pcall(function() p.authorized_principals[1] = 'x' end), 'list changed')\n"
    "  end }\n";

Test(params, defaults_reach_check)
{
    iamg_engine *e = engine_src(params_rule);
    cr_assert_eq(iamg_engine_diag_count(e), 0, "%s", iamg_engine_diag(e, 0)->message);
    const iamg_rule_info *ri = iamg_engine_find_rule(e, "P-1");
    cr_assert_eq(ri->nparams, 5);
    /* sorted by name */
    cr_expect_str_eq(ri->params[0].name, "action");
    cr_expect_str_eq(ri->params[0].description, "The action to look for.");
    cr_expect_eq(ri->params[0].default_value.type, IAMG_PARAM_STRING);
    cr_expect_str_eq(ri->params[1].name, "authorized_principals");
    cr_expect_eq(ri->params[1].default_value.type, IAMG_PARAM_LIST);
    cr_expect_eq(ri->params[1].default_value.nlist, 1);
    cr_expect_str_eq(ri->params[2].name, "max_actions");
    cr_expect_eq(ri->params[2].default_value.type, IAMG_PARAM_INTEGER);
    cr_expect_eq(ri->params[3].default_value.type, IAMG_PARAM_NUMBER);
    cr_expect_eq(ri->params[4].default_value.type, IAMG_PARAM_BOOLEAN);
    cr_expect_null(ri->params[4].description);
    /* The table is read-only, so nothing a rule does to it reaches the next call. */
    const char *want = "arn:aws:iam::*:role/BreakGlass* 3 integer 0.5 false ssm:SendCommand 1";
    expect_messages(e, policy, want);
    expect_messages(e, policy, want);
    iamg_engine_free(e);
}

Test(params, set_by_value_and_text)
{
    iamg_engine *e = engine_src(params_rule);
    iamg_error err;
    const char *list[] = {"arn:aws:iam::1:role/A", "B"};
    iamg_param_value v = {0};
    v.type = IAMG_PARAM_LIST;
    v.list = list;
    v.nlist = 2;
    cr_assert_eq(iamg_engine_set_param(e, "P-1", "authorized_principals", &v, &err), 0, "%s",
                 err.message);
    memset(&v, 0, sizeof v);
    v.type = IAMG_PARAM_INTEGER;
    v.integer = 2;
    cr_assert_eq(iamg_engine_set_param(e, "P-1", "ratio", &v, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_set_param_text(e, "P-1", "strict", "true", &err), 0, "%s",
                 err.message);
    cr_assert_eq(iamg_engine_set_param_text(e, "P-1", "max_actions", "12", &err), 0, "%s",
                 err.message);
    expect_messages(e, policy, "arn:aws:iam::1:role/A,B 12 integer 2.0 true ssm:SendCommand 2");
    cr_assert_eq(iamg_engine_set_param_text(e, "P-1", "authorized_principals", "", &err), 0);
    expect_messages(e, policy, " 12 integer 2.0 true ssm:SendCommand 0");

    /* Wrong names and types are usage errors that say what is expected. */
    cr_expect_eq(iamg_engine_set_param_text(e, "P-1", "nope", "1", &err), IAMG_EUSAGE);
    cr_expect(strstr(err.message, "no parameter 'nope'") && strstr(err.message, "max_actions"),
              "%s", err.message);
    cr_expect_eq(iamg_engine_set_param_text(e, "P-1", "max_actions", "1.5", &err), IAMG_EUSAGE);
    cr_expect(strstr(err.message, "whole number"), "%s", err.message);
    cr_expect_eq(iamg_engine_set_param_text(e, "P-1", "strict", "yes", &err), IAMG_EUSAGE);
    memset(&v, 0, sizeof v);
    v.type = IAMG_PARAM_STRING;
    v.string = "x";
    cr_expect_eq(iamg_engine_set_param(e, "P-1", "authorized_principals", &v, &err), IAMG_EUSAGE);
    cr_expect(strstr(err.message, "list of strings"), "%s", err.message);
    cr_expect_eq(iamg_engine_set_param(e, "NOPE", "x", &v, &err), IAMG_EUSAGE);
    iamg_engine_free(e);
}

Test(params, bad_declarations)
{
    static const struct {
        const char *params, *expect;
    } cases[] = {
        {"7", "'params' must be a table"},
        {"{ [1] = 'x' }", "identifiers"},
        {"{ ['a b'] = 1 }", "identifiers"},
        {"{ f = function() end }", "not function"},
        {"{ l = { 'a', 3 } }", "item 2 of the default is not a string"},
        {"{ l = { a = 1 } }", "list of strings"},
        {"{ d = { default = 1, help = 'x' } }", "only 'default' and 'description'"},
        {"{ d = { default = 1, description = 3 } }", "must be a string"},
        {"{ n = 0/0 }", "finite"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return { id = 'X', short_description = 'x', params = %s, check = function() "
                 "end }",
                 cases[i].params);
        iamg_engine *e = engine_src(src);
        cr_expect_eq(iamg_engine_diag_count(e), 1, "case %zu: no load failure", i);
        if (iamg_engine_diag_count(e))
            cr_expect(strstr(iamg_engine_diag(e, 0)->message, cases[i].expect), "case %zu: %s", i,
                      iamg_engine_diag(e, 0)->message);
        iamg_engine_free(e);
    }
}

/* ---- require ---- */

static char *root;

static void sub(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    cr_assert_eq(mkdir(path, 0777), 0, "%s", path);
}

static void make_root(void)
{
    root = tmp_dir("platform");
}

static void remove_root(void)
{
    cr_expect_eq(rm_tree(root), 0);
    free(root);
}

static iamg_engine *engine_dir(const char *rel)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0);
    cr_assert_eq(iamg_engine_add_rules_dir(e, path, &err), 0, "%s", err.message);
    return e;
}

#define REQ_RULE(id, body)                                                                         \
    "return { id = '" id "', short_description = 'x', level = 'note',\n"                           \
    "  check = function(policy, report, params)\n" body "\n  end }\n"

Test(require, folder_lib_and_dotted)
{
    make_root();
    sub("rules");
    sub("rules/lib");
    sub("rules/lib/checks");
    write_text(root, "rules/util.lua",
               "local M = {}\nfunction M.hello() return 'util' end\nreturn M\n");
    write_text(root, "rules/lib/tags.lua", "return { name = function() return 'tags' end }\n");
    write_text(root, "rules/lib/checks/deep.lua",
               "local t = require('tags')\n"
               "return { name = function() return 'deep+' .. t.name() end }\n");
    write_text(root, "rules/r.lua",
               "local u = require('util')\n"
               "local d = require('checks.deep')\n"
               "assert(require('util') == u)\n" REQ_RULE(
                   "R", "report{ message = u.hello() .. ' ' .. d.name() }"));
    iamg_engine *e = engine_dir("rules");
    /* util.lua returns no rule, but r.lua requires it: it is a module. */
    cr_assert_eq(iamg_engine_diag_count(e), 0, "%s", iamg_engine_diag(e, 0)->message);
    cr_expect_eq(iamg_engine_rule_count(e), 1);
    cr_assert_eq(iamg_engine_module_count(e), 3);
    expect_messages(e, policy, "util deep+tags");
    iamg_engine_free(e);

    /* A file that is neither a rule nor required is still a broken rule file. */
    write_text(root, "rules/stray.lua", "return { helper = 1 }\n");
    e = engine_dir("rules");
    cr_assert_eq(iamg_engine_diag_count(e), 1);
    cr_expect(strstr(iamg_engine_diag(e, 0)->path, "stray.lua"));
    cr_expect(strstr(iamg_engine_diag(e, 0)->message, "lib/"), "%s",
              iamg_engine_diag(e, 0)->message);
    iamg_engine_free(e);
    remove_root();
}

Test(require, module_state_is_per_document)
{
    make_root();
    sub("rules");
    sub("rules/lib");
    write_text(root, "rules/lib/counter.lua",
               "local n = 0\nreturn { next = function() n = n + 1 return n end }\n");
    write_text(
        root, "rules/r.lua",
        "local c = require('counter')\n" REQ_RULE("R", "report{ message = tostring(c.next()) }"));
    iamg_engine *e = engine_dir("rules");
    expect_messages(e, policy, "1");
    /* Two documents in one file, one worker: each starts afresh. */
    char two[1024];
    snprintf(two, sizeof two, "{\"PolicyVersion\": {\"Document\": %s}}", policy);
    expect_messages(e, two, "1");
    iamg_engine_free(e);
    remove_root();
}

static const char *failure_of(iamg_engine *e)
{
    static char msg[1024];
    msg[0] = '\0';
    if (iamg_engine_diag_count(e)) {
        snprintf(msg, sizeof msg, "%s", iamg_engine_diag(e, 0)->message);
        return msg;
    }
    iamg_results *r = scan_text(e, policy);
    const iamg_diag *d = rule_failure(r);
    if (d) snprintf(msg, sizeof msg, "%s", d->message);
    iamg_results_free(r);
    return msg;
}

Test(require, refused_names_and_links)
{
    make_root();
    sub("rules");
    sub("rules/lib");
    sub("outside");
    write_text(root, "outside/secret.lua", "return { name = 'secret' }\n");
    char target[256], link[256];
    snprintf(target, sizeof target, "%s/outside/secret.lua", root);
    snprintf(link, sizeof link, "%s/rules/lib/linked.lua", root);
    cr_assert_eq(symlink(target, link), 0);
    snprintf(target, sizeof target, "%s/outside", root);
    snprintf(link, sizeof link, "%s/rules/sublink", root);
    cr_assert_eq(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/rules/lib/fifo.lua", root);
    cr_assert_eq(mkfifo(link, 0600), 0);
    static const struct {
        const char *call, *expect;
    } cases[] = {
        {"require('../outside/secret')", "not a module name"},
        {"require('/etc/passwd')", "not a module name"},
        {"require('a/b')", "not a module name"},
        {"require('a..b')", "not a module name"},
        {"require('')", "not a module name"},
        {"require('linked')", "symbolic link"},
        {"require('sublink.secret')", "symbolic link"},
        {"require('fifo')", "not a regular file"},
        {"require('missing')", "not found"},
        {"require('iamguard.nothing')", "no built-in module"},
        {"require('self')", "requires itself"},
        {"require('broken')", "does not compile"},
    };
    write_text(root, "rules/lib/self.lua", "return require('self')\n");
    write_text(root, "rules/lib/broken.lua", "return {\n");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, REQ_RULE("R", "%s"), cases[i].call);
        write_text(root, "rules/r.lua", src);
        iamg_engine *e = engine_dir("rules");
        const char *msg = failure_of(e);
        cr_expect(strstr(msg, cases[i].expect), "case %zu (%s): '%s'", i, cases[i].call, msg);
        iamg_engine_free(e);
    }
    remove_root();
}

Test(require, builtin_modules)
{
    /* A rule without a folder still has the built-in modules... */
    iamg_engine *e = engine_src("local g = require('iamguard.guardrail')\n" REQ_RULE(
        "R", "report{ message = g.statement_name(policy.statements[1]) }"));
    expect_messages(e, policy, "Statement \"One\"");
    iamg_engine_free(e);
    /* ... but no other module. */
    e = engine_src(REQ_RULE("R", "require('util')"));
    cr_expect(strstr(failure_of(e), "has no folder"), "%s", failure_of(e));
    iamg_engine_free(e);
    /* Built-in modules are shared by the state's instances, so read-only. */
    e = engine_src("local g = require('iamguard.guardrail')\n" REQ_RULE(
        "R", "local ok, err = pcall(function() g.statement_name = nil end)\n"
             "report{ message = tostring(ok) .. ' ' .. tostring(err:find('read-only', 1, true) ~= "
             "nil) }"));
    expect_messages(e, policy, "false true");
    iamg_engine_free(e);
}

/* ---- parameters from .iamguard.yml ---- */

static int apply_text(iamg_engine *e, const char *text, iamg_error *err)
{
    iamg_config *c = NULL;
    int rc = iamg_config_load_buffer(".iamguard.yml", text, strlen(text), &c, err);
    if (rc == 0) rc = iamg_config_apply(c, e, NULL, 0, NULL, 0, err);
    iamg_config_free(c);
    return rc;
}

Test(params, from_configuration)
{
    iamg_engine *e = engine_src(params_rule);
    iamg_error err;
    cr_assert_eq(apply_text(e,
                            "rules:\n"
                            "  P-1:\n"
                            "    level: error\n"
                            "    params:\n"
                            "      authorized_principals: [\"arn:aws:iam::*:role/Admin\", 123]\n"
                            "      max_actions: 7\n"
                            "      ratio: 1.25\n"
                            "      strict: true\n"
                            "      action: 42\n",
                            &err),
                 0, "%u:%u: %s", err.line, err.column, err.message);
    cr_expect_eq(iamg_engine_find_rule(e, "P-1")->level, IAMG_LEVEL_ERROR);
    expect_messages(e, policy, "arn:aws:iam::*:role/Admin,123 7 integer 1.25 true 42 2");
    /* A single string is a list of one. */
    cr_assert_eq(
        apply_text(e, "rules: {P-1: {params: {authorized_principals: BreakGlass}}}\n", &err), 0,
        "%s", err.message);
    expect_messages(e, policy, "BreakGlass 7 integer 1.25 true 42 1");
    iamg_engine_free(e);

    static const struct {
        const char *text;
        unsigned line, col;
        const char *expect;
    } bad[] = {
        {"rules:\n  P-1:\n    params:\n      max_action: 3\n", 4, 7,
         "rule P-1 has no parameter 'max_action' (it has: action, authorized_principals, "
         "max_actions, ratio, strict)"},
        {"rules:\n  P-1:\n    params:\n      max_actions: many\n", 4, 20,
         "parameter 'max_actions' of rule P-1 must be a whole number, not a string"},
        {"rules:\n  P-1:\n    params:\n      max_actions: 2.5\n", 4, 20,
         "parameter 'max_actions' of rule P-1 must be a whole number, not 2.5"},
        {"rules:\n  P-1:\n    params:\n      ratio: .inf\n", 4, 14,
         "parameter 'ratio' of rule P-1 must be a number, not .inf"},
        {"rules:\n  P-1:\n    params:\n      max_actions: 0x10\n", 4, 20,
         "parameter 'max_actions' of rule P-1 must be a whole number, not 0x10"},
        {"rules:\n  P-1:\n    params:\n      strict: \"yes\"\n", 4, 15,
         "parameter 'strict' of rule P-1 must be true or false, not a string"},
        {"rules:\n  P-1:\n    params:\n      authorized_principals:\n        - a\n        - {x: "
         "1}\n",
         6, 11,
         "item 2 of parameter 'authorized_principals' of rule P-1 must be a string, not a "
         "mapping"},
        {"rules:\n  P-1:\n    params:\n      action: [a]\n", 4, 15,
         "parameter 'action' of rule P-1 must be a string, not a list"},
        {"rules:\n  P-2:\n    params:\n      action: a\n", 2, 3,
         "unknown rule id 'P-2' (see 'iamguard rules')"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = engine_src(params_rule);
        cr_expect_eq(apply_text(e, bad[i].text, &err), IAMG_EUSAGE, "case %zu", i);
        cr_expect(err.line == bad[i].line && err.column == bad[i].col,
                  "case %zu: at %u:%u, want %u:%u (%s)", i, err.line, err.column, bad[i].line,
                  bad[i].col, err.message);
        cr_expect_str_eq(err.message, bad[i].expect, "case %zu", i);
        iamg_engine_free(e);
    }
}

/* ---- authoring diagnostics ---- */

/* Calling what the sandbox removed says so, and what to use instead. */
Test(authoring, removed_functions_explained)
{
    static const struct {
        const char *call, *expect;
    } cases[] = {
        {"string.match('a', 'a')", "string.match is not available in rules: use iam.* or plain "
                                   "string functions"},
        {"local s = 'abc'; s:gsub('a', 'b')", "string.gsub is not available in rules"},
        {"print('x')", "print is not available in rules: use log(...)"},
        {"io.open('/etc/passwd')", "io is not available in rules"},
        {"unpack({1})", "unpack is not available in rules: use table.unpack"},
        {"load('return 1')", "load is not available in rules"},
        {"local t = {}; t.nothing()", "attempt to call a nil value (field 'nothing')"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, REQ_RULE("R", "%s"), cases[i].call);
        iamg_engine *e = engine_src(src);
        const char *msg = failure_of(e);
        cr_expect(strstr(msg, cases[i].expect), "case %zu: '%s'", i, msg);
        cr_expect(strstr(msg, "t.lua:3"), "case %zu: no line in '%s'", i, msg);
        iamg_engine_free(e);
    }
}

/* With verbose scans, log() lines are notes at the document, in order. */
Test(authoring, log_lines_with_verbose)
{
    iamg_engine *e = engine_src("log('top', 1)\n" REQ_RULE(
        "R", "for i = 1, 12 do log('line', i, nil, true) end\nreport{ message = 'm' }"));
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", policy, strlen(policy), &so, &r, &err), 0);
    cr_expect_eq(iamg_results_diag_count(r), 0, "logs only when verbose");
    iamg_results_free(r);
    so.verbose = 1;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", policy, strlen(policy), &so, &r, &err), 0);
    cr_assert_eq(iamg_results_diag_count(r), 13);
    const iamg_diag *d = iamg_results_diag(r, 0);
    cr_expect_eq(d->code, IAMG_ELOG);
    cr_expect_eq(d->level, IAMG_LEVEL_NOTE);
    cr_expect_str_eq(d->rule_id, "R");
    cr_expect_eq(d->line, 1);
    cr_expect_str_eq(d->message, "(top level) 1/1: top 1");
    cr_expect_str_eq(iamg_results_diag(r, 1)->message, "01/12: line 1 nil true");
    cr_expect_str_eq(iamg_results_diag(r, 12)->message, "12/12: line 12 nil true");
    cr_expect_eq(iamg_results_count(r), 1);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* ---- rule packs built into iamguard ---------------------------------------------------------- */

Test(packs, listed_added_once_and_members_marked)
{
    iamg_pack_info info;
    size_t n = iamg_pack_count();
    cr_assert_geq(n, 1);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(iamg_pack_get(i, &info), 0);
        cr_assert_not_null(info.description);
        found |= strcmp(info.name, "aws-guardrails") == 0;
    }
    cr_assert(found);
    cr_assert_eq(iamg_pack_get(n, &info), IAMG_EUSAGE);
    cr_assert_null(info.name);

    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    size_t builtin = iamg_engine_rule_count(e);
    /* The built-in SSM rules belong to the pack before it is added. */
    const iamg_rule_info *ssm = iamg_engine_find_rule(e, "IAM-SSM-1");
    cr_assert_not_null(ssm);
    cr_assert_str_eq(ssm->pack, "aws-guardrails");
    cr_assert_null(iamg_engine_find_rule(e, "IAM-KMS-3"));

    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrails", &err), 0, "%s", err.message);
    size_t with_pack = iamg_engine_rule_count(e);
    cr_assert_gt(with_pack, builtin);
    cr_assert_eq(iamg_engine_diag_count(e), 0, "%s",
                 iamg_engine_diag_count(e) ? iamg_engine_diag(e, 0)->message : "");
    const iamg_rule_info *kms = iamg_engine_find_rule(e, "IAM-KMS-3");
    cr_assert_not_null(kms);
    cr_assert_str_eq(kms->pack, "aws-guardrails");
    cr_assert(kms->builtin);
    cr_assert_str_eq(kms->source, "builtin/aws-guardrails/kms.lua");
    /* Every rule of the catalogue's ids is the pack's. */
    for (size_t i = 0; i < with_pack; i++)
        if (strncmp(iamg_engine_rule(e, i)->id, "IAM-", 4) == 0)
            cr_assert_str_eq(iamg_engine_rule(e, i)->pack, "aws-guardrails", "%s",
                             iamg_engine_rule(e, i)->id);

    /* A second time adds nothing and reports no duplicate ids. */
    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrails", &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_rule_count(e), with_pack);
    cr_assert_eq(iamg_engine_diag_count(e), 0);

    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrail", &err), IAMG_EUSAGE);
    cr_assert(strstr(err.message, "unknown pack 'aws-guardrail'"), "%s", err.message);
    cr_assert(strstr(err.message, "aws-guardrails"), "%s", err.message);
    iamg_engine_free(e);
}

Test(packs, members_come_without_builtin_rules)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_rule_count(e), 0);
    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrails", &err), 0, "%s", err.message);
    const iamg_rule_info *ssm = iamg_engine_find_rule(e, "IAM-SSM-2");
    cr_assert_not_null(ssm);
    cr_assert_str_eq(ssm->pack, "aws-guardrails");
    cr_assert_eq(iamg_engine_diag_count(e), 0);
    iamg_engine_free(e);
}

Test(packs, pack_rules_require_their_modules_and_report)
{
    static const char key_policy[] =
        "{\"Version\": \"2012-10-17\", \"Statement\": [\n"
        "  {\"Sid\": \"Ops\", \"Effect\": \"Allow\", \"Action\": \"kms:*\", \"Resource\": \"*\"}\n"
        "]}\n";
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_pack(e, "aws-guardrails", &err), 0, "%s", err.message);
    const char *only[] = {"IAM-KMS-3"};
    cr_assert_eq(iamg_engine_select(e, only, 1, NULL, 0, &err), 0, "%s", err.message);
    iamg_results *r = scan_text(e, key_policy);
    cr_assert_null(rule_failure(r), "%s", rule_failure(r) ? rule_failure(r)->message : "");
    cr_assert_eq(iamg_results_count(r), 1);
    const iamg_finding *f = iamg_results_get(r, 0);
    cr_assert_str_eq(f->rule_id, "IAM-KMS-3");
    cr_assert_eq(f->level, IAMG_LEVEL_NOTE); /* no authorized_principals configured */
    cr_assert(strstr(f->message, "kms:ScheduleKeyDeletion"), "%s", f->message);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* ---- what check() is called for: kinds and actions ---------------------------------------- */

static const char identity_s3[] =
    "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}";
static const char identity_kms[] =
    "{\"Statement\": [{\"Effect\": \"Deny\", \"Action\": [\"s3:*\", \"KMS:Decrypt\"], "
    "\"Resource\": \"*\"}]}";
static const char identity_star[] =
    "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"k*:Decrypt\", \"Resource\": \"*\"}]}";
static const char identity_list[] =
    "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"kms:List*\", \"ec2:Describe*\"], "
    "\"Resource\": \"*\"}]}";
static const char identity_notaction[] =
    "{\"Statement\": [{\"Effect\": \"Allow\", \"NotAction\": \"s3:*\", \"Resource\": \"*\"}]}";
static const char trust_doc[] =
    "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, "
    "\"Action\": \"sts:AssumeRole\"}]}";

Test(scope, kinds_and_actions_choose_documents)
{
    iamg_engine *e = engine_src(
        "return {\n"
        "  { id = 'K-1', short_description = 'k.', kinds = { 'trust' },\n"
        "    check = function(p, report) report{ message = 'K-1 ' .. p.kind } end },\n"
        "  { id = 'A-1', short_description = 'a.', actions = { 'kms:Decrypt', 'ec2:Run*' },\n"
        "    check = function(p, report) report{ message = 'A-1' } end },\n"
        "  { id = 'B-1', short_description = 'b.', kinds = { 'identity' }, actions = { '*:Get*' "
        "},\n"
        "    check = function(p, report) report{ message = 'B-1' } end },\n"
        "}\n");
    cr_assert_eq(iamg_engine_diag_count(e), 0, "%s",
                 iamg_engine_diag_count(e) ? iamg_engine_diag(e, 0)->message : "");
    /* s3 only: not a service of A-1's actions; B-1's *:Get* grants s3:GetObject. */
    expect_messages(e, identity_s3, "B-1");
    /* A Deny grants kms:Decrypt (in any case): A-1 is called, whatever the Effect. */
    expect_messages(e, identity_kms, "A-1|B-1");
    /* A wildcard service may be kms; nothing granted is a Get. */
    expect_messages(e, identity_star, "A-1");
    /* The services are A-1's, the actions are not. */
    expect_messages(e, identity_list, "");
    expect_messages(e, identity_notaction, "A-1|B-1");
    /* A statement with a Principal allowing sts:AssumeRole: a trust policy. */
    expect_messages(e, trust_doc, "K-1 trust");
    iamg_engine_free(e);
}

Test(scope, bad_declarations)
{
    static const struct {
        const char *fields, *expect;
    } cases[] = {
        {"kinds = 'identity'", "'kinds' must be a list of policy kinds"},
        {"kinds = { 'identity', 'nope' }", "'kinds' item 2 must be"},
        {"kinds = {}", "'kinds' is empty"},
        {"actions = {}", "'actions' must be a list of 1 to"},
        {"actions = 's3:GetObject'", "'actions' must be a list of 1 to"},
        {"actions = { 's3:GetObject', 'GetObject' }", "'actions' item 2 must be an action"},
        {"actions = { 3 }", "'actions' item 1 must be an action"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return { id = 'X', short_description = 'x', %s, check = function() end }",
                 cases[i].fields);
        iamg_engine *e = engine_src(src);
        cr_expect_eq(iamg_engine_diag_count(e), 1, "case %zu: no load failure", i);
        cr_expect_eq(iamg_engine_rule_count(e), 0, "case %zu: loaded", i);
        if (iamg_engine_diag_count(e))
            cr_expect(strstr(iamg_engine_diag(e, 0)->message, cases[i].expect), "case %zu: %s", i,
                      iamg_engine_diag(e, 0)->message);
        iamg_engine_free(e);
    }
}

/* ---- action sets: iam.action_set, st:grants_any, policy:granting ---------------------------- */

Test(action_sets, first_listed_action_and_where)
{
    iamg_engine *e = engine_src(
        "local SET = iam.action_set({ 'kms:ScheduleKeyDeletion', 'kms:Disable*', 'iam:PassRole' "
        "})\n"
        "return { id = 'S-1', short_description = 's.', check = function(policy, report)\n"
        "  local out = { tostring(#SET), SET.actions[1], SET.actions[#SET.actions] }\n"
        "  for _, st in ipairs(policy.statements) do\n"
        "    local a, el, i, pat = st:grants_any(SET)\n"
        "    out[#out + 1] = st.index .. '=' .. tostring(a) .. '/' .. tostring(el) .. '/'\n"
        "      .. tostring(i) .. '/' .. tostring(pat)\n"
        "  end\n"
        "  for _, g in ipairs(policy:granting(SET, 'Allow')) do\n"
        "    out[#out + 1] = 'allow ' .. g.statement.index .. ' ' .. g.action\n"
        "  end\n"
        "  for _, g in ipairs(policy:granting(SET)) do out[#out + 1] = 'any ' .. g.statement.index "
        "end\n"
        "  report{ message = table.concat(out, ' ') }\n"
        "end }\n");
    cr_assert_eq(iamg_engine_diag_count(e), 0, "%s",
                 iamg_engine_diag_count(e) ? iamg_engine_diag(e, 0)->message : "");
    expect_messages(
        e,
        "{\"Statement\": [\n"
        " {\"Effect\": \"Allow\", \"Action\": [\"s3:*\", \"KMS:disable*\", "
        "\"iam:*\"], \"Resource\": \"*\"},\n"
        " {\"Effect\": \"Deny\", \"NotAction\": \"kms:Schedule*\", \"Resource\": \"*\"},\n"
        " {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n"
        " {\"Effect\": \"Allow\", \"Action\": [\"iam:PassRole\", \"kms:*\"], "
        "\"Resource\": \"*\"}\n"
        "]}",
        "4 kms:ScheduleKeyDeletion iam:PassRole "
        "1=kms:DisableKey/Action/2/KMS:disable* "
        "2=kms:DisableKey/NotAction/nil/nil "
        "3=nil/nil/nil/nil "
        "4=kms:ScheduleKeyDeletion/Action/2/kms:* "
        "allow 1 kms:DisableKey allow 4 kms:ScheduleKeyDeletion any 1 any 2 any 4");
    iamg_engine_free(e);
}

Test(action_sets, mistakes_are_errors)
{
    static const struct {
        const char *code, *expect;
    } cases[] = {
        {"iam.action_set({ 'iam:AddUserToGroup ' })", "names no action of the IAM catalogue"},
        {"iam.action_set({})", "a non-empty list of actions"},
        {"iam.action_set({ 'kms:Decrypt', 7 })", "item 2 is not a string"},
        {"iam.action_set({ 'kms:Decrypt' }).x = 1", "read-only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src,
                 "return { id = 'X', short_description = 'x', check = function(policy, report)\n"
                 "  %s\nend }",
                 cases[i].code);
        iamg_engine *e = engine_src(src);
        iamg_results *r = scan_text(e, identity_s3);
        const iamg_diag *d = rule_failure(r);
        cr_expect_not_null(d, "case %zu: no rule failure", i);
        if (d) cr_expect(strstr(d->message, cases[i].expect), "case %zu: %s", i, d->message);
        iamg_results_free(r);
        iamg_engine_free(e);
    }
}
