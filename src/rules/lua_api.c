#include "rules/lua_api.h"

#include <string.h>

#include <lauxlib.h>

#include "iamguard/error.h"
#include "iamguard/match.h"
#include "match/condop.h"
#include "match/glob.h"
#include "match/reach.h"
#include "model/query.h"
#include "catalog/catalog.h"
#include "rules/lua_args.h"
#include "rules/lua_catalog.h"
#include "rules/lua_tables.h"
#include "rules/principal_api.h"
#include "rules/params.h"
#include "rules/sandbox.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/utf8.h"

#define MT_POLICY "iamguard.policy"
#define MT_STMT "iamguard.statement"

/* Address used as the registry key of the check context. */
static const char ctx_key = 0;

typedef struct lview {
    const pdoc *doc;
    uint64_t generation;
    uint32_t index; /* statement index (statement views) */
} lview;

void ig_rfind_list_free(rfind_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ig_free(l->v[i].message);
    ig_free(l->v);
    memset(l, 0, sizeof *l);
}

static check_ctx *get_ctx(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
    check_ctx *ctx = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return ctx;
}

/* The view at idx, an argument of the API function fn (lua_args.h). */
static lview *check_view(lua_State *L, int idx, const char *mt, const char *what, const char *fn)
{
    check_ctx *ctx = get_ctx(L);
    lview *v = luaL_testudata(L, idx, mt);
    if (!v) ig_lua_typeerror(L, fn, idx, what);
    /* Every call has its own generation; check_principal() sees several
     * documents in one call. */
    if (v->generation != ctx->generation)
        luaL_error(L,
                   "this %s belongs to an earlier check() call; views are valid only during the "
                   "call that received them",
                   what);
    return v;
}

/* A Sid or the pattern that granted: display text (ig_lt_push_display). */
static void push_node_text(lua_State *L, const tnode *n)
{
    ig_lt_push_display(L, n->u.s, n->n);
}

static void push_conditions(lua_State *L, const pstmt *st, const char *key_glob, size_t glen)
{
    lua_createtable(L, (int)st->nconds, 0);
    int k = 0;
    for (uint32_t i = 0; i < st->nconds; i++) {
        const tnode *key = &st->conds[i].key_member->key;
        if (key_glob && !ig_glob_action_match(key_glob, glen, key->u.s, key->n)) continue;
        ig_lt_push_condition(L, &st->conds[i], i);
        lua_rawseti(L, -2, ++k);
    }
}

/* ---- statement methods ---- */

static const pstmt *stmt_arg(lua_State *L, int idx, const char *fn)
{
    lview *v = check_view(L, idx, MT_STMT, "statement", fn);
    return &v->doc->stmts[v->index];
}

/* The patterns of Action or NotAction (e, NULL when not written) as a C
 * array, in a userdata left on the stack (the strings live in the
 * document). No Action at all grants nothing: an empty, not negated list.
 * A pattern holding a NUL byte names no catalogue action, so it is left
 * out: it neither grants nor excludes one. */
static ig_lc_stmt stmt_patterns(lua_State *L, const pelem *e)
{
    ig_lc_stmt s = {NULL, 0, 0};
    uint32_t n = e ? e->n : 0, k = 0;
    const char **v = lua_newuserdatauv(L, (n ? n : 1) * sizeof *v, 0);
    if (!e) return s;
    for (uint32_t i = 0; i < n; i++)
        if (!memchr(e->v[i]->u.s, '\0', e->v[i]->n)) v[k++] = e->v[i]->u.s;
    s.pats = v;
    s.n = k;
    s.negated = e->negated;
    return s;
}

static int st_grants(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:grants");
    const char *action = ig_lua_checkstring(L, "st:grants", 2, NULL);
    uint32_t which = QUERY_NONE;
    int yes;
    if (!strpbrk(action, "*?")) {
        yes = ig_query_grants(st, action, &which);
    } else {
        /* A glob: does the statement grant some catalogue action it matches?
         * Action first, then NotAction: either reading of a statement with
         * both. */
        const pelem *e = ig_query_elem(st, "Action");
        ig_lc_stmt s = stmt_patterns(L, e);
        size_t w;
        yes = ig_lc_grants(L, &s, action, &w);
        if (yes && w != (size_t)-1) {
            /* w counts the patterns kept: find the item it stands for. */
            for (uint32_t i = 0, k = 0; i < e->n; i++) {
                if (memchr(e->v[i]->u.s, '\0', e->v[i]->n)) continue;
                if (k++ == w) which = i;
            }
        }
        if (!yes) {
            ig_lc_stmt ns = stmt_patterns(L, ig_query_elem(st, "NotAction"));
            if (ns.pats) yes = ig_lc_grants(L, &ns, action, &w);
        }
    }
    lua_pushboolean(L, yes);
    if (yes && which != QUERY_NONE) {
        push_node_text(L, ig_query_elem(st, "Action")->v[which]);
        lua_pushinteger(L, (lua_Integer)which + 1);
        return 3;
    }
    return 1;
}

/* Push what st:grants_any and policy:granting give for statement st and
 * set s: the action's name, "Action" or "NotAction", the item's index and
 * text (Action only). 0 when st grants nothing of s (nothing pushed), else
 * the number of values pushed. */
static int push_grant(lua_State *L, const pstmt *st, const ig_lc_set *s)
{
    int top = lua_gettop(L);
    /* As st:grants reads a statement: Action first, then NotAction. */
    const pelem *e = ig_query_elem(st, "Action");
    ig_lc_stmt a = stmt_patterns(L, e);
    size_t w;
    uint32_t id = ig_lc_first_granted(L, &a, s, &w);
    uint32_t which = QUERY_NONE;
    if (id != UINT32_MAX && w != (size_t)-1) {
        /* w counts the patterns kept: find the item it stands for. */
        for (uint32_t i = 0, k = 0; i < e->n; i++) {
            if (memchr(e->v[i]->u.s, '\0', e->v[i]->n)) continue;
            if (k++ == w) which = i;
        }
    }
    if (id == UINT32_MAX) {
        ig_lc_stmt ns = stmt_patterns(L, ig_query_elem(st, "NotAction"));
        if (ns.pats) id = ig_lc_first_granted(L, &ns, s, &w);
    }
    lua_settop(L, top);
    if (id == UINT32_MAX) return 0;
    lua_pushstring(L, ig_lc_action_name(L, id));
    if (which == QUERY_NONE) {
        lua_pushliteral(L, "NotAction");
        return 2;
    }
    lua_pushliteral(L, "Action");
    lua_pushinteger(L, (lua_Integer)which + 1);
    push_node_text(L, e->v[which]);
    return 4;
}

static int st_grants_any(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:grants_any");
    const ig_lc_set *s = ig_lc_check_set(L, 2, "st:grants_any");
    int n = push_grant(L, st, s);
    if (n == 0) lua_pushnil(L);
    return n ? n : 1;
}

/* Probe templates from a string or a list of strings at idx. */
static size_t probe_args(lua_State *L, int idx, const char **out, size_t cap, const char *fn)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        out[0] = lua_tostring(L, idx);
        return 1;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        ig_lua_typeerror(L, fn, idx, "probe ARN or list of probe ARNs");
    size_t n = 0;
    for (lua_Integer i = 1;; i++) {
        int t = lua_rawgeti(L, idx, i);
        lua_pop(L, 1);
        if (t == LUA_TNIL) break;
        if (t != LUA_TSTRING) ig_lua_argerror(L, fn, idx, "probe %d is not a string", (int)i);
        if (n == cap) ig_lua_argerror(L, fn, idx, "at most %d probes", (int)cap);
        lua_rawgeti(L, idx, i);
        out[n++] = lua_tostring(L, -1);
        lua_pop(L, 1); /* the string stays referenced by the table */
    }
    if (n == 0) ig_lua_argerror(L, fn, idx, "no probe ARN given");
    return n;
}

static int st_reaches(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:reaches");
    const char *probes[16];
    size_t n = probe_args(L, 2, probes, 16, "st:reaches");
    uint32_t which;
    int yes = ig_query_reaches(st, probes, n, &which);
    if (yes < 0) return luaL_error(L, "out of memory");
    lua_pushboolean(L, yes);
    if (yes && which != QUERY_NONE) {
        push_node_text(L, ig_query_elem(st, "Resource")->v[which]);
        lua_pushinteger(L, (lua_Integer)which + 1);
        return 3;
    }
    return 1;
}

/* Statements of the current document from a list at idx (nil: none). The
 * views are checked like any other: another call's are refused. */
static size_t deny_args(lua_State *L, int idx, const pstmt ***out, const char *fn)
{
    *out = NULL;
    if (lua_isnoneornil(L, idx)) return 0;
    if (lua_type(L, idx) != LUA_TTABLE) ig_lua_typeerror(L, fn, idx, "list of statements");
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n > (lua_Integer)UINT32_MAX) ig_lua_argerror(L, fn, idx, "too many statements");
    /* Userdata, so a Lua error on a bad item cannot leak the array. */
    const pstmt **v = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *v, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        if (!luaL_testudata(L, -1, MT_STMT))
            ig_lua_argerror(L, fn, idx, "item %d is not a statement", (int)i);
        v[i - 1] = stmt_arg(L, lua_gettop(L), fn);
        lua_pop(L, 1);
    }
    *out = v;
    return (size_t)n;
}

static int push_witness_step(lua_State *L)
{
    const buf *w = lua_touserdata(L, 1);
    ig_lt_push_display(L, w->data ? w->data : "", w->len);
    return 1;
}

/* st:reaches_uncovered(templates, denies): docs/RULES.md. */
static int st_reaches_uncovered(lua_State *L)
{
    ig_sandbox_check(L);
    check_ctx *ctx = get_ctx(L);
    lview *view = check_view(L, 1, MT_STMT, "statement", "st:reaches_uncovered");
    const pstmt *st = &view->doc->stmts[view->index];
    const char *tmpl[16];
    size_t nt = probe_args(L, 2, tmpl, 16, "st:reaches_uncovered");
    reach_str templates[16];
    for (size_t i = 0; i < nt; i++) {
        templates[i].s = tmpl[i];
        templates[i].n = strlen(tmpl[i]);
    }
    const pstmt **denies;
    size_t nd = deny_args(L, 3, &denies, "st:reaches_uncovered");
    luaL_checkstack(L, 6, "reaches_uncovered");
    query_reach qr;
    buf w = BUF_INIT;
    int rc = ig_query_reaches_uncovered(st, templates, nt, denies, nd, ctx->lim->max_reach_configs,
                                        &qr, &w);
    /* The example moves into a Lua string in a protected call, so that a
     * refused Lua allocation cannot leak the buffer. */
    int pushed = rc == 1 && !w.oom;
    if (pushed) {
        lua_pushcfunction(L, push_witness_step);
        lua_pushlightuserdata(L, &w);
        pushed = lua_pcall(L, 1, 1, 0) == LUA_OK ? 1 : -1;
    }
    int oom = rc == IAMG_ENOMEM || (rc == 1 && w.oom);
    ig_buf_free(&w);
    if (pushed < 0) return lua_error(L);
    if (oom) return luaL_error(L, "out of memory");
    if (rc == IAMG_ELIMIT) {
        /* Fail safe: the statement counts as reaching, and the report says
         * the analysis was cut short. */
        if (ctx->reach_capped++ == 0) {
            ctx->reach_capped_doc = view->doc;
            ctx->reach_capped_stmt = st->index;
        }
        lua_pushboolean(L, 1);
        return 1;
    }
    if (rc != 1) {
        lua_pushboolean(L, 0);
        return 1;
    }
    /* The example is on the stack: put the other results before it. */
    lua_pushboolean(L, 1);
    if (qr.which != QUERY_NONE) {
        push_node_text(L, ig_query_elem(st, "Resource")->v[qr.which]);
        lua_pushinteger(L, (lua_Integer)qr.which + 1);
    } else {
        lua_pushnil(L);
        lua_pushnil(L);
    }
    lua_rotate(L, -4, -1);
    return 4;
}

static int st_conditions_on(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:conditions_on");
    size_t glen;
    const char *glob = ig_lua_checkstring(L, "st:conditions_on", 2, &glen);
    push_conditions(L, st, glob, glen);
    return 1;
}

static int st_has(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:has");
    const char *el = ig_lua_checkstring(L, "st:has", 2, NULL);
    const tmember *m = NULL;
    if (strcmp(el, "Action") == 0 || strcmp(el, "NotAction") == 0 || strcmp(el, "Resource") == 0 ||
        strcmp(el, "NotResource") == 0)
        return lua_pushboolean(L, ig_query_elem(st, el) != NULL), 1;
    else if (strcmp(el, "Principal") == 0 || strcmp(el, "NotPrincipal") == 0)
        m = st->principal_member;
    else if (strcmp(el, "Condition") == 0)
        m = st->condition_member;
    else if (strcmp(el, "Effect") == 0)
        m = st->effect_member;
    else if (strcmp(el, "Sid") == 0)
        return lua_pushboolean(L, st->sid_node != NULL), 1;
    else
        return ig_lua_argerror(L, "st:has", 2, "unknown element '%s'", el);
    /* Principal and NotPrincipal share one slot: answer for the one written. */
    lua_pushboolean(L, m && strcmp(m->key.u.s, el) == 0);
    return 1;
}

/* ---- statement queries on the IAM catalogue ---- */

static int cached(lua_State *L, const char *key);
static void cache(lua_State *L, const char *key);

/* Address used as the registry key of the granted-actions scratch. */
static const char granted_key = 0;

/* The bitset of the last statement asked about, one per Lua state: a rule
 * asks several questions of one statement, then moves on, and a bitset per
 * statement would cost a large document more than the memory limit. */
typedef struct granted_scratch {
    const pstmt *st; /* NULL while being computed */
    uint64_t generation;
    uint64_t bits[];
} granted_scratch;

static const uint64_t *stmt_granted(lua_State *L, const pstmt *st)
{
    check_ctx *ctx = get_ctx(L);
    granted_scratch *gs;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &granted_key) == LUA_TUSERDATA) {
        gs = lua_touserdata(L, -1);
    } else {
        lua_pop(L, 1);
        size_t words = ig_catalog_words(ig_lc_catalog(L));
        gs = lua_newuserdatauv(L, sizeof *gs + words * sizeof gs->bits[0], 0);
        gs->st = NULL;
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &granted_key);
    }
    lua_pop(L, 1); /* the registry keeps it */
    if (gs->st != st || gs->generation != ctx->generation) {
        gs->st = NULL;
        ig_lc_stmt s = stmt_patterns(L, st->action.member ? &st->action : NULL);
        ig_lc_granted_into(L, &s, gs->bits);
        lua_pop(L, 1);
        if (st->action_twin.member) {
            /* Either reading of a statement with both Action and NotAction. */
            ig_lc_stmt t = stmt_patterns(L, &st->action_twin);
            const uint64_t *more = ig_lc_push_granted(L, &t);
            size_t words = ig_catalog_words(ig_lc_catalog(L));
            for (size_t i = 0; i < words; i++)
                gs->bits[i] |= more[i];
            lua_pop(L, 2);
        }
        gs->st = st;
        gs->generation = ctx->generation;
    }
    return gs->bits;
}

static int st_granted_actions(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:granted_actions");
    if (cached(L, "\1granted_actions")) return 1;
    ig_lc_push_names(L, stmt_granted(L, st));
    cache(L, "\1granted_actions");
    return 1;
}

static int st_grants_access_level(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:grants_access_level");
    ig_lua_checkstring(L, "st:grants_access_level", 2, NULL);
    const uint64_t *bits = stmt_granted(L, st);
    return ig_lc_grants_access_level(L, bits, 2, "st:grants_access_level");
}

static int st_supports_condition_key(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:supports_condition_key");
    const char *key = ig_lua_checkstring(L, "st:supports_condition_key", 2, NULL);
    lua_pushboolean(L, ig_lc_supports_key(L, stmt_granted(L, st), key));
    return 1;
}

static int st_supports_resource(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:supports_resource");
    const char *arn = ig_lua_checkstring(L, "st:supports_resource", 2, NULL);
    lua_pushboolean(L, ig_lc_supports_resource(L, stmt_granted(L, st), arn));
    return 1;
}

/* Start the result list of a validation helper on first use (nil until then). */
static void add_problem(lua_State *L, int *n)
{
    if (*n == 0) {
        lua_pop(L, 1); /* the nil */
        lua_newtable(L);
    }
    lua_createtable(L, 0, 4);
}

static void end_problem(lua_State *L, int *n)
{
    lua_rawseti(L, -2, ++*n);
}

static int st_check_actions(lua_State *L)
{
    static const char *const names[] = {NULL, "whitespace", "format", "service", "unknown"};
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:check_actions");
    const iamg_catalog *c = ig_lc_catalog(L);
    lua_pushnil(L);
    int n = 0;
    for (uint32_t i = 0; i < st->action.n && st->action.member; i++) {
        int oom = 0;
        const tnode *node = st->action.v[i];
        const char *item = node->u.s;
        /* A NUL inside the name (JSON's \u0000) makes it no action name at all. */
        ig_pattern_problem pr = memchr(item, '\0', node->n)
                                    ? IG_PATTERN_FORMAT
                                    : ig_catalog_check_pattern(c, item, &oom);
        if (oom) return luaL_error(L, "out of memory");
        if (pr == IG_PATTERN_OK) continue;
        add_problem(L, &n);
        lua_pushinteger(L, (lua_Integer)i + 1);
        lua_setfield(L, -2, "index");
        lua_pushlstring(L, item, node->n);
        lua_setfield(L, -2, "item");
        lua_pushstring(L, names[pr]);
        lua_setfield(L, -2, "problem");
        end_problem(L, &n);
    }
    return 1;
}

static int st_unsupported_condition_keys(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:unsupported_condition_keys");
    lua_pushnil(L);
    if (st->nconds == 0) return 1;
    const uint64_t *bits = stmt_granted(L, st);
    const iamg_catalog *c = ig_lc_catalog(L);
    int n = 0;
    for (uint32_t i = 0; i < st->nconds; i++) {
        const char *key = st->conds[i].key;
        if (ig_lc_supports_key(L, bits, key)) continue;
        add_problem(L, &n);
        lua_pushinteger(L, (lua_Integer)i + 1);
        lua_setfield(L, -2, "index");
        lua_pushstring(L, key);
        lua_setfield(L, -2, "key");
        lua_pushboolean(L, iamg_catalog_condition_key_type(c, key) != NULL);
        lua_setfield(L, -2, "known");
        end_problem(L, &n);
    }
    return 1;
}

static int st_unsupported_resources(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st:unsupported_resources");
    lua_pushnil(L);
    if (!st->resource.member || st->resource.negated) return 1;
    const uint64_t *bits = NULL;
    int n = 0;
    for (uint32_t i = 0; i < st->resource.n; i++) {
        const char *arn = st->resource.v[i]->u.s;
        const char *svc;
        size_t svc_len;
        if (!ig_lc_arn_service(arn, &svc, &svc_len)) continue;
        if (!bits) bits = stmt_granted(L, st);
        if (ig_lc_supports_resource(L, bits, arn)) continue;
        add_problem(L, &n);
        lua_pushinteger(L, (lua_Integer)i + 1);
        lua_setfield(L, -2, "index");
        lua_pushstring(L, arn);
        lua_setfield(L, -2, "arn");
        lua_pushlstring(L, svc, svc_len);
        lua_setfield(L, -2, "service");
        end_problem(L, &n);
    }
    return 1;
}

static const char *effect_text(const pstmt *st)
{
    if (st->effect == EFFECT_ALLOW) return "Allow";
    if (st->effect == EFFECT_DENY) return "Deny";
    if (st->effect_member && st->effect_member->value.type == TN_STRING)
        return st->effect_member->value.u.s;
    return NULL;
}

/* Fields that are tables are built once per view and kept in its user value. */
static int cached(lua_State *L, const char *key)
{
    if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    if (lua_getfield(L, -1, key) != LUA_TNIL) {
        lua_remove(L, -2);
        return 1;
    }
    lua_pop(L, 2);
    return 0;
}

/* Statement views that keep a cache at once; the oldest loses its cache
 * when another needs one. policy.statements keeps every view alive, so a
 * cache per view would keep the conditions of 200,000 statements in the
 * rule's memory; a rebuilt table has the same content. */
#define CACHED_VIEWS 256
static const char cached_views_key = 0;

/* Register the view at index 1 as cached, evicting the oldest one. */
static void note_cached_view(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cached_views_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, CACHED_VIEWS, 1);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &cached_views_key);
    }
    lua_rawgeti(L, -1, 0);
    lua_Integer head = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (lua_rawgeti(L, -1, head + 1) == LUA_TUSERDATA) {
        lua_pushnil(L);
        lua_setiuservalue(L, -2, 1);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, head + 1);
    lua_pushinteger(L, (head + 1) % CACHED_VIEWS);
    lua_rawseti(L, -2, 0);
    lua_pop(L, 1);
}

/* The cache table is made on first use: most statements of a large policy
 * are only asked for scalar fields, and a table each would double the
 * memory a rule needs. */
static void cache(lua_State *L, const char *key)
{
    if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        if (luaL_testudata(L, 1, MT_STMT)) note_cached_view(L);
        lua_createtable(L, 0, 2);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, 1);
    }
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, key);
    lua_pop(L, 1);
}

static int st_index(lua_State *L)
{
    ig_sandbox_check(L);
    const pstmt *st = stmt_arg(L, 1, "st");
    const char *k = lua_tostring(L, 2);
    if (!k || lua_type(L, 2) != LUA_TSTRING) return 0;
    if (strcmp(k, "sid") == 0) {
        if (st->sid)
            push_node_text(L, st->sid_node);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "effect") == 0) {
        const char *e = effect_text(st);
        if (e)
            lua_pushstring(L, e);
        else
            lua_pushnil(L);
    } else if (strcmp(k, "index") == 0) {
        lua_pushinteger(L, (lua_Integer)st->index + 1);
    } else if (strcmp(k, "grants") == 0) {
        lua_pushcfunction(L, st_grants);
    } else if (strcmp(k, "grants_any") == 0) {
        lua_pushcfunction(L, st_grants_any);
    } else if (strcmp(k, "reaches") == 0) {
        lua_pushcfunction(L, st_reaches);
    } else if (strcmp(k, "reaches_uncovered") == 0) {
        lua_pushcfunction(L, st_reaches_uncovered);
    } else if (strcmp(k, "well_formed") == 0) {
        lua_pushboolean(L, !st->malformed);
    } else if (strcmp(k, "conditions_on") == 0) {
        lua_pushcfunction(L, st_conditions_on);
    } else if (strcmp(k, "has") == 0) {
        lua_pushcfunction(L, st_has);
    } else if (strcmp(k, "granted_actions") == 0) {
        lua_pushcfunction(L, st_granted_actions);
    } else if (strcmp(k, "grants_access_level") == 0) {
        lua_pushcfunction(L, st_grants_access_level);
    } else if (strcmp(k, "supports_condition_key") == 0) {
        lua_pushcfunction(L, st_supports_condition_key);
    } else if (strcmp(k, "supports_resource") == 0) {
        lua_pushcfunction(L, st_supports_resource);
    } else if (strcmp(k, "check_actions") == 0) {
        lua_pushcfunction(L, st_check_actions);
    } else if (strcmp(k, "unsupported_condition_keys") == 0) {
        lua_pushcfunction(L, st_unsupported_condition_keys);
    } else if (strcmp(k, "unsupported_resources") == 0) {
        lua_pushcfunction(L, st_unsupported_resources);
    } else if (strcmp(k, "not_principal") == 0) {
        lua_pushboolean(L, st->not_principal);
    } else if (cached(L, k)) {
        return 1;
    } else {
        static const char *const lists[][2] = {{"actions", "Action"},
                                               {"not_actions", "NotAction"},
                                               {"resources", "Resource"},
                                               {"not_resources", "NotResource"}};
        const char *el = NULL;
        for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
            if (strcmp(k, lists[i][0]) == 0) el = lists[i][1];
        if (el) {
            const pelem *e = ig_query_elem(st, el);
            if (!e) return lua_pushnil(L), 1;
            ig_lt_push_values(L, e->v, e->n);
        } else if (strcmp(k, "conditions") == 0) {
            push_conditions(L, st, NULL, 0);
        } else if (strcmp(k, "principals") == 0) {
            ig_lt_push_principals(L, st);
            if (lua_isnil(L, -1)) return 1;
        } else {
            return 0;
        }
        cache(L, k);
    }
    return 1;
}

static int view_newindex(lua_State *L)
{
    return luaL_error(L, "policy and statement views are read-only");
}

static int st_tostring(lua_State *L)
{
    const pstmt *st = stmt_arg(L, 1, "tostring");
    char label[128];
    ig_policy_stmt_label(st, label, sizeof label);
    lua_pushfstring(L, "statement %s", label);
    return 1;
}

/* ---- policy view ---- */

static void push_stmt_view(lua_State *L, check_ctx *ctx, const pdoc *doc, uint32_t index)
{
    lview *v = lua_newuserdatauv(L, sizeof *v, 1);
    v->doc = doc;
    v->generation = ctx->generation;
    v->index = index;
    luaL_setmetatable(L, MT_STMT);
}

static void push_stmt_view(lua_State *L, check_ctx *ctx, const pdoc *doc, uint32_t index);

/* policy:granting(set [, effect]): a list of {statement, action, element,
 * index, pattern}, one per statement (with that Effect, "Allow" or "Deny",
 * when given) that grants an action of the set, in document order. Views
 * are made only for those statements. */
static int policy_granting(lua_State *L)
{
    ig_sandbox_check(L);
    lview *v = check_view(L, 1, MT_POLICY, "policy", "policy:granting");
    const ig_lc_set *s = ig_lc_check_set(L, 2, "policy:granting");
    const char *effect = ig_lua_optstring(L, "policy:granting", 3, NULL);
    int want = EFFECT_NONE;
    if (effect && strcmp(effect, "Allow") == 0)
        want = EFFECT_ALLOW;
    else if (effect && strcmp(effect, "Deny") == 0)
        want = EFFECT_DENY;
    else if (effect)
        return ig_lua_argerror(L, "policy:granting", 3,
                               "\"Allow\" or \"Deny\" expected, got \"%s\"", effect);
    const pdoc *d = v->doc;
    check_ctx *ctx = get_ctx(L);
    /* With the runner's service index of the document, statements whose
     * items name none of the set's services are passed over at once. */
    const ig_stmt_services *svc = ctx->svc && ctx->svc->doc == d ? ctx->svc : NULL;
    uint64_t wanted = 0;
    for (size_t k = 0; svc && k < svc->nsvcs; k++)
        if (ig_lc_set_has_service(s, svc->svcs[k].s, svc->svcs[k].n)) wanted |= UINT64_C(1) << k;
    lua_newtable(L);
    int out = lua_gettop(L);
    lua_Integer k = 0;
    for (uint32_t i = 0; i < d->nstmts; i++) {
        const pstmt *st = &d->stmts[i];
        if (want != EFFECT_NONE && (int)st->effect != want) continue;
        if (svc && !svc->any[i] && !(svc->mask[i] & wanted)) continue;
        int n = push_grant(L, st, s);
        if (n == 0) continue;
        int top = lua_gettop(L);
        lua_createtable(L, 0, 5);
        static const char *const names[] = {"action", "element", "index", "pattern"};
        for (int f = 0; f < n; f++) {
            lua_pushvalue(L, top - n + 1 + f);
            lua_setfield(L, -2, names[f]);
        }
        push_stmt_view(L, ctx, d, i);
        lua_setfield(L, -2, "statement");
        lua_rawseti(L, out, ++k);
        lua_settop(L, out);
    }
    return 1;
}

static int policy_index(lua_State *L)
{
    ig_sandbox_check(L);
    lview *v = check_view(L, 1, MT_POLICY, "policy", "policy");
    const pdoc *d = v->doc;
    const char *k = lua_tostring(L, 2);
    if (!k || lua_type(L, 2) != LUA_TSTRING) return 0;
    if (strcmp(k, "kind") == 0)
        lua_pushstring(L, ig_policy_kind_name(d->kind));
    else if (strcmp(k, "granting") == 0)
        lua_pushcfunction(L, policy_granting);
    else if (strcmp(k, "version") == 0)
        d->version ? ig_lt_push_display(L, d->version, strlen(d->version)) : lua_pushnil(L);
    else if (strcmp(k, "id") == 0)
        d->id ? ig_lt_push_display(L, d->id, strlen(d->id)) : lua_pushnil(L);
    else if (strcmp(k, "format") == 0)
        lua_pushstring(L, d->origin.format ? d->origin.format : "policy");
    else if (strcmp(k, "file") == 0) {
        const char *f = d->src ? ig_tsource_file(d->src)->path : "";
        ig_lt_push_display(L, f, strlen(f));
    } else if (cached(L, k))
        return 1;
    else {
        if (strcmp(k, "statements") == 0) {
            check_ctx *ctx = get_ctx(L);
            lua_createtable(L, (int)d->nstmts, 0);
            for (uint32_t i = 0; i < d->nstmts; i++) {
                push_stmt_view(L, ctx, d, i);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
        } else if (strcmp(k, "origin") == 0) {
            ig_lt_push_origin(L, &d->origin, d->src ? ig_tsource_file(d->src)->path : NULL);
        } else if (strcmp(k, "holders") == 0) {
            check_ctx *ctx = get_ctx(L);
            ig_principal_api_push_holders(L, ctx->ps, ctx->file, d);
        } else {
            return 0;
        }
        cache(L, k);
    }
    return 1;
}

static int policy_tostring(lua_State *L)
{
    lview *v = check_view(L, 1, MT_POLICY, "policy", "tostring");
    lua_pushfstring(L, "policy %s", v->doc->origin.container ? v->doc->origin.container : "");
    return 1;
}

void ig_lua_api_push_policy_of(lua_State *L, check_ctx *ctx, const pdoc *doc)
{
    lview *v = lua_newuserdatauv(L, sizeof *v, 1);
    v->doc = doc;
    v->generation = ctx->generation;
    v->index = 0;
    luaL_setmetatable(L, MT_POLICY);
}

void ig_lua_api_push_policy(lua_State *L, check_ctx *ctx)
{
    lview *v = lua_newuserdatauv(L, sizeof *v, 1);
    v->doc = ctx->doc;
    v->generation = ctx->generation;
    v->index = 0;
    luaL_setmetatable(L, MT_POLICY);
}

/* ---- report ---- */

static const char *const elements[] = {"Action",    "NotAction", "Resource",     "NotResource",
                                       "Condition", "Principal", "NotPrincipal", "Effect",
                                       "Sid",       NULL};

static void clip_member(const tmember *m, uint32_t *start, uint32_t *end)
{
    *start = m->key.start;
    *end = m->value.end;
}

void ig_lua_api_region(const pdoc *doc, int32_t stmt, const char *element, uint32_t item,
                       uint32_t *start, uint32_t *end)
{
    /* Default: the whole document. */
    const tnode *n = doc->node;
    *start = n->start;
    *end = n->end;
    if (stmt < 0 || (uint32_t)stmt >= doc->nstmts) {
        if (doc->statement_member) clip_member(doc->statement_member, start, end);
        return;
    }
    const pstmt *st = &doc->stmts[stmt];
    *start = st->node->start;
    *end = st->node->end;
    if (!element) {
        /* A statement as a whole: its Sid names it best; else its first member. */
        if (st->sid_node) {
            for (uint32_t i = 0; i < st->node->n; i++)
                if (&st->node->u.members[i].value == st->sid_node)
                    clip_member(&st->node->u.members[i], start, end);
        } else if (st->node->n) {
            clip_member(&st->node->u.members[0], start, end);
        }
        return;
    }
    const pelem *e = NULL;
    const tmember *m = NULL;
    if (!strcmp(element, "Action") || !strcmp(element, "NotAction") ||
        !strcmp(element, "Resource") || !strcmp(element, "NotResource")) {
        /* The element named, or its counterpart when only that is written. */
        static const char *const other[][2] = {{"Action", "NotAction"},
                                               {"NotAction", "Action"},
                                               {"Resource", "NotResource"},
                                               {"NotResource", "Resource"}};
        e = ig_query_elem(st, element);
        for (size_t i = 0; !e && i < 4; i++)
            if (!strcmp(element, other[i][0])) e = ig_query_elem(st, other[i][1]);
        if (!e) e = &st->action; /* neither written: an empty slot */
    } else if (!strcmp(element, "Condition"))
        m = st->condition_member;
    else if (!strcmp(element, "Principal") || !strcmp(element, "NotPrincipal"))
        m = st->principal_member;
    else if (!strcmp(element, "Effect"))
        m = st->effect_member;
    else if (!strcmp(element, "Sid") && st->sid_node) {
        *start = st->sid_node->start;
        *end = st->sid_node->end;
        return;
    }
    if (e) {
        m = e->member;
        if (m && item >= 1 && item <= e->n) {
            *start = e->v[item - 1]->start;
            *end = e->v[item - 1]->end;
            return;
        }
    } else if (m == st->condition_member && m && item >= 1 && item <= st->nconds) {
        clip_member(st->conds[item - 1].key_member, start, end);
        return;
    }
    if (m) clip_member(m, start, end);
}

static int e_is_list(const char *element)
{
    return !strcmp(element, "Action") || !strcmp(element, "NotAction") ||
           !strcmp(element, "Resource") || !strcmp(element, "NotResource") ||
           !strcmp(element, "Condition");
}

/* The number of items of `element` written in st (1 for an element that is
 * not a list), or 0 when st does not have it. */
static uint32_t element_items(const pstmt *st, const char *element)
{
    const pelem *e = NULL;
    const tmember *m = NULL;
    if (!strcmp(element, "Action") || !strcmp(element, "NotAction") ||
        !strcmp(element, "Resource") || !strcmp(element, "NotResource")) {
        /* Both of a pair may be written (an invalid statement). */
        e = ig_query_elem(st, element);
        return e ? e->n : 0;
    } else if (!strcmp(element, "Principal") || !strcmp(element, "NotPrincipal"))
        m = st->principal_member;
    else if (!strcmp(element, "Condition"))
        return st->condition_member ? (st->nconds ? st->nconds : 1) : 0;
    else if (!strcmp(element, "Effect"))
        m = st->effect_member;
    else if (!strcmp(element, "Sid"))
        return st->sid_node != NULL;
    /* Principal and NotPrincipal share one slot: only the one written exists. */
    if (!m || strcmp(m->key.u.s, element) != 0) return 0;
    return 1;
}

/* The elements st has, for messages: "Sid, Effect, Action, Resource". */
static void elements_of(const pstmt *st, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; elements[i]; i++) {
        if (!element_items(st, elements[i])) continue;
        int w = snprintf(out + k, cap - k, "%s%s", k ? ", " : "", elements[i]);
        if (w < 0 || (size_t)w >= cap - k) break;
        k += (size_t)w;
    }
}

static int report(lua_State *L)
{
    check_ctx *ctx = lua_touserdata(L, lua_upvalueindex(1));
    ig_sandbox_check(L);
    ig_lua_checktable(L, "report{}", 1);
    int32_t stmt = -1;
    const char *element = NULL;
    lua_Integer item = 0;
    iamg_level level = ctx->level;

    const pdoc *doc = ctx->doc;
    if (lua_getfield(L, 1, "statement") != LUA_TNIL) {
        if (!luaL_testudata(L, -1, MT_STMT))
            return ig_lua_argerror(L, "report{}", 1, "'statement': statement expected, got %s",
                                   ig_lua_typename(L, -1));
        lview *v = check_view(L, lua_gettop(L), MT_STMT, "statement", "report{}");
        stmt = (int32_t)v->index;
        doc = v->doc;
    }
    int moved = ig_principal_api_site(L, ctx, &doc, &stmt);
    if (lua_getfield(L, 1, "message") != LUA_TSTRING)
        return luaL_error(L, "report{}: 'message' must be a string");
    size_t mlen;
    const char *msg = lua_tolstring(L, -1, &mlen);
    if (mlen == 0) return luaL_error(L, "report{}: 'message' is empty");
    int t = lua_getfield(L, 1, "element");
    if (t != LUA_TNIL) {
        const char *el = lua_tostring(L, -1);
        if (t != LUA_TSTRING) return luaL_error(L, "report{}: 'element' must be a string");
        for (int i = 0; elements[i]; i++)
            if (strcmp(el, elements[i]) == 0) element = elements[i];
        if (!element) return luaL_error(L, "report{}: unknown element '%s'", el);
        if (stmt < 0 && !moved) return luaL_error(L, "report{}: 'element' needs 'statement'");
        if (moved) element = NULL; /* the attachment is the region */
    }
    t = lua_getfield(L, 1, "index");
    if (t != LUA_TNIL) {
        int isint;
        item = lua_tointegerx(L, -1, &isint);
        if (!isint || item < 1)
            return luaL_error(L, "report{}: 'index' must be a positive integer");
        if (!element && !moved) return luaL_error(L, "report{}: 'index' needs 'element'");
        if (moved) item = 0;
    }
    if (element) {
        /* Pointing at what is not there would place the finding elsewhere
         * without a word: the rule has a bug, say so. */
        const pstmt *st = &ctx->doc->stmts[stmt];
        uint32_t n = element_items(st, element);
        char label[128], has[128];
        if (n == 0) {
            ig_policy_stmt_label(st, label, sizeof label);
            elements_of(st, has, sizeof has);
            return luaL_error(L, "report{}: statement %s has no '%s' (it has %s)", label, element,
                              has[0] ? has : "no elements");
        }
        int lists = e_is_list(element);
        if (item && !lists)
            return luaL_error(L,
                              "report{}: 'index' applies to Action, NotAction, Resource, "
                              "NotResource and Condition, not to '%s'",
                              element);
        if (item && (lua_Unsigned)item > n) {
            ig_policy_stmt_label(st, label, sizeof label);
            return luaL_error(L, "report{}: statement %s has %d %s item%s, not %I", label, (int)n,
                              element, n == 1 ? "" : "s", (lua_Integer)item);
        }
    }
    t = lua_getfield(L, 1, "level");
    if (t != LUA_TNIL) {
        int lv = t == LUA_TSTRING ? iamg_level_parse(lua_tostring(L, -1)) : -1;
        if (lv <= IAMG_LEVEL_NONE)
            return luaL_error(L, "report{}: 'level' must be \"error\", \"warning\" or \"note\"");
        level = (iamg_level)lv;
    }
    if (ctx->reported >= ctx->lim->max_findings_per_rule) {
        ctx->overflow++;
        return 0;
    }
    if (IG_ARRAY_GROW(ctx->out->v, ctx->out->n, ctx->out->cap, 16)) {
        ctx->oom = 1;
        return luaL_error(L, "out of memory");
    }
    char *clean = ig_utf8_sanitize(msg, mlen, ctx->lim->max_message_len);
    if (!clean) {
        ctx->oom = 1;
        return luaL_error(L, "out of memory");
    }
    rfind *f = &ctx->out->v[ctx->out->n++];
    f->rule = ctx->rule;
    f->level = level;
    f->message = clean;
    f->doc = doc;
    f->stmt = stmt;
    f->element = element;
    ig_lua_api_region(doc, stmt, element, (uint32_t)item, &f->start, &f->end);
    ctx->reported++;
    return 0;
}

void ig_lua_api_push_report(lua_State *L, check_ctx *ctx)
{
    lua_pushlightuserdata(L, ctx);
    lua_pushcclosure(L, report, 1);
}

/* ---- the iam library ---- */

static int l_action_match(lua_State *L)
{
    ig_sandbox_check(L);
    size_t pn, sn;
    const char *p = ig_lua_checkstring(L, "iam.action_match", 1, &pn);
    const char *s = ig_lua_checkstring(L, "iam.action_match", 2, &sn);
    lua_pushboolean(L, ig_glob_action_match(p, pn, s, sn));
    return 1;
}

static int l_arn_match(lua_State *L)
{
    ig_sandbox_check(L);
    size_t pn, sn;
    const char *p = ig_lua_checkstring(L, "iam.arn_match", 1, &pn);
    const char *s = ig_lua_checkstring(L, "iam.arn_match", 2, &sn);
    lua_pushboolean(L, ig_glob_arn_match(p, pn, s, sn));
    return 1;
}

static int l_arn_split(lua_State *L)
{
    ig_sandbox_check(L);
    iamg_arn_parts p;
    if (!iamg_arn_split(ig_lua_checkstring(L, "iam.arn_split", 1, NULL), &p))
        return lua_pushnil(L), 1;
    ig_lt_push_arn_parts(L, &p);
    return 1;
}

static int l_operator_parse(lua_State *L)
{
    ig_sandbox_check(L);
    iamg_cond_op op;
    iamg_cond_op_parse(ig_lua_checkstring(L, "iam.operator_parse", 1, NULL), &op);
    lua_createtable(L, 0, 5);
    ig_lt_set_operator(L, &op);
    return 1;
}

static int l_key_equal(lua_State *L)
{
    ig_sandbox_check(L);
    size_t an, bn;
    const char *a = ig_lua_checkstring(L, "iam.key_equal", 1, &an);
    const char *b = ig_lua_checkstring(L, "iam.key_equal", 2, &bn);
    lua_pushboolean(L, ig_cond_key_equal_n(a, an, b, bn));
    return 1;
}

/* Is s made only of '*' and '?' (and their escapes ${*} and ${?})? In C: a
 * 50 MB value of stars is a question of milliseconds here, and of more than
 * the instruction limit in a Lua loop. */
static int l_only_wildcards(lua_State *L)
{
    ig_sandbox_check(L);
    size_t n;
    const char *s = ig_lua_checkstring(L, "iam.only_wildcards", 1, &n);
    ig_sandbox_charge(L, n / 16 + 1);
    size_t i = 0;
    while (i < n) {
        if (s[i] == '*' || s[i] == '?')
            i++;
        else if (n - i >= 4 && s[i] == '$' && s[i + 1] == '{' &&
                 (s[i + 2] == '*' || s[i + 2] == '?') && s[i + 3] == '}')
            i += 4;
        else
            break;
    }
    lua_pushboolean(L, i == n);
    return 1;
}

/* No IAM ARN is longer (IAM's limit for an ARN); a longer resource, which
 * only hostile input gives, matches nothing instead of costing the
 * analysis a configuration per byte. */
#define IAM_ARN_MAX 2048

/* Append s[0..n) as literal characters of a reach.h pattern: reach.h reads
 * a policy variable as request-time text, iam.arn_match as its letters. */
static void append_literal(buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '*' || s[i] == '?' || s[i] == '$')
            ig_buf_printf(b, "${%c}", s[i]);
        else
            ig_buf_append(b, s + i, 1);
    }
}

/* The pattern as reach.h reads patterns, matching what iam.arn_match does:
 * the same wildcards, everything else (variables included) literal. */
static void literal_pattern(buf *b, const char *p, size_t n)
{
    glob_reader r;
    ig_glob_reader_init(&r, 1, p, n);
    for (const char *c = p;;) {
        glob_tok t = ig_glob_read(&r, c);
        if (t.kind == GLOB_END) return;
        if (t.kind == GLOB_STAR || t.kind == GLOB_ONE)
            ig_buf_append(b, c, 1);
        else
            append_literal(b, t.lit, t.len);
        c = t.next;
    }
}

/* iam.arn_match_any_account(pattern, resource): docs/RULES.md. Is there a
 * partition and an account (reach.h's free segments) for which `pattern`
 * matches arn:<partition>:iam::<account>:<resource>? The resource is fixed
 * text (literal_tail), so a name holding "{account}" stays a name. */
static int l_arn_match_any_account(lua_State *L)
{
    ig_sandbox_check(L);
    check_ctx *ctx = get_ctx(L);
    size_t pn, rn;
    const char *p = ig_lua_checkstring(L, "iam.arn_match_any_account", 1, &pn);
    const char *res = ig_lua_checkstring(L, "iam.arn_match_any_account", 2, &rn);
    if (rn > IAM_ARN_MAX) {
        lua_pushboolean(L, 0);
        return 1;
    }
    static const char head[] = "arn:{partition}:iam::{account}:";
    buf pat = BUF_INIT, tmpl = BUF_INIT;
    literal_pattern(&pat, p, pn);
    ig_buf_append(&tmpl, head, sizeof head - 1);
    ig_buf_append(&tmpl, res, rn);
    int rc = IAMG_ENOMEM;
    size_t used = 0;
    if (!pat.oom && !tmpl.oom) {
        reach_str t = {tmpl.data, tmpl.len};
        reach_str ps = {pat.data ? pat.data : "", pat.len};
        reach_group g = {&ps, 1, 1};
        size_t tail = rn;
        reach_query q = {&t, 1, &g, 1, ctx->lim->max_reach_configs, &tail};
        rc = ig_reach_find(&q, NULL, &used);
    }
    ig_buf_free(&pat);
    ig_buf_free(&tmpl);
    if (rc == IAMG_ENOMEM) return luaL_error(L, "out of memory");
    ig_sandbox_charge(L, (uint64_t)used + pn / 16 + 1);
    lua_pushboolean(L, rc == 1);
    if (rc == IAMG_ELIMIT) {
        /* Undecided: not a match (the holder stays unauthorized, so the
         * finding is kept), and the caller is told why. */
        lua_pushliteral(L, "limit");
        return 2;
    }
    return 1;
}

static int l_probe(lua_State *L)
{
    ig_sandbox_check(L);
    char out[2048];
    const char *tmpl = ig_lua_checkstring(L, "iam.probe", 1, NULL);
    if (ig_query_probe_expand(tmpl, ig_lua_optstring(L, "iam.probe", 2, NULL), out, sizeof out))
        return ig_lua_argerror(L, "iam.probe", 1, "the probe ARN would be longer than %d bytes",
                               (int)sizeof out - 1);
    lua_pushstring(L, out);
    return 1;
}

/* The IAM catalogue (rules/lua_catalog.c), behind the sandbox's checks. */
#define CATALOG_FN(name)                                                                           \
    static int l_##name(lua_State *L)                                                              \
    {                                                                                              \
        ig_sandbox_check(L);                                                                       \
        return ig_lc_##name(L);                                                                    \
    }
CATALOG_FN(expand)
CATALOG_FN(matches)
CATALOG_FN(action_check)
CATALOG_FN(action)
CATALOG_FN(condition_key)
CATALOG_FN(service)
CATALOG_FN(suggest)
CATALOG_FN(action_set)

void ig_lua_api_install(lua_State *L, check_ctx *ctx)
{
    lua_pushlightuserdata(L, ctx);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);

    static const luaL_Reg stmt_mt[] = {{"__index", st_index},
                                       {"__newindex", view_newindex},
                                       {"__tostring", st_tostring},
                                       {NULL, NULL}};
    static const luaL_Reg policy_mt[] = {{"__index", policy_index},
                                         {"__newindex", view_newindex},
                                         {"__tostring", policy_tostring},
                                         {NULL, NULL}};
    luaL_newmetatable(L, MT_STMT);
    luaL_setfuncs(L, stmt_mt, 0);
    lua_pushboolean(L, 0); /* getmetatable(view) gives false: the metatable stays hidden */
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    luaL_newmetatable(L, MT_POLICY);
    luaL_setfuncs(L, policy_mt, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
    ig_lc_install_set(L);

    /* Names are noun_verb (arn_split, operator_parse, action_check).
     * parse_operator, key_match and check_action are the deprecated names of
     * operator_parse, action_match and action_check (docs/RULES.md): kept so
     * that existing rules still load. */
    static const luaL_Reg iam[] = {{"action_match", l_action_match},
                                   {"arn_match", l_arn_match},
                                   {"arn_split", l_arn_split},
                                   {"arn_match_any_account", l_arn_match_any_account},
                                   {"operator_parse", l_operator_parse},
                                   {"parse_operator", l_operator_parse},
                                   {"key_equal", l_key_equal},
                                   {"key_match", l_action_match},
                                   {"probe", l_probe},
                                   {"only_wildcards", l_only_wildcards},
                                   {"expand", l_expand},
                                   {"matches", l_matches},
                                   {"action_check", l_action_check},
                                   {"check_action", l_action_check},
                                   {"action", l_action},
                                   {"condition_key", l_condition_key},
                                   {"service", l_service},
                                   {"suggest", l_suggest},
                                   {"action_set", l_action_set},
                                   {NULL, NULL}};
    ig_lua_set_library(L, "iam");
    luaL_newlib(L, iam);
    lua_pushstring(L, iamg_catalog_version());
    lua_setfield(L, -2, "catalog_version");
    lua_setglobal(L, "iam");
}

/* Pushing allocates inside the capped state; outside a protected call a
 * refused allocation would make Lua panic and abort the host. */
static int push_args_step(lua_State *L)
{
    check_ctx *ctx = lua_touserdata(L, 1);
    ig_lua_api_push_policy(L, ctx);
    ig_lua_api_push_report(L, ctx);
    ig_params_push_cached(L, ctx->params_ref, ctx->params, ctx->nparams);
    return 3;
}

int ig_lua_api_push_args(lua_State *L, check_ctx *ctx)
{
    lua_pushcfunction(L, push_args_step);
    lua_pushlightuserdata(L, ctx);
    if (lua_pcall(L, 1, 3, 0) != LUA_OK) {
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}
