/*
 * output/gitlab.c - GitLab Code Quality (`-f gitlab`).
 *
 * A JSON array with one issue per finding and per input problem, as GitLab
 * shows them in merge requests. GitLab keeps an issue across pipelines by
 * its fingerprint and shows only one issue per fingerprint, so the
 * fingerprint is derived from what already makes SARIF alerts stable (rule,
 * path and the line's content hash, see output/fingerprint.h) plus the
 * issue's rank among issues sharing those: unique within a report, and
 * unchanged by edits elsewhere in the file. The severity mapping is
 * documented in docs/integrations.md.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iamguard/iamguard.h"
#include "output/jbuild.h"
#include "output/report.h"
#include "util/errors.h"

typedef struct fp_key {
    const char *rule, *path, *line_hash;
} fp_key;

/* 64-bit FNV-1a over the key's strings (each with its NUL), from `seed`. */
static uint64_t fnv(uint64_t seed, const fp_key *k, size_t rank)
{
    const char *parts[3] = {k->rule ? k->rule : "", k->path ? k->path : "",
                            k->line_hash ? k->line_hash : ""};
    uint64_t h = seed;
    for (int i = 0; i < 3; i++) {
        const unsigned char *p = (const unsigned char *)parts[i];
        do {
            h ^= *p;
            h *= 0x100000001b3ULL;
        } while (*p++);
    }
    for (int i = 0; i < 8; i++) {
        h ^= (rank >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* 32 hex digits, as GitLab's own analyzers write (an MD5's length). */
static void fingerprint(char out[33], const fp_key *k, size_t rank)
{
    uint64_t a = fnv(0xcbf29ce484222325ULL, k, rank), b = fnv(0x84222325cbf29ce4ULL, k, rank);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static int same_key(const fp_key *a, const fp_key *b)
{
    return strcmp(a->rule ? a->rule : "", b->rule ? b->rule : "") == 0 &&
           strcmp(a->path ? a->path : "", b->path ? b->path : "") == 0 &&
           strcmp(a->line_hash ? a->line_hash : "", b->line_hash ? b->line_hash : "") == 0;
}

/* GitLab's five severities from a level and the rule's security severity
 * (0 when it sets none). */
static const char *severity(iamg_level lv, double sev)
{
    switch (lv) {
    case IAMG_LEVEL_ERROR:
        return sev >= 9.0 ? "blocker" : sev >= 7.0 ? "critical" : "major";
    case IAMG_LEVEL_WARNING:
        return "minor";
    default:
        return "info";
    }
}

static json_t *issue(ig_jb *jb, const char *check, json_t *desc, const char *fp, const char *sev,
                     const char *path, unsigned line)
{
    json_t *o = ig_jb_obj(jb);
    ig_jb_put(jb, o, "description", desc);
    ig_jb_put_str(jb, o, "check_name", check);
    ig_jb_put_str(jb, o, "fingerprint", fp);
    ig_jb_put_str(jb, o, "severity", sev);
    json_t *loc = ig_jb_obj(jb), *lines = ig_jb_obj(jb);
    ig_jb_put_str(jb, loc, "path", path ? path : "");
    /* GitLab needs a line; a file that could not be read has none. */
    ig_jb_put_int(jb, lines, "begin", line ? line : 1);
    ig_jb_put(jb, loc, "lines", lines);
    ig_jb_put(jb, o, "location", loc);
    return o;
}

static json_t *finding_issue(ig_jb *jb, const iamg_engine *e, const iamg_results *r, size_t i)
{
    const iamg_finding *f = iamg_results_get(r, i);
    fp_key k = {f->rule_id, f->path, f->fingerprint};
    /* Findings on one line are neighbours in the sorted results. */
    size_t rank = 0;
    for (size_t j = i; j-- > 0;) {
        const iamg_finding *g = iamg_results_get(r, j);
        if (g->line != f->line || strcmp(g->path ? g->path : "", f->path ? f->path : "")) break;
        fp_key kg = {g->rule_id, g->path, g->fingerprint};
        if (same_key(&k, &kg)) rank++;
    }
    char fp[33];
    fingerprint(fp, &k, rank);
    const iamg_rule_info *ri = iamg_engine_find_rule(e, f->rule_id);
    buf b = BUF_INIT;
    ig_buf_puts(&b, f->message && f->message[0] ? f->message : f->rule_id);
    const char *holder = ig_report_holder(f);
    if (holder && holder != f->path) ig_buf_printf(&b, " (in %s)", holder);
    const char *sev = severity(f->level, ri ? ri->security_severity : 0);
    if (f->suppressed) {
        /* Only with --include-suppressed: kept visible, at the lowest rank. */
        ig_buf_printf(&b, " [allowlisted: %s]", f->suppressed);
        sev = "info";
    }
    return issue(jb, f->rule_id, ig_jb_buf(jb, &b), fp, sev, f->path, f->line);
}

static json_t *problem_issue(ig_jb *jb, const iamg_results *r, size_t i)
{
    const iamg_diag *d = iamg_results_diag(r, i);
    const pseudo_rule *pr = ig_report_problem_rule(d);
    fp_key k = {pr->id, d->path, d->fingerprint};
    size_t rank = 0;
    for (size_t j = i; j-- > 0;) {
        const iamg_diag *g = iamg_results_diag(r, j);
        if (!ig_report_input_problem(g)) continue;
        if (strcmp(g->path ? g->path : "", d->path ? d->path : "")) break;
        fp_key kg = {ig_report_problem_rule(g)->id, g->path, g->fingerprint};
        if (same_key(&k, &kg)) rank++;
    }
    char fp[33];
    fingerprint(fp, &k, rank);
    buf b = BUF_INIT;
    ig_report_problem_message(&b, d);
    return issue(jb, pr->id, ig_jb_buf(jb, &b), fp,
                 severity(ig_report_problem_level(d), pr->severity), d->path, d->line);
}

int iamg_write_gitlab(FILE *out, const iamg_engine *e, const iamg_results *r,
                      const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    if (!o) o = &dflt;
    int vrc = ig_options_check(o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (vrc) return vrc;
    ig_jb jb = {0};
    json_t *doc = ig_jb_arr(&jb);
    size_t nf = iamg_results_count(r), nd = iamg_results_diag_count(r);
    /* Findings and problems are each sorted by position; merged, the
     * report reads in file order. */
    size_t i = 0, j = 0;
    while (!jb.oom) {
        while (i < nf && iamg_results_get(r, i)->suppressed && !o->include_suppressed)
            i++;
        while (j < nd && !ig_report_input_problem(iamg_results_diag(r, j)))
            j++;
        if (i >= nf && j >= nd) break;
        const iamg_finding *f = i < nf ? iamg_results_get(r, i) : NULL;
        const iamg_diag *d = j < nd ? iamg_results_diag(r, j) : NULL;
        if (f && (!d ||
                  ig_report_cmp_pos(f->path, f->line, f->column, d->path, d->line, d->column) <= 0))
            ig_jb_push(&jb, doc, finding_issue(&jb, e, r, i++));
        else
            ig_jb_push(&jb, doc, problem_issue(&jb, r, j++));
    }
    int rc = ig_jb_dump(&jb, doc, JSON_INDENT(2), out, "the GitLab Code Quality report", err);
    json_decref(doc);
    return rc;
}
