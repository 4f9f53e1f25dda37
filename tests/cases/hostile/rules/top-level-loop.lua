-- expect: instruction limit
-- A rule file that loops while it is loaded.
while true do end
