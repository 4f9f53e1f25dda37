/*
 * Tests for config/config.c: every key of .iamguard.yml, every error with its
 * line and column, finding the file, applying it to an engine, and the
 * allowlist suppressing findings in real scans (expired entries reported and
 * not applied). The full example of docs/CONFIG.md is loaded as a test too.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/files.h"
#include "iamguard/iamguard.h"
#include "util/alloc.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static iamg_config *load_text(const char *text)
{
    iamg_config *c = NULL;
    iamg_error err;
    memset(&err, 0, sizeof err);
    int rc = iamg_config_load_buffer("cfg/.iamguard.yml", text, strlen(text), &c, &err);
    cr_assert_eq(rc, 0, "%s:%u:%u: %s", err.path, err.line, err.column, err.message);
    cr_assert_not_null(c);
    return c;
}

/* ---- every key ------------------------------------------------------------ */

static const char full[] = "# all keys\n"
                           "rules:\n"
                           "  only: [IAM-SSM-1, IAM-SSM-2]\n"
                           "  skip:\n"
                           "    - IAM-SSM-2\n"
                           "levels:\n"
                           "  IAM-SSM-1: warning\n"
                           "  IAM-SSM-2: none\n"
                           "rule_dirs:\n"
                           "  - rules\n"
                           "  - /opt/guardrails\n"
                           "exclude:\n"
                           "  - \"vendor/**\"\n"
                           "  - '*.tmp.json'\n"
                           "fail_on: warning\n"
                           "allowlist:\n"
                           "  - principal: \"arn:aws:iam::*:role/BreakGlass*\"\n"
                           "    rule: IAM-SSM-*\n"
                           "    justification: Break-glass role, reviewed by security (SEC-123)\n"
                           "    expires: 2030-01-31\n"
                           "  - logical_id: AdminRole\n"
                           "    address: aws_iam_role.admin\n"
                           "    file: \"legacy/**\"\n"
                           "    sid: AllowAll\n"
                           "    justification: >-\n"
                           "      legacy stack,\n"
                           "      being retired\n"
                           "limits:\n"
                           "  rule_memory: 32M\n"
                           "  rule_timeout_ms: 2000\n"
                           "  rule_instructions: 1000000\n"
                           "  max_file_size: 1G\n"
                           "  max_expansion: 64M\n"
                           "  max_reach_configs: 250000\n";

Test(config, every_key)
{
    iamg_config *c = load_text(full);
    cr_expect_str_eq(c->path, "cfg/.iamguard.yml");
    cr_expect_str_eq(c->dir, "cfg");
    cr_assert_eq(c->nonly, 2);
    cr_expect_str_eq(c->only[0], "IAM-SSM-1");
    cr_expect_str_eq(c->only[1], "IAM-SSM-2");
    cr_assert_eq(c->nskip, 1);
    cr_expect_str_eq(c->skip[0], "IAM-SSM-2");
    cr_assert_eq(c->nlevels, 2);
    cr_expect_str_eq(c->levels[0].rule, "IAM-SSM-1");
    cr_expect_eq(c->levels[0].level, IAMG_LEVEL_WARNING);
    cr_expect_str_eq(c->levels[1].rule, "IAM-SSM-2");
    cr_expect_eq(c->levels[1].level, IAMG_LEVEL_NONE);
    cr_assert_eq(c->nrule_dirs, 2);
    cr_expect_str_eq(c->rule_dirs[0], "cfg/rules"); /* relative to the file's folder */
    cr_expect_str_eq(c->rule_dirs[1], "/opt/guardrails");
    cr_assert_eq(c->nexclude, 2);
    cr_expect_str_eq(c->exclude[0], "vendor/**");
    cr_expect_str_eq(c->exclude[1], "*.tmp.json");
    cr_expect_eq(c->fail_on, IAMG_LEVEL_WARNING);
    cr_assert_eq(c->nallow, 2);
    const iamg_allow *a = &c->allow[0];
    cr_expect_str_eq(a->principal, "arn:aws:iam::*:role/BreakGlass*");
    cr_expect_str_eq(a->rule, "IAM-SSM-*");
    cr_expect_str_eq(a->justification, "Break-glass role, reviewed by security (SEC-123)");
    cr_expect_str_eq(a->expires, "2030-01-31");
    cr_expect_str_eq(a->where, "cfg/.iamguard.yml:17");
    cr_expect_null(a->logical_id);
    cr_expect_null(a->sid);
    a = &c->allow[1];
    cr_expect_str_eq(a->logical_id, "AdminRole");
    cr_expect_str_eq(a->address, "aws_iam_role.admin");
    cr_expect_str_eq(a->file, "legacy/**");
    cr_expect_str_eq(a->sid, "AllowAll");
    cr_expect_str_eq(a->justification, "legacy stack, being retired");
    cr_expect_null(a->expires);
    cr_expect_null(a->rule);
    cr_expect_str_eq(a->where, "cfg/.iamguard.yml:21");
    cr_expect_eq(c->limits.rule_memory, (size_t)32 << 20);
    cr_expect_eq(c->limits.rule_timeout_ms, 2000);
    cr_expect_eq(c->limits.rule_instructions, 1000000);
    cr_expect_eq(c->limits.max_file_size, (uint64_t)1 << 30);
    cr_expect_eq(c->limits.max_expansion, (uint64_t)64 << 20);
    cr_expect_eq(c->limits.max_reach_configs, 250000);

    iamg_limits lim = IAMG_LIMITS_INIT;
    iamg_config_apply_limits(c, &lim);
    cr_expect_eq(lim.lua_memory, (size_t)32 << 20);
    cr_expect_eq(lim.lua_timeout_ms, 2000);
    cr_expect_eq(lim.lua_instructions, 1000000);
    cr_expect_eq(lim.max_file_size, (uint64_t)1 << 30);
    cr_expect_eq(lim.max_expansion, (uint64_t)64 << 20);
    cr_expect_eq(lim.max_reach_configs, 250000);
    iamg_config_free(c);
}

Test(config, empty_and_defaults)
{
    static const char *const empties[] = {"", "\n", "# nothing yet\n", "---\n",
                                          "rules:\nlevels:\nallowlist:\nexclude:\nlimits:\n"};
    for (size_t i = 0; i < COUNT(empties); i++) {
        iamg_config *c = load_text(empties[i]);
        cr_expect_eq(c->nonly + c->nskip + c->nlevels + c->nrule_dirs + c->nexclude + c->nallow, 0);
        cr_expect_eq(c->fail_on, -1);
        iamg_limits lim = IAMG_LIMITS_INIT, dflt = IAMG_LIMITS_INIT;
        iamg_config_apply_limits(c, &lim);
        cr_expect_eq(lim.lua_memory, dflt.lua_memory);
        cr_expect_eq(lim.lua_timeout_ms, dflt.lua_timeout_ms);
        cr_expect_eq(lim.lua_instructions, dflt.lua_instructions);
        cr_expect_eq(lim.max_file_size, dflt.max_file_size);
        iamg_config_free(c);
    }
    iamg_config_free(NULL);
}

Test(config, scalars_where_lists_go)
{
    iamg_config *c = load_text("rules: {only: IAM-SSM-1}\nexclude: \"build/**\"\n"
                               "rule_dirs: ./rules\n");
    cr_assert_eq(c->nonly, 1);
    cr_expect_str_eq(c->only[0], "IAM-SSM-1");
    cr_assert_eq(c->nexclude, 1);
    cr_expect_str_eq(c->exclude[0], "build/**");
    cr_assert_eq(c->nrule_dirs, 1);
    cr_expect_str_eq(c->rule_dirs[0], "cfg/./rules");
    iamg_config_free(c);
}

Test(config, sizes_and_dates)
{
    iamg_config *c = load_text("limits: {rule_memory: 1048576, max_file_size: 64KiB}\n"
                               "allowlist:\n"
                               "  - {sid: A, justification: j, expires: 2028-02-29}\n"
                               "  - {sid: B, justification: j, expires: \"2000-02-29\"}\n");
    cr_expect_eq(c->limits.rule_memory, 1048576);
    cr_expect_eq(c->limits.max_file_size, 65536);
    cr_expect_str_eq(c->allow[0].expires, "2028-02-29");
    cr_expect_str_eq(c->allow[1].expires, "2000-02-29");
    iamg_config_free(c);
}

/* ---- every error, with its position ---------------------------------------- */

typedef struct err_case {
    const char *text;
    int code;
    unsigned line, col;
    const char *message; /* the whole message, or a part when prefixed with '~' */
} err_case;

static const err_case err_cases[] = {
    {"fail_on: error\n---\nfail_on: note\n", IAMG_EUSAGE, 3, 1,
     "the configuration must be one YAML document; a second one starts here"},
    {"alowlist: []\n", IAMG_EUSAGE, 1, 1,
     "unknown key 'alowlist' (expected rules, levels, rule_dirs, exclude, fail_on, allowlist, "
     "limits, kinds, effective, managed_policies, packs)"},
    {"packs: {aws-guardrails: true}\n", IAMG_EUSAGE, 1, 8,
     "'packs' must be a list of strings, not a mapping"},
    {"packs: [aws-guardrails, 3]\n", IAMG_EUSAGE, 1, 25,
     "items of 'packs' must be strings, not a number"},
    {"rules:\n  only: [IAM-SSM-1]\n  onyl: [IAM-SSM-2]\n", IAMG_EUSAGE, 3, 3,
     "unknown key 'onyl' in rules (expected only, skip, or a rule id with a mapping level: ..., "
     "params: {...})"},
    {"rules: [IAM-SSM-1]\n", IAMG_EUSAGE, 1, 8,
     "'rules' must be a mapping (only: [...], skip: [...], RULE-ID: {level: ..., params: ...}), "
     "not a list"},
    {"rules:\n  IAM-SSM-1: {levle: note}\n", IAMG_EUSAGE, 2, 15,
     "unknown key 'levle' in rule 'IAM-SSM-1' (expected level, params)"},
    {"rules:\n  IAM-SSM-1: {level: high}\n", IAMG_EUSAGE, 2, 22,
     "the level of 'IAM-SSM-1' must be none, note, warning or error, not 'high'"},
    {"levels:\n  IAM-SSM-1: note\nrules:\n  IAM-SSM-1:\n    level: error\n", IAMG_EUSAGE, 4, 3,
     "the level of 'IAM-SSM-1' is set twice (also on line 2): keep one"},
    {"rules:\n  IAM-SSM-1:\n    params: [a]\n", IAMG_EUSAGE, 3, 13,
     "'params' must be a mapping (name: value), not a list"},
    {"rules:\n  IAM-SSM-1:\n    params: {a: 1, a: 2}\n", IAMG_EUSAGE, 3, 20,
     "duplicate key 'a' (also on line 3): keep one"},
    {"rules:\n  skip: {IAM-SSM-1: true}\n", IAMG_EUSAGE, 2, 9,
     "'skip' must be a list of strings, not a mapping"},
    {"rules:\n  only:\n    - IAM-SSM-1\n    - 12\n", IAMG_EUSAGE, 4, 7,
     "items of 'only' must be strings, not a number"},
    {"rules:\n  only: [\"\"]\n", IAMG_EUSAGE, 2, 10, "'only' has an empty item"},
    {"levels: warning\n", IAMG_EUSAGE, 1, 9,
     "'levels' must be a mapping (RULE-ID: none, note, warning or error), not a string"},
    {"levels:\n  IAM-SSM-1: high\n", IAMG_EUSAGE, 2, 14,
     "the level of 'IAM-SSM-1' must be none, note, warning or error, not 'high'"},
    {"levels:\n  IAM-SSM-1: 3\n", IAMG_EUSAGE, 2, 14,
     "the level of 'IAM-SSM-1' must be none, note, warning or error, not a number"},
    {"levels:\n  IAM-SSM-1: note\n  IAM-SSM-1: error\n", IAMG_EUSAGE, 3, 3,
     "duplicate key 'IAM-SSM-1' (also on line 2): keep one"},
    {"fail_on: warn\n", IAMG_EUSAGE, 1, 10,
     "'fail_on' must be none, note, warning or error, not 'warn'"},
    {"fail_on:\n", IAMG_EUSAGE, 1, 9, "'fail_on' must be none, note, warning or error, not empty"},
    {"fail_on: error\nfail_on: note\n", IAMG_EUSAGE, 2, 1,
     "duplicate key 'fail_on' (also on line 1): keep one"},
    {"exclude: 3\n", IAMG_EUSAGE, 1, 10, "'exclude' must be a list of strings, not a number"},
    {"rule_dirs: [rules, \"\"]\n", IAMG_EUSAGE, 1, 20, "'rule_dirs' has an empty item"},
    {"- rules\n", IAMG_EUSAGE, 1, 1,
     "the configuration must be a mapping with keys like rules, levels, allowlist, not a list"},
    {"just text\n", IAMG_EUSAGE, 1, 1,
     "the configuration must be a mapping with keys like rules, levels, allowlist, not a string"},
    {"allowlist: {sid: S}\n", IAMG_EUSAGE, 1, 12,
     "'allowlist' must be a list of entries, not a mapping"},
    {"allowlist:\n  - BreakGlass\n", IAMG_EUSAGE, 2, 5,
     "allowlist entries must be mappings (principal: ..., justification: ...), not a string"},
    {"allowlist:\n  - principal: BreakGlass\n", IAMG_EUSAGE, 2, 5,
     "allowlist entry 1 has no 'justification': say why these findings are accepted"},
    {"allowlist:\n  - sid: A\n    justification: ok\n  - sid: B\n    justification: \"  \"\n",
     IAMG_EUSAGE, 5, 20, "'justification' is blank"},
    {"allowlist:\n  - sid: A\n    justification:\n", IAMG_EUSAGE, 3, 19,
     "'justification' has no value"},
    {"allowlist:\n  - justification: why not\n", IAMG_EUSAGE, 2, 5,
     "allowlist entry 1 would match every finding: give at least one of rule, principal, "
     "logical_id, address, file or sid"},
    {"allowlist:\n  - sid: S\n    justification: j\n    owner: me\n", IAMG_EUSAGE, 4, 5,
     "unknown key 'owner' in an allowlist entry (expected rule, principal, logical_id, address, "
     "file, sid, justification, expires)"},
    {"allowlist:\n  - sid: S\n    sid: T\n    justification: j\n", IAMG_EUSAGE, 3, 5,
     "duplicate key 'sid' (also on line 2): keep one"},
    {"allowlist:\n  - sid: true\n    justification: j\n", IAMG_EUSAGE, 2, 10,
     "'sid' must be a string, not a boolean (quote it)"},
    {"allowlist:\n  - sid: 12\n    justification: j\n", IAMG_EUSAGE, 2, 10,
     "'sid' must be a string, not a number (quote it)"},
    {"allowlist:\n  - principal: \"\"\n    justification: j\n", IAMG_EUSAGE, 2, 16,
     "'principal' is an empty string"},
    {"allowlist:\n  - sid: S\n    justification: j\n    expires: 2025-02-30\n", IAMG_EUSAGE, 4, 14,
     "'expires' must be a date written YYYY-MM-DD, not '2025-02-30'"},
    {"allowlist:\n  - sid: S\n    justification: j\n    expires: 2023-02-29\n", IAMG_EUSAGE, 4, 14,
     "~not '2023-02-29'"},
    {"allowlist:\n  - sid: S\n    justification: j\n    expires: 31/12/2030\n", IAMG_EUSAGE, 4, 14,
     "~YYYY-MM-DD"},
    {"allowlist:\n  - sid: S\n    justification: j\n    expires: 2030-1-5\n", IAMG_EUSAGE, 4, 14,
     "~YYYY-MM-DD"},
    {"limits: 5\n", IAMG_EUSAGE, 1, 9, "~'limits' must be a mapping"},
    {"limits:\n  rule_memroy: 1M\n", IAMG_EUSAGE, 2, 3,
     "unknown key 'rule_memroy' in limits (expected rule_memory, rule_timeout_ms, "
     "rule_instructions, max_file_size, max_expansion, max_reach_configs)"},
    {"limits:\n  rule_memory: 10K\n", IAMG_EUSAGE, 2, 16,
     "'rule_memory' must be a size of at least 1M, like 64M"},
    {"limits:\n  rule_memory: 64X\n", IAMG_EUSAGE, 2, 16, "~'rule_memory' must be a size"},
    {"limits:\n  rule_timeout_ms: 1.5\n", IAMG_EUSAGE, 2, 20,
     "'rule_timeout_ms' must be milliseconds from 1 to 3600000"},
    {"limits:\n  rule_timeout_ms: 0\n", IAMG_EUSAGE, 2, 20, "~milliseconds from 1"},
    {"limits:\n  rule_instructions: 999\n", IAMG_EUSAGE, 2, 22,
     "'rule_instructions' must be a whole number of at least 1000"},
    {"limits:\n  rule_instructions: -5000\n", IAMG_EUSAGE, 2, 22, "~at least 1000"},
    {"limits:\n  max_file_size: 0\n", IAMG_EUSAGE, 2, 18,
     "'max_file_size' must be a size above 0, like 1048576, 64K, 256M or 1G"},
    {"limits:\n  max_file_size: 99999999999999999999999\n", IAMG_EUSAGE, 2, 18, "~above 0"},
    {"limits:\n  max_expansion: 0\n", IAMG_EUSAGE, 2, 18,
     "'max_expansion' must be a size above 0, like 1M, 64M or 1G"},
    {"limits:\n  max_expansion: lots\n", IAMG_EUSAGE, 2, 18, "~'max_expansion' must be a size"},
    {"limits:\n  max_reach_configs: 999\n", IAMG_EUSAGE, 2, 22,
     "'max_reach_configs' must be a whole number of at least 1000"},
    {"limits:\n  max_reach_configs: many\n", IAMG_EUSAGE, 2, 22, "~at least 1000"},
    {"rules: [unclosed\n", IAMG_EPARSE, 0, 0, NULL},
    {"rules:\n  only: [a\n  skip: b\n", IAMG_EPARSE, 0, 0, NULL},
};

Test(config, errors)
{
    for (size_t i = 0; i < COUNT(err_cases); i++) {
        const err_case *t = &err_cases[i];
        iamg_config *c = (iamg_config *)1;
        iamg_error err;
        memset(&err, 0, sizeof err);
        int rc = iamg_config_load_buffer(".iamguard.yml", t->text, strlen(t->text), &c, &err);
        cr_expect_eq(rc, t->code, "case %zu: code %d, want %d (%s)", i, rc, t->code, err.message);
        cr_expect_null(c, "case %zu", i);
        cr_expect_str_eq(err.path, ".iamguard.yml", "case %zu", i);
        if (t->code == IAMG_EPARSE) {
            cr_expect_gt(err.line, 0, "case %zu: a syntax error has a line", i);
            continue;
        }
        cr_expect(err.line == t->line && err.column == t->col,
                  "case %zu: at %u:%u, want %u:%u (%s)", i, err.line, err.column, t->line, t->col,
                  err.message);
        if (t->message[0] == '~')
            cr_expect(strstr(err.message, t->message + 1), "case %zu: '%s' lacks '%s'", i,
                      err.message, t->message + 1);
        else
            cr_expect_str_eq(err.message, t->message, "case %zu", i);
    }
}

/* ---- files ------------------------------------------------------------------ */

Test(config, find)
{
    char *dir = tmp_dir("config");
    iamg_config *c = (iamg_config *)1;
    iamg_error err;
    cr_expect_eq(iamg_config_find(dir, &c, &err), 0);
    cr_expect_null(c, "no configuration: NULL and success");

    write_text(dir, ".iamguard.yaml", "fail_on: error\n");
    cr_assert_eq(iamg_config_find(dir, &c, &err), 0, "%s", err.message);
    cr_assert_not_null(c);
    cr_expect_eq(c->fail_on, IAMG_LEVEL_ERROR);
    cr_expect_str_eq(c->dir, dir);
    iamg_config_free(c);

    write_text(dir, ".iamguard.yml", "fail_on: note\n");
    cr_expect_eq(iamg_config_find(dir, &c, &err), IAMG_EUSAGE);
    cr_expect_null(c);
    cr_expect(strstr(err.message, "both .iamguard.yml and .iamguard.yaml exist"), "%s",
              err.message);

    char alt[600];
    snprintf(alt, sizeof alt, "%s/.iamguard.yaml", dir);
    unlink(alt);
    char slashed[600];
    snprintf(slashed, sizeof slashed, "%s/", dir);
    cr_assert_eq(iamg_config_find(slashed, &c, &err), 0, "%s", err.message);
    cr_expect_eq(c->fail_on, IAMG_LEVEL_NOTE);
    char want[600];
    snprintf(want, sizeof want, "%s/.iamguard.yml", dir);
    cr_expect_str_eq(c->path, want);
    iamg_config_free(c);

    /* Errors in a file found name that file. */
    write_text(dir, ".iamguard.yml", "rules:\n  ony: []\n");
    cr_expect_eq(iamg_config_find(dir, &c, &err), IAMG_EUSAGE);
    cr_expect_str_eq(err.path, want);
    cr_expect_eq(err.line, 2);
    cr_expect_eq(err.column, 3);
    cr_expect_eq(rm_tree(dir), 0);
    free(dir);
}

Test(config, unreadable)
{
    iamg_config *c = (iamg_config *)1;
    iamg_error err;
    cr_expect_eq(iamg_config_load("/nonexistent/.iamguard.yml", &c, &err), IAMG_EIO);
    cr_expect_null(c);
    cr_expect_str_eq(err.path, "/nonexistent/.iamguard.yml");
    cr_expect(strstr(err.message, "cannot read the configuration"), "%s", err.message);
    cr_expect_eq(iamg_config_load("/tmp", &c, &err), IAMG_EIO, "a folder is not a configuration");
}

/* ---- applying it to an engine ---------------------------------------------- */

static iamg_engine *engine(void)
{
    iamg_engine *e = NULL;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    return e;
}

static int enabled(const iamg_engine *e, const char *id)
{
    const iamg_rule_info *r = iamg_engine_find_rule(e, id);
    cr_assert_not_null(r, "%s", id);
    return r->enabled;
}

Test(config, apply_selection_and_levels)
{
    iamg_engine *e = engine();
    iamg_error err;
    iamg_config *c = load_text("rules: {skip: [IAM-SSM-2]}\nlevels: {IAM-SSM-1: note}\n");
    cr_assert_eq(iamg_config_apply(c, e, NULL, 0, NULL, 0, &err), 0, "%s", err.message);
    cr_expect(enabled(e, "IAM-SSM-1"));
    cr_expect(!enabled(e, "IAM-SSM-2"));
    cr_expect_eq(iamg_engine_find_rule(e, "IAM-SSM-1")->level, IAMG_LEVEL_NOTE);

    /* The caller's --rule wins over the configuration's skip. */
    const char *only[] = {"IAM-SSM-2"};
    cr_assert_eq(iamg_config_apply(c, e, only, 1, NULL, 0, &err), 0, "%s", err.message);
    cr_expect(!enabled(e, "IAM-SSM-1"));
    cr_expect(enabled(e, "IAM-SSM-2"));
    iamg_config_free(c);

    /* Level none disables, unless the caller names the rule. */
    c = load_text("levels: {IAM-SSM-2: none}\n");
    cr_assert_eq(iamg_config_apply(c, e, NULL, 0, NULL, 0, &err), 0, "%s", err.message);
    cr_expect(enabled(e, "IAM-SSM-1"));
    cr_expect(!enabled(e, "IAM-SSM-2"));
    cr_assert_eq(iamg_config_apply(c, e, only, 1, NULL, 0, &err), 0, "%s", err.message);
    cr_expect(enabled(e, "IAM-SSM-2"));

    /* The caller's skip adds to the configuration's. */
    const char *skip[] = {"IAM-SSM-1"};
    cr_assert_eq(iamg_config_apply(c, e, NULL, 0, skip, 1, &err), 0, "%s", err.message);
    cr_expect(!enabled(e, "IAM-SSM-1"));
    cr_expect(!enabled(e, "IAM-SSM-2"));
    iamg_config_free(c);

    /* No configuration: just the caller's lists. */
    cr_assert_eq(iamg_config_apply(NULL, e, NULL, 0, NULL, 0, &err), 0);
    cr_expect(enabled(e, "IAM-SSM-1") && enabled(e, "IAM-SSM-2"));
    iamg_engine_free(e);
}

Test(config, apply_unknown_rules_at_their_position)
{
    static const struct {
        const char *text;
        unsigned line, col;
        const char *id;
    } cases[] = {
        {"rules:\n  only: [IAM-SSM-1, IAM-SSM-9]\n", 2, 21, "IAM-SSM-9"},
        {"rules:\n  skip:\n    - IAM-XYZ\n", 3, 7, "IAM-XYZ"},
        {"levels:\n  IAM-SSM-1: note\n  iam-ssm-2: note\n", 3, 3, "iam-ssm-2"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        iamg_engine *e = engine();
        iamg_config *c = load_text(cases[i].text);
        iamg_error err;
        cr_expect_eq(iamg_config_apply(c, e, NULL, 0, NULL, 0, &err), IAMG_EUSAGE, "case %zu", i);
        cr_expect_str_eq(err.path, "cfg/.iamguard.yml");
        cr_expect(err.line == cases[i].line && err.column == cases[i].col,
                  "case %zu: %u:%u, want %u:%u", i, err.line, err.column, cases[i].line,
                  cases[i].col);
        char want[200];
        snprintf(want, sizeof want, "unknown rule id '%s' (see 'iamguard rules')", cases[i].id);
        cr_expect_str_eq(err.message, want);
        iamg_config_free(c);
        iamg_engine_free(e);
    }
}

Test(config, apply_rule_dirs)
{
    char *dir = tmp_dir("config");
    char rules[600];
    snprintf(rules, sizeof rules, "%s/guardrails", dir);
    cr_assert_eq(mkdir(rules, 0700), 0);
    write_text(rules, "no_star.lua",
               "return {\n"
               "  id = 'ORG-1',\n"
               "  short_description = 'No Action star.',\n"
               "  level = 'warning',\n"
               "  check = function(doc, report) end,\n"
               "}\n");
    write_text(dir, ".iamguard.yml", "rule_dirs: [guardrails]\nlevels: {ORG-1: error}\n");
    iamg_config *c = NULL;
    iamg_error err;
    cr_assert_eq(iamg_config_find(dir, &c, &err), 0, "%s", err.message);
    cr_expect_str_eq(c->rule_dirs[0], rules);
    iamg_engine *e = engine();
    cr_assert_eq(iamg_config_apply(c, e, NULL, 0, NULL, 0, &err), 0, "%s", err.message);
    const iamg_rule_info *r = iamg_engine_find_rule(e, "ORG-1");
    cr_expect_not_null(r, "the configuration's rule folder was loaded");
    if (r) cr_expect_eq(r->level, IAMG_LEVEL_ERROR);
    iamg_config_free(c);
    iamg_engine_free(e);

    write_text(dir, ".iamguard.yml", "# rules\nrule_dirs:\n  - missing\n");
    cr_assert_eq(iamg_config_find(dir, &c, &err), 0, "%s", err.message);
    e = engine();
    cr_expect_eq(iamg_config_apply(c, e, NULL, 0, NULL, 0, &err), IAMG_EIO);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.column, 5);
    cr_expect(strstr(err.message, "rule folder"), "%s", err.message);
    iamg_config_free(c);
    iamg_engine_free(e);
    cr_expect_eq(rm_tree(dir), 0);
    free(dir);
}

/* ---- the allowlist in real scans --------------------------------------------- */

static const char admin_policy[] = "{\n"
                                   "  \"Version\": \"2012-10-17\",\n"
                                   "  \"Statement\": [\n"
                                   "    {\n"
                                   "      \"Sid\": \"AllowAll\",\n"
                                   "      \"Effect\": \"Allow\",\n"
                                   "      \"Action\": \"*\",\n"
                                   "      \"Resource\": \"*\"\n"
                                   "    }\n"
                                   "  ]\n"
                                   "}\n";

static iamg_results *scan_with(iamg_engine *e, const iamg_config *c, const char *today,
                               const char *name, const char *text)
{
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.allow = c->allow;
    so.nallow = c->nallow;
    so.today = today;
    so.jobs = 1;
    iamg_results *r = NULL;
    iamg_error err;
    int rc = iamg_scan_buffer(e, name, text, strlen(text), &so, &r, &err);
    cr_assert_eq(rc, 0, "%s", err.message);
    return r;
}

static const iamg_finding *finding(const iamg_results *r, const char *rule)
{
    for (size_t i = 0; i < iamg_results_count(r); i++)
        if (strcmp(iamg_results_get(r, i)->rule_id, rule) == 0) return iamg_results_get(r, i);
    cr_assert_fail("no %s finding", rule);
    return NULL;
}

static const iamg_diag *diag_with(const iamg_results *r, const char *text)
{
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        if (strstr(iamg_results_diag(r, i)->message, text)) return iamg_results_diag(r, i);
    return NULL;
}

Test(config, allowlist_suppresses_and_expires)
{
    iamg_config *c = load_text("allowlist:\n"
                               "  - file: \"policies/*.json\"\n"
                               "    rule: IAM-SSM-1\n"
                               "    justification: admin policy of the platform team\n"
                               "    expires: 2024-06-01\n"
                               "  - sid: AllowAll\n"
                               "    justification: temporary exception\n"
                               "    expires: 2020-01-01\n");
    iamg_engine *e = engine();

    /* On its expiry day an entry still applies; the expired one does not. */
    iamg_results *r = scan_with(e, c, "2024-06-01", "policies/admin.json", admin_policy);
    cr_assert_eq(iamg_results_count(r), 2);
    cr_expect_str_eq(finding(r, "IAM-SSM-1")->suppressed, "admin policy of the platform team");
    cr_expect_null(finding(r, "IAM-SSM-2")->suppressed, "expired entries do not apply");
    cr_expect_eq(iamg_results_stats(r)->suppressed, 1);
    const iamg_diag *d = diag_with(r, "expired on 2020-01-01");
    cr_assert_not_null(d, "an expired entry is reported");
    cr_expect_eq(d->level, IAMG_LEVEL_WARNING);
    cr_expect(strstr(d->message, "cfg/.iamguard.yml:6"), "names the entry: %s", d->message);
    cr_expect_null(diag_with(r, "expired on 2024-06-01"));
    iamg_results_free(r);

    /* Before both expiry dates, both apply. */
    r = scan_with(e, c, "2019-12-31", "policies/admin.json", admin_policy);
    cr_expect_str_eq(finding(r, "IAM-SSM-1")->suppressed, "admin policy of the platform team");
    cr_expect_str_eq(finding(r, "IAM-SSM-2")->suppressed, "temporary exception");
    cr_expect_eq(iamg_results_stats(r)->suppressed, 2);
    cr_expect_eq(iamg_results_max_level(r), IAMG_LEVEL_NONE);
    cr_expect_null(diag_with(r, "expired"));
    iamg_results_free(r);

    /* After both, neither; both are reported. */
    r = scan_with(e, c, "2024-06-02", "policies/admin.json", admin_policy);
    cr_expect_null(finding(r, "IAM-SSM-1")->suppressed);
    cr_expect_null(finding(r, "IAM-SSM-2")->suppressed);
    cr_expect_eq(iamg_results_stats(r)->suppressed, 0);
    cr_expect_not_null(diag_with(r, "expired on 2024-06-01"));
    cr_expect_not_null(diag_with(r, "expired on 2020-01-01"));
    iamg_results_free(r);

    /* The file glob does not match another folder (the Sid entry has expired). */
    r = scan_with(e, c, "2022-01-01", "other/admin.json", admin_policy);
    cr_expect_null(finding(r, "IAM-SSM-1")->suppressed);
    cr_expect_null(finding(r, "IAM-SSM-2")->suppressed);
    iamg_results_free(r);
    r = scan_with(e, c, "2022-01-01", "policies/admin.json", admin_policy);
    cr_expect_str_eq(finding(r, "IAM-SSM-1")->suppressed, "admin policy of the platform team");
    iamg_results_free(r);
    iamg_config_free(c);
    iamg_engine_free(e);
}

Test(config, allowlist_by_principal_name)
{
    static const char role_policy[] =
        "{\n"
        "  \"RoleName\": \"BreakGlassAdmin\",\n"
        "  \"PolicyName\": \"root\",\n"
        "  \"PolicyDocument\": {\n"
        "    \"Version\": \"2012-10-17\",\n"
        "    \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
        "\"Resource\": \"*\"}]\n"
        "  }\n"
        "}\n";
    iamg_config *c = load_text("allowlist:\n"
                               "  - principal: BreakGlass*\n"
                               "    justification: break-glass role, MFA and paging enforced\n");
    iamg_engine *e = engine();
    iamg_results *r = scan_with(e, c, "2024-01-01", "roles/breakglass.json", role_policy);
    cr_assert_gt(iamg_results_count(r), 0);
    for (size_t i = 0; i < iamg_results_count(r); i++)
        cr_expect_str_eq(iamg_results_get(r, i)->suppressed,
                         "break-glass role, MFA and paging enforced");
    iamg_results_free(r);
    iamg_config_free(c);

    c = load_text("allowlist:\n  - principal: Other*\n    justification: not this one\n");
    r = scan_with(e, c, "2024-01-01", "roles/breakglass.json", role_policy);
    cr_assert_gt(iamg_results_count(r), 0);
    for (size_t i = 0; i < iamg_results_count(r); i++)
        cr_expect_null(iamg_results_get(r, i)->suppressed);
    iamg_results_free(r);
    iamg_config_free(c);
    iamg_engine_free(e);
}

/* ---- the documented example -------------------------------------------------- */

Test(config, docs_example_loads)
{
    FILE *f = fopen(IAMG_SOURCE_DIR "/docs/CONFIG.md", "r");
    cr_assert_not_null(f, "docs/CONFIG.md");
    char line[1024];
    char *text = calloc(1, 1 << 16);
    size_t len = 0;
    int in = 0, done = 0;
    while (!done && fgets(line, sizeof line, f)) {
        if (!in && strncmp(line, "```yaml", 7) == 0)
            in = 1;
        else if (in && strncmp(line, "```", 3) == 0)
            done = 1;
        else if (in) {
            size_t l = strlen(line);
            cr_assert_lt(len + l, (size_t)1 << 16);
            memcpy(text + len, line, l);
            len += l;
        }
    }
    fclose(f);
    cr_assert(done, "docs/CONFIG.md has a ```yaml example");
    iamg_config *c = load_text(text);
    cr_expect_gt(c->nallow, 0);
    cr_expect_gt(c->nlevels, 0);
    cr_expect_gt(c->nexclude, 0);
    cr_expect_neq(c->fail_on, -1);
    iamg_config_free(c);
    free(text);
}

/* ---- allocation failures ------------------------------------------------------ */

Test(config, every_allocation_failure_is_clean)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
    long k;
    for (k = 0; k < 10000; k++) {
        iamg_config *c = (iamg_config *)1;
        iamg_error err;
        ig_fault_alloc_after(k);
        int rc = iamg_config_load_buffer("cfg/.iamguard.yml", full, strlen(full), &c, &err);
        ig_fault_alloc_after(-1);
        if (rc == 0) {
            cr_expect_eq(c->nallow, 2);
            iamg_config_free(c);
            break;
        }
        cr_assert_eq(rc, IAMG_ENOMEM, "allocation %ld: %d %s", k, rc, err.message);
        cr_assert_null(c);
    }
    cr_expect_gt(k, 0);
    cr_expect_lt(k, 10000);
}
