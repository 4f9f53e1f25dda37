/*
 * luamod/luamod.c - the iamguard core as a Lua 5.4 C module.
 *
 *     local iamguard = require "iamguard"
 *     iamguard.action_match("ssm:send*", "ssm:SendCommand")  --> true
 *     local docs, problems = iamguard.load("policy.json")
 *     local findings, problems = iamguard.scan({"infra/"}, {rules = {"my-rules"}})
 *
 * Unlike rules, which see read-only views valid for one check() call, Lua
 * tools get plain tables they may keep and change: the module copies the
 * policy model out before the file's memory is freed. The reference is
 * README.md ("Embedding") and the function comments below.
 *
 * C resources (engine, results, loaded file) are held by a guard userdata
 * whose __gc frees them, so a Lua error while the tables are built (out of
 * memory, a bad argument) never leaks them.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "iamguard/iamguard.h"
#include "load/loader.h"
#include "model/policy.h"
#include "rules/lua_args.h"
#include "rules/lua_catalog.h"
#include "rules/lua_tables.h"
#include "util/alloc.h"
#include "source/diag.h"
#include "util/fileio.h"

#define MT_GUARD "iamguard.luamod.guard"

#if defined(__GNUC__)
#define LUAMOD_EXPORT __attribute__((visibility("default")))
#else
#define LUAMOD_EXPORT
#endif

/* ---- cleanup guard ---- */

typedef struct guard {
    iamg_engine *engine;
    iamg_results *results;
    loaded l;
    int have_loaded;
    diag_list dl;
    char *data;
} guard;

static int guard_release(lua_State *L)
{
    guard *g = luaL_checkudata(L, 1, MT_GUARD);
    iamg_results_free(g->results);
    iamg_engine_free(g->engine);
    if (g->have_loaded) ig_loaded_free(&g->l);
    ig_diag_list_free(&g->dl);
    ig_free(g->data);
    memset(g, 0, sizeof *g);
    return 0;
}

static guard *push_guard(lua_State *L)
{
    guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    memset(g, 0, sizeof *g);
    luaL_setmetatable(L, MT_GUARD);
    return g;
}

/* ---- small helpers ---- */

static const char *code_name(int code)
{
    switch (code) {
    case IAMG_ENOMEM:
        return "nomem";
    case IAMG_EIO:
        return "io";
    case IAMG_EPARSE:
        return "parse";
    case IAMG_EINVALID:
        return "invalid";
    case IAMG_ELIMIT:
        return "limit";
    case IAMG_ERULE:
        return "rule";
    case IAMG_EUSAGE:
        return "usage";
    case IAMG_ESKIP:
        return "skip";
    default:
        return "error";
    }
}

/* "path:line:col: message" of an iamg_error, pushed as a string. */
static void push_error(lua_State *L, const iamg_error *err)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (err->path[0]) {
        luaL_addstring(&b, err->path);
        if (err->line) {
            lua_pushfstring(L, ":%d", (int)err->line);
            luaL_addvalue(&b);
        }
        if (err->line && err->column) {
            lua_pushfstring(L, ":%d", (int)err->column);
            luaL_addvalue(&b);
        }
        luaL_addstring(&b, ": ");
    }
    luaL_addstring(&b, err->message[0] ? err->message : iamg_strerror(err->code));
    luaL_pushresult(&b);
}

/* A list of strings from a string or a table of strings at idx (absolute),
 * argument `arg` of function `fn` (lua_args.h); `what` names it in errors
 * when it is a field of that argument (as "opts.rules"), or is NULL when it
 * is the argument itself. The strings stay referenced by the argument; the
 * array is a userdata left on the stack. */
static const char **string_list(lua_State *L, int idx, const char *fn, int arg, const char *what,
                                size_t *n)
{
    *n = 0;
    if (lua_isnoneornil(L, idx)) return NULL;
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char **v = lua_newuserdatauv(L, sizeof *v, 0);
        v[0] = lua_tostring(L, idx);
        *n = 1;
        return v;
    }
    if (lua_type(L, idx) != LUA_TTABLE) {
        if (!what) ig_lua_typeerror(L, fn, arg, "string or list of strings");
        ig_lua_argerror(L, fn, arg, "%s must be a string or a list of strings, not a %s", what,
                        ig_lua_typename(L, idx));
    }
    const char *of = what ? " of " : "";
    if (!what) what = "";
    lua_Integer len = luaL_len(L, idx);
    if (len < 0 || (lua_Unsigned)len > 1000000)
        ig_lua_argerror(L, fn, arg, "too many entries%s%s", of, what);
    const char **v = lua_newuserdatauv(L, (size_t)(len ? len : 1) * sizeof *v, 0);
    for (lua_Integer i = 1; i <= len; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
            ig_lua_argerror(L, fn, arg, "item %d%s%s is not a string", (int)i, of, what);
        v[i - 1] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    *n = (size_t)len;
    return v;
}

/* ---- matchers ---- */

static int l_action_match(lua_State *L)
{
    const char *p = ig_lua_checkstring(L, ".action_match", 1, NULL);
    lua_pushboolean(L, iamg_action_match(p, ig_lua_checkstring(L, ".action_match", 2, NULL)));
    return 1;
}

static int l_arn_match(lua_State *L)
{
    const char *p = ig_lua_checkstring(L, ".arn_match", 1, NULL);
    lua_pushboolean(L, iamg_arn_match(p, ig_lua_checkstring(L, ".arn_match", 2, NULL)));
    return 1;
}

static int l_arn_split(lua_State *L)
{
    iamg_arn_parts p;
    if (!iamg_arn_split(ig_lua_checkstring(L, ".arn_split", 1, NULL), &p)) {
        lua_pushnil(L);
        return 1;
    }
    ig_lt_push_arn_parts(L, &p);
    return 1;
}

static int l_operator_parse(lua_State *L)
{
    iamg_cond_op op;
    iamg_cond_op_parse(ig_lua_checkstring(L, ".operator_parse", 1, NULL), &op);
    lua_createtable(L, 0, 5);
    ig_lt_set_operator(L, &op);
    return 1;
}

static int l_key_equal(lua_State *L)
{
    const char *a = ig_lua_checkstring(L, ".key_equal", 1, NULL);
    lua_pushboolean(L, iamg_cond_key_equal(a, ig_lua_checkstring(L, ".key_equal", 2, NULL)));
    return 1;
}

/* ---- the IAM catalogue: statements are tables as load() gives them ---- */

/* The Action or NotAction list of the statement table at idx (its
 * `actions` or `not_actions`, a string or a list of strings). It pushes
 * values: callers first set the stack to their arguments (lua_settop), so
 * that a missing argument is not taken for one of them. */
static ig_lc_stmt stmt_arg(lua_State *L, const char *fn, int idx)
{
    ig_lc_stmt s = {NULL, 0, 0};
    ig_lua_checktable(L, fn, idx);
    if (lua_getfield(L, idx, "actions") == LUA_TNIL) {
        lua_pop(L, 1);
        if (lua_getfield(L, idx, "not_actions") != LUA_TNIL) s.negated = 1;
    }
    s.pats = string_list(L, lua_absindex(L, -1), fn, idx, "the statement's actions", &s.n);
    return s;
}

static int l_grants(lua_State *L)
{
    lua_settop(L, 2);
    ig_lc_stmt s = stmt_arg(L, ".grants", 1);
    const char *query = ig_lua_checkstring(L, ".grants", 2, NULL);
    size_t which;
    int yes = ig_lc_grants(L, &s, query, &which);
    lua_pushboolean(L, yes);
    if (!yes || s.negated || which == (size_t)-1) return 1;
    lua_pushstring(L, s.pats[which]);
    lua_pushinteger(L, (lua_Integer)which + 1);
    return 3;
}

static int l_granted_actions(lua_State *L)
{
    lua_settop(L, 1);
    ig_lc_stmt s = stmt_arg(L, ".granted_actions", 1);
    ig_lc_push_names(L, ig_lc_push_granted(L, &s));
    return 1;
}

static int l_grants_access_level(lua_State *L)
{
    lua_settop(L, 2);
    ig_lc_stmt s = stmt_arg(L, ".grants_access_level", 1);
    ig_lua_checkstring(L, ".grants_access_level", 2, NULL);
    return ig_lc_grants_access_level(L, ig_lc_push_granted(L, &s), 2, ".grants_access_level");
}

static int l_supports_condition_key(lua_State *L)
{
    lua_settop(L, 2);
    ig_lc_stmt s = stmt_arg(L, ".supports_condition_key", 1);
    const char *key = ig_lua_checkstring(L, ".supports_condition_key", 2, NULL);
    lua_pushboolean(L, ig_lc_supports_key(L, ig_lc_push_granted(L, &s), key));
    return 1;
}

static int l_supports_resource(lua_State *L)
{
    lua_settop(L, 2);
    ig_lc_stmt s = stmt_arg(L, ".supports_resource", 1);
    const char *arn = ig_lua_checkstring(L, ".supports_resource", 2, NULL);
    lua_pushboolean(L, ig_lc_supports_resource(L, ig_lc_push_granted(L, &s), arn));
    return 1;
}

/* ---- load: the policy model as tables ---- */

static void set_pos(lua_State *L, const tsource *src, uint32_t off)
{
    srcpos p = ig_tsource_pos(src, off);
    ig_lt_set_int(L, "line", p.line);
    ig_lt_set_int(L, "column", p.col);
}

static void push_elem(lua_State *L, const pelem *e, const char *plain, const char *negated)
{
    if (!e->member) return;
    ig_lt_push_values(L, e->v, e->n);
    lua_setfield(L, -2, e->negated ? negated : plain);
}

static void push_statement(lua_State *L, const pdoc *d, const pstmt *st)
{
    lua_createtable(L, 0, 16);
    ig_lt_set_int(L, "index", (lua_Integer)st->index + 1);
    if (st->sid_node && st->sid) {
        lua_pushlstring(L, st->sid, st->sid_node->n);
        lua_setfield(L, -2, "sid");
    }
    if (st->effect == EFFECT_ALLOW)
        ig_lt_set_str(L, "effect", "Allow");
    else if (st->effect == EFFECT_DENY)
        ig_lt_set_str(L, "effect", "Deny");
    else if (st->effect_member && st->effect_member->value.type == TN_STRING)
        ig_lt_set_str(L, "effect", st->effect_member->value.u.s);
    push_elem(L, &st->action, "actions", "not_actions");
    push_elem(L, &st->resource, "resources", "not_resources");
    /* Both of a pair IAM rejects are kept (the statement is not well formed). */
    push_elem(L, &st->action_twin, "actions", "not_actions");
    push_elem(L, &st->resource_twin, "resources", "not_resources");
    ig_lt_set_bool(L, "well_formed", !st->malformed);
    ig_lt_push_principals(L, st);
    lua_setfield(L, -2, "principals");
    ig_lt_set_bool(L, "not_principal", st->not_principal);
    lua_createtable(L, (int)st->nconds, 0);
    for (uint32_t i = 0; i < st->nconds; i++) {
        ig_lt_push_condition(L, &st->conds[i], i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "conditions");
    set_pos(L, d->src, st->node->start);
}

static void push_document(lua_State *L, const pdoc *d)
{
    lua_createtable(L, 0, 10);
    ig_lt_set_str(L, "kind", ig_policy_kind_name(d->kind));
    ig_lt_set_str(L, "format", d->origin.format ? d->origin.format : "policy");
    ig_lt_set_str(L, "file", d->src ? ig_tsource_file(d->src)->path : NULL);
    ig_lt_set_str(L, "version", d->version);
    ig_lt_set_str(L, "id", d->id);
    ig_lt_push_origin(L, &d->origin, d->src ? ig_tsource_file(d->src)->path : NULL);
    lua_setfield(L, -2, "origin");
    lua_createtable(L, (int)d->nstmts, 0);
    for (uint32_t i = 0; i < d->nstmts; i++) {
        push_statement(L, d, &d->stmts[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "statements");
    set_pos(L, d->src, d->node->start);
}

static void push_problem(lua_State *L, int code, iamg_level level, const char *path, unsigned line,
                         unsigned col, const char *rule_id, const char *message)
{
    lua_createtable(L, 0, 7);
    ig_lt_set_str(L, "code", code_name(code));
    ig_lt_set_str(L, "level", iamg_level_name(level));
    ig_lt_set_str(L, "path", path);
    if (line) ig_lt_set_int(L, "line", line);
    if (col) ig_lt_set_int(L, "column", col);
    ig_lt_set_str(L, "rule_id", rule_id);
    ig_lt_set_str(L, "message", message);
}

/*
 * iamguard.load(path [, text]) -> documents, problems
 * Loads policy documents from the file `path`, or from `text` (then `path`,
 * which may be nil, only names it). Returns a list of documents and a list of
 * problems found on the way (parse errors, invalid elements); a file that
 * cannot be read gives nil and a message.
 */
static int l_load(lua_State *L)
{
    const char *path = ig_lua_optstring(L, ".load", 1, NULL);
    size_t len = 0;
    const char *text = lua_isnoneornil(L, 2) ? NULL : ig_lua_checkstring(L, ".load", 2, &len);
    if (!path && !text) return ig_lua_typeerror(L, ".load", 1, "path (or a text as argument #2)");
    iamg_limits lim = IAMG_LIMITS_INIT;
    guard *g = push_guard(L);
    if (!text) {
        iamg_error err;
        memset(&err, 0, sizeof err);
        int rc = ig_read_file(path, lim.max_file_size, &g->data, &len, &err);
        if (rc == IAMG_ENOMEM) return luaL_error(L, "out of memory");
        if (rc) {
            lua_pushnil(L);
            lua_pushfstring(L, "%s: %s", path, err.message[0] ? err.message : iamg_strerror(rc));
            return 2;
        }
        text = g->data;
    }
    g->have_loaded = 1;
    int rc = ig_load_buffer(&g->l, path ? path : "<text>", text, len, LOAD_EXPLICIT, &lim, &g->dl);
    if (rc || g->dl.oom) return luaL_error(L, "out of memory");
    lua_createtable(L, (int)g->l.ndocs, 0);
    for (size_t i = 0; i < g->l.ndocs; i++) {
        push_document(L, &g->l.docs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_createtable(L, (int)g->dl.n, 0);
    for (size_t i = 0; i < g->dl.n; i++) {
        const diag *d = &g->dl.v[i];
        push_problem(L, d->code, d->level, d->path ? d->path : g->l.src.path, d->line, d->col,
                     d->rule_id, d->message);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    /* Free the file now rather than at the next collection. */
    lua_pushcfunction(L, guard_release);
    lua_pushvalue(L, -4);
    lua_call(L, 1, 0);
    return 2;
}

/* ---- scan: the engine with the built-in rules ---- */

static int opt_field(lua_State *L, int opts, const char *k)
{
    if (opts == 0) {
        lua_pushnil(L);
        return LUA_TNIL;
    }
    return lua_getfield(L, opts, k);
}

static void push_finding(lua_State *L, const iamg_finding *f)
{
    lua_createtable(L, 0, 16);
    ig_lt_set_str(L, "rule_id", f->rule_id);
    ig_lt_set_str(L, "level", iamg_level_name(f->level));
    ig_lt_set_str(L, "message", f->message);
    ig_lt_set_str(L, "path", f->path);
    ig_lt_set_int(L, "line", f->line);
    ig_lt_set_int(L, "column", f->column);
    ig_lt_set_int(L, "end_column", f->end_column);
    ig_lt_set_str(L, "snippet", f->snippet);
    ig_lt_set_int(L, "snippet_column", f->snippet_column);
    lua_pushboolean(L, f->snippet_truncated != 0);
    lua_setfield(L, -2, "snippet_truncated");
    ig_lt_set_str(L, "fingerprint", f->fingerprint);
    ig_lt_set_str(L, "statement", f->statement);
    ig_lt_set_str(L, "element", f->element);
    ig_lt_set_str(L, "suppressed", f->suppressed);
    ig_lt_push_origin(L, &f->origin, NULL);
    lua_setfield(L, -2, "origin");
}

/*
 * iamguard.scan(paths [, opts]) -> findings, problems
 * paths: a path or a list of paths (files and folders). opts (all optional):
 *   rules = {dir, ...}   add the *.lua rules of these folders
 *   only = {id, ...}     run just these rules;  skip = {id, ...}: not these
 *   builtin = false      leave out the built-in rules
 *   base_dir = "dir"     finding paths are relative to it
 *   exclude = {glob, ...}, jobs = N
 * Returns the findings (sorted by path, line, column, rule) and the problems
 * (unreadable inputs, failed rules). A usage error (unknown rule id, missing
 * path, unreadable rule folder) gives nil and a message.
 */
static int l_scan(lua_State *L)
{
    size_t npaths, ndirs, nonly, nskip, nexclude;
    int opts = lua_isnoneornil(L, 2) ? 0 : 2;
    if (opts) ig_lua_checktable(L, ".scan", 2);
    if (lua_isnoneornil(L, 1)) return ig_lua_typeerror(L, ".scan", 1, "path or list of paths");
    const char **paths = string_list(L, 1, ".scan", 1, NULL, &npaths);
    if (npaths == 0) return ig_lua_argerror(L, ".scan", 1, "no path given");
    opt_field(L, opts, "rules");
    const char **dirs = string_list(L, lua_absindex(L, -1), ".scan", 2, "opts.rules", &ndirs);
    opt_field(L, opts, "only");
    const char **only = string_list(L, lua_absindex(L, -1), ".scan", 2, "opts.only", &nonly);
    opt_field(L, opts, "skip");
    const char **skip = string_list(L, lua_absindex(L, -1), ".scan", 2, "opts.skip", &nskip);
    opt_field(L, opts, "exclude");
    const char **exclude =
        string_list(L, lua_absindex(L, -1), ".scan", 2, "opts.exclude", &nexclude);

    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    if (opt_field(L, opts, "builtin") != LUA_TNIL) eo.builtin_rules = lua_toboolean(L, -1);
    if (opt_field(L, opts, "base_dir") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return ig_lua_argerror(L, ".scan", 2, "opts.base_dir must be a string");
        so.base_dir = lua_tostring(L, -1);
    }
    if (opt_field(L, opts, "jobs") != LUA_TNIL) {
        int isint;
        lua_Integer j = lua_tointegerx(L, -1, &isint);
        if (!isint || j < 0 || j > 1024)
            return ig_lua_argerror(L, ".scan", 2, "opts.jobs must be 0 to 1024");
        so.jobs = (unsigned)j;
    }
    so.exclude = exclude;
    so.nexclude = nexclude;

    guard *g = push_guard(L);
    iamg_error err;
    memset(&err, 0, sizeof err);
    int rc = iamg_engine_new(&eo, &g->engine, &err);
    for (size_t i = 0; !rc && i < ndirs; i++)
        rc = iamg_engine_add_rules_dir(g->engine, dirs[i], &err);
    if (!rc) rc = iamg_engine_select(g->engine, only, nonly, skip, nskip, &err);
    if (!rc) rc = iamg_scan_paths(g->engine, paths, npaths, &so, &g->results, &err);
    if (rc == IAMG_ENOMEM) return luaL_error(L, "out of memory");
    if (rc) {
        lua_pushnil(L);
        push_error(L, &err);
        return 2;
    }
    size_t n = iamg_results_count(g->results);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_finding(L, iamg_results_get(g->results, i));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    size_t nd = iamg_results_diag_count(g->results);
    lua_createtable(L, (int)nd, 0);
    for (size_t i = 0; i < nd; i++) {
        const iamg_diag *d = iamg_results_diag(g->results, i);
        push_problem(L, d->code, d->level, d->path, d->line, d->column, d->rule_id, d->message);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushcfunction(L, guard_release);
    lua_pushvalue(L, -4);
    lua_call(L, 1, 0);
    return 2;
}

static const luaL_Reg functions[] = {
    {"action_match", l_action_match},
    {"arn_match", l_arn_match},
    {"arn_split", l_arn_split},
    {"operator_parse", l_operator_parse},
    {"key_equal", l_key_equal},
    /* Deprecated names (README): parse_operator is operator_parse,
     * key_match is action_match (condition keys compare as actions do) and
     * check_action is action_check. */
    {"parse_operator", l_operator_parse},
    {"key_match", l_action_match},
    {"check_action", ig_lc_action_check},
    {"load", l_load},
    {"scan", l_scan},
    {"expand", ig_lc_expand},
    {"matches", ig_lc_matches},
    {"action_check", ig_lc_action_check},
    {"action", ig_lc_action},
    {"condition_key", ig_lc_condition_key},
    {"service", ig_lc_service},
    {"suggest", ig_lc_suggest},
    {"grants", l_grants},
    {"granted_actions", l_granted_actions},
    {"grants_access_level", l_grants_access_level},
    {"supports_condition_key", l_supports_condition_key},
    {"supports_resource", l_supports_resource},
    {NULL, NULL},
};

LUAMOD_EXPORT int luaopen_iamguard(lua_State *L);

LUAMOD_EXPORT int luaopen_iamguard(lua_State *L)
{
    luaL_checkversion(L);
    if (luaL_newmetatable(L, MT_GUARD)) {
        lua_pushcfunction(L, guard_release);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "iamguard internal");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    ig_lua_set_library(L, "iamguard");
    luaL_newlib(L, functions);
    lua_pushstring(L, iamg_version());
    lua_setfield(L, -2, "version");
    lua_pushstring(L, iamg_catalog_version());
    lua_setfield(L, -2, "catalog_version");
    return 1;
}
