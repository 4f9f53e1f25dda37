/* d_type and DT_* from readdir (BSD, glibc): a stat per file spared. */
#define _DEFAULT_SOURCE 1
#include "scan/walk.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/hash.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/errors.h"

/* Folders that hold tools' caches or other people's code, never policies
 * that this repository owns. */
static const char *const skipped_dirs[] = {
    ".git",  ".hg",  ".svn",        "node_modules", ".terraform",  ".terragrunt-cache",
    ".venv", "venv", "__pycache__", ".tox",         ".mypy_cache", ".pytest_cache",
    NULL};

static const char *const candidate_exts[] = {".json", ".yaml", ".yml", ".template", NULL};

void ig_walk_list_free(walk_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ig_free(l->v[i].fs_path);
    ig_free(l->v);
    ig_diag_list_free(&l->diags);
    memset(l, 0, sizeof *l);
}

/* ---- globs ---- */

/* Match pattern p against s, where '*' and '?' stop at '/', and '**' crosses
 * it. Recursion happens only at '**', whose number is bounded by the pattern. */
static int glob_at(const char *p, const char *s)
{
    const char *star_p = NULL, *star_s = NULL;
    while (*s) {
        if (p[0] == '*' && p[1] == '*') {
            p += 2;
            if (*p == '/') p++;
            for (const char *t = s;; t++) {
                if (glob_at(p, t)) return 1;
                if (!*t) return 0;
            }
        }
        if (*p == '*') {
            star_p = ++p;
            star_s = s;
            continue;
        }
        if (*p && *p != '/' && *p == *s) {
            p++, s++;
            continue;
        }
        if (*p == '?' && *s != '/') {
            p++, s++;
            continue;
        }
        if (*p == '/' && *s == '/') {
            p++, s++;
            continue;
        }
        if (star_p && *star_s != '/') {
            p = star_p;
            s = ++star_s;
            continue;
        }
        return 0;
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int ig_walk_glob_match(const char *pattern, const char *path)
{
    if (!pattern || !path) return 0;
    while (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (strchr(pattern, '/')) {
        /* "dir/" means the folder and everything in it. */
        size_t pl = strlen(pattern);
        if (pattern[pl - 1] == '/') {
            char tmp[PATH_MAX];
            if (pl + 2 >= sizeof tmp) return 0;
            memcpy(tmp, pattern, pl);
            memcpy(tmp + pl, "**", 3);
            return glob_at(tmp, path);
        }
        return glob_at(pattern, path);
    }
    /* A bare name or glob matches any component of the path. */
    const char *c = path;
    char comp[PATH_MAX];
    while (*c) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n < sizeof comp) {
            memcpy(comp, c, n);
            comp[n] = '\0';
            if (glob_at(pattern, comp)) return 1;
        }
        if (!e) break;
        c = e + 1;
    }
    return 0;
}

/* ---- the walk ---- */

typedef struct walker {
    const iamg_scan_options *o;
    walk_list *out; /* diags and terraform_files */
    walk_emit_fn emit;
    void *ud;
    /* (dev, ino) of folders entered when following links, to cut loops. */
    struct {
        dev_t dev;
        ino_t ino;
    } * seen;
    size_t nseen, capseen;
    /* rel_paths emitted, when several paths were given: a file named twice
     * (or named and also inside a folder named) is scanned once. Open
     * addressing; the strings belong to the emitted files. */
    const char **names;
    size_t nnames, capnames;
    int dedupe;
    int oom;
    int stopped; /* emit asked to stop */
} walker;

/* 1 when rel was emitted already; otherwise remember it and return 0. */
static int seen_name(walker *w, const char *rel)
{
    if (w->nnames * 2 >= w->capnames) {
        size_t cap = w->capnames ? w->capnames * 2 : 256;
        const char **v = ig_calloc(cap, sizeof *v);
        if (!v) return w->oom = 1, 1;
        for (size_t i = 0; i < w->capnames; i++) {
            if (!w->names[i]) continue;
            size_t k = ig_fnv64_str(IG_FNV64_INIT, w->names[i]) & (cap - 1);
            while (v[k])
                k = (k + 1) & (cap - 1);
            v[k] = w->names[i];
        }
        ig_free(w->names);
        w->names = v;
        w->capnames = cap;
    }
    size_t k = ig_fnv64_str(IG_FNV64_INIT, rel) & (w->capnames - 1);
    for (; w->names[k]; k = (k + 1) & (w->capnames - 1))
        if (strcmp(w->names[k], rel) == 0) return 1;
    w->names[k] = rel;
    w->nnames++;
    return 0;
}

/* Both paths in one allocation: rel_path follows fs_path. */
static int add_file(walker *w, const char *fs, size_t fl, const char *rel, size_t rl, int explicit_)
{
    if (w->stopped || w->oom) return -1;
    char *p = ig_malloc(fl + rl + 2);
    if (!p) return w->oom = 1, -1;
    memcpy(p, fs, fl);
    p[fl] = '\0';
    memcpy(p + fl + 1, rel, rl);
    p[fl + 1 + rl] = '\0';
    walk_file f = {p, p + fl + 1, explicit_};
    if (w->dedupe && seen_name(w, f.rel_path)) {
        ig_free(p);
        return w->oom ? -1 : 0;
    }
    /* From here the sink owns the file, even when it asks to stop. */
    if (w->emit(w->ud, &f) != 0) return w->stopped = 1, -1;
    return 0;
}

static int excluded(const walker *w, const char *rel)
{
    for (size_t i = 0; i < w->o->nexclude; i++)
        if (ig_walk_glob_match(w->o->exclude[i], rel)) return 1;
    return 0;
}

static int is_candidate(const char *name, size_t n)
{
    for (int i = 0; candidate_exts[i]; i++) {
        size_t m = strlen(candidate_exts[i]);
        if (n > m && strcasecmp(name + n - m, candidate_exts[i]) == 0) return 1;
    }
    return 0;
}

/* Terraform configuration: HCL that iamguard reads through a plan instead. */
static int is_terraform(const char *name, size_t n)
{
    return n > 3 && strcasecmp(name + n - 3, ".tf") == 0;
}

static int seen_dir(walker *w, const struct stat *st)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino) return 1;
    if (IG_ARRAY_GROW(w->seen, w->nseen, w->capseen, 64)) return w->oom = 1, 1;
    w->seen[w->nseen].dev = st->st_dev;
    w->seen[w->nseen].ino = st->st_ino;
    w->nseen++;
    return 0;
}

static void note(walker *w, const char *rel, const char *what)
{
    if (!w->o->verbose) return;
    buf b = BUF_INIT;
    ig_buf_printf(&b, "%s: skipped", what);
    if (!b.oom)
        ig_diag_add_at(&w->out->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, rel, 0, 0, NULL, b.data);
    ig_buf_free(&b);
}

/* A folder entry: its name (in the folder's name buffer) and its type from
 * readdir, which spares a stat per file on most file systems. */
typedef struct entry {
    const char *name; /* in the name buffer, once it stopped growing */
    size_t off;       /* offset in the name buffer */
    size_t len;
    unsigned char type; /* DT_* */
} entry;

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

/* Walk folder fs (shown as rel). Recursion depth is bounded by PATH_MAX. */
static void walk_dir(walker *w, const char *fs, const char *rel)
{
    DIR *d = opendir(fs);
    if (!d) {
        char msg[256];
        snprintf(msg, sizeof msg, "cannot read folder: %s", strerror(errno));
        ig_diag_add_at(&w->out->diags, IAMG_EIO, IAMG_LEVEL_ERROR, rel, 0, 0, NULL, msg);
        return;
    }
    buf names = BUF_INIT;
    entry *ents = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (IG_ARRAY_GROW(ents, n, cap, 32)) {
            w->oom = 1;
            break;
        }
        size_t len = strlen(de->d_name);
        ents[n].off = names.len;
        ents[n].len = len;
        ents[n].type = de->d_type;
        ig_buf_append(&names, de->d_name, len + 1);
        if (names.oom) {
            w->oom = 1;
            break;
        }
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n; i++)
        ents[i].name = names.data + ents[i].off;
    /* Sorted, so the walk order never depends on the file system. */
    if (n) qsort(ents, n, sizeof *ents, cmp_entries);
    size_t fl = strlen(fs), rl = strlen(rel);
    buf cfs = BUF_INIT, crel = BUF_INIT;
    for (size_t i = 0; i < n && !w->oom && !w->stopped; i++) {
        const char *name = ents[i].name;
        size_t nl = ents[i].len;
        ig_buf_reset(&cfs);
        ig_buf_reset(&crel);
        ig_buf_append(&cfs, fs, fl);
        ig_buf_putc(&cfs, '/');
        ig_buf_append(&cfs, name, nl + 1);
        if (rl) {
            ig_buf_append(&crel, rel, rl);
            ig_buf_putc(&crel, '/');
        }
        ig_buf_append(&crel, name, nl + 1);
        if (cfs.oom || crel.oom) {
            w->oom = 1;
            continue;
        }
        if (cfs.len - 1 >= PATH_MAX) {
            ig_diag_add_at(&w->out->diags, IAMG_EIO, IAMG_LEVEL_ERROR, crel.data, 0, 0, NULL,
                           "path too long: skipped");
            continue;
        }
        unsigned char type = ents[i].type;
        struct stat st;
        int have_st = 0;
        if (type == DT_UNKNOWN || type == DT_LNK || (type == DT_DIR && w->o->follow_symlinks)) {
            if (lstat(cfs.data, &st) != 0) continue; /* vanished since readdir */
            have_st = 1;
            if (S_ISLNK(st.st_mode)) {
                if (!w->o->follow_symlinks) {
                    note(w, crel.data, "symbolic link (use --follow-symlinks)");
                    continue;
                }
                if (stat(cfs.data, &st) != 0) {
                    note(w, crel.data, "broken symbolic link");
                    continue;
                }
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (excluded(w, crel.data)) continue;
        if (type == DT_DIR) {
            int skip = 0;
            for (int k = 0; skipped_dirs[k]; k++)
                skip |= strcmp(name, skipped_dirs[k]) == 0;
            if (skip) {
                note(w, crel.data, "dependency or version-control folder");
                continue;
            }
            if (w->o->follow_symlinks && have_st && seen_dir(w, &st)) {
                note(w, crel.data, "folder already visited (symbolic link loop)");
                continue;
            }
            walk_dir(w, cfs.data, crel.data);
        } else if (type == DT_REG) {
            if (is_candidate(name, nl))
                add_file(w, cfs.data, cfs.len - 1, crel.data, crel.len - 1, 0);
            else if (is_terraform(name, nl))
                w->out->terraform_files++;
        } else if (is_candidate(name, nl)) {
            /* Reading a FIFO could block the scan forever; say so even
             * without --verbose, since the name promises a policy. */
            ig_diag_add_at(&w->out->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, crel.data, 0, 0, NULL,
                           "not a regular file (FIFO, socket or device): skipped");
        }
    }
    ig_buf_free(&cfs);
    ig_buf_free(&crel);
    ig_buf_free(&names);
    ig_free(ents);
}

/* Path of `path` relative to the base folder when it lies inside it; NULL
 * with errno set when it cannot be resolved (ENOMEM: out of memory). */
static char *relative_to(const char *base_real, const char *path)
{
    char *real = realpath(path, NULL);
    if (!real) return NULL;
    size_t bl = strlen(base_real);
    char *out = NULL;
    if (strcmp(base_real, "/") == 0)
        out = ig_strdup(real + 1);
    else if (strncmp(real, base_real, bl) == 0 && (real[bl] == '/' || real[bl] == '\0'))
        out = ig_strdup(real[bl] ? real + bl + 1 : "");
    else
        out = ig_strdup(real);
    free(real);
    if (!out) errno = ENOMEM;
    return out;
}

typedef struct given {
    char *rel;
    int is_dir;
    struct stat st;
} given;

int ig_walk_stream(const char *const *paths, size_t n, const iamg_scan_options *o,
                   walk_emit_fn emit, void *ud, walk_list *out, iamg_error *err)
{
    memset(out, 0, sizeof *out);
    walker w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.out = out;
    w.emit = emit;
    w.ud = ud;
    w.dedupe = n > 1;
    char *base = realpath(o->base_dir ? o->base_dir : ".", NULL);
    if (!base)
        return ig_error_set(err, IAMG_EUSAGE, o->base_dir ? o->base_dir : ".", 0, 0,
                            "base folder: %s", strerror(errno));
    int rc = 0;
    /* Every path is checked before any file is handed on, so a typo costs
     * no partial scan. */
    given *g = ig_calloc(n ? n : 1, sizeof *g);
    if (!g) w.oom = 1;
    for (size_t i = 0; i < n && !w.oom && !rc; i++) {
        if (stat(paths[i], &g[i].st) != 0) {
            rc = ig_error_set(err, IAMG_EIO, paths[i], 0, 0, "cannot scan: %s", strerror(errno));
            break;
        }
        g[i].is_dir = S_ISDIR(g[i].st.st_mode);
        g[i].rel = relative_to(base, paths[i]);
        if (!g[i].rel) {
            if (errno == ENOMEM)
                w.oom = 1;
            else
                rc = ig_error_set(err, IAMG_EIO, paths[i], 0, 0, "cannot resolve path: %s",
                                  strerror(errno));
        }
    }
    /* Files named explicitly first: always read, whatever their type or name. */
    for (size_t i = 0; i < n && !rc && !w.oom && !w.stopped; i++) {
        if (g[i].is_dir) continue;
        const char *rel = g[i].rel[0] ? g[i].rel : paths[i];
        add_file(&w, paths[i], strlen(paths[i]), rel, strlen(rel), 1);
    }
    for (size_t i = 0; i < n && !rc && !w.oom && !w.stopped; i++) {
        if (!g[i].is_dir) continue;
        if (o->follow_symlinks) seen_dir(&w, &g[i].st);
        size_t pl = strlen(paths[i]);
        char *fs = ig_strndup(paths[i], pl);
        if (!fs) {
            w.oom = 1;
            break;
        }
        while (pl > 1 && fs[pl - 1] == '/')
            fs[--pl] = '\0';
        walk_dir(&w, fs, g[i].rel);
        ig_free(fs);
    }
    for (size_t i = 0; g && i < n; i++)
        ig_free(g[i].rel);
    ig_free(g);
    free(base);
    ig_free(w.seen);
    ig_free(w.names);
    if (!rc && w.oom) rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory listing files");
    if (!rc && w.stopped) rc = WALK_STOPPED;
    if (rc) ig_diag_list_free(&out->diags);
    return rc;
}

/* ---- the sorted list ---- */

static int collect(void *ud, const walk_file *f)
{
    walk_list *l = ud;
    if (IG_ARRAY_GROW(l->v, l->n, l->cap, 256)) {
        ig_free(f->fs_path);
        return -1;
    }
    l->v[l->n++] = *f;
    return 0;
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const walk_file *)a)->rel_path, ((const walk_file *)b)->rel_path);
}

int ig_walk_paths(const char *const *paths, size_t n, const iamg_scan_options *o, walk_list *out,
                  iamg_error *err)
{
    walk_list files;
    memset(&files, 0, sizeof files);
    int rc = ig_walk_stream(paths, n, o, collect, &files, out, err);
    if (rc == WALK_STOPPED)
        rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory listing files");
    if (rc) {
        ig_walk_list_free(&files);
        memset(out, 0, sizeof *out);
        return rc;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_files);
    out->v = files.v;
    out->n = files.n;
    out->cap = files.cap;
    return 0;
}
