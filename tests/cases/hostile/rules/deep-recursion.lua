-- expect: HOSTILE-RECURSE
-- Unbounded recursion (not a tail call).
local function f(n) return 1 + f(n + 1) end
return { id = "HOSTILE-RECURSE", short_description = "Recurses.",
  check = function(policy, report) f(1) end }
