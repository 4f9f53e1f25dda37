-- The CloudTrail guardrails of the aws-guardrails pack (catalogue folder cloudtrail).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local principals = require("principals")
local conditions = require("conditions")

local OWNERS_FIX = "Keep it to the roles that own logging and to break-glass roles, and deny it "
  .. "to everyone else (for example in a service control policy)."

local TRAIL_SCOPE_FIX = "Name the trails the principal owns in Resource "
  .. "(arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME) or scope it with an aws:ResourceTag "
  .. "condition; otherwise keep it to the roles that own logging."

local function configure(id)
  return common.configure_example(id, "\"arn:aws:iam::*:role/LoggingAdmin\", \"BreakGlass*\"")
end

-- "Only the owners of logging may ..., unless scoped to named trails": the
-- catalogue accepts grants limited to the trails a team owns.
local function trail_owners(spec)
  return guard.rule {
    id = spec.id,
    name = spec.name,
    level = "warning",
    security_severity = spec.security_severity,
    short_description = spec.short_description,
    actions = spec.actions,
    scoped = true,
    unconfigured_level = "note",
    target = "trails it does not name",
    scope_word = "no aws:ResourceTag condition narrows it",
    scoped_fix = TRAIL_SCOPE_FIX,
    help = spec.help .. "\n\n### What iamguard reports\n\n"
      .. "An `Allow` in an identity policy that grants " .. spec.what .. " (by name, through a "
      .. "wildcard such as `cloudtrail:*`, or through `NotAction`) on trails it does not name "
      .. "(`\"Resource\": \"*\"`, `trail/*`, in any partition, region and account) with no "
      .. "`aws:ResourceTag/<key>` condition narrowing it, unless every principal of the file "
      .. "holding the policy matches `authorized_principals`. A `Deny` of the same document "
      .. "takes back what it covers. Grants on named trails are accepted: the catalogue lets "
      .. "teams manage the trails they own. With no `authorized_principals` configured the "
      .. "findings are notes that say how to configure them.\n\n" .. configure(spec.id),
  }
end

local BUCKET_TYPES = {
  ["AWS::S3::BucketPolicy"] = true,
  aws_s3_bucket_policy = true,
  aws_s3_bucket = true,
}

-- Is `policy` an S3 bucket policy? A bucket policy resource, or a resource
-- policy file whose statements name only s3: actions.
local function is_bucket_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return BUCKET_TYPES[rt] == true end
  local any = false
  for _, st in ipairs(policy.statements) do
    for _, a in ipairs(st.actions or st.not_actions or {}) do
      if string.lower(string.sub(a, 1, 3)) ~= "s3:" then return false end
      any = true
    end
  end
  return any
end

-- The bucket names a statement's Resource names ("arn:aws:s3:::NAME/...").
local function bucket_names(st)
  local out = {}
  for _, r in ipairs(st.resources or {}) do
    local a = iam.arn_split(r)
    if a and a.service == "s3" then
      local slash = string.find(a.resource, "/", 1, true)
      out[#out + 1] = slash and string.sub(a.resource, 1, slash - 1) or a.resource
    end
  end
  return out
end

local CLOUDTRAIL = "cloudtrail.amazonaws.com"

-- Why `policy` is the policy of a bucket CloudTrail writes to, or nil.
local function trail_bucket(policy, buckets)
  for _, st in ipairs(policy.statements) do
    if st.effect == "Allow" and st.principals then
      for _, v in ipairs(st.principals.Service or {}) do
        if string.lower(v) == CLOUDTRAIL then
          return "it lets " .. CLOUDTRAIL .. " write logs"
        end
      end
    end
  end
  for _, st in ipairs(policy.statements) do
    for _, name in ipairs(bucket_names(st)) do
      for _, pat in ipairs(buckets) do
        if iam.arn_match(pat, name) then
          return "bucket " .. g.quote(name) .. " matches trail_buckets"
        end
      end
    end
  end
  return nil
end

-- The keys that tie a request to the organization or to accounts.
local ORG_KEYS = {
  "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:SourceAccount",
  "aws:SourceOrgID", "aws:SourceOrgPaths",
}

local NEGATED = {
  StringNotEquals = true, StringNotEqualsIgnoreCase = true, StringNotLike = true,
  ArnNotEquals = true, ArnNotLike = true,
}

-- Bool aws:PrincipalIsAWSService "false": true for every IAM role, so a
-- Deny that adds it still refuses every role its other conditions do.
local function roles_only(c)
  if not (iam.key_equal(c.key, "aws:PrincipalIsAWSService") and c.known and c.base == "Bool"
      and not c.if_exists and not c.malformed and #c.values > 0) then
    return false
  end
  return conditions.values_all(c, "false")
end

-- A Deny of the document that refuses every role outside the organization
-- or the accounts it names: Principal "*", negated conditions on ORG_KEYS
-- with specific values (at least one), and possibly the condition that the
-- caller is not an AWS service.
local function fence(policy)
  local out = {}
  for _, st in ipairs(policy.statements) do
    if st.effect == "Deny" and st.well_formed and #st.conditions > 0 then
      local anyone = false
      for _, p in ipairs(principals.list(st)) do anyone = anyone or principals.is_anyone(p) end
      local ok, org_seen = anyone, false
      for _, c in ipairs(st.conditions) do
        local org = false
        for _, k in ipairs(ORG_KEYS) do org = org or iam.key_equal(k, c.key) end
        if org and c.known and NEGATED[c.base] and c.set == nil and not c.malformed
            and #c.values > 0 then
          org_seen = true
          for _, v in ipairs(c.values) do
            if guard.only_wildcards(v) then ok = false end
          end
        elseif not roles_only(c) then
          ok = false
        end
      end
      if ok and org_seen then out[#out + 1] = st end
    end
  end
  return out
end

-- Does one of the fences refuse every action Allow statement st names?
local function fenced(fences, st)
  for _, f in ipairs(fences) do
    local all = st.actions ~= nil
    for _, a in ipairs(st.actions or {}) do
      all = all and f:grants(a)
    end
    if all then return true end
  end
  return false
end

-- The AWS principals (roles, users, accounts, anyone) an Allow names, in
-- two lists: those that name no specific account (anyone, NotPrincipal, a
-- wildcard account), and those that do.
local function aws_principals(st)
  if st.not_principal then return { "everyone NotPrincipal leaves" }, {} end
  local open, pinned = {}, {}
  for _, p in ipairs(principals.list(st)) do
    if p.type == "AWS" then
      if principals.account(p.value) then
        pinned[#pinned + 1] = g.quote(p.value)
      else
        open[#open + 1] = p.value == "*" and "anyone (\"*\")" or g.quote(p.value)
      end
    end
  end
  return open, pinned
end

return common.rules("cloudtrail", {
  trail_owners {
    id = "IAM-CLOUDTRAIL-1",
    name = "RestrictCloudTrailDeleteAndStop",
    security_severity = 8.0,
    actions = { "cloudtrail:DeleteTrail", "cloudtrail:StopLogging" },
    what = "`cloudtrail:DeleteTrail` or `cloudtrail:StopLogging`",
    short_description = "Only the owners of logging may delete trails or stop their logging.",
    help = "## IAM-CLOUDTRAIL-1: restrict cloudtrail:DeleteTrail and cloudtrail:StopLogging\n\n"
      .. "CloudTrail is the account's record of who did what. Deleting a trail or stopping it "
      .. "blinds every later investigation, which is why it is among the first things an "
      .. "intruder tries. Only the team that owns logging and break-glass roles should be able "
      .. "to do it; CloudTrail's resource-level permissions let other teams manage the trails "
      .. "they own without touching the organization's.",
  },
  guard.rule {
    id = "IAM-CLOUDTRAIL-2",
    name = "RestrictCloudTrailUpdateTrail",
    level = "warning",
    security_severity = 7.0,
    actions = { "cloudtrail:UpdateTrail" },
    fix = OWNERS_FIX,
    short_description = "Only authorized principals may change a trail's settings.",
    help = "## IAM-CLOUDTRAIL-2: restrict cloudtrail:UpdateTrail\n\n"
      .. "Changing a trail can quietly weaken it: turning off log file validation, limiting it "
      .. "to one region, detaching it from the organization or pointing it at another bucket. "
      .. "Only the owners of logging and break-glass roles should hold the permission.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants `cloudtrail:UpdateTrail` (by name, "
      .. "through a wildcard or through `NotAction`), on any trail, unless every principal of "
      .. "the file holding the policy matches `authorized_principals`; an unconditional `Deny` "
      .. "of it on `\"*\"` in the same document takes it back. With no `authorized_principals` "
      .. "configured the findings are notes that say how to configure them.\n\n"
      .. configure("IAM-CLOUDTRAIL-2"),
  },
  {
    id = "IAM-CLOUDTRAIL-3",
    name = "ScopeCloudTrailBucketPolicy",
    level = "warning",
    security_severity = 5.0,
    kinds = { "resource" },
    actions = { "s3:GetObject" },
    params = {
      trail_buckets = {
        default = {},
        description = "Names (globs) of buckets that receive CloudTrail logs, for bucket "
          .. "policies that do not name the CloudTrail service themselves.",
      },
    },
    short_description = "A CloudTrail bucket policy must tie the roles it admits to the "
      .. "organization or to accounts.",
    help = "## IAM-CLOUDTRAIL-3: scope the CloudTrail bucket policy\n\n"
      .. "The bucket that receives CloudTrail logs should be read and written only by the "
      .. "accounts it serves. A bucket policy that admits IAM roles without saying which "
      .. "organization or account they must come from can be abused by a third party that "
      .. "learns the bucket's name (the confused deputy problem), to read the logs or to "
      .. "write forged ones.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In the policy of a bucket CloudTrail writes to (one with a statement for the "
      .. "`cloudtrail.amazonaws.com` service, or whose bucket matches `trail_buckets`), each "
      .. "`Allow` for AWS principals (roles, users, accounts, `\"*\"`) with no condition on "
      .. "`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, "
      .. "`aws:SourceAccount`, `aws:SourceOrgID` or `aws:SourceOrgPaths` that names specific "
      .. "values: a warning when the principals name no specific account (`\"*\"`, "
      .. "`NotPrincipal`, a wildcard account), a note when they do (the `Principal` itself then "
      .. "pins the accounts). Statements for the CloudTrail service itself (and other service principals) "
      .. "are not judged. A `Deny` of the same policy for `\"*\"` outside the organization or "
      .. "accounts (negated conditions on those keys, possibly with `aws:PrincipalIsAWSService` "
      .. "false) covers the statements whose actions it denies.\n\n"
      .. "### How to fix\n\n```json\n{\"Sid\": \"OrgReaders\", \"Effect\": \"Allow\",\n"
      .. " \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"s3:GetObject\",\n"
      .. " \"Resource\": \"arn:aws:s3:::org-trail-logs/*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-exampleorgid\"}}}\n```",
    check = function(policy, report, p)
      if not is_bucket_policy(policy) then return end
      local why = trail_bucket(policy, p and p.trail_buckets or {})
      if not why then return end
      local fences = fence(policy)
      for _, st in ipairs(policy.statements) do
        if st.effect == "Allow" then
          local open, pinned = aws_principals(st)
          if #open + #pinned > 0 and not guard.narrowing(st, ORG_KEYS) and not fenced(fences, st) then
            local who = #open > 0 and open or pinned
            report {
              statement = st,
              element = st.not_principal and "NotPrincipal" or "Principal",
              level = #open == 0 and "note" or nil,
              message = g.statement_name(st) .. " of a CloudTrail bucket policy (" .. why
                .. ") admits " .. g.join(who) .. " with no condition on aws:PrincipalOrgID or "
                .. "aws:SourceAccount (or aws:PrincipalAccount) naming who may come. "
                .. (#open > 0 and "Anyone who learns the bucket's name can try it: add one, so "
                  .. "that only your organization's or accounts' roles can read or write the logs."
                  or "The Principal names the accounts; add the condition as well, so that the "
                  .. "bucket stays closed to other organizations if the principals change."),
            }
          end
        end
      end
    end,
  },
  trail_owners {
    id = "IAM-CLOUDTRAIL-4",
    name = "RestrictCloudTrailSelectors",
    security_severity = 7.0,
    actions = { "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors" },
    what = "`cloudtrail:PutEventSelectors` or `cloudtrail:PutInsightSelectors`",
    short_description = "Only the owners of logging may change which events trails record.",
    help = "## IAM-CLOUDTRAIL-4: restrict cloudtrail:PutEventSelectors and PutInsightSelectors\n\n"
      .. "Event and insight selectors decide what a trail records. Whoever may change them can "
      .. "leave the trail running while it records next to nothing (no management events, "
      .. "no data events), which is as good as stopping it and less visible. Only the owners "
      .. "of logging and break-glass roles should hold these permissions, except on trails "
      .. "a team owns.",
  },
  trail_owners {
    id = "IAM-CLOUDTRAIL-5",
    name = "RestrictCloudTrailModification",
    security_severity = 7.5,
    actions = {
      "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
      "cloudtrail:RemoveTags", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
    },
    what = "one of `cloudtrail:DeleteTrail`, `cloudtrail:PutEventSelectors`, "
      .. "`cloudtrail:PutInsightSelectors`, `cloudtrail:RemoveTags`, `cloudtrail:StopLogging` "
      .. "and `cloudtrail:UpdateTrail`",
    short_description = "Only authorized administrators may modify CloudTrail.",
    help = "## IAM-CLOUDTRAIL-5: restrict CloudTrail modification\n\n"
      .. "Deleting, stopping, reconfiguring or un-tagging trails changes what the account "
      .. "records about itself (removing a tag can take a trail out of a tag-based protection). "
      .. "These permissions belong to the owners of logging and to break-glass roles; other "
      .. "teams may manage only the trails they own.",
  },
})
