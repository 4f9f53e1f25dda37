/*
 * load/yaml_schema.c - tags (standard and CloudFormation short forms) and the
 * YAML 1.2 core schema that types plain scalars.
 */
#include "load/yaml_int.h"

#include <string.h>

/* ---- tags and the YAML 1.2 core schema ------------------------------------ */

/* CloudFormation short forms and the long-form key each one becomes. */
static const struct {
    const char *tag;
    const char *key;
} cfn_tags[] = {
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!Sub", "Fn::Sub"},
    {"!Join", "Fn::Join"},
    {"!If", "Fn::If"},
    {"!Select", "Fn::Select"},
    {"!Split", "Fn::Split"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!Base64", "Fn::Base64"},
    {"!Cidr", "Fn::Cidr"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!Equals", "Fn::Equals"},
    {"!And", "Fn::And"},
    {"!Or", "Fn::Or"},
    {"!Not", "Fn::Not"},
    {"!Transform", "Fn::Transform"},
    {"!Length", "Fn::Length"},
    {"!ToJsonString", "Fn::ToJsonString"},
};

int ig_yaml_tag_kind(const char *tag)
{
    if (!tag) return TAG_NONE;
    if (strcmp(tag, "!") == 0) return TAG_STR;
    if (strncmp(tag, STD_PREFIX, STD_PREFIX_LEN) != 0) return TAG_NONE;
    static const struct {
        const char *name;
        int kind;
    } std[] = {{"str", TAG_STR},     {"binary", TAG_STR}, {"timestamp", TAG_STR}, {"int", TAG_INT},
               {"float", TAG_FLOAT}, {"bool", TAG_BOOL},  {"null", TAG_NULL},     {"seq", TAG_SEQ},
               {"map", TAG_MAP},     {"merge", TAG_MERGE}};
    for (size_t i = 0; i < sizeof std / sizeof *std; i++)
        if (strcmp(tag + STD_PREFIX_LEN, std[i].name) == 0) return std[i].kind;
    return TAG_NONE;
}

int ig_yaml_cfn_index(const char *tag)
{
    if (!tag || tag[0] != '!') return -1;
    for (size_t i = 0; i < sizeof cfn_tags / sizeof *cfn_tags; i++)
        if (strcmp(tag, cfn_tags[i].tag) == 0) return (int)i;
    return -1;
}

const char *ig_yaml_cfn_key(int index)
{
    return cfn_tags[index].key;
}

int ig_yaml_is_null_text(const char *v, size_t n)
{
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* 1 true, 0 false, -1 not a boolean. */
int ig_yaml_bool_text(const char *v, size_t n)
{
    if (n == 4 && (!memcmp(v, "true", 4) || !memcmp(v, "True", 4) || !memcmp(v, "TRUE", 4)))
        return 1;
    if (n == 5 && (!memcmp(v, "false", 5) || !memcmp(v, "False", 5) || !memcmp(v, "FALSE", 5)))
        return 0;
    return -1;
}

int ig_yaml_is_int_text(const char *v, size_t n)
{
    size_t i = 0;
    if (n > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'x')) {
        int hex = v[1] == 'x';
        for (i = 2; i < n; i++) {
            char c = v[i];
            int ok = hex ? (ig_yaml_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                         : (c >= '0' && c <= '7');
            if (!ok) return 0;
        }
        return 1;
    }
    if (i < n && (v[i] == '-' || v[i] == '+')) i++;
    if (i == n) return 0;
    for (; i < n; i++)
        if (!ig_yaml_is_digit(v[i])) return 0;
    return 1;
}

int ig_yaml_is_float_text(const char *v, size_t n)
{
    size_t i = 0;
    if (n == 4 && v[0] == '.' &&
        (!memcmp(v + 1, "nan", 3) || !memcmp(v + 1, "NaN", 3) || !memcmp(v + 1, "NAN", 3)))
        return 1;
    if (i < n && (v[i] == '-' || v[i] == '+')) i++;
    if (n - i == 4 && v[i] == '.' &&
        (!memcmp(v + i + 1, "inf", 3) || !memcmp(v + i + 1, "Inf", 3) ||
         !memcmp(v + i + 1, "INF", 3)))
        return 1;
    size_t digits = 0;
    while (i < n && ig_yaml_is_digit(v[i]))
        i++, digits++;
    if (i < n && v[i] == '.') {
        i++;
        size_t frac = 0;
        while (i < n && ig_yaml_is_digit(v[i]))
            i++, frac++;
        /* ".5" and "1." are floats; "." is not. */
        if (!digits && !frac) return 0;
    } else if (!digits) {
        return 0;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        if (i < n && (v[i] == '-' || v[i] == '+')) i++;
        if (i == n) return 0;
        while (i < n && ig_yaml_is_digit(v[i]))
            i++;
    }
    return i == n;
}

int ig_yaml_core_type(const char *v, size_t n)
{
    if (n && !(ig_yaml_is_digit(v[0]) || strchr("-+.~nNtTfF", v[0]))) return TN_STRING;
    if (ig_yaml_is_null_text(v, n)) return TN_NULL;
    if (ig_yaml_bool_text(v, n) >= 0) return TN_BOOL;
    if (ig_yaml_is_int_text(v, n) || ig_yaml_is_float_text(v, n)) return TN_NUMBER;
    return TN_STRING;
}
