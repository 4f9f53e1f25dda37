/*
 * Tests for load/json_pos.c and load/srcpos.c.
 *
 * - Differential: ig_json_pos_parse accepts exactly what jansson's json_loadb
 *   (JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, and builds the same values,
 *   but for the differences json_pos.h documents.
 * - Positions of nodes, of errors, and of nodes parsed from a JSON string
 *   inside another document (ig_json_string_map).
 * - Data-driven cases in tests/cases/positions/ (see the README there).
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/slurp.h"
#include "common/json_diff.h"
#include "load/json_pos.h"
#include "source/srcpos.h"
#include "util/arena.h"
#include "util/utf8.h"

/* --- helpers ---------------------------------------------------------------- */

typedef struct doc {
    arena a;
    tsource src;
    const tnode *root;
    iamg_error err;
    int rc;
} doc;

static int doc_parse(doc *d, const char *buf, size_t len, unsigned max_depth)
{
    ig_arena_init(&d->a);
    memset(&d->err, 0, sizeof d->err);
    ig_tsource_init_file(&d->src, "policy.json", buf, len);
    d->rc = ig_json_pos_parse(&d->src, &d->a, max_depth, &d->root, &d->err);
    return d->rc;
}

static void doc_free(doc *d)
{
    ig_arena_free(&d->a);
}

/* Printable rendering of an input for failure messages. */
static const char *show(const char *buf, size_t len)
{
    static char out[512];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < sizeof out; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02X", c);
    }
    if (o + 8 >= sizeof out)
        memcpy(out + o, "...", 4);
    else
        out[o] = '\0';
    return out;
}

/* Resolve an RFC 6901 pointer; with want_key, the member's key node. Duplicate
 * keys resolve to the last member, like tnode_get. */
static const tnode *resolve(const tnode *root, const char *ptr, int want_key)
{
    const tnode *n = root, *key = NULL;
    const char *p = ptr;
    while (n && *p == '/') {
        p++;
        char tok[256];
        size_t t = 0;
        while (*p && *p != '/' && t + 1 < sizeof tok) {
            if (p[0] == '~' && p[1] == '1')
                tok[t++] = '/', p += 2;
            else if (p[0] == '~' && p[1] == '0')
                tok[t++] = '~', p += 2;
            else
                tok[t++] = *p++;
        }
        tok[t] = '\0';
        if (n->type == TN_OBJECT) {
            const tmember *m = ig_tnode_member(n, tok);
            key = m ? &m->key : NULL;
            n = m ? &m->value : NULL;
        } else if (n->type == TN_ARRAY) {
            char *end;
            unsigned long i = strtoul(tok, &end, 10);
            key = NULL;
            n = (*tok && !*end && i < n->n) ? &n->u.items[i] : NULL;
        } else {
            n = NULL;
        }
    }
    if (*p) return NULL;
    return want_key ? key : n;
}

static void span_str(const tsource *s, const tnode *n, char *out, size_t cap)
{
    srcpos a = ig_tsource_pos(s, n->start), b = ig_tsource_pos(s, n->end);
    snprintf(out, cap, "%u:%u-%u:%u", a.line, a.col, b.line, b.col);
}

/* Index the file behind d and check the span of ptr. */
static void expect_span(doc *d, const char *ptr, const char *want)
{
    cr_assert_eq(ig_tsource_index((tsource *)ig_tsource_file(&d->src), &d->a), 0);
    int key = strncmp(ptr, "key ", 4) == 0;
    const tnode *n = resolve(d->root, key ? ptr + 4 : ptr, key);
    cr_assert_not_null(n, "no node at '%s'", ptr);
    char got[64];
    span_str(&d->src, n, got, sizeof got);
    cr_expect_str_eq(got, want, "span of '%s'", ptr);
}

/* Parse and expect failure with code, line, column and a message fragment. */
static void expect_error(const char *buf, size_t len, int code, unsigned line, unsigned col,
                         const char *fragment)
{
    doc d;
    int rc = doc_parse(&d, buf, len, 1000);
    cr_expect_eq(rc, code, "input '%s': rc %d, want %d (%s)", show(buf, len), rc, code,
                 d.err.message);
    cr_expect_null(d.root);
    cr_expect_eq(d.err.code, code);
    cr_expect_eq(d.err.line, line, "input '%s': line %u, want %u (%s)", show(buf, len), d.err.line,
                 line, d.err.message);
    cr_expect_eq(d.err.column, col, "input '%s': column %u, want %u (%s)", show(buf, len),
                 d.err.column, col, d.err.message);
    cr_expect(strstr(d.err.message, fragment) != NULL, "input '%s': message '%s' lacks '%s'",
              show(buf, len), d.err.message, fragment);
    cr_expect_str_eq(d.err.path, "policy.json");
    doc_free(&d);
}

#define EXPECT_ERROR(lit, code, line, col, fragment)                                               \
    expect_error((lit), sizeof(lit) - 1, (code), (line), (col), (fragment))

/* --- tree walking ----------------------------------------------------------- */

/* --- the differential corpus ------------------------------------------------ */

typedef struct bytes {
    const char *s;
    size_t n;
} bytes;

#define B(lit)                                                                                     \
    {                                                                                              \
        (lit), sizeof(lit) - 1                                                                     \
    }

/* Values and fragments, valid and not; each is also tried inside the
 * contexts below. */
static const bytes atoms[] = {
    /* numbers */
    B("0"),
    B("-0"),
    B("1"),
    B("-1"),
    B("01"),
    B("-01"),
    B("00"),
    B("1.0"),
    B("1."),
    B(".1"),
    B("-.1"),
    B("1e5"),
    B("1E5"),
    B("1e+5"),
    B("1e-5"),
    B("1e"),
    B("1e+"),
    B("1.e5"),
    B("0.0e0"),
    B("+1"),
    B("--1"),
    B("-"),
    B("1.5e308"),
    B("1e309"),
    B("-1e309"),
    B("1e-400"),
    B("2e308"),
    B("0e999999999999"),
    B("1e999999999999999999999"),
    B("0.1e310"),
    B("0.01e310"),
    B("9223372036854775807"),
    B("9223372036854775808"),
    B("-9223372036854775808"),
    B("-9223372036854775809"),
    B("10000000000000000000"),
    B("123456789012345678901234567890"),
    B("12345678901234567890.5"),
    B("1.7976931348623157e308"),
    B("1.7976931348623158e308"),
    B("1.7976931348623159e308"),
    B("-1.7976931348623159e308"),
    B("179.76931348623158e306"),
    B("0.00017976931348623158079372897140530341507993413271003782693617377898044496829276475094"
      "66490179775872070963302864166928879109465555478519404026306574886715058206819089020007"
      "08383676273854845817711531764475730270069855571366959622842914819860834936475292719074"
      "168444365510704342711559699508093042880177904174497792e312"),
    B("0.00017976931348623158079372897140530341507993413271003782693617377898044496829276475094"
      "66490179775872070963302864166928879109465555478519404026306574886715058206819089020007"
      "08383676273854845817711531764475730270069855571366959622842914819860834936475292719074"
      "168444365510704342711559699508093042880177904174497791999e312"),
    B("0x10"),
    B("1_000"),
    B("Infinity"),
    B("-Infinity"),
    B("NaN"),
    B("1 2"),
    B("1-2"),
    B("1.5.5"),
    B("1e5e5"),
    B("0.0000000000000000000000000000001"),
    B("-0.0"),
    B("1E-0"),
    B("5e-324"),
    /* literals */
    B("true"),
    B("false"),
    B("null"),
    B("True"),
    B("NULL"),
    B("nul"),
    B("nulll"),
    B("tru"),
    B("truefalse"),
    B("true1"),
    B("falsey"),
    B("undefined"),
    /* strings */
    B("\"\""),
    B("\"a\""),
    B("\"\\\"\""),
    B("\"\\\\\""),
    B("\"\\/\""),
    B("\"\\b\\f\\n\\r\\t\""),
    B("\"\\u0041\""),
    B("\"\\u00e9\""),
    B("\"\\u00E9\""),
    B("\"\\u20AC\""),
    B("\"\\uFFFF\""),
    B("\"\\uFEFF\""),
    B("\"\\ud83d\\ude00\""),
    B("\"\\uD83D\\uDE00\""),
    B("\"\\udbff\\udfff\""),
    B("\"\\ud800\""),
    B("\"\\udc00\""),
    B("\"\\ud800x\""),
    B("\"\\ud800\\u0041\""),
    B("\"\\ud800\\ud800\""),
    B("\"\\udc00\\ud800\""),
    B("\"\\ud800\\\""),
    B("\"\\ud800\\u\""),
    B("\"\\u0000\""),
    B("\"a\\u0000b\""),
    B("\"\\u0001\""),
    B("\"\\u000\""),
    B("\"\\u00G0\""),
    B("\"\\u\""),
    B("\"\\x41\""),
    B("\"\\a\""),
    B("\"\\'\""),
    B("\"\\U0041\""),
    B("\"\\ \""),
    B("\"\\"),
    B("\"abc"),
    B("\"abc\\\""),
    B("'single'"),
    B("\"a\x01\""),
    B("\"a\x1f\""),
    B("\"a\tb\""),
    B("\"a\nb\""),
    B("\"a\rb\""),
    B("\"a\x7f\""),
    B("\"a\0b\""),
    B("\"caf\xC3\xA9\""),
    B("\"\xF0\x9F\x98\x80\""),
    B("\"\xE2\x82\xAC\""),
    B("\"\xEF\xBB\xBF\""),
    B("\"\xEF\xBF\xBF\""),
    B("\"\xF4\x8F\xBF\xBF\""),
    B("\"\x80\""),
    B("\"\xBF\""),
    B("\"\xC0\x80\""),
    B("\"\xC1\xBF\""),
    B("\"\xE0\x80\x80\""),
    B("\"\xE0\x9F\xBF\""),
    B("\"\xED\xA0\x80\""),
    B("\"\xED\xBF\xBF\""),
    B("\"\xF0\x80\x80\x80\""),
    B("\"\xF0\x8F\xBF\xBF\""),
    B("\"\xF4\x90\x80\x80\""),
    B("\"\xF5\x80\x80\x80\""),
    B("\"\xF8\x88\x80\x80\x80\""),
    B("\"\xFF\""),
    B("\"\xFE\""),
    B("\"\xE2\x82\""),
    B("\"\xE2\x82x\""),
    B("\"\xC3\""),
    B("\"\xC3x\""),
    B("\"\xF0\x9F\x98\""),
    B("\"\xC3\xA9\xC3\""),
    B("\"\\\xC3\xA9\""),
    /* structure */
    B("[]"),
    B("{}"),
    B("[ ]"),
    B("{ }"),
    B("[1,]"),
    B("[,1]"),
    B("[1,,2]"),
    B("[,]"),
    B("[1 2]"),
    B("[1"),
    B("["),
    B("]"),
    B("[]]"),
    B("[[]"),
    B("[[[]]]"),
    B("{\"a\":1,}"),
    B("{,}"),
    B("{\"a\" 1}"),
    B("{\"a\":}"),
    B("{\"a\"}"),
    B("{a:1}"),
    B("{'a':1}"),
    B("{1:2}"),
    B("{\"a\":1 \"b\":2}"),
    B("{\"a\":1}}"),
    B("{\"a\":1"),
    B("{\"a\""),
    B("{"),
    B("}"),
    B("{\"a\":1,\"a\":2}"),
    B("{\"a\":{\"a\":[{}]},\"b\":[[],{}]}"),
    B("{\"\":0}"),
    B("{\"a\":1;\"b\":2}"),
    B("[1;2]"),
    B("{\"a\"::1}"),
    B("{:1}"),
    B("[\"a\":1]"),
    B("{\"\\u00e9\":1,\"\xC3\xA9\":2}"),
    B("{\"a\\u0000\":1}"),
    B("{\"\xC0\x80\":1}"),
    B("[null,true,false,0,\"\",[],{}]"),
    /* top-level oddities and whitespace */
    B(""),
    B(" "),
    B("\n\t\r "),
    B("{} {}"),
    B("1 x"),
    B("\"a\" \"b\""),
    B("/* c */ 1"),
    B("// c\n1"),
    B("# c\n1"),
    B("\v1"),
    B("\f1"),
    B("1\v"),
    B("\xC2\xA0"
      "1"),
    B("\xE2\x80\xA8"
      "1"),
    B("\0"),
    B("1\0"),
    B("[1]\0"),
    B("\xEF\xBB\xBF"),
    B("\xEF\xBB\xBF\xEF\xBB\xBF"
      "1"),
    B("\xEF\xBB"),
    B("\x80"),
    B("\xFF"
      "1"),
    B("n"),
    B("t"),
    B("f"),
    B("-x"),
    B("\"\xED\xA0\x80\" x"),
};

typedef struct context {
    const char *pre, *post;
} context;

static const context contexts[] = {
    {"", ""},           {"[", "]"},      {"{\"k\":", "}"},
    {" \r\n\t", "\n "}, {"[1,", ",{}]"}, {"{\"a\":[{\"b\":", "}]}"},
};

static char *wrap(const context *c, const bytes *b, size_t *len)
{
    size_t pl = strlen(c->pre), sl = strlen(c->post);
    *len = pl + b->n + sl;
    char *buf = malloc(*len + 1);
    cr_assert_not_null(buf);
    memcpy(buf, c->pre, pl);
    memcpy(buf + pl, b->s, b->n);
    memcpy(buf + pl + b->n, c->post, sl);
    return buf;
}

/* Returns whether json_pos accepted buf; fails the test when it and jansson
 * disagree (modulo json_diff_nul_view) or build different values. */
static int check_against_jansson(const char *buf, size_t len, unsigned max_depth)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_DIFF_FLAGS, &je);
    char *view = json_diff_nul_view(buf, len);
    doc d;
    int rc = doc_parse(&d, view ? view : buf, len, max_depth);
    int nul_key = rc == 0 && !j && json_diff_only_nul_key(d.root, &je);
    cr_expect(nul_key || (rc == 0) == (j != NULL),
              "input '%s'%s: json_pos %s (%s), jansson %s (%s)", show(buf, len),
              view ? " (NUL after a token as a space)" : "", rc ? "rejects" : "accepts",
              rc ? d.err.message : "-", j ? "accepts" : "rejects", j ? "-" : je.text);
    if (rc == 0 && j) {
        const char *why = json_diff_same_value(d.root, j, view ? view : buf, (uint32_t)len);
        cr_expect_null(why, "input '%s': %s", show(buf, len), why);
    }
    if (rc) {
        cr_expect(rc == IAMG_EPARSE || rc == IAMG_ELIMIT, "input '%s': rc %d", show(buf, len), rc);
        cr_expect_gt(d.err.line, 0);
        cr_expect_gt(d.err.column, 0);
        cr_expect_gt(strlen(d.err.message), 0);
    }
    doc_free(&d);
    int accepted = rc == 0;
    if (view) {
        /* The real bytes are always refused. */
        cr_expect_neq(doc_parse(&d, buf, len, max_depth), 0, "input '%s'", show(buf, len));
        doc_free(&d);
        accepted = 0;
        free(view);
    }
    json_decref(j);
    return accepted;
}

Test(json_pos_jansson, nul_after_a_token_is_refused_though_jansson_skips_it)
{
    static const bytes skipped[] = {B("1\0"),     B("true\0"),          B("[null\0]"),
                                    B("[1\0,2]"), B("{\"a\":1.5e3\0}"), B("0\0")};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
        json_error_t je;
        json_t *j = json_loadb(skipped[i].s, skipped[i].n, JSON_DECODE_ANY, &je);
        cr_expect_not_null(j, "jansson no longer skips the NUL in '%s'",
                           show(skipped[i].s, skipped[i].n));
        json_decref(j);
        doc d;
        cr_expect_eq(doc_parse(&d, skipped[i].s, skipped[i].n, 1000), IAMG_EPARSE);
        cr_expect(strstr(d.err.message, "byte 0x00") != NULL, "%s", d.err.message);
        doc_free(&d);
    }
    EXPECT_ERROR("{\"a\":\n  12\0}", IAMG_EPARSE, 2, 5, "found byte 0x00");
}

Test(json_pos_jansson, hand_written_corpus_in_every_context)
{
    size_t total = 0, accepted = 0;
    for (size_t c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
        for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
            size_t len;
            char *buf = wrap(&contexts[c], &atoms[i], &len);
            accepted += (size_t)check_against_jansson(buf, len, JSON_PARSER_MAX_DEPTH);
            total++;
            free(buf);
        }
    }
    /* Both outcomes are well represented. */
    cr_expect_gt(total, 1000);
    cr_expect_gt(accepted, total / 5);
    cr_expect_lt(accepted, total * 4 / 5);
}

static char *nested(const char *open, const char *close, size_t depth, size_t *len)
{
    size_t ol = strlen(open), cl = strlen(close);
    *len = depth * (ol + cl);
    char *buf = malloc(*len + 1);
    cr_assert_not_null(buf);
    for (size_t i = 0; i < depth; i++) {
        memcpy(buf + i * ol, open, ol);
        memcpy(buf + depth * ol + i * cl, close, cl);
    }
    return buf;
}

/* jansson stops at JSON_PARSER_MAX_DEPTH; with the same limit, so do we. */
Test(json_pos_jansson, depth_limit_matches_jansson)
{
    static const struct {
        const char *open, *close;
    } kinds[] = {{"[", "]"}, {"{\"a\":", "}"}, {"[{\"a\":", "}]"}};
    for (size_t k = 0; k < 3; k++) {
        for (size_t depth = JSON_PARSER_MAX_DEPTH - 2; depth <= JSON_PARSER_MAX_DEPTH + 2;
             depth++) {
            size_t len;
            size_t levels = k == 2 ? depth / 2 : depth;
            char *buf = nested(kinds[k].open, kinds[k].close, levels, &len);
            check_against_jansson(buf, len, JSON_PARSER_MAX_DEPTH);
            free(buf);
        }
    }
}

/* Deliberately not jansson's behaviour: a leading UTF-8 BOM is skipped. */
Test(json_pos_jansson, leading_bom_is_accepted_only_by_us)
{
    size_t checked = 0;
    for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
        size_t len = atoms[i].n + 3;
        char *buf = malloc(len);
        cr_assert_not_null(buf);
        memcpy(buf, "\xEF\xBB\xBF", 3);
        char *view = json_diff_nul_view(atoms[i].s, atoms[i].n);
        memcpy(buf + 3, view ? view : atoms[i].s, atoms[i].n);
        free(view);
        json_error_t je;
        json_t *with_bom = json_loadb(buf, len, JSON_DIFF_FLAGS, &je);
        cr_expect_null(with_bom, "jansson accepted a BOM: '%s'", show(buf, len));
        json_decref(with_bom);
        json_t *j = json_loadb(atoms[i].s, atoms[i].n, JSON_DIFF_FLAGS, &je);
        doc d;
        int rc = doc_parse(&d, buf, len, JSON_PARSER_MAX_DEPTH);
        int nul_key = rc == 0 && !j && json_diff_only_nul_key(d.root, &je);
        cr_expect(nul_key || (rc == 0) == (j != NULL), "input '%s'", show(buf, len));
        if (rc == 0 && j) {
            const char *why = json_diff_same_value(d.root, j, buf, (uint32_t)len);
            cr_expect_null(why, "input '%s': %s", show(buf, len), why);
            cr_expect_geq(d.root->start, 3);
            checked++;
        }
        json_decref(j);
        doc_free(&d);
        free(buf);
    }
    cr_expect_gt(checked, 50);
    /* Only one BOM, and only at the very start. */
    EXPECT_ERROR("\xEF\xBB\xBF", IAMG_EPARSE, 1, 1, "empty input");
    EXPECT_ERROR("\xEF\xBB\xBF\xEF\xBB\xBF{}", IAMG_EPARSE, 1, 1, "expected a value");
    EXPECT_ERROR(" \xEF\xBB\xBF{}", IAMG_EPARSE, 1, 2, "byte 0xEF");
}

/* --- random mutations ------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

static const char *const seeds[] = {
    ("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\","
     "\"Action\":[\"s3:GetObject\",\"s3:Put*\"],\"Resource\":\"arn:aws:s3:::b/*\","
     "\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":10},\"Bool\":{\"aws:SecureTransport\":"
     "true}}}]}"),
    ("{\n  \"a\": [1, -2.5e3, 0.125, true, false, null],\n  \"s\": \"caf\xC3\xA9 \\u00e9 "
     "\\ud83d\\ude00 \xF0\x9F\x98\x80 \\\" \\\\ \\/ \\t\"\r\n}\n"),
    "[[[{\"x\":[{},{\"y\":\"\"}]}]],\"\\u20ac\",9223372036854775807,-0,1E+2]",
    "\"just \\n a string\"",
    "{\"policy\":\"{\\\"Statement\\\":[{\\\"Action\\\":\\\"ssm:SendCommand\\\"}]}\"}",
};

static const char interesting[] = "{}[],:\" \t\r\n\\/0123456789-+.eEtrufalsn"
                                  "u\x00\x01\x1f\x7f\x80\xbf\xc0\xc3\xa9\xe2\xed\xa0\xef\xbb"
                                  "\xf0\x9f\xf4\xf5\xff";

static size_t mutate(char *buf, size_t len, size_t cap)
{
    switch (rnd(6)) {
    case 0: /* delete a byte */
        if (len) {
            size_t i = rnd((uint32_t)len);
            memmove(buf + i, buf + i + 1, len - i - 1);
            len--;
        }
        break;
    case 1: /* insert an interesting byte */
        if (len < cap) {
            size_t i = rnd((uint32_t)len + 1);
            memmove(buf + i + 1, buf + i, len - i);
            buf[i] = interesting[rnd(sizeof interesting - 1)];
            len++;
        }
        break;
    case 2: /* replace a byte */
        if (len) buf[rnd((uint32_t)len)] = interesting[rnd(sizeof interesting - 1)];
        break;
    case 3: /* random byte anywhere */
        if (len) buf[rnd((uint32_t)len)] = (char)rnd(256);
        break;
    case 4: /* duplicate a short run */
        if (len > 2) {
            size_t i = rnd((uint32_t)len - 1), n = 1 + rnd(8);
            if (i + n > len) n = len - i;
            if (len + n <= cap) {
                memmove(buf + i + n, buf + i, len - i);
                len += n;
            }
        }
        break;
    default: /* truncate */
        if (len) len = rnd((uint32_t)len);
        break;
    }
    return len;
}

Test(json_pos_jansson, random_mutations_agree)
{
    char buf[1024];
    size_t accepted = 0, total = 0;
    for (int iter = 0; iter < 40000; iter++) {
        const char *seed = seeds[rnd(sizeof seeds / sizeof seeds[0])];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        int rounds = 1 + (int)rnd(3);
        for (int r = 0; r < rounds; r++)
            len = mutate(buf, len, sizeof buf);
        accepted += (size_t)check_against_jansson(buf, len, JSON_PARSER_MAX_DEPTH);
        total++;
    }
    /* The mutations keep a fair share of documents valid. */
    cr_expect_gt(accepted, total / 20);
}

/* --- node positions --------------------------------------------------------- */

static const char policy_lf[] = "{\n"
                                "  \"Version\": \"2012-10-17\",\n"
                                "  \"Statement\": [\n"
                                "    {\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", 7]}\n"
                                "  ]\n"
                                "}";

static void expect_policy_spans(const char *buf, size_t len)
{
    doc d;
    cr_assert_eq(doc_parse(&d, buf, len, 1000), 0, "%s", d.err.message);
    expect_span(&d, "", "1:1-6:2");
    expect_span(&d, "key /Version", "2:3-2:12");
    expect_span(&d, "/Version", "2:14-2:26");
    expect_span(&d, "/Statement", "3:16-5:4");
    expect_span(&d, "/Statement/0", "4:5-4:55");
    expect_span(&d, "/Statement/0/Effect", "4:16-4:23");
    expect_span(&d, "/Statement/0/Action", "4:35-4:54");
    expect_span(&d, "/Statement/0/Action/0", "4:36-4:50");
    expect_span(&d, "/Statement/0/Action/1", "4:52-4:53");
    doc_free(&d);
}

static char *replace_lf(const char *s, const char *eol, size_t *len)
{
    size_t el = strlen(eol), n = 0;
    char *out = malloc(strlen(s) * el + 1);
    cr_assert_not_null(out);
    for (; *s; s++) {
        if (*s == '\n')
            memcpy(out + n, eol, el), n += el;
        else
            out[n++] = *s;
    }
    *len = n;
    return out;
}

Test(json_pos_positions, line_endings_lf_crlf_lone_cr)
{
    static const char *const eols[] = {"\n", "\r\n", "\r"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *buf = replace_lf(policy_lf, eols[i], &len);
        expect_policy_spans(buf, len);
        free(buf);
    }
}

Test(json_pos_positions, bom_is_not_part_of_line_one)
{
    size_t len;
    char *crlf = replace_lf(policy_lf, "\r\n", &len);
    char *buf = malloc(len + 3);
    cr_assert_not_null(buf);
    memcpy(buf, "\xEF\xBB\xBF", 3);
    memcpy(buf + 3, crlf, len);
    expect_policy_spans(buf, len + 3);
    doc d;
    cr_assert_eq(doc_parse(&d, buf, len + 3, 1000), 0);
    cr_expect_eq(d.root->start, 3);
    doc_free(&d);
    free(buf);
    free(crlf);
}

Test(json_pos_positions, minified_single_line)
{
    static const char m[] = "{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\"},"
                            "{\"Effect\":\"Allow\",\"Action\":[\"a\",\"b\"]}]}";
    doc d;
    cr_assert_eq(doc_parse(&d, m, sizeof m - 1, 1000), 0);
    expect_span(&d, "", "1:1-1:85");
    expect_span(&d, "/Statement/0/Action", "1:41-1:44");
    expect_span(&d, "/Statement/1", "1:46-1:83");
    expect_span(&d, "key /Statement/1/Action", "1:64-1:72");
    expect_span(&d, "/Statement/1/Action/1", "1:78-1:81");
    doc_free(&d);
}

Test(json_pos_positions, tab_is_one_column)
{
    static const char t[] = "{\n\t\"a\":\t[\t1,\t\"x\"\t]\n}";
    doc d;
    cr_assert_eq(doc_parse(&d, t, sizeof t - 1, 1000), 0);
    expect_span(&d, "key /a", "2:2-2:5");
    expect_span(&d, "/a", "2:7-2:17");
    expect_span(&d, "/a/0", "2:9-2:10");
    expect_span(&d, "/a/1", "2:12-2:15");
    doc_free(&d);
}

Test(json_pos_positions, utf16_columns)
{
    /* e-acute is 2 bytes and 1 column; U+1F600 is 4 bytes and 2 columns;
     * U+6F22 is 3 bytes and 1 column. */
    static const char u[] = "{\"\xC3\xA9\": \"\xF0\x9F\x98\x80\", \"b\": [\"\xE6\xBC\xA2\", 1]}";
    doc d;
    cr_assert_eq(doc_parse(&d, u, sizeof u - 1, 1000), 0);
    expect_span(&d, "key /\xC3\xA9", "1:2-1:5");
    expect_span(&d, "/\xC3\xA9", "1:7-1:11");
    expect_span(&d, "key /b", "1:13-1:16");
    expect_span(&d, "/b", "1:18-1:26");
    expect_span(&d, "/b/0", "1:19-1:22");
    expect_span(&d, "/b/1", "1:24-1:25");
    doc_free(&d);
}

Test(json_pos_positions, escapes_count_as_written)
{
    static const char e[] = "[\"\\u00e9\\ud83d\\ude00\", 2]";
    doc d;
    cr_assert_eq(doc_parse(&d, e, sizeof e - 1, 1000), 0);
    expect_span(&d, "/0", "1:2-1:22");
    expect_span(&d, "/1", "1:24-1:25");
    cr_expect_str_eq(d.root->u.items[0].u.s, "\xC3\xA9\xF0\x9F\x98\x80");
    doc_free(&d);
}

Test(json_pos_positions, index_agrees_with_scan_at_every_offset)
{
    static const char mixed[] =
        "\xEF\xBB\xBF{\"a\":\r\n [1,\r2,\n\"\xC3\xA9\xF0\x9F\x98\x80\"\t],\r\n\r\n"
        "\"b\" : \"x\xE6\xBC\xA2y\"}\r";
    tsource s;
    arena a;
    ig_arena_init(&a);
    ig_tsource_init_file(&s, "m.json", mixed, sizeof mixed - 1);
    cr_assert_eq(ig_tsource_index(&s, &a), 0);
    cr_expect_eq(s.nlines, 7);
    for (uint32_t off = 0; off <= s.len; off++) {
        srcpos p = ig_tsource_pos(&s, off), q = ig_srcpos_scan(mixed, s.len, off);
        cr_expect(p.line == q.line && p.col == q.col && p.off == off && q.off == off,
                  "offset %u: index %u:%u, scan %u:%u", off, p.line, p.col, q.line, q.col);
    }
    /* The offset just after the final lone CR is on line 7, column 1. */
    srcpos end = ig_tsource_pos(&s, s.len);
    cr_expect(end.line == 7 && end.col == 1, "end at %u:%u", end.line, end.col);
    ig_arena_free(&a);
}

Test(json_pos_positions, tsource_line_strips_terminators_and_bom)
{
    static const char t[] = "\xEF\xBB\xBF"
                            "ab\r\ncd\re\n\nf";
    tsource s;
    arena a;
    ig_arena_init(&a);
    ig_tsource_init_file(&s, "t", t, sizeof t - 1);
    cr_assert_eq(ig_tsource_index(&s, &a), 0);
    static const char *const want[] = {"ab", "cd", "e", "", "f"};
    cr_assert_eq(s.nlines, 5);
    for (uint32_t l = 1; l <= 5; l++) {
        const char *text;
        uint32_t n;
        ig_tsource_line(&s, l, &text, &n);
        cr_expect(n == strlen(want[l - 1]) && memcmp(text, want[l - 1], n) == 0, "line %u", l);
    }
    const char *text;
    uint32_t n;
    ig_tsource_line(&s, 6, &text, &n);
    cr_expect_eq(n, 0);
    ig_arena_free(&a);
}

Test(json_pos_positions, ill_formed_utf8_counts_one_column_per_byte)
{
    static const struct {
        const char *s;
        uint32_t units;
    } cases[] = {
        {"a\xC3\xA9", 2},
        {"\xF0\x9F\x98\x80", 2},
        {"\xC3", 1},
        {"\xE2\x82", 2},
        {"\xC0\x80", 2},
        {"\xE0\x80\x80", 3},
        {"\xED\xA0\x80", 3},
        {"\xF0\x80\x80\x80", 4},
        {"\xF4\x90\x80\x80", 4},
        {"\xF5\x80\x80\x80", 4},
        {"\xF8\x88\x80\x80\x80", 5},
        {"\xFF\xFE", 2},
        {"\x80\xBF", 2},
        {"\xE2\x82\xAC\x80", 2},
        {"\xEF\xBB\xBF", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s);
        cr_expect_eq(ig_utf16_units(cases[i].s, n), cases[i].units, "'%s'", show(cases[i].s, n));
    }
}

/* --- error positions and messages ------------------------------------------- */

Test(json_pos_errors, missing_comma_points_at_the_next_member)
{
    EXPECT_ERROR("{\n  \"a\": [1, 2]\n    \"b\": 3\n}", IAMG_EPARSE, 3, 5,
                 "expected ',' or '}' after object member, found '\"'");
    EXPECT_ERROR("[1,\n 2\n 3]", IAMG_EPARSE, 3, 2, "expected ',' or ']' after array element");
    EXPECT_ERROR("{\r\n\"a\":1\r\n\"b\":2}", IAMG_EPARSE, 3, 1, "expected ',' or '}'");
    EXPECT_ERROR("{\r\"a\":1\r\"b\":2}", IAMG_EPARSE, 3, 1, "expected ',' or '}'");
    EXPECT_ERROR("\xEF\xBB\xBF[1 2]", IAMG_EPARSE, 1, 4, "found '2'");
    EXPECT_ERROR("[\"\xC3\xA9\xF0\x9F\x98\x80\" x]", IAMG_EPARSE, 1, 8, "found 'x'");
}

Test(json_pos_errors, structure)
{
    EXPECT_ERROR("\t[1,]", IAMG_EPARSE, 1, 5, "trailing comma before ']'");
    EXPECT_ERROR("{\"a\":1,\n}", IAMG_EPARSE, 2, 1, "trailing comma before '}'");
    EXPECT_ERROR("{\"a\" 1}", IAMG_EPARSE, 1, 6, "expected ':' after object key, found '1'");
    EXPECT_ERROR("{a:1}", IAMG_EPARSE, 1, 2, "expected a string object key, found 'a'");
    EXPECT_ERROR("[1,\n", IAMG_EPARSE, 2, 1, "unexpected end of input: expected a value");
    EXPECT_ERROR("{\"a\":1", IAMG_EPARSE, 1, 7, "found end of input");
    EXPECT_ERROR("{}\n}", IAMG_EPARSE, 2, 1, "unexpected '}' after the JSON value");
    EXPECT_ERROR("[tru]", IAMG_EPARSE, 1, 2, "invalid literal");
    EXPECT_ERROR("[\x01]", IAMG_EPARSE, 1, 2, "expected a value, found byte 0x01");
    EXPECT_ERROR("", IAMG_EPARSE, 1, 1, "empty input: expected a JSON value");
    EXPECT_ERROR("  \n ", IAMG_EPARSE, 2, 2, "empty input");
}

Test(json_pos_errors, strings)
{
    EXPECT_ERROR("[\"a\tb\"]", IAMG_EPARSE, 1, 4, "control character U+0009");
    EXPECT_ERROR("\n  \"\\x\"", IAMG_EPARSE, 2, 4, "invalid escape '\\'x''");
    EXPECT_ERROR("\"\\ud800\"", IAMG_EPARSE, 1, 2, "high surrogate without low surrogate");
    EXPECT_ERROR("\"ab\\udc00\"", IAMG_EPARSE, 1, 4, "lone low surrogate");
    EXPECT_ERROR("\"\\u00G0\"", IAMG_EPARSE, 1, 2, "expected 4 hex digits");
    EXPECT_ERROR("[\n\"abc", IAMG_EPARSE, 2, 1, "unterminated string");
    EXPECT_ERROR("\"\xC3\xA9\xC3(\"", IAMG_EPARSE, 1, 3, "invalid UTF-8 byte 0xC3 in string");
    EXPECT_ERROR("\"\xED\xA0\x80\"", IAMG_EPARSE, 1, 2, "invalid UTF-8 byte 0xED");
}

Test(json_pos_errors, numbers)
{
    EXPECT_ERROR("[01]", IAMG_EPARSE, 1, 2, "leading zeros are not allowed");
    EXPECT_ERROR("[1.]", IAMG_EPARSE, 1, 4, "expected a digit after '.'");
    EXPECT_ERROR("1e+", IAMG_EPARSE, 1, 4, "expected a digit in the exponent");
    EXPECT_ERROR("-", IAMG_EPARSE, 1, 1, "expected a digit");
    EXPECT_ERROR("{\"n\": 9223372036854775808}", IAMG_EPARSE, 1, 7, "must fit in 64 bits");
    EXPECT_ERROR("[0, -1e309]", IAMG_EPARSE, 1, 5, "exceeds the largest double");
}

/* --- depth limit ------------------------------------------------------------ */

Test(json_pos_depth, hundred_thousand_brackets_hit_the_limit)
{
    size_t n = 100000;
    char *buf = malloc(n);
    cr_assert_not_null(buf);
    memset(buf, '[', n);
    doc d;
    cr_expect_eq(doc_parse(&d, buf, n, 1000), IAMG_ELIMIT);
    cr_expect_null(d.root);
    cr_expect_eq(d.err.code, IAMG_ELIMIT);
    cr_expect_eq(d.err.line, 1);
    cr_expect_eq(d.err.column, 1001, "the bracket past the limit");
    cr_expect(strstr(d.err.message, "1000") && strstr(d.err.message, "max_depth"), "%s",
              d.err.message);
    doc_free(&d);
    free(buf);
}

Test(json_pos_depth, at_the_limit_parses)
{
    size_t len;
    char *buf = nested("[", "]", 1000, &len);
    doc d;
    cr_assert_eq(doc_parse(&d, buf, len, 1000), 0, "%s", d.err.message);
    const tnode *n = d.root;
    size_t depth = 1;
    while (n->n) {
        cr_assert_eq(n->type, TN_ARRAY);
        cr_assert_eq(n->n, 1);
        n = &n->u.items[0];
        depth++;
    }
    cr_expect_eq(depth, 1000);
    cr_expect_eq(n->start, 999);
    cr_expect_eq(n->end, 1001);
    doc_free(&d);
    cr_expect_eq(doc_parse(&d, buf, len, 999), IAMG_ELIMIT);
    doc_free(&d);
    free(buf);

    char *obj = nested("{\"k\":", "}", 1000, &len);
    cr_expect_eq(doc_parse(&d, obj, len, 1000), IAMG_EPARSE, "innermost {\"k\": lacks a value");
    doc_free(&d);
    free(obj);
    /* 999 objects around an empty one. */
    char *ok = nested("{\"k\":", "}", 999, &len);
    char *full = malloc(len + 2);
    cr_assert_not_null(full);
    memcpy(full, ok, 999 * 5);
    memcpy(full + 999 * 5, "{}", 2);
    memcpy(full + 999 * 5 + 2, ok + 999 * 5, 999);
    cr_expect_eq(doc_parse(&d, full, len + 2, 1000), 0, "%s", d.err.message);
    doc_free(&d);
    cr_expect_eq(doc_parse(&d, full, len + 2, 999), IAMG_ELIMIT);
    doc_free(&d);
    free(ok);
    free(full);
}

/* --- JSON inside a JSON string ---------------------------------------------- */

typedef struct inner_doc {
    doc outer;
    tsource inner;
    const tnode *root;
    iamg_error err;
    int rc;
} inner_doc;

/* Parse outer, then the string at `ptr` as a document of its own. */
static void parse_inner(inner_doc *x, const char *buf, size_t len, const char *ptr)
{
    cr_assert_eq(doc_parse(&x->outer, buf, len, 1000), 0, "%s", x->outer.err.message);
    cr_assert_eq(ig_tsource_index(&x->outer.src, &x->outer.a), 0);
    const tnode *str = resolve(x->outer.root, ptr, 0);
    cr_assert(ig_tnode_is(str, TN_STRING));
    uint32_t *map = ig_json_string_map(&x->outer.src, str, &x->outer.a);
    cr_assert_not_null(map);
    /* The last entry is the closing quote; each one points into the string. */
    cr_expect_eq(map[str->n], str->end - 1);
    for (uint32_t i = 0; i < str->n; i++)
        cr_expect(map[i] > str->start && map[i] < str->end - 1 && (i == 0 || map[i] >= map[i - 1]),
                  "map[%u] = %u", i, map[i]);
    /* As the loader keeps it: packed, every entry the same. */
    cr_assert_eq(
        ig_tsource_init_packed(&x->inner, &x->outer.src, str->u.s, str->n, map, &x->outer.a), 0);
    for (uint32_t i = 0; i <= str->n; i++)
        cr_expect_eq(ig_tsource_file_offset(&x->inner, i), map[i], "packed map[%u]", i);
    memset(&x->err, 0, sizeof x->err);
    x->rc = ig_json_pos_parse(&x->inner, &x->outer.a, 1000, &x->root, &x->err);
}

static void expect_inner_span(inner_doc *x, const char *ptr, const char *want)
{
    int key = strncmp(ptr, "key ", 4) == 0;
    const tnode *n = resolve(x->root, key ? ptr + 4 : ptr, key);
    cr_assert_not_null(n, "no inner node at '%s'", ptr);
    char got[64];
    span_str(&x->inner, n, got, sizeof got);
    cr_expect_str_eq(got, want, "inner span of '%s'", ptr);
    /* Same answer as scanning the outer file at the mapped offset. */
    uint32_t off = ig_tsource_file_offset(&x->inner, n->start);
    srcpos a = ig_tsource_pos(&x->inner, n->start),
           b = ig_srcpos_scan(x->outer.src.data, x->outer.src.len, off);
    cr_expect(a.line == b.line && a.col == b.col && a.off == off);
}

Test(ig_json_string_map, escaped_policy_in_a_string)
{
    static const char o[] =
        "{\n"
        "  \"Type\": \"AWS::IAM::Policy\",\n"
        "  \"policy\": \"{\\\"Statement\\\":[{\\\"Action\\\":\\\"ssm:SendCommand\\\"}]}\"\n"
        "}\n";
    inner_doc x;
    parse_inner(&x, o, sizeof o - 1, "/policy");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    cr_expect_str_eq(ig_tnode_str(resolve(x.root, "/Statement/0/Action", 0)), "ssm:SendCommand");
    expect_inner_span(&x, "", "3:14-3:64");
    expect_inner_span(&x, "/Statement", "3:29-3:63");
    /* The escaped opening quote of "ssm:SendCommand" is at column 42. */
    expect_inner_span(&x, "/Statement/0/Action", "3:42-3:61");
    expect_inner_span(&x, "key /Statement/0/Action", "3:31-3:41");
    doc_free(&x.outer);
}

Test(ig_json_string_map, crlf_escapes_and_unicode_escapes_in_a_crlf_file)
{
    /* A Terraform-plan-like file with CRLF line ends, whose policy string has
     * escaped CRLFs (inner lines) and a \u00e9 escape (6 bytes -> 2). */
    static const char o[] =
        "{\r\n"
        "  \"resource_changes\": [{\"change\": {\"after\": {\"policy\": \"{\\r\\n  \\\"Sid\\\": "
        "\\\"caf\\u00e9\\\",\\r\\n  \\\"Statement\\\": [{\\\"Action\\\": \\\"ssm:SendCommand\\\", "
        "\\\"Resource\\\": \\\"*\\\"}]\\r\\n}\"}}}]\r\n"
        "}\r\n";
    inner_doc x;
    parse_inner(&x, o, sizeof o - 1, "/resource_changes/0/change/after/policy");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    cr_expect_str_eq(ig_tnode_str(resolve(x.root, "/Sid", 0)), "caf\xC3\xA9");
    /* Inner line 2 and 3, but all on line 2 of the file. */
    expect_inner_span(&x, "/Sid", "2:73-2:86");
    expect_inner_span(&x, "key /Statement", "2:93-2:106");
    expect_inner_span(&x, "/Statement/0/Action", "2:122-2:141");
    expect_inner_span(&x, "/Statement/0/Resource", "2:157-2:162");
    doc_free(&x.outer);
}

Test(ig_json_string_map, raw_multibyte_and_surrogate_escapes)
{
    static const char o[] =
        "{\"p\": \"{\\\"k\\\": \\\"\xC3\xA9\\\", \\\"s\\\": \\\"\\ud83d\\ude00\\\", "
        "\\\"a\\\": \\\"x\\\"}\"}";
    inner_doc x;
    parse_inner(&x, o, sizeof o - 1, "/p");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    cr_expect_str_eq(ig_tnode_str(resolve(x.root, "/s", 0)), "\xF0\x9F\x98\x80");
    expect_inner_span(&x, "/k", "1:16-1:21");
    expect_inner_span(&x, "/s", "1:30-1:46");
    expect_inner_span(&x, "/a", "1:55-1:60");
    doc_free(&x.outer);
}

/* "\u0000" is valid JSON: the decoded string holds a NUL byte, counted in
 * its length, and positions stay those of the escapes as written. */
Test(json_pos_positions, nul_escapes_are_read)
{
    static const char o[] = "[\"a\\u0000b\", {\"k\\u0000\": \"\\u0000\"}]";
    doc d;
    cr_assert_eq(doc_parse(&d, o, sizeof o - 1, 1000), 0, "%s", d.err.message);
    cr_assert_eq(ig_tsource_index((tsource *)ig_tsource_file(&d.src), &d.a), 0);
    const tnode *a = &d.root->u.items[0];
    cr_assert_eq(a->n, 3);
    cr_expect_eq(memcmp(a->u.s, "a\0b", 4), 0);
    const tmember *m = &d.root->u.items[1].u.members[0];
    cr_expect_eq(m->key.n, 2);
    cr_expect_eq(memcmp(m->key.u.s, "k\0", 3), 0);
    cr_expect_eq(m->value.n, 1);
    cr_expect_eq(m->value.u.s[0], '\0');
    char got[64];
    span_str(&d.src, a, got, sizeof got);
    cr_expect_str_eq(got, "1:2-1:12");
    span_str(&d.src, &m->key, got, sizeof got);
    cr_expect_str_eq(got, "1:15-1:24");
    span_str(&d.src, &m->value, got, sizeof got);
    cr_expect_str_eq(got, "1:26-1:34");
    doc_free(&d);
}

Test(ig_json_string_map, nul_escape_inside_a_policy_string)
{
    /* The outer string holds an escaped "\u0000" escape: the inner document
     * reads a NUL byte, at the position of the escape in the file. */
    static const char o[] = "{\"p\": \"{\\\"a\\\": \\\"x\\\\u0000y\\\", \\\"b\\\": 1}\"}";
    inner_doc x;
    parse_inner(&x, o, sizeof o - 1, "/p");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    const tnode *a = resolve(x.root, "/a", 0);
    cr_assert_not_null(a);
    cr_expect_eq(a->n, 3);
    cr_expect_eq(memcmp(a->u.s, "x\0y", 4), 0);
    expect_inner_span(&x, "/a", "1:16-1:29");
    expect_inner_span(&x, "/b", "1:38-1:39");
    doc_free(&x.outer);
    /* A plain "\u0000" in the outer string is a raw NUL in the inner text: a
     * control character outside any inner string, reported where it is. */
    static const char raw[] = "{\"p\": \"{\\\"a\\\":\\u0000 1}\"}";
    parse_inner(&x, raw, sizeof raw - 1, "/p");
    cr_expect_eq(x.rc, IAMG_EPARSE);
    cr_expect_eq(x.err.line, 1);
    cr_expect_eq(x.err.column, 15, "%s", x.err.message);
    doc_free(&x.outer);
}

Test(ig_json_string_map, inner_syntax_error_is_reported_in_the_outer_file)
{
    static const char o[] = "\n{\"p\": \"{\\\"Action\\\" \\\"x\\\"}\"}";
    inner_doc x;
    parse_inner(&x, o, sizeof o - 1, "/p");
    cr_expect_eq(x.rc, IAMG_EPARSE);
    cr_expect_null(x.root);
    cr_expect_eq(x.err.line, 2);
    cr_expect_eq(x.err.column, 20);
    cr_expect(strstr(x.err.message, "expected ':' after object key") != NULL, "%s", x.err.message);
    cr_expect_str_eq(x.err.path, "policy.json");
    doc_free(&x.outer);
}

Test(ig_json_string_map, plain_string_maps_byte_for_byte)
{
    static const char o[] = "[\"ab\xC3\xA9\"]";
    doc d;
    cr_assert_eq(doc_parse(&d, o, sizeof o - 1, 1000), 0);
    const tnode *s = &d.root->u.items[0];
    uint32_t *map = ig_json_string_map(&d.src, s, &d.a);
    cr_assert_not_null(map);
    static const uint32_t want[] = {2, 3, 4, 5, 6};
    for (uint32_t i = 0; i <= s->n; i++)
        cr_expect_eq(map[i], want[i], "map[%u]", i);
    doc_free(&d);
}

/* Packed maps give back every entry: steps of 0 to 14 in place, blocks with
 * a longer step or a step back kept whole, lengths around block edges. */
Test(ig_tsource_init_packed, every_entry_of_random_maps)
{
    static const char text[] = "x";
    tsource parent, inner;
    ig_tsource_init_file(&parent, "p.json", text, 1);
    static const uint32_t lens[] = {0, 1, 2, 62, 63, 64, 65, 127, 128, 129, 1000, 5000};
    uint64_t seed = 12345;
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        for (int kind = 0; kind < 4; kind++) {
            uint32_t n = lens[li];
            uint32_t *map = malloc(((size_t)n + 1) * sizeof *map);
            cr_assert_not_null(map);
            uint32_t v = 1000;
            for (uint32_t i = 0; i <= n; i++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                uint32_t r = (uint32_t)(seed >> 33);
                /* 0: only 1s; 1: JSON escapes; 2: some long steps; 3: some steps back */
                uint32_t step = kind == 0 ? 1 : r % 7 == 0 ? (r >> 8) % 13 : 1;
                if (kind == 2 && r % 97 == 0) step = 15 + (r >> 4) % 1000;
                if (kind == 3 && r % 89 == 0 && v > 50) v -= 40;
                v += i ? step : 0;
                map[i] = v;
            }
            arena a;
            ig_arena_init(&a);
            cr_assert_eq(ig_tsource_init_packed(&inner, &parent, text, n, map, &a), 0);
            for (uint32_t i = 0; i <= n; i++)
                cr_assert_eq(ig_tsource_file_offset(&inner, i), map[i], "len %u kind %d entry %u",
                             n, kind, i);
            /* Past the end: the last entry, as with a whole map. */
            cr_expect_eq(ig_tsource_file_offset(&inner, n + 5), map[n]);
            ig_arena_free(&a);
            free(map);
        }
    }
}

/* --- data-driven cases ------------------------------------------------------ */

static size_t run_case(const char *dir, const char *name)
{
    char path[1024];
    size_t len, elen;
    snprintf(path, sizeof path, "%s/%s/input.json", dir, name);
    char *input = slurp(path, &len);
    cr_assert_not_null(input, "%s: cannot read", path);
    snprintf(path, sizeof path, "%s/%s/expected.txt", dir, name);
    char *expected = slurp(path, &elen);
    cr_assert_not_null(expected, "%s: cannot read", path);

    doc d;
    cr_assert_eq(doc_parse(&d, input, len, 1000), 0, "%s: %u:%u: %s", name, d.err.line,
                 d.err.column, d.err.message);
    cr_assert_eq(ig_tsource_index(&d.src, &d.a), 0);
    size_t checked = 0, lineno = 0;
    for (char *line = expected, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        if (*line == '\0' || *line == '#') continue;
        char *sp = strrchr(line, ' ');
        cr_assert_not_null(sp, "%s/expected.txt:%zu: no span", name, lineno);
        *sp = '\0';
        const char *ptr = line, *want = sp + 1;
        int key = strncmp(ptr, "key ", 4) == 0;
        const tnode *n = resolve(d.root, key ? ptr + 4 : ptr, key);
        cr_expect_not_null(n, "%s/expected.txt:%zu: no node at '%s'", name, lineno, ptr);
        if (!n) continue;
        char got[64];
        span_str(&d.src, n, got, sizeof got);
        cr_expect_str_eq(got, want, "%s/expected.txt:%zu: %s", name, lineno, ptr);
        checked++;
    }
    cr_expect_gt(checked, 0, "%s: no checks", name);
    doc_free(&d);
    free(input);
    free(expected);
    return checked;
}

Test(json_pos_cases, every_position_case)
{
    const char *dir = IAMG_SOURCE_DIR "/tests/cases/positions";
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    cr_assert_geq(n, 0, "cannot list %s", dir);
    size_t cases = 0, checks = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/input.json", dir, name);
        FILE *probe = name[0] != '.' ? fopen(path, "rb") : NULL;
        if (probe) {
            fclose(probe);
            checks += run_case(dir, name);
            cases++;
        }
        free(ents[i]);
    }
    free(ents);
    cr_expect_geq(cases, 8);
    cr_expect_gt(checks, 100);
}

/* Lines longer than SRCPOS_LONG_LINE are resolved from UTF-16 checkpoints:
 * every position, column and line must equal what decoding from the line
 * start gives, wherever a checkpoint falls (inside a character, on an
 * ill-formed byte, next to a line break). */
static char *lines_text(uint32_t *len, uint32_t breaks_in_3000)
{
    static const char *const pieces[] = {
        "a",
        "\t",
        "\xC3\xA9",
        "\xE6\xBC\xA2",
        "\xF0\x9F\x98\x80",
        "\xF0\x9D\x92\xB3",
        "\xFF",
        "\xE2\x82",
        "\xC3",
        "\x80",
        "\"",
        "\r\n",
        "\r",
        "\n",
    };
    char *t = malloc(17000);
    cr_assert_not_null(t);
    uint32_t n = 0, seed = 12345;
    memcpy(t, "\xEF\xBB\xBF", 3);
    n = 3;
    while (n < 16000) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = (seed >> 16) % 3000;
        size_t k = r < breaks_in_3000 ? 11 + r % 3 : r % 11;
        size_t pl = strlen(pieces[k]);
        memcpy(t + n, pieces[k], pl);
        n += (uint32_t)pl;
    }
    *len = n;
    return t;
}

static void agree_with_scan(uint32_t breaks_in_3000, int want_marks)
{
    uint32_t n;
    char *t = lines_text(&n, breaks_in_3000);
    tsource s;
    arena a;
    ig_arena_init(&a);
    ig_tsource_init_file(&s, "long.json", t, n);
    cr_assert_eq(ig_tsource_index(&s, &a), 0);
    if (want_marks) cr_assert_not_null(s.marks, "a line of several KB gets checkpoints");
    cr_assert_gt(s.nlines, 3);
    unsigned bad = 0;
    /* The reference counts from the line start, as ig_srcpos_scan does. */
    uint32_t line = 1, ls = 3;
    for (uint32_t off = 0; off <= n && bad < 10; off++) {
        if (off > 0 &&
            (t[off - 1] == '\n' || (t[off - 1] == '\r' && (off == n || t[off] != '\n')))) {
            line++;
            ls = off;
        }
        srcpos q = {line, off < ls ? 1 : ig_utf16_units(t + ls, off - ls) + 1, off};
        srcpos p = ig_tsource_pos(&s, off);
        if (p.line != q.line || p.col != q.col) {
            cr_expect_fail("offset %u: index %u:%u, scan %u:%u", off, p.line, p.col, q.line, q.col);
            bad++;
        }
    }
    cr_expect_eq(line, s.nlines);
    for (line = 1; line <= s.nlines && bad < 10; line++) {
        const char *text;
        uint32_t len;
        ig_tsource_line(&s, line, &text, &len);
        ls = (uint32_t)(text - t);
        srcpos at = ig_tsource_pos(&s, ls);
        cr_expect(at.line == line && at.col == 1, "line %u starts at %u:%u", line, at.line, at.col);
        cr_expect(line == 1 ? ls == 3 : (t[ls - 1] == '\n' || t[ls - 1] == '\r'), "line %u", line);
        cr_expect(len == 0 || (text[len - 1] != '\n' && text[len - 1] != '\r'), "line %u", line);
        cr_expect(ls + len == n || t[ls + len] == '\n' || t[ls + len] == '\r', "line %u", line);
        uint32_t units = ig_utf16_units(text, len);
        for (uint32_t col = 1; col <= units + 3 && bad < 10; col++) {
            uint32_t got = ig_tsource_col_offset(&s, line, col);
            uint32_t want = ls + (uint32_t)ig_utf8_bytes_for_utf16(text, len, col - 1);
            if (got != want) {
                cr_expect_fail("line %u col %u: offset %u, want %u", line, col, got, want);
                bad++;
            }
        }
    }
    cr_expect_eq(ig_tsource_col_offset(&s, s.nlines + 1, 1), 0);
    ig_arena_free(&a);
    free(t);
}

/* Line breaks are rare: most lines are a few KB long. */
Test(json_pos_positions, long_lines_agree_with_scan_at_every_offset)
{
    agree_with_scan(3, 1);
}

/* Lines of a few bytes to a few hundred, LF, CRLF and lone CR: the line
 * index keeps a point every SRCPOS_GAP bytes only. */
Test(json_pos_positions, short_lines_agree_with_scan_at_every_offset)
{
    agree_with_scan(300, 0);
}

Test(json_pos_positions, short_lines_need_no_checkpoints)
{
    static const char t[] = "{\n  \"a\": \"\xF0\x9F\x98\x80\"\n}\n";
    tsource s;
    arena a;
    ig_arena_init(&a);
    ig_tsource_init_file(&s, "t", t, sizeof t - 1);
    cr_assert_eq(ig_tsource_index(&s, &a), 0);
    cr_expect_null(s.marks);
    /* The emoji is columns 9-10: a column inside it gives the offset after it. */
    cr_expect_eq(ig_tsource_col_offset(&s, 2, 9), 10);
    cr_expect_eq(ig_tsource_col_offset(&s, 2, 10), 14);
    cr_expect_eq(ig_tsource_col_offset(&s, 2, 11), 14);
    ig_arena_free(&a);
}
