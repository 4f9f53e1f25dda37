-- keys: what the KMS guardrails share: telling key policies apart, and the
-- two families of KMS actions (administering a key, using it).

local M = {}

-- Resource types whose policy is a key policy (CloudFormation, Terraform).
local KEY_TYPES = {
  ["AWS::KMS::Key"] = true,
  ["AWS::KMS::ReplicaKey"] = true,
  aws_kms_key = true,
  aws_kms_key_policy = true,
  aws_kms_replica_key = true,
  aws_kms_replica_external_key = true,
  aws_kms_external_key = true,
}

--- Is `policy` a KMS key policy? A resource policy of a key resource, or a
--- resource policy file whose statements name only kms: actions.
function M.is_key_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return KEY_TYPES[rt] == true end
  local any = false
  for _, st in ipairs(policy.statements) do
    if not st.actions then return false end
    for _, a in ipairs(st.actions) do
      if string.lower(string.sub(a, 1, 4)) ~= "kms:" then return false end
      any = true
    end
  end
  return any
end

--- Managing keys (IAM-KMS-9's list; IAM-KMS-8 takes it as "administration").
M.ADMIN = {
  "kms:CancelKeyDeletion", "kms:ConnectCustomKeyStore", "kms:CreateAlias",
  "kms:CreateCustomKeyStore", "kms:CreateGrant", "kms:CreateKey", "kms:DeleteAlias",
  "kms:DeleteCustomKeyStore", "kms:DeleteImportedKeyMaterial", "kms:DisableKey",
  "kms:DisableKeyRotation", "kms:DisconnectCustomKeyStore", "kms:ImportKeyMaterial",
  "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion",
  "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateCustomKeyStore",
  "kms:UpdateKeyDescription",
}

--- Administration without grants: IAM-KMS-8 counts kms:CreateGrant as use
--- (services create grants to use a key on a principal's behalf).
M.ADMIN_ONLY = {}
for _, a in ipairs(M.ADMIN) do
  if a ~= "kms:CreateGrant" and a ~= "kms:RetireGrant" then M.ADMIN_ONLY[#M.ADMIN_ONLY + 1] = a end
end

--- Cryptographic use of a key.
M.USE = {
  "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateMac", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:Sign", "kms:Verify",
  "kms:VerifyMac",
}

return M
