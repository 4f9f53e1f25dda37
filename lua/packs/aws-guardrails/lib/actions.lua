-- actions: which listed actions a statement or a policy grants.
--
--   local actions = require("actions")
--   local SET = actions.set({ "kms:DisableKey", "kms:ScheduleKeyDeletion" })
--   local hit = actions.granted(st, SET)      -- nil, or {action, element, index, pattern, text, clause}
--   for _, hit in ipairs(actions.allowed(policy, SET)) do ... hit.statement ... end
--
-- Guardrails list up to 80 actions; asking st:grants once per action and
-- statement would cost a call into iamguard each. An action set
-- (iam.action_set) answers for the whole list at once, and
-- policy:granting makes views only of the statements that grant one.

local M = {}

-- A hit says how the statement grants the action in two shapes: `text`,
-- the subject of a sentence that goes on with " grants <action>"
-- ('Action "ec2:*"', "NotAction, which does not exclude it,"), and
-- `clause`, a whole clause, as g.message's granted_by takes it
-- ('Action "ec2:*" grants it', "NotAction does not exclude it").
local function hit_of(action, element, index, pattern)
  if not action then return nil end
  local h = { action = action, element = element, index = index, pattern = pattern }
  if element == "Action" then
    h.text = 'Action "' .. pattern .. '"'
    h.clause = h.text .. " grants it"
  else
    h.text = "NotAction, which does not exclude it,"
    h.clause = "NotAction does not exclude it"
  end
  return h
end

--- The subject of a sentence that goes on with " grants <action>", saying
--- where the grant is: 'Action "kms:*" in Statement "Admin"', or
--- 'Statement "Admin", through NotAction,'. (hit.text followed by " in ..."
--- would read "NotAction, which does not exclude it, in ...".)
function M.text_in(hit, where)
  if hit.element == "Action" then return hit.text .. " in " .. where end
  return where .. ", through NotAction,"
end

--- A set of actions: names as the catalogue spells them (or globs);
--- a name the catalogue does not know is an error of the rule. `list`
--- keeps the names, in order, for messages and for the rule's `actions`.
function M.set(list)
  local copy = {}
  for i, a in ipairs(list) do copy[i] = a end
  return { list = copy, cset = iam.action_set(list) }
end

--- The first listed action that statement st grants (Effect and Resource
--- aside), with where to report it: {action, element = "Action" |
--- "NotAction", index, pattern, text}, or nil.
function M.granted(st, set)
  return hit_of(st:grants_any(set.cset))
end

--- Does statement st grant `action` (one name or glob; Effect and
--- Resource aside)? nil, or a hit as granted() gives, for that action.
function M.grant(st, action)
  local yes, pattern, index = st:grants(action)
  if not yes then return nil end
  return hit_of(action, pattern and "Action" or "NotAction", index, pattern)
end

--- The statements of `policy` with Effect `effect` (default "Allow") that
--- grant a listed action, as hits with a `statement` field, in order.
function M.allowed(policy, set, effect)
  local out = {}
  for i, g in ipairs(policy:granting(set.cset, effect or "Allow")) do
    local h = hit_of(g.action, g.element, g.index, g.pattern)
    h.statement = g.statement
    out[i] = h
  end
  return out
end

--- The first Allow of `policy` granting a listed action, as {st, hit}, or
--- nil.
function M.first_allowed(policy, set)
  local h = M.allowed(policy, set)[1]
  return h and { st = h.statement, hit = h } or nil
end

--- Every listed name (as listed: globs stay globs) that st grants.
function M.all_granted(st, set)
  local out = {}
  for _, a in ipairs(set.list) do
    if st:grants(a) then out[#out + 1] = a end
  end
  return out
end

return M
