/*
 * output/merge_results.c - iamg_merge_results: the merged SARIF run read
 * back into iamg_results, so that `iamguard merge` writes every format a
 * scan writes from the same results.
 *
 * The SARIF writer puts in property bags what the other formats show and
 * SARIF has no member for (a finding's holder label, the window of a cut
 * line, an allowlist entry's expiry, each notification's diagnostic, the
 * documents of a shard); everything else is read from SARIF's own members.
 * Strings are copied into the results' arena; nothing points into m.
 */
#include <stdio.h>
#include <string.h>

#include "iamguard/merge.h"
#include "load/sarif_read.h"
#include "output/merge_int.h"
#include "scan/results_int.h"
#include "output/report.h"
#include "util/alloc.h"
#include "util/errors.h"
#include "util/uri.h"

typedef struct reader {
    iamg_results *r;
    arena *a;
    int oom;
} reader;

static const char *dup(reader *rd, const char *s)
{
    if (!s) return NULL;
    char *c = ig_arena_strdup(rd->a, s);
    if (!c) rd->oom = 1;
    return c;
}

static const char *str(reader *rd, json_t *o, const char *key)
{
    return dup(rd, json_string_value(json_object_get(o, key)));
}

static unsigned uint_of(json_t *o, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(o, key));
    return v > 0 && v <= (json_int_t)UINT32_MAX ? (unsigned)v : 0;
}

static size_t size_of(json_t *o, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(o, key));
    return v > 0 ? (size_t)v : 0;
}

static iamg_level level_of(const char *name, iamg_level dflt)
{
    int l = name ? iamg_level_parse(name) : -1;
    return l < 0 ? dflt : (iamg_level)l;
}

/* The scanned path an artifact URI names, in the results' arena. */
static const char *uri_to_path(reader *rd, const char *uri)
{
    if (!uri) return NULL;
    char *p = ig_merge_uri_path(uri, 0);
    const char *c = p ? dup(rd, p) : NULL;
    if (!p) rd->oom = 1;
    ig_free(p);
    return c;
}

static void read_origin(reader *rd, json_t *p, iamg_origin *o)
{
    o->format = str(rd, p, "format");
    o->kind = str(rd, p, "policyKind");
    o->container = str(rd, p, "container");
    o->logical_id = str(rd, p, "logicalId");
    o->resource_type = str(rd, p, "resourceType");
    o->policy_name = str(rd, p, "policyName");
    o->address = str(rd, p, "address");
    o->principal_type = str(rd, p, "principalType");
    o->principal_name = str(rd, p, "principalName");
    o->principal_arn = str(rd, p, "principalArn");
    o->policy_arn = str(rd, p, "policyArn");
    o->pointer = str(rd, p, "pointer");
}

/* snippet, its column and cut flag from contextRegion (a whole line) or
 * from a snippetWindow property (`props`). */
static void read_snippet(reader *rd, json_t *phys, json_t *props, const char **snippet,
                         unsigned *col, unsigned *truncated)
{
    json_t *sw = json_object_get(props, "snippetWindow");
    const char *ctx = NULL;
    if (json_unpack(phys, "{s:{s:{s:s}}}", "contextRegion", "snippet", "text", &ctx)) ctx = NULL;
    if (ctx) {
        *snippet = dup(rd, ctx);
        *col = 1;
        *truncated = 0;
    } else if (json_is_object(sw)) {
        *snippet = str(rd, sw, "text");
        *col = uint_of(sw, "startColumn");
        *truncated = json_is_true(json_object_get(sw, "truncated"));
    }
}

static int read_holders(reader *rd, json_t *lls, iamg_finding *f)
{
    size_t n = 0, i;
    json_t *ll;
    json_array_foreach(lls, i, ll)
    {
        const char *kind = json_string_value(json_object_get(ll, "kind"));
        n += kind && strcmp(kind, "member") == 0;
    }
    if (!n) return 0;
    iamg_holder *hs = ig_arena_calloc(rd->a, n, sizeof *hs);
    if (!hs) return rd->oom = 1;
    size_t k = 0;
    json_array_foreach(lls, i, ll)
    {
        const char *kind = json_string_value(json_object_get(ll, "kind"));
        if (!kind || strcmp(kind, "member") != 0) continue;
        json_t *p = json_object_get(ll, "properties");
        hs[k].type = str(rd, p, "principalType");
        hs[k].name = str(rd, p, "principalName");
        hs[k].arn = str(rd, p, "arn");
        hs[k].id = str(rd, p, "id");
        hs[k].how = str(rd, p, "how");
        k++;
    }
    f->holders = hs;
    f->nholders = n;
    return 0;
}

static int read_finding(reader *rd, json_t *res, iamg_finding *f)
{
    json_t *props = json_object_get(res, "properties");
    json_t *loc = json_array_get(json_object_get(res, "locations"), 0);
    json_t *phys = json_object_get(loc, "physicalLocation");
    json_t *region = json_object_get(phys, "region");
    memset(f, 0, sizeof *f);
    f->rule_id = str(rd, res, "ruleId");
    f->level = level_of(json_string_value(json_object_get(res, "level")), IAMG_LEVEL_WARNING);
    const char *msg = NULL;
    if (json_unpack(res, "{s:{s:s}}", "message", "text", &msg)) msg = NULL;
    f->message = dup(rd, msg);
    f->path = uri_to_path(
        rd, json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")));
    f->line = uint_of(region, "startLine");
    f->column = uint_of(region, "startColumn");
    f->end_column = uint_of(region, "endColumn");
    read_snippet(rd, phys, props, &f->snippet, &f->snippet_column, &f->snippet_truncated);
    const char *fp = NULL;
    if (json_unpack(res, "{s:{s:s}}", "partialFingerprints", "primaryLocationLineHash", &fp))
        fp = NULL;
    f->fingerprint = dup(rd, fp);
    f->statement = str(rd, props, "statement");
    f->element = str(rd, props, "element");
    read_origin(rd, props, &f->origin);
    if (read_holders(rd, json_object_get(loc, "logicalLocations"), f)) return -1;
    f->holders_total = size_of(props, "holdersTotal");
    if (f->holders_total < f->nholders) f->holders_total = f->nholders;
    json_t *sup = json_array_get(json_object_get(res, "suppressions"), 0);
    if (sup) {
        const char *j = json_string_value(json_object_get(sup, "justification"));
        f->suppressed = dup(rd, j ? j : "");
        json_t *sp = json_object_get(sup, "properties");
        f->suppressed_expires = str(rd, sp, "expires");
        f->suppressed_where = str(rd, sp, "where");
    }
    if (!f->rule_id || !f->path) return rd->oom ? -1 : 1;
    return rd->oom ? -1 : 0;
}

static void read_diag(reader *rd, json_t *raw, iamg_diag *d)
{
    memset(d, 0, sizeof *d);
    d->code = (int)json_integer_value(json_object_get(raw, "code"));
    d->level = level_of(json_string_value(json_object_get(raw, "level")), IAMG_LEVEL_NONE);
    d->path = str(rd, raw, "path");
    d->line = uint_of(raw, "line");
    d->column = uint_of(raw, "column");
    d->end_column = uint_of(raw, "endColumn");
    d->rule_id = str(rd, raw, "ruleId");
    d->message = str(rd, raw, "message");
    d->fingerprint = str(rd, raw, "fingerprint");
    json_t *sw = json_object_get(raw, "snippetWindow");
    if (json_is_object(sw)) {
        d->snippet = str(rd, sw, "text");
        d->snippet_column = uint_of(sw, "startColumn");
        d->snippet_truncated = json_is_true(json_object_get(sw, "truncated"));
    }
}

static void read_stats(json_t *p, iamg_stats *st)
{
    st->files_seen = size_of(p, "filesSeen");
    st->files_scanned = size_of(p, "filesScanned");
    st->files_skipped = size_of(p, "filesSkipped");
    st->files_failed = size_of(p, "filesFailed");
    st->documents = size_of(p, "documents");
    st->statements = size_of(p, "statements");
    st->suppressed = size_of(p, "suppressedCount");
    st->baselined = size_of(p, "baselinedCount");
    st->blocked = size_of(p, "blockedCount");
    st->attachments = size_of(p, "attachmentsChecked");
    st->rule_failures = size_of(p, "ruleFailures");
    st->terraform_files = size_of(p, "terraformFiles");
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Seconds since the epoch of a SARIF time ("2026-01-31T12:00:00.250Z"), or -1. */
static double utc_seconds(const char *s)
{
    int y, mo, d, h, mi, sec, used = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    double frac = 0, scale = 0.1;
    if (s[used] == '.')
        for (const char *p = s + used + 1; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    return (double)days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec + frac;
}

/* The time a scan took is not in SARIF; with --timestamps, the shards' runs
 * span from the first start to the last end. */
static double run_seconds(json_t *inv)
{
    double t0 = utc_seconds(json_string_value(json_object_get(inv, "startTimeUtc")));
    double t1 = utc_seconds(json_string_value(json_object_get(inv, "endTimeUtc")));
    return t0 >= 0 && t1 >= t0 ? t1 - t0 : 0;
}

static int fill(reader *rd, const iamg_merge *m, iamg_error *err)
{
    iamg_results *r = rd->r;
    json_t *run = json_array_get(json_object_get(m->doc, "runs"), 0);
    json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
    json_t *notes = json_object_get(inv, "toolExecutionNotifications");
    size_t nres = json_array_size(m->all_results);
    size_t i;
    json_t *v;

    /* Never NULL arrays: the results' sort hands them to qsort. */
    size_t nn = json_array_size(notes), nd = json_array_size(m->documents);
    r->findings = ig_calloc(nres ? nres : 1, sizeof *r->findings);
    r->diags = ig_calloc(nn ? nn : 1, sizeof *r->diags);
    r->documents = ig_calloc(nd ? nd : 1, sizeof *r->documents);
    if (!r->findings || !r->diags || !r->documents) return -1;

    json_array_foreach(m->all_results, i, v)
    {
        /* Input problems come back as diagnostics, from the notifications. */
        if (json_object_get(json_object_get(v, "properties"), "problem")) continue;
        int rc = read_finding(rd, v, &r->findings[r->nfindings]);
        if (rc < 0) return -1;
        if (rc > 0) {
            ig_error_set(err, IAMG_EINVALID, "", 0, 0,
                         "result %zu of the merged run has no rule id or file: it was not "
                         "written by iamguard scan",
                         i);
            return IAMG_EINVALID;
        }
        r->nfindings++;
    }
    json_array_foreach(notes, i, v)
    {
        json_t *raw = json_object_get(json_object_get(v, "properties"), "diagnostic");
        if (!json_is_object(raw)) continue; /* about the run itself (results left out, ...) */
        read_diag(rd, raw, &r->diags[r->ndiags++]);
    }
    json_array_foreach(m->documents, i, v)
    {
        if (!json_is_string(json_object_get(v, "path"))) continue; /* not a document */
        iamg_document *doc = &r->documents[r->ndocuments++];
        doc->path = str(rd, v, "path");
        doc->line = uint_of(v, "line");
        doc->column = uint_of(v, "column");
        doc->statements = size_of(v, "statements");
        read_origin(rd, v, &doc->origin);
    }
    read_stats(json_object_get(run, "properties"), &r->stats);
    r->stats.seconds = run_seconds(inv);
    return rd->oom ? -1 : 0;
}

int iamg_merge_results(const iamg_merge *m, iamg_results **out, iamg_error *err)
{
    *out = NULL;
    iamg_results *r = ig_calloc(1, sizeof *r);
    reader rd = {r, NULL, 0};
    if (!r) goto oom;
    r->arenas = ig_calloc(1, sizeof *r->arenas);
    if (!r->arenas) goto oom;
    ig_arena_init(&r->arenas[0]);
    r->narenas = 1;
    rd.a = &r->arenas[0];
    int rc = fill(&rd, m, err);
    if (rc == IAMG_EINVALID) {
        iamg_results_free(r);
        return rc;
    }
    if (rc) goto oom;
    ig_results_sort(r);
    *out = r;
    return 0;
oom:
    iamg_results_free(r);
    return ig_error_set(err, IAMG_ENOMEM, "merge", 0, 0, "out of memory");
}

int iamg_merge_has_documents(const iamg_merge *m)
{
    return !m->documents_missing;
}

int ig_merge_run_info(iamg_merge *m)
{
    json_t *run = json_array_get(json_object_get(m->doc, "runs"), 0);
    const char *uri = NULL, *id = NULL;
    if (json_unpack(run, "{s:{s:{s:s}}}", "originalUriBaseIds", "%SRCROOT%", "uri", &uri))
        uri = NULL;
    /* The SARIF writer ends a folder URI with '/'; the scan's folder has none. */
    if (uri && ig_uri_file_path(uri) && !(m->base_dir = ig_merge_uri_path(uri, 1)))
        return IAMG_ENOMEM;
    if (json_unpack(run, "{s:{s:s}}", "automationDetails", "id", &id)) id = NULL;
    if (id) {
        size_t n = strlen(id);
        if (n > 1 && id[n - 1] == '/') n--;
        if (!(m->category = ig_strndup(id, n))) return IAMG_ENOMEM;
    }
    return 0;
}

const char *iamg_merge_base_dir(const iamg_merge *m)
{
    return m->base_dir;
}

const char *iamg_merge_category(const iamg_merge *m)
{
    return m->category;
}

static int is_problem_rule(const char *id)
{
    return !strcmp(id, ig_report_parse_rule.id) || !strcmp(id, ig_report_invalid_rule.id);
}

int iamg_merge_check_rules(const iamg_merge *m, const iamg_engine *e, iamg_error *err)
{
    static const char hint[] = "give merge the rule options of the scan (--config, --rules, "
                               "--pack, --rule, --skip-rule, --no-builtin)";
    json_t *run = json_array_get(json_object_get(m->doc, "runs"), 0);
    json_t *rules = json_object_get(ig_sarif_driver(run), "rules");
    size_t i;
    json_t *v;
    json_array_foreach(rules, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        if (!id || is_problem_rule(id)) continue;
        const iamg_rule_info *ri = iamg_engine_find_rule(e, id);
        if (!ri || !ri->enabled)
            return ig_error_set(err, IAMG_EINVALID, "", 0, 0,
                                "the shards ran rule %s, which is not %s here: %s", id,
                                ri ? "selected" : "loaded", hint);
    }
    for (i = 0; i < iamg_engine_rule_count(e); i++) {
        const iamg_rule_info *ri = iamg_engine_rule(e, i);
        if (!ri->enabled || is_problem_rule(ri->id)) continue;
        if (ig_merge_find_id(rules, ri->id) < 0)
            return ig_error_set(err, IAMG_EINVALID, "", 0, 0,
                                "rule %s is selected here, but the shards did not run it: %s",
                                ri->id, hint);
    }
    /* A result may name a rule the rule table lacks (SARIF written by hand). */
    json_array_foreach(m->all_results, i, v)
    {
        if (json_object_get(json_object_get(v, "properties"), "problem")) continue;
        const char *id = ig_sarif_result_rule(v, rules);
        const iamg_rule_info *ri = id ? iamg_engine_find_rule(e, id) : NULL;
        if (!ri || !ri->enabled)
            return ig_error_set(err, IAMG_EINVALID, "", 0, 0,
                                "result %zu names rule %s, which is not selected here: %s", i,
                                id ? id : "(none)", hint);
    }
    return 0;
}
