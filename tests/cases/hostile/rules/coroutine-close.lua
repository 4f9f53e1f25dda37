-- expect: runtime error
-- A long chain of nested coroutine.close crashes Debian's Lua 5.4.4:
-- coroutines are absent.
return { id = "HOSTILE-COROUTINE", short_description = "Nested coroutine.close.",
  check = function(policy, report)
    local co = coroutine.wrap(function() end)
    for i = 1, 100000 do co = coroutine.create(function() coroutine.close(co) end) end
    coroutine.resume(co)
  end }
