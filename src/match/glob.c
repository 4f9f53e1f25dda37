/*
 * match/glob.c - IAM wildcard matching for actions and ARNs.
 *
 * One engine serves both: a pattern is read as a stream of tokens (star,
 * question mark, literal character, policy variable) and matched with the iterative greedy
 * algorithm that keeps a single backtrack point, the last '*'. Because every '*' after the first
 * one found to match supersedes the earlier ones, retrying only the last is enough, which bounds
 * the work to O(len(pattern) * len(subject)) with no recursion: a hostile "*a*a*a...b" cannot blow
 * up.
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

#include "match/glob.h"
#include "util/utf8.h"

/*
 * Length in bytes of the character starting at s: a well-formed UTF-8
 * sequence (Unicode table 3-7: no overlongs, no surrogates, nothing above
 * U+10FFFF) is one character; any other byte is a character of its own, so
 * '?' always makes progress and garbage cannot make it step past the end.
 */
size_t ig_glob_char_len(const char *s, size_t n)
{
    if ((unsigned char)s[0] < 0x80) return 1;
    size_t w = ig_utf8_seq_len((const unsigned char *)s, n);
    return w ? w : 1;
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

void ig_glob_reader_init(glob_reader *r, int arn, const char *p, size_t n)
{
    r->arn = arn;
    r->end = p + n;
    r->last_close = NULL;
    if (arn)
        for (const char *q = p + n; q > p;)
            if (*--q == '}') {
                r->last_close = q;
                break;
            }
}

glob_tok ig_glob_read(const glob_reader *r, const char *p)
{
    glob_tok t = {GLOB_LIT, p, 1, p + 1};

    if (p >= r->end) {
        t.kind = GLOB_END;
        t.len = 0;
        t.next = p;
        return t;
    }
    switch (*p) {
    default:
        t.len = ig_glob_char_len(p, (size_t)(r->end - p));
        t.next = p + t.len;
        return t;
    case '*':
        t.kind = GLOB_STAR;
        return t;
    case '?':
        t.kind = GLOB_ONE;
        return t;
    case '$':
        /*
         * The last-'}' check keeps an unterminated "${" O(1): without it a
         * pattern full of "${" would rescan its tail for every one of them,
         * on every backtrack.
         */
        if (!r->arn || r->end - p < 2 || p[1] != '{' || !r->last_close || r->last_close < p + 2)
            return t;
        if (r->end - p >= 4 && (p[2] == '*' || p[2] == '?' || p[2] == '$') && p[3] == '}') {
            t.lit = p + 2;
            t.next = p + 4;
            return t;
        }
        t.kind = GLOB_VAR;
        t.len = (size_t)((const char *)memchr(p + 2, '}', (size_t)(r->end - p - 2)) - p) + 1;
        t.next = p + t.len;
        return t;
    }
}

/*
 * Does the subject at s[0..n) start with the literal, character for
 * character? Returns its length in s, or 0. Characters are compared whole:
 * equal bytes are not enough when the subject holds them as part of a longer
 * character. A literal never ends inside one of its own characters, because
 * wildcards and the '}' closing a "${...}" are ASCII.
 */
static size_t match_lit(const glob_reader *r, const glob_tok *t, const char *s, size_t n)
{
    size_t i = 0;

    while (i < t->len) {
        size_t w = ig_glob_char_len(t->lit + i, t->len - i);
        if (i >= n || ig_glob_char_len(s + i, n - i) != w) return 0;
        for (size_t k = i; k < i + w; k++) {
            unsigned char pc = (unsigned char)t->lit[k], sc = (unsigned char)s[k];
            if (r->arn ? pc != sc : fold(pc) != fold(sc)) return 0;
        }
        i += w;
    }
    return t->len;
}

/* The matcher described at the top of this file. */
static int glob_match(const glob_reader *r, const char *pattern, const char *subject, size_t sn)
{
    const char *p = pattern, *s = subject, *send = subject + sn;
    const char *star_p = NULL, *star_s = NULL;

    for (;;) {
        glob_tok t = ig_glob_read(r, p);
        size_t n = 0;

        switch (t.kind) {
        case GLOB_END:
            if (s == send) return 1;
            break;
        case GLOB_STAR:
            star_p = p = t.next;
            star_s = s;
            continue;
        case GLOB_ONE:
            if (s < send) {
                s += ig_glob_char_len(s, (size_t)(send - s));
                p = t.next;
                continue;
            }
            break;
        case GLOB_LIT:
        case GLOB_VAR:
            n = match_lit(r, &t, s, (size_t)(send - s));
            if (n) {
                s += n;
                p = t.next;
                continue;
            }
            break;
        }
        /* Mismatch: let the last '*' absorb one more character and retry. */
        if (!star_p || star_s == send) return 0;
        star_s += ig_glob_char_len(star_s, (size_t)(send - star_s));
        s = star_s;
        p = star_p;
    }
}

int ig_glob_action_match(const char *p, size_t pn, const char *s, size_t sn)
{
    glob_reader r;
    ig_glob_reader_init(&r, 0, p, pn);
    return glob_match(&r, p, s, sn);
}

int ig_glob_arn_match(const char *p, size_t pn, const char *s, size_t sn)
{
    glob_reader r;
    ig_glob_reader_init(&r, 1, p, pn);
    return glob_match(&r, p, s, sn);
}

int iamg_action_match(const char *pattern, const char *action)
{
    if (!pattern || !action) return 0;
    return ig_glob_action_match(pattern, strlen(pattern), action, strlen(action));
}

int iamg_arn_match(const char *pattern, const char *arn)
{
    if (!pattern || !arn) return 0;
    return ig_glob_arn_match(pattern, strlen(pattern), arn, strlen(arn));
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
