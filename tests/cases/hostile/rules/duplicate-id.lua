-- expect: IAM-SSM-1
-- A rule that takes a built-in rule's id.
return { id = "IAM-SSM-1", short_description = "Impostor.", check = function() end }
