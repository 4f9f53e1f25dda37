/*
 * The expansion budget (load/budget.h): CloudFormation expressions and YAML
 * aliases that stand for gigabytes stay within max(1 MiB, 16x the file) of
 * work and memory, the expression that crosses it is reported at its
 * position and becomes opaque, and the rest of the file is still checked.
 *
 * - Generated bombs of every kind (nested Fn::Sub, alias trees through
 *   Fn::Join, Fn::FindInMap fan-out, Fn::If fan-out around documents and
 *   inside statements, Fn::Select over Fn::Split, merge keys feeding Fn::Sub,
 *   a policy string named by thousands of aliases, long opaque names,
 *   quadratic variable and mapping lookups, and combinations), each of which
 *   needs gigabytes or minutes without the budget. Each is scanned in a child
 *   process under an address-space limit (setrlimit RLIMIT_AS) and a CPU-time
 *   limit that only catches hangs; the child's peak resident size (wait4) must
 *   stay small. No wall-clock assertion. Under AddressSanitizer or valgrind
 *   the limits and the size check are left out (their own memory dwarfs it),
 *   and the outcomes are still checked.
 * - Values under the budget resolve exactly as before; the budget is relative
 *   to the file's size; raising limits.max_expansion resolves what the
 *   default leaves opaque.
 * tests/cases/hostile/expansion-* hold small copies of these attacks with
 * their exact outcomes.
 */
/* wait4, for the child's own peak resident size. */
#define _DEFAULT_SOURCE 1

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iamguard/iamguard.h"
#include "load/budget.h"
#include "load/loader.h"
#include "unit/format_cases.h"
#include "util/buf.h"

/* ---- generators ------------------------------------------------------------------------------
 * Each writes a template whose resource "Bomb" holds the attack and whose
 * resource "Victim", written after it, holds a plain statement that IAM-SSM-1
 * reports (ssm:SendCommand on every instance). */

#define HDR "AWSTemplateFormatVersion: \"2010-09-09\"\n"

static void victim(buf *b)
{
    ig_buf_puts(b, "  Victim:\n    Type: AWS::IAM::Policy\n    Properties:\n"
                   "      PolicyName: victim\n      PolicyDocument:\n        Statement:\n"
                   "          - Effect: Allow\n            Action: ssm:SendCommand\n"
                   "            Resource: \"*\"\n");
}

/* The resource Bomb with `res` (YAML) as its statement's Resource. */
static void bomb(buf *b, const char *res)
{
    ig_buf_printf(b,
                  "Resources:\n  Bomb:\n    Type: AWS::IAM::Policy\n    Properties:\n"
                  "      PolicyName: bomb\n      PolicyDocument:\n        Statement:\n"
                  "          - Effect: Allow\n            Action: s3:GetObject\n"
                  "            Resource: %s\n",
                  res);
    victim(b);
}

static void repeat(buf *b, const char *s, int n, const char *sep)
{
    for (int i = 0; i < n; i++) {
        if (i) ig_buf_puts(b, sep);
        ig_buf_puts(b, s);
    }
}

static void chars(buf *b, char c, int n)
{
    for (int i = 0; i < n; i++)
        ig_buf_putc(b, c);
}

/* `levels` nested Fn::Sub, each repeating the next `fan` times: fan^levels bytes. */
static void gen_sub(buf *b, int levels, int fan)
{
    buf v = BUF_INIT;
    ig_buf_puts(&v, "x");
    for (int i = 0; i < levels; i++) {
        buf n = BUF_INIT;
        ig_buf_puts(&n, "!Sub ['");
        repeat(&n, "${V}", fan, "");
        ig_buf_printf(&n, "', {V: %s}]", v.data);
        ig_buf_free(&v);
        v = n;
    }
    ig_buf_puts(b, HDR);
    bomb(b, v.data);
    ig_buf_free(&v);
}

/* The same in JSON, the 815-byte form. */
static void gen_sub_json(buf *b, int levels, int fan)
{
    buf v = BUF_INIT;
    ig_buf_puts(&v, "\"x\"");
    for (int i = 0; i < levels; i++) {
        buf n = BUF_INIT;
        ig_buf_puts(&n, "{\"Fn::Sub\": [\"");
        repeat(&n, "${V}", fan, "");
        ig_buf_printf(&n, "\", {\"V\": %s}]}", v.data);
        ig_buf_free(&v);
        v = n;
    }
    ig_buf_printf(b,
                  "{\"Resources\": {\"Bomb\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": "
                  "{\"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": "
                  "\"s3:GetObject\", \"Resource\": %s}]}}},\n"
                  "\"Victim\": {\"Type\": \"AWS::IAM::Policy\", \"Properties\": "
                  "{\"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": "
                  "\"ssm:SendCommand\", \"Resource\": \"*\"}]}}}}}\n",
                  v.data);
    ig_buf_free(&v);
}

/* Anchors fed through !Join: `levels` levels of `fan` aliases over a `leaf`-byte string. */
static void gen_join_aliases(buf *b, int levels, int fan, int leaf)
{
    ig_buf_puts(b, HDR "Metadata:\n  l0: &a0 '");
    chars(b, 'x', leaf);
    ig_buf_puts(b, "'\n");
    for (int k = 1; k <= levels; k++) {
        ig_buf_printf(b, "  l%d: &a%d !Join ['', [", k, k);
        for (int i = 0; i < fan; i++)
            ig_buf_printf(b, "%s*a%d", i ? ", " : "", k - 1);
        ig_buf_puts(b, "]]\n");
    }
    char res[32];
    snprintf(res, sizeof res, "*a%d", levels);
    bomb(b, res);
}

/* One mapping value of `items` strings of `leaf` bytes, copied by `refs` Fn::FindInMap. */
static void gen_findinmap(buf *b, int items, int leaf, int refs)
{
    ig_buf_puts(b, HDR "Metadata:\n  s: &s '");
    chars(b, 'y', leaf);
    ig_buf_puts(b, "'\nMappings:\n  M:\n    k:\n      v: [");
    repeat(b, "*s", items, ", ");
    ig_buf_puts(b, "]\n");
    buf r = BUF_INIT;
    ig_buf_putc(&r, '[');
    repeat(&r, "!FindInMap [M, k, v]", refs, ", ");
    ig_buf_putc(&r, ']');
    bomb(b, r.data);
    ig_buf_free(&r);
}

/* `levels` nested !If around a whole document, each branch an alias of the level below. */
static void gen_if_documents(buf *b, int levels)
{
    ig_buf_puts(b, HDR "Metadata:\n  d0: &d0 {Statement: [{Effect: Allow, Action: "
                       "'s3:GetObject', Resource: 'arn:aws:s3:::b/*'}]}\n");
    for (int k = 1; k <= levels; k++)
        ig_buf_printf(b, "  d%d: &d%d !If [c, *d%d, *d%d]\n", k, k, k - 1, k - 1);
    ig_buf_printf(b,
                  "Resources:\n  Bomb:\n    Type: AWS::IAM::Policy\n    Properties:\n"
                  "      PolicyName: bomb\n      PolicyDocument: *d%d\n",
                  levels);
    victim(b);
}

/* Statements whose every member forks, in lists of !If over aliased lists. */
static void gen_if_statements(buf *b, int levels, int fan)
{
    ig_buf_puts(b, HDR "Metadata:\n  s: &s {Sid: !If [c, a, b], Effect: !If [c, Allow, Deny], "
                       "Action: !If [c, 's3:GetObject', 's3:PutObject'], Resource: !If [c, x, y], "
                       "Condition: !If [c, {}, {Bool: {'aws:SecureTransport': 'true'}}]}\n"
                       "  l0: &l0 [");
    repeat(b, "*s", fan, ", ");
    ig_buf_puts(b, "]\n");
    for (int k = 1; k <= levels; k++) {
        ig_buf_printf(b, "  l%d: &l%d [", k, k);
        for (int i = 0; i < fan; i++)
            ig_buf_printf(b, "%s!If [c, *l%d, *l%d]", i ? ", " : "", k - 1, k - 1);
        ig_buf_puts(b, "]\n");
    }
    ig_buf_printf(b,
                  "Resources:\n  Bomb:\n    Type: AWS::IAM::Policy\n    Properties:\n"
                  "      PolicyName: bomb\n      PolicyDocument:\n        Statement: *l%d\n",
                  levels);
    victim(b);
}

/* `refs` Fn::Select over Fn::Split of an aliased string of `parts` parts. */
static void gen_select_split(buf *b, int parts, int refs)
{
    ig_buf_puts(b, HDR "Metadata:\n  big: &big '");
    repeat(b, "z", parts, ",");
    ig_buf_puts(b, "'\n");
    buf r = BUF_INIT;
    ig_buf_putc(&r, '[');
    repeat(&r, "!Select [0, !Split [',', *big]]", refs, ", ");
    ig_buf_putc(&r, ']');
    bomb(b, r.data);
    ig_buf_free(&r);
}

/* Merge keys feeding nested Fn::Sub: each level's variables merge the level below. */
static void gen_merge_sub(buf *b, int levels)
{
    ig_buf_puts(b, HDR "Metadata:\n  v0: &v0 {V: x}\n");
    for (int k = 1; k <= levels; k++)
        ig_buf_printf(b, "  v%d: &v%d {V: !Sub ['${V}${V}${V}${V}${V}${V}${V}${V}', {<<: *v%d}]}\n",
                      k, k, k - 1);
    char res[64];
    snprintf(res, sizeof res, "!Sub ['${V}', *v%d]", levels);
    bomb(b, res);
}

/* A policy of `statements` statements held as a JSON string, named by `refs` aliases. */
static void gen_string_doc(buf *b, int statements, int refs)
{
    ig_buf_puts(b, HDR "Metadata:\n  doc: &doc '{\"Statement\": [");
    for (int i = 0; i < statements; i++)
        ig_buf_printf(b,
                      "%s{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": "
                      "\"arn:aws:s3:::b/%d\"}",
                      i ? ", " : "", i);
    ig_buf_puts(b, "]}'\n  p: &p {PolicyName: x, PolicyDocument: *doc}\n"
                   "Resources:\n  Bomb:\n    Type: AWS::IAM::Role\n    Properties:\n"
                   "      AssumeRolePolicyDocument: {Statement: []}\n      Policies: [");
    repeat(b, "*p", refs, ", ");
    ig_buf_puts(b, "]\n");
    victim(b);
}

/* An opaque value whose label is a `len`-byte name, named by `refs` aliases. */
static void gen_long_names(buf *b, int len, int refs)
{
    ig_buf_puts(b, HDR "Metadata:\n  r: &r !Ref ");
    chars(b, 'N', len);
    ig_buf_puts(b, "\n");
    buf r = BUF_INIT;
    ig_buf_putc(&r, '[');
    repeat(&r, "*r", refs, ", ");
    ig_buf_putc(&r, ']');
    bomb(b, r.data);
    ig_buf_free(&r);
}

/* Fn::Sub with n variables and n references: n^2 name comparisons. */
static void gen_sub_vars(buf *b, int n)
{
    buf r = BUF_INIT;
    ig_buf_puts(&r, "!Sub ['");
    for (int i = 0; i < n; i++)
        ig_buf_printf(&r, "${v%06d}", n - 1 - i);
    ig_buf_puts(&r, "', {");
    for (int i = 0; i < n; i++)
        ig_buf_printf(&r, "%sv%06d: x", i ? ", " : "", i);
    ig_buf_puts(&r, "}]");
    ig_buf_puts(b, HDR);
    bomb(b, r.data);
    ig_buf_free(&r);
}

/* A mapping of n top-level keys and n Fn::FindInMap into it: n^2 key comparisons. */
static void gen_findinmap_keys(buf *b, int n)
{
    ig_buf_puts(b, HDR "Mappings:\n  M: {");
    for (int i = 0; i < n; i++)
        ig_buf_printf(b, "%sk%06d: {v: x}", i ? ", " : "", i);
    ig_buf_puts(b, "}\n");
    buf r = BUF_INIT;
    ig_buf_putc(&r, '[');
    for (int i = 0; i < n; i++)
        ig_buf_printf(&r, "%s!FindInMap [M, k%06d, v]", i ? ", " : "", n - 1 - i);
    ig_buf_putc(&r, ']');
    bomb(b, r.data);
    ig_buf_free(&r);
}

/* Fn::Join of an Fn::Sub, an Fn::If and an Fn::Select, each over the level below. */
static void gen_combined(buf *b, int levels, int leaf)
{
    ig_buf_puts(b, HDR "Metadata:\n  j0: &j0 '");
    chars(b, 'q', leaf);
    ig_buf_puts(b, "'\n");
    for (int k = 1; k <= levels; k++)
        ig_buf_printf(b,
                      "  j%d: &j%d !Join ['-', [*j%d, !Sub ['${A}${A}', {A: *j%d}], "
                      "!If [c, *j%d, !Select [0, [*j%d]]]]]\n",
                      k, k, k - 1, k - 1, k - 1, k - 1);
    char res[32];
    snprintf(res, sizeof res, "*j%d", levels);
    bomb(b, res);
}

/* ---- a scan in a child process with bounded memory and CPU time --------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* tests/valgrind.sh sets IAMG_TEST_TIME_SCALE: no rlimits under valgrind. */
static int limits_apply(void)
{
    return !UNDER_ASAN && !getenv("IAMG_TEST_TIME_SCALE");
}

#define AS_LIMIT ((rlim_t)1 << 30) /* the bombs need tens of GB without the budget */
#define CPU_LIMIT 60               /* seconds: catches a hang, measures nothing */

typedef struct outcome {
    int exited;     /* the child ran to its end */
    long peak_kb;   /* its peak resident size */
    long parent_kb; /* ours when it started (it begins as a copy) */
    char *text;     /* "finding RULE LINE" / "diag LEVEL CODE LINE:COL MESSAGE" lines */
} outcome;

static void render(buf *b, const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        ig_buf_printf(b, "finding %s %u\n", f->rule_id, f->line);
    }
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        ig_buf_printf(b, "diag %s %d %u:%u %s\n", iamg_level_name(d->level), d->code, d->line,
                      d->column, d->message);
    }
}

static outcome scan_bounded(const char *name, const buf *input, const iamg_limits *lim)
{
    outcome o = {0};
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    o.parent_kb = self.ru_maxrss;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        if (limits_apply()) {
            struct rlimit as = {AS_LIMIT, AS_LIMIT};
            setrlimit(RLIMIT_AS, &as);
        }
        struct rlimit cpu = {CPU_LIMIT, CPU_LIMIT};
        setrlimit(RLIMIT_CPU, &cpu);
        iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
        if (lim) eo.limits = *lim;
        eo.limits.lua_timeout_ms = 600000;
        iamg_engine *e;
        iamg_error err;
        buf out = BUF_INIT;
        if (iamg_engine_new(&eo, &e, &err)) _exit(10);
        iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
        so.jobs = 1;
        iamg_results *r;
        if (iamg_scan_buffer(e, name, input->data, input->len, &so, &r, &err)) {
            ig_buf_printf(&out, "scan failed: %s\n", err.message);
        } else {
            render(&out, r);
            iamg_results_free(r);
        }
        iamg_engine_free(e);
        for (size_t off = 0; off < out.len;) {
            ssize_t n = write(fds[1], out.data + off, out.len - off);
            if (n <= 0) _exit(11);
            off += (size_t)n;
        }
        _exit(out.oom ? 12 : 0);
    }
    close(fds[1]);
    buf got = BUF_INIT;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        ig_buf_append(&got, chunk, (size_t)n);
    close(fds[0]);
    int status;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    o.exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    cr_expect(o.exited, "%s: the scan did not finish (status %d%s)", name, status,
              WIFSIGNALED(status) ? ", killed by a signal" : "");
    o.peak_kb = ru.ru_maxrss;
    o.text = ig_buf_detach(&got);
    if (!o.text) o.text = strdup("");
    return o;
}

/* The victim's finding, one limit problem at `line`:`col` (0: any) holding
 * `what`, and a peak resident size within `mb` MiB of ours. */
static void expect_bounded(const char *name, const outcome *o, const char *what, unsigned line,
                           long mb, size_t input_len)
{
    cr_expect(strstr(o->text, "finding IAM-SSM-1 ") != NULL,
              "%s: the statement next to the bomb was not judged:\n%s", name, o->text);
    char want[128];
    if (line)
        snprintf(want, sizeof want, "diag error %d %u:", IAMG_ELIMIT, line);
    else
        snprintf(want, sizeof want, "diag error %d ", IAMG_ELIMIT);
    int found = 0;
    for (const char *p = o->text; p && *p && !found;) {
        const char *eol = strchr(p, '\n');
        const char *hit = strstr(p, what);
        found = strncmp(p, want, strlen(want)) == 0 && hit && (!eol || hit < eol);
        p = eol ? eol + 1 : NULL;
    }
    cr_expect(found, "%s: no limit problem%s saying '%s':\n%.2000s", name,
              line ? " on that line" : "", what, o->text);
    long grew = o->peak_kb - o->parent_kb;
    cr_log_info("%s: %zu bytes of input, peak resident size %ld KiB (the test's own: %ld KiB)",
                name, input_len, o->peak_kb, o->parent_kb);
    if (limits_apply())
        cr_expect_lt(grew, mb * 1024, "%s: peak resident size grew by %ld KiB (bound %ld MiB)",
                     name, grew, mb);
}

static void run_bomb(const char *name, buf *in, const char *what, unsigned line)
{
    cr_assert(!in->oom);
    outcome o = scan_bounded(name, in, NULL);
    /* The budget is 1 MiB or 16x the file; stand-ins may use as much again.
     * Without the budget every one of these needs gigabytes. */
    expect_bounded(name, &o, what, line, 48 + (long)(in->len * 40 >> 20), in->len);
    free(o.text);
    ig_buf_free(in);
}

/* ---- the bombs ----------------------------------------------------------------------------- */

Test(expansion_bombs, nested_sub)
{
    buf b = BUF_INIT;
    gen_sub(&b, 10, 8); /* 8^10 = 1 GiB of text */
    run_bomb("nested Fn::Sub (YAML)", &b, "Fn::Sub expands to more than this file's budget", 11);
    gen_sub_json(&b, 10, 8);
    run_bomb("nested Fn::Sub (JSON)", &b, "Fn::Sub expands to more than this file's budget", 1);
    gen_sub(&b, 7, 64); /* wider and shallower: 64^7 */
    run_bomb("wide nested Fn::Sub", &b, "Fn::Sub expands", 11);
}

Test(expansion_bombs, alias_trees_through_join)
{
    buf b = BUF_INIT;
    gen_join_aliases(&b, 6, 8, 1000); /* 8^6 x 1 KB = 256 MiB */
    run_bomb("aliases through !Join", &b, "Fn::Join expands to more than", 0);
    gen_join_aliases(&b, 2, 600, 4000); /* 600^2 x 4 KB = 1.4 GB */
    run_bomb("wide aliases through !Join", &b, "Fn::Join expands to more than", 0);
}

Test(expansion_bombs, findinmap_fanout)
{
    buf b = BUF_INIT;
    gen_findinmap(&b, 1000, 1000, 4000); /* 4,000 copies of 1 MB */
    run_bomb("Fn::FindInMap fan-out", &b, "Fn::FindInMap expands to more than", 0);
    gen_findinmap_keys(&b, 40000); /* 1.6 billion key comparisons */
    run_bomb("Fn::FindInMap lookups", &b, "Fn::FindInMap expands to more than", 0);
}

Test(expansion_bombs, if_fanout)
{
    buf b = BUF_INIT;
    gen_if_documents(&b, 14); /* 16,384 documents */
    run_bomb("Fn::If around documents", &b, "gives more than 16 documents", 0);
    gen_if_statements(&b, 3, 6); /* 10,368 statements, 16 copies each */
    run_bomb("Fn::If inside statements", &b, "Fn::If expands to more than", 0);
}

Test(expansion_bombs, select_split_and_strings)
{
    buf b = BUF_INIT;
    gen_select_split(&b, 40000, 400); /* 400 splits into 40,000 strings */
    run_bomb("Fn::Select over Fn::Split", &b, "Fn::Split expands to more than", 0);
    gen_string_doc(&b, 300, 20000); /* 20,000 parses of a 20 KB policy */
    run_bomb("a policy string named by aliases", &b, "the policy document in this string", 0);
    gen_long_names(&b, 100000, 20000); /* 20,000 opaque labels of 100 KB */
    run_bomb("long opaque names", &b, "Ref expands to more than", 0);
}

Test(expansion_bombs, merge_keys_and_lookups)
{
    buf b = BUF_INIT;
    gen_merge_sub(&b, 10);
    run_bomb("merge keys feeding Fn::Sub", &b, "Fn::Sub expands to more than", 0);
    gen_sub_vars(&b, 40000); /* 1.6 billion name comparisons */
    run_bomb("Fn::Sub variable lookups", &b, "Fn::Sub expands to more than", 0);
}

Test(expansion_bombs, combinations)
{
    buf b = BUF_INIT;
    gen_combined(&b, 7, 2000); /* 4^7 x 2 KB, 2^7 alternatives */
    run_bomb("Join of Sub, If and Select", &b, "expands to more than", 0);
}

/* ---- what the budget leaves alone, and how it is raised ------------------------------------- */

static const pstmt *bomb_stmt(const loaded *l)
{
    for (size_t i = 0; i < l->ndocs; i++)
        if (l->docs[i].origin.logical_id && strcmp(l->docs[i].origin.logical_id, "Bomb") == 0)
            return &l->docs[i].stmts[0];
    return NULL;
}

static void load_with(const buf *in, const iamg_limits *lim, loaded *l, diag_list *d)
{
    memset(d, 0, sizeof *d);
    cr_assert_eq(ig_load_buffer(l, "t.yaml", in->data, in->len, LOAD_EXPLICIT, lim, d), 0);
}

/* Under the budget a value is exactly what it was before there was one. */
Test(expansion, under_the_budget_exact)
{
    buf b = BUF_INIT;
    gen_sub(&b, 6, 8); /* 8^6 = 262,144 bytes: a quarter of the budget */
    iamg_limits lim = IAMG_LIMITS_INIT;
    loaded l;
    diag_list d;
    load_with(&b, &lim, &l, &d);
    const pstmt *st = bomb_stmt(&l);
    cr_assert_not_null(st);
    cr_assert_eq(st->resource.n, 1);
    const tnode *v = st->resource.v[0];
    cr_expect_eq(v->n, 262144u);
    cr_expect_eq(strspn(v->u.s, "x"), 262144u);
    cr_expect_eq(d.n, 0, "%s", d.n ? d.v[0].message : "");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* Past it the value is opaque, with one problem at the expression that crossed. */
Test(expansion, past_the_budget_opaque)
{
    buf b = BUF_INIT;
    gen_sub(&b, 7, 8); /* 2 MiB */
    iamg_limits lim = IAMG_LIMITS_INIT;
    loaded l;
    diag_list d;
    load_with(&b, &lim, &l, &d);
    const pstmt *st = bomb_stmt(&l);
    cr_assert_not_null(st);
    cr_assert_eq(st->resource.n, 1);
    cr_expect_str_eq(st->resource.v[0]->u.s, "{Sub}");
    cr_assert_eq(d.n, 1);
    cr_expect_eq(d.v[0].code, IAMG_ELIMIT);
    cr_expect_eq(d.v[0].level, IAMG_LEVEL_ERROR);
    /* Line 11, at the outermost !Sub: the inner ones fit, it alone does not. */
    cr_expect_eq(d.v[0].line, 11);
    cr_expect_eq(d.v[0].col, 23);
    cr_expect(strstr(d.v[0].message, "Fn::Sub expands to more than this file's budget of "
                                     "1048576 bytes"),
              "%s", d.v[0].message);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* limits.max_expansion (--max-expansion, limits.max_expansion in the
 * configuration) raises the budget. */
Test(expansion, raised_budget)
{
    buf b = BUF_INIT;
    gen_sub(&b, 7, 8);
    iamg_limits lim = IAMG_LIMITS_INIT;
    lim.max_expansion = (uint64_t)8 << 20;
    loaded l;
    diag_list d;
    load_with(&b, &lim, &l, &d);
    const pstmt *st = bomb_stmt(&l);
    cr_assert_not_null(st);
    cr_expect_eq(st->resource.v[0]->n, 2097152u);
    cr_expect_eq(d.n, 0, "%s", d.n ? d.v[0].message : "");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* A big file gets 16 times its size: the same 2 MiB Fn::Sub resolves when
 * the template is 200 KB. */
Test(expansion, relative_budget)
{
    buf b = BUF_INIT;
    gen_sub(&b, 7, 8);
    ig_buf_puts(&b, "# ");
    chars(&b, '-', 200 * 1024);
    ig_buf_puts(&b, "\n");
    iamg_limits lim = IAMG_LIMITS_INIT;
    loaded l;
    diag_list d;
    load_with(&b, &lim, &l, &d);
    const pstmt *st = bomb_stmt(&l);
    cr_assert_not_null(st);
    cr_expect_eq(st->resource.v[0]->n, 2097152u);
    cr_expect_eq(d.n, 0, "%s", d.n ? d.v[0].message : "");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* Once spent, the budget stays spent: a later small expression is opaque
 * too, while plain values are still read exactly. */
Test(expansion, spent_for_the_rest_of_the_file)
{
    buf b = BUF_INIT;
    gen_sub(&b, 8, 8);
    ig_buf_puts(
        &b, "  Later:\n    Type: AWS::IAM::Policy\n    Properties:\n"
            "      PolicyName: later\n      PolicyDocument:\n        Statement:\n"
            "          - Effect: Allow\n            Action: s3:GetObject\n"
            "            Resource: [!Sub 'arn:${AWS::Partition}:s3:::b/*', 'arn:aws:s3:::c']\n");
    iamg_limits lim = IAMG_LIMITS_INIT;
    loaded l;
    diag_list d;
    load_with(&b, &lim, &l, &d);
    cr_assert_eq(l.ndocs, 3);
    const pstmt *later = &l.docs[2].stmts[0];
    cr_assert_eq(later->resource.n, 2);
    cr_expect_str_eq(later->resource.v[0]->u.s, "{Sub}");
    cr_expect_str_eq(later->resource.v[1]->u.s, "arn:aws:s3:::c");
    cr_expect_eq(d.n, 1, "one problem for the file");
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    ig_buf_free(&b);
}

/* The budget's arithmetic: max(absolute, ratio x size), spent stays spent,
 * stand-ins get a second budget's worth, no overflow near 2^64. */
Test(expansion, budget_arithmetic)
{
    iamg_limits lim = IAMG_LIMITS_INIT;
    ig_budget bu;
    ig_budget_init(&bu, &lim, 1000);
    cr_expect_eq(bu.limit, (uint64_t)1 << 20);
    ig_budget_init(&bu, &lim, 1 << 20);
    cr_expect_eq(bu.limit, (uint64_t)16 << 20);
    ig_budget_init(&bu, &lim, 10);
    cr_expect_eq(ig_budget_take(&bu, (1 << 20) - 10), 0);
    cr_expect_eq(ig_budget_take(&bu, 10), 0);
    cr_expect(!ig_budget_spent(&bu));
    cr_expect_eq(ig_budget_take(&bu, 1), -1);
    cr_expect(ig_budget_spent(&bu));
    cr_expect_eq(ig_budget_take(&bu, 0), -1, "spent stays spent");
    cr_expect_eq(ig_budget_take_standin(&bu, 1 << 20), 0);
    cr_expect_eq(ig_budget_take_standin(&bu, 1), -1);
    lim.max_expansion = UINT64_MAX;
    ig_budget_init(&bu, &lim, 5);
    cr_expect_eq(ig_budget_take(&bu, UINT64_MAX - 1), 0);
    cr_expect_eq(ig_budget_take(&bu, 2), -1);
    cr_expect_eq(ig_budget_take_standin(&bu, 1), 0);
    cr_expect_eq(ig_budget_take(NULL, UINT64_MAX), 0, "no budget: unlimited");
}
