-- The EKS guardrail of the aws-guardrails pack (catalogue folder eks).

local common = require("common")
local guard = require("guard")

-- IAM-EKS-1: managing clusters, node groups and Fargate profiles (the
-- catalogue's list).
local MANAGE = {
  "eks:CreateCluster", "eks:CreateFargateProfile", "eks:CreateNodegroup", "eks:DeleteCluster",
  "eks:DeleteFargateProfile", "eks:DeleteNodegroup", "eks:TagResource", "eks:UntagResource",
  "eks:UpdateClusterConfig", "eks:UpdateClusterVersion", "eks:UpdateNodegroupConfig",
  "eks:UpdateNodegroupVersion",
}

return common.rules("eks", {
  guard.rule {
    id = "IAM-EKS-1",
    name = "RestrictEksClusterManagement",
    level = "warning",
    security_severity = 6.0,
    actions = MANAGE,
    fix = "Keep cluster management to the roles that administer the clusters.",
    short_description = "Only authorized principals may create, change or delete EKS clusters.",
    help = "## IAM-EKS-1: restrict EKS cluster management\n\n"
      .. "Whoever may create, reconfigure, upgrade or delete an EKS cluster, its node groups "
      .. "or its Fargate profiles controls where the cluster's workloads run and who reaches "
      .. "its API endpoint (endpoint access and logging are cluster settings). A mistaken or "
      .. "malicious change can take every workload of the cluster down or open the control "
      .. "plane to the internet. Tags count too: tag-based policies may decide who else may "
      .. "touch a cluster. These permissions belong to the cluster administrators.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of `eks:CreateCluster`, "
      .. "`eks:CreateFargateProfile`, `eks:CreateNodegroup`, `eks:DeleteCluster`, "
      .. "`eks:DeleteFargateProfile`, `eks:DeleteNodegroup`, `eks:TagResource`, "
      .. "`eks:UntagResource`, `eks:UpdateClusterConfig`, `eks:UpdateClusterVersion`, "
      .. "`eks:UpdateNodegroupConfig` or `eks:UpdateNodegroupVersion` (by name, through a "
      .. "wildcard such as `eks:*`, or through `NotAction`), on any cluster, unless every "
      .. "principal of the file holding the policy matches `authorized_principals`. An "
      .. "unconditional `Deny` of the action on `\"*\"` in the same document takes it back. "
      .. "One finding per statement, naming the first action it grants. With no "
      .. "`authorized_principals` configured the findings are notes that say how to "
      .. "configure them.\n\n"
      .. "```yaml\nrules:\n  IAM-EKS-1:\n    params:\n"
      .. "      authorized_principals: [\"arn:aws:iam::*:role/EksAdmin\", \"BreakGlass*\"]\n```",
  },
})
