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
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "iamguard/iamguard.h"
#include "util/alloc.h"
#include "util/errors.h"
#include "util/utf8.h"

#ifndef IAMG_VERSION
#define IAMG_STR2(x) #x
#define IAMG_STR(x) IAMG_STR2(x)
#define IAMG_VERSION                                                                               \
    IAMG_STR(IAMG_VERSION_MAJOR) "." IAMG_STR(IAMG_VERSION_MINOR) "." IAMG_STR(IAMG_VERSION_PATCH)
#endif

/* Bumped only when a field changes meaning or goes away. */
#define JSON_SCHEMA_VERSION 1

typedef struct jw {
    int oom;
} jw;

static json_t *chk(jw *w, json_t *v)
{
    if (!v) w->oom = 1;
    return v;
}

/* Paths are byte strings and jansson refuses invalid UTF-8: such text is
 * written with U+FFFD in place of the bad bytes. */
static json_t *jstr(jw *w, const char *s)
{
    json_t *v = json_string(s);
    if (!v && s && !ig_utf8_valid(s, strlen(s))) {
        char *clean = ig_utf8_sanitize(s, strlen(s), SIZE_MAX);
        if (clean) v = json_string(clean);
        ig_free(clean);
    }
    return chk(w, v);
}

static void put(jw *w, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v)) w->oom = 1;
}

static void put_str(jw *w, json_t *o, const char *key, const char *s)
{
    if (s) put(w, o, key, jstr(w, s));
}

static void put_int(jw *w, json_t *o, const char *key, size_t n)
{
    put(w, o, key, chk(w, json_integer((json_int_t)n)));
}

static void push(jw *w, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v)) w->oom = 1;
}

static const char *diag_kind(int code)
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
    case IAMG_ENOMEM:
        return "out-of-memory";
    default:
        return "error";
    }
}

static json_t *origin_json(jw *w, const iamg_origin *o)
{
    json_t *j = chk(w, json_object());
    put_str(w, j, "format", o->format);
    put_str(w, j, "kind", o->kind);
    put_str(w, j, "container", o->container);
    put_str(w, j, "logical_id", o->logical_id);
    put_str(w, j, "resource_type", o->resource_type);
    put_str(w, j, "policy_name", o->policy_name);
    put_str(w, j, "address", o->address);
    if (o->principal_type || o->principal_name || o->principal_arn) {
        json_t *p = chk(w, json_object());
        put_str(w, p, "type", o->principal_type);
        put_str(w, p, "name", o->principal_name);
        put_str(w, p, "arn", o->principal_arn);
        put(w, j, "principal", p);
    }
    put_str(w, j, "policy_arn", o->policy_arn);
    put_str(w, j, "pointer", o->pointer);
    return j;
}

static json_t *finding_json(jw *w, const iamg_finding *f)
{
    json_t *j = chk(w, json_object());
    put_str(w, j, "rule_id", f->rule_id);
    put_str(w, j, "level", iamg_level_name(f->level));
    put_str(w, j, "message", f->message);
    put_str(w, j, "path", f->path);
    put_int(w, j, "line", f->line);
    put_int(w, j, "column", f->column);
    put_int(w, j, "end_column", f->end_column);
    put_str(w, j, "statement", f->statement);
    put_str(w, j, "element", f->element);
    put_str(w, j, "fingerprint", f->fingerprint);
    put(w, j, "origin", origin_json(w, &f->origin));
    put_str(w, j, "suppressed", f->suppressed);
    return j;
}

static json_t *diag_json(jw *w, const iamg_diag *d)
{
    json_t *j = chk(w, json_object());
    put_str(w, j, "kind", diag_kind(d->code));
    put_str(w, j, "level", iamg_level_name(d->level));
    put_str(w, j, "path", d->path);
    if (d->line) put_int(w, j, "line", d->line);
    if (d->line && d->column) put_int(w, j, "column", d->column);
    if (d->line && d->end_column > d->column) put_int(w, j, "end_column", d->end_column);
    put_str(w, j, "rule_id", d->rule_id);
    put_str(w, j, "message", d->message);
    put_str(w, j, "fingerprint", d->fingerprint);
    return j;
}

static json_t *rule_json(jw *w, const iamg_rule_info *ri)
{
    json_t *j = chk(w, json_object());
    put_str(w, j, "id", ri->id);
    put_str(w, j, "name", ri->name);
    put_str(w, j, "level", iamg_level_name(ri->level));
    put(w, j, "enabled", json_boolean(ri->enabled));
    put(w, j, "builtin", json_boolean(ri->builtin));
    put_str(w, j, "source", ri->source);
    put_str(w, j, "short_description", ri->short_description);
    put_str(w, j, "full_description", ri->full_description);
    put_str(w, j, "help_uri", ri->help_uri);
    if (ri->security_severity > 0)
        put(w, j, "security_severity", chk(w, json_real(ri->security_severity)));
    put_str(w, j, "precision", ri->precision);
    json_t *tags = chk(w, json_array());
    for (size_t i = 0; i < ri->ntags; i++)
        push(w, tags, jstr(w, ri->tags[i]));
    put(w, j, "tags", tags);
    return j;
}

int iamg_write_json(FILE *out, const iamg_engine *e, const iamg_results *r,
                    const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    if (!o) o = &dflt;
    jw w = {0};
    const iamg_stats *st = iamg_results_stats(r);
    size_t nf = iamg_results_count(r), nd = iamg_results_diag_count(r);

    json_t *doc = chk(&w, json_object());
    put_int(&w, doc, "version", JSON_SCHEMA_VERSION);
    json_t *tool = chk(&w, json_object());
    put_str(&w, tool, "name", "iamguard");
    put_str(&w, tool, "version", IAMG_VERSION);
    put(&w, doc, "tool", tool);

    size_t by_level[4] = {0, 0, 0, 0};
    json_t *findings = chk(&w, json_array());
    for (size_t i = 0; i < nf && !w.oom; i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (!f->suppressed) by_level[f->level <= IAMG_LEVEL_ERROR ? f->level : 0]++;
        if (f->suppressed && !o->include_suppressed) continue;
        push(&w, findings, finding_json(&w, f));
    }

    json_t *sum = chk(&w, json_object());
    put_int(&w, sum, "files_seen", st->files_seen);
    put_int(&w, sum, "files_scanned", st->files_scanned);
    put_int(&w, sum, "files_skipped", st->files_skipped);
    put_int(&w, sum, "files_failed", st->files_failed);
    put_int(&w, sum, "documents", st->documents);
    put_int(&w, sum, "statements", st->statements);
    json_t *fl = chk(&w, json_object());
    put_int(&w, fl, "error", by_level[IAMG_LEVEL_ERROR]);
    put_int(&w, fl, "warning", by_level[IAMG_LEVEL_WARNING]);
    put_int(&w, fl, "note", by_level[IAMG_LEVEL_NOTE]);
    put(&w, sum, "findings", fl);
    put_int(&w, sum, "suppressed", st->suppressed);
    put_int(&w, sum, "baselined", st->baselined);
    put_int(&w, sum, "rule_failures", st->rule_failures);
    put_int(&w, sum, "terraform_files", st->terraform_files);
    /* Wall-clock time differs on every run: only on request. */
    if (o->timestamps) put(&w, sum, "seconds", chk(&w, json_real(st->seconds)));
    put(&w, doc, "summary", sum);
    put(&w, doc, "findings", findings);

    json_t *diags = chk(&w, json_array());
    for (size_t i = 0; i < nd && !w.oom; i++)
        push(&w, diags, diag_json(&w, iamg_results_diag(r, i)));
    put(&w, doc, "diagnostics", diags);

    json_t *rules = chk(&w, json_array());
    size_t nr = iamg_engine_rule_count(e);
    for (size_t i = 0; i < nr && !w.oom; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(e, i);
        if (ri) push(&w, rules, rule_json(&w, ri));
    }
    put(&w, doc, "rules", rules);

    int rc = 0;
    if (w.oom) {
        rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing the JSON report");
    } else {
        errno = 0;
        if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0 ||
            fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out)) {
            int e_ = errno;
            rc = ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write the JSON report: %s",
                              e_ ? strerror(e_) : "write error");
        }
    }
    json_decref(doc);
    return rc;
}
