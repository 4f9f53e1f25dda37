#include "rules/runner.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "catalog/actset.h"
#include "catalog/catalog.h"
#include "rules/params.h"
#include "rules/ruleset.h"
#include "rules/rulestate.h"
#include "util/alloc.h"
#include "util/array.h"

typedef struct file_state {
    rule_state rs;       /* rs.sb is NULL until the file is first needed */
    int failed;          /* the file failed to load in this runner: its rules are skipped */
    uint64_t serial;     /* the document the current instance was made for (0: none) */
    int instance_failed; /* making that instance failed: its rules are skipped */
} file_state;

struct runner {
    const iamg_engine *e;
    /* The services the current document's statements may name (see
     * doc_services), computed once per document for rules with 'actions'. */
    uint64_t svc_serial;
    int svc_all;
    ig_svc_name *svcs;
    size_t nsvcs, capsvcs;
    /* Per statement: which of the first 64 services its items name, and
     * whether they may name any; idx.mask is NULL when out of memory. */
    uint64_t *stmt_mask;
    uint8_t *stmt_any;
    size_t capstmts;
    ig_stmt_services idx;
    /* Per rule with 'actions': those actions as a set, made on first use
     * (set_state 1), or 2 when it cannot be made (the rule then runs
     * wherever its services do). */
    ig_actset **sets;
    uint8_t *set_state;
    const char **pats; /* scratch: one statement's Action items */
    size_t cappats;
    file_state *files;
    int *refs;               /* per rule: registry reference of check() in its file's instance */
    int *prefs;              /* per rule: check_principal(), or LUA_NOREF */
    int *param_refs;         /* per rule: its read-only params table, or LUA_NOREF */
    const principal_set *ps; /* the file being checked (ig_runner_set_file) */
    const loaded *file;
    uint64_t generation;
    uint64_t serial; /* documents checked */
    int keep_logs;
};

runner *ig_runner_new(const iamg_engine *e, int keep_logs)
{
    runner *r = ig_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->e = e;
    r->keep_logs = keep_logs;
    r->files = ig_calloc(e->nfiles ? e->nfiles : 1, sizeof *r->files);
    r->refs = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->refs);
    r->prefs = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->prefs);
    r->param_refs = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->param_refs);
    r->sets = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->sets);
    r->set_state = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->set_state);
    if (!r->files || !r->refs || !r->prefs || !r->param_refs || !r->sets || !r->set_state) {
        ig_runner_free(r);
        return NULL;
    }
    for (size_t i = 0; i < e->nrules; i++)
        r->refs[i] = r->prefs[i] = r->param_refs[i] = LUA_NOREF;
    return r;
}

static void drop_file(runner *r, uint32_t f)
{
    ig_rulestate_close(&r->files[f].rs);
    r->files[f].serial = 0;
    for (size_t i = 0; i < r->e->nrules; i++)
        if (r->e->rules[i].file == f) r->refs[i] = r->prefs[i] = r->param_refs[i] = LUA_NOREF;
}

void ig_runner_free(runner *r)
{
    if (!r) return;
    if (r->files)
        for (size_t f = 0; f < r->e->nfiles; f++)
            ig_rulestate_close(&r->files[f].rs);
    for (size_t i = 0; r->sets && i < r->e->nrules; i++)
        ig_free(r->sets[i]);
    ig_free(r->sets);
    ig_free(r->set_state);
    ig_free(r->pats);
    ig_free(r->svcs);
    ig_free(r->stmt_mask);
    ig_free(r->stmt_any);
    ig_free(r->files);
    ig_free(r->refs);
    ig_free(r->prefs);
    ig_free(r->param_refs);
    ig_free(r);
}

/* Record the lines rule ri wrote with log() since the sandbox had written
 * `before`, oldest first; `when` is "" for check() and "(top level) " for
 * the rule file's own code, which runs first. Numbered, zero-padded, so
 * that sorting the results keeps their order. */
static void keep_logs(runner *r, sandbox *sb, size_t before, const pdoc *doc, size_t ri,
                      const char *when, diag_list *diags)
{
    size_t n = ig_sandbox_log_count(sb) - before;
    if (!r->keep_logs || n == 0) return;
    const char *id = r->e->rules[ri].info.id;
    size_t kept = n < SANDBOX_LOG_KEEP ? n : SANDBOX_LOG_KEEP;
    int width = 1;
    for (size_t k = n; k >= 10; k /= 10)
        width++;
    diag *d;
    if (kept < n) {
        d = ig_diag_add(diags, IAMG_ELOG, IAMG_LEVEL_NOTE, doc->src, doc->node->start,
                        "%s%0*d/%zu: (%zu earlier lines not kept: log() keeps the last %d of each "
                        "call)",
                        when, width, 0, n, n - kept, SANDBOX_LOG_KEEP);
        if (d) d->rule_id = ig_strdup(id);
    }
    for (size_t i = kept; i-- > 0;) {
        d = ig_diag_add(diags, IAMG_ELOG, IAMG_LEVEL_NOTE, doc->src, doc->node->start,
                        "%s%0*zu/%zu: %s", when, width, n - i, n, ig_sandbox_log_line(sb, i));
        if (d) d->rule_id = ig_strdup(id);
    }
}

/* Open the sandbox of rule file f. */
static void load_file(runner *r, uint32_t f, const pdoc *doc, diag_list *diags)
{
    const rule_file *rf = &r->e->files[f];
    file_state *fs = &r->files[f];
    sandbox_result res;
    /* The names instantiate() pushes while reading the rule tables. */
    static const char *const names[] = {"check", "check_principal", NULL};
    int rc = ig_rulestate_open(&fs->rs, &r->e->limits, rf->name, rf->source, rf->len, rf->dir,
                               rf->builtin, &res);
    if (rc == 0) fs->rs.mods.pack = rf->pack;
    if (rc == 0 && ig_rulestate_anchor(&fs->rs, names)) {
        ig_rulestate_close(&fs->rs);
        res.kind = SB_MEMORY;
        snprintf(res.message, sizeof res.message, "out of memory");
        rc = -1;
    }
    if (rc) {
        /* It loaded when the engine was built; failing now means a limit. */
        ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                    "rule file %s failed to load again (%s): %s", rf->name,
                    ig_ruleset_fail_kind(res.kind), res.message);
        fs->failed = 1;
    }
}

/* A new instance of rule file f for the current document, and references
 * to its checks; rule ri (of that file) asked for it. */
static void instantiate(runner *r, uint32_t f, size_t ri, const pdoc *doc, diag_list *diags)
{
    const iamg_engine *e = r->e;
    file_state *fs = &r->files[f];
    lua_State *L = ig_sandbox_state(fs->rs.sb);
    sandbox_result res;
    fs->serial = r->serial;
    fs->instance_failed = 0;
    size_t logged = ig_sandbox_log_count(fs->rs.sb);
    for (size_t i = 0; i < e->nrules; i++) {
        if (e->rules[i].file != f) continue;
        if (r->refs[i] != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, r->refs[i]);
        if (r->prefs[i] != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, r->prefs[i]);
        r->refs[i] = r->prefs[i] = LUA_NOREF;
    }
    int failed = ig_rulestate_instantiate(&fs->rs, &res) != 0;
    keep_logs(r, fs->rs.sb, logged, doc, ri, "(top level) ", diags);
    if (failed || !lua_istable(L, -1)) {
        ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                    "rule file %s failed to load for this document (%s): %s", e->files[f].name,
                    ig_ruleset_fail_kind(res.kind),
                    res.kind == SB_OK ? "did not return a table" : res.message);
        lua_settop(L, 0);
        fs->instance_failed = 1;
        /* A tripped limit leaves the state unusable: rebuild it next time. */
        if (ig_sandbox_broken(fs->rs.sb)) drop_file(r, f);
        return;
    }
    int top = lua_gettop(L);
    for (size_t i = 0; i < e->nrules; i++) {
        if (e->rules[i].file != f) continue;
        int t = top;
        if (e->rules[i].slot) {
            lua_rawgeti(L, top, e->rules[i].slot);
            t = lua_gettop(L);
        }
        lua_pushstring(L, "check");
        if (lua_istable(L, t) && lua_rawget(L, t) == LUA_TFUNCTION)
            r->refs[i] = ig_rulestate_ref(&fs->rs);
        else
            lua_pop(L, 1);
        lua_pushstring(L, "check_principal");
        if (lua_istable(L, t) && lua_rawget(L, t) == LUA_TFUNCTION)
            r->prefs[i] = ig_rulestate_ref(&fs->rs);
        else
            lua_pop(L, 1);
        lua_settop(L, top);
    }
    lua_settop(L, 0);
}

void ig_runner_set_file(runner *r, const principal_set *ps, const loaded *file)
{
    r->ps = ps;
    r->file = file;
}

/* Push check_principal()'s arguments in a protected call (as
 * ig_lua_api_push_args does for check()). */
static int push_principal_step(lua_State *L)
{
    check_ctx *ctx = lua_touserdata(L, 1);
    const pcall *pc = lua_touserdata(L, 2);
    lua_settop(L, 0);
    ig_principal_api_push_principal(L, ctx, pc);
    ig_lua_api_push_report(L, ctx);
    ig_params_push_cached(L, ctx->params_ref, ctx->params, ctx->nparams);
    return 3;
}

static int push_principal_args(lua_State *L, check_ctx *ctx, const pcall *pc)
{
    lua_pushcfunction(L, push_principal_step);
    lua_pushlightuserdata(L, ctx);
    lua_pushlightuserdata(L, (void *)pc);
    if (lua_pcall(L, 2, 3, 0) != LUA_OK) {
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

static int run_rules(runner *r, const pdoc *doc, const pcall *pc, rfind_list *out,
                     diag_list *diags);

int ig_runner_check(runner *r, const pdoc *doc, rfind_list *out, diag_list *diags)
{
    return run_rules(r, doc, NULL, out, diags);
}

int ig_runner_check_principal(runner *r, const pcall *pc, rfind_list *out, diag_list *diags)
{
    return run_rules(r, pc->self, pc, out, diags);
}

int ig_runner_has_principal_checks(const runner *r)
{
    for (size_t i = 0; i < r->e->nrules; i++)
        if (r->e->rules[i].info.enabled && r->e->rules[i].has_check_principal) return 1;
    return 0;
}

/* Note the service prefix of one Action item of the current document:
 * "s3:Get*" names s3; "*", "s3*" or "s*:Get" may name any service. Returns
 * the service's index, or -1 when the item may name any service (or the
 * service is past the first 64, or there is no memory to note it). */
static int note_service(runner *r, const char *pat)
{
    const char *colon = strchr(pat, ':');
    size_t n = colon ? (size_t)(colon - pat) : strlen(pat);
    if (!colon || memchr(pat, '*', n) || memchr(pat, '?', n)) return -1;
    for (size_t i = 0; i < r->nsvcs; i++)
        if (r->svcs[i].n == n && strncasecmp(r->svcs[i].s, pat, n) == 0)
            return i < 64 ? (int)i : -1;
    if (IG_ARRAY_GROW(r->svcs, r->nsvcs, r->capsvcs, 16)) return -1;
    r->svcs[r->nsvcs].s = pat;
    r->svcs[r->nsvcs].n = n;
    r->nsvcs++;
    return r->nsvcs <= 64 ? (int)(r->nsvcs - 1) : -1;
}

/* The services doc's statements may grant actions of, whatever their
 * Effect, as a whole (svc_all: NotAction, a statement with both Action and
 * NotAction, or a wildcard in a service prefix may grant any) and per
 * statement (the index shared with the rules through check_ctx.svc). */
static void doc_services(runner *r, const pdoc *doc)
{
    if (r->svc_serial == r->serial) return;
    r->svc_serial = r->serial;
    r->svc_all = 0;
    r->nsvcs = 0;
    int masks = 1;
    if (doc->nstmts > r->capstmts) {
        uint64_t *m = ig_realloc(r->stmt_mask, doc->nstmts * sizeof *m);
        if (m) r->stmt_mask = m;
        uint8_t *a = m ? ig_realloc(r->stmt_any, doc->nstmts * sizeof *a) : NULL;
        if (a) {
            r->stmt_any = a;
            r->capstmts = doc->nstmts;
        } else {
            masks = 0; /* no index: rules match every statement's patterns */
        }
    }
    for (uint32_t i = 0; i < doc->nstmts; i++) {
        const pstmt *st = &doc->stmts[i];
        uint64_t mask = 0;
        int any = st->action.negated || st->action_twin.member;
        for (uint32_t k = 0; k < st->action.n && !any; k++) {
            int s = note_service(r, st->action.v[k]->u.s);
            if (s < 0)
                any = 1;
            else
                mask |= UINT64_C(1) << s;
        }
        if (any) r->svc_all = 1;
        if (masks) {
            r->stmt_mask[i] = mask;
            r->stmt_any[i] = (uint8_t)any;
        }
    }
    r->idx.doc = doc;
    r->idx.svcs = r->svcs;
    r->idx.nsvcs = r->nsvcs < 64 ? r->nsvcs : 64;
    r->idx.mask = masks ? r->stmt_mask : NULL;
    r->idx.any = masks ? r->stmt_any : NULL;
}

/* The 'actions' of rule i as a set of catalogue actions, or NULL when
 * they cannot be one (a name that expands to nothing is still matched as
 * text by the rule's own st:grants; out of memory). */
static const ig_actset *rule_set(runner *r, size_t i)
{
    if (r->set_state[i] == 1) return r->sets[i];
    if (r->set_state[i] == 2) return NULL;
    const rule *ru = &r->e->rules[i];
    const iamg_catalog *c = ig_catalog();
    const char **names = ig_malloc(ru->nactions * sizeof *names);
    size_t size, bad;
    r->set_state[i] = 2;
    if (c && names) {
        const char *p = ru->actions;
        for (uint32_t k = 0; k < ru->nactions; k++, p += strlen(p) + 1)
            names[k] = p;
        if (ig_actset_build(c, names, ru->nactions, &r->sets[i], &size, &bad) == 0)
            r->set_state[i] = 1;
    }
    ig_free(names);
    return r->sets[i];
}

/* Does some statement of doc grant an action of set s, whatever its
 * Effect? 1 also when that cannot be told cheaply and surely. */
static int doc_grants(runner *r, const pdoc *doc, const ig_actset *s)
{
    uint64_t wanted = 0;
    const ig_stmt_services *x = r->idx.mask ? &r->idx : NULL;
    for (size_t k = 0; x && k < x->nsvcs; k++)
        if (ig_actset_has_service(s, x->svcs[k].s, x->svcs[k].n)) wanted |= UINT64_C(1) << k;
    for (uint32_t i = 0; i < doc->nstmts; i++) {
        const pstmt *st = &doc->stmts[i];
        if (x && !x->any[i] && !(x->mask[i] & wanted)) continue;
        if (st->action_twin.member) return 1;
        if (st->action.n > r->cappats) {
            const char **v = ig_realloc(r->pats, st->action.n * sizeof *v);
            if (!v) return 1;
            r->pats = v;
            r->cappats = st->action.n;
        }
        for (uint32_t k = 0; k < st->action.n; k++) {
            const tnode *t = st->action.v[k];
            if (memchr(t->u.s, '\0', t->n)) return 1;
            r->pats[k] = t->u.s;
        }
        size_t which;
        if (ig_actset_first(s, r->pats, st->action.n, st->action.negated, &which) != UINT32_MAX)
            return 1;
    }
    return 0;
}

/* Is check() of rule i called for doc? Its 'kinds' must include the
 * document's kind, and with 'actions' some statement must grant one of
 * them (or, when they cannot be a set, name one of their services). */
static int rule_applies(runner *r, size_t i, const pdoc *doc)
{
    const rule *ru = &r->e->rules[i];
    if (!(ru->kinds >> doc->kind & 1)) return 0;
    if (!ru->scoped) return 1;
    doc_services(r, doc);
    if (!ru->any_service && !r->svc_all) {
        int named = 0;
        for (const char *p = ru->services; *p && !named; p += strlen(p) + 1) {
            size_t n = strlen(p);
            for (size_t k = 0; k < r->nsvcs && !named; k++)
                named = r->svcs[k].n == n && strncasecmp(r->svcs[k].s, p, n) == 0;
        }
        if (!named) return 0;
    }
    const ig_actset *s = rule_set(r, i);
    return !s || doc_grants(r, doc, s);
}

static int run_rules(runner *r, const pdoc *doc, const pcall *pc, rfind_list *out, diag_list *diags)
{
    const iamg_engine *e = r->e;
    r->serial++;
    for (size_t i = 0; i < e->nrules; i++) {
        const rule *ru = &e->rules[i];
        if (!ru->info.enabled) continue;
        if (!pc && !rule_applies(r, i, doc)) continue;
        file_state *fs = &r->files[ru->file];
        if (fs->failed) continue;
        if (!fs->rs.sb) {
            load_file(r, ru->file, doc, diags);
            if (fs->failed) continue;
        }
        /* A new instance per document; built-in rule files keep no state,
         * so one instance serves them all. */
        if (fs->serial == 0 ||
            (fs->serial != r->serial && (fs->instance_failed || !e->files[ru->file].builtin)))
            instantiate(r, ru->file, i, doc, diags);
        if (fs->instance_failed || !fs->rs.sb) continue;
        int ref = pc ? r->prefs[i] : r->refs[i];
        if (pc && ref == LUA_NOREF) continue; /* check_principal() is optional */
        if (ref == LUA_NOREF) {
            ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                        "rule %s: check() is missing after reloading %s", ru->info.id,
                        e->files[ru->file].name);
            continue;
        }
        sandbox *sb = fs->rs.sb;
        lua_State *L = ig_sandbox_state(sb);
        check_ctx *ctx = &fs->rs.ctx;
        ctx->doc = doc;
        ctx->svc = r->svc_serial == r->serial && r->idx.mask ? &r->idx : NULL;
        ctx->generation = ++r->generation;
        ctx->rule = (uint32_t)i;
        ctx->level = ru->info.level;
        ctx->params = ru->info.params;
        ctx->nparams = ru->info.nparams;
        ctx->params_ref = &r->param_refs[i];
        ctx->out = out;
        ctx->reported = 0;
        ctx->overflow = 0;
        ctx->oom = 0;
        ctx->ps = r->ps;
        ctx->file = r->file;
        ctx->held = pc ? pc->held : NULL;
        ctx->sites = pc ? pc->sites : NULL;
        ctx->nheld = pc ? pc->nheld : 0;
        ctx->reach_capped = 0;
        sandbox_result res;
        int failed;
        size_t logged = ig_sandbox_log_count(sb);
        if ((pc ? push_principal_args(L, ctx, pc) : ig_lua_api_push_args(L, ctx)) != 0) {
            failed = 1;
            res.kind = SB_MEMORY;
            res.line = 0;
            snprintf(res.message, sizeof res.message,
                     "no memory left for the policy view (limit: --rule-memory)");
            /* The state is at its cap: start the next document afresh. */
            drop_file(r, ru->file);
            L = NULL;
        } else {
            lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
            lua_insert(L, -4);
            failed = ig_sandbox_call(sb, 3, 0, &res) != 0;
            keep_logs(r, sb, logged, doc, i, "", diags);
        }
        if (L) lua_settop(L, 0);
        if (failed) {
            if (ctx->oom) return IAMG_ENOMEM;
            diag *d;
            if (res.line > 0)
                d = ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                                "rule %s failed on this document (%s at %s:%d): %s", ru->info.id,
                                ig_ruleset_fail_kind(res.kind), e->files[ru->file].name, res.line,
                                res.message);
            else
                d = ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                                "rule %s failed on this document (%s in %s): %s", ru->info.id,
                                ig_ruleset_fail_kind(res.kind), e->files[ru->file].name,
                                res.message);
            if (d) d->rule_id = ig_strdup(ru->info.id);
            /* A tripped limit leaves the state unusable: rebuild it for the next document. */
            if (fs->rs.sb && ig_sandbox_broken(fs->rs.sb)) drop_file(r, ru->file);
        }
        if (ctx->overflow) {
            diag *d = ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                                  "rule %s reported more than %zu findings on this document; %zu "
                                  "more were not kept (limit max_findings_per_rule)",
                                  ru->info.id, e->limits.max_findings_per_rule, ctx->overflow);
            if (d) d->rule_id = ig_strdup(ru->info.id);
        }
        if (ctx->reach_capped) {
            /* The answer was "reaches" (fail safe), so the findings are all
             * there; a warning says the rule could not decide, and marks the
             * SARIF run incomplete so that no alert is closed on it. */
            const pdoc *cd = ctx->reach_capped_doc;
            const pstmt *st = &cd->stmts[ctx->reach_capped_stmt];
            char label[64];
            ig_policy_stmt_label(st, label, sizeof label);
            diag *d = ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_WARNING, cd->src, st->node->start,
                                  "rule %s: the Resource analysis of statement %s stopped at the "
                                  "limit of %zu configurations (max_reach_configs), %zu time%s in "
                                  "this check: reported as reaching unnamed resources",
                                  ru->info.id, label, e->limits.max_reach_configs,
                                  ctx->reach_capped, ctx->reach_capped == 1 ? "" : "s");
            if (d) d->rule_id = ig_strdup(ru->info.id);
        }
        ctx->doc = NULL;
        ctx->svc = NULL;
        ctx->held = ctx->sites = NULL;
        ctx->nheld = 0;
    }
    return 0;
}
