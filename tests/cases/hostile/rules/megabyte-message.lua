-- expect: finding
-- A 4 MiB message is cut, visibly, at max_message_len.
return { id = "HOSTILE-BIGMSG", level = "note", short_description = "Huge message.",
  check = function(policy, report)
    report{ message = "Big. " .. string.rep("m", 4 << 20) }
  end }
