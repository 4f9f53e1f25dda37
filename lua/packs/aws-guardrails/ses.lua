-- The SES guardrail of the aws-guardrails pack (catalogue folder ses).

local g = require("iamguard.guardrail")
local common = require("common")
local actions = require("actions")
local conditions = require("conditions")
local principals = require("principals")
local s3docs = require("s3docs")

local PUT = actions.set({ "s3:PutObject" })

local function from_ses(st)
  for _, p in ipairs(principals.list(st)) do
    if p.type == "Service" and string.lower(p.value) == "ses.amazonaws.com" then return true end
  end
  return false
end

-- Operators under which '*' and '?' in a value are wildcards.
local WILDCARD_OPS = { StringLike = true, ArnLike = true, ArnEquals = true }

--- Does condition entry c name one account? Under a wildcard operator a
--- value whose account admits others does not: "1111*", or an ARN such as
--- arn:aws:ses:*:*:receipt-rule-set/* (any account's rule set). A value
--- that is no ARN (aws:Referer, aws:SourceAccount) is the account itself.
local function names_account(c)
  if not WILDCARD_OPS[c.base] then return true end
  for _, v in ipairs(c.values) do
    local a = iam.arn_split(v)
    local account = a and a.account or v
    if account == "" or string.find(account, "*", 1, true) or string.find(account, "?", 1, true) then
      return false
    end
  end
  return true
end

return common.rules("ses", {
  {
    id = "IAM-SES-1",
    name = "SesWritesToS3WithReferer",
    level = "warning",
    security_severity = 5.0,
    kinds = { "resource" },
    actions = PUT.list,
    params = {
      condition_keys = {
        default = { "aws:Referer", "aws:SourceAccount", "aws:SourceArn" },
        description = "Condition keys that tie SES's writes to your account; the catalogue "
          .. "names aws:Referer, AWS's current guidance aws:SourceAccount and aws:SourceArn.",
      },
    },
    short_description = "A bucket policy that lets SES write to S3 must tie the writes to the "
      .. "account (aws:Referer).",
    help = "## IAM-SES-1: let SES write to a bucket only for your account\n\n"
      .. "SES stores received mail in S3 with `s3:PutObject` as the service principal "
      .. "`ses.amazonaws.com`. Without a condition naming the account, any SES customer's "
      .. "receipt rule could deliver into the bucket. The catalogue asks for `aws:Referer` "
      .. "with the account ID; AWS's documentation now uses `aws:SourceAccount` or "
      .. "`aws:SourceArn`, which serve the same purpose.\n\n"
      .. "### What iamguard reports\n\n"
      .. "In a bucket policy, an `Allow` of `s3:PutObject` to `ses.amazonaws.com` with no "
      .. "condition that pins one of `condition_keys` (default `aws:Referer`, "
      .. "`aws:SourceAccount`, `aws:SourceArn`; set it to `[aws:Referer]` to require exactly "
      .. "what the catalogue says). The condition must name the account: under `StringLike`, "
      .. "`ArnLike` or `ArnEquals`, a value whose wildcards admit other accounts (`1111*`, "
      .. "an `aws:SourceArn` with `*` for the account) does not.\n\n"
      .. "### How to fix\n\n```json\n\"Condition\": {\"StringEquals\": {\"aws:Referer\": "
      .. "\"111122223333\"}}\n```",
    check = function(policy, report, p)
      if not s3docs.is_bucket_policy(policy) then return end
      for _, hit in ipairs(actions.allowed(policy, PUT)) do
        local st = hit.statement
        if from_ses(st) and not conditions.pinned(st, p.condition_keys, names_account) then
          report {
            statement = st, element = "Principal",
            message = g.statement_name(st) .. " lets SES write to the bucket for any account: no "
              .. "condition on " .. g.join(p.condition_keys) .. " names yours. Add a "
              .. "StringEquals condition on aws:Referer with the account ID.",
          }
        end
      end
    end,
  },
})
