/*
 * JSON with positions: ig_json_pos_parse on any bytes, then the loader on the
 * same bytes as a .json file (raw policies, get-policy-version output,
 * CloudFormation JSON). Checks spans and positions of every node, and the
 * offset map of every string (used when a policy is held in a string).
 */
#include "fuzz_common.h"

#include "load/json_pos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    arena a;
    ig_arena_init(&a);
    tsource src;
    ig_tsource_init_file(&src, "fuzz.json", (const char *)data, size);
    FUZZ_CHECK(ig_tsource_index(&src, &a) == 0);
    const tnode *root = NULL;
    iamg_error err;
    memset(&err, 0, sizeof err);
    int rc = ig_json_pos_parse(&src, &a, 1000, &root, &err);
    if (rc == 0) {
        FUZZ_CHECK(root != NULL);
        fuzz_check_tree(&src, root, SIZE_MAX);
        fuzz_check_string_maps(&src, root, &a, ig_json_string_map, 1, FUZZ_WALK_MAX);
    } else {
        FUZZ_CHECK(rc == IAMG_EPARSE || rc == IAMG_ELIMIT);
        FUZZ_CHECK(root == NULL);
        FUZZ_CHECK(err.code == rc && err.message[0] != '\0');
        FUZZ_CHECK(err.line >= 1 && err.line <= src.nlines && err.column >= 1);
        FUZZ_CHECK(strcmp(err.path, "fuzz.json") == 0);
    }
    ig_arena_free(&a);
    fuzz_load("fuzz.json", data, size);
    return 0;
}
