#include "rules/runner.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "rules/ruleset.h"
#include "rules/sandbox.h"
#include "util/alloc.h"

typedef struct file_state {
    sandbox *sb;
    check_ctx ctx; /* installed in sb; must stay at this address */
    int failed;    /* the file failed to load in this runner: its rules are skipped */
} file_state;

struct runner {
    const iamg_engine *e;
    file_state *files;
    int *refs; /* per rule: registry reference of check(), LUA_NOREF until loaded */
    uint64_t generation;
};

runner *ig_runner_new(const iamg_engine *e)
{
    runner *r = ig_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->e = e;
    r->files = ig_calloc(e->nfiles ? e->nfiles : 1, sizeof *r->files);
    r->refs = ig_calloc(e->nrules ? e->nrules : 1, sizeof *r->refs);
    if (!r->files || !r->refs) {
        ig_runner_free(r);
        return NULL;
    }
    for (size_t i = 0; i < e->nrules; i++)
        r->refs[i] = LUA_NOREF;
    return r;
}

static void drop_file(runner *r, uint32_t f)
{
    ig_sandbox_free(r->files[f].sb);
    r->files[f].sb = NULL;
    for (size_t i = 0; i < r->e->nrules; i++)
        if (r->e->rules[i].file == f) r->refs[i] = LUA_NOREF;
}

void ig_runner_free(runner *r)
{
    if (!r) return;
    if (r->files)
        for (size_t f = 0; f < r->e->nfiles; f++)
            ig_sandbox_free(r->files[f].sb);
    ig_free(r->files);
    ig_free(r->refs);
    ig_free(r);
}

/* Create the sandbox of rule file f and take references to its checks. */
static int load_file(runner *r, uint32_t f, const pdoc *doc, diag_list *diags)
{
    const iamg_engine *e = r->e;
    const rule_file *rf = &e->files[f];
    file_state *fs = &r->files[f];
    sandbox_limits sl = {e->limits.lua_memory, e->limits.lua_instructions,
                         e->limits.lua_timeout_ms};
    fs->sb = ig_sandbox_new(&sl);
    if (!fs->sb) return IAMG_ENOMEM;
    memset(&fs->ctx, 0, sizeof fs->ctx);
    fs->ctx.lim = &e->limits;
    lua_State *L = ig_sandbox_state(fs->sb);
    sandbox_result res;
    if (ig_lua_api_install_protected(L, &fs->ctx) != 0) {
        ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                    "rule file %s: the rule API does not fit in the rule memory limit", rf->name);
        drop_file(r, f);
        fs->failed = 1;
        return 0;
    }
    if (ig_sandbox_load(fs->sb, rf->name, rf->source, rf->len, &res) != 0 || !lua_istable(L, -1)) {
        /* It loaded when the engine was built; failing now means the rule
         * depends on something that changed, or hit a limit. */
        ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                    "rule file %s failed to load again (%s): %s", rf->name,
                    ig_ruleset_fail_kind(res.kind),
                    res.kind == SB_OK ? "did not return a table" : res.message);
        drop_file(r, f);
        fs->failed = 1;
        return 0;
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
            r->refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
        else
            lua_pop(L, 1);
        lua_settop(L, top);
    }
    lua_settop(L, 0);
    return 0;
}

int ig_runner_check(runner *r, const pdoc *doc, rfind_list *out, diag_list *diags)
{
    const iamg_engine *e = r->e;
    for (size_t i = 0; i < e->nrules; i++) {
        const rule *ru = &e->rules[i];
        if (!ru->info.enabled) continue;
        file_state *fs = &r->files[ru->file];
        if (fs->failed) continue;
        if (!fs->sb) {
            int rc = load_file(r, ru->file, doc, diags);
            if (rc) return rc;
            if (fs->failed) continue;
        }
        if (r->refs[i] == LUA_NOREF) {
            ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                        "rule %s: check() is missing after reloading %s", ru->info.id,
                        e->files[ru->file].name);
            continue;
        }
        lua_State *L = ig_sandbox_state(fs->sb);
        check_ctx *ctx = &fs->ctx;
        ctx->doc = doc;
        ctx->generation = ++r->generation;
        ctx->rule = (uint32_t)i;
        ctx->level = ru->info.level;
        ctx->out = out;
        ctx->reported = 0;
        ctx->overflow = 0;
        ctx->oom = 0;
        sandbox_result res;
        int failed;
        if (ig_lua_api_push_args(L, ctx) != 0) {
            failed = 1;
            res.kind = SB_MEMORY;
            res.line = 0;
            snprintf(res.message, sizeof res.message,
                     "no memory left for the policy view (limit: --rule-memory)");
            /* The state is at its cap: start the next document afresh. */
            drop_file(r, ru->file);
            L = NULL;
        } else {
            lua_rawgeti(L, LUA_REGISTRYINDEX, r->refs[i]);
            lua_insert(L, -3);
            failed = ig_sandbox_call(fs->sb, 2, 0, &res) != 0;
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
            if (fs->sb && ig_sandbox_broken(fs->sb)) drop_file(r, ru->file);
        }
        if (ctx->overflow) {
            diag *d = ig_diag_add(diags, IAMG_ERULE, IAMG_LEVEL_ERROR, doc->src, doc->node->start,
                                  "rule %s reported more than %zu findings on this document; %zu "
                                  "more were not kept (limit max_findings_per_rule)",
                                  ru->info.id, e->limits.max_findings_per_rule, ctx->overflow);
            if (d) d->rule_id = ig_strdup(ru->info.id);
        }
        ctx->doc = NULL;
    }
    return 0;
}
