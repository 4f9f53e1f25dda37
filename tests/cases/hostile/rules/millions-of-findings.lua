-- expect: more than 10000 findings
-- Millions of findings: 10,000 per document are kept, the rest counted and
-- reported as a rule failure. Only on the Terraform plan's two documents, so
-- the run stays under GitHub's 25,000 results per SARIF run and the SARIF
-- must still hold every built-in finding.
return { id = "HOSTILE-FLOOD", level = "note", short_description = "Reports too much.",
  check = function(policy, report)
    if policy.format ~= "terraform-plan" then return end
    for i = 1, 2000000 do report{ message = "Finding " .. i .. "." } end
  end }
