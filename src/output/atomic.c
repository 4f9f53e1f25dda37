/*
 * output/atomic.c - put a report in place only once it is complete.
 *
 * CI uploads whatever file it finds after the scan, so a run that is killed
 * or hits a full disk must leave the previous report (or none), never half
 * a SARIF file: the report is written to a temporary file in the target's
 * folder (rename is atomic only within one file system), flushed to disk,
 * then renamed over the target.
 *
 * An interrupted run (Ctrl-C, a CI job cancelled or timed out, a closed
 * terminal) must not leave that temporary file behind either: once the
 * program has asked for it (iamg_catch_signals), SIGINT, SIGTERM and SIGHUP
 * remove every temporary file being written and end the process with status
 * 128 + the signal number. The temporary files are tracked in a few atomic
 * slots that the handler reads; signals are blocked while a file is created
 * and tracked, and while it is renamed and forgotten, so the handler never
 * sees a name that is not, or no longer, a temporary file.
 */
#include "output/atomic.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iamguard/output.h"
#include "util/alloc.h"
#include "util/errors.h"

/* ---- signals ------------------------------------------------------------------------------- */

/* Temporary files being written; more writers at once than this are not
 * removed by a signal (they are still removed on any error). */
#define PENDING_MAX 16
static _Atomic(char *) pending[PENDING_MAX];

static void on_signal(int sig)
{
    /* Only async-signal-safe calls: unlink and _exit. */
    for (int i = 0; i < PENDING_MAX; i++) {
        char *p = atomic_load(&pending[i]);
        if (p) unlink(p);
    }
    _exit(128 + sig);
}

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof caught_signals / sizeof *caught_signals; i++)
        sigaddset(&set, caught_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The slot now holding tmp, or -1 when all are taken. */
static int track(char *tmp)
{
    for (int i = 0; i < PENDING_MAX; i++) {
        char *expect = NULL;
        if (atomic_compare_exchange_strong(&pending[i], &expect, tmp)) return i;
    }
    return -1;
}

static void untrack(int slot)
{
    if (slot >= 0) atomic_store(&pending[slot], NULL);
}

int iamg_catch_signals(void)
{
    for (size_t i = 0; i < sizeof caught_signals / sizeof *caught_signals; i++) {
        struct sigaction cur, sa;
        if (sigaction(caught_signals[i], NULL, &cur) != 0) return IAMG_EIO;
        /* A signal the parent chose to ignore (nohup, a background job of
         * a shell without job control) stays ignored. */
        if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_IGN) continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t k = 0; k < sizeof caught_signals / sizeof *caught_signals; k++)
            sigaddset(&sa.sa_mask, caught_signals[k]);
        if (sigaction(caught_signals[i], &sa, NULL) != 0) return IAMG_EIO;
    }
    return 0;
}

/* ---- the atomic write ---------------------------------------------------------------------- */

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
    sigset_t old;
    block_signals(&old);
    int fd = mkstemp(tmp);
    int mkstemp_errno = errno;
    int slot = fd >= 0 ? track(tmp) : -1;
    restore_signals(&old);
    if (fd < 0) {
        rc = ig_error_set(err, IAMG_EIO, path, 0, 0,
                          "cannot create a temporary file next to it: %s", strerror(mkstemp_errno));
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
    /* Once renamed, the name is the report: a signal must not remove it. */
    block_signals(&old);
    int renamed = rename(tmp, path);
    int rename_errno = errno;
    if (renamed != 0) unlink(tmp);
    untrack(slot);
    restore_signals(&old);
    ig_free(tmp);
    if (renamed != 0)
        return ig_error_set(err, IAMG_EIO, path, 0, 0, "cannot replace the file: %s",
                            strerror(rename_errno));
    sync_parent(path);
    return 0;
fail:
    if (f) fclose(f);
    block_signals(&old);
    unlink(tmp);
    untrack(slot);
    restore_signals(&old);
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
