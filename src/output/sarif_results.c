/*
 * output/sarif_results.c - one SARIF result per finding and per input
 * problem (a file that could not be checked is reported like a finding).
 */
#include <assert.h>
#include <string.h>

#include "output/sarif_int.h"
#include "util/buf.h"

/* ---- results ---- */

void ig_sarif_origin_props(sarif_writer *w, json_t *props, const iamg_origin *o,
                           const char *statement, const char *element)
{
    ig_jb_put_str(&w->jb, props, "format", o->format);
    ig_jb_put_str(&w->jb, props, "policyKind", o->kind);
    ig_jb_put_str(&w->jb, props, "statement", statement);
    ig_jb_put_str(&w->jb, props, "element", element);
    ig_jb_put_str(&w->jb, props, "logicalId", o->logical_id);
    ig_jb_put_str(&w->jb, props, "resourceType", o->resource_type);
    ig_jb_put_str(&w->jb, props, "policyName", o->policy_name);
    ig_jb_put_str(&w->jb, props, "address", o->address);
    ig_jb_put_str(&w->jb, props, "principalType", o->principal_type);
    ig_jb_put_str(&w->jb, props, "principalName", o->principal_name);
    ig_jb_put_str(&w->jb, props, "principalArn", o->principal_arn);
    ig_jb_put_str(&w->jb, props, "policyArn", o->policy_arn);
    ig_jb_put_str(&w->jb, props, "pointer", o->pointer);
    ig_jb_put_str(&w->jb, props, "container", o->container);
}

void ig_sarif_snippet_window(sarif_writer *w, json_t *props, unsigned line, const char *snippet,
                             unsigned snippet_col, unsigned truncated)
{
    /* contextRegion holds the line when it is whole (see put_region). */
    if (!snippet || (line && !truncated && snippet_col <= 1)) return;
    json_t *sw = ig_jb_obj(&w->jb);
    ig_jb_put_int(&w->jb, sw, "startColumn", snippet_col ? snippet_col : 1);
    ig_jb_put_str(&w->jb, sw, "text", snippet);
    ig_jb_put(&w->jb, sw, "truncated", json_boolean(truncated));
    ig_jb_put(&w->jb, props, "snippetWindow", sw);
}

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
        if (f->suppressed_expires || f->suppressed_where) {
            json_t *sp = ig_jb_obj(&w->jb);
            ig_jb_put_str(&w->jb, sp, "expires", f->suppressed_expires);
            ig_jb_put_str(&w->jb, sp, "where", f->suppressed_where);
            ig_jb_put(&w->jb, s, "properties", sp);
        }
        json_t *sa = ig_jb_arr(&w->jb);
        ig_jb_push(&w->jb, sa, s);
        ig_jb_put(&w->jb, res, "suppressions", sa);
    }

    /* Enough of the origin to tell documents of one file apart, and what
     * the other formats show that SARIF has no member for, so that `merge`
     * can write them from the shards' SARIF. */
    json_t *props = ig_jb_obj(&w->jb);
    ig_sarif_origin_props(w, props, &f->origin, f->statement, f->element);
    if (f->holders_total > f->nholders)
        ig_jb_put_int(&w->jb, props, "holdersTotal", f->holders_total);
    ig_sarif_snippet_window(w, props, f->line, f->snippet, f->snippet_column, f->snippet_truncated);
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
