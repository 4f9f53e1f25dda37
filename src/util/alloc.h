/*
 * util/alloc.h - the one allocation path of the library.
 *
 * Every heap allocation in src/ goes through these wrappers so that a fault
 * injection build (IAMG_FAULT_INJECTION) can make the n-th allocation fail and
 * the tests can prove each failure path is clean.
 */
#ifndef IAMG_UTIL_ALLOC_H
#define IAMG_UTIL_ALLOC_H

#include <stddef.h>

void *ig_malloc(size_t n);
void *ig_calloc(size_t count, size_t size);
void *ig_realloc(void *p, size_t n);
void ig_free(void *p);
char *ig_strdup(const char *s);
char *ig_strndup(const char *s, size_t n);

/* Fault injection (tests): after `n` more successful allocations, every
 * following one fails until reset with n < 0. Only active when built with
 * IAMG_FAULT_INJECTION; otherwise these are no-ops. Thread-local. */
void ig_fault_alloc_after(long n);
/* Number of allocations performed since the counter was last armed. */
long ig_fault_alloc_count(void);
/* Same for file reads done through iamg_read_file. */
void ig_fault_read_after(long n);
int ig_fault_read_should_fail(void);

#endif
