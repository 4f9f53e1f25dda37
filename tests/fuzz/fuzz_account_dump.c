/*
 * Account dumps (aws iam get-account-authorization-details). Odd first byte ('{' and '[' are):
 * the loader on the input as a .json file; seeded with real dumps, so most
 * inputs reach the extractor (users, groups, roles, managed policy
 * versions). Even first byte: the rest is a role's inline policy, written as
 * a JSON string, URL-encoded or not (chosen by the first byte), which drives
 * percent-decoding and its position map.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    uint8_t mode = data[0];
    if (mode & 1) {
        fuzz_load("account.json", data, size);
        return 0;
    }
    data++;
    size--;
    static const char head[] =
        "{\"UserDetailList\": [], \"GroupDetailList\": [], \"Policies\": [],\n"
        " \"RoleDetailList\": [{\"RoleName\": \"r\", \"Arn\": \"arn:aws:iam::1:role/r\",\n"
        "  \"RolePolicyList\": [{\"PolicyName\": \"p\", \"PolicyDocument\": ";
    char *doc = NULL;
    size_t len = 0, cap = 0;
    fuzz_put(&doc, &len, &cap, head, sizeof head - 1);
    fuzz_embed(&doc, &len, &cap, data, size,
               (mode >> 1) & (EMBED_ESCAPE_ALL | EMBED_SOLIDUS | EMBED_URL));
    fuzz_put(&doc, &len, &cap, "}]}]}\n", 6);
    fuzz_load("account.json", (const uint8_t *)doc, len);
    free(doc);
    return 0;
}
