/*
 * Tests for output/fingerprint.c. Expected values come from FINGERPRINTS.md and
 * from running github/codeql-action's hash() (fingerprints.ts) on the same
 * bytes; the randomized test checks the rolling hash against a direct
 * per-line polynomial built from an independent decoder.
 */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/slurp.h"
#include "output/fingerprint.h"
#include "util/alloc.h"

#define EMPTY_HASH "c129715d7a2bc9a3:1"

static line_hashes hash_bytes(const char *data, size_t len)
{
    line_hashes h;
    cr_assert_eq(ig_fingerprint_lines(data, len, &h), 0);
    cr_assert_gt(h.nlines, 0);
    return h;
}

#define HASH_LIT(s) hash_bytes((s), sizeof(s) - 1)

static void expect_line(const line_hashes *h, uint32_t line, const char *want)
{
    char got[32];
    ig_fingerprint_format(h, line, got);
    cr_expect_str_eq(got, want, "line %u", line);
}

static void expect_all(const char *data, size_t len, const char *const *want, uint32_t n)
{
    line_hashes h = hash_bytes(data, len);
    cr_expect_eq(h.nlines, n, "expected %u lines, got %u", n, h.nlines);
    for (uint32_t i = 0; i < n && i < h.nlines; i++)
        expect_line(&h, i + 1, want[i]);
    ig_fingerprint_free(&h);
}

#define EXPECT_ALL(lit, ...)                                                                       \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        expect_all((lit), sizeof(lit) - 1, want_, (uint32_t)(sizeof want_ / sizeof want_[0]));     \
    } while (0)

static int same_hashes(const line_hashes *a, const line_hashes *b)
{
    if (a->nlines != b->nlines) return 0;
    for (uint32_t i = 0; i < a->nlines; i++)
        if (a->hash[i] != b->hash[i] || a->occurrence[i] != b->occurrence[i]) return 0;
    return 1;
}

/* --- FINGERPRINTS.md vectors ------------------------------------------------ */

Test(fingerprint, empty_file)
{
    EXPECT_ALL("", EMPTY_HASH);
}

Test(fingerprint, spec_vector_spaces_tabs)
{
    EXPECT_ALL(" a\nb\n  \t\tc\n d", "271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1",
               "a23a3dc5e078b07b:1");
}

Test(fingerprint, spec_vector_ci_deploy_role_line_13)
{
    const char *path = IAMG_CORPUS_DIR "/../sarif/policies/ci-deploy-role.json";
    size_t len;
    char *data = slurp(path, &len);
    if (!data) cr_skip_test("%s is not available", path);
    line_hashes h = hash_bytes(data, len);
    expect_line(&h, 13, "79e922aff8ac9bd:1");
    ig_fingerprint_free(&h);
    free(data);
}

/* --- line ends -------------------------------------------------------------- */

Test(fingerprint, crlf_and_lf_give_the_same_hashes)
{
    static const char lf[] = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}\n";
    static const char crlf[] =
        "{\r\n  \"Version\": \"2012-10-17\",\r\n  \"Statement\": []\r\n}\r\n";
    line_hashes a = HASH_LIT(lf), b = HASH_LIT(crlf);
    cr_expect_eq(a.nlines, 5);
    cr_expect(same_hashes(&a, &b));
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
}

Test(fingerprint, lone_cr_is_a_line_end)
{
    EXPECT_ALL("a\nb\nc", "7b3788cf31b92be9:1", "e461f42c548ac762:1", "188ff2f224477a1e:1");
    EXPECT_ALL("a\rb\rc", "7b3788cf31b92be9:1", "e461f42c548ac762:1", "188ff2f224477a1e:1");
}

/* fingerprints.ts clears its "previous was CR" flag when it skips a space, so
 * the LF of "\r \n" is a second line end. */
Test(fingerprint, space_between_cr_and_lf_makes_two_line_ends)
{
    EXPECT_ALL("a\r \nb", "67c066a59e652f5e:1", "cc4c43d77869440f:1", "8ee5a81e681643c1:1");
}

Test(fingerprint, trailing_newline_adds_a_line)
{
    EXPECT_ALL("a", "53b5d4aabe50d64:1");
    /* The extra line holds only the end-of-file unit, like an empty file. */
    EXPECT_ALL("a\n", "243cbaa4685aab12:1", EMPTY_HASH);
    EXPECT_ALL("a\r\n", "243cbaa4685aab12:1", EMPTY_HASH);
}

Test(fingerprint, blank_lines_are_lines)
{
    line_hashes h = HASH_LIT("a\n\n   \n\t\nb");
    cr_expect_eq(h.nlines, 5);
    /* Lines 2..4 are bare LFs once blanks are skipped, but each sees a
     * different tail, so they differ. */
    cr_expect_neq(h.hash[1], h.hash[2]);
    cr_expect_neq(h.hash[2], h.hash[3]);
    ig_fingerprint_free(&h);
}

/* --- characters ------------------------------------------------------------- */

Test(fingerprint, spaces_and_tabs_do_not_count)
{
    line_hashes a = HASH_LIT("{\"a\":1}\n"), b = HASH_LIT("  {\t\"a\" :  1 }\t\n");
    cr_expect(same_hashes(&a, &b));
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
}

Test(fingerprint, astral_characters_are_two_units)
{
    EXPECT_ALL("{\"Sid\": \"\xF0\x9F\x98\x80\"}\n\xF0\x9F\x98\x80\n", "e6e5742dff5e2437:1",
               "49e42825ed591e1a:1", EMPTY_HASH);
    /* Not the same as the single unit U+FFFD nor as U+E000. */
    line_hashes a = HASH_LIT("\xF0\x9F\x98\x80"), b = HASH_LIT("\xEF\xBF\xBD"),
                c = HASH_LIT("\xEE\x80\x80");
    cr_expect_neq(a.hash[0], b.hash[0]);
    cr_expect_neq(a.hash[0], c.hash[0]);
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
    ig_fingerprint_free(&c);
}

Test(fingerprint, two_and_three_byte_characters_are_one_unit)
{
    /* One unit c, then the end-of-file unit and zeros: c*37^99 + 65535*37^98. */
    uint64_t p98 = 1;
    for (int i = 0; i < 98; i++)
        p98 *= 37;
    uint64_t p99 = p98 * 37;
    line_hashes a = HASH_LIT("\xC3\xA9"), b = HASH_LIT("\xE2\x82\xAC");
    cr_expect_eq(a.hash[0], 0xE9 * p99 + 65535 * p98);
    cr_expect_eq(b.hash[0], 0x20AC * p99 + 65535 * p98);
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
}

/* Node decodes ill-formed UTF-8 with one U+FFFD per maximal subpart. */
Test(fingerprint, invalid_utf8_becomes_replacement_characters)
{
    EXPECT_ALL("\xE2\x82"
               "A\n\xC0\x80"
               "B",
               "6cc821fff5218787:1", "fac6b771beae4167:1");
    static const struct {
        const char *bad, *good;
    } eq[] = {
        {"\xE2\x82"
         "A",
         "\xEF\xBF\xBD"
         "A"},                            /* truncated: one */
        {"\xF0\x9F\x98", "\xEF\xBF\xBD"}, /* truncated at end */
        {"\xC0\x80"
         "A",
         "\xEF\xBF\xBD\xEF\xBF\xBD"
         "A"},                                                    /* overlong: each byte */
        {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
        {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* > U+10FFFF */
        {"\xFF\x80", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xE2\xC3\xA9", "\xEF\xBF\xBD\xC3\xA9"}, /* bad continuation is read again */
    };
    for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
        line_hashes a = hash_bytes(eq[i].bad, strlen(eq[i].bad));
        line_hashes b = hash_bytes(eq[i].good, strlen(eq[i].good));
        cr_expect(same_hashes(&a, &b), "case %zu", i);
        ig_fingerprint_free(&a);
        ig_fingerprint_free(&b);
    }
}

/* fingerprints.ts reads the file with fs.createReadStream(path, "utf8"),
 * which keeps a BOM as U+FEFF (TextDecoder would drop it): the BOM is part of
 * line 1's hash. */
Test(fingerprint, bom_is_kept_as_u_feff)
{
    EXPECT_ALL("\xEF\xBB\xBF{\"Version\": \"2012-10-17\"}\n", "3b21d60290c03b8c:1", EMPTY_HASH);
    EXPECT_ALL("{\"Version\": \"2012-10-17\"}\n", "3db7260f604fe7ad:1", EMPTY_HASH);
}

Test(fingerprint, nul_bytes_are_units)
{
    line_hashes a = hash_bytes("a\0b", 3), b = HASH_LIT("ab");
    cr_expect_eq(a.nlines, 1);
    cr_expect_neq(a.hash[0], b.hash[0]);
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
}

/* --- window and occurrences ------------------------------------------------- */

Test(fingerprint, long_lines_hash_only_their_first_100_units)
{
    /* 252 units a line: each line's hash covers just its own first 100. */
    char doc[1024];
    size_t n = 0;
    for (int l = 0; l < 2; l++) {
        doc[n++] = '"';
        for (int i = 0; i < 25; i++) {
            memcpy(doc + n, "abcdefghij", 10);
            n += 10;
        }
        doc[n++] = '"';
        doc[n++] = '\n';
    }
    memcpy(doc + n, "end", 3);
    n += 3;
    static const char *const want[] = {"412d037c9c33e836:1", "412d037c9c33e836:2",
                                       "43b6461eda086fe2:1"};
    expect_all(doc, n, want, 3);

    /* Changing unit 101 of line 1 leaves line 1 alone; changing unit 100 does not. */
    line_hashes base = hash_bytes(doc, n);
    doc[100] = 'Z';
    line_hashes after101 = hash_bytes(doc, n);
    cr_expect_eq(after101.hash[0], base.hash[0]);
    doc[99] = 'Z';
    line_hashes after100 = hash_bytes(doc, n);
    cr_expect_neq(after100.hash[0], base.hash[0]);
    ig_fingerprint_free(&base);
    ig_fingerprint_free(&after101);
    ig_fingerprint_free(&after100);
}

Test(fingerprint, hash_runs_across_line_ends)
{
    /* Line 1 is short: its hash sees line 2, so editing line 2 changes it. */
    line_hashes a = HASH_LIT("{\n\"a\": 1\n}"), b = HASH_LIT("{\n\"a\": 2\n}");
    cr_expect_neq(a.hash[0], b.hash[0]);
    cr_expect_eq(a.hash[2], b.hash[2]);
    ig_fingerprint_free(&a);
    ig_fingerprint_free(&b);
}

Test(fingerprint, repeated_lines_count_occurrences)
{
    /* 300 identical lines: every line whose next 100 units lie inside the
     * repetition has the same hash, numbered 1, 2, 3, ... */
    char doc[300 * 6];
    for (int i = 0; i < 300; i++)
        memcpy(doc + i * 6, "\"x\",\n", 5), doc[i * 6 + 5] = ' ';
    line_hashes h = hash_bytes(doc, sizeof doc);
    cr_expect_eq(h.nlines, 301);
    /* Each line is 5 kept units ("x",\n; the space after the LF is skipped),
     * 1500 in all, so lines 1..281 see only repetition. */
    for (uint32_t i = 0; i < 281; i++) {
        cr_expect_eq(h.hash[i], h.hash[0], "line %u", i + 1);
        cr_expect_eq(h.occurrence[i], i + 1, "line %u", i + 1);
    }
    char s[32];
    ig_fingerprint_format(&h, 281, s);
    char want[32];
    snprintf(want, sizeof want, "%" PRIx64 ":281", h.hash[0]);
    cr_expect_str_eq(s, want);
    /* The tail lines see the end of file, so they are all distinct and first. */
    for (uint32_t i = 281; i < 301; i++)
        cr_expect_eq(h.occurrence[i], 1, "line %u", i + 1);
    ig_fingerprint_free(&h);
}

Test(fingerprint, occurrence_counts_earlier_equal_values_only)
{
    /* Lines of 110 units A, B, A, B, A: each line's hash covers only its own
     * first 100 units, so A and B lines alternate two values. */
    char doc[5 * 111 + 3];
    size_t n = 0;
    for (int l = 0; l < 5; l++) {
        memset(doc + n, l % 2 ? 'B' : 'A', 110);
        n += 110;
        doc[n++] = '\n';
    }
    memcpy(doc + n, "end", 3);
    n += 3;
    line_hashes h = hash_bytes(doc, n);
    cr_assert_eq(h.nlines, 6);
    static const uint32_t occ[] = {1, 1, 2, 2, 3, 1};
    for (uint32_t i = 0; i < 6; i++)
        cr_expect_eq(h.occurrence[i], occ[i], "line %u", i + 1);
    cr_expect_eq(h.hash[0], h.hash[2]);
    cr_expect_eq(h.hash[0], h.hash[4]);
    cr_expect_eq(h.hash[1], h.hash[3]);
    cr_expect_neq(h.hash[0], h.hash[1]);
    ig_fingerprint_free(&h);
}

/* --- ig_fingerprint_format ----------------------------------------------------- */

Test(fingerprint, line_zero_uses_line_one_and_past_end_uses_last)
{
    line_hashes h = HASH_LIT(" a\nb\n  \t\tc\n d");
    expect_line(&h, 0, "271789c17abda88f:1");
    expect_line(&h, 5, "a23a3dc5e078b07b:1");
    expect_line(&h, UINT32_MAX, "a23a3dc5e078b07b:1");
    ig_fingerprint_free(&h);
}

Test(fingerprint, format_fits_the_longest_value)
{
    line_hashes h = {0};
    uint64_t hv = UINT64_MAX;
    uint32_t occ = UINT32_MAX;
    h.hash = &hv;
    h.occurrence = &occ;
    h.nlines = 1;
    char out[32];
    memset(out, 'X', sizeof out);
    ig_fingerprint_format(&h, 1, out);
    cr_expect_str_eq(out, "ffffffffffffffff:4294967295");
}

Test(fingerprint, free_accepts_null_and_empty)
{
    ig_fingerprint_free(NULL);
    line_hashes h = {0};
    ig_fingerprint_free(&h);
    char out[32];
    ig_fingerprint_format(&h, 1, out);
    cr_expect_str_eq(out, "");
}

/* --- randomized: rolling hash == direct polynomial -------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/*
 * Decode to code points the slow way: find the longest prefix of the lead's
 * sequence that is well formed (Unicode 3.9, table 3-7); a complete sequence
 * is one character, anything else one U+FFFD for that prefix (at least 1 byte).
 */
static size_t decode_slow(const unsigned char *p, size_t n, uint32_t *cp)
{
    static const struct {
        unsigned char lead_lo, lead_hi, c1_lo, c1_hi;
        int len;
    } rows[] = {
        {0x00, 0x7F, 0, 0, 1},       {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3},
        {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3},
        {0xF0, 0xF0, 0x90, 0xBF, 4}, {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        if (p[0] < rows[r].lead_lo || p[0] > rows[r].lead_hi) continue;
        int len = rows[r].len;
        if (len == 1) {
            *cp = p[0];
            return 1;
        }
        size_t ok = 1;
        for (int k = 1; k < len && ok < n; k++) {
            unsigned char lo = k == 1 ? rows[r].c1_lo : 0x80, hi = k == 1 ? rows[r].c1_hi : 0xBF;
            if (p[k] < lo || p[k] > hi) break;
            ok++;
        }
        if (ok < (size_t)len) {
            *cp = 0xFFFD;
            return ok;
        }
        uint32_t v = p[0] & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (int k = 1; k < len; k++)
            v = (v << 6) | (p[k] & 0x3F);
        *cp = v;
        return (size_t)len;
    }
    *cp = 0xFFFD;
    return 1;
}

/* Kept units with line starts, then hash[line] = sum U[s+j] * 37^(99-j). */
static void reference_hashes(const unsigned char *d, size_t n, uint64_t **hash, uint32_t *nlines)
{
    uint16_t *u = malloc((2 * n + 101) * sizeof *u);
    size_t *starts = malloc((2 * n + 2) * sizeof *starts);
    cr_assert(u && starts);
    size_t nu = 0, ns = 0;
    int line_start = 1, prev_cr = 0;
    uint32_t units[2];
    for (size_t i = 0; i <= n;) {
        int k = 0;
        if (i == n) {
            units[k++] = 65535;
            i++;
        } else {
            uint32_t cp;
            i += decode_slow(d + i, n - i, &cp);
            if (cp >= 0x10000) {
                units[k++] = 0xD800 + ((cp - 0x10000) >> 10);
                units[k++] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            } else {
                units[k++] = cp;
            }
        }
        for (int j = 0; j < k; j++) {
            uint32_t c = units[j];
            if (c == ' ' || c == '\t' || (prev_cr && c == '\n')) {
                prev_cr = 0;
                continue;
            }
            prev_cr = c == '\r';
            if (c == '\r') c = '\n';
            if (line_start) starts[ns++] = nu;
            line_start = c == '\n';
            u[nu++] = (uint16_t)c;
        }
    }
    for (int j = 0; j < 100; j++)
        u[nu++] = 0;
    *hash = malloc(ns * sizeof **hash);
    cr_assert_not_null(*hash);
    for (size_t l = 0; l < ns; l++) {
        uint64_t h = 0;
        for (int j = 0; j < 100; j++)
            h = h * 37 + u[starts[l] + (size_t)j];
        (*hash)[l] = h;
    }
    *nlines = (uint32_t)ns;
    free(u);
    free(starts);
}

Test(fingerprint, random_inputs_match_direct_polynomial)
{
    static const char *const pieces[] = {" ",
                                         "\t",
                                         "\r",
                                         "\n",
                                         "\r\n",
                                         "\r \n",
                                         "a",
                                         "\"Action\"",
                                         "\xC3\xA9",
                                         "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80",
                                         "\xEF\xBB\xBF",
                                         "\x80",
                                         "\xE2\x82",
                                         "\xF0\x9F\x98",
                                         "\xC0\x80",
                                         "\xED\xA0\x80",
                                         "\xF4\x90\x80\x80",
                                         "\xFF",
                                         "\xC2",
                                         "x\n"};
    const size_t npieces = sizeof pieces / sizeof pieces[0];
    unsigned char *buf = malloc(20000);
    cr_assert_not_null(buf);
    for (int iter = 0; iter < 300; iter++) {
        size_t target = rnd() % (iter < 100 ? 64 : 12000), n = 0;
        while (n < target) {
            if (rnd() % 8 == 0) {
                buf[n++] = (unsigned char)rnd();
            } else {
                const char *pc = pieces[rnd() % npieces];
                size_t pl = strlen(pc);
                memcpy(buf + n, pc, pl);
                n += pl;
            }
        }
        uint64_t *want;
        uint32_t nwant;
        reference_hashes(buf, n, &want, &nwant);
        line_hashes h = hash_bytes((const char *)buf, n);
        cr_assert_eq(h.nlines, nwant, "iteration %d: %u lines, want %u", iter, h.nlines, nwant);
        for (uint32_t l = 0; l < nwant; l++) {
            cr_assert_eq(h.hash[l], want[l], "iteration %d line %u", iter, l + 1);
            uint32_t occ = 0;
            for (uint32_t k = 0; k <= l; k++)
                occ += want[k] == want[l];
            cr_assert_eq(h.occurrence[l], occ, "iteration %d line %u", iter, l + 1);
        }
        ig_fingerprint_free(&h);
        free(want);
    }
    free(buf);
}

Test(fingerprint, many_lines_grow_the_arrays)
{
    /* Far more lines than the initial size guess (one unit a line). */
    size_t n = 200000;
    char *doc = malloc(n);
    cr_assert_not_null(doc);
    memset(doc, '\n', n);
    line_hashes h = hash_bytes(doc, n);
    cr_expect_eq(h.nlines, n + 1);
    /* All lines before the last 100 are LF followed by 99 LFs: one value. */
    cr_expect_eq(h.occurrence[n - 100], (uint32_t)(n - 99));
    expect_line(&h, (uint32_t)(n + 1), EMPTY_HASH);
    ig_fingerprint_free(&h);
    free(doc);
}

/* --- allocation failures ---------------------------------------------------- */

Test(fingerprint, every_allocation_failure_is_clean)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
    char doc[5000];
    for (size_t i = 0; i < sizeof doc; i++)
        doc[i] = (i % 7 == 6) ? '\n' : 'a';
    line_hashes ok = hash_bytes(doc, sizeof doc);
    int succeeded = 0;
    for (long k = 0; k < 100 && !succeeded; k++) {
        line_hashes h;
        memset(&h, 0xAB, sizeof h);
        ig_fault_alloc_after(k);
        int rc = ig_fingerprint_lines(doc, sizeof doc, &h);
        ig_fault_alloc_after(-1);
        if (rc == 0) {
            cr_expect(same_hashes(&h, &ok));
            succeeded = 1;
        } else {
            cr_expect_eq(rc, -1);
            cr_expect_null(h.hash);
            cr_expect_null(h.occurrence);
            cr_expect_eq(h.nlines, 0);
        }
        ig_fingerprint_free(&h);
    }
    cr_expect(succeeded);
    ig_fingerprint_free(&ok);
}

/* Fingerprints of some lines only equal those of every line, whatever the
 * lines asked for (repeats, out of order, 0, past the end), including lines
 * that repeat earlier ones (occurrence > 1) and lines of a text whose last
 * line is empty. */
Test(fingerprint, some_lines_equal_all_lines)
{
    static const char *const texts[] = {
        "{\n  \"a\": 1,\n  \"a\": 1,\n  \"b\": 2,\n  \"a\": 1\n}\n",
        "x\r\ny\r\n\r\nx\r\ny\r\n",
        "one line, no end",
        "\xEF\xBB\xBFwith bom\n\xF0\x9F\x98\x80\n\xFF bad\n\n\n",
        "",
    };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        const char *d = texts[t];
        size_t len = strlen(d);
        line_hashes all;
        cr_assert_eq(ig_fingerprint_lines(d, len, &all), 0);
        for (uint32_t first = 0; first <= all.nlines + 1; first++) {
            /* Every line from `first` on, backwards, with a repeat and 0. */
            uint32_t want[16];
            size_t n = 0;
            for (uint32_t l = all.nlines + 2; l-- > first && n < 12;)
                want[n++] = l;
            want[n++] = first;
            want[n++] = 0;
            line_hashes some;
            cr_assert_eq(ig_fingerprint_some_lines(d, len, want, n, &some), 0);
            cr_expect_eq(some.nlines, all.nlines);
            for (size_t i = 0; i < n; i++) {
                char a[32], b[32];
                ig_fingerprint_format(&all, want[i], a);
                ig_fingerprint_format(&some, want[i], b);
                cr_expect_str_eq(b, a, "text %zu, line %u", t, want[i]);
            }
            ig_fingerprint_free(&some);
        }
        ig_fingerprint_free(&all);
    }
}
