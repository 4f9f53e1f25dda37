-- g.restricted_rule: only authorized principals may create IAM users.
local g = require("iamguard.guardrail")
return g.restricted_rule {
  id = "TEST-IAM-1",
  level = "error",
  short_description = "Only authorized principals may create IAM users or access keys.",
  actions = { "iam:CreateUser", "iam:CreateAccessKey" },
  fix = "Grant them to an administration role instead.",
}
