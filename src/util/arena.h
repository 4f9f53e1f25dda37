/*
 * util/arena.h - bump allocation for everything that lives as long as one
 * loaded file: tree nodes, decoded strings, the policy model.
 *
 * A file's whole state is released with one ig_arena_free() after its rules ran,
 * which keeps a batch scan's memory flat and avoids per-element malloc/free.
 */
#ifndef IAMG_UTIL_ARENA_H
#define IAMG_UTIL_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *head;
    char *cur;    /* next free byte in head */
    char *end;    /* end of head */
    size_t total; /* bytes obtained from the heap, for statistics */
} arena;

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, NULL, NULL, 0                                                                        \
    }

void ig_arena_init(arena *a);
/* Release every chunk; the arena can be reused afterwards. */
void ig_arena_free(arena *a);
/* Uninitialised memory aligned for any type; NULL when out of memory. */
void *ig_arena_alloc(arena *a, size_t n);
/* Unaligned memory, for text: strings need no padding. */
void *ig_arena_alloc_bytes(arena *a, size_t n);
/* Zeroed memory. */
void *ig_arena_calloc(arena *a, size_t count, size_t size);
/* NUL-terminated copy of s[0..n). */
char *ig_arena_strndup(arena *a, const char *s, size_t n);
char *ig_arena_strdup(arena *a, const char *s);

#endif
