#include "util/arena.h"

#include <stdint.h>
#include <string.h>

#include "util/alloc.h"

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    /* data follows, max_align_t aligned */
};

#define ARENA_ALIGN (_Alignof(max_align_t))
#define CHUNK_HDR ((sizeof(arena_chunk) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))
#define CHUNK_MIN ((size_t)64 * 1024)

void ig_arena_init(arena *a)
{
    a->head = NULL;
    a->cur = a->end = NULL;
    a->total = 0;
}

void ig_arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        ig_free(c);
        c = next;
    }
    ig_arena_init(a);
}

static void *grow(arena *a, size_t n)
{
    /* Chunks double with the arena so a huge file costs O(log n) mallocs. */
    size_t want = a->total < CHUNK_MIN ? CHUNK_MIN : a->total;
    if (want < n) want = n;
    if (want > SIZE_MAX - CHUNK_HDR) return NULL;
    arena_chunk *c = ig_malloc(CHUNK_HDR + want);
    if (!c) return NULL;
    c->size = want;
    c->next = a->head;
    a->head = c;
    a->total += want;
    char *data = (char *)c + CHUNK_HDR;
    a->cur = data + n;
    a->end = data + want;
    return data;
}

void *ig_arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN) return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (n == 0) n = ARENA_ALIGN;
    if (a->cur) {
        /* Byte allocations may have left cur unaligned. */
        uintptr_t c = (uintptr_t)a->cur;
        char *p = a->cur + (((c + ARENA_ALIGN - 1) & ~(uintptr_t)(ARENA_ALIGN - 1)) - c);
        if (p <= a->end && (size_t)(a->end - p) >= n) {
            a->cur = p + n;
            return p;
        }
    }
    return grow(a, n);
}

void *ig_arena_alloc_bytes(arena *a, size_t n)
{
    if (n == 0) n = 1;
    if (a->cur && (size_t)(a->end - a->cur) >= n) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return grow(a, n);
}

void *ig_arena_calloc(arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = ig_arena_alloc(a, count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

char *ig_arena_strndup(arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX) return NULL;
    char *d = ig_arena_alloc_bytes(a, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ig_arena_strdup(arena *a, const char *s)
{
    return ig_arena_strndup(a, s, strlen(s));
}
