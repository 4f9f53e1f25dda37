/*
 * scan/results_int.h - the inside of iamg_results.
 */
#ifndef IAMG_SCAN_RESULTS_INT_H
#define IAMG_SCAN_RESULTS_INT_H

#include "iamguard/results.h"
#include "util/arena.h"

struct iamg_results {
    iamg_finding *findings;
    size_t nfindings;
    iamg_diag *diags;
    size_t ndiags;
    iamg_document *documents; /* only when the scan lists documents */
    size_t ndocuments;
    iamg_stats stats;
    arena *arenas; /* every string of the results lives in one of these */
    size_t narenas;
};

/* Sort findings, diagnostics and documents into output order. */
void ig_results_sort(iamg_results *r);

/* Remove the findings for which drop(f, ud) is non-zero, keeping the order
 * of the others. Their strings stay in the arenas until the results are
 * freed. Returns the number removed. */
size_t ig_results_remove(iamg_results *r, int (*drop)(const iamg_finding *f, const void *ud),
                         const void *ud);

#endif
