-- duties: separation of duties, two kinds of grants that one principal
-- should not hold together (key administration and key use, creating
-- secrets and handling their values, ...).
--
--   local duties = require("duties")
--   check_principal = duties.check_principal(first, second, message)

local g = require("iamguard.guardrail")

local M = {}

-- How messages name a policy a principal holds.
local function label(held)
  return held.name and ("policy " .. g.quote(held.name))
    or (held.arn and ("policy " .. g.quote(held.arn)))
    or (held.how == "managed" and "a managed policy")
    or (held.how == "group" and "a group's policy") or "an inline policy"
end

--- A check_principal for two duties: `first(policy)` and `second(policy)`
--- give the first grant of each in an identity policy, as {st, hit} or nil.
--- A principal outside authorized_principals that gets both from different
--- policies it holds is reported with the message `message(a, b, who)`
--- makes, where each grant carries `policy`, how to name the policy it is
--- in. A single policy granting both is left to the rule's check().
function M.check_principal(first, second, message)
  return function(principal, report, p)
    if g.authorized(principal, p and p.authorized_principals or {}) then return end
    local a, b
    for _, held in ipairs(principal.policies) do
      local pol = held.policy
      if pol and pol.kind == "identity" then
        local fa, sb = first(pol), second(pol)
        if fa and sb then return end
        local name = label(held)
        if fa then fa.policy = name end
        if sb then sb.policy = name end
        a = a or fa
        b = b or sb
      end
    end
    if a and b then
      report { message = message(a, b, g.holder_name(principal)) }
    end
  end
end

return M
