/*
 * output/sarif_results.c - one SARIF result per finding and per input
 * problem (a file that could not be checked is reported like a finding).
 */
#include <assert.h>
#include <string.h>

#include "output/sarif_int.h"
#include "util/buf.h"

/* ---- results ---- */

static void put_fingerprint(sarif_writer *w, json_t *res, const char *fp)
{
    json_t *pf = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, pf, "primaryLocationLineHash", fp ? fp : w->empty_fp);
    ig_jb_put(&w->jb, res, "partialFingerprints", pf);
}

json_t *ig_sarif_finding(sarif_writer *w, const iamg_finding *f)
{
    long ri = ig_sarif_rule_index(w, f->rule_id);
    assert(ri >= 0);
    json_t *res = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, res, "ruleId", f->rule_id);
    ig_jb_put(&w->jb, res, "ruleIndex", ig_jb_int(&w->jb, (size_t)ri));
    ig_jb_put_str(&w->jb, res, "kind", "fail");
    ig_jb_put_str(&w->jb, res, "level", iamg_level_name(f->level));
    /* GitHub rejects a result without message text. */
    const char *msg = f->message;
    if (!msg || !msg[0]) msg = w->rules[ri].info ? w->rules[ri].info->short_description : NULL;
    ig_jb_put(&w->jb, res, "message", ig_sarif_text(w, msg && msg[0] ? msg : f->rule_id));

    json_t *loc = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, loc, "physicalLocation",
              ig_sarif_physical_location(w, f->path, f->line, f->column, f->end_column, f->snippet,
                                         f->snippet_column, f->snippet_truncated));
    ig_jb_put(&w->jb, loc, "logicalLocations", ig_sarif_logical_locations(w, f));
    json_t *locs = ig_jb_arr(&w->jb);
    ig_jb_push(&w->jb, locs, loc);
    ig_jb_put(&w->jb, res, "locations", locs);
    put_fingerprint(w, res, f->fingerprint);

    if (f->suppressed) {
        json_t *s = ig_jb_obj(&w->jb);
        ig_jb_put_str(&w->jb, s, "kind", "external");
        ig_jb_put_str(&w->jb, s, "status", "accepted");
        ig_jb_put_str(&w->jb, s, "justification", f->suppressed);
        json_t *sa = ig_jb_arr(&w->jb);
        ig_jb_push(&w->jb, sa, s);
        ig_jb_put(&w->jb, res, "suppressions", sa);
    }

    /* Enough of the origin to tell documents of one file apart. */
    const iamg_origin *o = &f->origin;
    json_t *props = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, props, "format", o->format);
    ig_jb_put_str(&w->jb, props, "policyKind", o->kind);
    ig_jb_put_str(&w->jb, props, "statement", f->statement);
    ig_jb_put_str(&w->jb, props, "element", f->element);
    ig_jb_put_str(&w->jb, props, "logicalId", o->logical_id);
    ig_jb_put_str(&w->jb, props, "resourceType", o->resource_type);
    ig_jb_put_str(&w->jb, props, "policyName", o->policy_name);
    ig_jb_put_str(&w->jb, props, "address", o->address);
    ig_jb_put_str(&w->jb, props, "principalType", o->principal_type);
    ig_jb_put_str(&w->jb, props, "principalName", o->principal_name);
    ig_jb_put_str(&w->jb, props, "principalArn", o->principal_arn);
    ig_jb_put_str(&w->jb, props, "policyArn", o->policy_arn);
    ig_jb_put_str(&w->jb, props, "pointer", o->pointer);
    if (json_object_size(props))
        ig_jb_put(&w->jb, res, "properties", props);
    else
        json_decref(props);
    return res;
}

static const char *problem_name(int code)
{
    switch (code) {
    case IAMG_EPARSE:
        return "parse-error";
    case IAMG_EIO:
        return "io-error";
    case IAMG_ELIMIT:
        return "limit";
    default:
        return "invalid-policy";
    }
}

/* "This file could not be parsed: <message>." - the first sentence says
 * what happened without the location, as GitHub shows it in lists. */
static void problem_message(buf *b, const iamg_diag *d)
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

json_t *ig_sarif_problem(sarif_writer *w, const iamg_diag *d)
{
    const pseudo_rule *pr = ig_sarif_problem_rule(d);
    long ri = ig_sarif_rule_index(w, pr->id);
    assert(ri >= 0);
    iamg_level lv = pr->level;
    /* An invalid shape is an error or a warning as the model judged it. */
    if (d->code == IAMG_EINVALID && d->level >= IAMG_LEVEL_NOTE) lv = d->level;
    json_t *res = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, res, "ruleId", pr->id);
    ig_jb_put(&w->jb, res, "ruleIndex", ig_jb_int(&w->jb, (size_t)ri));
    ig_jb_put_str(&w->jb, res, "kind", "fail");
    ig_jb_put_str(&w->jb, res, "level", iamg_level_name(lv));
    buf b = BUF_INIT;
    problem_message(&b, d);
    json_t *m = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, m, "text", ig_jb_buf(&w->jb, &b));
    ig_jb_put(&w->jb, res, "message", m);
    json_t *loc = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, loc, "physicalLocation",
              ig_sarif_physical_location(w, d->path, d->line, d->column, d->end_column, d->snippet,
                                         d->snippet_column, d->snippet_truncated));
    json_t *locs = ig_jb_arr(&w->jb);
    ig_jb_push(&w->jb, locs, loc);
    ig_jb_put(&w->jb, res, "locations", locs);
    put_fingerprint(w, res, d->fingerprint);
    json_t *props = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, props, "problem", problem_name(d->code));
    ig_jb_put(&w->jb, res, "properties", props);
    return res;
}
