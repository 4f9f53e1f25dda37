#!/bin/sh
# Calls that are banned from src/: unbounded string functions, number parsing
# without error reporting, shell execution, and, in sandbox code, Lua calls
# that open every library or load bytecode.
# Usage: banned.sh SOURCE_DIR
set -u
cd "$1" || exit 2
status=0
if grep -rnE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atof|gets|system|popen|alloca)[[:space:]]*\(' src include; then
    echo "banned C library call (use snprintf, strtol with checks, explicit lengths)"
    status=1
fi
if grep -rnE '\b(luaL_openlibs|luaL_loadbuffer|luaL_loadstring|luaL_dostring|luaL_loadfile|luaL_dofile|lua_load)[[:space:]]*\(' src/rules; then
    echo "banned Lua call in rule code (open libraries one by one; load text with luaL_loadbufferx mode \"t\")"
    status=1
fi
[ $status -eq 0 ] && echo "no banned calls"
exit $status
