-- common: what every rule of the aws-guardrails pack shares.
--
--   local common = require("common")
--   return common.rules("kms", { {id = "IAM-KMS-2", ...}, ... })
--
-- The catalogue publishes one page per service folder with an anchor per
-- guardrail; every rule links there, carries the same tags, and names the
-- catalogue in its help.

local M = {}

M.CATALOGUE = "https://aws-samples.github.io/aws-iam-permissions-guardrails/guardrails/"

--- The published page of guardrail `id` of catalogue folder `folder`.
function M.help_uri(folder, id)
  return M.CATALOGUE .. folder .. "/guardrails.html#" .. id
end

--- The help's example of configuring authorized_principals for rule `id`:
--- a YAML block listing `example` (the list's items, as YAML).
function M.configure_example(id, example)
  return "```yaml\nrules:\n  " .. id .. ":\n    params:\n"
    .. "      authorized_principals: [" .. example .. "]\n```"
end

local SOURCE = "\n\nFrom the aws-samples IAM permissions guardrails catalogue "
  .. "(github.com/aws-samples/aws-iam-permissions-guardrails, Apache-2.0); "
  .. "docs/aws-guardrails.md says what iamguard checks of it and what it cannot decide."

--- Fill in what the rules of a service share: help_uri, tags (the pack,
--- the service, "aws-guardrails" and any the rule gives), the pointer to
--- the catalogue at the end of help, precision "high" unless given.
--- Returns the list itself.
function M.rules(folder, list)
  for _, r in ipairs(list) do
    r.help_uri = r.help_uri or M.help_uri(folder, r.id)
    local tags = { "security", "aws-guardrails", folder }
    for _, t in ipairs(r.tags or {}) do
      local dup = false
      for _, have in ipairs(tags) do dup = dup or have == t end
      if not dup then tags[#tags + 1] = t end
    end
    r.tags = tags
    r.precision = r.precision or "high"
    if r.help then r.help = r.help .. SOURCE end
  end
  return list
end

return M
