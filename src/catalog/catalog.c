/*
 * catalog/catalog.c - the IAM service catalogue: loading, look-ups, expansion.
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
#include "catalog/catalog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_data.h"
#include "iamguard/match.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/errors.h"

#define NONE UINT32_MAX

/* Bounds of the expansion cache: entries, and action ids held in all. */
#define XCACHE_MAX_ENTRIES 65536u
#define XCACHE_MAX_IDS (4u << 20)
#define XCACHE_MAX_PATTERN 256
/* Text longer than this gets no "did you mean": the search is per candidate. */
#define SUGGEST_MAX 128

typedef struct ckey {
    const char *key;
    const char *type;
    const char *glob; /* template as an action glob ("${X}" -> "?*"), or NULL */
    uint32_t next;    /* next key with the same text (other service), or NONE */
} ckey;

typedef struct crt {
    const char *name;
    const char *arn;
    const char *arn_svc; /* third segment of the ARN format */
    uint32_t arn_svc_len;
    uint8_t arn_svc_wild; /* the segment is a variable: any service */
    uint32_t k0, nk;      /* keys: ref[k0 .. k0+nk) */
} crt;

typedef struct crow {
    uint32_t rt; /* catalogue-wide resource type id */
    uint32_t k0, nk;
    uint8_t required;
} crow;

struct iamg_catalog_action {
    const iamg_catalog *cat;
    const char *name;
    const char *full; /* "service:Name" */
    uint32_t svc;
    uint32_t r0, nr; /* rows */
    uint32_t k0, nk; /* own keys and those of every row, sorted */
    uint8_t level;
};

typedef struct csvc {
    const char *prefix;
    const char *name;
    uint32_t a0, a1, k0, k1, r0, r1;
} csvc;

typedef struct cglobal {
    const char *key;
    const char *type;
    size_t prefix; /* > 0: "aws:PrincipalTag/tag-key" stands for prefix + any text */
} cglobal;

typedef struct xentry {
    char *pattern; /* normalised: lower case, runs of '*' cut to one */
    uint32_t hash;
    uint32_t n;
    uint32_t *ids;
} xentry;

struct iamg_catalog {
    char *text;
    char *names;
    char *globs;
    csvc *svc;
    uint32_t nsvc;
    ckey *key;
    uint32_t nkey;
    crt *rt;
    uint32_t nrt;
    crow *row;
    uint32_t nrow;
    iamg_catalog_action *act;
    uint32_t nact;
    uint32_t *ref;
    uint32_t nref, capref;
    cglobal *glob;
    uint32_t nglob;
    uint32_t *ahash; /* action id + 1, open addressing */
    uint32_t *ahv;   /* each action's full hash, to skip most comparisons */
    uint32_t amask;
    uint32_t *khash; /* first key id + 1 of each distinct text */
    uint32_t kmask;
    uint32_t *tmpl; /* first key id of each distinct template text */
    uint32_t ntmpl;
    uint32_t *all; /* 0 .. nact-1: the expansion of "*" */
    size_t maxname;
    pthread_mutex_t mu; /* guards the expansion cache */
    xentry **xc;
    uint32_t xmask, xn;
    size_t xids;
};

struct iamg_catalog_set {
    const iamg_catalog *cat;
    uint32_t *ids;
    size_t n;
};

/* ---- small helpers ---- */

static unsigned char lc(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int ieq(const char *a, const char *b)
{
    while (*a && lc((unsigned char)*a) == lc((unsigned char)*b))
        a++, b++;
    return lc((unsigned char)*a) == lc((unsigned char)*b);
}

static int ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lc((unsigned char)a[i]) != lc((unsigned char)b[i])) return 0;
        if (!a[i]) return 1;
    }
    return 1;
}

static uint32_t hash_lower(const char *s, size_t n)
{
    uint32_t h = IG_FNV32_INIT;
    for (size_t i = 0; i < n; i++)
        h = (h ^ lc((unsigned char)s[i])) * IG_FNV32_PRIME;
    return h;
}

static uint32_t pow2_above(uint32_t n)
{
    uint32_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    return cap;
}

static int has_wild(const char *s)
{
    return strpbrk(s, "*?") != NULL;
}

/* ---- parsing the text ---- */

typedef struct cursor {
    char *p, *end;
    int bad;
} cursor;

/* The next field of the current line, NUL-terminated in place. *eol is set
 * when it was the line's last. */
static char *field(cursor *cur, int *eol)
{
    char *s = cur->p;
    while (cur->p < cur->end && *cur->p != '\t' && *cur->p != '\n')
        cur->p++;
    *eol = cur->p >= cur->end || *cur->p == '\n';
    if (cur->p < cur->end) *cur->p++ = '\0';
    return s;
}

static void skip_line(cursor *cur)
{
    while (cur->p < cur->end && *cur->p != '\n')
        cur->p++;
    if (cur->p < cur->end) cur->p++;
}

static int push_ref(iamg_catalog *c, uint32_t v)
{
    if (c->nref == c->capref) {
        uint32_t cap = c->capref ? c->capref * 2 : 65536;
        uint32_t *nv = ig_realloc(c->ref, (size_t)cap * sizeof *nv);
        if (!nv) return -1;
        c->ref = nv;
        c->capref = cap;
    }
    c->ref[c->nref++] = v;
    return 0;
}

static uint32_t parse_num(const char **s, int *bad)
{
    uint32_t v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9') *bad = 1;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint32_t)(*p++ - '0');
    *s = p;
    return v;
}

/* "k,k,..." of service svc -> catalogue key ids appended to ref. */
static int parse_keys(iamg_catalog *c, const csvc *svc, const char **sp, uint32_t *k0, uint32_t *nk,
                      int *bad)
{
    const char *s = *sp;
    *k0 = c->nref;
    while (*s && *s != ' ' && !*bad) {
        uint32_t k = parse_num(&s, bad);
        if (svc->k0 + k >= c->nkey || svc->k0 + k >= svc->k1) *bad = 1;
        if (*bad) break;
        if (push_ref(c, svc->k0 + k)) return -1;
        if (*s == ',') s++;
    }
    *sp = s;
    *nk = c->nref - *k0;
    return 0;
}

static uint8_t level_code(const char *s)
{
    switch (s[0]) {
    case 'L':
        return IAMG_ACCESS_LIST;
    case 'R':
        return IAMG_ACCESS_READ;
    case 'W':
        return IAMG_ACCESS_WRITE;
    case 'P':
        return IAMG_ACCESS_PERMISSIONS_MANAGEMENT;
    case 'T':
        return IAMG_ACCESS_TAGGING;
    default:
        return IAMG_ACCESS_NONE;
    }
}

/* The third segment of an ARN format. */
static void arn_service(crt *r)
{
    const char *p = r->arn;
    for (int i = 0; i < 2 && p; i++) {
        p = strchr(p, ':');
        if (p) p++;
    }
    const char *e = p ? strchr(p, ':') : NULL;
    if (!e) {
        r->arn_svc = "";
        r->arn_svc_len = 0;
        r->arn_svc_wild = 1;
        return;
    }
    r->arn_svc = p;
    r->arn_svc_len = (uint32_t)(e - p);
    r->arn_svc_wild = memchr(p, '$', (size_t)(e - p)) != NULL;
}

/* Merge two sorted runs of ref into a new sorted run without duplicates. */
static int merge_keys(iamg_catalog *c, uint32_t a0, uint32_t na, uint32_t b0, uint32_t nb,
                      uint32_t *k0, uint32_t *nk)
{
    uint32_t start = c->nref, i = 0, j = 0;
    while (i < na || j < nb) {
        uint32_t v;
        /* c->ref may move while pushing: index it afresh each time. */
        if (j >= nb || (i < na && c->ref[a0 + i] <= c->ref[b0 + j])) {
            v = c->ref[a0 + i++];
            if (j < nb && c->ref[b0 + j] == v) j++;
        } else {
            v = c->ref[b0 + j++];
        }
        if (push_ref(c, v)) return -1;
    }
    *k0 = start;
    *nk = c->nref - start;
    return 0;
}

/* Number of lines of each kind (first character). */
static void count_lines(const char *t, size_t len, uint32_t counts[128])
{
    memset(counts, 0, 128 * sizeof *counts);
    for (const char *p = t, *end = t + len; p < end;) {
        counts[(unsigned char)*p & 127]++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        p = nl + 1;
    }
}

/* A condition key template as an action glob: each "${...}" or "<...>"
 * stands for one or more characters. NULL when s has no variable. */
static char *template_glob(const char *s, char **pool)
{
    if (!strstr(s, "${") && !strchr(s, '<')) return NULL;
    char *out = *pool, *o = out;
    for (const char *p = s; *p;) {
        const char *close = NULL;
        if (p[0] == '$' && p[1] == '{')
            close = strchr(p, '}');
        else if (p[0] == '<')
            close = strchr(p, '>');
        if (close) {
            *o++ = '?';
            *o++ = '*';
            p = close + 1;
        } else {
            *o++ = *p++;
        }
    }
    *o++ = '\0';
    *pool = o;
    return out;
}

static int parse(iamg_catalog *c)
{
    size_t len = ig_catalog_text_len;
    c->text = ig_malloc(len + 1);
    if (!c->text) return -1;
    memcpy(c->text, ig_catalog_text, len + 1);

    uint32_t counts[128];
    count_lines(c->text, len, counts);
    uint32_t nsvc = counts['S'], nkey = counts['K'], nrt = counts['R'], nact = counts['A'];
    uint32_t nglob = counts['G'];
    c->svc = ig_calloc(nsvc + 1, sizeof *c->svc);
    c->key = ig_calloc(nkey + 1, sizeof *c->key);
    c->rt = ig_calloc(nrt + 1, sizeof *c->rt);
    c->act = ig_calloc(nact + 1, sizeof *c->act);
    c->glob = ig_calloc(nglob + 1, sizeof *c->glob);
    /* A template glob is never longer than twice its key. */
    c->globs = ig_malloc(len * 2 + 1);
    if (!c->svc || !c->key || !c->rt || !c->act || !c->glob || !c->globs) return -1;
    char *globpool = c->globs;

    /* Rows: one per space-separated token of A lines; counted while parsing. */
    uint32_t caprow = nact + 1024;
    c->row = ig_malloc((size_t)caprow * sizeof *c->row);
    if (!c->row) return -1;

    cursor cur = {c->text, c->text + len, 0};
    csvc *svc = NULL;
    int eol, bad = 0;
    while (cur.p < cur.end && !bad) {
        char kind = *cur.p;
        if (kind == '#' || kind == '\n' || cur.p[1] != '\t') {
            skip_line(&cur);
            continue;
        }
        cur.p += 2;
        if (kind == 'V') {
            skip_line(&cur);
            eol = 1;
        } else if (kind == 'G') {
            cglobal *g = &c->glob[c->nglob++];
            g->key = field(&cur, &eol);
            g->type = eol ? "" : field(&cur, &eol);
            const char *slash = strchr(g->key, '/');
            g->prefix = slash ? (size_t)(slash - g->key) + 1 : 0;
        } else if (kind == 'S') {
            svc = &c->svc[c->nsvc++];
            svc->prefix = field(&cur, &eol);
            svc->name = eol ? "" : field(&cur, &eol);
            svc->a0 = svc->a1 = c->nact;
            svc->k0 = svc->k1 = c->nkey;
            svc->r0 = svc->r1 = c->nrt;
        } else if (!svc) {
            bad = 1;
        } else if (kind == 'K') {
            ckey *k = &c->key[c->nkey++];
            k->key = field(&cur, &eol);
            k->type = eol ? "" : field(&cur, &eol);
            k->glob = template_glob(k->key, &globpool);
            k->next = NONE;
            svc->k1 = c->nkey;
        } else if (kind == 'R') {
            crt *r = &c->rt[c->nrt++];
            r->name = field(&cur, &eol);
            r->arn = eol ? (bad = 1, "") : field(&cur, &eol);
            const char *keys = eol ? "" : field(&cur, &eol);
            arn_service(r);
            if (parse_keys(c, svc, &keys, &r->k0, &r->nk, &bad)) return -1;
            svc->r1 = c->nrt;
        } else if (kind == 'A') {
            iamg_catalog_action *a = &c->act[c->nact];
            a->cat = c;
            a->svc = (uint32_t)(svc - c->svc);
            a->name = field(&cur, &eol);
            const char *level = eol ? (bad = 1, "") : field(&cur, &eol);
            const char *rows = eol ? (bad = 1, "") : field(&cur, &eol);
            const char *keys = eol ? (bad = 1, "") : field(&cur, &eol);
            a->level = level_code(level);
            if (!a->level) bad = 1;
            uint32_t own0, nown;
            if (parse_keys(c, svc, &keys, &own0, &nown, &bad)) return -1;
            a->r0 = c->nrow;
            for (const char *s = rows; *s && !bad;) {
                if (c->nrow == caprow) {
                    caprow *= 2;
                    crow *nv = ig_realloc(c->row, (size_t)caprow * sizeof *nv);
                    if (!nv) return -1;
                    c->row = nv;
                }
                crow *rw = &c->row[c->nrow++];
                uint32_t r = parse_num(&s, &bad);
                rw->rt = svc->r0 + r;
                if (rw->rt >= svc->r1) bad = 1;
                rw->required = *s == '!';
                if (*s == '!') s++;
                rw->k0 = rw->nk = 0;
                if (*s == '=') {
                    s++;
                    if (parse_keys(c, svc, &s, &rw->k0, &rw->nk, &bad)) return -1;
                }
                if (*s == ' ') s++;
            }
            a->nr = c->nrow - a->r0;
            /* The action's keys: its own, merged with every row's. */
            uint32_t k0 = own0, nk = nown;
            for (uint32_t i = 0; i < a->nr && !bad; i++) {
                const crow *rw = &c->row[a->r0 + i];
                if (!rw->nk) continue;
                if (merge_keys(c, k0, nk, rw->k0, rw->nk, &k0, &nk)) return -1;
            }
            a->k0 = k0;
            a->nk = nk;
            c->nact++;
            svc->a1 = c->nact;
        } else {
            bad = 1;
        }
        if (!bad && !eol) skip_line(&cur);
    }
    return bad ? -2 : 0;
}

/* ---- indexes ---- */

static int build_names(iamg_catalog *c)
{
    size_t total = 0;
    for (uint32_t i = 0; i < c->nact; i++)
        total += strlen(c->svc[c->act[i].svc].prefix) + strlen(c->act[i].name) + 2;
    c->names = ig_malloc(total ? total : 1);
    if (!c->names) return -1;
    char *p = c->names;
    for (uint32_t i = 0; i < c->nact; i++) {
        iamg_catalog_action *a = &c->act[i];
        size_t ls = strlen(c->svc[a->svc].prefix), ln = strlen(a->name);
        memcpy(p, c->svc[a->svc].prefix, ls);
        p[ls] = ':';
        memcpy(p + ls + 1, a->name, ln + 1);
        a->full = p;
        if (ls + 1 + ln > c->maxname) c->maxname = ls + 1 + ln;
        p += ls + ln + 2;
    }
    return 0;
}

static int build_action_hash(iamg_catalog *c)
{
    uint32_t cap = pow2_above(c->nact);
    c->ahash = ig_calloc(cap, sizeof *c->ahash);
    c->ahv = ig_malloc(((size_t)c->nact + 1) * sizeof *c->ahv);
    c->all = ig_malloc(((size_t)c->nact + 1) * sizeof *c->all);
    if (!c->ahash || !c->ahv || !c->all) return -1;
    c->amask = cap - 1;
    for (uint32_t i = 0; i < c->nact; i++) {
        c->all[i] = i;
        c->ahv[i] = hash_lower(c->act[i].full, strlen(c->act[i].full));
        uint32_t h = c->ahv[i] & c->amask;
        while (c->ahash[h])
            h = (h + 1) & c->amask;
        c->ahash[h] = i + 1;
    }
    return 0;
}

static int build_key_hash(iamg_catalog *c)
{
    uint32_t cap = pow2_above(c->nkey);
    c->khash = ig_calloc(cap, sizeof *c->khash);
    c->tmpl = ig_malloc(((size_t)c->nkey + 1) * sizeof *c->tmpl);
    if (!c->khash || !c->tmpl) return -1;
    c->kmask = cap - 1;
    /* Insert in reverse so each chain runs in catalogue order. */
    for (uint32_t i = c->nkey; i-- > 0;) {
        const char *k = c->key[i].key;
        uint32_t h = hash_lower(k, strlen(k)) & c->kmask;
        while (c->khash[h] && !ieq(c->key[c->khash[h] - 1].key, k))
            h = (h + 1) & c->kmask;
        c->key[i].next = c->khash[h] ? c->khash[h] - 1 : NONE;
        c->khash[h] = i + 1;
    }
    for (uint32_t h = 0; h <= c->kmask; h++)
        if (c->khash[h] && c->key[c->khash[h] - 1].glob) c->tmpl[c->ntmpl++] = c->khash[h] - 1;
    return 0;
}

void ig_catalog_free(iamg_catalog *c)
{
    if (!c) return;
    for (uint32_t i = 0; c->xc && i <= c->xmask; i++) {
        if (!c->xc[i]) continue;
        ig_free(c->xc[i]->pattern);
        ig_free(c->xc[i]->ids);
        ig_free(c->xc[i]);
    }
    ig_free(c->xc);
    ig_free(c->text);
    ig_free(c->names);
    ig_free(c->globs);
    ig_free(c->svc);
    ig_free(c->key);
    ig_free(c->rt);
    ig_free(c->row);
    ig_free(c->act);
    ig_free(c->ref);
    ig_free(c->glob);
    ig_free(c->ahash);
    ig_free(c->ahv);
    ig_free(c->khash);
    ig_free(c->tmpl);
    ig_free(c->all);
    pthread_mutex_destroy(&c->mu);
    ig_free(c);
}

iamg_catalog *ig_catalog_load(void)
{
    iamg_catalog *c = ig_calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    if (parse(c) || build_names(c) || build_action_hash(c) || build_key_hash(c)) {
        ig_catalog_free(c);
        return NULL;
    }
    return c;
}

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

static const csvc *find_service(const iamg_catalog *c, const char *prefix, size_t len)
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
    return find_service(c, prefix, len) != NULL;
}

const char *iamg_catalog_service_name(const iamg_catalog *c, const char *prefix)
{
    const csvc *s = prefix ? find_service(c, prefix, strlen(prefix)) : NULL;
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
static size_t service_part(const char *s)
{
    const char *colon = strchr(s, ':');
    return colon ? (size_t)(colon - s) : strlen(s);
}

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

#define EACH_BIT(bits, nwords, id)                                                                 \
    for (size_t w_ = 0; w_ < (nwords); w_++)                                                       \
        for (uint64_t m_ = (bits)[w_]; m_; m_ &= m_ - 1)                                           \
            for (uint32_t id = (uint32_t)(w_ * 64 + (size_t)__builtin_ctzll(m_)), once_ = 1;       \
                 once_; once_ = 0)

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

/* ---- expansion ---- */

size_t ig_catalog_words(const iamg_catalog *c)
{
    return ((size_t)c->nact + 63) / 64;
}

/* Lower case, runs of '*' cut to one (same matches, less work), into out
 * (strlen(pattern) + 1 bytes). */
static char *normalise_into(const char *pattern, char *out)
{
    char *o = out;
    for (const char *p = pattern; *p; p++) {
        if (*p == '*' && o > out && o[-1] == '*') continue;
        *o++ = (char)lc((unsigned char)*p);
    }
    *o = '\0';
    return out;
}

static char *normalise(const char *pattern)
{
    char *out = ig_malloc(strlen(pattern) + 1);
    return out ? normalise_into(pattern, out) : NULL;
}

static int push_id(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t id)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        uint32_t *nv = ig_realloc(*v, (size_t)nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = id;
    return 0;
}

/* The ids matching normalised pattern p, in a new array (NULL when none). */
static int compute(const iamg_catalog *c, const char *p, uint32_t **ids, uint32_t *n)
{
    uint32_t cap = 0;
    *ids = NULL;
    *n = 0;
    /* Every character that is not '*' consumes at least one byte of a name. */
    size_t need = 0;
    for (const char *q = p; *q; q++)
        need += *q != '*';
    if (need > c->maxname) return 0;
    size_t lit = strcspn(p, "*?");
    if (!p[lit]) {
        /* No wildcard: one action or none. */
        const iamg_catalog_action *a = iamg_catalog_action_find(c, p);
        if (a && push_id(ids, n, &cap, (uint32_t)(a - c->act))) return IAMG_ENOMEM;
        return 0;
    }
    /* "literal*", the commonest glob, needs no glob matching. */
    int prefix_only = p[lit] == '*' && p[lit + 1] == '\0';
    uint32_t a0 = 0, a1 = c->nact;
    const char *colon = memchr(p, ':', lit);
    if (colon) {
        const csvc *s = find_service(c, p, (size_t)(colon - p));
        if (!s) return 0;
        a0 = s->a0;
        a1 = s->a1;
    }
    for (uint32_t i = a0; i < a1; i++) {
        if (prefix_only ? !ieqn(c->act[i].full, p, lit) : !iamg_action_match(p, c->act[i].full))
            continue;
        if (push_id(ids, n, &cap, i)) {
            ig_free(*ids);
            *ids = NULL;
            return IAMG_ENOMEM;
        }
    }
    return 0;
}

static xentry *xc_find(const iamg_catalog *c, const char *p, uint32_t h)
{
    if (!c->xc) return NULL;
    for (uint32_t i = h & c->xmask; c->xc[i]; i = (i + 1) & c->xmask)
        if (c->xc[i]->hash == h && strcmp(c->xc[i]->pattern, p) == 0) return c->xc[i];
    return NULL;
}

/* Insert e (the caller holds the lock). Returns 0, or -1 when the cache is
 * full or out of memory (e is then not kept). */
static int xc_insert(iamg_catalog *c, xentry *e)
{
    if (c->xn >= XCACHE_MAX_ENTRIES || c->xids + e->n > XCACHE_MAX_IDS) return -1;
    if (!c->xc || (c->xn + 1) * 2 > c->xmask + 1) {
        uint32_t cap = c->xc ? (c->xmask + 1) * 2 : 256;
        xentry **nv = ig_calloc(cap, sizeof *nv);
        if (!nv) return -1;
        for (uint32_t i = 0; c->xc && i <= c->xmask; i++) {
            if (!c->xc[i]) continue;
            uint32_t j = c->xc[i]->hash & (cap - 1);
            while (nv[j])
                j = (j + 1) & (cap - 1);
            nv[j] = c->xc[i];
        }
        ig_free(c->xc);
        c->xc = nv;
        c->xmask = cap - 1;
    }
    uint32_t i = e->hash & c->xmask;
    while (c->xc[i])
        i = (i + 1) & c->xmask;
    c->xc[i] = e;
    c->xn++;
    c->xids += e->n;
    return 0;
}

int ig_catalog_expand_ids(const iamg_catalog *cc, const char *pattern, ig_idlist *out)
{
    /* The cache is the one mutable part of the catalogue, behind its lock. */
    iamg_catalog *c = (iamg_catalog *)cc;
    memset(out, 0, sizeof *out);
    if (pattern[0] == '*' && strspn(pattern, "*") == strlen(pattern)) {
        out->ids = c->all;
        out->n = c->nact;
        return 0;
    }
    if (!strpbrk(pattern, "*?")) {
        /* A plain name, the commonest item: one hash look-up, no cache. */
        const iamg_catalog_action *a = iamg_catalog_action_find(c, pattern);
        if (a) {
            out->ids = &c->all[a - c->act];
            out->n = 1;
        }
        return 0;
    }
    /* Most patterns are short: look them up without allocating. */
    char small[XCACHE_MAX_PATTERN + 1];
    size_t plen = strlen(pattern);
    char *p = plen <= XCACHE_MAX_PATTERN ? normalise_into(pattern, small) : normalise(pattern);
    if (!p) return IAMG_ENOMEM;
    /* Longer patterns are hardly ever asked twice: not worth their memory. */
    int cacheable = plen <= XCACHE_MAX_PATTERN;
    uint32_t h = hash_lower(p, strlen(p));
    pthread_mutex_lock(&c->mu);
    const xentry *hit = xc_find(c, p, h);
    pthread_mutex_unlock(&c->mu);
    if (hit) {
        if (p != small) ig_free(p);
        out->ids = hit->ids;
        out->n = hit->n;
        return 0;
    }
    uint32_t *ids, n;
    int rc = compute(c, p, &ids, &n);
    if (rc) {
        if (p != small) ig_free(p);
        return rc;
    }
    xentry *e = cacheable ? ig_malloc(sizeof *e) : NULL;
    if (e && p == small) {
        p = ig_strdup(small);
        if (!p) {
            ig_free(e);
            e = NULL;
            p = small;
        }
    }
    if (e) {
        e->pattern = p;
        e->hash = h;
        e->n = n;
        e->ids = ids;
        pthread_mutex_lock(&c->mu);
        /* Another thread may have computed it meanwhile: keep the first. */
        const xentry *other = xc_find(c, p, h);
        int kept = !other && xc_insert(c, e) == 0;
        if (other) {
            out->ids = other->ids;
            out->n = other->n;
        }
        pthread_mutex_unlock(&c->mu);
        if (kept) {
            out->ids = ids;
            out->n = n;
            return 0;
        }
        ig_free(e);
        if (other) {
            if (p != small) ig_free(p);
            ig_free(ids);
            return 0;
        }
    }
    if (p != small) ig_free(p);
    /* Not cached: the list is the caller's. */
    out->ids = ids;
    out->n = n;
    out->owned = ids;
    return 0;
}

/* White space that makes a name match nothing: ASCII blanks, and the
 * no-break, zero-width and narrow no-break spaces and the byte order mark. */
static int has_space(const char *s)
{
    static const char *const wide[] = {"\xc2\xa0", "\xe2\x80\x8b", "\xe2\x80\xaf", "\xef\xbb\xbf"};
    if (strpbrk(s, " \t\r\n\v\f")) return 1;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (strstr(s, wide[i])) return 1;
    return 0;
}

ig_pattern_problem ig_catalog_check_pattern(const iamg_catalog *c, const char *pattern, int *oom)
{
    ig_idlist l;
    *oom = 0;
    if (ig_catalog_expand_ids(c, pattern, &l)) {
        *oom = 1;
        return IG_PATTERN_OK;
    }
    uint32_t n = l.n;
    ig_idlist_release(&l);
    if (n) return IG_PATTERN_OK;
    if (has_space(pattern)) return IG_PATTERN_SPACE;
    const char *colon = strchr(pattern, ':');
    if (!colon) return IG_PATTERN_FORMAT;
    size_t sn = (size_t)(colon - pattern);
    if (!memchr(pattern, '*', sn) && !memchr(pattern, '?', sn) && !find_service(c, pattern, sn))
        return IG_PATTERN_SERVICE;
    return IG_PATTERN_UNKNOWN;
}

void ig_idlist_release(ig_idlist *l)
{
    ig_free(l->owned);
    memset(l, 0, sizeof *l);
}

#define SETBIT(bits, id) ((bits)[(id) / 64] |= UINT64_C(1) << ((id) % 64))
#define GETBIT(bits, id) ((bits)[(id) / 64] >> ((id) % 64) & 1)

int ig_catalog_granted_bits(const iamg_catalog *c, const char *const *patterns, size_t n,
                            int negated, uint64_t *bits)
{
    size_t words = ig_catalog_words(c);
    memset(bits, 0, words * sizeof *bits);
    for (size_t i = 0; i < n; i++) {
        ig_idlist l;
        int rc = ig_catalog_expand_ids(c, patterns[i], &l);
        if (rc) return rc;
        for (uint32_t k = 0; k < l.n; k++)
            SETBIT(bits, l.ids[k]);
        ig_idlist_release(&l);
    }
    if (negated) {
        for (size_t w = 0; w < words; w++)
            bits[w] = ~bits[w];
        if (c->nact % 64) bits[words - 1] &= (UINT64_C(1) << (c->nact % 64)) - 1;
    }
    return 0;
}

int ig_catalog_intersects(const iamg_catalog *c, const char *pattern, const uint64_t *bits)
{
    ig_idlist l;
    int rc = ig_catalog_expand_ids(c, pattern, &l);
    if (rc) return rc;
    int yes = 0;
    for (uint32_t k = 0; k < l.n && !yes; k++)
        yes = (int)GETBIT(bits, l.ids[k]);
    ig_idlist_release(&l);
    return yes;
}

/* ---- public sets ---- */

static int set_from_bits(const iamg_catalog *c, const uint64_t *bits, iamg_catalog_set **out)
{
    iamg_catalog_set *s = ig_calloc(1, sizeof *s);
    size_t n = 0;
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        (void)id;
        n++;
    }
    if (s) s->ids = ig_malloc((n ? n : 1) * sizeof *s->ids);
    if (!s || !s->ids) {
        iamg_catalog_set_free(s);
        return IAMG_ENOMEM;
    }
    s->cat = c;
    EACH_BIT(bits, ig_catalog_words(c), id)
    {
        s->ids[s->n++] = id;
    }
    *out = s;
    return 0;
}

int iamg_catalog_expand(const iamg_catalog *c, const char *pattern, iamg_catalog_set **out)
{
    *out = NULL;
    return iamg_catalog_granted(c, &pattern, 1, 0, out);
}

int iamg_catalog_granted(const iamg_catalog *c, const char *const *patterns, size_t n,
                         int not_action, iamg_catalog_set **out)
{
    *out = NULL;
    uint64_t *bits = ig_malloc(ig_catalog_words(c) * sizeof *bits);
    if (!bits) return IAMG_ENOMEM;
    int rc = ig_catalog_granted_bits(c, patterns, n, not_action, bits);
    if (!rc) rc = set_from_bits(c, bits, out);
    ig_free(bits);
    return rc;
}

int iamg_catalog_grants(const iamg_catalog *c, const char *const *patterns, size_t n,
                        int not_action, const char *query, size_t *which)
{
    if (which) *which = (size_t)-1;
    ig_idlist q = {0};
    int rc = has_wild(query) ? ig_catalog_expand_ids(c, query, &q) : 0;
    if (rc) return rc;
    int yes = 0;
    if (q.n == 0) {
        /* A plain action, or a glob the catalogue cannot expand: as text. */
        size_t i = 0;
        while (i < n && !iamg_action_match(patterns[i], query))
            i++;
        yes = not_action ? i == n : i < n;
        if (yes && !not_action && which) *which = i;
    } else if (!not_action) {
        uint64_t *qbits = ig_calloc(ig_catalog_words(c), sizeof *qbits);
        if (!qbits) rc = IAMG_ENOMEM;
        for (uint32_t k = 0; qbits && k < q.n; k++)
            SETBIT(qbits, q.ids[k]);
        for (size_t i = 0; qbits && i < n && !yes; i++) {
            int r = ig_catalog_intersects(c, patterns[i], qbits);
            if (r < 0) rc = r;
            if (r > 0) {
                yes = 1;
                if (which) *which = i;
            }
        }
        ig_free(qbits);
    } else {
        uint64_t *granted = ig_malloc(ig_catalog_words(c) * sizeof *granted);
        rc = granted ? ig_catalog_granted_bits(c, patterns, n, 1, granted) : IAMG_ENOMEM;
        for (uint32_t k = 0; !rc && k < q.n && !yes; k++)
            yes = (int)GETBIT(granted, q.ids[k]);
        ig_free(granted);
    }
    ig_idlist_release(&q);
    return rc ? rc : yes;
}

int iamg_catalog_grants_access_level(const iamg_catalog *c, const char *const *patterns, size_t n,
                                     int not_action, iamg_access_level level)
{
    uint64_t *bits = ig_malloc(ig_catalog_words(c) * sizeof *bits);
    if (!bits) return IAMG_ENOMEM;
    int rc = ig_catalog_granted_bits(c, patterns, n, not_action, bits);
    int yes = !rc && ig_catalog_first_with_level(c, bits, level) != NONE;
    ig_free(bits);
    return rc ? rc : yes;
}

size_t iamg_catalog_set_count(const iamg_catalog_set *s)
{
    return s ? s->n : 0;
}

const iamg_catalog_action *iamg_catalog_set_get(const iamg_catalog_set *s, size_t i)
{
    const iamg_catalog *c = s ? s->cat : NULL;
    return s && i < s->n ? &c->act[s->ids[i]] : NULL;
}

void iamg_catalog_set_free(iamg_catalog_set *s)
{
    if (!s) return;
    ig_free(s->ids);
    ig_free(s);
}

/* ---- did you mean ---- */

/*
 * Optimal string alignment distance (edits and adjacent swaps), ASCII case
 * ignored, or max + 1 once it exceeds max. Both strings are at most
 * SUGGEST_MAX bytes.
 */
static unsigned distance(const char *a, size_t na, const char *b, size_t nb, unsigned max)
{
    unsigned rows[3][SUGGEST_MAX + 1];
    unsigned *pp = rows[0], *prev = rows[1], *cur = rows[2];
    if (na > SUGGEST_MAX || nb > SUGGEST_MAX) return max + 1;
    if ((na > nb ? na - nb : nb - na) > max) return max + 1;
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        unsigned best = cur[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned cost = lc((unsigned char)a[i - 1]) != lc((unsigned char)b[j - 1]);
            unsigned v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lc((unsigned char)a[i - 1]) == lc((unsigned char)b[j - 2]) &&
                lc((unsigned char)a[i - 2]) == lc((unsigned char)b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
            if (v < best) best = v;
        }
        if (best > max) return max + 1;
        unsigned *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

/* Edits allowed for a name of n bytes to count as a near miss. */
static unsigned near(size_t n)
{
    return n <= 4 ? 1 : n <= 12 ? 2 : 3;
}

/* The action of service s closest to name (nn bytes), or NONE. */
static uint32_t nearest_action(const iamg_catalog *c, const csvc *s, const char *name, size_t nn)
{
    unsigned max = near(nn), best = max + 1;
    uint32_t found = NONE;
    for (uint32_t i = s->a0; i < s->a1; i++) {
        const char *an = c->act[i].name;
        unsigned d = distance(name, nn, an, strlen(an), best - 1 < max ? best - 1 : max);
        if (d < best) {
            best = d;
            found = i;
            if (d == 0) break;
        }
    }
    return found;
}

int ig_catalog_suggest(const iamg_catalog *c, const char *text, int service_only, char *out,
                       size_t cap)
{
    size_t n = strlen(text);
    if (n > SUGGEST_MAX || cap == 0) return 0;
    out[0] = '\0';
    size_t sn = service_part(text);
    const char *name = sn < n ? text + sn + 1 : NULL;
    size_t nn = name ? n - sn - 1 : 0;
    const csvc *s = find_service(c, text, sn);
    if (!s) {
        unsigned max = sn <= 3 ? 1 : 2, best = max + 1;
        for (uint32_t i = 0; i < c->nsvc && best > 0; i++) {
            const char *p = c->svc[i].prefix;
            unsigned d = distance(text, sn, p, strlen(p), best - 1);
            if (d < best) {
                best = d;
                s = &c->svc[i];
            }
        }
        if (!s) return 0;
        uint32_t id =
            name && !service_only && !has_wild(name) ? nearest_action(c, s, name, nn) : NONE;
        const char *best_name = id != NONE ? c->act[id].full : s->prefix;
        size_t l = strlen(best_name);
        if (l >= cap) return 0;
        memcpy(out, best_name, l + 1);
        return 1;
    }
    if (service_only) return 0;
    if (!name || has_wild(name)) return 0;
    uint32_t id = nearest_action(c, s, name, nn);
    if (id == NONE) return 0;
    const char *full = c->act[id].full;
    if (ieq(full, text)) return 0;
    size_t l = strlen(full);
    if (l >= cap) return 0;
    memcpy(out, full, l + 1);
    return 1;
}
