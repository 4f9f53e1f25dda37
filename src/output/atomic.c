/*
 * output/atomic.c - put a report in place only once it is complete.
 *
 * CI uploads whatever file it finds after the scan, so a run that is killed
 * or hits a full disk must leave the previous report (or none), never half
 * a SARIF file: the report is written to a temporary file in the target's
 * folder (rename is atomic only within one file system), flushed to disk,
 * then renamed over the target.
 */
#include "output/atomic.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iamguard/output.h"
#include "util/alloc.h"
#include "util/errors.h"

/* The process umask without changing it: umask(2) can only be read by
 * setting it, which would race with threads creating files. Linux shows it
 * in /proc/self/status; elsewhere fall back to the set-and-restore dance. */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "Umask:", 6) == 0) {
                char *end;
                unsigned long m = strtoul(line + 6, &end, 8);
                fclose(f);
                if (end != line + 6) return (mode_t)(m & 0777);
                goto fallback;
            }
        }
        fclose(f);
    }
fallback:;
    mode_t m = umask(022);
    umask(m);
    return m;
}

/* Flush the folder entry of path so the rename itself survives a crash.
 * Best effort: some file systems refuse fsync on folders. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir =
        slash ? ig_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : ig_strdup(".");
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    ig_free(dir);
}

/* Targets that are not regular files (/dev/stdout, /dev/null, a FIFO read by
 * another process) cannot be replaced by a rename, and must not be: renaming
 * over /dev/null as root would put a regular file in its place. Write to
 * them directly. */
static int write_special(const char *path, ig_write_fn write, void *ud, iamg_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) return ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    int rc = write(f, ud, err);
    if (fflush(f) == EOF || ferror(f)) {
        if (!rc) rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    if (fclose(f) != 0 && !rc)
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot write (close): %s", strerror(errno));
    return rc;
}

/* A path naming a symbolic link is written through it, as any program
 * writing to the path would: *target is set to the file at the end of the
 * chain of links (which may not exist yet), so that the temporary file is
 * made next to it and renamed over it, and the link stays a link. *target
 * is NULL when path is not a link. */
static int resolve_links(const char *path, char **target, iamg_error *err)
{
    *target = NULL;
    char *cur = NULL;
    for (int depth = 0;; depth++) {
        const char *p = cur ? cur : path;
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode)) break;
        if (depth == 40) {
            ig_free(cur);
            return ig_error_set(err, IAMG_EIO, path, 0, 0, "too many levels of symbolic links");
        }
        char link[4096];
        ssize_t n = readlink(p, link, sizeof link - 1);
        if (n < 0 || (size_t)n >= sizeof link - 1) {
            int e_ = n < 0 ? errno : ENAMETOOLONG;
            ig_free(cur);
            return ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot read the symbolic link: %s",
                                strerror(e_));
        }
        link[n] = '\0';
        /* A relative link is relative to the folder holding it. */
        const char *slash = link[0] == '/' ? NULL : strrchr(p, '/');
        size_t dirlen = slash ? (size_t)(slash - p) + 1 : 0;
        char *next = ig_malloc(dirlen + (size_t)n + 1);
        if (!next) {
            ig_free(cur);
            return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
        }
        memcpy(next, p, dirlen);
        memcpy(next + dirlen, link, (size_t)n + 1);
        ig_free(cur);
        cur = next;
    }
    *target = cur;
    return 0;
}

int ig_write_atomic(const char *path, ig_write_fn write, void *ud, iamg_error *err)
{
    char *target;
    int lrc = resolve_links(path, &target, err);
    if (lrc) return lrc;
    if (target) {
        lrc = ig_write_atomic(target, write, ud, err);
        ig_free(target);
        return lrc;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return ig_error_set(err, IAMG_EIO, path, 0, 0, "is a folder: give a file name");
        return write_special(path, write, ud, err);
    }
    static const char suffix[] = ".tmp.XXXXXX";
    assert(path && write); /* "-" (stdout) is the caller's business */
    size_t n = strlen(path);
    char *tmp = ig_malloc(n + sizeof suffix);
    if (!tmp) return ig_error_set(err, IAMG_ENOMEM, path, 0, 0, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, suffix, sizeof suffix);

    int rc = 0;
    FILE *f = NULL;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0,
                          "cannot create a temporary file next to it: %s", strerror(errno));
        ig_free(tmp);
        return rc;
    }
    /* mkstemp makes the file 0600; a report is as readable as any file. */
    if (fchmod(fd, 0666 & ~current_umask()) != 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot set permissions of %s: %s", tmp,
                          strerror(errno));
        close(fd);
        goto fail;
    }
    f = fdopen(fd, "w");
    if (!f) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot open %s: %s", tmp, strerror(errno));
        close(fd);
        goto fail;
    }
    rc = write(f, ud, err);
    if (rc) goto fail;
    errno = 0;
    if (fflush(f) == EOF || ferror(f)) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot write: %s",
                          errno ? strerror(errno) : "write error");
        goto fail;
    }
    if (fsync(fileno(f)) != 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot write (fsync): %s", strerror(errno));
        goto fail;
    }
    int closed = fclose(f);
    f = NULL;
    if (closed != 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot write (close): %s", strerror(errno));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        rc =
            ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot replace the file: %s", strerror(errno));
        goto fail;
    }
    sync_parent(path);
    ig_free(tmp);
    return 0;
fail:
    if (f) fclose(f);
    unlink(tmp);
    ig_free(tmp);
    return rc;
}

/* iamg_write_file_atomic's writer and its arguments, as one ig_write_fn. */
typedef struct report_writer {
    iamg_writer_fn writer;
    const iamg_engine *e;
    const iamg_results *r;
    const iamg_output_options *o;
} report_writer;

static int write_report(FILE *out, void *ud, iamg_error *err)
{
    const report_writer *w = ud;
    return w->writer(out, w->e, w->r, w->o, err);
}

int iamg_write_file_atomic(const char *path, iamg_writer_fn writer, const iamg_engine *e,
                           const iamg_results *r, const iamg_output_options *o, iamg_error *err)
{
    report_writer w = {writer, e, r, o};
    return ig_write_atomic(path, write_report, &w, err);
}
