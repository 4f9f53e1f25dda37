-- The Budgets guardrail of the aws-guardrails pack (catalogue folder budgets).

local common = require("common")
local guard = require("guard")

-- The catalogue's list: creating, changing and deleting budgets.
local BUDGETS = { "budgets:ModifyBudget" }

-- Budget actions: what a budget does by itself when it is exceeded (attach
-- an IAM policy or an SCP, stop instances). Managing them changes the
-- budgets' options as well.
local BUDGET_ACTIONS = {
  "budgets:CreateBudgetAction", "budgets:DeleteBudgetAction", "budgets:UpdateBudgetAction",
}

local SPEC = {
  id = "IAM-BUDGETS-1",
  name = "RestrictBudgetModification",
  level = "warning",
  security_severity = 4.0,
  fix = "Keep budgets to the budget administrators.",
  short_description = "Only authorized principals may create, change or delete AWS Budgets.",
  help = "## IAM-BUDGETS-1: restrict changes to AWS Budgets\n\n"
    .. "Budgets are how an account learns that its spending or usage has gone beyond what was "
    .. "planned. Whoever may change them can raise a limit, remove an alert's subscribers or "
    .. "delete the budget, and an unusual bill then goes unnoticed; budget actions go further "
    .. "and apply IAM policies, SCPs or instance stops when a threshold is crossed. Only the "
    .. "budget administrators should hold these permissions.\n\n"
    .. "### What iamguard reports\n\n"
    .. "Every `Allow` in an identity policy that grants `budgets:ModifyBudget` (by name, "
    .. "through a wildcard such as `budgets:*`, or through `NotAction`), on any budget, and "
    .. "while `budget_actions` is true (the default) `budgets:CreateBudgetAction`, "
    .. "`UpdateBudgetAction` or `DeleteBudgetAction`, unless every principal of the file "
    .. "holding the policy matches `authorized_principals`; an unconditional `Deny` of it on "
    .. "`\"*\"` in the same document takes it back. With no `authorized_principals` "
    .. "configured, the findings are notes that say how to configure them.\n\n"
    .. "```yaml\nrules:\n  IAM-BUDGETS-1:\n    params:\n"
    .. "      authorized_principals: [\"arn:aws:iam::*:role/FinOps*\"]\n```",
}

local rule = guard.rule_with_extension(SPEC, BUDGETS, BUDGET_ACTIONS, "budget_actions",
  "Also check managing budget actions (budgets:CreateBudgetAction, "
    .. "UpdateBudgetAction, DeleteBudgetAction); false checks the catalogue's "
    .. "budgets:ModifyBudget only.")

return common.rules("budgets", { rule })
