-- An example user rule: flag statements that allow every action on every
-- resource. Load it with: iamguard scan --rules examples/rules PATH
return {
  id = "EXAMPLE-ADMIN-1",
  name = "NoFullAdmin",
  level = "warning",
  security_severity = 6.5,
  short_description = "Allow statements must not grant every action on every resource.",
  help = [[
A statement with `"Action": "*"` and `"Resource": "*"` makes the principal an
administrator. Grant the actions the role needs instead.
]],
  tags = { "security", "iam", "least-privilege" },
  check = function(policy, report)
    if policy.kind ~= "identity" then return end
    for _, st in ipairs(policy.statements) do
      if st.effect == "Allow" and st.actions and st.resources then
        local all_actions, action_index = false, nil
        for i, a in ipairs(st.actions) do
          if a == "*" then all_actions, action_index = true, i end
        end
        local all_resources = false
        for _, r in ipairs(st.resources) do
          if r == "*" then all_resources = true end
        end
        if all_actions and all_resources then
          report {
            statement = st,
            element = "Action",
            index = action_index,
            message = "Statement " .. ((st.sid or "") ~= "" and st.sid or ("#" .. st.index))
              .. " grants every action on every resource. Replace \"*\" with the actions this role needs.",
          }
        end
      end
    end
  end,
}
