/*
 * output/sarif_locations.c - where a result is: the file, the region and
 * its snippet (physicalLocation), the statement and its holder
 * (logicalLocations).
 */
#include <stdint.h>
#include <string.h>

#include "output/sarif_int.h"
#include "util/uri.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/utf8.h"

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
static void put_region(sarif_writer *w, json_t *phys, unsigned line, unsigned col, unsigned end_col,
                       const char *snippet, unsigned snippet_col, unsigned truncated)
{
    json_t *reg = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, reg, "startLine", ig_jb_int(&w->jb, line ? line : 1));
    if (line && col) ig_jb_put(&w->jb, reg, "startColumn", ig_jb_int(&w->jb, col));
    if (line) ig_jb_put(&w->jb, reg, "endLine", ig_jb_int(&w->jb, line));
    int cols = line && col && end_col > col;
    if (cols) ig_jb_put(&w->jb, reg, "endColumn", ig_jb_int(&w->jb, end_col));

    size_t kept = snippet ? strlen(snippet) : 0;
    if (!snippet_col) snippet_col = 1;
    size_t b0, b1;
    if (snippet && cols && col >= snippet_col &&
        utf16_slice(snippet, kept, col - snippet_col + 1, end_col - snippet_col + 1, &b0, &b1)) {
        buf b = BUF_INIT;
        ig_buf_append(&b, snippet + b0, b1 - b0);
        json_t *sn = ig_jb_obj(&w->jb);
        ig_jb_put(&w->jb, sn, "text", ig_jb_buf(&w->jb, &b));
        ig_jb_put(&w->jb, reg, "snippet", sn);
    }
    ig_jb_put(&w->jb, phys, "region", reg);
    if (snippet && line && !truncated && snippet_col == 1) {
        json_t *ctx = ig_jb_obj(&w->jb);
        ig_jb_put(&w->jb, ctx, "startLine", ig_jb_int(&w->jb, line));
        ig_jb_put(&w->jb, ctx, "endLine", ig_jb_int(&w->jb, line));
        ig_jb_put(&w->jb, ctx, "snippet", ig_sarif_text(w, snippet));
        ig_jb_put(&w->jb, phys, "contextRegion", ctx);
    }
}

json_t *ig_sarif_artifact_location(sarif_writer *w, const char *path)
{
    json_t *al = ig_jb_obj(&w->jb);
    char *uri = ig_uri_from_path(path);
    if (!uri) w->jb.oom = 1;
    ig_jb_put_str(&w->jb, al, "uri", uri ? uri : "");
    /* An absolute file: URI stands on its own; a base would be wrong. */
    if (!ig_uri_path_is_absolute(path)) ig_jb_put_str(&w->jb, al, "uriBaseId", SARIF_SRCROOT);
    ig_free(uri);
    return al;
}

json_t *ig_sarif_physical_location(sarif_writer *w, const char *path, unsigned line, unsigned col,
                                   unsigned end_col, const char *snippet, unsigned snippet_col,
                                   unsigned truncated)
{
    json_t *pl = ig_jb_obj(&w->jb);
    ig_jb_put(&w->jb, pl, "artifactLocation", ig_sarif_artifact_location(w, path));
    put_region(w, pl, line, col, end_col, snippet, snippet_col, truncated);
    return pl;
}

json_t *ig_sarif_logical_locations(sarif_writer *w, const iamg_finding *f)
{
    const char *container = ig_report_holder(f);
    json_t *ll = ig_jb_obj(&w->jb);
    if (f->statement) {
        buf b = BUF_INIT;
        ig_buf_printf(&b, "%s/%s", container ? container : "", f->statement);
        ig_jb_put_str(&w->jb, ll, "name", f->statement);
        ig_jb_put(&w->jb, ll, "fullyQualifiedName", ig_jb_buf(&w->jb, &b));
    } else {
        ig_jb_put_str(&w->jb, ll, "name", container ? container : "");
        ig_jb_put_str(&w->jb, ll, "fullyQualifiedName", container ? container : "");
    }
    ig_jb_put_str(&w->jb, ll, "kind", "object");
    json_t *a = ig_jb_arr(&w->jb);
    ig_jb_push(&w->jb, a, ll);
    /* Then each principal holding the document: kind "member", named as
     * the file names it, with how it holds the document. */
    for (size_t i = 0; i < f->nholders; i++) {
        const iamg_holder *h = &f->holders[i];
        const char *who = h->id ? h->id : h->name ? h->name : h->arn ? h->arn : "";
        json_t *hl = ig_jb_obj(&w->jb);
        buf b = BUF_INIT;
        ig_buf_printf(&b, "%s/%s", h->type ? h->type : "principal", who);
        ig_jb_put_str(&w->jb, hl, "name", who);
        ig_jb_put(&w->jb, hl, "fullyQualifiedName", ig_jb_buf(&w->jb, &b));
        ig_jb_put_str(&w->jb, hl, "kind", "member");
        json_t *props = ig_jb_obj(&w->jb);
        ig_jb_put_str(&w->jb, props, "principalType", h->type);
        ig_jb_put_str(&w->jb, props, "how", h->how);
        if (h->arn) ig_jb_put_str(&w->jb, props, "arn", h->arn);
        if (h->name) ig_jb_put_str(&w->jb, props, "principalName", h->name);
        if (h->id) ig_jb_put_str(&w->jb, props, "id", h->id);
        ig_jb_put(&w->jb, hl, "properties", props);
        ig_jb_push(&w->jb, a, hl);
    }
    return a;
}
