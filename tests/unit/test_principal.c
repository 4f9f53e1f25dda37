/*
 * Principals, attachments, kinds and holders, end to end: every folder of
 * tests/cases/principals/ holds one input (any name but expected.txt) and
 * expected.txt with, in order:
 *
 *   principal <type> <key> [name=N] [arn=A] [declared|named]
 *     hold <how> <what> [at L:C]   what: doc N (a document of the file),
 *                                  ext REF (attached, not defined here),
 *                                  group KEY
 *   doc <index> <kind> [held by <type> <key> (<how>), ...]
 *   finding <RULE> <L>:<C> [held by <type> <who> (<how>), ...]
 *   diag <level> <L>:<C> <message start>
 *
 * Findings come from a scan of the file with the built-in rules (text
 * `finding` lines, sorted as the scan sorts them); diagnostics are those of
 * the scan too. IAMG_UPDATE_EXPECTED=1 rewrites the files (keeping their
 * leading comments): read the difference before committing it.
 */
#include "format_cases.h"

#include "iamguard/engine.h"
#include "principal/principal.h"

static void render_principals(const loaded *l, const principal_set *ps, buf *out)
{
    for (size_t i = 0; i < ps->n; i++) {
        const principal *p = &ps->v[i];
        ig_buf_printf(out, "principal %s %s", ig_ptype_name(p->type), p->key);
        if (p->declared && p->name) ig_buf_printf(out, " name=%s", p->name);
        if (p->arn && strcmp(p->arn, p->key) != 0) ig_buf_printf(out, " arn=%s", p->arn);
        ig_buf_printf(out, " %s\n", p->declared ? "declared" : "named");
        for (uint32_t k = 0; k < p->nholds; k++) {
            const phold *h = &p->holds[k];
            ig_buf_printf(out, "  hold %s ", ig_hold_name(h->how));
            if (h->how == HOLD_GROUP)
                ig_buf_printf(out, "group %s", ps->v[h->group].key);
            else if (h->slot >= ps->ndocs)
                ig_buf_printf(out, "ext %s", ps->ext[h->slot - ps->ndocs].ref);
            else if (h->nslots == 1)
                ig_buf_printf(out, "doc %u", (unsigned)h->slot);
            else
                ig_buf_printf(out, "docs %u-%u", (unsigned)h->slot,
                              (unsigned)(h->slot + h->nslots - 1));
            if (h->at &&
                (h->how == HOLD_MANAGED || h->how == HOLD_BOUNDARY || h->how == HOLD_GROUP)) {
                ig_buf_puts(out, " at ");
                fc_pos(out, h->src, h->at);
            }
            ig_buf_putc(out, '\n');
        }
    }
    for (size_t d = 0; d < l->ndocs; d++) {
        ig_buf_printf(out, "doc %zu %s", d, ig_policy_kind_name(l->docs[d].kind));
        uint32_t n, total;
        const pholder *h = ig_principals_holders(ps, d, &n, &total);
        for (uint32_t k = 0; k < n; k++)
            ig_buf_printf(out, "%s%s %s (%s)", k ? ", " : " held by ",
                          ig_ptype_name(ps->v[h[k].principal].type), ps->v[h[k].principal].key,
                          ig_hold_name(h[k].how));
        ig_buf_putc(out, '\n');
    }
}

static void render_scan(iamg_engine *e, const char *path, const char *data, size_t len, buf *out)
{
    iamg_results *r;
    iamg_error err;
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.jobs = 1;
    cr_assert_eq(iamg_scan_buffer(e, path, data, len, &o, &r, &err), 0, "%s", err.message);
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i);
        ig_buf_printf(out, "finding %s %u:%u", f->rule_id, f->line, f->column);
        for (size_t k = 0; k < f->nholders; k++) {
            const iamg_holder *h = &f->holders[k];
            ig_buf_printf(out, "%s%s %s (%s)", k ? ", " : " held by ", h->type,
                          h->id     ? h->id
                          : h->name ? h->name
                                    : h->arn,
                          h->how);
        }
        ig_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        ig_buf_printf(out, "diag %s %u:%u %s\n", fc_level(d->level), d->line, d->column,
                      d->message);
    }
    iamg_results_free(r);
}

static int run_cases(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/cases/principals", IAMG_SOURCE_DIR);
    DIR *dh = opendir(dir);
    cr_assert_not_null(dh, "cannot open %s", dir);
    struct dirent *de;
    char *names[256];
    int n = 0;
    while ((de = readdir(dh)) != NULL && n < 256)
        if (de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0)
            names[n++] = strdup(de->d_name);
    closedir(dh);
    iamg_engine *e;
    iamg_error err;
    cr_assert_eq(iamg_engine_new(NULL, &e, &err), 0);
    for (int i = 0; i < n; i++) {
        char cdir[1400], input[1700] = "", expected[1500];
        const char *base = NULL;
        snprintf(cdir, sizeof cdir, "%s/%s", dir, names[i]);
        DIR *ch = opendir(cdir);
        cr_assert_not_null(ch);
        while ((de = readdir(ch)) != NULL) {
            if (de->d_name[0] == '.' || strcmp(de->d_name, "expected.txt") == 0) continue;
            snprintf(input, sizeof input, "%s/%s", cdir, de->d_name);
        }
        closedir(ch);
        cr_assert(input[0], "%s: no input file", cdir);
        base = strrchr(input, '/') + 1;
        snprintf(expected, sizeof expected, "%s/expected.txt", cdir);
        char *data;
        loaded l;
        diag_list d;
        fc_load(input, &data, &l, &d);
        principal_set ps;
        static const iamg_limits lim = IAMG_LIMITS_INIT;
        cr_assert_eq(ig_principals_build(&ps, &l, &lim, &d), 0);
        buf got = BUF_INIT;
        render_principals(&l, &ps, &got);
        size_t len = 0;
        char *raw = slurp(input, &len);
        render_scan(e, base, raw, len, &got);
        free(raw);
        const char *upd = getenv("IAMG_UPDATE_EXPECTED");
        if (upd && strcmp(upd, "1") == 0) {
            size_t ol = 0, keep = 0;
            char *old = slurp(expected, &ol);
            while (old && keep < ol && (old[keep] == '#' || old[keep] == '\n')) {
                const char *nl = memchr(old + keep, '\n', ol - keep);
                keep = nl ? (size_t)(nl - old) + 1 : ol;
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
        ig_principals_free(&ps);
        ig_loaded_free(&l);
        ig_diag_list_free(&d);
        free(data);
        free(names[i]);
    }
    iamg_engine_free(e);
    return n;
}

Test(principal, cases)
{
    cr_expect_geq(run_cases(), 8);
}
