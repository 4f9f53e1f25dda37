/*
 * Shared by test_cfn.c, test_tfplan.c and test_account_dump.c: load a file with
 * ig_load_buffer and render what the loader found as text, one fact per line,
 * to compare with the expected.txt of a case folder under
 * tests/cases/formats/ (format described in tests/cases/formats/README.md).
 *
 * Rendering, per document in load order:
 *
 *   doc <kind> <format>
 *   <origin field> <value>        every origin field that is set, in the order
 *                                 of iamg_origin (logical_id, resource_type,
 *                                 policy_name, address, principal_type,
 *                                 principal_name, principal_arn, policy_arn,
 *                                 pointer, container)
 *   stmt <line>:<col> <effect> [<sid>]
 *                                 each statement, at the start of its object
 *   <element> <line>:<col> <v>    each value of action/notaction/resource/
 *                                 notresource, "principal <type>" and
 *                                 "condition <operator> <key>"; "~" before the
 *                                 value marks a computed (TNF_SYNTHETIC) one
 *
 * then one line per diagnostic: diag <level> <line>:<col> <message>.
 * Leading blanks of expected lines are ignored (indent for readability); a
 * diag line matches when the actual line starts with it.
 */
#ifndef IAMG_TESTS_FORMAT_CASES_H
#define IAMG_TESTS_FORMAT_CASES_H

#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/slurp.h"
#include "iamguard/limits.h"
#include "load/json_pos.h"
#include "load/loader.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "source/diag.h"

/* Not every test uses every helper. */
#define FC_FN static __attribute__((unused))

FC_FN void fc_pos(buf *out, const tsource *src, const tnode *n)
{
    srcpos p = ig_tsource_pos(src, n->start);
    ig_buf_printf(out, "%u:%u", (unsigned)p.line, (unsigned)p.col);
}

FC_FN void fc_value(buf *out, const char *label, const tsource *src, const tnode *v)
{
    ig_buf_printf(out, "%s ", label);
    fc_pos(out, src, v);
    ig_buf_printf(out, " %s%s\n", (v->flags & TNF_SYNTHETIC) ? "~" : "", v->u.s);
}

FC_FN const char *fc_level(iamg_level l)
{
    switch (l) {
    case IAMG_LEVEL_NOTE:
        return "note";
    case IAMG_LEVEL_WARNING:
        return "warning";
    case IAMG_LEVEL_ERROR:
        return "error";
    default:
        return "none";
    }
}

/* Everything ig_load_buffer found in data, as text. */
FC_FN void fc_render(const loaded *l, const diag_list *d, buf *out)
{
    for (size_t i = 0; i < l->ndocs; i++) {
        const pdoc *doc = &l->docs[i];
        const iamg_origin *o = &doc->origin;
        ig_buf_printf(out, "doc %s %s\n", o->kind ? o->kind : "?", o->format ? o->format : "?");
        const struct {
            const char *name, *v;
        } f[] = {{"logical_id", o->logical_id},
                 {"resource_type", o->resource_type},
                 {"policy_name", o->policy_name},
                 {"address", o->address},
                 {"principal_type", o->principal_type},
                 {"principal_name", o->principal_name},
                 {"principal_arn", o->principal_arn},
                 {"policy_arn", o->policy_arn},
                 {"pointer", o->pointer},
                 {"container", o->container}};
        for (size_t k = 0; k < sizeof f / sizeof *f; k++)
            if (f[k].v) ig_buf_printf(out, "%s %s\n", f[k].name, f[k].v);
        for (uint32_t s = 0; s < doc->nstmts; s++) {
            const pstmt *st = &doc->stmts[s];
            static const char *const effects[] = {"none", "Allow", "Deny", "invalid"};
            ig_buf_puts(out, "stmt ");
            fc_pos(out, doc->src, st->node);
            ig_buf_printf(out, " %s", effects[st->effect]);
            if (st->sid) ig_buf_printf(out, " %s", st->sid);
            ig_buf_putc(out, '\n');
            const pelem *e[2] = {&st->action, &st->resource};
            const char *names[2][2] = {{"action", "notaction"}, {"resource", "notresource"}};
            for (int k = 0; k < 2; k++)
                for (uint32_t j = 0; j < e[k]->n; j++)
                    fc_value(out, names[k][e[k]->negated], doc->src, e[k]->v[j]);
            for (uint32_t p = 0; p < st->nprincipals; p++) {
                char label[128];
                snprintf(label, sizeof label, "principal %s", st->principals[p].type);
                for (uint32_t j = 0; j < st->principals[p].n; j++)
                    fc_value(out, label, doc->src, st->principals[p].v[j]);
            }
            for (uint32_t c = 0; c < st->nconds; c++) {
                char label[512];
                snprintf(label, sizeof label, "condition %s %s", st->conds[c].op, st->conds[c].key);
                for (uint32_t j = 0; j < st->conds[c].n; j++)
                    fc_value(out, label, doc->src, st->conds[c].v[j]);
            }
        }
    }
    for (size_t i = 0; i < d->n; i++)
        ig_buf_printf(out, "diag %s %u:%u %s\n", fc_level(d->v[i].level), (unsigned)d->v[i].line,
                      (unsigned)d->v[i].col, d->v[i].message);
}

/* Load one file; the caller frees l and d. data must outlive l. */
FC_FN void fc_load(const char *path, char **data, loaded *l, diag_list *d)
{
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    size_t len = 0;
    *data = slurp(path, &len);
    cr_assert_not_null(*data, "cannot read %s", path);
    memset(d, 0, sizeof *d);
    cr_assert_eq(ig_load_buffer(l, path, *data, len, LOAD_EXPLICIT, &lim, d), 0, "%s", path);
}

/* Next kept line of text (trimmed of leading blanks), or NULL. */
FC_FN const char *fc_next(const char **p, size_t *len)
{
    while (**p) {
        const char *s = *p, *e = strchr(s, '\n');
        if (!e) e = s + strlen(s);
        *p = *e ? e + 1 : e;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        size_t n = (size_t)(e - s);
        while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
            n--;
        if (n && *s != '#') {
            *len = n;
            return s;
        }
    }
    return NULL;
}

/* Compare a rendering with expected text; report the first difference. */
FC_FN void fc_compare(const char *name, const char *got, const char *want)
{
    const char *g = got, *w = want;
    unsigned line = 0;
    for (;;) {
        size_t gl = 0, wl = 0;
        const char *gs = fc_next(&g, &gl), *ws = fc_next(&w, &wl);
        line++;
        if (!gs && !ws) return;
        int same = gs && ws && (gl == wl || (wl < gl && wl > 5 && strncmp(ws, "diag ", 5) == 0)) &&
                   memcmp(gs, ws, wl) == 0;
        if (!same) {
            cr_expect_fail(
                "%s: line %u of the rendering differs\n  expected: %.*s\n  actual:   %.*s\n"
                "full rendering:\n%s",
                name, line, ws ? (int)wl : 5, ws ? ws : "(end)", gs ? (int)gl : 5,
                gs ? gs : "(end)", got);
            return;
        }
    }
}

/* Run every case folder under tests/cases/formats whose name starts with
 * `prefix`; returns how many ran. With IAMG_UPDATE_EXPECTED=1 in the
 * environment, expected.txt files are rewritten from the rendering instead
 * (then read them before committing: they are the specification). */
FC_FN int fc_run_cases(const char *prefix)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/cases/formats", IAMG_SOURCE_DIR);
    DIR *dh = opendir(dir);
    cr_assert_not_null(dh, "cannot open %s", dir);
    struct dirent *de;
    char *names[256];
    int n = 0;
    while ((de = readdir(dh)) != NULL && n < 256)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) names[n++] = strdup(de->d_name);
    closedir(dh);
    for (int i = 0; i < n; i++) {
        char cdir[1400], input[1700] = "", expected[1500];
        snprintf(cdir, sizeof cdir, "%s/%s", dir, names[i]);
        DIR *ch = opendir(cdir);
        cr_assert_not_null(ch);
        while ((de = readdir(ch)) != NULL) {
            if (de->d_name[0] == '.' || strcmp(de->d_name, "expected.txt") == 0) continue;
            snprintf(input, sizeof input, "%s/%s", cdir, de->d_name);
        }
        closedir(ch);
        cr_assert(input[0], "%s: no input file", cdir);
        snprintf(expected, sizeof expected, "%s/expected.txt", cdir);
        char *data;
        loaded l;
        diag_list d;
        fc_load(input, &data, &l, &d);
        buf got = BUF_INIT;
        fc_render(&l, &d, &got);
        const char *upd = getenv("IAMG_UPDATE_EXPECTED");
        if (upd && strcmp(upd, "1") == 0) {
            /* Keep the comment block that says what the case is about. */
            size_t ol = 0, keep = 0;
            char *old = slurp(expected, &ol);
            while (old && keep < ol && (old[keep] == '#' || old[keep] == '\n')) {
                const char *e = memchr(old + keep, '\n', ol - keep);
                keep = e ? (size_t)(e - old) + 1 : ol;
            }
            FILE *f = fopen(expected, "wb");
            cr_assert_not_null(f);
            if (old) fwrite(old, 1, keep, f);
            fputs(got.data ? got.data : "", f);
            fclose(f);
            free(old);
        } else {
            size_t wl;
            char *want = slurp(expected, &wl);
            cr_assert_not_null(want, "%s: no expected.txt", cdir);
            fc_compare(names[i], got.data ? got.data : "", want);
            free(want);
        }
        ig_buf_free(&got);
        ig_loaded_free(&l);
        ig_diag_list_free(&d);
        free(data);
        free(names[i]);
    }
    return n;
}

/* Every regular file below dir (recursively, bounded depth), in sorted
 * order per folder, passed to fn. */
FC_FN void fc_walk(const char *dir, int depth, void (*fn)(const char *path, void *ud), void *ud)
{
    if (depth > 16) return;
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) return;
    for (int i = 0; i < n; i++) {
        const char *nm = list[i]->d_name;
        if (nm[0] != '.') {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            struct stat st;
            if (lstat(path, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    fc_walk(path, depth + 1, fn, ud);
                else if (S_ISREG(st.st_mode))
                    fn(path, ud);
            }
        }
        free(list[i]);
    }
    free(list);
}

/* The statement of doc `d` at line:col, or NULL. */
FC_FN const pstmt *fc_stmt_at(const pdoc *d, unsigned line, unsigned col)
{
    for (uint32_t i = 0; i < d->nstmts; i++) {
        srcpos p = ig_tsource_pos(d->src, d->stmts[i].node->start);
        if (p.line == line && p.col == col) return &d->stmts[i];
    }
    return NULL;
}

/* Load a case input with the k-th allocation failing, for every k until one
 * run succeeds: each run must fail with IAMG_ENOMEM or give exactly the
 * rendering of an unhindered run. Skips without IAMGUARD_FAULT_INJECTION. */
FC_FN void fc_fault_case(const char *rel)
{
    ig_fault_alloc_after(0);
    void *probe = ig_malloc(1);
    ig_fault_alloc_after(-1);
    if (probe) {
        ig_free(probe);
        cr_skip_test("library built without IAMGUARD_FAULT_INJECTION");
    }
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    char path[2048];
    snprintf(path, sizeof path, "%s/tests/cases/formats/%s", IAMG_SOURCE_DIR, rel);
    size_t len = 0;
    char *data = slurp(path, &len);
    cr_assert_not_null(data, "cannot read %s", path);
    loaded l;
    diag_list d;
    memset(&d, 0, sizeof d);
    cr_assert_eq(ig_load_buffer(&l, path, data, len, LOAD_EXPLICIT, &lim, &d), 0);
    buf want = BUF_INIT;
    fc_render(&l, &d, &want);
    ig_loaded_free(&l);
    ig_diag_list_free(&d);
    int done = 0;
    long k = 0;
    for (; k < 1000000 && !done; k++) {
        memset(&d, 0, sizeof d);
        ig_fault_alloc_after(k);
        int rc = ig_load_buffer(&l, path, data, len, LOAD_EXPLICIT, &lim, &d);
        ig_fault_alloc_after(-1);
        if (rc == 0) {
            done = 1;
            buf got = BUF_INIT;
            fc_render(&l, &d, &got);
            cr_expect_str_eq(got.data, want.data, "%s: first run to succeed (k=%ld) differs", rel,
                             k);
            ig_buf_free(&got);
        } else {
            cr_expect_eq(rc, IAMG_ENOMEM, "%s: k=%ld", rel, k);
        }
        ig_loaded_free(&l);
        ig_diag_list_free(&d);
    }
    cr_expect(done);
    cr_log_info("%s: %ld allocation failures tried", rel, k - 1);
    ig_buf_free(&want);
    free(data);
}

/* ---- helpers shared by the format tests ---- */

/* Load `text` as file `name` with default limits; the caller frees l and d. */
static inline void fc_load_text(const char *name, const char *text, loaded *l, diag_list *d)
{
    static const iamg_limits lim = IAMG_LIMITS_INIT;
    memset(d, 0, sizeof *d);
    cr_assert_eq(ig_load_buffer(l, name, text, strlen(text), LOAD_EXPLICIT, &lim, d), 0);
}

/* Is there a diagnostic of `level` (on `line`, unless 0) whose message holds `text`? */
static inline int fc_has_diag(const diag_list *d, iamg_level level, unsigned line, const char *text)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].level == level && (!line || d->v[i].line == line) &&
            strstr(d->v[i].message, text))
            return 1;
    return 0;
}

/* A format's detection predicate on a JSON text. */
static inline int fc_detect(int (*detect)(const tnode *), const char *json)
{
    arena a = ARENA_INIT;
    tsource s;
    ig_tsource_init_file(&s, "t.json", json, strlen(json));
    const tnode *root;
    iamg_error err;
    cr_assert_eq(ig_json_pos_parse(&s, &a, 100, &root, &err), 0, "%s", err.message);
    int r = detect(root);
    ig_arena_free(&a);
    return r;
}

#endif
