/*
 * Shared by test_json_pos.c and the differential fuzz target: comparing a
 * json_pos tree with the value jansson builds from the same bytes.
 */
#ifndef IAMG_TESTS_JSON_DIFF_H
#define IAMG_TESTS_JSON_DIFF_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/tree.h"

static inline int json_diff_has_point_or_exp(const char *s)
{
    return strpbrk(s, ".eE") != NULL;
}

/*
 * Compare a tree with jansson's value for the same text, and check the spans
 * while at it: each node's bytes start and end with what its type requires,
 * children lie inside their parent, in order. Returns NULL or what differs.
 */
static inline const char *json_diff_same_value(const tnode *n, const json_t *j, const char *data,
                                               uint32_t len)
{
    if (!(n->start < n->end && n->end <= len)) return "span out of bounds";
    unsigned char first = (unsigned char)data[n->start], last = (unsigned char)data[n->end - 1];
    switch (n->type) {
    case TN_NULL:
        if (!json_is_null(j)) return "null vs other";
        return memcmp(data + n->start, "null", 4) || n->end - n->start != 4 ? "null span" : NULL;
    case TN_BOOL: {
        int t = n->u.s[0] == 't';
        if (!json_is_boolean(j) || t != json_is_true(j)) return "boolean differs";
        return memcmp(data + n->start, n->u.s, n->n) || n->end - n->start != n->n ? "bool span"
                                                                                  : NULL;
    }
    case TN_NUMBER:
        if (n->end - n->start != n->n || memcmp(data + n->start, n->u.s, n->n))
            return "number span";
        if (json_diff_has_point_or_exp(n->u.s)) {
            if (!json_is_real(j)) return "real vs other";
            return strtod(n->u.s, NULL) == json_real_value(j) ? NULL : "real value differs";
        }
        if (!json_is_integer(j)) return "integer vs other";
        return strtoll(n->u.s, NULL, 10) == json_integer_value(j) ? NULL : "integer differs";
    case TN_STRING:
        if (first != '"' || last != '"' || n->end - n->start < 2) return "string span";
        if (!json_is_string(j)) return "string vs other";
        if (json_string_length(j) != n->n || memcmp(json_string_value(j), n->u.s, n->n))
            return "string value differs";
        return n->u.s[n->n] == '\0' ? NULL : "string not NUL-terminated";
    case TN_ARRAY: {
        if (first != '[' || last != ']') return "array span";
        if (!json_is_array(j) || json_array_size(j) != n->n) return "array size differs";
        uint32_t prev = n->start;
        for (uint32_t i = 0; i < n->n; i++) {
            const tnode *c = &n->u.items[i];
            if (c->start <= prev || c->end >= n->end) return "item outside array";
            prev = c->end - 1;
            const char *why = json_diff_same_value(c, json_array_get(j, i), data, len);
            if (why) return why;
        }
        return NULL;
    }
    case TN_OBJECT: {
        if (first != '{' || last != '}') return "object span";
        if (!json_is_object(j)) return "object vs other";
        size_t unique = 0;
        uint32_t prev = n->start;
        for (uint32_t i = 0; i < n->n; i++) {
            const tmember *m = &n->u.members[i];
            if (m->key.type != TN_STRING) return "key not a string";
            if (m->key.start <= prev || m->value.start < m->key.end || m->value.end >= n->end)
                return "member outside object";
            prev = m->value.end - 1;
            if (data[m->key.start] != '"' || data[m->key.end - 1] != '"') return "key span";
            if (ig_tnode_get(n, m->key.u.s) != &m->value) continue; /* a later duplicate wins */
            unique++;
            const json_t *jv = json_object_getn(j, m->key.u.s, m->key.n);
            if (!jv) return "key missing in jansson";
            const char *why = json_diff_same_value(&m->value, jv, data, len);
            if (why) return why;
        }
        return unique == json_object_size(j) ? NULL : "object size differs";
    }
    }
    return "unknown node type";
}

/* Flags for json_loadb: "\u0000" inside a string is valid JSON, which
 * jansson reads only when asked to. */
#define JSON_DIFF_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

/*
 * Does the tree hold an object key with a NUL byte? jansson refuses
 * "\u0000" in keys even with JSON_ALLOW_NUL ("NUL byte in object key not
 * supported"); json_pos reads them like any other string.
 */
static inline int json_diff_nul_key(const tnode *n)
{
    if (n->type == TN_ARRAY) {
        for (uint32_t i = 0; i < n->n; i++)
            if (json_diff_nul_key(&n->u.items[i])) return 1;
    } else if (n->type == TN_OBJECT) {
        for (uint32_t i = 0; i < n->n; i++)
            if (memchr(n->u.members[i].key.u.s, '\0', n->u.members[i].key.n) ||
                json_diff_nul_key(&n->u.members[i].value))
                return 1;
    }
    return 0;
}

/* json_pos accepted, jansson refused: is it the NUL-in-key difference? */
static inline int json_diff_only_nul_key(const tnode *root, const json_error_t *je)
{
    return strstr(je->text, "NUL byte in object key") != NULL && json_diff_nul_key(root);
}

/*
 * jansson 2.14 drops a NUL byte that directly follows a number or a literal:
 * its lexer pushes back the byte that ended the token into a buffer that uses
 * NUL to mean "empty", so that byte is never read again. "1\0" and "[true\0]"
 * load, "1\0\0" and "\"a\"\0" do not. json_pos rejects every NUL outside a
 * string. Returns a copy of buf with such NULs turned into spaces (what
 * jansson effectively parses), or NULL when there are none.
 */
static inline char *json_diff_nul_view(const char *buf, size_t len)
{
    char *view = NULL;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '\0' && i > 0 &&
                   ((buf[i - 1] >= '0' && buf[i - 1] <= '9') ||
                    (buf[i - 1] >= 'a' && buf[i - 1] <= 'z') ||
                    (buf[i - 1] >= 'A' && buf[i - 1] <= 'Z'))) {
            if (!view) {
                view = malloc(len);
                if (!view) abort();
                memcpy(view, buf, len);
            }
            view[i] = ' ';
        }
    }
    return view;
}

#endif
