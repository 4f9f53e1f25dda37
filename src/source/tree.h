/*
 * source/tree.h - a parsed JSON or YAML document: an immutable tree of nodes,
 * each carrying the byte span it was parsed from.
 *
 * Both parsers (json_pos.c, yaml_load.c) produce this one shape, so every
 * format extractor (raw policies, CloudFormation, Terraform plans, account
 * dumps) is written once. Nodes, strings and child arrays all live in the
 * arena passed to the parser; a tree is freed with its arena.
 *
 * Positions are byte offsets into a tsource; line/column are computed only
 * when a finding or an error needs them (srcpos.h).
 */
#ifndef IAMG_SOURCE_TREE_H
#define IAMG_SOURCE_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum tnode_type { TN_NULL, TN_BOOL, TN_NUMBER, TN_STRING, TN_ARRAY, TN_OBJECT } tnode_type;

/* Node flags. */
#define TNF_QUOTED 0x01 /* YAML scalar written quoted: a string whatever it looks like */
#define TNF_BLOCK 0x02  /* YAML literal or folded block scalar */
#define TNF_TAG 0x04    /* object made from a YAML short-form tag: !Sub x -> {Fn::Sub: x} */
#define TNF_SYNTHETIC                                                                              \
    0x08 /* value computed by iamguard (e.g. a resolved Fn::Sub), not in the source */
#define TNF_STREAM 0x10 /* array of the documents of a YAML stream with more than one */
#define TNF_PRUNED 0x20 /* JSON null standing for a value parsed but not kept (json_pos.h) */

typedef struct tnode tnode;
typedef struct tmember tmember;

struct tnode {
    uint8_t type;   /* tnode_type */
    uint8_t flags;  /* TNF_* */
    uint32_t n;     /* STRING/NUMBER/BOOL: bytes of u.s; ARRAY: items; OBJECT: members */
    uint32_t start; /* byte offset of the first byte of the value in its tsource */
    uint32_t end;   /* byte offset one past its last byte */
    union {
        const char *s;    /* scalars: NUL-terminated text ("true", "12.5", decoded string) */
        tnode *items;     /* ARRAY */
        tmember *members; /* OBJECT, in document order; duplicate keys are kept */
    } u;
};

struct tmember {
    tnode key; /* always TN_STRING */
    tnode value;
};

static inline int ig_tnode_is(const tnode *n, tnode_type t)
{
    return n && n->type == t;
}

/* The value of the last member named `key` (exact, case-sensitive), or NULL.
 * The last one wins, as in jansson and most JSON readers. */
static inline const tnode *ig_tnode_get(const tnode *obj, const char *key)
{
    if (!obj || obj->type != TN_OBJECT) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = obj->n; i-- > 0;) {
        const tnode *k = &obj->u.members[i].key;
        if (k->n == kl && memcmp(k->u.s, key, kl) == 0) return &obj->u.members[i].value;
    }
    return NULL;
}

/* Same as ig_tnode_get but also returns the member (for the key's position). */
static inline const tmember *ig_tnode_member(const tnode *obj, const char *key)
{
    if (!obj || obj->type != TN_OBJECT) return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = obj->n; i-- > 0;) {
        const tnode *k = &obj->u.members[i].key;
        if (k->n == kl && memcmp(k->u.s, key, kl) == 0) return &obj->u.members[i];
    }
    return NULL;
}

/* String value of a node as a C string, or NULL when it is not a string or
 * holds a NUL byte ("\u0000" in JSON): callers compare and print names and
 * ARNs as C strings, which would read "Admin\u0000x" as "Admin". Code that
 * needs such a string whole reads u.s and n. */
static inline const char *ig_tnode_str(const tnode *n)
{
    return (n && n->type == TN_STRING && !memchr(n->u.s, '\0', n->n)) ? n->u.s : NULL;
}

static inline const char *ig_tnode_type_name(const tnode *n)
{
    static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
    return n ? names[n->type] : "nothing";
}

#endif
