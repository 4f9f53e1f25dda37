-- expect: finding
-- Overwriting globals affects only this rule's environment, for one
-- document: the built-in rules still see the real ipairs, string and table.
-- The library tables themselves are shared and read-only.
ipairs = function() return function() return nil end end
local lower_refused = not pcall(function() string.lower = function() return "x" end end)
local insert_refused = not pcall(function() table.insert = nil end)
local rawset_refused = not pcall(rawset, string, "lower", nil)
return { id = "HOSTILE-GLOBALS", level = "note", short_description = "Overwrites globals.",
  check = function(policy, report)
    if lower_refused and insert_refused and rawset_refused and string.lower("A") == "a" then
      report{ message = "Globals overwritten here only." }
    end
  end }
