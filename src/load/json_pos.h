/*
 * load/json_pos.h - a strict JSON parser (RFC 8259) that records where every
 * value sits in the source.
 *
 * jansson, which iamguard uses for its outputs and to read SARIF, keeps no
 * positions; this parser accepts exactly the documents jansson accepts with
 * JSON_DECODE_ANY | JSON_ALLOW_NUL (a differential test and fuzz target hold
 * it to that), with three deliberate differences: a leading UTF-8 byte-order
 * mark is accepted, a NUL byte right after a literal or number ("1\0"),
 * which jansson 2.14 skips by accident, is refused, and "\u0000" in an
 * object key, which jansson refuses, is read like any other string. It
 * builds a tree (tree.h) with byte spans instead of a jansson value; a
 * decoded string may hold NUL bytes, so its length is tnode.n, not strlen.
 */
#ifndef IAMG_LOAD_JSON_POS_H
#define IAMG_LOAD_JSON_POS_H

#include "iamguard/error.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "util/arena.h"

/*
 * Parse all of src->data as one JSON value. On success returns 0 and points
 * *out at the root (allocated in `a`). On failure returns IAMG_EPARSE (syntax),
 * IAMG_ELIMIT (nesting deeper than max_depth) or IAMG_ENOMEM, and fills err
 * with the path, line and column of the offending byte in the outermost file.
 */
int ig_json_pos_parse(const tsource *src, arena *a, unsigned max_depth, const tnode **out,
                      iamg_error *err);

/*
 * Where a member value sits, from the root object: the keys (and array
 * positions, key NULL) on the way down, for the first IG_JSON_PATH_MAX
 * levels.
 */
#define IG_JSON_PATH_MAX 4
typedef struct json_step {
    const char *key; /* decoded, NUL-terminated; NULL for an array item */
    uint32_t len;    /* of key */
    uint32_t index;  /* array items */
} json_step;

/* Whether the member value at path[0..depth) (depth <= IG_JSON_PATH_MAX) is
 * one the caller will never read, given the members of the root object
 * parsed before it (root[0..nroot)). */
typedef int (*json_prune_fn)(const tmember *root, size_t nroot, const json_step *path,
                             unsigned depth);

/* ig_json_pos_parse, leaving out of the tree the values `prune` names: they
 * are parsed (so a syntax error anywhere is still one) into scratch memory
 * that is freed at once, and stand in the tree as TN_NULL with TNF_PRUNED
 * and their span. *pruned tells whether any was left out. */
int ig_json_pos_parse_pruned(const tsource *src, arena *a, unsigned max_depth, json_prune_fn prune,
                             const tnode **out, int *pruned, iamg_error *err);

/*
 * For a TN_STRING node that ig_json_pos_parse produced from `src`, the offsets in
 * src of each of its decoded bytes (n + 1 entries; the last is the closing
 * quote). Lets a policy held in a JSON string be parsed as a tsource of its
 * own and still report positions in the outer file. NULL when out of memory.
 */
uint32_t *ig_json_string_map(const tsource *src, const tnode *str, arena *a);

#endif
