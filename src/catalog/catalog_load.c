/*
 * catalog/catalog_load.c - data/iam-catalog.txt (the format is described in
 * catalog.c) into the catalogue's arrays and hash tables.
 */
#include "catalog/catalog_int.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_data.h"
#include "util/alloc.h"

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
