-- expect: finding
-- Overwriting globals affects only this rule's environment: the built-in
-- rules still see the real ipairs, string and table.
ipairs = function() return function() return nil end end
string.lower = function() return "x" end
table.insert = nil
return { id = "HOSTILE-GLOBALS", level = "note", short_description = "Overwrites globals.",
  check = function(policy, report)
    report{ message = "Globals overwritten here only." }
  end }
