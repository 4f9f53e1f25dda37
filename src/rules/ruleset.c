#include "rules/ruleset.h"

#include "principal/managed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <lauxlib.h>

#include "model/policy.h"
#include "rules/builtin.h"
#include "rules/lua_api.h"
#include "rules/params.h"
#include "rules/rulestate.h"
#include "rules/sandbox.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"
#include "util/fileio.h"
#include "util/str.h"
#include "util/utf8.h"

const char *ig_ruleset_fail_kind(int kind)
{
    sandbox_fail k = (sandbox_fail)kind;
    switch (k) {
    case SB_SYNTAX:
        return "syntax error";
    case SB_RUNTIME:
        return "runtime error";
    case SB_MEMORY:
        return "memory limit";
    case SB_INSTRUCTIONS:
        return "instruction limit";
    case SB_TIMEOUT:
        return "time limit";
    case SB_SHAPE:
        return "wrong rule table";
    default:
        return "error";
    }
}

/* Record a rule-file problem; returns -1 only when out of memory. */
static int add_diag(iamg_engine *e, const char *path, unsigned line, const char *rule_id,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int add_diag(iamg_engine *e, const char *path, unsigned line, const char *rule_id,
                    const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ig_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    iamg_diag *v = ig_realloc(e->diags, (e->ndiags + 1) * sizeof *v);
    char *msg = ig_buf_detach(&b);
    char *p = ig_strdup(path);
    char *rid = rule_id ? ig_strdup(rule_id) : NULL;
    if (v) e->diags = v;
    if (!v || !msg || !p || (rule_id && !rid)) {
        ig_free(msg);
        ig_free(p);
        ig_free(rid);
        return -1;
    }
    iamg_diag *d = &e->diags[e->ndiags++];
    memset(d, 0, sizeof *d);
    d->code = IAMG_ERULE;
    d->level = IAMG_LEVEL_ERROR;
    d->path = p;
    d->line = line;
    d->rule_id = rid;
    d->message = msg;
    return 0;
}

static void rule_info_free(iamg_rule_info *r)
{
    ig_free((char *)r->id);
    ig_free((char *)r->name);
    ig_free((char *)r->short_description);
    ig_free((char *)r->full_description);
    ig_free((char *)r->help);
    ig_free((char *)r->help_uri);
    ig_free((char *)r->precision);
    for (size_t i = 0; i < r->ntags; i++)
        ig_free((char *)r->tags[i]);
    ig_free((void *)r->tags);
    ig_params_free((iamg_rule_param *)r->params, r->nparams);
    memset(r, 0, sizeof *r);
}

static void rule_free(rule *r)
{
    rule_info_free(&r->info);
    ig_free(r->services);
    ig_free(r->actions);
    r->services = r->actions = NULL;
}

void iamg_engine_free(iamg_engine *e)
{
    if (!e) return;
    ig_managed_free(e->managed);
    for (size_t i = 0; i < e->nrules; i++)
        rule_free(&e->rules[i]);
    for (size_t i = 0; i < e->nfiles; i++) {
        ig_free(e->files[i].name);
        ig_free(e->files[i].dir);
        ig_free(e->files[i].source);
    }
    for (size_t i = 0; i < e->nmodules; i++)
        ig_free(e->modules[i]);
    ig_free(e->modules);
    for (size_t i = 0; i < e->ndiags; i++) {
        ig_free((char *)e->diags[i].path);
        ig_free((char *)e->diags[i].rule_id);
        ig_free((char *)e->diags[i].message);
    }
    ig_free(e->rules);
    ig_free(e->files);
    ig_free(e->diags);
    ig_free(e);
}

/* ---- reading one rule table (raw access only: a rule's metatables never run here) ---- */

typedef struct shape {
    char err[256];
} shape;

/* Optional string field: 0 absent, 1 present (*out copied), -1 wrong type / OOM (err set). */
static int str_field(lua_State *L, int t, const char *k, size_t max, char **out, shape *sh)
{
    *out = NULL;
    lua_pushstring(L, k);
    int ty = lua_rawget(L, t);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (ty != LUA_TSTRING) {
        snprintf(sh->err, sizeof sh->err, "'%s' must be a string, found %s", k,
                 lua_typename(L, ty));
        lua_pop(L, 1);
        return -1;
    }
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (n > max) {
        snprintf(sh->err, sizeof sh->err, "'%s' is %zu bytes, more than %zu", k, n, max);
        lua_pop(L, 1);
        return -1;
    }
    if (!ig_utf8_valid(s, n) || strlen(s) != n) {
        snprintf(sh->err, sizeof sh->err, "'%s' is not valid UTF-8 text", k);
        lua_pop(L, 1);
        return -1;
    }
    *out = ig_strndup(s, n);
    lua_pop(L, 1);
    if (!*out) {
        snprintf(sh->err, sizeof sh->err, "out of memory");
        return -1;
    }
    return 1;
}

static int valid_id(const char *id)
{
    if (!id[0]) return 0;
    for (const char *p = id; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '/'))
            return 0;
    }
    return 1;
}

/* Read the rule table at stack index t into r. 0 or -1 (sh->err says why). */
static int read_rule(lua_State *L, int t, iamg_rule_info *r, shape *sh)
{
    char *level = NULL;
    memset(r, 0, sizeof *r);
    if (str_field(L, t, "id", 255, (char **)&r->id, sh) <= 0) {
        if (!sh->err[0]) snprintf(sh->err, sizeof sh->err, "'id' is required");
        return -1;
    }
    if (strncmp(r->id, "IAMGUARD-", 9) == 0) {
        snprintf(sh->err, sizeof sh->err,
                 "'id' prefix IAMGUARD- is reserved for iamguard's own reports");
        return -1;
    }
    if (!valid_id(r->id)) {
        snprintf(sh->err, sizeof sh->err,
                 "'id' \"%.64s\" may hold only letters, digits and - _ . /", r->id);
        return -1;
    }
    if (str_field(L, t, "name", 255, (char **)&r->name, sh) < 0) return -1;
    if (str_field(L, t, "short_description", 1024, (char **)&r->short_description, sh) <= 0) {
        if (!sh->err[0]) snprintf(sh->err, sizeof sh->err, "'short_description' is required");
        return -1;
    }
    if (str_field(L, t, "full_description", 1024, (char **)&r->full_description, sh) < 0) return -1;
    if (str_field(L, t, "help", 65536, (char **)&r->help, sh) < 0) return -1;
    if (str_field(L, t, "help_uri", 2048, (char **)&r->help_uri, sh) < 0) return -1;
    if (str_field(L, t, "precision", 32, (char **)&r->precision, sh) < 0) return -1;
    if (r->precision && strcmp(r->precision, "very-high") && strcmp(r->precision, "high") &&
        strcmp(r->precision, "medium") && strcmp(r->precision, "low")) {
        snprintf(sh->err, sizeof sh->err,
                 "'precision' must be \"very-high\", \"high\", \"medium\" or \"low\"");
        return -1;
    }
    int has = str_field(L, t, "level", 16, &level, sh);
    if (has < 0) return -1;
    r->level = IAMG_LEVEL_WARNING;
    if (has) {
        int lv = iamg_level_parse(level);
        ig_free(level);
        if (lv <= IAMG_LEVEL_NONE) {
            snprintf(sh->err, sizeof sh->err, "'level' must be \"error\", \"warning\" or \"note\"");
            return -1;
        }
        r->level = (iamg_level)lv;
    }
    lua_pushstring(L, "security_severity");
    int ty = lua_rawget(L, t);
    if (ty != LUA_TNIL) {
        lua_Number v = lua_tonumber(L, -1);
        if (ty != LUA_TNUMBER || !(v >= 0.1 && v <= 10.0)) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err,
                     "'security_severity' must be a number from 0.1 to 10");
            return -1;
        }
        r->security_severity = (double)v;
    }
    lua_pop(L, 1);
    lua_pushstring(L, "tags");
    ty = lua_rawget(L, t);
    if (ty != LUA_TNIL) {
        if (ty != LUA_TTABLE) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err, "'tags' must be a list of strings");
            return -1;
        }
        int tt = lua_gettop(L);
        size_t n = (size_t)lua_rawlen(L, tt);
        if (n > 20) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err, "at most 20 tags (GitHub's limit), found %zu", n);
            return -1;
        }
        const char **tags = n ? ig_calloc(n, sizeof *tags) : NULL;
        if (n && !tags) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err, "out of memory");
            return -1;
        }
        r->tags = tags;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            if (lua_rawgeti(L, tt, (lua_Integer)i + 1) != LUA_TSTRING) {
                lua_pop(L, 2);
                snprintf(sh->err, sizeof sh->err, "tag %zu is not a string", i + 1);
                return -1;
            }
            const char *s = lua_tolstring(L, -1, &len);
            if (len == 0 || len > 255 || !ig_utf8_valid(s, len) || strlen(s) != len) {
                lua_pop(L, 2);
                snprintf(sh->err, sizeof sh->err, "tag %zu must be 1 to 255 bytes of text", i + 1);
                return -1;
            }
            for (size_t j = 0; j < r->ntags; j++) {
                if (strcmp(r->tags[j], s) == 0) {
                    lua_pop(L, 2);
                    snprintf(sh->err, sizeof sh->err, "duplicate tag \"%.64s\"", s);
                    return -1;
                }
            }
            tags[i] = ig_strndup(s, len);
            lua_pop(L, 1);
            if (!tags[i]) {
                lua_pop(L, 1);
                snprintf(sh->err, sizeof sh->err, "out of memory");
                return -1;
            }
            r->ntags = i + 1;
        }
    }
    lua_pop(L, 1);
    iamg_rule_param *params;
    if (ig_params_read(L, t, &params, &r->nparams, sh->err, sizeof sh->err)) return -1;
    r->params = params;
    lua_pushstring(L, "check");
    if (lua_rawget(L, t) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        snprintf(sh->err, sizeof sh->err, "'check' must be a function(policy, report, params)");
        return -1;
    }
    lua_pop(L, 1);
    return 0;
}

/* The longest list 'actions' may give, and the longest action in it. */
#define SCOPE_ACTIONS_MAX 4096
#define SCOPE_ACTION_LEN 256

/* 'kinds' and 'actions' of the rule table at t into r (see ruleset.h).
 * 0, -1 with sh->err set, or -2 when out of memory. */
static int read_scope(lua_State *L, int t, rule *r, shape *sh)
{
    r->kinds = 0xff;
    lua_pushstring(L, "kinds");
    int ty = lua_rawget(L, t);
    if (ty != LUA_TNIL) {
        if (ty != LUA_TTABLE) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err,
                     "'kinds' must be a list of policy kinds (\"identity\", \"trust\", ...)");
            return -1;
        }
        int kt = lua_gettop(L);
        r->kinds = 0;
        for (lua_Integer i = 1; i <= 64; i++) {
            int it = lua_rawgeti(L, kt, i);
            if (it == LUA_TNIL) {
                lua_pop(L, 1);
                break;
            }
            int k = it == LUA_TSTRING ? ig_policy_kind_parse(lua_tostring(L, -1)) : -1;
            lua_pop(L, 1);
            if (k < 0) {
                lua_pop(L, 1);
                snprintf(sh->err, sizeof sh->err,
                         "'kinds' item %d must be \"identity\", \"trust\", \"resource\", "
                         "\"boundary\", \"scp\" or \"rcp\"",
                         (int)i);
                return -1;
            }
            r->kinds |= (uint8_t)(1u << k);
        }
        if (!r->kinds) {
            lua_pop(L, 1);
            snprintf(sh->err, sizeof sh->err, "'kinds' is empty: the rule would never run");
            return -1;
        }
    }
    lua_pop(L, 1);
    lua_pushstring(L, "actions");
    ty = lua_rawget(L, t);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    int at = lua_gettop(L);
    size_t n = ty == LUA_TTABLE ? (size_t)lua_rawlen(L, at) : 0;
    if (n == 0 || n > SCOPE_ACTIONS_MAX) {
        lua_pop(L, 1);
        snprintf(sh->err, sizeof sh->err,
                 "'actions' must be a list of 1 to %d actions (\"service:Action\", globs allowed)",
                 SCOPE_ACTIONS_MAX);
        return -1;
    }
    buf b = BUF_INIT, names = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *a = lua_rawgeti(L, at, (lua_Integer)i + 1) == LUA_TSTRING
                            ? lua_tolstring(L, -1, &len)
                            : NULL;
        const char *colon = a ? memchr(a, ':', len) : NULL;
        if (!a || len > SCOPE_ACTION_LEN || (!colon && strcmp(a, "*") != 0) || strlen(a) != len) {
            lua_pop(L, 2);
            ig_buf_free(&b);
            ig_buf_free(&names);
            snprintf(sh->err, sizeof sh->err,
                     "'actions' item %zu must be an action \"service:Action\" (globs allowed) "
                     "or \"*\"",
                     i + 1);
            return -1;
        }
        ig_buf_append(&names, a, len + 1);
        size_t sl = colon ? (size_t)(colon - a) : len;
        if (!colon || memchr(a, '*', sl) || memchr(a, '?', sl)) {
            r->any_service = 1;
        } else {
            /* Each service once. */
            int seen = 0;
            for (const char *p = b.data; p && *p && !seen; p += strlen(p) + 1)
                seen = strlen(p) == sl && strncasecmp(p, a, sl) == 0;
            if (!seen) {
                for (size_t k = 0; k < sl; k++) {
                    char c = a[k];
                    ig_buf_putc(&b, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
                }
                ig_buf_putc(&b, '\0');
            }
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    ig_buf_putc(&b, '\0');
    if (b.oom || names.oom) {
        ig_buf_free(&b);
        ig_buf_free(&names);
        return -2;
    }
    r->services = b.data;
    r->actions = names.data;
    r->nactions = (uint32_t)n;
    r->scoped = 1;
    return 0;
}

static int has_rule(const iamg_engine *e, const char *id, size_t *at)
{
    for (size_t i = 0; i < e->nrules; i++) {
        if (strcmp(e->rules[i].info.id, id) == 0) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

/* Line where the check function of the rule table at t starts, or 0. */
static unsigned check_line(lua_State *L, int t)
{
    lua_Debug ar;
    lua_pushstring(L, "check");
    if (lua_rawget(L, t) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return 0;
    }
    lua_getinfo(L, ">S", &ar);
    return ar.linedefined > 0 ? (unsigned)ar.linedefined : 0;
}

char *ig_ruleset_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return ig_strdup(".");
    if (slash == path) return ig_strdup("/");
    return ig_strndup(path, (size_t)(slash - path));
}

static int is_module(const iamg_engine *e, const char *path)
{
    for (size_t i = 0; i < e->nmodules; i++)
        if (strcmp(e->modules[i], path) == 0) return 1;
    return 0;
}

/* module_ctx.on_file while loading: remember module files, so that a rules
 * folder does not take them for broken rule files. */
static void record_module(void *ud, const char *path)
{
    iamg_engine *e = ud;
    if (is_module(e, path)) return;
    char **v = ig_realloc(e->modules, (e->nmodules + 1) * sizeof *v);
    if (!v) return;
    e->modules = v;
    if ((v[e->nmodules] = ig_strdup(path))) e->nmodules++;
}

/* A file of a rules folder that returned something other than rules: kept
 * until the whole folder is loaded, since a later file may require it. */
typedef struct pending {
    char **path, **msg;
    size_t n;
} pending;

static void pending_free(pending *p)
{
    for (size_t i = 0; i < p->n; i++) {
        ig_free(p->path[i]);
        ig_free(p->msg[i]);
    }
    ig_free(p->path);
    ig_free(p->msg);
    memset(p, 0, sizeof *p);
}

/* Record "not a rule file" for path: as pending when loading a folder and
 * no rule required it (yet), else as a diagnostic. -1 when out of memory. */
static int not_rules(iamg_engine *e, pending *pend, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int not_rules(iamg_engine *e, pending *pend, const char *path, const char *fmt, ...)
{
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    ig_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *msg = ig_buf_detach(&b);
    if (!msg) return -1;
    if (is_module(e, path)) {
        ig_free(msg);
        return 0;
    }
    if (!pend) {
        int rc = add_diag(e, path, 0, NULL, "%s", msg);
        ig_free(msg);
        return rc;
    }
    char **pv = ig_realloc(pend->path, (pend->n + 1) * sizeof *pv);
    if (pv) pend->path = pv;
    char **mv = pv ? ig_realloc(pend->msg, (pend->n + 1) * sizeof *mv) : NULL;
    if (mv) pend->msg = mv;
    char *pc = mv ? ig_strdup(path) : NULL;
    if (!pc) {
        ig_free(msg);
        return -1;
    }
    pend->path[pend->n] = pc;
    pend->msg[pend->n] = msg;
    pend->n++;
    return 0;
}

/* Load the rules of one source; dir is its folder for require() (NULL:
 * none), pack the pack whose modules it may require (NULL: none), pend
 * collects non-rule files of a folder (NULL: report them). */
static int add_source(iamg_engine *e, const char *name, const char *dir,
                      const iamg_builtin_pack *pack, const char *src, size_t len, int builtin,
                      pending *pend, iamg_error *err)
{
    int rc = 0;
    rule_state rs;
    int opened = 0;
    char *name_copy = NULL, *src_copy = NULL, *dir_copy = NULL;
    size_t added = 0;
    if (len > e->limits.max_rule_file_size) {
        if (add_diag(e, name, 0, NULL,
                     "rule file is %zu bytes, more than the limit of %zu (max_rule_file_size): not "
                     "loaded",
                     len, e->limits.max_rule_file_size))
            goto oom;
        return 0;
    }
    sandbox_result res;
    if (ig_rulestate_open(&rs, &e->limits, name, src, len, dir, builtin, &res) != 0) {
        if (res.kind == SB_SYNTAX) {
            if (add_diag(e, name, (unsigned)res.line, NULL, "rule file did not load (%s): %s",
                         ig_ruleset_fail_kind(res.kind), res.message))
                goto oom;
        } else if (add_diag(e, name, 0, NULL, "%s", res.message)) {
            goto oom;
        }
        goto done;
    }
    opened = 1;
    /* Every name read_rule() and this function push (rulestate.h). */
    static const char *const names[] = {"id",
                                        "name",
                                        "short_description",
                                        "full_description",
                                        "help",
                                        "help_uri",
                                        "precision",
                                        "level",
                                        "security_severity",
                                        "tags",
                                        "check",
                                        "check_principal",
                                        "params",
                                        "default",
                                        "description",
                                        "kinds",
                                        "actions",
                                        NULL};
    if (ig_rulestate_anchor(&rs, names)) goto oom;
    rs.mods.on_file = record_module;
    rs.mods.ud = e;
    rs.mods.pack = pack;
    lua_State *L = ig_sandbox_state(rs.sb);
    if (ig_rulestate_instantiate(&rs, &res) != 0) {
        if (add_diag(e, name, (unsigned)res.line, NULL, "rule file did not load (%s): %s",
                     ig_ruleset_fail_kind(res.kind), res.message))
            goto oom;
        goto done;
    }
    int top = lua_gettop(L);
    if (lua_type(L, top) != LUA_TTABLE) {
        if (not_rules(e, pend, name,
                      "rule file must return a rule table or a list of rule tables, returned %s",
                      luaL_typename(L, top)))
            goto oom;
        goto done;
    }
    /* One rule ({id = ...}) or a list of rules ({{id = ...}, ...}). */
    lua_pushstring(L, "id");
    int single = lua_rawget(L, top) != LUA_TNIL;
    lua_pop(L, 1);
    size_t count = single ? 1 : (size_t)lua_rawlen(L, top);
    if (count == 0) {
        lua_pushnil(L);
        int empty = !lua_next(L, top);
        lua_settop(L, top);
        if (not_rules(e, pend, name,
                      "rule file returned %s: expected a rule table with an 'id' or a list of "
                      "them (modules for require() belong in lib/)",
                      empty ? "an empty table" : "a table without an 'id' or rules"))
            goto oom;
        goto done;
    }
    name_copy = ig_strdup(name);
    src_copy = ig_strndup(src, len);
    dir_copy = dir ? ig_strdup(dir) : NULL;
    if (!name_copy || !src_copy || (dir && !dir_copy)) goto oom;
    for (size_t i = 0; i < count; i++) {
        int t = top;
        if (!single) {
            if (lua_rawgeti(L, top, (lua_Integer)i + 1) != LUA_TTABLE) {
                lua_pop(L, 1);
                if (add_diag(e, name, 0, NULL, "rule %zu of the returned list is not a table",
                             i + 1))
                    goto oom;
                continue;
            }
            t = lua_gettop(L);
        }
        iamg_rule_info info;
        shape sh = {{0}};
        unsigned line = check_line(L, t);
        if (read_rule(L, t, &info, &sh) != 0) {
            int bad = add_diag(e, name, line, info.id, "rule %s%s: %s", info.id ? info.id : "",
                               info.id ? "" : "(no id)", sh.err);
            rule_info_free(&info);
            if (!single) lua_pop(L, 1);
            if (bad) goto oom;
            continue;
        }
        rule scope = {0};
        int src_rc = read_scope(L, t, &scope, &sh);
        if (src_rc != 0) {
            int bad =
                src_rc == -2 || add_diag(e, name, line, info.id, "rule %s: %s", info.id, sh.err);
            rule_info_free(&info);
            if (!single) lua_pop(L, 1);
            if (bad) goto oom;
            continue;
        }
        /* check_principal() is optional. */
        lua_pushstring(L, "check_principal");
        int cpt = lua_rawget(L, t);
        lua_pop(L, 1);
        if (cpt != LUA_TNIL && cpt != LUA_TFUNCTION) {
            int bad = add_diag(e, name, line, info.id,
                               "rule %s: 'check_principal' must be a function(principal, report, "
                               "params)",
                               info.id);
            rule_info_free(&info);
            ig_free(scope.services);
            ig_free(scope.actions);
            if (!single) lua_pop(L, 1);
            if (bad) goto oom;
            continue;
        }
        size_t at;
        if (has_rule(e, info.id, &at)) {
            int bad = add_diag(e, name, line, info.id,
                               "duplicate rule id %s (already defined in %s): not loaded", info.id,
                               e->files[e->rules[at].file].name);
            rule_info_free(&info);
            ig_free(scope.services);
            ig_free(scope.actions);
            if (!single) lua_pop(L, 1);
            if (bad) goto oom;
            continue;
        }
        if (!single) lua_pop(L, 1);
        info.source = name_copy;
        info.builtin = builtin;
        info.enabled = 1;
        info.pack = pack ? pack->name : NULL;
        rule *rv = ig_realloc(e->rules, (e->nrules + 1) * sizeof *rv);
        if (!rv) {
            rule_info_free(&info);
            ig_free(scope.services);
            ig_free(scope.actions);
            goto oom;
        }
        e->rules = rv;
        e->rules[e->nrules] = scope;
        e->rules[e->nrules].info = info;
        e->rules[e->nrules].file = (uint32_t)e->nfiles;
        e->rules[e->nrules].slot = single ? 0 : (uint32_t)(i + 1);
        e->rules[e->nrules].has_check_principal = cpt == LUA_TFUNCTION;
        e->nrules++;
        added++;
    }
    if (added) {
        rule_file *fv = ig_realloc(e->files, (e->nfiles + 1) * sizeof *fv);
        if (!fv) goto oom;
        e->files = fv;
        fv[e->nfiles].name = name_copy;
        fv[e->nfiles].dir = dir_copy;
        fv[e->nfiles].source = src_copy;
        fv[e->nfiles].len = len;
        fv[e->nfiles].builtin = builtin;
        fv[e->nfiles].pack = pack;
        e->nfiles++;
        name_copy = src_copy = dir_copy = NULL;
    }
    goto done;
oom:
    /* Rules that point at the file being added must not survive it. */
    while (added--)
        rule_free(&e->rules[--e->nrules]);
    rc = ig_error_set(err, IAMG_ENOMEM, name, 0, 0, "out of memory while loading rules");
done:
    ig_free(name_copy);
    ig_free(src_copy);
    ig_free(dir_copy);
    if (opened) ig_rulestate_close(&rs);
    return rc;
}

int ig_ruleset_add_source(iamg_engine *e, const char *name, const char *src, size_t len,
                          int builtin, iamg_error *err)
{
    return add_source(e, name, NULL, NULL, src, len, builtin, NULL, err);
}

int iamg_engine_add_rule_source(iamg_engine *e, const char *name, const char *src, size_t len,
                                iamg_error *err)
{
    return ig_ruleset_add_source(e, name, src, len, 0, err);
}

static int add_file(iamg_engine *e, const char *path, pending *pend, iamg_error *err)
{
    char *data = NULL;
    size_t len = 0;
    iamg_error ferr;
    int rc = ig_read_file(path, e->limits.max_rule_file_size, &data, &len, &ferr);
    if (rc == IAMG_ELIMIT || rc == IAMG_EIO) {
        if (add_diag(e, path, 0, NULL, "%s", ferr.message))
            return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
        return 0;
    }
    if (rc) return ig_error_set(err, rc, path, 0, 0, "%s", ferr.message);
    char *dir = ig_ruleset_dir_of(path);
    if (!dir)
        rc = ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    else
        rc = add_source(e, path, dir, NULL, data, len, 0, pend, err);
    ig_free(dir);
    ig_free(data);
    return rc;
}

int iamg_engine_add_rule_file(iamg_engine *e, const char *path, iamg_error *err)
{
    return add_file(e, path, NULL, err);
}

int iamg_engine_add_rules_dir(iamg_engine *e, const char *dir, iamg_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ig_error_set(err, IAMG_EIO, dir, 0, 0, "cannot open rules folder: %s",
                            strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".lua") != 0 || de->d_name[0] == '.') continue;
        if (IG_ARRAY_GROW(names, n, cap, 16)) {
            rc = IAMG_ENOMEM;
            break;
        }
        buf p = BUF_INIT;
        ig_buf_printf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        names[n] = ig_buf_detach(&p);
        if (!names[n]) {
            rc = IAMG_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0) {
        if (n) qsort(names, n, sizeof *names, ig_str_cmp_ptr);
        pending pend = {0};
        for (size_t i = 0; i < n && rc == 0; i++) {
            struct stat st;
            if (stat(names[i], &st) == 0 && !S_ISREG(st.st_mode)) continue;
            rc = add_file(e, names[i], &pend, err);
        }
        /* Files that returned no rules are modules when some rule of the
         * folder required them; otherwise they are broken rule files. */
        for (size_t i = 0; i < pend.n && rc == 0; i++)
            if (!is_module(e, pend.path[i]) &&
                add_diag(e, pend.path[i], 0, NULL, "%s", pend.msg[i]))
                rc = ig_error_set(err, IAMG_ENOMEM, dir, 0, 0, "out of memory");
        pending_free(&pend);
    } else {
        ig_error_set(err, rc, dir, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        ig_free(names[i]);
    ig_free(names);
    return rc;
}

/* Built-in rules that a pack lists as members belong to it. */
static void mark_members(iamg_engine *e)
{
    for (unsigned p = 0; p < ig_builtin_pack_count; p++) {
        const iamg_builtin_pack *pk = &ig_builtin_packs[p];
        for (const char *const *m = pk->members; *m; m++) {
            size_t at;
            if (has_rule(e, *m, &at) && e->rules[at].info.builtin && !e->rules[at].info.pack)
                e->rules[at].info.pack = pk->name;
        }
    }
}

/* Load the built-in rule file b (lua/rules/) unless it is loaded. A
 * built-in rule that does not load is a defect of this build. */
static int add_builtin(iamg_engine *e, const iamg_builtin_rule *b, iamg_error *err)
{
    for (size_t i = 0; i < e->nfiles; i++)
        if (e->files[i].builtin && !e->files[i].pack && strcmp(e->files[i].name, b->name) == 0)
            return 0;
    size_t before = e->ndiags;
    int rc = ig_ruleset_add_source(e, b->name, b->source, b->len, 1, err);
    if (rc == 0 && e->ndiags > before) {
        const iamg_diag *d = &e->diags[before];
        rc = ig_error_set(err, IAMG_ERULE, d->path, d->line, 0, "%s", d->message);
    }
    if (rc == 0) mark_members(e);
    return rc;
}

size_t iamg_pack_count(void)
{
    return ig_builtin_pack_count;
}

int iamg_pack_get(size_t i, iamg_pack_info *out)
{
    memset(out, 0, sizeof *out);
    if (i >= ig_builtin_pack_count) return IAMG_EUSAGE;
    out->name = ig_builtin_packs[i].name;
    out->description = ig_builtin_packs[i].description;
    return 0;
}

int iamg_engine_add_pack(iamg_engine *e, const char *name, iamg_error *err)
{
    unsigned p = 0;
    while (p < ig_builtin_pack_count && strcmp(ig_builtin_packs[p].name, name) != 0)
        p++;
    if (p == ig_builtin_pack_count) {
        buf known = BUF_INIT;
        for (unsigned i = 0; i < ig_builtin_pack_count; i++)
            ig_buf_printf(&known, "%s%s", i ? ", " : "", ig_builtin_packs[i].name);
        int rc = ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "unknown pack '%s' (known packs: %s)",
                              name, known.data ? known.data : "none");
        ig_buf_free(&known);
        return rc;
    }
    /* The bitset has room for 64 packs; embed_packs.cmake makes far fewer. */
    if (p >= 64 || (e->packs_added >> p & 1)) return 0;
    const iamg_builtin_pack *pk = &ig_builtin_packs[p];
    /* The pack's built-in members come with it, even without the built-in rules. */
    for (const char *const *m = pk->members; *m; m++) {
        size_t at;
        for (unsigned i = 0; !has_rule(e, *m, &at) && i < ig_builtin_rule_count; i++) {
            int rc = add_builtin(e, &ig_builtin_rules[i], err);
            if (rc) return rc;
        }
    }
    /* A rule file of the pack that does not load (a rule id some other
     * loaded rule already has) is reported like any rule file. */
    for (unsigned i = 0; i < pk->nrules; i++) {
        const iamg_builtin_rule *b = &pk->rules[i];
        int rc = add_source(e, b->name, NULL, pk, b->source, b->len, 1, NULL, err);
        if (rc) return rc;
    }
    e->packs_added |= (uint64_t)1 << p;
    return 0;
}

int iamg_engine_new(const iamg_engine_options *opts, iamg_engine **out, iamg_error *err)
{
    iamg_engine_options dflt = IAMG_ENGINE_OPTIONS_INIT;
    if (!opts) opts = &dflt;
    *out = NULL;
    int vrc =
        ig_options_check(opts->version, IAMG_ENGINE_OPTIONS_VERSION, "iamg_engine_options", err);
    if (vrc) return vrc;
    iamg_engine *e = ig_calloc(1, sizeof *e);
    if (!e) return ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory");
    e->limits = opts->limits;
    if (opts->builtin_rules) {
        for (unsigned i = 0; i < ig_builtin_rule_count; i++) {
            int rc = add_builtin(e, &ig_builtin_rules[i], err);
            if (rc) {
                iamg_engine_free(e);
                return rc;
            }
        }
    }
    *out = e;
    return 0;
}

int iamg_engine_select(iamg_engine *e, const char *const *only, size_t nonly,
                       const char *const *skip, size_t nskip, iamg_error *err)
{
    size_t at;
    for (size_t i = 0; i < nonly; i++)
        if (!has_rule(e, only[i], &at))
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                                "unknown rule id '%s' (see 'iamguard rules')", only[i]);
    for (size_t i = 0; i < nskip; i++)
        if (!has_rule(e, skip[i], &at))
            return ig_error_set(err, IAMG_EUSAGE, "", 0, 0,
                                "unknown rule id '%s' (see 'iamguard rules')", skip[i]);
    for (size_t r = 0; r < e->nrules; r++) {
        int on = nonly == 0;
        for (size_t i = 0; i < nonly; i++)
            on |= strcmp(only[i], e->rules[r].info.id) == 0;
        for (size_t i = 0; i < nskip; i++)
            if (strcmp(skip[i], e->rules[r].info.id) == 0) on = 0;
        e->rules[r].info.enabled = on;
    }
    return 0;
}

int iamg_engine_set_level(iamg_engine *e, const char *id, iamg_level level, iamg_error *err)
{
    size_t at;
    if (!has_rule(e, id, &at))
        return ig_error_set(err, IAMG_EUSAGE, "", 0, 0, "unknown rule id '%s'", id);
    if (level == IAMG_LEVEL_NONE)
        e->rules[at].info.enabled = 0;
    else
        e->rules[at].info.level = level;
    return 0;
}

size_t iamg_engine_rule_count(const iamg_engine *e)
{
    return e->nrules;
}

const iamg_rule_info *iamg_engine_rule(const iamg_engine *e, size_t i)
{
    return i < e->nrules ? &e->rules[i].info : NULL;
}

const iamg_rule_info *iamg_engine_find_rule(const iamg_engine *e, const char *id)
{
    size_t at;
    return has_rule(e, id, &at) ? &e->rules[at].info : NULL;
}

size_t iamg_engine_diag_count(const iamg_engine *e)
{
    return e->ndiags;
}

const iamg_diag *iamg_engine_diag(const iamg_engine *e, size_t i)
{
    return i < e->ndiags ? &e->diags[i] : NULL;
}

const iamg_limits *iamg_engine_limits(const iamg_engine *e)
{
    return &e->limits;
}

size_t iamg_engine_module_count(const iamg_engine *e)
{
    return e->nmodules;
}

const char *iamg_engine_module(const iamg_engine *e, size_t i)
{
    return i < e->nmodules ? e->modules[i] : NULL;
}
