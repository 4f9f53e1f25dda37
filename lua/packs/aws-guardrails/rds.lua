-- The RDS guardrails of the aws-guardrails pack (catalogue folder rds).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local actions = require("actions")
local conditions = require("conditions")
local duties = require("duties")

-- IAM-RDS-1: administering databases, their snapshots and exports: what a
-- database administrator does, and what reaches the encrypted data.
local DB_ADMIN = actions.set({
  "rds:CreateDBInstance", "rds:CreateDBCluster", "rds:ModifyDBInstance", "rds:ModifyDBCluster",
  "rds:DeleteDBInstance", "rds:DeleteDBCluster", "rds:CreateDBSnapshot",
  "rds:CreateDBClusterSnapshot", "rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot",
  "rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterFromSnapshot",
  "rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBClusterToPointInTime",
  "rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute", "rds:StartExportTask",
})

-- IAM-RDS-1: using a KMS key on the data it protects (a grant gives any
-- of these to whoever it names).
local KEY_USE_LIST = {
  "kms:Decrypt", "kms:Encrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant",
}
local KEY_USE = actions.set(KEY_USE_LIST)

-- IAM-RDS-2: the requests that create database storage and choose whether
-- it is encrypted.
local CREATE = actions.set({
  "rds:CreateDBInstance", "rds:CreateDBCluster", "rds:RestoreDBInstanceFromS3",
  "rds:RestoreDBClusterFromS3",
})

-- IAM-RDS-3: restoring a database, which sets a new master password.
local RESTORE = {
  "rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterFromSnapshot",
  "rds:RestoreDBInstanceFromS3", "rds:RestoreDBClusterFromS3",
  "rds:RestoreDBInstanceToPointInTime", "rds:RestoreDBClusterToPointInTime",
}

local EXEMPT = {
  default = {},
  description = "Principals that may both administer databases and use KMS keys directly "
    .. "(break-glass roles): ARN, name or account globs.",
}

---------------------------------------------------------------------------
-- IAM-RDS-1
---------------------------------------------------------------------------

-- Bool kms:GrantIsForAWSResource "true": the grant is for an AWS service
-- acting on the caller's behalf, and requests without the key (Decrypt,
-- ...) fail the condition.
local function for_aws_resource(c)
  return c.base == "Bool" and conditions.values_all(c, "true")
end

-- Does st use keys only through AWS services: a kms:ViaService condition
-- that names services, or grants only for AWS resources?
local function through_services(st)
  return conditions.pinned(st, { "kms:ViaService" }) ~= nil
    or conditions.pinned(st, { "kms:GrantIsForAWSResource" }, for_aws_resource) ~= nil
end

-- The first Allow of `policy` that uses keys directly, as {st, hit}, or nil.
-- An unconditional Deny of the action on "*" in the document takes it back.
local function direct_use(policy)
  local hits = actions.allowed(policy, KEY_USE)
  if #hits == 0 then return nil end
  local denies = guard.unconditional_denies(policy, KEY_USE)
  for _, hit in ipairs(hits) do
    local st = hit.statement
    if not through_services(st) then
      for _, a in ipairs(KEY_USE_LIST) do
        local h = a == hit.action and hit or actions.grant(st, a)
        if h and not guard.denies_everywhere(guard.denies_of(denies, a)) then
          h.action = a
          return { st = st, hit = h }
        end
      end
    end
  end
  return nil
end

-- The first Allow of `policy` that administers databases, as {st, hit}.
local function administration(policy)
  return actions.first_allowed(policy, DB_ADMIN)
end

-- Where a grant is, for messages: the statement, and the policy when the
-- finding is about a principal with several.
local function where(d)
  return g.statement_name(d.st) .. (d.policy and (" of " .. d.policy) or "")
end

local function duties_message(admin, use, who)
  return who .. " may both administer RDS databases and use KMS keys directly: "
    .. actions.text_in(admin.hit, where(admin)) .. " grants " .. admin.hit.action
    .. ", and " .. actions.text_in(use.hit, where(use)) .. " grants "
    .. use.hit.action .. " with no kms:ViaService condition. Let database administrators use "
    .. "keys only through RDS (kms:ViaService rds.REGION.amazonaws.com), and keep direct key "
    .. "use to other roles."
end

---------------------------------------------------------------------------
-- IAM-RDS-2
---------------------------------------------------------------------------

local TRUE_OPS = { Bool = true, StringEquals = true, StringEqualsIgnoreCase = true }

-- Does st require encrypted storage: rds:StorageEncrypted "true" with Bool
-- (or a string equality), not ...IfExists, not a set operator?
local function requires_encryption(st)
  for _, c in ipairs(st:conditions_on("rds:StorageEncrypted")) do
    if c.known and TRUE_OPS[c.base] and not c.if_exists and not c.malformed and c.set == nil
        and #c.values > 0 then
      if conditions.values_all(c, "true") then return true end
    end
  end
  return false
end

-- A Deny of `action` on every resource ("*") whose only conditions refuse
-- unencrypted storage: Bool or BoolIfExists rds:StorageEncrypted "false",
-- or none at all.
local function refuses_unencrypted(st, action)
  if st.effect ~= "Deny" or not st.well_formed or not st:grants(action) then return false end
  if not guard.denies_everywhere({ st }) then return false end
  for _, c in ipairs(st.conditions) do
    if not (iam.key_equal(c.key, "rds:StorageEncrypted") and c.known and c.base == "Bool"
        and not c.malformed and #c.values > 0) then
      return false
    end
    if not conditions.values_all(c, "false") then return false end
  end
  return true
end

local function check_encryption(policy, report)
  local hits = actions.allowed(policy, CREATE)
  if #hits == 0 then return end
  local refused = {}
  local function is_refused(a)
    if refused[a] == nil then
      refused[a] = false
      for _, st in ipairs(policy.statements) do
        if refuses_unencrypted(st, a) then refused[a] = true end
      end
    end
    return refused[a]
  end
  for _, hit in ipairs(hits) do
    local st = hit.statement
    if not requires_encryption(st) then
      for _, a in ipairs(CREATE.list) do
        local h = a == hit.action and hit or actions.grant(st, a)
        if h and not is_refused(a) then
          report {
            statement = st,
            element = h.element,
            index = h.index,
            message = g.message {
              statement = st,
              action = a,
              target = "storage that need not be encrypted",
              granted_by = h.clause,
              unscoped = "no Bool condition on rds:StorageEncrypted requires \"true\"",
              fix = "Add \"Condition\": {\"Bool\": {\"rds:StorageEncrypted\": \"true\"}} (or deny "
                .. a .. " when rds:StorageEncrypted is false).",
            },
          }
          break
        end
      end
    end
  end
end

return common.rules("rds", {
  {
    id = "IAM-RDS-1",
    name = "SeparateDatabaseAdministrationAndKeyUse",
    level = "warning",
    security_severity = 6.0,
    params = { authorized_principals = EXEMPT },
    kinds = { "identity" },
    actions = { "rds:*", "kms:*" },
    short_description = "Database administrators should not also use KMS keys directly.",
    help = "## IAM-RDS-1: separate database administration from key use\n\n"
      .. "Encrypting an RDS or Aurora database at rest needs no decrypt permission on the "
      .. "administrator's side: RDS uses the key itself, through grants it creates. An "
      .. "administrator who may also decrypt with the key directly can copy a snapshot or "
      .. "export it to S3 and read the data outside the database, which is what the "
      .. "encryption was meant to prevent. Key administration (create, describe, list, get) "
      .. "and the cryptographic use of keys by RDS (scoped with `kms:ViaService`, and "
      .. "`kms:CallerAccount`) belong to different roles.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An identity policy that grants both database administration (`rds:Create`, "
      .. "`Modify`, `Delete` of instances and clusters, snapshots, copies, restores, snapshot "
      .. "sharing, `rds:StartExportTask`) and direct key use (`kms:Decrypt`, `kms:Encrypt`, "
      .. "`kms:ReEncrypt*`, `kms:GenerateDataKey*`, `kms:CreateGrant`) in a statement with no "
      .. "`kms:ViaService` condition naming services and no `kms:GrantIsForAWSResource` true. "
      .. "An unconditional `Deny` of a key action on `\"*\"` in the same document takes it "
      .. "back.\n"
      .. "- A principal of the file (role, user, group) that gets both from different "
      .. "policies it holds.\n\n"
      .. "Principals matching `authorized_principals` (break-glass roles) are left out. Which "
      .. "keys encrypt the databases is set on the database resources, not in policies: use "
      .. "of any key counts.\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Allow\",\n"
      .. " \"Action\": [\"kms:CreateGrant\", \"kms:Decrypt\", \"kms:GenerateDataKey*\", \"kms:DescribeKey\"],\n"
      .. " \"Resource\": \"arn:aws:kms:us-east-1:111122223333:key/*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"kms:ViaService\": \"rds.us-east-1.amazonaws.com\",\n"
      .. "                                 \"kms:CallerAccount\": \"111122223333\"}}}\n```",
    check = function(policy, report, p)
      local exempt = p and p.authorized_principals or {}
      if g.all_authorized(policy, exempt) then return end
      local admin = administration(policy)
      local use = admin and direct_use(policy)
      if admin and use then
        report { statement = use.st, element = use.hit.element, index = use.hit.index,
                 message = duties_message(admin, use, "This policy") }
      end
    end,
    check_principal = duties.check_principal(administration, direct_use, duties_message),
  },
  {
    id = "IAM-RDS-2",
    name = "RequireEncryptedRdsStorage",
    level = "warning",
    security_severity = 5.0,
    kinds = { "identity" },
    actions = CREATE.list,
    short_description = "Creating RDS or Aurora databases must require encrypted storage.",
    help = "## IAM-RDS-2: only encrypted database storage\n\n"
      .. "Encryption at rest is chosen when a database is created and cannot be switched on "
      .. "later: an unencrypted database must be copied to an encrypted snapshot and restored, "
      .. "with downtime. Requiring it in the policies that create databases prevents the "
      .. "problem instead of detecting it afterwards.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` in an identity policy that grants `rds:CreateDBInstance`, "
      .. "`rds:CreateDBCluster`, `rds:RestoreDBInstanceFromS3` or `rds:RestoreDBClusterFromS3` "
      .. "(the requests that create storage and say whether it is encrypted; by name, "
      .. "wildcard or `NotAction`) without a `Bool` condition requiring "
      .. "`rds:StorageEncrypted` to be `\"true\"` (`BoolIfExists` lets requests without the "
      .. "key through and does not count). A `Deny` of the action on `\"*\"` in the same "
      .. "document, unconditional or conditional only on `rds:StorageEncrypted` being "
      .. "`\"false\"`, satisfies the guardrail for that action. One finding per statement, "
      .. "naming the first action. Restores from snapshots and read replicas keep their "
      .. "source's encryption and are not judged.\n\n"
      .. "Templates that create databases (`StorageEncrypted` of `AWS::RDS::DBInstance`) are "
      .. "resource settings, not policies, and are not checked here.\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Allow\", \"Action\": [\"rds:CreateDBInstance\", \"rds:CreateDBCluster\"],\n"
      .. " \"Resource\": \"*\",\n"
      .. " \"Condition\": {\"Bool\": {\"rds:StorageEncrypted\": \"true\"}}}\n```",
    check = function(policy, report)
      if policy.kind == "identity" then check_encryption(policy, report) end
    end,
  },
  guard.rule {
    id = "IAM-RDS-3",
    name = "RestrictRdsRestore",
    level = "warning",
    security_severity = 7.0,
    actions = RESTORE,
    fix = "Keep restores to automation and break-glass roles.",
    short_description = "Only authorized principals may restore RDS databases.",
    help = "## IAM-RDS-3: restrict database restores\n\n"
      .. "Whoever restores a database from a snapshot, a backup in S3 or a point in time "
      .. "chooses the new database's master password, and so can read all of the data it "
      .. "holds without any database credentials: a quiet way to copy data out. In accounts "
      .. "with sensitive data only automation and break-glass roles should restore "
      .. "databases.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of "
      .. "`rds:RestoreDBInstanceFromDBSnapshot`, `rds:RestoreDBClusterFromSnapshot`, "
      .. "`rds:RestoreDBInstanceFromS3`, `rds:RestoreDBClusterFromS3`, "
      .. "`rds:RestoreDBInstanceToPointInTime` and `rds:RestoreDBClusterToPointInTime` (by "
      .. "name, through a wildcard such as `rds:Restore*`, or through `NotAction`), on any "
      .. "resource, unless every principal of the file holding the policy matches "
      .. "`authorized_principals`; an unconditional `Deny` of the action on `\"*\"` in the "
      .. "same document takes it back. One finding per statement, naming the first action. "
      .. "With no `authorized_principals` configured the findings are notes that say how to "
      .. "configure them.\n\n"
      .. "```yaml\nrules:\n  IAM-RDS-3:\n    params:\n"
      .. "      authorized_principals: [\"arn:aws:iam::*:role/DbRestoreAutomation\", \"BreakGlass*\"]\n```",
  },
})
