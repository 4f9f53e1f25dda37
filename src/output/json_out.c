/*
 * output/json_out.c - iamguard's own JSON report (`-f json`).
 *
 * The schema is documented in docs/json-output.md and versioned by the
 * top-level "version": fields are only ever added within one version. Keys
 * are written in a fixed order and absent values are left out (never
 * null), so the output is byte-identical for the same scan unless
 * timestamps are asked for.
 */
#include <assert.h>
#include <stdio.h>

#include "iamguard/iamguard.h"
#include "output/jbuild.h"
#include "util/errors.h"
#include "output/report.h"

/* Bumped only when a field changes meaning or goes away. */
#define JSON_SCHEMA_VERSION 1

static json_t *origin_json(ig_jb *w, const iamg_origin *o)
{
    json_t *j = ig_jb_obj(w);
    ig_jb_put_str(w, j, "format", o->format);
    ig_jb_put_str(w, j, "kind", o->kind);
    ig_jb_put_str(w, j, "container", o->container);
    ig_jb_put_str(w, j, "logical_id", o->logical_id);
    ig_jb_put_str(w, j, "resource_type", o->resource_type);
    ig_jb_put_str(w, j, "policy_name", o->policy_name);
    ig_jb_put_str(w, j, "address", o->address);
    if (o->principal_type || o->principal_name || o->principal_arn) {
        json_t *p = ig_jb_obj(w);
        ig_jb_put_str(w, p, "type", o->principal_type);
        ig_jb_put_str(w, p, "name", o->principal_name);
        ig_jb_put_str(w, p, "arn", o->principal_arn);
        ig_jb_put(w, j, "principal", p);
    }
    ig_jb_put_str(w, j, "policy_arn", o->policy_arn);
    ig_jb_put_str(w, j, "pointer", o->pointer);
    return j;
}

static json_t *finding_json(ig_jb *w, const iamg_finding *f)
{
    json_t *j = ig_jb_obj(w);
    ig_jb_put_str(w, j, "rule_id", f->rule_id);
    ig_jb_put_str(w, j, "level", iamg_level_name(f->level));
    ig_jb_put_str(w, j, "message", f->message);
    ig_jb_put_str(w, j, "path", f->path);
    ig_jb_put_int(w, j, "line", f->line);
    ig_jb_put_int(w, j, "column", f->column);
    ig_jb_put_int(w, j, "end_column", f->end_column);
    ig_jb_put_str(w, j, "statement", f->statement);
    ig_jb_put_str(w, j, "element", f->element);
    ig_jb_put_str(w, j, "fingerprint", f->fingerprint);
    ig_jb_put(w, j, "origin", origin_json(w, &f->origin));
    if (f->nholders) {
        json_t *hs = ig_jb_arr(w);
        for (size_t i = 0; i < f->nholders; i++) {
            const iamg_holder *h = &f->holders[i];
            json_t *hj = ig_jb_obj(w);
            ig_jb_put_str(w, hj, "type", h->type);
            ig_jb_put_str(w, hj, "name", h->name);
            ig_jb_put_str(w, hj, "arn", h->arn);
            ig_jb_put_str(w, hj, "id", h->id);
            ig_jb_put_str(w, hj, "how", h->how);
            ig_jb_push(w, hs, hj);
        }
        ig_jb_put(w, j, "holders", hs);
        if (f->holders_total > f->nholders) ig_jb_put_int(w, j, "holders_total", f->holders_total);
    }
    ig_jb_put_str(w, j, "suppressed", f->suppressed);
    return j;
}

static json_t *diag_json(ig_jb *w, const iamg_diag *d)
{
    json_t *j = ig_jb_obj(w);
    ig_jb_put_str(w, j, "kind", ig_report_diag_kind(d->code));
    ig_jb_put_str(w, j, "level", iamg_level_name(d->level));
    ig_jb_put_str(w, j, "path", d->path);
    if (d->line) ig_jb_put_int(w, j, "line", d->line);
    if (d->line && d->column) ig_jb_put_int(w, j, "column", d->column);
    if (d->line && d->end_column > d->column) ig_jb_put_int(w, j, "end_column", d->end_column);
    ig_jb_put_str(w, j, "rule_id", d->rule_id);
    ig_jb_put_str(w, j, "message", d->message);
    ig_jb_put_str(w, j, "fingerprint", d->fingerprint);
    return j;
}

static json_t *rule_json(ig_jb *w, const iamg_rule_info *ri)
{
    json_t *j = ig_jb_obj(w);
    ig_jb_put_str(w, j, "id", ri->id);
    ig_jb_put_str(w, j, "name", ri->name);
    ig_jb_put_str(w, j, "level", iamg_level_name(ri->level));
    ig_jb_put(w, j, "enabled", json_boolean(ri->enabled));
    ig_jb_put(w, j, "builtin", json_boolean(ri->builtin));
    ig_jb_put_str(w, j, "source", ri->source);
    ig_jb_put_str(w, j, "short_description", ri->short_description);
    ig_jb_put_str(w, j, "full_description", ri->full_description);
    ig_jb_put_str(w, j, "help_uri", ri->help_uri);
    if (ri->security_severity > 0)
        ig_jb_put(w, j, "security_severity", ig_jb_real(w, ri->security_severity));
    ig_jb_put_str(w, j, "precision", ri->precision);
    json_t *tags = ig_jb_arr(w);
    for (size_t i = 0; i < ri->ntags; i++)
        ig_jb_push(w, tags, ig_jb_str(w, ri->tags[i]));
    ig_jb_put(w, j, "tags", tags);
    return j;
}

int iamg_write_json(FILE *out, const iamg_engine *e, const iamg_results *r,
                    const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    if (!o) o = &dflt;
    int vrc = ig_options_check(o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (vrc) return vrc;
    ig_jb w = {0};
    const iamg_stats *st = iamg_results_stats(r);
    size_t nf = iamg_results_count(r), nd = iamg_results_diag_count(r);

    json_t *doc = ig_jb_obj(&w);
    ig_jb_put_int(&w, doc, "version", JSON_SCHEMA_VERSION);
    json_t *tool = ig_jb_obj(&w);
    ig_jb_put_str(&w, tool, "name", "iamguard");
    ig_jb_put_str(&w, tool, "version", iamg_version());
    ig_jb_put(&w, doc, "tool", tool);

    size_t by_level[4] = {0, 0, 0, 0};
    json_t *findings = ig_jb_arr(&w);
    for (size_t i = 0; i < nf && !w.oom; i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (!f->suppressed) by_level[f->level <= IAMG_LEVEL_ERROR ? f->level : 0]++;
        if (f->suppressed && !o->include_suppressed) continue;
        ig_jb_push(&w, findings, finding_json(&w, f));
    }

    json_t *sum = ig_jb_obj(&w);
    ig_jb_put_int(&w, sum, "files_seen", st->files_seen);
    ig_jb_put_int(&w, sum, "files_scanned", st->files_scanned);
    ig_jb_put_int(&w, sum, "files_skipped", st->files_skipped);
    ig_jb_put_int(&w, sum, "files_failed", st->files_failed);
    ig_jb_put_int(&w, sum, "documents", st->documents);
    ig_jb_put_int(&w, sum, "statements", st->statements);
    json_t *fl = ig_jb_obj(&w);
    ig_jb_put_int(&w, fl, "error", by_level[IAMG_LEVEL_ERROR]);
    ig_jb_put_int(&w, fl, "warning", by_level[IAMG_LEVEL_WARNING]);
    ig_jb_put_int(&w, fl, "note", by_level[IAMG_LEVEL_NOTE]);
    ig_jb_put(&w, sum, "findings", fl);
    ig_jb_put_int(&w, sum, "suppressed", st->suppressed);
    ig_jb_put_int(&w, sum, "baselined", st->baselined);
    ig_jb_put_int(&w, sum, "blocked", st->blocked);
    ig_jb_put_int(&w, sum, "attachments", st->attachments);
    ig_jb_put_int(&w, sum, "rule_failures", st->rule_failures);
    ig_jb_put_int(&w, sum, "terraform_files", st->terraform_files);
    /* Wall-clock time differs on every run: only on request. */
    if (o->timestamps) ig_jb_put(&w, sum, "seconds", ig_jb_real(&w, st->seconds));
    ig_jb_put(&w, doc, "summary", sum);
    ig_jb_put(&w, doc, "findings", findings);

    json_t *diags = ig_jb_arr(&w);
    for (size_t i = 0; i < nd && !w.oom; i++)
        ig_jb_push(&w, diags, diag_json(&w, iamg_results_diag(r, i)));
    ig_jb_put(&w, doc, "diagnostics", diags);

    json_t *rules = ig_jb_arr(&w);
    size_t nr = iamg_engine_rule_count(e);
    for (size_t i = 0; i < nr && !w.oom; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(e, i);
        if (ri) ig_jb_push(&w, rules, rule_json(&w, ri));
    }
    ig_jb_put(&w, doc, "rules", rules);

    int rc =
        ig_jb_dump(&w, doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10), out, "the JSON report", err);
    json_decref(doc);
    return rc;
}
