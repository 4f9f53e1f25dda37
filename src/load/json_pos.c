#include "load/json_pos.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/hash.h"
#include "util/array.h"
#include "util/errors.h"
#include "util/utf8.h"

/*
 * Recursive descent with one scratch stack per kind of child: a container's
 * children are pushed while it is parsed and copied to the arena, exactly
 * sized, when it closes. Nested containers push above their parent's
 * children, so one stack serves every level.
 */
typedef struct parser {
    const unsigned char *beg, *p, *end;
    const tsource *src;
    arena *a;
    unsigned depth, max_depth;
    tnode *items;
    size_t nitems, capitems;
    tmember *members;
    size_t nmembers, capmembers;
    iamg_error *err;
    int status;
    struct interned *interned; /* see intern() */
    size_t ninterned, capinterned;
    json_prune_fn prune;
    json_step path[IG_JSON_PATH_MAX];
    size_t nroot; /* members of the root object parsed so far */
    int scratch;  /* parsing a pruned value: nothing it holds outlives it */
    int pruned;
} parser;

static int fail_at(parser *P, const unsigned char *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(parser *P, const unsigned char *at, int code, const char *fmt, ...)
{
    if (P->status) return P->status;
    P->status = code;
    if (!P->err) return code;
    const tsource *f = ig_tsource_file(P->src);
    uint32_t off = ig_tsource_file_offset(P->src, (uint32_t)(at - P->beg));
    srcpos pos = ig_srcpos_scan(f->data, f->len, off);
    char msg[IAMG_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ig_error_set(P->err, code, P->src->path, pos.line, pos.col, "%s", msg);
}

static int oom(parser *P)
{
    return fail_at(P, P->p, IAMG_ENOMEM, "out of memory while parsing JSON");
}

/* "'x'", "byte 0xNN" or "end of input", for messages. */
static const char *describe(const parser *P, const unsigned char *at, char buf[16])
{
    if (at >= P->end) return "end of input";
    if (*at >= 0x20 && *at < 0x7F)
        snprintf(buf, 16, "'%c'", *at);
    else
        snprintf(buf, 16, "byte 0x%02X", *at);
    return buf;
}

static void skip_ws(parser *P)
{
    const unsigned char *p = P->p, *e = P->end;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    P->p = p;
}

static int push_item(parser *P, const tnode *n)
{
    if (IG_ARRAY_GROW(P->items, P->nitems, P->capitems, 256)) return oom(P);
    P->items[P->nitems++] = *n;
    return 0;
}

static int push_member(parser *P, const tmember *m)
{
    if (IG_ARRAY_GROW(P->members, P->nmembers, P->capmembers, 256)) return oom(P);
    P->members[P->nmembers++] = *m;
    return 0;
}

static long read_hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = ig_hexval(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/*
 * Decode the escape at p (p[0] == '\\') into o. Returns bytes consumed from
 * p, writes the decoded length to *olen; 0 on a syntax error (reported).
 */
static size_t decode_escape(parser *P, const unsigned char *p, unsigned char *o, size_t *olen)
{
    char d[16];
    if (p + 1 >= P->end) {
        fail_at(P, p, IAMG_EPARSE, "unterminated string");
        return 0;
    }
    unsigned char c = p[1];
    static const char simple_in[] = "\"\\/bfnrt";
    static const char simple_out[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(simple_in, c) : NULL;
    if (hit) {
        o[0] = (unsigned char)simple_out[hit - simple_in];
        *olen = 1;
        return 2;
    }
    if (c != 'u') {
        fail_at(P, p, IAMG_EPARSE, "invalid escape '\\%s' in string", describe(P, p + 1, d));
        return 0;
    }
    long hi = read_hex4(p + 2, P->end);
    if (hi < 0) {
        fail_at(P, p, IAMG_EPARSE, "invalid \\u escape: expected 4 hex digits");
        return 0;
    }
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        fail_at(P, p, IAMG_EPARSE, "invalid Unicode escape \\u%04lX: lone low surrogate", hi);
        return 0;
    }
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        long lo = -1;
        if (P->end - p >= 12 && p[6] == '\\' && p[7] == 'u') lo = read_hex4(p + 8, P->end);
        if (lo < 0xDC00 || lo > 0xDFFF) {
            fail_at(P, p, IAMG_EPARSE,
                    "invalid Unicode escape \\u%04lX: high surrogate without low surrogate", hi);
            return 0;
        }
        unsigned long cp =
            0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
        *olen = ig_utf8_encode(o, cp);
        return 12;
    }
    *olen = ig_utf8_encode(o, (unsigned long)hi);
    return 6;
}

/* Keys and values every policy repeats point at one static copy instead of
 * a new one per occurrence: a 200,000-statement document has a million of
 * them. */
static const char *common_string(const unsigned char *s, size_t n)
{
    static const char *const words[] = {"Version",      "Statement",   "Sid",
                                        "Effect",       "Action",      "NotAction",
                                        "Resource",     "NotResource", "Principal",
                                        "NotPrincipal", "Condition",   "Allow",
                                        "Deny",         "*",           "2012-10-17",
                                        "AWS",          "Service",     "Federated",
                                        "Type",         "Properties",  "PolicyDocument",
                                        "PolicyName",   "Policies",    "Document",
                                        "true",         "false"};
    if (n == 0 || n > 14) return NULL;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (words[i][0] == (char)s[0] && strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
            return words[i];
    return NULL;
}

/*
 * Short strings that repeat (actions, ARNs of AWS managed policies, dates,
 * account IDs) are kept once per document: in an account dump the same
 * policies and values come back for every principal, and a copy each is
 * most of the tree. Only strings the document spells without escapes are
 * looked up; the table goes with the parse.
 */
#define INTERN_MAX_LEN 256
#define INTERN_MAX_ENTRIES (1u << 18)

struct interned {
    const char *s; /* NULL: empty slot */
    uint32_t hash, n;
};

/* The copy of s[0..n) kept so far, or NULL; *slot is where a new copy goes
 * (NULL when the table is full or could not grow: nothing is lost but the
 * sharing). */
static const char *intern_find(parser *P, const unsigned char *s, size_t n, uint32_t h,
                               struct interned **slot)
{
    *slot = NULL;
    if (P->ninterned * 2 >= P->capinterned) {
        if (P->capinterned >= INTERN_MAX_ENTRIES) goto probe;
        size_t cap = P->capinterned ? P->capinterned * 2 : 256;
        struct interned *v = ig_calloc(cap, sizeof *v);
        if (!v) goto probe;
        for (size_t i = 0; i < P->capinterned; i++) {
            const struct interned *e = &P->interned[i];
            if (!e->s) continue;
            size_t k = e->hash & (cap - 1);
            while (v[k].s)
                k = (k + 1) & (cap - 1);
            v[k] = *e;
        }
        ig_free(P->interned);
        P->interned = v;
        P->capinterned = cap;
    }
probe:
    if (!P->capinterned) return NULL;
    size_t k = h & (P->capinterned - 1);
    for (; P->interned[k].s; k = (k + 1) & (P->capinterned - 1)) {
        const struct interned *e = &P->interned[k];
        if (e->hash == h && e->n == n && memcmp(e->s, s, n) == 0) return e->s;
    }
    if (P->ninterned * 2 < P->capinterned) *slot = &P->interned[k];
    return NULL;
}

static int parse_string(parser *P, tnode *out)
{
    const unsigned char *open = P->p, *p = open + 1, *e = P->end;
    int simple = 1;
    /* Pass 1: find the closing quote; note whether decoding is needed. */
    while (p < e && *p != '"') {
        if (*p == '\\') {
            simple = 0;
            p += 2;
            continue;
        }
        if (*p < 0x20) {
            return fail_at(P, p, IAMG_EPARSE,
                           "control character U+%04X in string: escape it (\\n, \\t, \\u00XX)", *p);
        }
        if (*p >= 0x80) simple = 0;
        p++;
    }
    if (p >= e) return fail_at(P, open, IAMG_EPARSE, "unterminated string");
    const unsigned char *close = p;
    size_t rawlen = (size_t)(close - open - 1);
    const char *known = simple ? common_string(open + 1, rawlen) : NULL;
    if (known) {
        out->type = TN_STRING;
        out->flags = 0;
        out->n = (uint32_t)rawlen;
        out->u.s = known;
        out->start = (uint32_t)(open - P->beg);
        out->end = (uint32_t)(close + 1 - P->beg);
        P->p = close + 1;
        return 0;
    }
    struct interned *slot = NULL;
    uint32_t h = 0;
    if (simple && rawlen <= INTERN_MAX_LEN && !P->scratch) {
        h = ig_fnv32(IG_FNV32_INIT, open + 1, rawlen);
        known = intern_find(P, open + 1, rawlen, h, &slot);
        if (known) {
            out->type = TN_STRING;
            out->flags = 0;
            out->n = (uint32_t)rawlen;
            out->u.s = known;
            out->start = (uint32_t)(open - P->beg);
            out->end = (uint32_t)(close + 1 - P->beg);
            P->p = close + 1;
            return 0;
        }
    }
    unsigned char *s = ig_arena_alloc_bytes(P->a, rawlen + 1);
    if (!s) return oom(P);
    size_t n = 0;
    if (simple) {
        memcpy(s, open + 1, rawlen);
        n = rawlen;
        if (slot) {
            slot->s = (const char *)s;
            slot->hash = h;
            slot->n = (uint32_t)rawlen;
            P->ninterned++;
        }
    } else {
        for (p = open + 1; p < close;) {
            if (*p == '\\') {
                size_t olen;
                size_t used = decode_escape(P, p, s + n, &olen);
                if (!used) return P->status;
                p += used;
                n += olen;
            } else if (*p < 0x80) {
                s[n++] = *p++;
            } else {
                size_t w = ig_utf8_seq_len(p, (size_t)(close - p));
                if (!w)
                    return fail_at(P, p, IAMG_EPARSE, "invalid UTF-8 byte 0x%02X in string", *p);
                memcpy(s + n, p, w);
                n += w;
                p += w;
            }
        }
    }
    s[n] = '\0';
    out->type = TN_STRING;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.s = (const char *)s;
    out->start = (uint32_t)(open - P->beg);
    out->end = (uint32_t)(close + 1 - P->beg);
    P->p = close + 1;
    return 0;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* 2^1024 - 2^970, DBL_MAX plus half an ulp: the smallest decimal that rounds
 * to infinity (the tie goes to the even neighbour, 2^1024). */
static const char dbl_round_up_digits[] =
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017"
    "977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273"
    "854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704"
    "342711559699508093042880177904174497792";

typedef enum num_range { NUM_OK, NUM_INT_RANGE, NUM_REAL_RANGE } num_range;

/*
 * jansson refuses an integer (no fraction, no exponent) outside long long
 * ("too big integer") and a real that strtod rounds to infinity ("real number
 * overflow"), so this parser refuses the same documents. Decided on the
 * digits alone, so the answer does not depend on the C locale.
 */
static num_range number_range(const unsigned char *s, const unsigned char *e)
{
    int neg = *s == '-';
    const unsigned char *ib = s + neg, *ie = ib;
    while (ie < e && is_digit(*ie))
        ie++;
    if (ie == e) {
        /* No leading zeros here, so the digit count is the magnitude. */
        static const char llmax[] = "9223372036854775807";
        size_t nd = (size_t)(ie - ib);
        if (nd != 19) return nd < 19 ? NUM_OK : NUM_INT_RANGE;
        int c = memcmp(ib, llmax, 18);
        if (c) return c < 0 ? NUM_OK : NUM_INT_RANGE;
        return ib[18] <= (neg ? '8' : '7') ? NUM_OK : NUM_INT_RANGE;
    }
    const unsigned char *fb = ie, *fe = ie;
    if (*ie == '.') {
        fb = fe = ie + 1;
        while (fe < e && is_digit(*fe))
            fe++;
    }
    long long exp = 0;
    if (fe < e) { /* 'e' or 'E' */
        const unsigned char *q = fe + 1;
        int eneg = 0;
        if (*q == '+' || *q == '-') eneg = *q++ == '-';
        for (; q < e; q++)
            if (exp < 1000000000000LL) exp = exp * 10 + (*q - '0'); /* saturates far past 309 */
        if (eneg) exp = -exp;
    }
    /* The digits D = int part then fraction; value = 0.D' x 10^x with D' the
     * digits from the first non-zero one. */
    size_t ni = (size_t)(ie - ib), nd = ni + (size_t)(fe - fb), lz = 0;
#define DIGIT(i) ((i) < ni ? ib[i] : fb[(i)-ni])
    while (lz < nd && DIGIT(lz) == '0')
        lz++;
    if (lz == nd) return NUM_OK; /* zero */
    long long x = (long long)ni - (long long)lz + exp;
    if (x != 309) return x < 309 ? NUM_OK : NUM_REAL_RANGE;
    for (size_t i = 0; i < sizeof dbl_round_up_digits - 1; i++) {
        char d = lz + i < nd ? (char)DIGIT(lz + i) : '0';
        if (d != dbl_round_up_digits[i])
            return d < dbl_round_up_digits[i] ? NUM_OK : NUM_REAL_RANGE;
    }
#undef DIGIT
    return NUM_REAL_RANGE; /* equal to or above the rounding threshold */
}

static int parse_number(parser *P, tnode *out)
{
    const unsigned char *s = P->p, *p = s, *e = P->end;
    if (p < e && *p == '-') p++;
    if (p >= e || !is_digit(*p))
        return fail_at(P, s, IAMG_EPARSE, "invalid number: expected a digit");
    if (*p == '0') {
        p++;
        if (p < e && is_digit(*p))
            return fail_at(P, s, IAMG_EPARSE, "invalid number: leading zeros are not allowed");
    } else {
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !is_digit(*p))
            return fail_at(P, p, IAMG_EPARSE, "invalid number: expected a digit after '.'");
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || !is_digit(*p))
            return fail_at(P, p, IAMG_EPARSE, "invalid number: expected a digit in the exponent");
        while (p < e && is_digit(*p))
            p++;
    }
    switch (number_range(s, p)) {
    case NUM_OK:
        break;
    case NUM_INT_RANGE:
        return fail_at(P, s, IAMG_EPARSE,
                       "integer out of range: it must fit in 64 bits "
                       "(-9223372036854775808..9223372036854775807); quote it as a string");
    case NUM_REAL_RANGE:
        return fail_at(P, s, IAMG_EPARSE,
                       "number out of range: its magnitude exceeds the largest double (about "
                       "1.8e308); quote it as a string");
    }
    char *txt = ig_arena_strndup(P->a, (const char *)s, (size_t)(p - s));
    if (!txt) return oom(P);
    out->type = TN_NUMBER;
    out->flags = 0;
    out->n = (uint32_t)(p - s);
    out->u.s = txt;
    out->start = (uint32_t)(s - P->beg);
    out->end = (uint32_t)(p - P->beg);
    P->p = p;
    return 0;
}

static int parse_literal(parser *P, tnode *out, const char *word, tnode_type t)
{
    size_t n = strlen(word);
    char d[16];
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0)
        return fail_at(P, P->p, IAMG_EPARSE, "invalid literal starting with %s: expected a value",
                       describe(P, P->p, d));
    out->type = (uint8_t)t;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.s = word;
    out->start = (uint32_t)(P->p - P->beg);
    out->end = (uint32_t)(P->p + n - P->beg);
    P->p += n;
    return 0;
}

static int parse_value(parser *P, tnode *out);

static int enter(parser *P)
{
    if (++P->depth > P->max_depth)
        return fail_at(P, P->p, IAMG_ELIMIT, "nesting deeper than %u levels (limit max_depth)",
                       P->max_depth);
    return 0;
}

/* After an element of an array or object: 1 when ',' announces another,
 * 0 when `close` ends the container (and is consumed), or the failure
 * status (a trailing comma, or anything else). */
static int after_element(parser *P, unsigned char close, const char *element)
{
    char d[16];
    skip_ws(P);
    if (P->p < P->end && *P->p == ',') {
        P->p++;
        skip_ws(P);
        if (P->p < P->end && *P->p == close)
            return fail_at(P, P->p, IAMG_EPARSE, "trailing comma before '%c'", close);
        return 1;
    }
    if (P->p < P->end && *P->p == close) {
        P->p++;
        return 0;
    }
    return fail_at(P, P->p, IAMG_EPARSE, "expected ',' or '%c' after %s, found %s", close, element,
                   describe(P, P->p, d));
}

/* A member value within the first levels: left out when the caller prunes
 * it. The scratch arena goes with the value; strings parsed there are kept
 * out of the table of repeated ones, which outlives it. */
static int parse_member_value(parser *P, tnode *out)
{
    if (P->scratch || !P->prune(P->members, P->nroot, P->path, P->depth))
        return parse_value(P, out);
    arena *keep = P->a, scratch;
    ig_arena_init(&scratch);
    P->a = &scratch;
    P->scratch = 1;
    tnode v;
    int rc = parse_value(P, &v);
    P->a = keep;
    P->scratch = 0;
    ig_arena_free(&scratch);
    if (rc) return rc;
    out->type = TN_NULL;
    out->flags = TNF_PRUNED;
    out->n = 4;
    out->u.s = "null";
    out->start = v.start;
    out->end = v.end;
    P->pruned = 1;
    return 0;
}

static int parse_array(parser *P, tnode *out)
{
    const unsigned char *open = P->p;
    if (enter(P)) return P->status;
    size_t base = P->nitems;
    P->p++;
    skip_ws(P);
    if (P->p < P->end && *P->p == ']') {
        P->p++;
    } else {
        for (;;) {
            tnode item;
            if (P->prune && P->depth <= IG_JSON_PATH_MAX)
                P->path[P->depth - 1] = (json_step){NULL, 0, (uint32_t)(P->nitems - base)};
            if (parse_value(P, &item) || push_item(P, &item)) return P->status;
            int more = after_element(P, ']', "array element");
            if (more < 0) return more;
            if (!more) break;
        }
    }
    size_t n = P->nitems - base;
    if (n > UINT32_MAX) return fail_at(P, open, IAMG_ELIMIT, "array has too many elements");
    tnode *items = NULL;
    if (n) {
        items = ig_arena_alloc(P->a, n * sizeof *items);
        if (!items) return oom(P);
        memcpy(items, P->items + base, n * sizeof *items);
    }
    P->nitems = base;
    P->depth--;
    out->type = TN_ARRAY;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.items = items;
    out->start = (uint32_t)(open - P->beg);
    out->end = (uint32_t)(P->p - P->beg);
    return 0;
}

static int parse_object(parser *P, tnode *out)
{
    const unsigned char *open = P->p;
    char d[16];
    if (enter(P)) return P->status;
    size_t base = P->nmembers;
    P->p++;
    skip_ws(P);
    if (P->p < P->end && *P->p == '}') {
        P->p++;
    } else {
        for (;;) {
            tmember m;
            if (P->p >= P->end || *P->p != '"')
                return fail_at(P, P->p, IAMG_EPARSE, "expected a string object key, found %s",
                               describe(P, P->p, d));
            if (parse_string(P, &m.key)) return P->status;
            skip_ws(P);
            if (P->p >= P->end || *P->p != ':')
                return fail_at(P, P->p, IAMG_EPARSE, "expected ':' after object key, found %s",
                               describe(P, P->p, d));
            P->p++;
            if (P->prune && P->depth <= IG_JSON_PATH_MAX) {
                P->path[P->depth - 1] = (json_step){m.key.u.s, m.key.n, 0};
                if (parse_member_value(P, &m.value)) return P->status;
            } else if (parse_value(P, &m.value)) {
                return P->status;
            }
            if (push_member(P, &m)) return P->status;
            if (P->depth == 1) P->nroot++;
            int more = after_element(P, '}', "object member");
            if (more < 0) return more;
            if (!more) break;
        }
    }
    size_t n = P->nmembers - base;
    if (n > UINT32_MAX) return fail_at(P, open, IAMG_ELIMIT, "object has too many members");
    tmember *members = NULL;
    if (n) {
        members = ig_arena_alloc(P->a, n * sizeof *members);
        if (!members) return oom(P);
        memcpy(members, P->members + base, n * sizeof *members);
    }
    P->nmembers = base;
    P->depth--;
    out->type = TN_OBJECT;
    out->flags = 0;
    out->n = (uint32_t)n;
    out->u.members = members;
    out->start = (uint32_t)(open - P->beg);
    out->end = (uint32_t)(P->p - P->beg);
    return 0;
}

static int parse_value(parser *P, tnode *out)
{
    char d[16];
    skip_ws(P);
    if (P->p >= P->end)
        return fail_at(P, P->p, IAMG_EPARSE, "unexpected end of input: expected a value");
    switch (*P->p) {
    case '{':
        return parse_object(P, out);
    case '[':
        return parse_array(P, out);
    case '"':
        return parse_string(P, out);
    case 't':
        return parse_literal(P, out, "true", TN_BOOL);
    case 'f':
        return parse_literal(P, out, "false", TN_BOOL);
    case 'n':
        return parse_literal(P, out, "null", TN_NULL);
    default:
        if (*P->p == '-' || is_digit(*P->p)) return parse_number(P, out);
        return fail_at(P, P->p, IAMG_EPARSE, "expected a value, found %s", describe(P, P->p, d));
    }
}

int ig_json_pos_parse(const tsource *src, arena *a, unsigned max_depth, const tnode **out,
                      iamg_error *err)
{
    return ig_json_pos_parse_pruned(src, a, max_depth, NULL, out, NULL, err);
}

int ig_json_pos_parse_pruned(const tsource *src, arena *a, unsigned max_depth, json_prune_fn prune,
                             const tnode **out, int *pruned, iamg_error *err)
{
    parser P;
    memset(&P, 0, sizeof P);
    P.prune = prune;
    if (pruned) *pruned = 0;
    P.beg = (const unsigned char *)src->data;
    P.p = P.beg;
    P.end = P.beg + src->len;
    P.src = src;
    P.a = a;
    P.max_depth = max_depth;
    P.err = err;
    *out = NULL;

    if (src->len >= 3 && memcmp(P.p, "\xEF\xBB\xBF", 3) == 0) P.p += 3;
    skip_ws(&P);
    if (P.p >= P.end) {
        fail_at(&P, P.p, IAMG_EPARSE, "empty input: expected a JSON value");
        goto done;
    }
    tnode *root = ig_arena_alloc(a, sizeof *root);
    if (!root) {
        oom(&P);
        goto done;
    }
    if (parse_value(&P, root)) goto done;
    skip_ws(&P);
    if (P.p < P.end) {
        char d[16];
        fail_at(&P, P.p, IAMG_EPARSE, "unexpected %s after the JSON value", describe(&P, P.p, d));
        goto done;
    }
    *out = root;
    if (pruned) *pruned = P.pruned;
done:
    ig_free(P.items);
    ig_free(P.members);
    ig_free(P.interned);
    return P.status;
}

uint32_t *ig_json_string_map(const tsource *src, const tnode *str, arena *a)
{
    uint32_t *map = ig_arena_alloc(a, ((size_t)str->n + 1) * sizeof *map);
    if (!map) return NULL;
    const unsigned char *beg = (const unsigned char *)src->data;
    const unsigned char *p = beg + str->start + 1, *close = beg + str->end - 1;
    size_t k = 0;
    while (p < close && k < str->n) {
        uint32_t here = (uint32_t)(p - beg);
        size_t used = 1, olen = 1;
        if (*p == '\\') {
            unsigned char c = p + 1 < close ? p[1] : 0;
            if (c == 'u') {
                long hi = read_hex4(p + 2, close);
                unsigned char tmp[4];
                if (hi >= 0xD800 && hi <= 0xDBFF) {
                    used = 12;
                    olen = 4;
                } else {
                    used = 6;
                    olen = ig_utf8_encode(tmp, (unsigned long)(hi < 0 ? 0 : hi));
                }
            } else {
                used = 2;
            }
        }
        for (size_t i = 0; i < olen && k < str->n; i++)
            map[k++] = here;
        p += used;
    }
    while (k <= str->n)
        map[k++] = str->end - 1;
    return map;
}
