-- IAM-SSM-1 and IAM-SSM-2: SSM remote access must be scoped to named
-- instances or by resource-tag conditions.
--
-- From the aws-samples "IAM permissions guardrails" catalogue
-- (guardrails/ssm/IAM-SSM-1.json, IAM-SSM-2.json). Both rules share one
-- definition of "scoped", written out in README.md ("Built-in rules").

-- Instances nobody named: if a Resource pattern matches these, it reaches
-- every instance. {partition}, {region} and {account} take the pattern's
-- own segments, so an account-wide wildcard still counts as unscoped.
local PROBES = {
  "arn:{partition}:ec2:{region}:{account}:instance/i-0unscopedprobe00",
  "arn:{partition}:ssm:{region}:{account}:managed-instance/mi-0unscopedprobe00",
}

local TAG_KEY_PREFIXES = { "ssm:resourcetag/", "aws:resourcetag/", "ec2:resourcetag/" }
local SCOPING_OPERATORS = { StringEquals = true, StringEqualsIgnoreCase = true, StringLike = true }
local NEGATED_OPERATORS = { StringNotEquals = true, StringNotEqualsIgnoreCase = true, StringNotLike = true }

-- The tag name T of a resource-tag condition key, or nil.
local function resource_tag(key)
  local lower = string.lower(key)
  for _, prefix in ipairs(TAG_KEY_PREFIXES) do
    if string.sub(lower, 1, #prefix) == prefix and #key > #prefix then
      return string.sub(key, #prefix + 1)
    end
  end
  return nil
end

-- Tags whose names start with "aws:" are set by AWS, never by principals,
-- so any condition on them pins the instances down.
local function reserved(tag)
  return string.lower(string.sub(tag, 1, 4)) == "aws:"
end

local function only_wildcards(value)
  for i = 1, #value do
    local c = string.sub(value, i, i)
    if c ~= "*" and c ~= "?" then return false end
  end
  return true
end

-- Does the condition restrict which tag values match? A value of only '*'
-- and '?' admits any instance carrying the tag, which anyone allowed to tag
-- an instance can arrange. A policy variable counts as specific.
local function restricts(cond, tag)
  if reserved(tag) then return true end
  for _, v in ipairs(cond.values) do
    if not only_wildcards(v) then return true end
  end
  return false
end

-- Rule 4: one condition entry that scopes the statement to tagged instances.
local function scoping_condition(st)
  for _, cond in ipairs(st.conditions) do
    local tag = resource_tag(cond.key)
    if tag then
      if SCOPING_OPERATORS[cond.base] and cond.set ~= "ForAllValues" and not cond.if_exists
          and restricts(cond, tag) then
        return cond
      end
      if cond.operator == "Null" and reserved(tag) and #cond.values > 0 then
        local all_false = true
        for _, v in ipairs(cond.values) do
          if string.lower(v) ~= "false" then all_false = false end
        end
        if all_false then return cond end
      end
    end
  end
  return nil
end

-- Rule 5: a Deny that takes the action away from every instance, or from
-- every instance outside a specific tag.
local function deny_covers(st, action)
  if st.effect ~= "Deny" or not st:grants(action) or not st:reaches(PROBES) then
    return false
  end
  for _, cond in ipairs(st.conditions) do
    local tag = resource_tag(cond.key)
    if not (tag and NEGATED_OPERATORS[cond.base] and cond.set == nil and restricts(cond, tag)) then
      return false
    end
  end
  return true
end

local function quote(s)
  return '"' .. s .. '"'
end

local function statement_name(st)
  if st.sid and st.sid ~= "" then return "Statement " .. quote(st.sid) end
  return "Statement #" .. st.index
end

local function make_rule(spec)
  local action = spec.action
  return {
    id = spec.id,
    name = spec.name,
    level = "error",
    security_severity = spec.security_severity,
    precision = "high",
    short_description = spec.short_description,
    full_description = spec.full_description,
    help = spec.help,
    help_uri = "https://github.com/aws-samples/aws-iam-permissions-guardrails",
    tags = { "security", "iam", "ssm", "aws", "external/cwe/cwe-732" },
    check = function(policy, report)
      -- Trust and resource policies grant nothing to the principal itself.
      if policy.kind ~= "identity" then return end
      local statements = policy.statements
      for _, st in ipairs(statements) do
        if deny_covers(st, action) then return end
      end
      for _, st in ipairs(statements) do
        if st.effect == "Allow" then
          local grants, action_pattern, action_index = st:grants(action)
          if grants then
            local reaches, resource_pattern = st:reaches(PROBES)
            if reaches and not scoping_condition(st) then
              local how_granted, element, index
              if action_pattern then
                how_granted = "Action " .. quote(action_pattern)
                element, index = "Action", action_index
              else
                how_granted = "NotAction, which does not exclude it,"
                element = "NotAction"
              end
              local how_reached
              if resource_pattern then
                how_reached = "Resource " .. quote(resource_pattern) .. " matches every instance"
              else
                how_reached = "NotResource does not exclude instances"
              end
              report {
                statement = st,
                element = element,
                index = index,
                message = statement_name(st) .. " allows " .. action .. " on any instance. "
                  .. how_granted .. " grants " .. action .. ", " .. how_reached
                  .. ", and no condition on ssm:resourceTag/<key> (or aws:ResourceTag/<key>) "
                  .. "narrows it. " .. spec.fix,
              }
            end
          end
        end
      end
    end,
  }
end

local REFERENCES = [[
- [Controlling access to AWS resources using tags](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html)
- [Actions, resources and condition keys for AWS Systems Manager](https://docs.aws.amazon.com/IAM/latest/UserGuide/list_awssystemsmanager.html#awssystemsmanager-managed-instance)
- [Running commands using Systems Manager Run Command](https://docs.aws.amazon.com/systems-manager/latest/userguide/execute-remote-commands.html)
- [Systems Manager permissions reference](https://docs.aws.amazon.com/systems-manager/latest/userguide/auth-and-access-control-permissions-reference.html)
- [aws-samples/aws-iam-permissions-guardrails](https://github.com/aws-samples/aws-iam-permissions-guardrails)
]]

local WHAT_COUNTS = [[
### What iamguard reports

An `Allow` statement that grants the action (through `Action`, including
wildcards such as `ssm:*` or `*`, or through a `NotAction` that does not
exclude it) on a resource pattern that matches any instance (`*`,
`arn:aws:ec2:*:*:instance/*`, `arn:aws:ssm:*:*:managed-instance/*`, or a
`NotResource` that does not exclude instances), unless the statement has a
condition that pins the instances down by tag: `StringEquals`,
`StringEqualsIgnoreCase` or `StringLike` (optionally `ForAnyValue:`) on
`ssm:resourceTag/<key>`, `aws:ResourceTag/<key>` or `ec2:ResourceTag/<key>`
with a value that is not just `*`. `...IfExists` forms do not count: they
also match instances without the tag. A `Deny` of the same action on every
instance (or on every instance outside a specific tag) in the same policy
clears the finding. Trust policies are not checked.

Break-glass and incident-response roles may need this access: exempt them in
`.iamguard.yml` with an allowlist entry and a justification.
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

return {
  make_rule {
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
    help = "## IAM-SSM-1: scope ssm:SendCommand\n\n"
      .. "ssm:SendCommand runs commands on every machine managed by SSM that it reaches (SSM Agent "
      .. "installed and an instance profile with the right permissions). With a wildcard resource "
      .. "it grants unrestricted command execution on all SSM-managed EC2 instances in the account. "
      .. "Some use cases legitimately need this (break-glass or admin roles, incident response), "
      .. "but most roles should reach only the instances their function requires.\n\n"
      .. "**Remediation:** use resource-level permissions, naming the instances in the statement "
      .. "(`arn:Partition:ec2:Region:Account:instance/InstanceId`), or a tag condition such as "
      .. "`ssm:resourceTag/<key>` so that the command works only on instances with the right tag.\n\n"
      .. WHAT_COUNTS .. "\n" .. SEND_COMMAND_FIX .. "\n### References\n\n" .. REFERENCES,
  },
  make_rule {
    id = "IAM-SSM-2",
    name = "ScopeSsmStartSession",
    action = "ssm:StartSession",
    security_severity = 7.0,
    short_description = "ssm:StartSession must be scoped by resource-tag conditions.",
    full_description = "ssm:StartSession action with Resource * that doesn't have a condition "
      .. "statement such as ssm:ResourceTag.",
    fix = "Add a StringEquals condition on ssm:resourceTag/<key>, or remove ssm:StartSession.",
    help = "## IAM-SSM-2: scope ssm:StartSession\n\n"
      .. "ssm:StartSession lets a principal open an interactive shell on the target instance. "
      .. "Unrestricted, it allows logging in to instances the principal may not own. Session "
      .. "Manager should allow sessions only on properly tagged instances: instances started, "
      .. "deliberately or by accident, without the right tags must not be reachable.\n\n"
      .. "**Remediation:** add a tag condition such as `ssm:resourceTag/<key>`, or remove the "
      .. "ssm:StartSession action from the policy.\n\n"
      .. WHAT_COUNTS .. "\n" .. START_SESSION_FIX .. "\n### References\n\n" .. REFERENCES,
  },
}
