-- expect: runtime error
-- A finalizer that loops would hang the host outside the instruction hook:
-- __gc is refused.
return { id = "HOSTILE-GC", short_description = "Looping finalizer.",
  check = function(policy, report)
    setmetatable({}, { __gc = function() while true do end end })
  end }
