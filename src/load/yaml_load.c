/*
 * load/yaml_load.c - YAML into the position tree, driven by libyaml's event
 * parser.
 *
 * Events rather than libyaml's document loader: the loader builds a node
 * graph of its own with no bound on alias expansion, no depth limit and no
 * byte offsets. Here every open collection is a frame on an explicit stack
 * (no recursion, so deeply nested input cannot overflow the C stack), and
 * children go to the same kind of scratch stacks as in json_pos.c, copied
 * exactly sized into the arena when their collection closes.
 *
 * Offsets: libyaml 0.2.5's mark.index counts characters, not bytes (a CRLF
 * counts two, a UTF-8 byte-order mark removed by its reader counts none), so
 * marks are turned into byte offsets by walking UTF-8 from a cursor that
 * follows the parse (constant time per mark when the file is ASCII).
 */
#include "load/yaml_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "util/alloc.h"
#include "util/errors.h"

#define STD_PREFIX "tag:yaml.org,2002:"
#define STD_PREFIX_LEN (sizeof STD_PREFIX - 1)

/* How a tag changes a node. */
enum {
    TAG_NONE, /* no tag, an unknown local tag or a standard tag with no effect here */
    TAG_STR,  /* !!str, !!binary, !!timestamp and the non-specific "!" */
    TAG_INT,
    TAG_FLOAT,
    TAG_BOOL,
    TAG_NULL,
    TAG_SEQ,
    TAG_MAP,
    TAG_MERGE
};

/* CloudFormation short forms and the long-form key each one becomes. */
static const struct {
    const char *tag;
    const char *key;
} cfn_tags[] = {
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!Sub", "Fn::Sub"},
    {"!Join", "Fn::Join"},
    {"!If", "Fn::If"},
    {"!Select", "Fn::Select"},
    {"!Split", "Fn::Split"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!Base64", "Fn::Base64"},
    {"!Cidr", "Fn::Cidr"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!Equals", "Fn::Equals"},
    {"!And", "Fn::And"},
    {"!Or", "Fn::Or"},
    {"!Not", "Fn::Not"},
    {"!Transform", "Fn::Transform"},
    {"!Length", "Fn::Length"},
    {"!ToJsonString", "Fn::ToJsonString"},
};
#define CFN_GETATT 2

/* Among a mapping's scratch members, a key of this type marks a '<<' entry
 * whose value is merged when the mapping closes (real keys are TN_STRING). */
#define MERGE_MARK TN_NULL

typedef struct anchor_ent {
    const char *name;
    size_t len;
    tnode node;
    uint64_t count;  /* nodes in the subtree, aliases inside it expanded */
    uint32_t height; /* container levels in the subtree */
    int done;        /* 0 while its collection is still open */
} anchor_ent;

typedef struct frame {
    uint8_t kind;      /* TN_ARRAY or TN_OBJECT */
    uint8_t flow;      /* [..] / {..}: the end event marks the closing bracket */
    uint8_t have_key;  /* mapping: key read, value pending */
    uint8_t key_merge; /* the pending key is a plain '<<' */
    uint8_t has_merge;
    int cfn; /* index in cfn_tags, or -1 */
    uint32_t start, tagpos, last_end;
    uint32_t depth;  /* container levels from the root down to this one (a tag wrapper is one) */
    uint32_t height; /* container levels from this one down */
    size_t base;     /* first scratch item/member of this collection */
    uint64_t count;
    long anchor; /* index in anchors, or -1 */
    tnode key;
} frame;

typedef struct loader {
    const tsource *src;
    const unsigned char *d;
    uint32_t len, bom;
    uint32_t fed; /* bytes handed to libyaml so far */
    arena *a;
    const iamg_limits *lim;
    iamg_error *err;
    int status;
    int ascii;
    size_t ci;   /* mark cursor: character index ci ... */
    uint32_t bi; /* ... is byte offset bi */
    frame *frames;
    size_t nframes, capframes;
    tnode *items;
    size_t nitems, capitems;
    tmember *members;
    size_t nmembers, capmembers;
    anchor_ent *anchors;
    size_t nanchors, capanchors;
    uint32_t *ahash; /* open addressing: index in anchors + 1, 0 when empty */
    size_t ahcap;
    uint64_t total;    /* nodes of this document so far, aliases expanded */
    uint64_t expanded; /* nodes added by aliases, in the whole file */
    tnode root;
    int have_root;
    tnode *docs; /* roots of the finished non-empty documents */
    size_t ndocs, capdocs;
} loader;

static int fail_at(loader *L, uint32_t off, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(loader *L, uint32_t off, int code, const char *fmt, ...)
{
    if (L->status) return L->status;
    L->status = code;
    if (!L->err) return code;
    const tsource *f = ig_tsource_file(L->src);
    srcpos pos = ig_srcpos_scan(f->data, f->len, ig_tsource_file_offset(L->src, off));
    char msg[IAMG_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ig_error_set(L->err, code, L->src->path, pos.line, pos.col, "%s", msg);
}

static int oom(loader *L, uint32_t off)
{
    return fail_at(L, off, IAMG_ENOMEM, "out of memory while parsing YAML");
}

/* ---- marks to byte offsets ---------------------------------------------- */

static uint32_t mark_off(loader *L, size_t index)
{
    if (L->ascii) {
        size_t o = (size_t)L->bom + index;
        return o > L->len ? L->len : (uint32_t)o;
    }
    /* Marks arrive almost in order; restart from the beginning only when
     * that is closer than walking back. */
    if (index < L->ci && L->ci - index > index) {
        L->ci = 0;
        L->bi = L->bom;
    }
    const unsigned char *d = L->d;
    while (L->ci > index && L->bi > L->bom) {
        uint32_t b = L->bi - 1;
        while (b > L->bom && (d[b] & 0xC0) == 0x80)
            b--;
        L->bi = b;
        L->ci--;
    }
    while (L->ci < index && L->bi < L->len) {
        unsigned char c = d[L->bi];
        uint32_t w = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        L->bi = L->len - L->bi < w ? L->len : L->bi + w;
        L->ci++;
    }
    return L->bi;
}

static int is_ascii(const unsigned char *d, size_t n)
{
    uint64_t acc = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, d + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= d[i];
    return (acc & 0x8080808080808080ull) == 0;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Length of the line break at p (CR, LF, CRLF, NEL, LS, PS: the ones libyaml
 * knows), or 0. */
static uint32_t brk(const unsigned char *d, uint32_t p, uint32_t lim)
{
    if (p >= lim) return 0;
    if (d[p] == '\n') return 1;
    if (d[p] == '\r') return (p + 1 < lim && d[p + 1] == '\n') ? 2 : 1;
    if (d[p] == 0xC2 && p + 1 < lim && d[p + 1] == 0x85) return 2;
    if (d[p] == 0xE2 && p + 2 < lim && d[p + 1] == 0x80 && (d[p + 2] == 0xA8 || d[p + 2] == 0xA9))
        return 3;
    return 0;
}

/*
 * The first byte of a node's own text after its properties. libyaml starts an
 * event at its anchor or tag, and a value may follow them on a later line,
 * after comments. Records where the tag starts in *tagpos.
 */
static uint32_t skip_props(const loader *L, uint32_t p, uint32_t lim, uint32_t *tagpos)
{
    const unsigned char *d = L->d;
    while (p < lim) {
        unsigned char c = d[p];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            p++;
        } else if (c == '#') {
            while (p < lim && d[p] != '\n' && d[p] != '\r')
                p++;
        } else if (c == '&' || c == '!') {
            if (c == '!') *tagpos = p;
            if (c == '!' && p + 1 < lim && d[p + 1] == '<') {
                while (p < lim && d[p] != '>')
                    p++;
                if (p < lim) p++;
                continue;
            }
            p++;
            while (p < lim && !(d[p] <= ' ' || strchr(",[]{}", d[p])))
                p++;
        } else {
            break;
        }
    }
    return p;
}

/* libyaml ends a block scalar where the next token starts; the node ends
 * with its last line that has content. */
static uint32_t block_end(const loader *L, uint32_t s, uint32_t e)
{
    const unsigned char *d = L->d;
    for (;;) {
        uint32_t q = e;
        while (q > s + 1 && is_blank(d[q - 1]))
            q--;
        if (q > s + 1 && (d[q - 1] == '\n' || d[q - 1] == '\r')) {
            e = q - 1;
            if (d[e] == '\n' && e > s + 1 && d[e - 1] == '\r') e--;
            continue;
        }
        return e;
    }
}

/* ---- scratch stacks ------------------------------------------------------- */

static int push_item(loader *L, const tnode *n)
{
    if (L->nitems == L->capitems) {
        size_t cap = L->capitems ? L->capitems * 2 : 256;
        tnode *s = ig_realloc(L->items, cap * sizeof *s);
        if (!s) return oom(L, n->start);
        L->items = s;
        L->capitems = cap;
    }
    L->items[L->nitems++] = *n;
    return 0;
}

static int push_member(loader *L, const tmember *m)
{
    if (L->nmembers == L->capmembers) {
        size_t cap = L->capmembers ? L->capmembers * 2 : 256;
        tmember *s = ig_realloc(L->members, cap * sizeof *s);
        if (!s) return oom(L, m->value.start);
        L->members = s;
        L->capmembers = cap;
    }
    L->members[L->nmembers++] = *m;
    return 0;
}

static frame *top(loader *L)
{
    return L->nframes ? &L->frames[L->nframes - 1] : NULL;
}

/* ---- anchors -------------------------------------------------------------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static long anchor_find(const loader *L, const char *name, size_t len)
{
    if (!L->ahcap) return -1;
    size_t mask = L->ahcap - 1;
    for (size_t i = hash_bytes(name, len) & mask;; i = (i + 1) & mask) {
        uint32_t v = L->ahash[i];
        if (!v) return -1;
        const anchor_ent *e = &L->anchors[v - 1];
        if (e->len == len && memcmp(e->name, name, len) == 0) return (long)(v - 1);
    }
}

static int anchor_rehash(loader *L, size_t cap)
{
    uint32_t *h = ig_calloc(cap, sizeof *h);
    if (!h) return -1;
    for (size_t k = 0; k < L->nanchors; k++) {
        size_t i = hash_bytes(L->anchors[k].name, L->anchors[k].len) & (cap - 1);
        while (h[i])
            i = (i + 1) & (cap - 1);
        h[i] = (uint32_t)(k + 1);
    }
    ig_free(L->ahash);
    L->ahash = h;
    L->ahcap = cap;
    return 0;
}

/* The entry for anchor `name`, created if new. A redefinition replaces the
 * old one for later aliases, as YAML says. */
static long anchor_define(loader *L, const char *name, uint32_t off)
{
    size_t len = strlen(name);
    long i = anchor_find(L, name, len);
    if (i >= 0) {
        L->anchors[i].done = 0;
        return i;
    }
    if (L->nanchors >= UINT32_MAX - 1) {
        fail_at(L, off, IAMG_ELIMIT, "more than %u YAML anchors", UINT32_MAX - 1);
        return -1;
    }
    if (L->nanchors == L->capanchors) {
        size_t cap = L->capanchors ? L->capanchors * 2 : 16;
        anchor_ent *s = ig_realloc(L->anchors, cap * sizeof *s);
        if (!s) {
            oom(L, off);
            return -1;
        }
        L->anchors = s;
        L->capanchors = cap;
    }
    anchor_ent *e = &L->anchors[L->nanchors];
    memset(e, 0, sizeof *e);
    e->name = ig_arena_strndup(L->a, name, len);
    if (!e->name) {
        oom(L, off);
        return -1;
    }
    e->len = len;
    L->nanchors++;
    if (L->nanchors * 2 > L->ahcap) {
        if (anchor_rehash(L, L->ahcap ? L->ahcap * 2 : 64)) {
            L->nanchors--;
            oom(L, off);
            return -1;
        }
    } else {
        size_t mask = L->ahcap - 1, k = hash_bytes(name, len) & mask;
        while (L->ahash[k])
            k = (k + 1) & mask;
        L->ahash[k] = (uint32_t)L->nanchors;
    }
    return (long)(L->nanchors - 1);
}

static void anchor_set(loader *L, long i, const tnode *n, uint64_t count, uint32_t height)
{
    anchor_ent *e = &L->anchors[i];
    e->node = *n;
    e->count = count;
    e->height = height;
    e->done = 1;
}

/* ---- limits --------------------------------------------------------------- */

/*
 * Nodes of the current document, aliases expanded, are bounded; so are
 * alias expansions across the whole file, the only growth that is not paid
 * for in bytes of input. A long stream of ordinary documents (a Kubernetes
 * bundle) is bounded by the file size instead.
 */
static int count_nodes(loader *L, uint64_t n, uint32_t off, int alias)
{
    L->total += n;
    if (alias) L->expanded += n;
    if (L->total <= L->lim->max_yaml_nodes && L->expanded <= L->lim->max_yaml_nodes) return 0;
    if (alias)
        return fail_at(
            L, off, IAMG_ELIMIT,
            "YAML aliases expand to more than %zu nodes (limit max_yaml_nodes): alias bomb?",
            L->lim->max_yaml_nodes);
    return fail_at(L, off, IAMG_ELIMIT,
                   "YAML document has more than %zu nodes (limit max_yaml_nodes)",
                   L->lim->max_yaml_nodes);
}

static int too_deep(loader *L, uint32_t off)
{
    return fail_at(L, off, IAMG_ELIMIT, "nesting deeper than %u levels (limit max_depth)",
                   L->lim->max_depth);
}

/* ---- tags and the YAML 1.2 core schema ------------------------------------ */

static int tag_kind(const char *tag)
{
    if (!tag) return TAG_NONE;
    if (strcmp(tag, "!") == 0) return TAG_STR;
    if (strncmp(tag, STD_PREFIX, STD_PREFIX_LEN) != 0) return TAG_NONE;
    static const struct {
        const char *name;
        int kind;
    } std[] = {{"str", TAG_STR},     {"binary", TAG_STR}, {"timestamp", TAG_STR}, {"int", TAG_INT},
               {"float", TAG_FLOAT}, {"bool", TAG_BOOL},  {"null", TAG_NULL},     {"seq", TAG_SEQ},
               {"map", TAG_MAP},     {"merge", TAG_MERGE}};
    for (size_t i = 0; i < sizeof std / sizeof *std; i++)
        if (strcmp(tag + STD_PREFIX_LEN, std[i].name) == 0) return std[i].kind;
    return TAG_NONE;
}

static int cfn_index(const char *tag)
{
    if (!tag || tag[0] != '!') return -1;
    for (size_t i = 0; i < sizeof cfn_tags / sizeof *cfn_tags; i++)
        if (strcmp(tag, cfn_tags[i].tag) == 0) return (int)i;
    return -1;
}

static int is_null_text(const char *v, size_t n)
{
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* 1 true, 0 false, -1 not a boolean. */
static int bool_text(const char *v, size_t n)
{
    if (n == 4 && (!memcmp(v, "true", 4) || !memcmp(v, "True", 4) || !memcmp(v, "TRUE", 4)))
        return 1;
    if (n == 5 && (!memcmp(v, "false", 5) || !memcmp(v, "False", 5) || !memcmp(v, "FALSE", 5)))
        return 0;
    return -1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_int_text(const char *v, size_t n)
{
    size_t i = 0;
    if (n > 2 && v[0] == '0' && (v[1] == 'o' || v[1] == 'x')) {
        int hex = v[1] == 'x';
        for (i = 2; i < n; i++) {
            char c = v[i];
            int ok = hex ? (is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
                         : (c >= '0' && c <= '7');
            if (!ok) return 0;
        }
        return 1;
    }
    if (i < n && (v[i] == '-' || v[i] == '+')) i++;
    if (i == n) return 0;
    for (; i < n; i++)
        if (!is_digit(v[i])) return 0;
    return 1;
}

static int is_float_text(const char *v, size_t n)
{
    size_t i = 0;
    if (n == 4 && v[0] == '.' &&
        (!memcmp(v + 1, "nan", 3) || !memcmp(v + 1, "NaN", 3) || !memcmp(v + 1, "NAN", 3)))
        return 1;
    if (i < n && (v[i] == '-' || v[i] == '+')) i++;
    if (n - i == 4 && v[i] == '.' &&
        (!memcmp(v + i + 1, "inf", 3) || !memcmp(v + i + 1, "Inf", 3) ||
         !memcmp(v + i + 1, "INF", 3)))
        return 1;
    size_t digits = 0;
    while (i < n && is_digit(v[i]))
        i++, digits++;
    if (i < n && v[i] == '.') {
        i++;
        size_t frac = 0;
        while (i < n && is_digit(v[i]))
            i++, frac++;
        /* ".5" and "1." are floats; "." is not. */
        if (!digits && !frac) return 0;
    } else if (!digits) {
        return 0;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        if (i < n && (v[i] == '-' || v[i] == '+')) i++;
        if (i == n) return 0;
        while (i < n && is_digit(v[i]))
            i++;
    }
    return i == n;
}

static int core_type(const char *v, size_t n)
{
    if (n && !(is_digit(v[0]) || strchr("-+.~nNtTfF", v[0]))) return TN_STRING;
    if (is_null_text(v, n)) return TN_NULL;
    if (bool_text(v, n) >= 0) return TN_BOOL;
    if (is_int_text(v, n) || is_float_text(v, n)) return TN_NUMBER;
    return TN_STRING;
}

/* A short one-line quote of a value for messages. */
static void excerpt(const char *v, size_t n, char *out, size_t cap)
{
    size_t max = cap - 4, k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = (unsigned char)v[i] < ' ' ? ' ' : v[i];
    if (n > max) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* ---- building nodes ------------------------------------------------------- */

/* Hand a finished node to its parent (or make it the root). */
static int complete(loader *L, const tnode *n, uint64_t count, uint32_t height, uint32_t end)
{
    frame *f = top(L);
    if (!f) {
        L->root = *n;
        L->have_root = 1;
        return 0;
    }
    f->count += count;
    if (height + 1 > f->height) f->height = height + 1;
    if (end > f->last_end) f->last_end = end;
    if (f->kind == TN_ARRAY) return push_item(L, n);
    tmember m;
    m.key = f->key;
    m.value = *n;
    if (f->key_merge) {
        m.key.type = MERGE_MARK;
        f->has_merge = 1;
    }
    f->have_key = 0;
    f->key_merge = 0;
    return push_member(L, &m);
}

static void set_key(frame *f, const tnode *k, int merge, uint64_t count, uint32_t end)
{
    f->key = *k;
    f->key.type = TN_STRING;
    f->have_key = 1;
    f->key_merge = (uint8_t)merge;
    f->count += count;
    if (end > f->last_end) f->last_end = end;
}

/* node -> {key: node}, the long form of a CloudFormation short-form tag. */
static int wrap_tag(loader *L, tnode *node, int cfn, uint32_t tagpos)
{
    tmember *m = ig_arena_alloc(L->a, sizeof *m);
    if (!m) return oom(L, tagpos);
    const char *key = cfn_tags[cfn].key;
    m->key.type = TN_STRING;
    m->key.flags = TNF_TAG;
    m->key.n = (uint32_t)strlen(key);
    m->key.start = tagpos;
    m->key.end = node->end;
    m->key.u.s = key;
    m->value = *node;
    node->type = TN_OBJECT;
    node->flags = TNF_TAG;
    node->n = 1;
    node->start = tagpos;
    node->u.members = m;
    return 0;
}

/* !GetAtt a.b.c -> ["a", "b.c"]: the list form Fn::GetAtt takes. */
static int split_getatt(loader *L, tnode *node, const char *raw, size_t rawlen)
{
    const char *dot = memchr(node->u.s, '.', node->n);
    if (!dot || node->type == TN_NULL) return 0;
    tnode *items = ig_arena_alloc(L->a, 2 * sizeof *items);
    if (!items) return oom(L, node->start);
    uint32_t at = (uint32_t)(dot - node->u.s);
    char *left = ig_arena_strndup(L->a, node->u.s, at);
    char *right = ig_arena_strndup(L->a, dot + 1, node->n - at - 1);
    if (!left || !right) return oom(L, node->start);
    /* Exact spans when the source text is the value itself (a one-line plain
     * or simple quoted scalar); otherwise both parts cover the whole scalar. */
    uint32_t s = node->start, e = node->end;
    int quoted = (node->flags & TNF_QUOTED) != 0;
    uint32_t body = s + (uint32_t)quoted;
    int exact = !(node->flags & TNF_BLOCK) && e - s == rawlen + 2u * (uint32_t)quoted &&
                memcmp(L->d + body, raw, rawlen) == 0;
    for (int i = 0; i < 2; i++) {
        items[i].type = TN_STRING;
        items[i].flags = exact ? (uint8_t)(node->flags & TNF_QUOTED) : TNF_SYNTHETIC;
        items[i].u.s = i ? right : left;
        items[i].n = i ? node->n - at - 1 : at;
        items[i].start = exact ? (i ? body + at + 1 : body) : s;
        items[i].end = exact ? (i ? body + (uint32_t)rawlen : body + at) : e;
    }
    node->type = TN_ARRAY;
    node->flags = TNF_SYNTHETIC;
    node->n = 2;
    node->u.items = items;
    return 0;
}

static int on_scalar(loader *L, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t vl = ev->data.scalar.length;
    yaml_scalar_style_t style = ev->data.scalar.style;
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *anchor = (const char *)ev->data.scalar.anchor;
    uint32_t s = mark_off(L, ev->start_mark.index);
    uint32_t e = mark_off(L, ev->end_mark.index);
    uint32_t tagpos = s;
    int plain = style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE;
    int quoted =
        style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    int block = style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE;
    if (e < s) e = s;
    if (tag || anchor) {
        s = skip_props(L, s, e, &tagpos);
        /* An empty value after its properties: it sits where they end. */
        if (vl == 0 && plain) s = e;
    }
    if (block) e = block_end(L, s, e);
    if (vl >= UINT32_MAX) return fail_at(L, s, IAMG_ELIMIT, "YAML scalar of 4 GiB or more");
    uint8_t sflags = quoted ? TNF_QUOTED : block ? TNF_BLOCK : 0;
    long ai = -1;
    if (anchor && (ai = anchor_define(L, anchor, s)) < 0) return L->status;

    frame *f = top(L);
    if (f && f->kind == TN_OBJECT && !f->have_key) {
        /* Any scalar key is its text; tags on keys do not change it. */
        tnode k;
        k.type = TN_STRING;
        k.flags = sflags;
        k.n = (uint32_t)vl;
        k.start = s;
        k.end = e;
        k.u.s = ig_arena_strndup(L->a, v, vl);
        if (!k.u.s) return oom(L, s);
        int merge =
            plain && vl == 2 && v[0] == '<' && v[1] == '<' && (!tag || tag_kind(tag) == TAG_MERGE);
        if (count_nodes(L, 1, s, 0)) return L->status;
        if (ai >= 0) anchor_set(L, ai, &k, 1, 0);
        set_key(f, &k, merge, 1, e);
        return 0;
    }

    int tk = tag_kind(tag), cfn = cfn_index(tag);
    int type;
    const char *bad = NULL;
    switch (tk) {
    case TAG_STR:
        type = TN_STRING;
        break;
    case TAG_INT:
        type = TN_NUMBER;
        if (!is_int_text(v, vl)) bad = "!!int";
        break;
    case TAG_FLOAT:
        type = TN_NUMBER;
        if (!is_int_text(v, vl) && !is_float_text(v, vl)) bad = "!!float";
        break;
    case TAG_BOOL:
        type = TN_BOOL;
        if (bool_text(v, vl) < 0) bad = "!!bool";
        break;
    case TAG_NULL:
        type = TN_NULL;
        if (!is_null_text(v, vl)) bad = "!!null";
        break;
    case TAG_SEQ:
    case TAG_MAP:
        return fail_at(L, tagpos, IAMG_EPARSE, "tag %s cannot be applied to a scalar",
                       tk == TAG_SEQ ? "!!seq" : "!!map");
    default:
        type = plain ? core_type(v, vl) : TN_STRING;
        break;
    }
    if (bad) {
        char ex[48];
        excerpt(v, vl, ex, sizeof ex);
        return fail_at(L, s, IAMG_EPARSE, "'%s' is not a valid %s value", ex, bad);
    }

    tnode n;
    n.type = (uint8_t)type;
    n.flags = type == TN_STRING ? sflags : 0;
    n.start = s;
    n.end = e;
    if (type == TN_BOOL) {
        n.u.s = bool_text(v, vl) ? "true" : "false";
        n.n = (uint32_t)strlen(n.u.s);
    } else if (type == TN_NULL) {
        n.u.s = "null";
        n.n = 4;
    } else {
        n.n = (uint32_t)vl;
        n.u.s = ig_arena_strndup(L->a, v, vl);
        if (!n.u.s) return oom(L, s);
    }
    uint64_t count = 1;
    uint32_t height = 0;
    if (cfn >= 0) {
        uint32_t depth = (f ? f->depth : 0) + 1;
        if (cfn == CFN_GETATT && type != TN_NULL && memchr(n.u.s, '.', n.n)) {
            if (depth + 1 > L->lim->max_depth) return too_deep(L, tagpos);
            if (split_getatt(L, &n, v, vl)) return L->status;
            count += 2;
            height++;
        }
        if (depth > L->lim->max_depth) return too_deep(L, tagpos);
        if (wrap_tag(L, &n, cfn, tagpos)) return L->status;
        count += 2;
        height++;
    }
    if (count_nodes(L, count, s, 0)) return L->status;
    if (ai >= 0) anchor_set(L, ai, &n, count, height);
    return complete(L, &n, count, height, e);
}

static int on_alias(loader *L, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    uint32_t s = mark_off(L, ev->start_mark.index);
    uint32_t e = mark_off(L, ev->end_mark.index);
    long i = anchor_find(L, name, strlen(name));
    if (i < 0)
        return fail_at(L, s, IAMG_EPARSE,
                       "undefined alias *%.64s: define the anchor &%.64s before it", name, name);
    const anchor_ent *an = &L->anchors[i];
    if (!an->done)
        return fail_at(L, s, IAMG_EPARSE,
                       "alias *%.64s is inside the node it refers to: recursive aliases are not "
                       "supported",
                       name);
    if (count_nodes(L, an->count, s, 1)) return L->status;
    frame *f = top(L);
    if (f && f->kind == TN_OBJECT && !f->have_key) {
        if (an->node.type == TN_ARRAY || an->node.type == TN_OBJECT)
            return fail_at(L, s, IAMG_EPARSE, "mapping keys must be scalars: alias *%.64s is a %s",
                           name, an->node.type == TN_ARRAY ? "sequence" : "mapping");
        set_key(f, &an->node, 0, an->count, e);
        return 0;
    }
    if ((f ? f->depth : 0) + an->height > L->lim->max_depth) return too_deep(L, s);
    return complete(L, &an->node, an->count, an->height, e);
}

static int on_start(loader *L, const yaml_event_t *ev, int kind)
{
    const char *tag, *anchor;
    int flow;
    if (kind == TN_ARRAY) {
        tag = (const char *)ev->data.sequence_start.tag;
        anchor = (const char *)ev->data.sequence_start.anchor;
        flow = ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    } else {
        tag = (const char *)ev->data.mapping_start.tag;
        anchor = (const char *)ev->data.mapping_start.anchor;
        flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
    }
    uint32_t s = mark_off(L, ev->start_mark.index), tagpos = s;
    if (tag || anchor) s = skip_props(L, s, L->len, &tagpos);
    frame *f = top(L);
    if (f && f->kind == TN_OBJECT && !f->have_key)
        return fail_at(L, s, IAMG_EPARSE, "mapping keys must be scalars, not a %s",
                       kind == TN_ARRAY ? "sequence" : "mapping");
    int tk = tag_kind(tag), cfn = cfn_index(tag);
    if (tk == TAG_INT || tk == TAG_FLOAT || tk == TAG_BOOL || tk == TAG_NULL ||
        (tk == TAG_STR && strcmp(tag, "!") != 0) || (tk == TAG_SEQ && kind != TN_ARRAY) ||
        (tk == TAG_MAP && kind != TN_OBJECT))
        return fail_at(L, tagpos, IAMG_EPARSE, "tag !!%s cannot be applied to a %s",
                       tag + STD_PREFIX_LEN, kind == TN_ARRAY ? "sequence" : "mapping");
    uint32_t depth = (f ? f->depth : 0) + 1 + (cfn >= 0);
    if (depth > L->lim->max_depth) return too_deep(L, s);
    if (count_nodes(L, cfn >= 0 ? 3 : 1, s, 0)) return L->status;
    long ai = -1;
    if (anchor && (ai = anchor_define(L, anchor, s)) < 0) return L->status;
    if (L->nframes == L->capframes) {
        size_t cap = L->capframes ? L->capframes * 2 : 64;
        frame *nf = ig_realloc(L->frames, cap * sizeof *nf);
        if (!nf) return oom(L, s);
        L->frames = nf;
        L->capframes = cap;
    }
    f = &L->frames[L->nframes++];
    memset(f, 0, sizeof *f);
    f->kind = (uint8_t)kind;
    f->flow = (uint8_t)flow;
    f->cfn = cfn;
    f->start = s;
    f->tagpos = tagpos;
    f->last_end = s;
    f->depth = depth;
    f->height = 1;
    f->base = kind == TN_ARRAY ? L->nitems : L->nmembers;
    f->count = cfn >= 0 ? 3 : 1;
    f->anchor = ai;
    return 0;
}

/* ---- merge keys ------------------------------------------------------------ */

typedef struct kslot {
    const char *s;
    uint32_t n;
    long owner; /* -1: written in the mapping itself; else the merge source that gave it */
} kslot;

/* Owner slot for key k: the existing one or an empty one to fill. */
static kslot *kslot_find(kslot *t, size_t cap, const tnode *k)
{
    for (size_t i = hash_bytes(k->u.s, k->n) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (!t[i].s || (t[i].n == k->n && memcmp(t[i].s, k->u.s, k->n) == 0)) return &t[i];
    }
}

/*
 * Members of a mapping with '<<' entries. YAML's merge rule: keys written in
 * the mapping win over merged ones, and among merged mappings the earlier
 * wins. Overridden merged members are dropped so that every consumer (not
 * only ig_tnode_get's last-wins lookup) sees one value; the merged members take
 * the place of their '<<' entry. Duplicates written out are kept, as in JSON.
 */
static int merge_members(loader *L, const frame *f, tmember **out, size_t *nout)
{
    tmember *m = L->members + f->base;
    size_t n = L->nmembers - f->base, total = 0, nkeys = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type != MERGE_MARK) {
            total++;
            continue;
        }
        const tnode *v = &m[i].value;
        if (v->type == TN_OBJECT) {
            total += v->n;
            continue;
        }
        if (v->type == TN_ARRAY) {
            for (uint32_t j = 0; j < v->n; j++) {
                if (v->u.items[j].type != TN_OBJECT) {
                    v = NULL;
                    break;
                }
                total += m[i].value.u.items[j].n;
            }
            if (v) continue;
        }
        return fail_at(L, m[i].key.start, IAMG_EPARSE,
                       "merge key '<<' takes a mapping or a sequence of mappings");
    }
    size_t cap = 16;
    while (cap < 2 * (total + 1))
        cap *= 2;
    kslot *t = ig_calloc(cap, sizeof *t);
    tmember *buf = total ? ig_malloc(total * sizeof *buf) : NULL;
    if (!t || (total && !buf)) {
        rc = oom(L, f->start);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type == MERGE_MARK) continue;
        kslot *sl = kslot_find(t, cap, &m[i].key);
        sl->s = m[i].key.u.s;
        sl->n = m[i].key.n;
        sl->owner = -1;
    }
    long source = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.type != MERGE_MARK) {
            buf[nkeys++] = m[i];
            continue;
        }
        const tnode *v = &m[i].value;
        uint32_t nsrc = v->type == TN_OBJECT ? 1 : v->n;
        for (uint32_t j = 0; j < nsrc; j++, source++) {
            const tnode *src = v->type == TN_OBJECT ? v : &v->u.items[j];
            for (uint32_t k = 0; k < src->n; k++) {
                const tmember *sm = &src->u.members[k];
                kslot *sl = kslot_find(t, cap, &sm->key);
                if (!sl->s) {
                    sl->s = sm->key.u.s;
                    sl->n = sm->key.n;
                    sl->owner = source;
                } else if (sl->owner != source) {
                    continue;
                }
                buf[nkeys++] = *sm;
            }
        }
    }
    *nout = nkeys;
    *out = NULL;
    if (nkeys) {
        *out = ig_arena_alloc(L->a, nkeys * sizeof **out);
        if (!*out) {
            rc = oom(L, f->start);
            goto done;
        }
        memcpy(*out, buf, nkeys * sizeof **out);
    }
done:
    ig_free(t);
    ig_free(buf);
    return rc;
}

static int on_end(loader *L, const yaml_event_t *ev)
{
    /* A copy: completing the node may grow the frame stack's neighbours. */
    frame f = L->frames[--L->nframes];
    tnode node;
    node.type = f.kind;
    node.flags = 0;
    node.start = f.start;
    node.end = f.last_end;
    if (f.flow) {
        /* Flow collections end at their bracket; a single-pair mapping inside
         * [a: b] has none, and its end event sits at the next token. */
        uint32_t e = mark_off(L, ev->end_mark.index);
        if (e > 0 && (L->d[e - 1] == ']' || L->d[e - 1] == '}') && e > node.end) node.end = e;
    }
    size_t n;
    if (f.kind == TN_ARRAY) {
        n = L->nitems - f.base;
        tnode *items = NULL;
        if (n) {
            items = ig_arena_alloc(L->a, n * sizeof *items);
            if (!items) return oom(L, f.start);
            memcpy(items, L->items + f.base, n * sizeof *items);
        }
        L->nitems = f.base;
        node.u.items = items;
    } else {
        tmember *members = NULL;
        n = L->nmembers - f.base;
        if (f.has_merge) {
            if (merge_members(L, &f, &members, &n)) return L->status;
        } else if (n) {
            members = ig_arena_alloc(L->a, n * sizeof *members);
            if (!members) return oom(L, f.start);
            memcpy(members, L->members + f.base, n * sizeof *members);
        }
        L->nmembers = f.base;
        node.u.members = members;
    }
    if (n > UINT32_MAX)
        return fail_at(L, f.start, IAMG_ELIMIT, "YAML %s has too many entries",
                       f.kind == TN_ARRAY ? "sequence" : "mapping");
    node.n = (uint32_t)n;
    uint32_t height = f.height;
    if (f.cfn >= 0) {
        if (wrap_tag(L, &node, f.cfn, f.tagpos)) return L->status;
        height++;
    }
    if (f.anchor >= 0) anchor_set(L, f.anchor, &node, f.count, height);
    return complete(L, &node, f.count, height, node.end);
}

/* ---- libyaml errors --------------------------------------------------------- */

static int parser_error(loader *L, const yaml_parser_t *yp)
{
    if (yp->error == YAML_MEMORY_ERROR) {
        L->status = IAMG_ENOMEM;
        return ig_error_set(L->err, IAMG_ENOMEM, L->src->path, 0, 0,
                            "out of memory while parsing YAML");
    }
    const char *problem = yp->problem ? yp->problem : "invalid YAML";
    if (yp->error == YAML_READER_ERROR) {
        /* Reader errors carry a byte offset into the input, not a mark. */
        uint32_t off = yp->problem_offset > L->len ? L->len : (uint32_t)yp->problem_offset;
        if (yp->problem_value >= 0)
            return fail_at(L, off, IAMG_EPARSE, "%s (0x%02X): YAML files must be UTF-8 text",
                           problem, (unsigned)yp->problem_value);
        return fail_at(L, off, IAMG_EPARSE, "%s: YAML files must be UTF-8 text", problem);
    }
    uint32_t off = mark_off(L, yp->problem_mark.index);
    const char *hint = "";
    if (off < L->len && L->d[off] == '\t' && strstr(problem, "cannot start any token"))
        hint = ": indent with spaces, YAML does not allow tabs there";
    if (!yp->context) return fail_at(L, off, IAMG_EPARSE, "%s%s", problem, hint);
    uint32_t coff = mark_off(L, yp->context_mark.index);
    if (coff == off) return fail_at(L, off, IAMG_EPARSE, "%s (%s)%s", problem, yp->context, hint);
    const tsource *file = ig_tsource_file(L->src);
    srcpos cp = ig_srcpos_scan(file->data, file->len, ig_tsource_file_offset(L->src, coff));
    return fail_at(L, off, IAMG_EPARSE, "%s (%s that starts at line %u, column %u)%s", problem,
                   yp->context, cp.line, cp.col, hint);
}

/*
 * libyaml's reader decodes all the input it holds, and fails on ill-formed
 * UTF-8 before the parser reaches it. Feeding it small pieces keeps that
 * look-ahead short, so the first problem in the file is the one reported,
 * not ill-formed bytes further on.
 */
#define READ_CHUNK 512

static int read_chunk(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
    loader *L = data;
    size_t left = L->len - L->fed, n = size < READ_CHUNK ? size : READ_CHUNK;
    if (n > left) n = left;
    memcpy(buffer, L->d + L->fed, n);
    L->fed += (uint32_t)n;
    *size_read = n;
    return 1;
}

static int on_event(loader *L, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return on_scalar(L, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(L, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(L, ev, TN_ARRAY);
    case YAML_MAPPING_START_EVENT:
        return on_start(L, ev, TN_OBJECT);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(L, ev);
    default:
        return 0;
    }
}

/*
 * A document ended: keep its root unless it is null (an empty "---" holds
 * nothing to check) and forget its anchors, which YAML scopes to their
 * document. The next document gets a node budget of its own; the alias
 * budget stays shared, so a stream of small alias bombs costs what one big
 * one would.
 */
static int end_document(loader *L)
{
    if (L->have_root && L->root.type != TN_NULL) {
        if (L->ndocs == L->capdocs) {
            size_t cap = L->capdocs ? L->capdocs * 2 : 4;
            tnode *d = ig_realloc(L->docs, cap * sizeof *d);
            if (!d) return oom(L, L->bi);
            L->docs = d;
            L->capdocs = cap;
        }
        L->docs[L->ndocs++] = L->root;
    }
    L->have_root = 0;
    L->nanchors = 0;
    if (L->ahcap) memset(L->ahash, 0, L->ahcap * sizeof *L->ahash);
    L->total = 0;
    return 0;
}

int ig_yaml_load(const tsource *src, arena *a, const iamg_limits *lim, const tnode **out,
                 iamg_error *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.src = src;
    L.d = (const unsigned char *)src->data;
    L.len = src->len;
    L.a = a;
    L.lim = lim;
    L.err = err;
    *out = NULL;
    if (L.len >= 3 && memcmp(L.d, "\xEF\xBB\xBF", 3) == 0) L.bom = 3;
    L.bi = L.bom;
    L.ascii = is_ascii(L.d, L.len);

    /* libyaml would decode UTF-16 itself, and its marks would then count
     * characters of a text whose bytes are not the file's. */
    if (L.len >= 2 && ((L.d[0] == 0xFF && L.d[1] == 0xFE) || (L.d[0] == 0xFE && L.d[1] == 0xFF)))
        return fail_at(&L, 0, IAMG_EPARSE,
                       "UTF-16 YAML is not supported: convert the file to UTF-8");

    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) return oom(&L, 0);
    yaml_parser_set_input(&yp, read_chunk, &L);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            parser_error(&L, &yp);
            break;
        }
        yaml_event_type_t type = ev.type;
        int rc = on_event(&L, &ev);
        yaml_event_delete(&ev);
        if (!rc && type == YAML_DOCUMENT_END_EVENT) rc = end_document(&L);
        if (rc || type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&yp);

    if (!L.status) {
        tnode *root = ig_arena_alloc(a, sizeof *root);
        tnode *docs = L.ndocs > 1 ? ig_arena_alloc(a, L.ndocs * sizeof *docs) : NULL;
        if (!root || (L.ndocs > 1 && !docs)) {
            oom(&L, 0);
        } else if (L.ndocs > 1) {
            memcpy(docs, L.docs, L.ndocs * sizeof *docs);
            memset(root, 0, sizeof *root);
            root->type = TN_ARRAY;
            root->flags = TNF_STREAM;
            root->n = (uint32_t)L.ndocs;
            root->u.items = docs;
            root->start = docs[0].start;
            root->end = docs[L.ndocs - 1].end;
            *out = root;
        } else {
            if (L.ndocs == 1) {
                *root = L.docs[0];
            } else {
                memset(root, 0, sizeof *root);
                root->type = TN_NULL;
                root->n = 4;
                root->u.s = "null";
                root->start = root->end = L.bom;
            }
            *out = root;
        }
    }
    ig_free(L.docs);
    ig_free(L.frames);
    ig_free(L.items);
    ig_free(L.members);
    ig_free(L.anchors);
    ig_free(L.ahash);
    return L.status;
}

/* ---- offsets of decoded string bytes ---------------------------------------- */

/*
 * The map is made by replaying libyaml's scalar scanner over the source,
 * emitting each decoded byte with the offset it came from, and checking every
 * emitted byte against the decoded string: where the replay and libyaml
 * disagree (some construct not replayed), the rest falls back to line starts.
 */
typedef struct mapper {
    const unsigned char *d; /* source */
    uint32_t len;
    const unsigned char *dec; /* decoded string */
    uint32_t n, k;
    uint32_t *map;
    int ok;
    uint32_t stop; /* source offset where the replay stopped */
} mapper;

static void put(mapper *M, unsigned char b, uint32_t off)
{
    if (!M->ok || M->k >= M->n) return;
    if (M->dec[M->k] != b) {
        M->ok = 0;
        M->stop = off;
        return;
    }
    M->map[M->k++] = off;
}

static int running(const mapper *M)
{
    return M->ok && M->k < M->n;
}

/* A line break as the scanner stores it: LS and PS stay, the others are LF. */
static void put_break(mapper *M, uint32_t p)
{
    if (M->d[p] == 0xE2) {
        for (uint32_t i = 0; i < 3; i++)
            put(M, M->d[p + i], p);
    } else {
        put(M, '\n', p);
    }
}

static void put_breaks_in(mapper *M, uint32_t p, uint32_t e)
{
    while (p < e && running(M)) {
        uint32_t bl = brk(M->d, p, e);
        if (bl) {
            put_break(M, p);
            p += bl;
        } else {
            p++;
        }
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The escape at p in a double-quoted scalar: emits its bytes, returns the
 * source bytes it spans (0 when not understood). */
static uint32_t put_escape(mapper *M, uint32_t p, uint32_t lim)
{
    const unsigned char *d = M->d;
    if (p + 1 >= lim) return 0;
    unsigned long cp;
    uint32_t used = 2, hex = 0;
    switch (d[p + 1]) {
    case '0':
        cp = 0;
        break;
    case 'a':
        cp = 7;
        break;
    case 'b':
        cp = 8;
        break;
    case 't':
    case '\t':
        cp = 9;
        break;
    case 'n':
        cp = 10;
        break;
    case 'v':
        cp = 11;
        break;
    case 'f':
        cp = 12;
        break;
    case 'r':
        cp = 13;
        break;
    case 'e':
        cp = 0x1B;
        break;
    case ' ':
        cp = ' ';
        break;
    case '"':
        cp = '"';
        break;
    case '/':
        cp = '/';
        break;
    case '\'':
        cp = '\'';
        break;
    case '\\':
        cp = '\\';
        break;
    case 'N':
        cp = 0x85;
        break;
    case '_':
        cp = 0xA0;
        break;
    case 'L':
        cp = 0x2028;
        break;
    case 'P':
        cp = 0x2029;
        break;
    case 'x':
        hex = 2;
        break;
    case 'u':
        hex = 4;
        break;
    case 'U':
        hex = 8;
        break;
    default:
        return 0;
    }
    if (hex) {
        if (lim - p < 2 + hex) return 0;
        cp = 0;
        for (uint32_t i = 0; i < hex; i++) {
            int h = hexval(d[p + 2 + i]);
            if (h < 0) return 0;
            cp = cp * 16 + (unsigned long)h;
        }
        used += hex;
    }
    unsigned char o[4];
    uint32_t w;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        w = 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        w = 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        w = 3;
    } else {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        w = 4;
    }
    for (uint32_t i = 0; i < w; i++)
        put(M, o[i], p);
    return used;
}

enum { FLOW_PLAIN, FLOW_SINGLE, FLOW_DOUBLE };

/* Plain and quoted scalars (libyaml's scan_plain_scalar/scan_flow_scalar):
 * runs of text, with the whitespace between them kept on one line and
 * folded across lines. p..lim is the text inside the quotes. */
static void map_flow(mapper *M, uint32_t p, uint32_t lim, int kind)
{
    const unsigned char *d = M->d;
    while (p < lim && running(M)) {
        int leading_blanks = 0;
        while (p < lim && !is_blank(d[p]) && !brk(d, p, lim) && running(M)) {
            if (kind == FLOW_SINGLE && d[p] == '\'' && p + 1 < lim && d[p + 1] == '\'') {
                put(M, '\'', p);
                p += 2;
            } else if (kind == FLOW_DOUBLE && d[p] == '\\') {
                uint32_t bl = brk(d, p + 1, lim);
                if (bl) { /* an escaped line break joins the lines without a space */
                    p += 1 + bl;
                    leading_blanks = 1;
                    break;
                }
                uint32_t used = put_escape(M, p, lim);
                if (!used) {
                    M->ok = 0;
                    M->stop = p;
                    return;
                }
                p += used;
            } else {
                put(M, d[p], p);
                p++;
            }
        }
        uint32_t ws = p, wse = p, tb = p;
        long first = -1;
        while (p < lim) {
            uint32_t bl;
            if (is_blank(d[p])) {
                p++;
                if (!leading_blanks) wse = p;
            } else if ((bl = brk(d, p, lim))) {
                if (!leading_blanks) {
                    first = (long)p;
                    leading_blanks = 1;
                    tb = p + bl;
                }
                p += bl;
            } else {
                break;
            }
        }
        if (kind == FLOW_PLAIN && p >= lim) break; /* trailing blanks are not content */
        if (!leading_blanks) {
            for (uint32_t q = ws; q < wse; q++)
                put(M, d[q], q);
            continue;
        }
        int more = 0;
        for (uint32_t q = tb; q < p && !more; q++)
            more = brk(d, q, p) != 0;
        if (first >= 0 && d[first] != 0xE2) {
            if (!more) put(M, ' ', (uint32_t)first);
        } else if (first >= 0) {
            put_break(M, (uint32_t)first);
        }
        put_breaks_in(M, tb, p);
    }
    if (M->ok) M->stop = p;
}

/* Literal and folded block scalars (libyaml's scan_block_scalar). s is the
 * indicator. The indentation comes from the decoded text: its first line
 * with content is the source line without the indentation. */
static void map_block(mapper *M, uint32_t s)
{
    const unsigned char *d = M->d;
    uint32_t len = M->len, p = s;
    int literal = d[p++] == '|', chomp = 0;
    while (p < len && (d[p] == '+' || d[p] == '-' || is_digit((char)d[p]))) {
        if (d[p] == '+') chomp = 1;
        if (d[p] == '-') chomp = -1;
        p++;
    }
    while (p < len && !brk(d, p, len))
        p++; /* blanks and a comment */
    p += brk(d, p, len);
    M->stop = p;

    /* Each leading decoded line break is one source line that is empty at
     * this indentation; the next source line is the first with content, and
     * its decoded text lacks exactly the indentation. */
    uint32_t indent = UINT32_MAX, z = 0;
    while (z < M->n && M->dec[z] == '\n')
        z++;
    if (z < M->n) {
        uint32_t q = p;
        for (uint32_t i = 0; i < z && q < len; i++) {
            while (q < len && !brk(d, q, len))
                q++;
            q += brk(d, q, len);
        }
        uint32_t sp = 0, dl = 0;
        while (q + sp < len && d[q + sp] == ' ')
            sp++;
        while (z + dl < M->n && M->dec[z + dl] == ' ')
            dl++;
        if (sp < dl) {
            M->ok = 0;
            return;
        }
        indent = sp - dl;
    }

    uint32_t ls = p, lb = 0, tbs, tbe;
    int has_lb = 0, leading_blank = 0;
#define SKIP_BREAKS()                                                                              \
    do {                                                                                           \
        tbs = p;                                                                                   \
        for (;;) {                                                                                 \
            while (p - ls < indent && p < len && d[p] == ' ')                                      \
                p++;                                                                               \
            uint32_t bl_ = brk(d, p, len);                                                         \
            if (!bl_) break;                                                                       \
            p += bl_;                                                                              \
            ls = p;                                                                                \
        }                                                                                          \
        tbe = p;                                                                                   \
    } while (0)
    SKIP_BREAKS();
    while (p < len && p - ls == indent && running(M)) {
        int trailing_blank = is_blank(d[p]);
        int more = 0;
        for (uint32_t r = tbs; r < tbe && !more; r++)
            more = brk(d, r, tbe) != 0;
        if (!literal && has_lb && d[lb] != 0xE2 && !leading_blank && !trailing_blank) {
            if (!more) put(M, ' ', lb);
        } else if (has_lb) {
            put_break(M, lb);
        }
        has_lb = 0;
        put_breaks_in(M, tbs, tbe);
        leading_blank = is_blank(d[p]);
        while (p < len && !brk(d, p, len)) {
            put(M, d[p], p);
            p++;
        }
        uint32_t bl = brk(d, p, len);
        if (bl) {
            lb = p;
            has_lb = 1;
            p += bl;
            ls = p;
        }
        SKIP_BREAKS();
    }
#undef SKIP_BREAKS
    if (chomp != -1 && has_lb) put_break(M, lb);
    if (chomp == 1) put_breaks_in(M, tbs, tbe);
    if (M->ok) M->stop = p;
}

/* Where the replay cannot follow: every remaining byte maps to the start of
 * its source line, moving one line down per decoded line break. */
static void map_rest(mapper *M, uint32_t lo, uint32_t hi)
{
    const unsigned char *d = M->d;
    uint32_t ls = M->stop < lo ? lo : M->stop > hi ? hi : M->stop;
    while (ls > lo && d[ls - 1] != '\n' && d[ls - 1] != '\r')
        ls--;
    /* Never before a byte already mapped: offsets only grow. */
    uint32_t floor = M->k ? M->map[M->k - 1] : lo;
    for (; M->k < M->n; M->k++) {
        M->map[M->k] = ls < floor ? floor : ls;
        if (M->dec[M->k] == '\n') {
            uint32_t q = ls;
            while (q < hi && !brk(d, q, hi))
                q++;
            ls = q + brk(d, q, hi);
        }
    }
}

uint32_t *ig_yaml_string_map(const tsource *src, const tnode *str, arena *a)
{
    uint32_t *map = ig_arena_alloc(a, ((size_t)str->n + 1) * sizeof *map);
    if (!map) return NULL;
    mapper M;
    M.d = (const unsigned char *)src->data;
    M.len = src->len;
    M.dec = (const unsigned char *)str->u.s;
    M.n = str->n;
    M.k = 0;
    M.map = map;
    M.ok = 1;
    uint32_t s = str->start > M.len ? M.len : str->start;
    uint32_t e = str->end > M.len ? M.len : str->end;
    if (e < s) e = s;
    M.stop = s;
    uint32_t last = e;
    unsigned char c = s < e ? M.d[s] : 0;
    if (str->type != TN_STRING || (str->flags & (TNF_TAG | TNF_SYNTHETIC)) || s >= e) {
        /* Text with no source of its own (a tag's key, a computed value). */
        for (uint32_t i = 0; i < M.n; i++)
            map[i] = s;
        map[M.n] = e;
        return map;
    }
    if ((str->flags & TNF_BLOCK) && (c == '|' || c == '>')) {
        map_block(&M, s);
        if (M.k < M.n) map_rest(&M, s, M.len);
    } else if ((str->flags & TNF_QUOTED) && (c == '"' || c == '\'') && e - s >= 2) {
        map_flow(&M, s + 1, e - 1, c == '"' ? FLOW_DOUBLE : FLOW_SINGLE);
        last = e - 1; /* the closing quote, as ig_json_string_map */
        if (M.k < M.n) map_rest(&M, s, e);
    } else {
        map_flow(&M, s, e, FLOW_PLAIN);
        if (M.k < M.n) map_rest(&M, s, e);
    }
    /* Kept trailing lines of a |+ scalar lie past the node's end. */
    if (M.n && map[M.n - 1] > last) last = map[M.n - 1];
    map[M.n] = last;
    return map;
}
