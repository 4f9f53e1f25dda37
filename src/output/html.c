/*
 * output/html.c - one self-contained HTML report (`-f html`).
 *
 * The page (src/output/html/: template, style sheet, script) is compiled in
 * by cmake/embed_html.cmake, which also puts the SHA-256 of the style sheet
 * and the script in the page's Content-Security-Policy: nothing else may
 * run or load, so no string from input can become markup or code even if
 * the script had a bug. The results go into the page as JSON inside a
 * non-executable <script type="application/json"> block, with '<', '>',
 * '&' and U+2028/U+2029 escaped so the text cannot end the block or be
 * read as markup; the script renders every string with textContent.
 *
 * The overview needs counts over all findings; they are computed here, so
 * the page does no work per finding when it opens beyond parsing the data
 * (the table renders one page at a time).
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/iamguard.h"
#include "output/html_assets.h"
#include "output/jbuild.h"
#include "output/report.h"
#include "util/alloc.h"
#include "util/errors.h"

/* Bumped when the page's data changes shape (tests read it). */
#define HTML_DATA_VERSION 1
/* Entries of each "most findings" chart. */
#define TOP_N 10

typedef struct hw {
    ig_jb jb;
    const iamg_engine *e;
    const iamg_results *r;
    const iamg_output_options *o;
    const char **rule_ids; /* data.rules, in order */
    size_t nrules;
    int oom;
} hw;

static json_t *str_or_null(hw *w, const char *s)
{
    return s ? ig_jb_str(&w->jb, s) : json_null();
}

/* Index of a rule in data.rules, adding it when new. */
static size_t rule_index(hw *w, const char *id)
{
    for (size_t i = 0; i < w->nrules; i++)
        if (strcmp(w->rule_ids[i], id) == 0) return i;
    const char **nv = ig_realloc(w->rule_ids, (w->nrules + 1) * sizeof *nv);
    if (!nv) {
        w->oom = 1;
        return 0;
    }
    w->rule_ids = nv;
    w->rule_ids[w->nrules] = id;
    return w->nrules++;
}

static json_t *rule_json(hw *w, const char *id)
{
    ig_jb *jb = &w->jb;
    const iamg_rule_info *ri = iamg_engine_find_rule(w->e, id);
    const pseudo_rule *pr = NULL;
    if (!ri && strcmp(id, ig_report_parse_rule.id) == 0) pr = &ig_report_parse_rule;
    if (!ri && strcmp(id, ig_report_invalid_rule.id) == 0) pr = &ig_report_invalid_rule;
    json_t *o = ig_jb_obj(jb);
    ig_jb_put_str(jb, o, "id", id);
    if (ri) {
        ig_jb_put_str(jb, o, "name", ri->name);
        ig_jb_put_str(jb, o, "level", iamg_level_name(ri->level));
        ig_jb_put(jb, o, "severity",
                  ig_jb_real(jb, ig_report_security_severity(ri->security_severity, ri->level)));
        ig_jb_put_str(jb, o, "short", ri->short_description);
        ig_jb_put_str(jb, o, "full", ri->full_description);
        ig_jb_put_str(jb, o, "help", ri->help);
        ig_jb_put_str(jb, o, "uri", ri->help_uri);
        ig_jb_put_str(jb, o, "source", ri->source);
        ig_jb_put(jb, o, "enabled", json_boolean(ri->enabled));
        json_t *tags = ig_jb_arr(jb);
        for (size_t i = 0; i < ri->ntags; i++)
            ig_jb_push(jb, tags, ig_jb_str(jb, ri->tags[i]));
        ig_jb_put(jb, o, "tags", tags);
    } else if (pr) {
        ig_jb_put_str(jb, o, "name", pr->name);
        ig_jb_put_str(jb, o, "level", iamg_level_name(pr->level));
        ig_jb_put(jb, o, "severity", ig_jb_real(jb, pr->severity));
        ig_jb_put_str(jb, o, "short", pr->short_desc);
        ig_jb_put_str(jb, o, "full", pr->full_desc);
        ig_jb_put_str(jb, o, "help", pr->help_md);
        ig_jb_put_str(jb, o, "source", "iamguard");
        ig_jb_put(jb, o, "enabled", json_true());
    }
    return o;
}

/* The principals that hold a finding's document, "role A, user b" (and how
 * many more past the listed ones), or what the document itself names;
 * null when neither is known. */
static json_t *principals_json(hw *w, const iamg_finding *f)
{
    if (!f->nholders) return str_or_null(w, ig_report_principal(f));
    buf b = BUF_INIT;
    for (size_t i = 0; i < f->nholders; i++) {
        if (i) ig_buf_puts(&b, ", ");
        ig_report_holder_label(&b, &f->holders[i]);
    }
    if (f->holders_total > f->nholders)
        ig_buf_printf(&b, " and %zu more", f->holders_total - f->nholders);
    return ig_jb_buf(&w->jb, &b);
}

/* One finding as an array; the script names the positions (F in report.js). */
static json_t *finding_json(hw *w, const iamg_finding *f)
{
    ig_jb *jb = &w->jb;
    json_t *a = ig_jb_arr(jb);
    ig_jb_push(jb, a, ig_jb_int(jb, rule_index(w, f->rule_id)));
    ig_jb_push(jb, a, ig_jb_int(jb, (size_t)f->level));
    ig_jb_push(jb, a, ig_jb_str(jb, f->path));
    ig_jb_push(jb, a, ig_jb_int(jb, f->line));
    ig_jb_push(jb, a, ig_jb_int(jb, f->column));
    ig_jb_push(jb, a, ig_jb_int(jb, f->end_column));
    ig_jb_push(jb, a, ig_jb_str(jb, f->message));
    ig_jb_push(jb, a, ig_jb_str(jb, ig_report_holder(f)));
    ig_jb_push(jb, a, principals_json(w, f));
    ig_jb_push(jb, a, str_or_null(w, f->statement));
    ig_jb_push(jb, a, str_or_null(w, f->element));
    ig_jb_push(jb, a, str_or_null(w, f->snippet));
    ig_jb_push(jb, a, ig_jb_int(jb, f->snippet_column ? f->snippet_column : 1));
    ig_jb_push(jb, a, str_or_null(w, f->origin.format));
    ig_jb_push(jb, a, str_or_null(w, f->origin.kind));
    ig_jb_push(jb, a, str_or_null(w, f->fingerprint));
    ig_jb_push(jb, a, str_or_null(w, f->suppressed));
    ig_jb_push(jb, a, str_or_null(w, f->suppressed_expires));
    ig_jb_push(jb, a, str_or_null(w, f->suppressed_where));
    return a;
}

static json_t *problem_json(hw *w, const iamg_diag *d)
{
    ig_jb *jb = &w->jb;
    buf msg = BUF_INIT;
    ig_report_problem_message(&msg, d);
    json_t *a = ig_jb_arr(jb);
    ig_jb_push(jb, a, ig_jb_str(jb, ig_report_diag_kind(d->code)));
    ig_jb_push(jb, a, ig_jb_int(jb, (size_t)ig_report_problem_level(d)));
    ig_jb_push(jb, a, ig_jb_int(jb, rule_index(w, ig_report_problem_rule(d)->id)));
    ig_jb_push(jb, a, ig_jb_str(jb, d->path));
    ig_jb_push(jb, a, ig_jb_int(jb, d->line));
    ig_jb_push(jb, a, ig_jb_int(jb, d->column));
    ig_jb_push(jb, a, ig_jb_int(jb, d->end_column));
    ig_jb_push(jb, a, ig_jb_buf(jb, &msg));
    ig_jb_push(jb, a, str_or_null(w, d->snippet));
    ig_jb_push(jb, a, ig_jb_int(jb, d->snippet_column ? d->snippet_column : 1));
    return a;
}

/* Diagnostics about the run rather than an input: rule failures, expired
 * allowlist entries, skipped files. */
static json_t *note_json(hw *w, const iamg_diag *d)
{
    ig_jb *jb = &w->jb;
    json_t *a = ig_jb_arr(jb);
    ig_jb_push(jb, a, ig_jb_str(jb, ig_report_diag_kind(d->code)));
    ig_jb_push(jb, a, ig_jb_int(jb, (size_t)d->level));
    ig_jb_push(jb, a, str_or_null(w, d->path));
    ig_jb_push(jb, a, ig_jb_int(jb, d->line));
    ig_jb_push(jb, a, str_or_null(w, d->rule_id));
    ig_jb_push(jb, a,
               ig_jb_str(jb, d->message && d->message[0] ? d->message : iamg_strerror(d->code)));
    return a;
}

/* ---- counts for the overview ---- */

typedef struct tally {
    const char *key;
    size_t n;
} tally;

static int cmp_key(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_tally(const void *pa, const void *pb)
{
    const tally *a = pa, *b = pb;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* The TOP_N most frequent of keys[0..n) (NULLs left out) as [[key, count]],
 * most frequent first, ties by key. keys is sorted in place. */
static json_t *top(hw *w, const char **keys, size_t n)
{
    ig_jb *jb = &w->jb;
    json_t *out = ig_jb_arr(jb);
    if (!n) return out;
    qsort(keys, n, sizeof *keys, cmp_key);
    tally *t = ig_calloc(n, sizeof *t);
    if (!t) {
        w->oom = 1;
        return out;
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i]) continue;
        if (nt && strcmp(t[nt - 1].key, keys[i]) == 0)
            t[nt - 1].n++;
        else
            t[nt++] = (tally){keys[i], 1};
    }
    qsort(t, nt, sizeof *t, cmp_tally);
    for (size_t i = 0; i < nt && i < TOP_N; i++) {
        json_t *p = ig_jb_arr(jb);
        ig_jb_push(jb, p, ig_jb_str(jb, t[i].key));
        ig_jb_push(jb, p, ig_jb_int(jb, t[i].n));
        ig_jb_push(jb, out, p);
    }
    ig_free(t);
    return out;
}

/* [[name, documents, findings]] over origin.format or origin.kind, by name. */
static json_t *by_origin(hw *w, int kind)
{
    ig_jb *jb = &w->jb;
    size_t nd = iamg_results_document_count(w->r), nf = iamg_results_count(w->r);
    tally *docs = ig_calloc(nd + 1, sizeof *docs), *finds = ig_calloc(nf + 1, sizeof *finds);
    json_t *out = ig_jb_arr(jb);
    if (!docs || !finds) {
        w->oom = 1;
        goto done;
    }
    size_t a = 0, b = 0;
    for (size_t i = 0; i < nd; i++) {
        const iamg_origin *o = &iamg_results_document(w->r, i)->origin;
        docs[a++].key = (kind ? o->kind : o->format) ? (kind ? o->kind : o->format) : "unknown";
    }
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (f->suppressed) continue;
        const char *k = kind ? f->origin.kind : f->origin.format;
        finds[b++].key = k ? k : "unknown";
    }
    qsort(docs, a, sizeof *docs, cmp_key);
    qsort(finds, b, sizeof *finds, cmp_key);
    size_t i = 0, j = 0;
    while (i < a || j < b) {
        const char *k = i < a && (j >= b || strcmp(docs[i].key, finds[j].key) <= 0) ? docs[i].key
                                                                                    : finds[j].key;
        size_t nd_k = 0, nf_k = 0;
        while (i < a && strcmp(docs[i].key, k) == 0) {
            nd_k++;
            i++;
        }
        while (j < b && strcmp(finds[j].key, k) == 0) {
            nf_k++;
            j++;
        }
        json_t *row = ig_jb_arr(jb);
        ig_jb_push(jb, row, ig_jb_str(jb, k));
        ig_jb_push(jb, row, ig_jb_int(jb, nd_k));
        ig_jb_push(jb, row, ig_jb_int(jb, nf_k));
        ig_jb_push(jb, out, row);
    }
done:
    ig_free(docs);
    ig_free(finds);
    return out;
}

/* The principals with the most findings: each holder of a finding's
 * document counts it (a role and the group it belongs to both do), or the
 * principal the document names when the input gives no holders. */
static json_t *principal_counts(hw *w)
{
    size_t nf = iamg_results_count(w->r), n = 0;
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (!f->suppressed) n += f->nholders ? f->nholders : ig_report_principal(f) ? 1 : 0;
    }
    char **labels = ig_calloc(n + 1, sizeof *labels);
    json_t *out = NULL;
    size_t k = 0;
    if (!labels) {
        w->oom = 1;
        return ig_jb_arr(&w->jb);
    }
    for (size_t i = 0; i < nf && !w->oom; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (f->suppressed) continue;
        for (size_t h = 0; h < f->nholders || (h == 0 && ig_report_principal(f)); h++) {
            buf b = BUF_INIT;
            if (f->nholders)
                ig_report_holder_label(&b, &f->holders[h]);
            else if (f->origin.principal_type)
                ig_buf_printf(&b, "%s %s", f->origin.principal_type, ig_report_principal(f));
            else
                ig_buf_puts(&b, ig_report_principal(f));
            labels[k] = ig_buf_detach(&b);
            if (!labels[k]) {
                w->oom = 1;
                break;
            }
            k++;
        }
    }
    out = top(w, (const char **)labels, k);
    for (size_t i = 0; i < k; i++)
        ig_free(labels[i]);
    ig_free(labels);
    return out;
}

static json_t *counts_json(hw *w)
{
    ig_jb *jb = &w->jb;
    size_t nf = iamg_results_count(w->r);
    json_t *c = ig_jb_obj(jb);
    size_t lv[4] = {0, 0, 0, 0}, live = 0, nr = w->nrules;
    size_t *per_rule = ig_calloc(nr + 1, sizeof *per_rule);
    const char **keys = ig_calloc(nf + 1, sizeof *keys);
    if (!per_rule || !keys) {
        w->oom = 1;
        goto done;
    }
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (f->suppressed) continue;
        lv[f->level <= IAMG_LEVEL_ERROR ? f->level : 0]++;
        size_t ri = rule_index(w, f->rule_id);
        if (ri < nr) per_rule[ri]++;
        live++;
    }
    json_t *levels = ig_jb_obj(jb);
    ig_jb_put_int(jb, levels, "error", lv[IAMG_LEVEL_ERROR]);
    ig_jb_put_int(jb, levels, "warning", lv[IAMG_LEVEL_WARNING]);
    ig_jb_put_int(jb, levels, "note", lv[IAMG_LEVEL_NOTE]);
    ig_jb_put(jb, c, "levels", levels);
    json_t *rules = ig_jb_arr(jb);
    for (size_t i = 0; i < nr; i++) {
        json_t *p = ig_jb_arr(jb);
        ig_jb_push(jb, p, ig_jb_int(jb, i));
        ig_jb_push(jb, p, ig_jb_int(jb, per_rule[i]));
        ig_jb_push(jb, rules, p);
    }
    ig_jb_put(jb, c, "rules", rules);
    size_t k = 0;
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (!f->suppressed) keys[k++] = f->path;
    }
    ig_jb_put(jb, c, "files", top(w, keys, k));
    k = 0;
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (!f->suppressed) keys[k++] = ig_report_holder(f);
    }
    ig_jb_put(jb, c, "holders", top(w, keys, k));
    ig_jb_put(jb, c, "principals", principal_counts(w));
    ig_jb_put(jb, c, "formats", by_origin(w, 0));
    ig_jb_put(jb, c, "kinds", by_origin(w, 1));
    ig_jb_put_int(jb, c, "findings", live);
    ig_jb_put_int(jb, c, "documentsListed", iamg_results_document_count(w->r));
done:
    ig_free(per_rule);
    ig_free(keys);
    return c;
}

static json_t *data_json(hw *w)
{
    ig_jb *jb = &w->jb;
    const iamg_output_options *o = w->o;
    const iamg_stats *st = iamg_results_stats(w->r);
    json_t *doc = ig_jb_obj(jb);
    ig_jb_put_int(jb, doc, "version", HTML_DATA_VERSION);

    json_t *tool = ig_jb_obj(jb);
    ig_jb_put_str(jb, tool, "name", "iamguard");
    ig_jb_put_str(jb, tool, "version", iamg_version());
    ig_jb_put_str(jb, tool, "catalogue", iamg_catalog_version());
    iamg_managed_info mi;
    iamg_engine_managed_info(w->e, &mi);
    json_t *mp = ig_jb_obj(jb);
    ig_jb_put_str(jb, mp, "source", mi.source);
    ig_jb_put_str(jb, mp, "version", mi.version);
    ig_jb_put_str(jb, mp, "date", mi.date);
    ig_jb_put(jb, tool, "managedPolicies", mp);
    ig_jb_put(jb, doc, "tool", tool);

    json_t *scan = ig_jb_obj(jb);
    ig_jb_put(jb, scan, "base", str_or_null(w, o->working_directory));
    ig_jb_put(jb, scan, "category", str_or_null(w, o->category));
    ig_jb_put(jb, scan, "command", str_or_null(w, o->command_line));
    ig_jb_put(jb, scan, "includeSuppressed", json_boolean(o->include_suppressed));
    /* Wall-clock time differs on every run: only on request. */
    if (o->timestamps) ig_jb_put(jb, scan, "seconds", ig_jb_real(jb, st->seconds));
    ig_jb_put(jb, doc, "scan", scan);

    json_t *settings = ig_jb_arr(jb);
    for (size_t i = 0; o->version >= 2 && i < o->nsettings; i++) {
        json_t *p = ig_jb_arr(jb);
        ig_jb_push(jb, p, ig_jb_str(jb, o->settings[i].name));
        ig_jb_push(jb, p, str_or_null(w, o->settings[i].value));
        ig_jb_push(jb, settings, p);
    }
    ig_jb_put(jb, doc, "settings", settings);

    json_t *stats = ig_jb_obj(jb);
    ig_jb_put_int(jb, stats, "filesSeen", st->files_seen);
    ig_jb_put_int(jb, stats, "filesScanned", st->files_scanned);
    ig_jb_put_int(jb, stats, "filesSkipped", st->files_skipped);
    ig_jb_put_int(jb, stats, "filesFailed", st->files_failed);
    ig_jb_put_int(jb, stats, "documents", st->documents);
    ig_jb_put_int(jb, stats, "statements", st->statements);
    ig_jb_put_int(jb, stats, "suppressed", st->suppressed);
    ig_jb_put_int(jb, stats, "baselined", st->baselined);
    ig_jb_put_int(jb, stats, "ruleFailures", st->rule_failures);
    ig_jb_put_int(jb, stats, "terraformFiles", st->terraform_files);
    ig_jb_put(jb, doc, "stats", stats);

    /* The rule table first takes every enabled rule, so a rule without
     * findings still shows in the overview. */
    size_t nr = iamg_engine_rule_count(w->e);
    for (size_t i = 0; i < nr; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(w->e, i);
        if (ri && ri->enabled && ri->id) rule_index(w, ri->id);
    }
    json_t *findings = ig_jb_arr(jb), *problems = ig_jb_arr(jb), *notes = ig_jb_arr(jb);
    size_t nf = iamg_results_count(w->r), nd = iamg_results_diag_count(w->r);
    for (size_t i = 0; i < nf && !jb->oom; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (f->suppressed && !o->include_suppressed) continue;
        ig_jb_push(jb, findings, finding_json(w, f));
    }
    for (size_t i = 0; i < nd && !jb->oom; i++) {
        const iamg_diag *d = iamg_results_diag(w->r, i);
        if (ig_report_input_problem(d))
            ig_jb_push(jb, problems, problem_json(w, d));
        else
            ig_jb_push(jb, notes, note_json(w, d));
    }
    ig_jb_put(jb, doc, "counts", counts_json(w));
    json_t *rules = ig_jb_arr(jb);
    for (size_t i = 0; i < w->nrules; i++)
        ig_jb_push(jb, rules, rule_json(w, w->rule_ids[i]));
    ig_jb_put(jb, doc, "rules", rules);
    ig_jb_put(jb, doc, "findings", findings);
    ig_jb_put(jb, doc, "problems", problems);
    ig_jb_put(jb, doc, "notes", notes);
    return doc;
}

/* ---- writing the page ---- */

typedef struct sink {
    FILE *out;
    int failed;
} sink;

/* jansson's dump callback: the JSON text with every character that could
 * end the script block or start markup escaped. They only occur inside
 * strings, where \uXXXX means the same. U+2028 and U+2029 (line ends to
 * old script parsers) are escaped by JSON_ENSURE_ASCII, like all non-ASCII. */
static int script_safe(const char *text, size_t n, void *ud)
{
    sink *s = ud;
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = text[i] == '<'   ? "\\u003c"
                          : text[i] == '>' ? "\\u003e"
                          : text[i] == '&' ? "\\u0026"
                                           : NULL;
        if (!rep) continue;
        if (i > from && fwrite(text + from, 1, i - from, s->out) != i - from) s->failed = 1;
        if (fputs(rep, s->out) == EOF) s->failed = 1;
        from = i + 1;
    }
    if (n > from && fwrite(text + from, 1, n - from, s->out) != n - from) s->failed = 1;
    return s->failed ? -1 : 0;
}

int iamg_write_html(FILE *out, const iamg_engine *e, const iamg_results *r,
                    const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    hw w;
    memset(&w, 0, sizeof w);
    w.e = e;
    w.r = r;
    w.o = o ? o : &dflt;
    int rc =
        ig_options_check(w.o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (rc) return rc;
    json_t *doc = data_json(&w);
    if (w.oom || w.jb.oom) {
        rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing the HTML report");
        goto done;
    }
    errno = 0;
    sink s = {out, 0};
    if (fwrite(ig_html_head, 1, ig_html_head_len, out) != ig_html_head_len) s.failed = 1;
    if (!s.failed && json_dump_callback(doc, script_safe, &s, JSON_COMPACT | JSON_ENSURE_ASCII))
        s.failed = 1;
    if (!s.failed && fwrite(ig_html_tail, 1, ig_html_tail_len, out) != ig_html_tail_len)
        s.failed = 1;
    if (s.failed || fflush(out) == EOF || ferror(out)) {
        int e_ = errno;
        rc = ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write the HTML report: %s",
                          e_ ? strerror(e_) : "write error");
    }
done:
    json_decref(doc);
    ig_free(w.rule_ids);
    return rc;
}
