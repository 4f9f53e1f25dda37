#include "scan/results_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/str.h"

size_t iamg_results_count(const iamg_results *r)
{
    return r ? r->nfindings : 0;
}

const iamg_finding *iamg_results_get(const iamg_results *r, size_t i)
{
    return r && i < r->nfindings ? &r->findings[i] : NULL;
}

size_t iamg_results_diag_count(const iamg_results *r)
{
    return r ? r->ndiags : 0;
}

const iamg_diag *iamg_results_diag(const iamg_results *r, size_t i)
{
    return r && i < r->ndiags ? &r->diags[i] : NULL;
}

size_t iamg_results_document_count(const iamg_results *r)
{
    return r ? r->ndocuments : 0;
}

const iamg_document *iamg_results_document(const iamg_results *r, size_t i)
{
    return r && i < r->ndocuments ? &r->documents[i] : NULL;
}

const iamg_stats *iamg_results_stats(const iamg_results *r)
{
    return &r->stats;
}

iamg_level iamg_results_max_level(const iamg_results *r)
{
    iamg_level max = IAMG_LEVEL_NONE;
    for (size_t i = 0; r && i < r->nfindings; i++)
        if (!r->findings[i].suppressed && r->findings[i].level > max) max = r->findings[i].level;
    return max;
}

void iamg_results_free(iamg_results *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->narenas; i++)
        ig_arena_free(&r->arenas[i]);
    ig_free(r->arenas);
    ig_free(r->findings);
    ig_free(r->diags);
    ig_free(r->documents);
    ig_free(r);
}

static int cmp_finding(const void *pa, const void *pb)
{
    const iamg_finding *a = pa, *b = pb;
    int c = ig_str_cmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    if ((c = ig_str_cmp(a->rule_id, b->rule_id))) return c;
    if (a->end_column != b->end_column) return a->end_column < b->end_column ? -1 : 1;
    return ig_str_cmp(a->message, b->message);
}

static int cmp_diag(const void *pa, const void *pb)
{
    const iamg_diag *a = pa, *b = pb;
    int c = ig_str_cmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    if ((c = ig_str_cmp(a->rule_id, b->rule_id))) return c;
    return ig_str_cmp(a->message, b->message);
}

/* Documents of one file come in extraction order; sorting by position
 * (then pointer, unique within a file) makes the order independent of it. */
static int cmp_document(const void *pa, const void *pb)
{
    const iamg_document *a = pa, *b = pb;
    int c = ig_str_cmp(a->path, b->path);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->column != b->column) return a->column < b->column ? -1 : 1;
    if ((c = ig_str_cmp(a->origin.pointer, b->origin.pointer))) return c;
    return ig_str_cmp(a->origin.container, b->origin.container);
}

void ig_results_sort(iamg_results *r)
{
    /* qsort is not stable, so the comparators break every tie on content. */
    qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
    qsort(r->diags, r->ndiags, sizeof *r->diags, cmp_diag);
    if (r->ndocuments) qsort(r->documents, r->ndocuments, sizeof *r->documents, cmp_document);
}

size_t ig_results_remove(iamg_results *r, int (*drop)(const iamg_finding *f, const void *ud),
                         const void *ud)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        if (drop(&r->findings[i], ud)) continue;
        if (k != i) r->findings[k] = r->findings[i];
        k++;
    }
    size_t removed = r->nfindings - k;
    r->nfindings = k;
    return removed;
}
