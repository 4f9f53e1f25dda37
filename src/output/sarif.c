/*
 * output/sarif.c - SARIF 2.1.0 for GitHub code scanning.
 *
 * The document is built as a jansson tree and dumped once, indented, with
 * keys in insertion order, so the same engine and results always give the
 * same bytes. What GitHub needs and why is collected in ../shared/sarif/
 * (README, FINGERPRINTS.md, gh-extra-checks.jq); sarif/README.md here says
 * which choices this writer makes.
 *
 * jansson allocates with malloc, not through util/alloc.h (its allocator is
 * process-global, not ours to change in a library), so every constructor's
 * NULL is caught by the helpers below and reported once as IAMG_ENOMEM.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "iamguard/iamguard.h"
#include "output/fingerprint.h"
#include "output/uri.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/utf8.h"

#ifndef IAMG_VERSION
#define IAMG_STR2(x) #x
#define IAMG_STR(x) IAMG_STR2(x)
#define IAMG_VERSION                                                                               \
    IAMG_STR(IAMG_VERSION_MAJOR) "." IAMG_STR(IAMG_VERSION_MINOR) "." IAMG_STR(IAMG_VERSION_PATCH)
#endif

#define TOOL_FULL_NAME "iamguard IAM policy guardrail scanner"
#define TOOL_URI "https://github.com/iamguard/iamguard"
#define SRCROOT "%SRCROOT%"
/* GitHub rejects a rule with more tags. */
#define MAX_TAGS 20

/* ---- built-in rules for inputs that could not be checked ---- */

/* A file that cannot be read or parsed must show up in code scanning as
 * loudly as a finding would: otherwise breaking a policy file's syntax
 * would make every alert on it disappear. */
typedef struct pseudo_rule {
    const char *id, *name, *short_desc, *full_desc, *help_md;
    iamg_level level;
    double severity;
} pseudo_rule;

static const char *const pseudo_tags[] = {"security", "iamguard", "input"};

static const pseudo_rule PARSE_RULE = {
    "IAMGUARD-PARSE",
    "InputNotChecked",
    "Input file could not be read or parsed, so none of its policies were checked.",
    "iamguard could not check this file: it is not valid JSON or YAML, it could not be read, or it "
    "exceeds a scan limit (file size, nesting depth, number of statements). The guardrails were "
    "not applied to the policies it holds.",
    "## IAMGUARD-PARSE: input not checked\n\n"
    "The file holds, or looks like it holds, IAM policies, but iamguard could not read or parse "
    "it, so **none of its policies were checked** against the guardrails. A broken file can hide "
    "a dangerous policy, so this is reported like a finding.\n\n"
    "### How to fix\n\n"
    "- Syntax error: fix the JSON or YAML at the reported line and column (`jq . FILE` or "
    "`yamllint FILE` point at the same place).\n"
    "- Unreadable file: check that it is a regular file the scanner may read.\n"
    "- Limit exceeded: split the file, or raise the limit in the iamguard configuration when the "
    "input is legitimate.\n"
    "- Not meant to be scanned: leave the path out with `--exclude`.\n",
    IAMG_LEVEL_ERROR,
    5.0,
};

static const pseudo_rule INVALID_RULE = {
    "IAMGUARD-INVALID",
    "InvalidPolicyShape",
    "Policy is well-formed JSON or YAML but not a valid IAM policy.",
    "A policy document or statement has a shape AWS rejects or reads differently from what it "
    "appears to say: a missing or misspelt element, a value of the wrong type, an unknown "
    "Effect. The affected statement may not have been checked against the guardrails.",
    "## IAMGUARD-INVALID: invalid policy\n\n"
    "The document parses, but part of it does not follow the IAM policy grammar. AWS rejects "
    "most such policies when they are deployed; the others grant something other than what "
    "they appear to, and iamguard may not have checked the statement.\n\n"
    "### How to fix\n\n"
    "Correct the element named in the message so the document follows the "
    "[IAM JSON policy elements reference]"
    "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).\n",
    IAMG_LEVEL_WARNING,
    4.0,
};

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

/* ---- jansson helpers: every NULL turns into w->oom ---- */

typedef struct rule_ent {
    const char *id;
    const iamg_rule_info *info; /* a loaded rule, or NULL */
    const pseudo_rule *pseudo;  /* an input-problem rule, or NULL (neither: unknown id) */
} rule_ent;

typedef struct sw {
    const iamg_engine *e;
    const iamg_results *r;
    const iamg_output_options *o;
    int oom;
    rule_ent *rules; /* driver.rules, in output order */
    size_t nrules, cap;
    size_t *by_id; /* indices into rules, sorted by id */
    char empty_fp[32];
} sw;

static json_t *jstr(sw *w, const char *s)
{
    if (!s) s = "";
    json_t *v = json_string(s);
    if (!v) {
        /* Paths are byte strings; everything else is valid UTF-8 already. */
        size_t n = strlen(s);
        if (!ig_utf8_valid(s, n)) {
            char *clean = ig_utf8_sanitize(s, n, SIZE_MAX);
            if (clean) v = json_string(clean);
            ig_free(clean);
        }
    }
    if (!v) w->oom = 1;
    return v;
}

static json_t *jobj(sw *w)
{
    json_t *v = json_object();
    if (!v) w->oom = 1;
    return v;
}

static json_t *jarr(sw *w)
{
    json_t *v = json_array();
    if (!v) w->oom = 1;
    return v;
}

static json_t *jint(sw *w, size_t n)
{
    json_t *v = json_integer((json_int_t)n);
    if (!v) w->oom = 1;
    return v;
}

static void put(sw *w, json_t *o, const char *key, json_t *v)
{
    if (json_object_set_new(o, key, v)) w->oom = 1;
}

static void put_str(sw *w, json_t *o, const char *key, const char *s)
{
    if (s) put(w, o, key, jstr(w, s));
}

static void push(sw *w, json_t *a, json_t *v)
{
    if (json_array_append_new(a, v)) w->oom = 1;
}

/* {"text": s}: SARIF's message and multiformatMessageString. */
static json_t *jtext(sw *w, const char *s)
{
    json_t *o = jobj(w);
    put(w, o, "text", jstr(w, s));
    return o;
}

static json_t *jbuf(sw *w, buf *b)
{
    if (b->oom) {
        w->oom = 1;
        ig_buf_free(b);
        return NULL;
    }
    json_t *v = jstr(w, b->len ? b->data : "");
    ig_buf_free(b);
    return v;
}

/* ---- the rule table ---- */

static int cmp_str(const char *a, const char *b)
{
    if (a == b) return 0;
    if (!a) return -1;
    if (!b) return 1;
    return strcmp(a, b);
}

/* Position of id in by_id, or where it would go (*found says which). */
static size_t rule_slot(const sw *w, const char *id, int *found)
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
static long rule_index(const sw *w, const char *id)
{
    int found;
    if (!id) return -1;
    size_t at = rule_slot(w, id, &found);
    return found ? (long)w->by_id[at] : -1;
}

/* Add a rule unless one with its id is there; its index either way, -1 on OOM. */
static long rule_add(sw *w, const char *id, const iamg_rule_info *info, const pseudo_rule *pseudo)
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
    w->oom = 1;
    return -1;
}

static int input_problem(const iamg_diag *d)
{
    return d->path && (d->code == IAMG_EPARSE || d->code == IAMG_EINVALID || d->code == IAMG_EIO ||
                       d->code == IAMG_ELIMIT);
}

static const pseudo_rule *problem_rule(const iamg_diag *d)
{
    return d->code == IAMG_EINVALID ? &INVALID_RULE : &PARSE_RULE;
}

/* driver.rules: every enabled rule in load order, then any other rule a
 * finding names (a rule disabled after the scan must still resolve), then
 * the two input-problem rules. The latter are always listed so rule
 * indices do not shift between runs with and without broken files. A
 * loaded rule that took one of their ids keeps it (ids must be unique);
 * input problems are then reported under that rule. */
static void build_rule_table(sw *w)
{
    size_t n = iamg_engine_rule_count(w->e);
    for (size_t i = 0; i < n; i++) {
        const iamg_rule_info *ri = iamg_engine_rule(w->e, i);
        if (ri && ri->enabled && ri->id) rule_add(w, ri->id, ri, NULL);
    }
    size_t nf = iamg_results_count(w->r);
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(w->r, i);
        if (!f->rule_id || rule_index(w, f->rule_id) >= 0) continue;
        rule_add(w, f->rule_id, iamg_engine_find_rule(w->e, f->rule_id), NULL);
    }
    rule_add(w, PARSE_RULE.id, NULL, &PARSE_RULE);
    rule_add(w, INVALID_RULE.id, NULL, &INVALID_RULE);
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
    if (!(sev > 0 && sev <= 10))
        sev = lv == IAMG_LEVEL_ERROR ? 7.5 : lv == IAMG_LEVEL_WARNING ? 5.0 : 2.0;
    snprintf(out, 16, "%.1f", sev);
    if (strcmp(out, "0.0") == 0) snprintf(out, 16, "0.1");
}

static json_t *rule_json(sw *w, const rule_ent *re)
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
    const char *const *tags = ri ? ri->tags : pr ? pseudo_tags : NULL;
    size_t ntags = ri ? ri->ntags : pr ? sizeof pseudo_tags / sizeof *pseudo_tags : 0;
    if (!short_desc || !short_desc[0]) short_desc = re->id;
    if (!full_desc || !full_desc[0]) full_desc = short_desc;

    json_t *o = jobj(w);
    put_str(w, o, "id", re->id);
    if (name && name[0]) {
        put_str(w, o, "name", name);
    } else {
        buf b = BUF_INIT;
        pascal_case(&b, re->id);
        put(w, o, "name", jbuf(w, &b));
    }
    put(w, o, "shortDescription", jtext(w, short_desc));
    put(w, o, "fullDescription", jtext(w, full_desc));

    json_t *h = jobj(w);
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
    put(w, h, "text", jbuf(w, &text));
    put(w, h, "markdown", jbuf(w, &md));
    put(w, o, "help", h);
    put_str(w, o, "helpUri", help_uri);

    json_t *dc = jobj(w);
    put_str(w, dc, "level", level_name(lv));
    put(w, o, "defaultConfiguration", dc);

    json_t *props = jobj(w);
    json_t *tl = jarr(w);
    int has_security = 0;
    for (size_t i = 0; i < ntags; i++)
        has_security |= strcmp(tags[i], "security") == 0;
    size_t kept = 0;
    if (!has_security) {
        push(w, tl, jstr(w, "security"));
        kept++;
    }
    for (size_t i = 0; i < ntags && kept < MAX_TAGS; i++) {
        int dup = !tags[i][0];
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(tags[i], tags[j]) == 0;
        if (dup) continue;
        push(w, tl, jstr(w, tags[i]));
        kept++;
    }
    put(w, props, "tags", tl);
    put_str(w, props, "precision", precision);
    put_str(w, props, "problem.severity", problem_severity(lv));
    char sevs[16];
    format_severity(sevs, sev, lv);
    put_str(w, props, "security-severity", sevs);
    put(w, o, "properties", props);
    return o;
}

/* ---- locations ---- */

/* Byte range [*b0, *b1) of UTF-16 columns [from, to) of s[0..n). 0 when the
 * line is shorter or a column falls inside a surrogate pair. */
static int utf16_slice(const char *s, size_t n, unsigned from, unsigned to, size_t *b0, size_t *b1)
{
    unsigned col = 1;
    size_t i = 0, start = SIZE_MAX;
    for (;;) {
        if (col == from) start = i;
        if (col == to) {
            if (start == SIZE_MAX) return 0;
            *b0 = start;
            *b1 = i;
            return 1;
        }
        if (col > to || i >= n) return 0;
        size_t len = ig_utf8_seq_len((const unsigned char *)s + i, n - i);
        col += len == 4 ? 2 : 1;
        i += len ? len : 1;
    }
}

/* region (and contextRegion, the whole line) of one location. A problem
 * without a line is put on line 1: GitHub requires startLine >= 1. The
 * snippet is the source line as the scanner kept it, from column
 * `snippet_col` on; only what is the file's text is written: the region's
 * part of it when the kept text holds the whole region, the line as
 * contextRegion only when it is whole. */
static void put_region(sw *w, json_t *phys, unsigned line, unsigned col, unsigned end_col,
                       const char *snippet, unsigned snippet_col)
{
    json_t *reg = jobj(w);
    put(w, reg, "startLine", jint(w, line ? line : 1));
    if (line && col) put(w, reg, "startColumn", jint(w, col));
    if (line) put(w, reg, "endLine", jint(w, line));
    int cols = line && col && end_col > col;
    if (cols) put(w, reg, "endColumn", jint(w, end_col));

    static const char cut[] = " [truncated]";
    size_t n = snippet ? strlen(snippet) : 0;
    int truncated = n >= sizeof cut - 1 && strcmp(snippet + n - (sizeof cut - 1), cut) == 0;
    size_t kept = truncated ? n - (sizeof cut - 1) : n;
    if (!snippet_col) snippet_col = 1;
    size_t b0, b1;
    if (snippet && cols && col >= snippet_col &&
        utf16_slice(snippet, kept, col - snippet_col + 1, end_col - snippet_col + 1, &b0, &b1)) {
        buf b = BUF_INIT;
        ig_buf_append(&b, snippet + b0, b1 - b0);
        json_t *sn = jobj(w);
        put(w, sn, "text", jbuf(w, &b));
        put(w, reg, "snippet", sn);
    }
    put(w, phys, "region", reg);
    if (snippet && line && !truncated && snippet_col == 1) {
        json_t *ctx = jobj(w);
        put(w, ctx, "startLine", jint(w, line));
        put(w, ctx, "endLine", jint(w, line));
        put(w, ctx, "snippet", jtext(w, snippet));
        put(w, phys, "contextRegion", ctx);
    }
}

static json_t *artifact_location(sw *w, const char *path)
{
    json_t *al = jobj(w);
    char *uri = ig_uri_from_path(path);
    if (!uri) w->oom = 1;
    put_str(w, al, "uri", uri ? uri : "");
    /* An absolute file: URI stands on its own; a base would be wrong. */
    if (!ig_uri_path_is_absolute(path)) put_str(w, al, "uriBaseId", SRCROOT);
    ig_free(uri);
    return al;
}

static json_t *physical_location(sw *w, const char *path, unsigned line, unsigned col,
                                 unsigned end_col, const char *snippet, unsigned snippet_col)
{
    json_t *pl = jobj(w);
    put(w, pl, "artifactLocation", artifact_location(w, path));
    put_region(w, pl, line, col, end_col, snippet, snippet_col);
    return pl;
}

/* What holds the statement, for people: the loader's label, else the most
 * specific identifier of the origin, else the file. */
static const char *container_of(const iamg_finding *f)
{
    const iamg_origin *o = &f->origin;
    if (o->container) return o->container;
    if (o->logical_id) return o->logical_id;
    if (o->address) return o->address;
    if (o->principal_name) return o->principal_name;
    if (o->principal_arn) return o->principal_arn;
    if (o->policy_arn) return o->policy_arn;
    return f->path;
}

static json_t *logical_locations(sw *w, const iamg_finding *f)
{
    const char *container = container_of(f);
    json_t *ll = jobj(w);
    if (f->statement) {
        buf b = BUF_INIT;
        ig_buf_printf(&b, "%s/%s", container ? container : "", f->statement);
        put_str(w, ll, "name", f->statement);
        put(w, ll, "fullyQualifiedName", jbuf(w, &b));
    } else {
        put_str(w, ll, "name", container ? container : "");
        put_str(w, ll, "fullyQualifiedName", container ? container : "");
    }
    put_str(w, ll, "kind", "object");
    json_t *a = jarr(w);
    push(w, a, ll);
    return a;
}

/* ---- results ---- */

static void put_fingerprint(sw *w, json_t *res, const char *fp)
{
    json_t *pf = jobj(w);
    put_str(w, pf, "primaryLocationLineHash", fp ? fp : w->empty_fp);
    put(w, res, "partialFingerprints", pf);
}

static json_t *finding_json(sw *w, const iamg_finding *f)
{
    long ri = rule_index(w, f->rule_id);
    assert(ri >= 0);
    json_t *res = jobj(w);
    put_str(w, res, "ruleId", f->rule_id);
    put(w, res, "ruleIndex", jint(w, (size_t)ri));
    put_str(w, res, "kind", "fail");
    put_str(w, res, "level", iamg_level_name(f->level));
    /* GitHub rejects a result without message text. */
    const char *msg = f->message;
    if (!msg || !msg[0]) msg = w->rules[ri].info ? w->rules[ri].info->short_description : NULL;
    put(w, res, "message", jtext(w, msg && msg[0] ? msg : f->rule_id));

    json_t *loc = jobj(w);
    put(w, loc, "physicalLocation",
        physical_location(w, f->path, f->line, f->column, f->end_column, f->snippet,
                          f->snippet_column));
    put(w, loc, "logicalLocations", logical_locations(w, f));
    json_t *locs = jarr(w);
    push(w, locs, loc);
    put(w, res, "locations", locs);
    put_fingerprint(w, res, f->fingerprint);

    if (f->suppressed) {
        json_t *s = jobj(w);
        put_str(w, s, "kind", "external");
        put_str(w, s, "status", "accepted");
        put_str(w, s, "justification", f->suppressed);
        json_t *sa = jarr(w);
        push(w, sa, s);
        put(w, res, "suppressions", sa);
    }

    /* Enough of the origin to tell documents of one file apart. */
    const iamg_origin *o = &f->origin;
    json_t *props = jobj(w);
    put_str(w, props, "format", o->format);
    put_str(w, props, "policyKind", o->kind);
    put_str(w, props, "statement", f->statement);
    put_str(w, props, "element", f->element);
    put_str(w, props, "logicalId", o->logical_id);
    put_str(w, props, "resourceType", o->resource_type);
    put_str(w, props, "policyName", o->policy_name);
    put_str(w, props, "address", o->address);
    put_str(w, props, "principalType", o->principal_type);
    put_str(w, props, "principalName", o->principal_name);
    put_str(w, props, "principalArn", o->principal_arn);
    put_str(w, props, "policyArn", o->policy_arn);
    put_str(w, props, "pointer", o->pointer);
    if (json_object_size(props))
        put(w, res, "properties", props);
    else
        json_decref(props);
    return res;
}

static const char *problem_name(int code)
{
    switch (code) {
    case IAMG_EPARSE:
        return "parse-error";
    case IAMG_EIO:
        return "io-error";
    case IAMG_ELIMIT:
        return "limit";
    default:
        return "invalid-policy";
    }
}

/* "This file could not be parsed: <message>." - the first sentence says
 * what happened without the location, as GitHub shows it in lists. */
static void problem_message(buf *b, const iamg_diag *d)
{
    const char *m = d->message && d->message[0] ? d->message : iamg_strerror(d->code);
    size_t n = strlen(m);
    while (n && (m[n - 1] == '.' || m[n - 1] == ' '))
        n--;
    switch (d->code) {
    case IAMG_EPARSE:
        ig_buf_puts(b, "This file could not be parsed: ");
        break;
    case IAMG_EIO:
        ig_buf_puts(b, "This file could not be read: ");
        break;
    case IAMG_ELIMIT:
        ig_buf_puts(b, "This input exceeds a scan limit: ");
        break;
    default:
        ig_buf_puts(b, "This policy is not valid: ");
        break;
    }
    ig_buf_append(b, m, n);
    if (d->code == IAMG_EINVALID)
        ig_buf_puts(b, ".");
    else
        ig_buf_puts(b, ". Its policies were not checked against the guardrails.");
}

static json_t *problem_json(sw *w, const iamg_diag *d)
{
    const pseudo_rule *pr = problem_rule(d);
    long ri = rule_index(w, pr->id);
    assert(ri >= 0);
    iamg_level lv = pr->level;
    /* An invalid shape is an error or a warning as the model judged it. */
    if (d->code == IAMG_EINVALID && d->level >= IAMG_LEVEL_NOTE) lv = d->level;
    json_t *res = jobj(w);
    put_str(w, res, "ruleId", pr->id);
    put(w, res, "ruleIndex", jint(w, (size_t)ri));
    put_str(w, res, "kind", "fail");
    put_str(w, res, "level", iamg_level_name(lv));
    buf b = BUF_INIT;
    problem_message(&b, d);
    json_t *m = jobj(w);
    put(w, m, "text", jbuf(w, &b));
    put(w, res, "message", m);
    json_t *loc = jobj(w);
    put(w, loc, "physicalLocation",
        physical_location(w, d->path, d->line, d->column, d->end_column, d->snippet,
                          d->snippet_column));
    json_t *locs = jarr(w);
    push(w, locs, loc);
    put(w, res, "locations", locs);
    put_fingerprint(w, res, d->fingerprint);
    json_t *props = jobj(w);
    put_str(w, props, "problem", problem_name(d->code));
    put(w, res, "properties", props);
    return res;
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

static json_t *notification(sw *w, int kind, iamg_level lv, json_t *message)
{
    json_t *n = jobj(w);
    json_t *desc = jobj(w);
    put_str(w, desc, "id", notif_desc[kind].id);
    put(w, desc, "index", jint(w, (size_t)kind));
    put(w, n, "descriptor", desc);
    put_str(w, n, "level", lv >= IAMG_LEVEL_NOTE ? iamg_level_name(lv) : "note");
    put(w, n, "message", message);
    return n;
}

static json_t *diag_notification(sw *w, const iamg_diag *d)
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
    json_t *msg = jobj(w);
    put(w, msg, "text", jbuf(w, &b));
    json_t *n = notification(w, kind, lv, msg);
    if (d->code == IAMG_ERULE && d->rule_id) {
        long ri = rule_index(w, d->rule_id);
        if (ri >= 0) {
            json_t *ar = jobj(w);
            put_str(w, ar, "id", d->rule_id);
            put(w, ar, "index", jint(w, (size_t)ri));
            put(w, n, "associatedRule", ar);
        }
    }
    if (located) {
        json_t *pl = jobj(w);
        put(w, pl, "artifactLocation", artifact_location(w, d->path));
        if (d->line) {
            json_t *reg = jobj(w);
            put(w, reg, "startLine", jint(w, d->line));
            if (d->column) put(w, reg, "startColumn", jint(w, d->column));
            put(w, pl, "region", reg);
        }
        json_t *loc = jobj(w);
        put(w, loc, "physicalLocation", pl);
        json_t *locs = jarr(w);
        push(w, locs, loc);
        put(w, n, "locations", locs);
    }
    return n;
}

static json_t *text_notification(sw *w, int kind, iamg_level lv, buf *b)
{
    json_t *msg = jobj(w);
    put(w, msg, "text", jbuf(w, b));
    return notification(w, kind, lv, msg);
}

/* ---- the run ---- */

static json_t *driver_json(sw *w)
{
    json_t *d = jobj(w);
    put_str(w, d, "name", "iamguard");
    put_str(w, d, "fullName", TOOL_FULL_NAME);
    put_str(w, d, "version", IAMG_VERSION);
    put_str(w, d, "semanticVersion", IAMG_VERSION);
    put_str(w, d, "informationUri", TOOL_URI);
    json_t *rules = jarr(w);
    for (size_t i = 0; i < w->nrules; i++)
        push(w, rules, rule_json(w, &w->rules[i]));
    put(w, d, "rules", rules);
    json_t *notes = jarr(w);
    for (int i = 0; i < N_COUNT; i++) {
        json_t *nd = jobj(w);
        put_str(w, nd, "id", notif_desc[i].id);
        put(w, nd, "shortDescription", jtext(w, notif_desc[i].text));
        put(w, nd, "fullDescription", jtext(w, notif_desc[i].text));
        put(w, nd, "help", jtext(w, notif_desc[i].help));
        push(w, notes, nd);
    }
    put(w, d, "notifications", notes);
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

static int cmp_pos(const char *pa, unsigned la, unsigned ca, const char *pb, unsigned lb,
                   unsigned cb)
{
    int c = cmp_str(pa, pb);
    if (c) return c;
    if (la != lb) return la < lb ? -1 : 1;
    if (ca != cb) return ca < cb ? -1 : 1;
    return 0;
}

static int level_slot(iamg_level l)
{
    return l <= IAMG_LEVEL_ERROR ? (int)l : 0;
}

static json_t *run_json(sw *w)
{
    const iamg_output_options *o = w->o;
    const iamg_results *r = w->r;
    const iamg_stats *st = iamg_results_stats(r);
    size_t nf = iamg_results_count(r), nd = iamg_results_diag_count(r);
    size_t limit = iamg_engine_limits(w->e)->max_results;
    json_t *run = jobj(w);

    json_t *tool = jobj(w);
    put(w, tool, "driver", driver_json(w));
    put(w, run, "tool", tool);
    if (o->category && o->category[0]) {
        /* GitHub treats an id without a trailing '/' as "category/run-id". */
        buf b = BUF_INIT;
        ig_buf_puts(&b, o->category);
        if (o->category[strlen(o->category) - 1] != '/') ig_buf_putc(&b, '/');
        json_t *ad = jobj(w);
        put(w, ad, "id", jbuf(w, &b));
        put(w, run, "automationDetails", ad);
    }
    json_t *bases = jobj(w), *root = jobj(w);
    if (o->working_directory) {
        char *u = ig_uri_from_dir(o->working_directory);
        if (!u) w->oom = 1;
        put_str(w, root, "uri", u);
        ig_free(u);
    }
    put(w, root, "description",
        jtext(w, "Root of the scanned tree (the base folder); artifact URIs are relative to it."));
    put(w, bases, SRCROOT, root);
    put(w, run, "originalUriBaseIds", bases);

    /* Results and notifications first, so the invocation can say whether
     * the run is complete. */
    json_t *results = jarr(w), *notes = jarr(w);
    size_t total = 0, written = 0, outside = 0, problems = 0;
    size_t by_level[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < nf; i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        if (!f->suppressed) by_level[f->level <= IAMG_LEVEL_ERROR ? f->level : 0]++;
        if (!f->suppressed || o->include_suppressed) total++;
    }
    for (size_t j = 0; j < nd; j++)
        if (input_problem(iamg_results_diag(r, j))) {
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
            if (input_problem(d)) count[level_slot(d->level)]++;
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
        while (j < nd && !input_problem(iamg_results_diag(r, j)))
            j++;
        if (i >= nf && j >= nd) break;
        const iamg_finding *f = i < nf ? iamg_results_get(r, i) : NULL;
        const iamg_diag *d = j < nd ? iamg_results_diag(r, j) : NULL;
        int take_f =
            f && (!d || cmp_pos(f->path, f->line, f->column, d->path, d->line, d->column) <= 0);
        int slot = level_slot(take_f ? f->level : d->level);
        if (take_f)
            i++;
        else
            j++;
        if (taken[slot] >= quota[slot]) continue;
        taken[slot]++;
        const char *path = take_f ? f->path : d->path;
        push(w, results, take_f ? finding_json(w, f) : problem_json(w, d));
        written++;
        if (ig_uri_path_is_absolute(path)) outside++;
        if (w->oom) break;
    }
    int truncated = written < total;

    int rule_failed = 0;
    size_t nnotes = 0, dropped_notes = 0;
    for (size_t k = 0; k < nd; k++) {
        const iamg_diag *d = iamg_results_diag(r, k);
        if (d->code == IAMG_ERULE) rule_failed = 1;
        /* Notifications are bounded like results: a scan of a huge tree
         * full of broken files must still give an uploadable file. */
        if (limit && nnotes >= limit) {
            dropped_notes++;
            continue;
        }
        push(w, notes, diag_notification(w, d));
        nnotes++;
        if (w->oom) break;
    }
    if (dropped_notes) {
        buf b = BUF_INIT;
        ig_buf_printf(&b, "%zu more notifications were left out (at most %zu are written).",
                      dropped_notes, limit);
        push(w, notes, text_notification(w, N_TRUNCATED, IAMG_LEVEL_WARNING, &b));
    }
    if (truncated) {
        buf b = BUF_INIT;
        ig_buf_printf(&b,
                      "%zu of %zu results were left out, the least severe first: a run holds at "
                      "most %zu (GitHub code scanning rejects more). Fix or allowlist the most "
                      "frequent findings, or split the scan into several categories.",
                      total - written, total, limit);
        push(w, notes, text_notification(w, N_TRUNCATED, IAMG_LEVEL_WARNING, &b));
    }
    if (outside) {
        buf b = BUF_INIT;
        ig_buf_printf(&b,
                      "%zu results are in files outside the base folder and use absolute file: "
                      "URIs, which GitHub code scanning cannot place in the repository. Scan from "
                      "the repository root or set --base-dir to it.",
                      outside);
        push(w, notes, text_notification(w, N_OUTSIDE, IAMG_LEVEL_WARNING, &b));
    }

    json_t *inv = jobj(w);
    /* Input problems leave the run successful: the scan itself ran and
     * reports them as results. A failed rule or a cut run did not report
     * everything it should have, and GitHub closes every open alert a
     * successful run no longer reports, so those runs are unsuccessful. */
    put(w, inv, "executionSuccessful", json_boolean(!rule_failed && !truncated));
    put_str(w, inv, "commandLine", o->command_line);
    if (o->timestamps) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        char t0[32], t1[32];
        utc_time(t0, end - (st->seconds > 0 ? st->seconds : 0));
        utc_time(t1, end);
        put_str(w, inv, "startTimeUtc", t0);
        put_str(w, inv, "endTimeUtc", t1);
    }
    if (o->working_directory) {
        char *u = ig_uri_from_dir(o->working_directory);
        if (!u) w->oom = 1;
        json_t *wd = jobj(w);
        put_str(w, wd, "uri", u);
        ig_free(u);
        put(w, inv, "workingDirectory", wd);
    }
    if (json_array_size(notes))
        put(w, inv, "toolExecutionNotifications", notes);
    else
        json_decref(notes);
    json_t *invs = jarr(w);
    push(w, invs, inv);
    put(w, run, "invocations", invs);
    put(w, run, "results", results);
    put_str(w, run, "columnKind", "utf16CodeUnits");

    json_t *props = jobj(w);
    put(w, props, "filesSeen", jint(w, st->files_seen));
    put(w, props, "filesScanned", jint(w, st->files_scanned));
    put(w, props, "filesSkipped", jint(w, st->files_skipped));
    put(w, props, "filesFailed", jint(w, st->files_failed));
    put(w, props, "documents", jint(w, st->documents));
    put(w, props, "statements", jint(w, st->statements));
    json_t *fl = jobj(w);
    put(w, fl, "error", jint(w, by_level[IAMG_LEVEL_ERROR]));
    put(w, fl, "warning", jint(w, by_level[IAMG_LEVEL_WARNING]));
    put(w, fl, "note", jint(w, by_level[IAMG_LEVEL_NOTE]));
    put(w, props, "findings", fl);
    put(w, props, "suppressedCount", jint(w, st->suppressed));
    put(w, props, "baselinedCount", jint(w, st->baselined));
    put(w, props, "inputProblems", jint(w, problems));
    put(w, props, "ruleFailures", jint(w, st->rule_failures));
    put(w, props, "truncated", json_boolean(truncated));
    if (truncated) put(w, props, "omittedResults", jint(w, total - written));
    put(w, run, "properties", props);
    return run;
}

int iamg_write_sarif(FILE *out, const iamg_engine *e, const iamg_results *r,
                     const iamg_output_options *o, iamg_error *err)
{
    assert(out && e && r);
    iamg_output_options dflt = IAMG_OUTPUT_OPTIONS_INIT;
    sw w;
    memset(&w, 0, sizeof w);
    w.e = e;
    w.r = r;
    w.o = o ? o : &dflt;
    int rc = 0;
    json_t *doc = NULL;

    /* A result on a file the scan could not read has no line to hash.
     * GitHub's upload step would hash line 1 of the file it finds; for a
     * file that cannot be read that is the empty file's hash, so that is
     * the value written (stable as long as the file stays unreadable). */
    line_hashes empty = {0};
    if (ig_fingerprint_lines("", 0, &empty)) {
        rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing SARIF");
        goto done;
    }
    ig_fingerprint_format(&empty, 1, w.empty_fp);
    ig_fingerprint_free(&empty);

    build_rule_table(&w);
    if (w.oom) goto oom;
    doc = jobj(&w);
    put_str(&w, doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    put_str(&w, doc, "version", "2.1.0");
    json_t *run = run_json(&w);
    json_t *runs = jarr(&w);
    push(&w, runs, run);
    put(&w, doc, "runs", runs);
    if (w.oom) goto oom;

    errno = 0;
    if (json_dumpf(doc, out, JSON_INDENT(2)) != 0 || fputc('\n', out) == EOF ||
        fflush(out) == EOF || ferror(out)) {
        int e_ = errno;
        rc = ig_error_set(err, IAMG_EIO, "", 0, 0, "cannot write the SARIF report: %s",
                          e_ ? strerror(e_) : "write error");
    }
    goto done;
oom:
    rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory writing SARIF");
done:
    json_decref(doc);
    ig_free(w.rules);
    ig_free(w.by_id);
    return rc;
}
