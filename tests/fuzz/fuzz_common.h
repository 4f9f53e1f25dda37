/*
 * Shared by the libFuzzer targets: the entry points' prototypes and the
 * invariants every loaded file must satisfy, whatever its bytes.
 *
 * A broken invariant calls fuzz_fail, which prints what broke and aborts, so
 * libFuzzer saves the input as a crash.
 */
#ifndef IAMG_FUZZ_COMMON_H
#define IAMG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/limits.h"
#include "load/loader.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "source/diag.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_FN static __attribute__((unused))

FUZZ_FN void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz invariant broken: %s\n", what);
    abort();
}

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) fuzz_fail(#cond);                                                             \
    } while (0)

/* Trees share children through YAML aliases; walks stop after this many
 * nodes so an alias-heavy input cannot make one run take seconds. */
#define FUZZ_WALK_MAX 20000

/* A position of an offset in `src` resolves inside its file. */
FUZZ_FN void fuzz_check_pos(const tsource *src, uint32_t off)
{
    const tsource *f = ig_tsource_file(src);
    FUZZ_CHECK(off <= src->len);
    uint32_t foff = ig_tsource_file_offset(src, off);
    FUZZ_CHECK(foff <= f->len);
    srcpos p = ig_tsource_pos(src, off);
    FUZZ_CHECK(p.line >= 1 && p.line <= f->nlines);
    FUZZ_CHECK(p.col >= 1 && p.col <= f->len + 1);
    /* Errors are placed by scanning, findings through the line index: both
     * must agree. Scanning is linear, so only in small files, where the
     * fuzzer spends its time anyway. */
    if (f->len <= 4096) {
        srcpos q = ig_srcpos_scan(f->data, f->len, foff);
        FUZZ_CHECK(q.line == p.line && q.col == p.col);
    }
}

/* Spans of a tree: inside the source, children inside their parent. Strings
 * are NUL-terminated at their length. Returns the nodes visited. */
FUZZ_FN size_t fuzz_check_tree(const tsource *src, const tnode *n, size_t budget)
{
    if (!budget) return 0;
    size_t seen = 1;
    FUZZ_CHECK(n->type <= TN_OBJECT);
    FUZZ_CHECK(n->start <= n->end && n->end <= src->len);
    if (n->type == TN_STRING || n->type == TN_NUMBER || n->type == TN_BOOL)
        FUZZ_CHECK(n->u.s && n->u.s[n->n] == '\0');
    if (n->type == TN_ARRAY) {
        for (uint32_t i = 0; i < n->n && seen < budget; i++)
            seen += fuzz_check_tree(src, &n->u.items[i], budget - seen);
    } else if (n->type == TN_OBJECT) {
        for (uint32_t i = 0; i < n->n && seen < budget; i++) {
            const tmember *m = &n->u.members[i];
            FUZZ_CHECK(m->key.type == TN_STRING);
            seen += fuzz_check_tree(src, &m->key, budget - seen);
            if (seen < budget) seen += fuzz_check_tree(src, &m->value, budget - seen);
        }
    }
    return seen;
}

/* Offset maps of strings (ig_json_string_map, ig_yaml_string_map): one entry per
 * decoded byte plus one, non-decreasing, inside the file; with `quoted`
 * (JSON) inside the quotes and ending at the closing one. A decoded source
 * over each string resolves into the file. Returns the nodes visited. */
typedef uint32_t *(*fuzz_map_fn)(const tsource *src, const tnode *str, arena *a);

FUZZ_FN size_t fuzz_check_string_maps(const tsource *src, const tnode *n, arena *a,
                                      fuzz_map_fn map_of, int quoted, size_t budget)
{
    if (!budget) return 0;
    size_t seen = 1;
    if (n->type == TN_STRING) {
        uint32_t *map = map_of(src, n, a);
        FUZZ_CHECK(map != NULL);
        for (uint32_t i = 0; i <= n->n; i++) {
            FUZZ_CHECK(map[i] <= src->len);
            if (quoted) FUZZ_CHECK(map[i] > n->start && map[i] < n->end);
            if (i) FUZZ_CHECK(map[i] >= map[i - 1]);
        }
        if (quoted) FUZZ_CHECK(map[n->n] == n->end - 1);
        tsource inner;
        ig_tsource_init_decoded(&inner, src, n->u.s, n->n, map);
        fuzz_check_pos(&inner, 0);
        fuzz_check_pos(&inner, n->n);
    } else if (n->type == TN_ARRAY) {
        for (uint32_t i = 0; i < n->n && seen < budget; i++)
            seen += fuzz_check_string_maps(src, &n->u.items[i], a, map_of, quoted, budget - seen);
    } else if (n->type == TN_OBJECT) {
        for (uint32_t i = 0; i < n->n && seen < budget; i++) {
            const tmember *m = &n->u.members[i];
            seen += fuzz_check_string_maps(src, &m->key, a, map_of, quoted, budget - seen);
            if (seen < budget)
                seen += fuzz_check_string_maps(src, &m->value, a, map_of, quoted, budget - seen);
        }
    }
    return seen;
}

FUZZ_FN void fuzz_check_node(const pdoc *d, const tnode *n)
{
    if (!n) return;
    FUZZ_CHECK(n->start <= n->end && n->end <= d->src->len);
    fuzz_check_pos(d->src, n->start);
    fuzz_check_pos(d->src, n->end);
}

FUZZ_FN void fuzz_check_elem(const pdoc *d, const pelem *e)
{
    for (uint32_t i = 0; i < e->n; i++) {
        FUZZ_CHECK(e->v[i] && e->v[i]->type <= TN_OBJECT);
        fuzz_check_node(d, e->v[i]);
    }
}

/* What ig_load_buffer produced: documents whose every node resolves to a
 * position in the file, diagnostics with a message. */
FUZZ_FN void fuzz_check_loaded(const loaded *l, const diag_list *dl)
{
    FUZZ_CHECK(!dl->oom);
    for (size_t i = 0; i < dl->n; i++) {
        const diag *g = &dl->v[i];
        FUZZ_CHECK(g->message && g->message[0]);
        FUZZ_CHECK(g->code < 0 && g->code >= IAMG_ESKIP);
        if (l->src.points) FUZZ_CHECK(g->line <= l->src.nlines);
    }
    for (size_t i = 0; i < l->ndocs; i++) {
        const pdoc *d = &l->docs[i];
        FUZZ_CHECK(d->src && ig_tsource_file(d->src) == &l->src);
        fuzz_check_node(d, d->node);
        for (uint32_t k = 0; k < d->nstmts; k++) {
            const pstmt *st = &d->stmts[k];
            fuzz_check_node(d, st->node);
            fuzz_check_elem(d, &st->action);
            fuzz_check_elem(d, &st->resource);
            for (uint32_t c = 0; c < st->nconds; c++)
                for (uint32_t v = 0; v < st->conds[c].n; v++)
                    fuzz_check_node(d, st->conds[c].v[v]);
            char label[64];
            ig_policy_stmt_label(st, label, sizeof label);
            FUZZ_CHECK(label[0] != '\0');
        }
    }
}

/* ig_load_buffer the input as file `name` (explicit, then as found in a
 * folder) and check the result. */
FUZZ_FN void fuzz_load(const char *name, const uint8_t *data, size_t size)
{
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    for (int how = 0; how < 2; how++) {
        loaded l;
        diag_list dl;
        memset(&dl, 0, sizeof dl);
        int rc = ig_load_buffer(&l, name, (const char *)data, size,
                                how ? LOAD_WALKED : LOAD_EXPLICIT, &lim, &dl);
        FUZZ_CHECK(rc == 0);
        fuzz_check_loaded(&l, &dl);
        if (l.root) fuzz_check_tree(&l.src, l.root, FUZZ_WALK_MAX);
        /* A file that is skipped says why. */
        if (!l.format) FUZZ_CHECK(l.skip_reason && (dl.n > 0 || dl.dropped > 0));
        ig_loaded_free(&l);
        ig_diag_list_free(&dl);
    }
}

/* Ways fuzz_embed writes the input into a JSON string. */
#define EMBED_ESCAPE_ALL 1 /* every byte >= 0x80 of well-formed UTF-8 as \uXXXX (pairs) */
#define EMBED_SOLIDUS 2    /* '/' as \/ and spaces as \u0020 */
#define EMBED_URL 4        /* percent-encode first (as the IAM API returns policies) */

/* Append to out (malloc'd, grown as needed) a JSON string literal holding
 * data, so a policy-in-a-string path (Terraform plans, account dumps) is
 * driven with arbitrary text. Bytes that are not valid UTF-8 are written raw:
 * the outer parse then fails, which is fine. */
FUZZ_FN void fuzz_put(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *out = realloc(*out, *cap);
        if (!*out) abort();
    }
    memcpy(*out + *len, s, n);
    *len += n;
    (*out)[*len] = '\0';
}

FUZZ_FN void fuzz_embed(char **out, size_t *len, size_t *cap, const uint8_t *data, size_t size,
                        int how)
{
    char tmp[16];
    fuzz_put(out, len, cap, "\"", 1);
    for (size_t i = 0; i < size; i++) {
        uint8_t c = data[i];
        if ((how & EMBED_URL) &&
            (c < 0x20 || c == '%' || c == '"' || c == '{' || c == ':' || c == '+')) {
            snprintf(tmp, sizeof tmp, "%%%02X", c);
            fuzz_put(out, len, cap, tmp, 3);
            continue;
        }
        if ((how & EMBED_URL) && c == ' ') {
            fuzz_put(out, len, cap, "+", 1);
            continue;
        }
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            fuzz_put(out, len, cap, tmp, 2);
        } else if (c < 0x20 || ((how & EMBED_SOLIDUS) && c == ' ')) {
            snprintf(tmp, sizeof tmp, "\\u%04X", c);
            fuzz_put(out, len, cap, tmp, 6);
        } else if ((how & EMBED_SOLIDUS) && c == '/') {
            fuzz_put(out, len, cap, "\\/", 2);
        } else if ((how & EMBED_ESCAPE_ALL) && c >= 0x80) {
            size_t w = ig_utf8_seq_len(data + i, size - i);
            if (!w) {
                fuzz_put(out, len, cap, (const char *)&data[i], 1);
                continue;
            }
            unsigned long cp = w == 2 ? c & 0x1Fu : w == 3 ? c & 0x0Fu : c & 0x07u;
            for (size_t k = 1; k < w; k++)
                cp = (cp << 6) | (data[i + k] & 0x3Fu);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                snprintf(tmp, sizeof tmp, "\\u%04lX\\u%04lX", 0xD800 + (cp >> 10),
                         0xDC00 + (cp & 0x3FF));
                fuzz_put(out, len, cap, tmp, 12);
            } else {
                snprintf(tmp, sizeof tmp, "\\u%04lX", cp);
                fuzz_put(out, len, cap, tmp, 6);
            }
            i += w - 1;
        } else {
            fuzz_put(out, len, cap, (const char *)&data[i], 1);
        }
    }
    fuzz_put(out, len, cap, "\"", 1);
}

#endif
