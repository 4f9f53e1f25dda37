-- The ECR guardrails of the aws-guardrails pack (catalogue folder ecr).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local actions = require("actions")

-- Resource types whose policy is a repository policy (CloudFormation,
-- Terraform).
local REPOSITORY_TYPES = {
  ["AWS::ECR::Repository"] = true,
  aws_ecr_repository_policy = true,
}

--- Is `policy` an ECR repository policy? The policy of a repository
--- resource, or a resource policy file whose statements name only ecr:
--- actions.
local function is_repository_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return REPOSITORY_TYPES[rt] == true end
  local any = false
  for _, st in ipairs(policy.statements) do
    if not st.actions then return false end
    for _, a in ipairs(st.actions) do
      if string.lower(string.sub(a, 1, 4)) ~= "ecr:" then return false end
      any = true
    end
  end
  return any
end

-- Conditions that keep a grant inside the organization, or some of its
-- organizational units: the catalogue's remediation for IAM-ECR-2.
local ORG_KEYS = { "aws:PrincipalOrgPaths", "aws:PrincipalOrgID" }

-- IAM-ECR-2 in repository policies: what lets a principal pull an image.
local PULL_LIST = { "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer" }
local PULL = actions.set(PULL_LIST)

-- Allows of a repository policy that let principals outside
-- authorized_principals pull images. An account root hands the decision
-- to that account's IAM policies; a condition on the organization (or its
-- paths) keeps the grant inside it.
local function check_pull(policy, report, p)
  local patterns = p and p.authorized_principals or {}
  for _, hit in ipairs(actions.allowed(policy, PULL)) do
    local st = hit.statement
    if not guard.narrowing(st, ORG_KEYS) then
      local outside, anyone = guard.principals_outside(st, patterns)
      if #outside > 0 then
        local how
        if anyone then
          how = "Anyone with an AWS account can pull the repository's images: name the principals, "
            .. "or add a condition on aws:PrincipalOrgPaths (or aws:PrincipalOrgID)."
        elseif #patterns == 0 then
          how = guard.how_to_configure("IAM-ECR-2")
        else
          how = "They are not in authorized_principals."
        end
        report {
          statement = st,
          element = st.not_principal and "NotPrincipal" or "Principal",
          level = (#patterns == 0 and not anyone) and "note" or nil,
          message = g.statement_name(st) .. " of the repository policy lets " .. g.join(outside)
            .. " pull images. " .. hit.text .. " grants " .. hit.action .. ". " .. how,
        }
      end
    end
  end
end

local ecr2 = guard.rule {
  id = "IAM-ECR-2",
  name = "RestrictEcrImagePulls",
  level = "warning",
  security_severity = 5.0,
  actions = { "ecr:GetAuthorizationToken" },
  scoped = true,
  scope_keys = ORG_KEYS,
  unconfigured_level = "note",
  target = "any registry",
  scope_word = "no condition on aws:PrincipalOrgPaths (or aws:PrincipalOrgID) narrows who uses it",
  scoped_fix = "Grant it only to the principals that pull images, or add a condition on "
    .. "aws:PrincipalOrgPaths.",
  short_description = "Only authorized principals may pull images from ECR.",
  help = "## IAM-ECR-2: restrict who may pull ECR images\n\n"
    .. "Images carry an application's code, its dependencies and too often its secrets. To "
    .. "pull one, a client first gets a registry authorization token "
    .. "(`ecr:GetAuthorizationToken`), then the image's manifest and layers "
    .. "(`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`), which a repository policy may "
    .. "grant to other accounts. Both should go only to the principals that need the "
    .. "images, or stay inside the organization's units that do.\n\n"
    .. "### What iamguard reports\n\n"
    .. "- An `Allow` in an identity policy that grants `ecr:GetAuthorizationToken` (by name, "
    .. "through a wildcard or through `NotAction`; the action has no resource-level "
    .. "permissions) with no condition of specific values on `aws:PrincipalOrgPaths` or "
    .. "`aws:PrincipalOrgID`, unless every principal of the file holding the policy matches "
    .. "`authorized_principals`; an unconditional `Deny` of it in the same document takes it "
    .. "back.\n"
    .. "- In a repository policy (`RepositoryPolicyText` of `AWS::ECR::Repository`, "
    .. "`aws_ecr_repository_policy`, or a resource policy file naming only `ecr:` actions), "
    .. "an `Allow` of `ecr:BatchGetImage` or `ecr:GetDownloadUrlForLayer` without such an "
    .. "organization condition, for principals outside `authorized_principals`. An account "
    .. "root leaves the decision to that account's IAM policies and is not reported; anyone "
    .. "(`\"*\"`, `NotPrincipal`) is a warning, other principals are notes while no list is "
    .. "configured.\n\n"
    .. "With no `authorized_principals` configured the identity findings are notes that say "
    .. "how to configure them.\n\n"
    .. common.configure_example("IAM-ECR-2",
      "\"arn:aws:iam::*:role/Deploy*\", \"arn:aws:iam::*:role/EcsTaskExecution*\"")
    .. "\n\n### How to fix\n\n```json\n{\"Effect\": \"Allow\", \"Action\": \"ecr:GetAuthorizationToken\",\n"
    .. " \"Resource\": \"*\",\n"
    .. " \"Condition\": {\"ForAnyValue:StringLike\": {\"aws:PrincipalOrgPaths\": \"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*\"}}}\n```",
  check = function(policy, report, p)
    if is_repository_policy(policy) then check_pull(policy, report, p) end
  end,
}
-- The identity half asks for GetAuthorizationToken, the repository half
-- for the pull actions: the rule runs on documents granting either.
ecr2.actions = { "ecr:GetAuthorizationToken", PULL_LIST[1], PULL_LIST[2] }
ecr2.kinds = { "identity", "resource" }

return common.rules("ecr", {
  guard.rule {
    id = "IAM-ECR-1",
    name = "RestrictEcrRepositoryDeletion",
    level = "warning",
    security_severity = 6.0,
    actions = { "ecr:DeleteRepository", "ecr:BatchDeleteImage" },
    scoped = true,
    scope_mfa = true,
    unconfigured_level = "note",
    target = "repositories it does not name",
    scope_word = "no condition on ecr:ResourceTag/<key> or aws:ResourceTag/<key>, nor one that "
      .. "requires MFA, narrows it",
    scoped_fix = "Name the repositories the principal owns in Resource "
      .. "(arn:aws:ecr:REGION:ACCOUNT:repository/NAME), select them with a StringEquals condition "
      .. "on ecr:ResourceTag/<key>, or require MFA.",
    fix = "Keep repository deletion to the repositories' owners.",
    resource = is_repository_policy,
    resource_word = "repository policy",
    short_description = "Only authorized principals may delete ECR repositories or images "
      .. "they do not own.",
    help = "## IAM-ECR-1: restrict ecr:DeleteRepository and ecr:BatchDeleteImage\n\n"
      .. "A registry is shared: several teams and pipelines pull the same images. Deleting a "
      .. "repository (with `force`, along with its images) or images that are still deployed "
      .. "breaks every service that pulls them at its next deployment or scale-out. Deleting "
      .. "should be left to each repository's owners, selected by a tag, to named "
      .. "repositories, to sessions with MFA, or to the roles listed for it.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An `Allow` in an identity policy that grants `ecr:DeleteRepository` or "
      .. "`ecr:BatchDeleteImage` (by name, through a wildcard such as `ecr:*`, or through "
      .. "`NotAction`) on repositories it does not name (`\"*\"`, `repository/*`, in any "
      .. "partition, region and account) with no condition of specific values on "
      .. "`ecr:ResourceTag/<key>` or `aws:ResourceTag/<key>` and no condition requiring MFA "
      .. "(`aws:MultiFactorAuthPresent` true, or a maximum `aws:MultiFactorAuthAge`), unless "
      .. "every principal of the file holding the policy matches `authorized_principals`. A "
      .. "`Deny` of the same document takes back what it covers.\n"
      .. "- In a repository policy, an `Allow` of either action for principals outside "
      .. "`authorized_principals`: anyone (`\"*\"`, unnarrowed) as a warning, others as notes "
      .. "while no list is configured; an account root leaves the decision to that account's "
      .. "IAM policies and is not reported.\n\n"
      .. "With no `authorized_principals` configured the identity findings are notes that say "
      .. "how to configure them.\n\n"
      .. common.configure_example("IAM-ECR-1",
        "\"arn:aws:iam::*:role/RegistryAdmin\", \"BreakGlass*\"")
      .. "\n\n### How to fix\n\n```json\n{\"Effect\": \"Allow\",\n"
      .. " \"Action\": [\"ecr:BatchDeleteImage\", \"ecr:DeleteRepository\"],\n"
      .. " \"Resource\": \"arn:aws:ecr:*:*:repository/*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"ecr:ResourceTag/team\": \"${aws:PrincipalTag/team}\"}}}\n```",
  },
  ecr2,
})
