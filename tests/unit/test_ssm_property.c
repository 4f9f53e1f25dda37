/*
 * Property test of IAM-SSM-1 and IAM-SSM-2: on thousands of seeded random
 * identity policies, the built-in rules report exactly the statements that
 * a brute-force evaluator finds by enumeration.
 *
 * The evaluator shares no code with the rules or with match/: it has its
 * own matchers for action globs, ARN patterns (with the reading of policy
 * variables that README "Built-in rules" gives) and condition values, and
 * decides "some request for action A on an unnamed instance is allowed by
 * this Allow and denied by no Deny" by trying every ARN of a finite
 * universe and every way an attacker can tag the instance.
 *
 * What the evaluator decides by enumeration, and so checks in the rules:
 * which partitions, regions and accounts each pattern reaches (wildcards,
 * '?', escapes, variables, NotResource, Denies that cover part of what the
 * Allow reaches); which tag values satisfy a condition (which values are
 * "specific" is not written anywhere here: a value is specific exactly when
 * no value an attacker can give an instance satisfies it); IfExists,
 * ForAnyValue, ForAllValues, negated operators and Null on present and
 * absent tags, tags only AWS sets (absent on an instance nobody named).
 *
 * What it takes from the rule text instead, because the text decides it
 * rather than IAM: a condition entry of the wrong shape (malformed value,
 * empty list, number or boolean value, unknown operator) never scopes an
 * Allow; a Deny applies for sure only under negated string conditions on
 * resource tags, and any other condition (or a shape IAM rejects) lets the
 * request avoid it; conditions on request keys (aws:SourceIp, principal
 * tags) can be met by the requester.
 *
 * Why the finite universe is enough. Partitions, regions and accounts are
 * drawn from a universe computed below: for each segment, one representative
 * of every class of strings that the generated building blocks cannot tell
 * apart. Patterns are either whole-ARN shapes or six segments joined by ':'.
 * A six-segment pattern has exactly five ':' outside policy variables, and
 * every ARN of the templates has exactly five, none inside a segment; a '*'
 * or '?' that swallowed a ':' would leave fewer ARN ':' than pattern ':' to
 * match, and a variable matches only characters of one segment. So a
 * six-segment pattern matches an ARN exactly when each fragment matches its
 * segment. The whole-ARN shapes ("*", "arn:*", "arn:aws:*", "arn:*:ec2:*",
 * "arn:*:ssm:*", "arn:aws:ec2:*") depend only on whether a segment equals
 * "aws", "ec2" or "ssm" (":ssm:" can only appear as a whole segment, since
 * segments hold no ':'). So whether an ARN satisfies every pattern of a
 * policy depends only on which fragments (and which of those words) each of
 * its segments matches: its class. Each class that any string has is found
 * among the strings of length up to 5 over the fragments' characters plus
 * one other character, or is one of the fragments' literal words: the
 * fragments test at most a 3-character prefix and a 2-character suffix, a
 * length of at most 3 ('?' runs), or equality with a word, so a longer
 * string that equals no word is in the class of its first 3 and last 2
 * characters joined; and every character that occurs in no fragment behaves
 * like 'x'. Tag values come from the strings of up to two characters over
 * '*', '?' and one character no condition value holds, plus "absent": a
 * generated value is satisfied by one of them exactly when it is made of
 * '*', '?' and the escapes for them only (at most two of those), and
 * values holding any other character are satisfied by none.
 *
 * A disagreement prints the policy and both answers.
 */
#include <criterion/criterion.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iamguard/iamguard.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define POLICIES 3000
#define SEED 20240613u

/* The same policies, fewer of them, where every check costs more: under
 * AddressSanitizer (memory errors show on the first policies as well as on
 * the last) and under valgrind (tests/valgrind.sh sets the time scale). */
static int policy_count(void)
{
    const char *scale = getenv("IAMG_TEST_TIME_SCALE");
    if (scale && strtod(scale, NULL) > 1.0) return POLICIES / 15;
#if defined(__SANITIZE_ADDRESS__)
    return POLICIES / 3;
#else
    return POLICIES;
#endif
}

/* ------------------------------------------------------------------------ */
/* Random numbers (xorshift32): the same policies on every run.             */

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x % n;
}

static int chance(uint32_t percent)
{
    return rnd(100) < percent;
}

#define PICK(a) ((a)[rnd(COUNT(a))])

/* ------------------------------------------------------------------------ */
/* Building blocks                                                          */

static const char *const P_FRAG[] = {"aws", "*", "a*", "??", "", "${aws:partition}", "${*}"};
static const char *const S_FRAG[] = {"ec2", "ssm", "*", "e*", "s3"};
static const char *const R_FRAG[] = {
    "us-east-1", "*", "us-*", "*-1", "", "${aws:RequestedRegion}", "${*}", "${?}"};
static const char *const C_FRAG[] = {"111",  "*",   "1*", "?", "", "${aws:PrincipalAccount}",
                                     "${?}", "${$}"};
static const char *const RES_FRAG[] = {"instance/*",
                                       "managed-instance/*",
                                       "*",
                                       "instance/i-0abc*",
                                       "instance/${aws:username}",
                                       "*instance/*",
                                       "instance/i-0unscopedprobe0?",
                                       "document/x"};
static const char *const WHOLE[] = {"*",           "arn:*",         "arn:aws:*",     "arn:*:ec2:*",
                                    "arn:*:ssm:*", "arn:aws:ec2:*", "arn:aws:s3:::b"};
/* Words the whole-ARN shapes test a segment for. */
static const char *const P_WORDS[] = {"aws"};
static const char *const RC_WORDS[] = {"ec2", "ssm"};

static const char *const ACTIONS[] = {
    "ssm:*", "ssm:SendCommand", "ssm:StartSession", "*",
    "ec2:*", "SSM:send*",       "ssm:Start?ession", "iam:PassRole"};
static const char *const NOT_ACTIONS[] = {"iam:*", "ssm:*", "ssm:Send*", "ec2:*"};

static const char *const KEYS[] = {"ssm:resourceTag/Team",
                                   "aws:ResourceTag/team",
                                   "EC2:ResourceTag/Team",
                                   "ssm:resourceTag/env",
                                   "aws:ResourceTag/aws:cloudformation:stack-name",
                                   "ssm:resourceTag/AWS:x",
                                   "ssm:resourceTag/",
                                   "aws:SourceIp",
                                   "aws:PrincipalTag/Team"};
static const char *const BASES[] = {
    "StringEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "StringNotEquals",
    "StringNotLike",
    "StringNotEqualsIgnoreCase",
    "Null",
    "Bool",
    "StringEqual",  /* unknown */
    "stringequals", /* unknown: names are case-sensitive */
};
static const char *const STRINGS[] = {"prod",
                                      "ops",
                                      "p*",
                                      "*o*",
                                      "*",
                                      "?",
                                      "??",
                                      "",
                                      "${*}",
                                      "${?}",
                                      "${$}",
                                      "*${*}",
                                      "${aws:PrincipalTag/Team}",
                                      "false",
                                      "FALSE",
                                      "true"};

/* ------------------------------------------------------------------------ */
/* A generated policy                                                       */

enum { V_STRING, V_NUMBER, V_BOOL, V_NULL, V_LIST };

typedef struct gval {
    int type;
    const char *s; /* V_STRING text, V_NUMBER digits, V_BOOL "true"/"false" */
} gval;

enum { E_SCALAR, E_LIST, E_NULL, E_OBJECT };

typedef struct gentry {
    const char *key;
    int shape;
    gval v[3];
    int nv;
} gentry;

enum { O_OBJECT, O_NOT_OBJECT, O_EMPTY };

typedef struct gop {
    char name[64];
    int shape;
    gentry e[2];
    int ne;
} gop;

enum { C_NONE, C_OBJECT, C_NOT_OBJECT };

typedef struct gstmt {
    int deny;
    int has_action, has_not_action, has_resource, has_not_resource;
    const char *action[2], *not_action[2];
    int naction, nnot_action;
    char resource[2][128], not_resource[2][128];
    int nresource, nnot_resource;
    int cond;
    gop op[3];
    int nop;
} gstmt;

typedef struct gpolicy {
    gstmt st[3];
    int n;
} gpolicy;

static void gen_pattern(char *out, size_t cap)
{
    if (chance(25)) {
        snprintf(out, cap, "%s", PICK(WHOLE));
        return;
    }
    snprintf(out, cap, "arn:%s:%s:%s:%s:%s", PICK(P_FRAG), PICK(S_FRAG), PICK(R_FRAG), PICK(C_FRAG),
             PICK(RES_FRAG));
}

static gval gen_value(void)
{
    gval v = {V_STRING, PICK(STRINGS)};
    int r = (int)rnd(100);
    if (r < 6)
        v = (gval){V_NUMBER, chance(50) ? "5" : "0"};
    else if (r < 12)
        v = (gval){V_BOOL, chance(50) ? "true" : "false"};
    return v;
}

static void gen_entry(gentry *e, const char *key)
{
    e->key = key;
    int r = (int)rnd(100);
    e->shape = r < 45 ? E_SCALAR : r < 92 ? E_LIST : r < 96 ? E_NULL : E_OBJECT;
    e->nv = 0;
    if (e->shape == E_SCALAR) {
        e->v[e->nv++] = gen_value();
    } else if (e->shape == E_LIST) {
        int n = (int)rnd(4); /* 0 to 3 values: an empty list too */
        for (int i = 0; i < n; i++) {
            e->v[e->nv] = gen_value();
            if (chance(4)) e->v[e->nv].type = chance(50) ? V_NULL : V_LIST;
            e->nv++;
        }
    }
}

static void gen_op(gop *o, gstmt *st)
{
    const char *base = PICK(BASES);
    const char *set = "";
    const char *sfx = "";
    if (strcmp(base, "Null") != 0 && chance(20))
        set = chance(50) ? "ForAnyValue:" : "ForAllValues:";
    if (strcmp(base, "Null") != 0 && chance(20)) sfx = "IfExists";
    snprintf(o->name, sizeof o->name, "%s%s%s", set, base, sfx);
    /* Operator names must differ within one Condition (a duplicate would
     * hide the first: a different test). */
    for (int i = 0; i < st->nop; i++)
        if (strcmp(st->op[i].name, o->name) == 0) snprintf(o->name, sizeof o->name, "%s", "Bool");
    for (int i = 0; i < st->nop; i++)
        if (strcmp(st->op[i].name, o->name) == 0) snprintf(o->name, sizeof o->name, "NotIpAddress");
    int r = (int)rnd(100);
    o->shape = r < 94 ? O_OBJECT : r < 97 ? O_NOT_OBJECT : O_EMPTY;
    o->ne = o->shape == O_OBJECT ? 1 + (int)rnd(2) : 0;
    for (int i = 0; i < o->ne; i++) {
        const char *key = PICK(KEYS);
        if (i == 1 && strcmp(key, o->e[0].key) == 0) key = "aws:SourceIp";
        if (i == 1 && strcmp(key, o->e[0].key) == 0) key = "aws:PrincipalTag/Team";
        gen_entry(&o->e[i], key);
    }
}

static void gen_statement(gstmt *st, int deny)
{
    memset(st, 0, sizeof *st);
    st->deny = deny;
    /* Action, NotAction, or (rarely) both or neither. */
    int a = (int)rnd(100);
    st->has_action = a < 75 || a >= 97;
    st->has_not_action = (a >= 75 && a < 97) || a >= 98;
    st->naction = 1 + (int)rnd(2);
    for (int i = 0; i < st->naction; i++)
        st->action[i] = PICK(ACTIONS);
    st->nnot_action = 1 + (int)rnd(2);
    for (int i = 0; i < st->nnot_action; i++)
        st->not_action[i] = PICK(NOT_ACTIONS);
    int r = (int)rnd(100);
    st->has_resource = r < 70 || r >= 95;
    st->has_not_resource = (r >= 70 && r < 93) || r >= 97;
    st->nresource = chance(3) ? 0 : 1 + (int)rnd(2);
    for (int i = 0; i < st->nresource; i++)
        gen_pattern(st->resource[i], sizeof st->resource[i]);
    st->nnot_resource = chance(3) ? 0 : 1 + (int)rnd(2);
    for (int i = 0; i < st->nnot_resource; i++)
        gen_pattern(st->not_resource[i], sizeof st->not_resource[i]);
    int c = (int)rnd(100);
    st->cond = c < 40 ? C_NONE : c < 97 ? C_OBJECT : C_NOT_OBJECT;
    if (st->cond == C_OBJECT) {
        int n = 1 + (int)rnd(2);
        for (int i = 0; i < n; i++) {
            gen_op(&st->op[st->nop], st);
            st->nop++;
        }
    }
}

static void gen_policy(gpolicy *p)
{
    p->n = 1 + (int)rnd(3);
    for (int i = 0; i < p->n; i++)
        gen_statement(&p->st[i], i > 0 && chance(65));
}

/* ---- JSON, one statement per line (findings name their statement) ---- */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < sizeof tmp);
    if (t->n + (size_t)n + 1 > t->cap) {
        t->cap = (t->n + (size_t)n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    memcpy(t->s + t->n, tmp, (size_t)n + 1);
    t->n += (size_t)n;
}

static void put_list(text *t, const char *name, const char *const *v, int n, size_t stride)
{
    put(t, ", \"%s\": [", name);
    for (int i = 0; i < n; i++)
        put(t, "%s\"%s\"", i ? ", " : "", *(const char *const *)((const char *)v + i * stride));
    put(t, "]");
}

static void put_value(text *t, const gval *v)
{
    switch (v->type) {
    case V_STRING:
        put(t, "\"%s\"", v->s);
        break;
    case V_NUMBER:
    case V_BOOL:
        put(t, "%s", v->s);
        break;
    case V_NULL:
        put(t, "null");
        break;
    default:
        put(t, "[\"ops\"]");
        break;
    }
}

static void to_json(const gpolicy *p, text *t)
{
    t->n = 0;
    put(t, "{\"Version\": \"2012-10-17\", \"Statement\": [\n");
    for (int i = 0; i < p->n; i++) {
        const gstmt *st = &p->st[i];
        put(t, "{\"Effect\": \"%s\"", st->deny ? "Deny" : "Allow");
        if (st->has_action) put_list(t, "Action", st->action, st->naction, sizeof st->action[0]);
        if (st->has_not_action)
            put_list(t, "NotAction", st->not_action, st->nnot_action, sizeof st->not_action[0]);
        const char *rp[2] = {st->resource[0], st->resource[1]};
        const char *np[2] = {st->not_resource[0], st->not_resource[1]};
        if (st->has_resource) put_list(t, "Resource", rp, st->nresource, sizeof rp[0]);
        if (st->has_not_resource) put_list(t, "NotResource", np, st->nnot_resource, sizeof np[0]);
        if (st->cond == C_NOT_OBJECT) put(t, ", \"Condition\": \"StringEquals\"");
        if (st->cond == C_OBJECT) {
            put(t, ", \"Condition\": {");
            for (int k = 0; k < st->nop; k++) {
                const gop *o = &st->op[k];
                put(t, "%s\"%s\": ", k ? ", " : "", o->name);
                if (o->shape == O_NOT_OBJECT) {
                    put(t, "\"x\"");
                    continue;
                }
                put(t, "{");
                for (int j = 0; j < o->ne; j++) {
                    const gentry *e = &o->e[j];
                    put(t, "%s\"%s\": ", j ? ", " : "", e->key);
                    if (e->shape == E_NULL)
                        put(t, "null");
                    else if (e->shape == E_OBJECT)
                        put(t, "{\"v\": \"ops\"}");
                    else if (e->shape == E_SCALAR)
                        put_value(t, &e->v[0]);
                    else {
                        put(t, "[");
                        for (int v = 0; v < e->nv; v++) {
                            if (v) put(t, ", ");
                            put_value(t, &e->v[v]);
                        }
                        put(t, "]");
                    }
                }
                put(t, "}");
            }
            put(t, "}");
        }
        put(t, "}%s\n", i + 1 < p->n ? "," : "");
    }
    put(t, "]}\n");
}

/* ------------------------------------------------------------------------ */
/* The evaluator's matchers                                                 */

static int fold(int c)
{
    return tolower((unsigned char)c);
}

/* Action globs: case-insensitive, '*' and '?'. */
static int action_glob(const char *p, const char *s)
{
    if (!*p) return !*s;
    if (*p == '*') return action_glob(p + 1, s) || (*s && action_glob(p, s + 1));
    if (!*s) return 0;
    if (*p == '?' || fold(*p) == fold(*s)) return action_glob(p + 1, s + 1);
    return 0;
}

/* Pattern tokens, as policy variables and escapes are written. */
enum { T_STAR, T_ONE, T_LIT, T_VAR };

typedef struct tok {
    int kind;
    char c;
} tok;

static int tokenize(const char *p, tok *out, int cap)
{
    int n = 0;
    const char *last_close = strrchr(p, '}');
    while (*p) {
        if (n >= cap) abort(); /* patterns here are short */
        if (*p == '*') {
            out[n++] = (tok){T_STAR, 0};
            p++;
        } else if (*p == '?') {
            out[n++] = (tok){T_ONE, 0};
            p++;
        } else if (p[0] == '$' && p[1] == '{' && last_close && last_close >= p + 2) {
            if ((p[2] == '*' || p[2] == '?' || p[2] == '$') && p[3] == '}') {
                out[n++] = (tok){T_LIT, p[2]};
                p += 4;
            } else {
                out[n++] = (tok){T_VAR, 0};
                p = strchr(p + 2, '}') + 1;
            }
        } else {
            out[n++] = (tok){T_LIT, *p++};
        }
    }
    return n;
}

/* Do tokens t match x (seg[k]: 0 for template text, else the free segment
 * of x[k])? A variable matches any run of characters of one free segment,
 * the empty run included: since segments are separated by template text, a
 * variable that reads only free characters never leaves its segment. The
 * set of token positions reached is simulated as a bit set. */
static int tokens_match(const tok *t, int nt, const char *x, const int *seg, int nx)
{
    if (nt > 62) abort();
    uint64_t star = 0, var = 0, one = 0, lit[128] = {0};
    for (int i = 0; i < nt; i++) {
        if (t[i].kind == T_STAR) star |= 1ULL << i;
        if (t[i].kind == T_VAR) var |= 1ULL << i;
        if (t[i].kind == T_ONE) one |= 1ULL << i;
        if (t[i].kind == T_LIT) lit[t[i].c & 127] |= 1ULL << i;
    }
    uint64_t s = 1, prev;
    do { /* moves that read nothing: past a '*' or a variable */
        prev = s;
        s |= (s & (star | var)) << 1;
    } while (s != prev);
    for (int j = 0; j < nx && s; j++) {
        uint64_t n = ((s & (one | lit[x[j] & 127])) << 1) | (s & star) | (seg[j] ? s & var : 0);
        do {
            prev = n;
            n |= (n & (star | var)) << 1;
        } while (n != prev);
        s = n;
    }
    return (s >> nt) & 1;
}

/*
 * Does ARN pattern p match x? Where a match would take the ARN away (`may`
 * 0: an Allow's NotResource, a Deny's Resource), a pattern with a variable
 * matches nothing: the variable can take another value.
 */
static int arn_match(const char *p, const char *x, const int *seg, int may)
{
    tok t[160];
    int nt = tokenize(p, t, 160);
    if (!may)
        for (int i = 0; i < nt; i++)
            if (t[i].kind == T_VAR) return 0;
    return tokens_match(t, nt, x, seg, (int)strlen(x));
}

/* ------------------------------------------------------------------------ */
/* The universe of ARNs                                                     */

typedef struct seg_universe {
    char v[32][12];
    int n;
} seg_universe;

/* The class of a segment value: which fragments (read as patterns of a lone
 * free segment) and which words it matches. */
static uint32_t seg_class(const char *s, const char *const *frag, size_t nf,
                          const char *const *words, size_t nw)
{
    int seg[16];
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        seg[i] = 1;
    uint32_t c = 0;
    for (size_t f = 0; f < nf; f++)
        if (arn_match(frag[f], s, seg, 1)) c |= 1u << f;
    for (size_t w = 0; w < nw; w++)
        if (strcmp(s, words[w]) == 0) c |= 1u << (nf + w);
    return c;
}

static void add_class(seg_universe *u, uint32_t *classes, const char *s, uint32_t c)
{
    for (int i = 0; i < u->n; i++)
        if (classes[i] == c) return;
    cr_assert(u->n < 32 && strlen(s) < sizeof u->v[0]);
    classes[u->n] = c;
    strcpy(u->v[u->n++], s);
}

/* One representative of every class, shortest first: all strings up to 5
 * characters over the fragments' characters and 'x', then the words and the
 * fragments' literal words themselves (see the comment at the top). */
static void build_universe(seg_universe *u, const char *const *frag, size_t nf,
                           const char *const *words, size_t nw)
{
    /* The literal characters of the fragments: a variable matches any run,
     * so the letters of its name do not count. */
    char alpha[64] = "x";
    for (size_t f = 0; f < nf + nw; f++) {
        tok t[64];
        int nt = tokenize(f < nf ? frag[f] : words[f - nf], t, 64);
        /* No segment holds ':', '*' or '?'. */
        for (int i = 0; i < nt; i++)
            if (t[i].kind == T_LIT && !strchr(alpha, t[i].c) && !strchr(":*?", t[i].c))
                alpha[strlen(alpha)] = t[i].c;
    }
    size_t na = strlen(alpha);
    uint32_t classes[32];
    u->n = 0;
    for (int len = 0; len <= 5; len++) {
        size_t total = 1;
        for (int i = 0; i < len; i++)
            total *= na;
        for (size_t k = 0; k < total; k++) {
            char s[8];
            size_t x = k;
            for (int i = 0; i < len; i++) {
                s[i] = alpha[x % na];
                x /= na;
            }
            s[len] = '\0';
            add_class(u, classes, s, seg_class(s, frag, nf, words, nw));
        }
    }
    for (size_t f = 0; f < nf + nw; f++) {
        const char *w = f < nf ? frag[f] : words[f - nf];
        if (!strpbrk(w, "*?{}:")) add_class(u, classes, w, seg_class(w, frag, nf, words, nw));
    }
}

typedef struct arn {
    char s[128];
    int seg[128];
    int n;
} arn;

static arn *universe;
static int nuniverse;
static seg_universe UP, UR, UC;

static void build_arns(void)
{
    build_universe(&UP, P_FRAG, COUNT(P_FRAG), P_WORDS, COUNT(P_WORDS));
    build_universe(&UR, R_FRAG, COUNT(R_FRAG), RC_WORDS, COUNT(RC_WORDS));
    build_universe(&UC, C_FRAG, COUNT(C_FRAG), RC_WORDS, COUNT(RC_WORDS));
    static const char *const forms[2][4] = {
        {"arn:", ":ec2:", ":", ":instance/i-0unscopedprobe00"},
        {"arn:", ":ssm:", ":", ":managed-instance/mi-0unscopedprobe00"}};
    nuniverse = 0;
    universe = calloc((size_t)(2 * UP.n * UR.n * UC.n), sizeof *universe);
    cr_assert_not_null(universe);
    for (int f = 0; f < 2; f++)
        for (int p = 0; p < UP.n; p++)
            for (int r = 0; r < UR.n; r++)
                for (int c = 0; c < UC.n; c++) {
                    arn *a = &universe[nuniverse++];
                    const char *parts[7] = {forms[f][0], UP.v[p], forms[f][1], UR.v[r],
                                            forms[f][2], UC.v[c], forms[f][3]};
                    size_t n = 0;
                    for (int k = 0; k < 7; k++)
                        for (const char *q = parts[k]; *q; q++) {
                            a->seg[n] = k % 2 ? (k + 1) / 2 : 0;
                            a->s[n++] = *q;
                        }
                    a->s[n] = '\0';
                    a->n = (int)n;
                }
}

/* ------------------------------------------------------------------------ */
/* Tags an attacker can give the instance                                   */

/* Two user tags (names compare case-insensitively); tags whose names start
 * with "aws:" are set by AWS only and absent on an instance nobody named.
 * A value is absent (NULL) or a string of up to two characters over '*',
 * '?' and '~', a character no generated value holds. */
#define NW 13
static const char *W[NW] = {"",   "*",  "?",  "~",  "**", "*?", "*~",
                            "?*", "??", "?~", "~*", "~?", "~~"};
#define NTAGS ((NW + 1) * (NW + 1))

typedef struct tags {
    const char *team, *env; /* NULL: absent */
} tags;

static tags tag_assignment(int k)
{
    tags t = {k % (NW + 1) ? W[k % (NW + 1) - 1] : NULL, k / (NW + 1) ? W[k / (NW + 1) - 1] : NULL};
    return t;
}

/* The tag a condition key is about: "team", "env", "aws:..." (reserved), or
 * NULL when the key is not a resource-tag key. */
static const char *tag_of(const char *key, int *reserved)
{
    static const char *const prefixes[] = {"ssm:resourcetag/", "aws:resourcetag/",
                                           "ec2:resourcetag/"};
    *reserved = 0;
    for (size_t i = 0; i < COUNT(prefixes); i++) {
        size_t n = strlen(prefixes[i]);
        if (strlen(key) > n && strncasecmp(key, prefixes[i], n) == 0) {
            const char *t = key + n;
            *reserved = strncasecmp(t, "aws:", 4) == 0;
            return t;
        }
    }
    return NULL;
}

static const char *tag_value(const tags *t, const char *tag, int reserved)
{
    if (reserved) return NULL;
    return strcasecmp(tag, "team") == 0 ? t->team : t->env;
}

/* Does the instance's value w satisfy condition value v under a string
 * operator? Escapes stand for their characters; a policy variable for a
 * value the attacker does not choose (it never matches w). */
static int value_matches(const char *base, const char *v, const char *w)
{
    tok t[64];
    int nt = tokenize(v, t, 64);
    int like = strstr(base, "Like") != NULL, icase = strstr(base, "IgnoreCase") != NULL;
    for (int i = 0; i < nt; i++)
        if (t[i].kind == T_VAR) return 0;
    if (!like) {
        /* Equality with the value as IAM reads it ('*' and '?' literal). */
        char lit[64];
        int n = 0;
        for (int i = 0; i < nt; i++)
            lit[n++] = t[i].kind == T_STAR ? '*' : t[i].kind == T_ONE ? '?' : t[i].c;
        lit[n] = '\0';
        return icase ? strcasecmp(lit, w) == 0 : strcmp(lit, w) == 0;
    }
    int segs[8] = {0};
    char pat[160];
    /* Reuse the ARN matcher: rebuild the pattern with escapes for literal
     * '*' and '?', so it reads the same tokens. */
    size_t n = 0;
    for (int i = 0; i < nt; i++) {
        if (t[i].kind == T_STAR)
            pat[n++] = '*';
        else if (t[i].kind == T_ONE)
            pat[n++] = '?';
        else if (t[i].c == '*' || t[i].c == '?' || t[i].c == '$') {
            pat[n++] = '$', pat[n++] = '{', pat[n++] = t[i].c, pat[n++] = '}';
        } else
            pat[n++] = t[i].c;
    }
    pat[n] = '\0';
    return arn_match(pat, w, segs, 1);
}

/* ------------------------------------------------------------------------ */
/* The evaluator                                                            */

static int is_string_op(const char *base)
{
    static const char *const ops[] = {"StringEquals",           "StringLike",
                                      "StringEqualsIgnoreCase", "StringNotEquals",
                                      "StringNotLike",          "StringNotEqualsIgnoreCase"};
    for (size_t i = 0; i < COUNT(ops); i++)
        if (strcmp(base, ops[i]) == 0) return 1;
    return 0;
}

typedef struct opname {
    char base[64];
    int set; /* 0, 1 ForAnyValue, 2 ForAllValues */
    int if_exists, known, negated;
} opname;

static opname parse_op(const char *name)
{
    opname o = {{0}, 0, 0, 0, 0};
    if (strncmp(name, "ForAnyValue:", 12) == 0) o.set = 1, name += 12;
    if (strncmp(name, "ForAllValues:", 13) == 0) o.set = 2, name += 13;
    snprintf(o.base, sizeof o.base, "%s", name);
    size_t n = strlen(o.base);
    if (n > 8 && strcmp(o.base + n - 8, "IfExists") == 0) {
        o.base[n - 8] = '\0';
        o.if_exists = 1;
    }
    o.known = is_string_op(o.base) || strcmp(o.base, "Null") == 0 || strcmp(o.base, "Bool") == 0 ||
              strcmp(o.base, "NotIpAddress") == 0;
    if (strcmp(o.base, "Null") == 0 && (o.if_exists || o.set)) o.known = 0;
    o.negated = strstr(o.base, "Not") != NULL;
    return o;
}

/* A well-formed entry of a tag condition: not null, an object or a list
 * holding one; a known operator; an object of keys. */
static int entry_readable(const gop *o, const gentry *e)
{
    if (o->shape != O_OBJECT || !parse_op(o->name).known) return 0;
    if (e->shape == E_NULL || e->shape == E_OBJECT) return 0;
    for (int i = 0; i < e->nv; i++)
        if (e->v[i].type == V_NULL || e->v[i].type == V_LIST) return 0;
    return 1;
}

static int all_strings(const gentry *e)
{
    if (e->nv == 0) return 0;
    for (int i = 0; i < e->nv; i++)
        if (e->v[i].type != V_STRING) return 0;
    return 1;
}

/* IAM's answer for a string condition on a single-valued tag. */
static int string_cond(const opname *o, const gentry *e, const char *w)
{
    if (!w) {
        if (o->if_exists) return 1;
        if (o->set == 1) return 0;
        if (o->set == 2) return 1;
        return o->negated;
    }
    int any = 0;
    char base[64];
    snprintf(base, sizeof base, "%s", o->base);
    /* StringNotX matches when StringX does not. */
    if (o->negated) {
        char *not = strstr(base, "Not");
        memmove(not, not +3, strlen(not +3) + 1);
    }
    for (int i = 0; i < e->nv; i++)
        any |= value_matches(base, e->v[i].s, w);
    return o->negated ? !any : any;
}

/* Null on a tag: "false" values want it present, "true" ones absent. */
static int null_cond(const gentry *e, const char *w, int *decided)
{
    int f = 0, t = 0;
    for (int i = 0; i < e->nv; i++) {
        const gval *v = &e->v[i];
        if (v->type != V_STRING && v->type != V_BOOL) return *decided = 0, 1;
        if (strcasecmp(v->s, "false") == 0)
            f++;
        else if (strcasecmp(v->s, "true") == 0)
            t++;
        else
            return *decided = 0, 1;
    }
    *decided = 1;
    if (f && !t) return w != NULL;
    if (t && !f) return w == NULL;
    return 1;
}

/* Can the requester meet every condition of an Allow with these tags? */
static int allow_conditions(const gstmt *st, const tags *tg)
{
    if (st->cond != C_OBJECT) return 1;
    for (int k = 0; k < st->nop; k++) {
        const gop *o = &st->op[k];
        opname on = parse_op(o->name);
        for (int j = 0; j < o->ne; j++) {
            const gentry *e = &o->e[j];
            int reserved;
            const char *tag = tag_of(e->key, &reserved);
            if (!tag || !entry_readable(o, e)) continue;
            const char *w = tag_value(tg, tag, reserved);
            if (strcmp(on.base, "Null") == 0) {
                int decided;
                if (!null_cond(e, w, &decided) && decided) return 0;
            } else if (is_string_op(on.base) && !on.negated && all_strings(e)) {
                if (!string_cond(&on, e, w)) return 0;
            }
        }
    }
    return 1;
}

/* A Deny applies for sure only under negated string conditions on
 * resource tags; any other condition can be avoided by the request. */
static int deny_conditions(const gstmt *st, const tags *tg)
{
    if (st->cond != C_OBJECT) return 1;
    for (int k = 0; k < st->nop; k++) {
        const gop *o = &st->op[k];
        opname on = parse_op(o->name);
        for (int j = 0; j < o->ne; j++) {
            const gentry *e = &o->e[j];
            int reserved;
            const char *tag = tag_of(e->key, &reserved);
            if (!tag || !entry_readable(o, e) || !is_string_op(on.base) || !on.negated || on.set ||
                !all_strings(e))
                return 0;
            if (!string_cond(&on, e, tag_value(tg, tag, reserved))) return 0;
        }
    }
    return 1;
}

/* Shapes IAM rejects (the generator knows which it wrote). */
static int well_formed(const gstmt *st)
{
    if (st->has_action == st->has_not_action) return 0;
    if (st->has_resource == st->has_not_resource) return 0;
    if ((st->has_resource && st->nresource == 0) ||
        (st->has_not_resource && st->nnot_resource == 0))
        return 0;
    if (st->cond == C_NOT_OBJECT) return 0;
    for (int k = 0; k < st->nop; k++) {
        const gop *o = &st->op[k];
        if (o->shape != O_OBJECT || !parse_op(o->name).known) return 0;
        for (int j = 0; j < o->ne; j++)
            if (!entry_readable(o, &o->e[j])) return 0;
    }
    return 1;
}

static int grants(const gstmt *st, const char *action)
{
    int yes = 0;
    for (int i = 0; st->has_action && i < st->naction; i++)
        yes |= action_glob(st->action[i], action);
    if (st->has_not_action) {
        int excluded = 0;
        for (int i = 0; i < st->nnot_action; i++)
            excluded |= action_glob(st->not_action[i], action);
        yes |= !excluded;
    }
    return yes;
}

/* Which ARNs of the universe a pattern matches, remembered per pattern and
 * reading (the same patterns come back in many policies). */
#define MAX_ARNS 2048
typedef struct matched {
    char pattern[128];
    int may;
    uint64_t bits[MAX_ARNS / 64];
} matched;

static matched *cache;
static size_t cache_cap;

static const uint64_t *matches(const char *pattern, int may)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)may;
    for (const char *c = pattern; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    if (!cache) {
        cache_cap = 1 << 16;
        cache = calloc(cache_cap, sizeof *cache);
        cr_assert_not_null(cache);
    }
    for (size_t j = h & (cache_cap - 1);; j = (j + 1) & (cache_cap - 1)) {
        matched *m = &cache[j];
        if (m->pattern[0] == '\0' && !m->may) {
            cr_assert(strlen(pattern) < sizeof m->pattern);
            /* An empty pattern is stored with may 2 so the slot reads used. */
            strcpy(m->pattern, pattern);
            m->may = may + 1;
            tok t[160];
            int nt = tokenize(pattern, t, 160), var = 0;
            for (int i = 0; i < nt; i++)
                var |= t[i].kind == T_VAR;
            if (var && !may) return m->bits; /* never relied on: matches nothing */
            for (int x = 0; x < nuniverse; x++)
                if (tokens_match(t, nt, universe[x].s, universe[x].seg, universe[x].n))
                    m->bits[x / 64] |= 1ULL << (x % 64);
            return m->bits;
        }
        if (m->may == may + 1 && strcmp(m->pattern, pattern) == 0) return m->bits;
    }
}

static int hit(const char *pattern, int may, int x)
{
    return (matches(pattern, may)[x / 64] >> (x % 64)) & 1;
}

/* Does the Allow reach ARN x (either reading of an invalid pair)? */
static int allow_reaches(const gstmt *st, int x)
{
    for (int i = 0; st->has_resource && i < st->nresource; i++)
        if (hit(st->resource[i], 1, x)) return 1;
    if (st->has_not_resource) {
        for (int i = 0; i < st->nnot_resource; i++)
            if (hit(st->not_resource[i], 0, x)) return 0;
        return 1;
    }
    return 0;
}

static int deny_covers_arn(const gstmt *st, int x)
{
    if (st->has_resource) {
        for (int i = 0; i < st->nresource; i++)
            if (hit(st->resource[i], 0, x)) return 1;
        return 0;
    }
    for (int i = 0; i < st->nnot_resource; i++)
        if (hit(st->not_resource[i], 1, x)) return 0;
    return 1;
}

/* Is statement s of p a finding for `action`? */
static int oracle(const gpolicy *p, int s, const char *action)
{
    const gstmt *st = &p->st[s];
    if (st->deny || !grants(st, action)) return 0;
    int denies[3], nd = 0;
    for (int i = 0; i < p->n; i++)
        if (p->st[i].deny && well_formed(&p->st[i]) && grants(&p->st[i], action)) denies[nd++] = i;
    /* The sets of Denies that cover some reached ARN, and that apply under
     * some tagging the Allow accepts: a finding when two of them miss each
     * other. */
    int arn_masks[8] = {0}, tag_masks[8] = {0};
    for (int x = 0; x < nuniverse; x++) {
        if (!allow_reaches(st, x)) continue;
        int m = 0;
        for (int d = 0; d < nd; d++)
            if (deny_covers_arn(&p->st[denies[d]], x)) m |= 1 << d;
        arn_masks[m] = 1;
    }
    for (int k = 0; k < NTAGS; k++) {
        tags tg = tag_assignment(k);
        if (!allow_conditions(st, &tg)) continue;
        int m = 0;
        for (int d = 0; d < nd; d++)
            if (deny_conditions(&p->st[denies[d]], &tg)) m |= 1 << d;
        tag_masks[m] = 1;
    }
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++)
            if (arn_masks[a] && tag_masks[b] && !(a & b)) return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */

Test(ssm_property, the_universe_is_small_and_covers_the_classes)
{
    build_arns();
    /* Representatives found for every class (see the top of the file). */
    cr_expect_leq(UP.n, 12);
    cr_expect_leq(UR.n, 16);
    cr_expect_leq(UC.n, 16);
    cr_expect_gt(UP.n, 3);
    /* Values a probe of the pattern's own segments would never try. */
    int empty = 0, ssm_region = 0;
    for (int i = 0; i < UR.n; i++) {
        empty |= UR.v[i][0] == '\0';
        ssm_region |= strcmp(UR.v[i], "ssm") == 0;
    }
    cr_expect(empty && ssm_region);
    cr_log_info("universe: %d partitions, %d regions, %d accounts, %d ARNs", UP.n, UR.n, UC.n,
                nuniverse);
    free(universe);
}

Test(ssm_property, rules_agree_with_enumeration, .timeout = 120)
{
    build_arns();
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    cr_assert_leq(nuniverse, MAX_ARNS);
    rng_state = SEED;
    text t = {0};
    int disagreements = 0, findings = 0, statements = 0, count = policy_count();
    for (int n = 0; n < count; n++) {
        gpolicy p;
        gen_policy(&p);
        to_json(&p, &t);
        iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
        so.jobs = 1;
        iamg_results *r;
        cr_assert_eq(iamg_scan_buffer(e, "p.json", t.s, t.n, &so, &r, &err), 0, "%s", err.message);
        int got[3][2] = {{0}};
        for (size_t k = 0; k < iamg_results_count(r); k++) {
            const iamg_finding *f = iamg_results_get(r, k);
            int rule = strcmp(f->rule_id, "IAM-SSM-1") == 0 ? 0 : 1;
            /* One statement per line, from line 2. */
            got[f->line - 2][rule] = 1;
        }
        for (size_t k = 0; k < iamg_results_diag_count(r); k++) {
            const iamg_diag *d = iamg_results_diag(r, k);
            cr_expect_neq(d->code, IAMG_ERULE, "policy %d: %s\n%s", n, d->message, t.s);
        }
        iamg_results_free(r);
        static const char *const actions[2] = {"ssm:SendCommand", "ssm:StartSession"};
        for (int s = 0; s < p.n; s++) {
            statements++;
            for (int a = 0; a < 2; a++) {
                int want = oracle(&p, s, actions[a]);
                findings += want;
                if (want != got[s][a] && disagreements++ < 10)
                    cr_log_error("policy %d, statement %d, %s: rule %d, enumeration %d\n%s", n,
                                 s + 1, actions[a], got[s][a], want, t.s);
            }
        }
    }
    free(t.s);
    iamg_engine_free(e);
    free(universe);
    free(cache);
    cr_assert_eq(disagreements, 0, "%d disagreements (first ones logged)", disagreements);
    /* Both answers occur often: the test is not trivially one-sided. */
    cr_expect_gt(findings, count / 5, "%d findings in %d statements", findings, statements);
    cr_expect_lt(findings, statements * 2 - count / 5, "%d findings in %d statements", findings,
                 statements);
}
