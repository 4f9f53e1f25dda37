-- expect: instruction limit
-- A check that never returns.
return { id = "HOSTILE-LOOP", short_description = "Loops forever.",
  check = function(policy, report) while true do end end }
