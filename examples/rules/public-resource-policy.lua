-- An example rule for resource policies (S3 bucket, SQS queue, SNS topic,
-- KMS key, VPC endpoint policies...): flag Allow statements open to any
-- principal with no condition to narrow them.
-- Load it with: iamguard scan --rules examples/rules PATH
return {
  id = "EXAMPLE-PUBLIC-1",
  name = "NoUnconditionedPublicResourcePolicy",
  level = "warning",
  security_severity = 7.5,
  short_description = "Resource policies must not allow any principal without a condition.",
  help = [[
A resource policy statement that allows `"Principal": "*"` (or
`{"AWS": "*"}`) with no `Condition` opens the resource to every AWS account
and, for most services, to anonymous callers. Name the accounts or roles in
`Principal`, or narrow the statement with a condition such as
`aws:PrincipalOrgID` or `aws:SourceVpce`.
]],
  tags = { "security", "iam", "resource-policy" },
  check = function(policy, report)
    if policy.kind ~= "resource" then return end
    for _, st in ipairs(policy.statements) do
      local p = st.principals
      if st.effect == "Allow" and p and not st.not_principal and #st.conditions == 0 then
        local open = p["*"] ~= nil
        for _, v in ipairs(p.AWS or {}) do
          if v == "*" then open = true end
        end
        if open then
          report {
            statement = st,
            element = "Principal",
            message = "Statement " .. ((st.sid or "") ~= "" and st.sid or ("#" .. st.index))
              .. " allows any principal with no condition. Name the principals, or add a condition"
              .. " such as aws:PrincipalOrgID.",
          }
        end
      end
    end
  end,
}
