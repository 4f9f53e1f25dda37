#include "rules/lua_catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "catalog/actset.h"
#include "catalog/catalog.h"
#include "util/alloc.h"
#include "iamguard/match.h"
#include "rules/lua_args.h"

const iamg_catalog *ig_lc_catalog(lua_State *L)
{
    const iamg_catalog *c = ig_catalog();
    if (!c) luaL_error(L, "out of memory loading the IAM catalogue");
    return c;
}

static void check_rc(lua_State *L, int rc)
{
    if (rc < 0) luaL_error(L, "out of memory");
}

int ig_lc_expand(lua_State *L)
{
    const char *pattern = ig_lua_checkstring(L, ".expand", 1, NULL);
    const iamg_catalog *c = ig_lc_catalog(L);
    ig_idlist l;
    check_rc(L, ig_catalog_expand_ids(c, pattern, &l));
    /* Copy before building the table: building may raise an error. */
    uint32_t *ids = lua_newuserdatauv(L, (l.n ? l.n : 1) * sizeof *ids, 0);
    if (l.n) memcpy(ids, l.ids, l.n * sizeof *ids);
    uint32_t n = l.n;
    ig_idlist_release(&l);
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n; i++) {
        lua_pushstring(L, iamg_catalog_action_full_name(ig_catalog_action_by_id(c, ids[i])));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

int ig_lc_matches(lua_State *L)
{
    const char *pattern = ig_lua_checkstring(L, ".matches", 1, NULL);
    const iamg_catalog *c = ig_lc_catalog(L);
    ig_idlist l;
    check_rc(L, ig_catalog_expand_ids(c, pattern, &l));
    lua_pushinteger(L, (lua_Integer)l.n);
    ig_idlist_release(&l);
    return 1;
}

int ig_lc_action_check(lua_State *L)
{
    static const char *const names[] = {NULL, "whitespace", "format", "service", "unknown"};
    const char *pattern = ig_lua_checkstring(L, ".action_check", 1, NULL);
    int oom;
    ig_pattern_problem pr = ig_catalog_check_pattern(ig_lc_catalog(L), pattern, &oom);
    if (oom) return luaL_error(L, "out of memory");
    if (pr == IG_PATTERN_OK)
        lua_pushnil(L);
    else
        lua_pushstring(L, names[pr]);
    return 1;
}

static void push_key_list(lua_State *L, const iamg_catalog_action *a, size_t rt, size_t n)
{
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_pushstring(L, rt == (size_t)-1 ? iamg_catalog_action_key(a, k)
                                           : iamg_catalog_action_resource_key(a, rt, k));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
}

int ig_lc_action(lua_State *L)
{
    const char *name = ig_lua_checkstring(L, ".action", 1, NULL);
    const iamg_catalog_action *a = iamg_catalog_action_find(ig_lc_catalog(L), name);
    if (!a) return lua_pushnil(L), 1;
    lua_createtable(L, 0, 5);
    lua_pushstring(L, iamg_catalog_action_service(a));
    lua_setfield(L, -2, "service");
    lua_pushstring(L, iamg_catalog_action_name(a));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, iamg_access_level_name(iamg_catalog_action_access_level(a)));
    lua_setfield(L, -2, "access_level");
    size_t nr = iamg_catalog_action_resource_count(a);
    lua_createtable(L, (int)nr, 0);
    for (size_t i = 0; i < nr; i++) {
        iamg_catalog_resource r;
        iamg_catalog_action_resource(a, i, &r);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, r.name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, r.arn);
        lua_setfield(L, -2, "arn");
        push_key_list(L, a, i, r.nkeys);
        lua_setfield(L, -2, "condition_keys");
        lua_pushboolean(L, r.required);
        lua_setfield(L, -2, "required");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "resource_types");
    push_key_list(L, a, (size_t)-1, iamg_catalog_action_key_count(a));
    lua_setfield(L, -2, "condition_keys");
    return 1;
}

int ig_lc_condition_key(lua_State *L)
{
    const char *t = iamg_catalog_condition_key_type(
        ig_lc_catalog(L), ig_lua_checkstring(L, ".condition_key", 1, NULL));
    if (t)
        lua_pushstring(L, t);
    else
        lua_pushnil(L);
    return 1;
}

int ig_lc_service(lua_State *L)
{
    const char *prefix = ig_lua_checkstring(L, ".service", 1, NULL);
    const iamg_catalog *c = ig_lc_catalog(L);
    const char *name = iamg_catalog_service_name(c, prefix);
    if (!name) return lua_pushnil(L), 1;
    lua_createtable(L, 0, 2);
    /* The prefix as the catalogue writes it: lower case. */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *p = prefix; *p; p++)
        luaL_addchar(&b, (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
    luaL_pushresult(&b);
    lua_setfield(L, -2, "prefix");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    return 1;
}

int ig_lc_suggest(lua_State *L)
{
    const char *text = ig_lua_checkstring(L, ".suggest", 1, NULL);
    char out[256];
    if (ig_catalog_suggest(ig_lc_catalog(L), text, 0, out, sizeof out))
        lua_pushstring(L, out);
    else
        lua_pushnil(L);
    return 1;
}

/* ---- statements ---- */

void ig_lc_granted_into(lua_State *L, const ig_lc_stmt *s, uint64_t *bits)
{
    check_rc(L, ig_catalog_granted_bits(ig_lc_catalog(L), s->pats, s->n, s->negated, bits));
}

uint64_t *ig_lc_push_granted(lua_State *L, const ig_lc_stmt *s)
{
    const iamg_catalog *c = ig_lc_catalog(L);
    uint64_t *bits = lua_newuserdatauv(L, ig_catalog_words(c) * sizeof *bits, 0);
    ig_lc_granted_into(L, s, bits);
    return bits;
}

int ig_lc_grants(lua_State *L, const ig_lc_stmt *s, const char *query, size_t *which)
{
    int rc = iamg_catalog_grants(ig_lc_catalog(L), s->pats, s->n, s->negated, query, which);
    check_rc(L, rc);
    return rc;
}

/* Address used as the registry key of the names table. */
static const char names_key = 0;

/*
 * Push the list of every action name (id + 1 -> "service:Action"), made
 * once per Lua state: a statement granting thousands of actions then costs
 * one array read per action instead of hashing each name again.
 */
static void push_all_names(lua_State *L, const iamg_catalog *c)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &names_key) == LUA_TTABLE) return;
    lua_pop(L, 1);
    uint32_t n = ig_catalog_naction(c);
    lua_createtable(L, (int)n, 0);
    for (uint32_t id = 0; id < n; id++) {
        lua_pushstring(L, iamg_catalog_action_full_name(ig_catalog_action_by_id(c, id)));
        lua_rawseti(L, -2, (lua_Integer)id + 1);
    }
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &names_key);
}

void ig_lc_push_names(lua_State *L, const uint64_t *bits)
{
    const iamg_catalog *c = ig_lc_catalog(L);
    size_t words = ig_catalog_words(c), n = 0;
    for (size_t w = 0; w < words; w++)
        n += (size_t)__builtin_popcountll(bits[w]);
    /* Few names: pushing them is cheaper than the table of all. */
    int all = n > 64;
    if (all) push_all_names(L, c);
    lua_createtable(L, (int)n, 0);
    lua_Integer k = 0;
    for (size_t w = 0; w < words; w++) {
        for (uint64_t m = bits[w]; m; m &= m - 1) {
            uint32_t id = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m));
            if (all)
                lua_rawgeti(L, -2, (lua_Integer)id + 1);
            else
                lua_pushstring(L, iamg_catalog_action_full_name(ig_catalog_action_by_id(c, id)));
            lua_rawseti(L, -2, ++k);
        }
    }
    if (all) lua_remove(L, -2);
}

int ig_lc_grants_access_level(lua_State *L, const uint64_t *bits, int arg, const char *fn)
{
    const char *name = ig_lua_checkstring(L, fn, arg, NULL);
    iamg_access_level level = iamg_access_level_parse(name);
    if (!level)
        return ig_lua_argerror(L, fn, arg,
                               "access level must be \"List\", \"Read\", \"Write\", "
                               "\"Permissions management\" or \"Tagging\"");
    const iamg_catalog *c = ig_lc_catalog(L);
    uint32_t id = ig_catalog_first_with_level(c, bits, level);
    if (id == UINT32_MAX) return lua_pushboolean(L, 0), 1;
    lua_pushboolean(L, 1);
    lua_pushstring(L, iamg_catalog_action_full_name(ig_catalog_action_by_id(c, id)));
    return 2;
}

int ig_lc_supports_key(lua_State *L, const uint64_t *bits, const char *key)
{
    const iamg_catalog *c = ig_lc_catalog(L);
    if (iamg_catalog_condition_key_is_global(c, key)) return 1;
    int rc = ig_catalog_bits_support_key(c, bits, key);
    check_rc(L, rc);
    return rc;
}

/* The service segment of an ARN (the third), with ':' inside a policy
 * variable ("arn:${AWS::Partition}:s3:::b") not counted; 0 when not an ARN. */
static int arn_service(const char *arn, const char **svc, size_t *len)
{
    if (strncmp(arn, "arn:", 4) != 0) return 0;
    const char *p = arn + 4;
    /* Skip the partition. */
    while (*p && *p != ':') {
        const char *close = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
        p = close ? close + 1 : p + 1;
    }
    if (*p != ':') return 0;
    p++;
    const char *e = strchr(p, ':');
    if (!e) return 0;
    *svc = p;
    *len = (size_t)(e - p);
    return 1;
}

int ig_lc_supports_resource(lua_State *L, const uint64_t *bits, const char *arn)
{
    const char *svc;
    size_t n;
    if (!arn_service(arn, &svc, &n) || n == 0) return 1;
    for (size_t i = 0; i < n; i++)
        if (svc[i] == '*' || svc[i] == '?' || svc[i] == '$' || svc[i] == '{' || svc[i] == '}')
            return 1;
    return ig_catalog_bits_support_service(ig_lc_catalog(L), bits, svc, n);
}

/* ---- action sets: iam.action_set, st:grants_any, policy:granting ---- */

static int alloc_set(lua_State *L)
{
    lua_newuserdatauv(L, (size_t)lua_tointeger(L, 1), 0);
    return 1;
}

/* Build the set in C memory, then copy it into a userdata (the block holds
 * no pointer into itself): the Lua state owns what rules keep. */
int ig_lc_action_set(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TTABLE) ig_lua_typeerror(L, ".action_set", 1, "list of actions");
    const iamg_catalog *c = ig_lc_catalog(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (n == 0) return ig_lua_argerror(L, ".action_set", 1, "a non-empty list of actions");
    const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TSTRING)
            return ig_lua_argerror(L, ".action_set", 1, "item %d is not a string", (int)i);
        names[i - 1] = lua_tostring(L, -1); /* kept alive by the list */
        lua_pop(L, 1);
    }
    ig_actset *built;
    size_t size, bad = 0;
    int rc = ig_actset_build(c, names, (size_t)n, &built, &size, &bad);
    if (rc == IAMG_EINVALID)
        return ig_lua_argerror(L, ".action_set", 1,
                               "'%s' (item %d) names no action of the IAM catalogue", names[bad],
                               (int)bad + 1);
    check_rc(L, rc);
    /* Allocating may raise (memory limit): under a protected call, so that
     * `built` is freed first. */
    lua_pushcfunction(L, alloc_set);
    lua_pushinteger(L, (lua_Integer)size);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        ig_free(built);
        return lua_error(L);
    }
    memcpy(lua_touserdata(L, -1), built, size);
    ig_free(built);
    luaL_setmetatable(L, IG_LC_MT_SET);
    return 1;
}

ig_lc_set *ig_lc_check_set(lua_State *L, int idx, const char *fn)
{
    ig_lc_set *s = luaL_testudata(L, idx, IG_LC_MT_SET);
    if (!s) ig_lua_typeerror(L, fn, idx, "action set (iam.action_set)");
    return s;
}

int ig_lc_set_has_service(const ig_lc_set *s, const char *svc, size_t n)
{
    return ig_actset_has_service(s, svc, n);
}

uint32_t ig_lc_first_granted(lua_State *L, const ig_lc_stmt *st, const ig_lc_set *s, size_t *which)
{
    (void)L;
    uint32_t r = ig_actset_first(s, st->pats, st->n, st->negated, which);
    return r == UINT32_MAX ? UINT32_MAX : ig_actset_id(s, r);
}

const char *ig_lc_action_name(lua_State *L, uint32_t id)
{
    return iamg_catalog_action_full_name(ig_catalog_action_by_id(ig_lc_catalog(L), id));
}

static int set_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ig_lc_check_set(L, 1, "#set")->n);
    return 1;
}

/* set.actions: the names, in list order (a new table). */
static int set_index(lua_State *L)
{
    const ig_lc_set *s = ig_lc_check_set(L, 1, "set.actions");
    const char *k = lua_tostring(L, 2);
    if (!k || strcmp(k, "actions") != 0) return 0;
    lua_createtable(L, (int)s->n, 0);
    for (uint32_t r = 0; r < s->n; r++) {
        lua_pushstring(L, ig_actset_name(s, r));
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

static int set_newindex(lua_State *L)
{
    return luaL_error(L, "an action set is read-only");
}

void ig_lc_install_set(lua_State *L)
{
    static const luaL_Reg mt[] = {
        {"__len", set_len}, {"__index", set_index}, {"__newindex", set_newindex}, {NULL, NULL}};
    luaL_newmetatable(L, IG_LC_MT_SET);
    luaL_setfuncs(L, mt, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

int ig_lc_arn_service(const char *arn, const char **svc, size_t *len)
{
    return arn_service(arn, svc, len);
}
