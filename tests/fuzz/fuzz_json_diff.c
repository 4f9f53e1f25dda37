/*
 * Differential: ig_json_pos_parse accepts exactly the inputs jansson's
 * json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, and builds the same
 * value, except for the three differences json_pos.h documents (a leading
 * UTF-8 BOM, a NUL byte right after a literal or number, which jansson
 * skips, and "\u0000" in an object key, which jansson refuses).
 */
#include "fuzz_common.h"

#include <jansson.h>

#include "common/json_diff.h"
#include "load/json_pos.h"

static int parse(const char *buf, size_t len, arena *a, const tnode **root, iamg_error *err)
{
    tsource src;
    ig_tsource_init_file(&src, "fuzz.json", buf, len);
    return ig_json_pos_parse(&src, a, JSON_PARSER_MAX_DEPTH, root, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    const char *buf = (const char *)data;
    /* We skip a leading BOM; jansson refuses it: compare what follows it. */
    size_t skip = size >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    json_error_t je;
    json_t *j = json_loadb(buf + skip, size - skip, JSON_DIFF_FLAGS, &je);
    char *view = json_diff_nul_view(buf, size);
    arena a;
    ig_arena_init(&a);
    const tnode *root;
    iamg_error err;
    int rc = parse(view ? view : buf, size, &a, &root, &err);
    int nul_key = rc == 0 && !j && json_diff_only_nul_key(root, &je);
    if ((rc == 0) != (j != NULL) && !nul_key) {
        fprintf(stderr, "json_pos %s (%s), jansson %s (%s)\n", rc ? "rejects" : "accepts",
                rc ? err.message : "-", j ? "accepts" : "rejects", j ? "-" : je.text);
        fuzz_fail("json_pos and jansson disagree");
    }
    if (rc == 0 && j) {
        const char *why = json_diff_same_value(root, j, view ? view : buf, (uint32_t)size);
        if (why) {
            fprintf(stderr, "value differs: %s\n", why);
            fuzz_fail("json_pos and jansson build different values");
        }
    } else {
        FUZZ_CHECK(rc == IAMG_EPARSE || rc == IAMG_ELIMIT);
    }
    ig_arena_free(&a);
    if (view) {
        /* The real bytes, with the NUL, are always refused. */
        ig_arena_init(&a);
        FUZZ_CHECK(parse(buf, size, &a, &root, &err) != 0);
        ig_arena_free(&a);
        free(view);
    }
    json_decref(j);
    return 0;
}
