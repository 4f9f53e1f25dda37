-- The EC2 guardrails of the aws-guardrails pack (catalogue folder ec2).

local g = require("iamguard.guardrail")
local common = require("common")
local guard = require("guard")
local actions = require("actions")

-- IAM-EC2-3: changing the network (the catalogue's list; one name corrected,
-- see docs/aws-guardrails.md).
local NETWORK = {
  "ec2:AssociateDhcpOptions", "ec2:AssociateRouteTable", "ec2:AssociateSubnetCidrBlock",
  "ec2:AssociateVpcCidrBlock", "ec2:AttachInternetGateway", "ec2:AttachVpnGateway",
  "ec2:CreateCustomerGateway", "ec2:CreateDhcpOptions", "ec2:CreateInstanceExportTask",
  "ec2:CreateInternetGateway", "ec2:CreateRoute", "ec2:CreateRouteTable", "ec2:CreateSubnet",
  "ec2:CreateVpc", "ec2:CreateVpcEndpoint", "ec2:CreateVpcEndpointServiceConfiguration",
  "ec2:CreateVpcPeeringConnection", "ec2:CreateVpnConnection", "ec2:CreateVpnConnectionRoute",
  "ec2:CreateVpnGateway", "ec2:DeleteCustomerGateway", "ec2:DeleteDhcpOptions",
  "ec2:DeleteEgressOnlyInternetGateway", "ec2:DeleteInternetGateway", "ec2:DeleteNatGateway",
  "ec2:DeleteNetworkAcl", "ec2:DeleteNetworkAclEntry", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
  "ec2:DeleteSubnet", "ec2:DeleteVpc", "ec2:DeleteVpcEndpointServiceConfigurations",
  "ec2:DeleteVpcEndpoints", "ec2:DeleteVpcPeeringConnection", "ec2:DeleteVpnConnection",
  "ec2:DeleteVpnConnectionRoute", "ec2:DeleteVpnGateway", "ec2:DetachInternetGateway",
  "ec2:DetachVpnGateway", "ec2:DisableVgwRoutePropagation", "ec2:DisassociateRouteTable",
  "ec2:DisassociateSubnetCidrBlock", "ec2:DisassociateVpcCidrBlock",
  "ec2:EnableVgwRoutePropagation", "ec2:ModifySubnetAttribute", "ec2:ModifyVpcAttribute",
  "ec2:ModifyVpcEndpoint", "ec2:ModifyVpcEndpointServiceConfiguration",
  "ec2:ModifyVpcEndpointServicePermissions", "ec2:ModifyVpcPeeringConnectionOptions",
  "ec2:ReplaceRoute", "ec2:ReplaceRouteTableAssociation",
}

-- IAM-EC2-5: managing security groups.
local SECURITY_GROUPS = {
  "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
  "ec2:ApplySecurityGroupsToClientVpnTargetNetwork", "ec2:CreateSecurityGroup",
  "ec2:DeleteSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
}

-- IAM-EC2-6: managing EC2 at all (the catalogue's list).
local MANAGE = {
  "ec2:AcceptReservedInstancesExchangeQuote", "ec2:AcceptTransitGatewayPeeringAttachment",
  "ec2:AcceptTransitGatewayVpcAttachment", "ec2:AcceptVpcEndpointConnections",
  "ec2:AcceptVpcPeeringConnection", "ec2:AdvertiseByoipCidr", "ec2:AllocateAddress",
  "ec2:AllocateHosts", "ec2:ApplySecurityGroupsToClientVpnTargetNetwork",
  "ec2:AssignIpv6Addresses", "ec2:AssignPrivateIpAddresses", "ec2:AssociateAddress",
  "ec2:AssociateClientVpnTargetNetwork", "ec2:AssociateDhcpOptions",
  "ec2:AssociateIamInstanceProfile", "ec2:AssociateRouteTable", "ec2:AssociateSubnetCidrBlock",
  "ec2:AssociateTransitGatewayMulticastDomain", "ec2:AssociateTransitGatewayRouteTable",
  "ec2:AssociateVpcCidrBlock", "ec2:AttachClassicLinkVpc", "ec2:AttachInternetGateway",
  "ec2:AttachNetworkInterface", "ec2:AttachVolume", "ec2:AttachVpnGateway",
  "ec2:AuthorizeClientVpnIngress", "ec2:AuthorizeSecurityGroupEgress",
  "ec2:AuthorizeSecurityGroupIngress", "ec2:BundleInstance", "ec2:CancelBundleTask",
  "ec2:CancelCapacityReservation", "ec2:CancelConversionTask", "ec2:CancelExportTask",
  "ec2:CancelImportTask", "ec2:CancelReservedInstancesListing", "ec2:CancelSpotFleetRequests",
  "ec2:CancelSpotInstanceRequests", "ec2:ConfirmProductInstance", "ec2:CopyFpgaImage",
  "ec2:CopyImage", "ec2:CopySnapshot", "ec2:CreateCapacityReservation",
  "ec2:CreateClientVpnEndpoint", "ec2:CreateClientVpnRoute", "ec2:CreateCustomerGateway",
  "ec2:CreateDefaultSubnet", "ec2:CreateDefaultVpc", "ec2:CreateDhcpOptions",
  "ec2:CreateEgressOnlyInternetGateway", "ec2:CreateFleet", "ec2:CreateFlowLogs",
  "ec2:CreateFpgaImage", "ec2:CreateImage", "ec2:CreateInstanceExportTask",
  "ec2:CreateInternetGateway", "ec2:CreateKeyPair", "ec2:CreateLaunchTemplate",
  "ec2:CreateLaunchTemplateVersion", "ec2:CreateLocalGatewayRoute",
  "ec2:CreateLocalGatewayRouteTableVpcAssociation", "ec2:CreateNatGateway",
  "ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry", "ec2:CreateNetworkInterface",
  "ec2:CreateNetworkInterfacePermission", "ec2:CreatePlacementGroup",
  "ec2:CreateReservedInstancesListing", "ec2:CreateRoute", "ec2:CreateRouteTable",
  "ec2:CreateSecurityGroup", "ec2:CreateSnapshot", "ec2:CreateSnapshots",
  "ec2:CreateSpotDatafeedSubscription", "ec2:CreateSubnet", "ec2:CreateTags",
  "ec2:CreateTrafficMirrorFilter", "ec2:CreateTrafficMirrorFilterRule",
  "ec2:CreateTrafficMirrorSession", "ec2:CreateTrafficMirrorTarget", "ec2:CreateTransitGateway",
  "ec2:CreateTransitGatewayMulticastDomain", "ec2:CreateTransitGatewayPeeringAttachment",
  "ec2:CreateTransitGatewayRoute", "ec2:CreateTransitGatewayRouteTable",
  "ec2:CreateTransitGatewayVpcAttachment", "ec2:CreateVolume", "ec2:CreateVpc",
  "ec2:CreateVpcEndpoint", "ec2:CreateVpcEndpointConnectionNotification",
  "ec2:CreateVpcEndpointServiceConfiguration", "ec2:CreateVpcPeeringConnection",
  "ec2:CreateVpnConnection", "ec2:CreateVpnConnectionRoute", "ec2:CreateVpnGateway",
  "ec2:DeleteClientVpnEndpoint", "ec2:DeleteClientVpnRoute", "ec2:DeleteCustomerGateway",
  "ec2:DeleteDhcpOptions", "ec2:DeleteEgressOnlyInternetGateway", "ec2:DeleteFleets",
  "ec2:DeleteFlowLogs", "ec2:DeleteFpgaImage", "ec2:DeleteInternetGateway", "ec2:DeleteKeyPair",
  "ec2:DeleteLaunchTemplate", "ec2:DeleteLaunchTemplateVersions", "ec2:DeleteLocalGatewayRoute",
  "ec2:DeleteLocalGatewayRouteTableVpcAssociation", "ec2:DeleteNatGateway",
  "ec2:DeleteNetworkAcl", "ec2:DeleteNetworkAclEntry", "ec2:DeleteNetworkInterface",
  "ec2:DeleteNetworkInterfacePermission", "ec2:DeletePlacementGroup", "ec2:DeleteRoute",
  "ec2:DeleteRouteTable", "ec2:DeleteSecurityGroup", "ec2:DeleteSnapshot",
  "ec2:DeleteSpotDatafeedSubscription", "ec2:DeleteSubnet", "ec2:DeleteTags",
  "ec2:DeleteTrafficMirrorFilter", "ec2:DeleteTrafficMirrorFilterRule",
  "ec2:DeleteTrafficMirrorSession", "ec2:DeleteTrafficMirrorTarget", "ec2:DeleteTransitGateway",
  "ec2:DeleteTransitGatewayMulticastDomain", "ec2:DeleteTransitGatewayPeeringAttachment",
  "ec2:DeleteTransitGatewayRoute", "ec2:DeleteTransitGatewayRouteTable",
  "ec2:DeleteTransitGatewayVpcAttachment", "ec2:DeleteVolume", "ec2:DeleteVpc",
  "ec2:DeleteVpcEndpointConnectionNotifications", "ec2:DeleteVpcEndpointServiceConfigurations",
  "ec2:DeleteVpcEndpoints", "ec2:DeleteVpcPeeringConnection", "ec2:DeleteVpnConnection",
  "ec2:DeleteVpnConnectionRoute", "ec2:DeleteVpnGateway", "ec2:DeprovisionByoipCidr",
  "ec2:DeregisterImage", "ec2:DeregisterTransitGatewayMulticastGroupMembers",
  "ec2:DeregisterTransitGatewayMulticastGroupSources", "ec2:DetachClassicLinkVpc",
  "ec2:DetachInternetGateway", "ec2:DetachNetworkInterface", "ec2:DetachVolume",
  "ec2:DetachVpnGateway", "ec2:DisableEbsEncryptionByDefault", "ec2:DisableFastSnapshotRestores",
  "ec2:DisableTransitGatewayRouteTablePropagation", "ec2:DisableVgwRoutePropagation",
  "ec2:DisableVpcClassicLink", "ec2:DisableVpcClassicLinkDnsSupport", "ec2:DisassociateAddress",
  "ec2:DisassociateClientVpnTargetNetwork", "ec2:DisassociateIamInstanceProfile",
  "ec2:DisassociateRouteTable", "ec2:DisassociateSubnetCidrBlock",
  "ec2:DisassociateTransitGatewayMulticastDomain", "ec2:DisassociateTransitGatewayRouteTable",
  "ec2:DisassociateVpcCidrBlock", "ec2:EnableEbsEncryptionByDefault",
  "ec2:EnableFastSnapshotRestores", "ec2:EnableTransitGatewayRouteTablePropagation",
  "ec2:EnableVgwRoutePropagation", "ec2:EnableVolumeIO", "ec2:EnableVpcClassicLink",
  "ec2:EnableVpcClassicLinkDnsSupport", "ec2:ExportImage", "ec2:ExportTransitGatewayRoutes",
  "ec2:ImportClientVpnClientCertificateRevocationList", "ec2:ImportImage", "ec2:ImportInstance",
  "ec2:ImportKeyPair", "ec2:ImportSnapshot", "ec2:ImportVolume", "ec2:ModifyCapacityReservation",
  "ec2:ModifyClientVpnEndpoint", "ec2:ModifyDefaultCreditSpecification",
  "ec2:ModifyEbsDefaultKmsKeyId", "ec2:ModifyFleet", "ec2:ModifyFpgaImageAttribute",
  "ec2:ModifyHosts", "ec2:ModifyIdFormat", "ec2:ModifyIdentityIdFormat",
  "ec2:ModifyImageAttribute", "ec2:ModifyInstanceAttribute",
  "ec2:ModifyInstanceCapacityReservationAttributes", "ec2:ModifyInstanceCreditSpecification",
  "ec2:ModifyInstanceEventStartTime", "ec2:ModifyInstanceMetadataOptions",
  "ec2:ModifyInstancePlacement", "ec2:ModifyLaunchTemplate",
  "ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyReservedInstances",
  "ec2:ModifySnapshotAttribute", "ec2:ModifySpotFleetRequest", "ec2:ModifySubnetAttribute",
  "ec2:ModifyTrafficMirrorFilterNetworkServices", "ec2:ModifyTrafficMirrorFilterRule",
  "ec2:ModifyTrafficMirrorSession", "ec2:ModifyTransitGatewayVpcAttachment", "ec2:ModifyVolume",
  "ec2:ModifyVolumeAttribute", "ec2:ModifyVpcAttribute", "ec2:ModifyVpcEndpoint",
  "ec2:ModifyVpcEndpointConnectionNotification", "ec2:ModifyVpcEndpointServiceConfiguration",
  "ec2:ModifyVpcEndpointServicePermissions", "ec2:ModifyVpcPeeringConnectionOptions",
  "ec2:ModifyVpcTenancy", "ec2:ModifyVpnConnection", "ec2:ModifyVpnTunnelCertificate",
  "ec2:ModifyVpnTunnelOptions", "ec2:MonitorInstances", "ec2:MoveAddressToVpc",
  "ec2:ProvisionByoipCidr", "ec2:PurchaseHostReservation",
  "ec2:PurchaseReservedInstancesOffering", "ec2:PurchaseScheduledInstances",
  "ec2:RebootInstances", "ec2:RegisterImage", "ec2:RegisterTransitGatewayMulticastGroupMembers",
  "ec2:RegisterTransitGatewayMulticastGroupSources", "ec2:RejectTransitGatewayPeeringAttachment",
  "ec2:RejectTransitGatewayVpcAttachment", "ec2:RejectVpcEndpointConnections",
  "ec2:RejectVpcPeeringConnection", "ec2:ReleaseAddress", "ec2:ReleaseHosts",
  "ec2:ReplaceIamInstanceProfileAssociation", "ec2:ReplaceNetworkAclAssociation",
  "ec2:ReplaceNetworkAclEntry", "ec2:ReplaceRoute", "ec2:ReplaceRouteTableAssociation",
  "ec2:ReplaceTransitGatewayRoute", "ec2:ReportInstanceStatus", "ec2:RequestSpotFleet",
  "ec2:RequestSpotInstances", "ec2:ResetEbsDefaultKmsKeyId", "ec2:ResetFpgaImageAttribute",
  "ec2:ResetImageAttribute", "ec2:ResetInstanceAttribute", "ec2:ResetNetworkInterfaceAttribute",
  "ec2:ResetSnapshotAttribute", "ec2:RestoreAddressToClassic", "ec2:RevokeClientVpnIngress",
  "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RunInstances",
  "ec2:RunScheduledInstances", "ec2:SendDiagnosticInterrupt", "ec2:StartInstances",
  "ec2:StartVpcEndpointServicePrivateDnsVerification", "ec2:StopInstances",
  "ec2:TerminateClientVpnConnections", "ec2:TerminateInstances", "ec2:UnassignIpv6Addresses",
  "ec2:UnassignPrivateIpAddresses", "ec2:UnmonitorInstances",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:WithdrawByoipCidr",
}

-- IAM-EC2-4: sensitive actions used day to day. The catalogue's
-- "ec2:InstanceSecurityGroup" is no action; changing an instance's security
-- groups is ec2:ModifyInstanceAttribute.
local DAILY = {
  "ec2:ModifyInstanceAttribute", "ec2:AttachVolume", "ec2:CopyImage", "ec2:CopyFpgaImage",
  "ec2:CreateFpgaImage", "ec2:CreateImage", "ec2:DeleteFpgaImage", "ec2:DeregisterImage",
  "ec2:DisassociateAddress", "ec2:DisassociateIamInstanceProfile", "ec2:ModifyFpgaImageAttribute",
  "ec2:ModifyImageAttribute", "ec2:ReplaceIamInstanceProfileAssociation",
}

-- Condition keys that tie an EC2 request to specific resources
-- (ec2:ManagedResourceOperator: instances an AWS service manages).
local INSTANCE_SCOPE_KEYS = { "ec2:InstanceID", "ec2:ManagedResourceOperator", "ec2:SourceInstanceARN" }
local EC2_SCOPE_KEYS = { "ec2:InstanceID", "ec2:ImageID", "ec2:VolumeID", "ec2:Vpc",
  "ec2:InstanceProfile", "ec2:ManagedResourceOperator", "ec2:SourceInstanceARN" }

---------------------------------------------------------------------------
-- IAM-EC2-2: approved AMIs
---------------------------------------------------------------------------

local RUN = actions.set({ "ec2:RunInstances" })
local IMAGE = { "arn:{partition}:ec2:{region}::image/ami-0unscopedprobe00" }
local IMAGE_TAGS = { "aws:resourcetag/", "ec2:resourcetag/" }

-- The AMI id of an image ARN ("arn:aws:ec2:REGION::image/ami-..."), or nil.
local function image_id(arn)
  local a = iam.arn_split(arn)
  if not a or a.service ~= "ec2" or string.sub(a.resource, 1, 6) ~= "image/" then return nil end
  return string.sub(a.resource, 7)
end

-- Is the AMI (an id, an image ARN, or a pattern of either) approved?
local function approved(value, list)
  local id = image_id(value) or value
  for _, pat in ipairs(list) do
    if iam.arn_match(pat, value) or iam.arn_match(pat, id) then return true end
  end
  return false
end

local function owner_approved(value, owners)
  for _, o in ipairs(owners) do
    if o == value then return true end
  end
  return false
end

-- The condition of st that limits the images it launches, or nil: specific
-- tags of the image, ec2:ImageID (approved AMIs when a list is configured),
-- or ec2:Owner among approved_owners.
local function image_scope(st, p)
  local c = g.tag_scope(st, IMAGE_TAGS)
  if c then return c end
  c = guard.narrowing(st, { "ec2:ImageID" }, function(v)
    return #p.approved_amis == 0 or approved(v, p.approved_amis)
  end)
  if c then return c end
  if #p.approved_owners > 0 then
    return guard.narrowing(st, { "ec2:Owner" }, function(v) return owner_approved(v, p.approved_owners) end)
  end
  return nil
end

local NEGATED = {
  StringNotEquals = true, StringNotEqualsIgnoreCase = true, StringNotLike = true,
  ArnNotEquals = true, ArnNotLike = true,
}

-- A Deny of RunInstances on images that refuses every image outside those
-- approved: only negated conditions on the image's tags, ec2:ImageID or
-- ec2:Owner, with values image_scope would accept.
local function approval_deny(policy, p)
  for _, hit in ipairs(actions.allowed(policy, RUN, "Deny")) do
    local st = hit.statement
    if st.well_formed and #st.conditions > 0 and st:reaches(IMAGE) then
      local ok = true
      for _, c in ipairs(st.conditions) do
        local values_ok = c.known and NEGATED[c.base] and c.set == nil and not c.malformed
          and #c.values > 0
        for _, v in ipairs(c.values) do
          if guard.only_wildcards(v) then values_ok = false end
        end
        local key_ok = g.resource_tag(c.key, IMAGE_TAGS) ~= nil
        if iam.key_equal(c.key, "ec2:ImageID") then
          key_ok = true
          for _, v in ipairs(c.values) do
            if #p.approved_amis > 0 and not approved(v, p.approved_amis) then key_ok = false end
          end
        elseif iam.key_equal(c.key, "ec2:Owner") then
          key_ok = #p.approved_owners > 0
          for _, v in ipairs(c.values) do
            if not owner_approved(v, p.approved_owners) then key_ok = false end
          end
        end
        if not (values_ok and key_ok) then ok = false end
      end
      if ok then return st end
    end
  end
  return nil
end

local function check_amis(policy, report, p)
  local allows = actions.allowed(policy, RUN)
  if #allows == 0 or approval_deny(policy, p) then return end
  local denies = guard.unconditional_denies(policy, RUN)
  for _, hit in ipairs(allows) do
    local st = hit.statement
    if not image_scope(st, p) then
      local any, pattern, index = st:reaches_uncovered(IMAGE, denies)
      if any then
        report {
          statement = st,
          element = index and "Resource" or hit.element,
          index = index or hit.index,
          message = g.statement_name(st) .. " allows ec2:RunInstances with any AMI. "
            .. (pattern and ("Resource " .. g.quote(pattern) .. " matches images it does not name")
              or (index == nil and st.not_resources and "NotResource does not exclude them")
              or "Its resources could not all be decided (max_reach_configs)")
            .. ", and no condition narrows the images (ec2:ResourceTag/<key>, ec2:ImageID"
            .. (#p.approved_owners > 0 and ", ec2:Owner" or "") .. "). Name the "
            .. "approved AMIs (arn:aws:ec2:REGION::image/ami-...) in Resource, or require a tag "
            .. "that marks approved images (ec2:ResourceTag/<key>)"
            .. (#p.approved_amis == 0 and "; list the approved AMIs in approved_amis." or "."),
        }
      end
      if #p.approved_amis > 0 then
        for i, r in ipairs(st.resources or {}) do
          local id = image_id(r)
          if id and id ~= "" and not guard.only_wildcards(id) and not approved(r, p.approved_amis) then
            report {
              statement = st,
              element = "Resource",
              index = i,
              message = g.statement_name(st) .. " allows ec2:RunInstances with " .. g.quote(r)
                .. ", which approved_amis does not list. Launch only approved AMIs, or add it to "
                .. "approved_amis once it is approved.",
            }
          end
        end
      end
    end
  end
end

return common.rules("ec2", {
  guard.rule {
    id = "IAM-EC2-1",
    name = "ScopeEc2TerminateInstances",
    level = "warning",
    security_severity = 6.0,
    actions = { "ec2:TerminateInstances" },
    scoped = true,
    scope_keys = INSTANCE_SCOPE_KEYS,
    target = "any instance",
    scope_word = "no condition on ec2:ResourceTag/<key> or aws:ResourceTag/<key> (or "
      .. "ec2:InstanceID, ec2:ManagedResourceOperator) narrows it",
    scoped_fix = "Name the instances in Resource, or add a StringEquals condition on "
      .. "ec2:ResourceTag/<key>.",
    short_description = "ec2:TerminateInstances must be scoped to named or tagged instances.",
    help = "## IAM-EC2-1: scope ec2:TerminateInstances\n\n"
      .. "Terminating an instance destroys it and, by default, its root volume: there is no "
      .. "undo. In production only the deployment tooling should terminate instances, and "
      .. "even in development a role that may terminate every instance of the account can "
      .. "take down other teams' work by mistake. Grant it on the instances the principal "
      .. "owns, named or selected by tag.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` in an identity policy that grants `ec2:TerminateInstances` (by name, "
      .. "through a wildcard such as `ec2:*`, or through `NotAction`) on instances it does "
      .. "not name (`\"*\"`, `instance/*`, in any partition, region and account), with no "
      .. "condition of specific values on `ec2:ResourceTag/<key>` or `aws:ResourceTag/<key>` "
      .. "(a value of only `*`, or `Null` false on a tag users can set, admits any instance "
      .. "someone tagged), `ec2:InstanceID` or `ec2:ManagedResourceOperator`. A `Deny` of the "
      .. "same document takes back what it covers; a policy whose holders all match "
      .. "`authorized_principals` (break-glass roles) is not reported.\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Allow\", \"Action\": \"ec2:TerminateInstances\",\n"
      .. " \"Resource\": \"arn:aws:ec2:*:*:instance/*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"ec2:ResourceTag/team\": \"${aws:PrincipalTag/team}\"}}}\n```",
  },
  {
    id = "IAM-EC2-2",
    name = "RequireApprovedAmis",
    level = "warning",
    security_severity = 5.0,
    kinds = { "identity" },
    actions = { "ec2:RunInstances" },
    params = {
      approved_amis = {
        default = {},
        description = "Approved AMIs: ids or image ARNs, globs allowed (ami-0abc*, "
          .. "arn:aws:ec2:*::image/ami-0abc*). When set, named images must be among them.",
      },
      approved_owners = {
        default = {},
        description = "Accounts (or aliases such as amazon) whose images are approved: an "
          .. "ec2:Owner condition naming only these scopes a grant.",
      },
    },
    short_description = "ec2:RunInstances must be limited to approved AMIs.",
    help = "## IAM-EC2-2: launch only approved AMIs\n\n"
      .. "An AMI decides what runs on an instance from its first second: hardening, agents, "
      .. "patches, and whatever else its publisher put there. Production instances should "
      .. "start only from images the organization has approved, which a policy can enforce "
      .. "by naming them or by requiring a tag that marks approved images.\n\n"
      .. "### What iamguard reports\n\n"
      .. "- An `Allow` of `ec2:RunInstances` in an identity policy that reaches images it "
      .. "does not name (`\"*\"`, `image/*`, any partition, region and account, after the "
      .. "document's unconditional Denies) without a condition that limits the image: "
      .. "`ec2:ResourceTag/<key>` or `aws:ResourceTag/<key>` with specific values, "
      .. "`ec2:ImageID` with specific values (approved ones when `approved_amis` is set), or "
      .. "`ec2:Owner` naming only `approved_owners`.\n"
      .. "- With `approved_amis` set, each image ARN in `Resource` that the list does not match.\n\n"
      .. "A `Deny` of `ec2:RunInstances` on images whose conditions refuse every image outside "
      .. "those (negated operators on the same keys) satisfies the guardrail for the whole "
      .. "document. Which images are hardened is not in any policy: name them in the "
      .. "parameters.\n\n"
      .. "```yaml\nrules:\n  IAM-EC2-2:\n    params:\n"
      .. "      approved_amis: [\"ami-0abcdef1234567890\", \"arn:aws:ec2:*::image/ami-0fedcba*\"]\n"
      .. "      approved_owners: [\"111122223333\"]\n```\n\n"
      .. "### How to fix\n\n```json\n{\"Effect\": \"Allow\", \"Action\": \"ec2:RunInstances\",\n"
      .. " \"Resource\": \"arn:aws:ec2:*::image/*\",\n"
      .. " \"Condition\": {\"StringEquals\": {\"ec2:ResourceTag/approved\": \"true\"}}}\n```",
    check = function(policy, report, p)
      if policy.kind ~= "identity" then return end
      check_amis(policy, report, p)
    end,
  },
  guard.rule {
    id = "IAM-EC2-3",
    name = "RestrictNetworkChanges",
    level = "warning",
    security_severity = 6.0,
    actions = NETWORK,
    fix = "Keep network changes to the account provisioning role.",
    short_description = "Only authorized roles may change VPCs, subnets, routes and gateways.",
    help = "## IAM-EC2-3: restrict network changes\n\n"
      .. "Routes, gateways, peering, VPN connections, endpoints and subnets are the "
      .. "perimeter of every workload in a VPC. A principal that may change them can open a "
      .. "path from the internet, or out of it for data. Such changes belong to account "
      .. "provisioning, not to day-to-day roles.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of the catalogue's 52 network "
      .. "actions (`ec2:CreateRoute`, `ec2:AttachInternetGateway`, `ec2:CreateVpcPeeringConnection`, "
      .. "`ec2:ModifyVpcEndpoint`, ...; `iamguard explain` does not list them, "
      .. "docs/aws-guardrails.md does), by name, wildcard or `NotAction`, unless every "
      .. "principal of the file holding the policy matches `authorized_principals`; an "
      .. "unconditional `Deny` on `\"*\"` in the same document takes an action back. One "
      .. "finding per statement, naming the first action. With no `authorized_principals` "
      .. "configured the findings are notes.\n\n"
      .. common.configure_example("IAM-EC2-3", "\"arn:aws:iam::*:role/AccountProvisioning\""),
  },
  guard.rule {
    id = "IAM-EC2-4",
    name = "ScopeSensitiveEc2Actions",
    level = "warning",
    security_severity = 5.0,
    actions = DAILY,
    scoped = true,
    scope_keys = EC2_SCOPE_KEYS,
    target = "resources it does not name",
    scope_word = "no resource-tag condition (or ec2:InstanceID, ec2:ImageID, ec2:VolumeID, "
      .. "ec2:Vpc, ec2:InstanceProfile, ec2:ManagedResourceOperator) narrows it",
    scoped_fix = "Name the resources in Resource, or add a StringEquals condition on "
      .. "ec2:ResourceTag/<key>.",
    short_description = "Sensitive everyday EC2 actions must be scoped by resource or tag.",
    help = "## IAM-EC2-4: scope sensitive everyday EC2 actions\n\n"
      .. "Attaching volumes, copying, creating, sharing and deregistering images (and FPGA "
      .. "images), detaching Elastic IPs and swapping instance profiles are ordinary work in "
      .. "development, but each one can expose data (a volume attached to another instance, "
      .. "an image shared out) or hand an instance other credentials. Allow them on the "
      .. "resources a role owns, by name or tag.\n\n"
      .. "### What iamguard reports\n\n"
      .. "An `Allow` in an identity policy that grants one of `ec2:ModifyInstanceAttribute` "
      .. "(it changes an instance's security groups), `ec2:AttachVolume`, `ec2:CopyImage`, "
      .. "`ec2:CopyFpgaImage`, `ec2:CreateFpgaImage`, `ec2:CreateImage`, `ec2:DeleteFpgaImage`, "
      .. "`ec2:DeregisterImage`, `ec2:DisassociateAddress`, `ec2:DisassociateIamInstanceProfile`, "
      .. "`ec2:ModifyFpgaImageAttribute`, `ec2:ModifyImageAttribute` and "
      .. "`ec2:ReplaceIamInstanceProfileAssociation` on resources it does not name, with no "
      .. "condition narrowing it (a resource tag the action supports, or `ec2:InstanceID`, "
      .. "`ec2:ImageID`, `ec2:VolumeID`, `ec2:Vpc`, `ec2:InstanceProfile`, "
      .. "`ec2:ManagedResourceOperator` with specific values), after the document's unconditional Denies; unless every principal of the "
      .. "file holding the policy matches `authorized_principals`.",
  },
  guard.rule {
    id = "IAM-EC2-5",
    name = "RestrictSecurityGroupManagement",
    level = "warning",
    security_severity = 6.0,
    actions = SECURITY_GROUPS,
    fix = "Keep security group changes to the network or provisioning roles.",
    short_description = "Only authorized principals may manage security groups.",
    help = "## IAM-EC2-5: restrict security group management\n\n"
      .. "Security groups are the firewall in front of every instance, database and endpoint "
      .. "in a VPC. Whoever may add a rule can open a port to the internet. Changing them "
      .. "should be the business of a few network or provisioning roles.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of "
      .. "`ec2:AuthorizeSecurityGroupEgress`, `ec2:AuthorizeSecurityGroupIngress`, "
      .. "`ec2:ApplySecurityGroupsToClientVpnTargetNetwork`, `ec2:CreateSecurityGroup`, "
      .. "`ec2:DeleteSecurityGroup`, `ec2:RevokeSecurityGroupEgress`, "
      .. "`ec2:RevokeSecurityGroupIngress`, `ec2:UpdateSecurityGroupRuleDescriptionsEgress` and "
      .. "`ec2:UpdateSecurityGroupRuleDescriptionsIngress`, unless every principal of the file "
      .. "holding the policy matches `authorized_principals`. Notes while none are "
      .. "configured.\n\n" .. common.configure_example("IAM-EC2-5",
        "\"arn:aws:iam::*:role/NetworkAdmin\""),
  },
  guard.rule {
    id = "IAM-EC2-6",
    name = "RestrictEc2Management",
    level = "warning",
    security_severity = 5.0,
    actions = MANAGE,
    once = true,
    fix = "Keep EC2 management to the roles that administer it.",
    short_description = "Only authorized principals may manage EC2.",
    help = "## IAM-EC2-6: restrict EC2 management\n\n"
      .. "The catalogue lists 265 EC2 actions that change something: instances, volumes, "
      .. "snapshots, images, addresses, network interfaces, VPCs, gateways, VPN and "
      .. "Transit Gateway resources, reservations. Together they are the administration of "
      .. "EC2, which should belong to a few roles.\n\n"
      .. "### What iamguard reports\n\n"
      .. "Every `Allow` in an identity policy that grants one of those actions (by name, "
      .. "wildcard or `NotAction`), unless every principal of the file holding the policy "
      .. "matches `authorized_principals`; an unconditional `Deny` on `\"*\"` in the same "
      .. "document takes an action back. One finding per policy, at its first such statement, "
      .. "naming the first action and the other statements that grant some (most policies "
      .. "that manage EC2 do it in many statements). Notes while no `authorized_principals` "
      .. "are configured.\n\n"
      .. common.configure_example("IAM-EC2-6", "\"arn:aws:iam::*:role/Ec2Admin\""),
  },
})
