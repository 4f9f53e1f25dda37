/*
 * output/sarif_rules.c - the rule table and its descriptors (driver.rules).
 *
 * Rules are listed once each, in a fixed order, and results refer to them
 * by index; the two rules for inputs that could not be checked are always
 * present so that indices do not depend on whether a file was broken.
 */
#include <stdio.h>
#include <string.h>

#include "output/sarif_int.h"
#include "util/alloc.h"
#include "util/buf.h"

/* GitHub rejects a rule with more tags. */
#define MAX_TAGS 20

/* ---- the rule table ---- */

/* Position of id in by_id, or where it would go (*found says which). */
static size_t rule_slot(const sarif_writer *w, const char *id, int *found)
{
    size_t lo = 0, hi = w->nrules;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(w->rules[w->by_id[mid]].id, id);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

/* Index of rule id in driver.rules, or -1. */
long ig_sarif_rule_index(const sarif_writer *w, const char *id)
{
    int found;
    if (!id) return -1;
    size_t at = rule_slot(w, id, &found);
    return found ? (long)w->by_id[at] : -1;
}

/* Add a rule unless one with its id is there; its index either way, -1 on OOM. */
static long rule_add(sarif_writer *w, const char *id, const iamg_rule_info *info,
                     const pseudo_rule *pseudo)
{
    int found;
    size_t at = rule_slot(w, id, &found);
    if (found) return (long)w->by_id[at];
    if (w->nrules == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        rule_ent *nr = ig_realloc(w->rules, cap * sizeof *nr);
        if (!nr) goto oom;
        w->rules = nr;
        size_t *nb = ig_realloc(w->by_id, cap * sizeof *nb);
        if (!nb) goto oom;
        w->by_id = nb;
        w->cap = cap;
    }
    memmove(w->by_id + at + 1, w->by_id + at, (w->nrules - at) * sizeof *w->by_id);
    w->by_id[at] = w->nrules;
    w->rules[w->nrules] = (rule_ent){id, info, pseudo};
    return (long)w->nrules++;
oom:
    w->jb.oom = 1;
    return -1;
}

/* driver.rules: every enabled rule in load order, then any other rule a
 * finding names (a rule disabled after the scan must still resolve), then
 * the two input-problem rules. The latter are always listed so rule
 * indices do not shift between runs with and without broken files. A
 * loaded rule that took one of their ids keeps it (ids must be unique);
 * input problems are then reported under that rule. */
void ig_sarif_rule_table(sarif_writer *w)
{
    size_t n = iamg_engine_rule_count(w->e);
    for (size_t i = 0; i < n; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(w->e, i);
        if (ri && ri->enabled && ri->id) rule_add(w, ri->id, ri, NULL);
    }
    size_t nf = iamg_results_count(w->r);
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (!f->rule_id || ig_sarif_rule_index(w, f->rule_id) >= 0) continue;
        rule_add(w, f->rule_id, iamg_engine_find_rule(w->e, f->rule_id), NULL);
    }
    rule_add(w, ig_report_parse_rule.id, NULL, &ig_report_parse_rule);
    rule_add(w, ig_report_invalid_rule.id, NULL, &ig_report_invalid_rule);
}

/* ---- rule descriptors ---- */

/* "IAM-SSM-1" -> "IamSsm1": SARIF wants a name distinct from the id. */
static void pascal_case(buf *b, const char *id)
{
    int start = 1;
    for (const char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum) {
            start = 1;
            continue;
        }
        if (start && c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        else if (!start && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        ig_buf_putc(b, (char)c);
        start = 0;
    }
    if (b->len == 0) ig_buf_puts(b, "Rule");
}

/* Emit [text](url) as "text (url)", or just url when they are the same.
 * Returns the number of bytes consumed at p, 0 when p is not a link. */
static size_t md_link(buf *b, const char *p, const char *end)
{
    const char *q = p + 1;
    int depth = 1;
    while (q < end && depth) {
        if (*q == '[')
            depth++;
        else if (*q == ']')
            depth--;
        if (depth) q++;
    }
    if (q >= end || q + 1 >= end || q[1] != '(') return 0;
    const char *u = q + 2, *ue = memchr(u, ')', (size_t)(end - u));
    if (!ue) return 0;
    size_t tl = (size_t)(q - p - 1), ul = (size_t)(ue - u);
    for (const char *t = p + 1; t < q; t++)
        if (*t != '*' && *t != '`') ig_buf_putc(b, *t);
    if (!(tl == ul && memcmp(p + 1, u, ul) == 0)) {
        ig_buf_puts(b, " (");
        ig_buf_append(b, u, ul);
        ig_buf_putc(b, ')');
    }
    return (size_t)(ue + 1 - p);
}

/* Markdown to readable plain text for help.text: code fences, heading
 * marks, emphasis stars and backticks go; links keep their URL. Viewers
 * that cannot render markdown show this instead. */
static void md_to_text(buf *b, const char *md)
{
    int fence = 0;
    const char *p = md;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        const char *s = p;
        while (s < end && s - p < 4 && *s == ' ')
            s++;
        if (end - s >= 3 && (memcmp(s, "```", 3) == 0 || memcmp(s, "~~~", 3) == 0)) {
            fence = !fence;
        } else if (fence) {
            ig_buf_append(b, p, (size_t)(end - p));
            ig_buf_putc(b, '\n');
        } else {
            const char *h = s;
            while (h < end && *h == '#' && h - s < 6)
                h++;
            if (h > s && (h == end || *h == ' ')) {
                s = h;
                while (s < end && *s == ' ')
                    s++;
            } else {
                s = p;
            }
            while (s < end) {
                if (*s == '*' && s + 1 < end && s[1] == '*') {
                    s += 2;
                } else if (*s == '`') {
                    s++;
                } else if (*s == '[' || (*s == '!' && s + 1 < end && s[1] == '[')) {
                    const char *l = *s == '!' ? s + 1 : s;
                    size_t used = md_link(b, l, end);
                    if (used)
                        s = l + used;
                    else
                        ig_buf_putc(b, *s++);
                } else {
                    ig_buf_putc(b, *s++);
                }
            }
            ig_buf_putc(b, '\n');
        }
        p = nl ? nl + 1 : end;
    }
    while (b->len && b->data[b->len - 1] == '\n')
        b->data[--b->len] = '\0';
}

static const char *level_name(iamg_level lv)
{
    /* GitHub takes only these three as a rule's default level. */
    return lv == IAMG_LEVEL_ERROR ? "error" : lv == IAMG_LEVEL_WARNING ? "warning" : "note";
}

static const char *problem_severity(iamg_level lv)
{
    /* GitHub's problem.severity calls the lowest level "recommendation". */
    return lv == IAMG_LEVEL_ERROR     ? "error"
           : lv == IAMG_LEVEL_WARNING ? "warning"
                                      : "recommendation";
}

/* GitHub ranks an alert of a "security" rule by security-severity alone;
 * a rule that sets none gets one from its level (High, Medium, Low). */
static void format_severity(char out[16], double sev, iamg_level lv)
{
    snprintf(out, 16, "%.1f", ig_report_security_severity(sev, lv));
    if (strcmp(out, "0.0") == 0) snprintf(out, 16, "0.1");
}

json_t *ig_sarif_rule(sarif_writer *w, const rule_ent *re)
{
    const iamg_rule_info *ri = re->info;
    const pseudo_rule *pr = re->pseudo;
    const char *name = ri ? ri->name : pr ? pr->name : NULL;
    const char *short_desc = ri ? ri->short_description : pr ? pr->short_desc : NULL;
    const char *full_desc = ri ? ri->full_description : pr ? pr->full_desc : NULL;
    const char *help = ri ? ri->help : pr ? pr->help_md : NULL;
    const char *help_uri = ri ? ri->help_uri : NULL;
    const char *precision = ri && ri->precision ? ri->precision : pr ? "very-high" : "high";
    iamg_level lv = ri ? ri->level : pr ? pr->level : IAMG_LEVEL_WARNING;
    double sev = ri ? ri->security_severity : pr ? pr->severity : 0;
    const char *const *tags = ri ? ri->tags : pr ? ig_report_problem_tags : NULL;
    size_t ntags = ri ? ri->ntags : pr ? ig_report_nproblem_tags : 0;
    if (!short_desc || !short_desc[0]) short_desc = re->id;
    if (!full_desc || !full_desc[0]) full_desc = short_desc;

    json_t *o = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, o, "id", re->id);
    if (name && name[0]) {
        ig_jb_put_str(&w->jb, o, "name", name);
    } else {
        buf b = BUF_INIT;
        pascal_case(&b, re->id);
        ig_jb_put(&w->jb, o, "name", ig_jb_buf(&w->jb, &b));
    }
    ig_jb_put(&w->jb, o, "shortDescription", ig_sarif_text(w, short_desc));
    ig_jb_put(&w->jb, o, "fullDescription", ig_sarif_text(w, full_desc));

    json_t *h = ig_jb_obj(&w->jb);
    buf text = BUF_INIT, md = BUF_INIT;
    if (help && help[0]) {
        md_to_text(&text, help);
        ig_buf_puts(&md, help);
    } else {
        /* Without help, the description is all there is to say. */
        ig_buf_printf(&text, "%s: %s", re->id, full_desc);
        ig_buf_printf(&md, "**%s**: %s", re->id, full_desc);
    }
    if (help_uri) {
        ig_buf_printf(&text, "\n\nMore information: %s", help_uri);
        if (!help || !help[0]) ig_buf_printf(&md, "\n\n[More information](%s)", help_uri);
    }
    ig_jb_put(&w->jb, h, "text", ig_jb_buf(&w->jb, &text));
    ig_jb_put(&w->jb, h, "markdown", ig_jb_buf(&w->jb, &md));
    ig_jb_put(&w->jb, o, "help", h);
    ig_jb_put_str(&w->jb, o, "helpUri", help_uri);

    json_t *dc = ig_jb_obj(&w->jb);
    ig_jb_put_str(&w->jb, dc, "level", level_name(lv));
    ig_jb_put(&w->jb, o, "defaultConfiguration", dc);

    json_t *props = ig_jb_obj(&w->jb);
    json_t *tl = ig_jb_arr(&w->jb);
    int has_security = 0;
    for (size_t i = 0; i < ntags; i++)
        has_security |= strcmp(tags[i], "security") == 0;
    size_t kept = 0;
    if (!has_security) {
        ig_jb_push(&w->jb, tl, ig_jb_str(&w->jb, "security"));
        kept++;
    }
    for (size_t i = 0; i < ntags && kept < MAX_TAGS; i++) {
        int dup = !tags[i][0];
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(tags[i], tags[j]) == 0;
        if (dup) continue;
        ig_jb_push(&w->jb, tl, ig_jb_str(&w->jb, tags[i]));
        kept++;
    }
    ig_jb_put(&w->jb, props, "tags", tl);
    ig_jb_put_str(&w->jb, props, "precision", precision);
    ig_jb_put_str(&w->jb, props, "problem.severity", problem_severity(lv));
    char sevs[16];
    format_severity(sevs, sev, lv);
    ig_jb_put_str(&w->jb, props, "security-severity", sevs);
    ig_jb_put(&w->jb, o, "properties", props);
    return o;
}
