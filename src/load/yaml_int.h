/*
 * load/yaml_int.h - what the parts of the YAML loader share: the loader's
 * state, and the functions one part calls in another.
 *
 *   yaml_load.c     libyaml's events, marks to byte offsets, errors
 *   yaml_nodes.c    building tree nodes from events (scalars, collections,
 *                   short-form tags, aliases, limits)
 *   yaml_anchors.c  the anchor table and merge keys (<<)
 *   yaml_schema.c   tags and the YAML 1.2 core schema
 *   yaml_strmap.c   source offsets of the bytes of a decoded string
 */
#ifndef IAMG_LOAD_YAML_INT_H
#define IAMG_LOAD_YAML_INT_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "iamguard/error.h"
#include "iamguard/limits.h"
#include "source/srcpos.h"
#include "source/tree.h"
#include "util/arena.h"

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

/* CloudFormation's !GetAtt, whose dotted text becomes a two-item list. */
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

/* ---- yaml_load.c ---- */

/* Record the first problem (file position of byte `off`) and return its
 * code; later problems keep the first. */
int ig_yaml_fail_at(loader *L, uint32_t off, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int ig_yaml_oom(loader *L, uint32_t off);
/* Byte offset of libyaml mark index `index` (characters). */
uint32_t ig_yaml_mark_off(loader *L, size_t index);
uint32_t ig_yaml_skip_props(const loader *L, uint32_t p, uint32_t lim, uint32_t *tagpos);
uint32_t ig_yaml_block_end(const loader *L, uint32_t s, uint32_t e);

/* ---- yaml_nodes.c: event handlers; 0 or the loader's status ---- */

int ig_yaml_on_scalar(loader *L, const yaml_event_t *ev);
int ig_yaml_on_alias(loader *L, const yaml_event_t *ev);
int ig_yaml_on_start(loader *L, const yaml_event_t *ev, int kind);
int ig_yaml_on_end(loader *L, const yaml_event_t *ev);

/* ---- yaml_anchors.c ---- */

long ig_yaml_anchor_find(const loader *L, const char *name, size_t len);
/* The entry for anchor `name`, created if new; -1 on failure (recorded). */
long ig_yaml_anchor_define(loader *L, const char *name, uint32_t off);
void ig_yaml_anchor_set(loader *L, long i, const tnode *n, uint64_t count, uint32_t height);
/* The members of closing mapping `f` with its '<<' entries merged, in the
 * arena. 0 or the loader's status. */
int ig_yaml_merge_members(loader *L, const frame *f, tmember **out, size_t *nout);

/* ---- yaml_schema.c ---- */

int ig_yaml_tag_kind(const char *tag);
/* Index of a CloudFormation short-form tag (!Sub, ...), or -1; its long-form key. */
int ig_yaml_cfn_index(const char *tag);
const char *ig_yaml_cfn_key(int index);
int ig_yaml_is_null_text(const char *v, size_t n);
int ig_yaml_bool_text(const char *v, size_t n);
int ig_yaml_is_int_text(const char *v, size_t n);
int ig_yaml_is_float_text(const char *v, size_t n);
/* TN_STRING, TN_NULL, TN_BOOL or TN_NUMBER for a plain scalar's text. */
int ig_yaml_core_type(const char *v, size_t n);

/* ---- characters ---- */

static inline int ig_yaml_is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Length of the line break at p (CR, LF, CRLF, NEL, LS, PS: the ones libyaml
 * knows), or 0. */
static inline uint32_t ig_yaml_brk(const unsigned char *d, uint32_t p, uint32_t lim)
{
    if (p >= lim) return 0;
    if (d[p] == '\n') return 1;
    if (d[p] == '\r') return (p + 1 < lim && d[p + 1] == '\n') ? 2 : 1;
    if (d[p] == 0xC2 && p + 1 < lim && d[p + 1] == 0x85) return 2;
    if (d[p] == 0xE2 && p + 2 < lim && d[p + 1] == 0x80 && (d[p + 2] == 0xA8 || d[p + 2] == 0xA9))
        return 3;
    return 0;
}

static inline int ig_yaml_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

#endif
