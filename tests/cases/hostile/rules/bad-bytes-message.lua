-- expect: finding
-- Invalid UTF-8, NUL and control bytes in a message are sanitized before
-- they reach SARIF.
return { id = "HOSTILE-BYTES", level = "note", short_description = "Bad bytes.",
  check = function(policy, report)
    report{ message = "Bad bytes: \255\254 \0 nul \27[31m ansi \1\2\3 \xed\xa0\x80 end." }
  end }
