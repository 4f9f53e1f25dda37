-- s3docs: which resource policies are about S3 buckets, access points and
-- VPC endpoints, from where the file put them or from the ARNs they name.

local M = {}

local BUCKET_TYPES = {
  ["AWS::S3::BucketPolicy"] = true, aws_s3_bucket_policy = true, aws_s3_bucket = true,
}
local ACCESS_POINT_TYPES = {
  ["AWS::S3::AccessPoint"] = true, aws_s3_access_point = true,
  aws_s3control_access_point_policy = true,
}
local ENDPOINT_TYPES = {
  ["AWS::EC2::VPCEndpoint"] = true, aws_vpc_endpoint = true, aws_vpc_endpoint_policy = true,
}

-- Resource patterns of every statement, and whether some name an S3
-- bucket or object, or an access point.
local function arns(policy)
  local bucket, access_point = false, false
  for _, st in ipairs(policy.statements) do
    for _, r in ipairs(st.resources or st.not_resources or {}) do
      local a = iam.arn_split(r)
      if a and a.service == "s3" then
        if string.find(a.resource, "accesspoint/", 1, true) == 1 then
          access_point = true
        elseif a.region == "" and a.account == "" then
          bucket = true
        end
      end
    end
  end
  return bucket, access_point
end

--- Is `policy` an S3 bucket policy? A resource policy of a bucket, or a
--- resource policy file whose resources name buckets or objects.
function M.is_bucket_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return BUCKET_TYPES[rt] == true end
  local bucket, access_point = arns(policy)
  return bucket and not access_point
end

--- Is `policy` the policy of an S3 access point?
function M.is_access_point_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return ACCESS_POINT_TYPES[rt] == true end
  local _, access_point = arns(policy)
  return access_point
end

--- Is `policy` the policy of a VPC endpoint (it says so only through
--- where the file puts it)?
function M.is_endpoint_policy(policy)
  return policy.kind == "resource" and ENDPOINT_TYPES[policy.origin.resource_type or ""] == true
end

--- Condition keys with which a bucket policy hands access to access points.
M.ACCESS_POINT_KEYS = { "s3:DataAccessPointArn", "s3:DataAccessPointAccount",
  "s3:AccessPointNetworkOrigin" }

--- Does some statement of `policy` name an access point condition key?
function M.delegates_to_access_points(policy)
  for _, st in ipairs(policy.statements) do
    for _, k in ipairs(M.ACCESS_POINT_KEYS) do
      if st:conditions_on(k)[1] then return true end
    end
  end
  return false
end

return M
