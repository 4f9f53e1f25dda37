#include "rules/lua_tables.h"

#include <string.h>

void ig_lt_set_str(lua_State *L, const char *k, const char *v)
{
    if (!v) return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

void ig_lt_push_display(lua_State *L, const char *s, size_t n)
{
    if (n <= IG_LT_DISPLAY_MAX) {
        lua_pushlstring(L, s, n);
        return;
    }
    char cut[IG_LT_DISPLAY_MAX + 3];
    size_t k = IG_LT_DISPLAY_MAX;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(cut, s, k);
    memcpy(cut + k, "\xE2\x80\xA6", 3);
    lua_pushlstring(L, cut, k + 3);
}

void ig_lt_set_display(lua_State *L, const char *k, const char *v)
{
    if (!v) return;
    ig_lt_push_display(L, v, strlen(v));
    lua_setfield(L, -2, k);
}

void ig_lt_set_bool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

void ig_lt_set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

void ig_lt_push_values(lua_State *L, const tnode *const *v, uint32_t n)
{
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n; i++) {
        lua_pushlstring(L, v[i]->u.s, v[i]->n);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

void ig_lt_push_arn_parts(lua_State *L, const iamg_arn_parts *p)
{
    static const char *const names[] = {NULL,     "partition", "service",
                                        "region", "account",   "resource"};
    lua_createtable(L, 0, 5);
    for (int i = 1; i < 6; i++) {
        lua_pushlstring(L, p->part[i], p->len[i]);
        lua_setfield(L, -2, names[i]);
    }
}

void ig_lt_set_operator(lua_State *L, const iamg_cond_op *op)
{
    ig_lt_push_display(L, op->base ? op->base : "", op->base ? op->base_len : 0);
    lua_setfield(L, -2, "base");
    if (op->set == IAMG_COND_FOR_ANY)
        ig_lt_set_str(L, "set", "ForAnyValue");
    else if (op->set == IAMG_COND_FOR_ALL)
        ig_lt_set_str(L, "set", "ForAllValues");
    ig_lt_set_bool(L, "if_exists", op->if_exists);
    ig_lt_set_bool(L, "negated", op->negated);
    ig_lt_set_bool(L, "known", op->known);
}

void ig_lt_push_condition(lua_State *L, const pcond *c, uint32_t index)
{
    /* By length: decoded names may hold NUL bytes. Operator names and keys
     * are short (no AWS key is near IG_LT_DISPLAY_MAX bytes): a longer one
     * is cut like display text, which keeps its prefix (aws:ResourceTag/...)
     * and leaves it unknown, so that a 50 MB key does not cost a rule 50 MB
     * of its memory and decides the same. */
    lua_createtable(L, 0, 11);
    ig_lt_push_display(L, c->op, c->op_member->key.n);
    lua_setfield(L, -2, "operator");
    ig_lt_set_operator(L, &c->parsed);
    ig_lt_push_display(L, c->key, c->key_member->key.n);
    lua_setfield(L, -2, "key");
    ig_lt_push_values(L, c->v, c->n);
    lua_setfield(L, -2, "values");
    /* "string", "number" or "boolean" per value: rules that need strings
     * (tag values) must not take 5 or true for "5" or "true". */
    lua_createtable(L, (int)c->n, 0);
    for (uint32_t i = 0; i < c->n; i++) {
        uint8_t t = c->v[i]->type;
        lua_pushstring(L, t == TN_STRING ? "string" : t == TN_NUMBER ? "number" : "boolean");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "types");
    ig_lt_set_bool(L, "malformed", c->malformed);
    ig_lt_set_int(L, "index", (lua_Integer)index + 1);
}

void ig_lt_push_principals(lua_State *L, const pstmt *st)
{
    if (!st->principal_member) {
        lua_pushnil(L);
        return;
    }
    lua_createtable(L, 0, (int)st->nprincipals);
    for (uint32_t i = 0; i < st->nprincipals; i++) {
        ig_lt_push_values(L, st->principals[i].v, st->principals[i].n);
        lua_setfield(L, -2, st->principals[i].type);
    }
}

void ig_lt_push_origin(lua_State *L, const iamg_origin *o, const char *file)
{
    lua_createtable(L, 0, 12);
    ig_lt_set_display(L, "file", file);
    ig_lt_set_display(L, "format", o->format);
    ig_lt_set_display(L, "kind", o->kind);
    ig_lt_set_display(L, "container", o->container);
    ig_lt_set_display(L, "logical_id", o->logical_id);
    ig_lt_set_display(L, "resource_type", o->resource_type);
    ig_lt_set_display(L, "policy_name", o->policy_name);
    ig_lt_set_display(L, "address", o->address);
    ig_lt_set_display(L, "policy_arn", o->policy_arn);
    ig_lt_set_display(L, "pointer", o->pointer);
    if (o->principal_type || o->principal_name || o->principal_arn) {
        lua_createtable(L, 0, 3);
        ig_lt_set_display(L, "type", o->principal_type);
        ig_lt_set_display(L, "name", o->principal_name);
        ig_lt_set_display(L, "arn", o->principal_arn);
        lua_setfield(L, -2, "principal");
    }
}
