/*
 * load/budget.h - the expansion budget of one file.
 *
 * A few hundred bytes of CloudFormation can stand for gigabytes: ten nested
 * Fn::Sub that each repeat the next eight times, YAML anchors fed through
 * Fn::Join, one big mapping value copied by every Fn::FindInMap, Fn::If
 * branches that fork every object around them. Whatever the loaders build
 * that the input does not pay for byte by byte is charged here *before* it
 * is allocated, so the work and memory of one file stay within
 * max(lim->max_expansion, lim->expansion_ratio x file size) bytes.
 *
 * Once a charge does not fit, the budget is spent for the rest of the file
 * (so the outcome never depends on how much was left): expressions are no
 * longer evaluated but replaced by opaque stand-ins. The stand-ins, and the
 * copies of the containers that hold them, may use a second budget's worth,
 * so the file's other values are still checked; past that, the document is
 * not checked. Each file has its own budget; a budget belongs to one thread.
 */
#ifndef IAMG_LOAD_BUDGET_H
#define IAMG_LOAD_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/limits.h"
#include "source/diag.h"
#include "source/srcpos.h"

typedef struct ig_budget {
    uint64_t limit; /* bytes */
    uint64_t used;
    unsigned ratio;   /* lim->expansion_ratio, for the message */
    uint8_t spent;    /* a charge did not fit: nothing more is evaluated */
    uint8_t reported; /* the limit problem of this file is recorded */
} ig_budget;

/* The budget of a file of input_len bytes under `lim`. */
void ig_budget_init(ig_budget *b, const iamg_limits *lim, size_t input_len);

/* Charge n bytes of new values: 0 when they fit, -1 when not (the budget is
 * then spent). A NULL budget is unlimited. */
int ig_budget_take(ig_budget *b, uint64_t n);

/* Charge n bytes of stand-ins and their containers: like ig_budget_take
 * until the budget is spent, then up to a second budget's worth. */
int ig_budget_take_standin(ig_budget *b, uint64_t n);

/* 1 once a charge has failed. */
int ig_budget_spent(const ig_budget *b);

/* Record the file's limit problem at byte `off` of `src` (once per file):
 * `what` built more than the budget ("Fn::Sub", "the policy document in
 * this string", ...); `after` says what becomes of the value. */
void ig_budget_report(ig_budget *b, diag_list *diags, const tsource *src, uint32_t off,
                      const char *what, const char *after);

#endif
