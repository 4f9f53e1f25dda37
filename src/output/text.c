#include <errno.h>
#include <string.h>

#include "iamguard/output.h"
#include "util/errors.h"
#include "util/escape.h"
#include "util/utf8.h"

/* Every string from input (paths, messages, rule ids, logical IDs, Sids,
 * holders, source lines) is printed escaped (util/escape.h): no control
 * character, bidi control or workflow command reaches the terminal or log. */
static void put(FILE *out, const char *s)
{
    ig_escape_fputs(s, 0, out);
}

/* ANSI colours, used only when the caller says the stream is a terminal. */
typedef struct palette {
    const char *bold, *red, *yellow, *cyan, *dim, *green, *reset;
} palette;

static const palette colours = {"\033[1m", "\033[1;31m", "\033[1;33m", "\033[1;36m",
                                "\033[2m", "\033[32m",   "\033[0m"};
static const palette plain = {"", "", "", "", "", "", ""};

static const char *level_colour(const palette *p, iamg_level l)
{
    switch (l) {
    case IAMG_LEVEL_ERROR:
        return p->red;
    case IAMG_LEVEL_WARNING:
        return p->yellow;
    default:
        return p->cyan;
    }
}

/* The source line and a caret under the region. Tabs before the region are
 * kept so the caret lines up in any terminal. A window of a long line
 * (snippet_col > 1) starts with "..." and a cut end reads " [truncated]", so
 * a cut is visible. */
static void print_source(FILE *out, const palette *p, unsigned line, const char *snippet,
                         unsigned snippet_col, unsigned truncated, unsigned col, unsigned end_col)
{
    if (!snippet || !line) return;
    int cut = snippet_col > 1;
    fprintf(out, "%s%6u |%s %s", p->dim, line, p->reset, cut ? "..." : "");
    ig_escape_fputs(snippet, IG_ESC_KEEP_TABS, out);
    fprintf(out, "%s\n", truncated ? " [truncated]" : "");
    if (!col || (cut && col < snippet_col)) return;
    fprintf(out, "%s       |%s %s", p->dim, p->reset, cut ? "   " : "");
    /* One space per column of the escaped text before the region, so the
     * caret stays under it when an escape is wider than its character. */
    size_t len = strlen(snippet);
    size_t pre = ig_utf8_bytes_for_utf16(snippet, len, col - (cut ? snippet_col : 1));
    for (size_t i = 0; i < pre;) {
        char e[IG_ESC_CHAR_MAX];
        size_t used, el = ig_escape_char(snippet + i, len - i, IG_ESC_KEEP_TABS, 0, e, &used);
        if (e[0] == '\t') {
            fputc('\t', out);
        } else {
            for (size_t k = 0; k < el; k++)
                if (((unsigned char)e[k] & 0xC0) != 0x80) fputc(' ', out);
        }
        i += used;
    }
    unsigned n = end_col > col ? end_col - col : 1;
    fputs(p->green, out);
    fputc('^', out);
    for (unsigned i = 1; i < n && i < 200; i++)
        fputc('~', out);
    fprintf(out, "%s\n", p->reset);
}

static void print_location(FILE *out, const palette *p, const char *path, unsigned line,
                           unsigned col)
{
    fputs(p->bold, out);
    ig_escape_fputs(path ? path : "iamguard", IG_ESC_LINE_START, out);
    if (line) fprintf(out, ":%u", line);
    if (line && col) fprintf(out, ":%u", col);
    fprintf(out, ":%s ", p->reset);
}

/* "= held by role AppRole (managed), user alice (group)": who holds the
 * document, so a reader sees whose access it is. */
static void print_holders(FILE *out, const palette *p, const iamg_finding *f)
{
    if (!f->nholders) return;
    fprintf(out, "%s       = held by ", p->dim);
    for (size_t i = 0; i < f->nholders && i < 5; i++) {
        const iamg_holder *h = &f->holders[i];
        const char *who = h->id ? h->id : h->name ? h->name : h->arn ? h->arn : "?";
        fputs(i ? ", " : "", out);
        put(out, h->type ? h->type : "principal");
        fputc(' ', out);
        put(out, who);
        fputs(" (", out);
        put(out, h->how ? h->how : "");
        fputc(')', out);
    }
    size_t total = f->holders_total > f->nholders ? f->holders_total : f->nholders;
    if (total > 5) fprintf(out, " and %zu more", total - 5);
    fprintf(out, "%s\n", p->reset);
}

static const char *diag_tag(int code)
{
    switch (code) {
    case IAMG_EPARSE:
    case IAMG_EIO:
    case IAMG_ELIMIT:
    case IAMG_ENOMEM:
        return "IAMGUARD-PARSE";
    case IAMG_EINVALID:
        return "IAMGUARD-INVALID";
    case IAMG_ERULE:
        return "rule-failure";
    case IAMG_ELOG:
        return "log";
    default:
        return "skipped";
    }
}

int iamg_write_text(FILE *out, const iamg_engine *e, const iamg_results *r,
                    const iamg_output_options *o, iamg_error *err)
{
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    if (!o) o = &dflt;
    int vrc = ig_options_check(o->version, IAMG_OUTPUT_OPTIONS_VERSION, "iamg_output_options", err);
    if (vrc) return vrc;
    const palette *p = o->color ? &colours : &plain;
    (void)e;
    size_t by_level[4] = {0};
    size_t problems = 0, rule_failures = 0;

    /* Problems with inputs and rules first: they say what was not checked. */
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        if (d->code == IAMG_ERULE)
            rule_failures++;
        else if (d->code != IAMG_ESKIP && d->level == IAMG_LEVEL_ERROR)
            problems++;
        if (d->level == IAMG_LEVEL_NOTE && !o->show_notes) continue;
        print_location(out, p, d->path, d->line, d->column);
        fprintf(out, "%s%s%s[%s%s", level_colour(p, d->level), iamg_level_name(d->level), p->reset,
                diag_tag(d->code), d->rule_id ? " " : "");
        put(out, d->rule_id);
        fputs("] ", out);
        put(out, d->message);
        fputc('\n', out);
        print_source(out, p, d->line, d->snippet, d->snippet_column, d->snippet_truncated,
                     d->column, d->end_column);
    }
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (f->suppressed && !o->include_suppressed) continue;
        if (!f->suppressed) by_level[f->level]++;
        print_location(out, p, f->path, f->line, f->column);
        fprintf(out, "%s%s%s[", level_colour(p, f->level), iamg_level_name(f->level), p->reset);
        put(out, f->rule_id);
        fputs("] ", out);
        put(out, f->message);
        fputc('\n', out);
        if (f->origin.container) {
            fprintf(out, "%s       = in ", p->dim);
            put(out, f->origin.container);
            fputs(", statement ", out);
            put(out, f->statement ? f->statement : "-");
            fprintf(out, "%s\n", p->reset);
        }
        print_holders(out, p, f);
        if (f->suppressed) {
            fprintf(out, "%s       = suppressed: ", p->dim);
            put(out, f->suppressed);
            fprintf(out, "%s\n", p->reset);
        }
        print_source(out, p, f->line, f->snippet, f->snippet_column, f->snippet_truncated,
                     f->column, f->end_column);
    }
    const iamg_stats *s = iamg_results_stats(r);
    /* A scan lists the first failures of each rule and counts them all. */
    if (s->rule_failures > rule_failures) rule_failures = s->rule_failures;
    fprintf(out, "\n%sScanned %zu file%s (%zu polic%s, %zu statement%s) in %.2f s:%s ", p->bold,
            s->files_scanned, s->files_scanned == 1 ? "" : "s", s->documents,
            s->documents == 1 ? "y" : "ies", s->statements, s->statements == 1 ? "" : "s",
            s->seconds, p->reset);
    fprintf(out, "%zu error%s, %zu warning%s, %zu note%s", by_level[IAMG_LEVEL_ERROR],
            by_level[IAMG_LEVEL_ERROR] == 1 ? "" : "s", by_level[IAMG_LEVEL_WARNING],
            by_level[IAMG_LEVEL_WARNING] == 1 ? "" : "s", by_level[IAMG_LEVEL_NOTE],
            by_level[IAMG_LEVEL_NOTE] == 1 ? "" : "s");
    if (s->suppressed) fprintf(out, ", %zu suppressed", s->suppressed);
    if (s->baselined) fprintf(out, ", %zu in the baseline", s->baselined);
    if (s->blocked) fprintf(out, ", %zu blocked by a boundary or Deny", s->blocked);
    fputs(".\n", out);
    if (s->files_skipped)
        fprintf(out, "%zu file%s skipped (not IAM inputs%s).\n", s->files_skipped,
                s->files_skipped == 1 ? "" : "s", o->show_notes ? "" : "; --verbose lists them");
    if (s->terraform_files && !s->documents)
        fprintf(out,
                "%zu Terraform configuration file%s (.tf) not read: scan the plan instead "
                "(terraform plan -out=tfplan && terraform show -json tfplan > plan.json).\n",
                s->terraform_files, s->terraform_files == 1 ? "" : "s");
    if (problems)
        fprintf(out, "%s%zu input problem%s: some policies were not fully checked.%s\n", p->red,
                problems, problems == 1 ? "" : "s", p->reset);
    if (rule_failures)
        fprintf(out, "%s%zu rule failure%s: the scan is incomplete.%s\n", p->red, rule_failures,
                rule_failures == 1 ? "" : "s", p->reset);
    if (fflush(out) != 0 || ferror(out)) {
        int en = errno;
        return ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write the report: %s",
                            en ? strerror(en) : "write error");
    }
    return 0;
}
