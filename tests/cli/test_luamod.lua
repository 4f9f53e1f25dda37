-- The Lua module: matchers, the policy loader and the scanner, from a stock
-- lua5.4. Run by test_luamod.sh as:
--   LUA_CPATH=BUILD/?.so lua5.4 test_luamod.lua SOURCE_DIR VERSION
-- Prints "ok"/"FAIL" lines, then the findings of a scan of examples/ as
-- "FINDING path:line:col: level[RULE]" for the shell to compare with the
-- command line's; exits 1 when an assertion failed.
local src, version = arg[1], arg[2]
local iamguard = require "iamguard"
local fails = 0

local function check(name, cond, detail)
  if cond then
    print("ok   " .. name)
  else
    print("FAIL " .. name .. (detail and (": " .. tostring(detail)) or ""))
    fails = fails + 1
  end
end

local function eq(name, got, want)
  check(name, got == want, "got " .. tostring(got) .. ", expected " .. tostring(want))
end

local function list(t) return table.concat(t or {}, ",") end

-- ---- module ----
eq("require returns a table", type(iamguard), "table")
eq("version", iamguard.version, version)

-- ---- matchers ----
eq("action_match glob, any case", iamguard.action_match("SSM:send*", "ssm:SendCommand"), true)
eq("action_match '?'", iamguard.action_match("s3:Get?bject", "s3:GetObject"), true)
eq("action_match other service", iamguard.action_match("s3:*", "ssm:SendCommand"), false)
eq("arn_match glob", iamguard.arn_match("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2024"), true)
eq("arn_match case-sensitive", iamguard.arn_match("arn:aws:s3:::Logs", "arn:aws:s3:::logs"), false)
eq("arn_match policy variable is literal",
   iamguard.arn_match("arn:aws:s3:::home/${aws:username}", "arn:aws:s3:::home/alice"), false)
eq("arn_match escaped star", iamguard.arn_match("arn:aws:s3:::a${*}", "arn:aws:s3:::a*"), true)

local parts = iamguard.arn_split("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc")
check("arn_split", parts and parts.partition == "aws" and parts.service == "ec2"
  and parts.region == "us-east-1" and parts.account == "123456789012"
  and parts.resource == "instance/i-0abc")
eq("arn_split of a non-ARN", iamguard.arn_split("not-an-arn"), nil)

local op = iamguard.parse_operator("ForAnyValue:StringLikeIfExists")
check("parse_operator", op.base == "StringLike" and op.set == "ForAnyValue" and op.if_exists == true
  and op.negated == false and op.known == true)
eq("parse_operator negated", iamguard.parse_operator("StringNotEquals").negated, true)
eq("parse_operator unknown", iamguard.parse_operator("stringequals").known, false)
eq("key_equal", iamguard.key_equal("aws:ResourceTag/Team", "AWS:resourcetag/team"), true)
eq("key_match", iamguard.key_match("ssm:resourceTag/*", "SSM:ResourceTag/Team"), true)
-- operator_parse is the name, parse_operator and key_match deprecated aliases.
eq("operator_parse", iamguard.operator_parse("ForAnyValue:StringLike").base, "StringLike")
eq("parse_operator is operator_parse", rawequal(iamguard.parse_operator, iamguard.operator_parse), true)
eq("key_match is action_match", rawequal(iamguard.key_match, iamguard.action_match), true)
eq("check_action is action_check", rawequal(iamguard.check_action, iamguard.action_check), true)
eq("action_check of an unknown service", iamguard.action_check("nope:X"), "service")
-- Argument errors name the function as the module's user writes it.
local ok, msg = pcall(iamguard.arn_split, nil)
check("argument error names iamguard.arn_split", not ok and tostring(msg):find(
  "iamguard.arn_split: bad argument #1 (string expected, got nil)", 1, true), msg)
ok, msg = pcall(iamguard.expand, {})
check("argument error names iamguard.expand", not ok and tostring(msg):find(
  "iamguard.expand: bad argument #1 (string expected, got table)", 1, true), msg)

-- ---- load: a file ----
local docs, problems = iamguard.load(src .. "/examples/policies/ci-deploy-role.json")
eq("load: one document", #docs, 1)
eq("load: no problems", #problems, 0)
local d = docs[1]
eq("load: kind", d.kind, "identity")
eq("load: format", d.format, "policy")
eq("load: version", d.version, "2012-10-17")
eq("load: id", d.id, nil)
eq("load: document position", d.line .. ":" .. d.column, "1:1")
eq("load: statements", #d.statements, 2)
local st = d.statements[2]
eq("load: index", st.index, 2)
eq("load: sid", st.sid, "RunDeployScripts")
eq("load: effect", st.effect, "Allow")
eq("load: actions", list(st.actions), "ssm:SendCommand,ssm:GetCommandInvocation")
eq("load: resources", list(st.resources), "*")
eq("load: no not_actions", st.not_actions, nil)
eq("load: statement position", st.line .. ":" .. st.column, "10:5")
eq("load: origin file", d.origin.file, src .. "/examples/policies/ci-deploy-role.json")
eq("load: plain table, no metatable", getmetatable(d), nil)
st.sid = "changed"
eq("load: tables can be changed", d.statements[2].sid, "changed")

-- ---- load: text, conditions, NotAction/NotResource, principals ----
local text = [[
{"Version": "2012-10-17", "Id": "doc-1", "Statement": [
  {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::x",
   "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
                 "Bool": {"aws:MultiFactorAuthPresent": false}}},
  {"Sid": "Bucket", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
   "Action": "s3:GetObject", "Resource": "*"}
]}
]]
docs, problems = iamguard.load("inline.json", text)
eq("text: documents", #docs, 1)
eq("text: problems", #problems, 0)
d = docs[1]
eq("text: Id", d.id, "doc-1")
eq("text: a Principal makes a resource policy", d.kind, "resource")
st = d.statements[1]
eq("text: not_actions", list(st.not_actions), "iam:*")
eq("text: not_resources", list(st.not_resources), "arn:aws:s3:::x")
eq("text: no actions", st.actions, nil)
eq("text: conditions", #st.conditions, 2)
local c = st.conditions[1]
check("text: condition entry", c.operator == "ForAnyValue:StringLikeIfExists"
  and c.base == "StringLike" and c.set == "ForAnyValue" and c.if_exists == true
  and c.key == "aws:TagKeys" and list(c.values) == "a*,b" and c.index == 1 and c.known == true)
eq("text: boolean values as text", st.conditions[2].values[1], "false")
eq("text: statement position", st.line .. ":" .. st.column, "2:3")
local p = d.statements[2].principals
check("text: principals", p and list(p.AWS) == "arn:aws:iam::111122223333:root")
eq("text: not_principal", d.statements[2].not_principal, false)
eq("text: name used as file", d.file, "inline.json")

-- ---- load: CloudFormation YAML ----
docs = iamguard.load(src .. "/examples/cloudformation/bastion.yaml")
check("cfn: several documents", #docs >= 2, #docs)
local kinds = {}
for _, doc in ipairs(docs) do kinds[doc.kind] = doc end
check("cfn: trust policy", kinds.trust and kinds.trust.origin.logical_id == "BastionRole"
  and kinds.trust.format == "cloudformation")
check("cfn: identity policy", kinds.identity and kinds.identity.origin.policy_name == "sessions"
  and kinds.identity.statements[1].sid == "OpenSessions"
  and kinds.identity.statements[1].line == 22)
eq("cfn: resolved !Sub", kinds.identity.statements[1].resources[1],
   "arn:aws:ec2:us-east-1:123456789012:instance/*")

-- ---- load: problems and failures ----
docs, problems = iamguard.load("broken.json", '{"Statement": [')
eq("parse error: no documents", #docs, 0)
check("parse error: reported with a position", problems[1] and problems[1].code == "parse"
  and problems[1].level == "error" and problems[1].line == 1 and problems[1].path == "broken.json",
  problems[1] and problems[1].message)
docs, problems = iamguard.load("shape.json", '{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}')
eq("invalid element: the document still loads", #docs, 1)
check("invalid element: reported", #problems >= 1 and problems[1].code == "invalid",
  problems[1] and problems[1].message)
eq("invalid effect given as written", docs[1].statements[1].effect, "Maybe")
local none, err = iamguard.load(src .. "/does/not/exist.json")
check("unreadable file: nil and a message", none == nil and type(err) == "string"
  and err:find("does/not/exist.json", 1, true) ~= nil, err)
check("load(): argument error", not pcall(iamguard.load))
local function argerror(name, want, ...)
  local ok, m = pcall(...)
  check(name, not ok and tostring(m):find(want, 1, true) ~= nil, m)
end
argerror("load(): the error names iamguard.load", "iamguard.load: bad argument #1 "
  .. "(path (or a text as argument #2) expected, got no value)", iamguard.load)
argerror("load(path, table)", "iamguard.load: bad argument #2 (string expected, got table)",
  iamguard.load, "x.json", {})

-- ---- scan ----
local findings, sproblems = iamguard.scan({src .. "/examples"}, {base_dir = src})
check("scan: findings", #findings >= 5, #findings)
eq("scan: no problems", #sproblems, 0)
local f = findings[1]
check("scan: finding fields", type(f.rule_id) == "string" and type(f.message) == "string"
  and f.level == "error" and f.line > 0 and f.column > 0 and f.end_column > f.column
  and f.fingerprint:find("^%x+:%d+$") ~= nil and type(f.origin) == "table",
  f.rule_id)
-- The snippet holds the finding's column: from its start on a short line,
-- from snippet_column on a long one (the Terraform plan is minified).
local windows = 0
for _, x in ipairs(findings) do
  local from = x.column - x.snippet_column + 1
  check("scan: snippet holds the region (" .. x.path .. ")", x.snippet_column >= 1 and from >= 1
    and #x.snippet >= from, x.snippet_column)
  if x.snippet_column > 1 then windows = windows + 1 end
end
eq("scan: short lines are whole", windows, 0)
local sorted = true
for i = 2, #findings do
  local a, b = findings[i - 1], findings[i]
  if a.path > b.path or (a.path == b.path and a.line > b.line) then sorted = false end
end
check("scan: sorted by path and line", sorted)

local only = iamguard.scan(src .. "/examples", {base_dir = src, only = {"IAM-SSM-2"}})
local all2 = #only > 0
for _, x in ipairs(only) do all2 = all2 and x.rule_id == "IAM-SSM-2" end
check("scan: only", all2)
local skip = iamguard.scan(src .. "/examples", {base_dir = src, skip = "IAM-SSM-2"})
local none2 = #skip > 0
for _, x in ipairs(skip) do none2 = none2 and x.rule_id ~= "IAM-SSM-2" end
check("scan: skip", none2)
local user = iamguard.scan({src .. "/examples", src .. "/lua/rules/ssm.tests/deny_unconditional.json"},
                          {base_dir = src, builtin = false, rules = {src .. "/examples/rules"}, jobs = 2})
local ids = {}
for _, x in ipairs(user) do ids[x.rule_id] = true end
check("scan: user rules without built-in ones", ids["EXAMPLE-ADMIN-1"] and not ids["IAM-SSM-1"])
local bad, msg = iamguard.scan(src .. "/examples", {only = {"NO-SUCH-RULE"}})
check("scan: unknown rule id gives nil and a message", bad == nil
  and msg:find("NO-SUCH-RULE", 1, true) ~= nil, msg)
bad, msg = iamguard.scan(src .. "/does-not-exist")
check("scan: missing path gives nil and a message", bad == nil and type(msg) == "string", msg)
check("scan(): argument error", not pcall(iamguard.scan))
check("scan: bad option type is an error", not pcall(iamguard.scan, ".", {rules = 3}))
argerror("scan(): the error names iamguard.scan", "iamguard.scan: bad argument #1 "
  .. "(path or list of paths expected, got no value)", iamguard.scan)
argerror("scan({})", "iamguard.scan: bad argument #1 (no path given)", iamguard.scan, {})
argerror("scan({'.', 3})", "iamguard.scan: bad argument #1 (item 2 is not a string)",
  iamguard.scan, {".", 3})
argerror("scan(paths, 1)", "iamguard.scan: bad argument #2 (table expected, got number)",
  iamguard.scan, ".", 1)
argerror("scan: opts.rules", "iamguard.scan: bad argument #2 "
  .. "(opts.rules must be a string or a list of strings, not a number)", iamguard.scan, ".", {rules = 3})
argerror("scan: opts.only", "iamguard.scan: bad argument #2 (item 1 of opts.only is not a string)",
  iamguard.scan, ".", {only = {true}})
argerror("scan: opts.jobs", "iamguard.scan: bad argument #2 (opts.jobs must be 0 to 1024)",
  iamguard.scan, ".", {jobs = -1})
argerror("scan: opts.base_dir", "iamguard.scan: bad argument #2 (opts.base_dir must be a string)",
  iamguard.scan, ".", {base_dir = {}})

-- A rule that fails is a problem, not an error of the call.
local dir = os.tmpname()
os.remove(dir)
os.execute("mkdir '" .. dir .. "'")
local fh = io.open(dir .. "/boom.lua", "w")
fh:write('return { id = "BOOM", short_description = "x", check = function() error("boom") end }\n')
fh:close()
local bf, bp = iamguard.scan(src .. "/examples/policies/ci-deploy-role.json",
                             {builtin = false, rules = dir})
os.remove(dir .. "/boom.lua")
os.remove(dir)
check("scan: failing rule reported as a problem", bf and #bf == 0 and #bp >= 1
  and bp[1].code == "rule" and bp[1].rule_id == "BOOM", bp and bp[1] and bp[1].message)

-- ---- the IAM catalogue ----
eq("catalog_version", iamguard.catalog_version, "0.21.202609261")
local e = iamguard.expand("IAM:Get*")
check("expand", #e > 20 and e[1] == "iam:GetAccessKeyLastUsed" and e[1] < e[2], list(e))
eq("matches", iamguard.matches("ssm:SendCommand"), 1)
local sc = iamguard.action("ssm:sendcommand")
eq("action", sc and (sc.service .. ":" .. sc.name .. " " .. sc.access_level), "ssm:SendCommand Write")
eq("action: resource types", sc and sc.resource_types[3].name .. " " .. tostring(sc.resource_types[3].required),
   "instance false")
eq("action: unknown", iamguard.action("ssm:Send*"), nil)
eq("condition_key", iamguard.condition_key("aws:SourceIp"), "IPAddress")
eq("service", iamguard.service("ssm").name, "AWS Systems Manager")
eq("suggest", iamguard.suggest("iam:AddUserToGrup"), "iam:AddUserToGroup")
local doc = iamguard.load("p.json", '{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "iam:List*"], ' ..
  '"Resource": "*"}, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}')[1]
local a, n = doc.statements[1], doc.statements[2]
eq("grants: glob", select(2, iamguard.grants(a, "iam:*User*")), "iam:List*")
eq("grants: glob not granted", iamguard.grants(a, "iam:Get*"), false)
eq("grants: NotAction", iamguard.grants(n, "*:Get*"), true)
eq("granted_actions", #iamguard.granted_actions(n) + #iamguard.expand("iam:*"), iamguard.matches("*"))
eq("grants_access_level", select(2, iamguard.grants_access_level(a, "Read")), "s3:GetObject")
eq("supports_condition_key", iamguard.supports_condition_key(a, "s3:prefix"), false)
eq("supports_resource", iamguard.supports_resource(a, "arn:aws:s3:::b/k"), true)
argerror("grants(nil)", "iamguard.grants: bad argument #1 (table expected, got nil)",
  iamguard.grants, nil, "s3:GetObject")
argerror("grants(st, nil)", "iamguard.grants: bad argument #2 (string expected, got nil)",
  iamguard.grants, a)
argerror("granted_actions of bad actions", "iamguard.granted_actions: bad argument #1 "
  .. "(item 1 of the statement's actions is not a string)", iamguard.granted_actions, {actions = {1}})
argerror("supports_condition_key(st, nil)", "iamguard.supports_condition_key: bad argument #2 "
  .. "(string expected, got nil)", iamguard.supports_condition_key, a)
argerror("supports_resource(st, {})", "iamguard.supports_resource: bad argument #2 "
  .. "(string expected, got table)", iamguard.supports_resource, a, {})

collectgarbage()

for _, x in ipairs(findings) do
  print(string.format("FINDING %s:%d:%d: %s[%s]", x.path, x.line, x.column, x.level, x.rule_id))
end
os.exit(fails == 0 and 0 or 1)
