/*
 * Terraform plans (terraform show -json). Odd first byte ('{' and '[' are):
 * the loader on the input as a .json file; seeded with real plans, so most inputs are
 * recognised as plans and reach the extractor (modules, resource changes,
 * data sources). Even first byte: the rest is a policy, written as a JSON
 * string (with escapes chosen by the first byte) into a plan, which drives
 * the policy-in-a-string path and its position map.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    uint8_t mode = data[0];
    if (mode & 1) {
        fuzz_load("plan.json", data, size);
        return 0;
    }
    data++;
    size--;
    static const char head[] =
        "{\"format_version\": \"1.2\", \"planned_values\": {\"root_module\": {\"child_modules\": "
        "[{\"address\": \"module.m\", \"resources\": [{\"address\": "
        "\"module.m.aws_iam_role_policy.p\", \"mode\": \"managed\", \"type\": "
        "\"aws_iam_role_policy\", \"name\": \"p\", \"values\": {\"name\": \"p\",\n"
        "  \"policy\": ";
    char *doc = NULL;
    size_t len = 0, cap = 0;
    fuzz_put(&doc, &len, &cap, head, sizeof head - 1);
    fuzz_embed(&doc, &len, &cap, data, size, (mode >> 1) & (EMBED_ESCAPE_ALL | EMBED_SOLIDUS));
    fuzz_put(&doc, &len, &cap, "}}]}]}}}\n", 9);
    fuzz_load("plan.json", (const uint8_t *)doc, len);
    free(doc);
    return 0;
}
