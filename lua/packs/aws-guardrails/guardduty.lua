-- The GuardDuty guardrail of the aws-guardrails pack (catalogue folder guardduty).

local common = require("common")
local guard = require("guard")

return common.rules("guardduty", {
  guard.rule {
    id = "IAM-GUARDDUTY-1",
    name = "RestrictGuardDutyStopMonitoringMembers",
    level = "warning",
    security_severity = 7.0,
    actions = { "guardduty:StopMonitoringMembers" },
    fix = "In the GuardDuty administrator account, keep it to the security administrators' "
      .. "roles.",
    short_description = "Only security administrators may stop GuardDuty monitoring of member "
      .. "accounts.",
    help = "## IAM-GUARDDUTY-1: restrict guardduty:StopMonitoringMembers\n\n"
      .. "In an organization, the GuardDuty administrator (formerly master) account sees the "
      .. "findings of every member account. `guardduty:StopMonitoringMembers` ends that for "
      .. "the members it names: threats in those accounts no longer reach the security team, "
      .. "which is exactly what an intruder who controls the administrator account wants. "
      .. "Only the security administrators should be able to do it.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants `guardduty:StopMonitoringMembers` "
      .. "(by name, through a wildcard such as `guardduty:*`, or through `NotAction`; the "
      .. "action has no resource-level permissions), unless every principal of the file "
      .. "holding the policy matches `authorized_principals`; an unconditional `Deny` of it "
      .. "in the same document takes it back. With no `authorized_principals` configured the "
      .. "findings are notes that say how to configure them.\n\n"
      .. "Which account is the GuardDuty administrator is set in GuardDuty, not in policies: "
      .. "the rule judges every policy, and a grant in a member account (where the action "
      .. "has nothing to stop) is reported all the same. `guardduty:DisassociateMembers` "
      .. "and `guardduty:DeleteMembers` also end the monitoring of members; the catalogue "
      .. "lists only this action.\n\n"
      .. "```yaml\nrules:\n  IAM-GUARDDUTY-1:\n    params:\n"
      .. "      authorized_principals: [\"arn:aws:iam::*:role/SecurityAdmin\"]\n```",
  },
})
