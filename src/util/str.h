/*
 * util/str.h - ordering strings, for the sorts that make output the same
 * whatever the number of threads.
 */
#ifndef IAMG_UTIL_STR_H
#define IAMG_UTIL_STR_H

/* strcmp, with NULL (a field that is not set) before every string. */
int ig_str_cmp(const char *a, const char *b);

/* qsort comparator for an array of char *, by strcmp. */
int ig_str_cmp_ptr(const void *a, const void *b);

#endif
