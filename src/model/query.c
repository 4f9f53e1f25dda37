#include "model/query.h"

#include <string.h>

#include "iamguard/error.h"
#include "match/glob.h"
#include "util/alloc.h"
#include "util/buf.h"

const pelem *ig_query_elem(const pstmt *st, const char *name)
{
    int resource = strcmp(name, "Resource") == 0 || strcmp(name, "NotResource") == 0;
    int negated = strcmp(name, "NotAction") == 0 || strcmp(name, "NotResource") == 0;
    const pelem *a = resource ? &st->resource : &st->action;
    const pelem *b = resource ? &st->resource_twin : &st->action_twin;
    if (a->member && a->negated == negated) return a;
    if (b->member && b->negated == negated) return b;
    return NULL;
}

static int any_action_match(const pelem *e, const char *action, size_t alen, uint32_t *which)
{
    for (uint32_t i = 0; i < e->n; i++) {
        if (ig_glob_action_match(e->v[i]->u.s, e->v[i]->n, action, alen)) {
            *which = i;
            return 1;
        }
    }
    return 0;
}

int ig_query_grants(const pstmt *st, const char *action, uint32_t *which)
{
    size_t alen = strlen(action);
    uint32_t i;
    *which = QUERY_NONE;
    const pelem *e = ig_query_elem(st, "Action");
    if (e && any_action_match(e, action, alen, which)) return 1;
    e = ig_query_elem(st, "NotAction");
    return e && !any_action_match(e, action, alen, &i);
}

static void put_seg(buf *b, const iamg_arn_parts *parts, int have, int seg, const char *dflt)
{
    if (have)
        ig_buf_append(b, parts->part[seg], parts->len[seg]);
    else
        ig_buf_puts(b, dflt);
}

int ig_query_probe_expand(const char *tmpl, const char *pattern, char *out, size_t cap)
{
    iamg_arn_parts parts;
    int have = pattern && iamg_arn_split(pattern, &parts);
    buf b = BUF_INIT;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{partition}", 11) == 0) {
            put_seg(&b, &parts, have, 1, "aws");
            p += 11;
        } else if (strncmp(p, "{region}", 8) == 0) {
            put_seg(&b, &parts, have, 3, "us-east-1");
            p += 8;
        } else if (strncmp(p, "{account}", 9) == 0) {
            put_seg(&b, &parts, have, 4, "111122223333");
            p += 9;
        } else {
            ig_buf_putc(&b, *p++);
        }
    }
    int rc = -1;
    if (!b.oom && b.len < cap) {
        memcpy(out, b.data ? b.data : "", b.len + 1);
        rc = 0;
    }
    ig_buf_free(&b);
    return rc;
}

static int node_arn_match(const tnode *pat, const char *arn)
{
    return ig_glob_arn_match(pat->u.s, pat->n, arn, strlen(arn));
}

int ig_query_reaches(const pstmt *st, const char *const *probes, size_t nprobes, uint32_t *which)
{
    char probe[2048];
    *which = QUERY_NONE;
    const pelem *e = ig_query_elem(st, "Resource");
    for (uint32_t i = 0; e && i < e->n; i++) {
        const char *pat = e->v[i]->u.s;
        for (size_t k = 0; k < nprobes; k++) {
            /* A pattern longer than the buffer cannot be a real ARN pattern;
             * test it against the default probe instead of failing. */
            if (ig_query_probe_expand(probes[k], pat, probe, sizeof probe) &&
                ig_query_probe_expand(probes[k], NULL, probe, sizeof probe))
                return -1;
            if (node_arn_match(e->v[i], probe)) {
                *which = i;
                return 1;
            }
        }
    }
    e = ig_query_elem(st, "NotResource");
    for (size_t k = 0; e && k < nprobes; k++) {
        if (ig_query_probe_expand(probes[k], NULL, probe, sizeof probe)) return -1;
        int excluded = 0;
        for (uint32_t i = 0; i < e->n && !excluded; i++)
            excluded = node_arn_match(e->v[i], probe);
        if (!excluded) return 1;
    }
    return 0;
}

/* The patterns of an element as strings by length. */
static reach_str *element_strs(const pelem *e)
{
    reach_str *v = ig_malloc((e->n ? e->n : 1) * sizeof *v);
    if (!v) return NULL;
    for (uint32_t i = 0; i < e->n; i++) {
        v[i].s = e->v[i]->u.s;
        v[i].n = e->v[i]->n;
    }
    return v;
}

int ig_query_reaches_uncovered(const pstmt *st, const reach_str *templates, size_t ntemplates,
                               const pstmt *const *denies, size_t ndenies, size_t max_configs,
                               query_reach *out, buf *witness)
{
    out->element = 0;
    out->which = QUERY_NONE;
    /* Group 0 is the Allow's reading; then one group per Deny that can
     * cover anything. */
    reach_group *groups = ig_calloc(ndenies + 1, sizeof *groups);
    reach_str *allow = NULL;
    size_t ng = 1;
    int rc = IAMG_ENOMEM;
    if (!groups) return IAMG_ENOMEM;
    for (size_t d = 0; d < ndenies; d++) {
        const pstmt *x = denies[d];
        if (!x->resource.member || x->resource_twin.member) continue;
        reach_str *pats = element_strs(&x->resource);
        if (!pats) goto done;
        groups[ng].pats = pats;
        groups[ng].n = x->resource.n;
        /* Covered when a Resource pattern matches: X must match none. */
        groups[ng].need_some = x->resource.negated;
        ng++;
    }
    size_t spent = 0;
    rc = 0;
    static const char *const readings[] = {"Resource", "NotResource"};
    for (int r = 0; r < 2 && rc == 0; r++) {
        const pelem *e = ig_query_elem(st, readings[r]);
        if (!e) continue;
        ig_free(allow);
        allow = element_strs(e);
        if (!allow) {
            rc = IAMG_ENOMEM;
            break;
        }
        /* Resource: one pattern at a time, to name the first that reaches.
         * NotResource: all of them, none may match. */
        size_t rounds = r == 0 ? e->n : 1;
        for (size_t i = 0; i < rounds && rc == 0; i++) {
            groups[0].pats = r == 0 ? &allow[i] : allow;
            groups[0].n = r == 0 ? 1 : e->n;
            groups[0].need_some = r == 0;
            reach_query q = {
                templates, ntemplates, groups, ng, max_configs > spent ? max_configs - spent : 0,
                NULL};
            size_t used = 0;
            rc = ig_reach_find(&q, witness, &used);
            spent += used;
            if (rc == 1) {
                out->element = r + 1;
                out->which = r == 0 ? (uint32_t)i : QUERY_NONE;
            }
        }
    }
done:
    for (size_t g = 1; g < ng; g++)
        ig_free((void *)groups[g].pats);
    ig_free(groups);
    ig_free(allow);
    return rc;
}
