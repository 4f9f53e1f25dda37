/*
 * output/junit.c - JUnit XML (`-f junit`) for Jenkins, GitLab and Azure
 * Pipelines test reports.
 *
 * One test suite per rule, one test case per scanned document in each, so a
 * clean document counts as a passed test and a policy that breaks a rule as
 * a failed one (a <failure> per finding, its type the level). Input
 * problems are errors in a suite of their own (IAMGUARD-PARSE,
 * IAMGUARD-INVALID), a rule that failed is an error in its suite. The
 * document follows tests/junit/jenkins-junit.xsd; every string from input
 * goes through output/xml.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/iamguard.h"
#include "output/report.h"
#include "output/xml.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/str.h"

#define NO_DOC SIZE_MAX

typedef struct suite_rule {
    const char *id;
    const iamg_rule_info *info; /* NULL for a rule that is no longer loaded */
} suite_rule;

/* A finding with the suite and the test case it belongs to. */
typedef struct placed {
    size_t rule, doc, index;
} placed;

typedef struct jw {
    const iamg_engine *e;
    const iamg_results *r;
    const iamg_output_options *o;
    suite_rule *rules;
    size_t nrules;
    const iamg_document **docs; /* the listed documents, by (path, pointer) */
    size_t ndocs;
    unsigned char *dup_name; /* dup_name[d]: another document of its file has its holder */
    placed *placed;          /* findings written, by (rule, doc, index) */
    size_t nplaced;
    size_t tests, failures, errors, skipped; /* of the whole report */
    int oom;
} jw;

static int cmp_doc_key(const void *pa, const void *pb)
{
    const iamg_document *a = *(const iamg_document *const *)pa;
    const iamg_document *b = *(const iamg_document *const *)pb;
    int c = ig_str_cmp(a->path, b->path);
    return c ? c : ig_str_cmp(a->origin.pointer, b->origin.pointer);
}

static int cmp_placed(const void *pa, const void *pb)
{
    const placed *a = pa, *b = pb;
    if (a->rule != b->rule) return a->rule < b->rule ? -1 : 1;
    if (a->doc != b->doc) return a->doc < b->doc ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Index (in iamg_results_document order) of the document holding f, or NO_DOC. */
static size_t doc_of(const jw *w, const iamg_finding *f)
{
    iamg_document key;
    memset(&key, 0, sizeof key);
    key.path = f->path;
    key.origin.pointer = f->origin.pointer;
    const iamg_document *kp = &key;
    const iamg_document **hit = bsearch(&kp, w->docs, w->ndocs, sizeof *w->docs, cmp_doc_key);
    if (!hit) return NO_DOC;
    return (size_t)(*hit - iamg_results_document(w->r, 0));
}

static size_t rule_slot(jw *w, const char *id, const iamg_rule_info *info)
{
    for (size_t i = 0; i < w->nrules; i++)
        if (strcmp(w->rules[i].id, id) == 0) return i;
    suite_rule *nr = ig_realloc(w->rules, (w->nrules + 1) * sizeof *nr);
    if (!nr) {
        w->oom = 1;
        return SIZE_MAX;
    }
    w->rules = nr;
    w->rules[w->nrules] = (suite_rule){id, info};
    return w->nrules++;
}

static int cmp_doc_holder(const void *pa, const void *pb)
{
    const iamg_document *a = *(const iamg_document *const *)pa;
    const iamg_document *b = *(const iamg_document *const *)pb;
    int c = ig_str_cmp(a->path, b->path);
    return c ? c : ig_str_cmp(a->origin.container, b->origin.container);
}

/* Rules in SARIF's order (enabled ones as loaded, then any other a finding
 * names), documents indexed, findings placed. */
static void prepare(jw *w)
{
    size_t n = iamg_engine_rule_count(w->e);
    for (size_t i = 0; i < n && !w->oom; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(w->e, i);
        if (ri && ri->enabled && ri->id) rule_slot(w, ri->id, ri);
    }
    size_t nd = iamg_results_document_count(w->r);
    if (nd) {
        w->docs = ig_calloc(nd, sizeof *w->docs);
        w->dup_name = ig_calloc(nd, 1);
        const iamg_document **tmp = ig_calloc(nd, sizeof *tmp);
        if (!w->docs || !w->dup_name || !tmp) {
            ig_free(tmp);
            w->oom = 1;
            return;
        }
        for (size_t i = 0; i < nd; i++)
            w->docs[i] = tmp[i] = iamg_results_document(w->r, i);
        w->ndocs = nd;
        qsort(w->docs, nd, sizeof *w->docs, cmp_doc_key);
        /* Test cases are named by file and holder; the rare documents that
         * share both (one per Fn::If branch) are told apart by pointer. */
        qsort(tmp, nd, sizeof *tmp, cmp_doc_holder);
        const iamg_document *first = iamg_results_document(w->r, 0);
        for (size_t i = 1; i < nd; i++)
            if (cmp_doc_holder(&tmp[i - 1], &tmp[i]) == 0)
                w->dup_name[tmp[i - 1] - first] = w->dup_name[tmp[i] - first] = 1;
        ig_free(tmp);
    }
    size_t nf = iamg_results_count(w->r);
    w->placed = ig_calloc(nf ? nf : 1, sizeof *w->placed);
    if (!w->placed) {
        w->oom = 1;
        return;
    }
    for (size_t i = 0; i < nf && !w->oom; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (f->suppressed && !w->o->include_suppressed) continue;
        size_t rs = rule_slot(w, f->rule_id, iamg_engine_find_rule(w->e, f->rule_id));
        w->placed[w->nplaced++] = (placed){rs, doc_of(w, f), i};
    }
    qsort(w->placed, w->nplaced, sizeof *w->placed, cmp_placed);
}

static void attr(buf *b, const char *name, const char *value)
{
    ig_buf_printf(b, " %s=\"", name);
    ig_xml_attr(b, value);
    ig_buf_putc(b, '"');
}

static void property(buf *b, const char *name, const char *value)
{
    if (!value) return;
    ig_buf_puts(b, "      <property");
    attr(b, "name", name);
    attr(b, "value", value);
    ig_buf_puts(b, "/>\n");
}

/* "path:line:col: " as compilers print it. */
static void position(buf *b, const char *path, unsigned line, unsigned col)
{
    ig_xml_text(b, path ? path : "iamguard");
    if (line) ig_buf_printf(b, ":%u", line);
    if (line && col) ig_buf_printf(b, ":%u", col);
    ig_buf_puts(b, ": ");
}

static void source_line(buf *b, unsigned line, const char *snippet, unsigned snippet_col)
{
    if (!snippet || !line) return;
    ig_buf_printf(b, "\n%6u | %s", line, snippet_col > 1 ? "..." : "");
    ig_xml_text(b, snippet);
}

static void open_case(buf *b, const char *classname, const char *name)
{
    ig_buf_puts(b, "    <testcase");
    attr(b, "name", name);
    attr(b, "classname", classname);
}

static void doc_name(buf *name, const jw *w, size_t d)
{
    const iamg_document *doc = iamg_results_document(w->r, d);
    ig_buf_puts(name, doc->path ? doc->path : "");
    if (doc->origin.container) ig_buf_printf(name, ": %s", doc->origin.container);
    if (w->dup_name[d] && doc->origin.pointer && doc->origin.pointer[0])
        ig_buf_printf(name, " [%s]", doc->origin.pointer);
}

static void failure(buf *b, const iamg_finding *f)
{
    ig_buf_puts(b, "      <failure");
    attr(b, "type", iamg_level_name(f->level));
    attr(b, "message", f->message);
    ig_buf_puts(b, ">");
    position(b, f->path, f->line, f->column);
    ig_buf_printf(b, "%s[", iamg_level_name(f->level));
    ig_xml_text(b, f->rule_id);
    ig_buf_puts(b, "] ");
    ig_xml_text(b, f->message);
    const char *holder = ig_report_holder(f);
    if (holder && holder != f->path) {
        ig_buf_puts(b, "\nin ");
        ig_xml_text(b, holder);
        if (f->statement) {
            ig_buf_puts(b, ", statement ");
            ig_xml_text(b, f->statement);
        }
    }
    source_line(b, f->line, f->snippet, f->snippet_column);
    ig_buf_puts(b, "</failure>\n");
}

static void allowlisted(buf *b, const iamg_finding *f)
{
    position(b, f->path, f->line, f->column);
    ig_xml_text(b, f->rule_id);
    ig_buf_puts(b, " allowlisted: ");
    ig_xml_text(b, f->suppressed);
    if (f->suppressed_expires) {
        ig_buf_puts(b, " (until ");
        ig_xml_text(b, f->suppressed_expires);
        ig_buf_putc(b, ')');
    }
    ig_buf_putc(b, '\n');
}

/* One test case: the findings placed[from..to) of one document (or of no
 * listed document). Counts what it is. */
static void write_case(jw *w, buf *b, const char *classname, const char *name, size_t from,
                       size_t to, size_t *failures, size_t *skipped)
{
    size_t live = 0, allowed = 0;
    for (size_t k = from; k < to; k++) {
        if (iamg_results_get(w->r, w->placed[k].index)->suppressed)
            allowed++;
        else
            live++;
    }
    open_case(b, classname, name);
    if (!live && !allowed) {
        ig_buf_puts(b, "/>\n");
        return;
    }
    ig_buf_puts(b, ">\n");
    if (!live) {
        /* Every finding allowlisted: the case is skipped, with the reasons. */
        ig_buf_puts(b, "      <skipped>");
        for (size_t k = from; k < to; k++)
            allowlisted(b, iamg_results_get(w->r, w->placed[k].index));
        ig_buf_puts(b, "</skipped>\n");
        (*skipped)++;
    } else {
        for (size_t k = from; k < to; k++) {
            const iamg_finding *f = iamg_results_get(w->r, w->placed[k].index);
            if (!f->suppressed) failure(b, f);
        }
        if (allowed) {
            ig_buf_puts(b, "      <system-out>");
            for (size_t k = from; k < to; k++) {
                const iamg_finding *f = iamg_results_get(w->r, w->placed[k].index);
                if (f->suppressed) allowlisted(b, f);
            }
            ig_buf_puts(b, "</system-out>\n");
        }
        (*failures)++;
    }
    ig_buf_puts(b, "    </testcase>\n");
}

/* A diagnostic as an <error> test case. */
static void error_case(buf *b, const char *classname, const iamg_diag *d, const char *message)
{
    buf name = BUF_INIT;
    if (d->path) {
        ig_buf_puts(&name, d->path);
        if (d->line) ig_buf_printf(&name, ":%u", d->line);
    } else {
        ig_buf_puts(&name, d->code == IAMG_ERULE ? "rule failure" : "iamguard");
    }
    open_case(b, classname, name.data ? name.data : "");
    if (name.oom) b->oom = 1;
    ig_buf_free(&name);
    ig_buf_puts(b, ">\n      <error");
    attr(b, "type", ig_report_diag_kind(d->code));
    attr(b, "message", message);
    ig_buf_puts(b, ">");
    position(b, d->path, d->line, d->column);
    ig_xml_text(b, message);
    source_line(b, d->line, d->snippet, d->snippet_column);
    ig_buf_puts(b, "</error>\n    </testcase>\n");
}

static void open_suite(jw *w, buf *out, const char *name, size_t tests, size_t failures,
                       size_t errors, size_t skipped)
{
    ig_buf_puts(out, "  <testsuite");
    attr(out, "name", name);
    ig_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\">\n", tests,
                  failures, errors, skipped);
    w->tests += tests;
    w->failures += failures;
    w->errors += errors;
    w->skipped += skipped;
}

static const char *rule_failure_text(const iamg_diag *d)
{
    return d->message && d->message[0] ? d->message : iamg_strerror(d->code);
}

/* The suite of rule s: a case per document, then findings outside every
 * listed document, then the rule's failures. */
static void rule_suite(jw *w, buf *out, size_t s, size_t *pk)
{
    const suite_rule *sr = &w->rules[s];
    buf body = BUF_INIT, name = BUF_INIT;
    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    size_t k = *pk;
    for (size_t d = 0; d < w->ndocs; d++) {
        size_t from = k;
        while (k < w->nplaced && w->placed[k].rule == s && w->placed[k].doc == d)
            k++;
        ig_buf_reset(&name);
        doc_name(&name, w, d);
        write_case(w, &body, sr->id, name.data ? name.data : "", from, k, &failures, &skipped);
        tests++;
    }
    while (k < w->nplaced && w->placed[k].rule == s) {
        const iamg_finding *f = iamg_results_get(w->r, w->placed[k].index);
        ig_buf_reset(&name);
        ig_buf_printf(&name, "%s:%u", f->path ? f->path : "", f->line);
        const char *holder = ig_report_holder(f);
        if (holder && holder != f->path) ig_buf_printf(&name, ": %s", holder);
        write_case(w, &body, sr->id, name.data ? name.data : "", k, k + 1, &failures, &skipped);
        tests++;
        k++;
    }
    *pk = k;
    size_t nd = iamg_results_diag_count(w->r);
    for (size_t i = 0; i < nd; i++) {
        const iamg_diag *d = iamg_results_diag(w->r, i);
        if (d->code != IAMG_ERULE || !d->rule_id || strcmp(d->rule_id, sr->id) != 0) continue;
        error_case(&body, sr->id, d, rule_failure_text(d));
        tests++;
        errors++;
    }
    open_suite(w, out, sr->id, tests, failures, errors, skipped);
    const iamg_rule_info *ri = sr->info;
    if (ri) {
        char sev[16];
        snprintf(sev, sizeof sev, "%.1f",
                 ig_report_security_severity(ri->security_severity, ri->level));
        ig_buf_puts(out, "    <properties>\n");
        property(out, "level", iamg_level_name(ri->level));
        property(out, "security-severity", sev);
        property(out, "description", ri->short_description);
        property(out, "help-uri", ri->help_uri);
        ig_buf_puts(out, "    </properties>\n");
    }
    if (body.len) ig_buf_append(out, body.data, body.len);
    if (body.oom || name.oom) out->oom = 1;
    ig_buf_puts(out, "  </testsuite>\n");
    ig_buf_free(&body);
    ig_buf_free(&name);
}

/* A suite of <error> cases: the input problems of one problem rule, or
 * the failures of rules that are not in the table. */
static void error_suite(jw *w, buf *out, const char *id, const pseudo_rule *pr)
{
    buf body = BUF_INIT, msg = BUF_INIT;
    size_t tests = 0;
    size_t nd = iamg_results_diag_count(w->r);
    for (size_t i = 0; i < nd; i++) {
        const iamg_diag *d = iamg_results_diag(w->r, i);
        if (pr) {
            if (!ig_report_input_problem(d) || ig_report_problem_rule(d) != pr) continue;
            ig_buf_reset(&msg);
            ig_report_problem_message(&msg, d);
            error_case(&body, id, d, msg.data ? msg.data : "");
        } else {
            if (d->code != IAMG_ERULE) continue;
            int known = 0;
            for (size_t s = 0; d->rule_id && s < w->nrules && !known; s++)
                known = strcmp(w->rules[s].id, d->rule_id) == 0;
            if (known) continue;
            error_case(&body, id, d, rule_failure_text(d));
        }
        tests++;
    }
    if (tests) {
        open_suite(w, out, id, tests, 0, tests, 0);
        if (pr) {
            ig_buf_puts(out, "    <properties>\n");
            property(out, "level", iamg_level_name(pr->level));
            property(out, "description", pr->short_desc);
            ig_buf_puts(out, "    </properties>\n");
        }
        if (body.len) ig_buf_append(out, body.data, body.len);
        ig_buf_puts(out, "  </testsuite>\n");
    }
    if (body.oom || msg.oom) out->oom = 1;
    ig_buf_free(&body);
    ig_buf_free(&msg);
}

int iamg_write_junit(FILE *out, const iamg_engine *e, const iamg_results *r,
                     const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    jw w;
    memset(&w, 0, sizeof w);
    w.e = e;
    w.r = r;
    w.o = o ? o : &dflt;
    int rc =
        ig_options_check(w.o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (rc) return rc;
    buf suites = BUF_INIT;
    prepare(&w);
    size_t k = 0;
    for (size_t s = 0; s < w.nrules && !w.oom && !suites.oom; s++)
        rule_suite(&w, &suites, s, &k);
    if (!w.oom) {
        error_suite(&w, &suites, ig_report_parse_rule.id, &ig_report_parse_rule);
        error_suite(&w, &suites, ig_report_invalid_rule.id, &ig_report_invalid_rule);
        error_suite(&w, &suites, "iamguard", NULL);
    }
    if (w.oom || suites.oom) {
        rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing the JUnit report");
        goto done;
    }
    errno = 0;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"iamguard\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            w.tests, w.failures, w.errors);
    if (suites.len) fwrite(suites.data, 1, suites.len, out);
    fputs("</testsuites>\n", out);
    if (fflush(out) == EOF || ferror(out)) {
        int e_ = errno;
        rc = ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write the JUnit report: %s",
                          e_ ? strerror(e_) : "write error");
    }
done:
    ig_buf_free(&suites);
    ig_free(w.rules);
    ig_free(w.docs);
    ig_free(w.dup_name);
    ig_free(w.placed);
    return rc;
}
