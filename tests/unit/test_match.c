/*
 * Unit tests for match/glob.c and match/condop.c: IAM's wildcard semantics
 * for actions and ARNs, ARN splitting, condition operators and keys.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamguard/match.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct glob_case {
    const char *pattern;
    const char *subject;
    int want;
} glob_case;

/* ------------------------------------------------------------------------ */
/* Actions                                                                  */

static const glob_case action_cases[] = {
    /* the examples IAM documents */
    {"SSM:send*", "ssm:SendCommand", 1},
    {"*", "ssm:SendCommand", 1},
    {"*", "", 1},
    {"ssm:*Session", "ssm:StartSession", 1},
    {"ssm:Send?ommand", "ssm:SendCommand", 1},
    {"ssm:SendCommand?", "ssm:SendCommand", 0},
    {"ec2:*", "ssm:SendCommand", 0},
    /* exact names and ASCII case folding */
    {"s3:GetObject", "s3:GetObject", 1},
    {"s3:GetObject", "S3:GETOBJECT", 1},
    {"S3:GETOBJECT", "s3:getobject", 1},
    {"s3:gEtObJeCt", "S3:GeToBjEcT", 1},
    {"s3:getobject", "s3:getobjects", 0},
    {"s3:getobjects", "s3:getobject", 0},
    {"s3:GetObject", "s3:PutObject", 0},
    {"s3:GetObject", "s4:GetObject", 0},
    {"iam:PassRole", "iam:passrole", 1},
    {"IAM:PASSROLE", "iam:PassRole", 1},
    {"kms:Re-Encrypt*", "KMS:RE-ENCRYPTFROM", 1},
    {"kms:ReEncrypt*", "kms:Re-EncryptFrom", 0},
    {"ec2:Describe*", "ec2:describeinstances", 1},
    {"ec2:*Instances", "ec2:DESCRIBEINSTANCES", 1},
    {"ec2:*instances", "ec2:DescribeInstance", 0},
    {"sts:AssumeRole", "sts:AssumeRoleWithSAML", 0},
    {"sts:AssumeRole*", "sts:AssumeRoleWithSAML", 1},
    {"sts:AssumeRole*", "sts:assumerolewithwebidentity", 1},
    /* only ASCII letters fold: punctuation 0x20 apart and non-ASCII stay distinct */
    {"[", "{", 0},
    {"{", "[", 0},
    {"@", "`", 0},
    {"^", "~", 0},
    {"]", "}", 0},
    {"\\", "|", 0},
    {"_", "\x7f", 0},
    {"1", "Q", 0},
    {"\xC3\xA9", "\xC3\x89", 0},       /* é vs É */
    {"\xC3\x89", "\xC3\x89", 1},       /* É vs É */
    {"\xC3\x83", "\xC3\xA3", 0},       /* Ã vs ã: bytes 0x20 apart */
    {"x:\xC3\xA9*", "X:\u00E9ABC", 1}, /* é then anything */
    {"x:\xC3\xA9*", "X:\u00C9ABC", 0},
    {"svc:\xCE\xA3", "svc:\xCF\x83", 0}, /* Σ vs σ */
    /* empty strings */
    {"", "", 1},
    {"", "a", 0},
    {"", "*", 0},
    {"a", "", 0},
    {"?", "", 0},
    {"**", "", 1},
    {"***", "", 1},
    {"*?", "", 0},
    {"?*", "", 0},
    {"*a", "", 0},
    {"a*", "", 0},
    /* '?' is exactly one character */
    {"?", "a", 1},
    {"?", "ab", 0},
    {"??", "ab", 1},
    {"??", "a", 0},
    {"???", "ab", 0},
    {"?*", "a", 1},
    {"*?", "a", 1},
    {"?*?", "a", 0},
    {"?*?", "ab", 1},
    {"?*?", "abc", 1},
    {"a?c", "abc", 1},
    {"a?c", "ac", 0},
    {"a?c", "abbc", 0},
    {"?:?", "a:b", 1},
    {"?", ":", 1},
    {"?", "*", 1},
    {"?", "?", 1},
    {"?", "\n", 1},
    /* star at start, end, middle */
    {"a*", "a", 1},
    {"a*", "abbb", 1},
    {"a*", "babbb", 0},
    {"*a", "a", 1},
    {"*a", "bbba", 1},
    {"*a", "bbbab", 0},
    {"a*b", "ab", 1},
    {"a*b", "axxb", 1},
    {"a*b", "axxbx", 0},
    {"a*b", "ba", 0},
    {"a*b*c", "abc", 1},
    {"a*b*c", "aXbYc", 1},
    {"a*b*c", "acb", 0},
    {"*:*", "s3:x", 1},
    {"*:*", "s3x", 0},
    {"*:*", ":", 1},
    {"iam:*", "iam:", 1},
    {"iam:*", "IAM:PassRole", 1},
    {"iam:*", "iam", 0},
    {"iam:P*R*e", "iam:PassRole", 1},
    {"iam:P*R*e", "iam:PassRoles", 0},
    {"iam:P*R*e?", "iam:PassRoles", 1},
    {"s3:Get*", "s3:Get", 1},
    {"s3:Get*", "s3:Ge", 0},
    {"s3:*Object", "s3:Object", 1},
    {"s3:*Object*", "s3:PutObjectAcl", 1},
    {"s3:*Object", "s3:PutObjectAcl", 0},
    {"s3:*Object", "s3:GetObjectObject", 1},
    /* consecutive stars */
    {"a**b", "ab", 1},
    {"a***b", "axb", 1},
    {"a**b", "axbxb", 1},
    {"a**b", "axbxc", 0},
    {"**a**", "a", 1},
    {"**a**", "b", 0},
    {"*?*", "", 0},
    {"*?*", "x", 1},
    {"*??*", "x", 0},
    {"*??*", "xy", 1},
    {"*?*?*", "xyz", 1},
    {"s3:**", "s3:GetObject", 1},
    /* greedy matching must revisit the last star */
    {"*aab", "aaab", 1},
    {"*aab", "aaaab", 1},
    {"*aab", "aaaa", 0},
    {"*abc", "ababc", 1},
    {"*abc", "abab", 0},
    {"*abc*abd", "abcabcabd", 1},
    {"*abc*abd", "abcabcabe", 0},
    {"*ab*ab*", "abab", 1},
    {"*ab*ab*", "aba", 0},
    {"a*a*a", "aaa", 1},
    {"a*a*a", "aa", 0},
    {"*a?c", "abacabc", 1},
    {"*a?c", "abacab", 0},
    {"*x*y*z", "zyxzyxyz", 1},
    {"*x*y*z", "zyxzyx", 0},
    /* pattern longer than subject */
    {"ssm:SendCommand", "ssm:Send", 0},
    {"ssm:Send*Command", "ssm:SendComman", 0},
    {"ssm:Send*Command", "ssm:SendCommand", 1},
    {"abc*", "ab", 0},
    {"*abc", "bc", 0},
    /* '?' is one UTF-8 code point, not one byte */
    {"?", "\xC3\xA9", 1}, /* é */
    {"??", "\xC3\xA9", 0},
    {"?", "\xE2\x82\xAC", 1}, /* € */
    {"??", "\xE2\x82\xAC", 0},
    {"???", "\xE2\x82\xAC", 0},
    {"?", "\xF0\x9F\x98\x80", 1}, /* U+1F600 */
    {"??", "\xF0\x9F\x98\x80", 0},
    {"????", "\xF0\x9F\x98\x80", 0},
    {"*??", "\xE2\x82\xAC", 0},
    {"*???", "\xF0\x9F\x98\x80", 0},
    {"*?", "\xE2\x82\xAC", 1},
    {"?*", "\xE2\x82\xAC", 1},
    {"a?c", "a\u00E9c", 1},
    {"a??c", "a\u00E9c", 0},
    {"a?c", "a\u20ACc", 1},
    {"??", "\xC3\xA9\xC3\xA9", 1},
    {"?\xC3\xA9", "\xC3\xA9\xC3\xA9", 1},
    {"*\xC3\xA9", "a\xC3\xA9", 1},
    {"*?b", "\u20ACb", 1},
    {"*??b", "\u20ACb", 0},
    {"?\xA9", "\xC3\xA9", 0}, /* '?' cannot stop inside é */
    {"*\xA9", "\xC3\xA9", 0}, /* nor can '*' */
    {"\xC3*", "\xC3\xA9", 0}, /* a lone lead byte is not the start of é */
    {"*\xC3*",
     "a\xC3\xA9"
     "b",
     0},
    {"*\xC3*",
     "a\xC3(\xC3\xA9"
     "b",
     1},
    {"*\xA9*",
     "a\xC3\xA9"
     "b",
     0}, /* nor a lone continuation its end */
    {"*\xA9*",
     "a\xA9\xC3\xA9"
     "b",
     1},
    /* '*' must be able to stop before a character it would otherwise
     * step over whole: the second '*' starts inside no character */
    {"*\xD5*\xAB\xD5",
     "\xD5"
     "a\n\xD5\xAB\xD5",
     0},
    {"*\xD5*\xAB\xD5",
     "\xD5"
     "a\xF0\xD5\xAB\xAB\xD5",
     1},
    /* invalid UTF-8: each bad byte is one character */
    {"?", "\xFF", 1},
    {"??", "\xFF\xFE", 1},
    {"?", "\xFF\xFE", 0},
    {"?", "\xC3", 1},     /* truncated two-byte sequence */
    {"?", "\xC3\x28", 0}, /* lead byte then ASCII */
    {"??", "\xC3\x28", 1},
    {"?", "\xC0\x80", 0}, /* overlong NUL */
    {"??", "\xC0\x80", 1},
    {"?", "\xE0\x80\x80", 0}, /* overlong three-byte */
    {"???", "\xE0\x80\x80", 1},
    {"?", "\xED\xA0\x80", 0}, /* surrogate */
    {"???", "\xED\xA0\x80", 1},
    {"?", "\xED\x9F\xBF", 1}, /* U+D7FF, last before surrogates */
    {"?", "\x80", 1},         /* lone continuation */
    {"?", "\x80\x80", 0},
    {"?", "\xF4\x8F\xBF\xBF", 1}, /* U+10FFFF */
    {"?", "\xF4\x90\x80\x80", 0}, /* above U+10FFFF */
    {"????", "\xF4\x90\x80\x80", 1},
    {"?", "\xF0\x80\x80\x80", 0}, /* overlong four-byte */
    {"?", "\xE2\x82", 0},         /* truncated three-byte */
    {"??", "\xE2\x82", 1},
    {"?", "\xF0\x9F\x98", 0}, /* truncated four-byte */
    {"???", "\xF0\x9F\x98", 1},
    {"\xFF", "\xFF", 1},
    {"\xFF", "\xFE", 0},
    {"*\xFF", "ab\xFF", 1},
    /* subject wildcards are plain text */
    {"s3:Get", "s3:G*", 0},
    {"s3:G*", "s3:G*", 1},
    {"s3:G?t", "s3:G?t", 1},
    {"s3:Get", "s3:G?t", 0},
    /* actions know nothing of policy variables: '$', '{', '}' are plain */
    {"s3:${*}", "s3:*", 0},
    {"s3:${*}", "s3:${anything}", 1},
    {"s3:${*}", "s3:${}", 1},
    {"s3:${aws:username}", "S3:${AWS:USERNAME}", 1},
    {"${?}", "${x}", 1},
};

Test(action_match, table)
{
    for (size_t i = 0; i < COUNT(action_cases); i++) {
        const glob_case *c = &action_cases[i];
        int got = iamg_action_match(c->pattern, c->subject);
        cr_expect_eq(got, c->want, "case %zu: iamg_action_match(\"%s\", \"%s\") = %d, want %d", i,
                     c->pattern, c->subject, got, c->want);
    }
}

Test(action_match, null_never_matches)
{
    cr_expect_eq(iamg_action_match(NULL, "s3:GetObject"), 0);
    cr_expect_eq(iamg_action_match("*", NULL), 0);
    cr_expect_eq(iamg_action_match(NULL, NULL), 0);
    cr_expect_eq(iamg_action_match(NULL, ""), 0);
    cr_expect_eq(iamg_action_match("", NULL), 0);
}

/* ------------------------------------------------------------------------ */
/* ARNs                                                                     */

#define EC2_I "arn:aws:ec2:us-east-1:111122223333:instance/"

static const glob_case arn_cases[] = {
    /* plain wildcards */
    {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", 1},
    {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/", 1},
    {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", 0},
    {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/key", 0},
    {"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", 1},
    {"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-logs/a/b/c", 1},
    {"arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/key", 1},
    {"arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket/ke", 0},
    {"arn:aws:s3:::bucket/ke", "arn:aws:s3:::bucket/key", 0},
    {"*", "arn:aws:s3:::b", 1},
    {"*", "", 1},
    {"**", "", 1},
    {"", "", 1},
    {"", "arn", 0},
    {"a", "", 0},
    {"?", "", 0},
    {"arn:aws:ec2:*:*:instance/*", EC2_I "i-0abc", 1},
    {"arn:aws:ec2:*:*:volume/*", EC2_I "i-0abc", 0},
    {"arn:aws:ec2:us-*-1:*:*", "arn:aws:ec2:us-west-1:1:instance/i", 1},
    {"arn:aws:ec2:us-*-1:*:*", "arn:aws:ec2:eu-west-1:1:instance/i", 0},
    {"arn:aws:ec2:us-east-?:*:*", "arn:aws:ec2:us-east-2:1:x", 1},
    {"arn:aws:ec2:us-east-?:*:*", "arn:aws:ec2:us-east-12:1:x", 0},
    {"arn:aws:ec2:us-east-*:*", "arn:aws:ec2:us-east-12:1:x", 1}, /* '*' spans ':' */
    {"arn:aws:*", "arn:aws:s3:::b/k", 1},
    {"arn:*:s3:::*", "arn:aws-cn:s3:::b", 1},
    {"arn:*:s3:::*", "arn:aws-cn:s4:::b", 0},
    {"arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/path/Admin", 1},
    {"arn:aws:iam::*:role/Admin", "arn:aws:iam::123456789012:role/path/Admin", 0},
    {"arn:aws:iam::*:role/*Admin", "arn:aws:iam::123456789012:role/path/Admin", 1},
    {"arn:aws:s3:::b?k", "arn:aws:s3:::b/k", 1},
    {"arn?aws", "arn:aws", 1},
    {"arn:aws:s3:::*/*", "arn:aws:s3:::bucket", 0},
    {"arn:aws:s3:::*/*", "arn:aws:s3:::bucket/", 1},
    {"arn:aws:s3:::*a*a*b", "arn:aws:s3:::aaab", 1},
    {"arn:aws:s3:::*a*a*b", "arn:aws:s3:::abab", 1},
    {"arn:aws:s3:::*a*a*b", "arn:aws:s3:::abb", 0},
    /* case-sensitive, unlike actions */
    {"arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", 0},
    {"ARN:AWS:S3:::bucket", "arn:aws:s3:::bucket", 0},
    {"arn:aws:s3:::b/A*", "arn:aws:s3:::b/a", 0},
    {"arn:aws:s3:::b/A*", "arn:aws:s3:::b/A", 1},
    {"arn:aws:iam::*:user/Alice", "arn:aws:iam::1:user/alice", 0},
    /* '?' is one code point in ARNs too */
    {"arn:aws:s3:::b/?", "arn:aws:s3:::b/\xC3\xA9", 1},
    {"arn:aws:s3:::b/??", "arn:aws:s3:::b/\xC3\xA9", 0},
    {"arn:aws:s3:::b/?", "arn:aws:s3:::b/\xE2\x82\xAC", 1},
    {"arn:aws:s3:::b/???", "arn:aws:s3:::b/\xE2\x82\xAC", 0},
    {"arn:aws:s3:::b/?", "arn:aws:s3:::b/\xF0\x9F\x98\x80", 1},
    {"arn:aws:s3:::b/*??", "arn:aws:s3:::b/\xE2\x82\xAC", 0},
    {"arn:aws:s3:::b/?x", "arn:aws:s3:::b/\xFFx", 1},
    {"arn:aws:s3:::b/\xC3\xA9", "arn:aws:s3:::b/\xC3\x89", 0},
    /* subject wildcards are literal */
    {"arn:aws:s3:::b", "arn:aws:s3:::*", 0},
    {"arn:aws:s3:::*", "arn:aws:s3:::*", 1},
    {"arn:aws:s3:::b?", "arn:aws:s3:::b?", 1},
    /* policy variables are opaque literal text */
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "i-0abc", 0},
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "${aws:username}", 1},
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "${aws:userName}", 0},
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "${aws:username", 0},
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "$", 0},
    {"arn:aws:ec2:*:*:instance/${aws:username}", EC2_I "", 0},
    {"arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/${aws:username}", 1},
    {"arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::1:user/${aws:username}x", 0},
    {"arn:aws:iam::*:user/${aws:username}*", "arn:aws:iam::1:user/${aws:username}x", 1},
    {"arn:aws:iam::*:user/${aws:username}*", "arn:aws:iam::1:user/alice", 0},
    {"arn:aws:s3:::b/${aws:*}", "arn:aws:s3:::b/${aws:*}", 1},
    {"arn:aws:s3:::b/${aws:*}", "arn:aws:s3:::b/${aws:x}", 0},
    {"arn:aws:s3:::b/${aws:*}", "arn:aws:s3:::b/${aws:}", 0},
    {"arn:${a?b}", "arn:${a?b}", 1},
    {"arn:${a?b}", "arn:${axb}", 0},
    {"arn:${a*}", "arn:${a*}", 1},
    {"arn:${a*}", "arn:${ab}", 0},
    {"arn:${a*}", "arn:${a}", 0},
    {"arn:aws:s3:::b/${aws:username, 'default'}", "arn:aws:s3:::b/${aws:username, 'default'}", 1},
    {"arn:aws:s3:::b/${aws:username, 'default'}", "arn:aws:s3:::b/default", 0},
    {"arn:aws:s3:::b/${aws:username, 'd*'}", "arn:aws:s3:::b/${aws:username, 'dx'}", 0},
    {"arn:aws:s3:::${aws:PrincipalTag/team}/*", "arn:aws:s3:::${aws:PrincipalTag/team}/obj", 1},
    {"arn:aws:s3:::${aws:PrincipalTag/team}/*", "arn:aws:s3:::eng/obj", 0},
    {"arn:aws:s3:::${aws:PrincipalTag/team}/*", "arn:aws:s3:::${aws:PrincipalTag/Team}/o", 0},
    {"arn:aws:s3:::home/${aws:userid}/*", "arn:aws:s3:::home/${aws:userid}/a/b", 1},
    {"arn:aws:s3:::home/${aws:userid}/*", "arn:aws:s3:::home/AIDA123/a/b", 0},
    {"arn:${aws:partition}:s3:::b", "arn:${aws:partition}:s3:::b", 1},
    {"arn:${aws:partition}:s3:::b", "arn:aws:s3:::b", 0},
    {"${aws:partition}:x", "${aws:partition}:x", 1},
    {"${aws:partition}*", "${aws:partition}", 1},
    {"${aws:partition}*", "${aws:partition}/more", 1},
    {"${aws:partition}*", "arn", 0},
    {"*${aws:partition}", "xx${aws:partition}", 1},
    {"*${aws:partition}", "xx${aws:partition}x", 0},
    {"${a}${b}", "${a}${b}", 1},
    {"${a}${b}", "${a}${c}", 0},
    {"${a}${b}", "${a}", 0},
    {"${a}?${b}", "${a}/${b}", 1},
    {"*${a}*", "xx${a}yy", 1},
    {"*${a}*", "xx${ab}yy", 0},
    {"*${a}*", "${a}", 1},
    {"*${a}", "${a}${a}", 1},
    {"*${x}", "${${x}", 1},
    {"*${x}*${y}", "${y}${x}", 0},
    {"*${x}*${y}", "${x}${x}${y}", 1},
    {"${a", "${a", 1},
    {"${}", "${}", 1},
    {"${}", "", 0},
    {"${**}", "${**}", 1},
    {"${**}", "${xx}", 0},
    {"${ * }", "${ * }", 1},
    {"${ * }", "${ x }", 0},
    {"${*}}", "*}", 1},
    {"${{}", "${{}", 1},
    {"${a}b}", "${a}b}", 1},
    /* IAM escapes */
    {"a${*}b", "a*b", 1},
    {"a${*}b", "axb", 0},
    {"a${*}b", "ab", 0},
    {"a${*}b", "axyb", 0},
    {"a${*}b", "a${*}b", 0},
    {"a${?}b", "a?b", 1},
    {"a${?}b", "axb", 0},
    {"a${?}b", "a${?}b", 0},
    {"a${$}b", "a$b", 1},
    {"a${$}b", "a${$}b", 0},
    {"a${$}b", "ab", 0},
    {"${*}", "*", 1},
    {"${*}", "", 0},
    {"${*}", "x", 0},
    {"${?}", "?", 1},
    {"${?}", "x", 0},
    {"${$}", "$", 1},
    {"${*}${?}${$}", "*?$", 1},
    {"${*}${?}${$}", "*x$", 0},
    {"*${*}", "abc*", 1},
    {"*${*}", "abc", 0},
    {"${*}*", "*abc", 1},
    {"${*}*", "abc", 0},
    {"*${*}*", "ab*cd", 1},
    {"*${*}*", "abcd", 0},
    {"${?}?", "?x", 1},
    {"${?}?", "x?", 0},
    {"${$}{aws:username}", "${aws:username}", 1},
    {"${$}{aws:username}", "alice", 0},
    {"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", 1},
    {"arn:aws:s3:::b/${*}", "arn:aws:s3:::b/anything", 0},
    {"arn:aws:s3:::b/${*}/${aws:username}/*", "arn:aws:s3:::b/*/${aws:username}/k", 1},
    {"arn:aws:s3:::b/${*}/${aws:username}/*", "arn:aws:s3:::b/x/${aws:username}/k", 0},
    /* an unterminated "${" is plain text; wildcards after it still work */
    {"arn:${aws:username", "arn:${aws:username", 1},
    {"arn:${aws:username", "arn:alice", 0},
    {"arn:${aws:user*", "arn:${aws:username", 1},
    {"arn:${aws:user*", "arn:${aws:user", 1},
    {"arn:${aws:user*", "arn:${aws:use", 0},
    {"arn:${*", "arn:${*", 1},
    {"arn:${*", "arn:${xyz", 1},
    {"arn:${*", "arn:*", 0},
    {"arn:${?", "arn:${x", 1},
    {"arn:${?", "arn:?", 0},
    {"arn:${", "arn:${", 1},
    {"arn:${", "arn:$", 0},
    {"arn:$", "arn:$", 1},
    {"$", "$", 1},
    {"$", "", 0},
    {"${", "$", 0},
    {"${", "${", 1},
    {"$*", "${x}", 1},
    {"}${a*", "}${abc", 1},
    {"}${a*", "}${a", 1},
    {"arn:${x}/${y", "arn:${x}/${y", 1},
    {"arn:${x}/${y*", "arn:${x}/${yz", 1},
    {"arn:${x}/${y*", "arn:a/${yz", 0},
    {"${${aws:username}", "${${aws:username}", 1},
};

Test(arn_match, table)
{
    for (size_t i = 0; i < COUNT(arn_cases); i++) {
        const glob_case *c = &arn_cases[i];
        int got = iamg_arn_match(c->pattern, c->subject);
        cr_expect_eq(got, c->want, "case %zu: iamg_arn_match(\"%s\", \"%s\") = %d, want %d", i,
                     c->pattern, c->subject, got, c->want);
    }
}

Test(arn_match, literal_arn_matches_itself)
{
    for (size_t i = 0; i < COUNT(arn_cases); i++) {
        const char *s = arn_cases[i].subject;
        if (strpbrk(s, "*?$")) continue;
        cr_expect_eq(iamg_arn_match(s, s), 1, "case %zu: \"%s\" does not match itself", i, s);
    }
}

Test(arn_match, null_never_matches)
{
    cr_expect_eq(iamg_arn_match(NULL, "arn:aws:s3:::b"), 0);
    cr_expect_eq(iamg_arn_match("*", NULL), 0);
    cr_expect_eq(iamg_arn_match(NULL, NULL), 0);
    cr_expect_eq(iamg_arn_match("", NULL), 0);
}

/* Actions fold case, ARNs do not; ARNs know policy variables, actions do not. */
Test(match, actions_and_arns_differ_where_documented)
{
    cr_expect_eq(iamg_action_match("A*", "abc"), 1);
    cr_expect_eq(iamg_arn_match("A*", "abc"), 0);
    cr_expect_eq(iamg_action_match("${*}", "${x}"), 1);
    cr_expect_eq(iamg_arn_match("${*}", "${x}"), 0);
    cr_expect_eq(iamg_action_match("${*}", "*"), 0);
    cr_expect_eq(iamg_arn_match("${*}", "*"), 1);
}

/* ------------------------------------------------------------------------ */
/* Pathological inputs: the matchers must stay polynomial.                  */

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t ulen = strlen(unit), tlen = strlen(tail);
    char *s = malloc(ulen * times + tlen + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * ulen, unit, ulen);
    memcpy(s + ulen * times, tail, tlen + 1);
    return s;
}

#define BIG 100000

/* A blow-up would hang the tests below; ctest's time limit catches that. No
 * criterion .timeout: with --jobs=2 under load, criterion 2.4.1's runner
 * leaks a timer record of a test that finishes at once, and LeakSanitizer
 * then fails the whole binary now and then. */

Test(pathological, star_a_repeated_fails_fast)
{
    char *as = repeat("a", BIG, "");
    cr_expect_eq(iamg_action_match("*a*a*a*a*a*a*a*a*b", as), 0);
    cr_expect_eq(iamg_arn_match("*a*a*a*a*a*a*a*a*b", as), 0);
    cr_expect_eq(iamg_action_match("*A*A*A*A*A*A*A*A*B", as), 0);
    cr_expect_eq(iamg_action_match("*a*a*a*a*a*a*a*a*a", as), 1);
    cr_expect_eq(iamg_arn_match("*a*a*a*a*a*a*a*a*a", as), 1);
    cr_expect_eq(iamg_action_match("a*a*a*a*a*a*a*a*a", as), 1);
    cr_expect_eq(iamg_arn_match("*?*?*?*?*?*?*?*?b", as), 0);
    cr_expect_eq(iamg_action_match("*aa*aa*aa*aa*aa*aa*ab", as), 0);
    free(as);
}

Test(pathological, long_pattern_many_stars)
{
    char *as = repeat("a", BIG, "");
    char *pat = repeat("*a", 200, "*b");
    char *stars = repeat("*", BIG, "");
    char *stars_b = repeat("*", BIG, "b");
    char *qs = repeat("?", BIG, "");
    cr_expect_eq(iamg_action_match(pat, as), 0);
    cr_expect_eq(iamg_arn_match(pat, as), 0);
    cr_expect_eq(iamg_action_match(stars, as), 1);
    cr_expect_eq(iamg_arn_match(stars, as), 1);
    cr_expect_eq(iamg_action_match(stars_b, as), 0);
    cr_expect_eq(iamg_arn_match(stars_b, as), 0);
    cr_expect_eq(iamg_action_match(qs, as), 1);
    cr_expect_eq(iamg_arn_match(qs, as + 1), 0);
    cr_expect_eq(iamg_arn_match(as, as), 1);
    free(as);
    free(pat);
    free(stars);
    free(stars_b);
    free(qs);
}

Test(pathological, multibyte_subject)
{
    char *euros = repeat("\xE2\x82\xAC", BIG / 3, "");
    char *qs = repeat("?", BIG / 3, "");
    cr_expect_eq(iamg_action_match("*\xE2\x82\xAC*\xE2\x82\xAC*\xE2\x82\xAC*b", euros), 0);
    cr_expect_eq(iamg_arn_match("*?*?*?*?*?*?*?*?b", euros), 0);
    cr_expect_eq(iamg_arn_match(qs, euros), 1);
    qs[0] = 'x';
    cr_expect_eq(iamg_arn_match(qs, euros), 0);
    free(euros);
    free(qs);
}

Test(pathological, policy_variables)
{
    char *vars = repeat("${x}", BIG / 4, "");
    char *as = repeat("a", BIG, "");
    cr_expect_eq(iamg_arn_match("*${x}*${x}*${x}*${x}*${y}", vars), 0);
    cr_expect_eq(iamg_arn_match("*${x}*${x}*${x}*${x}*${x}", vars), 1);
    cr_expect_eq(iamg_arn_match("*${x}*${x}*${x}*${x}*z", as), 0);
    cr_expect_eq(iamg_arn_match("*${*}*${*}*${*}*${*}*b", as), 0);
    cr_expect_eq(iamg_arn_match(vars, vars), 1);
    free(vars);
    free(as);
}

/* Every "${" lacks its '}', and a megabyte of pattern follows them: an
 * implementation that looked for the brace on each visit would rescan that
 * tail per token, per backtrack, and take minutes. */
Test(pathological, unterminated_variables)
{
    char *subject = repeat("${", 20000, "");
    char *tail = repeat("c", 1000000, "");
    char *head = repeat("${", 200, "");
    size_t hlen = strlen(head), tlen = strlen(tail);
    char *pat = malloc(hlen + tlen + 3);
    cr_assert_not_null(pat);
    pat[0] = '*';
    memcpy(pat + 1, head, hlen);
    pat[1 + hlen] = 'b';
    memcpy(pat + 2 + hlen, tail, tlen + 1);
    cr_expect_eq(iamg_arn_match(pat, subject), 0);
    pat[1 + hlen] = '\0';
    cr_expect_eq(iamg_arn_match(pat, subject), 1);
    free(subject);
    free(tail);
    free(head);
    free(pat);
}

/* ------------------------------------------------------------------------ */
/* Differential test against an exhaustive reference matcher.               */

enum ref_kind { REF_STAR, REF_ONE, REF_LIT };

typedef struct ref_tok {
    enum ref_kind kind;
    const char *lit;
    size_t len;
} ref_tok;

#define REF_MAX 64

/* Decodes a code point and checks it the slow way: range, overlong, surrogate. */
static size_t ref_char_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] < 0x80) return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2, cp = s[0] & 0x1Fu, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, cp = s[0] & 0x0Fu, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 1;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 1;
    return n;
}

static size_t ref_tokenize(const char *p, int arn, ref_tok *out)
{
    size_t n = 0;
    while (*p) {
        ref_tok t = {REF_LIT, p, 1};
        const char *close;
        if (*p == '*') {
            t.kind = REF_STAR;
        } else if (*p == '?') {
            t.kind = REF_ONE;
        } else if (arn && p[0] == '$' && p[1] == '{' && (close = strchr(p + 2, '}'))) {
            if (close == p + 3 && strchr("*?$", p[2])) {
                t.lit = p + 2;
                p += 4;
                out[n++] = t;
                continue;
            }
            t.len = (size_t)(close - p) + 1;
        }
        p += t.len;
        out[n++] = t;
    }
    return n;
}

static int ref_eq(unsigned char a, unsigned char b, int arn)
{
    if (!arn) {
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
    }
    return a == b;
}

typedef struct ref_ctx {
    const ref_tok *t;
    size_t nt;
    const char *s;
    size_t ns;
    int arn;
    signed char memo[REF_MAX + 1][REF_MAX + 1];
} ref_ctx;

static int ref_match(ref_ctx *c, size_t ti, size_t si)
{
    int r = 0;
    if (c->memo[ti][si] >= 0) return c->memo[ti][si];
    if (ti == c->nt) {
        r = si == c->ns;
    } else if (c->t[ti].kind == REF_STAR) {
        r = ref_match(c, ti + 1, si);
        if (!r && si < c->ns)
            r = ref_match(c, ti, si + ref_char_len((const unsigned char *)c->s + si));
    } else if (c->t[ti].kind == REF_ONE) {
        r = si < c->ns && ref_match(c, ti + 1, si + ref_char_len((const unsigned char *)c->s + si));
    } else {
        const ref_tok *t = &c->t[ti];
        r = si + t->len <= c->ns;
        for (size_t i = 0; r && i < t->len; i++)
            r = ref_eq((unsigned char)t->lit[i], (unsigned char)c->s[si + i], c->arn);
        r = r && ref_match(c, ti + 1, si + t->len);
    }
    c->memo[ti][si] = (signed char)r;
    return r;
}

static int reference(const char *pattern, const char *subject, int arn)
{
    static ref_tok toks[REF_MAX];
    static ref_ctx c;
    c.nt = ref_tokenize(pattern, arn, toks);
    c.t = toks;
    c.s = subject;
    c.ns = strlen(subject);
    c.arn = arn;
    memset(c.memo, -1, sizeof c.memo);
    return ref_match(&c, 0, 0);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void random_string(char *out, const char *const *pieces, size_t npieces, size_t max)
{
    size_t k = rng() % (max + 1), len = 0;
    for (size_t i = 0; i < k; i++) {
        const char *piece = pieces[rng() % npieces];
        size_t n = strlen(piece);
        cr_assert_lt(len + n, REF_MAX);
        memcpy(out + len, piece, n);
        len += n;
    }
    out[len] = '\0';
}

static const char *const pattern_pieces[] = {
    "a", "A", "b",    "*",    "*",    "?",    "\xC3\xA9", "\xE2\x82\xAC", "$",
    "{", "}", "${*}", "${?}", "${$}", "${x}", "${",       "\xFF",
};
static const char *const subject_pieces[] = {
    "a", "A", "b", "B", "*",    "?",    "\xC3\xA9", "\xE2\x82\xAC",
    "$", "{", "}", "x", "\xFF", "\xC3", "${x}",
};

static void differential(int arn)
{
    char pattern[REF_MAX], subject[REF_MAX];
    int failures = 0;
    for (int i = 0; i < 200000; i++) {
        random_string(pattern, pattern_pieces, COUNT(pattern_pieces), 6);
        random_string(subject, subject_pieces, COUNT(subject_pieces), 6);
        int want = reference(pattern, subject, arn);
        int got = arn ? iamg_arn_match(pattern, subject) : iamg_action_match(pattern, subject);
        if (got != want && failures++ < 10)
            cr_expect_eq(got, want, "%s(\"%s\", \"%s\") = %d, reference says %d",
                         arn ? "iamg_arn_match" : "iamg_action_match", pattern, subject, got, want);
    }
    cr_expect_eq(failures, 0, "%d random cases disagree with the reference", failures);
}

Test(differential, actions)
{
    differential(0);
}

Test(differential, arns)
{
    differential(1);
}

/* ------------------------------------------------------------------------ */
/* ARN splitting                                                            */

typedef struct split_case {
    const char *arn;
    int ok;
    const char *part[6];
} split_case;

static const split_case split_cases[] = {
    {"arn:aws:s3:::bucket/key:with:colons",
     1,
     {"arn", "aws", "s3", "", "", "bucket/key:with:colons"}},
    {"arn:aws:iam::123456789012:role/Admin",
     1,
     {"arn", "aws", "iam", "", "123456789012", "role/Admin"}},
    {"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
     1,
     {"arn", "aws", "ec2", "us-east-1", "111122223333", "instance/i-0abc"}},
    {"arn:aws:sns:us-east-1:1:topic:sub", 1, {"arn", "aws", "sns", "us-east-1", "1", "topic:sub"}},
    {"arn:aws-cn:s3:::b", 1, {"arn", "aws-cn", "s3", "", "", "b"}},
    {"arn:aws-us-gov:lambda:us-gov-west-1:1:function:f:$LATEST",
     1,
     {"arn", "aws-us-gov", "lambda", "us-gov-west-1", "1", "function:f:$LATEST"}},
    {"arn:::::", 1, {"arn", "", "", "", "", ""}},
    {"arn:aws:s3:::", 1, {"arn", "aws", "s3", "", "", ""}},
    {"arn:aws:s3:::b::::", 1, {"arn", "aws", "s3", "", "", "b::::"}},
    {"arn:aws:s3::::", 1, {"arn", "aws", "s3", "", "", ":"}},
    /* splitting is purely lexical: a variable's own ':' counts */
    {"arn:${aws:partition}:s3:::b", 1, {"arn", "${aws", "partition}", "s3", "", ":b"}},
    {"arn:*:*:*:*:*", 1, {"arn", "*", "*", "*", "*", "*"}},
    {"arn:aws:s3:::\xC3\xA9:x", 1, {"arn", "aws", "s3", "", "", "\xC3\xA9:x"}},
    {"arn:aws:s3::", 0, {0}},
    {"arn:aws:s3:", 0, {0}},
    {"arn:aws", 0, {0}},
    {"arn:", 0, {0}},
    {"arn", 0, {0}},
    {"", 0, {0}},
    {"*", 0, {0}},
    {"ARN:aws:s3:::b", 0, {0}},
    {"Arn:aws:s3:::b", 0, {0}},
    {"xarn:aws:s3:::b", 0, {0}},
    {" arn:aws:s3:::b", 0, {0}},
    {"arn-aws:s3:::b:x:y", 0, {0}},
    {"arn/aws:s3:::b:x:y", 0, {0}},
    {"aws:s3:::b:x", 0, {0}},
};

Test(arn_split, table)
{
    for (size_t i = 0; i < COUNT(split_cases); i++) {
        const split_case *c = &split_cases[i];
        iamg_arn_parts out;
        memset(&out, 0xA5, sizeof out);
        int got = iamg_arn_split(c->arn, &out);
        cr_expect_eq(got, c->ok, "case %zu: iamg_arn_split(\"%s\") = %d, want %d", i, c->arn, got,
                     c->ok);
        for (int k = 0; k < 6; k++) {
            if (!c->ok) {
                cr_expect_null(out.part[k], "case %zu (\"%s\"): part %d left set", i, c->arn, k);
                cr_expect_eq(out.len[k], 0, "case %zu (\"%s\"): len %d left set", i, c->arn, k);
                continue;
            }
            const char *want = c->part[k];
            cr_expect_eq(out.len[k], strlen(want),
                         "case %zu (\"%s\"): part %d length %zu, want %zu", i, c->arn, k,
                         out.len[k], strlen(want));
            if (out.len[k] != strlen(want)) continue;
            cr_expect(out.part[k] >= c->arn && out.part[k] + out.len[k] <= c->arn + strlen(c->arn),
                      "case %zu (\"%s\"): part %d does not point into the input", i, c->arn, k);
            cr_expect(memcmp(out.part[k], want, out.len[k]) == 0,
                      "case %zu (\"%s\"): part %d is \"%.*s\", want \"%s\"", i, c->arn, k,
                      (int)out.len[k], out.part[k], want);
        }
    }
}

Test(arn_split, parts_are_consecutive_in_the_input)
{
    const char *arn = "arn:aws:iam::123456789012:role/a:b";
    iamg_arn_parts out;
    cr_assert_eq(iamg_arn_split(arn, &out), 1);
    cr_expect_eq(out.part[0], arn);
    for (int k = 1; k < 6; k++)
        cr_expect_eq(out.part[k], out.part[k - 1] + out.len[k - 1] + 1, "part %d not after %d", k,
                     k - 1);
    cr_expect_eq(out.part[5] + out.len[5], arn + strlen(arn));
}

Test(arn_split, null_input)
{
    iamg_arn_parts out;
    memset(&out, 0xA5, sizeof out);
    cr_expect_eq(iamg_arn_split(NULL, &out), 0);
    for (int k = 0; k < 6; k++) {
        cr_expect_null(out.part[k]);
        cr_expect_eq(out.len[k], 0);
    }
    cr_expect_eq(iamg_arn_split("arn:aws:s3:::b", NULL), 1);
    cr_expect_eq(iamg_arn_split("arn:aws:s3", NULL), 0);
}

/* ------------------------------------------------------------------------ */
/* Condition operators                                                      */

typedef struct op_case {
    const char *op;
    int known;
    iamg_cond_set set;
    int if_exists;
    int negated;
    const char *base;
} op_case;

#define ANY IAMG_COND_FOR_ANY
#define ALL IAMG_COND_FOR_ALL
#define ONE IAMG_COND_SINGLE

static const op_case op_cases[] = {
    {"StringEquals", 1, ONE, 0, 0, "StringEquals"},
    {"StringNotEquals", 1, ONE, 0, 1, "StringNotEquals"},
    {"StringEqualsIgnoreCase", 1, ONE, 0, 0, "StringEqualsIgnoreCase"},
    {"StringNotEqualsIgnoreCase", 1, ONE, 0, 1, "StringNotEqualsIgnoreCase"},
    {"StringLike", 1, ONE, 0, 0, "StringLike"},
    {"StringNotLike", 1, ONE, 0, 1, "StringNotLike"},
    {"NumericEquals", 1, ONE, 0, 0, "NumericEquals"},
    {"NumericNotEquals", 1, ONE, 0, 1, "NumericNotEquals"},
    {"NumericLessThan", 1, ONE, 0, 0, "NumericLessThan"},
    {"NumericLessThanEquals", 1, ONE, 0, 0, "NumericLessThanEquals"},
    {"NumericGreaterThan", 1, ONE, 0, 0, "NumericGreaterThan"},
    {"NumericGreaterThanEquals", 1, ONE, 0, 0, "NumericGreaterThanEquals"},
    {"DateEquals", 1, ONE, 0, 0, "DateEquals"},
    {"DateNotEquals", 1, ONE, 0, 1, "DateNotEquals"},
    {"DateLessThan", 1, ONE, 0, 0, "DateLessThan"},
    {"DateLessThanEquals", 1, ONE, 0, 0, "DateLessThanEquals"},
    {"DateGreaterThan", 1, ONE, 0, 0, "DateGreaterThan"},
    {"DateGreaterThanEquals", 1, ONE, 0, 0, "DateGreaterThanEquals"},
    {"Bool", 1, ONE, 0, 0, "Bool"},
    {"BinaryEquals", 1, ONE, 0, 0, "BinaryEquals"},
    {"IpAddress", 1, ONE, 0, 0, "IpAddress"},
    {"NotIpAddress", 1, ONE, 0, 1, "NotIpAddress"},
    {"ArnEquals", 1, ONE, 0, 0, "ArnEquals"},
    {"ArnLike", 1, ONE, 0, 0, "ArnLike"},
    {"ArnNotEquals", 1, ONE, 0, 1, "ArnNotEquals"},
    {"ArnNotLike", 1, ONE, 0, 1, "ArnNotLike"},
    {"Null", 1, ONE, 0, 0, "Null"},
    /* IfExists */
    {"StringEqualsIfExists", 1, ONE, 1, 0, "StringEquals"},
    {"StringNotEqualsIfExists", 1, ONE, 1, 1, "StringNotEquals"},
    {"StringLikeIfExists", 1, ONE, 1, 0, "StringLike"},
    {"NumericNotEqualsIfExists", 1, ONE, 1, 1, "NumericNotEquals"},
    {"DateNotEqualsIfExists", 1, ONE, 1, 1, "DateNotEquals"},
    {"BoolIfExists", 1, ONE, 1, 0, "Bool"},
    {"BinaryEqualsIfExists", 1, ONE, 1, 0, "BinaryEquals"},
    {"IpAddressIfExists", 1, ONE, 1, 0, "IpAddress"},
    {"NotIpAddressIfExists", 1, ONE, 1, 1, "NotIpAddress"},
    {"ArnNotLikeIfExists", 1, ONE, 1, 1, "ArnNotLike"},
    {"ArnLikeIfExists", 1, ONE, 1, 0, "ArnLike"},
    /* set prefixes */
    {"ForAnyValue:StringLikeIfExists", 1, ANY, 1, 0, "StringLike"},
    {"ForAllValues:StringNotEquals", 1, ALL, 0, 1, "StringNotEquals"},
    {"ForAnyValue:StringEquals", 1, ANY, 0, 0, "StringEquals"},
    {"ForAllValues:StringLike", 1, ALL, 0, 0, "StringLike"},
    {"ForAllValues:ArnLikeIfExists", 1, ALL, 1, 0, "ArnLike"},
    {"ForAnyValue:NotIpAddressIfExists", 1, ANY, 1, 1, "NotIpAddress"},
    {"ForAnyValue:Null", 1, ANY, 0, 0, "Null"},
    {"ForAllValues:Null", 1, ALL, 0, 0, "Null"},
    /* Null takes no IfExists */
    {"NullIfExists", 0, ONE, 0, 0, "NullIfExists"},
    {"ForAnyValue:NullIfExists", 0, ANY, 0, 0, "NullIfExists"},
    /* names are case-sensitive */
    {"stringequals", 0, ONE, 0, 0, "stringequals"},
    {"STRINGEQUALS", 0, ONE, 0, 0, "STRINGEQUALS"},
    {"Stringequals", 0, ONE, 0, 0, "Stringequals"},
    {"bool", 0, ONE, 0, 0, "bool"},
    {"null", 0, ONE, 0, 0, "null"},
    {"StringEqualsifexists", 0, ONE, 0, 0, "StringEqualsifexists"},
    {"StringEqualsIFEXISTS", 0, ONE, 0, 0, "StringEqualsIFEXISTS"},
    {"forAnyValue:StringEquals", 0, ONE, 0, 0, "forAnyValue:StringEquals"},
    {"FORALLVALUES:StringEquals", 0, ONE, 0, 0, "FORALLVALUES:StringEquals"},
    {"ForAnyValue:stringequals", 0, ANY, 0, 0, "stringequals"},
    /* misspelt prefixes are not prefixes */
    {"ForAnyValues:StringEquals", 0, ONE, 0, 0, "ForAnyValues:StringEquals"},
    {"ForAllValue:StringEquals", 0, ONE, 0, 0, "ForAllValue:StringEquals"},
    {"ForAnyValueStringEquals", 0, ONE, 0, 0, "ForAnyValueStringEquals"},
    {"ForAnyValue:ForAllValues:StringEquals", 0, ANY, 0, 0, "ForAllValues:StringEquals"},
    {"ForAnyValue: StringEquals", 0, ANY, 0, 0, " StringEquals"},
    /* near misses */
    {"StringEqual", 0, ONE, 0, 0, "StringEqual"},
    {"StringEqualsX", 0, ONE, 0, 0, "StringEqualsX"},
    {"StringNotIfExists", 0, ONE, 0, 0, "StringNotIfExists"},
    {"StringEqualsIfExistsIfExists", 0, ONE, 0, 0, "StringEqualsIfExistsIfExists"},
    {"StringEqualsIfExist", 0, ONE, 0, 0, "StringEqualsIfExist"},
    {"IfExistsStringEquals", 0, ONE, 0, 0, "IfExistsStringEquals"},
    {" StringEquals", 0, ONE, 0, 0, " StringEquals"},
    {"StringEquals ", 0, ONE, 0, 0, "StringEquals "},
    {"Bool:", 0, ONE, 0, 0, "Bool:"},
    {"IpAddressV6", 0, ONE, 0, 0, "IpAddressV6"},
    {"NotStringEquals", 0, ONE, 0, 0, "NotStringEquals"},
    {"StringNotLikeIgnoreCase", 0, ONE, 0, 0, "StringNotLikeIgnoreCase"},
    {"BinaryNotEquals", 0, ONE, 0, 0, "BinaryNotEquals"},
    {"NotNull", 0, ONE, 0, 0, "NotNull"},
    {"IfExists", 0, ONE, 0, 0, "IfExists"},
    {"ForAnyValue:IfExists", 0, ANY, 0, 0, "IfExists"},
    {"", 0, ONE, 0, 0, ""},
    {"ForAnyValue:", 0, ANY, 0, 0, ""},
    {"ForAllValues:", 0, ALL, 0, 0, ""},
    {"ForAnyValue", 0, ONE, 0, 0, "ForAnyValue"},
};

static void check_op(const char *label, const char *op, const op_case *c)
{
    iamg_cond_op out;
    memset(&out, 0xA5, sizeof out);
    int got = iamg_cond_op_parse(op, &out);
    cr_expect_eq(got, c->known, "%s \"%s\": returned %d, want %d", label, op, got, c->known);
    cr_expect_eq(out.known, c->known, "%s \"%s\": known %d, want %d", label, op, out.known,
                 c->known);
    cr_expect_eq(out.set, c->set, "%s \"%s\": set %d, want %d", label, op, (int)out.set,
                 (int)c->set);
    cr_expect_eq(out.if_exists, c->if_exists, "%s \"%s\": if_exists %d, want %d", label, op,
                 out.if_exists, c->if_exists);
    cr_expect_eq(out.negated, c->negated, "%s \"%s\": negated %d, want %d", label, op, out.negated,
                 c->negated);
    cr_expect_eq(out.base_len, strlen(c->base), "%s \"%s\": base_len %zu, want %zu", label, op,
                 out.base_len, strlen(c->base));
    if (out.base_len == strlen(c->base)) {
        cr_expect(out.base >= op && out.base + out.base_len <= op + strlen(op),
                  "%s \"%s\": base does not point into the operator", label, op);
        cr_expect(memcmp(out.base, c->base, out.base_len) == 0,
                  "%s \"%s\": base \"%.*s\", want \"%s\"", label, op, (int)out.base_len, out.base,
                  c->base);
    }
}

Test(cond_op, table)
{
    char label[32];
    for (size_t i = 0; i < COUNT(op_cases); i++) {
        snprintf(label, sizeof label, "case %zu", i);
        check_op(label, op_cases[i].op, &op_cases[i]);
    }
}

/* Every documented operator under every prefix, with and without IfExists. */
Test(cond_op, all_combinations)
{
    static const char *const negated[] = {
        "StringNotEquals", "StringNotEqualsIgnoreCase",
        "StringNotLike",   "NumericNotEquals",
        "DateNotEquals",   "ArnNotEquals",
        "ArnNotLike",      "NotIpAddress",
    };
    static const struct {
        const char *text;
        iamg_cond_set set;
    } prefixes[] = {{"", ONE}, {"ForAnyValue:", ANY}, {"ForAllValues:", ALL}};
    char op[96];
    int checked = 0;

    for (size_t b = 0; b < 27; b++) {
        const char *base = op_cases[b].op;
        int neg = 0;
        for (size_t k = 0; k < COUNT(negated); k++)
            neg |= strcmp(negated[k], base) == 0;
        for (size_t p = 0; p < COUNT(prefixes); p++) {
            for (int ie = 0; ie < 2; ie++) {
                int is_null = strcmp(base, "Null") == 0;
                op_case want = {NULL, 1, prefixes[p].set, ie, neg, base};
                snprintf(op, sizeof op, "%s%s%s", prefixes[p].text, base, ie ? "IfExists" : "");
                if (ie && is_null) {
                    want.known = want.if_exists = want.negated = 0;
                    want.base = op + strlen(prefixes[p].text);
                }
                check_op("combination", op, &want);
                checked++;
            }
        }
    }
    cr_expect_eq(checked, 27 * 3 * 2);
}

Test(cond_op, null_operator_zeroes_output)
{
    iamg_cond_op out;
    memset(&out, 0xA5, sizeof out);
    cr_expect_eq(iamg_cond_op_parse(NULL, &out), 0);
    cr_expect_eq(out.set, IAMG_COND_SINGLE);
    cr_expect_eq(out.if_exists, 0);
    cr_expect_null(out.base);
    cr_expect_eq(out.base_len, 0);
    cr_expect_eq(out.negated, 0);
    cr_expect_eq(out.known, 0);
}

/* ------------------------------------------------------------------------ */
/* Condition keys                                                           */

static const glob_case key_cases[] = {
    {"aws:SourceIp", "aws:SourceIp", 1},
    {"aws:SourceIp", "AWS:SOURCEIP", 1},
    {"aws:SourceIp", "aws:sourceip", 1},
    {"aws:SourceIp", "aws:SourceIP", 1},
    {"aws:SourceIp", "aws:SourceIp ", 0},
    {"aws:SourceIp ", "aws:SourceIp", 0},
    {"aws:SourceIp", "aws:SourceVpc", 0},
    {"s3:prefix", "s3:Prefix", 1},
    {"aws:PrincipalTag/Team", "aws:principaltag/team", 1},
    {"aws:PrincipalTag/Team", "aws:principaltag/teams", 0},
    {"aws:username", "aws:user", 0},
    {"aws:user", "aws:username", 0},
    {"aws:MultiFactorAuthPresent", "AWS:MULTIFACTORAUTHPRESENT", 1},
    {"", "", 1},
    {"a", "", 0},
    {"", "a", 0},
    {"\xC3\xA9", "\xC3\x89", 0},
    {"\xC3\xA9", "\xC3\xA9", 1},
    {"[", "{", 0},
    {"@", "`", 0},
    {"aws:*", "aws:SourceIp", 0},
};

Test(cond_key, table)
{
    for (size_t i = 0; i < COUNT(key_cases); i++) {
        const glob_case *c = &key_cases[i];
        int got = iamg_cond_key_equal(c->pattern, c->subject);
        cr_expect_eq(got, c->want, "case %zu: iamg_cond_key_equal(\"%s\", \"%s\") = %d, want %d", i,
                     c->pattern, c->subject, got, c->want);
        got = iamg_cond_key_equal(c->subject, c->pattern);
        cr_expect_eq(got, c->want, "case %zu reversed: iamg_cond_key_equal(\"%s\", \"%s\") = %d", i,
                     c->subject, c->pattern, got);
    }
}

Test(cond_key, null)
{
    cr_expect_eq(iamg_cond_key_equal(NULL, "a"), 0);
    cr_expect_eq(iamg_cond_key_equal("a", NULL), 0);
    cr_expect_eq(iamg_cond_key_equal(NULL, NULL), 0);
    cr_expect_eq(iamg_cond_key_equal(NULL, ""), 0);
}
