/*
 * scan/walk.h - from the paths a user gave to the sorted list of files to scan.
 */
#ifndef IAMG_SCAN_WALK_H
#define IAMG_SCAN_WALK_H

#include <stddef.h>

#include "iamguard/engine.h"
#include "source/diag.h"

typedef struct walk_file {
    char *fs_path;  /* path to open; owns the allocation that also holds rel_path */
    char *rel_path; /* path shown in results: relative to the base folder when inside it */
    int explicit_;  /* named on the command line */
} walk_file;

typedef struct walk_list {
    walk_file *v;
    size_t n, cap;
    diag_list diags;        /* unreadable folders, skipped links and special files (notes) */
    size_t terraform_files; /* .tf files met in folders: not read, but worth a hint */
} walk_list;

/*
 * Hand each file to emit(ud, f) as soon as it is found, which takes
 * ownership of f->fs_path (one allocation with f->rel_path) whatever it
 * returns; emit returns non-zero to stop the walk. Files named in `paths`
 * come first, then the folders' files in walk order (names sorted within
 * each folder), each rel_path once. `out` receives only the walk's notes and
 * terraform_files. Returns as ig_walk_paths, or WALK_STOPPED when emit
 * stopped the walk. Every path is checked before the first file is emitted.
 */
#define WALK_STOPPED 1
typedef int (*walk_emit_fn)(void *ud, const walk_file *f);
int ig_walk_stream(const char *const *paths, size_t n, const iamg_scan_options *o,
                   walk_emit_fn emit, void *ud, walk_list *out, iamg_error *err);

/*
 * Expand files and folders into a list sorted by rel_path. Folders are walked
 * recursively, skipping version-control and dependency folders (.git,
 * node_modules, .terraform, ...), paths matching an exclude glob and, unless
 * follow_symlinks, symbolic links; with it, a link is followed once and
 * loops are cut. In folders only .json, .yaml, .yml and .template files are
 * candidates. Returns 0, IAMG_EIO when a given path does not exist (err), or
 * IAMG_ENOMEM.
 */
int ig_walk_paths(const char *const *paths, size_t n, const iamg_scan_options *o, walk_list *out,
                  iamg_error *err);

void ig_walk_list_free(walk_list *l);

/* Glob used by --exclude and the allowlist: '*' and '?' do not cross '/',
 * '**' does; a pattern without '/' is matched against each path component.
 * 1 on a match. */
int ig_walk_glob_match(const char *pattern, const char *path);

#endif
