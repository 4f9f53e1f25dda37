#include "output/report.h"

#include <string.h>

#include "util/str.h"

const char *const ig_report_problem_tags[] = {"security", "iamguard", "input"};
const size_t ig_report_nproblem_tags =
    sizeof ig_report_problem_tags / sizeof *ig_report_problem_tags;

const pseudo_rule ig_report_parse_rule = {
    "IAMGUARD-PARSE",
    "InputNotChecked",
    "Input file could not be read or parsed, so none of its policies were checked.",
    "iamguard could not check this file: it is not valid JSON or YAML, it could not be read, or it "
    "exceeds a scan limit (file size, nesting depth, number of statements). The guardrails were "
    "not applied to the policies it holds.",
    "## IAMGUARD-PARSE: input not checked\n\n"
    "The file holds, or looks like it holds, IAM policies, but iamguard could not read or parse "
    "it, so **none of its policies were checked** against the guardrails. A broken file can hide "
    "a dangerous policy, so this is reported like a finding.\n\n"
    "### How to fix\n\n"
    "- Syntax error: fix the JSON or YAML at the reported line and column (`jq . FILE` or "
    "`yamllint FILE` point at the same place).\n"
    "- Unreadable file: check that it is a regular file the scanner may read.\n"
    "- Limit exceeded: split the file, or raise the limit in the iamguard configuration when the "
    "input is legitimate.\n"
    "- Not meant to be scanned: leave the path out with `--exclude`.\n",
    IAMG_LEVEL_ERROR,
    5.0,
};

const pseudo_rule ig_report_invalid_rule = {
    "IAMGUARD-INVALID",
    "InvalidPolicyShape",
    "Policy is well-formed JSON or YAML but not a valid IAM policy.",
    "A policy document or statement has a shape AWS rejects or reads differently from what it "
    "appears to say: a missing or misspelt element, a value of the wrong type, an unknown "
    "Effect. The affected statement may not have been checked against the guardrails.",
    "## IAMGUARD-INVALID: invalid policy\n\n"
    "The document parses, but part of it does not follow the IAM policy grammar. AWS rejects "
    "most such policies when they are deployed; the others grant something other than what "
    "they appear to, and iamguard may not have checked the statement.\n\n"
    "### How to fix\n\n"
    "Correct the element named in the message so the document follows the "
    "[IAM JSON policy elements reference]"
    "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).\n",
    /* Most invalid shapes are errors (AWS rejects the policy), and so are
     * the default and most results; a shape AWS accepts but reads otherwise
     * is a result at level warning. */
    IAMG_LEVEL_ERROR,
    4.0,
};

int ig_report_input_problem(const iamg_diag *d)
{
    return d->path && (d->code == IAMG_EPARSE || d->code == IAMG_EINVALID || d->code == IAMG_EIO ||
                       d->code == IAMG_ELIMIT);
}

const pseudo_rule *ig_report_problem_rule(const iamg_diag *d)
{
    return d->code == IAMG_EINVALID ? &ig_report_invalid_rule : &ig_report_parse_rule;
}

iamg_level ig_report_problem_level(const iamg_diag *d)
{
    if (d->code == IAMG_EINVALID && d->level >= IAMG_LEVEL_NOTE) return d->level;
    return ig_report_problem_rule(d)->level;
}

const char *ig_report_diag_kind(int code)
{
    switch (code) {
    case IAMG_EPARSE:
        return "parse-error";
    case IAMG_EINVALID:
        return "invalid-policy";
    case IAMG_EIO:
        return "io-error";
    case IAMG_ELIMIT:
        return "limit";
    case IAMG_ERULE:
        return "rule-failure";
    case IAMG_ESKIP:
        return "skipped";
    case IAMG_ELOG:
        return "rule-log";
    case IAMG_ENOMEM:
        return "out-of-memory";
    default:
        return "error";
    }
}

void ig_report_problem_message(buf *b, const iamg_diag *d)
{
    const char *m = d->message && d->message[0] ? d->message : iamg_strerror(d->code);
    size_t n = strlen(m);
    while (n && (m[n - 1] == '.' || m[n - 1] == ' '))
        n--;
    switch (d->code) {
    case IAMG_EPARSE:
        ig_buf_puts(b, "This file could not be parsed: ");
        break;
    case IAMG_EIO:
        ig_buf_puts(b, "This file could not be read: ");
        break;
    case IAMG_ELIMIT:
        ig_buf_puts(b, "This input exceeds a scan limit: ");
        break;
    default:
        ig_buf_puts(b, "This policy is not valid: ");
        break;
    }
    ig_buf_append(b, m, n);
    if (d->code == IAMG_EINVALID)
        ig_buf_puts(b, ".");
    else
        ig_buf_puts(b, ". Its policies were not checked against the guardrails.");
}

const char *ig_report_holder(const iamg_finding *f)
{
    const iamg_origin *o = &f->origin;
    if (o->container) return o->container;
    if (o->logical_id) return o->logical_id;
    if (o->address) return o->address;
    if (o->principal_name) return o->principal_name;
    if (o->principal_arn) return o->principal_arn;
    if (o->policy_arn) return o->policy_arn;
    return f->path;
}

const char *ig_report_principal(const iamg_finding *f)
{
    const iamg_origin *o = &f->origin;
    return o->principal_name ? o->principal_name : o->principal_arn;
}

void ig_report_holder_label(buf *b, const iamg_holder *h)
{
    const char *who = h->name ? h->name : h->arn ? h->arn : h->id ? h->id : "?";
    if (h->type)
        ig_buf_printf(b, "%s %s", h->type, who);
    else
        ig_buf_puts(b, who);
}

double ig_report_security_severity(double sev, iamg_level lv)
{
    if (sev > 0 && sev <= 10) return sev;
    return lv == IAMG_LEVEL_ERROR ? 7.5 : lv == IAMG_LEVEL_WARNING ? 5.0 : 2.0;
}

int ig_report_cmp_pos(const char *pa, unsigned la, unsigned ca, const char *pb, unsigned lb,
                      unsigned cb)
{
    int c = ig_str_cmp(pa, pb);
    if (c) return c;
    if (la != lb) return la < lb ? -1 : 1;
    if (ca != cb) return ca < cb ? -1 : 1;
    return 0;
}
