-- actions: does a statement grant one of a list of actions, fast.
--
--   local actions = require("actions")
--   local SET = actions.set({ "kms:DisableKey", "kms:ScheduleKeyDeletion" })
--   local hit = actions.granted(st, SET)  -- nil, or {action, element, index, pattern, text}
--
-- Calling st:grants once per listed action costs a call into iamguard per
-- action and statement; guardrails list up to 80 actions. A set built once
-- answers plain Action items with one table look-up, and tests wildcard
-- items only against the listed actions of the services they can match.

local M = {}

local function lower(s)
  return string.lower(s)
end

--- A set of actions ("service:Action", as the catalogue spells them; names
--- the catalogue does not know are an error of the rule). Keeps the list
--- in its order for messages.
function M.set(list)
  local s = { list = {}, by_name = {}, by_service = {}, rank = {} }
  for _, a in ipairs(list) do
    local info = iam.action(a)
    if not info then
      error("actions.set: " .. tostring(a) .. " is not an action of the IAM catalogue", 2)
    end
    local name = info.service .. ":" .. info.name
    if not s.by_name[lower(name)] then
      s.list[#s.list + 1] = name
      s.rank[name] = #s.list
      s.by_name[lower(name)] = name
      local svc = lower(info.service)
      s.by_service[svc] = s.by_service[svc] or {}
      table.insert(s.by_service[svc], name)
    end
  end
  return s
end

local function has_wildcard(p)
  return string.find(p, "*", 1, true) ~= nil or string.find(p, "?", 1, true) ~= nil
end

-- The listed actions an Action item can match, in list order: one by name,
-- or those of its service (every service when the prefix has wildcards).
local function candidates(set, pattern)
  local colon = string.find(pattern, ":", 1, true)
  if not colon then
    if pattern == "*" then return set.list end
    return {}
  end
  local svc = string.sub(pattern, 1, colon - 1)
  if has_wildcard(svc) then return set.list end
  return set.by_service[lower(svc)] or {}
end

--- The first listed action (in list order) that statement st grants, with
--- where to report it: {action, element = "Action" | "NotAction", index,
--- pattern, text}, or nil. Ignores Effect and Resource.
function M.granted(st, set)
  local acts = st.actions
  if acts then
    local best, best_rank
    local rank = set.rank
    for i, p in ipairs(acts) do
      if has_wildcard(p) then
        for _, a in ipairs(candidates(set, p)) do
          if iam.action_match(p, a) and (not best_rank or rank[a] < best_rank) then
            best, best_rank = { action = a, index = i, pattern = p }, rank[a]
            break
          end
        end
      else
        local a = set.by_name[lower(p)]
        if a and (not best_rank or rank[a] < best_rank) then
          best, best_rank = { action = a, index = i, pattern = p }, rank[a]
        end
      end
    end
    if not best then return nil end
    best.element = "Action"
    best.text = 'Action "' .. best.pattern .. '"'
    return best
  end
  if st.not_actions then
    for _, a in ipairs(set.list) do
      if st:grants(a) then
        return { action = a, element = "NotAction", text = "NotAction, which does not exclude it," }
      end
    end
  end
  return nil
end

--- Every listed action st grants (list order).
function M.all_granted(st, set)
  local out = {}
  for _, a in ipairs(set.list) do
    if st:grants(a) then out[#out + 1] = a end
  end
  return out
end

return M
