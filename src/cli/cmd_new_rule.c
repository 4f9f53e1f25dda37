/*
 * cli/cmd_new_rule.c - iamguard new-rule: a rule file to start from, with
 * tests that pass as written (the convention is in cmd_test_rules.c).
 *
 * The template is a real guardrail (iam:PassRole on any role) rather than a
 * stub, so that each part of the API it shows does something a reader can
 * see in the test cases.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli.h"

static const char new_rule_usage[] =
    "usage: iamguard new-rule [--dir DIR] RULE-ID\n"
    "\n"
    "Write DIR/RULE-ID.lua, a commented rule that works as it is (it reports\n"
    "iam:PassRole on any role), and its tests: DIR/RULE-ID.tests/flagged.json with\n"
    "flagged.expected (one finding) and accepted.json with accepted.expected (none),\n"
    "so that 'iamguard test-rules DIR' passes right away. Edit the rule and the cases\n"
    "from there. RULE-ID may hold letters, digits, '-', '_' and '.'.\n"
    "\n"
    "Options:\n"
    "      --dir DIR    where to write (default: the current folder; created if missing)\n"
    "\n"
    "Existing files are never overwritten. Exit status: 0 written, 2 usage error or a\n"
    "file that exists or cannot be written.\n";

/* "@ID@" in these texts is replaced by the rule id. */
static const char rule_template[] =
    "-- @ID@: iam:PassRole must name the roles it can pass.\n"
    "--\n"
    "-- Written by `iamguard new-rule`. As generated, this rule reports Allow\n"
    "-- statements that let a principal pass any IAM role; change check() to\n"
    "-- enforce your guardrail, and the cases in @ID@.tests/ to match. Each case\n"
    "-- is a policy file with a .expected file beside it listing the findings,\n"
    "-- one \"RULE-ID LINE:COL\" per line (empty: none).\n"
    "--\n"
    "--   iamguard test-rules DIR                     run the cases\n"
    "--   iamguard test-rules --update DIR            rewrite .expected from the findings\n"
    "--   iamguard scan --no-builtin --rules DIR PATH  try it on real files\n"
    "--   iamguard explain --rules DIR @ID@             show the help below\n"
    "--\n"
    "-- The rule API (policy and statement fields, st:grants, st:reaches,\n"
    "-- conditions, the iam.* helpers, report{}) is documented in docs/RULES.md\n"
    "-- of the iamguard sources. Rules run in a sandbox: no io, os or require.\n"
    "\n"
    "-- A role ARN nobody wrote in a policy: a Resource pattern that matches it\n"
    "-- matches every role. st:reaches() fills {partition} and {account} with\n"
    "-- the pattern's own values, so \"arn:aws:iam::123456789012:role/*\" counts\n"
    "-- as reaching any role of that account.\n"
    "local ANY_ROLE = \"arn:{partition}:iam::{account}:role/an-unnamed-role\"\n"
    "\n"
    "return {\n"
    "  -- Required: unique among all loaded rules; letters, digits, - _ . /\n"
    "  id = \"@ID@\",\n"
    "  -- Required: one sentence, shown in rule lists and as the SARIF description.\n"
    "  short_description = \"iam:PassRole must name the roles it can pass.\",\n"
    "  -- \"error\", \"warning\" (the default) or \"note\"; scan --fail-on compares\n"
    "  -- findings' levels with its own.\n"
    "  level = \"warning\",\n"
    "  -- 0.1 to 10: GitHub code scanning shows 9+ as critical, 7+ high, 4+ medium.\n"
    "  security_severity = 7.0,\n"
    "  -- Markdown: shown by `iamguard explain` and by GitHub next to each alert.\n"
    "  help = [[\n"
    "Passing any role lets a principal hand a more privileged role to a service\n"
    "(EC2, Lambda, ECS, ...) and then act with that role's permissions.\n"
    "\n"
    "**Fix:** list the role ARNs in `Resource`, or limit the services the roles\n"
    "may be passed to with an `iam:PassedToService` condition.\n"
    "]],\n"
    "  tags = { \"security\", \"iam\" },\n"
    "\n"
    "  -- Called once per policy document; report{} records a finding.\n"
    "  check = function(policy, report)\n"
    "    -- Trust and resource policies grant nothing to the principal itself.\n"
    "    if policy.kind ~= \"identity\" then return end\n"
    "    for _, st in ipairs(policy.statements) do\n"
    "      -- st:grants() applies IAM's wildcards: \"iam:*\", \"iam:Pass*\" and a\n"
    "      -- NotAction that leaves iam:PassRole out all count.\n"
    "      if st.effect == \"Allow\" and st:grants(\"iam:PassRole\") then\n"
    "        local any, pattern, index = st:reaches(ANY_ROLE)\n"
    "        if any and #st:conditions_on(\"iam:PassedToService\") == 0 then\n"
    "          report {\n"
    "            statement = st,\n"
    "            -- Point at the Resource item that matched (or at NotResource):\n"
    "            -- that is the line and column the finding shows.\n"
    "            element = pattern and \"Resource\" or \"NotResource\",\n"
    "            index = index,\n"
    "            -- The first sentence must stand alone: GitHub lists alerts by it.\n"
    "            message = \"Allows passing any IAM role through \"\n"
    "              .. (pattern and (\"Resource \" .. pattern) or \"NotResource\")\n"
    "              .. \". Name the roles in Resource, or add an iam:PassedToService condition.\",\n"
    "          }\n"
    "        end\n"
    "      end\n"
    "    end\n"
    "  end,\n"
    "}\n";

static const char flagged_policy[] = "{\n"
                                     "  \"Version\": \"2012-10-17\",\n"
                                     "  \"Statement\": [\n"
                                     "    {\n"
                                     "      \"Sid\": \"PassAnyRole\",\n"
                                     "      \"Effect\": \"Allow\",\n"
                                     "      \"Action\": [\"iam:GetRole\", \"iam:PassRole\"],\n"
                                     "      \"Resource\": \"*\"\n"
                                     "    }\n"
                                     "  ]\n"
                                     "}\n";

static const char flagged_expected[] =
    "# The findings @ID@ must report on flagged.json: \"RULE-ID LINE:COL\" each.\n"
    "@ID@ 8:19\n";

static const char accepted_policy[] =
    "{\n"
    "  \"Version\": \"2012-10-17\",\n"
    "  \"Statement\": [\n"
    "    {\n"
    "      \"Sid\": \"PassTheDeployRole\",\n"
    "      \"Effect\": \"Allow\",\n"
    "      \"Action\": \"iam:PassRole\",\n"
    "      \"Resource\": \"arn:aws:iam::111122223333:role/deploy\"\n"
    "    },\n"
    "    {\n"
    "      \"Sid\": \"PassToLambdaOnly\",\n"
    "      \"Effect\": \"Allow\",\n"
    "      \"Action\": \"iam:PassRole\",\n"
    "      \"Resource\": \"*\",\n"
    "      \"Condition\": {\"StringEquals\": {\"iam:PassedToService\": \"lambda.amazonaws.com\"}}\n"
    "    }\n"
    "  ]\n"
    "}\n";

static const char accepted_expected[] =
    "# No findings: the first statement names its role, the second limits the\n"
    "# services the roles may be passed to.\n";

enum { OPT_DIR = 256, OPT_HELP };

static const struct option options[] = {{"dir", required_argument, NULL, OPT_DIR},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

/* Rule ids as the engine accepts them, minus '/', which would make a folder. */
static int valid_new_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128 || id[0] == '.' || id[0] == '-') return 0;
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Write `tmpl` with @ID@ replaced to a new file at `path` (never replacing
 * one). 0, or -1 after printing why. */
static int write_new(const char *path, const char *tmpl, const char *id)
{
    FILE *f = fopen(path, "wx");
    if (!f) {
        cli_errorf("%s: %s", path, strerror(errno));
        return -1;
    }
    const char *p = tmpl;
    for (const char *at; (at = strstr(p, "@ID@")); p = at + 4) {
        fwrite(p, 1, (size_t)(at - p), f);
        fputs(id, f);
    }
    fputs(p, f);
    if (fclose(f) != 0) {
        cli_errorf("%s: write error", path);
        return -1;
    }
    return 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
    cli_errorf("%s: cannot create the folder: %s", path, strerror(errno));
    return -1;
}

int cli_cmd_new_rule(int argc, char **argv)
{
    const char *dir = ".";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case OPT_DIR:
            dir = optarg;
            break;
        case OPT_HELP:
            fputs(new_rule_usage, stdout);
            return EXIT_OK;
        default:
            fputs(new_rule_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_errorf("new-rule needs exactly one RULE-ID");
        fputs(new_rule_usage, stderr);
        return EXIT_USAGE;
    }
    const char *id = argv[optind];
    if (!valid_new_id(id)) {
        cli_errorf("'%s' is not a rule id: use letters, digits, '-', '_' and '.', and start "
                   "with a letter or digit",
                   id);
        return EXIT_USAGE;
    }
    if (strncmp(id, "IAMGUARD-", 9) == 0) {
        cli_errorf(
            "the prefix IAMGUARD- is reserved for iamguard's own reports: choose another id");
        return EXIT_USAGE;
    }

    char rule[4096], tests[4096], files[4][4096];
    if ((size_t)snprintf(rule, sizeof rule, "%s/%s.lua", dir, id) >= sizeof rule ||
        (size_t)snprintf(tests, sizeof tests, "%s/%s.tests", dir, id) >= sizeof tests) {
        cli_errorf("%s: path too long", dir);
        return EXIT_USAGE;
    }
    static const char *const names[4] = {"flagged.json", "flagged.expected", "accepted.json",
                                         "accepted.expected"};
    static const char *const texts[4] = {flagged_policy, flagged_expected, accepted_policy,
                                         accepted_expected};
    for (int i = 0; i < 4; i++) {
        if ((size_t)snprintf(files[i], sizeof files[i], "%s/%s", tests, names[i]) >=
            sizeof files[i]) {
            cli_errorf("%s: path too long", dir);
            return EXIT_USAGE;
        }
    }
    /* Checked first so that nothing is half-written over an earlier rule. */
    if (exists(rule) || exists(tests)) {
        cli_errorf("%s exists: choose another id or folder, or remove it first",
                   exists(rule) ? rule : tests);
        return EXIT_USAGE;
    }
    if (make_dir(dir) || write_new(rule, rule_template, id) || make_dir(tests)) return EXIT_USAGE;
    for (int i = 0; i < 4; i++)
        if (write_new(files[i], texts[i], id)) return EXIT_USAGE;
    printf("wrote %s\nwrote %s/ (flagged.json, accepted.json and their .expected files)\n"
           "next: edit the rule and the cases, then run 'iamguard test-rules %s'\n",
           rule, tests, dir);
    return EXIT_OK;
}
