/*
 * Tests for util/escape.c and iamg_escape: untrusted text printed where a
 * terminal or a CI log reads it shows what it holds, and nothing in it can
 * start a line, move the cursor, reorder the text or start a GitHub Actions
 * workflow command. tests/cli/test_safety.sh checks the text report and
 * stderr end to end.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "iamguard/iamguard.h"
#include "util/escape.h"

static char *esc(const char *s, unsigned flags)
{
    size_t n = iamg_escape(NULL, 0, s, flags);
    char *out = malloc(n + 1);
    cr_assert_not_null(out);
    cr_assert_eq(iamg_escape(out, n + 1, s, flags), n);
    /* The library's own path gives the same text. */
    buf b = BUF_INIT;
    ig_escape_buf(&b, s, strlen(s), flags);
    cr_assert(!b.oom);
    cr_expect_eq(b.len, n);
    cr_expect(b.len == 0 || memcmp(b.data, out, n) == 0, "%s vs %.*s", out, (int)b.len, b.data);
    ig_buf_free(&b);
    return out;
}

static void expect_esc(const char *in, unsigned flags, const char *want)
{
    char *got = esc(in, flags);
    cr_expect_str_eq(got, want);
    free(got);
}

Test(escape, plain_text_is_unchanged)
{
    expect_esc("", 0, "");
    expect_esc("policies/ci-deploy-role.json", 0, "policies/ci-deploy-role.json");
    expect_esc("r\xC3\xB4le \xE2\x9C\x93 \xF0\x9F\x94\x92 a\\nb", 0,
               "r\xC3\xB4le \xE2\x9C\x93 \xF0\x9F\x94\x92 a\\nb");
    expect_esc("a::b", IAMG_ESCAPE_LINE_START, "a::b");
}

Test(escape, control_characters)
{
    expect_esc("a\nb\rc\td", 0, "a\\nb\\rc\\td");
    expect_esc("\x1b]0;pwned\x07", 0, "\\x1b]0;pwned\\x07");
    expect_esc("\x1b[2J\x7f\x01", 0, "\\x1b[2J\\x7f\\x01");
    expect_esc("x\xC2\x85y\xC2\x9B", 0, "x\\u0085y\\u009b"); /* NEL and CSI (C1) */
}

Test(escape, bidi_and_line_separators)
{
    const char *in[] = {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD",
                        "\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8",
                        "\xE2\x81\xA9", "\xE2\x80\x8E", "\xE2\x80\x8F", "\xD8\x9C",
                        "\xE2\x80\xA8", "\xE2\x80\xA9"};
    const char *want[] = {"\\u202a", "\\u202b", "\\u202c", "\\u202d", "\\u202e",
                          "\\u2066", "\\u2067", "\\u2068", "\\u2069", "\\u200e",
                          "\\u200f", "\\u061c", "\\u2028", "\\u2029"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        expect_esc(in[i], 0, want[i]);
    /* Neighbours that are ordinary characters stay. */
    expect_esc("\xE2\x80\x90\xE2\x81\xA5", 0, "\xE2\x80\x90\xE2\x81\xA5");
}

Test(escape, ill_formed_utf8)
{
    expect_esc("a\xFF"
               "b\xC3",
               0, "a\\xffb\\xc3");
    expect_esc("\xED\xA0\x80", 0, "\\xed\\xa0\\x80"); /* a surrogate */
    expect_esc("\xC0\xAF", 0, "\\xc0\\xaf");          /* overlong */
}

Test(escape, workflow_commands)
{
    /* The file name that forged an annotation: no newline, no line start. */
    expect_esc("evil\n::error file=x::forged.json", IAMG_ESCAPE_LINE_START,
               "evil\\n::error file=x::forged.json");
    expect_esc("::error file=x::forged.json", IAMG_ESCAPE_LINE_START,
               "\\x3a:error file=x::forged.json");
    expect_esc(":x", IAMG_ESCAPE_LINE_START, "\\x3ax");
    expect_esc("::error", 0, "::error"); /* inside a line it starts nothing */
    /* Documentation keeps its lines, and no line of it can be a command. */
    expect_esc("Why:\n::warning::x\n  fine\n\x1b[31m", IAMG_ESCAPE_KEEP_NEWLINES,
               "Why:\n\\x3a:warning::x\n  fine\n\\x1b[31m");
    expect_esc("a\tb", IAMG_ESCAPE_KEEP_TABS, "a\tb");
}

Test(escape, bounded_output)
{
    char out[8];
    /* Whole characters only, like snprintf otherwise. */
    cr_expect_eq(iamg_escape(out, sizeof out,
                             "ab\x1b"
                             "cdef",
                             0),
                 10);
    cr_expect_str_eq(out, "ab\\x1bc");
    cr_expect_eq(iamg_escape(out, 6,
                             "ab\x1b"
                             "cdef",
                             0),
                 10);
    cr_expect_str_eq(out, "ab", "an escape that does not fit is left out whole");
    cr_expect_eq(iamg_escape(out, 1, "abc", 0), 3);
    cr_expect_str_eq(out, "");
    cr_expect_eq(iamg_escape(NULL, 0, "\xE2\x80\xAE", 0), 6);
    cr_expect_eq(iamg_escape(out, sizeof out, NULL, 0), 0);
    cr_expect_str_eq(out, "");
}

/* Every string the text report prints from input is escaped. */
Test(escape, text_report)
{
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0, "%s", err.message);
    const char *t = "{\"Resources\": {\"Role\\u001b]0;pwned\\u0007\": {\"Type\": "
                    "\"AWS::IAM::Policy\", \"Properties\": {\"PolicyName\": \"p\\n::warning::x\", "
                    "\"PolicyDocument\": {\"Statement\": [{\"Sid\": \"A\\u202eB\", \"Effect\": "
                    "\"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": \"*\"}]}}}}}";
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    iamg_results *r;
    cr_assert_eq(iamg_scan_buffer(e, "::error file=x::t.json", t, strlen(t), &so, &r, &err), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_assert_eq(iamg_write_text(f, e, r, NULL, &err), 0);
    fclose(f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        cr_expect(c >= 0x20 || c == '\n', "raw control byte 0x%02x in the text report", c);
        cr_expect(!(c == 0xE2 && i + 2 < len && (unsigned char)text[i + 1] == 0x80 &&
                    (unsigned char)text[i + 2] == 0xAE),
                  "raw U+202E in the text report");
    }
    for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        cr_expect(strncmp(l, "::", 2) != 0, "a line starts a workflow command: %.60s", l);
    cr_expect(strstr(text, "\\x3a:error file=x::t.json:1:") != NULL, "%s", text);
    cr_expect(strstr(text, "Role\\x1b]0;pwned\\x07, policy 'p\\n::warning::x'") != NULL, "%s",
              text);
    cr_expect(strstr(text, "\"A\\u202eB\"") != NULL, "%s", text);
    free(text);
    iamg_results_free(r);
    iamg_engine_free(e);
}
