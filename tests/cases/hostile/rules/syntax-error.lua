-- expect: syntax error
return { id = "HOSTILE-SYNTAX", short_description = "x", check = function( end }
