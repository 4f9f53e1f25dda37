-- conditions: does a statement require a condition, and how strictly.
--
-- Guardrails ask for conditions ("add sts:ExternalId", "scope with
-- aws:SourceArn"). A condition only restricts when IAM applies it to every
-- request: a known, non-negated operator, not ...IfExists (which lets
-- requests without the key through), and values that are not all wildcards.

local M = {}

--- Is `value` made only of '*' and '?' (so it admits anything)? "${*}" and
--- "${?}" count as wildcards (never more specific than it may be). In C
--- (iam.only_wildcards): a Lua loop over a 50 MB value would run past the
--- instruction limit and hide the finding.
M.only_wildcards = iam.only_wildcards

--- Does condition entry c pin its key down: a known operator, not
--- negated, not ...IfExists, not ForAllValues (true for a missing key),
--- with at least one value and none that admits anything?
function M.pins(c)
  if not c.known or c.negated or c.if_exists or c.set == "ForAllValues" then return false end
  if c.base == "Null" then return false end
  if #c.values == 0 then return false end
  for _, v in ipairs(c.values) do
    if M.only_wildcards(v) then return false end
  end
  return true
end

--- The first condition entry of st on one of `keys` (condition key names
--- or globs, case-insensitive) that pins it down (and that `accept`, when
--- given, accepts), or nil.
function M.pinned(st, keys, accept)
  for _, k in ipairs(keys) do
    for _, c in ipairs(st:conditions_on(k)) do
      if M.pins(c) and (not accept or accept(c)) then return c end
    end
  end
  return nil
end

--- Is every value of condition entry c `word`, ignoring case (true when c
--- has no values: callers that need one check #c.values)?
function M.values_all(c, word)
  for _, v in ipairs(c.values) do
    if string.lower(v) ~= word then return false end
  end
  return true
end

--- Does st have any condition entry on one of `keys` (any operator)?
function M.mentions(st, keys)
  for _, k in ipairs(keys) do
    if st:conditions_on(k)[1] then return true end
  end
  return false
end

--- Is there a Deny in `policy` that takes `action` away unless condition
--- key `key` has an accepted value: a negated operator on `key`
--- (StringNotEquals, ArnNotLike, NotIpAddress, ... with or without
--- IfExists) as its only condition, reaching the resources of the probe
--- ARN templates `probes` (nil: any Resource, or none as in trust
--- policies)? `accept(c)` may check the values.
function M.denied_unless(policy, action, key, accept, probes)
  for _, st in ipairs(policy.statements) do
    if st.effect == "Deny" and st:has("Condition") and st:grants(action)
        and (not probes or st:reaches(probes)) then
      local only = true
      for _, c in ipairs(st.conditions) do
        if not (iam.key_equal(c.key, key) and c.known and c.negated and #c.values > 0
                and (not accept or accept(c))) then
          only = false
        end
      end
      if only then return st end
    end
  end
  return nil
end

return M
