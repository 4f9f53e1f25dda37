-- g.unscoped_rule with everything from the catalogue.
local g = require("iamguard.guardrail")
return g.unscoped_rule {
  id = "TEST-EC2-1",
  level = "error",
  short_description = "ec2:TerminateInstances must be scoped to named instances or by tags.",
  action = "ec2:TerminateInstances",
  resource_types = { "instance" },
  target = "instances it does not name",
  fix = "Name the instances, or add a StringEquals condition on aws:ResourceTag/<key>.",
}
