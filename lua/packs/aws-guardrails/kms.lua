-- The KMS guardrails of the aws-guardrails pack (catalogue folder kms).

local g = require("iamguard.guardrail")
local common = require("common")
local restrict = require("restrict")
local actions = require("actions")
local principals = require("principals")
local keys = require("keys")
local duties = require("duties")

local KEY_FIX = "Grant it only to the key administrators' roles, and deny it elsewhere "
  .. "(a service control policy or a Deny in the key policy)."

-- One "only authorized principals may ..." rule per destructive action.
local function destructive(spec)
  return restrict.rule {
    id = spec.id,
    name = spec.name,
    level = "warning",
    security_severity = spec.security_severity,
    short_description = spec.short_description,
    actions = spec.actions,
    resource = keys.is_key_policy,
    resource_word = "key policy",
    fix = KEY_FIX,
    help = spec.help .. "\n\n### What iamguard reports\n\n"
      .. "In identity policies, every `Allow` that grants " .. spec.what
      .. " (by name, by a wildcard such as `kms:*`, or through `NotAction`), unless every "
      .. "principal of the file that holds the policy matches `authorized_principals`. In key "
      .. "policies, every principal an `Allow` of it names, other than an account root (which "
      .. "hands the decision to that account's IAM policies, judged in turn) and the "
      .. "principals `authorized_principals` matches. With no `authorized_principals` "
      .. "configured the findings are notes that say how to configure them.\n\n"
      .. common.configure_example(spec.id, "\"arn:aws:iam::*:role/KeyAdmin*\""),
  }
end

local function is_root_statement(st)
  for _, p in ipairs(principals.list(st)) do
    if p.type == "AWS" and p.value ~= "*" and principals.is_account_root(p.value) then return true end
  end
  return false
end

local USE = actions.set(keys.USE)
local USE_AND_GRANTS = actions.set((function()
  local l = {}
  for _, a in ipairs(keys.USE) do l[#l + 1] = a end
  l[#l + 1] = "kms:CreateGrant"
  return l
end)())
local ADMIN = actions.set(keys.ADMIN_ONLY)

-- A condition that names the services allowed to use the key.
local function via_service(st)
  for _, c in ipairs(st:conditions_on("kms:ViaService")) do
    if not c.negated and c.known and #c.values > 0 then return c end
  end
  return nil
end

-- Conditions that say the statement is meant for use by AWS services.
local SERVICE_SIGNS = { "kms:GrantIsForAWSResource", "aws:CalledVia", "aws:CalledViaFirst",
  "aws:CalledViaLast", "aws:ViaAWSService" }

local function service_sign(st)
  for _, k in ipairs(SERVICE_SIGNS) do
    local c = st:conditions_on(k)[1]
    if c then return c end
  end
  return nil
end

local KEY_PROBE = "arn:{partition}:kms:{region}:{account}:key/0unscoped-probe-0000-0000-000000000000"

-- IAM-KMS-8: the first Allow granting administration and the first
-- granting use, for a list of statements.
local function statement_duties(statements)
  local admin, use
  for _, st in ipairs(statements) do
    if st.effect == "Allow" then
      if not admin then
        local h = actions.granted(st, ADMIN)
        if h then admin = { st = st, hit = h } end
      end
      if not use then
        local h = actions.granted(st, USE)
        if h then use = { st = st, hit = h } end
      end
    end
  end
  return admin, use
end

-- The same for a whole policy, looking only at the statements that grant.
local function policy_duties(policy)
  local a = actions.first_allowed(policy, ADMIN)
  local u = a and actions.first_allowed(policy, USE)
  if not (a and u) then return nil end
  return a, u
end

local function duties_message(admin, use, who)
  return (who or g.statement_name(use.st)) .. " may both administer and use KMS keys: "
    .. actions.text_in(admin.hit, g.statement_name(admin.st)) .. " grants " .. admin.hit.action
    .. ", and " .. actions.text_in(use.hit, g.statement_name(use.st)) .. " grants "
    .. use.hit.action .. ". Give key administrators and key users separate roles."
end

local EXEMPT = {
  default = {},
  description = "Principals that may both administer and use keys (break-glass roles): ARN, "
    .. "name or account globs.",
}

return common.rules("kms", {
  {
    id = "IAM-KMS-1",
    name = "KeyPolicyIncludesRoot",
    level = "warning",
    security_severity = 5.0,
    short_description = "A KMS key policy must let the account root manage the key.",
    kinds = { "resource" },
    help = "## IAM-KMS-1: keep the account root in the key policy\n\n"
      .. "A key policy is the only policy that always governs a KMS key. When it names only "
      .. "some roles or users and those are deleted or edited out, nobody can change the "
      .. "policy any more and the key, with the data it protects, is locked. Naming the "
      .. "account root (`arn:aws:iam::ACCOUNT:root`) keeps a way back: the account can "
      .. "delegate the key to IAM policies again. It is a safety net, not an invitation to "
      .. "use the root user.\n\n"
      .. "### What iamguard reports\n\n"
      .. "A key policy (the `KeyPolicy` of `AWS::KMS::Key` and `AWS::KMS::ReplicaKey`, the "
      .. "policy of `aws_kms_key` and `aws_kms_key_policy`, or a resource policy file naming "
      .. "only `kms:` actions) in which no `Allow` statement names an account root "
      .. "(`arn:PARTITION:iam::ACCOUNT:root` or the bare account number) with "
      .. "`kms:PutKeyPolicy` (for example through `kms:*`).\n\n"
      .. "### How to fix\n\n```json\n{\"Sid\": \"EnableIamPolicies\", \"Effect\": \"Allow\",\n"
      .. " \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},\n"
      .. " \"Action\": \"kms:*\", \"Resource\": \"*\"}\n```",
    check = function(policy, report)
      if not keys.is_key_policy(policy) then return end
      local partial
      for _, st in ipairs(policy.statements) do
        if st.effect == "Allow" and is_root_statement(st) then
          if st:grants("kms:PutKeyPolicy") then return end
          partial = partial or st
        end
      end
      if partial then
        report {
          statement = partial,
          element = "Action",
          message = g.statement_name(partial) .. " names the account root but does not let it "
            .. "change the key policy (kms:PutKeyPolicy), so the key can be locked. Allow kms:* "
            .. "(or at least kms:PutKeyPolicy) to the account root.",
        }
      else
        report {
          message = "The key policy does not name the account root, so deleting or editing out "
            .. "the principals it names locks the key. Add a statement allowing kms:* to "
            .. "arn:aws:iam::ACCOUNT:root.",
        }
      end
    end,
  },
  destructive {
    id = "IAM-KMS-2",
    name = "RestrictDeleteImportedKeyMaterial",
    security_severity = 6.0,
    actions = { "kms:DeleteImportedKeyMaterial" },
    what = "`kms:DeleteImportedKeyMaterial`",
    short_description = "Only authorized principals may delete imported KMS key material.",
    help = "## IAM-KMS-2: restrict kms:DeleteImportedKeyMaterial\n\n"
      .. "Deleting the key material imported into a KMS key makes the key unusable at once: "
      .. "everything encrypted under it stays unreadable until the very same material is "
      .. "imported again. Decide which break-glass roles, if any, may do it; nobody else "
      .. "should hold the permission, and calls to it deserve an alarm.",
  },
  destructive {
    id = "IAM-KMS-3",
    name = "RestrictScheduleKeyDeletion",
    security_severity = 7.0,
    actions = { "kms:ScheduleKeyDeletion" },
    what = "`kms:ScheduleKeyDeletion`",
    short_description = "Only authorized principals may schedule the deletion of KMS keys.",
    help = "## IAM-KMS-3: restrict kms:ScheduleKeyDeletion\n\n"
      .. "Once a KMS key is deleted, every piece of data encrypted under it is lost for good. "
      .. "The waiting period (7 to 30 days) only helps if someone notices in time. Keep the "
      .. "permission to the few principals that administer keys, and alarm on its use.",
  },
  destructive {
    id = "IAM-KMS-4",
    name = "RestrictDisableKey",
    security_severity = 6.0,
    actions = { "kms:DisableKey" },
    what = "`kms:DisableKey`",
    short_description = "Only authorized principals may disable KMS keys.",
    help = "## IAM-KMS-4: restrict kms:DisableKey\n\n"
      .. "A disabled key can neither encrypt nor decrypt until it is enabled again, with "
      .. "immediate effect: every service and application relying on it stops. Keep the "
      .. "permission to key administrators.",
  },
  destructive {
    id = "IAM-KMS-5",
    name = "RestrictPutKeyPolicy",
    security_severity = 7.5,
    actions = { "kms:PutKeyPolicy" },
    what = "`kms:PutKeyPolicy`",
    short_description = "Only authorized principals may replace KMS key policies.",
    help = "## IAM-KMS-5: restrict kms:PutKeyPolicy\n\n"
      .. "Whoever may put a key policy may replace it with any policy of their choosing: "
      .. "grant themselves every use of the key, or lock everybody else out. Keep the "
      .. "permission to key administrators.",
  },
  {
    id = "IAM-KMS-6",
    name = "ScopeKeyUseByViaService",
    level = "note",
    security_severity = 4.0,
    precision = "medium",
    short_description = "Key use meant for AWS services should be scoped with kms:ViaService.",
    kinds = { "identity", "resource" },
    actions = USE_AND_GRANTS.list,
    help = "## IAM-KMS-6: scope key use by AWS services with kms:ViaService\n\n"
      .. "When a principal uses a KMS key through an AWS service (EBS, S3, RDS, Secrets "
      .. "Manager encrypting at rest), the request carries the calling service, and "
      .. "`kms:ViaService` can require it: the key is then usable by the principal only "
      .. "through those services, never directly.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- In key policies: an `Allow` of cryptographic use (`kms:Decrypt`, `kms:Encrypt`, "
      .. "`kms:ReEncrypt*`, `kms:GenerateDataKey*`, `kms:Sign`, `kms:Verify`, `kms:*Mac`, "
      .. "`kms:CreateGrant`) to AWS principals other than an account root, without a "
      .. "`kms:ViaService` condition. Service principals (`\"Service\": ...`) are left out: "
      .. "their own calls carry no `kms:ViaService`.\n"
      .. "- In identity policies: such an `Allow` on keys nobody named whose conditions show "
      .. "it is meant for AWS services (`kms:GrantIsForAWSResource`, `aws:CalledVia*`, "
      .. "`aws:ViaAWSService`) but that does not say which services.\n\n"
      .. "Whether a grant of direct key use is meant for an AWS service cannot be told from "
      .. "the policy itself; these are notes.",
    check = function(policy, report)
      if keys.is_key_policy(policy) then
        for _, hit in ipairs(actions.allowed(policy, USE_AND_GRANTS)) do
          local st = hit.statement
          if not via_service(st) then
            do
              local who = {}
              for _, p in ipairs(principals.list(st)) do
                if p.type == "AWS" and (p.value == "*" or not principals.is_account_root(p.value)) then
                  who[#who + 1] = p.value == "*" and "anyone (\"*\")" or g.quote(p.value)
                end
              end
              if #who > 0 then
                report {
                  statement = st, element = hit.element, index = hit.index,
                  message = g.statement_name(st) .. " of the key policy allows " .. hit.action
                    .. " for " .. g.join(who) .. " with no kms:ViaService condition. If an AWS "
                    .. "service uses the key on their behalf, name it in a StringEquals "
                    .. "condition on kms:ViaService (e.g. \"s3.us-east-1.amazonaws.com\").",
                }
              end
            end
          end
        end
      elseif policy.kind == "identity" then
        for _, hit in ipairs(actions.allowed(policy, USE_AND_GRANTS)) do
          local st = hit.statement
          local sign = not via_service(st) and service_sign(st)
          if sign then
            if st:reaches(KEY_PROBE) then
              report {
                statement = st, element = hit.element, index = hit.index,
                message = g.statement_name(st) .. " allows " .. hit.action .. " on any key for "
                  .. "use by AWS services (condition on " .. sign.key .. ") without saying "
                  .. "which: add a StringEquals condition on kms:ViaService naming them.",
              }
            end
          end
        end
      end
    end,
  },
  destructive {
    id = "IAM-KMS-7",
    name = "RestrictDisableKeyRotation",
    security_severity = 5.0,
    actions = { "kms:DisableKeyRotation" },
    what = "`kms:DisableKeyRotation`",
    short_description = "Only authorized principals may disable KMS key rotation.",
    help = "## IAM-KMS-7: restrict kms:DisableKeyRotation\n\n"
      .. "Turning rotation off keeps a key's material in use indefinitely instead of "
      .. "replacing it every year. Keep the permission to key administrators.",
  },
  {
    id = "IAM-KMS-8",
    name = "SeparateKeyAdministrationAndUse",
    level = "warning",
    security_severity = 5.0,
    params = { authorized_principals = EXEMPT },
    short_description = "No principal should both administer KMS keys and use them.",
    kinds = { "identity", "resource" },
    actions = { "kms:*" },
    help = "## IAM-KMS-8: separate key administration from key use\n\n"
      .. "A principal that may change a key (its policy, its state, its aliases, its "
      .. "deletion) and also decrypt with it needs no one else to reach the data the key "
      .. "protects, and an operator who uses keys daily can misconfigure them by accident. "
      .. "Key administrators and key users should be different roles.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An identity policy granting both administration (IAM-KMS-9's actions other than "
      .. "grants) and cryptographic use (`kms:Decrypt`, `kms:Encrypt`, `kms:ReEncrypt*`, "
      .. "`kms:GenerateDataKey*`, `kms:Sign`, `kms:Verify`, `kms:*Mac`).\n"
      .. "- A principal of the file that gets both from different policies it holds.\n"
      .. "- A principal (other than an account root) that a key policy gives both.\n\n"
      .. "Principals matching `authorized_principals` (break-glass roles) are left out.",
    check = function(policy, report, p)
      local exempt = p and p.authorized_principals or {}
      if policy.kind == "identity" then
        if g.all_authorized(policy, exempt) then return end
        local admin, use = policy_duties(policy)
        if admin and use then
          report { statement = use.st, element = use.hit.element, index = use.hit.index,
                   message = duties_message(admin, use, "This policy") }
        end
      elseif keys.is_key_policy(policy) then
        local by = {}
        local order = {}
        for _, st in ipairs(policy.statements) do
          if st.effect == "Allow" then
            for _, pr in ipairs(principals.list(st)) do
              if pr.type == "AWS" and (pr.value == "*" or not principals.is_account_root(pr.value))
                  and not principals.matches(pr.value, exempt) then
                if not by[pr.value] then
                  by[pr.value] = {}
                  order[#order + 1] = pr.value
                end
                table.insert(by[pr.value], st)
              end
            end
          end
        end
        for _, who in ipairs(order) do
          local admin, use = statement_duties(by[who])
          if admin and use then
            report { statement = use.st, element = "Principal",
                     message = duties_message(admin, use, "Principal " .. g.quote(who)) }
          end
        end
      end
    end,
    check_principal = duties.check_principal(
      function(policy) return actions.first_allowed(policy, ADMIN) end,
      function(policy) return actions.first_allowed(policy, USE) end,
      duties_message),
  },
  restrict.rule {
    id = "IAM-KMS-9",
    name = "RestrictKeyAdministration",
    level = "warning",
    security_severity = 7.0,
    actions = keys.ADMIN,
    resource = keys.is_key_policy,
    resource_word = "key policy",
    fix = KEY_FIX,
    short_description = "Only authorized administrators may manage KMS keys.",
    help = "## IAM-KMS-9: restrict KMS administration\n\n"
      .. "Creating, disabling, deleting and re-policing keys, managing their aliases, grants, "
      .. "tags, imported material and custom key stores decides who can reach every piece "
      .. "of data the keys protect. Only the key administrators should hold these "
      .. "permissions; deny them to everyone else.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` of any of `kms:CancelKeyDeletion`, `kms:ConnectCustomKeyStore`, "
      .. "`kms:CreateAlias`, `kms:CreateCustomKeyStore`, `kms:CreateGrant`, `kms:CreateKey`, "
      .. "`kms:DeleteAlias`, `kms:DeleteCustomKeyStore`, `kms:DeleteImportedKeyMaterial`, "
      .. "`kms:DisableKey`, `kms:DisableKeyRotation`, `kms:DisconnectCustomKeyStore`, "
      .. "`kms:ImportKeyMaterial`, `kms:PutKeyPolicy`, `kms:RetireGrant`, `kms:RevokeGrant`, "
      .. "`kms:ScheduleKeyDeletion`, `kms:TagResource`, `kms:UntagResource`, "
      .. "`kms:UpdateAlias`, `kms:UpdateCustomKeyStore` or `kms:UpdateKeyDescription`: in "
      .. "identity policies unless every holder matches `authorized_principals`, in key "
      .. "policies for each principal outside it (account roots excepted). Unconfigured, "
      .. "the findings are notes.",
  },
})
