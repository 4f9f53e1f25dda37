/*
 * load/yaml_nodes.c - tree nodes from libyaml's events.
 *
 * Every open collection is a frame on an explicit stack (no recursion), and
 * its children go to scratch stacks, copied exactly sized into the arena when
 * the collection closes. Short-form tags become their long form here, and
 * every node is counted against max_yaml_nodes (aliases expanded).
 */
#include "load/yaml_int.h"

#include <string.h>

#include "util/alloc.h"
#include "util/array.h"

/* ---- scratch stacks ------------------------------------------------------- */

static int push_item(loader *L, const tnode *n)
{
    if (IG_ARRAY_GROW(L->items, L->nitems, L->capitems, 256)) return ig_yaml_oom(L, n->start);
    L->items[L->nitems++] = *n;
    return 0;
}

static int push_member(loader *L, const tmember *m)
{
    if (IG_ARRAY_GROW(L->members, L->nmembers, L->capmembers, 256))
        return ig_yaml_oom(L, m->value.start);
    L->members[L->nmembers++] = *m;
    return 0;
}

static frame *top(loader *L)
{
    return L->nframes ? &L->frames[L->nframes - 1] : NULL;
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
        return ig_yaml_fail_at(
            L, off, IAMG_ELIMIT,
            "YAML aliases expand to more than %zu nodes (limit max_yaml_nodes): alias bomb?",
            L->lim->max_yaml_nodes);
    return ig_yaml_fail_at(L, off, IAMG_ELIMIT,
                           "YAML document has more than %zu nodes (limit max_yaml_nodes)",
                           L->lim->max_yaml_nodes);
}

static int too_deep(loader *L, uint32_t off)
{
    return ig_yaml_fail_at(L, off, IAMG_ELIMIT, "nesting deeper than %u levels (limit max_depth)",
                           L->lim->max_depth);
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
    if (!m) return ig_yaml_oom(L, tagpos);
    const char *key = ig_yaml_cfn_key(cfn);
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
    if (!items) return ig_yaml_oom(L, node->start);
    uint32_t at = (uint32_t)(dot - node->u.s);
    char *left = ig_arena_strndup(L->a, node->u.s, at);
    char *right = ig_arena_strndup(L->a, dot + 1, node->n - at - 1);
    if (!left || !right) return ig_yaml_oom(L, node->start);
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

int ig_yaml_on_scalar(loader *L, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t vl = ev->data.scalar.length;
    yaml_scalar_style_t style = ev->data.scalar.style;
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *anchor = (const char *)ev->data.scalar.anchor;
    uint32_t s = ig_yaml_mark_off(L, ev->start_mark.index);
    uint32_t e = ig_yaml_mark_off(L, ev->end_mark.index);
    uint32_t tagpos = s;
    int plain = style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE;
    int quoted =
        style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    int block = style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE;
    if (e < s) e = s;
    if (tag || anchor) {
        s = ig_yaml_skip_props(L, s, e, &tagpos);
        /* An empty value after its properties: it sits where they end. */
        if (vl == 0 && plain) s = e;
    }
    if (block) e = ig_yaml_block_end(L, s, e);
    if (vl >= UINT32_MAX) return ig_yaml_fail_at(L, s, IAMG_ELIMIT, "YAML scalar of 4 GiB or more");
    uint8_t sflags = quoted ? TNF_QUOTED : block ? TNF_BLOCK : 0;
    long ai = -1;
    if (anchor && (ai = ig_yaml_anchor_define(L, anchor, s)) < 0) return L->status;

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
        if (!k.u.s) return ig_yaml_oom(L, s);
        int merge = plain && vl == 2 && v[0] == '<' && v[1] == '<' &&
                    (!tag || ig_yaml_tag_kind(tag) == TAG_MERGE);
        if (count_nodes(L, 1, s, 0)) return L->status;
        if (ai >= 0) ig_yaml_anchor_set(L, ai, &k, 1, 0);
        set_key(f, &k, merge, 1, e);
        return 0;
    }

    int tk = ig_yaml_tag_kind(tag), cfn = ig_yaml_cfn_index(tag);
    int type;
    const char *bad = NULL;
    switch (tk) {
    case TAG_STR:
        type = TN_STRING;
        break;
    case TAG_INT:
        type = TN_NUMBER;
        if (!ig_yaml_is_int_text(v, vl)) bad = "!!int";
        break;
    case TAG_FLOAT:
        type = TN_NUMBER;
        if (!ig_yaml_is_int_text(v, vl) && !ig_yaml_is_float_text(v, vl)) bad = "!!float";
        break;
    case TAG_BOOL:
        type = TN_BOOL;
        if (ig_yaml_bool_text(v, vl) < 0) bad = "!!bool";
        break;
    case TAG_NULL:
        type = TN_NULL;
        if (!ig_yaml_is_null_text(v, vl)) bad = "!!null";
        break;
    case TAG_SEQ:
    case TAG_MAP:
        return ig_yaml_fail_at(L, tagpos, IAMG_EPARSE, "tag %s cannot be applied to a scalar",
                               tk == TAG_SEQ ? "!!seq" : "!!map");
    default:
        type = plain ? ig_yaml_core_type(v, vl) : TN_STRING;
        break;
    }
    if (bad) {
        char ex[48];
        excerpt(v, vl, ex, sizeof ex);
        return ig_yaml_fail_at(L, s, IAMG_EPARSE, "'%s' is not a valid %s value", ex, bad);
    }

    tnode n;
    n.type = (uint8_t)type;
    n.flags = type == TN_STRING ? sflags : 0;
    n.start = s;
    n.end = e;
    if (type == TN_BOOL) {
        n.u.s = ig_yaml_bool_text(v, vl) ? "true" : "false";
        n.n = (uint32_t)strlen(n.u.s);
    } else if (type == TN_NULL) {
        n.u.s = "null";
        n.n = 4;
    } else {
        n.n = (uint32_t)vl;
        n.u.s = ig_arena_strndup(L->a, v, vl);
        if (!n.u.s) return ig_yaml_oom(L, s);
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
    if (ai >= 0) ig_yaml_anchor_set(L, ai, &n, count, height);
    return complete(L, &n, count, height, e);
}

int ig_yaml_on_alias(loader *L, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    uint32_t s = ig_yaml_mark_off(L, ev->start_mark.index);
    uint32_t e = ig_yaml_mark_off(L, ev->end_mark.index);
    long i = ig_yaml_anchor_find(L, name, strlen(name));
    if (i < 0)
        return ig_yaml_fail_at(L, s, IAMG_EPARSE,
                               "undefined alias *%.64s: define the anchor &%.64s before it", name,
                               name);
    const anchor_ent *an = &L->anchors[i];
    if (!an->done)
        return ig_yaml_fail_at(
            L, s, IAMG_EPARSE,
            "alias *%.64s is inside the node it refers to: recursive aliases are not "
            "supported",
            name);
    if (count_nodes(L, an->count, s, 1)) return L->status;
    frame *f = top(L);
    if (f && f->kind == TN_OBJECT && !f->have_key) {
        if (an->node.type == TN_ARRAY || an->node.type == TN_OBJECT)
            return ig_yaml_fail_at(L, s, IAMG_EPARSE,
                                   "mapping keys must be scalars: alias *%.64s is a %s", name,
                                   an->node.type == TN_ARRAY ? "sequence" : "mapping");
        set_key(f, &an->node, 0, an->count, e);
        return 0;
    }
    if ((f ? f->depth : 0) + an->height > L->lim->max_depth) return too_deep(L, s);
    return complete(L, &an->node, an->count, an->height, e);
}

int ig_yaml_on_start(loader *L, const yaml_event_t *ev, int kind)
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
    uint32_t s = ig_yaml_mark_off(L, ev->start_mark.index), tagpos = s;
    if (tag || anchor) s = ig_yaml_skip_props(L, s, L->len, &tagpos);
    frame *f = top(L);
    if (f && f->kind == TN_OBJECT && !f->have_key)
        return ig_yaml_fail_at(L, s, IAMG_EPARSE, "mapping keys must be scalars, not a %s",
                               kind == TN_ARRAY ? "sequence" : "mapping");
    int tk = ig_yaml_tag_kind(tag), cfn = ig_yaml_cfn_index(tag);
    if (tk == TAG_INT || tk == TAG_FLOAT || tk == TAG_BOOL || tk == TAG_NULL ||
        (tk == TAG_STR && strcmp(tag, "!") != 0) || (tk == TAG_SEQ && kind != TN_ARRAY) ||
        (tk == TAG_MAP && kind != TN_OBJECT))
        return ig_yaml_fail_at(L, tagpos, IAMG_EPARSE, "tag !!%s cannot be applied to a %s",
                               tag + STD_PREFIX_LEN, kind == TN_ARRAY ? "sequence" : "mapping");
    uint32_t depth = (f ? f->depth : 0) + 1 + (cfn >= 0);
    if (depth > L->lim->max_depth) return too_deep(L, s);
    if (count_nodes(L, cfn >= 0 ? 3 : 1, s, 0)) return L->status;
    long ai = -1;
    if (anchor && (ai = ig_yaml_anchor_define(L, anchor, s)) < 0) return L->status;
    if (IG_ARRAY_GROW(L->frames, L->nframes, L->capframes, 64)) return ig_yaml_oom(L, s);
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

int ig_yaml_on_end(loader *L, const yaml_event_t *ev)
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
        uint32_t e = ig_yaml_mark_off(L, ev->end_mark.index);
        if (e > 0 && (L->d[e - 1] == ']' || L->d[e - 1] == '}') && e > node.end) node.end = e;
    }
    size_t n;
    if (f.kind == TN_ARRAY) {
        n = L->nitems - f.base;
        tnode *items = NULL;
        if (n) {
            items = ig_arena_alloc(L->a, n * sizeof *items);
            if (!items) return ig_yaml_oom(L, f.start);
            memcpy(items, L->items + f.base, n * sizeof *items);
        }
        L->nitems = f.base;
        node.u.items = items;
    } else {
        tmember *members = NULL;
        n = L->nmembers - f.base;
        if (f.has_merge) {
            if (ig_yaml_merge_members(L, &f, &members, &n)) return L->status;
        } else if (n) {
            members = ig_arena_alloc(L->a, n * sizeof *members);
            if (!members) return ig_yaml_oom(L, f.start);
            memcpy(members, L->members + f.base, n * sizeof *members);
        }
        L->nmembers = f.base;
        node.u.members = members;
    }
    if (n > UINT32_MAX)
        return ig_yaml_fail_at(L, f.start, IAMG_ELIMIT, "YAML %s has too many entries",
                               f.kind == TN_ARRAY ? "sequence" : "mapping");
    node.n = (uint32_t)n;
    uint32_t height = f.height;
    if (f.cfn >= 0) {
        if (wrap_tag(L, &node, f.cfn, f.tagpos)) return L->status;
        height++;
    }
    if (f.anchor >= 0) ig_yaml_anchor_set(L, f.anchor, &node, f.count, height);
    return complete(L, &node, f.count, height, node.end);
}
