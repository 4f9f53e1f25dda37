/*
 * scan/baseline.c - findings already known from an earlier SARIF file.
 *
 * The baseline keeps only the identity of each result: rule id, file path
 * (the artifact URI, decoded) and primaryLocationLineHash. Entries are sorted
 * once, so filtering a scan costs one binary search per finding.
 */
#include "iamguard/baseline.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/sarif_read.h"
#include "scan/results_int.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/arena.h"
#include "util/errors.h"
#include "util/fileio.h"
#include "util/str.h"
#include "util/uri.h"

/* A baseline for a 25,000-result run is a few tens of megabytes; this only
 * stops a wrong path (a disk image, a device) from being read whole. */
#define BASELINE_MAX_SIZE ((uint64_t)2 << 30)

typedef struct bentry {
    const char *rule;
    const char *path;
    const char *fp; /* NULL: match on line */
    unsigned line;
} bentry;

struct iamg_baseline {
    arena a;
    bentry *v;
    size_t n, cap;
};

typedef struct reader {
    iamg_baseline *b;
    const char *name;
    iamg_error *err;
    /* Absolute file: URIs of the run's roots, to turn absolute result URIs
     * back into scan-relative paths. */
    const char *roots[16];
    size_t nroots;
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
invalid(reader *rd, const char *fmt, ...)
{
    char msg[IAMG_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ig_error_set(rd->err, IAMG_EINVALID, rd->name, 0, 0,
                        "not a usable SARIF 2.1.0 baseline: %s", msg);
}

/* Percent-decode s into *out (in the arena). *out is NULL when the result
 * would hold a NUL byte, which no scanned path can. -1 when out of memory. */
static int pct_decode(arena *a, const char *s, size_t n, char **res)
{
    char *out = ig_arena_alloc(a, n + 1);
    *res = NULL;
    if (!out) return -1;
    size_t k = ig_pct_decode(s, n, out, NULL, 0);
    if (memchr(out, '\0', k)) return 0;
    out[k] = '\0';
    *res = out;
    return 0;
}

/* A result's artifact URI as the path iamguard reports: relative URIs are
 * relative to %SRCROOT%, the scan's base folder; absolute ones under one of
 * the run's roots are made relative to it; others stay absolute paths.
 * *path is NULL for URIs no scanned file can have (http:, ...). */
static int uri_to_path(reader *rd, const char *uri, char **path)
{
    *path = NULL;
    for (size_t i = 0; i < rd->nroots; i++) {
        size_t rl = strlen(rd->roots[i]);
        if (strncmp(uri, rd->roots[i], rl) == 0 && uri[rl]) {
            uri += rl;
            break;
        }
    }
    const char *fp = ig_uri_file_path(uri);
    if (fp)
        uri = fp;
    else if (strchr(uri, ':') && strcspn(uri, ":") < strcspn(uri, "/"))
        return 0; /* http: ... */
    while (uri[0] == '.' && uri[1] == '/')
        uri += 2;
    size_t n = strcspn(uri, "?#");
    return pct_decode(&rd->b->a, uri, n, path);
}

static void add_root(reader *rd, json_t *uri)
{
    const char *s = json_string_value(uri);
    size_t n = s ? strlen(s) : 0;
    if (!n || !ig_uri_file_path(s) || s[n - 1] != '/' ||
        rd->nroots == sizeof rd->roots / sizeof *rd->roots)
        return;
    rd->roots[rd->nroots++] = s;
}

static int add_entry(reader *rd, const char *rule, const char *path, const char *fp, unsigned line)
{
    iamg_baseline *b = rd->b;
    if (IG_ARRAY_GROW(b->v, b->n, b->cap, 64))
        return ig_error_set(rd->err, IAMG_ENOMEM, rd->name, 0, 0, "out of memory");
    bentry *e = &b->v[b->n];
    e->rule = ig_arena_strdup(&b->a, rule);
    e->path = path;
    e->fp = fp ? ig_arena_strdup(&b->a, fp) : NULL;
    e->line = line;
    if (!e->rule || (fp && !e->fp))
        return ig_error_set(rd->err, IAMG_ENOMEM, rd->name, 0, 0, "out of memory");
    b->n++;
    return 0;
}

static int read_result(reader *rd, json_t *res, json_t *rules, json_t *artifacts, size_t ri,
                       size_t k)
{
    char where[64];
    snprintf(where, sizeof where, "runs[%zu].results[%zu]", ri, k);
    if (!json_is_object(res)) return invalid(rd, "%s is not an object", where);
    const char *state = json_string_value(json_object_get(res, "baselineState"));
    if (state && strcmp(state, "absent") == 0) return 0; /* gone by the time of that run */
    const char *rule = ig_sarif_result_rule(res, rules);
    json_t *loc = json_object_get(res, "locations");
    if (loc && !json_is_array(loc)) return invalid(rd, "%s.locations is not an array", where);
    sarif_where at;
    ig_sarif_result_where(res, artifacts, &at);
    /* Without a rule or a file nothing iamguard reports can be this result. */
    if (!rule || !at.uri) return 0;
    const char *fp = NULL;
    if (json_unpack(res, "{s:{s:s}}", "partialFingerprints", "primaryLocationLineHash", &fp))
        fp = NULL;
    unsigned line = at.line > 0 && at.line < (json_int_t)UINT32_MAX ? (unsigned)at.line : 0;
    if (!fp && !line) return 0;
    char *path;
    if (uri_to_path(rd, at.uri, &path))
        return ig_error_set(rd->err, IAMG_ENOMEM, rd->name, 0, 0, "out of memory");
    if (!path) return 0;
    return add_entry(rd, rule, path, fp, line);
}

static int read_run(reader *rd, json_t *run, size_t ri)
{
    char where[32];
    snprintf(where, sizeof where, "runs[%zu]", ri);
    if (!json_is_object(run)) return invalid(rd, "%s is not an object", where);
    json_t *results = json_object_get(run, "results");
    if (!results || json_is_null(results)) return 0;
    if (!json_is_array(results)) return invalid(rd, "%s.results is not an array", where);
    json_t *rules = json_object_get(ig_sarif_driver(run), "rules");
    json_t *artifacts = json_object_get(run, "artifacts");
    rd->nroots = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(run, "originalUriBaseIds"), key, v)
        add_root(rd, json_object_get(v, "uri"));
    size_t i;
    json_array_foreach(json_object_get(run, "invocations"), i, v)
        add_root(rd, json_object_get(json_object_get(v, "workingDirectory"), "uri"));
    json_array_foreach(results, i, v)
    {
        int rc = read_result(rd, v, rules, artifacts, ri, i);
        if (rc) return rc;
    }
    return 0;
}

/* Entries with a fingerprint compare on it; those without, on the line. */
static int cmp_entry(const void *pa, const void *pb)
{
    const bentry *a = pa, *b = pb;
    int c = strcmp(a->rule, b->rule);
    if (c) return c;
    if ((c = strcmp(a->path, b->path))) return c;
    if ((c = ig_str_cmp(a->fp, b->fp))) return c;
    if (a->fp) return 0;
    return a->line < b->line ? -1 : a->line > b->line;
}

int iamg_baseline_load_buffer(const char *name, const char *data, size_t len, iamg_baseline **out,
                              iamg_error *err)
{
    *out = NULL;
    if (!name) name = "baseline";
    json_error_t je;
    json_t *root = json_loadb(data ? data : "", data ? len : 0, 0, &je);
    if (!root)
        return ig_error_set(err, IAMG_EPARSE, name, (unsigned)(je.line > 0 ? je.line : 0),
                            (unsigned)(je.column > 0 ? je.column : 0),
                            "the baseline is not JSON: %s", je.text);
    iamg_baseline *b = ig_calloc(1, sizeof *b);
    if (!b) {
        json_decref(root);
        return ig_error_set(err, IAMG_ENOMEM, name, 0, 0, "out of memory");
    }
    ig_arena_init(&b->a);
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.b = b;
    rd.name = name;
    rd.err = err;
    int rc = 0;
    const char *version = json_string_value(json_object_get(root, "version"));
    json_t *runs = json_object_get(root, "runs");
    if (!json_is_object(root))
        rc = invalid(&rd, "the top level is not an object");
    else if (!version)
        rc = invalid(&rd, "no \"version\" string");
    else if (strcmp(version, "2.1.0") != 0)
        rc = invalid(&rd, "version is \"%.100s\" (iamguard reads 2.1.0)", version);
    else if (!json_is_array(runs))
        rc = invalid(&rd, "no \"runs\" array");
    size_t i;
    json_t *run;
    if (!rc) {
        json_array_foreach(runs, i, run)
        {
            if ((rc = read_run(&rd, run, i))) break;
        }
    }
    json_decref(root);
    if (rc) {
        iamg_baseline_free(b);
        return rc;
    }
    if (b->n) qsort(b->v, b->n, sizeof *b->v, cmp_entry);
    /* Drop repeats so the count is of distinct identities. */
    size_t k = 0;
    for (size_t j = 0; j < b->n; j++)
        if (!k || cmp_entry(&b->v[k - 1], &b->v[j]) != 0) b->v[k++] = b->v[j];
    b->n = k;
    *out = b;
    return 0;
}

int iamg_baseline_load(const char *path, iamg_baseline **out, iamg_error *err)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = ig_read_file(path, BASELINE_MAX_SIZE, &data, &len, err);
    if (rc) {
        char msg[IAMG_ERROR_TEXT_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        if (rc == IAMG_ESKIP) rc = IAMG_EIO;
        return ig_error_set(err, rc, path, 0, 0, "cannot read the baseline: %s", msg);
    }
    rc = iamg_baseline_load_buffer(path, data, len, out, err);
    ig_free(data);
    return rc;
}

size_t iamg_baseline_count(const iamg_baseline *b)
{
    return b ? b->n : 0;
}

void iamg_baseline_free(iamg_baseline *b)
{
    if (!b) return;
    ig_arena_free(&b->a);
    ig_free(b->v);
    ig_free(b);
}

static int in_baseline(const iamg_finding *f, const void *ud)
{
    const iamg_baseline *b = ud;
    if (f->suppressed || !f->rule_id || !f->path) return 0;
    bentry key = {f->rule_id, f->path, f->fingerprint, f->line};
    if (f->fingerprint && bsearch(&key, b->v, b->n, sizeof *b->v, cmp_entry)) return 1;
    key.fp = NULL;
    return bsearch(&key, b->v, b->n, sizeof *b->v, cmp_entry) != NULL;
}

int iamg_results_filter_baseline(iamg_results *r, const iamg_baseline *b, size_t *removed)
{
    size_t n = 0;
    if (r && b && b->n) n = ig_results_remove(r, in_baseline, b);
    if (r) r->stats.baselined += n;
    if (removed) *removed = n;
    return 0;
}
