-- expect: may hold only letters, digits
-- A rule table without check, with a bad level and id.
return { id = "has spaces", level = "fatal", short_description = 42 }
