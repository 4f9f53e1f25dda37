#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

#ifdef IAMG_FAULT_INJECTION
static _Thread_local long alloc_budget = -1;
static _Thread_local long alloc_count;
static _Thread_local long read_budget = -1;

static int alloc_should_fail(void)
{
    alloc_count++;
    if (alloc_budget < 0) return 0;
    if (alloc_budget == 0) return 1;
    alloc_budget--;
    return 0;
}

void ig_fault_alloc_after(long n)
{
    alloc_budget = n;
    alloc_count = 0;
}

long ig_fault_alloc_count(void)
{
    return alloc_count;
}

void ig_fault_read_after(long n)
{
    read_budget = n;
}

int ig_fault_read_should_fail(void)
{
    if (read_budget < 0) return 0;
    if (read_budget == 0) return 1;
    read_budget--;
    return 0;
}
#else
#define alloc_should_fail() 0
void ig_fault_alloc_after(long n)
{
    (void)n;
}
long ig_fault_alloc_count(void)
{
    return 0;
}
void ig_fault_read_after(long n)
{
    (void)n;
}
int ig_fault_read_should_fail(void)
{
    return 0;
}
#endif

void *ig_malloc(size_t n)
{
    if (alloc_should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *ig_calloc(size_t count, size_t size)
{
    if (alloc_should_fail()) return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *ig_realloc(void *p, size_t n)
{
    if (alloc_should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void ig_free(void *p)
{
    free(p);
}

char *ig_strndup(const char *s, size_t n)
{
    char *d = ig_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ig_strdup(const char *s)
{
    return ig_strndup(s, strlen(s));
}
