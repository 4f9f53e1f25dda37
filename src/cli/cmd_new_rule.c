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
    "iam:PassRole on any role, with the iamguard.guardrail library and an\n"
    "authorized_principals parameter), and its tests in DIR/RULE-ID.tests/:\n"
    "flagged.json (one finding), accepted.json (none) and authorized.yaml with\n"
    "authorized.iamguard.yml (a role the configuration authorizes: none), each with\n"
    "its .expected file, so that 'iamguard test-rules DIR' passes right away. Edit\n"
    "the rule and the cases from there. RULE-ID may hold letters, digits, '-', '_'\n"
    "and '.'.\n"
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
    "-- one \"RULE-ID LINE:COL\" per line (empty: none), optionally with the level\n"
    "-- and a \"quoted text\" the message must contain; CASE.iamguard.yml beside a\n"
    "-- case sets parameters for it.\n"
    "--\n"
    "--   iamguard test-rules DIR                     run the cases\n"
    "--   iamguard test-rules --update DIR            rewrite .expected from the findings\n"
    "--   iamguard scan --no-builtin --rules DIR PATH  try it on real files (-v shows log())\n"
    "--   iamguard explain --rules DIR @ID@             show the help and parameters\n"
    "--\n"
    "-- The rule API (policy and statement fields, st:grants, st:reaches,\n"
    "-- conditions, the iam.* helpers, report{}, params, require) and the\n"
    "-- iamguard.guardrail library are documented in docs/RULES.md of the\n"
    "-- iamguard sources. Rules run in a sandbox: no io or os.\n"
    "\n"
    "-- Building blocks shared by guardrails: grants, probe templates from the\n"
    "-- action catalogue, authorized principals, the standard message.\n"
    "local g = require(\"iamguard.guardrail\")\n"
    "\n"
    "-- Role ARNs nobody wrote in a policy, from the catalogue's ARN format for\n"
    "-- roles: a Resource pattern that matches one matches every role.\n"
    "-- st:reaches() fills {partition} and {account} with the pattern's own\n"
    "-- values, so \"arn:aws:iam::123456789012:role/*\" counts as any role.\n"
    "local ANY_ROLE = g.templates(\"iam:PassRole\", { \"role\" })\n"
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
    "may be passed to with an `iam:PassedToService` condition. Roles that need\n"
    "it (deployment pipelines) can be listed in the `authorized_principals`\n"
    "parameter.\n"
    "]],\n"
    "  tags = { \"security\", \"iam\" },\n"
    "\n"
    "  -- What a team may tune in .iamguard.yml (rules: @ID@: params: ...) or with\n"
    "  -- --param @ID@.NAME=VALUE. Each name's default gives its type.\n"
    "  params = {\n"
    "    authorized_principals = {\n"
    "      default = {},\n"
    "      description = \"Roles and users (ARN or name globs) that may pass any role.\",\n"
    "    },\n"
    "  },\n"
    "\n"
    "  -- Called once per policy document; report{} records a finding; params\n"
    "  -- holds the values in effect.\n"
    "  check = function(policy, report, params)\n"
    "    -- Trust and resource policies grant nothing to the principal itself.\n"
    "    if policy.kind ~= \"identity\" then return end\n"
    "    -- A policy held only by authorized principals is theirs to have.\n"
    "    local others, held = g.unauthorized_holders(policy, params.authorized_principals)\n"
    "    if held and #others == 0 then return end\n"
    "    for _, st in ipairs(policy.statements) do\n"
    "      -- g.grant() applies IAM's wildcards: \"iam:*\", \"iam:Pass*\" and a\n"
    "      -- NotAction that leaves iam:PassRole out all count.\n"
    "      local grant = st.effect == \"Allow\" and g.grant(st, \"iam:PassRole\")\n"
    "      if grant then\n"
    "        local any, pattern, index = st:reaches(ANY_ROLE)\n"
    "        if any and #st:conditions_on(\"iam:PassedToService\") == 0 then\n"
    "          log(g.statement_name(st), \"passes any role through\", pattern or \"NotResource\")\n"
    "          report {\n"
    "            statement = st,\n"
    "            -- Point at the Resource item that matched (or at NotResource):\n"
    "            -- that is the line and column the finding shows.\n"
    "            element = pattern and \"Resource\" or \"NotResource\",\n"
    "            index = index,\n"
    "            -- The first sentence must stand alone: GitHub lists alerts by it.\n"
    "            message = g.message {\n"
    "              statement = st,\n"
    "              action = \"iam:PassRole\",\n"
    "              target = \"any role\",\n"
    "              granted_by = grant.text,\n"
    "              reached_by = pattern and (\"Resource \" .. g.quote(pattern) .. \" matches every "
    "role\")\n"
    "                or \"NotResource does not exclude roles\",\n"
    "              unscoped = \"no iam:PassedToService condition limits where they go\",\n"
    "              fix = \"Name the roles in Resource, or add an iam:PassedToService "
    "condition.\",\n"
    "            },\n"
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
    "# The findings @ID@ must report on flagged.json: \"RULE-ID LINE:COL\" each,\n"
    "# optionally with the level and a \"quoted text\" of the message.\n"
    "@ID@ 8:19 warning \"Statement \\\"PassAnyRole\\\" allows iam:PassRole on any role.\"\n";

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

static const char authorized_policy[] =
    "# A CloudFormation role: policies know who holds them, so the configuration\n"
    "# beside this case (authorized.iamguard.yml) can authorize the role.\n"
    "Resources:\n"
    "  Deployer:\n"
    "    Type: AWS::IAM::Role\n"
    "    Properties:\n"
    "      RoleName: Deployer\n"
    "      AssumeRolePolicyDocument:\n"
    "        Statement:\n"
    "          - Effect: Allow\n"
    "            Principal: {Service: codebuild.amazonaws.com}\n"
    "            Action: sts:AssumeRole\n"
    "      Policies:\n"
    "        - PolicyName: pass-roles\n"
    "          PolicyDocument:\n"
    "            Statement:\n"
    "              - Effect: Allow\n"
    "                Action: iam:PassRole\n"
    "                Resource: \"*\"\n";

static const char authorized_config[] =
    "# Read like .iamguard.yml for this case only: the Deployer role may pass any role.\n"
    "rules:\n"
    "  @ID@:\n"
    "    params:\n"
    "      authorized_principals: [\"Deployer\", \"arn:aws:iam::*:role/Deployer\"]\n";

static const char authorized_expected[] =
    "# No findings: the only holder of the policy is authorized.\n";

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

    char rule[4096], tests[4096], files[7][4096];
    if ((size_t)snprintf(rule, sizeof rule, "%s/%s.lua", dir, id) >= sizeof rule ||
        (size_t)snprintf(tests, sizeof tests, "%s/%s.tests", dir, id) >= sizeof tests) {
        cli_errorf("%s: path too long", dir);
        return EXIT_USAGE;
    }
    static const char *const names[7] = {
        "flagged.json",    "flagged.expected",        "accepted.json",      "accepted.expected",
        "authorized.yaml", "authorized.iamguard.yml", "authorized.expected"};
    static const char *const texts[7] = {flagged_policy,     flagged_expected,  accepted_policy,
                                         accepted_expected,  authorized_policy, authorized_config,
                                         authorized_expected};
    for (int i = 0; i < 7; i++) {
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
    for (int i = 0; i < 7; i++)
        if (write_new(files[i], texts[i], id)) return EXIT_USAGE;
    printf("wrote %s\nwrote %s/ (flagged.json, accepted.json, authorized.yaml with its "
           "configuration, and their .expected files)\n"
           "next: edit the rule and the cases, then run 'iamguard test-rules %s'\n",
           rule, tests, dir);
    return EXIT_OK;
}
