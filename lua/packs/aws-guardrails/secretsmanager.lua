-- The Secrets Manager guardrails of the aws-guardrails pack (catalogue folder
-- secretsmanager).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local actions = require("actions")
local duties = require("duties")

-- Resource types whose policy is a secret's resource policy.
local SECRET_TYPES = {
  ["AWS::SecretsManager::ResourcePolicy"] = true,
  aws_secretsmanager_secret_policy = true,
}

--- Is `policy` the resource policy of a secret? One a template attaches to
--- a secret, or a resource policy file whose statements name only
--- secretsmanager: actions.
local function is_secret_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return SECRET_TYPES[rt] == true end
  local any = false
  for _, st in ipairs(policy.statements) do
    if not st.actions then return false end
    for _, a in ipairs(st.actions) do
      if string.lower(string.sub(a, 1, 15)) ~= "secretsmanager:" then return false end
      any = true
    end
  end
  return any
end

-- Condition keys that name the secrets a request may touch. The catalogue
-- writes the rotation key without its "resource/" part, as older pages of
-- the Secrets Manager guide did; both spellings are accepted.
local SECRET_KEYS = {
  "secretsmanager:SecretId",
  "secretsmanager:resource/AllowRotationLambdaArn",
  "secretsmanager:AllowRotationLambdaArn",
}

local SCOPE_FIX = "Name the secrets in Resource (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-*), "
  .. "or add a condition on secretsmanager:SecretId or secretsmanager:ResourceTag/<key> with "
  .. "specific values."

-- IAM-SECRETSMANAGER-3: creating secrets, and reading or writing their values.
local CREATE = actions.set({ "secretsmanager:CreateSecret" })
local VALUES = actions.set({ "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue" })

-- How a hit grants its action, for messages: "(Action \"secretsmanager:*\")".
local function how(hit)
  if hit.element == "Action" then return "(Action " .. g.quote(hit.pattern) .. ")" end
  return "(NotAction does not exclude it)"
end

-- `one_policy`: both statements come from the same document.
local function duties_message(admin, value, who, one_policy)
  local same = one_policy and admin.st.index == value.st.index
  return who .. " may both create secrets and handle their values: "
    .. g.statement_name(admin.st) .. " grants " .. admin.hit.action .. " " .. how(admin.hit)
    .. (same and " and " or (", and " .. g.statement_name(value.st) .. " grants "))
    .. value.hit.action .. " " .. how(value.hit)
    .. ". Let one role administer secrets and another (ideally the rotation automation) set and "
    .. "read their values."
end

local EXEMPT = {
  default = {},
  description = "Principals that may both create secrets and handle their values (break-glass "
    .. "roles): ARN, name or account globs.",
}

return common.rules("secretsmanager", {
  guard.rule {
    id = "IAM-SECRETSMANAGER-1",
    name = "ScopeSecretsManagerDeleteSecret",
    level = "warning",
    security_severity = 6.5,
    actions = { "secretsmanager:DeleteSecret" },
    scoped = true,
    restrict_scoped = "always",
    scope_keys = SECRET_KEYS,
    target = "secrets it does not name",
    scope_word = "no condition on secretsmanager:SecretId or a resource tag narrows it",
    scoped_fix = SCOPE_FIX,
    resource = is_secret_policy,
    resource_word = "secret's resource policy",
    fix = "Keep secret deletion to the roles that own the secrets.",
    short_description = "secretsmanager:DeleteSecret must be scoped to named secrets and held "
      .. "only by authorized principals.",
    help = "## IAM-SECRETSMANAGER-1: scope and restrict secretsmanager:DeleteSecret\n\n"
      .. "A deleted secret cannot be read any more, at once: every application that fetches "
      .. "its credentials from it fails, and with `ForceDeleteWithoutRecovery` the value is "
      .. "gone for good. The permission should reach only the secrets a principal owns, and "
      .. "only principals that own secrets should hold it.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- In identity policies, an `Allow` that grants `secretsmanager:DeleteSecret` (by "
      .. "name, through a wildcard such as `secretsmanager:*`, or through `NotAction`) on "
      .. "secrets it does not name (`\"*\"`, `secret:*`, in any partition, region and account), "
      .. "with no condition of specific values on `secretsmanager:SecretId`, "
      .. "`secretsmanager:resource/AllowRotationLambdaArn`, `aws:ResourceTag/<key>` or "
      .. "`secretsmanager:ResourceTag/<key>`, after the document's unconditional `Deny`s: at "
      .. "the rule's level.\n"
      .. "- Every other `Allow` of it, unless every principal of the file holding the policy "
      .. "matches `authorized_principals`: a note while no list is configured, at the rule's "
      .. "level once one is.\n"
      .. "- In a secret's resource policy, principals an `Allow` of it names outside "
      .. "`authorized_principals` (an account root hands the decision to that account's IAM "
      .. "policies), and anyone (`\"*\"`) unless a condition on the caller narrows it.\n\n"
      .. "### How to fix\n\n"
      .. "Name the secrets, or scope by tag; a `Bool` condition "
      .. "`secretsmanager:ForceDeleteWithoutRecovery` `false` and a `NumericGreaterThanEquals` "
      .. "on `secretsmanager:RecoveryWindowInDays` keep the recovery window:\n\n"
      .. "```json\n{\"Effect\": \"Allow\", \"Action\": \"secretsmanager:DeleteSecret\",\n"
      .. " \"Resource\": \"arn:aws:secretsmanager:*:111122223333:secret:orders/*\",\n"
      .. " \"Condition\": {\"Bool\": {\"secretsmanager:ForceDeleteWithoutRecovery\": \"false\"}}}\n"
      .. "```\n\n" .. common.configure_example("IAM-SECRETSMANAGER-1",
        "\"arn:aws:iam::*:role/SecretsAdmin\""),
  },
  guard.rule {
    id = "IAM-SECRETSMANAGER-2",
    name = "RestrictSecretsManagerGetSecretValue",
    level = "warning",
    security_severity = 7.0,
    actions = { "secretsmanager:GetSecretValue" },
    scoped = true,
    restrict_scoped = "always",
    scope_keys = { "secretsmanager:SecretId" },
    target = "secrets it does not name",
    scope_word = "no condition on secretsmanager:SecretId or a resource tag narrows it",
    scoped_fix = SCOPE_FIX,
    resource = is_secret_policy,
    resource_word = "secret's resource policy",
    fix = "Grant it only to the principals that need the secrets' values.",
    short_description = "Only authorized principals may read secret values, and only of the "
      .. "secrets they name.",
    help = "## IAM-SECRETSMANAGER-2: restrict secretsmanager:GetSecretValue\n\n"
      .. "Secrets Manager holds what must stay confidential: database passwords, API keys, "
      .. "private keys. `GetSecretValue` returns them in clear text, so each principal that "
      .. "holds it should be one that needs these values, for the secrets it needs.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- In identity policies, an `Allow` that grants `secretsmanager:GetSecretValue` (by "
      .. "name, wildcard or `NotAction`) on secrets it does not name, with no condition of "
      .. "specific values on `secretsmanager:SecretId`, `aws:ResourceTag/<key>` or "
      .. "`secretsmanager:ResourceTag/<key>`, after the document's unconditional `Deny`s: at "
      .. "the rule's level.\n"
      .. "- Every other `Allow` of it, unless every principal of the file holding the policy "
      .. "matches `authorized_principals`: a note while no list is configured, at the rule's "
      .. "level once one is.\n"
      .. "- In a secret's resource policy, principals an `Allow` of it names outside "
      .. "`authorized_principals` (account roots excepted), and anyone (`\"*\"`) unless a "
      .. "condition on the caller narrows it.\n\n"
      .. "`secretsmanager:BatchGetSecretValue` needs `GetSecretValue` on each secret as well, "
      .. "so it is covered by this check.\n\n"
      .. common.configure_example("IAM-SECRETSMANAGER-2", "\"arn:aws:iam::*:role/orders-*\""),
  },
  {
    id = "IAM-SECRETSMANAGER-3",
    name = "SeparateSecretAdministrationAndValues",
    level = "warning",
    security_severity = 5.0,
    params = { authorized_principals = EXEMPT },
    kinds = { "identity" },
    actions = { "secretsmanager:CreateSecret" },
    short_description = "No principal should both create secrets and read or write their values.",
    help = "## IAM-SECRETSMANAGER-3: separate secret administration from secret values\n\n"
      .. "Creating secrets is administration; setting and reading their values is the work "
      .. "of the applications and, best, of rotation automation that generates random "
      .. "values. A principal that does both needs nobody else to plant or read the "
      .. "credentials a secret holds. Keep the two duties in different principals.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An identity policy granting `secretsmanager:CreateSecret` and also "
      .. "`secretsmanager:GetSecretValue` or `secretsmanager:PutSecretValue` (by name, "
      .. "wildcard or `NotAction`).\n"
      .. "- A role, user or group of the file that gets the two from different policies it "
      .. "holds (inline, attached managed policies iamguard knows, its groups' policies).\n\n"
      .. "Principals matching `authorized_principals` (break-glass roles) are left out. "
      .. "Whether a principal is an administrator or automation, and whether two grants "
      .. "reach the same secrets, is not judged: the duties are compared per principal.",
    check = function(policy, report, p)
      local exempt = p and p.authorized_principals or {}
      local admin = actions.first_allowed(policy, CREATE)
      local value = admin and actions.first_allowed(policy, VALUES)
      if not (admin and value) then return end
      if g.all_authorized(policy, exempt) then return end
      report { statement = value.st, element = value.hit.element, index = value.hit.index,
               message = duties_message(admin, value, "This policy", true) }
    end,
    check_principal = duties.check_principal(
      function(policy) return actions.first_allowed(policy, CREATE) end,
      function(policy) return actions.first_allowed(policy, VALUES) end,
      duties_message),
  },
})
