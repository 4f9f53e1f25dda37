-- The Lambda guardrails of the aws-guardrails pack (catalogue folder lambda).

local g = require("iamguard.guardrail")
local common = require("common")
local restrict = require("restrict")
local actions = require("actions")
local conditions = require("conditions")
local principals = require("principals")

local MANAGEMENT = {
  "lambda:AddLayerVersionPermission", "lambda:AddPermission", "lambda:CreateAlias",
  "lambda:CreateEventSourceMapping", "lambda:CreateFunction", "lambda:DeleteAlias",
  "lambda:DeleteEventSourceMapping", "lambda:DeleteFunction", "lambda:DeleteFunctionConcurrency",
  "lambda:DeleteFunctionEventInvokeConfig", "lambda:DeleteLayerVersion",
  "lambda:DeleteProvisionedConcurrencyConfig", "lambda:DisableReplication",
  "lambda:EnableReplication", "lambda:InvokeAsync", "lambda:InvokeFunction",
  "lambda:PublishLayerVersion", "lambda:PublishVersion", "lambda:PutFunctionConcurrency",
  "lambda:PutFunctionEventInvokeConfig", "lambda:PutProvisionedConcurrencyConfig",
  "lambda:RemoveLayerVersionPermission", "lambda:RemovePermission", "lambda:TagResource",
  "lambda:UntagResource", "lambda:UpdateAlias", "lambda:UpdateEventSourceMapping",
  "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
  "lambda:UpdateFunctionEventInvokeConfig",
}

local INVOKE = actions.set({ "lambda:InvokeFunction" })

-- Resource types whose policy is a Lambda function's (templates that write
-- one as a document; AWS::Lambda::Permission is not a policy document).
local LAMBDA_TYPES = { ["AWS::Lambda::Function"] = true, aws_lambda_function = true }

local function is_function_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return LAMBDA_TYPES[rt] == true end
  for _, st in ipairs(policy.statements) do
    for _, r in ipairs(st.resources or {}) do
      local a = iam.arn_split(r)
      if a and a.service == "lambda" then return true end
    end
  end
  return false
end

local function from_api_gateway(st)
  for _, p in ipairs(principals.list(st)) do
    if p.type == "Service" and string.lower(p.value) == "apigateway.amazonaws.com" then return true end
  end
  return false
end

return common.rules("lambda", {
  {
    id = "IAM-LAMBDA-1",
    name = "ScopeApiGatewayInvokeBySourceArn",
    level = "warning",
    security_severity = 6.0,
    kinds = { "resource" },
    actions = INVOKE.list,
    short_description = "A function that API Gateway may invoke must name the API with "
      .. "aws:SourceArn.",
    help = "## IAM-LAMBDA-1: scope API Gateway's invocations with aws:SourceArn\n\n"
      .. "A function policy that lets `apigateway.amazonaws.com` invoke the function lets every "
      .. "API in every account call it, through API Gateway, if whoever runs that API knows "
      .. "the function's ARN: the confused deputy. When a service calls another service, "
      .. "`aws:SourceArn` carries the calling resource; requiring it names the API (and "
      .. "stage, method and path) allowed to invoke.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In a Lambda function's resource policy (a policy file naming Lambda ARNs, or one a "
      .. "template attaches to a function), an `Allow` of `lambda:InvokeFunction` to the "
      .. "service principal `apigateway.amazonaws.com` with no condition that pins "
      .. "`aws:SourceArn` (`ArnLike`, `ArnEquals` or a string operator; a value other than "
      .. "`*`). CloudFormation's `AWS::Lambda::Permission` and Terraform's "
      .. "`aws_lambda_permission` are not policy documents; iamguard does not read their "
      .. "`SourceArn` property.\n\n"
      .. "### How to fix\n\n```json\n\"Condition\": {\"ArnLike\": {\"aws:SourceArn\":\n"
      .. "  \"arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/*/GET/orders\"}}\n```",
    check = function(policy, report)
      if not is_function_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, INVOKE)) do
        local st = hit.statement
        if from_api_gateway(st) and not conditions.pinned(st, { "aws:SourceArn" }) then
          report {
            statement = st, element = "Principal",
            message = g.statement_name(st) .. " lets API Gateway invoke the function from any "
              .. "API: no condition on aws:SourceArn names the API. Add an ArnLike condition on "
              .. "aws:SourceArn with the API's execute-api ARN.",
          }
        end
      end
    end,
  },
  restrict.rule {
    id = "IAM-LAMBDA-2",
    name = "RestrictLambdaManagement",
    level = "warning",
    security_severity = 6.0,
    actions = MANAGEMENT,
    short_description = "Only authorized principals may manage Lambda functions.",
    fix = "Keep function management to the deployment roles.",
    help = "## IAM-LAMBDA-2: restrict the management of Lambda functions\n\n"
      .. "Whoever may change a function's code or configuration, its aliases, versions, "
      .. "layers, concurrency, event sources or resource policy can run any code with the "
      .. "function's role, or stop it. Limit these permissions to the principals that deploy "
      .. "and operate functions.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of the 30 actions the catalogue "
      .. "lists (`lambda:CreateFunction`, `lambda:UpdateFunctionCode`, `lambda:AddPermission`, "
      .. "`lambda:InvokeFunction`, `lambda:PutFunctionConcurrency`, ...), unless every "
      .. "principal of the file holding the policy matches `authorized_principals`. Unconfigured, "
      .. "the findings are notes that say how to configure the list.",
  },
})
