/*
 * match/condop.c - condition operators and condition keys as IAM reads them.
 *
 * Operator names are case-sensitive in IAM ("stringequals" is rejected), while
 * condition keys are not ("aws:SourceIp" and "AWS:sourceip" are one key).
 */
#include "iamguard/match.h"
#include "match/condop.h"

#include <assert.h>
#include <string.h>

typedef struct op_def {
    const char *name;
    int negated;
} op_def;

static const op_def known_ops[] = {
    {"StringEquals", 0},
    {"StringNotEquals", 1},
    {"StringEqualsIgnoreCase", 0},
    {"StringNotEqualsIgnoreCase", 1},
    {"StringLike", 0},
    {"StringNotLike", 1},
    {"NumericEquals", 0},
    {"NumericNotEquals", 1},
    {"NumericLessThan", 0},
    {"NumericLessThanEquals", 0},
    {"NumericGreaterThan", 0},
    {"NumericGreaterThanEquals", 0},
    {"DateEquals", 0},
    {"DateNotEquals", 1},
    {"DateLessThan", 0},
    {"DateLessThanEquals", 0},
    {"DateGreaterThan", 0},
    {"DateGreaterThanEquals", 0},
    {"Bool", 0},
    {"BinaryEquals", 0},
    {"IpAddress", 0},
    {"NotIpAddress", 1},
    {"ArnEquals", 0},
    {"ArnLike", 0},
    {"ArnNotEquals", 1},
    {"ArnNotLike", 1},
    {"Null", 0},
};

#define IF_EXISTS "IfExists"

static const op_def *find_op(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof known_ops / sizeof known_ops[0]; i++)
        if (strlen(known_ops[i].name) == len && memcmp(known_ops[i].name, name, len) == 0)
            return &known_ops[i];
    return NULL;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int iamg_cond_op_parse(const char *op, iamg_cond_op *out)
{
    const op_def *def;
    size_t len, sfx = strlen(IF_EXISTS);

    assert(out);
    memset(out, 0, sizeof *out);
    if (!op) return 0;

    if (has_prefix(op, "ForAnyValue:")) {
        out->set = IAMG_COND_FOR_ANY;
        op += strlen("ForAnyValue:");
    } else if (has_prefix(op, "ForAllValues:")) {
        out->set = IAMG_COND_FOR_ALL;
        op += strlen("ForAllValues:");
    }
    len = strlen(op);
    out->base = op;
    out->base_len = len;

    /* "Null" takes no IfExists: a missing key is exactly what it tests for. */
    if (len > sfx && memcmp(op + len - sfx, IF_EXISTS, sfx) == 0) {
        def = find_op(op, len - sfx);
        if (def && strcmp(def->name, "Null") != 0) {
            out->base_len = len - sfx;
            out->if_exists = 1;
            out->negated = def->negated;
            out->known = 1;
            return 1;
        }
    }
    def = find_op(op, len);
    if (def) {
        out->negated = def->negated;
        out->known = 1;
    }
    return out->known;
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

int ig_cond_key_equal_n(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i])) return 0;
    return 1;
}

int iamg_cond_key_equal(const char *a, const char *b)
{
    if (!a || !b) return 0;
    return ig_cond_key_equal_n(a, strlen(a), b, strlen(b));
}
