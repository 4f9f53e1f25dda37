#include "scan/allow.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iamguard/match.h"
#include "scan/walk.h"
#include "util/alloc.h"
#include "util/errors.h"

struct allow_set {
    const iamg_allow *v;
    size_t n;
    unsigned char *expired; /* per entry */
};

static int valid_date(const char *d)
{
    int y, m, day;
    char tail;
    if (strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3) return 0;
    return d[4] == '-' && d[7] == '-' && m >= 1 && m <= 12 && day >= 1 && day <= 31;
}

int ig_allow_new(allow_set **out, const iamg_scan_options *o, iamg_error *err)
{
    *out = NULL;
    if (!o->nallow) return 0;
    char today[11];
    if (o->today) {
        if (!valid_date(o->today))
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "today's date '%s' is not YYYY-MM-DD",
                                o->today);
        snprintf(today, sizeof today, "%s", o->today);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
    }
    for (size_t i = 0; i < o->nallow; i++) {
        const iamg_allow *a = &o->allow[i];
        const char *where = a->where ? a->where : "allowlist";
        if (!a->justification || !a->justification[0])
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "%s: entry %zu has no justification",
                                where, i + 1);
        if (a->expires && !valid_date(a->expires))
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "%s: expiry '%s' is not YYYY-MM-DD",
                                where, a->expires);
        if (!a->principal && !a->logical_id && !a->address && !a->file && !a->sid && !a->rule)
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                                "%s: entry %zu matches everything: give a rule, principal, "
                                "logical_id, address, file or sid",
                                where, i + 1);
    }
    allow_set *s = ig_calloc(1, sizeof *s);
    unsigned char *exp = ig_calloc(o->nallow, 1);
    if (!s || !exp) {
        ig_free(s);
        ig_free(exp);
        return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory");
    }
    s->v = o->allow;
    s->n = o->nallow;
    s->expired = exp;
    /* ISO dates compare as strings; the expiry day itself still applies. */
    for (size_t i = 0; i < s->n; i++)
        s->expired[i] = s->v[i].expires && strcmp(s->v[i].expires, today) < 0;
    *out = s;
    return 0;
}

void ig_allow_free(allow_set *s)
{
    if (!s) return;
    ig_free(s->expired);
    ig_free(s);
}

/* Case-sensitive glob over the whole value ('*' crosses everything). */
static int field_match(const char *pattern, const char *value)
{
    return value && iamg_arn_match(pattern, value);
}

/* `principal` matches any holder of the finding's document: its ARN, name,
 * or logical ID / address. */
static int holder_match(const iamg_allow *a, const iamg_finding *f)
{
    for (size_t i = 0; i < f->nholders; i++) {
        const iamg_holder *h = &f->holders[i];
        if (field_match(a->principal, h->arn) || field_match(a->principal, h->name) ||
            field_match(a->principal, h->id))
            return 1;
    }
    return 0;
}

const iamg_allow *ig_allow_match(const allow_set *s, const iamg_finding *f, const pdoc *doc,
                                 int32_t stmt)
{
    if (!s) return NULL;
    const char *sid = stmt >= 0 ? doc->stmts[stmt].sid : NULL;
    /* A Sid with a NUL byte would match as its first part: it matches no
     * allowlist entry. */
    if (sid && memchr(sid, '\0', doc->stmts[stmt].sid_node->n)) sid = NULL;
    for (size_t i = 0; i < s->n; i++) {
        const iamg_allow *a = &s->v[i];
        if (s->expired[i]) continue;
        if (a->rule && !field_match(a->rule, f->rule_id)) continue;
        if (a->principal && !field_match(a->principal, doc->origin.principal_arn) &&
            !field_match(a->principal, doc->origin.principal_name) && !holder_match(a, f))
            continue;
        if (a->logical_id && !field_match(a->logical_id, doc->origin.logical_id)) continue;
        if (a->address && !field_match(a->address, doc->origin.address)) continue;
        if (a->file && !ig_walk_glob_match(a->file, f->path)) continue;
        if (a->sid && !field_match(a->sid, sid)) continue;
        return a;
    }
    return NULL;
}

int ig_allow_report_expired(const allow_set *s, iamg_results *r, arena *a)
{
    if (!s) return 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->expired[i]) continue;
        char msg[600];
        snprintf(msg, sizeof msg,
                 "%s: allowlist entry \"%.300s\" expired on %s and no longer applies: renew or "
                 "remove it",
                 s->v[i].where ? s->v[i].where : "allowlist", s->v[i].justification,
                 s->v[i].expires);
        iamg_diag *nv = ig_realloc(r->diags, (r->ndiags + 1) * sizeof *nv);
        if (!nv) return -1;
        r->diags = nv;
        iamg_diag *d = &r->diags[r->ndiags];
        memset(d, 0, sizeof *d);
        d->code = IAMG_ESKIP;
        d->level = IAMG_LEVEL_WARNING;
        d->message = ig_arena_strdup(a, msg);
        if (!d->message) return -1;
        r->ndiags++;
    }
    return 0;
}
