# Turns the IAM catalogue (data/iam-catalog.txt) into a C string so the
# library carries it: one string literal per line, escaped, in the order of
# the file. Invoked as: cmake -DIN=iam-catalog.txt -DOUT=file.c -P embed_catalog.cmake
file(READ ${IN} text)
if(NOT text MATCHES "\nV\t([^\t\n]+)\t")
  message(FATAL_ERROR "${IN}: no V line with the catalogue version")
endif()
set(version "${CMAKE_MATCH_1}")
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
# "??" could start a trigraph in ISO C.
string(REPLACE "?" "\\?" text "${text}")
string(REPLACE "\t" "\\t" text "${text}")
string(REPLACE "\n" "\\n\"\n\"" text "${text}")
file(WRITE ${OUT}.tmp
  "/* Generated from data/iam-catalog.txt by cmake/embed_catalog.cmake; do not edit. */\n"
  "#include \"catalog/catalog_data.h\"\n\n"
  "const char ig_catalog_data_version[] = \"${version}\";\n"
  "const char ig_catalog_text[] =\n\"${text}\";\n"
  "const size_t ig_catalog_text_len = sizeof ig_catalog_text - 1;\n")
file(RENAME ${OUT}.tmp ${OUT})
