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
    for (size_t i = 0; i < l->n; i++) {
        ig_free(l->v[i].fs_path);
        ig_free(l->v[i].rel_path);
    }
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
    walk_list *out;
    /* (dev, ino) of folders entered when following links, to cut loops. */
    struct {
        dev_t dev;
        ino_t ino;
    } * seen;
    size_t nseen, capseen;
    int oom;
} walker;

static int add_file(walker *w, const char *fs, const char *rel, int explicit_)
{
    walk_list *l = w->out;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        walk_file *v = ig_realloc(l->v, cap * sizeof *v);
        if (!v) return w->oom = 1, -1;
        l->v = v;
        l->cap = cap;
    }
    walk_file *f = &l->v[l->n];
    f->fs_path = ig_strdup(fs);
    f->rel_path = ig_strdup(rel);
    f->explicit_ = explicit_;
    if (!f->fs_path || !f->rel_path) {
        ig_free(f->fs_path);
        ig_free(f->rel_path);
        return w->oom = 1, -1;
    }
    l->n++;
    return 0;
}

static int excluded(const walker *w, const char *rel)
{
    for (size_t i = 0; i < w->o->nexclude; i++)
        if (ig_walk_glob_match(w->o->exclude[i], rel)) return 1;
    return 0;
}

static int is_candidate(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; candidate_exts[i]; i++) {
        size_t m = strlen(candidate_exts[i]);
        if (n > m && strcasecmp(name + n - m, candidate_exts[i]) == 0) return 1;
    }
    return 0;
}

/* Terraform configuration: HCL that iamguard reads through a plan instead. */
static int is_terraform(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcasecmp(name + n - 3, ".tf") == 0;
}

static int seen_dir(walker *w, const struct stat *st)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino) return 1;
    if (w->nseen == w->capseen) {
        size_t cap = w->capseen ? w->capseen * 2 : 64;
        void *v = ig_realloc(w->seen, cap * sizeof *w->seen);
        if (!v) return w->oom = 1, 1;
        w->seen = v;
        w->capseen = cap;
    }
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

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
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
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **v = ig_realloc(names, cap * sizeof *v);
            if (!v) {
                w->oom = 1;
                break;
            }
            names = v;
        }
        if (!(names[n] = ig_strdup(de->d_name))) {
            w->oom = 1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names); /* names is NULL when none were read */
    buf cfs = BUF_INIT, crel = BUF_INIT;
    for (size_t i = 0; i < n && !w->oom; i++) {
        const char *name = names[i];
        ig_buf_reset(&cfs);
        ig_buf_reset(&crel);
        ig_buf_printf(&cfs, "%s/%s", fs, name);
        if (rel[0])
            ig_buf_printf(&crel, "%s/%s", rel, name);
        else
            ig_buf_puts(&crel, name);
        if (cfs.oom || crel.oom || cfs.len >= PATH_MAX) {
            if (cfs.oom || crel.oom)
                w->oom = 1;
            else
                ig_diag_add_at(&w->out->diags, IAMG_EIO, IAMG_LEVEL_ERROR, crel.data, 0, 0, NULL,
                               "path too long: skipped");
            continue;
        }
        struct stat st;
        if (lstat(cfs.data, &st) != 0) continue; /* vanished since readdir */
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
        if (excluded(w, crel.data)) continue;
        if (S_ISDIR(st.st_mode)) {
            int skip = 0;
            for (int k = 0; skipped_dirs[k]; k++)
                skip |= strcmp(name, skipped_dirs[k]) == 0;
            if (skip) {
                note(w, crel.data, "dependency or version-control folder");
                continue;
            }
            if (w->o->follow_symlinks && seen_dir(w, &st)) {
                note(w, crel.data, "folder already visited (symbolic link loop)");
                continue;
            }
            walk_dir(w, cfs.data, crel.data);
        } else if (S_ISREG(st.st_mode)) {
            if (is_candidate(name))
                add_file(w, cfs.data, crel.data, 0);
            else if (is_terraform(name))
                w->out->terraform_files++;
        } else if (is_candidate(name)) {
            /* Reading a FIFO could block the scan forever; say so even
             * without --verbose, since the name promises a policy. */
            ig_diag_add_at(&w->out->diags, IAMG_ESKIP, IAMG_LEVEL_NOTE, crel.data, 0, 0, NULL,
                           "not a regular file (FIFO, socket or device): skipped");
        }
    }
    ig_buf_free(&cfs);
    ig_buf_free(&crel);
    for (size_t i = 0; i < n; i++)
        ig_free(names[i]);
    ig_free(names);
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

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const walk_file *)a)->rel_path, ((const walk_file *)b)->rel_path);
}

int ig_walk_paths(const char *const *paths, size_t n, const iamg_scan_options *o, walk_list *out,
                  iamg_error *err)
{
    memset(out, 0, sizeof *out);
    walker w = {o, out, NULL, 0, 0, 0};
    char *base = realpath(o->base_dir ? o->base_dir : ".", NULL);
    if (!base)
        return ig_error_set(err, IAMG_EUSAGE, o->base_dir ? o->base_dir : ".", 0, 0,
                            "base folder: %s", strerror(errno));
    int rc = 0;
    for (size_t i = 0; i < n && !w.oom; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            rc = ig_error_set(err, IAMG_EIO, paths[i], 0, 0, "cannot scan: %s", strerror(errno));
            break;
        }
        char *rel = relative_to(base, paths[i]);
        if (!rel) {
            if (errno == ENOMEM)
                w.oom = 1;
            else
                rc = ig_error_set(err, IAMG_EIO, paths[i], 0, 0, "cannot resolve path: %s",
                                  strerror(errno));
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            if (o->follow_symlinks) seen_dir(&w, &st);
            size_t pl = strlen(paths[i]);
            char *fs = ig_strndup(paths[i], pl);
            if (!fs)
                w.oom = 1;
            else {
                while (pl > 1 && fs[pl - 1] == '/')
                    fs[--pl] = '\0';
                walk_dir(&w, fs, rel);
            }
            ig_free(fs);
        } else {
            /* Named explicitly: always read, whatever its type or name. */
            add_file(&w, paths[i], rel[0] ? rel : paths[i], 1);
        }
        ig_free(rel);
    }
    free(base);
    ig_free(w.seen);
    if (!rc && w.oom) rc = ig_error_set(err, IAMG_ENOMEM, "", 0, 0, "out of memory listing files");
    if (rc) {
        ig_walk_list_free(out);
        return rc;
    }
    qsort(out->v, out->n, sizeof *out->v, cmp_files);
    /* A file named twice (or reached twice through links) is scanned once. */
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (k && strcmp(out->v[k - 1].rel_path, out->v[i].rel_path) == 0) {
            out->v[k - 1].explicit_ |= out->v[i].explicit_;
            ig_free(out->v[i].fs_path);
            ig_free(out->v[i].rel_path);
            continue;
        }
        out->v[k++] = out->v[i];
    }
    out->n = k;
    return 0;
}
