/*
 * load/yaml_load.h - YAML (CloudFormation templates) into the same position
 * tree as JSON, with libyaml.
 */
#ifndef IAMG_LOAD_YAML_LOAD_H
#define IAMG_LOAD_YAML_LOAD_H

#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "load/srcpos.h"
#include "load/tree.h"
#include "util/arena.h"

/*
 * Parse the first YAML document of src->data into a tree allocated in `a`.
 * CloudFormation short-form tags become their long form (!Sub x ->
 * {"Fn::Sub": x}, flagged TNF_TAG); aliases are expanded within
 * lim->max_yaml_nodes; nesting is bounded by lim->max_depth. Returns 0, or
 * IAMG_EPARSE / IAMG_ELIMIT / IAMG_ENOMEM with err holding path, line and
 * column. An empty stream yields a TN_NULL root.
 */
int yaml_load(const tsource *src, arena *a, const iamg_limits *lim, const tnode **out,
              iamg_error *err);

/*
 * For a TN_STRING node yaml_load produced from `src`, the offset in src of
 * each decoded byte (n + 1 entries), so a policy written as a JSON string in
 * YAML (a literal block scalar, a quoted or plain scalar) reports positions in
 * the file. Where YAML folding makes the exact byte unknowable, the offset of
 * the start of the source line it came from. NULL when out of memory.
 */
uint32_t *yaml_string_map(const tsource *src, const tnode *str, arena *a);

#endif
