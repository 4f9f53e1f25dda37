/*
 * source/diag.h - problems found while loading one file or running rules on it.
 *
 * Loaders and the model report here instead of failing, so one bad statement
 * or document never stops the rest of the file or batch. A list belongs to one
 * file and one thread; its records are moved into the scan's results.
 */
#ifndef IAMG_SOURCE_DIAG_H
#define IAMG_SOURCE_DIAG_H

#include <stddef.h>
#include <stdint.h>

#include "iamguard/results.h"
#include "source/srcpos.h"

/* A list stops recording past this many and counts the rest, which it
 * reports in one closing record: a file with 10^6 bad statements must not
 * produce 10^6 messages. */
#define DIAG_MAX_PER_FILE 100

/* Messages quote input text (keys, values, operators), which can be
 * megabytes long: a longer message keeps its start and its end (where the
 * advice is) and says how much was cut. */
#define DIAG_MESSAGE_MAX 1024

typedef struct diag {
    int code; /* IAMG_E* */
    iamg_level level;
    uint32_t line, col, end_col; /* 0 when unknown */
    char *message;               /* owned */
    char *rule_id;               /* owned, or NULL */
    char *path;                  /* owned override (rule files), or NULL for the list's file */
} diag;

typedef struct diag_list {
    diag *v;
    size_t n, cap;
    size_t dropped; /* records past DIAG_MAX_PER_FILE */
    int oom;        /* an allocation failed while recording */
} diag_list;

void ig_diag_list_free(diag_list *l);

/* Record a problem at byte `off` of `src` (positions resolve to the file).
 * src may be NULL for problems with no position. Returns the record, or NULL
 * when it was not kept (list full or out of memory: both are counted). */
#if defined(__GNUC__)
__attribute__((format(printf, 6, 7)))
#endif
diag *
ig_diag_add(diag_list *l, int code, iamg_level level, const tsource *src, uint32_t off,
            const char *fmt, ...);

/* Record a problem with an explicit position (line/col 0 = unknown). */
diag *ig_diag_add_at(diag_list *l, int code, iamg_level level, const char *path, uint32_t line,
                     uint32_t col, const char *rule_id, const char *message);

/* Highest-severity code among records: IAMG_EPARSE etc., or 0. */
int ig_diag_worst(const diag_list *l);

#endif
