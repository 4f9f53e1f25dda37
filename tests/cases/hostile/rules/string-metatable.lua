-- expect: runtime error
-- Rewriting string methods for every rule: the string metatable is protected.
return { id = "HOSTILE-STRMETA", short_description = "Rewrites string methods.",
  check = function(policy, report)
    getmetatable("").__index.lower = function() return "pwned" end
  end }
