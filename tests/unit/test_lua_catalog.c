/*
 * The IAM catalogue as rules see it (docs/RULES.md): iam.expand, iam.action,
 * iam.condition_key, iam.matches, iam.service, iam.suggest, and the
 * statement methods st:grants with globs, st:granted_actions,
 * st:grants_access_level, st:supports_condition_key and st:supports_resource.
 * Every test runs real rules through the public API.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/iamguard.h"

#define RULE(body)                                                                                 \
    "return { id = 'T', short_description = 'test rule.', level = 'note',\n"                       \
    "  check = function(policy, report)\n" body "\n  end }\n"

static const char policy[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [\n"
    "  {\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"IAM:List*\", "
    "\"custom:Thing\"], \"Resource\": \"*\"},\n"
    "  {\"Sid\": \"N\", \"Effect\": \"Allow\", \"NotAction\": \"iam:*\", \"Resource\": \"*\"},\n"
    "  {\"Sid\": \"S\", \"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": "
    "\"*\"},\n"
    "  {\"Sid\": \"R\", \"Effect\": \"Allow\", \"Resource\": \"*\"}\n"
    "]}\n";

/* Run a rule that reports one message, and return it. */
static char *message_of(const char *rule_src)
{
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_rule_source(e, "t.lua", rule_src, strlen(rule_src), &err), 0, "%s",
                 err.message);
    iamg_results *r;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    cr_assert_eq(iamg_scan_buffer(e, "p.json", policy, strlen(policy), &so, &r, &err), 0, "%s",
                 err.message);
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        cr_log_info("diag: %s", iamg_results_diag(r, i)->message);
    cr_assert_eq(iamg_results_count(r), 1, "expected one finding, got %zu", iamg_results_count(r));
    char *m = strdup(iamg_results_get(r, 0)->message);
    iamg_results_free(r);
    iamg_engine_free(e);
    return m;
}

#define EXPECT_MESSAGE(body, want)                                                                 \
    do {                                                                                           \
        char *m_ = message_of(RULE(body));                                                         \
        cr_expect_str_eq(m_, want);                                                                \
        free(m_);                                                                                  \
    } while (0)

#define S(i) "local st = policy.statements[" #i "]\n"

Test(lua_catalog, expand)
{
    EXPECT_MESSAGE(
        "local e = iam.expand('IAM:get*')\n"
        "local sorted = true\n"
        "for i = 2, #e do sorted = sorted and e[i - 1] < e[i] end\n"
        "local has = false\n"
        "for _, a in ipairs(e) do has = has or a == 'iam:GetUser' end\n"
        "report{ message = tostring(#e > 20) .. ' ' .. tostring(sorted) .. ' ' ..\n"
        "  tostring(has) .. ' ' .. #iam.expand('nosuch:*') .. ' ' ..\n"
        "  #iam.expand('ssm:SendCommand') .. ' ' .. iam.expand('ssm:SendComman?')[1] ..\n"
        "  ' ' .. tostring(#iam.expand('*') == iam.matches('*')) }",
        "true true true 0 1 ssm:SendCommand true");
}

Test(lua_catalog, action)
{
    EXPECT_MESSAGE("local a = iam.action('SSM:sendcommand')\n"
                   "local rt = a.resource_types\n"
                   "local parts = { a.service, a.name, a.access_level, #rt, rt[2].name,\n"
                   "  tostring(rt[2].required), rt[3].name, rt[3].arn, tostring(rt[3].required),\n"
                   "  #rt[3].condition_keys, table.concat(a.condition_keys, ','),\n"
                   "  tostring(iam.action('ssm:Send*')), tostring(iam.action('nope:x')),\n"
                   "  iam.action('iam:AttachRolePolicy').access_level,\n"
                   "  iam.action('iam:TagRole').access_level, #iam.action('ec2:DescribeInstances')"
                   ".resource_types }\n"
                   "report{ message = table.concat(parts, ' ') }",
                   "ssm SendCommand Write 4 document true instance "
                   "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId} false 2 "
                   "aws:ResourceTag/${TagKey},ssm:resourceTag/${TagKey} nil nil "
                   "Permissions management Tagging 0");
}

Test(lua_catalog, condition_keys_services_suggestions)
{
    EXPECT_MESSAGE("report{ message = table.concat({ iam.condition_key('aws:SourceIp'),\n"
                   "  iam.condition_key('aws:PrincipalTag/team'), "
                   "iam.condition_key('ec2:ResourceTag/Env'),\n"
                   "  iam.condition_key('iam:PermissionsBoundary'), "
                   "tostring(iam.condition_key('nope:x')),\n"
                   "  iam.service('SSM').prefix, iam.service('ssm').name, "
                   "tostring(iam.service('nope')),\n"
                   "  iam.suggest('iam:AddUserToGrup'), iam.suggest('lamda:InvokeFunction'),\n"
                   "  tostring(iam.suggest('iam:GetUser')), iam.catalog_version }, ' ') }",
                   "IPAddress String String ARN nil ssm AWS Systems Manager nil "
                   "iam:AddUserToGroup lambda:InvokeFunction nil 0.21.202609261");
}

Test(lua_catalog, grants_with_globs)
{
    EXPECT_MESSAGE(S(1) "local function g(st, p) local ok, pat, i = st:grants(p)\n"
                        "  return tostring(ok) .. '/' .. tostring(pat) .. '/' .. tostring(i) end\n"
                        "local n, r = policy.statements[2], policy.statements[4]\n"
                        "report{ message = table.concat({ g(st, 'iam:*User*'), g(st, 'iam:Get*'),\n"
                        "  g(st, 's3:*Object'), g(st, 'custom:Thing'), g(st, 'custom:Th*'),\n"
                        "  g(st, 'iam:listusers'), g(n, 'iam:Get*'), g(n, '*:Get*'),\n"
                        "  g(n, 'custom:Thing'), g(r, 's3:*') }, ' ') }",
                   "true/IAM:List*/2 false/nil/nil true/s3:GetObject/1 true/custom:Thing/3 "
                   "false/nil/nil true/IAM:List*/2 false/nil/nil true/nil/nil true/nil/nil "
                   "false/nil/nil");
}

Test(lua_catalog, granted_actions_and_access_levels)
{
    EXPECT_MESSAGE(
        S(1) "local g = st:granted_actions()\n"
             "local n = policy.statements[2]:granted_actions()\n"
             "local s = policy.statements[3]:granted_actions()\n"
             "local r = policy.statements[4]:granted_actions()\n"
             "local has_user = false\n"
             "for _, a in ipairs(g) do has_user = has_user or a == 'iam:ListUsers' end\n"
             "local function lv(st, l) local ok, a = st:grants_access_level(l)\n"
             "  return tostring(ok) .. '/' .. tostring(a) end\n"
             "report{ message = table.concat({ tostring(has_user), g[1],\n"
             "  tostring(#n + #iam.expand('iam:*') == iam.matches('*')), #s, s[1], #r,\n"
             "  tostring(st:granted_actions() == g), lv(st, 'list'), lv(st, 'Read'),\n"
             "  lv(st, 'Write'), lv(policy.statements[3], 'Write'),\n"
             "  select(2, pcall(function() return st:grants_access_level('Admin') end)) }, ' ') }",
        "true iam:ListAccessKeys true 1 ssm:SendCommand 0 true true/iam:ListAccessKeys "
        "true/s3:GetObject false/nil true/ssm:SendCommand t.lua:16: st:grants_access_level: "
        "bad argument #1 (access level must be \"List\", \"Read\", \"Write\", "
        "\"Permissions management\" or \"Tagging\")");
}

Test(lua_catalog, supported_keys_and_resources)
{
    EXPECT_MESSAGE(S(3) "local a = policy.statements[1]\n"
                        "local function b(v) return tostring(v) end\n"
                        "report{ message = table.concat({\n"
                        "  b(st:supports_condition_key('ssm:resourceTag/Env')),\n"
                        "  b(st:supports_condition_key('aws:SourceIp')),\n"
                        "  b(st:supports_condition_key('s3:prefix')),\n"
                        "  b(a:supports_condition_key('s3:ExistingObjectTag/x')),\n"
                        "  b(a:supports_condition_key('iam:PassedToService')),\n"
                        "  b(st:supports_resource('arn:aws:ec2:us-east-1:1:instance/i-1')),\n"
                        "  b(st:supports_resource('arn:aws:rds:us-east-1:1:db:x')),\n"
                        "  b(st:supports_resource('arn:aws:*:us-east-1:1:db:x')),\n"
                        "  b(st:supports_resource('*')),\n"
                        "  b(a:supports_resource('arn:aws:s3:::b/k')) }, ' ') }",
                   "true true false true false true false true true true");
}

static const char validation_policy[] =
    "{\"Version\": \"2012-10-17\", \"Statement\": [\n"
    "  {\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"iam:AddUserToGroup \", "
    "\"lamda:Invoke\", \"noservice\", \"s3:Gett*\"],\n"
    "   \"Resource\": [\"arn:aws:s3:::b/*\", \"arn:aws:ec2:*:*:instance/*\", \"*\"],\n"
    "   \"Condition\": {\"StringEquals\": {\"ec2:InstanceType\": \"t3.micro\", \"aws:SourceVpc\": "
    "\"vpc-1\", \"nope:key\": \"x\"}}}\n"
    "]}\n";

Test(lua_catalog, validation_helpers)
{
    const char *src =
        RULE("local st = policy.statements[1]\n"
             "local out = {}\n"
             "for _, p in ipairs(st:check_actions()) do\n"
             "  out[#out + 1] = p.index .. '=' .. p.problem end\n"
             "for _, p in ipairs(st:unsupported_condition_keys()) do\n"
             "  out[#out + 1] = p.index .. ':' .. p.key .. ':' .. tostring(p.known) end\n"
             "for _, p in ipairs(st:unsupported_resources()) do\n"
             "  out[#out + 1] = p.index .. '@' .. p.service end\n"
             "out[#out + 1] = tostring(iam.check_action('s3:GetObject'))\n"
             "out[#out + 1] = iam.check_action(' s3:GetObject')\n"
             "out[#out + 1] = iam.check_action('nope:X')\n"
             "report{ message = table.concat(out, ' ') }");
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.builtin_rules = 0;
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(&eo, &e, &err), 0, "%s", err.message);
    cr_assert_eq(iamg_engine_add_rule_source(e, "t.lua", src, strlen(src), &err), 0, "%s",
                 err.message);
    iamg_results *r;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    cr_assert_eq(
        iamg_scan_buffer(e, "v.json", validation_policy, strlen(validation_policy), &so, &r, &err),
        0, "%s", err.message);
    cr_assert_eq(iamg_results_count(r), 1);
    cr_expect_str_eq(iamg_results_get(r, 0)->message,
                     "2=whitespace 3=service 4=format 5=unknown 1:ec2:InstanceType:true "
                     "3:nope:key:false 2@ec2 nil whitespace service");
    iamg_results_free(r);
    iamg_engine_free(e);
}
