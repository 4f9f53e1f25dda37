/*
 * The tests' scratch folders and the files they write into them.
 */
#ifndef IAMG_TESTS_FILES_H
#define IAMG_TESTS_FILES_H

#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A new empty folder /tmp/iamg-TAG-XXXXXX; free() the name. */
static __attribute__((unused)) char *tmp_dir(const char *tag)
{
    char t[256];
    cr_assert_lt((size_t)snprintf(t, sizeof t, "/tmp/iamg-%s-XXXXXX", tag), sizeof t);
    cr_assert_not_null(mkdtemp(t), "mkdtemp %s: %s", t, strerror(errno));
    char *d = strdup(t);
    cr_assert_not_null(d);
    return d;
}

static __attribute__((unused)) int files_rm_one(const char *path, const struct stat *st, int flag,
                                                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove dir and everything in it, without following symbolic links.
 * 0, or -1 when something could not be removed. */
static __attribute__((unused)) int rm_tree(const char *dir)
{
    return nftw(dir, files_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Write data[0..len) to dir/rel (to rel when dir is NULL), making the
 * folders of rel that do not exist; the test fails when it cannot. */
static __attribute__((unused)) void write_bytes(const char *dir, const char *rel, const void *data,
                                                size_t len)
{
    char path[1024];
    int n = dir ? snprintf(path, sizeof path, "%s/%s", dir, rel)
                : snprintf(path, sizeof path, "%s", rel);
    cr_assert(n > 0 && (size_t)n < sizeof path, "path too long: %s/%s", dir ? dir : "", rel);
    for (char *p = path + (dir ? strlen(dir) + 1 : 1); (p = strchr(p, '/')); p++) {
        *p = '\0';
        cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, len, f), len, "cannot write %s", path);
    cr_assert_eq(fclose(f), 0, "cannot write %s", path);
}

/* The same for a C string. */
static __attribute__((unused)) void write_text(const char *dir, const char *rel, const char *text)
{
    write_bytes(dir, rel, text, strlen(text));
}

#endif
