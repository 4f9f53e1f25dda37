/*
 * match/condop.h - condition keys by pointer and length, for callers inside
 * the library (decoded strings may hold NUL bytes; iamguard/match.h has the
 * NUL-terminated forms).
 */
#ifndef IAMG_MATCH_CONDOP_H
#define IAMG_MATCH_CONDOP_H

#include <stddef.h>

/* iamg_cond_key_equal on a[0..an) and b[0..bn). */
int ig_cond_key_equal_n(const char *a, size_t an, const char *b, size_t bn);

#endif
