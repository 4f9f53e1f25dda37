-- expect: runtime error
-- An error object whose __tostring loops: messages never call metamethods.
return { id = "HOSTILE-TOSTRING", short_description = "Looping error object.",
  check = function(policy, report)
    error(setmetatable({}, { __tostring = function() while true do end end }))
  end }
