-- guard: guardrails on a list of actions, for identity policies and for
-- the resource policies of the service.
--
--   local guard = require("guard")
--   return common.rules("ecr", { guard.rule { id = "IAM-ECR-1", actions = {...}, ... } })
--
-- Two shapes, chosen by `scoped`:
--
--  * restricted (the default): "only authorized principals may hold A".
--    An Allow of a listed action is a finding unless every principal of
--    the file holding the policy matches authorized_principals; with no
--    list configured it is reported at `unconfigured_level` (default
--    "note") with a message that says how to configure one.
--  * scoped: "A must be scoped, or held only by authorized principals".
--    An Allow of a listed action is a finding when it reaches a resource
--    nobody named (the catalogue's ARN formats, every partition, region
--    and account) and no condition scopes it: a resource-tag condition the
--    action supports, or one of `scope_keys` with specific values. With
--    `restrict_scoped`, a scoped grant is a finding too once
--    authorized_principals is configured and a holder is outside it (with
--    `restrict_scoped = "always"`, a note while no list is configured).
--
-- In both, what an unconditional Deny of the same document takes back is
-- not granted: a Deny with Resource "*" takes the action back everywhere,
-- and for the unscoped part the Denies are subtracted exactly
-- (st:reaches_uncovered), together with Denies of every resource whose
-- tag differs from specific values (g.covering_denies). Documents used only as permissions boundaries,
-- SCPs and RCPs are never judged: they grant nothing.
--
-- With `resource` (a function telling the service's resource policies
-- apart), each Allow of a listed action in such a policy is judged by the
-- principals it names: an account root hands the decision to that
-- account's IAM policies (judged in turn) and is not reported; other
-- principals outside authorized_principals are reported (as notes while
-- no list is configured); anyone ("*", NotPrincipal) is reported at the
-- rule's level unless conditions on the caller's account, organization or
-- source narrow it, which are then named instead.

local g = require("iamguard.guardrail")
local actions = require("actions")
local principals = require("principals")
local conditions = require("conditions")

local M = {}

---------------------------------------------------------------------------
-- Statements, Denies and holders
---------------------------------------------------------------------------

-- Is the condition value `s` made only of '*' and '?' (and their escapes
-- "${*}", "${?}": read as wildcards, so a value is never taken as more
-- specific than it may be)? In C (iam.only_wildcards): a 50 MB value of
-- stars costs a Lua loop more than the instruction limit, which would hide
-- the finding.
local function only_wildcards(s)
  return s ~= "" and iam.only_wildcards(s)
end
M.only_wildcards = only_wildcards

-- Does the Resource pattern `r` match every ARN? Only '*' does: '?' needs a
-- character and "${*}" is a literal '*' (iam.arn_match). Both tests run in C.
local function matches_everything(r)
  return r ~= "" and iam.only_wildcards(r) and not string.find(r, "?", 1, true)
    and not string.find(r, "$", 1, true)
end
M.matches_everything = matches_everything

--- The statements of `policy` with Effect `effect` (default "Allow")
--- granting an action of `set`, as hits {statement, action, element,
--- index, pattern, text}.
function M.allowed(policy, set, effect)
  return actions.allowed(policy, set, effect)
end

--- The Deny statements of `policy` that take actions back whatever the
--- request: well formed, without conditions, granting an action of `set`.
function M.unconditional_denies(policy, set)
  local out = {}
  for _, hit in ipairs(M.allowed(policy, set, "Deny")) do
    local st = hit.statement
    if st.well_formed and #st.conditions == 0 then out[#out + 1] = st end
  end
  return out
end

--- Those of `denies` that grant `action`.
function M.denies_of(denies, action)
  local out = {}
  for _, st in ipairs(denies) do
    if st:grants(action) then out[#out + 1] = st end
  end
  return out
end

--- Does one of `denies` cover every resource ("Resource": "*")?
function M.denies_everywhere(denies)
  for _, st in ipairs(denies) do
    for _, r in ipairs(st.resources or {}) do
      if matches_everything(r) then return true end
    end
  end
  return false
end

--- The principals of the file that hold `policy` with the permissions it
--- grants (a permissions boundary grants nothing).
function M.holders(policy)
  local out = {}
  for _, h in ipairs(policy.holders or {}) do
    if h.how ~= "boundary" and h.how ~= "trust" then out[#out + 1] = h end
  end
  return out
end

--- Holders outside `patterns`, and whether there are holders at all.
function M.outside(policy, patterns)
  local hs = M.holders(policy)
  local out = {}
  for _, h in ipairs(hs) do
    if not g.authorized(h, patterns) then out[#out + 1] = h end
  end
  return out, #hs > 0
end

--- Why a configured authorized_principals does not excuse a grant: its
--- holders are outside the list, or the file has none (a raw policy file),
--- so no principal can be matched.
function M.not_excused(held)
  if held then return "It is held by principals outside authorized_principals." end
  return "No principal of this file holds the policy, so authorized_principals cannot excuse it."
end

--- The sentence that tells how to configure authorized_principals.
function M.how_to_configure(id)
  return "No authorized_principals are configured for " .. id
    .. ": list the principals that may hold it under rules: " .. id .. ": params: in .iamguard.yml."
end

---------------------------------------------------------------------------
-- Scoping conditions
---------------------------------------------------------------------------

local POSITIVE = {
  StringEquals = true, StringEqualsIgnoreCase = true, StringLike = true,
  ArnEquals = true, ArnLike = true,
}

--- A condition entry of st on one of `keys` (globs, case-insensitive) that
--- limits the request to specific values: a string or ARN operator that
--- is not negated, not ForAllValues: and not ...IfExists, whose values are
--- all specific (not only '*' and '?'; `specific(value)` decides when
--- given). Nil when there is none.
function M.narrowing(st, keys, specific)
  for _, key in ipairs(keys) do
    for _, c in ipairs(st:conditions_on(key)) do
      if c.known and not c.malformed and POSITIVE[c.base] and c.set ~= "ForAllValues"
          and not c.if_exists and #c.values > 0 then
        local ok = true
        for _, v in ipairs(c.values) do
          if only_wildcards(v) or (specific and not specific(v, c)) then ok = false end
        end
        if ok then return c end
      end
    end
  end
  return nil
end

--- A condition that requires MFA: Bool aws:MultiFactorAuthPresent "true"
--- (not ...IfExists), or a NumericLessThan(Equals) on aws:MultiFactorAuthAge.
function M.mfa(st)
  for _, c in ipairs(st:conditions_on("aws:MultiFactorAuthPresent")) do
    if c.known and c.base == "Bool" and not c.if_exists and not c.malformed and #c.values > 0 then
      if conditions.values_all(c, "true") then return c end
    end
  end
  for _, c in ipairs(st:conditions_on("aws:MultiFactorAuthAge")) do
    if c.known and (c.base == "NumericLessThan" or c.base == "NumericLessThanEquals")
        and not c.if_exists and not c.malformed and #c.values > 0 then
      return c
    end
  end
  return nil
end

---------------------------------------------------------------------------
-- Rules
---------------------------------------------------------------------------

local AUTHORIZED = {
  default = {},
  description = "Principals allowed to hold the actions: ARN, name or account globs ('*' and "
    .. "'?'), e.g. arn:aws:iam::*:role/BreakGlass*. Identity policies whose holders all match, "
    .. "and principals of resource policies that match, are not reported.",
}

--- The rule table a builder starts from: the fields of `spec` that are not
--- the builder's own (`spec_only`), and spec.params with the
--- authorized_principals parameter added unless the rule gives its own.
function M.rule_base(spec, spec_only)
  local rule = {}
  for k, v in pairs(spec) do
    if not spec_only[k] then rule[k] = v end
  end
  local params = {}
  for k, v in pairs(spec.params or {}) do params[k] = v end
  params.authorized_principals = params.authorized_principals or AUTHORIZED
  rule.params = params
  return rule
end

local SPEC_ONLY = {
  actions = true, scoped = true, restrict_scoped = true, scope_keys = true, scope_mfa = true,
  scope_word = true, target = true, fix = true, scoped_fix = true, unconfigured_level = true,
  resource = true, resource_word = true, narrowing_keys = true, resource_types = true,
  once = true,
}

-- The catalogue's resource templates and tag-key prefixes of each action.
local function action_info(list, types)
  local info = {}
  for _, a in ipairs(list) do
    info[a] = { templates = g.templates(a, types and types[a]),
                tags = g.tag_keys(a, types and types[a]) }
  end
  return info
end

-- How the statement's Resource reaches unnamed resources, for messages.
local function reached_text(pattern, target, example)
  if pattern then return "Resource " .. g.quote(pattern) .. " matches " .. target end
  if example then return "NotResource does not exclude them" end
  return "the resources it reaches could not all be decided (max_reach_configs)"
end

--- The scoping of `st` for `action` under `spec`: nil when it is scoped
--- (names its resources, or a condition narrows it), else a table
--- {pattern, example} saying how it reaches unnamed resources.
local function unscoped(spec, info, st, action, denies)
  local i = info[action]
  -- A value scopes when it is not itself a pattern for every resource.
  local function specific(v)
    for _, t in ipairs(i.templates) do
      if iam.arn_match(v, iam.probe(t, v)) then return false end
    end
    return true
  end
  if spec.scope_keys and M.narrowing(st, spec.scope_keys, specific) then return nil end
  if spec.scope_mfa and M.mfa(st) then return nil end
  if #i.tags > 0 and g.tag_scope(st, i.tags) then return nil end
  if #i.templates == 0 then
    -- No resource-level permissions: the grant is on every resource.
    if #denies > 0 and M.denies_everywhere(denies) then return nil end
    return { text = "the action has no resource-level permissions" }
  end
  local yes, pattern, _, example = st:reaches_uncovered(i.templates, denies)
  if not yes then return nil end
  return { text = reached_text(pattern, spec.target or "resources it does not name", example) }
end

-- Resource policies: the principals an Allow names, with "*" narrowed by
-- conditions on who calls.
local NARROWING_KEYS = {
  "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
  "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID",
  "aws:SourceOrgPaths", "aws:SourceVpce", "aws:SourceVpc",
}

--- Principals of Allow statement st outside `patterns`, as labels, and
--- whether one of them is anyone, unnarrowed.
function M.principals_outside(st, patterns, root_counts)
  local outside, anyone = {}, false
  if st.not_principal then
    return { "everyone NotPrincipal leaves" }, true
  end
  for _, pr in ipairs(principals.list(st)) do
    if principals.is_anyone(pr) then
      local c = M.narrowing(st, NARROWING_KEYS)
      if c then
        local left = {}
        for _, v in ipairs(c.values) do
          if not principals.matches(v, patterns) then left[#left + 1] = g.quote(v) end
        end
        if #left > 0 then
          outside[#outside + 1] = "callers with " .. c.key .. " " .. g.join(left)
        end
      else
        outside[#outside + 1] = "anyone (\"*\")"
        anyone = true
      end
    else
      local delegated = pr.type == "AWS" and not root_counts and principals.is_account_root(pr.value)
      if not delegated and not principals.matches(pr.value, patterns) then
        outside[#outside + 1] = g.quote(pr.value)
      end
    end
  end
  return outside, anyone
end

--- The finding on resource-policy statement hit.statement that grants
--- hit.action to the principals labelled `outside`: `how` says why
--- authorized_principals does not excuse them, spec.fix follows.
function M.resource_finding(spec, hit, outside, how, level)
  local st = hit.statement
  return {
    statement = st,
    element = st.not_principal and "NotPrincipal" or "Principal",
    level = level,
    message = g.statement_name(st) .. " of the " .. (spec.resource_word or "resource policy")
      .. " allows " .. hit.action .. " for " .. g.join(outside) .. ". " .. hit.text
      .. " grants " .. hit.action .. ". " .. how .. (spec.fix and (" " .. spec.fix) or ""),
  }
end

local function check_resource(spec, set, policy, report, p)
  local patterns = p and p.authorized_principals or {}
  for _, hit in ipairs(M.allowed(policy, set)) do
    local st = hit.statement
    local outside, anyone = M.principals_outside(st, patterns, spec.root_counts)
    if #outside > 0 then
      local how = #patterns == 0 and M.how_to_configure(spec.id)
        or "They are not in authorized_principals."
      if anyone then how = "Nobody can be authorized that way: name the principals." end
      report(M.resource_finding(spec, hit, outside, how,
        (#patterns == 0 and not anyone) and (spec.unconfigured_level or "note") or nil))
    end
  end
end

local function check_identity(spec, set, info, policy, report, p)
  local patterns = p and p.authorized_principals or {}
  local left, held = M.outside(policy, patterns)
  local authorized = #patterns > 0 and held and #left == 0
  if authorized then return end
  local hits = M.allowed(policy, set)
  if #hits == 0 then return end
  local denies = M.unconditional_denies(policy, set)
  local covering = {}
  local first, others = nil, {}
  for _, hit in ipairs(hits) do
    local st = hit.statement
    -- The first listed action the statement grants that is still granted
    -- (and, for scoped rules, unscoped); most statements have no Deny to
    -- weigh and are decided by their first hit.
    local action, grant, why
    local candidates = (#denies == 0 and not spec.scoped) and { hit.action } or set.list
    for _, a in ipairs(candidates) do
      local gr = a == hit.action and hit or actions.grant(st, a)
      if gr then
        local ds = #denies > 0 and M.denies_of(denies, a) or {}
        if spec.scoped then
          -- A Deny of every resource without the right tag (a negated
          -- tag condition) covers what it denies as well as an
          -- unconditional one (iamguard.guardrail's covering Denies).
          local cd = ds
          if #info[a].tags > 0 then
            cd = covering[a]
            if not cd then
              cd = g.covering_denies(policy, a, info[a].tags)
              covering[a] = cd
            end
          end
          local u = unscoped(spec, info, st, a, cd)
          if u then
            action, grant, why = a, gr, u
            break
          elseif spec.restrict_scoped and (#patterns > 0 or spec.restrict_scoped == "always")
              and not action and not M.denies_everywhere(ds) then
            action, grant = a, gr
          end
        elseif not M.denies_everywhere(ds) then
          action, grant = a, gr
          break
        end
      end
    end
    if action and first then
      others[#others + 1] = g.statement_name(st)
    elseif action then
      local level, fix
      if why then
        level = (#patterns == 0 and spec.unconfigured_level) or nil
        fix = spec.scoped_fix or spec.fix
        if #patterns == 0 then
          fix = (fix and (fix .. " ") or "") .. (spec.unconfigured_level and M.how_to_configure(spec.id)
            or "Principals that need it unscoped (break-glass roles) can be listed in "
              .. "authorized_principals.")
        else
          fix = M.not_excused(held) .. (fix and (" " .. fix) or "")
        end
      else
        level = (#patterns == 0 and (spec.unconfigured_level or "note")) or nil
        fix = (#patterns == 0 and M.how_to_configure(spec.id)
          or M.not_excused(held))
          .. (spec.fix and (" " .. spec.fix) or "")
      end
      local finding = {
        statement = st,
        element = grant.element,
        index = grant.index,
        level = level,
        message = g.message {
          statement = st,
          action = action,
          target = why and (spec.target or "resources it does not name") or false,
          holders = held and left or nil,
          granted_by = grant.clause,
          reached_by = why and why.text or nil,
          unscoped = why and (spec.scope_word or "no condition narrows it") or nil,
          fix = fix,
        },
      }
      if spec.once then first = finding else report(finding) end
    end
  end
  if first then
    if #others > 0 then
      first.message = first.message .. " " .. g.join(others, 3) .. " of the same policy "
        .. (#others == 1 and "grants" or "grant") .. " actions of the guardrail too."
    end
    report(first)
  end
end

--- A rule table. spec holds the rule's own fields (id, level, help, ...) and:
---   actions            the listed actions (catalogue names)
---   scoped             true: "must be scoped" (see above); default restricted
---   restrict_scoped    scoped rules: with authorized_principals configured,
---                      scoped grants held by others are findings too;
---                      "always": while none is configured as well, as notes
---                      that say how to configure the list
---   scope_keys         condition keys (globs) whose specific values scope a grant
---   scope_mfa          an MFA condition scopes a grant
---   resource_types     {action = {type names}}: the catalogue resource types
---                      an unscoped grant is judged on (default all)
---   target             what an unscoped grant reaches, for messages
---   scope_word         what is missing, for messages
---   fix, scoped_fix    remediation sentences (scoped_fix for unscoped grants)
---   unconfigured_level level while authorized_principals is empty: default
---                      "note" for restricted grants, the rule's level for
---                      unscoped ones
---   resource           function(policy) -> true for resource policies to judge
---   resource_word      how messages name those ("queue policy")
---   once               one finding per identity policy, at its first
---                      statement, naming the others: for guardrails on a
---                      whole service, whose grants are in most statements
function M.rule(spec)
  local rule = M.rule_base(spec, SPEC_ONLY)
  -- The names as listed: iam.action_set (actions.set) refuses a name the
  -- catalogue does not know, and st:grants matches names whatever their
  -- case. Looking each one up (iam.action, iam.expand) would cost more than
  -- the rest of the pack's set-up, for lists of up to 300 actions.
  local names = {}
  for i, a in ipairs(spec.actions) do
    if type(a) ~= "string" or string.find(a, "*", 1, true) or string.find(a, "?", 1, true) then
      error("guard.rule: " .. tostring(a) .. " is not an action name", 2)
    end
    names[i] = a
  end
  local set = actions.set(names)
  local info = spec.scoped and action_info(set.list, spec.resource_types) or {}
  rule.actions = set.list
  rule.kinds = spec.resource and { "identity", "resource" } or { "identity" }
  local user_check = spec.check
  rule.check = function(policy, report, p)
    if policy.kind == "identity" then
      check_identity(spec, set, info, policy, report, p)
    elseif spec.resource and policy.kind == "resource" and spec.resource(policy) then
      check_resource(spec, set, policy, report, p)
    end
    if user_check then user_check(policy, report, p) end
  end
  return rule
end

--- A restricted rule whose action list grows with a boolean parameter: the
--- catalogue's `base` actions, and while `param` is true (its default) the
--- `extra` actions as well. spec holds the rule's other fields; the
--- parameter is described by `description`.
function M.rule_with_extension(spec, base, extra, param, description)
  local function rule_with(list, params)
    local s = {}
    for k, v in pairs(spec) do s[k] = v end
    s.actions = list
    s.params = params
    return M.rule(s)
  end
  local all = {}
  for _, a in ipairs(base) do all[#all + 1] = a end
  for _, a in ipairs(extra) do all[#all + 1] = a end
  local base_only = rule_with(base)
  local rule = rule_with(all, { [param] = { default = true, description = description } })
  local check_all = rule.check
  rule.check = function(policy, report, p)
    if p and p[param] == false then
      base_only.check(policy, report, p)
    else
      check_all(policy, report, p)
    end
  end
  return rule
end

return M
