-- expect: instruction limit
-- pcall around an infinite loop: the tripped limit must not be swallowed.
return { id = "HOSTILE-PCALL", short_description = "Loops under pcall.",
  check = function(policy, report)
    while true do pcall(function() while true do end end) end
  end }
