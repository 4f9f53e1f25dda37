/*
 * load/budget.c - the expansion budget of one file (see budget.h).
 */
#include "load/budget.h"

#include "util/errors.h"

void ig_budget_init(ig_budget *b, const iamg_limits *lim, size_t input_len)
{
    uint64_t rel = (uint64_t)input_len * lim->expansion_ratio;
    if (lim->expansion_ratio && rel / lim->expansion_ratio != input_len) rel = UINT64_MAX;
    b->limit = rel > lim->max_expansion ? rel : lim->max_expansion;
    b->used = 0;
    b->ratio = lim->expansion_ratio;
    b->spent = 0;
    b->reported = 0;
}

int ig_budget_take(ig_budget *b, uint64_t n)
{
    if (!b) return 0;
    if (!b->spent && n <= b->limit - b->used) {
        b->used += n;
        return 0;
    }
    b->spent = 1;
    return -1;
}

int ig_budget_take_standin(ig_budget *b, uint64_t n)
{
    if (!b || !b->spent) return ig_budget_take(b, n);
    /* used <= 2 * limit always holds once spent; limit may be near 2^64. */
    uint64_t cap = b->limit > UINT64_MAX / 2 ? UINT64_MAX : 2 * b->limit;
    if (b->used > cap || n > cap - b->used) return -1;
    b->used += n;
    return 0;
}

int ig_budget_spent(const ig_budget *b)
{
    return b && b->spent;
}

void ig_budget_report(ig_budget *b, diag_list *diags, const tsource *src, uint32_t off,
                      const char *what, const char *after)
{
    if (!b || b->reported) return;
    b->reported = 1;
    ig_diag_add(diags, IAMG_ELIMIT, IAMG_LEVEL_ERROR, src, off,
                "%s expands to more than this file's budget of %llu bytes (limit max_expansion: "
                "the larger of --max-expansion and %u times the file size): %s, and so is every "
                "later expression in the file; raise --max-expansion if the template is genuine",
                what, (unsigned long long)b->limit, b->ratio, after);
}
