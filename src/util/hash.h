/*
 * util/hash.h - FNV-1a, the hash of every table keyed by strings (anchors,
 * interned strings, holders, walked paths, compiled chunks, the catalogue).
 *
 * Inline: the loaders hash every key of every document they read.
 */
#ifndef IAMG_UTIL_HASH_H
#define IAMG_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define IG_FNV32_INIT 2166136261u
#define IG_FNV32_PRIME 16777619u
#define IG_FNV64_INIT UINT64_C(1469598103934665603)
#define IG_FNV64_PRIME UINT64_C(1099511628211)

/* h (IG_FNV32_INIT to start) continued over p[0..n). */
static inline uint32_t ig_fnv32(uint32_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * IG_FNV32_PRIME;
    return h;
}

/* h (IG_FNV64_INIT to start) continued over p[0..n). */
static inline uint64_t ig_fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * IG_FNV64_PRIME;
    return h;
}

/* h (IG_FNV64_INIT to start) continued over the bytes of string s. */
static inline uint64_t ig_fnv64_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * IG_FNV64_PRIME;
    return h;
}

#endif
