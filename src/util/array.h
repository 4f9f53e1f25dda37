/*
 * util/array.h - growable arrays.
 *
 * An array is a pointer v, a count n and a capacity cap (a size_t), kept by
 * its owner. IG_ARRAY_GROW(v, n, cap, first) makes room for v[n]: when the
 * array is full it doubles the capacity (the first time, to `first`
 * elements), so appending one element at a time costs O(1) amortised. It is
 * 0 on success and -1 when memory runs out or the size would not fit in a
 * size_t; v and cap are then unchanged, still valid and still the owner's.
 *
 *     if (IG_ARRAY_GROW(l->v, l->n, l->cap, 16)) return IAMG_ENOMEM;
 *     l->v[l->n++] = item;
 */
#ifndef IAMG_UTIL_ARRAY_H
#define IAMG_UTIL_ARRAY_H

#include <stddef.h>

/* The function behind IG_ARRAY_GROW: *(T **)arrayp holds cap elements of
 * `elem` bytes. Call it through the macro, which checks the element size. */
int ig_array_grow(void *arrayp, size_t *cap, size_t elem, size_t first);

#define IG_ARRAY_GROW(v, n, cap, first)                                                            \
    ((n) < (cap) ? 0 : ig_array_grow(&(v), &(cap), sizeof *(v), (first)))

#endif
