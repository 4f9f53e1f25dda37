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
 *
 * This file reads the events and turns marks into offsets; yaml_int.h lists
 * the parts that build nodes, hold anchors, type scalars and map strings.
 */
#include "load/yaml_load.h"

#include "load/yaml_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/array.h"
#include "util/errors.h"

int ig_yaml_fail_at(loader *L, uint32_t off, int code, const char *fmt, ...)
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

int ig_yaml_oom(loader *L, uint32_t off)
{
    return ig_yaml_fail_at(L, off, IAMG_ENOMEM, "out of memory while parsing YAML");
}

/* ---- marks to byte offsets ---------------------------------------------- */

uint32_t ig_yaml_mark_off(loader *L, size_t index)
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

/*
 * The first byte of a node's own text after its properties. libyaml starts an
 * event at its anchor or tag, and a value may follow them on a later line,
 * after comments. Records where the tag starts in *tagpos.
 */
uint32_t ig_yaml_skip_props(const loader *L, uint32_t p, uint32_t lim, uint32_t *tagpos)
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
uint32_t ig_yaml_block_end(const loader *L, uint32_t s, uint32_t e)
{
    const unsigned char *d = L->d;
    for (;;) {
        uint32_t q = e;
        while (q > s + 1 && ig_yaml_is_blank(d[q - 1]))
            q--;
        if (q > s + 1 && (d[q - 1] == '\n' || d[q - 1] == '\r')) {
            e = q - 1;
            if (d[e] == '\n' && e > s + 1 && d[e - 1] == '\r') e--;
            continue;
        }
        return e;
    }
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
            return ig_yaml_fail_at(L, off, IAMG_EPARSE,
                                   "%s (0x%02X): YAML files must be UTF-8 text", problem,
                                   (unsigned)yp->problem_value);
        return ig_yaml_fail_at(L, off, IAMG_EPARSE, "%s: YAML files must be UTF-8 text", problem);
    }
    uint32_t off = ig_yaml_mark_off(L, yp->problem_mark.index);
    const char *hint = "";
    if (off < L->len && L->d[off] == '\t' && strstr(problem, "cannot start any token"))
        hint = ": indent with spaces, YAML does not allow tabs there";
    if (!yp->context) return ig_yaml_fail_at(L, off, IAMG_EPARSE, "%s%s", problem, hint);
    uint32_t coff = ig_yaml_mark_off(L, yp->context_mark.index);
    if (coff == off)
        return ig_yaml_fail_at(L, off, IAMG_EPARSE, "%s (%s)%s", problem, yp->context, hint);
    const tsource *file = ig_tsource_file(L->src);
    srcpos cp = ig_srcpos_scan(file->data, file->len, ig_tsource_file_offset(L->src, coff));
    return ig_yaml_fail_at(L, off, IAMG_EPARSE, "%s (%s that starts at line %u, column %u)%s",
                           problem, yp->context, cp.line, cp.col, hint);
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
        return ig_yaml_on_scalar(L, ev);
    case YAML_ALIAS_EVENT:
        return ig_yaml_on_alias(L, ev);
    case YAML_SEQUENCE_START_EVENT:
        return ig_yaml_on_start(L, ev, TN_ARRAY);
    case YAML_MAPPING_START_EVENT:
        return ig_yaml_on_start(L, ev, TN_OBJECT);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return ig_yaml_on_end(L, ev);
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
        if (IG_ARRAY_GROW(L->docs, L->ndocs, L->capdocs, 4)) return ig_yaml_oom(L, L->bi);
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
        return ig_yaml_fail_at(&L, 0, IAMG_EPARSE,
                               "UTF-16 YAML is not supported: convert the file to UTF-8");

    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) return ig_yaml_oom(&L, 0);
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
            ig_yaml_oom(&L, 0);
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
