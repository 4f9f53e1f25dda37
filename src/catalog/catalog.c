/*
 * catalog/catalog.c - the IAM service catalogue: the process-wide instance and
 * its look-ups (loading is catalog_load.c, expansion catalog_expand.c,
 * suggestions catalog_suggest.c).
 *
 * The data is data/iam-catalog.txt, compiled in as one string
 * (catalog_data.h) and written by scripts/gen-catalog.js. One record per
 * line, fields separated by tabs:
 *
 *   # ...                   a comment
 *   V version updated-at    the package version and the date of its data
 *   G key type              a global condition key
 *   S prefix name           a service; the K, R and A lines that follow are its own
 *   K key type              condition key number k of the service (0, 1, ...)
 *   R name arn keys         resource type number r of the service; keys "k,k,..."
 *   A name level rows keys  an action: level L, R, W, P or T (List, Read, Write,
 *                           Permissions management, Tagging); rows separated by
 *                           spaces, each "r", "r!" (required) or "r=k,k" (the
 *                           condition keys of the action's row for that type)
 *
 * Services come in byte order of "prefix:" and actions within a service in
 * byte order of their names, so the actions in file order are sorted by
 * "service:Action": action ids are positions in that order, and an id list
 * sorted by number is sorted by name.
 *
 * Loading copies the text once, cuts it into NUL-terminated fields in place
 * and builds the arrays and hash tables, once per process, under a lock.
 * Expansions of patterns are cached under another lock: the catalogue is
 * shared by every scan thread, and a rule asks the same few patterns for
 * every statement.
 */
#include "catalog/catalog_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_data.h"
#include "iamguard/match.h"
#include "util/alloc.h"
#include "util/errors.h"

/* ---- the process-wide catalogue ---- */

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(iamg_catalog *) the_catalog;

const iamg_catalog *ig_catalog(void)
{
    iamg_catalog *c = atomic_load_explicit(&the_catalog, memory_order_acquire);
    if (c) return c;
    pthread_mutex_lock(&load_mu);
    c = atomic_load_explicit(&the_catalog, memory_order_relaxed);
    if (!c) {
        /* A failed load (out of memory) leaves nothing behind: the next call tries again. */
        c = ig_catalog_load();
        if (c) atomic_store_explicit(&the_catalog, c, memory_order_release);
    }
    pthread_mutex_unlock(&load_mu);
    return c;
}

#if defined(__GNUC__)
/*
 * The catalogue lives as long as the library: when the library is unloaded
 * (the Lua module is, by lua_close), its memory goes with it instead of
 * leaking a few megabytes per load.
 */
__attribute__((destructor)) static void catalog_unload(void)
{
    iamg_catalog *c = atomic_exchange(&the_catalog, NULL);
    ig_catalog_free(c);
}
#endif

int iamg_catalog_get(const iamg_catalog **out, iamg_error *err)
{
    *out = ig_catalog();
    if (!*out)
        return ig_error_set(err, IAMG_ENOMEM, NULL, 0, 0,
                            "out of memory loading the IAM catalogue");
    ig_error_clear(err);
    return 0;
}

const char *iamg_catalog_version(void)
{
    return ig_catalog_data_version;
}

/* ---- access levels ---- */

static const char *const level_names[] = {
    NULL, "List", "Read", "Write", "Permissions management", "Tagging"};

const char *iamg_access_level_name(iamg_access_level level)
{
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0]) return NULL;
    return level_names[level];
}

iamg_access_level iamg_access_level_parse(const char *name)
{
    for (unsigned i = 1; name && i < sizeof level_names / sizeof level_names[0]; i++)
        if (ieq(name, level_names[i])) return (iamg_access_level)i;
    return IAMG_ACCESS_NONE;
}

/* ---- services and actions ---- */

/* Compare service prefix a (len bytes, any case) + ':' with b + ':'. */
static int svc_cmp(const char *a, size_t len, const char *b)
{
    for (size_t i = 0;; i++) {
        unsigned char x = i < len ? lc((unsigned char)a[i]) : ':';
        unsigned char y = b[i] ? (unsigned char)b[i] : ':';
        if (x != y) return x < y ? -1 : 1;
        if (i >= len) return 0;
    }
}

const csvc *ig_catalog_find_service(const iamg_catalog *c, const char *prefix, size_t len)
{
    if (memchr(prefix, ':', len)) return NULL;
    uint32_t lo = 0, hi = c->nsvc;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int r = svc_cmp(prefix, len, c->svc[mid].prefix);
        if (r == 0) return &c->svc[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int ig_catalog_has_service(const iamg_catalog *c, const char *prefix, size_t len)
{
    return ig_catalog_find_service(c, prefix, len) != NULL;
}

const char *iamg_catalog_service_name(const iamg_catalog *c, const char *prefix)
{
    const csvc *s = prefix ? ig_catalog_find_service(c, prefix, strlen(prefix)) : NULL;
    return s ? s->name : NULL;
}

size_t iamg_catalog_action_count(const iamg_catalog *c)
{
    return c->nact;
}

uint32_t ig_catalog_naction(const iamg_catalog *c)
{
    return c->nact;
}

const iamg_catalog_action *iamg_catalog_action_at(const iamg_catalog *c, size_t i)
{
    return i < c->nact ? &c->act[i] : NULL;
}

const iamg_catalog_action *ig_catalog_action_by_id(const iamg_catalog *c, uint32_t id)
{
    return id < c->nact ? &c->act[id] : NULL;
}

uint32_t ig_catalog_action_id(const iamg_catalog *c, const iamg_catalog_action *a)
{
    return (uint32_t)(a - c->act);
}

const iamg_catalog_action *iamg_catalog_action_find(const iamg_catalog *c, const char *name)
{
    if (!name) return NULL;
    uint32_t full = hash_lower(name, strlen(name));
    for (uint32_t h = full & c->amask; c->ahash[h]; h = (h + 1) & c->amask) {
        uint32_t id = c->ahash[h] - 1;
        if (c->ahv[id] == full && ieq(c->act[id].full, name)) return &c->act[id];
    }
    return NULL;
}

const char *iamg_catalog_action_service(const iamg_catalog_action *a)
{
    return a->cat->svc[a->svc].prefix;
}

const char *iamg_catalog_action_name(const iamg_catalog_action *a)
{
    return a->name;
}

const char *iamg_catalog_action_full_name(const iamg_catalog_action *a)
{
    return a->full;
}

iamg_access_level iamg_catalog_action_access_level(const iamg_catalog_action *a)
{
    return (iamg_access_level)a->level;
}

size_t iamg_catalog_action_key_count(const iamg_catalog_action *a)
{
    return a->nk;
}

const char *iamg_catalog_action_key(const iamg_catalog_action *a, size_t i)
{
    const iamg_catalog *c = a->cat;
    return i < a->nk ? c->key[c->ref[a->k0 + i]].key : NULL;
}

size_t iamg_catalog_action_resource_count(const iamg_catalog_action *a)
{
    return a->nr;
}

/* Keys of row rw that its resource type does not list. */
static int row_key_is_extra(const iamg_catalog *c, const crow *rw, uint32_t k)
{
    const crt *r = &c->rt[rw->rt];
    for (uint32_t j = 0; j < r->nk; j++)
        if (c->ref[r->k0 + j] == k) return 0;
    return 1;
}

void iamg_catalog_action_resource(const iamg_catalog_action *a, size_t i,
                                  iamg_catalog_resource *out)
{
    const iamg_catalog *c = a->cat;
    memset(out, 0, sizeof *out);
    if (i >= a->nr) return;
    const crow *rw = &c->row[a->r0 + i];
    const crt *r = &c->rt[rw->rt];
    out->name = r->name;
    out->arn = r->arn;
    out->required = rw->required;
    out->nkeys = r->nk;
    for (uint32_t j = 0; j < rw->nk; j++)
        out->nkeys += (size_t)row_key_is_extra(c, rw, c->ref[rw->k0 + j]);
}

const char *iamg_catalog_action_resource_key(const iamg_catalog_action *a, size_t i, size_t k)
{
    const iamg_catalog *c = a->cat;
    if (i >= a->nr) return NULL;
    const crow *rw = &c->row[a->r0 + i];
    const crt *r = &c->rt[rw->rt];
    if (k < r->nk) return c->key[c->ref[r->k0 + k]].key;
    k -= r->nk;
    for (uint32_t j = 0; j < rw->nk; j++) {
        uint32_t id = c->ref[rw->k0 + j];
        if (row_key_is_extra(c, rw, id) && k-- == 0) return c->key[id].key;
    }
    return NULL;
}

/* ---- condition keys ---- */

static const cglobal *find_global(const iamg_catalog *c, const char *key)
{
    for (uint32_t i = 0; i < c->nglob; i++) {
        const cglobal *g = &c->glob[i];
        if (g->prefix ? strlen(key) > g->prefix && ieqn(key, g->key, g->prefix) : ieq(key, g->key))
            return g;
    }
    return NULL;
}

int iamg_catalog_condition_key_is_global(const iamg_catalog *c, const char *key)
{
    return key && find_global(c, key) != NULL;
}

static int key_matches(const ckey *k, const char *key)
{
    return ieq(k->key, key) || (k->glob && iamg_action_match(k->glob, key));
}

/* Length of the part of s before its first ':' (its service). */
/* Could template t name a key of the service part (sp, n) of a key? */
static int template_service_fits(const ckey *t, const char *sp, size_t n)
{
    size_t tn = service_part(t->key);
    if (memchr(t->key, '$', tn) || memchr(t->key, '<', tn)) return 1;
    return tn == n && ieqn(t->key, sp, n);
}

/* Mark in kbits (nkey bits) every catalogue key that `key` is an instance
 * of; returns how many distinct texts matched. */
static int resolve_key(const iamg_catalog *c, const char *key, uint64_t *kbits)
{
    int found = 0;
    uint32_t h = hash_lower(key, strlen(key)) & c->kmask;
    while (c->khash[h]) {
        uint32_t id = c->khash[h] - 1;
        if (ieq(c->key[id].key, key)) {
            for (; id != NONE; id = c->key[id].next)
                kbits[id / 64] |= UINT64_C(1) << (id % 64);
            found++;
            break;
        }
        h = (h + 1) & c->kmask;
    }
    size_t sn = service_part(key);
    for (uint32_t i = 0; i < c->ntmpl; i++) {
        const ckey *t = &c->key[c->tmpl[i]];
        if (!template_service_fits(t, key, sn) || !iamg_action_match(t->glob, key)) continue;
        for (uint32_t id = c->tmpl[i]; id != NONE; id = c->key[id].next)
            kbits[id / 64] |= UINT64_C(1) << (id % 64);
        found++;
    }
    return found;
}

const char *iamg_catalog_condition_key_type(const iamg_catalog *c, const char *key)
{
    if (!key) return NULL;
    const cglobal *g = find_global(c, key);
    if (g) return g->type;
    uint32_t h = hash_lower(key, strlen(key)) & c->kmask;
    while (c->khash[h]) {
        const ckey *k = &c->key[c->khash[h] - 1];
        if (ieq(k->key, key)) return k->type;
        h = (h + 1) & c->kmask;
    }
    size_t sn = service_part(key);
    for (uint32_t i = 0; i < c->ntmpl; i++) {
        const ckey *t = &c->key[c->tmpl[i]];
        if (template_service_fits(t, key, sn) && iamg_action_match(t->glob, key)) return t->type;
    }
    return NULL;
}

int iamg_catalog_action_supports_key(const iamg_catalog_action *a, const char *key)
{
    const iamg_catalog *c = a->cat;
    if (!key) return 0;
    for (uint32_t i = 0; i < a->nk; i++)
        if (key_matches(&c->key[c->ref[a->k0 + i]], key)) return 1;
    for (uint32_t i = 0; i < a->nr; i++) {
        const crt *r = &c->rt[c->row[a->r0 + i].rt];
        for (uint32_t j = 0; j < r->nk; j++)
            if (key_matches(&c->key[c->ref[r->k0 + j]], key)) return 1;
    }
    return 0;
}

static int action_has_key_in(const iamg_catalog *c, const iamg_catalog_action *a,
                             const uint64_t *kbits)
{
#define KEY_IN(id) (kbits[(id) / 64] >> ((id) % 64) & 1)
    for (uint32_t i = 0; i < a->nk; i++)
        if (KEY_IN(c->ref[a->k0 + i])) return 1;
    for (uint32_t i = 0; i < a->nr; i++) {
        const crt *r = &c->rt[c->row[a->r0 + i].rt];
        for (uint32_t j = 0; j < r->nk; j++)
            if (KEY_IN(c->ref[r->k0 + j])) return 1;
    }
    return 0;
#undef KEY_IN
}

int ig_catalog_bits_support_key(const iamg_catalog *c, const uint64_t *bits, const char *key)
{
    uint64_t *kbits = ig_calloc((c->nkey + 63) / 64 + 1, sizeof *kbits);
    if (!kbits) return IAMG_ENOMEM;
    int yes = 0;
    if (resolve_key(c, key, kbits)) {
        EACH_BIT(bits, ig_catalog_words(c), id)
        {
            if (action_has_key_in(c, &c->act[id], kbits)) {
                yes = 1;
                goto done;
            }
        }
    }
done:
    ig_free(kbits);
    return yes;
}

int ig_catalog_bits_support_service(const iamg_catalog *c, const uint64_t *bits,
                                    const char *service, size_t len)
{
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        const iamg_catalog_action *a = &c->act[id];
        /* An action without resource types takes "*": which ARNs IAM
         * matches it against is not written down, so its own service counts. */
        const char *own = c->svc[a->svc].prefix;
        if (a->nr == 0 && strlen(own) == len && memcmp(own, service, len) == 0) return 1;
        for (uint32_t i = 0; i < a->nr; i++) {
            const crt *r = &c->rt[c->row[a->r0 + i].rt];
            if (r->arn_svc_wild || (r->arn_svc_len == len && memcmp(r->arn_svc, service, len) == 0))
                return 1;
        }
    }
    return 0;
}

uint32_t ig_catalog_first_with_level(const iamg_catalog *c, const uint64_t *bits,
                                     iamg_access_level level)
{
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        if (c->act[id].level == level) return id;
    }
    return NONE;
}
