-- expect: rule file must return a rule table
-- A rule file that returns a string.
return "not a table"
