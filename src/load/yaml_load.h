/*
 * load/yaml_load.h - YAML (CloudFormation templates) into the same position
 * tree as JSON, with libyaml.
 */
#ifndef IAMG_LOAD_YAML_LOAD_H
#define IAMG_LOAD_YAML_LOAD_H

#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "util/arena.h"

/*
 * Parse the YAML stream src->data into a tree allocated in `a`: the root of
 * its document, or for a stream of several non-empty documents ("---") a
 * TN_ARRAY flagged TNF_STREAM holding their roots, so none is dropped.
 * Anchors are local to their document.
 * CloudFormation short-form tags become their long form (!Sub x ->
 * {"Fn::Sub": x}, flagged TNF_TAG); aliases are expanded within
 * lim->max_yaml_nodes; nesting is bounded by lim->max_depth. Returns 0, or
 * IAMG_EPARSE / IAMG_ELIMIT / IAMG_ENOMEM with err holding path, line and
 * column. An empty stream yields a TN_NULL root.
 *
 * Spans are byte offsets into src. The object made from a tag and its
 * (TNF_TAG) key both span the tagged node from its '!'; !GetAtt a.b.c becomes
 * {"Fn::GetAtt": ["a", "b.c"]}. An alias is a shallow copy of its anchored
 * node, children shared, with the anchored node's spans. Plain scalars follow
 * the YAML 1.2 core schema (booleans as "true"/"false", nulls as "null",
 * numbers keep their text); every scalar key is a TN_STRING of its text.
 * Merge keys (<<) merge, keys written in the mapping winning. Input must be
 * UTF-8 (a UTF-8 byte-order mark is skipped).
 */
int ig_yaml_load(const tsource *src, arena *a, const iamg_limits *lim, const tnode **out,
                 iamg_error *err);

/*
 * For a TN_STRING node ig_yaml_load produced from `src`, the offset in src of
 * each decoded byte (n + 1 entries, non-decreasing), so a policy written as a
 * JSON string in YAML (a literal block scalar, a quoted or plain scalar)
 * reports positions in the file. Escapes map to their backslash, folded line
 * breaks to the break. Where the exact byte is unknowable, the offset of the
 * start of the source line it came from; text with no source of its own
 * (TNF_TAG keys, TNF_SYNTHETIC parts) maps to the node's start. The last
 * entry is the closing quote of a quoted scalar, else the node's end (or the
 * last kept line break of a |+ scalar, which lies past it). The map
 * is allocated in `a`; NULL when out of memory.
 */
uint32_t *ig_yaml_string_map(const tsource *src, const tnode *str, arena *a);

#endif
