/*
 * source/level.c - the names of iamg_level (results.h).
 *
 * Levels grade every diagnostic (source/diag.c) and finding, and are named in
 * configuration files, rule tables and output, so their names live here, below
 * every module that reads or writes them.
 */
#include <string.h>

#include "iamguard/results.h"

const char *iamg_level_name(iamg_level level)
{
    switch (level) {
    case IAMG_LEVEL_NOTE:
        return "note";
    case IAMG_LEVEL_WARNING:
        return "warning";
    case IAMG_LEVEL_ERROR:
        return "error";
    default:
        return "none";
    }
}

int iamg_level_parse(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "none")) return IAMG_LEVEL_NONE;
    if (!strcmp(name, "note")) return IAMG_LEVEL_NOTE;
    if (!strcmp(name, "warning")) return IAMG_LEVEL_WARNING;
    if (!strcmp(name, "error")) return IAMG_LEVEL_ERROR;
    return -1;
}
