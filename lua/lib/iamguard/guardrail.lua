-- iamguard.guardrail: the building blocks of guardrail rules.
--
--   local g = require("iamguard.guardrail")
--
-- Most guardrails of the aws-samples catalogue say one of two things:
--
--  * "action A must be scoped": an Allow that grants A on resources nobody
--    named (a wildcard reaching every instance, key, role...), with no
--    resource-tag condition narrowing it and no Deny of the same document
--    taking it back, is a finding. g.unscoped_rule{...} declares such a
--    rule; IAM-SSM-1 and IAM-SSM-2 are two of them (lua/rules/ssm.lua).
--  * "only authorized principals may hold action A": any Allow of A is a
--    finding unless every principal holding the policy matches the
--    authorized_principals parameter. g.restricted_rule{...} declares it.
--
-- Both return an ordinary rule table (id, level, help, params, check), so a
-- rule file can return it as it is, add fields, or wrap check. The pieces
-- they are made of are exported too (g.grant, g.tag_scope, g.deny_covers,
-- g.find_unscoped, g.authorized, g.message...) for rules of other shapes.
--
-- docs/RULES.md ("The guardrail library") is the reference; this module is
-- built into iamguard, holds no state, and rules get a read-only view of it.

local M = {}

---------------------------------------------------------------------------
-- Text
---------------------------------------------------------------------------

--- '"text"'.
function M.quote(s)
  return '"' .. tostring(s) .. '"'
end

--- How messages name a statement: 'Statement "Sid"' or 'Statement #3'.
function M.statement_name(st)
  if st.sid and st.sid ~= "" then return "Statement " .. M.quote(st.sid) end
  return "Statement #" .. st.index
end

--- "a", "a and b", "a, b and c", or with more than `max` items (default 5)
--- "a, b, c, d, e and 3 more".
function M.join(items, max)
  max = max or 5
  local n = #items
  if n == 0 then return "" end
  if n == 1 then return tostring(items[1]) end
  local shown = {}
  for i = 1, math.min(n, max) do shown[#shown + 1] = tostring(items[i]) end
  if n > max then
    return table.concat(shown, ", ") .. " and " .. (n - max) .. " more"
  end
  local last = table.remove(shown)
  return table.concat(shown, ", ") .. " and " .. last
end

--- The name of a holder or principal for messages: 'role "Deploy"' (its name,
--- logical ID or Terraform address, else its ARN).
function M.holder_name(h)
  local label = h.name or h.id or h.arn or "?"
  return (h.type or "principal") .. " " .. M.quote(label)
end

--- The standard finding message. Fields (all optional but `statement` and
--- `action`):
---   statement  the statement (named as statement_name does)
---   action     the action granted ("ssm:SendCommand")
---   target     what it reaches ("any instance"; default "any resource";
---              false: say nothing of resources)
---   granted_by how the action is granted (grant() gives it)
---   reached_by how the resources are reached ("Resource \"*\" matches every instance")
---   unscoped   what is missing ("no condition on ssm:resourceTag/<key> narrows it")
---   holders    list of holders (or principals) the finding is about
---   fix        what to do, one or two sentences
--- Gives 'Statement "X" allows A on any instance. <granted_by> grants A,
--- <reached_by>, and <unscoped>. <fix>', leaving out what is not given.
function M.message(m)
  local out = M.statement_name(m.statement) .. " allows " .. m.action
  if m.target ~= false then out = out .. " on " .. (m.target or "any resource") end
  if m.holders and #m.holders > 0 then
    local names = {}
    for i, h in ipairs(m.holders) do names[i] = M.holder_name(h) end
    out = out .. " for " .. M.join(names)
  end
  out = out .. "."
  local why = {}
  if m.granted_by then why[#why + 1] = m.granted_by .. " grants " .. m.action end
  if m.reached_by then why[#why + 1] = m.reached_by end
  if m.unscoped then why[#why + 1] = m.unscoped end
  if #why > 0 then
    local sentence = why[1]
    if #why == 2 then
      sentence = why[1] .. " and " .. why[2]
    elseif #why == 3 then
      sentence = why[1] .. ", " .. why[2] .. ", and " .. why[3]
    end
    out = out .. " " .. sentence .. "."
  end
  if m.fix and m.fix ~= "" then out = out .. " " .. m.fix end
  return out
end

---------------------------------------------------------------------------
-- The action catalogue
---------------------------------------------------------------------------

-- Resource ids in probe ARNs: a value nobody writes, shaped like real ids
-- so that a pattern such as "instance/i-*" still counts as reaching them.
local ID_PROBES = {
  InstanceId = "i-0unscopedprobe00",
  ImageId = "ami-0unscopedprobe00",
  VolumeId = "vol-0unscopedprobe00",
  SnapshotId = "snap-0unscopedprobe00",
  SecurityGroupId = "sg-0unscopedprobe00",
  VpcId = "vpc-0unscopedprobe00",
  SubnetId = "subnet-0unscopedprobe00",
  NetworkInterfaceId = "eni-0unscopedprobe00",
  KeyId = "0unscoped-probe-0000-0000-000000000000",
}
local DEFAULT_PROBE = "unscopedprobe0"
local FREE = { Partition = "{partition}", Region = "{region}", Account = "{account}" }

--- A probe template from a catalogue ARN format: ${Partition}, ${Region} and
--- ${Account} become {partition}, {region} and {account} (st:reaches fills
--- them from each pattern), every other ${Name} an id nobody named.
function M.probe_template(arn_format)
  local out, i = {}, 1
  while true do
    local s = string.find(arn_format, "${", i, true)
    if not s then
      out[#out + 1] = string.sub(arn_format, i)
      break
    end
    local e = string.find(arn_format, "}", s + 2, true)
    if not e then
      out[#out + 1] = string.sub(arn_format, i)
      break
    end
    out[#out + 1] = string.sub(arn_format, i, s - 1)
    local var = string.sub(arn_format, s + 2, e - 1)
    out[#out + 1] = FREE[var] or ID_PROBES[var] or DEFAULT_PROBE
    i = e + 1
  end
  return table.concat(out)
end

-- The catalogue entry of `action`, or an error naming the rule's mistake.
local function catalogue_action(action)
  local a = iam.action and iam.action(action)
  if not a then
    error("iamguard.guardrail: " .. tostring(action) .. " is not an action of the IAM catalogue;"
      .. " give templates and tag_keys yourself", 0)
  end
  return a
end

-- The resource types of a catalogue action that `names` selects (nil: all).
local function resource_types(a, names, action)
  if not names then return a.resource_types end
  local out = {}
  for _, want in ipairs(names) do
    local found
    for _, rt in ipairs(a.resource_types) do
      if rt.name == want then found = rt end
    end
    if not found then
      local have = {}
      for i, rt in ipairs(a.resource_types) do have[i] = rt.name end
      error("iamguard.guardrail: " .. action .. " has no resource type " .. M.quote(want)
        .. " (it has " .. M.join(have, 20) .. ")", 0)
    end
    out[#out + 1] = found
  end
  return out
end

--- Probe templates for the resources `action` acts on (the catalogue's ARN
--- formats of its resource types, or of those named in `types`), for
--- st:reaches and find_unscoped. Raises an error for an action the
--- catalogue does not know.
function M.templates(action, types)
  local a = catalogue_action(action)
  local out = {}
  for _, rt in ipairs(resource_types(a, types, action)) do
    if rt.arn and rt.arn ~= "" then out[#out + 1] = M.probe_template(rt.arn) end
  end
  return out
end

-- "svc:ResourceTag/${TagKey}" (or the catalogue's ".../tag-key") -> the
-- lower-case prefix "svc:resourcetag/"; nil for request and principal tags.
local function tag_prefix(key)
  local slash = string.find(key, "/", 1, true)
  if not slash then return nil end
  local tail = string.sub(key, slash + 1)
  if tail ~= "${TagKey}" and tail ~= "tag-key" then return nil end
  local lower = string.lower(string.sub(key, 1, slash))
  if string.find(lower, "requesttag/", 1, true) or string.find(lower, "principaltag/", 1, true) then
    return nil
  end
  if not string.find(lower, "tag/", 1, true) then return nil end
  return lower
end

--- The resource-tag condition key prefixes `action` supports, lower-case,
--- from the catalogue ("aws:resourcetag/", "ssm:resourcetag/", ...): keys
--- of its resource types (or of those named in `types`) and of the action.
function M.tag_keys(action, types)
  local a = catalogue_action(action)
  local seen, out = {}, {}
  local function add(key)
    local p = tag_prefix(key)
    if p and not seen[p] then
      seen[p] = true
      out[#out + 1] = p
    end
  end
  for _, rt in ipairs(resource_types(a, types, action)) do
    for _, k in ipairs(rt.condition_keys or {}) do add(k) end
  end
  for _, k in ipairs(a.condition_keys or {}) do add(k) end
  table.sort(out)
  return out
end

---------------------------------------------------------------------------
-- Statements
---------------------------------------------------------------------------

--- Does st grant `action`? Returns nil, or a table {element = "Action" |
--- "NotAction", index = n or nil, pattern = "ssm:*" or nil, text =
--- 'Action "ssm:*"' or "NotAction, which does not exclude it,"}: where to
--- report and how to say it. Ignores Effect.
function M.grant(st, action)
  local yes, pattern, index = st:grants(action)
  if not yes then return nil end
  if pattern then
    return { element = "Action", index = index, pattern = pattern,
             text = "Action " .. M.quote(pattern) }
  end
  return { element = "NotAction", text = "NotAction, which does not exclude it," }
end

-- Is `value` made only of '*' and '?' (so it admits any tag value)?
local function only_wildcards(value)
  for i = 1, #value do
    local c = string.sub(value, i, i)
    if c ~= "*" and c ~= "?" then return false end
  end
  return true
end

--- The tag name T of a resource-tag condition key "prefix" .. T, for one of
--- the lower-case `prefixes` (tag_keys gives them), or nil.
function M.resource_tag(key, prefixes)
  local lower = string.lower(key)
  for _, prefix in ipairs(prefixes) do
    if string.sub(lower, 1, #prefix) == prefix and #key > #prefix then
      return string.sub(key, #prefix + 1)
    end
  end
  return nil
end

-- Tags whose names start with "aws:" are set by AWS, never by principals.
local function reserved(tag)
  return string.lower(string.sub(tag, 1, 4)) == "aws:"
end

-- Does the condition pin the resources down to specific tag values?
local function restricts(cond, tag)
  if reserved(tag) then return true end
  for _, v in ipairs(cond.values) do
    if not only_wildcards(v) then return true end
  end
  return false
end

local SCOPING = { StringEquals = true, StringEqualsIgnoreCase = true, StringLike = true }
local NEGATED = { StringNotEquals = true, StringNotEqualsIgnoreCase = true, StringNotLike = true }

--- The condition entry of st that scopes it to specifically tagged
--- resources (one of the resource-tag key `prefixes`), or nil: StringEquals,
--- StringEqualsIgnoreCase or StringLike (ForAnyValue: allowed; not
--- ForAllValues:, not ...IfExists) with a value that is not only '*' and
--- '?' (any value for tags starting with "aws:"), or Null = false on an
--- "aws:" tag.
function M.tag_scope(st, prefixes)
  for _, cond in ipairs(st.conditions) do
    local tag = M.resource_tag(cond.key, prefixes)
    if tag then
      if SCOPING[cond.base] and cond.set ~= "ForAllValues" and not cond.if_exists
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

--- Does Deny statement st take `action` away from every resource of
--- `templates`, unconditionally or only outside specifically tagged
--- resources (negated string operators on the tag `prefixes`)?
function M.deny_covers(st, action, templates, prefixes)
  if st.effect ~= "Deny" or not st:grants(action) or not st:reaches(templates) then
    return false
  end
  for _, cond in ipairs(st.conditions) do
    local tag = M.resource_tag(cond.key, prefixes)
    if not (tag and NEGATED[cond.base] and cond.set == nil and restricts(cond, tag)) then
      return false
    end
  end
  return true
end

---------------------------------------------------------------------------
-- Unscoped grants
---------------------------------------------------------------------------

-- Fill in a spec's defaults from the catalogue, once per rule.
local function complete(spec)
  if spec.templates and spec.tag_keys then return spec end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.templates = spec.templates or M.templates(spec.action, spec.resource_types)
  s.tag_keys = spec.tag_keys or M.tag_keys(spec.action, spec.resource_types)
  return s
end

--- The Allow statements of `policy` that grant spec.action on a resource
--- nobody named (spec.templates, default from the catalogue), with no tag
--- condition scoping them (spec.tag_keys, default from the catalogue), when
--- no Deny of the document covers the action on those resources. Returns a
--- list of hits {statement, grant (as grant() gives it), resource (the
--- Resource pattern, or nil for NotResource)}; empty when the policy is not
--- of a kind in spec.kinds (default {"identity"}).
function M.find_unscoped(policy, spec)
  spec = complete(spec)
  local kinds = spec.kinds or { "identity" }
  local judged = false
  for _, k in ipairs(kinds) do judged = judged or policy.kind == k end
  local hits = {}
  if not judged then return hits end
  local statements = policy.statements
  for _, st in ipairs(statements) do
    if M.deny_covers(st, spec.action, spec.templates, spec.tag_keys) then return hits end
  end
  for _, st in ipairs(statements) do
    if st.effect == "Allow" then
      local gr = M.grant(st, spec.action)
      if gr then
        local reaches, resource = st:reaches(spec.templates)
        if reaches and not M.tag_scope(st, spec.tag_keys) then
          hits[#hits + 1] = { statement = st, grant = gr, resource = resource }
        end
      end
    end
  end
  return hits
end

---------------------------------------------------------------------------
-- Principals
---------------------------------------------------------------------------

--- Does `pattern` (a glob: '*' and '?' match any text, case-sensitive)
--- match the holder or principal h, by its ARN, name or logical ID?
function M.principal_matches(pattern, h)
  return (h.arn ~= nil and iam.arn_match(pattern, h.arn))
    or (h.name ~= nil and iam.arn_match(pattern, h.name))
    or (h.id ~= nil and iam.arn_match(pattern, h.id))
end

--- Is h matched by one of `patterns`?
function M.authorized(h, patterns)
  for _, p in ipairs(patterns or {}) do
    if M.principal_matches(p, h) then return true end
  end
  return false
end

--- The holders of `policy` (policy.holders) that none of `patterns`
--- matches, and whether the policy has holders at all. A policy nobody
--- holds in its file (a raw policy file) cannot be excused by patterns.
function M.unauthorized_holders(policy, patterns)
  local holders = policy.holders or {}
  local out = {}
  for _, h in ipairs(holders) do
    if not M.authorized(h, patterns) then out[#out + 1] = h end
  end
  return out, #holders > 0
end

-- The parameter declaration every guardrail built here takes.
local AUTHORIZED = {
  default = {},
  description = "Principals allowed to hold the access: ARN or name globs ('*' and '?'), "
    .. "e.g. arn:aws:iam::*:role/BreakGlass*. A policy whose holders all match is not "
    .. "reported.",
}

local function copy_fields(spec, rule, skip)
  for k, v in pairs(spec) do
    if not skip[k] then rule[k] = v end
  end
end

local SPEC_ONLY = {
  action = true, templates = true, tag_keys = true, resource_types = true, target = true,
  fix = true, kinds = true, reached = true, unscoped = true, actions = true,
  unconfigured_level = true,
}

--- A rule table for "spec.action must be scoped". spec holds the rule's own
--- fields (id, level, short_description, help, tags, ...) and:
---   action          the action ("ssm:SendCommand")
---   target          what an unscoped grant reaches, for messages ("any instance")
---   resource_types  catalogue resource types the guardrail is about ({"instance"})
---   templates       probe ARN templates (default: from the catalogue)
---   tag_keys        lower-case tag key prefixes (default: from the catalogue)
---   reached         phrase for a Resource pattern: function(pattern) -> text
---                   (default 'Resource "p" matches every <target>')
---   unscoped        what is missing (default "no resource-tag condition narrows it")
---   fix             remediation sentence(s) ending the message
---   kinds           policy kinds judged (default {"identity"})
--- The rule declares params.authorized_principals: a finding is left out
--- when every holder of the policy matches one of those patterns.
function M.unscoped_rule(spec)
  assert(type(spec.action) == "string", "unscoped_rule: 'action' is required")
  local rule = {}
  copy_fields(spec, rule, SPEC_ONLY)
  local params = {}
  for k, v in pairs(spec.params or {}) do params[k] = v end
  params.authorized_principals = params.authorized_principals or AUTHORIZED
  rule.params = params
  local target = spec.target or "any resource"
  local reached = spec.reached or function(pattern)
    return "Resource " .. M.quote(pattern) .. " matches " .. target
  end
  -- Catalogue look-ups once, when the rule is declared: a mistake in the
  -- spec is then an error of the rule file, not of every document.
  local full = complete(spec)
  local user_check = spec.check
  rule.check = function(policy, report, p)
    local hits = M.find_unscoped(policy, full)
    if #hits > 0 and p and #p.authorized_principals > 0 then
      local left, held = M.unauthorized_holders(policy, p.authorized_principals)
      if held and #left == 0 then hits = {} end
    end
    for _, hit in ipairs(hits) do
      report {
        statement = hit.statement,
        element = hit.grant.element,
        index = hit.grant.index,
        message = M.message {
          statement = hit.statement,
          action = spec.action,
          target = target,
          granted_by = hit.grant.text,
          reached_by = hit.resource and reached(hit.resource)
            or "NotResource does not exclude them",
          unscoped = spec.unscoped or "no resource-tag condition narrows it",
          fix = spec.fix,
        },
      }
    end
    if user_check then user_check(policy, report, p) end
  end
  return rule
end

--- A rule table for "only authorized principals may hold these actions".
--- spec holds the rule's own fields and:
---   actions             list of actions (or action globs) that are restricted
---   kinds               policy kinds judged (default {"identity"})
---   fix                 remediation sentence(s)
---   unconfigured_level  level of findings while authorized_principals is
---                       empty (default "note": nobody said who may)
--- An Allow granting one of the actions is a finding unless the document
--- has holders and all of them match params.authorized_principals.
function M.restricted_rule(spec)
  assert(type(spec.actions) == "table" and #spec.actions > 0,
    "restricted_rule: 'actions' must be a non-empty list")
  local rule = {}
  copy_fields(spec, rule, SPEC_ONLY)
  local params = {}
  for k, v in pairs(spec.params or {}) do params[k] = v end
  params.authorized_principals = params.authorized_principals or AUTHORIZED
  rule.params = params
  local kinds = spec.kinds or { "identity" }
  rule.check = function(policy, report, p)
    local judged = false
    for _, k in ipairs(kinds) do judged = judged or policy.kind == k end
    if not judged then return end
    local patterns = p and p.authorized_principals or {}
    local left, held = M.unauthorized_holders(policy, patterns)
    if #patterns > 0 and held and #left == 0 then return end
    for _, st in ipairs(policy.statements) do
      if st.effect == "Allow" then
        for _, action in ipairs(spec.actions) do
          local gr = M.grant(st, action)
          if gr then
            local how
            if #patterns == 0 then
              how = "No authorized_principals are configured for " .. rule.id
                .. ": list the principals that may hold it under rules: " .. rule.id
                .. ": params: in .iamguard.yml."
            else
              how = "It is held by principals outside authorized_principals."
            end
            report {
              statement = st,
              element = gr.element,
              index = gr.index,
              level = #patterns == 0 and (spec.unconfigured_level or "note") or nil,
              message = M.message {
                statement = st,
                action = action,
                target = false,
                holders = held and left or nil,
                granted_by = gr.text,
                fix = how .. (spec.fix and (" " .. spec.fix) or ""),
              },
            }
            break
          end
        end
      end
    end
  end
  return rule
end

return M
