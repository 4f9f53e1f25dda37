-- The Billing guardrail of the aws-guardrails pack (catalogue folder billing).

local common = require("common")
local guard = require("guard")

-- The catalogue's list: the Billing console's write actions.
local PORTAL = { "aws-portal:ModifyAccount", "aws-portal:ModifyBilling", "aws-portal:ModifyPaymentMethods" }

-- What AWS split them into (the fine-grained Billing, Payments, Account,
-- Tax, Invoicing and Purchase Orders actions that replaced the aws-portal
-- ones from 2023): the writes that change account, billing or payment
-- settings.
local FINE_GRAINED = {
  "account:AcceptPrimaryEmailUpdate", "account:CloseAccount", "account:DeleteAlternateContact",
  "account:DisableRegion", "account:EnableRegion", "account:PutAccountName",
  "account:PutAlternateContact", "account:PutContactInformation",
  "account:StartPrimaryEmailUpdate",
  "billing:PutContractInformation", "billing:RedeemCredits", "billing:UpdateBillingPreferences",
  "billing:UpdateIAMAccessPreference",
  "invoicing:PutInvoiceEmailDeliveryPreferences",
  "payments:CreatePaymentInstrument", "payments:DeletePaymentInstrument", "payments:MakePayment",
  "payments:UpdatePaymentInstrument", "payments:UpdatePaymentPreferences",
  "purchase-orders:AddPurchaseOrder", "purchase-orders:DeletePurchaseOrder",
  "purchase-orders:ModifyPurchaseOrders", "purchase-orders:UpdatePurchaseOrder",
  "tax:BatchDeleteTaxRegistration", "tax:BatchPutTaxRegistration", "tax:DeleteTaxRegistration",
  "tax:PutTaxRegistration",
}

local FIX = "Keep billing and account settings to the billing and account administrators."

local SPEC = {
  id = "IAM-BILLING-1",
  name = "RestrictBillingModification",
  level = "warning",
  security_severity = 6.0,
  fix = FIX,
  short_description = "Only authorized principals may change billing, payment and account "
    .. "settings.",
  help = "## IAM-BILLING-1: restrict changes to billing and account settings\n\n"
    .. "Billing settings decide how the account pays (payment methods, invoices, tax "
    .. "registrations, credits) and whom AWS contacts about it: the account's email address, "
    .. "its alternate billing, operations and security contacts. A principal that can change "
    .. "them can redirect AWS's notices, disrupt payment until the account is suspended, or "
    .. "close the account. Only the billing and account administrators should hold these "
    .. "permissions.\n\n"
    .. "### What iamguard reports\n\n"
    .. "Every `Allow` in an identity policy that grants one of the catalogue's "
    .. "`aws-portal:ModifyBilling`, `aws-portal:ModifyAccount` and "
    .. "`aws-portal:ModifyPaymentMethods` (by name, through a wildcard such as `aws-portal:*` "
    .. "or `*`, or through `NotAction`), unless every principal of the file holding the "
    .. "policy matches `authorized_principals`; an unconditional `Deny` of it on `\"*\"` in "
    .. "the same document takes it back. AWS has replaced these three actions with "
    .. "fine-grained ones, which the rule checks too while `fine_grained` is true (the "
    .. "default): the writes of `account:` (contacts, primary email, account name, regions, "
    .. "closing), `billing:` (preferences, contract information, credits, IAM access), "
    .. "`payments:` (payment instruments and preferences, payments), `tax:` (registrations), "
    .. "`invoicing:PutInvoiceEmailDeliveryPreferences` and `purchase-orders:`. With no "
    .. "`authorized_principals` configured, the findings are notes that say how to configure "
    .. "them.\n\n"
    .. "```yaml\nrules:\n  IAM-BILLING-1:\n    params:\n"
    .. "      authorized_principals: [\"arn:aws:iam::*:role/BillingAdmin\"]\n"
    .. "      fine_grained: true\n```",
}

local rule = guard.rule_with_extension(SPEC, PORTAL, FINE_GRAINED, "fine_grained",
  "Also check the fine-grained account:, billing:, payments:, tax:, invoicing: "
    .. "and purchase-orders: writes that replaced the aws-portal actions; false checks the "
    .. "catalogue's three aws-portal actions only.")

return common.rules("billing", { rule })
