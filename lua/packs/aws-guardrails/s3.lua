-- The S3 guardrails of the aws-guardrails pack (catalogue folder s3).

local g = require("iamguard.guardrail")
local common = require("common")
local restrict = require("restrict")
local actions = require("actions")
local conditions = require("conditions")
local principals = require("principals")
local s3docs = require("s3docs")

local MANAGEMENT = {
  "s3:AbortMultipartUpload", "s3:BypassGovernanceRetention", "s3:CreateAccessPoint",
  "s3:CreateBucket", "s3:CreateJob", "s3:DeleteAccessPoint", "s3:DeleteAccessPointPolicy",
  "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:DeleteBucketWebsite", "s3:DeleteObject",
  "s3:DeleteObjectTagging", "s3:DeleteObjectVersion", "s3:DeleteObjectVersionTagging",
  "s3:ObjectOwnerOverrideToBucketOwner", "s3:PutAccelerateConfiguration",
  "s3:PutAccessPointPolicy", "s3:PutAccountPublicAccessBlock", "s3:PutAnalyticsConfiguration",
  "s3:PutBucketAcl", "s3:PutBucketCORS", "s3:PutBucketLogging", "s3:PutBucketNotification",
  "s3:PutBucketObjectLockConfiguration", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketRequestPayment", "s3:PutBucketTagging", "s3:PutBucketVersioning",
  "s3:PutBucketWebsite", "s3:PutEncryptionConfiguration", "s3:PutInventoryConfiguration",
  "s3:PutLifecycleConfiguration", "s3:PutMetricsConfiguration", "s3:PutObject",
  "s3:PutObjectAcl", "s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:PutObjectTagging",
  "s3:PutObjectVersionAcl", "s3:PutObjectVersionTagging", "s3:PutReplicationConfiguration",
  "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags", "s3:RestoreObject",
  "s3:UpdateJobPriority", "s3:UpdateJobStatus",
}

local PUT = actions.set({ "s3:PutObject" })
local ANY_S3 = actions.set({ "s3:*" })

local OBJECT_PROBE = "arn:{partition}:s3:::unscopedprobe0/unscopedprobe0"
local BUCKET_PROBE = "arn:{partition}:s3:::unscopedprobe0"

-- The bucket a Resource pattern names (text before the first '/' of its
-- resource part), or nil when it is not an S3 ARN.
local function bucket_of(r)
  local a = iam.arn_split(r)
  if not a or a.service ~= "s3" then return nil end
  local slash = string.find(a.resource, "/", 1, true)
  return slash and string.sub(a.resource, 1, slash - 1) or a.resource
end

-- Does st reach a bucket that the list of bucket names or ARN globs
-- `buckets` names (every bucket when the list is empty)? Returns the
-- Resource pattern that does.
local function reaches_buckets(st, buckets, probe)
  if #buckets == 0 then
    local yes, r = st:reaches(probe)
    if yes then return true, r end
    -- A named bucket is a bucket all the same.
    for _, pat in ipairs(st.resources or {}) do
      if bucket_of(pat) or pat == "*" then return true, pat end
    end
    return st.not_resources ~= nil, nil
  end
  if st.not_resources then return true, nil end
  for _, pat in ipairs(st.resources or {}) do
    local b = bucket_of(pat)
    if pat == "*" or (b and b == "*") then return true, pat end
    for _, want in ipairs(buckets) do
      if b and (iam.arn_match(want, b) or iam.arn_match(b, want)
          or iam.arn_match(want, pat)) then
        return true, pat
      end
    end
  end
  return false
end

-- Conditions that keep an endpoint policy to the organization's or the
-- account's principals and resources.
local SCOPING_KEYS = { "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
  "aws:PrincipalArn", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:ResourceAccount",
  "s3:ResourceAccount", "aws:PrincipalTag/*", "aws:ResourceTag/*" }

local function storage_class_ok(classes)
  return function(c)
    if #classes == 0 then return true end
    for _, v in ipairs(c.values) do
      local ok = false
      for _, want in ipairs(classes) do ok = ok or v == want end
      if not ok then return false end
    end
    return true
  end
end

return common.rules("s3", {
  {
    id = "IAM-S3-1",
    name = "ScopeS3EndpointPolicy",
    level = "warning",
    security_severity = 5.0,
    kinds = { "resource" },
    actions = ANY_S3.list,
    short_description = "An S3 VPC endpoint policy must not allow every principal full access "
      .. "to every bucket.",
    help = "## IAM-S3-1: scope the S3 VPC endpoint policy\n\n"
      .. "A VPC endpoint created without a policy gets one that allows everything, so "
      .. "anything in the VPC can reach any bucket in any account through it, including a "
      .. "bucket an attacker owns. The endpoint policy is a place to allow only what the VPC "
      .. "needs: named buckets, or the organization's principals and resources "
      .. "(`aws:PrincipalOrgID`, `aws:ResourceOrgID`, `aws:ResourceAccount`).\n\n"
      .. "### What iamguard reports\n\n"
      .. "In the policy of a VPC endpoint (`AWS::EC2::VPCEndpoint` `PolicyDocument`, "
      .. "`aws_vpc_endpoint` or `aws_vpc_endpoint_policy`), an `Allow` of S3 actions to "
      .. "every principal (`\"*\"`) on every bucket (`*`, `arn:aws:s3:::*`, `NotResource`), "
      .. "with no condition on the organization's or account's principals or resources. An "
      .. "endpoint declared without any `PolicyDocument` gets the allow-all default, but has "
      .. "no document to report; a policy file on its own does not say it belongs to an "
      .. "endpoint.",
    check = function(policy, report)
      if not s3docs.is_endpoint_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, ANY_S3)) do
        local st = hit.statement
        local everyone = st.not_principal
        for _, p in ipairs(principals.list(st)) do everyone = everyone or principals.is_anyone(p) end
        local reaches, r = st:reaches({ BUCKET_PROBE, OBJECT_PROBE })
        if everyone and reaches and not conditions.pinned(st, SCOPING_KEYS) then
          report {
            statement = st, element = hit.element, index = hit.index,
            message = g.statement_name(st) .. " of the VPC endpoint policy allows everyone S3 "
              .. "actions (" .. (hit.pattern and g.quote(hit.pattern) or "through NotAction")
              .. ") on " .. (r and ("every bucket (Resource " .. g.quote(r) .. ")")
                or "every bucket NotResource leaves") .. ". Name the buckets, or add a "
              .. "condition on aws:PrincipalOrgID or aws:ResourceOrgID.",
          }
        end
      end
    end,
  },
  restrict.rule {
    id = "IAM-S3-2",
    name = "RestrictGetObject",
    level = "warning",
    security_severity = 6.0,
    actions = { "s3:GetObject" },
    resource = s3docs.is_bucket_policy,
    resource_word = "bucket policy",
    params = {
      sensitive_buckets = {
        default = {},
        description = "Names or ARN globs of the buckets holding sensitive data; empty: every "
          .. "bucket.",
      },
    },
    reaches = function(st, p)
      return (reaches_buckets(st, p.sensitive_buckets, OBJECT_PROBE))
    end,
    fix = "Keep reading objects to the principals allowed to see the data, or scope the "
      .. "statement with conditions.",
    short_description = "Only authorized principals may read objects of buckets with "
      .. "sensitive data.",
    help = "## IAM-S3-2: restrict s3:GetObject on sensitive data\n\n"
      .. "Anyone who may get an object may read what it holds. For buckets with sensitive or "
      .. "classified data, only the principals meant to see it should hold `s3:GetObject`; "
      .. "encrypting the objects with a customer managed KMS key whose policy excludes "
      .. "everyone else adds a second lock.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` of `s3:GetObject` (by name, `s3:Get*`, `s3:*`, `*` or `NotAction`) on "
      .. "the buckets `sensitive_buckets` names (every bucket while it is empty): in identity "
      .. "policies unless every holder matches `authorized_principals`, in bucket policies for "
      .. "each principal outside it (an account root hands the decision to that account's "
      .. "policies; `\"*\"` is everyone). With no `authorized_principals` the findings are "
      .. "notes. Which buckets hold sensitive data is not in the policies: "
      .. "`sensitive_buckets` says it.",
  },
  {
    id = "IAM-S3-3",
    name = "RequireStorageClass",
    level = "warning",
    security_severity = 2.0,
    precision = "medium",
    kinds = { "identity", "resource" },
    actions = PUT.list,
    params = {
      buckets = {
        default = {},
        description = "Names or ARN globs of the buckets whose storage class is prescribed; "
          .. "empty: every bucket, and the findings are notes.",
      },
      storage_classes = {
        default = {},
        description = "The storage classes allowed (STANDARD, INTELLIGENT_TIERING, ...); "
          .. "empty: any the condition names.",
      },
    },
    short_description = "s3:PutObject should require the storage class meant for the data "
      .. "(s3:x-amz-storage-class).",
    help = "## IAM-S3-3: store data in the storage class it needs\n\n"
      .. "S3's storage classes trade retrieval time, availability and cost: Glacier classes "
      .. "take minutes to hours to return the first byte, One Zone-IA keeps data in one "
      .. "Availability Zone. Data that is read often or must stay available should not land "
      .. "there by accident. A condition on `s3:x-amz-storage-class` on `s3:PutObject` fixes "
      .. "the classes allowed per bucket.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In identity and bucket policies, an `Allow` of `s3:PutObject` on the buckets "
      .. "`buckets` names with no condition that pins `s3:x-amz-storage-class` (to "
      .. "`storage_classes`, when set), unless a `Deny` of the same policy refuses "
      .. "`s3:PutObject` with another storage class. Which data is accessed often is not in "
      .. "the policies: with `buckets` empty every bucket counts and the findings are notes.",
    check = function(policy, report, p)
      if policy.kind ~= "identity" and not s3docs.is_bucket_policy(policy) then return end
      local hits = actions.allowed(policy, PUT)
      if #hits == 0 then return end
      local accept = storage_class_ok(p.storage_classes)
      if conditions.denied_unless(policy, "s3:PutObject", "s3:x-amz-storage-class", accept) then
        return
      end
      local configured = #p.buckets > 0
      for _, hit in ipairs(hits) do
        local st = hit.statement
        local yes, r = reaches_buckets(st, p.buckets, OBJECT_PROBE)
        if yes and not conditions.pinned(st, { "s3:x-amz-storage-class" }, accept) then
          report {
            statement = st, element = hit.element, index = hit.index,
            level = not configured and "note" or nil,
            message = g.statement_name(st) .. " allows s3:PutObject"
              .. (r and (" on " .. g.quote(r)) or "") .. " in any storage class. Add a "
              .. "StringEquals condition on s3:x-amz-storage-class naming the classes the "
              .. "data needs."
              .. (configured and "" or " List the buckets this applies to in buckets under "
                .. "rules: IAM-S3-3: params: in .iamguard.yml."),
          }
        end
      end
    end,
  },
  restrict.rule {
    id = "IAM-S3-4",
    name = "RestrictS3Management",
    level = "warning",
    security_severity = 6.5,
    actions = MANAGEMENT,
    fix = "Keep bucket and object management to the principals that administer the data.",
    short_description = "Only authorized principals may manage S3 buckets and objects.",
    help = "## IAM-S3-4: restrict the management of buckets and objects\n\n"
      .. "Deleting buckets and objects, changing bucket policies, ACLs, public access blocks, "
      .. "encryption, replication, versioning and object lock settings, overriding retention: "
      .. "these decide whether the data survives and who sees it. Limit them to the "
      .. "principals that administer the buckets.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of the 48 actions the catalogue "
      .. "lists (`s3:DeleteBucket`, `s3:PutBucketPolicy`, `s3:PutObject`, "
      .. "`s3:PutBucketPublicAccessBlock`, `s3:BypassGovernanceRetention`, ...), unless every "
      .. "principal of the file holding the policy matches `authorized_principals`. "
      .. "Unconfigured, the findings are notes that say how to configure the list.",
  },
})
