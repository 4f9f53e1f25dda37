-- The S3 access point guardrails of the aws-guardrails pack (catalogue
-- folder s3-access-points).

local g = require("iamguard.guardrail")
local common = require("common")
local restrict = require("restrict")
local actions = require("actions")
local conditions = require("conditions")
local principals = require("principals")
local s3docs = require("s3docs")

local OBJECTS = actions.set({ "s3:GetObject", "s3:PutObject" })
local GET = actions.set({ "s3:GetObject" })
local ANY_S3 = actions.set({ "s3:*" })

-- Conditions that keep a statement to known principals or networks.
local PRINCIPAL_KEYS = { "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
  "aws:PrincipalArn", "aws:SourceVpce", "aws:SourceVpc", "aws:SourceIp", "aws:SourceAccount",
  "aws:SourceArn", "s3:DataAccessPointAccount", "s3:DataAccessPointArn" }

local function everyone(st)
  if st.not_principal then return true end
  for _, p in ipairs(principals.list(st)) do
    if principals.is_anyone(p) then return true end
  end
  return false
end

-- s3:AccessPointNetworkOrigin pinned to VPC.
local function vpc_origin(c)
  return conditions.values_all(c, "vpc")
end

-- s3:DataAccessPointArn naming access points: of one account, by name (a
-- name may end in a wildcard for a family, but not be one).
local function named_access_points(c)
  for _, v in ipairs(c.values) do
    local a = iam.arn_split(v)
    if not a or string.find(a.account or "", "*", 1, true) or string.find(a.account or "", "?", 1, true)
        or a.account == "" then
      return false
    end
    local name = string.sub(a.resource, 1, 12) == "accesspoint/" and string.sub(a.resource, 13) or ""
    if name == "" or conditions.only_wildcards(name) then return false end
  end
  return true
end

-- Bucket policies the access point guardrails judge: those that hand
-- access to access points (a condition key of theirs in some statement),
-- or those of the buckets `buckets` names.
local function ap_bucket_policy(policy, buckets)
  if not s3docs.is_bucket_policy(policy) then return false end
  if s3docs.delegates_to_access_points(policy) then return true end
  if #buckets == 0 then return false end
  for _, st in ipairs(policy.statements) do
    for _, r in ipairs(st.resources or {}) do
      local a = iam.arn_split(r)
      if a and a.service == "s3" then
        local name = a.resource
        local slash = string.find(name, "/", 1, true)
        if slash then name = string.sub(name, 1, slash - 1) end
        for _, b in ipairs(buckets) do
          if iam.arn_match(b, name) or iam.arn_match(b, r) then return true end
        end
      end
    end
  end
  return false
end

-- The check of a bucket used through access points whose object access
-- must carry a condition on `key` that `accept` accepts: each Allow of
-- s3:GetObject or s3:PutObject without one is reported as allowing the
-- action `problem` (the rest of the sentence, remedy included), unless
-- Denies of the policy refuse both actions without it.
local function object_access_requires(key, accept, problem)
  return function(policy, report, p)
    if not ap_bucket_policy(policy, p.buckets) then return end
    if conditions.denied_unless(policy, "s3:GetObject", key, accept)
        and conditions.denied_unless(policy, "s3:PutObject", key, accept) then
      return
    end
    for _, hit in ipairs(actions.allowed(policy, OBJECTS)) do
      local st = hit.statement
      if not conditions.pinned(st, { key }, accept) then
        report {
          statement = st, element = hit.element, index = hit.index,
          message = g.statement_name(st) .. " allows " .. hit.action .. " " .. problem,
        }
      end
    end
  end
end

local BUCKETS = {
  default = {},
  description = "Names or ARN globs of buckets used only through access points, judged even "
    .. "when their policy does not mention access points.",
}

local AP_NOTE = "\n\nWhat an access point's network origin, VPC and Block Public Access "
  .. "settings are is a property of the access point (`VpcConfiguration`, "
  .. "`PublicAccessBlockConfiguration`), not of any policy, and cannot be changed after it is "
  .. "created."

return common.rules("s3-access-points", {
  restrict.rule {
    id = "IAM-S3-AP-1",
    name = "RestrictAccessPointCreation",
    level = "warning",
    security_severity = 4.0,
    actions = { "s3:CreateAccessPoint" },
    fix = "Let only the roles that provision access points create them.",
    short_description = "Only authorized principals may create S3 access points (their VPC "
      .. "cannot be changed later).",
    help = "## IAM-S3-AP-1: access points in the right VPC\n\n"
      .. "An access point restricted to a VPC keeps that VPC for good: one created in the "
      .. "wrong VPC, or with an ID that does not exist in the account, must be deleted and "
      .. "created again. The VPC is checked where the access point is created.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Whether a VPC ID is valid cannot be told from any policy: it is a parameter of the "
      .. "`CreateAccessPoint` call (`VpcConfiguration` of `AWS::S3::AccessPoint`) and needs "
      .. "the account's VPCs. What a policy decides is who may create access points: iamguard "
      .. "reports every `Allow` of `s3:CreateAccessPoint` in an identity policy unless every "
      .. "holder matches `authorized_principals` (notes while it is empty)." .. AP_NOTE,
  },
  {
    id = "IAM-S3-AP-2",
    name = "NoPublicAccessPointPolicy",
    level = "error",
    security_severity = 8.0,
    kinds = { "resource" },
    actions = ANY_S3.list,
    short_description = "An S3 access point policy must not open the access point to the "
      .. "public.",
    help = "## IAM-S3-AP-2: no public access through access points\n\n"
      .. "An access point's Block Public Access settings should stay on unless the data is "
      .. "meant to be public. Those settings are the access point's own; what a policy can "
      .. "show is an access point policy that grants access to everyone.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In an access point policy (`AWS::S3::AccessPoint` `Policy`, "
      .. "`aws_s3_access_point`, `aws_s3control_access_point_policy`, or a policy file "
      .. "naming access point ARNs), an `Allow` of S3 actions to everyone (`\"*\"` or "
      .. "`NotPrincipal`) with no condition that limits the callers to an organization, an "
      .. "account, principal ARNs, a VPC, an endpoint or source addresses. Whether Block "
      .. "Public Access is on (`PublicAccessBlockConfiguration`) is not in any policy." .. AP_NOTE,
    check = function(policy, report)
      if not s3docs.is_access_point_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, ANY_S3)) do
        local st = hit.statement
        if everyone(st) and not conditions.pinned(st, PRINCIPAL_KEYS) then
          report {
            statement = st, element = st.not_principal and "NotPrincipal" or "Principal",
            message = g.statement_name(st) .. " of the access point policy allows S3 actions ("
              .. (hit.pattern and g.quote(hit.pattern) or "through NotAction")
              .. ") to everyone, with no condition on who calls or from where: "
              .. "the access point is public unless Block Public Access stops it. Name the "
              .. "principals, or add a condition on aws:PrincipalOrgID or aws:SourceVpc.",
          }
        end
      end
    end,
  },
  {
    id = "IAM-S3-AP-3",
    name = "AccessPointsOfTheAccount",
    level = "warning",
    security_severity = 6.0,
    kinds = { "resource" },
    actions = OBJECTS.list,
    short_description = "A bucket policy that delegates object access to access points must "
      .. "limit it to those of the account (s3:DataAccessPointAccount).",
    help = "## IAM-S3-AP-3: get and put objects only through the account's access points\n\n"
      .. "A bucket can hand access control to its access points with a statement allowing "
      .. "everyone on the condition that requests come through an access point. Without "
      .. "`s3:DataAccessPointAccount`, an access point of another account pointing at the "
      .. "bucket qualifies too.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In a bucket policy, an `Allow` of `s3:GetObject` or `s3:PutObject` to everyone "
      .. "(`\"*\"`) with no condition that pins `s3:DataAccessPointAccount`, when the "
      .. "statement hands access to access points (a condition on "
      .. "`s3:DataAccessPointArn` or `s3:AccessPointNetworkOrigin`) or has no condition on "
      .. "its callers at all.",
    check = function(policy, report)
      if not s3docs.is_bucket_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, OBJECTS)) do
        local st = hit.statement
        if everyone(st) and not conditions.pinned(st, { "s3:DataAccessPointAccount" }) then
          local delegates = conditions.mentions(st, { "s3:DataAccessPointArn",
            "s3:AccessPointNetworkOrigin", "s3:DataAccessPointAccount" })
          if delegates or not conditions.pinned(st, PRINCIPAL_KEYS) then
            report {
              statement = st, element = "Principal",
              message = g.statement_name(st) .. " of the bucket policy allows " .. hit.action
                .. " to everyone through any access point, of any account. Add a "
                .. "StringEquals condition on s3:DataAccessPointAccount with the account ID.",
            }
          end
        end
      end
    end,
  },
  {
    id = "IAM-S3-AP-4",
    name = "OnlyThroughApprovedAccessPoints",
    level = "warning",
    security_severity = 5.0,
    kinds = { "resource" },
    actions = OBJECTS.list,
    params = { buckets = BUCKETS },
    short_description = "A bucket used through access points must allow object access only "
      .. "through the approved ones (s3:DataAccessPointArn).",
    help = "## IAM-S3-AP-4: reach the bucket only through its access points\n\n"
      .. "A bucket whose clients all go through access points should not also be open "
      .. "directly: its policy should allow getting and putting objects only through the "
      .. "approved access points, named with `s3:DataAccessPointArn`.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In the policy of a bucket used through access points (its policy names an access "
      .. "point condition key, or `buckets` names it), an `Allow` of `s3:GetObject` or "
      .. "`s3:PutObject` with no condition that pins `s3:DataAccessPointArn` to access points "
      .. "of an account by name (`arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`, not "
      .. "`accesspoint/*` nor any account), unless a `Deny` of the same policy refuses them "
      .. "outside named access points. Whether a "
      .. "bucket has access points is not in its policy otherwise.",
    check = object_access_requires("s3:DataAccessPointArn", named_access_points,
      "on a bucket used through access points without naming them. Add a StringEquals "
        .. "condition on s3:DataAccessPointArn with the approved access points' ARNs."),
  },
  {
    id = "IAM-S3-AP-5",
    name = "AccessPointsFromVpcOnly",
    level = "warning",
    security_severity = 5.0,
    kinds = { "resource" },
    actions = OBJECTS.list,
    params = { buckets = BUCKETS },
    short_description = "A bucket used through access points must accept object access only "
      .. "from VPC access points (s3:AccessPointNetworkOrigin).",
    help = "## IAM-S3-AP-5: access points only from VPCs\n\n"
      .. "For a bucket reached through access points, requiring a network origin of `VPC` "
      .. "keeps out access points open to the internet, whatever else is misconfigured.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In the policy of a bucket used through access points (its policy names an access "
      .. "point condition key, or `buckets` names it), an `Allow` of `s3:GetObject` or "
      .. "`s3:PutObject` with no condition pinning `s3:AccessPointNetworkOrigin` to `VPC`, "
      .. "unless a `Deny` of the same policy refuses them with `StringNotEquals` on it. The "
      .. "network origin of each access point is its own setting." .. AP_NOTE,
    check = object_access_requires("s3:AccessPointNetworkOrigin", vpc_origin,
      "through access points of any network origin. Add a StringEquals condition "
        .. "s3:AccessPointNetworkOrigin = VPC."),
  },
  {
    id = "IAM-S3-AP-6",
    name = "AccessPointObjectsByTag",
    level = "note",
    security_severity = 4.0,
    kinds = { "resource" },
    actions = GET.list,
    short_description = "An access point policy should grant s3:GetObject by object tag "
      .. "(s3:ExistingObjectTag).",
    help = "## IAM-S3-AP-6: match principals and objects by tag\n\n"
      .. "An access point policy can let principals read only the objects tagged like them: "
      .. "a condition on `s3:ExistingObjectTag/<key>` compared with a value, or with the "
      .. "caller's tag (`${aws:PrincipalTag/<key>}`).\n\n"
      .. "### What iamguard reports\n\n"
      .. "In an access point policy, an `Allow` of `s3:GetObject` with no condition that pins "
      .. "`s3:ExistingObjectTag/<key>`.",
    check = function(policy, report)
      if not s3docs.is_access_point_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, GET)) do
        local st = hit.statement
        if not conditions.pinned(st, { "s3:ExistingObjectTag/*" }) then
          report {
            statement = st, element = hit.element, index = hit.index,
            message = g.statement_name(st) .. " of the access point policy allows "
              .. "s3:GetObject on objects whatever their tags. Add a StringEquals condition on "
              .. "s3:ExistingObjectTag/<key>, e.g. = ${aws:PrincipalTag/<key>}.",
          }
        end
      end
    end,
  },
})
