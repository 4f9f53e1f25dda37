/*
 * Tests for load/yaml_load.c: the tree a CloudFormation template becomes,
 * byte spans (after multi-byte characters, with CRLF and a BOM), short-form
 * tags, anchors and merge keys, limits (alias bombs, depth), libyaml errors,
 * ig_yaml_string_map, and every YAML file of the real-world corpus.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/slurp.h"
#include "common/time_scale.h"
#include "load/json_pos.h"
#include "source/srcpos.h"
#include "load/yaml_load.h"
#include "util/alloc.h"
#include "util/arena.h"

/* --- helpers ---------------------------------------------------------------- */

typedef struct ydoc {
    arena a;
    tsource src;
    iamg_limits lim;
    const tnode *root;
    iamg_error err;
    int rc;
} ydoc;

static void ydoc_init(ydoc *d)
{
    iamg_limits lim = IAMG_LIMITS_INIT;
    memset(d, 0, sizeof *d);
    ig_arena_init(&d->a);
    d->lim = lim;
}

/* Parse with the limits already in d (ydoc_init sets the defaults). */
static int ydoc_load(ydoc *d, const char *buf, size_t len)
{
    memset(&d->err, 0, sizeof d->err);
    ig_tsource_init_file(&d->src, "template.yaml", buf, len);
    cr_assert_eq(ig_tsource_index(&d->src, &d->a), 0);
    d->rc = ig_yaml_load(&d->src, &d->a, &d->lim, &d->root, &d->err);
    return d->rc;
}

static int yparse(ydoc *d, const char *buf, size_t len)
{
    ydoc_init(d);
    return ydoc_load(d, buf, len);
}

#define YPARSE(d, lit) yparse((d), (lit), sizeof(lit) - 1)

static void ydoc_free(ydoc *d)
{
    ig_arena_free(&d->a);
}

/* An RFC 6901 pointer like "/Resources/Role/Properties/0": object members by
 * name (the last of duplicates, like ig_tnode_get), array items by index. With a
 * "key " prefix, the key node of the last member. */
static const tnode *at(const tnode *root, const char *path)
{
    int want_key = strncmp(path, "key ", 4) == 0;
    const char *p = want_key ? path + 4 : path;
    const tnode *n = root, *key = NULL;
    while (n && *p == '/') {
        p++;
        char tok[256];
        size_t t = 0;
        while (*p && *p != '/' && t + 1 < sizeof tok) {
            if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
                tok[t++] = p[1] == '1' ? '/' : '~';
                p += 2;
            } else {
                tok[t++] = *p++;
            }
        }
        tok[t] = '\0';
        if (n->type == TN_OBJECT) {
            const tmember *m = ig_tnode_member(n, tok);
            key = m ? &m->key : NULL;
            n = m ? &m->value : NULL;
        } else if (n->type == TN_ARRAY) {
            char *end;
            unsigned long i = strtoul(tok, &end, 10);
            n = (*end == '\0' && i < n->n) ? &n->u.items[i] : NULL;
            key = NULL;
        } else {
            n = NULL;
        }
    }
    return want_key ? key : n;
}

static const tnode *must(const ydoc *d, const char *path)
{
    const tnode *n = at(d->root, path);
    cr_assert_not_null(n, "no node at %s", path);
    return n;
}

static const char *str_at(const ydoc *d, const char *path)
{
    const tnode *n = must(d, path);
    cr_assert_eq(n->type, TN_STRING, "%s is a %s, not a string", path, ig_tnode_type_name(n));
    return n->u.s;
}

/* "L:C-L:C" of a node's span. */
static const char *span_of(const tsource *s, const tnode *n)
{
    static char out[64];
    srcpos a = ig_tsource_pos(s, n->start), b = ig_tsource_pos(s, n->end);
    snprintf(out, sizeof out, "%u:%u-%u:%u", a.line, a.col, b.line, b.col);
    return out;
}

static void expect_span(const ydoc *d, const char *path, const char *want)
{
    const tnode *n = must(d, path);
    const char *got = span_of(&d->src, n);
    cr_expect_str_eq(got, want, "span of %s: %s, want %s", path, got, want);
}

/* An object made from a short-form tag: {key: value}, flagged, one member. */
static const tnode *expect_tag(const tnode *n, const char *key)
{
    cr_assert_not_null(n);
    cr_assert_eq(n->type, TN_OBJECT, "expected a tag object, got a %s", ig_tnode_type_name(n));
    cr_expect(n->flags & TNF_TAG);
    cr_assert_eq(n->n, 1);
    cr_expect_str_eq(n->u.members[0].key.u.s, key);
    cr_expect_eq(n->u.members[0].key.type, TN_STRING);
    cr_expect_eq(n->u.members[0].key.start, n->start);
    cr_expect_eq(n->u.members[0].key.end, n->end);
    return &n->u.members[0].value;
}

static void expect_error(const char *text, size_t len, int code, unsigned line, unsigned col,
                         const char *needle)
{
    ydoc d;
    yparse(&d, text, len);
    cr_expect_eq(d.rc, code, "'%.60s': rc %d, want %d (%s)", text, d.rc, code, d.err.message);
    cr_expect_eq(d.err.code, code);
    cr_expect_str_eq(d.err.path, "template.yaml");
    cr_expect_eq(d.err.line, line, "'%.60s': line %u, want %u (%s)", text, d.err.line, line,
                 d.err.message);
    if (col)
        cr_expect_eq(d.err.column, col, "'%.60s': column %u, want %u", text, d.err.column, col);
    if (needle)
        cr_expect(strstr(d.err.message, needle), "message '%s' lacks '%s'", d.err.message, needle);
    cr_expect_null(strchr(d.err.message, '\n'), "message is not one line: %s", d.err.message);
    ydoc_free(&d);
}

#define EXPECT_ERROR(lit, code, line, col, needle)                                                 \
    expect_error((lit), sizeof(lit) - 1, (code), (line), (col), (needle))

static size_t put_text(char *b, size_t o, const char *s)
{
    size_t n = strlen(s);
    memcpy(b + o, s, n);
    return o + n;
}

/* --- a realistic CloudFormation template ------------------------------------- */

static const char role_template[] =
    "AWSTemplateFormatVersion: '2010-09-09'\n"          /* 1 */
    "Description: Role for the SSM runner\n"            /* 2 */
    "Parameters:\n"                                     /* 3 */
    "  Env:\n"                                          /* 4 */
    "    Type: String\n"                                /* 5 */
    "    AllowedValues: [dev, prod]\n"                  /* 6 */
    "Conditions:\n"                                     /* 7 */
    "  IsProd: !Equals [!Ref Env, prod]\n"              /* 8 */
    "Resources:\n"                                      /* 9 */
    "  RunnerRole:\n"                                   /* 10 */
    "    Type: AWS::IAM::Role\n"                        /* 11 */
    "    Properties:\n"                                 /* 12 */
    "      RoleName: !Sub '${AWS::StackName}-runner'\n" /* 13 */
    "      AssumeRolePolicyDocument:\n"                 /* 14 */
    "        Version: '2012-10-17'\n"                   /* 15 */
    "        Statement:\n"                              /* 16 */
    "          - Effect: Allow\n"                       /* 17 */
    "            Principal:\n"                          /* 18 */
    "              Service: ec2.amazonaws.com\n"        /* 19 */
    "            Action: sts:AssumeRole\n"              /* 20 */
    "      Policies:\n"                                 /* 21 */
    "        - PolicyName: ssm\n"                       /* 22 */
    "          PolicyDocument:\n"                       /* 23 */
    "            Version: \"2012-10-17\"\n"             /* 24 */
    "            Statement:\n"                          /* 25 */
    "              - Sid: SendCommand\n"                /* 26 */
    "                Effect: Allow\n"                   /* 27 */
    "                Action:\n"                         /* 28 */
    "                  - ssm:SendCommand\n"             /* 29 */
    "                  - ssm:StartSession\n"            /* 30 */
    "                Resource:\n"                       /* 31 */
    "                  - !Sub "
    "'arn:${AWS::Partition}:ssm:${AWS::Region}::document/AWS-RunShellScript'\n"
    "                  - !Join [ '', [ 'arn:aws:ec2:', !Ref 'AWS::Region', ':instance/*' ] ]\n"
    "                Condition: !If\n"                    /* 34 */
    "                  - IsProd\n"                        /* 35 */
    "                  - StringEquals:\n"                 /* 36 */
    "                      'ssm:resourceTag/Env': prod\n" /* 37 */
    "                  - !Ref AWS::NoValue\n"             /* 38 */
    "              - Effect: Allow\n"                     /* 39 */
    "                Action: s3:GetObject\n"              /* 40 */
    "                Resource: !GetAtt Bucket.Arn\n"      /* 41 */
    "  Bucket:\n"                                         /* 42 */
    "    Type: AWS::S3::Bucket\n"                         /* 43 */
    "Outputs:\n"                                          /* 44 */
    "  RoleArn:\n"                                        /* 45 */
    "    Value: !GetAtt [RunnerRole, Arn]\n";             /* 46 */

#define STMT "/Resources/RunnerRole/Properties/Policies/0/PolicyDocument/Statement"

Test(yaml_cfn, role_template_structure_and_types)
{
    ydoc d;
    cr_assert_eq(YPARSE(&d, role_template), 0, "%s", d.err.message);
    cr_assert_eq(d.root->type, TN_OBJECT);
    cr_expect_eq(d.root->n, 6);
    cr_expect_str_eq(str_at(&d, "/AWSTemplateFormatVersion"), "2010-09-09");
    cr_expect(must(&d, "/AWSTemplateFormatVersion")->flags & TNF_QUOTED);
    cr_expect_str_eq(str_at(&d, "/Resources/RunnerRole/Type"), "AWS::IAM::Role");
    cr_expect_eq(must(&d, "/Parameters/Env/AllowedValues")->type, TN_ARRAY);

    /* Conditions: !Equals [!Ref Env, prod] */
    const tnode *eq = expect_tag(must(&d, "/Conditions/IsProd"), "Fn::Equals");
    cr_assert_eq(eq->type, TN_ARRAY);
    cr_assert_eq(eq->n, 2);
    cr_expect_str_eq(ig_tnode_str(expect_tag(&eq->u.items[0], "Ref")), "Env");
    cr_expect_str_eq(ig_tnode_str(&eq->u.items[1]), "prod");

    expect_tag(must(&d, "/Resources/RunnerRole/Properties/RoleName"), "Fn::Sub");
    cr_expect_str_eq(str_at(&d, "/Resources/RunnerRole/Properties/RoleName/Fn::Sub"),
                     "${AWS::StackName}-runner");

    const tnode *st = must(&d, STMT);
    cr_assert_eq(st->type, TN_ARRAY);
    cr_assert_eq(st->n, 2);
    cr_expect_str_eq(
        str_at(&d, "/Resources/RunnerRole/Properties/Policies/0/PolicyDocument/Version"),
        "2012-10-17");
    const tnode *act = must(&d, STMT "/0/Action");
    cr_assert_eq(act->type, TN_ARRAY);
    cr_expect_eq(act->n, 2);
    cr_expect_str_eq(str_at(&d, STMT "/0/Action/1"), "ssm:StartSession");

    cr_expect_str_eq(ig_tnode_str(expect_tag(must(&d, STMT "/0/Resource/0"), "Fn::Sub")),
                     "arn:${AWS::Partition}:ssm:${AWS::Region}::document/AWS-RunShellScript");
    /* !Join with an empty separator and a nested list holding a !Ref */
    const tnode *join = expect_tag(must(&d, STMT "/0/Resource/1"), "Fn::Join");
    cr_assert_eq(join->type, TN_ARRAY);
    cr_assert_eq(join->n, 2);
    cr_expect_eq(join->u.items[0].type, TN_STRING);
    cr_expect_eq(join->u.items[0].n, 0);
    cr_expect(join->u.items[0].flags & TNF_QUOTED);
    const tnode *parts = &join->u.items[1];
    cr_assert_eq(parts->type, TN_ARRAY);
    cr_assert_eq(parts->n, 3);
    cr_expect_str_eq(ig_tnode_str(&parts->u.items[0]), "arn:aws:ec2:");
    cr_expect_str_eq(ig_tnode_str(expect_tag(&parts->u.items[1], "Ref")), "AWS::Region");
    cr_expect_str_eq(ig_tnode_str(&parts->u.items[2]), ":instance/*");

    /* Condition: !If [IsProd, {StringEquals: ...}, !Ref AWS::NoValue] as a block sequence */
    const tnode *iff = expect_tag(must(&d, STMT "/0/Condition"), "Fn::If");
    cr_assert_eq(iff->type, TN_ARRAY);
    cr_assert_eq(iff->n, 3);
    cr_expect_str_eq(ig_tnode_str(&iff->u.items[0]), "IsProd");
    cr_expect_str_eq(ig_tnode_str(ig_tnode_get(ig_tnode_get(&iff->u.items[1], "StringEquals"),
                                               "ssm:resourceTag/Env")),
                     "prod");
    cr_expect_str_eq(ig_tnode_str(expect_tag(&iff->u.items[2], "Ref")), "AWS::NoValue");

    /* !GetAtt Bucket.Arn -> ["Bucket", "Arn"]; the list form stays a list. */
    const tnode *ga = expect_tag(must(&d, STMT "/1/Resource"), "Fn::GetAtt");
    cr_assert_eq(ga->type, TN_ARRAY);
    cr_assert_eq(ga->n, 2);
    cr_expect_str_eq(ig_tnode_str(&ga->u.items[0]), "Bucket");
    cr_expect_str_eq(ig_tnode_str(&ga->u.items[1]), "Arn");
    const tnode *ga2 = expect_tag(must(&d, "/Outputs/RoleArn/Value"), "Fn::GetAtt");
    cr_assert_eq(ga2->type, TN_ARRAY);
    cr_expect_eq(ga2->flags & TNF_SYNTHETIC, 0);
    cr_expect_str_eq(ig_tnode_str(&ga2->u.items[0]), "RunnerRole");
    ydoc_free(&d);
}

Test(yaml_cfn, role_template_spans)
{
    ydoc d;
    cr_assert_eq(YPARSE(&d, role_template), 0, "%s", d.err.message);
    expect_span(&d, "", "1:1-46:37");
    expect_span(&d, "key /Resources/RunnerRole", "10:3-10:13");
    expect_span(&d, "/Resources/RunnerRole", "11:5-41:45");
    expect_span(&d, "/AWSTemplateFormatVersion", "1:27-1:39");
    expect_span(&d, "/Parameters/Env/AllowedValues", "6:20-6:31");
    expect_span(&d, "/Parameters/Env/AllowedValues/1", "6:26-6:30");
    /* Tag objects and their keys start at the '!', the value at its quote. */
    expect_span(&d, "/Resources/RunnerRole/Properties/RoleName", "13:17-13:48");
    expect_span(&d, "/Resources/RunnerRole/Properties/RoleName/Fn::Sub", "13:22-13:48");
    expect_span(&d, STMT, "26:15-41:45");
    expect_span(&d, STMT "/0", "26:17-38:38");
    expect_span(&d, STMT "/0/Action", "29:19-30:37");
    expect_span(&d, STMT "/0/Action/0", "29:21-29:36");
    expect_span(&d, STMT "/0/Resource/1", "33:21-33:88");
    expect_span(&d, STMT "/0/Resource/1/Fn::Join", "33:27-33:88");
    expect_span(&d, STMT "/0/Resource/1/Fn::Join/1/1", "33:51-33:69");
    expect_span(&d, STMT "/0/Resource/1/Fn::Join/1/1/Ref", "33:56-33:69");
    expect_span(&d, STMT "/0/Condition", "34:28-38:38");
    expect_span(&d, STMT "/0/Condition/Fn::If", "35:19-38:38");
    expect_span(&d, STMT "/0/Condition/Fn::If/1/StringEquals/ssm:resourceTag~1Env", "37:46-37:50");
    expect_span(&d, STMT "/1/Resource", "41:27-41:45");
    /* The two halves of a plain !GetAtt scalar keep exact spans. */
    expect_span(&d, STMT "/1/Resource/Fn::GetAtt/0", "41:35-41:41");
    expect_span(&d, STMT "/1/Resource/Fn::GetAtt/1", "41:42-41:45");
    expect_span(&d, "/Outputs/RoleArn/Value/Fn::GetAtt", "46:20-46:37");
    ydoc_free(&d);
}

/* --- positions ------------------------------------------------------------------ */

Test(yaml_positions, after_multibyte_characters)
{
    /* é is 2 bytes and 1 UTF-16 unit, 😀 4 bytes and 2 units. */
    static const char y[] = "k: é😀 x\n"
                            "v: [é, \"😀x\", 'q''r']\n"
                            "😀: !Ref é\n"
                            "w: |\n"
                            "  😀 line\n"
                            "  é\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    expect_span(&d, "/k", "1:4-1:9");
    cr_expect_str_eq(str_at(&d, "/k"), "é😀 x");
    expect_span(&d, "/v", "2:4-2:22");
    expect_span(&d, "/v/0", "2:5-2:6");
    expect_span(&d, "/v/1", "2:8-2:13");
    expect_span(&d, "/v/2", "2:15-2:21");
    cr_expect_str_eq(str_at(&d, "/v/2"), "q'r");
    expect_span(&d, "key /😀", "3:1-3:3");
    expect_span(&d, "/😀", "3:5-3:11");
    expect_span(&d, "/😀/Ref", "3:10-3:11");
    expect_span(&d, "/w", "4:4-6:4");
    /* Byte offsets, not characters: the value of k starts at byte 3. */
    cr_expect_eq(must(&d, "/k")->start, 3);
    cr_expect_eq(must(&d, "/k")->end, 3 + 2 + 4 + 2);
    ydoc_free(&d);
}

Test(yaml_positions, crlf_and_bom)
{
    static const char y[] = "\xEF\xBB\xBF"
                            "a: 1\r\n"
                            "b:\r\n"
                            "  - x\r\n"
                            "  - \"y\"\r\n"
                            "c: |\r\n"
                            "  lit\r\n"
                            "  more\r\n"
                            "d: é\r\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_eq(d.root->start, 3, "the BOM is not part of the document");
    expect_span(&d, "key /a", "1:1-1:2");
    expect_span(&d, "/a", "1:4-1:5");
    expect_span(&d, "/b", "3:3-4:8");
    expect_span(&d, "/b/1", "4:5-4:8");
    expect_span(&d, "/c", "5:4-7:7");
    cr_expect_str_eq(str_at(&d, "/c"), "lit\nmore\n");
    expect_span(&d, "/d", "8:4-8:5");
    ydoc_free(&d);
}

Test(yaml_positions, block_scalar_spans_start_at_the_indicator)
{
    static const char y[] = "a: |-\n"
                            "    x\n"
                            "\n"
                            "# a comment\n"
                            "b: >+\n"
                            "  folded\n"
                            "\n"
                            "c: &anc !Sub |\n"
                            "  t\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    expect_span(&d, "/a", "1:4-2:6");
    cr_expect(must(&d, "/a")->flags & TNF_BLOCK);
    expect_span(&d, "/b", "5:4-6:9");
    cr_expect_str_eq(str_at(&d, "/b"), "folded\n\n");
    expect_span(&d, "/c", "8:9-9:4");
    expect_span(&d, "/c/Fn::Sub", "8:14-9:4");
    ydoc_free(&d);
}

/* --- short-form tags --------------------------------------------------------------- */

Test(yaml_tags, every_short_form)
{
    static const struct {
        const char *tag, *key;
    } tags[] = {
        {"Ref", "Ref"},
        {"Condition", "Condition"},
        {"Sub", "Fn::Sub"},
        {"Join", "Fn::Join"},
        {"If", "Fn::If"},
        {"Select", "Fn::Select"},
        {"Split", "Fn::Split"},
        {"FindInMap", "Fn::FindInMap"},
        {"ImportValue", "Fn::ImportValue"},
        {"Base64", "Fn::Base64"},
        {"Cidr", "Fn::Cidr"},
        {"GetAZs", "Fn::GetAZs"},
        {"Equals", "Fn::Equals"},
        {"And", "Fn::And"},
        {"Or", "Fn::Or"},
        {"Not", "Fn::Not"},
        {"Transform", "Fn::Transform"},
        {"Length", "Fn::Length"},
        {"ToJsonString", "Fn::ToJsonString"},
        {"GetAtt", "Fn::GetAtt"},
    };
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        char y[256];
        int n = snprintf(y, sizeof y, "s: !%s val\nq: !%s [a, b]\nm: !%s\n  k: v\n", tags[i].tag,
                         tags[i].tag, tags[i].tag);
        ydoc d;
        cr_assert_eq(yparse(&d, y, (size_t)n), 0, "%s: %s", tags[i].tag, d.err.message);
        const tnode *s = expect_tag(must(&d, "/s"), tags[i].key);
        cr_expect_eq(s->type, TN_STRING, "!%s scalar", tags[i].tag);
        cr_expect_str_eq(s->u.s, "val");
        cr_expect_eq(ig_tsource_pos(&d.src, must(&d, "/s")->start).col, 4);
        const tnode *q = expect_tag(must(&d, "/q"), tags[i].key);
        cr_expect_eq(q->type, TN_ARRAY, "!%s sequence", tags[i].tag);
        cr_expect_eq(q->n, 2);
        const tnode *m = expect_tag(must(&d, "/m"), tags[i].key);
        cr_expect_str_eq(ig_tnode_str(ig_tnode_get(m, "k")), "v");
        ydoc_free(&d);
    }
}

Test(yaml_tags, getatt_splits_at_the_first_dot)
{
    static const char y[] = "a: !GetAtt Res.Outputs.Url\n"
                            "b: !GetAtt 'Res.Arn'\n"
                            "c: !GetAtt [Res, Outputs.Url]\n"
                            "d: !GetAtt NoDot\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    const tnode *a = expect_tag(must(&d, "/a"), "Fn::GetAtt");
    cr_assert_eq(a->type, TN_ARRAY);
    cr_assert_eq(a->n, 2);
    cr_expect_str_eq(a->u.items[0].u.s, "Res");
    cr_expect_str_eq(a->u.items[1].u.s, "Outputs.Url");
    expect_span(&d, "/a/Fn::GetAtt", "1:12-1:27");
    expect_span(&d, "/a/Fn::GetAtt/1", "1:16-1:27");
    const tnode *b = expect_tag(must(&d, "/b"), "Fn::GetAtt");
    cr_assert_eq(b->n, 2);
    cr_expect_str_eq(b->u.items[1].u.s, "Arn");
    expect_span(&d, "/b/Fn::GetAtt/1", "2:17-2:20");
    const tnode *c = expect_tag(must(&d, "/c"), "Fn::GetAtt");
    cr_expect_str_eq(c->u.items[1].u.s, "Outputs.Url");
    cr_expect_str_eq(ig_tnode_str(expect_tag(must(&d, "/d"), "Fn::GetAtt")), "NoDot");
    ydoc_free(&d);
}

Test(yaml_tags, empty_and_anchored_and_commented_tag_values)
{
    static const char y[] = "a: !Ref\n"
                            "b: &x !Sub # why\n"
                            "  \"s\"\n"
                            "c: *x\n"
                            "d: !Sub\n"
                            "  - '${A}'\n"
                            "  - A: !Ref B\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_eq(expect_tag(must(&d, "/a"), "Ref")->type, TN_NULL);
    expect_span(&d, "/b", "2:7-3:6");
    expect_span(&d, "/b/Fn::Sub", "3:3-3:6");
    cr_expect_str_eq(str_at(&d, "/c/Fn::Sub"), "s");
    const tnode *sub = expect_tag(must(&d, "/d"), "Fn::Sub");
    cr_assert_eq(sub->type, TN_ARRAY);
    cr_expect_str_eq(ig_tnode_str(expect_tag(ig_tnode_get(&sub->u.items[1], "A"), "Ref")), "B");
    ydoc_free(&d);
}

Test(yaml_tags, unknown_local_tags_keep_the_value)
{
    static const char y[] = "a: !Foo 12\n"
                            "b: !Foo [1]\n"
                            "c: !Foo\n"
                            "  x: 1\n"
                            "d: !ref lower\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_eq(must(&d, "/a")->type, TN_NUMBER);
    cr_expect_eq(must(&d, "/a")->flags, 0);
    expect_span(&d, "/a", "1:9-1:11");
    cr_expect_eq(must(&d, "/b")->type, TN_ARRAY);
    cr_expect_eq(must(&d, "/c")->type, TN_OBJECT);
    cr_expect_eq(must(&d, "/c")->flags, 0);
    cr_expect_str_eq(str_at(&d, "/d"), "lower");
    ydoc_free(&d);
}

/* --- scalars ------------------------------------------------------------------------ */

Test(yaml_scalars, core_schema)
{
    static const struct {
        const char *text;
        int type;
        const char *value;
    } cases[] = {
        {"null", TN_NULL, "null"},
        {"Null", TN_NULL, "null"},
        {"NULL", TN_NULL, "null"},
        {"~", TN_NULL, "null"},
        {"", TN_NULL, "null"},
        {"true", TN_BOOL, "true"},
        {"True", TN_BOOL, "true"},
        {"TRUE", TN_BOOL, "true"},
        {"false", TN_BOOL, "false"},
        {"False", TN_BOOL, "false"},
        {"FALSE", TN_BOOL, "false"},
        {"yes", TN_STRING, "yes"},
        {"off", TN_STRING, "off"},
        {"tRue", TN_STRING, "tRue"},
        {"nULL", TN_STRING, "nULL"},
        {"0", TN_NUMBER, "0"},
        {"-12", TN_NUMBER, "-12"},
        {"+7", TN_NUMBER, "+7"},
        {"012", TN_NUMBER, "012"},
        {"0o17", TN_NUMBER, "0o17"},
        {"0x1F", TN_NUMBER, "0x1F"},
        {"0x", TN_STRING, "0x"},
        {"0o8", TN_STRING, "0o8"},
        {"1.5", TN_NUMBER, "1.5"},
        {"-.5", TN_NUMBER, "-.5"},
        {"1.", TN_NUMBER, "1."},
        {"1e3", TN_NUMBER, "1e3"},
        {"2.5E-3", TN_NUMBER, "2.5E-3"},
        {".inf", TN_NUMBER, ".inf"},
        {"-.Inf", TN_NUMBER, "-.Inf"},
        {".NaN", TN_NUMBER, ".NaN"},
        {".", TN_STRING, "."},
        {"1e", TN_STRING, "1e"},
        {"1.2.3", TN_STRING, "1.2.3"},
        {"2012-10-17", TN_STRING, "2012-10-17"},
        {"123456789012", TN_NUMBER, "123456789012"},
        {"'true'", TN_STRING, "true"},
        {"\"12\"", TN_STRING, "12"},
        {"'~'", TN_STRING, "~"},
        {"\"\"", TN_STRING, ""},
        {"!!str 12", TN_STRING, "12"},
        {"!!int \"12\"", TN_NUMBER, "12"},
        {"!!float 1", TN_NUMBER, "1"},
        {"!!bool 'false'", TN_BOOL, "false"},
        {"!!null ''", TN_NULL, "null"},
        {"! 12", TN_STRING, "12"},
        {"!<tag:yaml.org,2002:str> true", TN_STRING, "true"},
        {"*", TN_STRING, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (!cases[i].value) continue;
        char y[128];
        int n = snprintf(y, sizeof y, "v: %s\n", cases[i].text);
        ydoc d;
        cr_assert_eq(yparse(&d, y, (size_t)n), 0, "%s: %s", cases[i].text, d.err.message);
        const tnode *v = must(&d, "/v");
        cr_expect_eq(v->type, cases[i].type, "'%s' is a %s", cases[i].text, ig_tnode_type_name(v));
        cr_expect_str_eq(v->u.s, cases[i].value, "'%s'", cases[i].text);
        cr_expect_eq(v->n, strlen(cases[i].value));
        ydoc_free(&d);
    }
}

Test(yaml_scalars, standard_tags_that_do_not_fit_are_errors)
{
    EXPECT_ERROR("v: !!int abc\n", IAMG_EPARSE, 1, 10, "not a valid !!int");
    EXPECT_ERROR("v: !!bool yes\n", IAMG_EPARSE, 1, 11, "!!bool");
    EXPECT_ERROR("v: !!null x\n", IAMG_EPARSE, 1, 11, "!!null");
    EXPECT_ERROR("v: !!seq {a: 1}\n", IAMG_EPARSE, 1, 4, "!!seq");
    EXPECT_ERROR("v: !!map x\n", IAMG_EPARSE, 1, 4, "!!map");
    EXPECT_ERROR("v: !!str [1]\n", IAMG_EPARSE, 1, 4, "!!str");
}

Test(yaml_scalars, multi_line_and_escaped_values)
{
    static const char y[] = "a: \"one\n"
                            "  two\\tx\\u00e9\n"
                            "\n"
                            "  three\"\n"
                            "b: plain\n"
                            "  folded\n"
                            "c: 'it''s'\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_str_eq(str_at(&d, "/a"), "one two\tx\xC3\xA9\nthree");
    expect_span(&d, "/a", "1:4-4:9");
    cr_expect_str_eq(str_at(&d, "/b"), "plain folded");
    expect_span(&d, "/b", "5:4-6:9");
    cr_expect_str_eq(str_at(&d, "/c"), "it's");
    ydoc_free(&d);
}

/* --- keys ------------------------------------------------------------------------------ */

Test(yaml_keys, scalar_keys_of_any_kind_are_strings)
{
    static const char y[] = "1: a\ntrue: b\n~: c\n'q': d\n\"\": e\n1.5: f\n? |\n  blk\n: g\n";
    static const char *const keys[] = {"1", "true", "~", "q", "", "1.5", "blk\n"};
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_assert_eq(d.root->n, 7);
    for (uint32_t i = 0; i < 7; i++) {
        const tnode *k = &d.root->u.members[i].key;
        cr_expect_eq(k->type, TN_STRING);
        cr_expect_str_eq(k->u.s, keys[i]);
    }
    cr_expect(d.root->u.members[3].key.flags & TNF_QUOTED);
    ydoc_free(&d);
}

Test(yaml_keys, duplicates_are_kept_and_the_last_wins)
{
    ydoc d;
    cr_assert_eq(YPARSE(&d, "Effect: Deny\nAction: '*'\nEffect: Allow\n"), 0);
    cr_expect_eq(d.root->n, 3);
    cr_expect_str_eq(str_at(&d, "/Effect"), "Allow");
    ydoc_free(&d);
}

Test(yaml_keys, collections_as_keys_are_errors)
{
    EXPECT_ERROR("[a]: 1\n", IAMG_EPARSE, 1, 1, "mapping keys must be scalars");
    EXPECT_ERROR("{[a]: 1}\n", IAMG_EPARSE, 1, 2, "mapping keys must be scalars");
    EXPECT_ERROR("x: [{y: 1}: 2]\n", IAMG_EPARSE, 1, 5, "mapping keys must be scalars");
    EXPECT_ERROR("a: 1\n? {b: 2}\n: 3\n", IAMG_EPARSE, 2, 3, "mapping keys must be scalars");
    EXPECT_ERROR("x: &l [1]\n*l : 2\n", IAMG_EPARSE, 2, 1, "mapping keys must be scalars");
}

/* --- anchors, aliases and merge keys ---------------------------------------------------- */

Test(yaml_anchors, alias_is_a_shallow_copy)
{
    static const char y[] = "base: &b\n"
                            "  Effect: Allow\n"
                            "  Action: [s3:GetObject, s3:PutObject]\n"
                            "copy: *b\n"
                            "name: &n role-1\n"
                            "again: *n\n"
                            "*n : by-alias\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    const tnode *b = must(&d, "/base"), *c = must(&d, "/copy");
    cr_expect_eq(c->type, TN_OBJECT);
    cr_expect_eq(c->n, b->n);
    cr_expect_eq(c->u.members, b->u.members, "children are shared, not copied");
    cr_expect_eq(c->start, b->start);
    cr_expect_str_eq(str_at(&d, "/copy/Action/1"), "s3:PutObject");
    cr_expect_str_eq(str_at(&d, "/again"), "role-1");
    cr_expect_str_eq(str_at(&d, "/role-1"), "by-alias");
    ydoc_free(&d);
}

Test(yaml_anchors, redefined_anchor_applies_from_there_on)
{
    ydoc d;
    cr_assert_eq(YPARSE(&d, "a: &x 1\nb: *x\nc: &x 2\nd: *x\n"), 0, "%s", d.err.message);
    cr_expect_str_eq(must(&d, "/b")->u.s, "1");
    cr_expect_str_eq(must(&d, "/d")->u.s, "2");
    ydoc_free(&d);
}

Test(yaml_anchors, merge_keys)
{
    static const char y[] = "defaults: &d\n"
                            "  Effect: Allow\n"
                            "  Resource: '*'\n"
                            "extra: &e {Resource: none, Sid: S1, Condition: {}}\n"
                            "one:\n"
                            "  <<: *d\n"
                            "  Action: ssm:SendCommand\n"
                            "two:\n"
                            "  Resource: arn:aws:s3:::b\n"
                            "  <<: [*e, *d]\n"
                            "three: {<<: {x: 1}, y: 2}\n"
                            "quoted: {\"<<\": 1}\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    const tnode *one = must(&d, "/one");
    cr_expect_eq(one->n, 3);
    cr_expect_str_eq(str_at(&d, "/one/Effect"), "Allow");
    cr_expect_str_eq(str_at(&d, "/one/Resource"), "*");
    cr_expect_str_eq(str_at(&d, "/one/Action"), "ssm:SendCommand");
    /* Explicit keys win over merged ones, earlier merged mappings over later. */
    const tnode *two = must(&d, "/two");
    cr_expect_eq(two->n, 4, "Resource once, Sid, Condition, Effect");
    cr_expect_str_eq(str_at(&d, "/two/Resource"), "arn:aws:s3:::b");
    cr_expect_str_eq(str_at(&d, "/two/Sid"), "S1");
    cr_expect_str_eq(str_at(&d, "/two/Effect"), "Allow");
    uint32_t resources = 0;
    for (uint32_t i = 0; i < two->n; i++)
        resources += strcmp(two->u.members[i].key.u.s, "Resource") == 0;
    cr_expect_eq(resources, 1);
    cr_expect_str_eq(must(&d, "/three/x")->u.s, "1");
    cr_expect_eq(must(&d, "/three")->n, 2);
    cr_expect_str_eq(must(&d, "/quoted/<<")->u.s, "1");
    ydoc_free(&d);
}

Test(yaml_anchors, bad_merge_and_alias_errors)
{
    EXPECT_ERROR("a: &s text\nb:\n  <<: *s\n", IAMG_EPARSE, 3, 3, "merge key");
    EXPECT_ERROR("a: [1]\nb: {<<: [{x: 1}, 2]}\n", IAMG_EPARSE, 2, 5, "merge key");
    EXPECT_ERROR("a: 1\nb: *nope\n", IAMG_EPARSE, 2, 4, "undefined alias *nope");
    EXPECT_ERROR("a: &r\n  - *r\n", IAMG_EPARSE, 2, 5, "recursive");
}

Test(yaml_anchors, billion_laughs_is_stopped, .timeout = 5)
{
    static const char y[] = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                            "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                            "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                            "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                            "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                            "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                            "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                            "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    ydoc d;
    YPARSE(&d, y);
    cr_expect_eq(d.rc, IAMG_ELIMIT);
    cr_expect_eq(d.err.line, 7);
    cr_expect(strstr(d.err.message, "YAML aliases expand to more than 1000000 nodes (limit "
                                    "max_yaml_nodes): alias bomb?"),
              "%s", d.err.message);
    ydoc_free(&d);

    /* Merge keys expand too. */
    char big[8192];
    size_t n = (size_t)snprintf(big, sizeof big, "a: &a {");
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "k%d: 1, ", i);
    n += (size_t)snprintf(big + n, sizeof big - n, "z: 0}\n");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "m%d: {<<: [*a, *a, *a]}\n", i);
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 100000;
    ydoc_load(&d, big, n);
    cr_expect_eq(d.rc, IAMG_ELIMIT, "%s", d.err.message);
    ydoc_free(&d);
}

Test(yaml_anchors, node_budget_boundary)
{
    /* root, key a, [ + 3 items = 6 nodes; key b + *a (4 nodes) = 11. */
    static const char y[] = "a: &a [1, 2, 3]\nb: *a\n";
    ydoc d;
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 11;
    cr_expect_eq(ydoc_load(&d, y, sizeof y - 1), 0, "%s", d.err.message);
    ydoc_free(&d);
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 10;
    cr_expect_eq(ydoc_load(&d, y, sizeof y - 1), IAMG_ELIMIT);
    cr_expect(strstr(d.err.message, "alias bomb?"));
    cr_expect_eq(d.err.line, 2);
    cr_expect_eq(d.err.column, 4);
    ydoc_free(&d);
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 5;
    cr_expect_eq(ydoc_load(&d, y, sizeof y - 1), IAMG_ELIMIT);
    cr_expect(strstr(d.err.message, "YAML document has more than 5 nodes"), "%s", d.err.message);
    ydoc_free(&d);
}

Test(yaml_limits, node_budget_per_document_alias_budget_per_file)
{
    /* Three nodes a document: a stream of them passes a limit of five. */
    static const char plain[] = "a: 1\n---\nb: 2\n---\nc: 3\n";
    ydoc d;
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 5;
    cr_expect_eq(ydoc_load(&d, plain, sizeof plain - 1), 0, "%s", d.err.message);
    ydoc_free(&d);
    /* Nine nodes a document, three of them from an alias: the fourth
     * document takes the file's alias expansions past nine. */
    static const char bombs[] = "a: &x [1, 2]\nb: *x\n---\na: &x [1, 2]\nb: *x\n---\n"
                                "a: &x [1, 2]\nb: *x\n---\na: &x [1, 2]\nb: *x\n";
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 9;
    cr_expect_eq(ydoc_load(&d, bombs, sizeof bombs - 1), IAMG_ELIMIT);
    cr_expect(strstr(d.err.message, "alias bomb?"), "%s", d.err.message);
    cr_expect_eq(d.err.line, 11);
    ydoc_free(&d);
    ydoc_init(&d);
    d.lim.max_yaml_nodes = 12;
    cr_expect_eq(ydoc_load(&d, bombs, sizeof bombs - 1), 0, "%s", d.err.message);
    ydoc_free(&d);
}

/* --- depth ---------------------------------------------------------------------------- */

static void expect_too_deep(const char *unit, size_t count, const char *tail)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *buf = malloc(ul * count + tl);
    cr_assert_not_null(buf);
    for (size_t i = 0; i < count; i++)
        memcpy(buf + i * ul, unit, ul);
    memcpy(buf + ul * count, tail, tl);
    ydoc d;
    yparse(&d, buf, ul * count + tl);
    cr_expect_eq(d.rc, IAMG_ELIMIT, "%zu x '%s': %s", count, unit, d.err.message);
    cr_expect(strstr(d.err.message, "nesting deeper than 1000 levels (limit max_depth)"), "%s",
              d.err.message);
    ydoc_free(&d);
    free(buf);
}

Test(yaml_depth, hundred_thousand_levels_hit_the_limit, .timeout = 20)
{
    expect_too_deep("[", 100000, "");
    expect_too_deep("{a: ", 100000, "");
    expect_too_deep("- ", 100000, "x\n");
    expect_too_deep("!Not [", 100000, "");
    ydoc d;
    char *buf = malloc(100000);
    memset(buf, '[', 100000);
    yparse(&d, buf, 100000);
    cr_expect_eq(d.err.line, 1);
    cr_expect_eq(d.err.column, 1001);
    ydoc_free(&d);
    free(buf);
}

static int load_with_depth(const char *y, unsigned depth)
{
    ydoc d;
    ydoc_init(&d);
    d.lim.max_depth = depth;
    int rc = ydoc_load(&d, y, strlen(y));
    ydoc_free(&d);
    return rc;
}

Test(yaml_depth, limit_counts_tree_levels)
{
    cr_expect_eq(load_with_depth("[[[1]]]", 3), 0);
    cr_expect_eq(load_with_depth("[[[[1]]]]", 3), IAMG_ELIMIT);
    cr_expect_eq(load_with_depth("a:\n  b:\n    - 1\n", 3), 0);
    cr_expect_eq(load_with_depth("a:\n  b:\n    - [1]\n", 3), IAMG_ELIMIT);
    /* A short-form tag adds the level of its object. */
    cr_expect_eq(load_with_depth("a: !Sub [x]\n", 3), 0);
    cr_expect_eq(load_with_depth("a: !Sub [x]\n", 2), IAMG_ELIMIT);
    cr_expect_eq(load_with_depth("a: !Ref x\n", 2), 0);
    cr_expect_eq(load_with_depth("a: !Ref x\n", 1), IAMG_ELIMIT);
    cr_expect_eq(load_with_depth("a: !GetAtt x.y\n", 3), 0);
    cr_expect_eq(load_with_depth("a: !GetAtt x.y\n", 2), IAMG_ELIMIT);
    /* So does what an alias brings in. */
    cr_expect_eq(load_with_depth("a: &x [[1]]\nb: *x\n", 3), 0);
    cr_expect_eq(load_with_depth("a: &x [[1]]\nb: [*x]\n", 3), IAMG_ELIMIT);
}

/* --- errors --------------------------------------------------------------------------- */

Test(yaml_errors, libyaml_problems_with_positions)
{
    /* libyaml finds the missing quote at the end of the input; the message
     * says where the string started. */
    EXPECT_ERROR("a: 1\nb: \"abc\nc: 2\n", IAMG_EPARSE, 4, 1,
                 "found unexpected end of stream (while scanning a quoted scalar that starts at "
                 "line 2, column 4)");
    EXPECT_ERROR("a: 1\n b: 2\n", IAMG_EPARSE, 2, 3,
                 "mapping values are not allowed in this context");
    EXPECT_ERROR("Statement:\n  - Effect: Allow\n   Action: x\n", IAMG_EPARSE, 3, 4,
                 "did not find expected '-' indicator");
    EXPECT_ERROR("a:\n  b: 1\n c: 2\n", IAMG_EPARSE, 3, 2, "did not find expected key");
    EXPECT_ERROR("a:\n\tb: 1\n", IAMG_EPARSE, 2, 1, "tabs");
    EXPECT_ERROR("a: [1, 2\nb: 3\n", IAMG_EPARSE, 2, 2,
                 "flow sequence that starts at line 1, column 4");
    EXPECT_ERROR("a: 1\nb: \xFF\n", IAMG_EPARSE, 2, 4, "invalid leading UTF-8 octet");
    EXPECT_ERROR("\xFF\xFE"
                 "a\0:\0",
                 IAMG_EPARSE, 1, 1, "UTF-16");
    /* Columns count UTF-16 units after multi-byte characters. */
    EXPECT_ERROR("😀: é: x\n", IAMG_EPARSE, 1, 6, "mapping values are not allowed");
    EXPECT_ERROR("\xEF\xBB\xBFk: v\r\nx: [\r\n", IAMG_EPARSE, 3, 1, NULL);
}

Test(yaml_errors, errors_in_a_decoded_source_point_into_the_file)
{
    /* A YAML text decoded from bytes 10.. of an outer file (one-to-one). */
    static const char outer[] = "prefix...\na: 1\n b: 2\n";
    tsource file, inner;
    arena a;
    ig_arena_init(&a);
    ig_tsource_init_file(&file, "outer.json", outer, sizeof outer - 1);
    uint32_t n = (uint32_t)(sizeof outer - 1 - 10);
    uint32_t *map = ig_arena_alloc(&a, (n + 1) * sizeof *map);
    for (uint32_t i = 0; i <= n; i++)
        map[i] = 10 + i;
    ig_tsource_init_decoded(&inner, &file, outer + 10, n, map);
    iamg_limits lim = IAMG_LIMITS_INIT;
    iamg_error err;
    const tnode *root;
    cr_expect_eq(ig_yaml_load(&inner, &a, &lim, &root, &err), IAMG_EPARSE);
    cr_expect_eq(err.line, 3);
    cr_expect_eq(err.column, 3);
    ig_arena_free(&a);
}

/* --- streams ---------------------------------------------------------------------------- */

Test(yaml_streams, empty_inputs_are_null)
{
    static const char *const inputs[] = {"",      "\n\n",        "# only a comment\n",
                                         "---\n", "--- \n...\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        ydoc d;
        cr_assert_eq(yparse(&d, inputs[i], strlen(inputs[i])), 0, "'%s': %s", inputs[i],
                     d.err.message);
        cr_expect_eq(d.root->type, TN_NULL, "'%s'", inputs[i]);
        ydoc_free(&d);
    }
}

Test(yaml_streams, every_document)
{
    ydoc d;
    /* Two documents: an array of their roots, flagged as a stream. */
    cr_assert_eq(YPARSE(&d, "--- \nx: 1\n...\n--- \ny: 2\n"), 0, "%s", d.err.message);
    cr_assert_eq(d.root->type, TN_ARRAY);
    cr_expect(d.root->flags & TNF_STREAM);
    cr_assert_eq(d.root->n, 2);
    cr_expect_not_null(ig_tnode_get(&d.root->u.items[0], "x"));
    cr_expect_not_null(ig_tnode_get(&d.root->u.items[1], "y"));
    cr_expect_eq(d.root->u.items[1].start, 19);
    ydoc_free(&d);
    /* A broken later document is an error where it breaks, not dropped. */
    cr_assert_eq(YPARSE(&d, "a: 1\n---\nb: [\n"), IAMG_EPARSE);
    cr_expect_eq(d.err.line, 4, "line %u", d.err.line);
    ydoc_free(&d);
    char y[4096];
    size_t n = put_text(y, 0, "a: 1\n---\n");
    for (int i = 0; i < 200; i++)
        n = put_text(y, n, "b: 1\n");
    n = put_text(y, n, "c: \xFF\n");
    cr_expect_eq(yparse(&d, y, n), IAMG_EPARSE);
    ydoc_free(&d);
    /* Empty documents hold nothing: one document left is the root. */
    cr_assert_eq(YPARSE(&d, "---\n---\na: 1\n---\n...\n"), 0, "%s", d.err.message);
    cr_expect_eq(d.root->type, TN_OBJECT);
    cr_expect_not_null(ig_tnode_get(d.root, "a"));
    ydoc_free(&d);
    /* A single document that is a sequence is not a stream. */
    cr_assert_eq(YPARSE(&d, "%YAML 1.1\n---\n- a\n"), 0, "%s", d.err.message);
    cr_expect_eq(d.root->type, TN_ARRAY);
    cr_expect_not(d.root->flags & TNF_STREAM);
    ydoc_free(&d);
    /* Anchors belong to their document. */
    cr_expect_eq(YPARSE(&d, "a: &x 1\n---\nb: *x\n"), IAMG_EPARSE);
    ydoc_free(&d);
    cr_assert_eq(YPARSE(&d, "a: &x 1\n---\nb: &x 2\nc: *x\n"), 0, "%s", d.err.message);
    cr_assert_eq(d.root->n, 2);
    cr_expect_str_eq(ig_tnode_get(&d.root->u.items[1], "c")->u.s, "2");
    ydoc_free(&d);
}

/* --- ig_yaml_string_map ----------------------------------------------------------------------- */

typedef struct inner_doc {
    ydoc outer;
    tsource inner;
    const tnode *root;
    iamg_error err;
    int rc;
} inner_doc;

/* Parse the YAML, then the JSON string at `path` through its string map. */
static void parse_inner(inner_doc *x, const char *y, size_t len, const char *path)
{
    cr_assert_eq(yparse(&x->outer, y, len), 0, "%s", x->outer.err.message);
    const tnode *s = must(&x->outer, path);
    cr_assert_eq(s->type, TN_STRING);
    uint32_t *map = ig_yaml_string_map(&x->outer.src, s, &x->outer.a);
    cr_assert_not_null(map);
    ig_tsource_init_decoded(&x->inner, &x->outer.src, s->u.s, s->n, map);
    x->rc = ig_json_pos_parse(&x->inner, &x->outer.a, 100, &x->root, &x->err);
}

/* The inner node at path starts at the first occurrence of `needle` in the
 * file (resolved to line/column both ways). */
static void expect_inner_at(inner_doc *x, const char *path, const char *needle)
{
    const tnode *n = at(x->root, path);
    cr_assert_not_null(n, "no inner node %s", path);
    const char *hit = strstr(x->outer.src.data, needle);
    cr_assert_not_null(hit, "needle %s", needle);
    uint32_t want = (uint32_t)(hit - x->outer.src.data);
    srcpos got = ig_tsource_pos(&x->inner, n->start);
    srcpos exp = ig_srcpos_scan(x->outer.src.data, x->outer.src.len, want);
    cr_expect(got.off == want && got.line == exp.line && got.col == exp.col,
              "%s at %u:%u (byte %u), want %u:%u (byte %u)", path, got.line, got.col, got.off,
              exp.line, exp.col, want);
}

Test(ig_yaml_string_map, literal_block_policy_document)
{
    static const char y[] = "Resources:\n"
                            "  P:\n"
                            "    Type: AWS::IAM::ManagedPolicy\n"
                            "    Properties:\n"
                            "      PolicyDocument: |\n"
                            "        {\n"
                            "          \"Version\": \"2012-10-17\",\n"
                            "          \"Statement\": [\n"
                            "            {\"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", "
                            "\"Resource\": \"*\"}\n"
                            "          ]\n"
                            "        }\n"
                            "    Other: x\n";
    inner_doc x;
    parse_inner(&x, y, sizeof y - 1, "/Resources/P/Properties/PolicyDocument");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    expect_inner_at(&x, "", "{\n          \"Version");
    expect_inner_at(&x, "/Version", "\"2012-10-17\"");
    expect_inner_at(&x, "/Statement/0/Action", "\"ssm:SendCommand\"");
    expect_inner_at(&x, "key /Statement/0/Resource", "\"Resource\"");
    srcpos p = ig_tsource_pos(&x.inner, at(x.root, "/Statement/0/Action")->start);
    cr_expect_eq(p.line, 9);
    cr_expect_eq(p.col, 43);
    ydoc_free(&x.outer);
}

Test(ig_yaml_string_map, quoted_single_line_policy)
{
    static const char y[] = "Policy: \"{\\\"Statement\\\": [{\\\"Action\\\": "
                            "\\\"ssm:StartSession\\\", \\\"Resource\\\": "
                            "\\\"*\\\", \\\"Sid\\\": \\\"caf\\u00e9\\\"}]}\"\n"
                            "Single: '{\"Action\": \"it''s\", \"Resource\": \"x\"}'\n"
                            "Plain: {\"a\": 1}\n";
    inner_doc x;
    parse_inner(&x, y, sizeof y - 1, "/Policy");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    /* A decoded quote maps to the backslash of its escape. */
    expect_inner_at(&x, "/Statement/0/Action", "\\\"ssm:StartSession");
    expect_inner_at(&x, "/Statement/0/Resource", "\\\"*");
    expect_inner_at(&x, "/Statement/0/Sid", "\\\"caf");
    cr_expect_str_eq(ig_tnode_str(at(x.root, "/Statement/0/Sid")), "caf\xC3\xA9");
    ydoc_free(&x.outer);

    parse_inner(&x, y, sizeof y - 1, "/Single");
    cr_assert_eq(x.rc, 0, "%s", x.err.message);
    cr_expect_str_eq(ig_tnode_str(at(x.root, "/Action")), "it's");
    expect_inner_at(&x, "/Resource", "\"x\"");
    expect_inner_at(&x, "key /Resource", "\"Resource\": \"x");
    ydoc_free(&x.outer);
}

/* Every byte of the decoded string maps into the node's source, in order,
 * and a byte that is neither whitespace nor from an escape maps to itself. */
static void expect_consistent_map(const ydoc *d, const tnode *s, arena *a)
{
    uint32_t *map = ig_yaml_string_map(&d->src, s, a);
    cr_assert_not_null(map);
    const char *src = d->src.data;
    for (uint32_t i = 0; i < s->n; i++) {
        if (i) cr_assert_geq(map[i], map[i - 1], "map goes back at %u", i);
        cr_assert_geq(map[i], s->start);
        char c = s->u.s[i], sc = src[map[i]];
        if (c == ' ' || c == '\n' || sc == '\\' || (c == '\'' && sc == '\'')) continue;
        cr_assert_eq(c, sc, "byte %u '%c' maps to '%c' at %u", i, c, sc, map[i]);
    }
    cr_expect_geq(map[s->n], s->n ? map[s->n - 1] : s->start);
}

Test(ig_yaml_string_map, literal_chomping_and_indentation)
{
    static const char y[] = "a: |\n"
                            "    indented\n"
                            "      more\n"
                            "\n"
                            "    last\n"
                            "b: |-\n"
                            "  strip\n"
                            "\n"
                            "c: |+\n"
                            "  keep\n"
                            "\n"
                            "d: |2\n"
                            "     four\n"
                            "    two\n"
                            "e: >\n"
                            "  folded\n"
                            "  text\n"
                            "\n"
                            "    more\n"
                            "  end\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_str_eq(str_at(&d, "/a"), "indented\n  more\n\nlast\n");
    cr_expect_str_eq(str_at(&d, "/b"), "strip");
    cr_expect_str_eq(str_at(&d, "/c"), "keep\n\n");
    cr_expect_str_eq(str_at(&d, "/d"), "   four\n  two\n");
    cr_expect_str_eq(str_at(&d, "/e"), "folded text\n\n  more\nend\n");
    static const char *const names[] = {"/a", "/b", "/c", "/d", "/e"};
    for (size_t i = 0; i < 5; i++)
        expect_consistent_map(&d, must(&d, names[i]), &d.a);

    uint32_t *m = ig_yaml_string_map(&d.src, must(&d, "/a"), &d.a);
    /* "  more": the two kept spaces are the source's columns 5 and 6. */
    srcpos p = ig_tsource_pos(&d.src, m[9]);
    cr_expect(p.line == 3 && p.col == 5, "%u:%u", p.line, p.col);
    p = ig_tsource_pos(&d.src, m[17]); /* 'l' of last */
    cr_expect(p.line == 5 && p.col == 5, "%u:%u", p.line, p.col);
    m = ig_yaml_string_map(&d.src, must(&d, "/d"), &d.a);
    p = ig_tsource_pos(&d.src, m[3]); /* 'f' of four */
    cr_expect(p.line == 13 && p.col == 6, "%u:%u", p.line, p.col);
    m = ig_yaml_string_map(&d.src, must(&d, "/e"), &d.a);
    p = ig_tsource_pos(&d.src, m[6]); /* the space folded from the line break */
    cr_expect(p.line == 16 && p.col == 9, "%u:%u", p.line, p.col);
    p = ig_tsource_pos(&d.src, m[13]); /* first space of "  more" */
    cr_expect(p.line == 19 && p.col == 3, "%u:%u", p.line, p.col);
    ydoc_free(&d);
}

Test(ig_yaml_string_map, crlf_block_and_multi_line_quoted)
{
    static const char y[] = "a: |\r\n"
                            "  {\"k\":\r\n"
                            "   \"v\"}\r\n"
                            "b: \"x\\\r\n"
                            "   y \\\"z\\\"\r\n"
                            "\r\n"
                            "  w\"\r\n"
                            "c: '1\r\n"
                            "  2 ''3'''\r\n"
                            "d: plain\r\n"
                            "   more\r\n";
    ydoc d;
    cr_assert_eq(YPARSE(&d, y), 0, "%s", d.err.message);
    cr_expect_str_eq(str_at(&d, "/a"), "{\"k\":\n \"v\"}\n");
    cr_expect_str_eq(str_at(&d, "/b"), "xy \"z\"\nw");
    cr_expect_str_eq(str_at(&d, "/c"), "1 2 '3'");
    cr_expect_str_eq(str_at(&d, "/d"), "plain more");
    static const char *const names[] = {"/a", "/b", "/c", "/d"};
    for (size_t i = 0; i < 4; i++)
        expect_consistent_map(&d, must(&d, names[i]), &d.a);
    uint32_t *m = ig_yaml_string_map(&d.src, must(&d, "/a"), &d.a);
    cr_expect_eq(d.src.data[m[5]], '\r', "a line break maps to its CR");
    srcpos p = ig_tsource_pos(&d.src, m[7]); /* '"' before v */
    cr_expect(p.line == 3 && p.col == 4, "%u:%u", p.line, p.col);
    m = ig_yaml_string_map(&d.src, must(&d, "/b"), &d.a);
    p = ig_tsource_pos(&d.src, m[1]); /* y, after the escaped line break */
    cr_expect(p.line == 5 && p.col == 4, "%u:%u", p.line, p.col);
    p = ig_tsource_pos(&d.src, m[6]); /* the \n from the empty line */
    cr_expect(p.line == 6 && p.col == 1, "%u:%u", p.line, p.col);
    p = ig_tsource_pos(&d.src, m[7]); /* w */
    cr_expect(p.line == 7 && p.col == 3, "%u:%u", p.line, p.col);
    m = ig_yaml_string_map(&d.src, must(&d, "/d"), &d.a);
    p = ig_tsource_pos(&d.src, m[6]); /* m of more */
    cr_expect(p.line == 11 && p.col == 4, "%u:%u", p.line, p.col);
    ydoc_free(&d);
}

/* Random scalars of every style: whatever libyaml decodes, the map stays
 * consistent with the source byte for byte. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) % n;
}

static size_t random_scalar(char *b, size_t o)
{
    static const char *const words[] = {"a", "bc", "s3:Get*", "é", "😀", "x#y", "-1", "{\"k\":"};
    static const char *const escapes[] = {"\\n",         "\\t", "\\\"", "\\\\", "\\x41", "\\u00e9",
                                          "\\U0001F600", "\\/", "\\ ",  "\\N",  "\\_",   "\\0"};
    const char *nl = rnd(4) ? "\n" : "\r\n";
    int style = (int)rnd(5), lines = 1 + (int)rnd(4);
    if (style >= 3) { /* literal or folded */
        o = put_text(b, o, style == 3 ? "|" : ">");
        if (rnd(3) == 0) b[o++] = (char)('1' + rnd(2));
        if (rnd(2)) b[o++] = rnd(2) ? '+' : '-';
        o = put_text(b, o, nl);
        for (int l = 0; l < lines; l++) {
            int kind = (int)rnd(6);
            if (kind == 0) {
                o = put_text(b, o, nl);
                continue;
            }
            o = put_text(b, o, "   ");
            if (kind == 1) o = put_text(b, o, "  ");
            if (kind == 2) b[o++] = ' ';
            if (kind == 3 && l) {
                o = put_text(b, o, nl);
                continue;
            }
            int nw = 1 + (int)rnd(3);
            for (int w = 0; w < nw; w++) {
                if (w) o = put_text(b, o, rnd(4) ? " " : "\t");
                o = put_text(b, o, words[rnd(8)]);
            }
            o = put_text(b, o, nl);
        }
        return o;
    }
    char q = style == 1 ? '\'' : style == 2 ? '"' : 0;
    if (q)
        b[o++] = q;
    else
        o = put_text(b, o, "w");
    for (int l = 0; l < lines; l++) {
        if (l) {
            if (q == '"' && rnd(4) == 0)
                b[o++] = '\\';
            else if (rnd(3) == 0)
                o = put_text(b, o, "  ");
            o = put_text(b, o, nl);
            if (rnd(3) == 0) o = put_text(b, o, nl);
            o = put_text(b, o, rnd(2) ? "   " : "  \t");
        }
        int nw = 1 + (int)rnd(3);
        for (int w = 0; w < nw; w++) {
            if (w) o = put_text(b, o, rnd(3) ? " " : "  ");
            if (q == '"' && rnd(3) == 0)
                o = put_text(b, o, escapes[rnd(12)]);
            else if (q == '\'' && rnd(3) == 0)
                o = put_text(b, o, "''");
            else
                o = put_text(b, o, words[rnd(q ? 8 : 5)]);
        }
    }
    if (q) {
        if (rnd(3) == 0) o = put_text(b, o, " ");
        b[o++] = q;
    }
    return put_text(b, o, nl);
}

Test(ig_yaml_string_map, random_scalars_map_consistently)
{
    int parsed = 0;
    for (int it = 0; it < 3000; it++) {
        char y[4096];
        size_t n = put_text(y, 0, rnd(2) ? "k: " : "- ");
        n = random_scalar(y, n);
        n = put_text(y, n, y[0] == 'k' ? "z: 1\n" : "- 1\n");
        ydoc d;
        yparse(&d, y, n);
        if (d.rc == 0) {
            parsed++;
            const tnode *v = y[0] == 'k' ? ig_tnode_get(d.root, "k") : &d.root->u.items[0];
            cr_assert_not_null(v);
            if (v->type == TN_STRING) expect_consistent_map(&d, v, &d.a);
        }
        ydoc_free(&d);
    }
    cr_log_info("random scalars: %d of 3000 parsed", parsed);
    cr_expect_gt(parsed, 1500);
}

Test(ig_yaml_string_map, tag_keys_and_synthetic_nodes_map_to_their_start)
{
    ydoc d;
    cr_assert_eq(YPARSE(&d, "a: !GetAtt \"x.\\u0079\"\n"), 0, "%s", d.err.message);
    const tnode *key = &must(&d, "/a")->u.members[0].key;
    uint32_t *m = ig_yaml_string_map(&d.src, key, &d.a);
    for (uint32_t i = 0; i < key->n; i++)
        cr_expect_eq(m[i], key->start);
    const tnode *part = must(&d, "/a/Fn::GetAtt/1");
    cr_expect_str_eq(part->u.s, "y");
    cr_expect(part->flags & TNF_SYNTHETIC);
    m = ig_yaml_string_map(&d.src, part, &d.a);
    cr_expect_eq(m[0], part->start);
    ydoc_free(&d);
}

/* --- allocation failures ------------------------------------------------------------------ */

Test(yaml_faults, every_allocation_failure_is_clean)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
    static const char y[] = "base: &b {Effect: Allow, Action: [a, b]}\n"
                            "s: !Sub x\n"
                            "g: !GetAtt a.b\n"
                            "m:\n  <<: [*b]\n  Sid: x\n"
                            "l: [*b, *b]\n";
    int succeeded = 0;
    for (long k = 0; k < 10000 && !succeeded; k++) {
        ydoc d;
        ydoc_init(&d);
        ig_tsource_init_file(&d.src, "template.yaml", y, sizeof y - 1);
        ig_fault_alloc_after(k);
        d.rc = ig_yaml_load(&d.src, &d.a, &d.lim, &d.root, &d.err);
        ig_fault_alloc_after(-1);
        if (d.rc == 0) {
            succeeded = 1;
            cr_expect_str_eq(str_at(&d, "/m/Effect"), "Allow");
        } else {
            cr_expect_eq(d.rc, IAMG_ENOMEM, "k=%ld: %s", k, d.err.message);
            cr_expect_null(d.root);
        }
        ydoc_free(&d);
    }
    cr_expect(succeeded);
}

/* --- a large template ----------------------------------------------------------------------- */

/* Its speed is measured by bench/run.sh ("2 MB CloudFormation template"); the
 * bound here only catches a hang or a quadratic blow-up. */

Test(yaml_large, two_megabyte_template, .timeout = 30)
{
    size_t cap = 2300000, n = 0;
    char *y = malloc(cap);
    cr_assert_not_null(y);
    n += (size_t)snprintf(y, cap, "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    int roles = 0;
    while (n < 2 * 1024 * 1024) {
        n += (size_t)snprintf(
            y + n, cap - n,
            "  Role%d:\n"
            "    Type: AWS::IAM::Role\n"
            "    Properties:\n"
            "      RoleName: !Sub '${AWS::StackName}-role-%d'\n"
            "      Policies:\n"
            "        - PolicyName: inline-%d\n"
            "          PolicyDocument:\n"
            "            Version: \"2012-10-17\"\n"
            "            Statement:\n"
            "              - Effect: Allow\n"
            "                Action: [ssm:SendCommand, s3:GetObject]\n"
            "                Resource:\n"
            "                  - !Sub 'arn:${AWS::Partition}:ssm:${AWS::Region}::document/X'\n"
            "                  - !GetAtt Bucket%d.Arn\n"
            "                  - !Join ['', ['arn:aws:s3:::', !Ref Bucket%d, '/*']]\n"
            "                Condition:\n"
            "                  StringEquals: {'ssm:resourceTag/Env': !If [IsProd, prod, dev]}\n",
            roles, roles, roles, roles, roles);
        roles++;
    }
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        ydoc d;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        yparse(&d, y, n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (ms < best) best = ms;
        cr_assert_eq(d.rc, 0, "%s", d.err.message);
        cr_expect_eq(must(&d, "/Resources")->n, (uint32_t)roles);
        ydoc_free(&d);
    }
    cr_log_info("2 MB template (%d roles): %.1f ms", roles, best);
    cr_expect_lt(best, 10000.0 * test_time_scale(), "%.1f ms", best);
    free(y);
}

/* --- the real-world corpus ---------------------------------------------------------------- */

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcmp(name + n - e, ext) == 0;
}

typedef struct corpus_stats {
    int files, parsed, failed, with_resources;
} corpus_stats;

static void load_corpus_file(const char *path, corpus_stats *st)
{
    size_t len;
    char *buf = slurp(path, &len);
    cr_assert_not_null(buf, "%s", path);
    ydoc d;
    yparse(&d, buf, len);
    st->files++;
    if (d.rc == 0) {
        st->parsed++;
        cr_assert_not_null(d.root);
        /* A YAML template (not a JSON one) with top-level Resources. */
        const char *p = buf + (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
        while (p < buf + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            p++;
        int json = p < buf + len && *p == '{';
        int resources = len >= 10 && memcmp(buf, "Resources:", 10) == 0;
        for (size_t i = 0; i + 11 <= len && !resources; i++)
            resources = buf[i] == '\n' && memcmp(buf + i + 1, "Resources:", 10) == 0;
        if (!json && resources) {
            st->with_resources++;
            cr_expect_eq(d.root->type, TN_OBJECT, "%s", path);
            cr_expect_not_null(ig_tnode_get(d.root, "Resources"), "%s has no Resources member",
                               path);
        }
        /* Every string maps consistently onto the file. */
        arena a;
        ig_arena_init(&a);
        const tnode *stack[4096];
        size_t sp = 0;
        stack[sp++] = d.root;
        while (sp) {
            const tnode *n = stack[--sp];
            if (n->type == TN_STRING && !(n->flags & (TNF_TAG | TNF_SYNTHETIC)))
                expect_consistent_map(&d, n, &a);
            if (n->type == TN_ARRAY)
                for (uint32_t i = 0; i < n->n && sp < 4096; i++)
                    stack[sp++] = &n->u.items[i];
            if (n->type == TN_OBJECT)
                for (uint32_t i = 0; i < n->n && sp + 1 < 4096; i++) {
                    stack[sp++] = &n->u.members[i].key;
                    stack[sp++] = &n->u.members[i].value;
                }
        }
        ig_arena_free(&a);
    } else {
        st->failed++;
        cr_expect(d.rc == IAMG_EPARSE || d.rc == IAMG_ELIMIT, "%s: rc %d", path, d.rc);
        cr_expect_gt(d.err.line, 0, "%s: error without a position: %s", path, d.err.message);
        cr_expect_gt(d.err.column, 0, "%s", path);
    }
    ydoc_free(&d);
    free(buf);
}

static void walk_corpus(const char *dir, corpus_stats *st)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode))
            walk_corpus(path, st);
        else if (has_ext(e->d_name, ".yaml") || has_ext(e->d_name, ".yml") ||
                 has_ext(e->d_name, ".template"))
            load_corpus_file(path, st);
    }
    closedir(dh);
}

Test(yaml_corpus, every_iac_yaml_file)
{
    const char *dir = IAMG_CORPUS_DIR "/iac";
    struct stat sb;
    if (stat(dir, &sb) != 0) cr_skip_test("corpus not found at %s", dir);
    corpus_stats st = {0};
    walk_corpus(dir, &st);
    cr_log_info("corpus: %d files, %d parsed, %d failed, %d YAML templates with Resources",
                st.files, st.parsed, st.failed, st.with_resources);
    cr_expect_gt(st.files, 0);
    cr_expect_gt(st.with_resources, 0);
}
