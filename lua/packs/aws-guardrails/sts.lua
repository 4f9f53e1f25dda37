-- The STS guardrails of the aws-guardrails pack (catalogue folder sts):
-- what role trust policies must say.

local g = require("iamguard.guardrail")
local common = require("common")
local actions = require("actions")
local conditions = require("conditions")
local principals = require("principals")

-- Keys that tie a request to an account or organization (IAM-STS-2).
local ORG_KEYS = { "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
  "aws:PrincipalArn", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
  "aws:SourceOrgPaths" }

local ASSUME = actions.set({ "sts:AssumeRole" })
local ASSUME_ANY = actions.set({ "sts:AssumeRole", "sts:AssumeRoleWithSAML",
  "sts:AssumeRoleWithWebIdentity" })
local SAML = actions.set({ "sts:AssumeRoleWithSAML" })
local TAG = actions.set({ "sts:TagSession" })

-- The accounts a file's own principals live in: those of the ARNs of the
-- policy's holders, and the account CloudFormation's AWS::AccountId stands
-- for (iamguard reads it as 123456789012).
local function own_accounts(policy)
  local own = {}
  for _, h in ipairs(policy.holders or {}) do
    local a = h.arn and principals.account(h.arn)
    if a then own[a] = true end
  end
  if policy.format == "cloudformation" then own["123456789012"] = true end
  return own
end

-- A value CloudFormation or Terraform leaves unresolved ("{GetAtt:Role.Arn}")
-- names a resource of the same file, so of the same account.
local function unresolved(value)
  return string.sub(value, 1, 1) == "{"
end

local function in_list(account, value, list)
  for _, item in ipairs(list or {}) do
    if item == account or iam.arn_match(item, value) then return true end
  end
  return false
end

-- The AWS principals of st from other accounts than the file's own and
-- those `known` lists: a list of {value, account}.
local function foreign(st, own, known)
  local out = {}
  for _, p in ipairs(principals.list(st)) do
    if p.type == "AWS" and p.value ~= "*" and not unresolved(p.value) then
      local acct = principals.account(p.value)
      if not (acct and own[acct]) and not in_list(acct, p.value, known) then
        out[#out + 1] = { value = p.value, account = acct }
      end
    end
  end
  return out
end

local function names(list)
  local out = {}
  for i, p in ipairs(list) do out[i] = g.quote(p.value) end
  return g.join(out)
end

-- aws:PrincipalArn counts only with an account number in it.
local function ties_to_account(c)
  if not iam.key_equal(c.key, "aws:PrincipalArn") then return true end
  for _, v in ipairs(c.values) do
    if principals.account(v) or string.find(v, ":root", 1, true) then
      local a = iam.arn_split(v)
      if a and principals.is_account_number(a.account or "") then return true end
    end
  end
  return false
end

local function anyone(st)
  if st.not_principal then return "NotPrincipal" end
  for _, p in ipairs(principals.list(st)) do
    if principals.is_anyone(p) then return "Principal \"*\"" end
  end
  return nil
end

local ACCOUNTS = {
  default = {},
  description = "Account numbers or principal ARN globs of the accounts of your organization.",
}

-- A role's trust policy. A policy file is read as one when it grants only
-- sts:AssumeRole*; one that also lets callers tag the session or set a
-- source identity (sts:TagSession, sts:SetSourceIdentity, ...) is read as a
-- resource policy, and is a trust policy all the same when every action it
-- names is of STS and one assumes a role.
local function is_trust(policy)
  if policy.kind == "trust" then return true end
  if policy.kind ~= "resource" or policy.origin.resource_type then return false end
  local assume = false
  for _, st in ipairs(policy.statements) do
    if not st.actions then return false end
    for _, a in ipairs(st.actions) do
      local l = string.lower(a)
      if string.sub(l, 1, 4) ~= "sts:" then return false end
      if string.sub(l, 1, 14) == "sts:assumerole" then assume = true end
    end
  end
  return assume
end

local TRUST = { "trust", "resource" }

local function trust_help(id, title, body, checks)
  return "## " .. id .. ": " .. title .. "\n\n" .. body .. "\n\n### What iamguard reports\n\n" .. checks
end

return common.rules("sts", {
  {
    id = "IAM-STS-1",
    name = "ExternalIdForThirdParties",
    level = "warning",
    security_severity = 7.0,
    kinds = TRUST,
    actions = ASSUME.list,
    params = { organization_accounts = ACCOUNTS },
    short_description = "A role that another account may assume must require an sts:ExternalId.",
    help = trust_help("IAM-STS-1", "require an external ID from third parties",
      "A third party that assumes roles in many customers' accounts can be tricked into using "
        .. "its access on behalf of the wrong customer: the confused deputy. An external ID, "
        .. "agreed with the third party and required by the trust policy "
        .. "(`sts:ExternalId`), ties each assumption to the customer it is meant for.",
      "In a trust policy, an `Allow` of `sts:AssumeRole` to AWS principals of another account "
        .. "(not the file's own, not in `organization_accounts`) with no condition that pins "
        .. "`sts:ExternalId` (a non-negated operator, not `...IfExists`, a value other than "
        .. "`*`). Which accounts belong to third parties is not written in the policy: with no "
        .. "`organization_accounts` configured, every other account may be one, and the "
        .. "findings are notes that say so. `Principal: \"*\"` is IAM-STS-2's."),
    check = function(policy, report, p)
      if not is_trust(policy) then return end
      local own = own_accounts(policy)
      local configured = #p.organization_accounts > 0
      for _, hit in ipairs(actions.allowed(policy, ASSUME)) do
        local st = hit.statement
        local others = foreign(st, own, p.organization_accounts)
        if #others > 0 and not conditions.pinned(st, { "sts:ExternalId" }) then
          report {
            statement = st, element = "Principal",
            level = not configured and "note" or nil,
            message = g.statement_name(st) .. " lets " .. names(others) .. " assume the role "
              .. "with no sts:ExternalId condition. Add a StringEquals condition on "
              .. "sts:ExternalId with the ID agreed with the third party."
              .. (configured and "" or " If the account belongs to your organization, list it "
                .. "in organization_accounts under rules: IAM-STS-1: params: in .iamguard.yml."),
          }
        end
      end
    end,
  },
  {
    id = "IAM-STS-2",
    name = "NoWildcardTrustWithoutConditions",
    level = "error",
    security_severity = 9.0,
    kinds = TRUST,
    short_description = "A trust policy must not let anyone (\"*\") assume the role without "
      .. "conditions that tie callers to an account or organization.",
    help = trust_help("IAM-STS-2", "no Principal \"*\" without conditions",
      "With `Principal: \"*\"` any authenticated AWS identity that knows the role's ARN may "
        .. "assume it. Where a role must be open to many identities, conditions have to say "
        .. "which: the organization (`aws:PrincipalOrgID`), an account "
        .. "(`aws:PrincipalAccount`, `aws:PrincipalArn` with an account number, "
        .. "`aws:SourceAccount`).",
      "In a trust policy, an `Allow` whose principal is `\"*\"` (or `{\"AWS\": \"*\"}`, or "
        .. "`NotPrincipal`) with no condition that pins one of `aws:PrincipalOrgID`, "
        .. "`aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, `aws:PrincipalArn` (with an "
        .. "account number in a value), `aws:SourceAccount`, `aws:SourceArn`, "
        .. "`aws:SourceOrgID` or `aws:SourceOrgPaths`. `sts:ExternalId` alone does not count: "
        .. "anyone who learns it may use it."),
    check = function(policy, report)
      if not is_trust(policy) then return end
      for _, st in ipairs(policy.statements) do
        if st.effect == "Allow" then
          local who = anyone(st)
          if who and not conditions.pinned(st, ORG_KEYS, ties_to_account) then
            report {
              statement = st, element = st.not_principal and "NotPrincipal" or "Principal",
              message = g.statement_name(st) .. " lets anyone assume the role: " .. who
                .. " with no condition on aws:PrincipalOrgID, aws:PrincipalAccount, "
                .. "aws:PrincipalArn or aws:SourceAccount. Name the trusted principals, or add "
                .. "such a condition.",
            }
          end
        end
      end
    end,
  },
  {
    id = "IAM-STS-3",
    name = "TrustKnownAccounts",
    level = "warning",
    security_severity = 7.0,
    kinds = TRUST,
    params = {
      trusted_accounts = {
        default = {},
        description = "Account numbers or principal ARN globs allowed in trust policies: the "
          .. "organization's accounts and pre-approved vendors.",
      },
    },
    short_description = "Only accounts of the organization or pre-approved vendors may be "
      .. "trusted to assume roles.",
    help = trust_help("IAM-STS-3", "trust only known accounts",
      "A cross-account role is another way into an account. Developers who may create roles "
        .. "control their trust policies, so they can open a role to any account whose number "
        .. "they know. Every account a trust policy names should be one of the organization's "
        .. "or a vendor the security team approved.",
      "In a trust policy, each `Allow` naming AWS principals of another account than the "
        .. "file's own that `trusted_accounts` does not list (as an account number, or a glob "
        .. "matching the principal's ARN). Which accounts are known is not in the policy: with "
        .. "no `trusted_accounts` configured, every other account is reported as a note that "
        .. "says how to list them. Service and federated principals are left to other rules."),
    check = function(policy, report, p)
      if not is_trust(policy) then return end
      local configured = #p.trusted_accounts > 0
      local own = own_accounts(policy)
      for _, st in ipairs(policy.statements) do
        if st.effect == "Allow" then
          local others = foreign(st, own, p.trusted_accounts)
          if #others > 0 then
            report {
              statement = st, element = "Principal",
              level = not configured and "note" or nil,
              message = g.statement_name(st) .. " trusts " .. names(others) .. ", "
                .. (configured and "which trusted_accounts does not list."
                  or "from another account: no trusted_accounts are configured for IAM-STS-3; "
                  .. "list the organization's accounts and approved vendors under rules: "
                  .. "IAM-STS-3: params: in .iamguard.yml."),
            }
          end
        end
      end
    end,
  },
  {
    id = "IAM-STS-4",
    name = "SamlAudience",
    level = "note",
    security_severity = 3.0,
    kinds = TRUST,
    actions = SAML.list,
    params = {
      console_access = {
        default = true,
        description = "May federated users sign in to the AWS Management Console? false: a "
          .. "saml:aud of https://signin.aws.amazon.com/saml is reported.",
      },
    },
    short_description = "A SAML trust policy must say, with saml:aud, whether federated users "
      .. "get console access.",
    help = trust_help("IAM-STS-4", "decide programmatic or console access for SAML federation",
      "A role trusted by a SAML identity provider may be for programmatic access only, or for "
        .. "the AWS Management Console too. The `saml:aud` condition records the choice: its "
        .. "value `https://signin.aws.amazon.com/saml` is the console's sign-in endpoint.",
      "In a trust policy, an `Allow` of `sts:AssumeRoleWithSAML` with no condition that pins "
        .. "`saml:aud`; with `console_access: false`, also one whose `saml:aud` admits the "
        .. "console's endpoint (a warning then). Which access a team wants is a decision the "
        .. "parameter records."),
    check = function(policy, report, p)
      if not is_trust(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, SAML)) do
        local st = hit.statement
        local aud = conditions.pinned(st, { "saml:aud" })
        if not aud then
          report {
            statement = st, element = hit.element, index = hit.index,
            message = g.statement_name(st) .. " allows sts:AssumeRoleWithSAML with no saml:aud "
              .. "condition, so it does not say whether federated users may use the console. Add "
              .. "a StringEquals condition on saml:aud (https://signin.aws.amazon.com/saml for "
              .. "console sign-in).",
          }
        elseif not p.console_access then
          for _, v in ipairs(aud.values) do
            if iam.arn_match(v, "https://signin.aws.amazon.com/saml") then
              report {
                statement = st, element = "Condition", index = aud.index, level = "warning",
                message = g.statement_name(st) .. " lets federated users sign in to the AWS "
                  .. "Management Console (saml:aud " .. g.quote(v) .. "), and console_access is "
                  .. "false for IAM-STS-4: allow programmatic access only.",
              }
              break
            end
          end
        end
      end
    end,
  },
  {
    id = "IAM-STS-5",
    name = "AssumeRoleFromKnownAddresses",
    level = "note",
    security_severity = 3.0,
    kinds = TRUST,
    actions = ASSUME.list,
    short_description = "Trust policies should allow sts:AssumeRole only from specific IP "
      .. "addresses.",
    help = trust_help("IAM-STS-5", "assume roles only from known addresses",
      "Restricting where API calls may come from is best done where a session starts: in the "
        .. "trust policy, on `sts:AssumeRole`. There it does not break the calls AWS services "
        .. "make on a principal's behalf later, as a restriction in identity policies would "
        .. "(IAM-IAM-3).",
      "In a trust policy, an `Allow` of `sts:AssumeRole` to AWS principals (not services, not "
        .. "federated identities) with no `IpAddress` condition on `aws:SourceIp`, when no "
        .. "`Deny` of the same policy refuses `sts:AssumeRole` with `NotIpAddress` on it. Which "
        .. "addresses are the corporate network's is not in the policy; any specific range "
        .. "counts."),
    check = function(policy, report)
      if not is_trust(policy) then return end
      if conditions.denied_unless(policy, "sts:AssumeRole", "aws:SourceIp") then return end
      for _, hit in ipairs(actions.allowed(policy, ASSUME)) do
        local st = hit.statement
        local aws = false
        for _, pr in ipairs(principals.list(st)) do aws = aws or pr.type == "AWS" end
        if aws and not conditions.pinned(st, { "aws:SourceIp" }, function(c)
          return c.base == "IpAddress"
        end) then
          report {
            statement = st, element = "Principal",
            message = g.statement_name(st) .. " lets AWS principals assume the role from any IP "
              .. "address. Add an IpAddress condition on aws:SourceIp with the corporate ranges, "
              .. "or a Deny of sts:AssumeRole with NotIpAddress.",
          }
        end
      end
    end,
  },
  {
    id = "IAM-STS-6",
    name = "NoTagSessionWithAssumeRole",
    level = "warning",
    security_severity = 5.0,
    kinds = { "identity", "trust", "resource" },
    actions = { "sts:TagSession", "sts:AssumeRole", "sts:AssumeRoleWithSAML",
      "sts:AssumeRoleWithWebIdentity" },
    short_description = "Principals that may assume roles must not also tag their sessions "
      .. "(sts:TagSession).",
    help = trust_help("IAM-STS-6", "no sts:TagSession for those who assume roles",
      "Session tags become principal tags of the session. A principal that may set its own "
        .. "session tags when assuming a role can give itself the tags that tag-based access "
        .. "control (`aws:PrincipalTag`) trusts, and step outside what its role was meant to "
        .. "reach.",
      "- An identity policy that allows both `sts:TagSession` and `sts:AssumeRole*` (reported "
        .. "at the grant of `sts:TagSession`).\n"
        .. "- A role or user of the file that gets them from different policies it holds.\n"
        .. "- A trust policy that lets the principals it trusts tag the session (a note: "
        .. "identity providers need it for attributes they assert, which may be intended)."),
    check = function(policy, report)
      if policy.kind ~= "identity" and not is_trust(policy) then return end
      local tag = actions.allowed(policy, TAG)[1]
      if not tag then return end
      if policy.kind ~= "identity" then
        report {
          statement = tag.statement, element = tag.element, index = tag.index, level = "note",
          message = g.statement_name(tag.statement) .. " lets the principals that assume the "
            .. "role set session tags (sts:TagSession). Allow it only for tags your "
            .. "identity provider asserts, and not where permissions depend on principal tags "
            .. "callers choose.",
        }
        return
      end
      local assume = actions.allowed(policy, ASSUME_ANY)[1]
      if assume then
        report {
          statement = tag.statement, element = tag.element, index = tag.index,
          message = "This policy allows both sts:TagSession ("
            .. actions.text_in(tag, g.statement_name(tag.statement)) .. " grants it) and "
            .. assume.action .. " (" .. actions.text_in(assume, g.statement_name(assume.statement))
            .. " grants it). Remove "
            .. "sts:TagSession.",
        }
      end
    end,
    check_principal = function(principal, report)
      local tag, assume
      for _, held in ipairs(principal.policies) do
        local pol = held.policy
        if pol and pol.kind == "identity" then
          local t = actions.allowed(pol, TAG)[1]
          local a = actions.allowed(pol, ASSUME_ANY)[1]
          if t and a then return end -- check() reports it
          tag = tag or t
          assume = assume or a
        end
      end
      if tag and assume then
        report {
          message = g.holder_name(principal) .. " may assume roles (" .. assume.action .. " in "
            .. g.statement_name(assume.statement) .. ") and tag its sessions (sts:TagSession in "
            .. g.statement_name(tag.statement) .. ", another policy). Remove sts:TagSession.",
        }
      end
    end,
  },
})
