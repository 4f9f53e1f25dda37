/*
 * IAM action and ARN matching. The input is split at its first NUL byte (or
 * newline) into a pattern and a subject. Both matchers run on every input,
 * which checks they terminate and stay in bounds; when both parts are short,
 * their answers are compared with a slow reference written from the
 * documentation in iamguard/match.h: the pattern is cut into tokens, then an
 * exhaustive table over (token, subject position) decides the match, so no
 * greedy shortcut is shared with the real matcher. Both strings are
 * sequences of characters: a literal character matches only an equal whole
 * character of the subject, never the bytes of a longer one.
 */
#include "fuzz_common.h"

#include "iamguard/match.h"

#define REF_MAX 48

/* Characters: well-formed UTF-8 sequences (Unicode table 3-7), any other
 * byte alone. Written independently of glob.c on purpose. */
static size_t ref_char_len(const unsigned char *s)
{
    unsigned c = s[0];
    int n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 1;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    for (int i = 1; i < n; i++) {
        unsigned b = s[i];
        unsigned l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h) return 1;
    }
    return (size_t)n;
}

enum { R_STAR, R_ONE, R_LIT };

typedef struct rtok {
    int kind;
    const char *lit;
    size_t len;
} rtok;

/* The pattern as tokens. For ARNs, "${...}" up to the first '}' is one
 * literal, and ${*} ${?} ${$} are the literal character. */
static size_t ref_tokens(const char *p, int arn, rtok *t)
{
    size_t n = 0;
    while (*p) {
        if (*p == '*') {
            t[n++] = (rtok){R_STAR, NULL, 0};
            p++;
        } else if (*p == '?') {
            t[n++] = (rtok){R_ONE, NULL, 0};
            p++;
        } else if (arn && p[0] == '$' && p[1] == '{' && strchr(p + 2, '}')) {
            const char *close = strchr(p + 2, '}');
            if (close == p + 3 && (p[2] == '*' || p[2] == '?' || p[2] == '$')) {
                t[n++] = (rtok){R_LIT, p + 2, 1};
            } else {
                t[n++] = (rtok){R_LIT, p, (size_t)(close - p) + 1};
            }
            p = close + 1;
        } else {
            size_t len = ref_char_len((const unsigned char *)p);
            t[n++] = (rtok){R_LIT, p, len};
            p += len;
        }
    }
    return n;
}

static int ref_lit(const rtok *t, const char *s, size_t slen, int arn)
{
    if (t->len > slen) return 0;
    /* Character boundaries of the literal and the subject must line up. */
    for (size_t i = 0; i < t->len;) {
        size_t n = ref_char_len((const unsigned char *)t->lit + i);
        if (ref_char_len((const unsigned char *)s + i) != n) return 0;
        i += n;
    }
    for (size_t i = 0; i < t->len; i++) {
        unsigned char a = (unsigned char)t->lit[i], b = (unsigned char)s[i];
        if (!arn) {
            if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z') b = (unsigned char)(b - 'A' + 'a');
        }
        if (a != b) return 0;
    }
    return 1;
}

static int ref_match(const char *pattern, const char *subject, int arn)
{
    rtok t[REF_MAX + 1];
    size_t nt = ref_tokens(pattern, arn, t), sl = strlen(subject);
    /* ok[i][j]: tokens i.. match subject[j..]. */
    static unsigned char ok[REF_MAX + 2][REF_MAX + 2];
    memset(ok, 0, sizeof ok);
    ok[nt][sl] = 1;
    for (size_t i = nt; i-- > 0;) {
        for (size_t j = sl + 1; j-- > 0;) {
            const rtok *k = &t[i];
            int m = 0;
            if (k->kind == R_STAR) {
                /* Zero characters, or one character then the same star. */
                m = ok[i + 1][j] ||
                    (j < sl && ok[i][j + ref_char_len((const unsigned char *)subject + j)]);
            } else if (k->kind == R_ONE) {
                m = j < sl && ok[i + 1][j + ref_char_len((const unsigned char *)subject + j)];
            } else {
                m = ref_lit(k, subject + j, sl - j, arn) && ok[i + 1][j + k->len];
            }
            ok[i][j] = (unsigned char)m;
        }
    }
    return ok[0][0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *buf = malloc(size + 2);
    if (!buf) abort();
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    size_t cut = 0;
    while (cut < size && buf[cut] != '\0' && buf[cut] != '\n')
        cut++;
    buf[cut] = '\0';
    const char *pattern = buf, *subject = buf + cut + 1;

    int am = iamg_action_match(pattern, subject);
    int rm = iamg_arn_match(pattern, subject);
    FUZZ_CHECK(am == 0 || am == 1);
    FUZZ_CHECK(rm == 0 || rm == 1);
    /* Everything matches itself unless it holds a wildcard. */
    if (!strpbrk(pattern, "*?$")) {
        FUZZ_CHECK(iamg_action_match(pattern, pattern));
        FUZZ_CHECK(iamg_arn_match(pattern, pattern));
    }
    FUZZ_CHECK(iamg_action_match("*", subject));
    FUZZ_CHECK(iamg_arn_match("*", subject));

    if (strlen(pattern) <= REF_MAX && strlen(subject) <= REF_MAX) {
        int ra = ref_match(pattern, subject, 0), rr = ref_match(pattern, subject, 1);
        if (am != ra || rm != rr) {
            fprintf(stderr, "action_match %d (reference %d), arn_match %d (reference %d)\n", am, ra,
                    rm, rr);
            fuzz_fail("matcher and reference disagree");
        }
    }

    iamg_arn_parts parts;
    if (iamg_arn_split(subject, &parts)) {
        size_t total = 5;
        for (int i = 0; i < 6; i++)
            total += parts.len[i];
        FUZZ_CHECK(total == strlen(subject));
    }
    free(buf);
    return 0;
}
