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

json_t *ig_sarif_problem(sarif_writer *w, const iamg_diag *d)
{
    const pseudo_rule *pr = ig_report_problem_rule(d);
    long ri = ig_sarif_rule_index(w, pr->id);
    assert(ri >= 0);
    iamg_level lv = ig_report_problem_level(d);
    json_t *res = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, res, "ruleId", pr->id);
    ig_jb_put(&w->jb, res, "ruleIndex", ig_jb_int(&w->jb, (size_t)ri));
    ig_jb_put_str(&w->jb, res, "kind", "fail");
    ig_jb_put_str(&w->jb, res, "level", iamg_level_name(lv));
    buf b = BUF_INIT;
    ig_report_problem_message(&b, d);
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
    ig_jb_put_str(&w->jb, props, "problem", ig_report_diag_kind(d->code));
    ig_jb_put(&w->jb, res, "properties", props);
    return res;
}
