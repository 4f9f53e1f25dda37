-- The Elasticsearch (OpenSearch Service) guardrail of the aws-guardrails
-- pack (catalogue folder elasticsearch).

local common = require("common")
local guard = require("guard")

-- Resource types whose policy is a domain access policy (CloudFormation,
-- Terraform); OpenSearch Service domains use the same es: actions.
local DOMAIN_TYPES = {
  ["AWS::Elasticsearch::Domain"] = true,
  ["AWS::OpenSearchService::Domain"] = true,
  aws_elasticsearch_domain_policy = true,
  aws_opensearch_domain_policy = true,
  aws_elasticsearch_domain = true,
  aws_opensearch_domain = true,
}

--- Is `policy` a domain access policy? The policy of a domain resource, or
--- a resource policy file whose statements name only es: actions.
local function is_domain_policy(policy)
  if policy.kind ~= "resource" then return false end
  local rt = policy.origin.resource_type
  if rt then return DOMAIN_TYPES[rt] == true end
  local any = false
  for _, st in ipairs(policy.statements) do
    if not st.actions then return false end
    for _, a in ipairs(st.actions) do
      if string.lower(string.sub(a, 1, 3)) ~= "es:" then return false end
      any = true
    end
  end
  return any
end

return common.rules("elasticsearch", {
  guard.rule {
    id = "IAM-ELASTICSEARCH-1",
    name = "RestrictElasticsearchGetAndDelete",
    level = "warning",
    security_severity = 6.0,
    actions = { "es:ESHttpGet", "es:ESHttpDelete", "es:DeleteDomain", "es:DeleteElasticsearchDomain" },
    resource = is_domain_policy,
    resource_word = "domain access policy",
    fix = "Keep reading and deleting the domains' data to the roles listed for it.",
    short_description = "Only authorized roles may read or delete the data of Elasticsearch "
      .. "and OpenSearch domains.",
    help = "## IAM-ELASTICSEARCH-1: restrict GET and DELETE on search domains\n\n"
      .. "Search domains often index the same sensitive records as the databases they are fed "
      .. "from (logs with personal data, orders, messages). An HTTP `GET` reads any document "
      .. "or index of the domain, a `DELETE` removes documents or whole indices, and deleting "
      .. "the domain removes everything at once. Only the roles listed for those domains should "
      .. "hold these permissions, not every role of the account.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- Every `Allow` in an identity policy that grants `es:ESHttpGet` or `es:ESHttpDelete` "
      .. "(HTTP GET and DELETE on a domain), or `es:DeleteDomain` or "
      .. "`es:DeleteElasticsearchDomain` (by name, through a wildcard such as `es:*` or "
      .. "`es:ESHttp*`, or through `NotAction`), on any domain, unless every principal of the "
      .. "file holding the policy matches `authorized_principals`; an unconditional `Deny` of "
      .. "the action on `\"*\"` in the same document takes it back. One finding per "
      .. "statement, naming the first action it grants.\n"
      .. "- In a domain access policy (`AccessPolicies` of `AWS::Elasticsearch::Domain` and "
      .. "`AWS::OpenSearchService::Domain`, `aws_elasticsearch_domain_policy`, "
      .. "`aws_opensearch_domain_policy`, or a resource policy file naming only `es:` "
      .. "actions), each `Allow` of those actions for principals outside "
      .. "`authorized_principals`. An account root leaves the decision to that account's IAM "
      .. "policies and is not reported; anyone (`\"*\"`, `NotPrincipal`) is a warning even when "
      .. "an IP condition limits where requests come from, since no role is named; other "
      .. "principals are notes while no list is configured.\n\n"
      .. "Which domains hold sensitive data is not in any policy: every domain is judged. With "
      .. "no `authorized_principals` configured the identity findings are notes that say how "
      .. "to configure them.\n\n"
      .. "```yaml\nrules:\n  IAM-ELASTICSEARCH-1:\n    params:\n"
      .. "      authorized_principals: [\"arn:aws:iam::*:role/SearchReader\", \"SearchReader\"]\n```",
  },
})
