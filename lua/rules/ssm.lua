-- IAM-SSM-1 and IAM-SSM-2: SSM remote access must be scoped to named
-- instances or by resource-tag conditions.
--
-- From the aws-samples "IAM permissions guardrails" catalogue
-- (guardrails/ssm/IAM-SSM-1.json, IAM-SSM-2.json). Both rules are one
-- declaration of the guardrail library (lua/lib/iamguard/guardrail.lua,
-- g.unscoped_rule), which decides RULE_TEXT below; README.md ("Built-in
-- rules") repeats that text word for word. Where each clause is decided:
--   "Grants the action"              g.unscoped_grant (st:grants)
--   "Reaches an unnamed instance",
--   "Exact and bounded"              g.unscoped_grant (st:reaches_uncovered,
--                                    with INSTANCE_TEMPLATES below)
--   "Covering Deny"                  g.deny_covers, g.covering_denies
--   "Scoped by tag"                  g.tag_scope (with TAG_KEYS below)
--   "Specific tag values"            g.specific_values, g.only_wildcards
--   "Malformed never helps"          the C model (st.well_formed, cond.malformed,
--                                    either reading of an invalid pair)
--   "Identity policies only"         g.find_unscoped (kinds, default identity)

local g = require("iamguard.guardrail")

-- Clause "Reaches an unnamed instance": the instances nobody named. The
-- partition, region and account are free: st:reaches_uncovered quantifies
-- over every value they can take.
local INSTANCE_TEMPLATES = {
  "arn:{partition}:ec2:{region}:{account}:instance/i-0unscopedprobe00",
  "arn:{partition}:ssm:{region}:{account}:managed-instance/mi-0unscopedprobe00",
}

-- Clause "Scoped by tag": the resource-tag keys that count.
local TAG_KEYS = { "ssm:resourceTag/", "aws:resourceTag/", "ec2:resourceTag/" }

local REFERENCES = [[
- [IAM-SSM-1 and IAM-SSM-2 in the IAM permissions guardrails catalogue](https://aws-samples.github.io/aws-iam-permissions-guardrails/guardrails/ssm/guardrails.html)
- [Controlling access to AWS resources using tags](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html)
- [Actions, resources and condition keys for AWS Systems Manager](https://docs.aws.amazon.com/IAM/latest/UserGuide/list_awssystemsmanager.html#awssystemsmanager-managed-instance)
- [Running commands using Systems Manager Run Command](https://docs.aws.amazon.com/systems-manager/latest/userguide/execute-remote-commands.html)
- [Systems Manager permissions reference](https://docs.aws.amazon.com/systems-manager/latest/userguide/auth-and-access-control-permissions-reference.html)
]]

-- The rule, word for word as in README.md ("Built-in rules"); a test checks
-- that `iamguard explain` prints what the README says.
local RULE_TEXT = [==[
A statement is a finding for the rule's action A when it is an `Allow`
(exactly), it *grants the action*, it *reaches an unnamed instance* that no
*covering Deny* takes back, and it is not *scoped by tag*. There is one
result per rule and statement, at the `Action` item that grants A (or at
`NotAction`).

- **Grants the action**: an `Action` pattern matches A (case-insensitively,
  with `*` and `?`), or `NotAction` does not exclude it.
- **Reaches an unnamed instance**: for some partition P, region R and
  account C, some `Resource` pattern matches (or no `NotResource` pattern
  matches) `arn:P:ec2:R:C:instance/i-0unscopedprobe00` or
  `arn:P:ssm:R:C:managed-instance/mi-0unscopedprobe00`. P, R and C are any
  strings without `:`, `*` and `?`, the empty one included, not only the
  values the policy names. `*`, `arn:*`, `arn:aws:ec2:*:*:*`,
  `arn:aws:ec2:::instance/*` and `.../instance/*` in any one region reach; a
  named instance, `.../instance/i-0abc*`, a document ARN or an S3 ARN do
  not; a `NotResource` of the instances of one region leaves every other
  region reachable. A policy variable (`${aws:PrincipalAccount}`,
  `${aws:RequestedRegion}`, ...) stands for a value chosen at request time:
  in the partition, region or account it can be any value
  (`arn:aws:ec2:*:${aws:PrincipalAccount}:instance/*` reaches); elsewhere it
  names a resource, never the unnamed one (`instance/${aws:username}` does
  not reach). Where a match would take an ARN away (a `NotResource` pattern
  of the Allow, a `Resource` pattern of a Deny), a pattern with a variable
  is not relied on, since the variable may take another value. `${*}`,
  `${?}` and `${$}` are the characters `*`, `?` and `$`; no partition,
  region or account holds `*` or `?`, so `arn:aws:ec2:${*}:*:instance/*`
  reaches nothing.
- **Covering Deny**: a `Deny` of the same document takes back exactly the
  ARNs it covers, and the statement is a finding when some ARN it reaches is
  covered by none. A Deny covers ARN X when it is well formed (see
  *Malformed never helps*), grants A, its `Resource` matches X (or its
  `NotResource` does not), and it has no condition, or only
  `StringNotEquals`, `StringNotEqualsIgnoreCase` or `StringNotLike` (with or
  without `IfExists`, without `ForAnyValue:` or `ForAllValues:`) on resource
  tags (keys as below) with *specific tag values*. A Deny on `instance/*`
  leaves managed instances reachable; a Deny on one region leaves the other
  regions reachable, and one whose `NotResource` excludes a region leaves
  that region reachable.
- **Scoped by tag**: a condition entry on `ssm:resourceTag/T`,
  `aws:ResourceTag/T` or `ec2:ResourceTag/T` (keys compare
  case-insensitively) with `StringEquals`, `StringEqualsIgnoreCase` or
  `StringLike` (optionally `ForAnyValue:`; never `ForAllValues:`,
  `...IfExists` or a negated operator) and *specific tag values*; or `Null`
  with only false values (the JSON `false`, or the string `"false"` in any
  letter case) on a tag T that starts with `aws:` (tags only AWS sets).
- **Specific tag values**: a non-empty list of strings (numbers and
  booleans never count) in which every value is specific, that is not made
  only of `*` and `?` (`${*}` and `${?}` count as those; a policy variable
  is specific). When T starts with `aws:`, any strings will do.
  `StringLike ssm:resourceTag/team: ["prod", "*"]` does not scope, since `*`
  matches any tagged instance. An empty list never helps.
- **Malformed never helps**: each of these is an `IAMGUARD-INVALID` problem
  at its position, and the rest of the document is still checked: a
  condition value that is `null`, an object or a nested list; an operator
  block that is not an object, or is empty; `Condition` that is not an
  object; an unknown operator (names are case-sensitive); `Action` with
  `NotAction`; `Resource` with `NotResource`; neither `Resource` nor
  `NotResource`. A malformed condition entry never scopes. A `Deny` with
  any of these shapes, or another one IAM rejects (an empty list, an
  unknown element), covers nothing. An `Allow` with both of a pair is read
  both ways, and is a finding if either reading gives one. Of an operator
  or a condition key written twice, only the last one counts, as in IAM
  (a warning says so).
- **Identity policies only**: trust policies (`AssumeRolePolicyDocument`
  and the like), permissions boundaries, SCPs, RCPs and raw documents whose
  statements carry `Principal` or `NotPrincipal` (resource policies) are
  skipped whole; a wrapped document (`get-policy-version` output, the
  documents of an account dump) is judged statement by statement. `\u0000` inside a JSON string is valid JSON and
  is read, with exact positions: `"*\u0000"` is not `"*"`.
- **Exact and bounded**: reach is decided over every partition, region and
  account, not by probing a few. The analysis of one statement stops after
  `max_reach_configs` configurations (100,000 by default); a statement it
  could not decide is reported (fail safe), with a warning that names the
  limit.
]==]

local EXEMPTIONS = [[
Break-glass and incident-response roles may need this access: exempt them in
`.iamguard.yml` with an allowlist entry and a justification, or list them in
the rule's `authorized_principals` parameter (ARN or name globs): a policy
whose holders all match is not reported.
]]

local SEND_COMMAND_FIX = [[
### How to fix

Name the instances the role needs:

```json
{
  "Effect": "Allow",
  "Action": "ssm:SendCommand",
  "Resource": [
    "arn:aws:ssm:*:*:document/AWS-RunShellScript",
    "arn:aws:ec2:us-east-1:123456789012:instance/i-0abcd1234efgh5678"
  ]
}
```

or scope them by tag:

```json
{
  "Effect": "Allow",
  "Action": "ssm:SendCommand",
  "Resource": "*",
  "Condition": { "StringEquals": { "ssm:resourceTag/Team": "payments" } }
}
```
]]

local START_SESSION_FIX = [[
### How to fix

Scope sessions by tag:

```json
{
  "Effect": "Allow",
  "Action": "ssm:StartSession",
  "Resource": "arn:aws:ec2:*:*:instance/*",
  "Condition": { "StringEquals": { "ssm:resourceTag/SessionAccess": "${aws:PrincipalTag/Team}" } }
}
```

or remove `ssm:StartSession` from the policy.
]]

local function help(intro, fix)
  return intro .. "\n\n### What iamguard reports\n\n" .. RULE_TEXT .. "\n" .. EXEMPTIONS .. "\n"
    .. fix .. "\n### References\n\n" .. REFERENCES
end

-- What both rules share; g.unscoped_rule adds the authorized_principals
-- parameter and the check.
local function ssm_rule(spec)
  spec.level = "error"
  spec.precision = "high"
  spec.help_uri = "https://aws-samples.github.io/aws-iam-permissions-guardrails/guardrails/ssm/"
    .. "guardrails.html#" .. spec.id
  spec.tags = { "security", "iam", "ssm", "aws", "external/cwe/cwe-732" }
  spec.templates = INSTANCE_TEMPLATES
  spec.tag_keys = TAG_KEYS
  spec.target = "instances it does not name"
  spec.unscoped = "no condition on ssm:resourceTag/<key> (or aws:ResourceTag/<key>) narrows it"
  return g.unscoped_rule(spec)
end

return {
  ssm_rule {
    id = "IAM-SSM-1",
    name = "ScopeSsmSendCommand",
    action = "ssm:SendCommand",
    security_severity = 8.0,
    short_description = "ssm:SendCommand must be scoped to named instances or by resource-tag conditions.",
    full_description = "Check that usage of ssm:SendCommand is scoped via the usage of Resource Level "
      .. "Permissions or via the usage of conditions such as ssm:ResourceTag (no usage of * except "
      .. "for breakglass/admin roles).",
    fix = "Name the instance ARNs (arn:aws:ec2:REGION:ACCOUNT:instance/i-...) in Resource, or add a "
      .. "StringEquals condition on ssm:resourceTag/<key>.",
    help = help("## IAM-SSM-1: scope ssm:SendCommand\n\n"
      .. "ssm:SendCommand runs commands on every machine managed by SSM that it reaches (SSM Agent "
      .. "installed and an instance profile with the right permissions). With a wildcard resource "
      .. "it grants unrestricted command execution on all SSM-managed EC2 instances in the account. "
      .. "Some use cases legitimately need this (break-glass or admin roles, incident response), "
      .. "but most roles should reach only the instances their function requires.\n\n"
      .. "**Remediation:** use resource-level permissions, naming the instances in the statement "
      .. "(`arn:Partition:ec2:Region:Account:instance/InstanceId`), or a tag condition such as "
      .. "`ssm:resourceTag/<key>` so that the command works only on instances with the right tag.",
      SEND_COMMAND_FIX),
  },
  ssm_rule {
    id = "IAM-SSM-2",
    name = "ScopeSsmStartSession",
    action = "ssm:StartSession",
    security_severity = 7.0,
    short_description = "ssm:StartSession must be scoped by resource-tag conditions.",
    full_description = "ssm:StartSession action with Resource * that doesn't have a condition "
      .. "statement such as ssm:ResourceTag.",
    fix = "Add a StringEquals condition on ssm:resourceTag/<key>, or remove ssm:StartSession.",
    help = help("## IAM-SSM-2: scope ssm:StartSession\n\n"
      .. "ssm:StartSession lets a principal open an interactive shell on the target instance. "
      .. "Unrestricted, it allows logging in to instances the principal may not own. Session "
      .. "Manager should allow sessions only on properly tagged instances: instances started, "
      .. "deliberately or by accident, without the right tags must not be reachable.\n\n"
      .. "**Remediation:** add a tag condition such as `ssm:resourceTag/<key>`, or remove the "
      .. "ssm:StartSession action from the policy.",
      START_SESSION_FIX),
  },
}
