#include "rules/principal_api.h"

#include <string.h>

#include <lauxlib.h>

#include "util/buf.h"
#include "util/errors.h"

static void set_str(lua_State *L, const char *k, const char *v)
{
    if (!v) return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* {type, name, arn, id}: what a rule may say about a principal. */
static void push_who(lua_State *L, const principal *p)
{
    set_str(L, "type", ig_ptype_name(p->type));
    set_str(L, "name", p->name);
    set_str(L, "arn", p->arn);
    set_str(L, "path", p->path);
    set_str(L, "id", p->id);
}

void ig_principal_api_push_holders(lua_State *L, const principal_set *ps, const loaded *l,
                                   const pdoc *d)
{
    size_t slot = (size_t)-1;
    if (ps && l && d >= l->docs && d < l->docs + l->ndocs) slot = (size_t)(d - l->docs);
    for (size_t e = 0; ps && slot == (size_t)-1 && e < ps->next; e++)
        if (ps->ext[e].doc == d) slot = ps->ndocs + e;
    uint32_t n = 0;
    const pholder *h = slot != (size_t)-1 ? ig_principals_holders(ps, slot, &n, NULL) : NULL;
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n; i++) {
        lua_createtable(L, 0, 5);
        push_who(L, &ps->v[h[i].principal]);
        set_str(L, "how", ig_hold_name(h[i].how));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

/* A document without statements whose region is `at`, standing for a
 * principal or an attachment in findings. */
static pdoc *site_doc(loaded *l, const principal *p, const tsource *src, const tnode *at,
                      const char *policy)
{
    pdoc *d = ig_arena_calloc(&l->a, 1, sizeof *d);
    if (!d) return NULL;
    d->src = src;
    d->node = at;
    ig_policy_set_kind(d, KIND_IDENTITY);
    d->origin.format = l->format;
    int tf = l->format && strncmp(l->format, "terraform", 9) == 0;
    int cfn = l->format && strcmp(l->format, "cloudformation") == 0;
    if (cfn) d->origin.logical_id = p->id;
    if (tf) d->origin.address = p->id;
    d->origin.principal_type = ig_ptype_name(p->type);
    d->origin.principal_name = p->name;
    d->origin.principal_arn = p->arn;
    d->origin.policy_name = policy;
    buf b = BUF_INIT;
    ig_buf_printf(&b, "%s %s", ig_ptype_name(p->type), p->id ? p->id : p->name ? p->name : p->key);
    if (policy) ig_buf_printf(&b, ", managed policy %s", policy);
    d->origin.container = b.oom ? NULL : ig_arena_strndup(&l->a, b.data, b.len);
    ig_buf_free(&b);
    return d->origin.container ? d : NULL;
}

/* Add the entries of one hold (documents one by one). */
static int add_hold(pcall *pc, loaded *l, principal_set *ps, const principal *owner, const phold *h,
                    uint8_t how, int32_t group, const managed_store *store, const iamg_limits *lim)
{
    for (uint32_t s = h->slot; s < h->slot + h->nslots; s++) {
        uint32_t i = pc->nheld++;
        pc->how[i] = how;
        pc->group[i] = group;
        pc->names[i] = NULL;
        if (s < ps->ndocs) {
            pc->held[i] = &l->docs[s];
            pc->sites[i] = &l->docs[s];
            continue;
        }
        const pdoc *d = NULL;
        if (store) {
            int rc = ig_principals_ext_doc(ps, s - ps->ndocs, store, l, lim, &d);
            if (rc) return rc;
        }
        pc->held[i] = d;
        pc->names[i] = ps->ext[s - ps->ndocs].name;
        pc->sites[i] = site_doc(l, owner, h->src, h->at, pc->names[i]);
        if (!pc->sites[i]) return IAMG_ENOMEM;
    }
    return 0;
}

static uint32_t count_entries(const principal_set *ps, const principal *p, unsigned depth)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < p->nholds; k++) {
        const phold *h = &p->holds[k];
        if (h->how == HOLD_GROUP && depth == 0)
            n += count_entries(ps, &ps->v[h->group], 1);
        else if (h->how == HOLD_INLINE || h->how == HOLD_MANAGED || h->how == HOLD_BOUNDARY)
            n += h->nslots;
    }
    return n;
}

int ig_principal_api_prepare(pcall *pc, loaded *l, principal_set *ps, size_t p,
                             const managed_store *store, const iamg_limits *lim)
{
    memset(pc, 0, sizeof *pc);
    pc->ps = ps;
    pc->l = l;
    pc->p = p;
    pc->boundary = -1;
    const principal *pr = &ps->v[p];
    pc->self = pr->at ? site_doc(l, pr, pr->src, pr->at, NULL) : NULL;
    if (!pc->self) return IAMG_ENOMEM;
    uint32_t n = count_entries(ps, pr, 0);
    size_t m = n ? n : 1;
    pc->held = ig_arena_calloc(&l->a, m, sizeof *pc->held);
    pc->sites = ig_arena_calloc(&l->a, m, sizeof *pc->sites);
    pc->how = ig_arena_calloc(&l->a, m, sizeof *pc->how);
    pc->group = ig_arena_calloc(&l->a, m, sizeof *pc->group);
    pc->names = ig_arena_calloc(&l->a, m, sizeof *pc->names);
    if (!pc->held || !pc->sites || !pc->how || !pc->group || !pc->names) return IAMG_ENOMEM;
    for (uint32_t k = 0; k < pr->nholds; k++) {
        const phold *h = &pr->holds[k];
        int rc = 0;
        if (h->how == HOLD_INLINE || h->how == HOLD_MANAGED || h->how == HOLD_BOUNDARY) {
            if (h->how == HOLD_BOUNDARY && pc->boundary < 0 && h->nslots)
                pc->boundary = (int32_t)pc->nheld;
            rc = add_hold(pc, l, ps, pr, h, h->how, -1, store, lim);
        } else if (h->how == HOLD_GROUP) {
            const principal *g = &ps->v[h->group];
            for (uint32_t j = 0; j < g->nholds && rc == 0; j++) {
                const phold *gh = &g->holds[j];
                if (gh->how == HOLD_INLINE || gh->how == HOLD_MANAGED)
                    rc = add_hold(pc, l, ps, g, gh, HOLD_GROUP, h->group, store, lim);
            }
        }
        if (rc) return rc;
    }
    return 0;
}

/* One entry of principal.policies (or principal.boundary). */
static void push_entry(lua_State *L, check_ctx *ctx, const pcall *pc, uint32_t i)
{
    lua_createtable(L, 0, 6);
    if (pc->held[i]) {
        ig_lua_api_push_policy_of(L, ctx, pc->held[i]);
        lua_setfield(L, -2, "policy");
    }
    set_str(L, "how", ig_hold_name(pc->how[i]));
    const pdoc *d = pc->held[i];
    set_str(L, "name", pc->names[i] ? pc->names[i] : d ? d->origin.policy_name : NULL);
    set_str(L, "arn", d ? d->origin.policy_arn : NULL);
    if (pc->group[i] >= 0) {
        const principal *g = &pc->ps->v[pc->group[i]];
        set_str(L, "group", g->id ? g->id : g->name ? g->name : g->key);
    }
    lua_pushinteger(L, (lua_Integer)i + 1);
    lua_setfield(L, -2, "attachment");
}

void ig_principal_api_push_principal(lua_State *L, check_ctx *ctx, const pcall *pc)
{
    const principal *p = &pc->ps->v[pc->p];
    lua_createtable(L, 0, 8);
    push_who(L, p);
    lua_pushboolean(L, p->declared);
    lua_setfield(L, -2, "declared");
    lua_createtable(L, (int)pc->nheld, 0);
    lua_Integer k = 0;
    for (uint32_t i = 0; i < pc->nheld; i++) {
        if (pc->how[i] == HOLD_BOUNDARY) continue;
        push_entry(L, ctx, pc, i);
        lua_rawseti(L, -2, ++k);
    }
    lua_setfield(L, -2, "policies");
    if (pc->boundary >= 0) {
        push_entry(L, ctx, pc, (uint32_t)pc->boundary);
        lua_setfield(L, -2, "boundary");
    }
}

int ig_principal_api_site(lua_State *L, check_ctx *ctx, const pdoc **doc, int32_t *stmt)
{
    if (!ctx->sites) return 0;
    int t = lua_getfield(L, 1, "attachment");
    if (t != LUA_TNIL) {
        int isint;
        lua_Integer k = lua_tointegerx(L, -1, &isint);
        lua_pop(L, 1);
        if (!isint || k < 1 || (uint64_t)k > ctx->nheld)
            return luaL_error(L, "report{}: 'attachment' must be the attachment of an entry of "
                                 "principal.policies or principal.boundary");
        *doc = ctx->sites[k - 1];
        *stmt = -1;
        return 1;
    }
    lua_pop(L, 1);
    /* A statement of a policy the file only attaches: at the attachment. */
    for (uint32_t i = 0; *stmt >= 0 && i < ctx->nheld; i++) {
        if (ctx->held[i] == *doc && ctx->sites[i] != *doc) {
            *doc = ctx->sites[i];
            *stmt = -1;
            return 1;
        }
    }
    return 0;
}
