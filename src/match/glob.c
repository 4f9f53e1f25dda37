/*
 * match/glob.c - IAM wildcard matching for actions and ARNs.
 *
 * One engine serves both: a pattern is read as a stream of tokens (star,
 * question mark, literal run) and matched with the iterative greedy algorithm
 * that keeps a single backtrack point, the last '*'. Because every '*' after
 * the first one found to match supersedes the earlier ones, retrying only the
 * last is enough, which bounds the work to O(len(pattern) * len(subject)) with
 * no recursion: a hostile "*a*a*a...b" cannot blow up.
 *
 * Both strings are read as sequences of characters, never bytes: '*' and '?'
 * step over whole characters and a literal character only matches an equal
 * character, so no token can start or stop inside a multi-byte character of
 * the subject. That keeps every subject position a character boundary, which
 * is what makes the single backtrack point sufficient even for ill-formed
 * UTF-8 (a stray continuation byte in the pattern is a character of its own
 * and cannot match the tail of a subject character).
 */
#include "iamguard/match.h"

#include <string.h>

enum tok_kind { TOK_END, TOK_STAR, TOK_ONE, TOK_LIT };

typedef struct token {
    enum tok_kind kind;
    const char *lit; /* TOK_LIT: bytes the subject must contain here */
    size_t len;
    const char *next; /* pattern position after this token */
} token;

typedef struct pattern_reader {
    int arn;                /* policy variables and ${x} escapes are recognised */
    const char *last_close; /* last '}' in the pattern, NULL when none */
} pattern_reader;

/*
 * Length in bytes of the character starting at s, which must not be the
 * terminating NUL. Well-formed UTF-8 sequences (Unicode table 3-7: no
 * overlongs, no surrogates, nothing above U+10FFFF) count as one character;
 * any other byte is a character of its own, so '?' always makes progress and
 * garbage cannot make it swallow the terminator.
 */
static size_t char_len(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t n;

    if (s[0] < 0xC2 || s[0] > 0xF4) return 1;
    if (s[0] < 0xE0) {
        n = 2;
    } else if (s[0] < 0xF0) {
        n = 3;
        if (s[0] == 0xE0) lo = 0xA0;
        if (s[0] == 0xED) hi = 0x9F;
    } else {
        n = 4;
        if (s[0] == 0xF0) lo = 0x90;
        if (s[0] == 0xF4) hi = 0x8F;
    }
    if (s[1] < lo || s[1] > hi) return 1;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 1;
    return n;
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static token read_token(const pattern_reader *r, const char *p)
{
    token t = {TOK_LIT, p, 1, p + 1};

    switch (*p) {
    default:
        t.len = char_len(p);
        t.next = p + t.len;
        return t;
    case '\0':
        t.kind = TOK_END;
        t.len = 0;
        t.next = p;
        return t;
    case '*':
        t.kind = TOK_STAR;
        return t;
    case '?':
        t.kind = TOK_ONE;
        return t;
    case '$':
        /*
         * The last-'}' check keeps an unterminated "${" O(1): without it a
         * pattern full of "${" would rescan its tail for every one of them,
         * on every backtrack.
         */
        if (!r->arn || p[1] != '{' || !r->last_close || r->last_close < p + 2) return t;
        if ((p[2] == '*' || p[2] == '?' || p[2] == '$') && p[3] == '}') {
            t.lit = p + 2;
            t.next = p + 4;
            return t;
        }
        t.len = (size_t)(strchr(p + 2, '}') - p) + 1;
        t.next = p + t.len;
        return t;
    }
}

/*
 * Does the subject at s start with the literal, character for character?
 * Returns its length in s, or 0. Characters are compared whole: equal bytes
 * are not enough when the subject holds them as part of a longer character.
 * A literal never ends inside one of its own characters, because wildcards
 * and the '}' closing a "${...}" are ASCII.
 */
static size_t match_lit(const pattern_reader *r, const token *t, const char *s)
{
    size_t i = 0;

    while (i < t->len) {
        size_t n = char_len(t->lit + i);
        if (s[i] == '\0' || char_len(s + i) != n) return 0;
        for (size_t k = i; k < i + n; k++) {
            unsigned char pc = (unsigned char)t->lit[k], sc = (unsigned char)s[k];
            if (r->arn ? pc != sc : fold(pc) != fold(sc)) return 0;
        }
        i += n;
    }
    return t->len;
}

static int glob_match(const pattern_reader *r, const char *pattern, const char *subject)
{
    const char *p = pattern, *s = subject;
    const char *star_p = NULL, *star_s = NULL;

    for (;;) {
        token t = read_token(r, p);
        size_t n = 0;

        switch (t.kind) {
        case TOK_END:
            if (*s == '\0') return 1;
            break;
        case TOK_STAR:
            star_p = p = t.next;
            star_s = s;
            continue;
        case TOK_ONE:
            if (*s != '\0') {
                s += char_len(s);
                p = t.next;
                continue;
            }
            break;
        case TOK_LIT:
            n = match_lit(r, &t, s);
            if (n) {
                s += n;
                p = t.next;
                continue;
            }
            break;
        }
        /* Mismatch: let the last '*' absorb one more character and retry. */
        if (!star_p || *star_s == '\0') return 0;
        star_s += char_len(star_s);
        s = star_s;
        p = star_p;
    }
}

int iamg_action_match(const char *pattern, const char *action)
{
    pattern_reader r = {0, NULL};

    if (!pattern || !action) return 0;
    return glob_match(&r, pattern, action);
}

int iamg_arn_match(const char *pattern, const char *arn)
{
    pattern_reader r = {1, NULL};

    if (!pattern || !arn) return 0;
    r.last_close = strrchr(pattern, '}');
    return glob_match(&r, pattern, arn);
}

int iamg_arn_split(const char *arn, iamg_arn_parts *out)
{
    iamg_arn_parts parts;
    const char *seg;

    memset(&parts, 0, sizeof parts);
    if (out) *out = parts;
    if (!arn || strncmp(arn, "arn:", 4) != 0) return 0;

    seg = arn;
    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(seg, ':');
        if (!colon) return 0;
        parts.part[i] = seg;
        parts.len[i] = (size_t)(colon - seg);
        seg = colon + 1;
    }
    parts.part[5] = seg;
    parts.len[5] = strlen(seg);
    if (out) *out = parts;
    return 1;
}
