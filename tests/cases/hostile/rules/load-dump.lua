-- expect: runtime error
-- load(string.dump(f)): neither exists.
return { id = "HOSTILE-DUMP", short_description = "Loads bytecode.",
  check = function(policy, report) return load(string.dump(function() end))() end }
