#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "iamguard/engine.h"
#include "load/loader.h"
#include "output/fingerprint.h"
#include "principal/managed.h"
#include "principal/principal.h"
#include "rules/lua_api.h"
#include "rules/ruleset.h"
#include "rules/runner.h"
#include "scan/allow.h"
#include "scan/effective.h"
#include "scan/results_int.h"
#include "scan/walk.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/fileio.h"
#include "util/utf8.h"

/* Longest source line kept as a finding's snippet; a longer one is cut to a
 * window that starts SNIPPET_LEAD bytes before the region. */
#define SNIPPET_MAX 400
#define SNIPPET_LEAD 120
/* Failures of one rule listed individually before they are summarised. */
#define RULE_FAILURES_LISTED 10

/* What one file produced; filled by whichever worker took the file. */
typedef struct slot {
    iamg_finding *f;
    iamg_diag *d;
    iamg_document *docs; /* with iamg_scan_options.documents */
    uint32_t nf, nd, ndocs;
    size_t documents, statements, bytes, suppressed, blocked;
    uint8_t scanned, skipped, failed;
} slot;

/* Wall-clock and process CPU time, for the phases in iamg_stats. */
typedef struct stamp {
    double wall, cpu;
} stamp;

static stamp stamp_now(void)
{
    struct timespec w, c;
    clock_gettime(CLOCK_MONOTONIC, &w);
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c) != 0) c.tv_sec = 0, c.tv_nsec = 0;
    stamp s = {(double)w.tv_sec + (double)w.tv_nsec / 1e9,
               (double)c.tv_sec + (double)c.tv_nsec / 1e9};
    return s;
}

static void phase_add(iamg_phase_time *p, stamp from, stamp to)
{
    p->wall += to.wall - from.wall;
    p->cpu += to.cpu - from.cpu;
}

/* Files are handed to the workers in blocks that never move, so a worker
 * can hold one file while the walk appends more. */
#define BLOCK_FILES 256
typedef struct file_block {
    walk_file files[BLOCK_FILES];
    slot slots[BLOCK_FILES];
} file_block;

typedef struct shared {
    iamg_engine *e;
    const iamg_scan_options *o;
    const allow_set *allow;
    const char *data; /* iamg_scan_buffer: the bytes of the only file */
    size_t len;
    int owns_paths; /* the files' fs_path allocations are freed with the blocks */
    /* Under mu: the files listed so far, the next one to take, whether the
     * list is complete; `more` is signalled when any of these changes. */
    pthread_mutex_t mu;
    pthread_cond_t more;
    file_block **blocks;
    size_t nblocks, capblocks;
    size_t nfiles, next;
    int listed;
    size_t done, findings;
    int failed; /* IAMG_ENOMEM in some worker */
    atomic_size_t attachments_checked;
    stamp start; /* of the scan, walk included */
} shared;

/* A finding at an attachment element, for a managed policy the file
 * attaches but does not define: one per rule and attachment. */
typedef struct afind {
    uint32_t rule;
    iamg_level level;
    char *message; /* heap */
    const tsource *src;
    uint32_t start, end;
    const pdoc *doc;    /* the managed policy */
    iamg_origin origin; /* the attachment's: holder, policy name and ARN */
    uint32_t holder;    /* principal index */
    size_t slot;        /* the managed policy's slot (principal.h) */
    char statement[64]; /* the first offending statement's label */
} afind;

typedef struct afind_list {
    afind *v;
    size_t n, cap;
} afind_list;

typedef struct worker {
    shared *sh;
    runner *run;
    arena strings; /* findings' strings; handed to the results */
    rfind_list rf;
    afind_list af;
    diag_list dl;
    pthread_t thread;
    int rc;
} worker;

static const char *arena_copy(worker *w, const char *s)
{
    return s ? ig_arena_strdup(&w->strings, s) : NULL;
}

/* Column one past the end of line `line`, trailing blanks left out when
 * `trim` is set. Costs what a position does, however long the line. */
static unsigned line_end_col(const tsource *f, unsigned line, int trim)
{
    const char *text;
    uint32_t len;
    ig_tsource_line(f, line, &text, &len);
    while (trim && len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    return ig_tsource_pos(f, (uint32_t)(text - f->data) + len).col;
}

/* One-line region of [start, end) of src: GitHub shows regions on one line,
 * so a multi-line span is cut at the end of its first line. */
static void region(const tsource *src, uint32_t start, uint32_t end, srcpos *s, unsigned *end_col)
{
    *s = ig_tsource_pos(src, start);
    srcpos e = ig_tsource_pos(src, end > start ? end : start);
    if (e.line == s->line && e.col > s->col) {
        *end_col = e.col;
        return;
    }
    *end_col = line_end_col(ig_tsource_file(src), s->line, 1);
    if (*end_col <= s->col) *end_col = s->col + 1;
}

/*
 * The line that holds a region, for people to read. Minified JSON (a
 * Terraform plan is one line) would otherwise show its first few hundred
 * bytes and leave the region off screen, so a long line is cut to a window
 * around column `col`; *start_col says where the window starts, *cut whether
 * its end was cut off.
 */
static const char *snippet(worker *w, const tsource *file, unsigned line, unsigned col,
                           unsigned *start_col, unsigned *cut)
{
    const char *text;
    uint32_t len;
    ig_tsource_line(file, line, &text, &len);
    *start_col = 1;
    if (len > SNIPPET_MAX && col > 1) {
        uint32_t ls = (uint32_t)(text - file->data);
        size_t at = ig_tsource_col_offset(file, line, col) - ls;
        size_t from = at > SNIPPET_LEAD ? at - SNIPPET_LEAD : 0;
        while (from < at && ((unsigned char)text[from] & 0xC0) == 0x80)
            from++;
        *start_col = ig_tsource_pos(file, ls + (uint32_t)from).col;
        text += from;
        len -= (uint32_t)from;
    }
    int truncated = 0;
    char *clean = ig_utf8_sanitize_cut(text, len, SNIPPET_MAX, &truncated);
    if (!clean) return NULL;
    *cut = truncated != 0;
    const char *s = ig_arena_strdup(&w->strings, clean);
    ig_free(clean);
    return s;
}

static const char *fingerprint(worker *w, const line_hashes *h, unsigned line)
{
    char fp[32];
    ig_fingerprint_format(h, line, fp);
    return ig_arena_strdup(&w->strings, fp);
}

/* Copy one origin string; *failed is set when a present string could not be copied. */
/* Origin and holder strings are copied, and written, once per finding: a
 * 10 MB logical ID on 10,000 findings would be 100 GB of report. Longer
 * than any real one (AWS allows 255 bytes for a logical ID, 2,048 for an
 * ARN), they keep their first ORIGIN_TEXT_MAX bytes and an ellipsis. The
 * allowlist matches the document's full values. */
#define ORIGIN_TEXT_MAX 2048

static const char *copy_field(worker *w, const char *s, int *failed)
{
    size_t n = s ? strlen(s) : 0;
    if (n > ORIGIN_TEXT_MAX) {
        size_t k = ORIGIN_TEXT_MAX;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        char *c = ig_arena_alloc(&w->strings, k + 4);
        if (!c) {
            *failed = 1;
            return NULL;
        }
        memcpy(c, s, k);
        memcpy(c + k, "\xE2\x80\xA6", 4);
        return c;
    }
    const char *c = arena_copy(w, s);
    if (s && !c) *failed = 1;
    return c;
}

/* 0, or -1 when out of memory (an origin field must not vanish silently). */
static int copy_origin(worker *w, iamg_origin *dst, const iamg_origin *o)
{
    int failed = 0;
    dst->format = copy_field(w, o->format, &failed);
    dst->kind = copy_field(w, o->kind, &failed);
    dst->container = copy_field(w, o->container, &failed);
    dst->logical_id = copy_field(w, o->logical_id, &failed);
    dst->resource_type = copy_field(w, o->resource_type, &failed);
    dst->policy_name = copy_field(w, o->policy_name, &failed);
    dst->address = copy_field(w, o->address, &failed);
    dst->principal_type = copy_field(w, o->principal_type, &failed);
    dst->principal_name = copy_field(w, o->principal_name, &failed);
    dst->principal_arn = copy_field(w, o->principal_arn, &failed);
    dst->policy_arn = copy_field(w, o->policy_arn, &failed);
    dst->pointer = copy_field(w, o->pointer, &failed);
    return failed ? -1 : 0;
}

/* One holder, with strings copied to the results. */
static int copy_holder(worker *w, iamg_holder *h, const principal *p, uint8_t how)
{
    int failed = 0;
    h->type = ig_ptype_name(p->type);
    h->name = copy_field(w, p->name, &failed);
    h->arn = copy_field(w, p->arn, &failed);
    h->id = copy_field(w, p->id, &failed);
    h->how = ig_hold_name(how);
    return failed ? -1 : 0;
}

/* The holders of slot `slot`, or of the attachment by principal `holder`
 * (>= 0): the principal and, for a group, its members. */
static int finish_holders(worker *w, iamg_finding *f, const principal_set *ps, size_t slotno,
                          long holder)
{
    size_t max = w->sh->e->limits.max_holders;
    if (!ps || !ps->n) return 0;
    if (holder < 0) {
        uint32_t n, total;
        const pholder *h = ig_principals_holders(ps, slotno, &n, &total);
        if (!n) return 0;
        iamg_holder *v = ig_arena_calloc(&w->strings, n, sizeof *v);
        if (!v) return IAMG_ENOMEM;
        for (uint32_t i = 0; i < n; i++)
            if (copy_holder(w, &v[i], &ps->v[h[i].principal], h[i].how)) return IAMG_ENOMEM;
        f->holders = v;
        f->nholders = n;
        f->holders_total = total;
        return 0;
    }
    size_t total = 1;
    const principal *g = &ps->v[holder];
    for (size_t p = 0; g->type == PT_GROUP && p < ps->n; p++)
        for (uint32_t k = 0; k < ps->v[p].nholds; k++)
            if (ps->v[p].holds[k].how == HOLD_GROUP && ps->v[p].holds[k].group == holder) {
                total++;
                break;
            }
    size_t n = total < max ? total : max;
    iamg_holder *v = ig_arena_calloc(&w->strings, n ? n : 1, sizeof *v);
    if (!v) return IAMG_ENOMEM;
    size_t k = 0;
    if (n && copy_holder(w, &v[k++], g, HOLD_MANAGED)) return IAMG_ENOMEM;
    for (size_t p = 0; g->type == PT_GROUP && p < ps->n && k < n; p++)
        for (uint32_t m = 0; m < ps->v[p].nholds; m++)
            if (ps->v[p].holds[m].how == HOLD_GROUP && ps->v[p].holds[m].group == holder) {
                if (copy_holder(w, &v[k++], &ps->v[p], HOLD_GROUP)) return IAMG_ENOMEM;
                break;
            }
    f->holders = v;
    f->nholders = k;
    f->holders_total = total;
    return 0;
}

/* Suppress f when an allowlist entry matches it (on statement stmt of doc,
 * -1 for the document). The entry's strings belong to the caller's
 * options, which need not outlive the results: they are copied. 0, or -1
 * when out of memory. */
static int allowlist(worker *w, slot *s, iamg_finding *f, const pdoc *doc, int32_t stmt)
{
    const iamg_allow *a = ig_allow_match(w->sh->allow, f, doc, stmt);
    if (!a) return 0;
    f->suppressed = arena_copy(w, a->justification);
    f->suppressed_expires = arena_copy(w, a->expires);
    f->suppressed_where = arena_copy(w, a->where);
    if (!f->suppressed || (a->expires && !f->suppressed_expires) ||
        (a->where && !f->suppressed_where))
        return -1;
    s->suppressed++;
    return 0;
}

/* Where a finding is: its region (bytes start..end of src), path (shared
 * by the file's findings), snippet and fingerprint. Copies that fail are
 * left NULL for the caller's one check. */
static void place_finding(worker *w, iamg_finding *f, const tsource *src, uint32_t start,
                          uint32_t end, const char *path, const loaded *l, const line_hashes *lh)
{
    srcpos p;
    unsigned end_col;
    region(src, start, end, &p, &end_col);
    f->path = path;
    f->line = p.line;
    f->column = p.col;
    f->end_column = end_col;
    f->snippet = snippet(w, &l->src, p.line, p.col, &f->snippet_column, &f->snippet_truncated);
    f->fingerprint = fingerprint(w, lh, p.line);
}

/* Findings at attachment elements (check_attachments). */
static int finish_attachments(worker *w, slot *s, const char *shared_path, loaded *l,
                              line_hashes *lh, const principal_set *ps)
{
    for (size_t i = 0; i < w->af.n; i++) {
        const afind *a = &w->af.v[i];
        iamg_finding *f = &s->f[s->nf];
        place_finding(w, f, a->src, a->start, a->end, shared_path, l, lh);
        f->rule_id = w->sh->e->rules[a->rule].info.id;
        f->level = a->level;
        f->message = arena_copy(w, a->message);
        f->statement = a->statement[0] ? arena_copy(w, a->statement) : NULL;
        if (copy_origin(w, &f->origin, &a->origin)) return IAMG_ENOMEM;
        if (finish_holders(w, f, ps, 0, (long)a->holder)) return IAMG_ENOMEM;
        if (allowlist(w, s, f, a->doc, -1)) return IAMG_ENOMEM;
        if (!f->message || !f->path || !f->snippet || !f->fingerprint) return IAMG_ENOMEM;
        s->nf++;
    }
    return 0;
}

/* Turn what the rules reported on one loaded file into findings. */
static int finish_findings(worker *w, slot *s, const char *path, loaded *l, line_hashes *lh,
                           const principal_set *ps)
{
    if (!w->rf.n && !w->af.n) return 0;
    s->f = ig_calloc(w->rf.n + w->af.n, sizeof *s->f);
    if (!s->f) return IAMG_ENOMEM;
    const char *shared_path = arena_copy(w, path);
    for (size_t i = 0; i < w->rf.n; i++) {
        const rfind *r = &w->rf.v[i];
        iamg_finding *f = &s->f[s->nf];
        const rule *ru = &w->sh->e->rules[r->rule];
        place_finding(w, f, r->doc->src, r->start, r->end, shared_path, l, lh);
        f->rule_id = ru->info.id; /* lives as long as the engine */
        f->level = r->level;
        f->message = arena_copy(w, r->message);
        if (r->stmt >= 0) {
            char label[300];
            ig_policy_stmt_label(&r->doc->stmts[r->stmt], label, sizeof label);
            f->statement = arena_copy(w, label);
        }
        f->element = r->element;
        if (copy_origin(w, &f->origin, &r->doc->origin)) return IAMG_ENOMEM;
        if (ps && r->doc >= l->docs && r->doc < l->docs + l->ndocs &&
            finish_holders(w, f, ps, (size_t)(r->doc - l->docs), -1))
            return IAMG_ENOMEM;
        if (allowlist(w, s, f, r->doc, r->stmt)) return IAMG_ENOMEM;
        if (!f->message || !f->path || !f->snippet || !f->fingerprint) return IAMG_ENOMEM;
        s->nf++;
    }
    return finish_attachments(w, s, shared_path, l, lh, ps);
}

/* Record the documents of one loaded file (iamg_scan_options.documents). */
static int finish_documents(worker *w, slot *s, const char *path, loaded *l)
{
    if (!l->ndocs) return 0;
    s->docs = ig_calloc(l->ndocs, sizeof *s->docs);
    const char *shared_path = arena_copy(w, path);
    if (!s->docs || !shared_path) return IAMG_ENOMEM;
    for (size_t i = 0; i < l->ndocs; i++) {
        const pdoc *doc = &l->docs[i];
        iamg_document *d = &s->docs[s->ndocs++];
        d->path = shared_path;
        d->statements = doc->nstmts;
        if (doc->node) {
            srcpos p = ig_tsource_pos(doc->src, doc->node->start);
            d->line = p.line;
            d->column = p.col;
        }
        if (copy_origin(w, &d->origin, &doc->origin)) return IAMG_ENOMEM;
    }
    return 0;
}

static int finish_diags(worker *w, slot *s, const char *path, loaded *l, line_hashes *lh,
                        int explicit_)
{
    diag_list *dl = &w->dl;
    size_t n = dl->n + (dl->dropped ? 1 : 0);
    if (!n) return 0;
    s->d = ig_calloc(n, sizeof *s->d);
    if (!s->d) return IAMG_ENOMEM;
    const char *shared_path = arena_copy(w, path);
    if (!shared_path) return IAMG_ENOMEM;
    for (size_t i = 0; i < dl->n; i++) {
        const diag *d = &dl->v[i];
        /* Files that are not IAM inputs are mentioned only when asked for. */
        if (d->code == IAMG_ESKIP && !explicit_ && !w->sh->o->verbose) continue;
        iamg_diag *o = &s->d[s->nd];
        o->code = d->code;
        o->level = d->level;
        o->path = d->path ? arena_copy(w, d->path) : shared_path;
        o->line = d->line;
        o->column = d->col;
        o->rule_id = d->rule_id ? arena_copy(w, d->rule_id) : NULL;
        o->message = arena_copy(w, d->message);
        if (!o->message) return IAMG_ENOMEM;
        if (!d->line && !d->path && lh->hash) {
            /* GitHub places a result without a region on line 1. */
            o->fingerprint = fingerprint(w, lh, 1);
        }
        /* A log() line is about the rule, not about a line of the input. */
        if (d->line && l && l->src.points && !d->path && d->code != IAMG_ELOG) {
            o->snippet =
                snippet(w, &l->src, d->line, d->col, &o->snippet_column, &o->snippet_truncated);
            o->fingerprint = lh->hash ? fingerprint(w, lh, d->line) : NULL;
            o->end_column = line_end_col(&l->src, d->line, 0);
            if (o->end_column <= o->column) o->end_column = o->column + 1;
        }
        s->nd++;
    }
    if (dl->dropped) {
        iamg_diag *o = &s->d[s->nd++];
        o->code = IAMG_EINVALID;
        o->level = IAMG_LEVEL_WARNING;
        o->path = shared_path;
        char msg[160];
        snprintf(msg, sizeof msg, "%zu more problems in this file are not listed (first %d shown)",
                 dl->dropped, DIAG_MAX_PER_FILE);
        o->message = arena_copy(w, msg);
        if (!o->message) return IAMG_ENOMEM;
        if (lh->hash) o->fingerprint = fingerprint(w, lh, 1);
    }
    return 0;
}

/* `kinds:` of the configuration: the kind of raw policy files by path. */
static void apply_kinds(const iamg_scan_options *o, const char *path, loaded *l)
{
    if (o->version < 2 || !o->nkinds || !l->format) return;
    if (strcmp(l->format, "policy") != 0 && strcmp(l->format, "policy-version") != 0 &&
        strcmp(l->format, "policy-document") != 0)
        return;
    for (size_t i = 0; i < o->nkinds; i++) {
        int k = ig_policy_kind_parse(o->kinds[i].kind);
        if (k < 0 || !ig_walk_glob_match(o->kinds[i].glob, path)) continue;
        for (size_t d = 0; d < l->ndocs; d++)
            ig_policy_set_kind(&l->docs[d], (pkind)k);
        return;
    }
}

static int afind_add(afind_list *l, const afind *a)
{
    if (IG_ARRAY_GROW(l->v, l->n, l->cap, 8)) return IAMG_ENOMEM;
    l->v[l->n++] = *a;
    return 0;
}

static void afind_list_free(afind_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ig_free(l->v[i].message);
    ig_free(l->v);
    memset(l, 0, sizeof *l);
}

/* What the rules said about one external managed policy of the file. */
typedef struct ext_check {
    const pdoc *doc; /* NULL: unknown */
    rfind_list rf;
    int done;
} ext_check;

/* Resolve external policy e and run the rules on it once per file. */
static int check_ext(worker *w, loaded *l, principal_set *ps, size_t e, ext_check *c,
                     const phold *at)
{
    if (c->done) return 0;
    c->done = 1;
    const iamg_engine *eng = w->sh->e;
    const managed_store *store = eng->managed;
    if (!store) store = ig_managed_embedded();
    if (!store) return IAMG_ENOMEM;
    pext *x = &ps->ext[e];
    const pdoc *found;
    int rc = ig_principals_ext_doc(ps, e, store, l, &eng->limits, &found);
    if (rc) return rc;
    if (!found) {
        if (x->aws) {
            managed_info mi;
            ig_managed_info(store, &mi);
            ig_diag_add(&w->dl, IAMG_ESKIP, IAMG_LEVEL_NOTE, at->src, at->at->start,
                        "AWS managed policy %s is not among the %zu managed policies iamguard "
                        "knows (%s%s%s): not checked",
                        x->name, mi.count, mi.source ? mi.source : "", mi.date ? ", " : "",
                        mi.date ? mi.date : "");
        } else {
            /* A customer managed policy of another file or stack: said, so
             * that an attachment is never skipped in silence. */
            ig_diag_add(&w->dl, IAMG_ESKIP, IAMG_LEVEL_NOTE, at->src, at->at->start,
                        "managed policy %s is not defined in this file%s: not checked here "
                        "(scan the file that defines it, or pass an account dump with "
                        "--managed-policies)",
                        x->arn   ? x->arn
                        : x->ref ? x->ref
                                 : x->name,
                        eng->managed ? " nor in --managed-policies" : "");
        }
        return 0;
    }
    const pdoc *d = found;
    c->doc = d;
    diag_list rd;
    memset(&rd, 0, sizeof rd);
    rc = ig_runner_check(w->run, d, &c->rf, &rd);
    /* A rule failing on the managed policy is reported at the attachment. */
    for (size_t i = 0; rc == 0 && i < rd.n; i++) {
        diag *g = ig_diag_add(&w->dl, rd.v[i].code, rd.v[i].level, at->src, at->at->start,
                              "on managed policy %s: %s", x->name, rd.v[i].message);
        if (g && rd.v[i].rule_id) g->rule_id = ig_strdup(rd.v[i].rule_id);
    }
    if (rd.oom) rc = IAMG_ENOMEM;
    ig_diag_list_free(&rd);
    return rc;
}

/* A principal as messages name it: the logical ID or address where the
 * file has one (a CloudFormation name may be computed), else its name. */
static const char *holder_label(const principal *p)
{
    return p->id ? p->id : p->name ? p->name : p->key;
}

/* The origin of an attachment finding: the principal's side. */
static int attachment_origin(loaded *l, const principal *p, const pext *x, iamg_origin *o)
{
    memset(o, 0, sizeof *o);
    o->format = l->format;
    o->kind = "identity";
    int tf = l->format && strncmp(l->format, "terraform", 9) == 0;
    int cfn = l->format && strcmp(l->format, "cloudformation") == 0;
    if (cfn) o->logical_id = p->id;
    if (tf) o->address = p->id;
    o->principal_type = ig_ptype_name(p->type);
    o->principal_name = p->name;
    o->principal_arn = p->arn;
    o->policy_name = x->name;
    o->policy_arn = x->arn;
    buf b = BUF_INIT;
    ig_buf_printf(&b, "%s %s, %smanaged policy %s", ig_ptype_name(p->type), holder_label(p),
                  x->aws ? "AWS " : "", x->name);
    o->container = b.oom ? NULL : ig_arena_strndup(&l->a, b.data, b.len);
    ig_buf_free(&b);
    return o->container ? 0 : IAMG_ENOMEM;
}

/* Managed policies the file attaches but does not define: the rules run on
 * each on behalf of its holders, and what they find is reported at the
 * attachment element, one result per rule and attachment. */
static int check_attachments(worker *w, loaded *l, principal_set *ps)
{
    if (!ps->next) return 0;
    ext_check *ec = ig_calloc(ps->next, sizeof *ec);
    if (!ec) return IAMG_ENOMEM;
    int rc = 0;
    size_t nrules = w->sh->e->nrules;
    for (size_t p = 0; p < ps->n && rc == 0; p++) {
        const principal *pr = &ps->v[p];
        for (uint32_t k = 0; k < pr->nholds && rc == 0; k++) {
            const phold *h = &pr->holds[k];
            if (h->how != HOLD_MANAGED || h->slot < ps->ndocs || !h->at) continue;
            size_t e = h->slot - ps->ndocs;
            ext_check *c = &ec[e];
            if ((rc = check_ext(w, l, ps, e, c, h)) || !c->doc || !c->rf.n) continue;
            w->sh->attachments_checked++;
            for (size_t r = 0; r < nrules && rc == 0; r++) {
                buf labels = BUF_INIT, first = BUF_INIT;
                size_t hits = 0;
                iamg_level level = IAMG_LEVEL_NONE;
                for (size_t i = 0; i < c->rf.n; i++) {
                    const rfind *f = &c->rf.v[i];
                    if (f->rule != r) continue;
                    if (!hits) ig_buf_puts(&first, f->message);
                    if (f->level > level) level = f->level;
                    char label[128] = "the document";
                    if (f->stmt >= 0)
                        ig_policy_stmt_label(&c->doc->stmts[f->stmt], label, sizeof label);
                    /* The same statement may be reported twice (Action items). */
                    if (hits < 10 && !(labels.data && strstr(labels.data, label)))
                        ig_buf_printf(&labels, "%s%s", labels.len ? ", " : "", label);
                    hits++;
                }
                if (hits) {
                    buf m = BUF_INIT;
                    const pext *x = &ps->ext[e];
                    /* The first sentence stands alone (alert lists show it). */
                    ig_buf_printf(&m, "%s %s attaches %smanaged policy %s (statement%s %s). %s",
                                  ig_ptype_name(pr->type), holder_label(pr), x->aws ? "AWS " : "",
                                  x->name, strchr(labels.data ? labels.data : "", ',') ? "s" : "",
                                  labels.data ? labels.data : "", first.data ? first.data : "");
                    afind a;
                    memset(&a, 0, sizeof a);
                    a.rule = (uint32_t)r;
                    a.level = level;
                    a.message = m.oom ? NULL : ig_buf_detach(&m);
                    a.src = h->src;
                    a.start = h->at->start;
                    a.end = h->at->end;
                    a.doc = c->doc;
                    a.holder = (uint32_t)p;
                    a.slot = h->slot;
                    size_t fl = strcspn(labels.data ? labels.data : "", ",");
                    if (fl >= sizeof a.statement) fl = sizeof a.statement - 1;
                    memcpy(a.statement, labels.data ? labels.data : "", fl);
                    int orc = attachment_origin(l, pr, &ps->ext[e], &a.origin);
                    ig_buf_free(&m);
                    if (orc || !a.message || afind_add(&w->af, &a)) {
                        ig_free(a.message);
                        rc = IAMG_ENOMEM;
                    }
                }
                if (labels.oom || first.oom) rc = IAMG_ENOMEM;
                ig_buf_free(&labels);
                ig_buf_free(&first);
            }
        }
    }
    for (size_t e = 0; e < ps->next; e++)
        ig_rfind_list_free(&ec[e].rf);
    ig_free(ec);
    return rc;
}

/* Rules with check_principal() see each principal with all its policies. */
static int check_principals(worker *w, loaded *l, principal_set *ps)
{
    if (!ps->n || !ig_runner_has_principal_checks(w->run)) return 0;
    const managed_store *store = w->sh->e->managed;
    if (!store && ps->next) store = ig_managed_embedded();
    if (!store && ps->next) return IAMG_ENOMEM;
    for (size_t p = 0; p < ps->n; p++) {
        pcall pc;
        int rc = ig_principal_api_prepare(&pc, l, ps, p, store, &w->sh->e->limits);
        if (!rc) rc = ig_runner_check_principal(w->run, &pc, &w->rf, &w->dl);
        if (rc) return rc;
    }
    return 0;
}

/* --effective: leave out the findings every holder is blocked from. */
static int apply_effective(worker *w, slot *s, loaded *l, principal_set *ps)
{
    const iamg_scan_options *o = w->sh->o;
    if (o->version < 2 || !o->effective || (!w->rf.n && !w->af.n) || !ps->n) return 0;
    const managed_store *store = w->sh->e->managed;
    if (!store && ps->next) store = ig_managed_embedded();
    if (!store && ps->next) return IAMG_ENOMEM;
    effective *ef = ig_effective_new(w->run, l, ps, store, &w->sh->e->limits);
    if (!ef) return IAMG_ENOMEM;
    int rc = 0;
    size_t k = 0;
    for (size_t i = 0; i < w->rf.n; i++) {
        rfind *r = &w->rf.v[i];
        int blocked = 0;
        if (rc == 0 && r->doc >= l->docs && r->doc < l->docs + l->ndocs)
            rc = ig_effective_blocked(ef, r->rule, (size_t)(r->doc - l->docs), -1, r->stmt,
                                      &blocked);
        if (blocked) {
            ig_free(r->message);
            s->blocked++;
            continue;
        }
        w->rf.v[k++] = *r;
    }
    w->rf.n = k;
    k = 0;
    for (size_t i = 0; i < w->af.n; i++) {
        afind *a = &w->af.v[i];
        int blocked = 0;
        if (rc == 0) rc = ig_effective_blocked(ef, a->rule, a->slot, (long)a->holder, -1, &blocked);
        if (blocked) {
            ig_free(a->message);
            s->blocked++;
            continue;
        }
        w->af.v[k++] = *a;
    }
    w->af.n = k;
    ig_effective_free(ef);
    return rc;
}

/* Above this size a file's fingerprints are computed for the lines that
 * need one only: a hash per line of a 100 MB account dump is 50 MB. */
#define FINGERPRINT_ALL_MAX (4u << 20)

/* The line fingerprints of what the rules reported on the file. */
static int line_prints(worker *w, const char *data, size_t len, line_hashes *lh)
{
    if (len <= FINGERPRINT_ALL_MAX) return ig_fingerprint_lines(data, len, lh);
    size_t n = 0, cap = w->rf.n + w->af.n + w->dl.n + 1;
    uint32_t *lines = ig_malloc(cap * sizeof *lines);
    if (!lines) return -1;
    lines[n++] = 1; /* problems without a line */
    for (size_t i = 0; i < w->rf.n; i++)
        lines[n++] = ig_tsource_pos(w->rf.v[i].doc->src, w->rf.v[i].start).line;
    for (size_t i = 0; i < w->af.n; i++)
        lines[n++] = ig_tsource_pos(w->af.v[i].src, w->af.v[i].start).line;
    for (size_t i = 0; i < w->dl.n; i++)
        if (w->dl.v[i].line && !w->dl.v[i].path) lines[n++] = w->dl.v[i].line;
    int rc = ig_fingerprint_some_lines(data, len, lines, n, lh);
    ig_free(lines);
    return rc;
}

static int process_file(worker *w, const walk_file *wf, slot *s)
{
    shared *sh = w->sh;
    const iamg_limits *lim = &sh->e->limits;
    char *owned = NULL;
    const char *data = sh->data;
    size_t len = sh->len;
    loaded l;
    line_hashes lh = {0};
    principal_set ps;
    int rc = 0, have_loaded = 0;
    memset(&l, 0, sizeof l);
    memset(&ps, 0, sizeof ps);

    if (!data) {
        iamg_error err;
        rc = ig_read_file(wf->fs_path, lim->max_file_size, &owned, &len, &err);
        if (rc == IAMG_ENOMEM) goto done;
        if (rc) {
            iamg_level lv = rc == IAMG_ESKIP ? IAMG_LEVEL_NOTE : IAMG_LEVEL_ERROR;
            ig_diag_add_at(&w->dl, rc, lv, NULL, 0, 0, NULL, err.message);
            if (rc == IAMG_ESKIP)
                s->skipped = 1;
            else
                s->failed = 1;
            rc = 0;
            goto finish;
        }
        data = owned;
    } else if ((uint64_t)len > lim->max_file_size) {
        /* The same limit as for a file read from a path: standard input
         * stops being read one byte past it. */
        char msg[160];
        snprintf(msg, sizeof msg,
                 "input is more than the limit of %llu bytes (--max-file-size): "
                 "skipped",
                 (unsigned long long)lim->max_file_size);
        ig_diag_add_at(&w->dl, IAMG_ELIMIT, IAMG_LEVEL_ERROR, NULL, 0, 0, NULL, msg);
        s->failed = 1;
        goto finish;
    }
    s->bytes = len;
    rc = ig_load_buffer(&l, wf->rel_path, data, len, wf->explicit_ ? LOAD_EXPLICIT : LOAD_WALKED,
                        lim, &w->dl);
    have_loaded = 1;
    if (rc) goto done;
    if (!l.ndocs) {
        int worst = ig_diag_worst(&w->dl);
        if (worst && worst != IAMG_ESKIP)
            s->failed = 1;
        else
            s->skipped = 1;
    } else {
        s->scanned = 1;
    }
    apply_kinds(sh->o, wf->rel_path, &l);
    if ((rc = ig_principals_build(&ps, &l, lim, &w->dl))) goto done;
    /* Joined: the facts (3 MB of a 100 MB account dump) go before the rules run. */
    ig_free(l.facts);
    l.facts = NULL;
    l.nfacts = l.capfacts = 0;
    ig_runner_set_file(w->run, &ps, &l);
    for (size_t i = 0; i < l.ndocs; i++) {
        s->documents++;
        s->statements += l.docs[i].nstmts;
        rc = ig_runner_check(w->run, &l.docs[i], &w->rf, &w->dl);
        if (rc) goto done;
    }
    if ((rc = check_attachments(w, &l, &ps))) goto done;
    if ((rc = check_principals(w, &l, &ps))) goto done;
    if ((rc = apply_effective(w, s, &l, &ps))) goto done;
    if (w->rf.n || w->af.n || w->dl.n) {
        if (ig_tsource_index(&l.src, &l.a) || line_prints(w, data, len, &lh)) {
            rc = IAMG_ENOMEM;
            goto done;
        }
    }
    if (sh->o->version >= 3 && sh->o->documents) {
        rc = finish_documents(w, s, wf->rel_path, &l);
        if (rc) goto done;
    }
finish:
    rc = finish_findings(w, s, wf->rel_path, &l, &lh, &ps);
    if (!rc) rc = finish_diags(w, s, wf->rel_path, have_loaded ? &l : NULL, &lh, wf->explicit_);
done:
    if (w->dl.oom && !rc) rc = IAMG_ENOMEM;
    ig_fingerprint_free(&lh);
    ig_rfind_list_free(&w->rf);
    afind_list_free(&w->af);
    ig_diag_list_free(&w->dl);
    ig_runner_set_file(w->run, NULL, NULL);
    ig_principals_free(&ps);
    if (have_loaded) ig_loaded_free(&l);
    ig_free(owned);
    return rc;
}

/*
 * Running out of memory on one file is that file's failure: everything it
 * held is freed by then, so a small record saying so still fits, and every
 * other file is scanned as usual. Only when even that record cannot be
 * made does the scan stop.
 */
static int process(worker *w, const walk_file *wf, slot *s)
{
    int rc = w->run ? process_file(w, wf, s) : IAMG_ENOMEM;
    if (rc != IAMG_ENOMEM) return rc;
    ig_free(s->f);
    ig_free(s->d);
    ig_free(s->docs);
    size_t bytes = s->bytes;
    memset(s, 0, sizeof *s);
    s->bytes = bytes;
    s->failed = 1;
    s->d = ig_calloc(1, sizeof *s->d);
    if (!s->d) return IAMG_ENOMEM;
    iamg_diag *d = s->d;
    d->code = IAMG_ELIMIT;
    d->level = IAMG_LEVEL_ERROR;
    d->path = arena_copy(w, wf->rel_path);
    d->message = arena_copy(w, "out of memory while loading or checking this file: not checked "
                               "(the other files are); give the scan more memory or lower "
                               "--max-file-size");
    if (!d->path || !d->message) return IAMG_ENOMEM;
    s->nd = 1;
    return 0;
}

/* Take files until the list is complete and exhausted, or the scan failed. */
static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    pthread_mutex_lock(&sh->mu);
    for (;;) {
        while (!sh->failed && sh->next >= sh->nfiles && !sh->listed)
            pthread_cond_wait(&sh->more, &sh->mu);
        if (sh->failed || sh->next >= sh->nfiles) break;
        size_t i = sh->next++;
        file_block *b = sh->blocks[i / BLOCK_FILES];
        pthread_mutex_unlock(&sh->mu);

        /* Each worker makes its own Lua states, on its own thread, when it
         * first has a file: jobs beyond the number of files cost nothing. */
        if (!w->run) w->run = ig_runner_new(sh->e, sh->o->verbose);
        slot *s = &b->slots[i % BLOCK_FILES];
        int rc = process(w, &b->files[i % BLOCK_FILES], s);

        pthread_mutex_lock(&sh->mu);
        sh->done++;
        sh->findings += s->nf;
        if (rc) {
            w->rc = rc;
            sh->failed = rc;
            pthread_cond_broadcast(&sh->more);
        }
        if (sh->o->progress)
            sh->o->progress(sh->o->progress_ud, sh->done, sh->nfiles, sh->findings);
    }
    pthread_mutex_unlock(&sh->mu);
    /* Closing the Lua states is work too: done here, in parallel. */
    ig_runner_free(w->run);
    w->run = NULL;
    return NULL;
}

/* Add a file to the list. The list owns f's paths when owns_paths, even on
 * failure. 0, or -1 when the scan failed or memory ran out. */
static int publish(void *ud, const walk_file *f)
{
    shared *sh = ud;
    int rc = 0;
    pthread_mutex_lock(&sh->mu);
    if (sh->failed) {
        rc = -1;
    } else if (sh->nfiles == sh->nblocks * BLOCK_FILES) {
        file_block *b = IG_ARRAY_GROW(sh->blocks, sh->nblocks, sh->capblocks, 16)
                            ? NULL
                            : ig_calloc(1, sizeof *b);
        if (b)
            sh->blocks[sh->nblocks++] = b;
        else
            rc = -1;
    }
    if (rc == 0) {
        sh->blocks[sh->nfiles / BLOCK_FILES]->files[sh->nfiles % BLOCK_FILES] = *f;
        sh->nfiles++;
        pthread_cond_signal(&sh->more);
    } else if (!sh->failed) {
        sh->failed = IAMG_ENOMEM;
        pthread_cond_broadcast(&sh->more);
    }
    pthread_mutex_unlock(&sh->mu);
    if (rc && sh->owns_paths) ig_free(f->fs_path);
    return rc;
}

/* No more files will come. */
static void close_list(shared *sh)
{
    pthread_mutex_lock(&sh->mu);
    sh->listed = 1;
    pthread_cond_broadcast(&sh->more);
    pthread_mutex_unlock(&sh->mu);
}

static slot *slot_at(const shared *sh, size_t i)
{
    return &sh->blocks[i / BLOCK_FILES]->slots[i % BLOCK_FILES];
}

static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 256 ? 256 : n) : 1;
}

static int copy_diag(iamg_results *r, arena *a, const iamg_diag *d)
{
    iamg_diag *o = &r->diags[r->ndiags++];
    *o = *d;
    o->path = d->path ? ig_arena_strdup(a, d->path) : NULL;
    o->rule_id = d->rule_id ? ig_arena_strdup(a, d->rule_id) : NULL;
    o->message = ig_arena_strdup(a, d->message);
    return (d->path && !o->path) || (d->rule_id && !o->rule_id) || !o->message ? -1 : 0;
}

/* Keep the first RULE_FAILURES_LISTED failures of each rule (in output
 * order) and summarise the rest, so a rule that fails on every document of a
 * 30,000-file scan gives a readable report. */
static int summarise_rule_failures(iamg_results *r, arena *a)
{
    size_t k = 0, extra = 0;
    iamg_diag *v = r->diags;
    for (size_t i = 0; i < r->ndiags; i++) {
        if (v[i].code == IAMG_ERULE && v[i].rule_id && v[i].line) {
            size_t seen = 0;
            for (size_t j = 0; j < k; j++)
                if (v[j].code == IAMG_ERULE && v[j].rule_id && v[j].line &&
                    strcmp(v[j].rule_id, v[i].rule_id) == 0)
                    seen++;
            if (seen >= RULE_FAILURES_LISTED) {
                extra++;
                continue;
            }
        }
        v[k++] = v[i];
    }
    r->ndiags = k;
    if (!extra) return 0;
    iamg_diag *nv = ig_realloc(r->diags, (r->ndiags + 1) * sizeof *nv);
    if (!nv) return -1;
    r->diags = nv;
    char msg[200];
    snprintf(msg, sizeof msg,
             "%zu more rule failures are not listed (at most %d per rule are shown)", extra,
             RULE_FAILURES_LISTED);
    iamg_diag d = {.code = IAMG_ERULE, .level = IAMG_LEVEL_ERROR, .message = msg};
    return copy_diag(r, a, &d);
}

/* Where the files come from: a complete list (a buffer, a shard of the
 * sorted list), or paths to walk. The walk runs on the calling thread while
 * the workers check what it has found so far, so listing files costs no
 * time of its own. */
typedef struct source {
    const walk_file *files; /* a complete list (its paths pass to the scan when owned) */
    size_t nfiles;
    const char *const *paths; /* or paths to walk */
    size_t npaths;
    walk_list *wl; /* the walk's notes and counts, once it is done */
} source;

typedef struct walk_job {
    shared *sh;
    const source *src;
    iamg_error *err;
    int rc;
} walk_job;

/* List the files of src->paths into the scan; on failure the workers stop. */
static void *walk_main(void *arg)
{
    walk_job *j = arg;
    shared *sh = j->sh;
    j->rc = ig_walk_stream(j->src->paths, j->src->npaths, sh->o, publish, sh, j->src->wl, j->err);
    pthread_mutex_lock(&sh->mu);
    if (j->rc && !sh->failed) sh->failed = j->rc == WALK_STOPPED ? IAMG_ENOMEM : j->rc;
    sh->listed = 1;
    pthread_cond_broadcast(&sh->more);
    pthread_mutex_unlock(&sh->mu);
    return NULL;
}

static void free_blocks(shared *sh)
{
    for (size_t i = 0; i < sh->nfiles; i++) {
        slot *s = slot_at(sh, i);
        ig_free(s->f);
        ig_free(s->d);
        ig_free(s->docs);
        if (sh->owns_paths) ig_free(sh->blocks[i / BLOCK_FILES]->files[i % BLOCK_FILES].fs_path);
    }
    for (size_t i = 0; i < sh->nblocks; i++)
        ig_free(sh->blocks[i]);
    ig_free(sh->blocks);
    sh->blocks = NULL;
    sh->nblocks = sh->nfiles = 0;
}

static int run_scan(shared *sh, const source *src, iamg_results **out, iamg_error *err)
{
    iamg_engine *e = sh->e;
    const iamg_scan_options *o = sh->o;
    walk_list *wl = src->wl;
    int streaming = src->paths != NULL;
    unsigned jobs = o->jobs ? o->jobs : default_jobs();
    if (!streaming && jobs > src->nfiles) jobs = src->nfiles ? (unsigned)src->nfiles : 1;
    int rc = 0, walk_rc = 0;
    stamp t_check = sh->start, t_merge = sh->start;
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->more, NULL);
    worker *ws = ig_calloc(jobs, sizeof *ws);
    iamg_results *r = ig_calloc(1, sizeof *r);
    if (!ws || !r) {
        rc = IAMG_ENOMEM;
        for (size_t i = 0; sh->owns_paths && i < src->nfiles; i++)
            ig_free(src->files[i].fs_path);
        goto done;
    }
    for (unsigned i = 0; i < jobs; i++) {
        ws[i].sh = sh;
        ig_arena_init(&ws[i].strings);
    }
    for (size_t i = 0; i < src->nfiles; i++) {
        if (publish(sh, &src->files[i]) != 0) {
            for (size_t k = i + 1; sh->owns_paths && k < src->nfiles; k++)
                ig_free(src->files[k].fs_path);
            break;
        }
    }
    if (!streaming) close_list(sh);

    t_check = t_merge = stamp_now();
    phase_add(&r->stats.walk, sh->start, t_check);
    /* The calling thread is worker 0 (so a caller's per-thread state, such
     * as fault injection in tests, sees the checking), the walk has a
     * thread of its own, and so does every other worker. */
    walk_job wj = {sh, src, err, 0};
    pthread_t walker;
    int walking = streaming && pthread_create(&walker, NULL, walk_main, &wj) == 0;
    if (streaming && !walking) walk_main(&wj); /* no thread: list everything first */
    unsigned started = 1;
    for (; started < jobs; started++)
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) break;
    worker_main(&ws[0]);
    for (unsigned i = 1; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    if (walking) pthread_join(walker, NULL);
    walk_rc = wj.rc;
    if (sh->failed) rc = sh->failed;
    t_merge = stamp_now();
    phase_add(&r->stats.check, t_check, t_merge);
    if (rc) goto done;

    /* Gather, in the order files were listed: the same for any number of
     * jobs, and then sorted. */
    size_t nf = 0, nd = e->ndiags + (wl ? wl->diags.n : 0) + 1, ndocs = 0;
    for (size_t i = 0; i < sh->nfiles; i++) {
        nf += slot_at(sh, i)->nf;
        nd += slot_at(sh, i)->nd;
        ndocs += slot_at(sh, i)->ndocs;
    }
    r->findings = ig_calloc(nf ? nf : 1, sizeof *r->findings);
    r->diags = ig_calloc(nd, sizeof *r->diags);
    r->arenas = ig_calloc(jobs + 1, sizeof *r->arenas);
    if (ndocs) r->documents = ig_calloc(ndocs, sizeof *r->documents);
    if (!r->findings || !r->diags || !r->arenas || (ndocs && !r->documents)) {
        rc = IAMG_ENOMEM;
        goto done;
    }
    arena *own = &r->arenas[jobs];
    ig_arena_init(own);
    for (unsigned i = 0; i < jobs; i++) {
        r->arenas[i] = ws[i].strings;
        ig_arena_init(&ws[i].strings);
    }
    r->narenas = jobs + 1;
    for (size_t i = 0; i < e->ndiags; i++)
        if (copy_diag(r, own, &e->diags[i])) rc = IAMG_ENOMEM;
    for (size_t i = 0; wl && i < wl->diags.n; i++) {
        const diag *d = &wl->diags.v[i];
        iamg_diag x = {.code = d->code, .level = d->level, .path = d->path, .message = d->message};
        if (copy_diag(r, own, &x)) rc = IAMG_ENOMEM;
    }
    iamg_stats *st = &r->stats;
    st->terraform_files = wl ? wl->terraform_files : 0;
    st->attachments = atomic_load(&sh->attachments_checked);
    for (size_t i = 0; i < sh->nfiles; i++) {
        slot *s = slot_at(sh, i);
        if (s->nf) memcpy(r->findings + r->nfindings, s->f, s->nf * sizeof *s->f);
        r->nfindings += s->nf;
        if (s->nd) memcpy(r->diags + r->ndiags, s->d, s->nd * sizeof *s->d);
        r->ndiags += s->nd;
        if (s->ndocs) memcpy(r->documents + r->ndocuments, s->docs, s->ndocs * sizeof *s->docs);
        r->ndocuments += s->ndocs;
        st->files_seen++;
        st->files_scanned += s->scanned;
        st->files_skipped += s->skipped;
        st->files_failed += s->failed;
        st->documents += s->documents;
        st->statements += s->statements;
        st->bytes += s->bytes;
        st->suppressed += s->suppressed;
        st->blocked += s->blocked;
    }
    ig_results_sort(r);
    size_t sorted = r->ndiags;
    /* Counted before the summary: a rule that failed on 40 documents is 40
     * failures, even though only the first few are listed. */
    for (size_t i = 0; i < r->ndiags; i++)
        if (r->diags[i].code == IAMG_ERULE) st->rule_failures++;
    if (!rc && summarise_rule_failures(r, own)) rc = IAMG_ENOMEM;
    if (!rc && ig_allow_report_expired(sh->allow, r, own)) rc = IAMG_ENOMEM;
    if (r->ndiags != sorted) ig_results_sort(r);
done:
    for (unsigned i = 0; ws && i < jobs; i++) {
        ig_runner_free(ws[i].run);
        ig_arena_free(&ws[i].strings);
    }
    ig_free(ws);
    free_blocks(sh);
    pthread_cond_destroy(&sh->more);
    pthread_mutex_destroy(&sh->mu);
    if (walk_rc && walk_rc != WALK_STOPPED) {
        /* The walk's own error (a path that does not exist) says more. */
        iamg_results_free(r);
        return walk_rc;
    }
    if (rc) {
        iamg_results_free(r);
        return ig_error_set(err, rc, "", 0, 0, "%s during the scan", iamg_strerror(rc));
    }
    stamp t_end = stamp_now();
    phase_add(&r->stats.merge, t_merge, t_end);
    r->stats.seconds = t_end.wall - sh->start.wall;
    *out = r;
    return 0;
}

static int check_options(const iamg_scan_options *o, iamg_error *err)
{
    int rc = ig_options_check(o->version, IAMG_SCAN_OPTIONS_VERSION, "iamg_scan_options", err);
    if (rc) return rc;
    if (o->shard_count > 1 && o->shard_index >= o->shard_count)
        return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "shard %u/%u: K must be below N",
                            o->shard_index + 1, o->shard_count);
    if (o->jobs > 1024) return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "at most 1024 jobs");
    return 0;
}

/* Build the allowlist and run the workers over the files of `src` (or over
 * the bytes of the single file `data`, for iamg_scan_buffer). */
static int scan_files(iamg_engine *e, const iamg_scan_options *o, const source *src, int owns_paths,
                      const char *data, size_t len, stamp start, iamg_results **out,
                      iamg_error *err)
{
    allow_set *allow = NULL;
    int rc = ig_allow_new(&allow, o, err);
    if (rc) {
        for (size_t i = 0; owns_paths && i < src->nfiles; i++)
            ig_free(src->files[i].fs_path);
        return rc;
    }
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.e = e;
    sh.o = o;
    sh.allow = allow;
    sh.data = data;
    sh.len = len;
    sh.owns_paths = owns_paths;
    sh.start = start;
    rc = run_scan(&sh, src, out, err);
    ig_allow_free(allow);
    return rc;
}

int iamg_scan_paths(iamg_engine *e, const char *const *paths, size_t npaths,
                    const iamg_scan_options *opts, iamg_results **out, iamg_error *err)
{
    iamg_scan_options dflt = IAMG_SCAN_OPTIONS_INIT;
    const iamg_scan_options *o = opts ? opts : &dflt;
    *out = NULL;
    int rc = check_options(o, err);
    if (rc) return rc;
    stamp start = stamp_now();
    walk_list wl;
    memset(&wl, 0, sizeof wl);
    source src = {NULL, 0, paths, npaths, &wl};
    if (o->shard_count > 1) {
        /* A shard is every N-th file of the sorted list, so every shard
         * sees the same numbering: the whole list comes first. */
        rc = ig_walk_paths(paths, npaths, o, &wl, err);
        if (rc) return rc;
        size_t k = 0;
        for (size_t i = 0; i < wl.n; i++) {
            if (i % o->shard_count == o->shard_index)
                wl.v[k++] = wl.v[i];
            else
                ig_free(wl.v[i].fs_path);
        }
        src.files = wl.v;
        src.nfiles = k;
        src.paths = NULL;
        src.npaths = 0;
        wl.n = 0; /* the scan owns the paths now */
    }
    rc = scan_files(e, o, &src, 1, NULL, 0, start, out, err);
    stamp t_free = stamp_now();
    ig_walk_list_free(&wl);
    if (*out) {
        iamg_stats *st = &(*out)->stats;
        stamp t_end = stamp_now();
        phase_add(&st->merge, t_free, t_end);
        st->seconds = t_end.wall - start.wall;
    }
    return rc;
}

int iamg_scan_buffer(iamg_engine *e, const char *name, const void *data, size_t len,
                     const iamg_scan_options *opts, iamg_results **out, iamg_error *err)
{
    iamg_scan_options dflt = IAMG_SCAN_OPTIONS_INIT;
    const iamg_scan_options *o = opts ? opts : &dflt;
    *out = NULL;
    int rc = check_options(o, err);
    if (rc) return rc;
    walk_file wf = {(char *)name, (char *)name, 1};
    source src = {&wf, 1, NULL, 0, NULL};
    return scan_files(e, o, &src, 0, data ? data : "", len, stamp_now(), out, err);
}
