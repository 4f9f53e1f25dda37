-- restrict: "only authorized principals may hold these actions".
--
--   local restrict = require("restrict")
--   restrict.rule {
--     id = "IAM-KMS-3", actions = { "kms:ScheduleKeyDeletion" },
--     resource = kms.is_key_policy,   -- optional: also judge these resource policies
--     ...rule fields...
--   }
--
-- Identity policies are judged as iamguard.guardrail's restricted_rule
-- judges them (any Allow of a listed action is a finding unless the
-- document has holders and all of them match authorized_principals; with
-- no list configured the finding is a note that says how to configure
-- it), with the action look-ups of the actions module. When `resource` is
-- given, the resource policies it accepts (a key policy, a bucket policy)
-- are judged by the principals their statements name: each Allow of a
-- listed action to principals outside authorized_principals is a finding.
-- An account's root there hands the decision to that account's IAM
-- policies, which are judged in turn, and is not itself reported unless
-- `root_counts` is set.

local g = require("iamguard.guardrail")
local actions = require("actions")
local principals = require("principals")
local guard = require("guard")

local M = {}

local SPEC_ONLY = { actions = true, resource = true, fix = true, unconfigured_level = true,
  root_counts = true, kinds = true, resource_word = true, reaches = true }

local function judged(policy, kinds)
  for _, k in ipairs(kinds) do
    if policy.kind == k then return true end
  end
  return false
end

--- The identity-policy half: findings for `policy` under `spec` (with
--- spec.set from actions.set). Exported for rules that add conditions.
function M.check_identity(spec, policy, report, p)
  local hits = actions.allowed(policy, spec.set)
  if #hits == 0 then return end
  local patterns = p and p.authorized_principals or {}
  local left, held = g.unauthorized_holders(policy, patterns)
  if #patterns > 0 and held and #left == 0 then return end
  for _, hit in ipairs(hits) do
    local st = hit.statement
    if not spec.reaches or spec.reaches(st, p, hit) then
      do
        local how = #patterns == 0 and guard.how_to_configure(spec.id) or guard.not_excused(held)
        report {
          statement = st,
          element = hit.element,
          index = hit.index,
          level = #patterns == 0 and (spec.unconfigured_level or "note") or nil,
          message = g.message {
            statement = st,
            action = hit.action,
            target = false,
            holders = held and left or nil,
            granted_by = hit.clause,
            fix = how .. (spec.fix and (" " .. spec.fix) or ""),
          },
        }
      end
    end
  end
end

--- The resource-policy half: Allow statements granting a listed action to
--- principals outside authorized_principals.
function M.check_resource(spec, policy, report, p)
  local patterns = p and p.authorized_principals or {}
  for _, hit in ipairs(actions.allowed(policy, spec.set)) do
    local st = hit.statement
    if not spec.reaches or spec.reaches(st, p, hit) then
      do
        local outside = {}
        if st.not_principal then
          outside[1] = "everyone NotPrincipal leaves"
        end
        for _, pr in ipairs(principals.list(st)) do
          local delegated = pr.type == "AWS" and not spec.root_counts and pr.value ~= "*"
            and principals.is_account_root(pr.value)
          if not delegated and not principals.matches(pr.value, patterns) then
            outside[#outside + 1] = pr.value == "*" and "anyone (\"*\")" or g.quote(pr.value)
          end
        end
        if #outside > 0 then
          local how = #patterns == 0 and guard.how_to_configure(spec.id)
            or "They are not in authorized_principals."
          report(guard.resource_finding(spec, hit, outside, how,
            #patterns == 0 and (spec.unconfigured_level or "note") or nil))
        end
      end
    end
  end
end

--- A rule table: spec holds the rule's own fields and
---   actions            the restricted actions (catalogue names)
---   resource           function(policy) -> true for resource policies to judge by principal
---   resource_word      how messages name those ("key policy")
---   root_counts        report account roots in those policies too
---   reaches            function(st, params, hit) -> false for statements that do
---                      not reach the resources the guardrail protects (optional)
---   fix                remediation sentence(s)
---   unconfigured_level level while authorized_principals is empty (default "note")
---   kinds              identity-like kinds judged by holders (default {"identity"})
function M.rule(spec)
  local rule = guard.rule_base(spec, SPEC_ONLY)
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.set = actions.set(spec.actions)
  local kinds = spec.kinds or { "identity" }
  local user_check = spec.check
  if not user_check then
    -- What check() looks at, so that iamguard calls it only where it may report.
    rule.actions = s.set.list
    rule.kinds = {}
    for i, k in ipairs(kinds) do rule.kinds[i] = k end
    if spec.resource then rule.kinds[#rule.kinds + 1] = "resource" end
  end
  rule.check = function(policy, report, p)
    if judged(policy, kinds) then
      M.check_identity(s, policy, report, p)
    elseif spec.resource and policy.kind == "resource" and spec.resource(policy) then
      M.check_resource(s, policy, report, p)
    end
    if user_check then user_check(policy, report, p) end
  end
  return rule
end

return M
