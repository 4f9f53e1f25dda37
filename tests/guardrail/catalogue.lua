-- What the library takes from the action catalogue, reported as messages.
local g = require("iamguard.guardrail")
return {
  id = "TEST-CATALOGUE", level = "note",
  short_description = "Probe templates and tag keys from the catalogue.",
  check = function(policy, report)
    local st = policy.statements[1]
    report{ statement = st, message = "templates " .. table.concat(g.templates("ec2:TerminateInstances"), " ") }
    report{ statement = st, message = "tags " .. table.concat(g.tag_keys("ssm:SendCommand", { "instance" }), " ") }
    report{ statement = st, message = "tags " .. table.concat(g.tag_keys("s3:DeleteBucket"), " ") }
    report{ statement = st, message = "probe " .. g.probe_template("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}") }
    report{ statement = st, message = "join " .. g.join({ "a" }) .. "; " .. g.join({ "a", "b", "c" }) .. "; " .. g.join({ 1, 2, 3, 4 }, 2) }
    local ok, err = pcall(g.templates, "ec2:Nonexistent")
    report{ statement = st, message = "unknown " .. tostring(ok) .. " " .. tostring(err) }
    ok, err = pcall(g.templates, "ec2:TerminateInstances", { "bucket" })
    report{ statement = st, message = "type " .. tostring(ok) .. " " .. tostring(err) }
  end,
}
