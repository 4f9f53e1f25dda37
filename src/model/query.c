#include "model/query.h"

#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"

int ig_query_grants(const pstmt *st, const char *action, uint32_t *which)
{
    *which = QUERY_NONE;
    if (!st->action.member) return 0;
    if (st->action.negated) {
        for (uint32_t i = 0; i < st->action.n; i++)
            if (iamg_action_match(st->action.v[i]->u.s, action)) return 0;
        return 1;
    }
    for (uint32_t i = 0; i < st->action.n; i++) {
        if (iamg_action_match(st->action.v[i]->u.s, action)) {
            *which = i;
            return 1;
        }
    }
    return 0;
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

int ig_query_reaches(const pstmt *st, const char *const *probes, size_t nprobes, uint32_t *which)
{
    char probe[2048];
    *which = QUERY_NONE;
    if (!st->resource.member) return 0;
    if (st->resource.negated) {
        for (size_t k = 0; k < nprobes; k++) {
            if (ig_query_probe_expand(probes[k], NULL, probe, sizeof probe)) return -1;
            int excluded = 0;
            for (uint32_t i = 0; i < st->resource.n && !excluded; i++)
                excluded = iamg_arn_match(st->resource.v[i]->u.s, probe);
            if (!excluded) return 1;
        }
        return 0;
    }
    for (uint32_t i = 0; i < st->resource.n; i++) {
        const char *pat = st->resource.v[i]->u.s;
        for (size_t k = 0; k < nprobes; k++) {
            /* A pattern longer than the buffer cannot be a real ARN pattern;
             * test it against the default probe instead of failing. */
            if (ig_query_probe_expand(probes[k], pat, probe, sizeof probe) &&
                ig_query_probe_expand(probes[k], NULL, probe, sizeof probe))
                return -1;
            if (iamg_arn_match(pat, probe)) {
                *which = i;
                return 1;
            }
        }
    }
    return 0;
}
