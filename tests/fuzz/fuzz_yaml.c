/*
 * YAML and CloudFormation: ig_yaml_load on any bytes (short-form tags, aliases,
 * merge keys, depth and alias-expansion limits), the offset map of every
 * string, then the loader on the same bytes as a .yaml template.
 */
#include "fuzz_common.h"

#include "load/yaml_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    iamg_limits lim = IAMG_LIMITS_INIT;
    /* Small enough that alias bombs hit the limit quickly. */
    lim.max_yaml_nodes = 100000;
    arena a;
    ig_arena_init(&a);
    tsource src;
    ig_tsource_init_file(&src, "fuzz.yaml", (const char *)data, size);
    FUZZ_CHECK(ig_tsource_index(&src, &a) == 0);
    const tnode *root = NULL;
    iamg_error err;
    memset(&err, 0, sizeof err);
    int rc = ig_yaml_load(&src, &a, &lim, &root, &err);
    if (rc == 0) {
        FUZZ_CHECK(root != NULL);
        fuzz_check_tree(&src, root, FUZZ_WALK_MAX);
        fuzz_check_string_maps(&src, root, &a, ig_yaml_string_map, 0, 2000);
    } else {
        FUZZ_CHECK(rc == IAMG_EPARSE || rc == IAMG_ELIMIT);
        FUZZ_CHECK(root == NULL);
        FUZZ_CHECK(err.code == rc && err.message[0] != '\0');
        FUZZ_CHECK(err.line <= src.nlines);
    }
    ig_arena_free(&a);
    fuzz_load("fuzz.yaml", data, size);
    return 0;
}
