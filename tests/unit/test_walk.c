/*
 * Folder walks: which files are candidates, in what order, with which
 * paths; excludes; links and loops; special files.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/files.h"
#include "scan/walk.h"

static char *root;

static void touch(const char *rel)
{
    write_text(root, rel, "{}");
}

static void setup(void)
{
    root = tmp_dir("walk");
    touch("b.json");
    touch("a.yaml");
    touch("c.yml");
    touch("stack.template");
    touch("notes.txt");
    touch("README");
    touch("sub/z.json");
    touch("sub/deeper/y.JSON");
    touch(".git/config.json");
    touch("node_modules/pkg/package.json");
    touch(".terraform/modules/m.json");
    touch("test/fixture.json");
}

static void teardown(void)
{
    cr_assert_eq(rm_tree(root), 0);
    free(root);
}

static char *listing(const char *const *paths, size_t n, const iamg_scan_options *o)
{
    walk_list l;
    iamg_error err;
    cr_assert_eq(ig_walk_paths(paths, n, o, &l, &err), 0, "%s", err.message);
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        strncat(out, l.v[i].rel_path, sizeof out - strlen(out) - 2);
        strncat(out, l.v[i].explicit_ ? "!" : "", sizeof out - strlen(out) - 1);
        strncat(out, " ", sizeof out - strlen(out) - 1);
    }
    ig_walk_list_free(&l);
    return out;
}

TestSuite(walk, .init = setup, .fini = teardown);

Test(walk, candidates_sorted_relative_to_base)
{
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.base_dir = root;
    const char *paths[] = {root};
    cr_assert_str_eq(
        listing(paths, 1, &o),
        "a.yaml b.json c.yml stack.template sub/deeper/y.JSON sub/z.json test/fixture.json ");
}

Test(walk, base_dir_prefix_and_explicit_files)
{
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.base_dir = "/tmp";
    char sub[128], txt[128];
    snprintf(sub, sizeof sub, "%s/sub/", root);
    snprintf(txt, sizeof txt, "%s/notes.txt", root);
    const char *paths[] = {sub, txt, sub};
    const char *name = root + strlen("/tmp/");
    char expect[512];
    /* A file named explicitly is read whatever its extension; a file reached
     * twice is listed once. */
    snprintf(expect, sizeof expect, "%s/notes.txt! %s/sub/deeper/y.JSON %s/sub/z.json ", name, name,
             name);
    cr_assert_str_eq(listing(paths, 3, &o), expect);
}

Test(walk, excludes)
{
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.base_dir = root;
    const char *paths[] = {root};
    const char *ex1[] = {"test"};
    o.exclude = ex1;
    o.nexclude = 1;
    cr_assert_str_eq(listing(paths, 1, &o),
                     "a.yaml b.json c.yml stack.template sub/deeper/y.JSON sub/z.json ");
    const char *ex2[] = {"*.y*ml", "sub/**/*.JSON"};
    o.exclude = ex2;
    o.nexclude = 2;
    cr_assert_str_eq(listing(paths, 1, &o), "b.json stack.template sub/z.json test/fixture.json ");
    const char *ex3[] = {"sub/"};
    o.exclude = ex3;
    o.nexclude = 1;
    cr_assert_str_eq(listing(paths, 1, &o),
                     "a.yaml b.json c.yml stack.template test/fixture.json ");
}

Test(walk, glob_semantics)
{
    cr_assert(ig_walk_glob_match("*.json", "a/b/c.json"), "bare patterns match a component");
    cr_assert(ig_walk_glob_match("sub", "x/sub/y.json"));
    cr_assert_not(ig_walk_glob_match("sub/*.json", "sub/deeper/y.json"), "* stays in one folder");
    cr_assert(ig_walk_glob_match("sub/**/y.json", "sub/deeper/y.json"));
    cr_assert(ig_walk_glob_match("sub/**/y.json", "sub/y.json"), "** matches zero folders");
    cr_assert(ig_walk_glob_match("**/y.json", "a/b/c/y.json"));
    cr_assert(ig_walk_glob_match("./sub/?.json", "sub/z.json"));
    cr_assert_not(ig_walk_glob_match("sub/?.json", "sub/zz.json"));
    cr_assert(ig_walk_glob_match("policies/", "policies/a/b.json"),
              "a trailing slash means the folder");
    cr_assert_not(ig_walk_glob_match("policies/", "other/policies.json"));
}

Test(walk, symlinks_not_followed_by_default_and_loops_cut)
{
    char link[256], target[256];
    snprintf(link, sizeof link, "%s/sub/loop", root);
    cr_assert_eq(symlink("..", link), 0);
    snprintf(link, sizeof link, "%s/alias.json", root);
    snprintf(target, sizeof target, "%s/b.json", root);
    cr_assert_eq(symlink(target, link), 0);
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.base_dir = root;
    const char *paths[] = {root};
    cr_assert_str_eq(
        listing(paths, 1, &o),
        "a.yaml b.json c.yml stack.template sub/deeper/y.JSON sub/z.json test/fixture.json ");
    o.follow_symlinks = 1;
    /* Followed: the link to a file counts, the loop back to the root does not recurse. */
    cr_assert_str_eq(listing(paths, 1, &o), "a.yaml alias.json b.json c.yml stack.template "
                                            "sub/deeper/y.JSON sub/z.json test/fixture.json ");
}

Test(walk, special_files_noted_not_opened)
{
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/pipe.json", root);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    o.base_dir = root;
    const char *paths[] = {root};
    walk_list l;
    iamg_error err;
    cr_assert_eq(ig_walk_paths(paths, 1, &o, &l, &err), 0);
    for (size_t i = 0; i < l.n; i++)
        cr_assert_str_neq(l.v[i].rel_path, "pipe.json");
    cr_assert_eq(l.diags.n, 1);
    cr_assert_str_eq(l.diags.v[0].path, "pipe.json");
    cr_assert(strstr(l.diags.v[0].message, "not a regular file") != NULL);
    ig_walk_list_free(&l);
}

Test(walk, missing_path_is_an_error)
{
    iamg_scan_options o = IAMG_SCAN_OPTIONS_INIT;
    const char *paths[] = {"/nonexistent/iamguard/path"};
    walk_list l;
    iamg_error err;
    cr_assert_eq(ig_walk_paths(paths, 1, &o, &l, &err), IAMG_EIO);
    cr_assert(strstr(err.message, "No such file") != NULL, "%s", err.message);
}
