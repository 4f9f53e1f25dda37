-- expect: HOSTILE-REP
-- string.rep of 2^40 bytes.
return { id = "HOSTILE-REP", short_description = "A terabyte string.",
  check = function(policy, report) local s = string.rep("x", 1 << 40); report{ message = s } end }
