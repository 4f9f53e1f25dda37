-- The IAM guardrails of the aws-guardrails pack (catalogue folder iam).

local g = require("iamguard.guardrail")
local common = require("common")
local restrict = require("restrict")
local actions = require("actions")
local conditions = require("conditions")

-- IAM-IAM-1 as the catalogue lists it, corrected: "iam:AddUserToGroup ",
-- "iam:CreateLoginProfile " and "iam:UpdateUser " end with a space, and
-- "iam:CreateVirtualMFADeviceiam:DeactivateMFADevice" is two actions.
local USERS = {
  "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:CreateLoginProfile", "iam:CreateUser",
  "iam:CreateVirtualMFADevice", "iam:DeactivateMFADevice", "iam:DeleteAccessKey",
  "iam:DeleteGroup", "iam:DeleteGroupPolicy", "iam:DeleteLoginProfile", "iam:DeleteUser",
  "iam:DeleteUserPolicy", "iam:DeleteVirtualMFADevice", "iam:DetachGroupPolicy",
  "iam:DetachUserPolicy", "iam:EnableMFADevice", "iam:PutGroupPolicy", "iam:PutUserPolicy",
  "iam:RemoveUserFromGroup", "iam:ResyncMFADevice", "iam:UpdateAccessKey", "iam:UpdateGroup",
  "iam:UpdateLoginProfile", "iam:UpdateUser",
}

-- IAM-IAM-2 (the catalogue lists iam:UpdateAssumeRolePolicy twice).
local ROLES_AND_POLICIES = {
  "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateAccountAlias",
  "iam:UpdateAssumeRolePolicy", "iam:CreateSAMLProvider", "iam:CreateServiceLinkedRole",
  "iam:DeleteAccountAlias", "iam:DeleteAccountPasswordPolicy", "iam:DeletePolicy",
  "iam:DeletePolicyVersion", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary",
  "iam:DeleteRolePolicy", "iam:DeleteSAMLProvider", "iam:DeleteServiceLinkedRole",
  "iam:DeleteUserPermissionsBoundary", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary", "iam:UpdateAccountPasswordPolicy",
  "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateSAMLProvider",
}

-- IAM-IAM-11.
local IAM_ADMIN = {
  "iam:AddClientIDToOpenIDConnectProvider", "iam:AddRoleToInstanceProfile", "iam:AddUserToGroup",
  "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:ChangePassword",
  "iam:CreateAccessKey", "iam:CreateAccountAlias", "iam:CreateGroup", "iam:CreateInstanceProfile",
  "iam:CreateLoginProfile", "iam:CreateOpenIDConnectProvider", "iam:CreatePolicy",
  "iam:CreatePolicyVersion", "iam:CreateRole", "iam:CreateSAMLProvider",
  "iam:CreateServiceLinkedRole", "iam:CreateServiceSpecificCredential", "iam:CreateUser",
  "iam:CreateVirtualMFADevice", "iam:DeactivateMFADevice", "iam:DeleteAccessKey",
  "iam:DeleteAccountAlias", "iam:DeleteAccountPasswordPolicy", "iam:DeleteGroup",
  "iam:DeleteGroupPolicy", "iam:DeleteInstanceProfile", "iam:DeleteLoginProfile",
  "iam:DeleteOpenIDConnectProvider", "iam:DeletePolicy", "iam:DeletePolicyVersion",
  "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
  "iam:DeleteSAMLProvider", "iam:DeleteServerCertificate", "iam:DeleteServiceLinkedRole",
  "iam:DeleteServiceSpecificCredential", "iam:DeleteSigningCertificate", "iam:DeleteSSHPublicKey",
  "iam:DeleteUser", "iam:DeleteUserPermissionsBoundary", "iam:DeleteUserPolicy",
  "iam:DeleteVirtualMFADevice", "iam:DetachGroupPolicy", "iam:DetachRolePolicy",
  "iam:DetachUserPolicy", "iam:EnableMFADevice", "iam:PutGroupPolicy",
  "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
  "iam:PutUserPolicy", "iam:RemoveClientIDFromOpenIDConnectProvider",
  "iam:RemoveRoleFromInstanceProfile", "iam:RemoveUserFromGroup",
  "iam:ResetServiceSpecificCredential", "iam:ResyncMFADevice", "iam:SetDefaultPolicyVersion",
  "iam:SetSecurityTokenServicePreferences", "iam:TagRole", "iam:TagUser", "iam:UntagRole",
  "iam:UntagUser", "iam:UpdateAccessKey", "iam:UpdateAccountPasswordPolicy",
  "iam:UpdateAssumeRolePolicy", "iam:UpdateGroup", "iam:UpdateLoginProfile",
  "iam:UpdateOpenIDConnectProviderThumbprint", "iam:UpdateRole", "iam:UpdateRoleDescription",
  "iam:UpdateSAMLProvider", "iam:UpdateServerCertificate", "iam:UpdateServiceSpecificCredential",
  "iam:UpdateSigningCertificate", "iam:UpdateSSHPublicKey", "iam:UpdateUser",
  "iam:UploadServerCertificate", "iam:UploadSigningCertificate", "iam:UploadSSHPublicKey",
}

-- IAM-IAM-9: the APIs commonly used for reconnaissance and escalation.
local HIGH_RISK = {
  "s3:ListBucket", "s3:ListAllMyBuckets", "lambda:ListFunctions", "kms:ListKeys",
  "kms:ListAliases", "cloudtrail:DescribeTrails", "cloudtrail:ListTrails", "iam:Generate*",
  "iam:Get*", "iam:List*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
  "organizations:DescribeOrganizationalUnit", "organizations:ListAccounts",
  "organizations:ListAWSServiceAccessForOrganization", "organizations:DescribePolicy",
  "organizations:ListChildren", "organizations:ListParents",
  "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies",
  "organizations:ListTargetsForPolicy", "ec2:TerminateInstances",
  "ec2:ModifyInstanceMetadataOptions",
}

local BOUNDARY_EDITS = { "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion" }

-- Policy variables that name the caller: a statement whose every resource
-- is the caller's own user manages only itself (a password, its own MFA).
local SELF = { "${aws:username}", "${aws:userid}", "${aws:PrincipalArn}" }

local function self_only(st)
  local rs = st.resources
  if not rs or #rs == 0 then return false end
  for _, r in ipairs(rs) do
    local mine = false
    for _, v in ipairs(SELF) do
      if string.find(r, v, 1, true) then mine = true end
    end
    if not mine then return false end
  end
  return true
end

local function not_self_only(st)
  return not self_only(st)
end

local function restricted(spec)
  spec.level = spec.level or "warning"
  spec.help = spec.help .. "\n\n### What iamguard reports\n\n"
    .. "Every `Allow` in an identity policy that grants " .. spec.what
    .. " (by name, through a wildcard such as `iam:*` or `iam:Delete*`, or through "
    .. "`NotAction`)" .. (spec.self_ok and ", except statements whose every resource is the "
      .. "caller's own (`${aws:username}`: self-service passwords, access keys and MFA)" or "")
    .. ", unless every principal of the file that holds the policy matches "
    .. "`authorized_principals`. With no `authorized_principals` configured the findings are "
    .. "notes that say how to configure them:\n\n"
    .. common.configure_example(spec.id, "\"arn:aws:iam::*:role/" .. spec.example .. "\"")
  if spec.self_ok then spec.reaches = not_self_only end
  spec.what, spec.example, spec.self_ok = nil, nil, nil
  return restrict.rule(spec)
end

-- IAM-IAM-4: does Resource pattern r reach a policy used as a boundary?
-- Any policy ("*", ".../policy/*"), or one whose name matches a pattern of
-- boundary_policies (names or ARNs, compared without case).
local POLICY_PROBE = "arn:{partition}:iam::{account}:policy/unscopedprobe0"

local function policy_name(arn)
  local a = iam.arn_split(arn)
  if not a or a.service ~= "iam" or string.sub(a.resource, 1, 7) ~= "policy/" then return nil end
  local name = string.sub(a.resource, 8)
  local i = 0
  while true do
    local j = string.find(name, "/", i + 1, true)
    if not j then break end
    i = j
  end
  return string.sub(name, i + 1)
end

local function boundary_like(r, patterns)
  local name = policy_name(r)
  for _, p in ipairs(patterns) do
    local lp = string.lower(p)
    if iam.arn_match(lp, string.lower(r)) then return true end
    if name and iam.arn_match(lp, string.lower(name)) then return true end
  end
  return false
end

local function reaches_boundary(st, patterns)
  if st.not_resources then return true, "NotResource" end
  for _, r in ipairs(st.resources or {}) do
    if iam.arn_match(r, iam.probe(POLICY_PROBE, r)) then return true, r end
    if boundary_like(r, patterns) then return true, r end
  end
  return false
end

local BOUNDARY_SET = actions.set(BOUNDARY_EDITS)
local PASSROLE_SET = actions.set({ "iam:PassRole" })
local CREATE_ROLE_SET = actions.set({ "iam:CreateRole" })
local HIGH_RISK_SET = actions.set(HIGH_RISK)

local ROLE_PROBE = "arn:{partition}:iam::{account}:role/unscopedprobe0"
-- IAM-IAM-6 as an unscoped grant, with its catalogue look-ups done once.
local PASSROLE_SPEC = {
  action = "iam:PassRole",
  templates = g.templates("iam:PassRole", { "role" }),
  tag_keys = g.tag_keys("iam:PassRole", { "role" }),
}

local AUTHORIZED = {
  default = {},
  description = "Principals allowed to hold the access: ARN, name or account globs, e.g. "
    .. "arn:aws:iam::*:role/IamAdmin*.",
}

-- IAM-IAM-3: the IP conditions of a statement and whether they let calls
-- AWS services make on the principal's behalf through.
local IP_KEYS = { "aws:SourceIp" }
local VIA_KEYS = { "aws:ViaAWSService", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
  "aws:SourceVpce", "aws:SourceVpc" }
local ASSUME = actions.set({ "sts:AssumeRole", "sts:AssumeRoleWithSAML",
  "sts:AssumeRoleWithWebIdentity" })

local function ip_restriction(st)
  for _, c in ipairs(st:conditions_on("aws:SourceIp")) do
    if st.effect == "Allow" and c.base == "IpAddress" and not c.negated then return c end
    if st.effect == "Deny" and c.base == "NotIpAddress" then return c end
  end
  return nil
end

local function only_assume_role(st)
  if not st.actions then return false end
  for _, a in ipairs(st.actions) do
    if not string.find(string.lower(a), "sts:assumerole", 1, true) then return false end
  end
  return #st.actions > 0
end

-- IAM-IAM-5: a condition that makes iam:CreateRole attach a boundary.
local function requires_boundary(st, approved)
  return conditions.pinned(st, { "iam:PermissionsBoundary" }, function(c)
    if #approved == 0 then return true end
    for _, v in ipairs(c.values) do
      local ok = false
      for _, a in ipairs(approved) do ok = ok or iam.arn_match(a, v) end
      if not ok then return false end
    end
    return true
  end)
end

-- IAM-IAM-6 and IAM-IAM-10: the grants of iam:PassRole in `policy` that
-- are judged, none when every holder is in authorized_principals.
local function judged_passrole(policy, p)
  local hits = actions.allowed(policy, PASSROLE_SET)
  if #hits == 0 or g.all_authorized(policy, p.authorized_principals) then return {} end
  return hits
end

-- IAM-IAM-10: a condition naming the services a role may be passed to.
local function passed_to_service(st)
  return conditions.pinned(st, { "iam:PassedToService" })
end

return common.rules("iam", {
  restricted {
    id = "IAM-IAM-1",
    name = "RestrictUserManagement",
    security_severity = 7.0,
    actions = USERS,
    self_ok = true,
    example = "SecurityOperations",
    what = "one of the 24 actions that manage IAM users, groups, passwords, access keys and MFA "
      .. "devices (`iam:CreateUser`, `iam:AddUserToGroup`, `iam:CreateLoginProfile`, "
      .. "`iam:DeactivateMFADevice`, `iam:UpdateAccessKey`, ...)",
    short_description = "Only authorized principals may manage IAM users, their keys and MFA.",
    help = "## IAM-IAM-1: restrict the management of IAM users\n\n"
      .. "Federated principals have largely replaced IAM users, which remain for break-glass "
      .. "access and for when the identity provider is down. Whoever may create users, give "
      .. "them passwords or keys, move them between groups or switch off their MFA can make "
      .. "a long-lived identity for themselves. Keep these permissions to security "
      .. "operations and the few roles that need them.",
    fix = "Keep user management to security operations.",
  },
  restricted {
    id = "IAM-IAM-2",
    name = "RestrictRoleAndPolicyManagement",
    security_severity = 7.5,
    actions = ROLES_AND_POLICIES,
    example = "BuildAutomation",
    what = "one of the 24 actions that change roles, their policies and boundaries, SAML "
      .. "providers and account settings (`iam:AttachRolePolicy`, `iam:PutRolePolicy`, "
      .. "`iam:UpdateAssumeRolePolicy`, `iam:DeleteRolePermissionsBoundary`, ...)",
    short_description = "Only authorized principals (ideally build automation) may manage IAM "
      .. "roles and policies.",
    help = "## IAM-IAM-2: restrict the management of roles and policies\n\n"
      .. "Creating, changing and deleting roles, their policies and boundaries, and SAML "
      .. "providers should happen through approved changes, usually a deployment pipeline. "
      .. "Any other principal holding these permissions can grant itself whatever it wants.",
    fix = "Leave role and policy changes to the build automation roles.",
  },
  {
    id = "IAM-IAM-3",
    name = "CarefulIpRestrictions",
    level = "note",
    security_severity = 3.0,
    precision = "medium",
    kinds = { "identity" },
    short_description = "IP address conditions must not block calls AWS services make on a "
      .. "principal's behalf.",
    help = "## IAM-IAM-3: take care with IP address restrictions\n\n"
      .. "A condition on `aws:SourceIp` compares the address the request comes from. When an "
      .. "AWS service such as CloudFormation calls another service for the principal, the "
      .. "request comes from the service's own address, so an IP restriction on the "
      .. "principal's policies denies those calls too. Put the restriction on the role's "
      .. "trust policy (`sts:AssumeRole*`) instead, or exempt calls made through services.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In identity policies, an `Allow` with `IpAddress` on `aws:SourceIp`, or a `Deny` "
      .. "with `NotIpAddress` on it, unless the statement is only about `sts:AssumeRole*` or "
      .. "also has a condition on `aws:ViaAWSService`, `aws:CalledVia*`, `aws:SourceVpce` or "
      .. "`aws:SourceVpc` that accounts for service calls and private networks.\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\",\n"
      .. " \"Condition\": {\"NotIpAddress\": {\"aws:SourceIp\": \"192.0.2.0/24\"},\n"
      .. "               \"Bool\": {\"aws:ViaAWSService\": \"false\"}}}\n```",
    check = function(policy, report)
      if policy.kind ~= "identity" then return end
      for _, st in ipairs(policy.statements) do
        local c = st:has("Condition") and ip_restriction(st)
        if c and not only_assume_role(st) and not conditions.mentions(st, VIA_KEYS) then
          report {
            statement = st, element = "Condition", index = c.index,
            message = g.statement_name(st) .. (st.effect == "Allow" and " allows" or " denies")
              .. " requests by source IP address (" .. c.operator .. " on aws:SourceIp): calls "
              .. "AWS services make on the principal's behalf come from AWS addresses and are "
              .. (st.effect == "Allow" and "not allowed" or "denied")
              .. ". Add a Bool condition aws:ViaAWSService = false, or restrict sts:AssumeRole "
              .. "in the trust policy instead.",
          }
        end
      end
    end,
  },
  {
    id = "IAM-IAM-4",
    name = "ProtectPermissionsBoundaries",
    level = "warning",
    security_severity = 7.5,
    kinds = { "identity" },
    actions = BOUNDARY_SET.list,
    params = {
      authorized_principals = AUTHORIZED,
      boundary_policies = {
        default = { "*boundary*" },
        description = "Names or ARNs (globs, compared without case) of the managed policies "
          .. "used as permissions boundaries.",
      },
    },
    short_description = "Policies used as permissions boundaries must be protected from "
      .. "modification.",
    help = "## IAM-IAM-4: protect the policies used as permissions boundaries\n\n"
      .. "Delegated IAM administration rests on a permissions boundary: developers may create "
      .. "roles, but only with the boundary attached. Whoever may publish a new version of the "
      .. "boundary policy, make an older version the default, or delete it, can lift the "
      .. "boundary and escalate. Deny `iam:CreatePolicyVersion`, `iam:DeletePolicy`, "
      .. "`iam:DeletePolicyVersion` and `iam:SetDefaultPolicyVersion` on the boundary's ARN "
      .. "(in an SCP, or in the boundary itself), or keep boundaries under an IAM path "
      .. "delegated admins cannot touch.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An `Allow` of one of the four actions whose `Resource` reaches any managed policy "
      .. "(`*`, `arn:aws:iam::ACCOUNT:policy/*`) or one named like a boundary "
      .. "(`boundary_policies`, default `*boundary*`), unless every holder matches "
      .. "`authorized_principals`; with no list configured, a note.\n"
      .. "- A role or user of the file that may change its own permissions boundary (the "
      .. "policy `PermissionsBoundary` names) through the policies it holds.\n\n"
      .. "Which managed policies an account uses as boundaries is not in an identity policy: "
      .. "iamguard knows the boundaries a file attaches and the names `boundary_policies` "
      .. "gives.",
    check = function(policy, report, p)
      local hits = actions.allowed(policy, BOUNDARY_SET)
      if #hits == 0 then return end
      local patterns = p.authorized_principals
      local left, held = g.unauthorized_holders(policy, patterns)
      if #patterns > 0 and held and #left == 0 then return end
      for _, hit in ipairs(hits) do
        local st = hit.statement
        local yes, via = reaches_boundary(st, p.boundary_policies)
        if yes then
          report {
            statement = st, element = hit.element, index = hit.index,
            level = #patterns == 0 and "note" or nil,
            message = g.message {
              statement = st, action = hit.action,
              target = via == "NotResource" and "every policy NotResource leaves"
                or "policies that may be permissions boundaries (" .. g.quote(via) .. ")",
              holders = held and left or nil,
              granted_by = hit.clause,
              fix = (#patterns == 0 and ("No authorized_principals are configured for IAM-IAM-4: "
                .. "list the principals that may change boundary policies under rules: "
                .. "IAM-IAM-4: params: in .iamguard.yml.")
                or "It is held by principals outside authorized_principals.")
                .. " Deny it on the boundary policies' ARNs.",
            },
          }
        end
      end
    end,
    check_principal = function(principal, report, p)
      local b = principal.boundary
      if not b or g.authorized(principal, p.authorized_principals) then return end
      local target = b.arn or (b.policy and b.policy.origin.policy_arn)
      local probes = {}
      if target and iam.arn_split(target) then
        probes[1] = target
      elseif b.name then
        probes[1] = "arn:{partition}:iam::{account}:policy/" .. b.name
      else
        return
      end
      for _, held in ipairs(principal.policies) do
        if held.policy and held.policy.kind == "identity" then
          for _, hit in ipairs(actions.allowed(held.policy, BOUNDARY_SET)) do
            local st = hit.statement
            -- Wildcards and boundary-like names are check()'s findings already.
            if not reaches_boundary(st, p.boundary_policies) and st:reaches(probes) then
              report {
                statement = st,
                message = g.holder_name(principal) .. " may change its own permissions boundary "
                  .. (b.name or target) .. ": " .. actions.text_in(hit, g.statement_name(st))
                  .. " grants " .. hit.action .. " on it. Deny the boundary policy's changes "
                  .. "to the principals it bounds.",
              }
            end
          end
        end
      end
    end,
  },
  {
    id = "IAM-IAM-5",
    name = "DelegatedRolesNeedBoundaries",
    level = "warning",
    security_severity = 7.0,
    kinds = { "identity" },
    actions = CREATE_ROLE_SET.list,
    params = {
      authorized_principals = {
        default = {},
        description = "Full IAM administrators, who may create roles without a boundary: ARN, "
          .. "name or account globs.",
      },
      boundary_policies = {
        default = {},
        description = "ARNs (globs) of the approved boundaries: when set, the condition must "
          .. "name only these.",
      },
      delegated_roles = {
        default = {},
        description = "Names or ARNs (globs) of roles that delegated admins create: such roles "
          .. "of a file must have a permissions boundary.",
      },
    },
    short_description = "Roles that delegated IAM administrators create must get a permissions "
      .. "boundary.",
    help = "## IAM-IAM-5: roles created by delegated admins need a boundary\n\n"
      .. "Letting developers create their own roles saves waiting for an IAM administrator, "
      .. "but without a permissions boundary such a role can hold more than its creator. The "
      .. "permission to create roles should require the boundary "
      .. "(`iam:PermissionsBoundary` condition), and the roles delegated admins create should "
      .. "carry it.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An `Allow` of `iam:CreateRole` with no condition that pins "
      .. "`iam:PermissionsBoundary` (to the ARNs of `boundary_policies`, when set), unless a "
      .. "`Deny` of the same policy refuses `iam:CreateRole` without it, or every holder "
      .. "matches `authorized_principals` (the full IAM administrators; with none configured "
      .. "the findings are notes).\n"
      .. "- A role of the file whose name or ARN matches `delegated_roles` and that has no "
      .. "permissions boundary.\n\n"
      .. "Who is a delegated administrator, and which roles they made, is not in the "
      .. "policies: the parameters say it.",
    check = function(policy, report, p)
      local hits = actions.allowed(policy, CREATE_ROLE_SET)
      if #hits == 0 then return end
      local patterns = p.authorized_principals
      local left, held = g.unauthorized_holders(policy, patterns)
      if #patterns > 0 and held and #left == 0 then return end
      if conditions.denied_unless(policy, "iam:CreateRole", "iam:PermissionsBoundary") then return end
      for _, hit in ipairs(hits) do
        local st = hit.statement
        if st:reaches(ROLE_PROBE) and not requires_boundary(st, p.boundary_policies) then
          report {
            statement = st, element = hit.element, index = hit.index,
            level = #patterns == 0 and "note" or nil,
            message = g.message {
              statement = st, action = "iam:CreateRole", target = "any role",
              holders = held and left or nil, granted_by = hit.clause,
              unscoped = "no condition on iam:PermissionsBoundary makes the new role carry a "
                .. "boundary",
              fix = (#patterns == 0 and "If its holders are delegated admins, " or "")
                .. "add a StringEquals (or ArnEquals) condition on iam:PermissionsBoundary "
                .. "naming the approved boundary."
                .. (#patterns == 0 and " Full IAM administrators go in authorized_principals "
                  .. "under rules: IAM-IAM-5: params: in .iamguard.yml." or ""),
            },
          }
        end
      end
    end,
    check_principal = function(principal, report, p)
      if principal.type ~= "role" or principal.boundary or not principal.declared then return end
      if not g.authorized(principal, p.delegated_roles) then return end
      report {
        message = g.holder_name(principal) .. " matches delegated_roles but has no permissions "
          .. "boundary: set PermissionsBoundary to the approved boundary policy.",
      }
    end,
  },
  {
    id = "IAM-IAM-6",
    name = "ScopePassRoleToApprovedRoles",
    level = "warning",
    security_severity = 7.5,
    kinds = { "identity" },
    actions = { "iam:PassRole" },
    params = {
      authorized_principals = AUTHORIZED,
      approved_roles = {
        default = {},
        description = "ARNs (globs) of the roles that may be passed: when set, every Resource "
          .. "of iam:PassRole must fall within them.",
      },
    },
    short_description = "iam:PassRole must name the approved roles that may be passed.",
    help = "## IAM-IAM-6: scope iam:PassRole to approved roles\n\n"
      .. "`iam:PassRole` lets a principal hand a role to a service: an EC2 instance, a Lambda "
      .. "function, a pipeline. Passing a more privileged role to something the principal "
      .. "controls is a classic escalation. The `Resource` of `iam:PassRole` should name the "
      .. "roles meant to be passed.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` of `iam:PassRole` whose `Resource` reaches any role (`*`, "
      .. "`arn:aws:iam::ACCOUNT:role/*`, `NotResource`) with no resource-tag condition on the "
      .. "role and no `Deny` of the same policy taking it back; with `approved_roles` set, "
      .. "also one whose `Resource` names roles outside them. Holders matching "
      .. "`authorized_principals` are not reported. IAM-IAM-10 checks the other half of the "
      .. "guardrail: the services the role is passed to (the catalogue gives both ids the "
      .. "same text).",
    check = function(policy, report, p)
      local hits = judged_passrole(policy, p)
      if #hits == 0 then return end
      local seen = {}
      for _, hit in ipairs(g.find_unscoped(policy, PASSROLE_SPEC)) do
        local st = hit.statement
        seen[st.index] = true
        report {
          statement = st, element = hit.grant.element, index = hit.grant.index,
          message = g.message {
            statement = st, action = "iam:PassRole", target = "any role",
            granted_by = hit.grant.text,
            reached_by = hit.resource and ("Resource " .. g.quote(hit.resource)
              .. " matches every role") or "NotResource does not exclude them",
            fix = "Name the roles that may be passed in Resource "
              .. "(arn:aws:iam::ACCOUNT:role/NAME).",
          },
        }
      end
      if #p.approved_roles == 0 then return end
      for _, hit in ipairs(hits) do
        local st = hit.statement
        if not seen[st.index] then
          for i, r in ipairs(st.resources or {}) do
            local ok = false
            for _, a in ipairs(p.approved_roles) do ok = ok or iam.arn_match(a, r) end
            if not ok then
              report {
                statement = st, element = "Resource", index = i,
                message = g.statement_name(st) .. " allows iam:PassRole on " .. g.quote(r)
                  .. ", which is not among approved_roles.",
              }
              break
            end
          end
        end
      end
    end,
  },
  restricted {
    id = "IAM-IAM-7",
    name = "RestrictGetAccountAuthorizationDetails",
    security_severity = 5.0,
    actions = { "iam:GetAccountAuthorizationDetails" },
    example = "SecurityAudit",
    what = "`iam:GetAccountAuthorizationDetails`",
    short_description = "Only authorized principals may read the account's whole IAM "
      .. "configuration (iam:GetAccountAuthorizationDetails).",
    help = "## IAM-IAM-7: restrict iam:GetAccountAuthorizationDetails\n\n"
      .. "One call returns every user, group, role and policy of the account and how they "
      .. "relate: a complete map for an attacker planning the next step. Keep it to auditing "
      .. "roles.",
    fix = "Remove it from the policy unless the holder audits IAM.",
  },
  restricted {
    id = "IAM-IAM-8",
    name = "RestrictCreateUser",
    security_severity = 6.0,
    actions = { "iam:CreateUser" },
    example = "BreakGlassAdmin",
    what = "`iam:CreateUser`",
    short_description = "Only principals with a business reason may create IAM users.",
    help = "## IAM-IAM-8: restrict iam:CreateUser\n\n"
      .. "In an organization that federates its people, creating IAM users is hardly ever "
      .. "needed, apart from an emergency power user. General-purpose roles should not hold "
      .. "it.",
    fix = "Remove it from the policy unless the holder is a listed exception.",
  },
  {
    id = "IAM-IAM-9",
    name = "DenyHighRiskApis",
    level = "note",
    security_severity = 4.0,
    precision = "medium",
    kinds = { "identity" },
    actions = HIGH_RISK_SET.list,
    params = {
      principals = {
        default = {},
        description = "Names or ARNs (globs) of the service roles and users the guardrail is for; "
          .. "empty: every role and user of a file.",
      },
    },
    short_description = "Service roles and users should carry a policy that denies high-risk "
      .. "reconnaissance APIs.",
    help = "## IAM-IAM-9: deny high-risk APIs to service roles and users\n\n"
      .. "Reconnaissance and escalation follow known calls: listing buckets, keys, functions "
      .. "and trails, reading IAM (`iam:Get*`, `iam:List*`, `iam:Generate*`), mapping the "
      .. "organization, terminating instances or changing their metadata options. Roles and "
      .. "users that serve applications seldom need them; a managed policy that denies them, "
      .. "attached to every such principal, limits what stolen credentials can do.\n\n"
      .. "### What iamguard reports\n\n"
      .. "A role or user of a file (those `principals` matches, when set) whose policies allow "
      .. "some of those APIs (`s3:ListBucket`, `s3:ListAllMyBuckets`, `lambda:ListFunctions`, "
      .. "`kms:ListKeys`, `kms:ListAliases`, `cloudtrail:DescribeTrails`, "
      .. "`cloudtrail:ListTrails`, `iam:Generate*`, `iam:Get*`, `iam:List*`, the "
      .. "`organizations:` describe and list calls, `ec2:TerminateInstances`, "
      .. "`ec2:ModifyInstanceMetadataOptions`) while no policy it holds denies them "
      .. "unconditionally. A policy on its own is not judged: the guardrail is about what is "
      .. "attached to a principal.",
    check = function() end,
    check_principal = function(principal, report, p)
      if principal.type == "group" or not principal.declared then return end
      if #p.principals > 0 and not g.authorized(principal, p.principals) then return end
      local allowed, denied, order = {}, {}, {}
      for _, held in ipairs(principal.policies) do
        local pol = held.policy
        if pol and pol.kind == "identity" then
          for _, st in ipairs(pol.statements) do
            if (st.effect == "Allow" or (st.effect == "Deny" and #st.conditions == 0))
                and st:grants_any(HIGH_RISK_SET.cset) then
              for _, a in ipairs(actions.all_granted(st, HIGH_RISK_SET)) do
                if st.effect == "Allow" then
                  if not allowed[a] then
                    allowed[a] = true
                    order[#order + 1] = a
                  end
                else
                  denied[a] = true
                end
              end
            end
          end
        end
      end
      local open = {}
      for _, a in ipairs(order) do
        if not denied[a] then open[#open + 1] = a end
      end
      if #open == 0 then return end
      report {
        message = g.holder_name(principal) .. " may call high-risk APIs that no policy it holds "
          .. "denies: " .. g.join(open, 6) .. ". Attach a policy denying them, unless the "
          .. "principal's work needs them.",
      }
    end,
  },
  {
    id = "IAM-IAM-10",
    name = "ScopePassRoleToServices",
    level = "warning",
    security_severity = 6.0,
    kinds = { "identity" },
    actions = { "iam:PassRole" },
    params = { authorized_principals = AUTHORIZED },
    short_description = "iam:PassRole must name the AWS services the role may be passed to.",
    help = "## IAM-IAM-10: pass roles only to the intended services\n\n"
      .. "The catalogue's IAM-IAM-10 repeats IAM-IAM-6: pass only approved roles, and only to "
      .. "the services meant to use them. iamguard checks the roles under IAM-IAM-6 and the "
      .. "services here: `iam:PassedToService` limits which service may receive the role, so a "
      .. "role meant for Lambda cannot be handed to an EC2 instance the principal logs in to.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` of `iam:PassRole` with no condition that pins `iam:PassedToService` "
      .. "(`StringEquals` or `StringLike` with a service name, not `*`), unless every holder "
      .. "matches `authorized_principals`. The trust policy of the passed role, which the "
      .. "guardrail also mentions, is judged by IAM-STS-2 and IAM-STS-3; whether the service "
      .. "it trusts is the intended one is not written anywhere a scanner can read.",
    check = function(policy, report, p)
      local hits = judged_passrole(policy, p)
      if #hits == 0 then return end
      for _, hit in ipairs(hits) do
        local st = hit.statement
        if not passed_to_service(st) then
          report {
            statement = st, element = hit.element, index = hit.index,
            message = g.statement_name(st) .. " allows iam:PassRole to any service. " .. hit.clause
              .. " and no condition on iam:PassedToService names the service. Add a StringEquals "
              .. "condition on iam:PassedToService (e.g. \"lambda.amazonaws.com\").",
          }
        end
      end
    end,
  },
  restricted {
    id = "IAM-IAM-11",
    name = "RestrictIamAdministration",
    security_severity = 8.0,
    actions = IAM_ADMIN,
    self_ok = true,
    example = "IamAdmin",
    what = "one of the 81 actions that create, change or delete IAM users, groups, roles, "
      .. "policies, identity providers, credentials and account settings",
    short_description = "Only authorized administrators may manage IAM principals, "
      .. "permissions and credentials.",
    help = "## IAM-IAM-11: restrict IAM administration\n\n"
      .. "Managing users, roles, groups, policies, identity providers, keys and MFA decides who "
      .. "can do anything in the account. Only administrative principals should hold these "
      .. "permissions; deny them explicitly to everyone else.",
    fix = "Deny IAM changes to everyone but the IAM administrators.",
  },
})
