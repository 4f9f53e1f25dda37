-- expect: runtime error
-- io, os, require, package and debug are absent.
return { id = "HOSTILE-LIBS", short_description = "Reaches for the OS.",
  check = function(policy, report)
    local found = {}
    for _, name in ipairs({"io", "os", "require", "package", "debug", "dofile", "loadfile",
                           "collectgarbage", "coroutine", "print", "load"}) do
      if rawget(_G, name) ~= nil then found[#found + 1] = name end
    end
    if #found > 0 then report{ message = "Available: " .. table.concat(found, ", ") .. "." } end
    os.execute("touch /tmp/iamguard-hostile-rule-escaped")
  end }
