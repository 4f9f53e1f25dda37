/*
 * catalog/catalog_int.h - the catalogue's records and indexes, shared by its
 * loading (catalog_load.c), look-ups (catalog.c), expansion of patterns
 * (catalog_expand.c) and suggestions (catalog_suggest.c).
 */
#ifndef IAMG_CATALOG_CATALOG_INT_H
#define IAMG_CATALOG_CATALOG_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "catalog/catalog.h"
#include "util/hash.h"

#define NONE UINT32_MAX

/* Bounds of the expansion cache: entries, and action ids held in all. */
#define XCACHE_MAX_ENTRIES 65536u
#define XCACHE_MAX_IDS (4u << 20)
#define XCACHE_MAX_PATTERN 256
/* Text longer than this gets no "did you mean": the search is per candidate. */
#define SUGGEST_MAX 128

typedef struct ckey {
    const char *key;
    const char *type;
    const char *glob; /* template as an action glob ("${X}" -> "?*"), or NULL */
    uint32_t next;    /* next key with the same text (other service), or NONE */
} ckey;

typedef struct crt {
    const char *name;
    const char *arn;
    const char *arn_svc; /* third segment of the ARN format */
    uint32_t arn_svc_len;
    uint8_t arn_svc_wild; /* the segment is a variable: any service */
    uint32_t k0, nk;      /* keys: ref[k0 .. k0+nk) */
} crt;

typedef struct crow {
    uint32_t rt; /* catalogue-wide resource type id */
    uint32_t k0, nk;
    uint8_t required;
} crow;

struct iamg_catalog_action {
    const iamg_catalog *cat;
    const char *name;
    const char *full; /* "service:Name" */
    uint32_t svc;
    uint32_t r0, nr; /* rows */
    uint32_t k0, nk; /* own keys and those of every row, sorted */
    uint8_t level;
};

typedef struct csvc {
    const char *prefix;
    const char *name;
    uint32_t a0, a1, k0, k1, r0, r1;
} csvc;

typedef struct cglobal {
    const char *key;
    const char *type;
    size_t prefix; /* > 0: "aws:PrincipalTag/tag-key" stands for prefix + any text */
} cglobal;

typedef struct xentry {
    char *pattern; /* normalised: lower case, runs of '*' cut to one */
    uint32_t hash;
    uint32_t n;
    uint32_t *ids;
} xentry;

struct iamg_catalog {
    char *text;
    char *names;
    char *globs;
    csvc *svc;
    uint32_t nsvc;
    ckey *key;
    uint32_t nkey;
    crt *rt;
    uint32_t nrt;
    crow *row;
    uint32_t nrow;
    iamg_catalog_action *act;
    uint32_t nact;
    uint32_t *ref;
    uint32_t nref, capref;
    cglobal *glob;
    uint32_t nglob;
    uint32_t *ahash; /* action id + 1, open addressing */
    uint32_t *ahv;   /* each action's full hash, to skip most comparisons */
    uint32_t amask;
    uint32_t *khash; /* first key id + 1 of each distinct text */
    uint32_t kmask;
    uint32_t *tmpl; /* first key id of each distinct template text */
    uint32_t ntmpl;
    uint32_t *all; /* 0 .. nact-1: the expansion of "*" */
    size_t maxname;
    pthread_mutex_t mu; /* guards the expansion cache */
    xentry **xc;
    uint32_t xmask, xn;
    size_t xids;
};

struct iamg_catalog_set {
    const iamg_catalog *cat;
    uint32_t *ids;
    size_t n;
};

/* ---- small helpers ---- */

static inline unsigned char lc(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static inline int ieq(const char *a, const char *b)
{
    while (*a && lc((unsigned char)*a) == lc((unsigned char)*b))
        a++, b++;
    return lc((unsigned char)*a) == lc((unsigned char)*b);
}

static inline int ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lc((unsigned char)a[i]) != lc((unsigned char)b[i])) return 0;
        if (!a[i]) return 1;
    }
    return 1;
}

static inline uint32_t hash_lower(const char *s, size_t n)
{
    uint32_t h = IG_FNV32_INIT;
    for (size_t i = 0; i < n; i++)
        h = (h ^ lc((unsigned char)s[i])) * IG_FNV32_PRIME;
    return h;
}

static inline uint32_t pow2_above(uint32_t n)
{
    uint32_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    return cap;
}

static inline int has_wild(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

/* The part of s before its first ':' (all of s without one). */
static inline size_t service_part(const char *s)
{
    const char *colon = strchr(s, ':');
    return colon ? (size_t)(colon - s) : strlen(s);
}

/* For each action id in a bitset of nwords words, in order:
 *     EACH_BIT(bits, ig_catalog_words(c), id) { ... }  */
#define EACH_BIT(bits, nwords, id)                                                                 \
    for (size_t w_ = 0; w_ < (nwords); w_++)                                                       \
        for (uint64_t m_ = (bits)[w_]; m_; m_ &= m_ - 1)                                           \
            for (uint32_t id = (uint32_t)(w_ * 64 + (size_t)__builtin_ctzll(m_)), once_ = 1;       \
                 once_; once_ = 0)

/* The service with prefix[0..len) (exact case), or NULL. */
const csvc *ig_catalog_find_service(const iamg_catalog *c, const char *prefix, size_t len);

#endif
