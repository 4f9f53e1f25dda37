-- principals: the Principal element of resource and trust policies.
--
-- A statement's principals come as st.principals, a table from type
-- ("AWS", "Service", "Federated", "CanonicalUser", or "*" for
-- "Principal": "*") to values. These helpers read account numbers out of
-- them and match them against configured patterns.

local M = {}

local function digits12(s)
  if #s ~= 12 then return false end
  for i = 1, 12 do
    local b = string.byte(s, i)
    if b < 48 or b > 57 then return false end
  end
  return true
end

--- Every principal of st as a list of {type, value}; "Principal": "*" and
--- {"AWS": "*"} are {type = "AWS", value = "*"}. Empty for NotPrincipal and
--- for statements without Principal.
function M.list(st)
  local out = {}
  if not st.principals or st.not_principal then return out end
  local types = {}
  for t in pairs(st.principals) do types[#types + 1] = t end
  table.sort(types)
  for _, t in ipairs(types) do
    for _, v in ipairs(st.principals[t]) do
      out[#out + 1] = { type = t == "*" and "AWS" or t, value = v }
    end
  end
  return out
end

--- Is the principal value anyone ("*")?
function M.is_anyone(p)
  return p.type == "AWS" and p.value == "*"
end

--- The account number an AWS principal value names: "123456789012",
--- "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/x",
--- "arn:aws:sts::123456789012:assumed-role/x/y"; nil for anything else.
function M.account(value)
  if digits12(value) then return value end
  local a = iam.arn_split(value)
  if a and (a.service == "iam" or a.service == "sts") and digits12(a.account or "") then
    return a.account
  end
  return nil
end

--- Is the AWS principal value a whole account (its root: "123456789012" or
--- "arn:PARTITION:iam::123456789012:root")?
function M.is_account_root(value)
  if digits12(value) then return true end
  local a = iam.arn_split(value)
  return a ~= nil and a.service == "iam" and digits12(a.account or "") and a.resource == "root"
end

--- Does one of the glob `patterns` ('*' and '?') match the principal value
--- (an ARN, an account number or a service name)? An account number in the
--- patterns also matches every principal of that account.
function M.matches(value, patterns)
  local acct = M.account(value)
  for _, pat in ipairs(patterns or {}) do
    if iam.arn_match(pat, value) then return true end
    if acct and digits12(pat) and pat == acct then return true end
  end
  return false
end

--- Is `s` a 12-digit account number?
M.is_account_number = digits12

return M
