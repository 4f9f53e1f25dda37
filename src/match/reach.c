/*
 * match/reach.c - the ARNs that patterns reach over templates with free
 * segments (reach.h states the question and the reading of patterns).
 *
 * Each pattern is a chain automaton: state i stands before its i-th token
 * ('*', '?', a literal character, or a policy variable read as a run of free
 * characters) and state n accepts. A configuration is the template item
 * being read plus, for every pattern still undecided, the set of states it
 * can be in (kept closed under the moves that read nothing). Fixed template
 * characters have one successor; a free segment has one per character some
 * live state expects, one for "any other character", and the move to the
 * next template item. Depth-first search over configurations, with a visited
 * set, decides the question exactly; the number of configurations is finite
 * (sets of states of finitely many patterns) and capped by the caller.
 *
 * Groups are decided as early as possible so configurations stay small: a
 * pattern whose set is empty will not match; one that holds a state before
 * a final '*' run matches whatever follows. A group that needs some match is
 * met once one of its patterns surely matches (its patterns are dropped) and
 * fails when all are empty; a group that needs none fails as soon as one
 * surely matches.
 */
#include "match/reach.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/error.h"
#include "match/glob.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/array.h"

enum { ST_STAR, ST_ONE, ST_LIT, ST_RUN };

/* A large configuration costs more than one unit of the budget: one per
 * KEY_WORDS_PER_UNIT words it holds, and one per STEPS_PER_UNIT state moves
 * its expansion takes. */
#define KEY_WORDS_PER_UNIT 64
#define STEPS_PER_UNIT 4096

typedef struct nfa {
    uint8_t *kind;
    const char **lit; /* ST_LIT: the character's bytes */
    uint8_t *litn;
    uint32_t n;     /* states 0..n; n accepts */
    uint32_t tail;  /* states in [tail, n) accept any continuation (n: none do) */
    uint32_t group; /* index in the query's groups */
    uint32_t base;  /* first index of its states in the stamp array */
} nfa;

typedef struct item {
    const char *s; /* fixed character (NULL for a free segment) */
    uint32_t n;
} item;

typedef struct rec {
    uint32_t off, len; /* key in the pool */
    uint32_t parent;   /* UINT32_MAX for the first configuration */
    uint32_t hash;
    const char *c; /* the character read to get here; NULL: "other" (cn 1) or none (cn 0) */
    uint32_t cn;
} rec;

typedef struct search {
    const reach_query *q;
    nfa *nfas;
    uint32_t nn;
    uint32_t *stamp;
    uint32_t stampv;
    size_t key_max;
    item *items;
    uint32_t nitems;
    uint32_t *pool;
    size_t npool, cappool;
    rec *recs;
    size_t nrecs, caprecs;
    uint32_t *table; /* open addressing: record index + 1, 0 empty */
    size_t captable;
    uint32_t *stack;
    size_t nstack, capstack;
    uint32_t *cur, *next; /* key scratch, key_max words each */
    reach_str *chars;     /* characters expected by a configuration */
    size_t capchars;
    size_t units;
    char other[8]; /* the stand-in for characters no pattern names */
    size_t othern;
} search;

enum { STEP_DEAD, STEP_LIVE, STEP_DONE };

/* ---- building the automata ---- */

static int has_var(const reach_str *p)
{
    glob_reader r;
    ig_glob_reader_init(&r, 1, p->s, p->n);
    for (const char *c = p->s;;) {
        glob_tok t = ig_glob_read(&r, c);
        if (t.kind == GLOB_END) return 0;
        if (t.kind == GLOB_VAR) return 1;
        c = t.next;
    }
}

static int build_nfa(nfa *a, const reach_str *p, uint32_t group)
{
    glob_reader r;
    /* Each token is at least one byte. */
    size_t cap = p->n ? p->n : 1;
    a->kind = ig_malloc(cap);
    a->lit = ig_malloc(cap * sizeof *a->lit);
    a->litn = ig_malloc(cap);
    if (!a->kind || !a->lit || !a->litn) return IAMG_ENOMEM;
    a->group = group;
    uint32_t n = 0;
    ig_glob_reader_init(&r, 1, p->s, p->n);
    for (const char *c = p->s;;) {
        glob_tok t = ig_glob_read(&r, c);
        if (t.kind == GLOB_END) break;
        c = t.next;
        uint8_t k = t.kind == GLOB_STAR  ? ST_STAR
                    : t.kind == GLOB_ONE ? ST_ONE
                    : t.kind == GLOB_VAR ? ST_RUN
                                         : ST_LIT;
        /* "**" is "*": one state, so sets stay small. */
        if (k == ST_STAR && n && a->kind[n - 1] == ST_STAR) continue;
        a->kind[n] = k;
        a->lit[n] = t.lit;
        a->litn[n] = (uint8_t)(k == ST_LIT ? t.len : 0);
        n++;
    }
    a->n = n;
    a->tail = n;
    if (n && a->kind[n - 1] == ST_STAR) {
        a->tail = n - 1;
        while (a->tail > 0 && a->kind[a->tail - 1] == ST_STAR)
            a->tail--;
    }
    return 0;
}

static void free_nfas(search *S)
{
    for (uint32_t i = 0; i < S->nn; i++) {
        ig_free(S->nfas[i].kind);
        ig_free(S->nfas[i].lit);
        ig_free(S->nfas[i].litn);
    }
    ig_free(S->nfas);
    S->nfas = NULL;
    S->nn = 0;
}

/* The automata of every pattern that can matter, grouped in query order.
 * Returns 0, IAMG_ENOMEM, or 1 when some group that needs a match has no
 * pattern (no ARN can meet it). */
static int build_all(search *S)
{
    const reach_query *q = S->q;
    size_t total = 0;
    for (size_t g = 0; g < q->ngroups; g++)
        total += q->groups[g].n;
    S->nfas = ig_calloc(total ? total : 1, sizeof *S->nfas);
    if (!S->nfas) return IAMG_ENOMEM;
    size_t states = 0, key = 1;
    for (size_t g = 0; g < q->ngroups; g++) {
        const reach_group *gr = &q->groups[g];
        size_t kept = 0;
        for (size_t i = 0; i < gr->n; i++) {
            /* A pattern with a variable, where a match would take the ARN
             * away, is never relied on: the variable can take another value. */
            if (!gr->need_some && has_var(&gr->pats[i])) continue;
            nfa *a = &S->nfas[S->nn++];
            if (build_nfa(a, &gr->pats[i], (uint32_t)g)) return IAMG_ENOMEM;
            a->base = (uint32_t)states;
            states += a->n + 1;
            key += 2 + a->n + 1;
            kept++;
            if (states > UINT32_MAX / 2 || key > UINT32_MAX / 2) return IAMG_ENOMEM;
        }
        if (gr->need_some && kept == 0) return 1;
    }
    S->stamp = ig_calloc(states ? states : 1, sizeof *S->stamp);
    S->key_max = key;
    S->cur = ig_malloc(key * sizeof *S->cur);
    S->next = ig_malloc(key * sizeof *S->next);
    if (!S->stamp || !S->cur || !S->next) return IAMG_ENOMEM;
    return 0;
}

/* ---- templates ---- */

static int parse_template(search *S, const reach_str *t, size_t literal_tail)
{
    size_t holes_end = literal_tail < t->n ? t->n - literal_tail : 0;
    static const char *const holes[] = {"{partition}", "{region}", "{account}"};
    ig_free(S->items);
    S->items = ig_malloc((t->n ? t->n : 1) * sizeof *S->items);
    if (!S->items) return IAMG_ENOMEM;
    uint32_t k = 0;
    for (size_t i = 0; i < t->n;) {
        size_t hole = 0;
        for (size_t h = 0; h < 3 && !hole && i < holes_end; h++) {
            size_t hl = strlen(holes[h]);
            if (holes_end - i >= hl && memcmp(t->s + i, holes[h], hl) == 0) hole = hl;
        }
        if (hole) {
            S->items[k].s = NULL;
            S->items[k].n = 0;
            i += hole;
        } else {
            size_t w = ig_glob_char_len(t->s + i, t->n - i);
            S->items[k].s = t->s + i;
            S->items[k].n = (uint32_t)w;
            i += w;
        }
        k++;
    }
    S->nitems = k;
    return 0;
}

/* A character that occurs in no pattern stands for all such characters. */
static void choose_other(search *S)
{
    static const char *const candidates[] = {
        "x",           "z", "q", "j", "k", "w", "y", "v", "0", "9", "_", "\xC2\xA4", "\xE2\x80\xBB",
        "\xE2\x98\x83"};
    for (size_t c = 0; c < sizeof candidates / sizeof *candidates; c++) {
        size_t cl = strlen(candidates[c]);
        int used = 0;
        for (size_t g = 0; g < S->q->ngroups && !used; g++)
            for (size_t i = 0; i < S->q->groups[g].n && !used; i++) {
                const reach_str *p = &S->q->groups[g].pats[i];
                for (size_t k = 0; k + cl <= p->n && !used; k++)
                    used = memcmp(p->s + k, candidates[c], cl) == 0;
            }
        if (!used) {
            memcpy(S->other, candidates[c], cl);
            S->othern = cl;
            return;
        }
    }
    /* Every candidate occurs: the witness shows the last one. Only the
     * example suffers, never the answer. */
    memcpy(S->other, "\xE2\x98\x83", 3);
    S->othern = 3;
}

/* ---- sets of states ---- */

static uint32_t add_state(search *S, const nfa *a, uint32_t x, uint32_t *out, uint32_t m)
{
    for (;;) {
        uint32_t *st = &S->stamp[a->base + x];
        if (*st == S->stampv) return m;
        *st = S->stampv;
        out[m++] = x;
        if (x < a->n && (a->kind[x] == ST_STAR || a->kind[x] == ST_RUN))
            x++;
        else
            return m;
    }
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The set after reading character c[0..cn) (c NULL: a character no pattern
 * names) from a free segment (is_free) or the template's fixed text. */
static uint32_t advance(search *S, const nfa *a, const uint32_t *in, uint32_t cnt, const char *c,
                        uint32_t cn, int is_free, uint32_t *out, int *universal)
{
    uint32_t m = 0;
    S->stampv++;
    for (uint32_t k = 0; k < cnt; k++) {
        uint32_t s = in[k];
        if (s >= a->n) continue;
        switch (a->kind[s]) {
        case ST_STAR:
            m = add_state(S, a, s, out, m);
            break;
        case ST_ONE:
            m = add_state(S, a, s + 1, out, m);
            break;
        case ST_LIT:
            if (c && cn == a->litn[s] && memcmp(c, a->lit[s], cn) == 0)
                m = add_state(S, a, s + 1, out, m);
            break;
        case ST_RUN:
            if (is_free) m = add_state(S, a, s, out, m);
            break;
        }
    }
    *universal = 0;
    for (uint32_t k = 0; k < m; k++) {
        if (k && out[k] < out[k - 1]) {
            qsort(out, m, sizeof *out, cmp_u32);
            k = 0;
        }
        if (out[k] >= a->tail && out[k] < a->n) *universal = 1;
    }
    return m;
}

/*
 * Decide the groups of a configuration whose sets were just computed.
 * `raw` holds, per slot, the new set (slot, count, states) with the
 * universality of each slot in univ[]; groups are rewritten into out.
 */
static int settle(search *S, uint32_t t, const uint32_t *raw, uint32_t rawlen, const uint8_t *univ,
                  uint32_t *out, uint32_t *outlen)
{
    uint32_t o = 1, i = 0, si = 0;
    out[0] = t;
    while (i < rawlen) {
        uint32_t g = S->nfas[raw[i]].group;
        int some = S->q->groups[g].need_some, any_univ = 0, live = 0;
        uint32_t gstart = o;
        while (i < rawlen && S->nfas[raw[i]].group == g) {
            uint32_t cnt = raw[i + 1];
            if (univ[si++]) any_univ = 1;
            if (cnt) {
                memmove(&out[o], &raw[i], (2 + cnt) * sizeof *out);
                o += 2 + cnt;
                live++;
            }
            i += 2 + cnt;
        }
        if (some) {
            if (any_univ)
                o = gstart; /* surely met: its patterns no longer matter */
            else if (!live)
                return STEP_DEAD;
        } else if (any_univ) {
            return STEP_DEAD;
        }
    }
    *outlen = o;
    return o == 1 ? STEP_DONE : STEP_LIVE;
}

/* ---- the store of configurations ---- */

static uint32_t hash_key(const uint32_t *k, uint32_t n)
{
    uint64_t h = IG_FNV64_INIT;
    for (uint32_t i = 0; i < n; i++) {
        h ^= k[i];
        h *= IG_FNV64_PRIME;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static int grow_table(search *S)
{
    size_t cap = S->captable ? S->captable * 2 : 1024;
    uint32_t *t = ig_calloc(cap, sizeof *t);
    if (!t) return IAMG_ENOMEM;
    for (size_t r = 0; r < S->nrecs; r++) {
        size_t j = S->recs[r].hash & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = (uint32_t)r + 1;
    }
    ig_free(S->table);
    S->table = t;
    S->captable = cap;
    return 0;
}

/* Store key k unless seen. Returns 1 when stored (its index in *idx), 0
 * when already seen, or an error. */
static int store(search *S, const uint32_t *k, uint32_t n, uint32_t parent, const char *c,
                 uint32_t cn, uint32_t *idx)
{
    uint32_t h = hash_key(k, n);
    if (S->captable) {
        for (size_t j = h & (S->captable - 1); S->table[j]; j = (j + 1) & (S->captable - 1)) {
            const rec *r = &S->recs[S->table[j] - 1];
            if (r->hash == h && r->len == n && memcmp(&S->pool[r->off], k, n * sizeof *k) == 0)
                return 0;
        }
    }
    S->units += 1 + n / KEY_WORDS_PER_UNIT;
    if (S->units > S->q->max_configs) return IAMG_ELIMIT;
    if (S->nrecs >= UINT32_MAX - 1) return IAMG_ELIMIT;
    if ((S->nrecs + 1) * 2 > S->captable && grow_table(S)) return IAMG_ENOMEM;
    while (S->npool + n > S->cappool)
        if (ig_array_grow(&S->pool, &S->cappool, sizeof *S->pool, 4096)) return IAMG_ENOMEM;
    if (IG_ARRAY_GROW(S->recs, S->nrecs, S->caprecs, 256) ||
        IG_ARRAY_GROW(S->stack, S->nstack, S->capstack, 256))
        return IAMG_ENOMEM;
    memcpy(&S->pool[S->npool], k, n * sizeof *k);
    rec *r = &S->recs[S->nrecs];
    r->off = (uint32_t)S->npool;
    r->len = n;
    r->parent = parent;
    r->hash = h;
    r->c = c;
    r->cn = cn;
    S->npool += n;
    size_t j = h & (S->captable - 1);
    while (S->table[j])
        j = (j + 1) & (S->captable - 1);
    S->table[j] = (uint32_t)S->nrecs + 1;
    *idx = (uint32_t)S->nrecs++;
    return 1;
}

/* ---- steps ---- */

/* Successor of configuration `key` on character c (see advance) into t. */
static int step(search *S, const uint32_t *key, uint32_t klen, const char *c, uint32_t cn,
                int is_free, uint32_t t, uint32_t *out, uint32_t *outlen, size_t *work)
{
    /* Compute every slot's new set into out (after room for t), then settle
     * the groups in place: settle only ever moves words down. */
    uint8_t univ_small[64] = {0}, *univ = univ_small;
    uint32_t nslots = 0;
    for (uint32_t i = 1; i < klen; i += 2 + key[i + 1])
        nslots++;
    if (nslots > sizeof univ_small) {
        univ = ig_malloc(nslots);
        if (!univ) return IAMG_ENOMEM;
    }
    uint32_t o = 1, si = 0;
    for (uint32_t i = 1; i < klen; i += 2 + key[i + 1]) {
        const nfa *a = &S->nfas[key[i]];
        int u;
        uint32_t m = advance(S, a, &key[i + 2], key[i + 1], c, cn, is_free, &out[o + 2], &u);
        *work += key[i + 1] + m;
        out[o] = key[i];
        out[o + 1] = m;
        univ[si++] = (uint8_t)u;
        o += 2 + m;
    }
    int rc = settle(S, t, &out[1], o - 1, univ, out, outlen);
    if (univ != univ_small) ig_free(univ);
    return rc;
}

/* Does a configuration at the end of the template meet every group? */
static int accepts(const search *S, const uint32_t *key, uint32_t klen)
{
    for (uint32_t i = 1; i < klen;) {
        uint32_t g = S->nfas[key[i]].group;
        int some = S->q->groups[g].need_some, any = 0;
        while (i < klen && S->nfas[key[i]].group == g) {
            const nfa *a = &S->nfas[key[i]];
            uint32_t cnt = key[i + 1];
            if (cnt && key[i + 1 + cnt] == a->n) any = 1;
            i += 2 + cnt;
        }
        if (some != any) return 0;
    }
    return 1;
}

static int cmp_chars(const void *x, const void *y)
{
    const reach_str *a = x, *b = y;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    return memcmp(a->s, b->s, a->n);
}

/* The characters a configuration's literal states expect and a free
 * segment can hold, sorted and distinct. */
static int expected_chars(search *S, const uint32_t *key, uint32_t klen, size_t *nchars)
{
    size_t n = 0;
    for (uint32_t i = 1; i < klen; i += 2 + key[i + 1]) {
        const nfa *a = &S->nfas[key[i]];
        for (uint32_t k = 0; k < key[i + 1]; k++) {
            uint32_t s = key[i + 2 + k];
            if (s >= a->n || a->kind[s] != ST_LIT) continue;
            const char *c = a->lit[s];
            if (a->litn[s] == 1 && (*c == ':' || *c == '*' || *c == '?')) continue;
            if (IG_ARRAY_GROW(S->chars, n, S->capchars, 32)) return IAMG_ENOMEM;
            S->chars[n].s = c;
            S->chars[n].n = a->litn[s];
            n++;
        }
    }
    if (n > 1) qsort(S->chars, n, sizeof *S->chars, cmp_chars);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || cmp_chars(&S->chars[u - 1], &S->chars[i]) != 0) S->chars[u++] = S->chars[i];
    *nchars = u;
    return 0;
}

/* ---- the example ARN ---- */

static void put_char(search *S, buf *w, const char *c, uint32_t cn)
{
    if (c)
        ig_buf_append(w, c, cn);
    else if (cn)
        ig_buf_append(w, S->other, S->othern);
}

/* One move of an example: a character read in template item t (c NULL
 * with cn 1: the stand-in), or the end of a free segment (cn 0). */
typedef struct move {
    uint32_t t;
    const char *c;
    uint32_t cn;
} move;

/* The first configuration, its groups decided. */
static int initial(search *S, uint32_t *out, uint32_t *outlen)
{
    uint32_t o = 1;
    S->cur[0] = 0;
    uint8_t *univ = ig_malloc(S->nn ? S->nn : 1);
    if (!univ) return IAMG_ENOMEM;
    for (uint32_t i = 0; i < S->nn; i++) {
        const nfa *a = &S->nfas[i];
        S->stampv++;
        uint32_t m = add_state(S, a, 0, &S->cur[o + 2], 0);
        univ[i] = 0;
        for (uint32_t k = 0; k < m; k++)
            if (S->cur[o + 2 + k] >= a->tail && S->cur[o + 2 + k] < a->n) univ[i] = 1;
        S->cur[o] = i;
        S->cur[o + 1] = m;
        o += 2 + m;
    }
    int rc = settle(S, 0, &S->cur[1], o - 1, univ, out, outlen);
    ig_free(univ);
    return rc;
}

/* Does the example made of these moves (then any completion) meet every
 * group? Replays it configuration by configuration: 1, 0, or an error. */
static int replay(search *S, const move *mv, size_t n)
{
    uint32_t len, *a = S->cur, *b = S->next;
    size_t work = 0;
    int rc = initial(S, a, &len);
    for (size_t i = 0; i < n && rc == STEP_LIVE; i++) {
        const item *it = &S->items[a[0]];
        if (mv[i].cn == 0) {
            a[0]++;
            continue;
        }
        uint32_t nt = it->s ? a[0] + 1 : a[0];
        rc = step(S, a, len, mv[i].c, mv[i].cn, !it->s, nt, b, &len, &work);
        uint32_t *x = a;
        a = b;
        b = x;
    }
    if (rc < 0) return rc;
    if (rc != STEP_LIVE) return rc == STEP_DONE;
    return a[0] == S->nitems && accepts(S, a, len);
}

/*
 * Write the example: the moves from the first configuration to record r,
 * then the move (c, cn) into template item t that ended the search, then
 * the rest of the template. A free segment the search left empty gets the
 * stand-in character when the example still holds with it, so it reads
 * "arn:x:ec2:x:x:..." rather than "arn::ec2:::..." where it can.
 */
static int write_witness(search *S, buf *w, uint32_t r, const char *c, uint32_t cn, uint32_t t)
{
    size_t depth = 0;
    for (uint32_t i = r; i != UINT32_MAX; i = S->recs[i].parent)
        depth++;
    /* depth - 1 recorded moves, the last one, and room to add one per item. */
    size_t cap = depth + S->nitems + 1;
    move *mv = ig_malloc(cap * sizeof *mv);
    if (!mv) return IAMG_ENOMEM;
    size_t n = depth;
    mv[--n] = (move){S->pool[S->recs[r].off], c, cn};
    for (uint32_t i = r; S->recs[i].parent != UINT32_MAX; i = S->recs[i].parent) {
        const rec *x = &S->recs[i];
        mv[--n] = (move){S->pool[S->recs[x->parent].off], x->c, x->cn};
    }
    n = depth;
    /* Try the stand-in before each end of a segment that read nothing; the
     * search state is not needed any more, so its scratch is free. */
    for (size_t i = 0; i < n; i++) {
        const item *it = &S->items[mv[i].t];
        if (mv[i].cn != 0 || it->s || (i > 0 && mv[i - 1].t == mv[i].t)) continue;
        memmove(&mv[i + 1], &mv[i], (n - i) * sizeof *mv);
        mv[i] = (move){mv[i + 1].t, NULL, 1};
        n++;
        int ok = replay(S, mv, n);
        if (ok < 0) {
            ig_free(mv);
            return ok;
        }
        if (ok) {
            i++;
        } else {
            memmove(&mv[i], &mv[i + 1], (n - i - 1) * sizeof *mv);
            n--;
        }
    }
    uint32_t end_t = t;
    int in_segment = 0;
    for (size_t i = 0; i < n; i++) {
        put_char(S, w, mv[i].c, mv[i].cn);
        in_segment = mv[i].cn && mv[i].t == t;
    }
    ig_free(mv);
    for (uint32_t i = end_t; i < S->nitems; i++) {
        if (S->items[i].s)
            ig_buf_append(w, S->items[i].s, S->items[i].n);
        else if (!(i == end_t && in_segment))
            put_char(S, w, NULL, 1);
    }
    return w->oom ? IAMG_ENOMEM : 0;
}

/* ---- the search over one template ---- */

static void reset_store(search *S)
{
    S->npool = 0;
    S->nrecs = 0;
    S->nstack = 0;
    if (S->table) memset(S->table, 0, S->captable * sizeof *S->table);
}

/* A successor: found (1, witness written), stored and pushed, or dropped. */
static int visit(search *S, uint32_t parent, int rc, uint32_t len, const char *c, uint32_t cn,
                 uint32_t t, buf *w)
{
    if (rc < 0) return rc;
    if (rc == STEP_DEAD) return 0;
    if (rc == STEP_DONE || (t == S->nitems && accepts(S, S->next, len))) {
        if (w) {
            int e = write_witness(S, w, parent, c, cn, t);
            if (e) return e;
        }
        return 1;
    }
    if (t == S->nitems) return 0;
    uint32_t idx;
    int st = store(S, S->next, len, parent, c, cn, &idx);
    if (st < 0) return st;
    if (st) S->stack[S->nstack++] = idx;
    return 0;
}

static int explore(search *S, buf *w)
{
    reset_store(S);
    uint32_t len;
    int rc = initial(S, S->next, &len);
    if (rc < 0) return rc;
    if (rc == STEP_DEAD) return 0;
    if (rc == STEP_DONE || (S->nitems == 0 && accepts(S, S->next, len))) {
        if (!w) return 1;
        /* Nothing read yet: the whole template, free segments as the stand-in. */
        for (uint32_t i = 0; i < S->nitems; i++)
            put_char(S, w, S->items[i].s, S->items[i].s ? S->items[i].n : 1);
        return w->oom ? IAMG_ENOMEM : 1;
    }
    if (S->nitems == 0) return 0;
    uint32_t idx;
    rc = store(S, S->next, len, UINT32_MAX, NULL, 0, &idx);
    if (rc < 0) return rc;
    S->stack[S->nstack++] = idx;

    while (S->nstack) {
        uint32_t r = S->stack[--S->nstack];
        uint32_t klen = S->recs[r].len;
        memcpy(S->cur, &S->pool[S->recs[r].off], klen * sizeof *S->cur);
        uint32_t t = S->cur[0];
        const item *it = &S->items[t];
        size_t work = 0;
        size_t before = S->nstack;
        if (it->s) {
            rc = step(S, S->cur, klen, it->s, it->n, 0, t + 1, S->next, &len, &work);
            rc = visit(S, r, rc, len, it->s, it->n, t + 1, w);
            if (rc) return rc;
        } else {
            /* The segment ends first (short examples, quick answers), then
             * one more character: one no pattern names, then each named one. */
            memcpy(S->next, S->cur, klen * sizeof *S->next);
            S->next[0] = t + 1;
            rc = visit(S, r, STEP_LIVE, klen, NULL, 0, t + 1, w);
            if (rc) return rc;
            rc = step(S, S->cur, klen, NULL, 1, 1, t, S->next, &len, &work);
            rc = visit(S, r, rc, len, NULL, 1, t, w);
            if (rc) return rc;
            size_t nc;
            rc = expected_chars(S, S->cur, klen, &nc);
            if (rc) return rc;
            for (size_t i = 0; i < nc; i++) {
                const char *c = S->chars[i].s;
                uint32_t cn = (uint32_t)S->chars[i].n;
                rc = step(S, S->cur, klen, c, cn, 1, t, S->next, &len, &work);
                rc = visit(S, r, rc, len, c, cn, t, w);
                if (rc) return rc;
            }
        }
        S->units += work / STEPS_PER_UNIT;
        if (S->units > S->q->max_configs) return IAMG_ELIMIT;
        /* Depth first, in the order generated: reverse what was pushed. */
        for (size_t a = before, b = S->nstack; a + 1 < b; a++, b--) {
            uint32_t x = S->stack[a];
            S->stack[a] = S->stack[b - 1];
            S->stack[b - 1] = x;
        }
    }
    return 0;
}

int ig_reach_find(const reach_query *q, buf *witness, size_t *used)
{
    search S;
    memset(&S, 0, sizeof S);
    S.q = q;
    int rc = build_all(&S);
    if (rc == 1) {
        rc = 0;
        goto done;
    }
    if (rc) goto done;
    choose_other(&S);
    for (size_t t = 0; t < q->ntemplates && rc == 0; t++) {
        rc = parse_template(&S, &q->templates[t], q->literal_tail ? q->literal_tail[t] : 0);
        if (rc == 0) rc = explore(&S, witness);
    }
done:
    if (used) *used = S.units;
    free_nfas(&S);
    ig_free(S.stamp);
    ig_free(S.cur);
    ig_free(S.next);
    ig_free(S.items);
    ig_free(S.pool);
    ig_free(S.recs);
    ig_free(S.table);
    ig_free(S.stack);
    ig_free(S.chars);
    return rc;
}
