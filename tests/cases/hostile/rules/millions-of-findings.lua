-- expect: more than 10000 findings
-- Millions of findings: 10,000 per document are kept, the rest counted and
-- reported as a rule failure.
return { id = "HOSTILE-FLOOD", level = "note", short_description = "Reports too much.",
  check = function(policy, report)
    for i = 1, 2000000 do report{ message = "Finding " .. i .. "." } end
  end }
