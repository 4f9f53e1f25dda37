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
--    rule; IAM-SSM-1 and IAM-SSM-2 are two of them (lua/rules/ssm.lua), and
--    their rule text (README "Built-in rules") is what it decides.
--  * "only authorized principals may hold action A": any Allow of A is a
--    finding unless every principal holding the policy matches the
--    authorized_principals parameter. g.restricted_rule{...} declares it.
--
-- Both return an ordinary rule table (id, level, help, params, check), so a
-- rule file can return it as it is or add to it. The pieces they are made
-- of are exported too (g.grant, g.tag_scope, g.covering_denies,
-- g.unscoped_grant, g.find_unscoped, g.unauthorized_holders, g.message...)
-- for rules of other shapes.
--
-- docs/RULES.md ("The guardrail library") is the reference. This module is
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

--- "a", "a and b", "a, b and c", or past `max` items (default 5)
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

--- A holder or principal for messages: 'role "Deploy"' (its name, logical
--- ID or Terraform address, else its ARN).
function M.holder_name(h)
  return (h.type or "principal") .. " " .. M.quote(h.name or h.id or h.arn or "?")
end

--- The standard finding message. Fields (all optional but `statement` and
--- `action`):
---   statement  the statement (named as statement_name does)
---   action     the action granted ("ssm:SendCommand")
---   target     what it is granted on ("instances it does not name"; default
---              "resources it does not name"; false: say nothing of it)
---   holders    list of holders (or principals) the finding is about
---   granted_by how the action is granted ('Action "ssm:*" grants it', as
---              grant() gives it)
---   reached_by how the resources are reached ('Resource "*" matches them',
---              as reach_text() gives it)
---   unscoped   what is missing ("no condition on ssm:resourceTag/<key> narrows it")
---   fix        what to do, one or two sentences
--- Gives 'Statement "X" allows A on <target> [for role "R"]. <granted_by>,
--- <reached_by>, and <unscoped>. <fix>', leaving out what is not given.
function M.message(m)
  local out = M.statement_name(m.statement) .. " allows " .. m.action
  if m.target ~= false then out = out .. " on " .. (m.target or "resources it does not name") end
  if m.holders and #m.holders > 0 then
    local names = {}
    for i, h in ipairs(m.holders) do names[i] = M.holder_name(h) end
    out = out .. " for " .. M.join(names)
  end
  out = out .. "."
  local why = {}
  if m.granted_by then why[#why + 1] = m.granted_by end
  if m.reached_by then why[#why + 1] = m.reached_by end
  if m.unscoped then why[#why + 1] = m.unscoped end
  if #why == 1 then
    out = out .. " " .. why[1] .. "."
  elseif #why == 2 then
    out = out .. " " .. why[1] .. " and " .. why[2] .. "."
  elseif #why == 3 then
    out = out .. " " .. why[1] .. ", " .. why[2] .. ", and " .. why[3] .. "."
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
--- ${Account} become {partition}, {region} and {account} (free: any value),
--- every other ${Name} an id nobody named.
function M.probe_template(arn_format)
  local out, i = {}, 1
  while true do
    local s = string.find(arn_format, "${", i, true)
    local e = s and string.find(arn_format, "}", s + 2, true)
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

--- Probe templates for the resources `action` acts on: the catalogue's ARN
--- formats of its resource types (or of those named in `types`), for
--- st:reaches_uncovered. Raises an error for an action the catalogue does
--- not know, or a resource type the action does not have.
function M.templates(action, types)
  local a = catalogue_action(action)
  local out = {}
  for _, rt in ipairs(resource_types(a, types, action)) do
    if rt.arn and rt.arn ~= "" then out[#out + 1] = M.probe_template(rt.arn) end
  end
  return out
end

-- "svc:ResourceTag/${TagKey}" (or the catalogue's ".../tag-key") -> the
-- prefix "svc:ResourceTag/"; nil for request and principal tags.
local function tag_prefix(key)
  local slash = string.find(key, "/", 1, true)
  if not slash then return nil end
  local tail = string.sub(key, slash + 1)
  if tail ~= "${TagKey}" and tail ~= "tag-key" then return nil end
  local prefix = string.sub(key, 1, slash)
  local lower = string.lower(prefix)
  if string.find(lower, "requesttag/", 1, true) or string.find(lower, "principaltag/", 1, true) then
    return nil
  end
  if not string.find(lower, "tag/", 1, true) then return nil end
  return prefix
end

--- The resource-tag condition key prefixes `action` supports, from the
--- catalogue ("aws:ResourceTag/", "ssm:resourceTag/", ...): keys of its
--- resource types (or of those named in `types`) and of the action itself.
function M.tag_keys(action, types)
  local a = catalogue_action(action)
  local seen, out = {}, {}
  local function add(key)
    local p = tag_prefix(key)
    if p and not seen[string.lower(p)] then
      seen[string.lower(p)] = true
      out[#out + 1] = p
    end
  end
  for _, rt in ipairs(resource_types(a, types, action)) do
    for _, k in ipairs(rt.condition_keys or {}) do add(k) end
  end
  for _, k in ipairs(a.condition_keys or {}) do add(k) end
  table.sort(out, function(x, y) return string.lower(x) < string.lower(y) end)
  return out
end

---------------------------------------------------------------------------
-- Statements
---------------------------------------------------------------------------

--- Does st grant `action`? Returns nil, or a table {element = "Action" |
--- "NotAction", index = n or nil, pattern = "ssm:*" or nil, text =
--- 'Action "ssm:*" grants it' or "NotAction does not exclude it"}: where
--- to report and how to say it. Ignores Effect.
local function grant_info(pattern, index)
  if pattern then
    return { element = "Action", index = index, pattern = pattern,
             text = "Action " .. M.quote(pattern) .. " grants it" }
  end
  return { element = "NotAction", text = "NotAction does not exclude it" }
end

function M.grant(st, action)
  local yes, pattern, index = st:grants(action)
  if not yes then return nil end
  return grant_info(pattern, index)
end

--- The tag name T of a resource-tag condition key prefix .. T, for one of
--- `prefixes` (tag_keys gives them; compared case-insensitively), or nil.
local function resource_tag(key, prefixes)
  for _, prefix in ipairs(prefixes) do
    local p = string.lower(prefix)
    -- Only the prefix is lowered: the key may be long.
    if #key > #p and string.lower(string.sub(key, 1, #p)) == p then
      return string.sub(key, #p + 1)
    end
  end
  return nil
end
M.resource_tag = resource_tag

--- Tags whose names start with "aws:" are set by AWS, never by principals,
--- so any condition on them pins the resources down.
local function reserved_tag(tag)
  return string.lower(string.sub(tag, 1, 4)) == "aws:"
end
M.reserved_tag = reserved_tag

--- Is the value made only of '*' and '?' (the escapes ${*} and ${?} being
--- those characters too)? Such a value admits a tag value anyone allowed to
--- tag a resource can set. A policy variable counts as specific.
local only_wildcards = iam.only_wildcards -- in C: values can be megabytes long
M.only_wildcards = only_wildcards

--- Specific tag values: a non-empty list of strings (numbers and booleans
--- never count), each not made only of '*' and '?' (any strings for tags
--- that start with "aws:"). A malformed entry never qualifies.
local function specific_values(cond, tag)
  if cond.malformed or #cond.values == 0 then return false end
  for i, v in ipairs(cond.values) do
    if cond.types[i] ~= "string" then return false end
    if not reserved_tag(tag) and only_wildcards(v) then return false end
  end
  return true
end
M.specific_values = specific_values

-- Null's false: the JSON false or the string "false" in any letter case.
local function all_false(cond)
  if cond.malformed or #cond.values == 0 then return false end
  for i, v in ipairs(cond.values) do
    if cond.types[i] == "number" or #v ~= 5 or string.lower(v) ~= "false" then return false end
  end
  return true
end

local SCOPING = { StringEquals = true, StringEqualsIgnoreCase = true, StringLike = true }
local NEGATED = { StringNotEquals = true, StringNotEqualsIgnoreCase = true, StringNotLike = true }

--- The condition entry that scopes statement st to resources with specific
--- tags (keys with one of `prefixes`), or nil: StringEquals,
--- StringEqualsIgnoreCase or StringLike (ForAnyValue: allowed; never
--- ForAllValues:, ...IfExists or a negated operator) with specific values,
--- or Null with only false values on a tag that starts with "aws:".
local function tag_scope(st, prefixes)
  for _, cond in ipairs(st.conditions) do
    local tag = resource_tag(cond.key, prefixes)
    if tag and cond.known then
      if SCOPING[cond.base] and cond.set ~= "ForAllValues" and not cond.if_exists
          and specific_values(cond, tag) then
        return cond
      end
      if cond.operator == "Null" and reserved_tag(tag) and all_false(cond) then return cond end
    end
  end
  return nil
end
M.tag_scope = tag_scope

--- Is st a Deny that takes `action` away from every resource its Resource
--- (or NotResource) reaches? Only when it is well formed and unconditional,
--- or conditional only on resource tags (keys with one of `prefixes`)
--- outside specific values: StringNotEquals, StringNotEqualsIgnoreCase or
--- StringNotLike, with or without IfExists, without a set prefix.
local function deny_covers(st, action, prefixes)
  if st.effect ~= "Deny" or not st.well_formed or not st:grants(action) then return false end
  for _, cond in ipairs(st.conditions) do
    local tag = resource_tag(cond.key, prefixes or {})
    if not (tag and cond.known and NEGATED[cond.base] and cond.set == nil
        and specific_values(cond, tag)) then
      return false
    end
  end
  return true
end
M.deny_covers = deny_covers

--- The covering Denies of a policy for `action` (deny_covers), in order.
local function covering_denies(policy, action, prefixes)
  local denies = {}
  for _, st in ipairs(policy.statements) do
    if deny_covers(st, action, prefixes) then denies[#denies + 1] = st end
  end
  return denies
end
M.covering_denies = covering_denies

--- Does Allow statement st grant `action` on a resource of `templates` that
--- none of `denies` covers, with no tag condition (keys with one of
--- `prefixes`) scoping it? Returns nil, or a hit {statement, grant (as
--- grant() gives it), resource (the Resource pattern through which it
--- reaches; nil for NotResource), resource_index, example (an ARN reached;
--- nil when the analysis stopped at its limit, which counts as reaching)}.
local function unscoped_grant(st, action, templates, denies, prefixes)
  if st.effect ~= "Allow" then return nil end
  local yes, pattern, pattern_index = st:grants(action)
  if not yes or tag_scope(st, prefixes) then return nil end
  local reaches, resource, index, example = st:reaches_uncovered(templates, denies)
  if not reaches then return nil end
  return { statement = st, grant = grant_info(pattern, pattern_index), resource = resource,
           resource_index = index, example = example }
end
M.unscoped_grant = unscoped_grant

--- How a hit reaches its resources, for messages: 'Resource "p" matches
--- them' or "NotResource does not exclude them", then ", no Deny covers
--- <ARN>" when the document has covering Denies.
function M.reach_text(hit, denies)
  local text
  if not hit.example then
    text = "the analysis of its resources stopped at its limit (max_reach_configs)"
  elseif hit.resource then
    text = "Resource " .. M.quote(hit.resource) .. " matches them"
  else
    text = "NotResource does not exclude them"
  end
  if denies and #denies > 0 and hit.example then
    text = text .. ", no Deny covers " .. hit.example
  end
  return text
end

--- "no condition on aws:ResourceTag/<key> (or ec2:ResourceTag/<key>) narrows it".
function M.unscoped_text(prefixes)
  if #prefixes == 0 then return "no condition narrows it" end
  local alts = {}
  for i = 2, #prefixes do alts[#alts + 1] = prefixes[i] .. "<key>" end
  local text = "no condition on " .. prefixes[1] .. "<key>"
  if #alts > 0 then text = text .. " (or " .. table.concat(alts, ", ") .. ")" end
  return text .. " narrows it"
end

--- Is the policy of a kind in `kinds` (default {"identity"})?
local function judged(policy, kinds)
  for _, k in ipairs(kinds or { "identity" }) do
    if policy.kind == k then return true end
  end
  return false
end
M.judged = judged

-- A spec with its defaults from the catalogue.
local function complete(spec)
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.templates = spec.templates or M.templates(spec.action, spec.resource_types)
  s.tag_keys = spec.tag_keys or M.tag_keys(spec.action, spec.resource_types)
  s.kinds = spec.kinds or { "identity" }
  return s
end

--- The unscoped grants of spec.action in `policy`: a list of hits (as
--- unscoped_grant gives them), one per Allow statement in order, and the
--- covering Denies. spec.templates and spec.tag_keys default to the
--- catalogue's for spec.action (and spec.resource_types); a policy that is
--- not of a kind in spec.kinds (default {"identity"}) has none.
function M.find_unscoped(policy, spec)
  if not (spec.templates and spec.tag_keys) then spec = complete(spec) end
  local hits = {}
  if not judged(policy, spec.kinds) then return hits, {} end
  local denies = covering_denies(policy, spec.action, spec.tag_keys)
  for _, st in ipairs(policy.statements) do
    local hit = unscoped_grant(st, spec.action, spec.templates, denies, spec.tag_keys)
    if hit then hits[#hits + 1] = hit end
  end
  return hits, denies
end

---------------------------------------------------------------------------
-- Principals
---------------------------------------------------------------------------

--- Does `pattern` (a glob: '*' and '?' match any text, case-sensitive)
--- match the holder or principal h, by its ARN, name or logical ID? A
--- principal a template or plan declares, whose ARN the file does not say
--- (or says is "", as some plans do)
--- but whose type, path and name it does, has the ARN
--- arn:<partition>:iam::<account>:<type><path><name> for some partition
--- and account: the pattern matches its ARN when it matches one of those
--- (iam.arn_match_any_account). Without a name (CloudFormation makes one
--- up) or a known path there is no ARN to match: name and logical ID only.
function M.principal_matches(pattern, h)
  if h.arn ~= nil and h.arn ~= "" then
    if iam.arn_match(pattern, h.arn) then return true end
  elseif h.name ~= nil and h.type ~= nil and h.path ~= nil then
    if iam.arn_match_any_account(pattern, h.type .. h.path .. h.name) then return true end
  end
  return (h.name ~= nil and iam.arn_match(pattern, h.name))
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
--- matches, and whether the policy has holders at all: a policy nobody in
--- its file holds (a raw policy file) cannot be excused by patterns.
function M.unauthorized_holders(policy, patterns)
  local holders = policy.holders or {}
  local out = {}
  for _, h in ipairs(holders) do
    if not M.authorized(h, patterns) then out[#out + 1] = h end
  end
  return out, #holders > 0
end

--- Is every holder of `policy` authorized (and is there one)?
function M.all_authorized(policy, patterns)
  if not patterns or #patterns == 0 then return false end
  local left, held = M.unauthorized_holders(policy, patterns)
  return held and #left == 0
end

---------------------------------------------------------------------------
-- Rules
---------------------------------------------------------------------------

--- The declaration of the authorized_principals parameter that the rules
--- built here take (a table: copy it to change the description).
M.AUTHORIZED_PRINCIPALS = {
  default = {},
  description = "Principals allowed to hold the access: ARN or name globs ('*' and '?'), "
    .. "e.g. arn:aws:iam::*:role/BreakGlass*. A policy whose holders all match is not "
    .. "reported.",
}

-- Fields of a spec that are not rule fields.
local SPEC_ONLY = {
  action = true, templates = true, tag_keys = true, resource_types = true, target = true,
  fix = true, kinds = true, unscoped = true, actions = true, unconfigured_level = true,
}

local function base_rule(spec)
  local rule = {}
  for k, v in pairs(spec) do
    if not SPEC_ONLY[k] then rule[k] = v end
  end
  local params = {}
  for k, v in pairs(spec.params or {}) do params[k] = v end
  params.authorized_principals = params.authorized_principals or M.AUTHORIZED_PRINCIPALS
  rule.params = params
  return rule
end

--- A rule table for "spec.action must be scoped". spec holds the rule's own
--- fields (id, level, short_description, help, tags, ...) and:
---   action          the action ("ssm:SendCommand")
---   resource_types  catalogue resource types the guardrail is about ({"instance"})
---   templates       probe ARN templates with {partition}, {region} and
---                   {account} free (default: from the catalogue)
---   tag_keys        resource-tag condition key prefixes, compared
---                   case-insensitively (default: from the catalogue)
---   target          what an unscoped grant reaches, for messages (default
---                   "resources it does not name")
---   unscoped        what is missing, for messages (default from tag_keys:
---                   "no condition on aws:ResourceTag/<key> ... narrows it")
---   fix             remediation sentence(s) ending the message
---   kinds           policy kinds judged (default {"identity"})
---   check           optional: also called, with the same arguments
--- One finding per Allow statement that unscoped_grant() reports, at the
--- Action item that grants the action (or at NotAction). The rule declares
--- params.authorized_principals: a policy whose holders all match one of
--- those patterns is not reported.
function M.unscoped_rule(spec)
  assert(type(spec.action) == "string", "unscoped_rule: 'action' is required")
  local rule = base_rule(spec)
  -- Catalogue look-ups once, when the rule is declared: a mistake in the
  -- spec is then an error of the rule file, not of every document.
  local full = complete(spec)
  local unscoped = spec.unscoped or M.unscoped_text(full.tag_keys)
  local extra = spec.check
  rule.check = function(policy, report, params)
    local hits, denies = M.find_unscoped(policy, full)
    if #hits > 0 and params and M.all_authorized(policy, params.authorized_principals) then
      hits = {}
    end
    for _, hit in ipairs(hits) do
      report {
        statement = hit.statement,
        element = hit.grant.element,
        index = hit.grant.index,
        message = M.message {
          statement = hit.statement,
          action = spec.action,
          target = spec.target,
          granted_by = hit.grant.text,
          reached_by = M.reach_text(hit, denies),
          unscoped = unscoped,
          fix = spec.fix,
        },
      }
    end
    if extra then extra(policy, report, params) end
  end
  return rule
end

--- A rule table for "only authorized principals may hold these actions".
--- spec holds the rule's own fields and:
---   actions             actions (or action globs) that are restricted
---   kinds               policy kinds judged (default {"identity"})
---   fix                 remediation sentence(s)
---   unconfigured_level  level of findings while authorized_principals is
---                       empty (default "note": nobody said who may)
---   check               optional: also called, with the same arguments
--- An Allow granting one of the actions (the first that it grants is named)
--- is a finding unless the policy has holders and all of them match
--- params.authorized_principals, or a Deny of the document takes the action
--- away everywhere (an unconditional, well-formed Deny that covers every
--- resource of the catalogue's ARN formats for it).
function M.restricted_rule(spec)
  assert(type(spec.actions) == "table" and #spec.actions > 0,
    "restricted_rule: 'actions' must be a non-empty list")
  local rule = base_rule(spec)
  local kinds = spec.kinds or { "identity" }
  -- Templates of the plain actions the catalogue knows, to judge Denies.
  local templates = {}
  for _, action in ipairs(spec.actions) do
    if not string.find(action, "*", 1, true) and not string.find(action, "?", 1, true)
        and iam.action(action) then
      templates[action] = M.templates(action)
    end
  end
  local extra = spec.check
  rule.check = function(policy, report, params)
    if judged(policy, kinds) then
      local patterns = params and params.authorized_principals or {}
      if not M.all_authorized(policy, patterns) then
        local left, held = M.unauthorized_holders(policy, patterns)
        local how
        if #patterns == 0 then
          how = "No authorized_principals are configured for " .. rule.id
            .. ": list the principals that may hold it under rules: " .. rule.id
            .. ": params: in .iamguard.yml."
        elseif held then
          how = "It is held by principals outside authorized_principals."
        else
          how = "No principal of this file holds the policy, so authorized_principals cannot "
            .. "excuse it."
        end
        if spec.fix then how = how .. " " .. spec.fix end
        local denies = {}
        for _, action in ipairs(spec.actions) do
          denies[action] = covering_denies(policy, action, {})
        end
        for _, st in ipairs(policy.statements) do
          if st.effect == "Allow" then
            for _, action in ipairs(spec.actions) do
              local gr = M.grant(st, action)
              if gr and templates[action] and #denies[action] > 0
                  and not st:reaches_uncovered(templates[action], denies[action]) then
                gr = nil
              end
              if gr then
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
                    fix = how,
                  },
                }
                break
              end
            end
          end
        end
      end
    end
    if extra then extra(policy, report, params) end
  end
  return rule
end

return M
