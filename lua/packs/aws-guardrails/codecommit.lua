-- The CodeCommit guardrail of the aws-guardrails pack (catalogue folder codecommit).

local common = require("common")
local guard = require("guard")

return common.rules("codecommit", {
  guard.rule {
    id = "IAM-CODECOMMIT-1",
    name = "RestrictCodeCommitDeleteRepository",
    level = "warning",
    security_severity = 6.0,
    actions = { "codecommit:DeleteRepository" },
    scoped = true,
    unconfigured_level = "note",
    target = "repositories it does not name",
    scope_word = "no aws:ResourceTag/<key> condition narrows it",
    scoped_fix = "Name the repositories in Resource (arn:aws:codecommit:REGION:ACCOUNT:NAME), "
      .. "or add a StringEquals condition on aws:ResourceTag/<key> that selects the ones the "
      .. "principal owns.",
    short_description = "Only authorized principals may delete CodeCommit repositories they "
      .. "do not own.",
    help = "## IAM-CODECOMMIT-1: restrict codecommit:DeleteRepository\n\n"
      .. "A CodeCommit repository is the reference copy of a project's history. Deleting it "
      .. "takes every branch, tag and pull request with it, and clones on laptops are no "
      .. "substitute. Deleting repositories should be left to the roles listed for it, or to "
      .. "the team that owns a repository, selected by a tag on it.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` in an identity policy that grants `codecommit:DeleteRepository` (by "
      .. "name, through a wildcard such as `codecommit:*`, or through `NotAction`) on "
      .. "repositories it does not name (`\"*\"`, `arn:aws:codecommit:*:*:*`, in any "
      .. "partition, region and account) with no `aws:ResourceTag/<key>` condition of specific "
      .. "values narrowing it, unless every principal of the file holding the policy matches "
      .. "`authorized_principals`. A `Deny` of the same document takes back what it covers. "
      .. "Grants on named repositories, or on repositories selected by tag, pass: that is the "
      .. "remediation the catalogue gives. With no `authorized_principals` configured the "
      .. "findings are notes that say how to configure them. CodeCommit has no resource "
      .. "policies, so identity policies are the only place the guardrail applies.\n\n"
      .. "```yaml\nrules:\n  IAM-CODECOMMIT-1:\n    params:\n"
      .. "      authorized_principals: [\"arn:aws:iam::*:role/RepoAdmin\", \"BreakGlass*\"]\n```\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Allow\", \"Action\": \"codecommit:DeleteRepository\",\n"
      .. " \"Resource\": \"*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"aws:ResourceTag/team\": \"${aws:PrincipalTag/team}\"}}}\n```",
  },
})
