-- iamguard.guardrail: building blocks for guardrail rules (docs/RULES.md).
local M = {}

local function quote(s)
  return '"' .. s .. '"'
end

-- "Statement \"Sid\"" or "Statement #3": how messages name a statement.
function M.statement_name(st)
  if st.sid and st.sid ~= "" then return "Statement " .. quote(st.sid) end
  return "Statement #" .. st.index
end

return M
