/*
 * rules/params.c - rule parameters (params.h): reading declarations from a
 * rule table, setting values for scans, and handing them to check().
 */
#include "rules/params.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "rules/ruleset.h"
#include "rules/sandbox.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/utf8.h"

const char *iamg_param_type_name(iamg_param_type type)
{
    switch (type) {
    case IAMG_PARAM_BOOLEAN:
        return "boolean";
    case IAMG_PARAM_INTEGER:
        return "integer";
    case IAMG_PARAM_NUMBER:
        return "number";
    case IAMG_PARAM_STRING:
        return "string";
    case IAMG_PARAM_LIST:
        return "list";
    }
    return "value";
}

void ig_param_value_free(iamg_param_value *v)
{
    ig_free((char *)v->string);
    for (size_t i = 0; i < v->nlist; i++)
        ig_free((char *)v->list[i]);
    ig_free((void *)v->list);
    iamg_param_type t = v->type;
    memset(v, 0, sizeof *v);
    v->type = t;
}

int ig_param_value_copy(iamg_param_value *dst, const iamg_param_value *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = src->type;
    dst->boolean = src->boolean;
    dst->integer = src->integer;
    dst->number = src->number;
    if (src->string && !(dst->string = ig_strdup(src->string))) return -1;
    if (src->nlist) {
        const char **l = ig_calloc(src->nlist, sizeof *l);
        if (!l) goto oom;
        dst->list = l;
        for (size_t i = 0; i < src->nlist; i++) {
            if (!(l[i] = ig_strdup(src->list[i]))) goto oom;
            dst->nlist = i + 1;
        }
    }
    return 0;
oom:
    ig_param_value_free(dst);
    return -1;
}

void ig_params_free(iamg_rule_param *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ig_free((char *)p[i].name);
        ig_free((char *)p[i].description);
        ig_param_value_free(&p[i].default_value);
        ig_param_value_free(&p[i].value);
    }
    ig_free(p);
}

/* ---- reading declarations ---- */

static int failf(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failf(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > PARAM_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return 0;
    }
    return 1;
}

/* A copy of the text string at idx, checked; NULL with err set. */
static char *text_copy(lua_State *L, int idx, size_t max, const char *what, char *err, size_t cap)
{
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    if (n > max) {
        failf(err, cap, "%s is %zu bytes, more than %zu", what, n, max);
        return NULL;
    }
    if (!ig_utf8_valid(s, n) || strlen(s) != n) {
        failf(err, cap, "%s is not valid UTF-8 text", what);
        return NULL;
    }
    char *c = ig_strndup(s, n);
    if (!c) failf(err, cap, "out of memory");
    return c;
}

/* The value at idx (a default) into *v. */
static int read_value(lua_State *L, int idx, const char *name, iamg_param_value *v, char *err,
                      size_t cap)
{
    char what[PARAM_NAME_MAX + 64];
    memset(v, 0, sizeof *v);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        v->type = IAMG_PARAM_BOOLEAN;
        v->boolean = lua_toboolean(L, idx);
        return 0;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            v->type = IAMG_PARAM_INTEGER;
            v->integer = (long long)lua_tointeger(L, idx);
            v->number = (double)v->integer;
            return 0;
        }
        v->type = IAMG_PARAM_NUMBER;
        v->number = (double)lua_tonumber(L, idx);
        if (!isfinite(v->number))
            return failf(err, cap, "parameter '%s': the default must be a finite number", name);
        return 0;
    case LUA_TSTRING:
        v->type = IAMG_PARAM_STRING;
        snprintf(what, sizeof what, "the default of parameter '%s'", name);
        v->string = text_copy(L, idx, PARAM_STRING_MAX, what, err, cap);
        return v->string ? 0 : -1;
    case LUA_TTABLE:
        break;
    default:
        return failf(err, cap,
                     "parameter '%s': the default must be a boolean, number, string or list of "
                     "strings, not %s",
                     name, lua_typename(L, lua_type(L, idx)));
    }
    v->type = IAMG_PARAM_LIST;
    size_t n = (size_t)lua_rawlen(L, idx), fields = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        fields++;
    }
    if (fields != n)
        return failf(err, cap,
                     "parameter '%s': a table default must be a list of strings (keys 1..n), or "
                     "{ default = ..., description = \"...\" }",
                     name);
    if (n > PARAM_LIST_MAX)
        return failf(err, cap, "parameter '%s': more than %d items in the default", name,
                     PARAM_LIST_MAX);
    if (n == 0) return 0;
    const char **l = ig_calloc(n, sizeof *l);
    if (!l) return failf(err, cap, "out of memory");
    v->list = l;
    for (size_t i = 0; i < n; i++) {
        if (lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TSTRING) {
            lua_pop(L, 1);
            ig_param_value_free(v);
            return failf(err, cap, "parameter '%s': item %zu of the default is not a string", name,
                         i + 1);
        }
        snprintf(what, sizeof what, "item %zu of parameter '%s'", i + 1, name);
        l[i] = text_copy(L, -1, PARAM_STRING_MAX, what, err, cap);
        lua_pop(L, 1);
        if (!l[i]) {
            ig_param_value_free(v);
            return -1;
        }
        v->nlist = i + 1;
    }
    return 0;
}

/* One declaration: the value at idx for parameter `name` into *p. */
static int read_param(lua_State *L, int idx, const char *name, iamg_rule_param *p, char *err,
                      size_t cap)
{
    int decl = 0;
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_pushliteral(L, "default");
        decl = lua_rawget(L, idx) != LUA_TNIL;
        lua_pop(L, 1);
    }
    if (!decl) return read_value(L, idx, name, &p->default_value, err, cap);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        if (!k || (strcmp(k, "default") != 0 && strcmp(k, "description") != 0)) {
            lua_pop(L, 1);
            return failf(err, cap,
                         "parameter '%s': a declaration table holds only 'default' and "
                         "'description'",
                         name);
        }
    }
    lua_pushliteral(L, "description");
    int ty = lua_rawget(L, idx);
    if (ty != LUA_TNIL) {
        char what[PARAM_NAME_MAX + 40];
        snprintf(what, sizeof what, "the description of parameter '%s'", name);
        if (ty != LUA_TSTRING) {
            lua_pop(L, 1);
            return failf(err, cap, "%s must be a string", what);
        }
        p->description = text_copy(L, -1, 1024, what, err, cap);
        if (!p->description) {
            lua_pop(L, 1);
            return -1;
        }
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "default");
    lua_rawget(L, idx);
    int rc = read_value(L, lua_gettop(L), name, &p->default_value, err, cap);
    lua_pop(L, 1);
    return rc;
}

static int param_cmp(const void *a, const void *b)
{
    return strcmp(((const iamg_rule_param *)a)->name, ((const iamg_rule_param *)b)->name);
}

int ig_params_read(lua_State *L, int t, iamg_rule_param **out, size_t *n, char *err, size_t cap)
{
    *out = NULL;
    *n = 0;
    lua_pushliteral(L, "params");
    int ty = lua_rawget(L, t);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (ty != LUA_TTABLE) {
        lua_pop(L, 1);
        return failf(err, cap, "'params' must be a table of name = default");
    }
    int pt = lua_gettop(L);
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, pt)) {
        lua_pop(L, 1);
        if (++count > PARAMS_MAX) {
            lua_pop(L, 2);
            return failf(err, cap, "at most %d parameters", PARAMS_MAX);
        }
    }
    iamg_rule_param *p = count ? ig_calloc(count, sizeof *p) : NULL;
    if (count && !p) {
        lua_pop(L, 1);
        return failf(err, cap, "out of memory");
    }
    size_t k = 0;
    int rc = 0;
    lua_pushnil(L);
    while (lua_next(L, pt)) {
        size_t nl = 0;
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &nl) : NULL;
        if (!name || !valid_name(name, nl) || strlen(name) != nl) {
            rc = failf(err, cap,
                       "parameter names must be identifiers (letters, digits and _, at most %d "
                       "characters)",
                       PARAM_NAME_MAX);
        } else if (!(p[k].name = ig_strndup(name, nl))) {
            rc = failf(err, cap, "out of memory");
        } else {
            k++;
            rc = read_param(L, lua_gettop(L), p[k - 1].name, &p[k - 1], err, cap);
            if (!rc && ig_param_value_copy(&p[k - 1].value, &p[k - 1].default_value))
                rc = failf(err, cap, "out of memory");
        }
        lua_pop(L, 1);
        if (rc) {
            lua_pop(L, 2);
            ig_params_free(p, k);
            return -1;
        }
    }
    lua_pop(L, 1);
    if (k) qsort(p, k, sizeof *p, param_cmp);
    *out = p;
    *n = k;
    return 0;
}

/* ---- values for scans ---- */

void ig_params_push(lua_State *L, const iamg_rule_param *p, size_t n)
{
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
        const iamg_param_value *v = &p[i].value;
        switch (v->type) {
        case IAMG_PARAM_BOOLEAN:
            lua_pushboolean(L, v->boolean);
            break;
        case IAMG_PARAM_INTEGER:
            lua_pushinteger(L, (lua_Integer)v->integer);
            break;
        case IAMG_PARAM_NUMBER:
            lua_pushnumber(L, (lua_Number)v->number);
            break;
        case IAMG_PARAM_STRING:
            lua_pushstring(L, v->string ? v->string : "");
            break;
        case IAMG_PARAM_LIST:
            lua_createtable(L, (int)v->nlist, 0);
            for (size_t j = 0; j < v->nlist; j++) {
                lua_pushstring(L, v->list[j]);
                lua_rawseti(L, -2, (lua_Integer)j + 1);
            }
            break;
        }
        lua_setfield(L, -2, p[i].name);
    }
}

void ig_params_push_cached(lua_State *L, int *ref, const iamg_rule_param *p, size_t n)
{
    if (ref && *ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, *ref);
        return;
    }
    ig_params_push(L, p, n);
    ig_sandbox_push_frozen(L, -1, "params");
    lua_remove(L, -2);
    if (ref) {
        lua_pushvalue(L, -1);
        *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
}

void ig_param_value_text(const iamg_param_value *v, char *out, size_t cap)
{
    buf b = BUF_INIT;
    switch (v->type) {
    case IAMG_PARAM_BOOLEAN:
        ig_buf_puts(&b, v->boolean ? "true" : "false");
        break;
    case IAMG_PARAM_INTEGER:
        ig_buf_printf(&b, "%lld", v->integer);
        break;
    case IAMG_PARAM_NUMBER:
        ig_buf_printf(&b, "%.17g", v->number);
        break;
    case IAMG_PARAM_STRING:
        ig_buf_printf(&b, "\"%s\"", v->string ? v->string : "");
        break;
    case IAMG_PARAM_LIST:
        ig_buf_putc(&b, '[');
        for (size_t i = 0; i < v->nlist; i++)
            ig_buf_printf(&b, "%s\"%s\"", i ? ", " : "", v->list[i]);
        ig_buf_putc(&b, ']');
        break;
    }
    char *s = ig_buf_detach(&b);
    snprintf(out, cap, "%s", s ? s : "?");
    ig_free(s);
}

static iamg_rule_param *find_param(iamg_engine *e, const char *id, const char *name,
                                   iamg_error *err)
{
    const iamg_rule_info *ri = iamg_engine_find_rule(e, id);
    if (!ri) {
        ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "unknown rule id '%s' (see 'iamguard rules')", id);
        return NULL;
    }
    for (size_t i = 0; i < ri->nparams; i++)
        if (strcmp(ri->params[i].name, name) == 0) return (iamg_rule_param *)&ri->params[i];
    buf b = BUF_INIT;
    for (size_t i = 0; i < ri->nparams; i++)
        ig_buf_printf(&b, "%s%s", i ? ", " : "", ri->params[i].name);
    char *list = ig_buf_detach(&b);
    if (ri->nparams)
        ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "rule %s has no parameter '%s' (it has: %s)", id,
                     name, list ? list : "?");
    else
        ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "rule %s has no parameter '%s' (it has none)", id,
                     name);
    ig_free(list);
    return NULL;
}

static const char *type_phrase(iamg_param_type t)
{
    switch (t) {
    case IAMG_PARAM_BOOLEAN:
        return "a boolean (true or false)";
    case IAMG_PARAM_INTEGER:
        return "a whole number";
    case IAMG_PARAM_NUMBER:
        return "a number";
    case IAMG_PARAM_STRING:
        return "a string";
    case IAMG_PARAM_LIST:
        return "a list of strings";
    }
    return "a value";
}

int iamg_engine_set_param(iamg_engine *e, const char *id, const char *name,
                          const iamg_param_value *value, iamg_error *err)
{
    iamg_rule_param *p = find_param(e, id, name, err);
    if (!p) return IAMG_EUSAGE;
    iamg_param_type want = p->default_value.type;
    iamg_param_value v = *value;
    if (want == IAMG_PARAM_NUMBER && v.type == IAMG_PARAM_INTEGER) {
        v.type = IAMG_PARAM_NUMBER;
        v.number = (double)v.integer;
    }
    if (v.type != want)
        return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                            "parameter '%s' of rule %s must be %s, not %s", name, id,
                            type_phrase(want), type_phrase(v.type));
    if (v.type == IAMG_PARAM_STRING && !v.string) v.string = "";
    iamg_param_value copy;
    if (ig_param_value_copy(&copy, &v))
        return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory");
    ig_param_value_free(&p->value);
    p->value = copy;
    return 0;
}

int iamg_engine_set_param_text(iamg_engine *e, const char *id, const char *name, const char *text,
                               iamg_error *err)
{
    iamg_rule_param *p = find_param(e, id, name, err);
    if (!p) return IAMG_EUSAGE;
    iamg_param_value v;
    memset(&v, 0, sizeof v);
    v.type = p->default_value.type;
    char *end = NULL;
    int rc;
    switch (v.type) {
    case IAMG_PARAM_BOOLEAN:
        if (strcmp(text, "true") && strcmp(text, "false")) break;
        v.boolean = strcmp(text, "true") == 0;
        return iamg_engine_set_param(e, id, name, &v, err);
    case IAMG_PARAM_INTEGER:
        errno = 0;
        v.integer = strtoll(text, &end, 10);
        if (errno || end == text || *end) break;
        return iamg_engine_set_param(e, id, name, &v, err);
    case IAMG_PARAM_NUMBER:
        errno = 0;
        v.number = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(v.number)) break;
        return iamg_engine_set_param(e, id, name, &v, err);
    case IAMG_PARAM_STRING:
        v.string = text;
        return iamg_engine_set_param(e, id, name, &v, err);
    case IAMG_PARAM_LIST: {
        size_t n = *text ? 1 : 0;
        for (const char *s = text; *s; s++)
            n += *s == ',';
        char *copy = ig_strdup(text);
        const char **items = ig_calloc(n ? n : 1, sizeof *items);
        if (!copy || !items) {
            ig_free(copy);
            ig_free((void *)items);
            return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory");
        }
        size_t k = 0;
        for (char *s = copy; n && s;) {
            char *comma = strchr(s, ',');
            if (comma) *comma = '\0';
            items[k++] = s;
            s = comma ? comma + 1 : NULL;
        }
        v.list = items;
        v.nlist = k;
        rc = iamg_engine_set_param(e, id, name, &v, err);
        ig_free((void *)items);
        ig_free(copy);
        return rc;
    }
    }
    return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                        "parameter '%s' of rule %s must be %s, not '%s'", name, id,
                        type_phrase(v.type), text);
}
