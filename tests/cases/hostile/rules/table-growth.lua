-- expect: memory limit
-- Unbounded table growth (64 KiB a step, so the memory cap comes before the
-- instruction budget).
return { id = "HOSTILE-GROW", short_description = "Grows a table.",
  check = function(policy, report)
    local t = {}
    local i = 0
    while true do i = i + 1; t[i] = string.rep("x", 65536) .. i end
  end }
