-- expect: runtime error
-- A pattern that backtracks for seconds in C: patterns are disabled.
return { id = "HOSTILE-PATTERN", short_description = "Pattern bomb.",
  check = function(policy, report)
    local s = string.rep("a", 100000)
    return s:find(".-.-.-.-b")
  end }
