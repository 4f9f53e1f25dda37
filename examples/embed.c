/*
 * examples/embed.c - iamguard as a library in another program.
 *
 *     cc examples/embed.c $(pkg-config --cflags --libs iamguard) -o embed
 *     ./embed policy.json [RULES-DIR]
 *
 * Scans one policy file with the built-in rules (and the rules of RULES-DIR,
 * when given) and prints one line per finding, starting with the rule id:
 *
 *     IAM-SSM-1 error policy.json:13:18 Statement "Deploy" allows ... [identity]
 *
 * then the same scan of the file's bytes held in memory (as a program that
 * receives policies over the network would), and writes the SARIF report to
 * standard error when IAMGUARD_SARIF is set. Exit status: 0 no findings,
 * 1 findings, 2 the scan could not run, 3 some input or rule failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <iamguard/iamguard.h>

static void print_error(const char *what, const iamg_error *err)
{
    fprintf(stderr, "embed: %s: ", what);
    if (err->path[0]) fprintf(stderr, "%s:%u:%u: ", err->path, err->line, err->column);
    fprintf(stderr, "%s\n", err->message[0] ? err->message : iamg_strerror(err->code));
}

static void print_findings(const iamg_results *r)
{
    for (size_t i = 0; i < iamg_results_count(r); i++) {
        const iamg_finding *f = iamg_results_get(r, i); /* borrowed from r */
        printf("%s %s %s:%u:%u %s [%s%s%s]\n", f->rule_id, iamg_level_name(f->level), f->path,
               f->line, f->column, f->message, f->origin.kind ? f->origin.kind : "?",
               f->origin.container ? ", " : "", f->origin.container ? f->origin.container : "");
    }
    /* Problems with the input or a rule are not findings, but never dropped. */
    for (size_t i = 0; i < iamg_results_diag_count(r); i++) {
        const iamg_diag *d = iamg_results_diag(r, i);
        fprintf(stderr, "embed: %s:%u:%u: %s: %s\n", d->path ? d->path : "-", d->line, d->column,
                iamg_level_name(d->level), d->message);
    }
}

/* The whole file in a new buffer (caller frees), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    if (!f) return NULL;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = p;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        return NULL;
    }
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: embed POLICY-FILE [RULES-DIR]\n");
        return 2;
    }
    int status = 2;
    iamg_engine *e = NULL;
    iamg_results *r = NULL, *rb = NULL;
    char *data = NULL;
    iamg_error err;

    /* Options: defaults, with a tighter memory cap for every rule. */
    iamg_engine_options eo = IAMG_ENGINE_OPTIONS_INIT;
    eo.limits.lua_memory = (size_t)32 << 20;
    if (iamg_engine_new(&eo, &e, &err)) {
        print_error("engine", &err);
        goto done;
    }
    if (argc == 3 && iamg_engine_add_rules_dir(e, argv[2], &err)) {
        print_error("rules", &err);
        goto done;
    }

    /* Scan a file. jobs = 1: one file needs no worker threads. */
    iamg_scan_options so = IAMG_SCAN_OPTIONS_INIT;
    so.jobs = 1;
    const char *paths[] = {argv[1]};
    if (iamg_scan_paths(e, paths, 1, &so, &r, &err)) {
        print_error("scan", &err);
        goto done;
    }
    print_findings(r);

    /* Scan the same bytes from memory, named like the file. */
    size_t len;
    data = slurp(argv[1], &len);
    if (!data) {
        fprintf(stderr, "embed: cannot read %s\n", argv[1]);
        goto done;
    }
    if (iamg_scan_buffer(e, argv[1], data, len, &so, &rb, &err)) {
        print_error("scan buffer", &err);
        goto done;
    }
    if (iamg_results_count(rb) != iamg_results_count(r)) {
        fprintf(stderr, "embed: the file and its bytes gave different results\n");
        goto done;
    }

    if (getenv("IAMGUARD_SARIF")) {
        iamg_output_options oo = IAMG_OUTPUT_OPTIONS_INIT;
        oo.category = "embed";
        if (iamg_write_sarif(stderr, e, r, &oo, &err)) {
            print_error("sarif", &err);
            goto done;
        }
    }

    status = iamg_results_count(r) ? 1 : 0;
    for (size_t i = 0; i < iamg_results_diag_count(r); i++)
        if (iamg_results_diag(r, i)->level == IAMG_LEVEL_ERROR) status = 3;
done:
    free(data);
    iamg_results_free(rb);
    iamg_results_free(r);
    iamg_engine_free(e);
    return status;
}
