-- The SQS guardrails of the aws-guardrails pack (catalogue folder sqs).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local conditions = require("conditions")
local principals = require("principals")

-- Resource types whose policy is a queue policy (CloudFormation, Terraform).
local QUEUE_TYPES = {
  ["AWS::SQS::QueuePolicy"] = true,
  aws_sqs_queue_policy = true,
}

--- Is `policy` an SQS queue policy? One a template attaches to queues, or a
--- resource policy file whose statements name only sqs: actions or whose
--- resources are queues.
local function is_queue_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return QUEUE_TYPES[rt] == true end
  local only_sqs, any = true, false
  for _, st in ipairs(policy.statements) do
    for _, a in ipairs(st.actions or st.not_actions or {}) do
      any = true
      if string.lower(string.sub(a, 1, 4)) ~= "sqs:" then only_sqs = false end
    end
  end
  if any and only_sqs then return true end
  for _, st in ipairs(policy.statements) do
    for _, r in ipairs(st.resources or {}) do
      local a = iam.arn_split(r)
      if a and a.service == "sqs" then return true end
    end
  end
  return false
end

-- Conditions that tie a service's request to an account or organization
-- but not to the resource that makes it.
local ACCOUNT_KEYS = { "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths" }

-- The service principals an Allow names.
local function services(st)
  local out = {}
  for _, p in ipairs(principals.list(st)) do
    if p.type == "Service" then out[#out + 1] = p.value end
  end
  return out
end

local function restricted_help(id, title, action, why)
  return "## " .. id .. ": " .. title .. "\n\n" .. why .. "\n\n"
    .. "### What iamguard reports\n\n"
    .. "- In identity policies, every `Allow` that grants `" .. action .. "` (by name, through "
    .. "a wildcard such as `sqs:*`, or through `NotAction`), on any queue, unless every "
    .. "principal of the file holding the policy matches `authorized_principals`; an "
    .. "unconditional `Deny` of it on `\"*\"` in the same document takes it back.\n"
    .. "- In queue policies (`AWS::SQS::QueuePolicy`, `aws_sqs_queue_policy`, or a resource "
    .. "policy file about queues), each principal an `Allow` of it names outside "
    .. "`authorized_principals` (an account root hands the decision to that account's IAM "
    .. "policies, judged in turn), and anyone (`\"*\"`, `NotPrincipal`) unless a condition on "
    .. "the caller (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, ...) narrows it: "
    .. "then the values of that condition are what must be authorized.\n\n"
    .. "With no `authorized_principals` configured, the findings are notes that say how to "
    .. "configure the list, except that anyone at all is reported at the rule's level.\n\n"
end

return common.rules("sqs", {
  {
    id = "IAM-SQS-1",
    name = "ScopeSqsServiceAccessBySourceArn",
    level = "warning",
    security_severity = 5.5,
    kinds = { "resource" },
    actions = { "sqs:*" },
    short_description = "A queue policy that lets an AWS service use the queue must name the "
      .. "calling resource with aws:SourceArn.",
    help = "## IAM-SQS-1: tie AWS services' access to queues to aws:SourceArn\n\n"
      .. "When a queue policy lets a service principal (`sns.amazonaws.com`, "
      .. "`s3.amazonaws.com`, `events.amazonaws.com`, ...) send to or read from a queue, the "
      .. "service acts for whichever of its customers' resources is configured to use the "
      .. "queue. Anyone who knows the queue's ARN can point their own topic, bucket or rule at "
      .. "it, and the service will deliver: the confused deputy. `aws:SourceArn` carries the "
      .. "resource on whose behalf the service calls; requiring it admits only yours.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In a queue policy (`AWS::SQS::QueuePolicy`, `aws_sqs_queue_policy`, or a resource "
      .. "policy file that names only `sqs:` actions or SQS queues), each `Allow` to a service "
      .. "principal with no condition that pins `aws:SourceArn` (a known, non-negated operator "
      .. "such as `ArnEquals`, `ArnLike` or `StringEquals`, not `...IfExists`, with values "
      .. "other than `*`). When `aws:SourceAccount` or `aws:SourceOrgID` pins the account "
      .. "instead, the finding is a note: any resource of that account may still use the "
      .. "queue.\n\n"
      .. "A service that uses a role to reach SQS (a Lambda event source, Pipes, Step "
      .. "Functions) calls as that role, and no `aws:SourceArn` reaches the identity policy; "
      .. "such roles are protected by their trust policies, which the STS guardrails judge.\n\n"
      .. "### How to fix\n\n```json\n\"Condition\": {\"ArnEquals\": {\"aws:SourceArn\":\n"
      .. "  \"arn:aws:sns:us-east-1:111122223333:orders-events\"}}\n```",
    check = function(policy, report)
      if not is_queue_policy(policy) then return end
      for _, st in ipairs(policy.statements) do
        if st.effect == "Allow" then
          local svc = services(st)
          if #svc > 0 and not conditions.pinned(st, { "aws:SourceArn" }) then
            local account = conditions.pinned(st, ACCOUNT_KEYS)
            local names = {}
            for i, v in ipairs(svc) do names[i] = g.quote(v) end
            report {
              statement = st,
              element = "Principal",
              level = account and "note" or nil,
              message = g.statement_name(st) .. " of the queue policy lets " .. g.join(names)
                .. (account
                  and (" use the queue on behalf of any resource of the account its " .. account.key
                    .. " condition names: no condition on aws:SourceArn names the resource. ")
                  or " use the queue on behalf of any resource, in any account: no condition on "
                    .. "aws:SourceArn names the resource. ")
                .. "Add an ArnEquals or ArnLike condition on aws:SourceArn with the ARN of the "
                .. "topic, bucket or rule that may use it.",
            }
          end
        end
      end
    end,
  },
  guard.rule {
    id = "IAM-SQS-2",
    name = "RestrictSqsSendMessage",
    level = "warning",
    security_severity = 5.0,
    actions = { "sqs:SendMessage" },
    resource = is_queue_policy,
    resource_word = "queue policy",
    fix = "Let only the producers of the queue send to it.",
    short_description = "Only authorized principals may send messages to SQS queues.",
    help = restricted_help("IAM-SQS-2", "restrict sqs:SendMessage", "sqs:SendMessage",
      "Whoever may send to a queue may flood it, running up costs or starving the "
        .. "consumers, and may feed the consumers messages they were not built to distrust. "
        .. "Only the queue's producers should hold the permission. `SendMessageBatch`, which "
        .. "the catalogue names too, is not an IAM action of its own: a batch is authorized "
        .. "by `sqs:SendMessage`.")
      .. common.configure_example("IAM-SQS-2",
        "\"arn:aws:iam::*:role/orders-producer\", \"sns.amazonaws.com\""),
  },
  guard.rule {
    id = "IAM-SQS-3",
    name = "RestrictSqsReceiveMessage",
    level = "warning",
    security_severity = 5.0,
    actions = { "sqs:ReceiveMessage" },
    resource = is_queue_policy,
    resource_word = "queue policy",
    fix = "Let only the consumers of the queue receive from it.",
    short_description = "Only authorized principals may receive messages from SQS queues.",
    help = restricted_help("IAM-SQS-3", "restrict sqs:ReceiveMessage", "sqs:ReceiveMessage",
      "A message received by the wrong principal is hidden from the intended consumer for "
        .. "the visibility timeout, and may be read and deleted before anyone else sees it; on "
        .. "a FIFO queue, whose messages are processed exactly once, it is simply lost to the "
        .. "application. Only the queue's consumers should hold the permission.")
      .. common.configure_example("IAM-SQS-3", "\"arn:aws:iam::*:role/orders-worker\""),
  },
})
