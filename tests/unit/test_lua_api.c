/*
 * The rule API as rules see it (docs/RULES.md): fields and methods of policy
 * and statement views, report{} and where its findings point, failures of
 * rules, and isolation between rules. Every test runs real rules through the
 * public API.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "iamguard/iamguard.h"

static iamg_engine *engine_with(const char *rule_src, const iamg_limits *lim)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    if (lim) eo.limits = *lim;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_rule_source(e, "t.lua", rule_src, strlen(rule_src), &err), 0, "%s",
                 err.message);
    return e;
}

static iamg_results *scan(iamg_engine *e, const char *name, const char *text)
{
    iamg_results *r;
    iamg_error err;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    cr_assert_eq(iamg_scan_buffer(e, name, text, strlen(text), &so, &r, &err), 0, "%s",
                 err.message);
    return r;
}

/* The one finding of a run, which must exist. */
static const iamg_finding *only(const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        cr_log_info("diag: %s", iamg_results_diag(r, i)->message);
    cr_assert_eq(iamg_results_count(r), 1, "expected one finding, got %zu", iamg_results_count(r));
    return iamg_results_get(r, 0);
}

static const iamg_diag *rule_failure(const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        if (iamg_results_diag(r, i)->code == IAMG_ERULE) return iamg_results_diag(r, i);
    return NULL;
}

#define RULE(body)                                                                                 \
    "return { id = 'T', short_description = 'test rule.', level = 'note',\n"                       \
    "  check = function(policy, report)\n" body "\n  end }\n"

static const char policy[] = "{\n"
                             "  \"Version\": \"2012-10-17\",\n"
                             "  \"Id\": \"doc-1\",\n"
                             "  \"Statement\": [\n"
                             "    {\n"
                             "      \"Sid\": \"First\",\n"
                             "      \"Effect\": \"Allow\",\n"
                             "      \"Action\": [\"ec2:Describe*\", \"SSM:Send*\"],\n"
                             "      \"Resource\": \"*\",\n"
                             "      \"Condition\": {\"StringEquals\": {\"ssm:resourceTag/Team\": "
                             "[\"a\", \"b\"]}, \"Bool\": {\"aws:SecureTransport\": true}}\n"
                             "    },\n"
                             "    {\n"
                             "      \"Effect\": \"Deny\",\n"
                             "      \"NotAction\": \"iam:*\",\n"
                             "      \"NotResource\": [\"arn:aws:s3:::x\"]\n"
                             "    }\n"
                             "  ]\n"
                             "}\n";

/* Run a rule whose report message is built from the API, and return it. */
static char *message_of(const char *rule_src)
{
    iamg_engine *e = engine_with(rule_src, NULL);
    iamg_results *r = scan(e, "p.json", policy);
    char *m = strdup(only(r)->message);
    iamg_results_free(r);
    iamg_engine_free(e);
    return m;
}

Test(lua_api, policy_fields)
{
    char *m = message_of(RULE(
        "local o = policy.origin\n"
        "report{ message = table.concat({ policy.kind, policy.format, policy.version, policy.id,\n"
        "  policy.file, #policy.statements, o.file, o.format, o.kind, tostring(o.logical_id) }, ' "
        "') }"));
    cr_assert_str_eq(m, "identity policy 2012-10-17 doc-1 p.json 2 p.json policy identity nil");
    free(m);
}

Test(lua_api, statement_fields)
{
    char *m = message_of(RULE(
        "local a, b = policy.statements[1], policy.statements[2]\n"
        "local parts = { a.index, a.sid, a.effect, table.concat(a.actions, ','), "
        "tostring(a.not_actions),\n"
        "  table.concat(a.resources, ','), tostring(a.not_resources), tostring(a.principals),\n"
        "  b.index, tostring(b.sid), b.effect, tostring(b.actions), table.concat(b.not_actions, "
        "','),\n"
        "  table.concat(b.not_resources, ','), tostring(b.not_principal) }\n"
        "report{ message = table.concat(parts, '|') }"));
    cr_assert_str_eq(m, "1|First|Allow|ec2:Describe*,SSM:Send*|nil|*|nil|nil|2|nil|Deny|nil|iam:*|"
                        "arn:aws:s3:::x|false");
    free(m);
}

Test(lua_api, conditions)
{
    char *m = message_of(RULE(
        "local st = policy.statements[1]\n"
        "local out = {}\n"
        "for _, c in ipairs(st.conditions) do\n"
        "  out[#out + 1] = table.concat({ c.index, c.operator, c.base, tostring(c.set), "
        "tostring(c.if_exists),\n"
        "    tostring(c.negated), tostring(c.known), c.key, table.concat(c.values, ',') }, ' ')\n"
        "end\n"
        "out[#out + 1] = #st:conditions_on('SSM:RESOURCETAG/*')\n"
        "out[#out + 1] = #st:conditions_on('aws:*')\n"
        "out[#out + 1] = tostring(st:has('Condition')) .. tostring(st:has('NotAction')) .. "
        "tostring(st:has('Sid'))\n"
        "report{ message = table.concat(out, ';') }"));
    cr_assert_str_eq(m,
                     "1 StringEquals StringEquals nil false false true ssm:resourceTag/Team a,b;"
                     "2 Bool Bool nil false false true aws:SecureTransport true;1;1;truefalsetrue");
    free(m);
}

Test(lua_api, grants_and_reaches)
{
    char *m = message_of(
        RULE("local a, b = policy.statements[1], policy.statements[2]\n"
             "local function s(...) local t = table.pack(...); for i = 1, t.n do t[i] = "
             "tostring(t[i]) end; return table.concat(t, ',') end\n"
             "local probe = 'arn:{partition}:ec2:{region}:{account}:instance/i-1'\n"
             "report{ message = table.concat({ s(a:grants('ssm:SendCommand')), "
             "s(a:grants('s3:GetObject')),\n"
             "  s(b:grants('ssm:SendCommand')), s(b:grants('iam:PassRole')), s(a:reaches(probe)),\n"
             "  s(b:reaches({ probe })), s(b:reaches('arn:aws:s3:::x')) }, ' ') }"));
    cr_assert_str_eq(m, "true,SSM:Send*,2 false true false true,*,1 true false");
    free(m);
}

Test(lua_api, iam_library)
{
    char *m = message_of(RULE(
        "local p = iam.arn_split('arn:aws:s3:::bucket/key:with:colons')\n"
        "local op = iam.parse_operator('ForAllValues:StringNotLikeIfExists')\n"
        "report{ message = table.concat({ tostring(iam.action_match('s3:get*', 'S3:GetObject')),\n"
        "  tostring(iam.arn_match('arn:aws:s3:::B*', 'arn:aws:s3:::bucket')), p.service, "
        "p.resource,\n"
        "  tostring(iam.arn_split('nope')), op.base, op.set, tostring(op.if_exists), "
        "tostring(op.negated),\n"
        "  tostring(iam.key_equal('AWS:SourceIp', 'aws:sourceip')), "
        "tostring(iam.key_match('aws:Principal*', 'AWS:PrincipalTag/x')),\n"
        "  iam.probe('arn:{partition}:ec2:{region}:{account}:x', 'arn:aws-cn:ec2:cn-north-1:1:y') "
        "}, ' ') }"));
    cr_assert_str_eq(
        m,
        "true false s3 bucket/key:with:colons nil StringNotLike ForAllValues true true true true "
        "arn:aws-cn:ec2:cn-north-1:1:x");
    free(m);
}

/* iam.arn_match_any_account: some partition and account make the pattern
 * match; the resource is text, even when it looks like template syntax or
 * holds wildcards and variables. */
Test(lua_api, arn_match_any_account)
{
    char *m = message_of(RULE(
        "local cases = {\n"
        "  {'arn:aws:iam::*:role/BreakGlass*', 'role/BreakGlassOps'},\n"
        "  {'arn:aws:iam::*:role/BreakGlass*', 'user/BreakGlassOps'},\n"
        "  {'arn:aws-us-gov:iam::111122223333:role/Ops', 'role/Ops'},\n"
        "  {'arn:aws:iam::*:role/Ops', 'role/ops/Ops'},\n"
        "  {'arn:aws:iam:::role/x', 'role/x'},\n"
        "  {'arn:aws:iam::a:b:role/x', 'role/x'},\n"
        "  {'arn:aws:iam::1:role/1', 'role/{account}'},\n"
        "  {'arn:aws:iam::1:role/{account}', 'role/{account}'},\n"
        "  {'arn:aws:iam::*:role/${aws:username}', 'role/alice'},\n"
        "  {'arn:aws:iam::*:role/${aws:username}', 'role/${aws:username}'},\n"
        "  {'arn:aws:iam::*:role/a${*}', 'role/ab'},\n"
        "  {'arn:aws:iam::*:role/a${*}', 'role/a*'},\n"
        "  {'arn:aws:iam::?:role/x', 'role/x'},\n"
        "  {'*', 'role/x'},\n"
        "  {'*', string.rep('x', 3000)},\n"
        "}\n"
        "local out = {}\n"
        "for i, c in ipairs(cases) do out[i] = tostring(iam.arn_match_any_account(c[1], c[2])) "
        "end\n"
        "report{ message = table.concat(out, ' ') }"));
    cr_assert_str_eq(
        m, "true false true false true false false true false true false true true true false");
    free(m);
}

/* operator_parse and action_match are the names; parse_operator and
 * key_match their deprecated aliases, the same functions. */
Test(lua_api, iam_library_names)
{
    char *m = message_of(RULE(
        "local a, b = iam.operator_parse('ForAnyValue:StringLike'), "
        "iam.parse_operator('ForAnyValue:StringLike')\n"
        "report{ message = table.concat({ a.base, a.set, tostring(a.base == b.base and a.set == "
        "b.set),\n"
        "  tostring(rawequal(iam.operator_parse, iam.parse_operator)),\n"
        "  tostring(rawequal(iam.key_match, iam.action_match)),\n"
        "  tostring(iam.action_match('aws:Principal*', 'AWS:PrincipalTag/x')) }, ' ') }"));
    cr_assert_str_eq(m, "StringLike ForAnyValue true true true true");
    free(m);
}

/* action_check is the name, check_action its deprecated alias; errors name
 * the function by its name. */
Test(lua_api, iam_action_check_name)
{
    char *m = message_of(RULE(
        "local ok, err = pcall(iam.check_action, nil)\n"
        "report{ message = table.concat({ tostring(rawequal(iam.check_action, iam.action_check)),\n"
        "  tostring(iam.action_check('s3:GetObject')), iam.action_check('nope:X'),\n"
        "  tostring(ok), err }, ' ') }"));
    cr_assert_str_eq(m, "true nil service false iam.action_check: bad argument #1 (string "
                        "expected, got nil)");
    free(m);
}

/* A bad argument is a rule failure that names the function as the rule
 * wrote it and the argument as the rule counts it (after the colon). */
Test(lua_api, argument_errors)
{
    static const struct {
        const char *call, *expect;
    } cases[] = {
        {"iam.arn_split(nil)", "iam.arn_split: bad argument #1 (string expected, got nil)"},
        {"iam.action_match('s3:*', {})",
         "iam.action_match: bad argument #2 (string expected, got table)"},
        {"iam.operator_parse()",
         "iam.operator_parse: bad argument #1 (string expected, got no value)"},
        {"policy.statements[1]:reaches(nil)",
         "st:reaches: bad argument #1 (probe ARN or list of probe ARNs expected, got nil)"},
        {"policy.statements[1]:reaches({ 'arn:aws:s3:::x', 7 })",
         "st:reaches: bad argument #1 (probe 2 is not a string)"},
        {"policy.statements[1]:grants(true)",
         "st:grants: bad argument #1 (string expected, got boolean)"},
        {"policy.statements[1].grants(policy, 'x')",
         "st:grants: bad self (statement expected, got policy)"},
        {"policy.statements[1]:has('Actions')",
         "st:has: bad argument #1 (unknown element 'Actions')"},
        {"policy.statements[1]:reaches_uncovered('arn:aws:s3:::x', { policy })",
         "st:reaches_uncovered: bad argument #2 (item 1 is not a statement)"},
        {"policy:granting('s3:GetObject')",
         "policy:granting: bad argument #1 (action set (iam.action_set) expected, got string)"},
        {"policy:granting(iam.action_set({ 's3:GetObject' }), 'allow')",
         "policy:granting: bad argument #2 (\"Allow\" or \"Deny\" expected, got \"allow\")"},
        {"iam.expand(nil)", "iam.expand: bad argument #1 (string expected, got nil)"},
        {"iam.action_set('s3:*')",
         "iam.action_set: bad argument #1 (list of actions expected, got string)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, RULE("%s"), cases[i].call);
        iamg_engine *e = engine_with(src, NULL);
        iamg_results *r = scan(e, "p.json", policy);
        const iamg_diag *d = rule_failure(r);
        cr_expect_not_null(d, "case %zu: no rule failure", i);
        if (d)
            cr_expect(strstr(d->message, cases[i].expect) != NULL, "case %zu: '%s'", i, d->message);
        iamg_results_free(r);
        iamg_engine_free(e);
    }
}

/* Where report{} points: the item, the element's key, the Sid, the document. */
Test(lua_api, report_regions)
{
    static const struct {
        const char *report;
        unsigned line, col, end_col;
    } cases[] = {
        {"report{ statement = policy.statements[1], element = 'Action', index = 2, message = 'm' }",
         8, 35, 46},
        {"report{ statement = policy.statements[1], element = 'Resource', message = 'm' }", 9, 7,
         22},
        {"report{ statement = policy.statements[1], message = 'm' }", 6, 7, 21},
        {"report{ statement = policy.statements[1], element = 'Condition', index = 2, message = "
         "'m' }",
         10, 84, 111},
        {"report{ statement = policy.statements[2], message = 'm' }", 13, 7, 23},
        {"report{ statement = policy.statements[2], element = 'NotResource', index = 1, message = "
         "'m' }",
         15, 23, 39},
        {"report{ message = 'm' }", 4, 3, 17},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, RULE("%s"), cases[i].report);
        iamg_engine *e = engine_with(src, NULL);
        iamg_results *r = scan(e, "p.json", policy);
        const iamg_finding *f = only(r);
        cr_expect_eq(f->line, cases[i].line, "case %zu: line %u", i, f->line);
        cr_expect_eq(f->column, cases[i].col, "case %zu: column %u", i, f->column);
        cr_expect_eq(f->end_column, cases[i].end_col, "case %zu: end column %u", i, f->end_column);
        iamg_results_free(r);
        iamg_engine_free(e);
    }
}

Test(lua_api, report_level_and_statement_label)
{
    iamg_engine *e = engine_with(RULE("report{ statement = policy.statements[2], element = "
                                      "'NotAction', level = 'error', message = 'm.' }"),
                                 NULL);
    iamg_results *r = scan(e, "p.json", policy);
    const iamg_finding *f = only(r);
    cr_assert_eq(f->level, IAMG_LEVEL_ERROR);
    cr_assert_str_eq(f->statement, "#2");
    cr_assert_str_eq(f->element, "NotAction");
    cr_assert_eq(f->line, 14);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* Bad report{} calls are rule failures naming the problem and the line. */
Test(lua_api, report_misuse)
{
    static const struct {
        const char *call, *expect;
    } cases[] = {
        {"report{}", "'message' must be a string"},
        {"report{ message = '' }", "'message' is empty"},
        {"report{ message = 'm', element = 'Action' }", "'element' needs 'statement'"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Actions' }",
         "unknown element 'Actions'"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Action', index = 0 }",
         "'index' must be a positive integer"},
        {"report{ message = 'm', statement = policy.statements[1], index = 1 }",
         "'index' needs 'element'"},
        {"report{ message = 'm', level = 'fatal' }", "'level' must be"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Principal', index = "
         "2 }",
         "statement First has no 'Principal' (it has Action, Resource, Condition, Effect, Sid)"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'NotAction' }",
         "has no 'NotAction'"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Action', index = 3 }",
         "statement First has 2 Action items, not 3"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Condition', index = "
         "3 }",
         "has 2 Condition items, not 3"},
        {"report{ message = 'm', statement = policy.statements[1], element = 'Effect', index = 1 }",
         "'index' applies to Action, NotAction, Resource, NotResource and Condition"},
        {"report{ message = 'm', statement = policy }", "statement expected"},
        {"report('m')", "table expected"},
        {"policy.statements[1].sid = 'x'", "read-only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, RULE("%s"), cases[i].call);
        iamg_engine *e = engine_with(src, NULL);
        iamg_results *r = scan(e, "p.json", policy);
        const iamg_diag *d = rule_failure(r);
        cr_expect_not_null(d, "case %zu: no rule failure", i);
        if (d) {
            cr_expect(strstr(d->message, cases[i].expect) != NULL, "case %zu: '%s'", i, d->message);
            cr_expect(strstr(d->message, "t.lua:3") != NULL, "case %zu: no rule line in '%s'", i,
                      d->message);
            cr_expect_str_eq(d->rule_id, "T");
        }
        iamg_results_free(r);
        iamg_engine_free(e);
    }
}

/* A statement kept past its check() call gives an error, not a stale read. */
Test(lua_api, views_expire)
{
    /* Two rules of one file share the file's instance for a document: a
     * view the first keeps is stale when the second reads it. */
    iamg_engine *e = engine_with(
        "local kept\n"
        "return {\n"
        "  { id = 'A', short_description = 'keeps a view.', check = function(policy)\n"
        "      kept = policy.statements[1] end },\n"
        "  { id = 'B', short_description = 'reads it.', check = function(policy, report)\n"
        "      local ok, err = pcall(function() return kept.sid end)\n"
        "      report{ message = tostring(ok) .. ' ' .. tostring(err) } end },\n"
        "}\n",
        NULL);
    iamg_results *r = scan(e, "a.json", policy);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_assert(strstr(iamg_results_get(r, 0)->message, "false") == iamg_results_get(r, 0)->message);
    cr_assert(strstr(iamg_results_get(r, 0)->message, "earlier check() call") != NULL, "%s",
              iamg_results_get(r, 0)->message);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* Whatever a rule keeps, in globals or in locals of its file, belongs to one
 * document: two files scanned by one worker give the results each gives
 * alone, in any order. */
Test(lua_api, no_state_across_documents)
{
    iamg_engine *e =
        engine_with("local count = 0\n"
                    "local seen = {}\n"
                    "return { id = 'T', short_description = 'counts.', level = 'note',\n"
                    "  check = function(policy, report)\n"
                    "    count = count + 1\n"
                    "    seen[#seen + 1] = policy.id\n"
                    "    total = (total or 0) + 1\n"
                    "    report{ message = count .. ' ' .. #seen .. ' ' .. total ..\n"
                    "      ' ' .. math.random(1000) }\n"
                    "  end }\n",
                    NULL);
    char dir[] = "/tmp/iamg-luaapi-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "%s/a.json", dir);
    snprintf(p2, sizeof p2, "%s/b.json", dir);
    FILE *f = fopen(p1, "w");
    fputs(policy, f);
    fclose(f);
    f = fopen(p2, "w");
    fputs(policy, f);
    fclose(f);
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    const char *paths[] = {dir};
    iamg_results *r;
    iamg_error err;
    cr_assert_eq(iamg_scan_paths(e, paths, 1, &so, &r, &err), 0);
    cr_assert_eq(iamg_results_count(r), 2);
    cr_expect_str_eq(iamg_results_get(r, 0)->message, iamg_results_get(r, 1)->message);
    cr_expect(strncmp(iamg_results_get(r, 0)->message, "1 1 1 ", 6) == 0, "%s",
              iamg_results_get(r, 0)->message);
    iamg_results_free(r);
    remove(p1);
    remove(p2);
    remove(dir);
    iamg_engine_free(e);
}

/* Libraries are shared by every instance of a state, so rules cannot
 * change them. */
Test(lua_api, libraries_read_only)
{
    static const char *const cases[] = {
        "string.upper = string.lower", "rawset(table, 'x', 1)",   "setmetatable(math, {})",
        "iam.action_match = nil",      "table.insert(string, 1)",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, RULE("%s"), cases[i]);
        iamg_engine *e = engine_with(src, NULL);
        iamg_results *r = scan(e, "p.json", policy);
        const iamg_diag *d = rule_failure(r);
        cr_expect_not_null(d, "case %zu: %s did not fail", i, cases[i]);
        if (d)
            cr_expect(strstr(d->message, "read-only") || strstr(d->message, "protected"), "%s",
                      d->message);
        iamg_results_free(r);
        iamg_engine_free(e);
    }
    /* Reading them still works, pairs() included. */
    iamg_engine *e = engine_with(RULE("local n = 0\n"
                                      "for k in pairs(string) do n = n + 1 end\n"
                                      "report{ message = ('%d'):format(n) .. string.upper('x') }"),
                                 NULL);
    iamg_results *r = scan(e, "p.json", policy);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_expect_str_eq(iamg_results_get(r, 0)->message, "13X");
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(lua_api, messages_sanitized_and_bounded)
{
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_message_len = 64;
    iamg_engine *e =
        engine_with(RULE("report{ message = 'bad \\255 byte, nul \\0 and\\nnewline' }\n"
                         "report{ message = string.rep('long ', 100) }"),
                    &lim);
    iamg_results *r = scan(e, "p.json", policy);
    cr_assert_eq(iamg_results_count(r), 2);
    const char *m1 = iamg_results_get(r, 0)->message, *m2 = iamg_results_get(r, 1)->message;
    const char *bad = strstr(m1, "bad") ? m1 : m2, *lng = bad == m1 ? m2 : m1;
    cr_assert_str_eq(bad, "bad \xEF\xBF\xBD byte, nul \xEF\xBF\xBD and newline");
    cr_assert(strlen(lng) <= 64 + strlen(" [truncated]"));
    cr_assert(strstr(lng, "[truncated]") != NULL, "%s", lng);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(lua_api, findings_cap)
{
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_findings_per_rule = 3;
    iamg_engine *e =
        engine_with(RULE("for i = 1, 10 do report{ message = 'finding ' .. i } end"), &lim);
    iamg_results *r = scan(e, "p.json", policy);
    /* Identical regions: the three kept are distinct by message. */
    cr_assert_eq(iamg_results_count(r), 3);
    const iamg_diag *d = rule_failure(r);
    cr_assert_not_null(d);
    cr_assert(strstr(d->message, "7 more were not kept") != NULL, "%s", d->message);
    iamg_results_free(r);
    iamg_engine_free(e);
}

/* One rule's globals and failures never change another rule's results. */
Test(lua_api, rules_are_isolated)
{
    const char *noisy = "return { id = 'A', short_description = 'a.', check = function(p, report)\n"
                        "  table = nil; string = nil; iam = nil; ipairs = nil\n"
                        "  error('a fails')\n"
                        "end }\n";
    const char *quiet = "return { id = 'B', short_description = 'b.', check = function(p, report)\n"
                        "  for _, st in ipairs(p.statements) do\n"
                        "    if st.effect == 'Allow' and iam.action_match('ssm:*', "
                        "'SSM:SendCommand') and st:grants('ssm:SendCommand') then\n"
                        "      report{ statement = st, message = string.format('%s.', st.sid) }\n"
                        "    end\n"
                        "  end\n"
                        "end }\n";
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0);
    cr_assert_eq(iamg_engine_add_rule_source(e, "a.lua", noisy, strlen(noisy), &err), 0);
    cr_assert_eq(iamg_engine_add_rule_source(e, "b.lua", quiet, strlen(quiet), &err), 0);
    iamg_results *r = scan(e, "p.json", policy);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_assert_str_eq(iamg_results_get(r, 0)->rule_id, "B");
    cr_assert_str_eq(iamg_results_get(r, 0)->message, "First.");
    const iamg_diag *d = rule_failure(r);
    cr_assert_not_null(d);
    cr_assert_str_eq(d->rule_id, "A");
    cr_assert(strstr(d->message, "a.lua:3") != NULL, "%s", d->message);
    iamg_results_free(r);
    iamg_engine_free(e);
}

Test(lua_api, rule_table_shapes)
{
    static const struct {
        const char *src, *expect;
    } cases[] = {
        {"return 42", "must return a rule table"},
        {"return {}", "empty table"},
        {"return { id = 'X', check = function() end }", "'short_description' is required"},
        {"return { id = 'X', short_description = 'x' }", "'check' must be a function"},
        {"return { id = 'bad id', short_description = 'x', check = function() end }",
         "may hold only"},
        {"return { id = 'IAMGUARD-PARSE', short_description = 'x', check = function() end }",
         "reserved"},
        {"return { id = 'X', short_description = 'x', level = 'fatal', check = function() end }",
         "'level' must be"},
        {"return { id = 'X', short_description = 'x', security_severity = 11, check = function() "
         "end }",
         "security_severity"},
        {"return { id = 'X', short_description = 'x', tags = { 'a', 'a' }, check = function() end "
         "}",
         "duplicate tag"},
        {"return { id = 'X', short_description = 'x', precision = 'exact', check = function() end "
         "}",
         "'precision' must be"},
        {"return { { id = 'X', short_description = 'x', check = function() end }, 7 }",
         "rule 2 of the returned list is not a table"},
        {"return {", "syntax error"},
        {"\x1bLua", "syntax error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
        eo.builtin_rules = 0;
        iamg_engine *e;
        iamg_error err;
        cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0);
        cr_assert_eq(
            iamg_engine_add_rule_source(e, "r.lua", cases[i].src, strlen(cases[i].src), &err), 0);
        cr_expect_gt(iamg_engine_diag_count(e), 0, "case %zu: no load failure", i);
        if (iamg_engine_diag_count(e)) {
            const iamg_diag *d = iamg_engine_diag(e, 0);
            cr_expect(strstr(d->message, cases[i].expect) != NULL, "case %zu: '%s'", i, d->message);
            cr_expect_eq(d->code, IAMG_ERULE);
            cr_expect_str_eq(d->path, "r.lua");
        }
        iamg_engine_free(e);
    }
}

Test(lua_api, a_file_may_hold_several_rules)
{
    const char *src = "local function mk(id) return { id = id, short_description = id .. '.',\n"
                      "  check = function(p, report) report{ message = id } end } end\n"
                      "return { mk('R1'), mk('R2') }\n";
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0);
    cr_assert_eq(iamg_engine_add_rule_source(e, "two.lua", src, strlen(src), &err), 0);
    cr_assert_eq(iamg_engine_rule_count(e), 2);
    cr_assert_str_eq(iamg_engine_rule(e, 1)->id, "R2");
    cr_assert_eq(iamg_engine_rule(e, 1)->level, IAMG_LEVEL_WARNING, "warning is the default level");
    iamg_results *r = scan(e, "p.json", policy);
    cr_assert_eq(iamg_results_count(r), 2);
    iamg_results_free(r);
    iamg_engine_free(e);
}
